-- 0004_security.sql - the security model of the web site and the API: business units,
-- security profiles and their permissions, user roles with access scope and access filters,
-- sessions, API tokens, password history and reset links, and the Security Policy settings.
--
-- Manual: Users & Business Units (L13972-14600), Security (L14601-15174).  The gateway is the
-- only writer of these tables (hookswitchctl may reset a password).

-- ---- permissions ------------------------------------------------------------------------

-- Every permission a security profile can grant, by the manual's names (L14736-15033),
-- grouped as the manual groups them.  Names are stable keys used by the gateway's routes
-- and the web UI; labels are what people read.  realtime.call_control is Hookswitch's own:
-- the manual leaves call control to Phone Manager clients, the API offers it to integrators.
CREATE TABLE permissions (
	name  text PRIMARY KEY CHECK (name ~ '^[a-z]+(\.[a-z_]+)+$'),
	grp   text NOT NULL,
	label text NOT NULL,
	ord   integer NOT NULL UNIQUE
);

INSERT INTO permissions (name, grp, label, ord) VALUES
	('general.web_access',            'General', 'Allow web access', 10),
	('general.tasks',                 'General', 'Create & modify tasks', 11),
	('general.system_status',         'General', 'View System Status', 12),
	('general.audit_trail',           'General', 'View Audit Trail', 13),
	('general.system_business_units', 'General', 'View System Business Units', 14),
	('general.view_shared_filters',   'General', 'View shared filters', 15),
	('general.modify_shared_filters', 'General', 'Modify shared filters', 16),
	('recordings.play',               'Recordings', 'Play recorded calls', 20),
	('recordings.save',               'Recordings', 'Save', 21),
	('recordings.email',              'Recordings', 'Email', 22),
	('recordings.silent_monitor',     'Recordings', 'Silent Monitor', 23),
	('recordings.modify_call_details','Recordings', 'Modify Call Details', 24),
	('recordings.live_view',          'Recordings', 'Live View', 25),
	('reporting.run',                 'Reporting', 'Run reports', 30),
	('reporting.schedule',            'Reporting', 'Schedule reports', 31),
	('reporting.realtime',            'Reporting', 'Real-Time Access', 32),
	('reporting.wallboard',           'Reporting', 'Wallboard', 33),
	('reporting.dashboard',           'Reporting', 'Dashboard', 34),
	('realtime.call_control',         'Reporting', 'Call control (make, answer, transfer...)', 35),
	('pmo.web_access',                'Phone Manager Outbound', 'Allow web access', 40),
	('pmo.campaigns',                 'Phone Manager Outbound', 'Campaigns', 41),
	('pmo.dispositions',              'Phone Manager Outbound', 'Dispositions', 42),
	('pmo.imports',                   'Phone Manager Outbound', 'Imports', 43),
	('pmo.exports',                   'Phone Manager Outbound', 'Exports', 44),
	('pmo.reports',                   'Phone Manager Outbound', 'Reports', 45),
	('pmo.schedules',                 'Phone Manager Outbound', 'Schedules', 46),
	('pmo.barred_numbers',            'Phone Manager Outbound', 'Barred Numbers', 47),
	('pmo.system_settings',           'Phone Manager Outbound', 'Edit system settings', 48),
	('config.contact_directories',    'Configuration', 'Contact Directories', 50),
	('config.server_applications',    'Configuration', 'Server Applications', 51),
	('config.phone_manager',          'Configuration', 'Phone Manager configuration', 52),
	('config.macros',                 'Configuration', 'Macros', 53),
	('config.call_banner_profiles',   'Configuration', 'Call Banner Profiles', 54),
	('config.client_toolbars',        'Configuration', 'Client Toolbars', 55),
	('config.call_categorization',    'Configuration', 'Call Categorization', 56),
	('config.phone_systems',          'Configuration', 'Phone Systems', 57),
	('config.exclusion_list',         'Configuration', 'Exclusion List', 58),
	('config.inclusion_list',         'Configuration', 'Inclusion List', 59),
	('config.call_reporting',         'Configuration', 'Call Reporting', 60),
	('config.dial_plan',              'Configuration', 'Dial Plan', 61),
	('config.custom_tags',            'Configuration', 'Custom Tags', 62),
	('config.email',                  'Configuration', 'Email', 63),
	('config.database_maintenance',   'Configuration', 'Database Maintenance', 64),
	('config.security',               'Configuration', 'Security', 65),
	('config.users',                  'Configuration', 'Users & Business Units', 66),
	('config.compliance_muting',      'Configuration', 'Compliance Muting', 67),
	('config.servers',                'Configuration', 'Servers', 68),
	('config.license',                'Configuration', 'Manage License', 69);

