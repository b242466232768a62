-- Scheduled work (the weekly digest, hourly clean-ups) runs once per period whatever the number
-- of instances: an instance runs a task only if it moved the task's last run forward itself
-- (one guarded upsert; no leader needed).
CREATE TABLE scheduled_runs (
    name         TEXT PRIMARY KEY,
    last_run_at  BIGINT NOT NULL
);
