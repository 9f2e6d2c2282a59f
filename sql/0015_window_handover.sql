-- A transfer keeps the petitioner's number (A005 stays A005 at the department's joint window): the paper ticket in
-- their hand is what they listen for on the hall. A transferred ticket therefore takes no sequence of its new line;
-- only tickets issued at the desk draw one.
ALTER TABLE ticket ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE ticket ADD CONSTRAINT ticket_seq_or_transfer CHECK (seq IS NOT NULL OR transferred_from IS NOT NULL);

-- Who ended a window session when it was not its holder: a takeover. The previous holder is told on their console,
-- and the audit log keeps the detail.
ALTER TABLE window_session ADD COLUMN ended_by int REFERENCES app_user;
