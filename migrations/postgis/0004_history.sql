-- 0004_history: who changed what and when, API keys.
--
-- Every insert and update of an incident (COPY included) and every
-- tombstone leaves a row in incident_revisions, written by the triggers
-- below in the same transaction as the change. A revision holds the whole
-- incident as it stood after the change (NULL columns for a delete), so that
-- a query can rebuild the data as of any instant. seq must follow commit
-- order, or a client mirroring the change feed could skip a revision that
-- committed late: every writing statement first takes one transaction-level
-- advisory lock, so writers commit one at a time and take their seq values
-- in that order.

ALTER TABLE incidents ADD COLUMN updated_by text NOT NULL DEFAULT '';
ALTER TABLE incident_tombstones ADD COLUMN deleted_by text NOT NULL DEFAULT '';

CREATE TABLE incident_revisions (
    seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id        text COLLATE "C" NOT NULL,
    version            integer NOT NULL,
    op                 text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    actor              text NOT NULL,
    at                 timestamptz NOT NULL,
    external_ids       text[] NOT NULL DEFAULT '{}',
    title              text,
    summary            text,
    occurred_start     date,
    occurred_end       date,
    date_precision     text,
    location           geometry(Point, 4326),
    location_precision text,
    place_name         text,
    country            text COLLATE "C",
    admin1_code        text,
    admin1_name        text,
    event_type         text COLLATE "C",
    sub_event_type     text,
    target_type        text,
    target_country     text COLLATE "C",
    facility           text,
    perpetrator        text,
    actors             text[],
    fatalities         integer,
    injuries           integer,
    tags               text[],
    sources            jsonb,
    responses          jsonb,
    status             text,
    created_at         timestamptz
);

CREATE INDEX incident_revisions_incident_idx ON incident_revisions (incident_id, seq);
CREATE INDEX incident_revisions_at_idx ON incident_revisions (at, seq);

-- The key of the advisory lock that orders writers: 'incidentmap' in ASCII, folded.
CREATE FUNCTION incidentmap_write_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7587386140557066);
    RETURN NULL;
END $$;

CREATE FUNCTION incident_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
        title, summary, occurred_start, occurred_end, date_precision, location, location_precision,
        place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
        target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
        status, created_at)
    VALUES (NEW.id, NEW.version, CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END, NEW.updated_by, NEW.updated_at,
        ARRAY(SELECT x.external_id FROM incident_external_ids x WHERE x.incident_id = NEW.id ORDER BY x.ord),
        NEW.title, NEW.summary, NEW.occurred_start, NEW.occurred_end, NEW.date_precision, NEW.location,
        NEW.location_precision, NEW.place_name, NEW.country, NEW.admin1_code, NEW.admin1_name, NEW.event_type,
        NEW.sub_event_type, NEW.target_type, NEW.target_country, NEW.facility, NEW.perpetrator, NEW.actors,
        NEW.fatalities, NEW.injuries, NEW.tags, NEW.sources, NEW.responses, NEW.status, NEW.created_at);
    RETURN NULL;
END $$;

-- External ids are written after their incident: each one written brings the
-- incident's latest revision up to date. (Writers that replace the external
-- ids delete the old ones before they update the incident.)
CREATE FUNCTION incident_external_id_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE incident_revisions
       SET external_ids = ARRAY(SELECT x.external_id FROM incident_external_ids x
                                 WHERE x.incident_id = NEW.incident_id ORDER BY x.ord)
     WHERE seq = (SELECT max(seq) FROM incident_revisions WHERE incident_id = NEW.incident_id);
    RETURN NULL;
END $$;

CREATE FUNCTION incident_tombstone_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_revisions (incident_id, version, op, actor, at)
    VALUES (NEW.id, NEW.version + 1, 'delete', NEW.deleted_by, NEW.deleted_at);
    RETURN NULL;
END $$;

CREATE TRIGGER incidents_write_lock BEFORE INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION incidentmap_write_lock();
CREATE TRIGGER incident_tombstones_write_lock BEFORE INSERT ON incident_tombstones
    FOR EACH STATEMENT EXECUTE FUNCTION incidentmap_write_lock();
CREATE TRIGGER incidents_revision AFTER INSERT OR UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_revision();
CREATE TRIGGER incident_external_ids_revision AFTER INSERT ON incident_external_ids
    FOR EACH ROW EXECUTE FUNCTION incident_external_id_revision();
CREATE TRIGGER incident_tombstones_revision AFTER INSERT ON incident_tombstones
    FOR EACH ROW EXECUTE FUNCTION incident_tombstone_revision();

-- History begins with the incidents already there.
INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
    title, summary, occurred_start, occurred_end, date_precision, location, location_precision,
    place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
    target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
    status, created_at)
SELECT i.id, i.version, 'create', '', i.updated_at,
    ARRAY(SELECT x.external_id FROM incident_external_ids x WHERE x.incident_id = i.id ORDER BY x.ord),
    i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision, i.location,
    i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name, i.event_type,
    i.sub_event_type, i.target_type, i.target_country, i.facility, i.perpetrator, i.actors,
    i.fatalities, i.injuries, i.tags, i.sources, i.responses, i.status, i.created_at
FROM incidents i ORDER BY i.updated_at, i.id;

-- API keys: the secret is kept as its SHA-256 only.
CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    hash       bytea NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
