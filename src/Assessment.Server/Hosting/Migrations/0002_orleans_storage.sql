-- Grain state. One row per grain; the unique index on the grain's identity makes a second concurrent first write
-- fail cleanly (Orleans reports an inconsistent state) instead of leaving two rows and an unreadable grain.
-- The hash columns are part of the provider's contract and are stored, but lookups go through the unique index.
CREATE TABLE IF NOT EXISTS orleansstorage
(
    grainidhash            integer       NOT NULL,
    grainidn0              bigint        NOT NULL,
    grainidn1              bigint        NOT NULL,
    graintypehash          integer       NOT NULL,
    graintypestring        varchar(512)  NOT NULL,
    grainidextensionstring varchar(512),
    serviceid              varchar(150)  NOT NULL,
    payloadbinary          bytea,
    modifiedon             timestamptz   NOT NULL DEFAULT now(),
    version                integer       NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain
    ON orleansstorage (serviceid, graintypestring, grainidn0, grainidn1, (coalesce(grainidextensionstring, '')));

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', '
WITH updated AS (
    UPDATE orleansstorage
       SET payloadbinary = @PayloadBinary, modifiedon = now(), version = version + 1
     WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
       AND coalesce(grainidextensionstring, '''') = coalesce(@GrainIdExtensionString, '''')
       AND version = @GrainStateVersion::integer
    RETURNING version),
inserted AS (
    INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
                                grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
           @GrainIdExtensionString, @ServiceId, @PayloadBinary, now(), 1
     WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT (serviceid, graintypestring, grainidn0, grainidn1, (coalesce(grainidextensionstring, ''''))) DO NOTHING
    RETURNING version)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS NewGrainStateVersion;
'),
('ReadFromStorageKey', '
SELECT payloadbinary AS PayloadBinary, version AS Version
  FROM orleansstorage
 WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND coalesce(grainidextensionstring, '''') = coalesce(@GrainIdExtensionString, '''');
'),
('ClearStorageKey', '
UPDATE orleansstorage
   SET payloadbinary = NULL, modifiedon = now(), version = version + 1
 WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND coalesce(grainidextensionstring, '''') = coalesce(@GrainIdExtensionString, '''')
   AND version = @GrainStateVersion::integer
RETURNING version AS NewGrainStateVersion;
')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
