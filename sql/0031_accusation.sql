-- 检举控告 (《信访工作条例》第三十条): "不得将检举、揭发、控告材料及有关情况透露或者转送给被检举、揭发、控告的人员和单位".
-- A matter marked is_accusation names the accused units and people; the units in conflict — each accused unit, its
-- parent and its children — may not be given the matter (交办/转送, 督办, 预警提醒单, 包案) nor see it at all. Every
-- other unit that may see it sees it redacted, except the center's designated discipline unit (纪工委/监察办).

ALTER TABLE unit ADD COLUMN is_discipline boolean NOT NULL DEFAULT false;
-- One discipline unit per center: the admin moves the mark, never doubles it.
CREATE UNIQUE INDEX unit_discipline_idx ON unit (center_id) WHERE is_discipline;

CREATE TABLE matter_accused_unit (
    matter_id   bigint NOT NULL REFERENCES matter,
    unit_id     int NOT NULL REFERENCES unit,
    PRIMARY KEY (matter_id, unit_id)
);
CREATE INDEX matter_accused_unit_unit_idx ON matter_accused_unit (unit_id);

-- Names and posts are free text: the accused may be a person with no account or unit in this system.
CREATE TABLE matter_accused_person (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    matter_id   bigint NOT NULL REFERENCES matter,
    name        text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 40),
    post        text CHECK (char_length(post) <= 60)
);
CREATE INDEX matter_accused_person_matter_idx ON matter_accused_person (matter_id);

-- The one statement of the conflict rule (OpsBoard.Data.Matters.Accusations calls it, and so does every list query
-- that shows matters to a unit): true when any of the units is an accused unit of the matter, its parent or its child.
CREATE FUNCTION accusation_conflict(p_matter bigint, p_units int[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM matter_accused_unit a
        JOIN unit accused ON accused.id = a.unit_id
        JOIN unit u ON u.id = ANY(p_units)
        WHERE a.matter_id = p_matter
          AND (u.id = accused.id OR u.id = accused.parent_id OR u.parent_id = accused.id))
$$;
