-- The center a clock belongs to, copied from its matter (which never changes center), so the alert counts and the most
-- urgent clocks of a center are read from one index instead of joining every alerting clock to its matter.
ALTER TABLE matter_clock ADD COLUMN center_id int;
UPDATE matter_clock k SET center_id = m.center_id FROM matter m WHERE m.id = k.matter_id;
ALTER TABLE matter_clock ALTER COLUMN center_id SET NOT NULL;
CREATE INDEX matter_clock_center_alert_idx ON matter_clock (center_id, alert_state, due_at)
    WHERE stopped_at IS NULL AND alert_state IN ('approaching', 'overdue');
DROP INDEX matter_clock_alert_idx;
