-- Tenant deletion (issue 35): audit entries and issued bulletins stay insert-only, except for the rows of the one tenant
-- an operator deletes. The deleting transaction names it with
--   SELECT set_config('assessment.deleting_tenant', '<tenant>', true)
-- (local to that transaction); a row of any other tenant, an update, or a truncate is still refused. Only a slug opens
-- it, so chains of the platform itself (`_platform/...`, the record of deletions) never do. Like the triggers of 0013,
-- this guards against mistakes of the platform, not against the database role that owns the tables (docs/security.md).
CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('assessment.deleting_tenant', true) ~ '^[a-z0-9][a-z0-9-]{0,39}$'
       AND split_part(OLD.chain, '/', 1) = current_setting('assessment.deleting_tenant', true) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % is refused', TG_OP USING ERRCODE = 'AS002';
END
$$;

CREATE OR REPLACE FUNCTION bulletin_rows_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('assessment.deleting_tenant', true) ~ '^[a-z0-9][a-z0-9-]{0,39}$'
       AND split_part(OLD.round, '/', 1) = current_setting('assessment.deleting_tenant', true) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'issued bulletins and their receipts are insert-only: % on % is refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'AS003';
END
$$;
