-- The counties' states in a table of their own (issue 16). One row per county-year holds the grain's state and, beside
-- it, the county's scoring facts (revision, aggregated values, adjustments): a ranking after a restart reads one small
-- column of one query instead of activating every county. A group write is one call of write_county_state: the state,
-- the facts and the audit entries the write made, in one transaction and one round trip. The entries are therefore
-- no longer stored inside the state (no second copy of every entry in the WAL), and a state row can never record an
-- audit head whose entries are missing.
CREATE TABLE IF NOT EXISTS county_states
(
    tenant     varchar(100) NOT NULL,
    year       integer      NOT NULL,
    county     varchar(100) NOT NULL,
    etag       integer      NOT NULL,
    state      bytea        NOT NULL,
    -- null only for rows carried over from Orleans' storage table; readers then take the facts from the state
    facts      bytea,
    updated_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, year, county)
) WITH (fillfactor = 70); -- room on each page for the next version of a row: updates stay heap-only (no index write)

-- Counties written before this table existed keep their state (and its pending audit entries, which the grain
-- appends on activation as before).
INSERT INTO county_states (tenant, year, county, etag, state, facts, updated_at)
SELECT split_part(grainidextensionstring, '/', 1), split_part(grainidextensionstring, '/', 3)::integer,
       split_part(grainidextensionstring, '/', 2), version, payloadbinary, NULL, modifiedon
  FROM orleansstorage
 WHERE serviceid = 'assessment' AND graintypestring = 'county' AND payloadbinary IS NOT NULL
ON CONFLICT DO NOTHING;

DELETE FROM orleansstorage WHERE serviceid = 'assessment' AND graintypestring = 'county';

-- Writes a county's state if the caller holds its current etag (null: the row must not exist yet), with its facts
-- and its new audit entries. Returns the new etag, or null when the etag did not match (nothing is written). An audit
-- entry already stored with a different hash raises SQLSTATE AS001 and rolls everything back: a chain is never
-- rewritten.
CREATE OR REPLACE FUNCTION write_county_state(
    p_tenant text, p_year integer, p_county text, p_etag integer, p_state bytea, p_facts bytea,
    p_chain text, p_idx integer[], p_prev text[], p_body text[], p_hash text[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    new_etag integer;
    conflict integer;
BEGIN
    IF p_etag IS NULL THEN
        INSERT INTO county_states (tenant, year, county, etag, state, facts)
        VALUES (p_tenant, p_year, p_county, 1, p_state, p_facts)
        ON CONFLICT DO NOTHING
        RETURNING etag INTO new_etag;
    ELSE
        UPDATE county_states
           SET etag = etag + 1, state = p_state, facts = p_facts, updated_at = now()
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

-- The same room for the units' rows in Orleans' table (new pages; existing ones as they are rewritten).
ALTER TABLE orleansstorage SET (fillfactor = 70);
