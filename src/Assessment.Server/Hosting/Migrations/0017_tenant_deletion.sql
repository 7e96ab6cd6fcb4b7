-- Tenant deletion (issue 35): audit entries and issued bulletins stay insert-only, except for the rows of the one tenant
-- an operator deletes. The deleting transaction names it with
--   SELECT set_config('assessment.deleting_tenant', '<tenant>', true)
-- (local to that transaction); a row of any other tenant, an update, or a truncate is still refused. Chains of the
-- platform itself (`_platform/...`) never match a tenant: tenant ids are slugs, which cannot start with '_'.
CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' AND split_part(OLD.chain, '/', 1) = current_setting('assessment.deleting_tenant', true) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % is refused', TG_OP USING ERRCODE = 'AS002';
END
$$;

CREATE OR REPLACE FUNCTION bulletin_rows_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' AND split_part(OLD.round, '/', 1) = current_setting('assessment.deleting_tenant', true) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'issued bulletins and their receipts are insert-only: % on % is refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'AS003';
END
$$;
