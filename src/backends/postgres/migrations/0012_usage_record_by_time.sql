-- Schema 12: the usage rows' unique key (a record is its request at its time) ordered by time
-- first. Request IDs are random, so an index led by them took each new row at a random place of
-- the whole index; led by the time, a batch's rows go to its right edge, where the pages are
-- already in memory. The commit's lookups give both columns, so either order serves them.
DROP INDEX usage_record;
CREATE UNIQUE INDEX usage_record ON usage (created_at, request_id);
