-- Indexes for what the lists filter and sort by, so a page costs the same on the first day and at millions of rows:
-- keyset paging of matters newest first (all, by status, by unit) and the running clocks that are in an alert state.
CREATE INDEX matter_list_idx ON matter (center_id, received_at DESC, id DESC);
CREATE INDEX matter_status_list_idx ON matter (center_id, status, received_at DESC, id DESC);
CREATE INDEX matter_unit_list_idx ON matter (responsible_unit_id, received_at DESC, id DESC);
CREATE INDEX matter_clock_alert_idx ON matter_clock (alert_state, due_at) WHERE stopped_at IS NULL AND alert_state IN ('approaching', 'overdue');
DROP INDEX matter_received_idx;
