/*
 * conf_test.c - unit tests of the configuration store (conf.c, conf_keys.c).
 *
 * Files are written into a fresh mkdtemp folder under /tmp, so runs in parallel do not
 * collide; environments are passed as arrays, so the process environment is never touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"

#ifndef HS_DATADIR
#define HS_DATADIR "/usr/share/hookswitch"
#endif

static char tmpdir[] = "/tmp/hs_conf_test.XXXXXX";
static char conf_path[256];
static char expect[1024];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(conf_path, sizeof(conf_path), "%s/hookswitch.conf", tmpdir);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int
conf_setup(void **state)
{
	*state = hs_conf_new();
	return *state != NULL ? 0 : -1;
}

static int
conf_teardown(void **state)
{
	hs_conf_free(*state);
	return 0;
}

static void
write_conf(const char *text, size_t len)
{
	FILE *fp = fopen(conf_path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Writes text as the configuration file and loads it. */
static hs_err
load_text(hs_conf *conf, const char *text)
{
	write_conf(text, strlen(text));
	return hs_conf_load(conf, conf_path);
}

static const char *
at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The expected message with the file name in front: at("3: unknown ...") */
static const char *
at(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(expect, sizeof(expect), "%s:", conf_path);

	va_start(ap, fmt);
	vsnprintf(expect + n, sizeof(expect) - (size_t)n, fmt, ap);
	va_end(ap);
	return expect;
}

/* ---- defaults and precedence ------------------------------------------------------------ */

static void
defaults_apply(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(hs_conf_int(conf, "server.id"), 1);
	assert_string_equal(hs_conf_str(conf, "server.name"), "");
	assert_string_equal(hs_conf_str(conf, "server.roles"), "all");
	assert_string_equal(hs_conf_str(conf, "db.conninfo"), "dbname=hookswitch");
	assert_int_equal(hs_conf_int(conf, "db.connect_timeout"), 30);
	assert_string_equal(hs_conf_str(conf, "log.level"), "info");
	assert_string_equal(hs_conf_str(conf, "log.dir"), "/var/log/hookswitch");
	assert_int_equal(hs_conf_int(conf, "log.max_size"), 10 * 1024 * 1024);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 5);
	assert_int_equal(hs_conf_int(conf, "log.archive_time"), 60);
	assert_int_equal(hs_conf_int(conf, "log.archive_keep"), 7);
	assert_string_equal(hs_conf_str(conf, "bus.dir"), "/run/hookswitch");
	assert_false(hs_conf_bool(conf, "bus.tcp"));
	assert_int_equal(hs_conf_int(conf, "bus.tcp"), 0);
	assert_int_equal(hs_conf_int(conf, "bus.tcp_base"), 8210);
	assert_int_equal(hs_conf_int(conf, "bus.heartbeat_ms"), 1000);
	assert_string_equal(hs_conf_str(conf, "paths.migrations"), HS_DATADIR "/migrations");
	assert_int_equal(hs_conf_int(conf, "watchdog.hang_timeout"), 10);
	assert_int_equal(hs_conf_int(conf, "watchdog.disk_check_interval"), 60);
	for (const struct hs_conf_def *d = hs_conf_keys; d->key != NULL; d++)
		assert_string_equal(hs_conf_origin(conf, d->key), "default");
}

