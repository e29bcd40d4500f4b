-- Schema 8: open holds per server instance (AccountStore). Each instance records its own and
-- clears only its own when it restarts; an account's reserved figure is their sum. The old
-- single snapshot, accounts.reserved, was the one server's and died with it: it is zeroed and no
-- longer read, but stays, so that a server of an older version still running on this file does
-- not fail its commits before it is restarted.
CREATE TABLE reservations (
  instance TEXT NOT NULL,
  account_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (instance, account_id)
) WITHOUT ROWID;
CREATE INDEX reservations_account ON reservations(account_id);
UPDATE accounts SET reserved = 0 WHERE reserved <> 0;
