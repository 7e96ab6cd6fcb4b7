-- Single sign-on by OpenID Connect (issue 33): each tenant may name its provider (the province's 统一身份认证 or any
-- other), the client the platform is registered as there, and how the provider's claims map to tenant roles, counties
-- and units. A person who signs in through it gets an account (found again by the provider's subject) that the tenant
-- admin sees, disables and audits like any other; it has no password here.
CREATE TABLE IF NOT EXISTS tenant_sso
(
    tenant         varchar(64)  PRIMARY KEY,
    issuer         text         NOT NULL,
    client_id      text         NOT NULL,
    -- Encrypted with the cluster's data-protection key ring; NULL for a public client (PKCE alone).
    client_secret  text,
    -- role_claim, roles [{value, role}], county_claim, unit_claim, name_claim, email_claim.
    mapping        jsonb        NOT NULL,
    updated_at     timestamptz  NOT NULL
);

-- The state of each sign-in that came back, so a callback is answered once: a replayed one (the same code and state)
-- finds its row and is refused. Kept as long as a sign-in may take.
CREATE TABLE IF NOT EXISTS sso_used_states
(
    state_hash  char(64)     PRIMARY KEY,
    expires_at  timestamptz  NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_sso_used_states_expires ON sso_used_states (expires_at);

-- SHA-256 of the issuer and the provider's subject: the account of that person at that provider.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS sso_subject char(64);
CREATE UNIQUE INDEX IF NOT EXISTS ux_accounts_sso_subject ON accounts (tenant, sso_subject) WHERE sso_subject IS NOT NULL;
