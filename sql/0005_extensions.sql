-- Extension requests: a unit officer asks, the unit's leader decides (条例 第三十四条: at most 30 days,
-- approved by the unit's head, the reason told to the petitioner).
CREATE TABLE extension_request (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clock_id            bigint NOT NULL REFERENCES matter_clock,
    days                int NOT NULL CHECK (days BETWEEN 1 AND 30),
    reason              text NOT NULL CHECK (btrim(reason) <> ''),
    requested_by        int NOT NULL REFERENCES app_user,
    requested_at        timestamptz NOT NULL,
    decided_by          int REFERENCES app_user,
    decided_at          timestamptz,
    approved            boolean,
    petitioner_notified boolean NOT NULL DEFAULT false,
    CHECK ((decided_at IS NULL) = (approved IS NULL) AND (decided_at IS NULL) = (decided_by IS NULL))
);
CREATE UNIQUE INDEX extension_request_open_idx ON extension_request (clock_id) WHERE decided_at IS NULL;
