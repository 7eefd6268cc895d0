-- 0002_sort_collation: PostGIS makes its sort columns COLLATE "C" here.
-- SQLite already compares text byte by byte (BINARY), so there is nothing
-- to change; the file keeps the numbers of both dialects in step.
SELECT 1;
