-- A petitioner's earlier names (曾用名). Registering a known ID number under another name renames the petitioner only
-- once the clerk confirms it, and the name it replaces is kept here with who replaced it and when: earlier visits show
-- the current name plus these, so nobody reads a visit as another person's. Stored as petitioner.name is (same table
-- privileges, same center scope); the ID number is not copied here.
CREATE TABLE petitioner_name_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    petitioner_id   bigint NOT NULL REFERENCES petitioner,
    name            text NOT NULL CHECK (btrim(name) <> ''),
    replaced_at     timestamptz NOT NULL,
    replaced_by     int REFERENCES app_user
);
CREATE INDEX petitioner_name_history_petitioner_idx ON petitioner_name_history (petitioner_id, replaced_at);
