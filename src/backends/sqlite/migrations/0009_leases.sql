-- Schema 9: leases, the slices of a balance that a server instance spends without asking the
-- store (contracts/store/lease_store.hpp), and the demands an instance short of credit leaves for
-- the others. Both keyed by account first: every grow reads an account's leases together.
CREATE TABLE leases (
  account_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  amount INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, instance)
) WITHOUT ROWID;
CREATE INDEX leases_instance ON leases(instance);
CREATE TABLE lease_demands (
  account_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (account_id, instance)
) WITHOUT ROWID;
