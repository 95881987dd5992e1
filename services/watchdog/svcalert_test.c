/*
 * svcalert_test.c - svc.alert events of the services: which bodies are refused, and what a
 * good one does to the alerts table of a real PostgreSQL (one row per raise while raised, the
 * clear, the queue while the database is away, and open alerts remembered across a restart).
 *
 * The database tests need HS_TEST_DSN (test/run-unit provides it) and fail without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migrate.h"
#include "testdb.h"
#include "watchdog.h"

/* ---- body validation ---------------------------------------------------------------------- */

static hs_err
parse(const char *json, struct wd_svc_alert *a, char *err, size_t errlen)
{
	cJSON *body = cJSON_Parse(json);
	hs_err rv;

	if (body == NULL)
		fail_msg("test JSON does not parse: %s", json);
	err[0] = '\0';
	rv = wd_svc_alert_parse(body, a, err, errlen);
	cJSON_Delete(body);
	return rv;
}

static void
test_parse_good(void **state)
{
	struct wd_svc_alert a;
	char err[160];

	(void)state;
	assert_int_equal(parse("{\"code\":\"logger.spooling\",\"raised\":true,"
			     "\"severity\":\"warning\",\"message\":\"PostgreSQL unreachable: "
			     "120 events spooled to /var/lib/hookswitch/logger/spool.jnl\"}",
			     &a, err, sizeof(err)),
	    HS_OK);
	assert_true(a.raised);
	assert_string_equal(a.code, "logger.spooling");
	assert_string_equal(a.severity, "warning");
	assert_string_equal(a.message, "PostgreSQL unreachable: 120 events spooled to "
				       "/var/lib/hookswitch/logger/spool.jnl");

	/* A clear needs only the code; other fields are ignored. */
	assert_int_equal(parse("{\"code\":\"logger.spooling\",\"raised\":false}", &a, err,
			     sizeof(err)),
	    HS_OK);
	assert_false(a.raised);
	assert_string_equal(a.code, "logger.spooling");
	assert_int_equal(parse("{\"code\":\"a.b\",\"raised\":false,\"severity\":\"odd\","
				"\"message\":7}",
			     &a, err, sizeof(err)),
	    HS_OK);

	/* Every severity, non-ASCII text, unknown fields (newer publishers) are fine. */
	for (const char *const *s = (const char *const[]){ "info", "warning", "error",
		 "critical", NULL };
	     *s != NULL; s++) {
		char json[256];

		snprintf(json, sizeof(json), "{\"code\":\"recorder.disk_2.full\",\"raised\":true,"
		    "\"severity\":\"%s\",\"message\":\"Überlauf ✓ 😀\",\"extra\":[1]}", *s);
		assert_int_equal(parse(json, &a, err, sizeof(err)), HS_OK);
		assert_string_equal(a.severity, *s);
		assert_string_equal(a.message, "Überlauf ✓ 😀");
	}
}

static void
test_parse_bad(void **state)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
		{ "[1,2]", "not a JSON object" },
		{ "{\"raised\":true,\"severity\":\"info\",\"message\":\"m\"}", "'code'" },
		{ "{\"code\":7,\"raised\":true,\"severity\":\"info\",\"message\":\"m\"}",
		    "'code'" },
		{ "{\"code\":\"Logger.Spooling\",\"raised\":true}", "lower.dot.case" },
		{ "{\"code\":\"logger\",\"raised\":true}", "lower.dot.case" },
		{ "{\"code\":\"logger..spooling\",\"raised\":true}", "lower.dot.case" },
		{ "{\"code\":\".logger.spooling\",\"raised\":true}", "lower.dot.case" },
		{ "{\"code\":\"logger.spooling.\",\"raised\":true}", "lower.dot.case" },
		{ "{\"code\":\"logger.spool-ing\",\"raised\":true}", "lower.dot.case" },
		{ "{\"code\":\"logger.spooling aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaa\",\"raised\":false}",
		    "longer than 63" },
		{ "{\"code\":\"logger.spooling\"}", "'raised'" },
		{ "{\"code\":\"logger.spooling\",\"raised\":1}", "'raised'" },
		{ "{\"code\":\"logger.spooling\",\"raised\":\"true\"}", "'raised'" },
		{ "{\"code\":\"logger.spooling\",\"raised\":true,\"message\":\"m\"}",
		    "'severity'" },
		{ "{\"code\":\"logger.spooling\",\"raised\":true,\"severity\":\"fatal\","
		  "\"message\":\"m\"}",
		    "'severity' must be" },
		{ "{\"code\":\"logger.spooling\",\"raised\":true,\"severity\":\"WARNING\","
		  "\"message\":\"m\"}",
		    "'severity' must be" },
		{ "{\"code\":\"logger.spooling\",\"raised\":true,\"severity\":\"info\"}",
		    "'message'" },
		{ "{\"code\":\"logger.spooling\",\"raised\":true,\"severity\":\"info\","
		  "\"message\":\"\"}",
		    "'message'" },
		{ "{\"code\":\"logger.spooling\",\"raised\":true,\"severity\":\"info\","
		  "\"message\":[\"m\"]}",
		    "'message'" },
	};
	struct wd_svc_alert a;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].json, &a, err, sizeof(err)) != HS_EINVAL)
			fail_msg("accepted: %s", cases[i].json);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("%s: reason '%s' does not say '%s'", cases[i].json, err,
			    cases[i].why);
	}
}

