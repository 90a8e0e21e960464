-- Jobs retried after a database outage wait until `run_after` (Unix
-- seconds), so a failing job backs off instead of spinning.
ALTER TABLE jobs ADD COLUMN run_after BIGINT NOT NULL DEFAULT 0;

-- One row `/readyz` rewrites: the database takes writes (SQLite: the file
-- is not read-only, not locked by another process beyond the busy timeout).
CREATE TABLE readiness_probe (
    id         BIGINT PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
