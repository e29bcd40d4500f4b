-- Schema 12: the usage rows' unique key (a record is its request at its time) ordered by time
-- first. Request IDs are random, so an index led by them took each new row at a random place of
-- the whole index; led by the time, a batch's rows go to its right edge, where the pages are
-- already in memory. The commit's lookups give both columns, so either order serves them (and
-- ON CONFLICT (request_id, created_at) infers either). The new index is built before the old
-- one goes: the build holds the table's writers but not its readers, and dropping the old one
-- (which locks out readers too) then takes a moment, at the end of the migration.
CREATE UNIQUE INDEX usage_record_by_time ON usage (created_at, request_id);
DROP INDEX usage_record;
ALTER INDEX usage_record_by_time RENAME TO usage_record;
