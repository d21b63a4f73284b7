-- Sundial schema, version 8: the activity log (audit trail of user-visible changes).
--
-- Every change made through the API (schedule created/updated/deleted/enabled/disabled,
-- manual trigger, cancel, task, agent changes, fleet pause/resume) is recorded here with who
-- made it and when, in the same transaction as its event in `events` (event_id). Unlike
-- `events`, activities are not pruned by SUNDIAL_EVENT_RETENTION_DAYS.

CREATE TABLE activities (
    id           bigserial   PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    action       text        NOT NULL CHECK (char_length(action) BETWEEN 1 AND 100),
    -- Who: the user (a key acts for its owner); agent keys also name their agent.
    actor_id     uuid        REFERENCES users (id) ON DELETE SET NULL,
    actor        text        NOT NULL,
    actor_kind   text        NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'agent_key')),
    actor_agent  text,
    -- No foreign keys: the log outlives what it mentions.
    agent_name   text,
    schedule_id  uuid,
    execution_id uuid,
    details      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    event_id     bigint
);

CREATE INDEX activities_created_idx ON activities (created_at DESC, id DESC);
CREATE INDEX activities_agent_idx ON activities (agent_name, created_at DESC, id DESC);
