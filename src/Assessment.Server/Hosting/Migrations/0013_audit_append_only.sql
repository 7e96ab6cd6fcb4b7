-- The audit chains are append-only in the database itself, not only by convention (issue 29): an UPDATE, DELETE or
-- TRUNCATE of audit_entries is refused with SQLSTATE AS002 whoever sends it through the application's role. Writes
-- insert an entry when it is absent and compare it when present (0012), so nothing of the platform's own is refused.
-- The table's owner can still disable the triggers; separating the owning (migration) role from the serving role is
-- the deployment's part (docs/security.md).
CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % is refused', TG_OP USING ERRCODE = 'AS002';
END
$$;

DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries;
CREATE TRIGGER audit_entries_append_only
    BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change();

DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries;
CREATE TRIGGER audit_entries_no_truncate
    BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change();
