-- What each page's current text links to (MediaWiki's pagelinks,
-- templatelinks, imagelinks, categorylinks, externallinks, redirect),
-- rewritten with every saved revision; the log's page ids; and what a
-- deleted file version needs to be restored and listed as it was.

CREATE TABLE page_links (
    page_id   BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    namespace BIGINT NOT NULL,
    title     TEXT   NOT NULL,
    PRIMARY KEY (page_id, namespace, title)
);
CREATE INDEX page_links_target ON page_links (namespace, title);

CREATE TABLE template_links (
    page_id   BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    namespace BIGINT NOT NULL,
    title     TEXT   NOT NULL,
    PRIMARY KEY (page_id, namespace, title)
);
CREATE INDEX template_links_target ON template_links (namespace, title);

CREATE TABLE image_links (
    page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    file    TEXT   NOT NULL,
    PRIMARY KEY (page_id, file)
);
CREATE INDEX image_links_target ON image_links (file);

CREATE TABLE category_links (
    page_id   BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    category  TEXT   NOT NULL,
    sortkey   TEXT   NOT NULL,
    timestamp BIGINT NOT NULL,
    PRIMARY KEY (page_id, category)
);
CREATE INDEX category_links_target ON category_links (category, sortkey);

CREATE TABLE external_links (
    page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    url     TEXT   NOT NULL,
    PRIMARY KEY (page_id, url)
);

CREATE TABLE redirects (
    page_id   BIGINT NOT NULL PRIMARY KEY REFERENCES pages(id) ON DELETE CASCADE,
    namespace BIGINT NOT NULL,
    title     TEXT   NOT NULL,
    fragment  TEXT   NOT NULL
);
CREATE INDEX redirects_target ON redirects (namespace, title);

-- The page a log entry was written about (MediaWiki's log_page).
ALTER TABLE log_events ADD COLUMN page_id BIGINT;

ALTER TABLE deleted_files ADD COLUMN width BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deleted_files ADD COLUMN height BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deleted_files ADD COLUMN bits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deleted_files ADD COLUMN media_type TEXT NOT NULL DEFAULT 'UNKNOWN';
ALTER TABLE deleted_files ADD COLUMN metadata TEXT NOT NULL DEFAULT '[]';
ALTER TABLE deleted_files ADD COLUMN common_metadata TEXT NOT NULL DEFAULT '[]';
ALTER TABLE deleted_files ADD COLUMN comment TEXT NOT NULL DEFAULT '';
-- The version's archive name when it was not the current one.
ALTER TABLE deleted_files ADD COLUMN archive_name TEXT;
