-- Month figures of a whole center, kept as the data changes so that the wall reads ten rows instead of counting a month.
-- The current month's rows are recounted after each batch of changes that moves a KPI (the live dispatcher), or when
-- read on a later day than they were counted (last year's same days have moved on). A closed month's rows are written
-- when it is closed, from the items frozen with it, and removed when it is reopened: they never move while it is closed.
CREATE TABLE kpi_rollup (
    center_id      int NOT NULL REFERENCES center,
    month          date NOT NULL CHECK (extract(day FROM month) = 1),
    kpi            text NOT NULL,
    numerator      int NOT NULL CHECK (numerator >= 0),
    denominator    int NOT NULL CHECK (denominator >= numerator),
    value          double precision,
    last_year      double precision,
    frozen         boolean NOT NULL DEFAULT false,
    counted_day    date NOT NULL,
    -- The newest journal event the count could see: a slower recount never overwrites a newer one.
    through_event  bigint NOT NULL,
    counted_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (center_id, month, kpi)
);
