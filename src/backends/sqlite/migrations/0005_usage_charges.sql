-- A call's charge is kept in its usage row: ledger_id (drawn from the ledger's own sequence) and
-- balance_after are set on the rows that are charges, NULL on the others and on rows from before,
-- whose charges are ledger rows.
ALTER TABLE usage ADD COLUMN ledger_id INTEGER;
ALTER TABLE usage ADD COLUMN balance_after INTEGER;
