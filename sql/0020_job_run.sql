-- Quartz keeps no history of its runs: its tables say when a trigger fires next and fired last, not how that went.
-- Each run is recorded here by a job listener (OpsBoard.Jobs/History/JobRunRecorder.cs) for the job dashboard
-- (/admin/jobs). Kept for 30 days: the recorder deletes older rows at most once an hour per node.
CREATE TABLE job_run (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_group text NOT NULL,
    job_name text NOT NULL,
    trigger_group text NOT NULL,
    trigger_name text NOT NULL,
    -- The scheduler instance (cluster node) that ran it, and Quartz's id of the firing on that node: together they
    -- make a run written twice (a retry after an outage) one row.
    node text NOT NULL,
    fire_instance_id text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
    outcome text NOT NULL CHECK (outcome IN ('ok', 'failed', 'vetoed')),
    error text CHECK (length(error) <= 2000),
    UNIQUE (node, fire_instance_id)
);

-- The dashboard reads the last runs of each job, and the failures of the last day.
CREATE INDEX job_run_by_job ON job_run (job_group, job_name, started_at DESC);
CREATE INDEX job_run_failed ON job_run (started_at) WHERE outcome = 'failed';
CREATE INDEX job_run_finished ON job_run (finished_at);
