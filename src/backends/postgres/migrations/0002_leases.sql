-- Schema 2: leases, the slices of a balance that a server instance spends without asking the
-- store (contracts/store/lease_store.hpp), and the demands an instance short of credit leaves for
-- the others. Both keyed by account first: every grow reads an account's leases together.
CREATE TABLE leases (
  account_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  amount BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, instance)
);
CREATE INDEX leases_instance ON leases (instance);
CREATE TABLE lease_demands (
  account_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (account_id, instance)
);
