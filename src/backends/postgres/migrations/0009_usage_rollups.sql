-- Schema 9: usage rollups per UTC hour and per UTC day, account and model, as SQLite's schema
-- 14. The calls' statement of the batch commit adds each usage row it inserts to them, in the
-- same statement (a record already stored adds nothing). The time index carries every column, for
-- the operator's series over all accounts. Filled from the rows already stored.
CREATE TABLE usage_hourly (
  account_id TEXT NOT NULL, bucket BIGINT NOT NULL, model TEXT NOT NULL,
  requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL, cost BIGINT NOT NULL, latency_us BIGINT NOT NULL,
  ttft_us BIGINT NOT NULL, PRIMARY KEY (account_id, bucket, model));
CREATE INDEX usage_hourly_time ON usage_hourly (bucket, model) INCLUDE (account_id, requests,
  errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost, latency_us,
  ttft_us);
CREATE TABLE usage_daily (
  account_id TEXT NOT NULL, bucket BIGINT NOT NULL, model TEXT NOT NULL,
  requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL, cost BIGINT NOT NULL, latency_us BIGINT NOT NULL,
  ttft_us BIGINT NOT NULL, PRIMARY KEY (account_id, bucket, model));
CREATE INDEX usage_daily_time ON usage_daily (bucket, model) INCLUDE (account_id, requests,
  errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost, latency_us,
  ttft_us);
INSERT INTO usage_hourly SELECT account_id, created_at - created_at % 3600000, model, count(*),
  count(*) FILTER (WHERE status >= 400), sum(prompt_tokens), sum(cached_tokens),
  sum(completion_tokens), sum(reasoning_tokens), sum(cost), sum(latency_us), sum(ttft_us)
  FROM usage GROUP BY 1, 2, 3;
INSERT INTO usage_daily SELECT account_id, bucket - bucket % 86400000, model, sum(requests),
  sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens),
  sum(reasoning_tokens), sum(cost), sum(latency_us), sum(ttft_us) FROM usage_hourly
  GROUP BY 1, 2, 3;
