-- Schema 1: the API keys (SHA-256 hashes of their secrets), with the revision the key cache
-- refreshes by.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  revoked INTEGER NOT NULL DEFAULT 0,
  admin INTEGER NOT NULL DEFAULT 0,
  account_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  rev INTEGER NOT NULL
);
CREATE INDEX api_keys_rev ON api_keys(rev);
