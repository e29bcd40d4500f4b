-- Schema 17: failed sign-ins per client address (an IPv6 address by its /64), counted in the
-- store so that every instance sees them (UserStore::record_failed_sign_in_from): a run of
-- failures, the time of its last, and until when (unix ms) that address waits.
CREATE TABLE sign_in_addresses (
  address TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL,
  locked_until INTEGER NOT NULL) WITHOUT ROWID;
