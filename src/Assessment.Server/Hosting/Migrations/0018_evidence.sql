-- 佐证材料 (issue 32). Files are content-addressed per tenant: one evidence_blobs row per distinct SHA-256, its bytes in
-- evidence_chunks (as uploaded, at most 1 MiB each), so no file is ever read or written whole.
CREATE TABLE IF NOT EXISTS evidence_blobs
(
    tenant     varchar(40)  NOT NULL,
    sha256     char(64)     NOT NULL,
    size       bigint       NOT NULL,
    kind       varchar(10)  NOT NULL,
    created_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, sha256)
);

-- A blob's chunks are keyed by its SHA-256; an upload's chunks, until the file is checked, by 'upload:<id>'. Completing
-- an upload renames its chunks to the blob (the bytes, stored out of line, are not copied: only the key changes), or
-- drops them when the tenant has those bytes already.
CREATE TABLE IF NOT EXISTS evidence_chunks
(
    tenant  varchar(40) NOT NULL,
    blob    varchar(80) NOT NULL,
    at_byte bigint      NOT NULL,
    data    bytea       NOT NULL,
    PRIMARY KEY (tenant, blob, at_byte)
);
ALTER TABLE evidence_chunks ALTER COLUMN data SET STORAGE EXTERNAL; -- mostly compressed formats: do not try again

CREATE TABLE IF NOT EXISTS evidence_uploads
(
    tenant      varchar(40)  NOT NULL,
    upload_id   uuid         NOT NULL,
    year        integer      NOT NULL,
    county      varchar(40)  NOT NULL,
    unit        varchar(40)  NOT NULL,
    indicator   varchar(64)  NOT NULL,
    file_name   varchar(400) NOT NULL,
    size        bigint       NOT NULL,
    sha256      char(64)     NOT NULL,
    stored      bigint       NOT NULL DEFAULT 0,
    actor       varchar(200) NOT NULL,
    started_at  timestamptz  NOT NULL DEFAULT now(),
    touched_at  timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, upload_id)
);

-- A file attached to a figure. The row is written (attached_at null: not visible) just before the county's audit entry
-- that attaches it; the entry, written in the county's state transaction, makes it visible through the trigger below,
-- so the listing and the audit chain never disagree. A removal is an audit entry too: the row stays, marked removed.
CREATE TABLE IF NOT EXISTS evidence_files
(
    tenant         varchar(40)  NOT NULL,
    file_id        uuid         NOT NULL,
    year           integer      NOT NULL,
    county         varchar(40)  NOT NULL,
    unit           varchar(40)  NOT NULL,
    indicator      varchar(64)  NOT NULL,
    file_name      varchar(400) NOT NULL,
    sha256         char(64)     NOT NULL,
    size           bigint       NOT NULL,
    kind           varchar(10)  NOT NULL,
    added_by       varchar(200) NOT NULL,
    created_at     timestamptz  NOT NULL DEFAULT now(),
    attached_at    timestamptz,
    removed_at     timestamptz,
    removed_by     varchar(200),
    removal_reason text,
    PRIMARY KEY (tenant, file_id),
    -- A file's bytes cannot go while a row names them (a purge racing an upload of the same bytes waits, then fails).
    FOREIGN KEY (tenant, sha256) REFERENCES evidence_blobs (tenant, sha256)
);
CREATE INDEX IF NOT EXISTS evidence_files_by_county ON evidence_files (tenant, year, county, indicator, attached_at);

-- The county's chain is "<tenant>/<county>/<year>" (GrainKeys.County); an evidence entry's subject is the file id, and
-- only that county-year's entries can show or remove its files.
CREATE OR REPLACE FUNCTION evidence_files_follow_audit() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    entry jsonb := NEW.body::jsonb;
    file  uuid;
BEGIN
    BEGIN
        file := (entry->>'subject')::uuid;
    EXCEPTION WHEN invalid_text_representation THEN
        RETURN NEW;
    END;
    IF entry->>'action' = 'evidence_add' THEN
        UPDATE evidence_files SET attached_at = (entry->>'at')::timestamptz
         WHERE tenant = split_part(NEW.chain, '/', 1) AND county = split_part(NEW.chain, '/', 2)
           AND year = split_part(NEW.chain, '/', 3)::integer AND file_id = file AND attached_at IS NULL;
    ELSIF entry->>'action' = 'evidence_remove' THEN
        UPDATE evidence_files
           SET removed_at = (entry->>'at')::timestamptz, removed_by = entry->>'actor', removal_reason = entry->>'reason'
         WHERE tenant = split_part(NEW.chain, '/', 1) AND county = split_part(NEW.chain, '/', 2)
           AND year = split_part(NEW.chain, '/', 3)::integer AND file_id = file AND removed_at IS NULL;
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS evidence_files_follow_audit ON audit_entries;
CREATE TRIGGER evidence_files_follow_audit AFTER INSERT ON audit_entries
    FOR EACH ROW WHEN (NEW.body LIKE '%"action":"evidence\_%') EXECUTE FUNCTION evidence_files_follow_audit();
