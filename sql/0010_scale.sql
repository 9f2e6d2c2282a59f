-- A petitioner's window (复查/复核申请) that runs out unused is closed by the clock watcher with the result 'lapsed', so
-- running clocks stay few as history grows and the watcher's scans stay short.
ALTER TABLE matter_clock DROP CONSTRAINT matter_clock_result_check;
ALTER TABLE matter_clock ADD CONSTRAINT matter_clock_result_check CHECK (result IN ('met', 'breached', 'lapsed'));

-- What the matter file, the home page and the watcher look up, indexed so they cost the same at millions of rows.
CREATE INDEX matter_clock_matter_idx ON matter_clock (matter_id);
CREATE INDEX matter_clock_unfilled_idx ON matter_clock (id) WHERE approaching_from IS NULL;
CREATE INDEX supervision_matter_idx ON supervision (matter_id);
CREATE INDEX matter_open_idx ON matter (center_id, responsible_unit_id) WHERE closed_at IS NULL AND status NOT IN ('not_accepted', 'finalized');
