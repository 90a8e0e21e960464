-- Full-text search over pages (list=search): one row per page with the
-- tsvectors of its title (spaces for underscores, no namespace) and of the
-- text of its latest revision (the first 262,144 characters: a tsvector is
-- at most 1 MiB). Words are what FTS5's unicode61 tokenizer sees on SQLite:
-- runs of letters and digits, lower-cased, no stemming ('simple'). A
-- trigger keeps it in the transaction of every change of a page's latest
-- revision or title; rows go with their page.

CREATE TABLE page_search (
    page_id BIGINT NOT NULL PRIMARY KEY REFERENCES pages(id) ON DELETE CASCADE,
    title   TSVECTOR NOT NULL,
    text    TSVECTOR NOT NULL
);
CREATE INDEX page_search_title ON page_search USING GIN (title);
CREATE INDEX page_search_text ON page_search USING GIN (text);

CREATE FUNCTION page_search_words(content TEXT) RETURNS TSVECTOR AS $$
    SELECT to_tsvector('simple', regexp_replace(left(COALESCE(content, ''), 262144), '[^[:alnum:]]+', ' ', 'g'))
$$ LANGUAGE sql IMMUTABLE;

INSERT INTO page_search (page_id, title, text)
SELECT p.id, page_search_words(p.title), page_search_words(r.content)
FROM pages p LEFT JOIN revisions r ON r.id = p.latest;

CREATE FUNCTION page_search_refresh() RETURNS TRIGGER AS $$
BEGIN
    INSERT INTO page_search (page_id, title, text)
    VALUES (NEW.id, page_search_words(NEW.title),
            page_search_words((SELECT content FROM revisions WHERE id = NEW.latest)))
    ON CONFLICT (page_id) DO UPDATE SET title = EXCLUDED.title, text = EXCLUDED.text;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER page_search_refresh AFTER INSERT OR UPDATE OF latest, namespace, title ON pages
    FOR EACH ROW EXECUTE FUNCTION page_search_refresh();
