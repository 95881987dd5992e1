-- 0001_foundation.sql - schema v1: servers, settings, alerts, audit trail, users.
--
-- Applied by libcommon/migrate.c in one transaction together with its schema_version row
-- (migrate.c creates and owns that table), so this file has no BEGIN/COMMIT and must not
-- touch schema_version.  Once released, a migration is never edited: the checksum in
-- schema_version would flag it as changed.  Later changes go into new numbered files.
--
-- Conventions: timestamps are timestamptz; updated_at is maintained by a trigger, not by
-- the services; ids of servers are the 1..99 "server numbers" of the site; machine-readable
-- names (setting keys, alert codes) are lower.dot.case.

-- ---- helpers ----------------------------------------------------------------------------

-- Keeps updated_at honest whoever writes the row (services, hookswitchctl, psql by hand).
CREATE FUNCTION hs_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END
$$;

-- Tells every service that configuration changed, so they re-read it without a restart.
-- The payload is only the table name: services re-read what they use.  A statement-level
-- trigger sends one notification per statement, and PostgreSQL folds identical ones within
-- a transaction, so a bulk update is one wake-up, delivered at commit.
CREATE FUNCTION hs_notify_config() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('hs_config', TG_TABLE_NAME);
	RETURN NULL;
END
$$;

-- ---- servers ----------------------------------------------------------------------------

-- The machines of the site and the roles each one runs.  A single-server site has one row.
CREATE TABLE servers (
	id         smallint PRIMARY KEY CHECK (id BETWEEN 1 AND 99),
	name       text NOT NULL,
	host       text NOT NULL DEFAULT '',
	roles      text[] NOT NULL DEFAULT '{}'
	           CONSTRAINT servers_roles_known
	           CHECK (roles <@ ARRAY['wcf', 'database', 'licensing', 'website', 'gateway',
	                                 'cti-host', 'call-logging', 'realtime', 'server-apps',
	                                 'mobile-gateway', 'recording', 'handset']::text[])
	           -- <@ ignores dimensions: insist on a plain list (NULL elements fail <@)
	           CONSTRAINT servers_roles_flat
	           CHECK (cardinality(roles) = 0 OR array_ndims(roles) = 1),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE servers IS 'Servers of the site (1..99) and the roles each runs.';

CREATE TRIGGER servers_touch BEFORE UPDATE ON servers
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();
CREATE TRIGGER servers_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON servers
	FOR EACH STATEMENT EXECUTE FUNCTION hs_notify_config();

-- ---- settings ---------------------------------------------------------------------------

-- Key/value configuration.  server_id 0 holds the site-wide value; a row for server N
-- overrides it on that server.  There is no foreign key to servers because 0 is not a
-- server; removing a server should remove its rows too (done by whoever deletes it).
-- Values are text; each service parses and range-checks the keys it owns.
CREATE TABLE settings (
	server_id  smallint NOT NULL DEFAULT 0 CHECK (server_id BETWEEN 0 AND 99),
	key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$'),
	value      text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (server_id, key)
);

COMMENT ON TABLE settings IS
	'Configuration: server_id 0 = site-wide, N = override for server N.';

CREATE TRIGGER settings_touch BEFORE UPDATE ON settings
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();
CREATE TRIGGER settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
	FOR EACH STATEMENT EXECUTE FUNCTION hs_notify_config();

-- Site-wide defaults that exist from the first start.
INSERT INTO settings (server_id, key, value) VALUES
	-- Manual, "Drive space warning threshold": percent of free space on a drive below
	-- which the watchdog raises an alert.
	(0, 'watchdog.drive_space_threshold_pct', '10'),
	-- Manual, "Event logging" / "Advanced logging": the normal operational log, and the
	-- verbose one for troubleshooting (off by default: it is large).
	(0, 'log.event_logging', 'true'),
	(0, 'log.advanced_logging', 'false');

-- ---- alerts -----------------------------------------------------------------------------

-- Conditions an administrator should see (service restarted, disk low, licence expiring).
-- An alert is acknowledged by a person and cleared when the condition goes away; rows are
-- kept as history.  server_id is not a foreign key on purpose: history outlives a removed
-- server, and the watchdog may raise an alert before its server row exists.
CREATE TABLE alerts (
	id              bigserial PRIMARY KEY,
	ts              timestamptz NOT NULL DEFAULT now(),
	server_id       smallint CHECK (server_id BETWEEN 1 AND 99), -- NULL: site-wide
	severity        text NOT NULL
	                CHECK (severity IN ('info', 'warning', 'error', 'critical')),
	source          text NOT NULL,                 -- the service that raised it
	code            text NOT NULL                  -- e.g. 'service.restarted', 'disk.low'
	                CHECK (code ~ '^[a-z0-9_]+(\.[a-z0-9_]+)+$'),
	text            text NOT NULL,                 -- for people
	details         jsonb,                         -- for programs
	acknowledged_at timestamptz,
	acknowledged_by text,
	cleared_at      timestamptz,
	CHECK (acknowledged_by IS NULL OR acknowledged_at IS NOT NULL)
);

CREATE INDEX alerts_ts_idx ON alerts (ts DESC);
-- The alert list and the "unacknowledged" counter read only these, which stay few.
CREATE INDEX alerts_unacknowledged_idx ON alerts (ts DESC) WHERE acknowledged_at IS NULL;

-- ---- users ------------------------------------------------------------------------------

-- Accounts of the web and management interfaces.  Passwords are stored only as PHC strings
-- (libcommon/passwd.c writes argon2id; scrypt is accepted for imported accounts).
CREATE TABLE users (
	id                   bigserial PRIMARY KEY,
	username             text NOT NULL
	                     CHECK (length(username) BETWEEN 1 AND 128
	                            AND username !~ '[[:space:][:cntrl:]]'),
	display_name         text NOT NULL DEFAULT '',
	email                text,
	password_hash        text NOT NULL
	                     CHECK (password_hash LIKE '$argon2id$%'
	                            OR password_hash LIKE '$scrypt$%'),
	must_change_password boolean NOT NULL DEFAULT true,
	is_builtin           boolean NOT NULL DEFAULT false,
	enabled              boolean NOT NULL DEFAULT true,
	language             text NOT NULL DEFAULT 'en',
	failed_logins        integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
	locked_until         timestamptz,
	password_changed_at  timestamptz,
	last_login_at        timestamptz,
	created_at           timestamptz NOT NULL DEFAULT now(),
	updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Log-in is case-insensitive on the name, so "Engineer" and "engineer" are one account.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));