/* Raw bytes cJSON passes through unchecked: PostgreSQL would refuse the row. */
static void
test_parse_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "ab\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xc3\x28", "\xf8\x88\x80\x80\x80",
	};
	struct wd_svc_alert a;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *body = cJSON_CreateObject();

		cJSON_AddStringToObject(body, "code", "logger.spooling");
		cJSON_AddTrueToObject(body, "raised");
		cJSON_AddStringToObject(body, "severity", "error");
		cJSON_AddStringToObject(body, "message", bad[i]);
		err[0] = '\0';
		assert_int_equal(wd_svc_alert_parse(body, &a, err, sizeof(err)), HS_EINVAL);
		assert_non_null(strstr(err, "UTF-8"));
		cJSON_Delete(body);
	}
}

/* A long message is cut to the row's 511 bytes, never inside a character. */
static void
test_parse_long_message_cut_at_character(void **state)
{
	char msg[1300];
	struct wd_svc_alert a;
	char err[160];
	cJSON *body = cJSON_CreateObject();

	(void)state;
	msg[0] = 'x';
	for (int i = 0; i < 600; i++)
		memcpy(msg + 1 + 2 * i, "\xc3\xa9", 2); /* é */
	msg[1201] = '\0';
	cJSON_AddStringToObject(body, "code", "logger.spooling");
	cJSON_AddTrueToObject(body, "raised");
	cJSON_AddStringToObject(body, "severity", "error");
	cJSON_AddStringToObject(body, "message", msg);
	assert_int_equal(wd_svc_alert_parse(body, &a, err, sizeof(err)), HS_OK);
	assert_int_equal(strlen(a.message), 511); /* "x" and 255 whole "é" */
	assert_memory_equal(a.message, msg, 511);
	cJSON_Delete(body);
}

/* ---- against PostgreSQL ------------------------------------------------------------------- */

struct fixture {
	struct hs_testdb pg;
	hs_db *db;
	struct hs_svc svc;
	struct wd wd;
};

static int
db_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *src = getenv("HS_SRCDIR");
	char dir[1024], msg[512];
	int applied = 0;

	assert_non_null(f);
	*state = f;
	hs_testdb_create(&f->pg, "wdalert");
	assert_int_equal(hs_db_open(&f->db, f->pg.conninfo, NULL), HS_OK);
	if (hs_db_connect(f->db, 5000) != HS_OK)
		fail_msg("connect: %s", hs_db_error(f->db));
	snprintf(dir, sizeof(dir), "%s/migrations", src != NULL ? src : ".");
	if (hs_migrate_apply(f->db, dir, &applied, msg, sizeof(msg)) != HS_OK)
		fail_msg("migrate %s: %s", dir, msg);
	/* The watchdog as far as alerts go: server 1, its database, no bus. */
	f->svc.name = "watchdog";
	f->svc.server_id = 1;
	f->svc.db = f->db;
	f->wd.svc = &f->svc;
	f->wd.db_state = WD_DB_OK;
	assert_int_equal(wd_db_prepare(&f->wd), 0);
	return 0;
}