static void
table_has_the_documented_keys(void **state)
{
	static const char *const keys[] = {"server.id", "server.name", "server.host",
	    "server.roles", "db.conninfo", "db.connect_timeout", "log.level", "log.file",
	    "log.dir", "log.max_size", "log.keep", "log.archive_dir", "log.archive_time",
	    "log.archive_keep", "bus.dir", "bus.tcp", "bus.tcp_base", "bus.heartbeat_ms",
	    "paths.migrations", "paths.bindir", "paths.state", "watchdog.hang_timeout",
	    "watchdog.backoff_max", "watchdog.stable_after", "watchdog.stop_timeout",
	    "watchdog.disk_check_interval", "cti.keepalive", "cti.reconnect_max", "web.listen",
	    "web.http_port", "web.https_port", "web.threads", "web.root", "web.tls_dir",
	    "recorder.sip_listen", "recorder.sip_port", "recorder.sip_allowed", "recorder.sip_user",
	    "recorder.sip_password", "recorder.max_ports", "recorder.rtp_port_min",
	    "recorder.rtp_port_max", "recorder.answer_delay_ms", "recorder.rtp_timeout",
	    "recorder.path", "recorder.format", "recorder.jitter_ms",
	    "recorder.mirror_interfaces", "recorder.mirror_sip_ports", "recorder.mirror_rtp_ports",
	    "recorder.pbx_addresses", "recorder.mirror_max_calls", "recorder.mirror_idle",
	    "recorder.mirror_buffer_mb", "recorder.exclude_internal", "recorder.key_file",
	    "recorder.encrypt", "recorder.dat_sidecar", "recorder.retention_days",
	    "recorder.link_interval", "recorder.dtmf_pause", "recorder.dtmf_resume",
	    "recorder.archive_paths", "recorder.archive_delay_hours", "recorder.archive_interval"};
	size_t n = 0;

	(void)state;
	while (hs_conf_keys[n].key != NULL) {
		assert_true(n < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(hs_conf_keys[n].key, keys[n]);
		assert_non_null(hs_conf_keys[n].help);
		n++;
	}
	assert_int_equal(n, sizeof(keys) / sizeof(keys[0]));
}

static void
file_overrides_defaults(void **state)
{
	hs_conf *conf = *state;
	char origin[300];

	assert_int_equal(load_text(conf, "; comment\n[server]\nid = 7\n\n[log]\nlevel = debug\n"
	    "max_size = 64K\narchive_time = 23:30\n[bus]\ntcp = yes\n"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "server.id"), 7);
	assert_string_equal(hs_conf_str(conf, "log.level"), "debug");
	assert_int_equal(hs_conf_int(conf, "log.max_size"), 64 * 1024);
	assert_int_equal(hs_conf_int(conf, "log.archive_time"), 23 * 60 + 30);
	assert_true(hs_conf_bool(conf, "bus.tcp"));
	assert_int_equal(hs_conf_int(conf, "log.keep"), 5);
	snprintf(origin, sizeof(origin), "%s:3", conf_path);
	assert_string_equal(hs_conf_origin(conf, "server.id"), origin);
	assert_string_equal(hs_conf_origin(conf, "log.keep"), "default");
}

static void
env_overrides_file(void **state)
{
	hs_conf *conf = *state;
	char *env[] = {"PATH=/bin", "HOOKSWITCH_LOG_KEEP=9", "HOOKSWITCH_LOG_MAX_SIZE=1M",
	    NULL};

	assert_int_equal(load_text(conf, "[log]\nkeep = 3\nlevel = warn\n"), HS_OK);
	assert_int_equal(hs_conf_apply_env(conf, env), HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 9);
	assert_int_equal(hs_conf_int(conf, "log.max_size"), 1024 * 1024);
	assert_string_equal(hs_conf_str(conf, "log.level"), "warn");
	assert_string_equal(hs_conf_origin(conf, "log.keep"), "env HOOKSWITCH_LOG_KEEP");
	assert_string_equal(hs_conf_origin(conf, "log.max_size"),
	    "env HOOKSWITCH_LOG_MAX_SIZE");
}

static void
whitespace_comments_and_indent(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "\xEF\xBB\xBF[db]\r\n  conninfo =  host=x dbname=y "
	    "; inline comment\r\n# hash comment\n[log]\nlevel = info\n    keep = 3\n"
	    "file:/tmp/x.log\n"), HS_OK);
	assert_string_equal(hs_conf_str(conf, "db.conninfo"), "host=x dbname=y");
	/* Indented keys are keys, not continuation lines. */
	assert_int_equal(hs_conf_int(conf, "log.keep"), 3);
	assert_string_equal(hs_conf_str(conf, "log.file"), "/tmp/x.log");
}

static void
later_line_wins(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[log]\nkeep = 3\n[server]\nid=2\n[log]\nkeep = 4\n"),
	    HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 4);
	assert_string_equal(hs_conf_origin(conf, "log.keep"), at("6"));
}

/* ---- file errors ------------------------------------------------------------------------ */

static void
bad_integer_names_file_line_key(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[log]\nkeep = 2\n\n[server]\nid = abc\n"),
	    HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("5: server.id: 'abc' is not an integer"));
	assert_int_equal(hs_conf_int(conf, "server.id"), 1);
}

static void
out_of_range(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[server]\nid = 120\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: server.id: 120 is out of range 1..99"));
	assert_int_equal(load_text(conf, "[server]\nid = 0\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: server.id: 0 is out of range 1..99"));
	assert_int_equal(load_text(conf, "[server]\nid = 99999999999999999999999\n"),
	    HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf),
	    at("2: server.id: 99999999999999999999999 is out of range 1..99"));
	assert_int_equal(hs_conf_int(conf, "server.id"), 1);
}

