-- Schema 11: the rollups the operator's views over every account read, as SQLite's schema 16:
-- per account and UTC day over all models, and per model and UTC hour or day over all accounts.
-- Kept by the calls' statement of the batch commit with those of schema 9. A row of the model
-- rollups would be every writer's (each instance's commit adds to the same hour of the same
-- model, and holds the row's lock until it commits), so each is split by `shard`: the writing
-- connection's server process ID modulo 16. Two writers then wait on one another for it only
-- when their connections share a shard; a read sums the shards, at most 16 rows a bucket and
-- model.
CREATE TABLE usage_account_daily (
  account_id TEXT NOT NULL, bucket BIGINT NOT NULL,
  requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL, cost BIGINT NOT NULL, latency_us BIGINT NOT NULL,
  ttft_us BIGINT NOT NULL, PRIMARY KEY (account_id, bucket));
CREATE INDEX usage_account_daily_time ON usage_account_daily (bucket);
CREATE TABLE usage_model_hourly (
  bucket BIGINT NOT NULL, model TEXT NOT NULL, shard SMALLINT NOT NULL,
  requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL, cost BIGINT NOT NULL, latency_us BIGINT NOT NULL,
  ttft_us BIGINT NOT NULL, PRIMARY KEY (bucket, model, shard));
CREATE TABLE usage_model_daily (
  bucket BIGINT NOT NULL, model TEXT NOT NULL, shard SMALLINT NOT NULL,
  requests BIGINT NOT NULL, errors BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL, cost BIGINT NOT NULL, latency_us BIGINT NOT NULL,
  ttft_us BIGINT NOT NULL, PRIMARY KEY (bucket, model, shard));
INSERT INTO usage_account_daily SELECT account_id, bucket, sum(requests), sum(errors),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens),
  sum(cost), sum(latency_us), sum(ttft_us) FROM usage_daily GROUP BY 1, 2;
INSERT INTO usage_model_hourly SELECT bucket, model, 0, sum(requests), sum(errors),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens),
  sum(cost), sum(latency_us), sum(ttft_us) FROM usage_hourly GROUP BY 1, 2;
INSERT INTO usage_model_daily SELECT bucket, model, 0, sum(requests), sum(errors),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens),
  sum(cost), sum(latency_us), sum(ttft_us) FROM usage_daily GROUP BY 1, 2;
-- The series over all accounts read these now, so schema 9's time indexes go: a series of one
-- account reads its rows by the primary key, and an update of a rollup row that changes no
-- indexed column can stay on its page (HOT).
DROP INDEX usage_hourly_time;
DROP INDEX usage_daily_time;
