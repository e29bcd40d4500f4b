-- Schema 3: stored outputs, background tasks, and each account's webhook signing secret.
ALTER TABLE accounts ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';
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
  prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX outputs_expiry ON outputs(expires_at) WHERE expires_at > 0;
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
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX tasks_open ON tasks(status) WHERE status IN ('queued', 'in_progress');
CREATE INDEX tasks_expiry ON tasks(expires_at) WHERE expires_at > 0;
CREATE INDEX ledger_task ON ledger(request_id) WHERE request_id GLOB 'task_*';
