-- Sundial schema, version 1. Applied by Migrator inside one transaction.
-- Conventions: ids are uuid (gen_random_uuid, built in since Postgres 13);
-- instants are timestamptz; enumerations are text with CHECK constraints
-- (cheap to extend in a later migration, unlike CREATE TYPE … AS ENUM);
-- JSON is jsonb.

-- ---------------------------------------------------------------------------
-- Users and API keys
-- ---------------------------------------------------------------------------

CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text        NOT NULL UNIQUE CHECK (char_length(username) BETWEEN 1 AND 200),
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Agents
-- ---------------------------------------------------------------------------

CREATE TABLE agents (
    name             text        PRIMARY KEY CHECK (name ~ '^[a-z0-9-]{1,63}$'),
    -- Deleting a user who still owns agents is refused: reassign or delete them first.
    owner            uuid        NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    -- NULL: derive from SUNDIAL_AGENT_URL_TEMPLATE when dispatching.
    endpoint_url     text        CHECK (endpoint_url IS NULL OR endpoint_url ~ '^https?://'),
    -- false = stopped: the scheduler skips it (reason agent_stopped).
    enabled          boolean     NOT NULL DEFAULT true,
    autonomy_enabled boolean     NOT NULL DEFAULT true,
    max_concurrency  integer     NOT NULL DEFAULT 10 CHECK (max_concurrency BETWEEN 1 AND 1000),
    -- Last observed health; the API derives "stopped" from enabled = false.
    status           text        NOT NULL DEFAULT 'running'
                                 CHECK (status IN ('running', 'stopped', 'unreachable')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_health_at   timestamptz
);

CREATE INDEX agents_owner_idx ON agents (owner);

CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Hash of the secret (the secret itself is shown once and never stored).
    key_hash     text        NOT NULL UNIQUE,
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    owner        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope        text        NOT NULL CHECK (scope IN ('user', 'agent')),
    agent_name   text        REFERENCES agents (name) ON DELETE CASCADE ON UPDATE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    -- An agent key names its agent; a user key names none.
    CONSTRAINT api_keys_agent_scope CHECK ((scope = 'agent') = (agent_name IS NOT NULL))
);

CREATE INDEX api_keys_owner_idx ON api_keys (owner);

-- ---------------------------------------------------------------------------
-- Schedules
-- ---------------------------------------------------------------------------

