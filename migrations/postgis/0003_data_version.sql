-- 0003_data_version: a data version that costs one row read. The single row
-- of data_version counts every change to incidents (seq), keeps how many
-- incidents and tombstones exist, and the latest updated_at or deleted_at,
-- all kept by statement triggers (with transition tables) in the writing
-- transaction, so that ETags and Last-Modified never count or scan the table.
-- max_span_days is the longest incident ever written (occurred_end -
-- occurred_start, in days; it never shrinks), so that a time window bounds
-- occurred_start from below too.
-- One statement, a COPY of a million rows included, bumps the row once.
CREATE TABLE data_version (
    id          integer PRIMARY KEY CHECK (id = 1),
    seq         bigint  NOT NULL,
    incidents   bigint  NOT NULL,
    tombstones  bigint  NOT NULL,
    modified_at timestamptz, -- NULL when nothing was ever written
    max_span_days integer NOT NULL
);

INSERT INTO data_version (id, seq, incidents, tombstones, modified_at, max_span_days)
SELECT 1,
       (SELECT count(*) FROM incidents) + (SELECT count(*) FROM incident_tombstones),
       (SELECT count(*) FROM incidents),
       (SELECT count(*) FROM incident_tombstones),
       GREATEST((SELECT max(updated_at) FROM incidents), (SELECT max(deleted_at) FROM incident_tombstones)),
       (SELECT coalesce(max(occurred_end - occurred_start), 0) FROM incidents);

-- data_version_bump() keeps the row for the statement that fired it: its
-- argument names the table, incidents or incident_tombstones, whose rows
-- the transition tables hold.
CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added   bigint := 0;
    removed bigint := 0;
    latest  timestamptz;
    span    integer := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') AND TG_ARGV[0] = 'incidents' THEN
        SELECT count(*), max(updated_at), coalesce(max(occurred_end - occurred_start), 0)
            INTO added, latest, span FROM new_rows;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*), max(deleted_at) INTO added, latest FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT count(*) INTO removed FROM old_rows;
    END IF;
    IF added = 0 AND removed = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'incidents' THEN
        UPDATE data_version SET seq = seq + 1, incidents = incidents + added - removed,
            modified_at = GREATEST(modified_at, latest), max_span_days = GREATEST(max_span_days, span) WHERE id = 1;
    ELSE
        UPDATE data_version SET seq = seq + 1, tombstones = tombstones + added - removed,
            modified_at = GREATEST(modified_at, latest) WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER incidents_version_insert AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump('incidents');
CREATE TRIGGER incidents_version_update AFTER UPDATE ON incidents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump('incidents');
CREATE TRIGGER incidents_version_delete AFTER DELETE ON incidents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump('incidents');
CREATE TRIGGER incident_tombstones_version_insert AFTER INSERT ON incident_tombstones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump('tombstones');
CREATE TRIGGER incident_tombstones_version_delete AFTER DELETE ON incident_tombstones
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump('tombstones');

-- The index of the default order carries the status and the location, so
-- that the first page of a box that holds many incidents is an index-only
-- walk down the order that stops when the page is full, instead of a sort of
-- every match.
DROP INDEX incidents_occurred_start_id_idx;
CREATE INDEX incidents_occurred_start_id_idx ON incidents (occurred_start, id) INCLUDE (status, location);