static void
unknown_key(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[log]\nlevel = info\n\n; c\n\n\nfoo = 1\n"),
	    HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("7: unknown key 'foo' in section [log]"));
}

static void
unknown_section(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "; typo below\n[lgo]\nlevel = info\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: unknown section [lgo]"));
	/* Even with no key in it. */
	assert_int_equal(load_text(conf, "[log]\nkeep = 2\n[lgo]\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("3: unknown section [lgo]"));
	assert_int_equal(load_text(conf, "[]\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("1: unknown section []"));
}

static void
key_outside_section(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "\nid = 1\n[server]\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: key 'id' is outside any section"));
}

static void
missing_key_name(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[log]\n= 3\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: missing key name"));
}

static void
syntax_error_line(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[log]\nlevel = info\n\nthis is not ini\nkeep = 3\n"),
	    HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("4: syntax error"));
	/* Loading stops at the error: the line after it is not applied. */
	assert_int_equal(hs_conf_int(conf, "log.keep"), 5);
	assert_int_equal(load_text(conf, "[log]\nkeep = 3\n[server\nid = 2\n"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("3: syntax error"));
}

static void
first_error_stops_loading(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, "[server]\nid = abc\n[log]\nkeep = 3\nfoo = 1\n"),
	    HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: server.id: 'abc' is not an integer"));
	assert_int_equal(hs_conf_int(conf, "log.keep"), 5);
}

static void
line_too_long(void **state)
{
	hs_conf *conf = *state;
	char text[1200];

	snprintf(text, sizeof(text), "[db]\nconninfo = %01000d\n", 7);
	assert_int_equal(load_text(conf, text), HS_ECONFIG);
	at("2: line longer than ");
	assert_memory_equal(hs_conf_error(conf), expect, strlen(expect));
	assert_string_equal(hs_conf_str(conf, "db.conninfo"), "dbname=hookswitch");
}

static void
nul_byte_rejected(void **state)
{
	hs_conf *conf = *state;
	static const char text[] = "[log]\nfile = a\0b\n";

	write_conf(text, sizeof(text) - 1);
	assert_int_equal(hs_conf_load(conf, conf_path), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), at("2: NUL character in line"));
}

static void
empty_file_is_fine(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(load_text(conf, ""), HS_OK);
	assert_int_equal(load_text(conf, "; only a comment"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "server.id"), 1);
}

static void
missing_explicit_file_is_enotfound(void **state)
{
	hs_conf *conf = *state;
	char path[300], msg[400];

	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	assert_int_equal(hs_conf_load(conf, path), HS_ENOTFOUND);
	snprintf(msg, sizeof(msg), "%s: cannot open: %s", path, strerror(ENOENT));
	assert_string_equal(hs_conf_error(conf), msg);
}

/* hs_conf_load(conf, NULL) reads HS_CONF_DEFAULT_PATH and tolerates its absence.  The test
 * cannot create or remove a file in /etc, so it only runs where that file is absent. */
static void
missing_default_path_tolerated(void **state)
{
	hs_conf *conf = *state;

	if (access(HS_CONF_DEFAULT_PATH, F_OK) == 0 || errno != ENOENT)
		skip();
	assert_int_equal(hs_conf_load(conf, NULL), HS_OK);
	assert_int_equal(hs_conf_int(conf, "server.id"), 1);
}

static void
load_stream_names_source(void **state)
{
	hs_conf *conf = *state;
	static char text[] = "[bus]\ntcp_base = 80\n";
	FILE *fp = fmemopen(text, strlen(text), "r");

	assert_non_null(fp);
	assert_int_equal(hs__conf_load_stream(conf, fp, "mem"), HS_ECONFIG);
	fclose(fp);
	assert_string_equal(hs_conf_error(conf), "mem:2: bus.tcp_base: 80 is out of range "
	    "1024..65000");
}

/* ---- value types ------------------------------------------------------------------------ */

