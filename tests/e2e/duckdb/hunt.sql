-- Microsoft's Defender hunting query "File Copy and Execution" (a27d5cb6-c533-4a81-9d11-d5c0ed257bc7)
-- written as DuckDB SQL over old-portal CSV exports: the DuckDB-WASM peer of the browser benchmark
-- (tests/e2e/bench.mjs, page tests/e2e/duckdb/index.html) and, with native DuckDB, checked against
-- the KQL text run by duckdb-kql (tests/differential/test_duckdb_sql.py).
--
-- Placeholders, replaced as text before the query runs (hunt.mjs and the test do the same):
--   {{DeviceNetworkEvents}} {{DeviceLogonEvents}} {{DeviceFileEvents}} {{DeviceProcessEvents}}
--       a DuckDB list of the CSV files of that table, e.g. ['DeviceNetworkEvents.csv']
--   {{ToleranceInSeconds}}   the query's `let ToleranceInSeconds = 5;`, a whole number
--
-- Reading: every column as text, then converted as Kusto holds the values:
--   * strings are never null: an empty cell is '' (so an empty DeviceId joins an empty DeviceId);
--   * datetimes are TIMESTAMP_NS from the ISO form (`2024-03-11T08:00:14.0820530Z`, 0-7 fraction
--     digits), compared as integer nanoseconds so 100 ns ticks and the inclusive `between` hold;
--     an empty or unreadable cell is null and matches no window;
--   * int/long/bool columns are TRY_CAST (empty = null).
-- Columns a file leaves out are null when another file of the table has them (union_by_name);
-- every column the query reads must be in at least one file of its table.
--
-- The KQL, clause by clause:
--   DeviceNetworkEvents | where LocalPort == 445 and isnotempty(RemoteIP)            -> net
--   | join kind=inner DeviceLogonEvents on DeviceId
--   | where Timestamp1 between (Timestamp .. Timestamp + T s) and RemoteIP endswith RemoteIP1
--                                                   -> first JOIN (endswith: ILIKE '%' || literal)
--   | join kind=inner (DeviceFileEvents | where ActionType in ('FileModified','FileCreated')
--       and (InitiatingProcessFileName =~ 'System' or InitiatingProcessFolderPath endswith
--       "ntoskrnl.exe")) on DeviceId                -> file (=~: lower() = lower(); endswith: ILIKE)
--   | where Timestamp2 between (Timestamp .. Timestamp + T s)                      -> second JOIN
--   | join kind=inner DeviceProcessEvents on DeviceId, FolderPath
--   | where Timestamp3 between (Timestamp .. Timestamp + T s)                       -> third JOIN
--   | project Timestamp, DeviceName, RemoteIP, RemotePort (all the connection's), AccountDomain,
--       AccountName, AccountSid (the logon's), Protocol (the connection's: the logon's is Protocol1),
--       LogonId, RemoteDeviceName, IsLocalAdmin (the logon's), FileName, FolderPath, SHA1, SHA256,
--       MD5 (the file event's), ProcessCommandLine (the process event's)
-- All joins are inner (no innerunique de-duplication), so every combination is a row. `Timestamp`
-- is always the connection's: each window opens at the SMB connection.
WITH
net_csv AS (SELECT * FROM read_csv({{DeviceNetworkEvents}}, header = true, all_varchar = true, delim = ',',
    quote = '"', escape = '"', strict_mode = true, union_by_name = true)),
logon_csv AS (SELECT * FROM read_csv({{DeviceLogonEvents}}, header = true, all_varchar = true, delim = ',',
    quote = '"', escape = '"', strict_mode = true, union_by_name = true)),
file_csv AS (SELECT * FROM read_csv({{DeviceFileEvents}}, header = true, all_varchar = true, delim = ',',
    quote = '"', escape = '"', strict_mode = true, union_by_name = true)),
process_csv AS (SELECT * FROM read_csv({{DeviceProcessEvents}}, header = true, all_varchar = true, delim = ',',
    quote = '"', escape = '"', strict_mode = true, union_by_name = true)),
net AS (
    SELECT TRY_CAST("Timestamp" AS TIMESTAMP_NS) AS "Timestamp",
           epoch_ns(TRY_CAST("Timestamp" AS TIMESTAMP_NS)) AS t0,
           epoch_ns(TRY_CAST("Timestamp" AS TIMESTAMP_NS)) + CAST({{ToleranceInSeconds}} AS BIGINT) * 1000000000 AS t_end,
           coalesce("DeviceId", '') AS "DeviceId",
           coalesce("DeviceName", '') AS "DeviceName",
           coalesce("RemoteIP", '') AS "RemoteIP",
           TRY_CAST("RemotePort" AS BIGINT) AS "RemotePort",
           coalesce("Protocol", '') AS "Protocol"
    FROM net_csv
    WHERE TRY_CAST("LocalPort" AS BIGINT) = 445 AND coalesce("RemoteIP", '') <> ''
),
logon AS (
    SELECT epoch_ns(TRY_CAST("Timestamp" AS TIMESTAMP_NS)) AS t1,
           coalesce("DeviceId", '') AS "DeviceId",
           -- `RemoteIP endswith RemoteIP1`, case-insensitive, the logon's address taken literally.
           '%' || replace(replace(replace(coalesce("RemoteIP", ''), '\', '\\'), '%', '\%'), '_', '\_')
               AS remote_ip_suffix,
           coalesce("AccountDomain", '') AS "AccountDomain",
           coalesce("AccountName", '') AS "AccountName",
           coalesce("AccountSid", '') AS "AccountSid",
           TRY_CAST("LogonId" AS BIGINT) AS "LogonId",
           coalesce("RemoteDeviceName", '') AS "RemoteDeviceName",
           TRY_CAST("IsLocalAdmin" AS BOOLEAN) AS "IsLocalAdmin"
    FROM logon_csv
),
file AS (
    SELECT epoch_ns(TRY_CAST("Timestamp" AS TIMESTAMP_NS)) AS t2,
           coalesce("DeviceId", '') AS "DeviceId",
           coalesce("FileName", '') AS "FileName",
           coalesce("FolderPath", '') AS "FolderPath",
           coalesce("SHA1", '') AS "SHA1",
           coalesce("SHA256", '') AS "SHA256",
           coalesce("MD5", '') AS "MD5"
    FROM file_csv
    WHERE coalesce("ActionType", '') IN ('FileModified', 'FileCreated')
      AND (lower(coalesce("InitiatingProcessFileName", '')) = lower('System')
           OR coalesce("InitiatingProcessFolderPath", '') ILIKE '%ntoskrnl.exe')
),
process AS (
    SELECT epoch_ns(TRY_CAST("Timestamp" AS TIMESTAMP_NS)) AS t3,
           coalesce("DeviceId", '') AS "DeviceId",
           coalesce("FolderPath", '') AS "FolderPath",
           coalesce("ProcessCommandLine", '') AS "ProcessCommandLine"
    FROM process_csv
)
SELECT n."Timestamp", n."DeviceName", n."RemoteIP", n."RemotePort",
       l."AccountDomain", l."AccountName", l."AccountSid", n."Protocol", l."LogonId", l."RemoteDeviceName",
       l."IsLocalAdmin", f."FileName", f."FolderPath", f."SHA1", f."SHA256", f."MD5", p."ProcessCommandLine"
FROM net AS n
JOIN logon AS l
  ON l."DeviceId" = n."DeviceId"
 AND l.t1 BETWEEN n.t0 AND n.t_end
 AND n."RemoteIP" ILIKE l.remote_ip_suffix ESCAPE '\'
JOIN file AS f
  ON f."DeviceId" = n."DeviceId"
 AND f.t2 BETWEEN n.t0 AND n.t_end
JOIN process AS p
  ON p."DeviceId" = n."DeviceId"
 AND p."FolderPath" = f."FolderPath"
 AND p.t3 BETWEEN n.t0 AND n.t_end
