-- Schema 2: keys get limits and an account; accounts with their balance, the ledger of every change
-- to it, usage records, and the settings the CLI shares with the server.
ALTER TABLE api_keys ADD COLUMN rpm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN tpm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN max_concurrency INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_account ON api_keys(account_id);
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  balance INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  spent INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  rev INTEGER NOT NULL
);
CREATE INDEX accounts_rev ON accounts(rev);
CREATE TABLE ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX ledger_account ON ledger(account_id, id);
CREATE TABLE usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  surface TEXT NOT NULL,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  free INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX usage_account_time ON usage(account_id, created_at);
CREATE INDEX usage_free ON usage(account_id, model) WHERE free = 1;
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
