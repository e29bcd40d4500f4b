-- Schema 16: the rollups the operator's views over every account read, kept by the batch commit
-- with those of schema 14: per account and UTC day over all models (usage across accounts), and
-- per model and UTC hour or day over all accounts (the series of every account). Over schema 14's
-- rows alone, 90 days of 100 accounts on 10 models meant summing 90,000 rows for either view.
-- The same columns as schema 14's; the key is the table's order, so a series reads it with no
-- sort, and the per-account totals read their span from a covering time index.
CREATE TABLE usage_account_daily (
  account_id TEXT NOT NULL, bucket INTEGER NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cost INTEGER NOT NULL, latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL, PRIMARY KEY (account_id, bucket)) WITHOUT ROWID;
CREATE INDEX usage_account_daily_time ON usage_account_daily(bucket, account_id, requests, errors,
  prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost);
CREATE TABLE usage_model_hourly (
  bucket INTEGER NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cost INTEGER NOT NULL, latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL, PRIMARY KEY (bucket, model)) WITHOUT ROWID;
CREATE TABLE usage_model_daily (
  bucket INTEGER NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cost INTEGER NOT NULL, latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL, PRIMARY KEY (bucket, model)) WITHOUT ROWID;
INSERT INTO usage_account_daily SELECT account_id, bucket, sum(requests), sum(errors),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens),
  sum(cost), sum(latency_us), sum(ttft_us) FROM usage_daily GROUP BY 1, 2;
INSERT INTO usage_model_hourly SELECT bucket, model, sum(requests), sum(errors),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens),
  sum(cost), sum(latency_us), sum(ttft_us) FROM usage_hourly GROUP BY 1, 2;
INSERT INTO usage_model_daily SELECT bucket, model, sum(requests), sum(errors),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens),
  sum(cost), sum(latency_us), sum(ttft_us) FROM usage_daily GROUP BY 1, 2;
-- The series over all accounts read these now, so schema 14's time indexes go: a series of one
-- account reads its rows by the primary key.
DROP INDEX usage_hourly_time;
DROP INDEX usage_daily_time;
