-- Scheduler hot path.
--
-- 1. The newest occurrence instant of each schedule (its planning anchor) in a table of its
--    own, kept by a statement-level trigger on executions: the scheduler's full sync joins one
--    row per schedule instead of aggregating executions per schedule, and a batch of claims
--    moves many anchors with one upsert, without touching (or locking) the schedule rows.
CREATE TABLE schedule_anchors (
    schedule_id        uuid        PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
    last_scheduled_for timestamptz NOT NULL
);

INSERT INTO schedule_anchors (schedule_id, last_scheduled_for)
SELECT schedule_id, max(scheduled_for) FROM executions
WHERE schedule_id IS NOT NULL AND triggered_by IN ('schedule', 'catchup', 'retry')
GROUP BY schedule_id;

-- An anchor only moves forward.
CREATE FUNCTION executions_track_occurrences() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schedule_anchors AS a (schedule_id, last_scheduled_for)
    SELECT i.schedule_id, max(i.scheduled_for) FROM inserted i
    WHERE i.schedule_id IS NOT NULL AND i.triggered_by IN ('schedule', 'catchup', 'retry')
    GROUP BY i.schedule_id
    ORDER BY i.schedule_id
    ON CONFLICT (schedule_id) DO UPDATE SET last_scheduled_for = excluded.last_scheduled_for
        WHERE a.last_scheduled_for < excluded.last_scheduled_for;
    RETURN NULL;
END
$$;

CREATE TRIGGER executions_track_occurrences
    AFTER INSERT ON executions
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION executions_track_occurrences();

-- 2. The revision trigger's common case, a bookkeeping-only update by the scheduler (last
--    run, run count, failure streak…), is decided by one record comparison instead of two
--    row-to-jsonb conversions. Anything else falls through to the general rule (every column
--    not listed by schedules_bookkeeping_columns() is user-visible, including later ones).
CREATE OR REPLACE FUNCTION schedules_bump_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unchanged schedules;
BEGIN
    unchanged := NEW;
    unchanged.last_run_at := OLD.last_run_at;
    unchanged.next_run_at := OLD.next_run_at;
    unchanged.run_count := OLD.run_count;
    unchanged.consecutive_failures := OLD.consecutive_failures;
    unchanged.revision := OLD.revision;
    unchanged.updated_at := OLD.updated_at;
    IF unchanged IS NOT DISTINCT FROM OLD OR
       (to_jsonb(NEW) - schedules_bookkeeping_columns()) IS NOT DISTINCT FROM
       (to_jsonb(OLD) - schedules_bookkeeping_columns()) THEN
        -- Bookkeeping only: revision and updated_at stay as they were, whatever the UPDATE said.
        NEW.revision   := OLD.revision;
        NEW.updated_at := OLD.updated_at;
    ELSE
        NEW.revision   := OLD.revision + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

-- 3. Overlap checks ask "is an execution of this schedule running?" on every claim.
CREATE INDEX executions_running_schedule_idx ON executions (schedule_id) WHERE status = 'running';
