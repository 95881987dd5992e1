-- 0006_recording_archive.sql - call archiving (manual: Call Archiving, Archive Locations):
-- the recorder moves a recording and its sidecars from its recording root to every
-- configured archive destination (recorder.archive_paths), and retention must then find
-- and delete those copies too.
--
-- Where the copies are is kept on the row itself, as archive_paths text[]: the destination
-- roots (absolute folders) that each hold the file at <dir>/<path> (the same relative
-- layout as under the recording root), in the order they were configured.  Not a
-- recording_copies table, because a recording is archived all or nothing: the recorder
-- marks the row only after every destination holds a copy that was fsynced and whose
-- sha256 equals the row's, and only then removes the local file.  There is no per-copy
-- state to keep (a partial set of copies is never recorded; the next sweep makes them
-- again), so one UPDATE of two columns says atomically "local file gone, copies here".
-- Keeping the roots on the row (not re-reading the settings) means a destination that
-- is later removed from recorder.archive_paths is still found by export and retention.
--
-- archived_at NULL: the file is under the recording root.  Set: it is in each of
-- archive_paths, and no longer local.

ALTER TABLE recordings
	ADD COLUMN archived_at timestamptz,
	ADD COLUMN archive_paths text[];

ALTER TABLE recordings ADD CONSTRAINT recordings_archive_consistent
	CHECK ((archived_at IS NULL) = (archive_paths IS NULL)
	    AND coalesce(cardinality(archive_paths) BETWEEN 1 AND 5, true));

-- What the archive sweep looks at: this server's live rows not archived yet, by id.
CREATE INDEX recordings_unarchived ON recordings (server_id, id)
	WHERE archived_at IS NULL AND deleted_at IS NULL;

-- 'archived': one event per recording moved, with the destinations in its details.
ALTER TABLE recording_events DROP CONSTRAINT recording_events_action_check;
ALTER TABLE recording_events ADD CONSTRAINT recording_events_action_check
	CHECK (action IN ('stored', 'linked', 'deleted', 'verify_failed', 'exported',
	    'archived'));
