-- Pages in any namespace with their full history, as MediaWiki keeps
-- them (issue 12). The File pages of earlier releases stay as they are;
-- what MediaWiki stores beside a revision's text is derived from it here:
-- byte size, parent revision, the author's name; the page row gets its
-- latest revision, touch time and length. The base-36 SHA-1 of the texts
-- and the link tables are filled in by the application at its next start
-- (SQL has no SHA-1 on both backends), see `pages::Pages::backfill`.

ALTER TABLE pages ADD COLUMN latest BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN touched BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN length BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN is_redirect BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN content_model TEXT NOT NULL DEFAULT 'wikitext';
-- The version of the link extraction the link tables were last filled by.
ALTER TABLE pages ADD COLUMN links_version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE revisions ADD COLUMN parent_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE revisions ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE revisions ADD COLUMN minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE revisions ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
-- SHA-1 of the text in base 36 (31 digits); '' until backfilled.
ALTER TABLE revisions ADD COLUMN sha1 TEXT NOT NULL DEFAULT '';

UPDATE revisions SET
    size = length(CAST(content AS BLOB)),
    user_name = COALESCE((SELECT u.name FROM users u WHERE u.id = revisions.user_id), ''),
    parent_id = COALESCE((SELECT MAX(p.id) FROM revisions p
                          WHERE p.page_id = revisions.page_id AND p.id < revisions.id), 0);
UPDATE pages SET latest = COALESCE((SELECT MAX(r.id) FROM revisions r WHERE r.page_id = pages.id), 0);
UPDATE pages SET
    touched = COALESCE((SELECT r.timestamp FROM revisions r WHERE r.id = pages.latest), created_at),
    length = COALESCE((SELECT r.size FROM revisions r WHERE r.id = pages.latest), 0);

CREATE INDEX revisions_page_timestamp ON revisions (page_id, timestamp, id);
CREATE INDEX revisions_user ON revisions (user_name, timestamp);

-- Revisions of deleted pages (MediaWiki's `archive`), kept with their ids
-- so that undeletion restores them as they were.
CREATE TABLE archived_revisions (
    id            BIGINT NOT NULL PRIMARY KEY,
    page_id       BIGINT NOT NULL,
    namespace     BIGINT NOT NULL,
    title         TEXT   NOT NULL,
    parent_id     BIGINT NOT NULL,
    user_id       BIGINT,
    user_name     TEXT   NOT NULL,
    comment       TEXT   NOT NULL,
    content       TEXT   NOT NULL,
    timestamp     BIGINT NOT NULL,
    minor         BIGINT NOT NULL,
    size          BIGINT NOT NULL,
    sha1          TEXT   NOT NULL,
    content_model TEXT   NOT NULL,
    deleted_at    BIGINT NOT NULL
);
CREATE INDEX archived_revisions_title ON archived_revisions (namespace, title, timestamp);

-- The Main Page MediaWiki's installer creates, by "MediaWiki default".
INSERT INTO pages (namespace, title, created_at, latest, touched, length)
SELECT 0, 'Main_Page', CAST(strftime('%s', 'now') AS BIGINT), 0, CAST(strftime('%s', 'now') AS BIGINT), 755
WHERE NOT EXISTS (SELECT 1 FROM pages WHERE namespace = 0 AND title = 'Main_Page');
INSERT INTO revisions (page_id, user_id, comment, content, timestamp, parent_id, user_name, minor, size, sha1)
SELECT p.id, NULL, '', '<strong>MediaWiki has been installed.</strong>

Consult the [https://www.mediawiki.org/wiki/Special:MyLanguage/Help:Contents User''s Guide] for information on using the wiki software.

== Getting started ==
* [https://www.mediawiki.org/wiki/Special:MyLanguage/Manual:Configuration_settings Configuration settings list]
* [https://www.mediawiki.org/wiki/Special:MyLanguage/Manual:FAQ MediaWiki FAQ]
* [https://lists.wikimedia.org/postorius/lists/mediawiki-announce.lists.wikimedia.org/ MediaWiki release mailing list]
* [https://www.mediawiki.org/wiki/Special:MyLanguage/Localisation#Translation_resources Localise MediaWiki for your language]
* [https://www.mediawiki.org/wiki/Special:MyLanguage/Manual:Combating_spam Learn how to combat spam on your wiki]', p.created_at, 0, 'MediaWiki default', 0, 755, '22vz5zlxa2zctewimaum2bf1due8hkl'
FROM pages p WHERE p.namespace = 0 AND p.title = 'Main_Page' AND p.latest = 0;
UPDATE pages SET latest = (SELECT MAX(r.id) FROM revisions r WHERE r.page_id = pages.id)
WHERE namespace = 0 AND title = 'Main_Page' AND latest = 0;
