-- Orleans ADO.NET providers read every statement they run from this table, by key. The keys, parameter names and
-- result column names are the providers' contract; the statements themselves are ours.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL PRIMARY KEY,
    querytext varchar(8000) NOT NULL
);
