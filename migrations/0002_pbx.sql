-- 0002_pbx.sql - the phone system and what cti-host downloads from it: nodes, devices, ACD
-- agent ids and hunt groups.
--
-- The manual's Phone Systems pages: one phone system (a MiVoice Office 250, or a CT Gateway
-- in front of several nodes), default OAI port 4000, empty password by default.  Devices are
-- imported over OAI (_QX lists) and kept in sync; cti-host owns these tables (the web site
-- edits phone_systems and the per-device flags).

-- ---- phone system -----------------------------------------------------------------------

CREATE TABLE phone_systems (
	id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1), -- one per site (manual)
	type        text NOT NULL DEFAULT 'mivoice-office-250'
	            CHECK (type IN ('mivoice-office-250')),
	name        text NOT NULL DEFAULT 'PBX',
	host        text NOT NULL DEFAULT '',
	port        integer NOT NULL DEFAULT 4000 CHECK (port BETWEEN 1 AND 65535),
	-- The OAI login password has to be sent in clear to the PBX, so it cannot be hashed.
	-- It is the PBX's secret, not a user's; access to this table is access to the PBX link.
	password    text NOT NULL DEFAULT '',
	enabled     boolean NOT NULL DEFAULT true,
	-- What the link learned (written by cti-host).
	ct_gateway  boolean,
	protocol_version text,
	software_version text,
	last_import_at   timestamptz,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE phone_systems IS 'The PBX (or CT Gateway) cti-host connects to over OAI.';

-- The one row exists from the start, without a host: cti-host stays down until it is set
-- (web site, or hookswitchctl pbx set).
INSERT INTO phone_systems (id) VALUES (1);

CREATE TRIGGER phone_systems_touch BEFORE UPDATE ON phone_systems
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();
CREATE TRIGGER phone_systems_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON phone_systems FOR EACH STATEMENT EXECUTE FUNCTION hs_notify_config();

-- ---- nodes ------------------------------------------------------------------------------

CREATE TABLE pbx_nodes (
	node        smallint PRIMARY KEY CHECK (node BETWEEN 0 AND 999),
	description text NOT NULL DEFAULT '',
	protocol_version text,
	software_version text,
	online      boolean NOT NULL DEFAULT true,
	local_ip    text NOT NULL DEFAULT '',
	local_sip_port integer NOT NULL DEFAULT 5060,
	is_default  boolean NOT NULL DEFAULT false,
	updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER pbx_nodes_touch BEFORE UPDATE ON pbx_nodes
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- ---- devices ----------------------------------------------------------------------------

-- Every numbered thing of the PBX: stations, trunks, hunt groups, voice mail, phantoms...
-- Numbers are unique across nodes (the manual requires it).  oai_device_type is the PBX's
-- Device_Type code (oai.md 5.6); kind is our grouping of it.
CREATE TABLE devices (
	number      text PRIMARY KEY CHECK (number ~ '^[0-9*#]{1,32}$'),
	node        smallint NOT NULL DEFAULT 1,
	kind        text NOT NULL CHECK (kind IN ('extension', 'sip-extension', 'phantom',
	                'hunt-group', 'trunk', 'trunk-group', 'voicemail', 'page', 'other')),
	oai_device_type smallint,
	physical_type   smallint,
	username    text NOT NULL DEFAULT '',
	description text NOT NULL DEFAULT '',
	-- Per-device flags of the manual (call statistics, monitoring).
	monitoring_disabled boolean NOT NULL DEFAULT false,
	treat_not_answering boolean NOT NULL DEFAULT false,
	treat_not_rung      boolean NOT NULL DEFAULT false,
	manually_added      boolean NOT NULL DEFAULT false,
	-- Set when the device vanished from the PBX's lists; rows are kept for call history.
	removed_at  timestamptz,
	imported_at timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX devices_kind ON devices (kind) WHERE removed_at IS NULL;

CREATE TRIGGER devices_touch BEFORE UPDATE ON devices
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- ACD agent ids (_QX list 17): an agent logs on at any station.
CREATE TABLE acd_agents (
	agent_id    text PRIMARY KEY CHECK (agent_id ~ '^[0-9]{1,16}$'),
	description text NOT NULL DEFAULT '',
	removed_at  timestamptz,
	updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER acd_agents_touch BEFORE UPDATE ON acd_agents
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- Hunt groups (_QX list 3), with the PBX's Hunt_Group_Type (oai.md 5.7).
CREATE TABLE hunt_groups (
	number      text PRIMARY KEY REFERENCES devices (number) ON UPDATE CASCADE,
	group_type  smallint NOT NULL CHECK (group_type BETWEEN 0 AND 3),
	updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER hunt_groups_touch BEFORE UPDATE ON hunt_groups
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();
