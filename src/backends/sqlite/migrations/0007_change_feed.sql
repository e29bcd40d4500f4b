-- Schema 7: the change feed's positions (contracts/store/change_feed.hpp). One counter, bumped in
-- each write transaction that makes a change the feed reports, replaces MAX(rev) + 1 per table and
-- MAX(id) of the ledger: keys and accounts keep their rev column, settings and the ledger get one
-- (NULL for charges, which the feed does not report). The counter starts past every rev there is;
-- settings written before get a position, so a reader from the start sees them.
CREATE TABLE change_counter (position INTEGER NOT NULL);
INSERT INTO change_counter (position) SELECT 1 + max(
  (SELECT coalesce(max(rev), 0) FROM api_keys), (SELECT coalesce(max(rev), 0) FROM accounts));
ALTER TABLE settings ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
UPDATE settings SET rev = (SELECT position FROM change_counter);
ALTER TABLE ledger ADD COLUMN rev INTEGER;
CREATE INDEX ledger_changes ON ledger(rev) WHERE rev IS NOT NULL;
CREATE INDEX settings_rev ON settings(rev);
DROP INDEX ledger_external;
