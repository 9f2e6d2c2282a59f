-- A bulk load (the demo seeder's COPY of a hundred thousand clocks and more) defers matter.next_due_at to one set-based
-- refresh at its end. Inside the loading transaction the planner has no statistics for the rows just copied and plans
-- each chunk's per-matter refresh as a scan of every running clock, which made seeding quadratic: at 100,000 visits one
-- chunk's trigger took over a minute. The loader says so with a transaction-local setting; everyone else is unchanged.

CREATE FUNCTION bulk_load_in_progress() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('opsboard.bulk_load', true), '') = 'on'
$$;

CREATE OR REPLACE FUNCTION matter_clock_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF bulk_load_in_progress() THEN
        RETURN NULL;
    END IF;
    PERFORM matter_refresh_next_due(ARRAY(SELECT DISTINCT matter_id FROM changed));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION matter_clock_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF bulk_load_in_progress() THEN
        RETURN NULL;
    END IF;
    PERFORM matter_refresh_next_due(ARRAY(
        SELECT DISTINCT n.matter_id
        FROM changed n
        JOIN before_change o ON o.id = n.id
        WHERE n.due_at IS DISTINCT FROM o.due_at OR n.stopped_at IS DISTINCT FROM o.stopped_at));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION clock_pause_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF bulk_load_in_progress() THEN
        RETURN NULL;
    END IF;
    PERFORM matter_refresh_next_due(ARRAY(
        SELECT DISTINCT k.matter_id FROM changed p JOIN matter_clock k ON k.id = p.clock_id));
    RETURN NULL;
END $$;

-- The soonest due moment of each matter's running office clocks, written once: petitioner windows ('review_request',
-- 're_review_request' = ClockKind.PetitionerWindows) and paused clocks left out. The per-matter refresh reads it with the
-- matter pushed down into the grouping; the end of a bulk load reads it whole, as one hash join.
CREATE VIEW matter_office_due AS
    SELECT k.matter_id, min(k.due_at) AS due
    FROM matter_clock k
    JOIN deadline_rule r ON r.id = k.rule_id
    WHERE k.stopped_at IS NULL
      AND r.code NOT IN ('review_request', 're_review_request')
      AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)
    GROUP BY k.matter_id;

-- PL/pgSQL rather than SQL so its plan is cached for the session: a SQL function's UPDATE was planned again on every
-- call, about 16 ms for each statement that touched a clock, even when no due moment moved.
CREATE OR REPLACE FUNCTION matter_refresh_next_due(matters bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(matters) = 0 THEN
        RETURN;
    END IF;
    UPDATE matter m
    SET next_due_at = d.due
    FROM (SELECT t.id, (SELECT o.due FROM matter_office_due o WHERE o.matter_id = t.id) AS due
          FROM unnest(matters) AS t(id)) d
    WHERE m.id = d.id AND m.next_due_at IS DISTINCT FROM d.due;
END $$;

CREATE FUNCTION matter_refresh_all_next_due() RETURNS void LANGUAGE sql AS $$
    UPDATE matter m
    SET next_due_at = o.due
    FROM matter x
    LEFT JOIN matter_office_due o ON o.matter_id = x.id
    WHERE m.id = x.id AND m.next_due_at IS DISTINCT FROM o.due
$$;
