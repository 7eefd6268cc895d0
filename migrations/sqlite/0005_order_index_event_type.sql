-- The index of the default order also carries the event type, so that the
-- walk down the order for a box with an event type tests both from the index
-- and reads from the table only the rows of the page.
DROP INDEX incidents_occurred;
CREATE INDEX incidents_occurred ON incidents (occurred_start, id, occurred_end, status, lon, lat, event_type);
