-- What leaves the platform when something happens (issue 33): event deliveries to the tenant's subscribed systems
-- (signed as Standard Webhooks) and mail to the people concerned. Both are made from the audit log itself: one trigger
-- turns the audit entry of a round opened or closed, a 上报, 退回 or 审核通过, results published and a 通报 issued or
-- corrected into one delivery per matching subscription and, for a 退回 or a 通报, one mail per recipient, in the
-- transaction that stores the entry. So a delivery exists exactly when the change it reports was acknowledged, a
-- retried audit write (stored once) makes none twice, and recipients come from the entry's own tenant only: a 退回
-- goes to the accounts of that county and its units that have an address, a 通报 to the tenant's leader accounts.

CREATE TABLE IF NOT EXISTS event_subscriptions
(
    tenant      varchar(64)  NOT NULL,
    id          uuid         NOT NULL,
    url         text         NOT NULL,
    -- The signing secret, encrypted with the cluster's data-protection key ring (shown once when created).
    secret      text         NOT NULL,
    -- Event types delivered; empty: all.
    kinds       text[]       NOT NULL DEFAULT '{}',
    created_at  timestamptz  NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE IF NOT EXISTS event_deliveries
(
    id               bigserial    PRIMARY KEY,
    tenant           varchar(64)  NOT NULL,
    subscription     uuid         NOT NULL,
    -- The event's id (webhook-id): the same on every attempt and replay, so receivers can drop duplicates.
    event_id         varchar(80)  NOT NULL,
    kind             varchar(40)  NOT NULL,
    payload          text         NOT NULL,
    created_at       timestamptz  NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz  NOT NULL DEFAULT now(),
    attempts         int          NOT NULL DEFAULT 0,
    delivered_at     timestamptz,
    last_status      int,
    last_error       text,
    UNIQUE (subscription, event_id),
    FOREIGN KEY (tenant, subscription) REFERENCES event_subscriptions (tenant, id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS ix_event_deliveries_due ON event_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND attempts < 7;
CREATE INDEX IF NOT EXISTS ix_event_deliveries_tenant ON event_deliveries (tenant, id DESC);

-- One row per recipient of a mail.
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

CREATE INDEX IF NOT EXISTS ix_mail_deliveries_due ON mail_deliveries (next_attempt_at) WHERE sent_at IS NULL AND attempts < 5;

CREATE OR REPLACE FUNCTION deliveries_from_audit() RETURNS trigger
LANGUAGE plpgsql AS
$$
DECLARE
    entry     jsonb;
    v_tenant  text := split_part(NEW.chain, '/', 1);
    third     text := split_part(NEW.chain, '/', 3);
    v_kind    text;
    v_year    int;
    v_county  text;
    v_id      text := 'evt_' || substr(NEW.hash, 1, 32);
BEGIN
    entry := NEW.body::jsonb;
    IF third = 'round' THEN
        v_year := split_part(NEW.chain, '/', 2)::int;
        v_kind := CASE entry->>'action' WHEN 'open' THEN 'round.opened' WHEN 'close' THEN 'round.closed' WHEN 'publish' THEN 'results.published' END;
    ELSIF third = 'bulletin' THEN
        v_year := split_part(NEW.chain, '/', 2)::int;
        v_kind := CASE entry->>'action' WHEN 'bulletin_issued' THEN 'bulletin.issued' WHEN 'bulletin_corrected' THEN 'bulletin.corrected' END;
    ELSIF third ~ '^[0-9]{4}$' THEN
        v_county := split_part(NEW.chain, '/', 2);
        v_year := third::int;
        v_kind := CASE entry->>'action' WHEN 'submit_for_review' THEN 'county.submitted' WHEN 'return' THEN 'county.returned' WHEN 'approve' THEN 'county.approved' END;
    END IF;

    -- Only news: an entry written long after its time (a tenant imported from an archive, a chain started late from
    -- decisions already shown) is history, not an event to announce again.
    IF v_kind IS NULL OR (entry->>'at')::timestamptz < now() - interval '1 day' THEN
        RETURN NULL;
    END IF;

    BEGIN
    INSERT INTO event_deliveries (tenant, subscription, event_id, kind, payload)
    SELECT s.tenant, s.id, v_id, v_kind,
           jsonb_build_object(
               'type', v_kind,
               'timestamp', entry->>'at',
               'data', jsonb_strip_nulls(jsonb_build_object(
                   'tenant', v_tenant, 'year', v_year, 'county', v_county, 'actor', entry->>'actor',
                   'detail', CASE WHEN v_county IS NULL THEN entry->>'after' END,
                   'reason', entry->>'reason', 'audit_chain', NEW.chain, 'audit_index', NEW.idx, 'audit_hash', NEW.hash)))::text
      FROM event_subscriptions s
     WHERE s.tenant = v_tenant AND (cardinality(s.kinds) = 0 OR v_kind = ANY (s.kinds))
    ON CONFLICT DO NOTHING;
    EXCEPTION WHEN OTHERS THEN
        -- e.g. a subscription removed at this moment: the mail below still goes.
        RAISE WARNING 'deliveries_from_audit (events): % (chain %, index %)', SQLERRM, NEW.chain, NEW.idx;
    END;

    IF v_kind IN ('county.returned', 'bulletin.issued', 'bulletin.corrected') THEN
        BEGIN
        INSERT INTO mail_deliveries (tenant, event_id, kind, to_address, to_name, data)
        SELECT a.tenant, v_id, v_kind, a.email, a.name,
               jsonb_strip_nulls(jsonb_build_object('tenant', v_tenant, 'year', v_year, 'county', v_county, 'unit', a.unit,
                   'actor', entry->>'actor', 'reason', entry->>'reason', 'detail', entry->>'after', 'at', entry->>'at'))::text
          FROM accounts a
         WHERE a.tenant = v_tenant AND NOT a.disabled AND a.email IS NOT NULL
           AND CASE WHEN v_kind = 'county.returned' THEN a.county = v_county AND a.role IN ('county', 'unit') ELSE a.role = 'leader' END
        ON CONFLICT DO NOTHING;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'deliveries_from_audit (mail): % (chain %, index %)', SQLERRM, NEW.chain, NEW.idx;
        END;
    END IF;

    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    -- A delivery is never worth a county's write: whatever went wrong here, the audit entry (and the state with it) is kept.
    RAISE WARNING 'deliveries_from_audit: % (chain %, index %)', SQLERRM, NEW.chain, NEW.idx;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS deliveries_follow_audit ON audit_entries;
CREATE TRIGGER deliveries_follow_audit AFTER INSERT ON audit_entries
    -- Only the entries that can be deliveries reach the function (a submission's entry, the hot path, costs one pattern test).
    FOR EACH ROW WHEN (NEW.body ~ '"action":"(open|close|publish|bulletin_issued|bulletin_corrected|submit_for_review|return|approve)"')
    EXECUTE FUNCTION deliveries_from_audit();
