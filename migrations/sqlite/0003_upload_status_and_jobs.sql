-- Chunked uploads and asynchronous work. `upload_status` is MediaWiki's
-- upload status store: one row per file key a client can poll, holding a
-- chunked upload's progress (`received` bytes acknowledged) or the state
-- and result of an assembly or a publish. `jobs` is the durable queue those
-- run from; a job row is deleted when its result is in `upload_status`.

CREATE TABLE upload_status (
    file_key   TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    result     TEXT   NOT NULL,
    stage      TEXT   NOT NULL,
    received   BIGINT NOT NULL,
    first_sha1 TEXT,
    details    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX upload_status_updated ON upload_status (updated_at);

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT   NOT NULL,
    file_key   TEXT   NOT NULL,
    payload    TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    attempts   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_state ON jobs (state, id);
