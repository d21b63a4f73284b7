-- The newest occurrence instant of each schedule (its planning anchor), kept on the schedule
-- row so the scheduler's full sync reads one column instead of aggregating executions per
-- schedule. Bookkeeping: writing it is not a user-visible change (no revision bump, no NOTIFY).

CREATE OR REPLACE FUNCTION schedules_bookkeeping_columns() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['last_run_at', 'next_run_at', 'run_count', 'consecutive_failures', 'revision', 'updated_at',
                 'last_scheduled_for']
$$;

ALTER TABLE schedules ADD COLUMN last_scheduled_for timestamptz;

UPDATE schedules s SET last_scheduled_for = x.latest
FROM (SELECT schedule_id, max(scheduled_for) AS latest FROM executions
      WHERE schedule_id IS NOT NULL AND triggered_by IN ('schedule', 'catchup', 'retry')
      GROUP BY schedule_id) x
WHERE s.id = x.schedule_id;

-- One UPDATE per INSERT statement (a batch of claims moves many anchors at once); an anchor
-- only moves forward.
CREATE FUNCTION executions_track_occurrences() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE schedules s SET last_scheduled_for = i.latest
    FROM (SELECT schedule_id, max(scheduled_for) AS latest FROM inserted
          WHERE schedule_id IS NOT NULL AND triggered_by IN ('schedule', 'catchup', 'retry')
          GROUP BY schedule_id) i
    WHERE s.id = i.schedule_id AND (s.last_scheduled_for IS NULL OR s.last_scheduled_for < i.latest);
    RETURN NULL;
END
$$;

CREATE TRIGGER executions_track_occurrences
    AFTER INSERT ON executions
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION executions_track_occurrences();

-- Overlap checks ask "is an execution of this schedule running?" on every claim.
CREATE INDEX executions_running_schedule_idx ON executions (schedule_id) WHERE status = 'running';