CREATE TABLE schedules (
    id                       uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_name               text        NOT NULL REFERENCES agents (name) ON DELETE CASCADE ON UPDATE CASCADE,
    owner                    uuid        NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    name                     text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),

    -- Trigger: exactly one of cron_expression / run_at / interval_seconds, matching trigger.
    trigger                  text        NOT NULL CHECK (trigger IN ('cron', 'once', 'interval')),
    cron_expression          text        CHECK (cron_expression IS NULL OR char_length(cron_expression) BETWEEN 1 AND 200),
    run_at                   timestamptz,
    interval_seconds         integer     CHECK (interval_seconds IS NULL OR interval_seconds >= 60),
    -- Anchor of an interval schedule (NULL: created_at).
    start_at                 timestamptz,
    timezone                 text        NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),

    -- What the agent is asked.
    message                  text        NOT NULL CHECK (char_length(message) BETWEEN 1 AND 100000),
    context                  jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(context) = 'object'),
    enabled                  boolean     NOT NULL DEFAULT true,
    description              text,
    timeout_seconds          integer     NOT NULL DEFAULT 900 CHECK (timeout_seconds BETWEEN 60 AND 7200),
    -- NULL = all tools, [] = none.
    allowed_tools            jsonb       CHECK (allowed_tools IS NULL OR jsonb_typeof(allowed_tools) = 'array'),
    model                    text,

    -- Retries, misfires, overlap.
    max_retries              integer     NOT NULL DEFAULT 0 CHECK (max_retries BETWEEN 0 AND 5),
    retry_delay_seconds      integer     NOT NULL DEFAULT 60 CHECK (retry_delay_seconds BETWEEN 30 AND 600),
    catchup                  text        NOT NULL DEFAULT 'latest' CHECK (catchup IN ('latest', 'none', 'all')),
    overlap                  text        NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'queue', 'allow')),
    misfire_grace_seconds    integer     NOT NULL DEFAULT 60 CHECK (misfire_grace_seconds BETWEEN 0 AND 604800),

    -- Delivery and notification of results.
    notify                   text        NOT NULL DEFAULT 'failure' CHECK (notify IN ('never', 'failure', 'always')),
    notify_webhook_url       text        CHECK (notify_webhook_url IS NULL OR notify_webhook_url ~ '^https?://'),
    destination              jsonb       CHECK (destination IS NULL OR (
                                             jsonb_typeof(destination) = 'object'
                                             AND destination ->> 'kind' IN ('webhook', 'gateway'))),
    session_key              text        CHECK (session_key IS NULL OR char_length(session_key) BETWEEN 1 AND 200),

    -- Limits: stop after max_runs runs or at end_at; pause after
    -- max_consecutive_failures failures in a row (0 = never pause).
    max_runs                 integer     CHECK (max_runs IS NULL OR max_runs >= 1),
    end_at                   timestamptz,
    max_consecutive_failures integer     NOT NULL DEFAULT 5 CHECK (max_consecutive_failures >= 0),
    paused_reason            text,

    -- Run-time bookkeeping (written by the scheduler; does not bump revision).
    consecutive_failures     integer     NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    run_count                bigint      NOT NULL DEFAULT 0 CHECK (run_count >= 0),
    last_run_at              timestamptz,
    next_run_at              timestamptz,

    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    -- Bumped by schedules_bump_revision on every user-visible change.
    revision                 bigint      NOT NULL DEFAULT 1 CHECK (revision >= 1),

    CONSTRAINT schedules_trigger_fields CHECK (
        (trigger = 'cron'     AND cron_expression IS NOT NULL AND run_at IS NULL AND interval_seconds IS NULL) OR
        (trigger = 'once'     AND run_at IS NOT NULL AND cron_expression IS NULL AND interval_seconds IS NULL) OR
        (trigger = 'interval' AND interval_seconds IS NOT NULL AND cron_expression IS NULL AND run_at IS NULL)
    ),
    CONSTRAINT schedules_start_before_end CHECK (start_at IS NULL OR end_at IS NULL OR start_at < end_at)
);

CREATE INDEX schedules_agent_idx ON schedules (agent_name, created_at DESC);
CREATE INDEX schedules_owner_idx ON schedules (owner);
-- The scheduler's full resync and the calendar read enabled schedules by due time.
CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled;

-- Columns the scheduler writes while running a schedule. Changing only these
-- is not a user-visible change: no revision bump, no updated_at, no NOTIFY.
-- Every other column (including ones added later) counts as user-visible.
CREATE FUNCTION schedules_bookkeeping_columns() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['last_run_at', 'next_run_at', 'run_count', 'consecutive_failures', 'revision', 'updated_at']
$$;

CREATE FUNCTION schedules_bump_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - schedules_bookkeeping_columns()) IS DISTINCT FROM
       (to_jsonb(OLD) - schedules_bookkeeping_columns()) THEN
        NEW.revision   := OLD.revision + 1;
        NEW.updated_at := now();
    ELSE
        -- Bookkeeping only: revision and updated_at stay as they were, whatever the UPDATE said.
        NEW.revision   := OLD.revision;
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER schedules_bump_revision
    BEFORE UPDATE ON schedules
    FOR EACH ROW EXECUTE FUNCTION schedules_bump_revision();

