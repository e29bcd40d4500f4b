-- Schema 4: claims on tasks (contracts/store/task_store.hpp): the instance that works on an open
-- task and until when, how many claims the task has had (more than one: it was taken over), and a
-- cancel asked for on an instance that does not hold it. Constant defaults: no table rewrite.
ALTER TABLE tasks ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN claim_expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT false;
-- tasks_open (the open tasks by age) serves both kinds of claim; this one drop_claims.
CREATE INDEX tasks_claimed ON tasks (claimed_by) WHERE claim_expires_at > 0;
