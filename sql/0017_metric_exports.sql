-- Exports of a month's metrics (xlsx, or csv of the items with the KPI summary as a second csv). A request is a row;
-- whichever node's export worker claims it (a session advisory lock on its id, so a node that dies releases it and
-- another node starts it again) writes the file into the row, so any web node can serve the download.

CREATE TABLE metric_export (
    id              bigserial PRIMARY KEY,
    center_id       int NOT NULL REFERENCES center,
    user_id         int NOT NULL REFERENCES app_user,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    -- The unit asked for (NULL: the requester's whole scope), and the units the figures are limited to as
    -- MetricsQueries.ScopeAsync decided when the request was made (NULL: the whole center).
    unit_id         int REFERENCES unit,
    scope_units     int[],
    scope_label     text NOT NULL CHECK (btrim(scope_label) <> ''),
    format          text NOT NULL CHECK (format IN ('xlsx', 'csv')),
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    progress        int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    -- Starts so far: an export that brought its node down three times is failed rather than tried forever.
    attempts        int NOT NULL DEFAULT 0,
    rows            int,
    error           text,
    content         bytea,
    -- csv only: the KPI summary, offered as its own download beside the item list.
    summary         bytea,
    created_at      timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    CHECK ((state = 'done') = (content IS NOT NULL)),
    CHECK ((state IN ('done', 'failed')) = (finished_at IS NOT NULL)),
    CHECK (summary IS NULL OR format = 'csv')
);

-- What the workers look for, and the requester's list on the export page.
CREATE INDEX metric_export_pending_idx ON metric_export (id) WHERE state IN ('queued', 'running');
CREATE INDEX metric_export_user_idx ON metric_export (user_id, id DESC);

-- Read paths of the KPI populations (MetricsQueries), measured by `bash bench/run.sh kpi`. A clock KPI reads the clocks
-- of its own rules that stopped in the period: by rule first, not every clock that stopped that month (a fifth of them
-- at most are the KPI's). 一次性化解率 asks of each matter closed in the period whether it ever went to review.
CREATE INDEX matter_clock_rule_stopped_idx ON matter_clock (center_id, rule_id, stopped_at) WHERE stopped_at IS NOT NULL;
CREATE INDEX matter_transition_review_idx ON matter_transition (matter_id) WHERE to_status = 'review';
