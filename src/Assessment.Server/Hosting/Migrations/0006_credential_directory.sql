-- What the admin commands list of credentials: never a key, only the key's SHA-256 and what the credential may do.
-- The credential grains remain what authentication reads; this table is written right after them.
CREATE TABLE IF NOT EXISTS credential_directory
(
    key_hash   char(64)     PRIMARY KEY,
    id         char(16)     NOT NULL,
    tenant     varchar(64)  NOT NULL,
    role       varchar(20)  NOT NULL,
    county     varchar(64),
    unit       varchar(64),
    name       text         NOT NULL,
    created_at timestamptz  NOT NULL,
    expires_at timestamptz,
    revoked    boolean      NOT NULL DEFAULT false
);

CREATE INDEX IF NOT EXISTS ix_credential_directory_tenant ON credential_directory (tenant, id);
