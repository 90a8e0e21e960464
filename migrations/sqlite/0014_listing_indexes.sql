-- Indexes for the listings with many files (issue 11, item 11): each
-- listing reads an index in its own order and stops at its limit instead
-- of reading a whole table and sorting it. src/storage/plans.rs checks the
-- plans with 100,000 files.

-- file_versions again, without the UNIQUE constraint on archive_name:
-- its index holds every current version under NULL, yet SQLite counts a
-- unique index's key as one row, so it chose that index for "archive_name
-- IS NULL" (every current file, then sorted) over the partial indexes of
-- current files. Archive names stay unique through a partial index.
CREATE TABLE file_versions_rebuilt (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT   NOT NULL,
    archive_name    TEXT,
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
    timestamp       BIGINT NOT NULL,
    publish_id      TEXT
);
INSERT INTO file_versions_rebuilt (id, name, archive_name, size, width, height, bits,
    media_type, mime, sha1, metadata, common_metadata, user_id, comment, timestamp, publish_id)
SELECT id, name, archive_name, size, width, height, bits, media_type, mime, sha1, metadata,
    common_metadata, user_id, comment, timestamp, publish_id FROM file_versions;
DROP TABLE file_versions;
ALTER TABLE file_versions_rebuilt RENAME TO file_versions;
CREATE UNIQUE INDEX file_versions_archive_name ON file_versions (archive_name)
    WHERE archive_name IS NOT NULL;
CREATE UNIQUE INDEX file_versions_current ON file_versions (name) WHERE archive_name IS NULL;
CREATE INDEX file_versions_history ON file_versions (name, timestamp);
CREATE INDEX file_versions_sha1 ON file_versions (sha1);
CREATE UNIQUE INDEX file_versions_publish_id ON file_versions (publish_id);

-- list=allimages by timestamp (ties by name), and by one uploader.
CREATE INDEX file_versions_current_time ON file_versions (timestamp, name)
    WHERE archive_name IS NULL;
CREATE INDEX file_versions_current_user ON file_versions (user_id, timestamp, name)
    WHERE archive_name IS NULL;

-- Backlink listings (backlinks, embeddedin, imageusage, categorymembers)
-- go by page id within one target.
DROP INDEX page_links_target;
CREATE INDEX page_links_target ON page_links (namespace, title, page_id);
DROP INDEX template_links_target;
CREATE INDEX template_links_target ON template_links (namespace, title, page_id);
DROP INDEX image_links_target;
CREATE INDEX image_links_target ON image_links (file, page_id);
CREATE INDEX category_links_members ON category_links (category, page_id);

-- list=logevents: all entries, one type, one page, newest first.
CREATE INDEX log_events_time ON log_events (timestamp, id);
DROP INDEX log_events_type;
CREATE INDEX log_events_type ON log_events (log_type, timestamp, id);
CREATE INDEX log_events_page ON log_events (namespace, title, timestamp, id);

-- list=filearchive by name, ties by id.
DROP INDEX deleted_files_name;
CREATE INDEX deleted_files_name ON deleted_files (name, id);
