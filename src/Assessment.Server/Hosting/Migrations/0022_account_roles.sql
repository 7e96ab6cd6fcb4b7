-- Accounts name only the roles the platform knows (unit, county, assessor, member, leader, tenant_admin): a row with
-- any other role — from an archive of a newer release, or written by hand — is refused here, rather than read by code
-- that could take it for another role. Tenant archives refuse such rows before they reach this check.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'accounts_role_known') THEN
        ALTER TABLE accounts ADD CONSTRAINT accounts_role_known
            CHECK (role IN ('unit', 'county', 'assessor', 'member', 'leader', 'tenant_admin'));
    END IF;
END $$;
