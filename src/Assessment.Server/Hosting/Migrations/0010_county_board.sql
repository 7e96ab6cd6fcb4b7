-- Each county's line on the round overview (status, version, units expected/submitted/late, values missing, extension,
-- adjustments) stored beside its state and facts by the same write (issue 16). The overview, the round's progress and
-- a bulletin's timeliness figures then read one column of one query instead of asking every county grain, which after
-- a restart meant activating all of them. Null for rows written before this column: readers take the line from the
-- state.
ALTER TABLE county_states ADD COLUMN IF NOT EXISTS board bytea;

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

    INSERT INTO audit_entries (chain, idx, prev_hash, body, hash)
    SELECT p_chain, e.idx, e.prev_hash, e.body, e.hash
      FROM unnest(p_idx, p_prev, p_body, p_hash) AS e(idx, prev_hash, body, hash)
    ON CONFLICT (chain, idx) DO NOTHING;

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

-- A silo of the previous release (during a rolling upgrade) still calls the form without the line: its writes clear
-- the stored line, so readers take it from the state that silo wrote instead of showing an outdated one.
CREATE OR REPLACE FUNCTION write_county_state(
    p_tenant text, p_year integer, p_county text, p_etag integer, p_state bytea, p_facts bytea,
    p_chain text, p_idx integer[], p_prev text[], p_body text[], p_hash text[])
RETURNS integer
LANGUAGE sql AS $$
    SELECT write_county_state(p_tenant, p_year, p_county, p_etag, p_state, p_facts, NULL::bytea,
                              p_chain, p_idx, p_prev, p_body, p_hash);
$$;
