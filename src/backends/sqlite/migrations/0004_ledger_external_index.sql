-- The rows the store sync reads: grants, adjustments and refunds. Charges are written only by the
-- store's one server, which has them in memory already.
CREATE INDEX ledger_external ON ledger(id) WHERE kind <> 'charge';