-- Payload: {"id": "...", "agent_name": "...", "revision": 3, "op": "insert"|"update"|"delete"}.
-- Delivered at commit; a scheduler that receives it reloads that schedule.
CREATE FUNCTION schedules_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed schedules;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.revision = OLD.revision THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    PERFORM pg_notify('schedules_changed', json_build_object(
        'id', changed.id,
        'agent_name', changed.agent_name,
        'revision', changed.revision,
        'op', lower(TG_OP))::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER schedules_notify_change
    AFTER INSERT OR UPDATE OR DELETE ON schedules
    FOR EACH ROW EXECUTE FUNCTION schedules_notify_change();

-- ---------------------------------------------------------------------------
-- Executions
-- ---------------------------------------------------------------------------

CREATE TABLE executions (
    id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL for ad-hoc tasks. ON DELETE SET NULL: deleting a schedule keeps its
    -- history, and an execution still running when its schedule is deleted
    -- ("running execution finishes") can still record its result.
    schedule_id        uuid        REFERENCES schedules (id) ON DELETE SET NULL,
    agent_name         text        NOT NULL REFERENCES agents (name) ON DELETE CASCADE ON UPDATE CASCADE,
    -- The occurrence this run belongs to (ad-hoc tasks: when it was requested).
    scheduled_for      timestamptz NOT NULL DEFAULT now(),
    attempt            integer     NOT NULL DEFAULT 1 CHECK (attempt BETWEEN 1 AND 100),
    triggered_by       text        NOT NULL CHECK (triggered_by IN ('schedule', 'manual', 'agent', 'retry', 'catchup')),
    status             text        NOT NULL DEFAULT 'pending'
                                   CHECK (status IN ('pending', 'running', 'success', 'failed', 'skipped', 'cancelled')),
    skip_reason        text,
    error              text,
    started_at         timestamptz,
    completed_at       timestamptz,
    duration_ms        bigint      CHECK (duration_ms IS NULL OR duration_ms >= 0),
    message            text        NOT NULL DEFAULT '',
    context            jsonb,
    -- The agent's answer, cut at 10 KB (response_truncated then true).
    response           text,
    response_truncated boolean     NOT NULL DEFAULT false,
    context_used       bigint,
    context_max        bigint,
    cost               double precision CHECK (cost IS NULL OR cost >= 0),
    tool_calls         integer     CHECK (tool_calls IS NULL OR tool_calls >= 0),
    model_used         text,
    execution_log      jsonb,
    session_id         text,
    -- Which scheduler replica runs it, and the token that guards its writes.
    worker_id          text,
    fencing_token      bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    heartbeat_at       timestamptz,

    CONSTRAINT executions_skip_reason CHECK (skip_reason IS NULL OR status = 'skipped')
);

-- Occurrence identity: one row per (schedule, occurrence instant, attempt) for
-- runs the scheduler creates on its own. Every replica inserts with
-- ON CONFLICT DO NOTHING, so an occurrence (run, caught up, retried or recorded
-- as skipped/missed) exists at most once whatever Redis does. Manual and agent
-- triggers are requests, not occurrences, and are left out. The predicate must
-- be repeated in an ON CONFLICT (schedule_id, scheduled_for, attempt) WHERE …
-- inference clause (or use a bare ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX executions_occurrence_key
    ON executions (schedule_id, scheduled_for, attempt)
    WHERE triggered_by IN ('schedule', 'catchup', 'retry');

-- Listings, newest first (id breaks ties for keyset pagination).
CREATE INDEX executions_created_idx  ON executions (created_at DESC, id DESC);
CREATE INDEX executions_agent_idx    ON executions (agent_name, created_at DESC, id DESC);
CREATE INDEX executions_status_idx   ON executions (status, created_at DESC);
CREATE INDEX executions_schedule_idx ON executions (schedule_id, created_at DESC) WHERE schedule_id IS NOT NULL;
-- Concurrency limits, overlap checks and stuck-execution recovery read running rows.
CREATE INDEX executions_running_idx  ON executions (agent_name, heartbeat_at) WHERE status = 'running';
-- Runs waiting for a concurrency slot start in due order.
CREATE INDEX executions_pending_idx  ON executions (agent_name, scheduled_for) WHERE status = 'pending';

-- ---------------------------------------------------------------------------
-- Events: the durable event log (id = event_id on the wire)
-- ---------------------------------------------------------------------------

CREATE TABLE events (
    id         bigserial   PRIMARY KEY,
    type       text        NOT NULL CHECK (char_length(type) BETWEEN 1 AND 100),
    -- No foreign key: events outlive the agents they mention.
    agent_name text,
    payload    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Retention deletes by age.
CREATE INDEX events_created_idx ON events (created_at);
-- WebSocket catch-up filtered by agent (since = id).
CREATE INDEX events_agent_idx ON events (agent_name, id);
