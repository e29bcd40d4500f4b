-- Schema 1: what SQLite's schema 8 holds, laid out for PostgreSQL. Money is BIGINT nano-USD and
-- times are BIGINT unix milliseconds (keys' and accounts' created_at: seconds), as the records
-- carry them. A call's charge is a ledger row and its output an outputs row (no row keeps two
-- records, as SQLite's usage rows do: PostgreSQL writes them in the same statements anyway).

-- The change feed's positions (contracts/store/change_feed.hpp): one row, taken with
-- UPDATE ... RETURNING as the last statement of each transaction that makes a reported change, so
-- that positions are handed out in commit order. Keys, accounts, settings and non-charge ledger
-- rows carry the position of their last change in `rev`.
CREATE TABLE change_counter (
  one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  position BIGINT NOT NULL
);
INSERT INTO change_counter (position) VALUES (0);

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  balance BIGINT NOT NULL DEFAULT 0,
  spent BIGINT NOT NULL DEFAULT 0,
  webhook_secret TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  rev BIGINT NOT NULL
);
CREATE INDEX accounts_rev ON accounts (rev);

-- account_id is '' for an admin key of no account, so it is checked when a key is inserted rather
-- than by a foreign key.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  revoked BOOLEAN NOT NULL DEFAULT false,
  admin BOOLEAN NOT NULL DEFAULT false,
  account_id TEXT NOT NULL DEFAULT '',
  rpm BIGINT NOT NULL DEFAULT 0,
  tpm BIGINT NOT NULL DEFAULT 0,
  max_concurrency BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  rev BIGINT NOT NULL
);
CREATE INDEX api_keys_rev ON api_keys (rev);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- IDs come from the identity's sequence when a row is inserted, which is after its account's row
-- was locked by the balance update: an account's rows are numbered in the order its balance
-- changed. rev is NULL for charges, which the change feed does not report. No foreign key on
-- account_id: every row is inserted by the statement that updated its account's balance, which
-- proves the account exists (accounts are never deleted), and the key's check cost the batch
-- commit a sixth of its time.
CREATE TABLE ledger (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  rev BIGINT
);
CREATE INDEX ledger_account ON ledger (account_id, id);
CREATE INDEX ledger_changes ON ledger (rev) WHERE rev IS NOT NULL;
CREATE INDEX ledger_task ON ledger (request_id)
  WHERE kind = 'charge' AND left(request_id, 5) = 'task_';

-- A record is its request at its time: a batch committed again (its commit's outcome was lost with
-- the connection) finds its records and does not charge them twice (usage_record).
CREATE TABLE usage (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  surface TEXT NOT NULL,
  status INTEGER NOT NULL,
  stream BOOLEAN NOT NULL,
  free BOOLEAN NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  estimated BOOLEAN NOT NULL,
  cost BIGINT NOT NULL,
  latency_us BIGINT NOT NULL,
  ttft_us BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX usage_record ON usage (request_id, created_at);
CREATE INDEX usage_account ON usage (account_id, id);
CREATE INDEX usage_free ON usage (account_id, model) WHERE free;

CREATE TABLE outputs (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  surface TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  context TEXT NOT NULL,
  previous_id TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  estimated BOOLEAN NOT NULL,
  cost BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX outputs_expiry ON outputs (expires_at) WHERE expires_at > 0;

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  callback_url TEXT NOT NULL,
  status TEXT NOT NULL,
  output_id TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  result TEXT NOT NULL,
  webhook TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX tasks_open ON tasks (created_at)
  WHERE status IN ('queued', 'in_progress') OR webhook = 'pending';
CREATE INDEX tasks_expiry ON tasks (expires_at) WHERE expires_at > 0;

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  rev BIGINT NOT NULL
);
CREATE INDEX settings_rev ON settings (rev);

-- Open holds per server instance (AccountStore): each records its own and clears only its own when
-- it restarts; an account's reserved figure is their sum.
CREATE TABLE reservations (
  instance TEXT NOT NULL,
  account_id TEXT NOT NULL,
  amount BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (instance, account_id)
);
CREATE INDEX reservations_account ON reservations (account_id);
