-- Schema 8: console chat keys, as SQLite's schema 13. A key may end at a time (unix ms; 0: never)
-- and belong to a console session (its hash) of a user: it is revoked when that session ends, and
-- the sweeper revokes it once it expired (KeyStore::expire_keys).
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN session_id TEXT NOT NULL DEFAULT '', ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
CREATE INDEX api_keys_expiry ON api_keys (expires_at) WHERE expires_at > 0;
