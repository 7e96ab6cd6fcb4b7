-- Cluster membership (used in cluster mode; harmless otherwise). Every conditional write bumps the table version
-- first, which serialises writers on one row lock, and rolls back as a whole when the silo row does not match.
CREATE TABLE IF NOT EXISTS orleansmembershipversiontable
(
    deploymentid varchar(150) NOT NULL PRIMARY KEY,
    timestamp    timestamptz  NOT NULL DEFAULT now(),
    version      integer      NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS orleansmembershiptable
(
    deploymentid varchar(150)  NOT NULL REFERENCES orleansmembershipversiontable (deploymentid),
    address      varchar(45)   NOT NULL,
    port         integer       NOT NULL,
    generation   integer       NOT NULL,
    siloname     varchar(150)  NOT NULL,
    hostname     varchar(150)  NOT NULL,
    status       integer       NOT NULL,
    proxyport    integer,
    suspecttimes varchar(8000),
    starttime    timestamptz   NOT NULL,
    iamalivetime timestamptz   NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

CREATE OR REPLACE FUNCTION assessment_membership_insert(
    p_deploymentid text, p_address text, p_port integer, p_generation integer, p_siloname text, p_hostname text,
    p_status integer, p_proxyport integer, p_starttime timestamptz, p_iamalivetime timestamptz, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleansmembershipversiontable
       SET version = version + 1, timestamp = now()
     WHERE deploymentid = p_deploymentid AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    BEGIN
        INSERT INTO orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status,
                                            proxyport, starttime, iamalivetime)
        VALUES (p_deploymentid, p_address, p_port, p_generation, p_siloname, p_hostname, p_status,
                p_proxyport, p_starttime, p_iamalivetime);
    EXCEPTION WHEN unique_violation THEN
        -- The silo is already a member: undo the version bump by failing the whole statement's effect.
        RAISE EXCEPTION USING ERRCODE = 'AS001', MESSAGE = 'membership row exists';
    END;
    RETURN true;
EXCEPTION WHEN SQLSTATE 'AS001' THEN
    RETURN false;
END
$$;

CREATE OR REPLACE FUNCTION assessment_membership_update(
    p_deploymentid text, p_address text, p_port integer, p_generation integer, p_status integer,
    p_suspecttimes text, p_iamalivetime timestamptz, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleansmembershipversiontable
       SET version = version + 1, timestamp = now()
     WHERE deploymentid = p_deploymentid AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE orleansmembershiptable
       SET status = p_status, suspecttimes = p_suspecttimes, iamalivetime = p_iamalivetime
     WHERE deploymentid = p_deploymentid AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'AS001', MESSAGE = 'no such membership row';
    END IF;
    RETURN true;
EXCEPTION WHEN SQLSTATE 'AS001' THEN
    RETURN false;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', '
WITH inserted AS (
    INSERT INTO orleansmembershipversiontable (deploymentid) VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted);
'),
('InsertMembershipKey', '
SELECT assessment_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                                    @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);
'),
('UpdateMembershipKey', '
SELECT assessment_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
                                    @SuspectTimes, @IAmAliveTime, @Version);
'),
('UpdateIAmAlivetimeKey', '
UPDATE orleansmembershiptable
   SET iamalivetime = @IAmAliveTime
 WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
'),
('MembershipReadRowKey', '
SELECT v.deploymentid AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.siloname AS SiloName, m.hostname AS HostName, m.status AS Status, coalesce(m.proxyport, 0) AS ProxyPort,
       m.suspecttimes AS SuspectTimes, m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime, v.version AS Version
  FROM orleansmembershipversiontable v
  LEFT JOIN orleansmembershiptable m
         ON m.deploymentid = v.deploymentid
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
 WHERE v.deploymentid = @DeploymentId;
'),
('MembershipReadAllKey', '
SELECT v.deploymentid AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.siloname AS SiloName, m.hostname AS HostName, m.status AS Status, coalesce(m.proxyport, 0) AS ProxyPort,
       m.suspecttimes AS SuspectTimes, m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime, v.version AS Version
  FROM orleansmembershipversiontable v
  LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
 WHERE v.deploymentid = @DeploymentId;
'),
('DeleteMembershipTableEntriesKey', '
DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId;
'),
('GatewaysQueryKey', '
SELECT address AS Address, proxyport AS ProxyPort, generation AS Generation
  FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;
'),
('CleanupDefunctSiloEntriesKey', '
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId AND iamalivetime < @IAmAliveTime AND status = 6;
')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