static void
int_parsing(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(hs_conf_set(conf, "log.keep", "+7", "cli"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 7);
	assert_int_equal(hs_conf_set(conf, "log.keep", "  42 ", "cli"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 42);
	assert_int_equal(hs_conf_set(conf, "db.connect_timeout", "0", "cli"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "db.connect_timeout"), 0);
	assert_int_equal(hs_conf_set(conf, "db.connect_timeout", "-1", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf),
	    "cli: db.connect_timeout: -1 is out of range 0..3600");
	assert_int_equal(hs_conf_set(conf, "log.keep", "1e3", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), "cli: log.keep: '1e3' is not an integer");
	assert_int_equal(hs_conf_set(conf, "log.keep", "", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), "cli: log.keep: '' is not an integer");
	assert_int_equal(hs_conf_set(conf, "log.keep", "-", "cli"), HS_ECONFIG);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 42);
}

static void
bool_parsing(void **state)
{
	hs_conf *conf = *state;
	static const char *const yes[] = {"true", "TRUE", "Yes", "on", "1"};
	static const char *const no[] = {"false", "No", "OFF", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(hs_conf_set(conf, "bus.tcp", yes[i], "cli"), HS_OK);
		assert_true(hs_conf_bool(conf, "bus.tcp"));
		assert_int_equal(hs_conf_int(conf, "bus.tcp"), 1);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(hs_conf_set(conf, "bus.tcp", no[i], "cli"), HS_OK);
		assert_false(hs_conf_bool(conf, "bus.tcp"));
	}
	assert_int_equal(hs_conf_set(conf, "bus.tcp", "maybe", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf),
	    "cli: bus.tcp: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)");
	assert_int_equal(hs_conf_set(conf, "bus.tcp", "2", "cli"), HS_ECONFIG);
	assert_int_equal(hs_conf_set(conf, "bus.tcp", "", "cli"), HS_ECONFIG);
	assert_false(hs_conf_bool(conf, "bus.tcp"));
}

static void
size_parsing(void **state)
{
	hs_conf *conf = *state;
	static const struct {
		const char *text;
		long long bytes;
	} ok[] = {
		{"64K", 64LL << 10}, {"64k", 64LL << 10}, {"65536", 65536}, {"10m", 10LL << 20},
		{"1G", 1LL << 30}, {"4G", 4LL << 30}, {"100000", 100000},
	};
	static const char *const bad[] = {"10X", "", "-1", "1.5M", "K", "10 M", "10KB", "0x10"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(hs_conf_set(conf, "log.max_size", ok[i].text, "cli"), HS_OK);
		assert_int_equal(hs_conf_int(conf, "log.max_size"), ok[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hs_conf_set(conf, "log.max_size", bad[i], "cli"), HS_ECONFIG);
		snprintf(expect, sizeof(expect), "cli: log.max_size: '%s' is not a size "
		    "(bytes, or a number with K, M or G)", bad[i]);
		assert_string_equal(hs_conf_error(conf), expect);
	}
	assert_int_equal(hs_conf_set(conf, "log.max_size", "63K", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf),
	    "cli: log.max_size: 63K is out of range 64K..4G");
	assert_int_equal(hs_conf_set(conf, "log.max_size", "4097M", "cli"), HS_ECONFIG);
	assert_int_equal(hs_conf_set(conf, "log.max_size", "99999999999999999999G", "cli"),
	    HS_ECONFIG);
	assert_int_equal(hs_conf_set(conf, "log.max_size", "9999999999999G", "cli"),
	    HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf),
	    "cli: log.max_size: 9999999999999G is out of range 64K..4G");
	assert_int_equal(hs_conf_int(conf, "log.max_size"), 100000);
}

static void
time_parsing(void **state)
{
	hs_conf *conf = *state;
	static const char *const bad[] = {"24:00", "12:60", "1200", "12:5", "ab:cd", "",
	    "12:00:00", "-1:00", "123:00"};

	assert_int_equal(hs_conf_set(conf, "log.archive_time", "00:00", "cli"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.archive_time"), 0);
	assert_int_equal(hs_conf_set(conf, "log.archive_time", "23:59", "cli"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.archive_time"), 1439);
	assert_int_equal(hs_conf_set(conf, "log.archive_time", "7:05", "cli"), HS_OK);
	assert_int_equal(hs_conf_int(conf, "log.archive_time"), 425);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hs_conf_set(conf, "log.archive_time", bad[i], "cli"),
		    HS_ECONFIG);
		snprintf(expect, sizeof(expect), "cli: log.archive_time: '%s' is not a time of "
		    "day (HH:MM, 00:00..23:59)", bad[i]);
		assert_string_equal(hs_conf_error(conf), expect);
	}
	assert_int_equal(hs_conf_int(conf, "log.archive_time"), 425);
}

static void
enum_parsing(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(hs_conf_set(conf, "log.level", "debug", "cli"), HS_OK);
	assert_string_equal(hs_conf_str(conf, "log.level"), "debug");
	/* Matched without regard to case, stored as the table spells it. */
	assert_int_equal(hs_conf_set(conf, "log.level", "WARN", "cli"), HS_OK);
	assert_string_equal(hs_conf_str(conf, "log.level"), "warn");
	assert_int_equal(hs_conf_set(conf, "log.level", "verbose", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf),
	    "cli: log.level: 'verbose' is not one of debug|info|warn|error");
	assert_int_equal(hs_conf_set(conf, "log.level", "inf", "cli"), HS_ECONFIG);
	assert_int_equal(hs_conf_set(conf, "log.level", "info|warn", "cli"), HS_ECONFIG);
	assert_int_equal(hs_conf_set(conf, "log.level", "", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_str(conf, "log.level"), "warn");
}

static void
str_values_kept_verbatim(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(hs_conf_set(conf, "db.conninfo", " host=db port=5433 ", "cli"), HS_OK);
	assert_string_equal(hs_conf_str(conf, "db.conninfo"), "host=db port=5433");
	assert_int_equal(hs_conf_set(conf, "server.name", "", "cli"), HS_OK);
	assert_string_equal(hs_conf_str(conf, "server.name"), "");
}

static void
long_bad_value_is_cut_in_message(void **state)
{
	hs_conf *conf = *state;
	char value[500];

	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	assert_int_equal(hs_conf_set(conf, "log.keep", value, "cli"), HS_ECONFIG);
	assert_true(strlen(hs_conf_error(conf)) < 150);
	assert_non_null(strstr(hs_conf_error(conf), "x...' is not an integer"));
}

static void
set_unknown_key(void **state)
{
	hs_conf *conf = *state;

	assert_int_equal(hs_conf_set(conf, "log.nope", "1", "cli"), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), "cli: unknown key 'log.nope'");
}

/* ---- environment ------------------------------------------------------------------------ */

static void
env_unknown_variable_rejected(void **state)
{
	hs_conf *conf = *state;
	char *env[] = {"HOOKSWITCH_LOG_LEVL=debug", NULL};

	assert_int_equal(hs_conf_apply_env(conf, env), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), "env HOOKSWITCH_LOG_LEVL: unknown variable "
	    "(a setting section.name is HOOKSWITCH_SECTION_NAME)");
}

static void
env_supervisor_variables_ignored(void **state)
{
	hs_conf *conf = *state;
	char *env[] = {"HOOKSWITCH_NOTIFY_FD=3", "HOOKSWITCH_CONFIG=/x.conf", "HOME=/root",
	    "HOOKSWITCHX=1", "HOOKSWITCH_NOEQUALS", NULL};

	assert_int_equal(hs_conf_apply_env(conf, env), HS_OK);
	assert_int_equal(hs_conf_int(conf, "server.id"), 1);
}

static void
env_bad_value_names_variable(void **state)
{
	hs_conf *conf = *state;
	char *env[] = {"HOOKSWITCH_LOG_MAX_SIZE=abc", NULL};

	assert_int_equal(hs_conf_apply_env(conf, env), HS_ECONFIG);
	assert_string_equal(hs_conf_error(conf), "env HOOKSWITCH_LOG_MAX_SIZE: log.max_size: "
	    "'abc' is not a size (bytes, or a number with K, M or G)");
}

static void
env_names_are_exact(void **state)
{
	hs_conf *conf = *state;
	char *lower[] = {"HOOKSWITCH_log_keep=3", NULL};
	char *dotted[] = {"HOOKSWITCH_LOG.KEEP=3", NULL};
	char *prefix[] = {"HOOKSWITCH_LOG_KEE=3", NULL};
	char *longer[] = {"HOOKSWITCH_LOG_KEEPX=3", NULL};
	char *every[] = {"HOOKSWITCH_WATCHDOG_DISK_CHECK_INTERVAL=5",
	    "HOOKSWITCH_DB_CONNINFO=host=a dbname=b", NULL};

	assert_int_equal(hs_conf_apply_env(conf, lower), HS_ECONFIG);
	assert_int_equal(hs_conf_apply_env(conf, dotted), HS_ECONFIG);
	assert_int_equal(hs_conf_apply_env(conf, prefix), HS_ECONFIG);
	assert_int_equal(hs_conf_apply_env(conf, longer), HS_ECONFIG);
	assert_int_equal(hs_conf_int(conf, "log.keep"), 5);
	assert_int_equal(hs_conf_apply_env(conf, every), HS_OK);
	assert_int_equal(hs_conf_int(conf, "watchdog.disk_check_interval"), 5);
	assert_string_equal(hs_conf_str(conf, "db.conninfo"), "host=a dbname=b");
}

/* ---- origins, dump, misuse -------------------------------------------------------------- */

static void
origin_strings(void **state)
{
	hs_conf *conf = *state;
	char *env[] = {"HOOKSWITCH_BUS_DIR=/tmp/bus", NULL};

	assert_int_equal(load_text(conf, "[server]\n\nname = pbx1\n"), HS_OK);
	assert_int_equal(hs_conf_apply_env(conf, env), HS_OK);
	assert_int_equal(hs_conf_set(conf, "log.level", "debug", "cli -v"), HS_OK);
	assert_string_equal(hs_conf_origin(conf, "server.id"), "default");
	assert_string_equal(hs_conf_origin(conf, "server.name"), at("3"));
	assert_string_equal(hs_conf_origin(conf, "bus.dir"), "env HOOKSWITCH_BUS_DIR");
	assert_string_equal(hs_conf_origin(conf, "log.level"), "cli -v");
}

static void
dump_lists_every_key_in_table_order(void **state)
{
	hs_conf *conf = *state;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, n = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(hs_conf_set(conf, "log.max_size", "1048576", "cli"), HS_OK);
	hs_conf_dump(conf, fp);
	fclose(fp);
	assert_non_null(strstr(buf, "server.id = 1  # default\n"));
	assert_non_null(strstr(buf, "log.max_size = 1M  # cli\n"));
	assert_non_null(strstr(buf, "log.archive_time = 01:00  # default\n"));
	assert_non_null(strstr(buf, "bus.tcp = false  # default\n"));
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_non_null(hs_conf_keys[n].key);
		assert_memory_equal(line, hs_conf_keys[n].key, strlen(hs_conf_keys[n].key));
		n++;
	}
	assert_null(hs_conf_keys[n].key);
	free(buf);
}

/* Runs fn in a child and expects it to abort. */
static void
expect_abort(void (*fn)(hs_conf *), hs_conf *conf)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, STDERR_FILENO);
		fn(conf);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void
