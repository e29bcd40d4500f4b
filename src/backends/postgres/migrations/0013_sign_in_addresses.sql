-- Schema 13: failed sign-ins per client address, as SQLite's schema 17.
CREATE TABLE sign_in_addresses (
  address TEXT PRIMARY KEY, failures BIGINT NOT NULL, last_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL);
