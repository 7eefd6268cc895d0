-- 0004_history: who changed what and when, API keys.
--
-- Every insert and update of an incident and every tombstone leaves a row in
-- incident_revisions, written by the triggers below in the same transaction
-- as the change, whichever code path made it. A revision holds the whole
-- incident as it stood after the change (NULL columns for a delete), so that
-- a query can rebuild the data as of any instant, and "what changed" is the
-- difference between one revision and the one before. seq orders revisions
-- in commit order (SQLite has one writer at a time).

ALTER TABLE incidents ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_tombstones ADD COLUMN deleted_by TEXT NOT NULL DEFAULT '';

CREATE TABLE incident_revisions (
    seq                INTEGER PRIMARY KEY,
    incident_id        TEXT    NOT NULL,
    version            INTEGER NOT NULL,
    op                 TEXT    NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    actor              TEXT    NOT NULL,
    at                 TEXT    NOT NULL,
    external_ids       TEXT    NOT NULL DEFAULT '[]',
    title              TEXT,
    summary            TEXT,
    occurred_start     TEXT,
    occurred_end       TEXT,
    date_precision     TEXT,
    lon                REAL,
    lat                REAL,
    location_precision TEXT,
    place_name         TEXT,
    country            TEXT,
    admin1_code        TEXT,
    admin1_name        TEXT,
    event_type         TEXT,
    sub_event_type     TEXT,
    target_type        TEXT,
    target_country     TEXT,
    facility           TEXT,
    perpetrator        TEXT,
    actors             TEXT,
    fatalities         INTEGER,
    injuries           INTEGER,
    tags               TEXT,
    sources            TEXT,
    responses          TEXT,
    status             TEXT,
    created_at         TEXT
) STRICT;

CREATE INDEX incident_revisions_incident ON incident_revisions (incident_id, seq);
CREATE INDEX incident_revisions_at ON incident_revisions (at, seq);

CREATE TRIGGER incidents_revision_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO incident_revisions (incident_id, version, op, actor, at,
        title, summary, occurred_start, occurred_end, date_precision, lon, lat, location_precision,
        place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
        target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
        status, created_at)
    VALUES (new.id, new.version, 'create', new.updated_by, new.updated_at,
        new.title, new.summary, new.occurred_start, new.occurred_end, new.date_precision, new.lon, new.lat,
        new.location_precision, new.place_name, new.country, new.admin1_code, new.admin1_name, new.event_type,
        new.sub_event_type, new.target_type, new.target_country, new.facility, new.perpetrator, new.actors,
        new.fatalities, new.injuries, new.tags, new.sources, new.responses, new.status, new.created_at);
END;

CREATE TRIGGER incidents_revision_update AFTER UPDATE ON incidents BEGIN
    INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
        title, summary, occurred_start, occurred_end, date_precision, lon, lat, location_precision,
        place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
        target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
        status, created_at)
    VALUES (new.id, new.version, 'update', new.updated_by, new.updated_at,
        (SELECT json_group_array(x.external_id ORDER BY x.position) FROM incident_external_ids x WHERE x.incident_id = new.id),
        new.title, new.summary, new.occurred_start, new.occurred_end, new.date_precision, new.lon, new.lat,
        new.location_precision, new.place_name, new.country, new.admin1_code, new.admin1_name, new.event_type,
        new.sub_event_type, new.target_type, new.target_country, new.facility, new.perpetrator, new.actors,
        new.fatalities, new.injuries, new.tags, new.sources, new.responses, new.status, new.created_at);
END;

-- External ids are written after their incident: each one written brings the
-- incident's latest revision up to date. (Writers that replace the external
-- ids delete the old ones before they update the incident.)
CREATE TRIGGER incident_external_ids_revision AFTER INSERT ON incident_external_ids BEGIN
    UPDATE incident_revisions
       SET external_ids = (SELECT json_group_array(x.external_id ORDER BY x.position)
                             FROM incident_external_ids x WHERE x.incident_id = new.incident_id)
     WHERE seq = (SELECT max(seq) FROM incident_revisions WHERE incident_id = new.incident_id);
END;

CREATE TRIGGER incident_tombstones_revision AFTER INSERT ON incident_tombstones BEGIN
    INSERT INTO incident_revisions (incident_id, version, op, actor, at)
    VALUES (new.id, new.version + 1, 'delete', new.deleted_by, new.deleted_at);
END;

-- History begins with the incidents already there.
INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
    title, summary, occurred_start, occurred_end, date_precision, lon, lat, location_precision,
    place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
    target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
    status, created_at)
SELECT i.id, i.version, 'create', '', i.updated_at,
    (SELECT json_group_array(x.external_id ORDER BY x.position) FROM incident_external_ids x WHERE x.incident_id = i.id),
    i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision, i.lon, i.lat,
    i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name, i.event_type,
    i.sub_event_type, i.target_type, i.target_country, i.facility, i.perpetrator, i.actors,
    i.fatalities, i.injuries, i.tags, i.sources, i.responses, i.status, i.created_at
FROM incidents i ORDER BY i.updated_at, i.id;

-- API keys: the secret is kept as its SHA-256 only.
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    hash       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
