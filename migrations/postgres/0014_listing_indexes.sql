-- Indexes for the listings with many files (issue 11, item 11): each
-- listing reads an index in its own order and stops at its limit instead
-- of reading a whole table and sorting it. src/storage/plans.rs checks the
-- plans with 100,000 files. Names and titles are listed in byte order
-- (COLLATE "C", as MediaWiki's binary columns sort), which an index in
-- the database's own collation cannot give: these indexes are in "C".

-- list=allimages by name, by timestamp (ties by name), by one uploader.
CREATE INDEX file_versions_current_name ON file_versions (name COLLATE "C")
    WHERE archive_name IS NULL;
CREATE INDEX file_versions_current_time ON file_versions (timestamp, name COLLATE "C")
    WHERE archive_name IS NULL;
CREATE INDEX file_versions_current_user ON file_versions (user_id, timestamp, name COLLATE "C")
    WHERE archive_name IS NULL;

-- list=allpages.
CREATE INDEX pages_titles ON pages (namespace, title COLLATE "C");

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

-- list=filearchive by name, ties by id (deleted_files_name stays for
-- lookups by name, which compare in the database's collation).
CREATE INDEX deleted_files_listing ON deleted_files (name COLLATE "C", id);
