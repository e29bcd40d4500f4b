-- A call's stored output is kept in its usage row, which has its account, key, surface, model,
-- usage and cost already; the outputs table keeps tasks' outputs, outputs whose call's row went in
-- another batch, and those of stores written before. The row's output columns are NULL when it
-- holds none; status NULL is 'completed', context and previous_id NULL are empty, output_created_at
-- NULL is the row's created_at.
ALTER TABLE usage ADD COLUMN output_id TEXT;
ALTER TABLE usage ADD COLUMN output_status TEXT;
ALTER TABLE usage ADD COLUMN output_body TEXT;
ALTER TABLE usage ADD COLUMN output_context TEXT;
ALTER TABLE usage ADD COLUMN output_previous_id TEXT;
ALTER TABLE usage ADD COLUMN output_created_at INTEGER;
ALTER TABLE usage ADD COLUMN output_expires_at INTEGER;
CREATE INDEX usage_output ON usage(output_id) WHERE output_id IS NOT NULL;
CREATE INDEX usage_output_expiry ON usage(output_expires_at) WHERE output_expires_at > 0;
