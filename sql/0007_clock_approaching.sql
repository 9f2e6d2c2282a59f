-- The moment a clock turns 临期 is computed once, in C# (DeadlineRule.ApproachingFrom), whenever its due moment is
-- set, and stored; the watcher only compares it. Rows written before this migration are filled in by
-- the clock watcher on its next run, so the rule itself is never written in SQL.
ALTER TABLE matter_clock ADD COLUMN approaching_from timestamptz;
CREATE INDEX matter_clock_approaching_idx ON matter_clock (approaching_from) WHERE stopped_at IS NULL AND alert_state = 'running';
