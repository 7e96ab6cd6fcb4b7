-- The key ring that protects web sessions and antiforgery tokens, one for the whole cluster (issue 29): a cookie signed
-- by one replica is read by every other and survives roll-outs. ASP.NET Core Data Protection keeps each key as an XML
-- element under a friendly name; keys are only ever added (expired ones stay until the ring is pruned by an operator).
-- With WebKeys:CertificateFile set, the element's secret is encrypted with that certificate before it is stored.
CREATE TABLE IF NOT EXISTS web_keys
(
    name       varchar(200) PRIMARY KEY,
    xml        text         NOT NULL,
    created_at timestamptz  NOT NULL DEFAULT now()
);
