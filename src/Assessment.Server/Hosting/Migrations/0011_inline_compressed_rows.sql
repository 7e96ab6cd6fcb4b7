-- Less WAL per submission (issue 16, B7). Measured with pg_walinspect over a B1 load: a county's state was compressed
-- and moved to the TOAST table on every group write (new chunks, their index entries, the old chunks deleted, a lock
-- record on the row), and its facts (~1.4 KB of JSON) were stored uncompressed beside it.
--
-- STORAGE MAIN on every variable-length column with a low toast_tuple_target: once a row passes 2 KB its large
-- columns are compressed and stay in the row; a column moves out only when the compressed row would not fit in a page.
-- (With the default EXTENDED storage PostgreSQL moves small columns such as an entry's 64-character hashes out to the
-- TOAST table before it compresses a MAIN column.) Each group write is then one heap-only update of one row.
ALTER TABLE county_states
    ALTER COLUMN tenant SET STORAGE MAIN, ALTER COLUMN county SET STORAGE MAIN, ALTER COLUMN state SET STORAGE MAIN,
    ALTER COLUMN facts SET STORAGE MAIN, ALTER COLUMN board SET STORAGE MAIN,
    SET (toast_tuple_target = 128);
ALTER TABLE unit_states
    ALTER COLUMN tenant SET STORAGE MAIN, ALTER COLUMN county SET STORAGE MAIN, ALTER COLUMN unit SET STORAGE MAIN,
    ALTER COLUMN state SET STORAGE MAIN,
    SET (toast_tuple_target = 128);
ALTER TABLE audit_entries
    ALTER COLUMN chain SET STORAGE MAIN, ALTER COLUMN prev_hash SET STORAGE MAIN, ALTER COLUMN body SET STORAGE MAIN,
    ALTER COLUMN hash SET STORAGE MAIN;

-- Receipts and audit entries are inserted when absent with a plain insert instead of ON CONFLICT DO NOTHING, which
-- writes a second WAL record per row (speculative insertion). The function's first statement locks the grain's row
-- (or creates it), so no other writer inserts the same receipt or entry in between.
CREATE OR REPLACE FUNCTION write_unit_state(
    p_tenant text, p_year integer, p_county text, p_unit text, p_etag integer, p_state bytea,
    p_id uuid, p_hash text, p_version integer, p_accepted integer, p_updated integer, p_unchanged integer,
    p_cleared integer, p_stored_at bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    new_etag integer;
BEGIN
    IF p_etag IS NULL THEN
        INSERT INTO unit_states (tenant, year, county, unit, etag, state)
        VALUES (p_tenant, p_year, p_county, p_unit, 1, p_state)
        ON CONFLICT DO NOTHING
        RETURNING etag INTO new_etag;
    ELSE
        UPDATE unit_states
           SET etag = etag + 1, state = p_state, updated_at = now()
         WHERE tenant = p_tenant AND year = p_year AND county = p_county AND unit = p_unit AND etag = p_etag
        RETURNING etag INTO new_etag;
    END IF;

    IF new_etag IS NOT NULL AND p_id IS NOT NULL THEN
        INSERT INTO unit_receipts (tenant, year, county, unit, submission_id, payload_hash, version, accepted, updated,
                                   unchanged, cleared, stored_at)
        SELECT p_tenant, p_year, p_county, p_unit, p_id, p_hash, p_version, p_accepted, p_updated, p_unchanged,
               p_cleared, p_stored_at
         WHERE NOT EXISTS (SELECT 1 FROM unit_receipts
                            WHERE tenant = p_tenant AND year = p_year AND county = p_county AND unit = p_unit
                              AND submission_id = p_id);
    END IF;

    RETURN new_etag;
END
$$;

CREATE OR REPLACE FUNCTION write_county_state(
    p_tenant text, p_year integer, p_county text, p_etag integer, p_state bytea, p_facts bytea, p_board bytea,
    p_chain text, p_idx integer[], p_prev text[], p_body text[], p_hash text[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    new_etag integer;
    conflict integer;
BEGIN
    IF p_etag IS NULL THEN
        INSERT INTO county_states (tenant, year, county, etag, state, facts, board)
        VALUES (p_tenant, p_year, p_county, 1, p_state, p_facts, p_board)
        ON CONFLICT DO NOTHING
        RETURNING etag INTO new_etag;
    ELSE
        UPDATE county_states
           SET etag = etag + 1, state = p_state, facts = p_facts, board = p_board, updated_at = now()
         WHERE tenant = p_tenant AND year = p_year AND county = p_county AND etag = p_etag
        RETURNING etag INTO new_etag;
    END IF;

    IF new_etag IS NULL OR coalesce(cardinality(p_idx), 0) = 0 THEN
        RETURN new_etag;
    END IF;

    -- An entry already stored is kept: the same one is a retry, a different one aborts the write below.
    INSERT INTO audit_entries (chain, idx, prev_hash, body, hash)
    SELECT p_chain, e.idx, e.prev_hash, e.body, e.hash
      FROM unnest(p_idx, p_prev, p_body, p_hash) AS e(idx, prev_hash, body, hash)
     WHERE NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.chain = p_chain AND a.idx = e.idx);

    SELECT min(e.idx) INTO conflict
      FROM unnest(p_idx, p_hash) AS e(idx, hash)
      JOIN audit_entries a ON a.chain = p_chain AND a.idx = e.idx
     WHERE a.hash <> e.hash;
    IF conflict IS NOT NULL THEN
        RAISE EXCEPTION 'audit chain % already holds a different entry %', p_chain, conflict USING ERRCODE = 'AS001';
    END IF;

    RETURN new_etag;
END
$$;
