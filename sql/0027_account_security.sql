-- Accounts for a real deployment: forced password change, two-factor sign-in, server-side sessions.

-- Set for the first admin's one-time password and after an admin's reset: the next sign-in must choose a new one.
ALTER TABLE app_user ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
ALTER TABLE app_user ADD COLUMN password_changed_at timestamptz;
-- The TOTP secret (RFC 6238), protected by the app's data-protection key ring, never stored in clear.
ALTER TABLE app_user ADD COLUMN totp_secret text;
ALTER TABLE app_user ADD COLUMN totp_enabled_at timestamptz;
-- The last time step a code was accepted for: a code seen once is refused afterwards (RFC 6238 section 5.2).
ALTER TABLE app_user ADD COLUMN totp_last_step bigint;
ALTER TABLE app_user ADD CONSTRAINT app_user_totp_enabled_has_secret CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL);

-- One-use codes for a lost phone; only their SHA-256 is kept (they are random, 50 bits each).
CREATE TABLE user_recovery_code (
    user_id     int NOT NULL REFERENCES app_user ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A signed-in browser. The cookie names its row; signing out, an idle timeout or an admin's change ends it here, so
-- a copied cookie is worthless afterwards.
CREATE TABLE user_session (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         int NOT NULL REFERENCES app_user ON DELETE CASCADE,
    started_at      timestamptz NOT NULL,
    -- The last request the person made themselves; a screen's automatic refreshes do not move it.
    last_active_at  timestamptz NOT NULL,
    ended_at        timestamptz,
    end_reason      text CHECK (end_reason IN ('sign_out', 'idle', 'account_changed')),
    remote_ip       inet,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX user_session_open_idx ON user_session (user_id) WHERE ended_at IS NULL;
