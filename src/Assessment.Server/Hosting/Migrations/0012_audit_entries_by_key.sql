-- A county write looks up each of its audit entries by its own key (issue 16). Migration 0011's set-wise
-- "insert the entries not yet stored" was planned as a hash anti-join that read every entry of the county's chain on
-- each write: the cost grew with the chain (a county's whole year of submissions), and in a profile of a sustained
-- submission load PostgreSQL spent a quarter of its time visiting those rows (heap_hot_search_buffer,
-- heap_page_prune_opt). Entry by entry, each statement is a primary-key lookup whatever the planner estimates.
-- The behaviour is unchanged: an entry already stored with the same hash is a retry and is kept; one with a
-- different hash aborts the whole write.
CREATE OR REPLACE FUNCTION write_county_state(
    p_tenant text, p_year integer, p_county text, p_etag integer, p_state bytea, p_facts bytea, p_board bytea,
    p_chain text, p_idx integer[], p_prev text[], p_body text[], p_hash text[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    new_etag integer;
    stored text;
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

    -- The county's row is locked above, so no other writer adds an entry to this chain in between.
    FOR i IN 1 .. cardinality(p_idx) LOOP
        SELECT a.hash INTO stored FROM audit_entries a WHERE a.chain = p_chain AND a.idx = p_idx[i];
        IF NOT FOUND THEN
            INSERT INTO audit_entries (chain, idx, prev_hash, body, hash)
            VALUES (p_chain, p_idx[i], p_prev[i], p_body[i], p_hash[i]);
        ELSIF stored <> p_hash[i] THEN
            RAISE EXCEPTION 'audit chain % already holds a different entry %', p_chain, p_idx[i] USING ERRCODE = 'AS001';
        END IF;
    END LOOP;

    RETURN new_etag;
END
$$;
