-- The units' states in a table of their own (issue 16), and their receipts (what answers a retried submission) in an
-- insert-only table beside it. A submission is one call of write_unit_state: the state without its receipts, and the
-- receipt of this submission, in one transaction and one round trip. Before, every submission rewrote the unit's whole
-- state with up to 256 receipts in it.
CREATE TABLE IF NOT EXISTS unit_states
(
    tenant     varchar(100) NOT NULL,
    year       integer      NOT NULL,
    county     varchar(100) NOT NULL,
    unit       varchar(100) NOT NULL,
    etag       integer      NOT NULL,
    state      bytea        NOT NULL,
    updated_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, year, county, unit)
) WITH (fillfactor = 70); -- room on each page for the next version of a row: updates stay heap-only (no index write)

CREATE TABLE IF NOT EXISTS unit_receipts
(
    tenant        varchar(100) NOT NULL,
    year          integer      NOT NULL,
    county        varchar(100) NOT NULL,
    unit          varchar(100) NOT NULL,
    submission_id uuid         NOT NULL,
    payload_hash  varchar(64)  NOT NULL,
    version       integer      NOT NULL,
    accepted      integer      NOT NULL,
    updated       integer      NOT NULL,
    unchanged     integer      NOT NULL,
    cleared       integer      NOT NULL,
    -- .NET ticks (100 ns, UTC): a replayed answer carries exactly the time the first answer did
    stored_at     bigint       NOT NULL,
    PRIMARY KEY (tenant, year, county, unit, submission_id)
);

-- Units written before these tables existed: their receipts move to the receipts table (the copy left inside the state
-- is never read again), their states to unit_states.
INSERT INTO unit_receipts (tenant, year, county, unit, submission_id, payload_hash, version, accepted, updated, unchanged, cleared, stored_at)
SELECT split_part(o.grainidextensionstring, '/', 1), split_part(o.grainidextensionstring, '/', 4)::integer,
       split_part(o.grainidextensionstring, '/', 2), split_part(o.grainidextensionstring, '/', 3),
       (r ->> 'Id')::uuid, r ->> 'Hash', (r ->> 'Version')::integer, (r ->> 'Accepted')::integer,
       (r ->> 'Updated')::integer, (r ->> 'Unchanged')::integer, (r ->> 'Cleared')::integer,
       ((extract(epoch FROM (r ->> 'StoredAt')::timestamptz) * 10000000)::bigint + 621355968000000000)
  FROM orleansstorage o,
       jsonb_array_elements(coalesce(convert_from(o.payloadbinary, 'UTF8')::jsonb -> 'Receipts', '[]'::jsonb)) r
 WHERE o.serviceid = 'assessment' AND o.graintypestring = 'unit' AND o.payloadbinary IS NOT NULL
ON CONFLICT DO NOTHING;

INSERT INTO unit_states (tenant, year, county, unit, etag, state, updated_at)
SELECT split_part(grainidextensionstring, '/', 1), split_part(grainidextensionstring, '/', 4)::integer,
       split_part(grainidextensionstring, '/', 2), split_part(grainidextensionstring, '/', 3),
       version, payloadbinary, modifiedon
  FROM orleansstorage
 WHERE serviceid = 'assessment' AND graintypestring = 'unit' AND payloadbinary IS NOT NULL
ON CONFLICT DO NOTHING;

DELETE FROM orleansstorage WHERE serviceid = 'assessment' AND graintypestring = 'unit';

-- Writes a unit's state if the caller holds its current etag (null: the row must not exist yet) and, when given, the
-- receipt of the submission it stores. Returns the new etag, or null when the etag did not match (nothing is written).
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
        VALUES (p_tenant, p_year, p_county, p_unit, p_id, p_hash, p_version, p_accepted, p_updated, p_unchanged,
                p_cleared, p_stored_at)
        ON CONFLICT DO NOTHING;
    END IF;

    RETURN new_etag;
END
$$;
