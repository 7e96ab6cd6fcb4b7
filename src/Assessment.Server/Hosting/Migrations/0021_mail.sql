-- Mail (issue 33): the people an event concerns get an e-mail at the address on their account. Like events, a mail
-- is made by a trigger on the audit entry that records the change, in its transaction, one row per recipient: a
-- 退回 goes to the county's and its units' accounts, an issued 通报 (or 更正通报) to the tenant's leader accounts.
-- Only accounts of the entry's own tenant are ever chosen.
CREATE TABLE IF NOT EXISTS mail_deliveries
(
    id               bigserial    PRIMARY KEY,
    tenant           varchar(64)  NOT NULL,
    event_id         varchar(80)  NOT NULL,
    kind             varchar(40)  NOT NULL,
    to_address       text         NOT NULL,
    to_name          text         NOT NULL,
    -- The event's data (tenant, year, county, actor, reason, …) the message is written from when it is sent.
    data             text         NOT NULL,
    created_at       timestamptz  NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz  NOT NULL DEFAULT now(),
    attempts         int          NOT NULL DEFAULT 0,
    sent_at          timestamptz,
    last_error       text,
    UNIQUE (event_id, to_address)
);

CREATE INDEX IF NOT EXISTS ix_mail_deliveries_due ON mail_deliveries (next_attempt_at) WHERE sent_at IS NULL;

CREATE OR REPLACE FUNCTION mail_from_audit() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    entry     jsonb;
    v_tenant  text := split_part(NEW.chain, '/', 1);
    third     text := split_part(NEW.chain, '/', 3);
    v_kind    text;
    v_county  text;
    v_year    int;
BEGIN
    entry := NEW.body::jsonb;
    IF third ~ '^[0-9]{4}$' AND entry->>'action' = 'return' THEN
        v_kind := 'county.returned';
        v_county := split_part(NEW.chain, '/', 2);
        v_year := third::int;
    ELSIF third = 'bulletin' AND entry->>'action' IN ('bulletin_issued', 'bulletin_corrected') THEN
        v_kind := CASE entry->>'action' WHEN 'bulletin_issued' THEN 'bulletin.issued' ELSE 'bulletin.corrected' END;
        v_year := split_part(NEW.chain, '/', 2)::int;
    ELSE
        RETURN NULL;
    END IF;

    INSERT INTO mail_deliveries (tenant, event_id, kind, to_address, to_name, data)
    SELECT a.tenant, 'evt_' || substr(NEW.hash, 1, 32), v_kind, a.email, a.name,
           jsonb_strip_nulls(jsonb_build_object('tenant', v_tenant, 'year', v_year, 'county', v_county, 'unit', a.unit,
               'actor', entry->>'actor', 'reason', entry->>'reason', 'detail', entry->>'after', 'at', entry->>'at'))::text
      FROM accounts a
     WHERE a.tenant = v_tenant AND NOT a.disabled AND a.email IS NOT NULL
       AND CASE WHEN v_kind = 'county.returned' THEN a.county = v_county AND a.role IN ('county', 'unit') ELSE a.role = 'leader' END
    ON CONFLICT DO NOTHING;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'mail_from_audit: % (chain %, index %)', SQLERRM, NEW.chain, NEW.idx;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS mail_follows_audit ON audit_entries;
CREATE TRIGGER mail_follows_audit AFTER INSERT ON audit_entries
    FOR EACH ROW WHEN (NEW.body ~ '"action":"(return|bulletin_issued|bulletin_corrected)"')
    EXECUTE FUNCTION mail_from_audit();
