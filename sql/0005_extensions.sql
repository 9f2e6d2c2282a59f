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

-- 004 §一(五): letters and visits are handled locally within 15 working days, phone and online matters within a week.
INSERT INTO deadline_rule (code, version, name, start_event, stop_event, length, day_kind, pause_events, max_extension_days, source, effective_from)
VALUES ('local_handling_remote', 1, '本地限期办理（电话、网上）', 'accepted', 'replied', 7, 'calendar', '{}', 0, '沥海街道信访工作意见 一(五)', '2022-05-01');
