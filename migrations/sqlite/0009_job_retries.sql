-- Jobs retried after a database outage wait until `run_after` (Unix
-- seconds), so a failing job backs off instead of spinning.
ALTER TABLE jobs ADD COLUMN run_after BIGINT NOT NULL DEFAULT 0;
