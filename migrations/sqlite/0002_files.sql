-- The file repository: current versions, old versions, deleted versions,
-- File: description pages with their revisions, the upload log, the stash
-- and the publish journal. Times are Unix seconds; SHA-1 is 40 hex digits.

CREATE TABLE pages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace  BIGINT NOT NULL,
    title      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (namespace, title)
);

CREATE TABLE revisions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id   BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    user_id   BIGINT,
    comment   TEXT   NOT NULL,
    content   TEXT   NOT NULL,
    timestamp BIGINT NOT NULL
);
CREATE INDEX revisions_page ON revisions (page_id, id);

-- One row per version. The current version has archive_name NULL; old
-- versions carry MediaWiki's archive name "YYYYMMDDHHMMSS!Name".
CREATE TABLE file_versions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT   NOT NULL,
    archive_name    TEXT   UNIQUE,
    size            BIGINT NOT NULL,
    width           BIGINT NOT NULL,
    height          BIGINT NOT NULL,
    bits            BIGINT NOT NULL,
    media_type      TEXT   NOT NULL,
    mime            TEXT   NOT NULL,
    sha1            TEXT   NOT NULL,
    metadata        TEXT   NOT NULL,
    common_metadata TEXT   NOT NULL,
    user_id         BIGINT,
    comment         TEXT   NOT NULL,
    timestamp       BIGINT NOT NULL
);
CREATE UNIQUE INDEX file_versions_current ON file_versions (name) WHERE archive_name IS NULL;
CREATE INDEX file_versions_history ON file_versions (name, timestamp);
CREATE INDEX file_versions_sha1 ON file_versions (sha1);

CREATE TABLE deleted_files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT   NOT NULL,
    storage_key TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    mime        TEXT   NOT NULL,
    sha1        TEXT   NOT NULL,
    user_id     BIGINT,
    timestamp   BIGINT NOT NULL,
    deleted_by  BIGINT,
    deleted_at  BIGINT NOT NULL,
    reason      TEXT   NOT NULL
);
CREATE INDEX deleted_files_name ON deleted_files (name);
CREATE INDEX deleted_files_sha1 ON deleted_files (sha1);

CREATE TABLE log_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    log_type  TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    namespace BIGINT NOT NULL,
    title     TEXT   NOT NULL,
    user_id   BIGINT,
    timestamp BIGINT NOT NULL,
    comment   TEXT   NOT NULL,
    params    TEXT   NOT NULL
);
CREATE INDEX log_events_type ON log_events (log_type, timestamp);

CREATE TABLE stash (
    file_key        TEXT   PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    temp_name       TEXT   NOT NULL,
    size            BIGINT NOT NULL,
    width           BIGINT NOT NULL,
    height          BIGINT NOT NULL,
    bits            BIGINT NOT NULL,
    media_type      TEXT   NOT NULL,
    mime            TEXT   NOT NULL,
    sha1            TEXT   NOT NULL,
    metadata        TEXT   NOT NULL,
    common_metadata TEXT   NOT NULL,
    source          TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX stash_created ON stash (created_at);

-- A publish in progress: written before files move, removed in the same
-- transaction that records the new version, so a crash in between can be
-- rolled forward or back at the next start.
CREATE TABLE publish_journal (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT   NOT NULL,
    staged_path  TEXT   NOT NULL,
    archive_name TEXT,
    created_at   BIGINT NOT NULL
);
