-- Schema 3: every change position taken (a key, an account, a grant, a setting: the row of
-- change_counter updated) notifies the channel glmgate_changes when its transaction commits, so
-- servers read the change feed at once (LISTEN) instead of at their next poll.
CREATE FUNCTION glmgate_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('glmgate_changes', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER change_counter_notify AFTER UPDATE ON change_counter
  FOR EACH STATEMENT EXECUTE FUNCTION glmgate_notify_change();
