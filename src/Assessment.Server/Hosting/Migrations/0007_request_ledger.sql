-- The answers of writes a client may retry (assessor and admin RPCs that carry a request_id): a retry gets the first
-- answer instead of a second effect. The key is a hash of the caller and the request_id; the answer is encrypted
-- under a key derived from the request_id, so the table alone reveals no answer (an issued API key included).
CREATE TABLE IF NOT EXISTS request_ledger
(
    key          bytea       PRIMARY KEY,
    method       text        NOT NULL,
    request_hash bytea       NOT NULL,
    answered     boolean     NOT NULL DEFAULT false,
    answer       bytea,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS request_ledger_created_at ON request_ledger (created_at);
