-- 0005_data_version_notify: nothing to do in SQLite. The PostGIS store sends
-- a NOTIFY on each change of data_version so that its servers can answer
-- DataVersion from memory; SQLite has no notifications, and its data
-- version is a read of one row in the same process.
SELECT 1;
