-- 0005_data_version_notify: every change of data_version's row tells the
-- listening servers, so that they can answer DataVersion from memory while
-- nothing changed. The trigger sits on data_version itself, so it covers
-- every writer of any process: the statement triggers of migration 0003,
-- a bulk load's own bump (which turns off only the triggers of incidents),
-- and a hand-written UPDATE. NOTIFY is sent when the writing transaction
-- commits, never for one that rolls back; the payload is the new seq, for
-- whoever watches the channel by hand (the store reads only the event).
CREATE FUNCTION data_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('incidentmap_data_version', NEW.seq::text);
    RETURN NULL;
END $$;

CREATE TRIGGER data_version_notify AFTER INSERT OR UPDATE ON data_version
    FOR EACH ROW EXECUTE FUNCTION data_version_notify();
