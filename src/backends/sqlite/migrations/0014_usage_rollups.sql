-- Schema 14: usage rollups per UTC hour and per UTC day, account and model (the model asked
-- for), which the batch commit adds each new usage row to in the same transaction. Charts and
-- totals read these instead of the usage rows. Sums, so a mean divides by `requests`. Times are
-- unix ms at the bucket's start. The time index covers every column: the operator's series over
-- all accounts reads it in (bucket, model) order, with no sort and no lookup of the rows.
-- Filled from the rows already stored.
CREATE TABLE usage_hourly (
  account_id TEXT NOT NULL, bucket INTEGER NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cost INTEGER NOT NULL, latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL, PRIMARY KEY (account_id, bucket, model)) WITHOUT ROWID;
CREATE INDEX usage_hourly_time ON usage_hourly(bucket, model, account_id, requests, errors,
  prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost, latency_us, ttft_us);
CREATE TABLE usage_daily (
  account_id TEXT NOT NULL, bucket INTEGER NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL, cost INTEGER NOT NULL, latency_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL, PRIMARY KEY (account_id, bucket, model)) WITHOUT ROWID;
CREATE INDEX usage_daily_time ON usage_daily(bucket, model, account_id, requests, errors,
  prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost, latency_us, ttft_us);
INSERT INTO usage_hourly SELECT account_id, created_at - created_at % 3600000, model, count(*),
  sum(status >= 400), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens),
  sum(reasoning_tokens), sum(cost), sum(latency_us), sum(ttft_us) FROM usage GROUP BY 1, 2, 3;
INSERT INTO usage_daily SELECT account_id, bucket - bucket % 86400000, model, sum(requests),
  sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens),
  sum(reasoning_tokens), sum(cost), sum(latency_us), sum(ttft_us) FROM usage_hourly
  GROUP BY 1, 2, 3;
