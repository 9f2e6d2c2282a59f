-- A device token opens one kind of screen: a hall token (on a public screen in the waiting hall) must not open the wall,
-- which shows overdue matters and slips. Tokens issued before this migration open the wall only; hall screens need a new
-- token. A token may also expire by itself (a loaned screen, an event).
ALTER TABLE device_token
    ADD COLUMN screen text NOT NULL DEFAULT 'wall' CHECK (screen IN ('wall', 'hall')),
    ADD COLUMN expires_at timestamptz;

ALTER TABLE device_token ALTER COLUMN screen DROP DEFAULT;
