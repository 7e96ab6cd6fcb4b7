-- The county-year audit chains (hash-chained, append-only). A county writes its new entries here just before the
-- grain state that records the chain's new head; an entry beyond the stored head (from a failed write) is replaced.
CREATE TABLE IF NOT EXISTS audit_entries
(
    chain     varchar(200) NOT NULL,
    idx       integer      NOT NULL,
    prev_hash char(64)     NOT NULL,
    body      text         NOT NULL,
    hash      char(64)     NOT NULL,
    PRIMARY KEY (chain, idx)
);
