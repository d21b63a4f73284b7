-- Sundial schema, version 3: per-execution options for ad-hoc tasks.
-- Scheduled runs take these from their schedule; an ad-hoc task (POST /api/agents/{name}/task)
-- carries its own timeout and tool list, and the agent that asked for it (X-Source-Agent).
ALTER TABLE executions
    ADD COLUMN timeout_seconds integer CHECK (timeout_seconds IS NULL OR timeout_seconds BETWEEN 1 AND 7200),
    ADD COLUMN allowed_tools   jsonb   CHECK (allowed_tools IS NULL OR jsonb_typeof(allowed_tools) = 'array'),
    ADD COLUMN source_agent    text;
