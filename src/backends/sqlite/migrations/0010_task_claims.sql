-- Schema 10: claims on tasks (contracts/store/task_store.hpp): the instance that works on an open
-- task and until when, how many claims the task has had (more than one: it was taken over), and a
-- cancel asked for on an instance that does not hold it.
ALTER TABLE tasks ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN claim_expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
-- Ended tasks owing their webhook (claim_deliveries); tasks_open serves claim_runs.
CREATE INDEX tasks_webhook_pending ON tasks(created_at) WHERE webhook = 'pending';
-- An instance's claims not yet ended (drop_claims sets claim_expires_at to 0).
CREATE INDEX tasks_claimed ON tasks(claimed_by) WHERE claim_expires_at > 0;
