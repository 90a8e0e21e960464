-- Full-text search over pages (list=search): one FTS5 row per page, its
-- title (spaces for underscores, no namespace) and the text of its latest
-- revision (the first 262,144 characters, as on PostgreSQL). The rowid is
-- the page id. Triggers keep it in the transaction of every change of a
-- page's latest revision or title (edits, uploads' null revisions, moves,
-- undeletions) and of its deletion.

CREATE VIRTUAL TABLE page_search USING fts5(title, text, tokenize = 'unicode61');

INSERT INTO page_search (rowid, title, text)
SELECT p.id, replace(p.title, '_', ' '), COALESCE(substr(r.content, 1, 262144), '')
FROM pages p LEFT JOIN revisions r ON r.id = p.latest;

CREATE TRIGGER page_search_insert AFTER INSERT ON pages BEGIN
    INSERT INTO page_search (rowid, title, text)
    VALUES (NEW.id, replace(NEW.title, '_', ' '),
            COALESCE((SELECT substr(content, 1, 262144) FROM revisions WHERE id = NEW.latest), ''));
END;

CREATE TRIGGER page_search_update AFTER UPDATE OF latest, namespace, title ON pages BEGIN
    DELETE FROM page_search WHERE rowid = OLD.id;
    INSERT INTO page_search (rowid, title, text)
    VALUES (NEW.id, replace(NEW.title, '_', ' '),
            COALESCE((SELECT substr(content, 1, 262144) FROM revisions WHERE id = NEW.latest), ''));
END;

CREATE TRIGGER page_search_delete AFTER DELETE ON pages BEGIN
    DELETE FROM page_search WHERE rowid = OLD.id;
END;
