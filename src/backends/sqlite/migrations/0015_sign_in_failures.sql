-- Schema 15: wrong passwords in a row per console user, and until when (unix ms) a sign-in is
-- refused (UserStore::record_failed_sign_in): counted in the store, so every instance sees them.
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;
