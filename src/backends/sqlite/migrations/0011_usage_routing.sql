-- Schema 11: routing in the usage record: the public model that answered (a fallback's, when one
-- did; '' in rows written before) and the number of upstream attempts the call made.
ALTER TABLE usage ADD COLUMN served_model TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
