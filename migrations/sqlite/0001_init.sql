-- Incidents, their external ids, a spatial index and tombstones of deletions.
--
-- Days are TEXT 'YYYY-MM-DD' and instants TEXT 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
-- (UTC, fixed width, so that text order is time order). Lists and nested
-- records (actors, tags, sources, responses) are JSON arrays in TEXT.

CREATE TABLE incidents (
    rid                INTEGER PRIMARY KEY, -- the rowid, and the key of incidents_rtree
    id                 TEXT    NOT NULL UNIQUE,
    title              TEXT    NOT NULL,
    summary            TEXT    NOT NULL DEFAULT '',
    occurred_start     TEXT    NOT NULL,
    occurred_end       TEXT    NOT NULL,
    date_precision     TEXT    NOT NULL,
    lon                REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat                REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    location_precision TEXT    NOT NULL,
    place_name         TEXT    NOT NULL DEFAULT '',
    country            TEXT    NOT NULL,
    admin1_code        TEXT    NOT NULL DEFAULT '',
    admin1_name        TEXT    NOT NULL DEFAULT '',
    event_type         TEXT    NOT NULL,
    sub_event_type     TEXT    NOT NULL DEFAULT '',
    target_type        TEXT    NOT NULL,
    target_country     TEXT    NOT NULL DEFAULT '',
    facility           TEXT    NOT NULL DEFAULT '',
    perpetrator        TEXT    NOT NULL DEFAULT '',
    actors             TEXT    NOT NULL DEFAULT '[]',
    fatalities         INTEGER CHECK (fatalities >= 0), -- NULL: unknown
    injuries           INTEGER CHECK (injuries >= 0),
    tags               TEXT    NOT NULL DEFAULT '[]',
    sources            TEXT    NOT NULL DEFAULT '[]',
    responses          TEXT    NOT NULL DEFAULT '[]',
    status             TEXT    NOT NULL,
    version            INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    CHECK (occurred_end >= occurred_start)
) STRICT;

-- Keyset paging walks (occurred_start, id); occurred_end rides along so that
-- an interval query tests it without reading the row. The property indexes
-- end in the same order, so that a page for one value needs no sort.
CREATE INDEX incidents_occurred ON incidents (occurred_start, id, occurred_end);
CREATE INDEX incidents_country ON incidents (country, occurred_start, id);
CREATE INDEX incidents_event_type ON incidents (event_type, occurred_start, id);
CREATE INDEX incidents_target_country ON incidents (target_country, occurred_start, id);

-- position keeps the order in which the incident lists its external ids.
CREATE TABLE incident_external_ids (
    external_id TEXT    PRIMARY KEY,
    incident_id TEXT    NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX incident_external_ids_incident ON incident_external_ids (incident_id, position);

-- One box per incident, keyed by incidents.rid. R*Tree stores 32-bit floats
-- and rounds boxes outward: queries must re-check lon and lat exactly.
CREATE VIRTUAL TABLE incidents_rtree USING rtree (rid, min_lon, max_lon, min_lat, max_lat);

CREATE TRIGGER incidents_rtree_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO incidents_rtree (rid, min_lon, max_lon, min_lat, max_lat)
    VALUES (new.rid, new.lon, new.lon, new.lat, new.lat);
END;

CREATE TRIGGER incidents_rtree_update AFTER UPDATE OF rid, lon, lat ON incidents BEGIN
    DELETE FROM incidents_rtree WHERE rid = old.rid;
    INSERT INTO incidents_rtree (rid, min_lon, max_lon, min_lat, max_lat)
    VALUES (new.rid, new.lon, new.lon, new.lat, new.lat);
END;

CREATE TRIGGER incidents_rtree_delete AFTER DELETE ON incidents BEGIN
    DELETE FROM incidents_rtree WHERE rid = old.rid;
END;

-- A row per deletion; an id deleted, re-created and deleted again has two.
CREATE TABLE incident_tombstones (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    deleted_at TEXT    NOT NULL
) STRICT;

CREATE INDEX incident_tombstones_deleted_at ON incident_tombstones (deleted_at, seq);