static int
db_teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	wd_svc_alert_fini(&f->wd);
	hs_db_close(f->db);
	hs_testdb_drop(&f->pg);
	free(f);
	return 0;
}

static hs_err
apply(struct fixture *f, const char *source, const char *json)
{
	hs_env ev;
	char err[160];
	hs_err rv;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.type, sizeof(ev.type), "svc.alert");
	snprintf(ev.src, sizeof(ev.src), "%s", source);
	if ((ev.body = cJSON_Parse(json)) == NULL)
		fail_msg("test JSON does not parse: %s", json);
	rv = wd_svc_alert_apply(&f->wd, source, &ev, err, sizeof(err));
	hs_env_clear(&ev);
	return rv;
}

/* One value of SQL text (static buffer), "" for NULL. */
static const char *
value(struct fixture *f, const char *sql)
{
	static char buf[1024];
	PGresult *r;

	if (hs_db_exec_sql(f->db, sql, &r) != HS_OK)
		fail_msg("%s: %s", sql, hs_db_error(f->db));
	assert_int_equal(PQntuples(r), 1);
	snprintf(buf, sizeof(buf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

static int
count(struct fixture *f, const char *where)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM alerts WHERE %s", where);
	return atoi(value(f, sql));
}

#define RAISE_SPOOL                                                                        \
	"{\"code\":\"logger.spooling\",\"raised\":true,\"severity\":\"warning\","          \
	"\"message\":\"PostgreSQL unreachable: 120 events spooled\"}"
#define CLEAR_SPOOL "{\"code\":\"logger.spooling\",\"raised\":false}"

static void
test_raise_once_then_clear(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(count(f, "true"), 1);
	assert_string_equal(value(f, "SELECT concat_ws('|', server_id, severity, source, code, "
				     "text, details->>'via', cleared_at IS NULL) FROM alerts"),
	    "1|warning|logger|logger.spooling|PostgreSQL unreachable: 120 events spooled|"
	    "svc.alert|t");

	/* Raised again while raised (a new count of spooled events): no second row. */
	assert_int_equal(apply(f, "logger", "{\"code\":\"logger.spooling\",\"raised\":true,"
					    "\"severity\":\"error\",\"message\":\"500 spooled\"}"),
	    HS_OK);
	assert_int_equal(count(f, "true"), 1);

	/* Another service may use the same code: its own alert, cleared on its own. */
	assert_int_equal(apply(f, "recorder", RAISE_SPOOL), HS_OK);
	assert_int_equal(count(f, "cleared_at IS NULL"), 2);

	assert_int_equal(apply(f, "logger", CLEAR_SPOOL), HS_OK);
	assert_int_equal(count(f, "source = 'logger' AND cleared_at IS NOT NULL"), 1);
	assert_int_equal(count(f, "source = 'recorder' AND cleared_at IS NULL"), 1);
	/* Clearing what is not raised writes nothing. */
	assert_int_equal(apply(f, "logger", CLEAR_SPOOL), HS_OK);
	assert_int_equal(apply(f, "logger", "{\"code\":\"logger.never\",\"raised\":false}"),
	    HS_OK);
	assert_int_equal(count(f, "true"), 2);

	/* Raised again after the clear: a new episode, a new row. */
	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(count(f, "source = 'logger'"), 2);
	assert_int_equal(count(f, "source = 'logger' AND cleared_at IS NULL"), 1);
}

static void
test_bad_body_changes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(apply(f, "logger", "{\"code\":\"logger.spooling\",\"raised\":\"no\"}"),
	    HS_EINVAL);
	assert_int_equal(apply(f, "logger", "{\"code\":\"BAD\",\"raised\":true,"
					    "\"severity\":\"info\",\"message\":\"m\"}"),
	    HS_EINVAL);
	assert_int_equal(apply(f, "logger", "\"just a string\""), HS_EINVAL);
	assert_int_equal(count(f, "true"), 1);
	assert_int_equal(count(f, "cleared_at IS NULL"), 1);
}

/*
 * The logger raises logger.spooling because PostgreSQL is down, and may clear it before the
 * watchdog writes again: both wait in the queue, and the clear must not overtake the raise.
 */
static void
test_queued_while_database_away(void **state)
{
	struct fixture *f = *state;

	f->wd.db_state = WD_DB_MIGRATION_FAILED; /* writes fail as with the database away */
	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(wd_db_queued_alerts(), 1);
	assert_int_equal(apply(f, "logger", CLEAR_SPOOL), HS_OK);
	assert_int_equal(apply(f, "recorder", RAISE_SPOOL), HS_OK);
	assert_int_equal(wd_db_queued_alerts(), 3);
	assert_int_equal(count(f, "true"), 0);

	f->wd.db_state = WD_DB_OK;
	wd_db_flush_alerts(&f->wd);
	assert_int_equal(wd_db_queued_alerts(), 0);
	assert_int_equal(count(f, "source = 'logger' AND cleared_at IS NOT NULL"), 1);
	assert_int_equal(count(f, "source = 'recorder' AND cleared_at IS NULL"), 1);
	assert_int_equal(count(f, "true"), 2);
}

/* A row PostgreSQL refuses must not hold back the alerts behind it for good. */
static void
test_refused_row_does_not_block_queue(void **state)
{
	struct fixture *f = *state;

	f->wd.db_state = WD_DB_MIGRATION_FAILED;
	/* Not lower.dot.case: the table's CHECK refuses it (svc.alert bodies never get here). */
	wd_alert(&f->wd, "warning", "watchdog", "NOT-A-CODE", NULL, "refused");
	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(wd_db_queued_alerts(), 2);
	f->wd.db_state = WD_DB_OK;
	wd_db_flush_alerts(&f->wd);
	assert_int_equal(wd_db_queued_alerts(), 0);
	assert_int_equal(count(f, "true"), 1);
	assert_int_equal(count(f, "code = 'logger.spooling'"), 1);
}

/* After a watchdog restart the open ones are known: no duplicate, and the clear works. */
static void
test_open_alerts_survive_restart(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	/* The watchdog's own alerts of the same source are not svc.alert ones. */
	wd_alert(&f->wd, "warning", "logger", "service.restarted", NULL, "logger restarted");
	wd_svc_alert_fini(&f->wd);

	wd_svc_alert_load(&f->wd);
	assert_int_equal(hs_map_len(f->wd.svc_alerts), 1);
	assert_int_equal(apply(f, "logger", RAISE_SPOOL), HS_OK);
	assert_int_equal(count(f, "code = 'logger.spooling'"), 1);
	assert_int_equal(apply(f, "logger", CLEAR_SPOOL), HS_OK);
	assert_int_equal(count(f, "cleared_at IS NOT NULL"), 1);
	assert_int_equal(count(f, "code = 'service.restarted' AND cleared_at IS NULL"), 1);
}

/* Text cut by the formatting of wd_alert never ends inside a character (the row would be
 * refused). */
static void
test_alert_text_cut_at_character(void **state)
{
	struct fixture *f = *state;
	char text[800];

	for (int i = 0; i < 266; i++)
		memcpy(text + 3 * i, "\xe2\x9c\x93", 3); /* ✓ */
	text[798] = '\0';
	wd_alert(&f->wd, "info", "watchdog", "watchdog.test", NULL, "%s", text);
	assert_int_equal(wd_db_queued_alerts(), 0);
	assert_int_equal(count(f, "code = 'watchdog.test' AND octet_length(text) = 510"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_bad_utf8),
		cmocka_unit_test(test_parse_long_message_cut_at_character),
		cmocka_unit_test_setup_teardown(test_raise_once_then_clear, db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_bad_body_changes_nothing, db_setup,
		    db_teardown),
		cmocka_unit_test_setup_teardown(test_queued_while_database_away, db_setup,
		    db_teardown),
		cmocka_unit_test_setup_teardown(test_refused_row_does_not_block_queue, db_setup,
		    db_teardown),
		cmocka_unit_test_setup_teardown(test_open_alerts_survive_restart, db_setup,
		    db_teardown),
		cmocka_unit_test_setup_teardown(test_alert_text_cut_at_character, db_setup,
		    db_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
