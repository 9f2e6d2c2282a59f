-- A matter's visits in the order they came: the slip detector counts a visit's predecessors on its matter (the repeat
-- trigger) by a range of this index, and the nightly reconciliation numbers every visit in one ordered pass of it.
CREATE INDEX visit_matter_arrival_idx ON visit (matter_id, arrived_at, id);
DROP INDEX visit_matter_idx;