get_unknown(hs_conf *conf)
{
	hs_conf_int(conf, "server.nope");
}

static void
get_str_of_int(hs_conf *conf)
{
	hs_conf_str(conf, "server.id");
}

static void
get_bool_of_int(hs_conf *conf)
{
	hs_conf_bool(conf, "server.id");
}

static void
get_int_of_str(hs_conf *conf)
{
	hs_conf_int(conf, "log.level");
}

static void
getters_abort_on_misuse(void **state)
{
	hs_conf *conf = *state;

	expect_abort(get_unknown, conf);
	expect_abort(get_str_of_int, conf);
	expect_abort(get_bool_of_int, conf);
	expect_abort(get_int_of_str, conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, conf_setup, conf_teardown)
		T(defaults_apply),
		T(table_has_the_documented_keys),
		T(file_overrides_defaults),
		T(env_overrides_file),
		T(whitespace_comments_and_indent),
		T(later_line_wins),
		T(bad_integer_names_file_line_key),
		T(out_of_range),
		T(unknown_key),
		T(unknown_section),
		T(key_outside_section),
		T(missing_key_name),
		T(syntax_error_line),
		T(first_error_stops_loading),
		T(line_too_long),
		T(nul_byte_rejected),
		T(empty_file_is_fine),
		T(missing_explicit_file_is_enotfound),
		T(missing_default_path_tolerated),
		T(load_stream_names_source),
		T(int_parsing),
		T(bool_parsing),
		T(size_parsing),
		T(time_parsing),
		T(enum_parsing),
		T(str_values_kept_verbatim),
		T(long_bad_value_is_cut_in_message),
		T(set_unknown_key),
		T(env_unknown_variable_rejected),
		T(env_supervisor_variables_ignored),
		T(env_bad_value_names_variable),
		T(env_names_are_exact),
		T(origin_strings),
		T(dump_lists_every_key_in_table_order),
		T(getters_abort_on_misuse),
#undef T
	};

	return cmocka_run_group_tests_name("conf", tests, group_setup, group_teardown);
}
