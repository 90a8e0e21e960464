-- MediaWiki's recentchanges: one row per edit, page creation and log
-- entry, written in the transaction that writes the revision or the log
-- entry (storage/recent_changes.rs). A deleted page's edits leave it with
-- the page; log entries stay. What the row's author may do (bot,
-- autopatrol) is read from their groups when listed.
CREATE TABLE recent_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp   BIGINT NOT NULL,
    -- MediaWiki's rc_type: 0 edit, 1 new page, 3 log entry.
    kind        BIGINT NOT NULL,
    namespace   BIGINT NOT NULL,
    title       TEXT   NOT NULL,
    -- 0 when the change is about no page.
    page_id     BIGINT NOT NULL,
    revision_id BIGINT NOT NULL,
    parent_id   BIGINT NOT NULL,
    user_id     BIGINT,
    user_name   TEXT   NOT NULL,
    comment     TEXT   NOT NULL,
    minor       BIGINT NOT NULL,
    old_len     BIGINT NOT NULL,
    new_len     BIGINT NOT NULL,
    log_id      BIGINT
);
CREATE INDEX recent_changes_time ON recent_changes (timestamp, id);
CREATE INDEX recent_changes_title ON recent_changes (namespace, title, timestamp);
CREATE INDEX recent_changes_page ON recent_changes (page_id);
CREATE INDEX recent_changes_user ON recent_changes (user_name, timestamp);

-- Backfill from the rows earlier releases wrote, oldest first so that ids
-- follow time: every revision that changed a text (not the null revisions
-- of uploads and moves, not the first revision of a page an upload
-- created, which MediaWiki lists as the upload's log entry), and every
-- log entry but page creations (which MediaWiki keeps out of the list).
INSERT INTO recent_changes (timestamp, kind, namespace, title, page_id, revision_id, parent_id,
    user_id, user_name, comment, minor, old_len, new_len, log_id)
SELECT timestamp, kind, namespace, title, page_id, revision_id, parent_id, user_id, user_name,
    comment, minor, old_len, new_len, log_id
FROM (
    SELECT r.timestamp AS timestamp, CASE WHEN r.parent_id = 0 THEN 1 ELSE 0 END AS kind,
        p.namespace AS namespace, p.title AS title, r.page_id AS page_id, r.id AS revision_id,
        r.parent_id AS parent_id, r.user_id AS user_id, r.user_name AS user_name,
        r.comment AS comment, r.minor AS minor,
        COALESCE((SELECT o.size FROM revisions o WHERE o.id = r.parent_id), 0) AS old_len,
        r.size AS new_len, CAST(NULL AS BIGINT) AS log_id, 0 AS source, r.id AS source_id
    FROM revisions r JOIN pages p ON p.id = r.page_id
    WHERE NOT EXISTS (SELECT 1 FROM revisions o WHERE o.id = r.parent_id AND o.content = r.content)
      AND NOT (r.parent_id = 0 AND EXISTS (SELECT 1 FROM log_events l WHERE l.log_type = 'upload'
               AND l.namespace = p.namespace AND l.title = p.title AND l.timestamp = r.timestamp))
    UNION ALL
    SELECT l.timestamp, 3, l.namespace, l.title, COALESCE(l.page_id, 0),
        CASE WHEN l.log_type = 'upload' THEN COALESCE((SELECT MAX(r.id) FROM revisions r
            WHERE r.page_id = l.page_id AND r.timestamp = l.timestamp), 0) ELSE 0 END,
        0, l.user_id, COALESCE((SELECT u.name FROM users u WHERE u.id = l.user_id), ''),
        l.comment, 0, 0, 0, l.id, 1, l.id
    FROM log_events l WHERE l.log_type <> 'create'
) AS changes
ORDER BY timestamp, source, source_id;
