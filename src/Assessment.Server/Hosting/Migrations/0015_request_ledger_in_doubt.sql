-- A write whose first call ended without a definite answer (the cluster timed out, the answer could not be kept) is
-- in doubt: its effect may or may not have happened. A retry resolves it by re-reading the target, never by running it
-- blindly again (issue 29). Claim times come from the database's clock only, so silos with skewed clocks agree.
ALTER TABLE request_ledger ADD COLUMN IF NOT EXISTS in_doubt boolean NOT NULL DEFAULT false;
