-- 0002_sort_collation: the text columns that incidents sort by compare byte
-- by byte (COLLATE "C"), as SQLite compares text, so that both stores give
-- one order for sortby and keyset paging whatever the database's default
-- collation. The indexes on these columns are rebuilt with it.
ALTER TABLE incidents
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN country TYPE text COLLATE "C",
    ALTER COLUMN event_type TYPE text COLLATE "C",
    ALTER COLUMN target_country TYPE text COLLATE "C";
ALTER TABLE incident_external_ids ALTER COLUMN incident_id TYPE text COLLATE "C";
