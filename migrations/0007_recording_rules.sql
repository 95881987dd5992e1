-- 0007_recording_rules.sql - which calls are recorded (manual: Recorded Devices, Exclusion
-- and Inclusion lists, Exclude internal calls), and recordings rows for calls that were
-- not recorded (over the concurrent limit) or whose recording a rule discarded.

-- Recorded Devices: only listed devices are recorded.  method says how: 'rac' (the PBX
-- sends the call to the Record-A-Call endpoint) or 'mirror' (SIP and RTP captured on a
-- mirror port).  A mirrored SIP extension is known by its signalling (the extension number
-- in From/To); a MiNET phone has no SIP the recorder can read, so it is known by its IP
-- address as the recorder sees it, and the manual's "one device per IP address" is the
-- unique index below.
CREATE TABLE recorded_devices (
	extension   text PRIMARY KEY CHECK (extension ~ '^[0-9*#]{1,32}$'),
	method      text NOT NULL CHECK (method IN ('rac', 'mirror')),
	ip          inet,                                  -- MiNET phone's address (mirror)
	description text NOT NULL DEFAULT '',
	enabled     boolean NOT NULL DEFAULT true,
	updated_at  timestamptz NOT NULL DEFAULT now(),
	CHECK (ip IS NULL OR method = 'mirror')
);

CREATE UNIQUE INDEX recorded_devices_ip ON recorded_devices (ip) WHERE ip IS NOT NULL;

CREATE TRIGGER recorded_devices_touch BEFORE UPDATE ON recorded_devices
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- Exclusion and Inclusion lists: an entry matches when the call's field of that type
-- contains value (the manual: "what this information must contain").  Precedence, per
-- segment: exclude-internal (when recorder.exclude_internal is set) > inclusion >
-- exclusion > record.
CREATE TABLE recording_rules (
	id          bigserial PRIMARY KEY,
	list        text NOT NULL CHECK (list IN ('exclusion', 'inclusion')),
	match_type  text NOT NULL CHECK (match_type IN ('account_code', 'agent', 'ddi',
	                'outside_number', 'endpoint', 'hunt_group')),
	value       text NOT NULL CHECK (value <> '' AND length(value) <= 64),
	description text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL DEFAULT now(),
	UNIQUE (list, match_type, value)
);

-- A call over the concurrent limit has a row without a file ("not recorded: limit"), so
-- the recordings grid shows it; so the file columns may be empty for those rows.  A
-- retried insert of such a row finds it by (server, source, Call-ID, start).
ALTER TABLE recordings
	ALTER COLUMN path DROP NOT NULL,
	ALTER COLUMN size DROP NOT NULL,
	ALTER COLUMN sha256 DROP NOT NULL,
	ALTER COLUMN signature DROP NOT NULL,
	ALTER COLUMN key_id DROP NOT NULL,
	ALTER COLUMN encrypted DROP NOT NULL,
	ADD COLUMN rules_checked_at timestamptz,          -- the lists were applied (linked rows)
	ADD COLUMN discard_reason text,                   -- why a rule discarded it
	DROP CONSTRAINT recordings_status_check,
	ADD CONSTRAINT recordings_status_check CHECK (status IN ('recorded',
	    'not_recorded_limit', 'not_recorded_error', 'paused', 'discarded')),
	ADD CONSTRAINT recordings_file_check CHECK (status LIKE 'not_recorded%' OR
	    (path IS NOT NULL AND size IS NOT NULL AND sha256 IS NOT NULL AND
	     signature IS NOT NULL AND key_id IS NOT NULL AND encrypted IS NOT NULL));

CREATE UNIQUE INDEX recordings_not_recorded ON recordings (server_id, source, sip_call_id,
	start_ts) WHERE path IS NULL;
-- What the rule run looks at: linked rows not yet checked.
CREATE INDEX recordings_rules_pending ON recordings (id)
	WHERE rec_id IS NOT NULL AND rules_checked_at IS NULL AND deleted_at IS NULL;
