-- Personal accounts (issue 33): people sign in to the workbench as themselves, with a password and, for assessors and
-- tenant admins, a second factor (TOTP). Keys stay for machines. What an account may do (role, county, unit) is kept
-- here; its sign-ins and changes go to the tenant's audit chain '<tenant>/accounts' in audit_entries.
CREATE TABLE IF NOT EXISTS accounts
(
    tenant          varchar(64)  NOT NULL,
    login           varchar(64)  NOT NULL,
    -- The id a session acts under (rate limits, distribution lists, audit): 16 hex digits, like a key's id.
    id              char(16)     NOT NULL UNIQUE,
    name            text         NOT NULL,
    role            varchar(20)  NOT NULL,
    county          varchar(64),
    unit            varchar(64),
    email           text,
    -- Argon2id in the PHC string format; NULL until the person sets a password through the one-time link.
    password_hash   text,
    -- The TOTP secret, encrypted with the cluster's data-protection key ring; confirmed once a code from it was entered.
    totp_secret     text,
    totp_confirmed  boolean      NOT NULL DEFAULT false,
    -- The last 30-second step a code was accepted for: a code is never accepted twice.
    totp_last_step  bigint       NOT NULL DEFAULT 0,
    failures        int          NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    disabled        boolean      NOT NULL DEFAULT false,
    -- The one-time link that sets a password: its SHA-256 and when it stops working.
    setup_hash      char(64)     UNIQUE,
    setup_expires   timestamptz,
    created_at      timestamptz  NOT NULL,
    PRIMARY KEY (tenant, login)
);

-- Web sessions of accounts, listed to their owner and revocable; checked on every request.
CREATE TABLE IF NOT EXISTS account_sessions
(
    id          uuid         PRIMARY KEY,
    tenant      varchar(64)  NOT NULL,
    login       varchar(64)  NOT NULL,
    created_at  timestamptz  NOT NULL,
    last_seen   timestamptz  NOT NULL,
    peer        text,
    agent       text,
    revoked_at  timestamptz,
    FOREIGN KEY (tenant, login) REFERENCES accounts (tenant, login) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS ix_account_sessions_owner ON account_sessions (tenant, login, created_at DESC);
