-- Sundial schema, version 5: notifications and result delivery (an outbox).
--
-- When an execution of a schedule reaches a final status, a trigger writes what must be
-- sent into `deliveries` in the same transaction: a notification (the schedule's `notify`
-- policy, to its `notify_webhook_url` or else its agent's) and/or the agent's answer to the
-- schedule's `destination` (a webhook, or a chat gateway). Nothing is lost on a crash and
-- the scheduler's hot path does not change; the scheduler's delivery worker sends them
-- (signed, retried with backoff) and records every attempt in `delivery_attempts`.
-- A delivery never changes its execution: a failure here is logged and skipped, never
-- raised into the execution's transaction.

ALTER TABLE agents
    ADD COLUMN notify_webhook_url text CHECK (notify_webhook_url IS NULL OR notify_webhook_url ~ '^https?://');

-- Shared secret for the HMAC-SHA256 signature of this user's deliveries (NULL: the global
-- SUNDIAL_WEBHOOK_SECRET). Kept in the clear: receivers need the same value to verify.
ALTER TABLE users
    ADD COLUMN webhook_secret text CHECK (webhook_secret IS NULL OR char_length(webhook_secret) BETWEEN 16 AND 200);

CREATE TABLE deliveries (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id     uuid        NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    -- No foreign keys: a delivery outlives its schedule.
    schedule_id      uuid,
    agent_name       text        NOT NULL,
    -- Whose webhook secret signs it.
    owner            uuid        REFERENCES users (id) ON DELETE SET NULL,
    -- notify: the run's outcome (schedule `notify`); destination: the agent's answer.
    kind             text        NOT NULL CHECK (kind IN ('notify', 'destination')),
    target           text        NOT NULL CHECK (target IN ('webhook', 'gateway')),
    -- NULL for the gateway: SUNDIAL_GATEWAY_URL of the sending scheduler.
    url              text        CHECK (url IS NULL OR url ~ '^https?://'),
    payload          jsonb       NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    -- pending (due at next_attempt_at), sending (claimed until locked_until), delivered, failed (gave up).
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_by        text,
    locked_until     timestamptz,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);

-- The worker claims due rows (and rows whose sender died) in due order.
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_execution_idx ON deliveries (execution_id, created_at);

CREATE TABLE delivery_attempts (
    id           bigserial   PRIMARY KEY,
    delivery_id  uuid        NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt      integer     NOT NULL CHECK (attempt >= 1),
    worker_id    text,
    started_at   timestamptz NOT NULL,
    duration_ms  bigint      CHECK (duration_ms IS NULL OR duration_ms >= 0),
    -- HTTP status of the answer; NULL when there was none (timeout, refused, ...).
    status_code  integer,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempt);

-- Instants in payloads: the API's format, UTC with milliseconds.
CREATE FUNCTION sundial_instant(value timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION executions_enqueue_deliveries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    s            record;
    webhook      text;
    summary      jsonb;
    delivery_id  uuid;
BEGIN
    SELECT sc.name, sc.owner, sc.notify, sc.notify_webhook_url, sc.destination, sc.max_retries, a.notify_webhook_url AS agent_webhook
      INTO s
      FROM schedules sc JOIN agents a ON a.name = sc.agent_name
     WHERE sc.id = NEW.schedule_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- A failed attempt that the scheduler retries is not the run's outcome yet.
    IF NEW.status = 'failed' AND NEW.triggered_by IN ('schedule', 'catchup', 'retry') AND NEW.attempt <= s.max_retries THEN
        RETURN NULL;
    END IF;
    webhook := COALESCE(s.notify_webhook_url, s.agent_webhook);
    IF NOT ((webhook IS NOT NULL AND (s.notify = 'always' OR (s.notify = 'failure' AND NEW.status = 'failed')))
            OR (s.destination IS NOT NULL AND NEW.status = 'success')) THEN
        RETURN NULL;
    END IF;
    BEGIN
        summary := jsonb_build_object(
            'execution_id', NEW.id, 'schedule_id', NEW.schedule_id, 'schedule_name', s.name, 'agent_name', NEW.agent_name,
            'status', NEW.status, 'triggered_by', NEW.triggered_by, 'attempt', NEW.attempt,
            'scheduled_for', sundial_instant(NEW.scheduled_for), 'started_at', sundial_instant(NEW.started_at),
            'completed_at', sundial_instant(NEW.completed_at), 'duration_ms', NEW.duration_ms, 'error', NEW.error,
            'response', NEW.response, 'response_truncated', NEW.response_truncated, 'cost', NEW.cost,
            'session_id', NEW.session_id);
        IF webhook IS NOT NULL AND (s.notify = 'always' OR (s.notify = 'failure' AND NEW.status = 'failed')) THEN
            INSERT INTO deliveries (execution_id, schedule_id, agent_name, owner, kind, target, url, payload)
            VALUES (NEW.id, NEW.schedule_id, NEW.agent_name, s.owner, 'notify', 'webhook', webhook,
                    summary || jsonb_build_object('type', 'execution_finished'))
            RETURNING id INTO delivery_id;
            PERFORM pg_notify('deliveries_pending', delivery_id::text);
        END IF;
        IF s.destination IS NOT NULL AND NEW.status = 'success' THEN
            INSERT INTO deliveries (execution_id, schedule_id, agent_name, owner, kind, target, url, payload)
            VALUES (NEW.id, NEW.schedule_id, NEW.agent_name, s.owner, 'destination', s.destination ->> 'kind',
                    CASE WHEN s.destination ->> 'kind' = 'webhook' THEN s.destination ->> 'url' END,
                    summary || jsonb_build_object('type', 'agent_answer')
                        || CASE WHEN s.destination ->> 'kind' = 'gateway'
                                THEN jsonb_build_object('gateway', s.destination -> 'gateway', 'chat_id', s.destination -> 'chat_id',
                                                        'text', COALESCE(NEW.response, ''))
                                ELSE '{}'::jsonb END)
            RETURNING id INTO delivery_id;
            PERFORM pg_notify('deliveries_pending', delivery_id::text);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'sundial: deliveries for execution % not queued: %', NEW.id, SQLERRM;
    END;
    RETURN NULL;
END
$$;

-- Fires only on the transition into a final status of a schedule's run (cheap WHEN filter:
-- heartbeats and other updates never enter the function).
CREATE TRIGGER executions_enqueue_deliveries
    AFTER UPDATE OF status ON executions
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('success', 'failed', 'cancelled')
          AND NEW.schedule_id IS NOT NULL)
    EXECUTE FUNCTION executions_enqueue_deliveries();
