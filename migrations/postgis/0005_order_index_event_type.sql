-- The index of the default order also carries the event type, so that a box
-- with an event type (the map's most common filter) is an index-only walk
-- down the order that stops when the page is full, like a box alone, instead
-- of a bitmap of every match of the type, a recheck of each in the table and
-- a sort (1.5 s for the first 1,000 of Battles in the Baghdad box at 1M).
DROP INDEX incidents_occurred_start_id_idx;
CREATE INDEX incidents_occurred_start_id_idx ON incidents (occurred_start, id) INCLUDE (status, location, event_type);
