-- Sundial schema, version 6: conversations (session keys).
--
-- Runs with the same `session_key` and agent continue one agent conversation: the runner
-- sends the session_id the agent returned for the latest earlier run with that key, and two
-- runs with the same key never run at once (the later one waits as `pending`). A schedule's
-- runs inherit its `session_key`; an ad-hoc task may carry its own (follow-up turns of a
-- task use `task:<first execution id>`).

ALTER TABLE executions
    ADD COLUMN session_key text CHECK (session_key IS NULL OR char_length(session_key) BETWEEN 1 AND 300);

-- Is a run with this key active? What was its latest session?
CREATE INDEX executions_session_key_idx ON executions (agent_name, session_key, created_at DESC) WHERE session_key IS NOT NULL;
-- The runs of one agent session, newest first.
CREATE INDEX executions_session_id_idx ON executions (agent_name, session_id, created_at DESC) WHERE session_id IS NOT NULL;

CREATE FUNCTION executions_inherit_session_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT session_key INTO NEW.session_key FROM schedules WHERE id = NEW.schedule_id;
    RETURN NEW;
END
$$;

-- Only rows of a schedule that bring no key of their own enter the function.
CREATE TRIGGER executions_inherit_session_key
    BEFORE INSERT ON executions
    FOR EACH ROW
    WHEN (NEW.session_key IS NULL AND NEW.schedule_id IS NOT NULL)
    EXECUTE FUNCTION executions_inherit_session_key();
