-- The operation log is append-only and kept at least six months (网络安全法 第二十一条).
-- Three locks, each enough on its own for the app's path: the app role (opsboard_app) has INSERT and SELECT only, the
-- owner has revoked its own UPDATE, DELETE and TRUNCATE, and a trigger refuses every UPDATE, every TRUNCATE and every
-- DELETE except the purge function's, and even that one only for rows older than six months.

-- The auditor (审计员): reads and exports the log, administers nothing (separation of duties with the admin).
ALTER TABLE user_role DROP CONSTRAINT user_role_role_check;
ALTER TABLE user_role ADD CONSTRAINT user_role_role_check
    CHECK (role IN ('director', 'duty_leader', 'clerk', 'unit_officer', 'unit_leader', 'statistician', 'admin', 'auditor'));

-- How long rows are kept: at least six calendar months, and the longest six calendar months are 184 days.
CREATE TABLE audit_setting (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    retention_days  int NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 184 AND 3660),
    changed_at      timestamptz,
    changed_by      int REFERENCES app_user
);
INSERT INTO audit_setting DEFAULT VALUES;

CREATE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('opsboard.audit_purge', true) = 'on'
       AND OLD.at < now() - interval '6 months' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused (网络安全法 第二十一条, kept at least six months)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

-- The one way rows leave: older than the cutoff, and the cutoff itself at least six months back. The owner's DELETE is
-- granted for this transaction only and revoked before it ends, so no other path holds it.
CREATE FUNCTION audit_purge(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    removed bigint;
BEGIN
    IF cutoff IS NULL OR cutoff > now() - interval '6 months' THEN
        RAISE EXCEPTION 'audit rows are kept at least six months: cutoff % refused', cutoff
            USING ERRCODE = 'check_violation';
    END IF;
    -- One purge at a time: two would race on the table's privileges.
    PERFORM pg_advisory_xact_lock(4711320021);
    PERFORM set_config('opsboard.audit_purge', 'on', true);
    EXECUTE format('GRANT DELETE ON public.audit_log TO %I', current_user);
    DELETE FROM public.audit_log WHERE at < cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    EXECUTE format('REVOKE DELETE ON public.audit_log FROM %I', current_user);
    PERFORM set_config('opsboard.audit_purge', 'off', true);
    RETURN removed;
END
$$;

REVOKE ALL ON FUNCTION audit_purge(timestamptz) FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

DO $$
DECLARE
    owner text := (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_log');
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM %I', owner);
    -- A deployment where the app connects as its own role and another role owns the schema.
    IF owner <> 'opsboard_app' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'opsboard_app') THEN
        REVOKE ALL ON audit_log FROM opsboard_app;
        GRANT SELECT, INSERT ON audit_log TO opsboard_app;
        GRANT SELECT, UPDATE ON audit_setting TO opsboard_app;
        GRANT EXECUTE ON FUNCTION audit_purge(timestamptz) TO opsboard_app;
    END IF;
END
$$;

-- Search on /admin/audit: newest first by keyset (at, id), narrowed by actor or action.
DROP INDEX audit_log_at_idx;
CREATE INDEX audit_log_at_id_idx ON audit_log (at, id);
CREATE INDEX audit_log_user_at_idx ON audit_log (user_id, at, id) WHERE user_id IS NOT NULL;
CREATE INDEX audit_log_action_at_idx ON audit_log (action, at, id);
