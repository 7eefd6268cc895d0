-- 0003_data_version: a data version that costs one row read. The single row
-- of data_version counts every change to incidents (seq), keeps how many
-- incidents and tombstones exist, and the latest updated_at or deleted_at,
-- all kept by triggers in the writing transaction, so that ETags and
-- Last-Modified never count or scan the table. SQLite has row triggers
-- only: each written row bumps the row once. max_span_days is the longest
-- incident ever written (occurred_end - occurred_start, in days; it never
-- shrinks), so that a time window bounds occurred_start from below too.
CREATE TABLE data_version (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seq         INTEGER NOT NULL,
    incidents   INTEGER NOT NULL,
    tombstones  INTEGER NOT NULL,
    modified_at TEXT    NOT NULL, -- instantLayout, '' when nothing was ever written
    max_span_days INTEGER NOT NULL
) STRICT;

INSERT INTO data_version (id, seq, incidents, tombstones, modified_at, max_span_days)
SELECT 1,
       (SELECT count(*) FROM incidents) + (SELECT count(*) FROM incident_tombstones),
       (SELECT count(*) FROM incidents),
       (SELECT count(*) FROM incident_tombstones),
       max((SELECT coalesce(max(updated_at), '') FROM incidents),
           (SELECT coalesce(max(deleted_at), '') FROM incident_tombstones)),
       (SELECT coalesce(max(CAST(julianday(occurred_end) - julianday(occurred_start) AS INTEGER)), 0) FROM incidents);

CREATE TRIGGER incidents_version_insert AFTER INSERT ON incidents BEGIN
    UPDATE data_version SET seq = seq + 1, incidents = incidents + 1,
        modified_at = max(modified_at, new.updated_at),
        max_span_days = max(max_span_days, CAST(julianday(new.occurred_end) - julianday(new.occurred_start) AS INTEGER))
    WHERE id = 1;
END;

CREATE TRIGGER incidents_version_update AFTER UPDATE ON incidents BEGIN
    UPDATE data_version SET seq = seq + 1,
        modified_at = max(modified_at, new.updated_at),
        max_span_days = max(max_span_days, CAST(julianday(new.occurred_end) - julianday(new.occurred_start) AS INTEGER))
    WHERE id = 1;
END;

CREATE TRIGGER incidents_version_delete AFTER DELETE ON incidents BEGIN
    UPDATE data_version SET seq = seq + 1, incidents = incidents - 1 WHERE id = 1;
END;

CREATE TRIGGER incident_tombstones_version_insert AFTER INSERT ON incident_tombstones BEGIN
    UPDATE data_version SET seq = seq + 1, tombstones = tombstones + 1,
        modified_at = max(modified_at, new.deleted_at) WHERE id = 1;
END;

CREATE TRIGGER incident_tombstones_version_delete AFTER DELETE ON incident_tombstones BEGIN
    UPDATE data_version SET seq = seq + 1, tombstones = tombstones - 1 WHERE id = 1;
END;

-- The index of the default order carries the location and status, so that
-- the first page of a box that holds many incidents is found by walking the
-- order and testing each entry, without reading the table or sorting every
-- match (store/sqlite planScan).
DROP INDEX incidents_occurred;
CREATE INDEX incidents_occurred ON incidents (occurred_start, id, occurred_end, status, lon, lat);
