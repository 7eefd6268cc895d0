-- 0001_init: incidents, their external ids, and tombstones of deleted incidents.
-- PostGIS itself is usually installed by a superuser beforehand; IF NOT EXISTS
-- makes this a no-op then.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE incidents (
    id                 text PRIMARY KEY,
    title              text NOT NULL,
    summary            text NOT NULL DEFAULT '',
    occurred_start     date NOT NULL,
    occurred_end       date NOT NULL,
    date_precision     text NOT NULL,
    location           geometry(Point, 4326) NOT NULL,
    location_precision text NOT NULL,
    place_name         text NOT NULL DEFAULT '',
    country            text NOT NULL,
    admin1_code        text NOT NULL DEFAULT '',
    admin1_name        text NOT NULL DEFAULT '',
    event_type         text NOT NULL,
    sub_event_type     text NOT NULL DEFAULT '',
    target_type        text NOT NULL,
    target_country     text NOT NULL DEFAULT '', -- '' when no state's mission was hit
    facility           text NOT NULL DEFAULT '',
    perpetrator        text NOT NULL DEFAULT '',
    actors             text[] NOT NULL DEFAULT '{}',
    fatalities         integer CHECK (fatalities >= 0), -- NULL: unknown, not 0
    injuries           integer CHECK (injuries >= 0),
    tags               text[] NOT NULL DEFAULT '{}',
    sources            jsonb NOT NULL DEFAULT '[]',   -- [{publisher,title,url,published_on}]
    responses          jsonb NOT NULL DEFAULT '[]',   -- [{date,date_precision,actor,actor_country,kind,summary,source}]
    status             text NOT NULL,
    version            integer NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CHECK (occurred_end >= occurred_start),
    CHECK (ST_X(location) BETWEEN -180 AND 180 AND ST_Y(location) BETWEEN -90 AND 90)
);

CREATE INDEX incidents_location_idx ON incidents USING gist (location);
-- The page order and the keyset condition (occurred_start, id) > (…, …).
CREATE INDEX incidents_occurred_start_id_idx ON incidents (occurred_start, id);
CREATE INDEX incidents_country_idx ON incidents (country);
CREATE INDEX incidents_event_type_idx ON incidents (event_type);
CREATE INDEX incidents_target_country_idx ON incidents (target_country);

-- External ids are unique across all incidents; ord keeps the order they were given in.
CREATE TABLE incident_external_ids (
    external_id text PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    UNIQUE (incident_id, ord)
);

-- A tombstone per deletion; an id that is created and deleted again gets another.
CREATE TABLE incident_tombstones (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text NOT NULL,
    version    integer NOT NULL,
    deleted_at timestamptz NOT NULL
);

CREATE INDEX incident_tombstones_deleted_at_idx ON incident_tombstones (deleted_at, seq);
