-- Exactly-once publishing. Each publish gets an id, written in its journal
-- row before any file moves and in the version row by the transaction that
-- commits the publish (which also deletes the journal row). After an error
-- from that commit, or after a crash, the id says whether it committed.
ALTER TABLE publish_journal ADD COLUMN publish_id TEXT;
ALTER TABLE file_versions ADD COLUMN publish_id TEXT;
CREATE UNIQUE INDEX file_versions_publish_id ON file_versions (publish_id);
