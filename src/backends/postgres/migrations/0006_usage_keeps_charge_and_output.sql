-- Schema 6: a call's charge and its stored output are kept in its usage row, as SQLite's schema 5
-- and 6 do: one row per request instead of three. The ledger row, the outputs row, their index
-- entries and the output ID's conflict check were a quarter of PostgreSQL's work per call
-- (bench/store_commit.cpp).
-- ledger_id (drawn from the ledger's identity, after the account's row is locked, so that a
-- listing of both kinds by ID follows the order the balance changed), balance_after and
-- charge_origin (the instance that charged) are set on a row that keeps its charge, NULL
-- otherwise. The output columns are NULL when the row keeps
-- no output; output_status NULL is 'completed', context and previous_id NULL are empty,
-- output_created_at NULL is the row's created_at. Rows written before keep neither: their
-- charges are ledger rows and their outputs outputs rows, which the readers take as well.
-- NULL columns: no table rewrite.
ALTER TABLE usage ADD COLUMN ledger_id BIGINT, ADD COLUMN balance_after BIGINT,
  ADD COLUMN charge_origin TEXT,
  ADD COLUMN output_id TEXT, ADD COLUMN output_status TEXT, ADD COLUMN output_body TEXT,
  ADD COLUMN output_context TEXT, ADD COLUMN output_previous_id TEXT,
  ADD COLUMN output_created_at BIGINT, ADD COLUMN output_expires_at BIGINT;
CREATE INDEX usage_output ON usage (output_id) WHERE output_id IS NOT NULL;
CREATE INDEX usage_output_expiry ON usage (output_expires_at) WHERE output_expires_at > 0;
