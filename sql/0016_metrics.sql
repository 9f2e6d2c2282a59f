-- Monthly metrics. A KPI is a population of items (matters or visits) in a period, each in or out of the numerator;
-- its figure is counted from the items. Closing a month freezes those items, so a closed month's figures, breakdowns,
-- drill-downs and exports are read from here and never move when the underlying data is corrected later.

-- Where each population is read from: the clocks that ended in a period, the replies, closures and evaluations.
CREATE INDEX matter_clock_stopped_idx ON matter_clock (center_id, stopped_at) WHERE stopped_at IS NOT NULL;
CREATE INDEX matter_replied_idx ON matter (center_id, replied_at) WHERE replied_at IS NOT NULL;
CREATE INDEX matter_closed_idx ON matter (center_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX evaluation_visit_idx ON evaluation (visit_id) WHERE visit_id IS NOT NULL;

CREATE TABLE metric_month (
    center_id       int NOT NULL REFERENCES center,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    state           text NOT NULL CHECK (state IN ('closed', 'reopened')),
    closed_at       timestamptz NOT NULL,
    closed_by       int NOT NULL REFERENCES app_user,
    -- The deadline-rule versions in force when the month was closed, per rule code: what its clocks were measured by.
    rule_versions   jsonb NOT NULL,
    reopened_at     timestamptz,
    reopened_by     int REFERENCES app_user,
    reopen_reason   text CHECK (reopen_reason IS NULL OR btrim(reopen_reason) <> ''),
    PRIMARY KEY (center_id, month),
    CHECK ((state = 'reopened') = (reopened_at IS NOT NULL AND reopen_reason IS NOT NULL))
);

CREATE TABLE metric_month_item (
    center_id       int NOT NULL,
    month           date NOT NULL,
    kpi             text NOT NULL,
    item_kind       text NOT NULL CHECK (item_kind IN ('clock', 'matter', 'visit', 'evaluation')),
    item_id         bigint NOT NULL,
    matter_id       bigint,
    code            text NOT NULL,
    at              timestamptz NOT NULL,
    in_numerator    boolean NOT NULL,
    value           double precision,
    unit_id         int,
    category        text,
    locality_id     int,
    source          text,
    level           text,
    PRIMARY KEY (center_id, month, kpi, item_kind, item_id),
    FOREIGN KEY (center_id, month) REFERENCES metric_month ON DELETE CASCADE
);
