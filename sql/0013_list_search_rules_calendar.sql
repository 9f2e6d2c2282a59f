-- The matter list sorted by due date, a future rule version withdrawn, a loaded calendar year corrected.

-- The soonest due moment of a matter's running office clocks (petitioner windows and paused clocks left out, as the
-- unit's "due next" leaves them out), kept on the matter so the list can sort by it through an index at millions of
-- rows. Triggers keep it: every writer of clocks (steps, the watcher, calendar recounts, the demo's COPY) stays right
-- without knowing about it. Statement-level with transition tables, so a COPY of a million clocks is one set-based
-- update, and the watcher's alert-state updates (which move no due moment) cost a join over the rows they touched.
ALTER TABLE matter ADD COLUMN next_due_at timestamptz;

-- 'review_request' and 're_review_request' are ClockKind.PetitionerWindows: the petitioner's time, not the office's.
CREATE FUNCTION matter_refresh_next_due(matters bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE matter m
    SET next_due_at = d.due
    FROM (SELECT t.id,
                 (SELECT min(k.due_at)
                  FROM matter_clock k
                  JOIN deadline_rule r ON r.id = k.rule_id
                  WHERE k.matter_id = t.id AND k.stopped_at IS NULL
                    AND r.code NOT IN ('review_request', 're_review_request')
                    AND NOT EXISTS (SELECT 1 FROM clock_pause p WHERE p.clock_id = k.id AND p.resumed_at IS NULL)) AS due
          FROM unnest(matters) AS t(id)) d
    WHERE m.id = d.id AND m.next_due_at IS DISTINCT FROM d.due
$$;

CREATE FUNCTION matter_clock_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM matter_refresh_next_due(ARRAY(SELECT DISTINCT matter_id FROM changed));
    RETURN NULL;
END $$;

CREATE FUNCTION matter_clock_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM matter_refresh_next_due(ARRAY(
        SELECT DISTINCT n.matter_id
        FROM changed n
        JOIN before_change o ON o.id = n.id
        WHERE n.due_at IS DISTINCT FROM o.due_at OR n.stopped_at IS DISTINCT FROM o.stopped_at));
    RETURN NULL;
END $$;

CREATE FUNCTION clock_pause_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM matter_refresh_next_due(ARRAY(
        SELECT DISTINCT k.matter_id FROM changed p JOIN matter_clock k ON k.id = p.clock_id));
    RETURN NULL;
END $$;

CREATE TRIGGER matter_clock_inserted AFTER INSERT ON matter_clock
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION matter_clock_rows_changed();
CREATE TRIGGER matter_clock_deleted AFTER DELETE ON matter_clock
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION matter_clock_rows_changed();
CREATE TRIGGER matter_clock_updated AFTER UPDATE ON matter_clock
    REFERENCING OLD TABLE AS before_change NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION matter_clock_rows_updated();
CREATE TRIGGER clock_pause_inserted AFTER INSERT ON clock_pause
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION clock_pause_rows_changed();
CREATE TRIGGER clock_pause_updated AFTER UPDATE ON clock_pause
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION clock_pause_rows_changed();

SELECT matter_refresh_next_due(ARRAY(SELECT DISTINCT matter_id FROM matter_clock WHERE stopped_at IS NULL));

-- Keyset paging by due date, soonest first, matters with nothing running last. The far-future stand-in for "none"
-- keeps the key a plain comparable value; MatterQueries uses the very same expression so the index serves it.
CREATE INDEX matter_due_list_idx ON matter (center_id, (coalesce(next_due_at, '9999-12-31 00:00:00+00'::timestamptz)), id);

-- A version not yet in effect can be withdrawn (no clock can have started under it); the row stays, marked, so its
-- number is never given again and the page still shows what was withdrawn, when, and by whom.
ALTER TABLE deadline_rule ADD COLUMN withdrawn_at timestamptz;
ALTER TABLE deadline_rule ADD COLUMN withdrawn_by int REFERENCES app_user;
ALTER TABLE deadline_rule DROP CONSTRAINT deadline_rule_code_effective_from_key;
CREATE UNIQUE INDEX deadline_rule_effective_idx ON deadline_rule (code, effective_from) WHERE withdrawn_at IS NULL;

-- The yearly notice a day came from, so a supplementary notice can replace exactly that year's days. The last days of
-- December belong to the next year's notice (its New Year break, e.g. 2018-12-30 and 2022-12-31), as the loader reads them.
ALTER TABLE calendar_day ADD COLUMN schedule_year int;
UPDATE calendar_day
SET schedule_year = CASE WHEN extract(month FROM day) = 12 AND extract(day FROM day) >= 25
                         THEN extract(year FROM day)::int + 1 ELSE extract(year FROM day)::int END;
ALTER TABLE calendar_day ALTER COLUMN schedule_year SET NOT NULL;
CREATE INDEX calendar_day_schedule_idx ON calendar_day (schedule_year);
