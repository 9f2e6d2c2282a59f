-- The KPI ledger: every item of every KPI population (OpsBoard.Data/Metrics/Kpis.cs) as its definition gives it now,
-- and its tallies by China day and breakdown group, kept as the data changes. A figure, a breakdown or a trend of any
-- month that is not closed is then a sum over a few hundred tally rows, however long the history and however busy the
-- month; the drill-down and the export read a month's items by one index range.
--
-- Triggers on the tables the definitions read note which matters and visits changed (kpi_dirty); the app recomputes
-- only their items, from the same definitions, and moves the tallies by the difference (KpiLedger.ApplyAsync). A
-- change made by hand in SQL is noted like any other. A bulk load (the demo seeder) notes nothing and builds the
-- ledger of its center once at the end; a center without a kpi_ledger row is built whole on the next apply.

CREATE TABLE kpi_item (
    kpi          text NOT NULL,
    item_kind    text NOT NULL,
    item_id      bigint NOT NULL,
    center_id    int NOT NULL,
    day          date NOT NULL,
    at           timestamptz NOT NULL,
    matter_id    bigint,
    visit_id     bigint,
    code         text NOT NULL,
    in_numerator boolean NOT NULL,
    value        double precision,
    unit_id      int,
    category     text,
    locality_id  int,
    source       text,
    level        text,
    PRIMARY KEY (kpi, item_kind, item_id)
);
CREATE INDEX kpi_item_day_idx ON kpi_item (center_id, kpi, day);
CREATE INDEX kpi_item_matter_idx ON kpi_item (matter_id) WHERE matter_id IS NOT NULL;
CREATE INDEX kpi_item_visit_idx ON kpi_item (visit_id) WHERE visit_id IS NOT NULL;

-- dimension '' holds the whole center (key ''); the others one row per group of the breakdown, key '' for 未填.
CREATE TABLE kpi_tally (
    center_id   int NOT NULL,
    dimension   text NOT NULL,
    kpi         text NOT NULL,
    day         date NOT NULL,
    key         text NOT NULL,
    -- No CHECK: an upsert that takes items away proposes negative counts, and a row's CHECK is tested before its conflict.
    numerator   int NOT NULL,
    denominator int NOT NULL,
    value_sum   double precision NOT NULL,
    PRIMARY KEY (center_id, dimension, kpi, day, key)
);

CREATE TABLE kpi_ledger (
    center_id int PRIMARY KEY REFERENCES center,
    built_at  timestamptz NOT NULL
);

CREATE TABLE kpi_dirty (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    center_id int NOT NULL,
    matter_id bigint,
    visit_id  bigint
);

-- The matters and visits a statement changed, from its transition table "changed" (the rows after an insert or an
-- update, before a delete or an update), for the next apply. One function for the five tables: each branch reads its
-- table's columns, and PL/pgSQL plans only the branch it runs.
CREATE FUNCTION kpi_note_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF bulk_load_in_progress() THEN
        RETURN NULL;
    END IF;
    CASE TG_TABLE_NAME
        WHEN 'matter' THEN
            INSERT INTO kpi_dirty (center_id, matter_id) SELECT DISTINCT center_id, id FROM changed;
        WHEN 'matter_clock' THEN
            INSERT INTO kpi_dirty (center_id, matter_id) SELECT DISTINCT center_id, matter_id FROM changed;
        WHEN 'matter_transition' THEN
            INSERT INTO kpi_dirty (center_id, matter_id)
            SELECT DISTINCT m.center_id, m.id FROM changed t JOIN matter m ON m.id = t.matter_id;
        WHEN 'visit' THEN
            INSERT INTO kpi_dirty (center_id, matter_id, visit_id) SELECT center_id, matter_id, id FROM changed;
        WHEN 'evaluation' THEN
            INSERT INTO kpi_dirty (center_id, matter_id, visit_id)
            SELECT coalesce(v.center_id, m.center_id), e.matter_id, e.visit_id
            FROM changed e
            LEFT JOIN visit v ON v.id = e.visit_id
            LEFT JOIN matter m ON m.id = e.matter_id
            WHERE coalesce(v.center_id, m.center_id) IS NOT NULL;
    END CASE;
    RETURN NULL;
END $$;

-- A transition table serves one event per trigger: each table has one trigger per event, old rows and new rows alike
-- (a visit moved to another matter changes both matters' items).
CREATE TRIGGER matter_kpi_inserted AFTER INSERT ON matter REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER matter_kpi_updated AFTER UPDATE ON matter REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER matter_kpi_deleted AFTER DELETE ON matter REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();

CREATE TRIGGER matter_clock_kpi_inserted AFTER INSERT ON matter_clock REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER matter_clock_kpi_updated AFTER UPDATE ON matter_clock REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER matter_clock_kpi_deleted AFTER DELETE ON matter_clock REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();

CREATE TRIGGER matter_transition_kpi_inserted AFTER INSERT ON matter_transition REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();

CREATE TRIGGER visit_kpi_inserted AFTER INSERT ON visit REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER visit_kpi_updated_new AFTER UPDATE ON visit REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER visit_kpi_updated_old AFTER UPDATE ON visit REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER visit_kpi_deleted AFTER DELETE ON visit REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();

CREATE TRIGGER evaluation_kpi_inserted AFTER INSERT ON evaluation REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER evaluation_kpi_updated_new AFTER UPDATE ON evaluation REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER evaluation_kpi_updated_old AFTER UPDATE ON evaluation REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();
CREATE TRIGGER evaluation_kpi_deleted AFTER DELETE ON evaluation REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION kpi_note_changes();

-- The running month's rollup is replaced by the tallies: kpi_rollup keeps only closed months' frozen figures.
DELETE FROM kpi_rollup WHERE NOT frozen;
ALTER TABLE kpi_rollup DROP COLUMN frozen, DROP COLUMN counted_day, DROP COLUMN through_event;
COMMENT ON TABLE kpi_rollup IS 'A closed month''s figures, frozen with its items when it is closed and removed when it is reopened.';
