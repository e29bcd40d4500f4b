-- Schema 10: wrong passwords in a row per console user, and until when (unix ms) a sign-in is
-- refused (UserStore::record_failed_sign_in), as SQLite's schema 15.
ALTER TABLE users ADD COLUMN failed_sign_ins BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