-- ---- security profiles ------------------------------------------------------------------

CREATE TABLE security_profiles (
	id          bigserial PRIMARY KEY,
	name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
	description text NOT NULL DEFAULT '',
	builtin     boolean NOT NULL DEFAULT false,
	editable    boolean NOT NULL DEFAULT true,   -- Admin is not (manual L14711)
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX security_profiles_name_key ON security_profiles (lower(name));
CREATE TRIGGER security_profiles_touch BEFORE UPDATE ON security_profiles
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

CREATE TABLE profile_permissions (
	profile_id bigint NOT NULL REFERENCES security_profiles (id) ON DELETE CASCADE,
	permission text NOT NULL REFERENCES permissions (name),
	PRIMARY KEY (profile_id, permission)
);

-- The nine built-in profiles (L14706-14733).  The manual's tick matrix did not survive in
-- its text, so each set is what the profile's description says it is for.
INSERT INTO security_profiles (id, name, description, builtin, editable) VALUES
	(1, 'Admin', 'The engineer''s profile: everything.', true, false),
	(2, 'Supervisor', 'Everyday management.', true, true),
	(3, 'User', 'Web access to change their own password.', true, true),
	(4, 'Phone Manager Only', 'Phone Manager use; no web log-in.', true, true),
	(5, 'Phone Manager with Playback', 'Phone Manager use and playback from its call history.', true, true),
	(6, 'Recording Only', 'Website and the recordings playback area.', true, true),
	(7, 'Reporting Only', 'Website and the reporting area.', true, true),
	(8, 'Wallboard Only', 'Website and the real-time wallboard.', true, true),
	(9, 'Dashboard Only', 'Website and the real-time dashboard.', true, true);
SELECT setval('security_profiles_id_seq', 100);

INSERT INTO profile_permissions (profile_id, permission)
	SELECT 1, name FROM permissions;
INSERT INTO profile_permissions (profile_id, permission)
	SELECT 2, unnest(ARRAY['general.web_access', 'general.system_status',
	    'general.system_business_units', 'general.view_shared_filters',
	    'general.modify_shared_filters', 'recordings.play', 'recordings.save', 'recordings.email',
	    'recordings.silent_monitor', 'recordings.modify_call_details', 'recordings.live_view',
	    'reporting.run', 'reporting.schedule', 'reporting.realtime', 'reporting.wallboard',
	    'reporting.dashboard', 'realtime.call_control', 'config.contact_directories',
	    'config.custom_tags', 'config.users']);
INSERT INTO profile_permissions (profile_id, permission) VALUES
	(3, 'general.web_access'),
	(5, 'recordings.play'),
	(6, 'general.web_access'), (6, 'recordings.play'), (6, 'recordings.save'),
	(6, 'recordings.live_view'),
	(7, 'general.web_access'), (7, 'reporting.run'), (7, 'reporting.schedule'),
	(8, 'general.web_access'), (8, 'reporting.realtime'), (8, 'reporting.wallboard'),
	(9, 'general.web_access'), (9, 'reporting.realtime'), (9, 'reporting.dashboard');

-- ---- business units ---------------------------------------------------------------------

-- A tree; users belong to one unit.  Two system units hold users outside the tree:
-- 'unassigned' (new and auto-created users) and 'deleted' (soft-deleted users, L14113-14147).
CREATE TABLE business_units (
	id         bigserial PRIMARY KEY,
	parent_id  bigint REFERENCES business_units (id) ON DELETE RESTRICT,
	name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
	kind       text NOT NULL DEFAULT 'normal' CHECK (kind IN ('normal', 'unassigned', 'deleted')),
	ou_link    text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CHECK (kind = 'normal' OR parent_id IS NULL),
	CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE UNIQUE INDEX business_units_sibling_name_key
	ON business_units (coalesce(parent_id, 0), lower(name));
CREATE UNIQUE INDEX business_units_system_key ON business_units (kind) WHERE kind <> 'normal';
CREATE INDEX business_units_parent ON business_units (parent_id);
CREATE TRIGGER business_units_touch BEFORE UPDATE ON business_units
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- Moving a unit under one of its own descendants would cut the branch off the tree.
CREATE FUNCTION hs_business_units_no_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.parent_id IS NOT NULL AND EXISTS (
		WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM business_units WHERE id = NEW.parent_id
			UNION ALL
			SELECT b.id, b.parent_id FROM business_units b JOIN up ON b.id = up.parent_id
		) SELECT 1 FROM up WHERE id = NEW.id) THEN
		RAISE EXCEPTION 'business unit % cannot move under its own descendant', NEW.id
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER business_units_no_cycle BEFORE UPDATE OF parent_id ON business_units
	FOR EACH ROW EXECUTE FUNCTION hs_business_units_no_cycle();

INSERT INTO business_units (id, name, kind) VALUES
	(1, 'Unassigned Users', 'unassigned'),
	(2, 'Deleted Users', 'deleted');
SELECT setval('business_units_id_seq', 100);

-- ---- access filters ---------------------------------------------------------------------

-- Exceptions on top of a role's access scope (L15058-15174).  Empty criteria match anything;
-- a call segment matches a filter when every non-empty criterion matches.  Lists of numbers
-- are the manual's "1001,1002-1008,1010" form, checked by the gateway.
CREATE TABLE access_filters (
	id             bigserial PRIMARY KEY,
	name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
	mode           text NOT NULL CHECK (mode IN ('grant', 'deny')),
	outside_number text NOT NULL DEFAULT '',     -- % wildcard: '09%'
	extensions     text NOT NULL DEFAULT '',
	ddi            text NOT NULL DEFAULT '',
	trunk          text NOT NULL DEFAULT '',
	call_type      text NOT NULL DEFAULT '' CHECK (call_type IN ('', 'inbound', 'outbound', 'internal')),
	min_duration   integer CHECK (min_duration >= 0),
	max_duration   integer CHECK (max_duration >= 0),
	agents         text NOT NULL DEFAULT '',
	hunt_groups    text NOT NULL DEFAULT '',
	account_code   text NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX access_filters_name_key ON access_filters (lower(name));
CREATE TRIGGER access_filters_touch BEFORE UPDATE ON access_filters
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- "Business Units" tab of the filter: further units whose calls it covers.
CREATE TABLE access_filter_units (
	filter_id        bigint NOT NULL REFERENCES access_filters (id) ON DELETE CASCADE,
	business_unit_id bigint NOT NULL REFERENCES business_units (id) ON DELETE CASCADE,
	PRIMARY KEY (filter_id, business_unit_id)
);

-- ---- roles ------------------------------------------------------------------------------

-- A user's role gives the security profile (what they may do) and the access scope (whose
-- calls they see, relative to their own business unit, L15034-15057).  No role: no web log-in.
CREATE TABLE roles (
	id           bigserial PRIMARY KEY,
	name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
	description  text NOT NULL DEFAULT '',
	profile_id   bigint NOT NULL REFERENCES security_profiles (id) ON DELETE RESTRICT,
	access_scope text NOT NULL DEFAULT 'own'
	             CHECK (access_scope IN ('none', 'own', 'business_unit', 'business_unit_master',
	                                     'site', 'organisation')),
	builtin      boolean NOT NULL DEFAULT false,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX roles_name_key ON roles (lower(name));
CREATE TRIGGER roles_touch BEFORE UPDATE ON roles
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

CREATE TABLE role_access_filters (
	role_id   bigint NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	filter_id bigint NOT NULL REFERENCES access_filters (id) ON DELETE RESTRICT,
	PRIMARY KEY (role_id, filter_id)
);

INSERT INTO roles (id, name, description, profile_id, access_scope, builtin) VALUES
	(1, 'Engineer', 'Installer and administrator: every right, every call.', 1, 'organisation', true),
	(2, 'Supervisor', 'Everyday management of the site.', 2, 'site', true);
SELECT setval('roles_id_seq', 100);

-- ---- users ------------------------------------------------------------------------------

ALTER TABLE users
	ADD COLUMN first_name text NOT NULL DEFAULT '',
	ADD COLUMN last_name text NOT NULL DEFAULT '',
	ADD COLUMN business_unit_id bigint NOT NULL DEFAULT 1 REFERENCES business_units (id),
	ADD COLUMN role_id bigint REFERENCES roles (id) ON DELETE SET NULL,
	ADD COLUMN deleted_at timestamptz,
	ADD COLUMN password_expires_at timestamptz;
CREATE INDEX users_business_unit ON users (business_unit_id);

UPDATE users SET role_id = 1 WHERE username = 'engineer' AND is_builtin;
UPDATE users SET role_id = 2 WHERE username = 'supervisor' AND is_builtin;

-- The primary extension / agent of a user (L14148-14189); the others are secondary.
ALTER TABLE user_devices ADD COLUMN is_primary boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX user_devices_one_primary ON user_devices (user_id, kind) WHERE is_primary;

-- Earlier password hashes, for "Prevent password reuse" (L14660).
CREATE TABLE password_history (
	user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	password_hash text NOT NULL,
	changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id, changed_at DESC);

-- ---- sessions, API tokens, reset links --------------------------------------------------

-- Only hashes of the secrets are stored: a copy of this table logs nobody in.
CREATE TABLE sessions (
	token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),  -- sha256
	user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token   text NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	last_seen_at timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz NOT NULL,
	client_ip    inet,
	user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           bigserial PRIMARY KEY,
	name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
	token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	prefix       text NOT NULL,                 -- first characters, to recognise a token
	user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE, -- acts as this user
	created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz,
	last_used_at timestamptz,
	revoked_at   timestamptz
);

CREATE TABLE password_resets (
	token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	used_at    timestamptz
);

-- ---- settings ---------------------------------------------------------------------------

-- Security Policy (L14615-14687; the manual gives no defaults: these are secure ones) and the
-- web site's own.  Email & SMTP (L13849-13902).
INSERT INTO settings (server_id, key, value) VALUES
	(0, 'security.password_strength', 'secure'),   -- low | secure | high
	(0, 'security.password_expiry_days', '0'),     -- 0: passwords do not expire
	(0, 'security.password_history', '0'),         -- 0: reuse not checked
	(0, 'security.lockout_enabled', 'true'),
	(0, 'security.lockout_max_attempts', '5'),
	(0, 'security.lockout_minutes', '15'),
	(0, 'web.session_idle_minutes', '60'),
	(0, 'web.session_max_hours', '12'),
	(0, 'web.redirect_https', 'false'),
	(0, 'web.reset_link_minutes', '30'),
	(0, 'web.public_url', ''),                     -- base of links in emails; empty: https://<server host>:<port>
	(0, 'smtp.server', ''),
	(0, 'smtp.port', '25'),
	(0, 'smtp.auth', 'false'),
	(0, 'smtp.username', ''),
	(0, 'smtp.password', ''),
	(0, 'smtp.ssl', 'false'),
	(0, 'smtp.from', ''),
	(0, 'smtp.from_name', 'Hookswitch'),
	(0, 'smtp.alarm_interval_minutes', '60');
