-- 0005_recordings.sql - call recordings: one row per stored recording, and what happened
-- to them (linking, deletion by retention).
--
-- The recorder is the only writer of recordings rows (hookswitchctl's purge marks them
-- deleted).  The audio itself stays on the recording server's disk under its recording
-- root (recorder.path); path is relative to that root.  Files are AES-256-GCM encrypted
-- (services/recorder/store.h gives the format) with a per-server key that never enters the
-- database; sha256 and signature (HMAC-SHA256 with a key derived from it) are of the
-- stored file, so a file changed on disk is caught before it is played or exported
-- (manual: Authentication, the green tick).
--
-- call_id / rec_id link a recording to the logger's call and segment.  The recorder
-- fills them by matching the recorded extension and the time (segment_parties.device and
-- the segment's time span), right after the insert and again periodically, since the
-- logger may write the call after the recording is stored.  They are not foreign keys: a
-- rebuild of the calls deletes and re-inserts them with the same ids, and a recording
-- must not vanish (ON DELETE CASCADE) or block it (RESTRICT).

CREATE TABLE recordings (
	id            bigserial PRIMARY KEY,
	server_id     smallint NOT NULL CHECK (server_id BETWEEN 1 AND 99), -- where the file is
	source        text NOT NULL CHECK (source IN ('rac', 'mirror', 'offline')),
	sip_call_id   text,                                -- Call-ID of the recorded SIP dialog
	call_id       bigint,                              -- calls.call_id, when linked
	rec_id        bigint,                              -- call_segments.rec_id, when linked
	linked_at     timestamptz,
	extension     text,                                -- the recorded device
	agent         text,                                -- ACD agent id, when known
	direction     text CHECK (direction IN ('in', 'out', 'internal', 'unknown')),
	start_ts      timestamptz NOT NULL,                -- sample 0 of the audio
	end_ts        timestamptz NOT NULL,
	duration_ms   bigint NOT NULL CHECK (duration_ms >= 0),
	codec         text,                                -- as received: PCMA, PCMU, G729...
	format        text NOT NULL,                       -- as stored: gsm, wav, opus
	path          text NOT NULL,                       -- relative to the recording root
	size          bigint NOT NULL CHECK (size >= 0),   -- bytes of the stored file
	sha256        bytea NOT NULL CHECK (length(sha256) = 32),
	signature     bytea NOT NULL CHECK (length(signature) = 32),
	key_id        text NOT NULL,                       -- first 8 hex of sha256(key)
	encrypted     boolean NOT NULL,
	status        text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded',
	                  'not_recorded_limit', 'not_recorded_error', 'paused')),
	paused        jsonb NOT NULL DEFAULT '[]',         -- [{start_ms, end_ms}] compliance pauses
	telephone_events jsonb NOT NULL DEFAULT '[]',      -- RFC 4733 digits, as the metadata
	metadata      jsonb NOT NULL DEFAULT '{}',         -- the recorder's JSON metadata
	created_at    timestamptz NOT NULL DEFAULT now(),
	deleted_at    timestamptz,                         -- file removed (row kept as history)
	deleted_reason text,                               -- 'retention', 'manual', ...
	UNIQUE (server_id, path)                           -- a retried insert finds its row
);

-- The recordings grid: by time, by extension and time, by call.
CREATE INDEX recordings_start ON recordings (start_ts);
CREATE INDEX recordings_extension ON recordings (extension, start_ts);
CREATE INDEX recordings_call ON recordings (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX recordings_segment ON recordings (rec_id) WHERE rec_id IS NOT NULL;
CREATE INDEX recordings_sip_call ON recordings (sip_call_id);
-- What the matcher and the retention run look at.
CREATE INDEX recordings_unlinked ON recordings (start_ts)
	WHERE rec_id IS NULL AND deleted_at IS NULL;
CREATE INDEX recordings_live ON recordings (server_id, start_ts) WHERE deleted_at IS NULL;

COMMENT ON TABLE recordings IS
	'One row per stored recording; the encrypted file is on server_id under path.';

-- What was done to recordings: stored, linked, verified (failed), deleted.  Retention runs
-- write one 'deleted' row per file they removed, so an auditor can tell what went and why.
CREATE TABLE recording_events (
	id            bigserial PRIMARY KEY,
	ts            timestamptz NOT NULL DEFAULT now(),
	recording_id  bigint NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
	action        text NOT NULL CHECK (action IN ('stored', 'linked', 'deleted',
	                  'verify_failed', 'exported')),
	actor         text NOT NULL,                       -- 'recorder', 'hookswitchctl', a user
	details       jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX recording_events_recording ON recording_events (recording_id);
CREATE INDEX recording_events_ts ON recording_events (ts);
