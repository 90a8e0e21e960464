-- Counters of the login throttle ($wgPasswordAttemptThrottle) and of the
-- rate limits ($wgRateLimits), shared by every instance on the database:
-- one row per key (kind, limit, who), counting hits until `expires_at`,
-- when the window starts again.
CREATE TABLE throttle_counters (
    counter_key TEXT   PRIMARY KEY,
    hits        BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX throttle_counters_expires ON throttle_counters (expires_at);
