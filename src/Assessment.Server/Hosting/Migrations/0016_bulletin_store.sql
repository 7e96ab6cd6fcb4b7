-- Issued bulletins outside grain state, insert-only (issue 29): each edition's documents (html, markdown, model, pdf)
-- are stored once and never rewritten; receipts (first opening, first download per recipient) and reminders are rows
-- of their own, so recording one rewrites no document. `round` is the round's grain key (tenant/year).
CREATE TABLE IF NOT EXISTS bulletin_documents
(
    round     text        NOT NULL,
    edition   integer     NOT NULL,
    format    text        NOT NULL CHECK (format IN ('html', 'markdown', 'model', 'pdf')),
    sha256    text        NOT NULL,
    content   bytea       NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round, edition, format)
);

CREATE TABLE IF NOT EXISTS bulletin_receipts
(
    id        bigserial   PRIMARY KEY,
    round     text        NOT NULL,
    edition   integer     NOT NULL,
    recipient text        NOT NULL,
    kind      text        NOT NULL CHECK (kind IN ('opened', 'downloaded', 'reminded')),
    sha256    text,
    actor     text,
    at        timestamptz NOT NULL
);

-- The first opening and the first download of an edition by a recipient; reminders may repeat.
CREATE UNIQUE INDEX IF NOT EXISTS bulletin_receipts_first ON bulletin_receipts (round, edition, recipient, kind) WHERE kind <> 'reminded';
CREATE INDEX IF NOT EXISTS bulletin_receipts_by_round ON bulletin_receipts (round, id);

CREATE OR REPLACE FUNCTION bulletin_rows_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'issued bulletins and their receipts are insert-only: % on % is refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'AS003';
END
$$;

DROP TRIGGER IF EXISTS bulletin_documents_insert_only ON bulletin_documents;
CREATE TRIGGER bulletin_documents_insert_only BEFORE UPDATE OR DELETE ON bulletin_documents
    FOR EACH ROW EXECUTE FUNCTION bulletin_rows_refuse_change();
DROP TRIGGER IF EXISTS bulletin_documents_no_truncate ON bulletin_documents;
CREATE TRIGGER bulletin_documents_no_truncate BEFORE TRUNCATE ON bulletin_documents
    FOR EACH STATEMENT EXECUTE FUNCTION bulletin_rows_refuse_change();

DROP TRIGGER IF EXISTS bulletin_receipts_insert_only ON bulletin_receipts;
CREATE TRIGGER bulletin_receipts_insert_only BEFORE UPDATE OR DELETE ON bulletin_receipts
    FOR EACH ROW EXECUTE FUNCTION bulletin_rows_refuse_change();
DROP TRIGGER IF EXISTS bulletin_receipts_no_truncate ON bulletin_receipts;
CREATE TRIGGER bulletin_receipts_no_truncate BEFORE TRUNCATE ON bulletin_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION bulletin_rows_refuse_change();