CREATE TRIGGER users_touch BEFORE UPDATE ON users
	FOR EACH ROW EXECUTE FUNCTION hs_touch_updated_at();

-- The two built-in accounts of the product.  Their default passwords are PUBLIC: they are
-- printed in the vendor's manual (engineer / Teleph0ny!, supervisor / M1t3l!Superv!sor).
-- Hence must_change_password: the first log-in must set a new password before anything
-- else.  The hashes below are argon2id (t=3, m=64 MiB, p=1) of those defaults, made once
-- with libcommon/passwd.c; they are not secrets.  libcommon/passwd_test.c checks that they
-- still verify against the manual's passwords.  Rights: engineer has every right,
-- supervisor the supervisor set; the permission model arrives in a later migration and keys
-- off these names and is_builtin.
INSERT INTO users (username, display_name, password_hash, must_change_password, is_builtin)
VALUES
	('engineer', 'Engineer',
	 '$argon2id$v=19$m=65536,t=3,p=1$SBuCjJz9BCsJOUtkT4yF/Q$WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s',
	 true, true),
	('supervisor', 'Supervisor',
	 '$argon2id$v=19$m=65536,t=3,p=1$cpDKB80sHris8Cx/P5lpmg$bIeqiTZJhRM8WZwNK9uLe2YCqn8/e1PJKrYZhRijt9Y',
	 true, true);

-- ---- audit trail ------------------------------------------------------------------------

-- Who did what, from where.  username is copied at the time of the event so the trail
-- survives renaming or deleting the account (user_id then becomes NULL).
CREATE TABLE audit_events (
	id        bigserial PRIMARY KEY,
	ts        timestamptz NOT NULL DEFAULT now(),
	user_id   bigint REFERENCES users (id) ON DELETE SET NULL,
	username  text,
	action    text NOT NULL,       -- e.g. 'user.login', 'settings.update'
	target    text,                -- what was acted on, e.g. a user name or a setting key
	details   jsonb,
	client_ip inet,
	server_id smallint CHECK (server_id BETWEEN 1 AND 99) -- not a foreign key: see alerts
);

CREATE INDEX audit_events_ts_idx ON audit_events (ts DESC);
-- Serves "events of this user" and keeps ON DELETE SET NULL from scanning the table.
CREATE INDEX audit_events_user_id_idx ON audit_events (user_id) WHERE user_id IS NOT NULL;
