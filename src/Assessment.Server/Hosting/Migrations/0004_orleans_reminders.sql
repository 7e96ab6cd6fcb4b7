-- Reminders (durable timers), e.g. re-applying a unit's pending change to its county.
CREATE TABLE IF NOT EXISTS orleansreminderstable
(
    serviceid    varchar(150) NOT NULL,
    grainid      varchar(768) NOT NULL,
    remindername varchar(150) NOT NULL,
    starttime    timestamptz  NOT NULL,
    period       bigint       NOT NULL,
    grainhash    integer      NOT NULL,
    version      integer      NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX IF NOT EXISTS ix_orleansreminderstable_hash ON orleansreminderstable (serviceid, grainhash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', '
INSERT INTO orleansreminderstable AS r (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
   SET starttime = EXCLUDED.starttime, period = EXCLUDED.period, grainhash = EXCLUDED.grainhash,
       version = r.version + 1
RETURNING version AS Version;
'),
('ReadReminderRowsKey', '
SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId AND grainid = @GrainId;
'),
('ReadReminderRowKey', '
SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName;
'),
('ReadRangeRows1Key', '
SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash;
'),
('ReadRangeRows2Key', '
SELECT grainid AS GrainId, remindername AS ReminderName, starttime AS StartTime, period AS Period, version AS Version
  FROM orleansreminderstable
 WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash);
'),
('DeleteReminderRowKey', '
WITH deleted AS (
    DELETE FROM orleansreminderstable
     WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM deleted);
'),
('DeleteReminderRowsKey', '
DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId;
')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
