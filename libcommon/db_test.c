/*
 * db_test.c - hs_db against a real PostgreSQL: connecting, prepared statements, transactions,
 * LISTEN/NOTIFY through a libuv loop, and recovery from a killed backend.
 *
 * HS_TEST_DSN is the conninfo of a scratch database on a test cluster (make test provides
 * it).  Each test creates its own database next to it and drops it afterwards, so several
 * test binaries may share the cluster at once.  Without HS_TEST_DSN every test fails: a
 * skipped database test would let a broken db.c pass unnoticed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "loop.h"
#include "testdb.h"

/* ---- scratch databases (test/support/testdb.h) ------------------------------------------ */

static int
testdb_setup(void **state)
{
	struct hs_testdb *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	*state = t;
	return hs_testdb_create(t, "db");
}

static int
testdb_teardown(void **state)
{
	struct hs_testdb *t = *state;

	if (t == NULL)
		return 0;
	hs_testdb_drop(t);
	free(t);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static hs_db *
open_db(const struct hs_testdb *t, uv_loop_t *loop)
{
	hs_db *db;

	assert_int_equal(hs_db_open(&db, t->conninfo, loop), HS_OK);
	if (hs_db_connect(db, 5000) != HS_OK)
		fail_msg("connect: %s", hs_db_error(db));
	return db;
}

/* Runs one row, one column of SQL text and returns the value as a number. */
static long
query_long(hs_db *db, const char *sql)
{
	PGresult *r;
	long v;

	if (hs_db_exec_sql(db, sql, &r) != HS_OK)
		fail_msg("%s: %s", sql, hs_db_error(db));
	assert_int_equal(PQntuples(r), 1);
	v = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static long
exec_long(hs_db *db, const char *name)
{
	PGresult *r;
	long v;

	if (hs_db_exec(db, name, 0, NULL, &r) != HS_OK)
		fail_msg("exec %s: %s", name, hs_db_error(db));
	v = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* Kills the backend serving db from another connection and waits until it is gone. */
static void
kill_backend(hs_db *db)
{
	int pid = PQbackendPID(hs_db_conn(db));
	PGconn *c = hs_testdb_connect(hs_testdb_dsn()); /* ours may refuse connections just now */

	assert_true(pid > 0);
	hs_testdb_exec(c, "SELECT pg_terminate_backend(%d, 5000)", pid);
	PQfinish(c);
}

static bool timer_fired;

static void
timeout_cb(uv_timer_t *t)
{
	timer_fired = true;
	uv_stop(t->loop);
}

/* Runs the loop until *counter reaches want or ms pass; true if it did. */
static bool
run_until(uv_loop_t *loop, const int *counter, int want, int ms)
{
	static uv_timer_t timer;

	timer_fired = false;
	uv_timer_init(loop, &timer);
	uv_timer_start(&timer, timeout_cb, (uint64_t)ms, 0);
	while (*counter < want && !timer_fired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(loop, UV_RUN_NOWAIT); /* completes the close */
	return *counter >= want;
}

/* Closes db and checks the loop is left with no handle. */
static void
close_loop_db(uv_loop_t *loop, hs_db *db)
{
	hs_db_close(db);
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(loop), 0);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_connect_fails(void **state)
{
	hs_db *db;
	long long t0, ms;
	PGresult *r = (PGresult *)1;

	(void)state;
	assert_int_equal(hs_db_open(&db, "host=/nonexistent/hookswitch dbname=x user=x "
	    "connect_timeout=2", NULL), HS_OK);
	assert_false(hs_db_connected(db));
	assert_int_equal(hs_db_exec_sql(db, "SELECT 1", &r), HS_EDB);
	assert_null(r);
	assert_non_null(strstr(hs_db_error(db), "not connected"));

	t0 = hs_mono_ms();
	assert_int_equal(hs_db_connect(db, 700), HS_EDB);
	ms = hs_mono_ms() - t0;
	assert_true(ms >= 600);
	assert_true(ms < 2500);
	assert_true(strlen(hs_db_error(db)) > 0);
	assert_true(hs_db_error(db)[strlen(hs_db_error(db)) - 1] != '\n');
	assert_false(hs_db_connected(db));

	t0 = hs_mono_ms();
	assert_int_equal(hs_db_connect(db, 0), HS_EDB);
	assert_true(hs_mono_ms() - t0 < 500);
	hs_db_close(db);

	/* malformed conninfo: no retrying, the message says why */
	assert_int_equal(hs_db_open(&db, "this is not a conninfo", NULL), HS_OK);
	t0 = hs_mono_ms();
	assert_int_equal(hs_db_connect(db, 5000), HS_EDB);
	assert_true(hs_mono_ms() - t0 < 500);
	assert_true(strlen(hs_db_error(db)) > 0);
	hs_db_close(db);
}

static void
test_prepare_exec(void **state)
{
	const struct hs_testdb *t = *state;
	hs_db *db = open_db(t, NULL), *db2;
	const char *p[2];
	PGresult *r;

	assert_true(hs_db_connected(db));
	assert_int_equal(hs_db_exec_sql(db, "CREATE TABLE t (a int PRIMARY KEY, b text);"
	    "CREATE TABLE u (x int)", NULL), HS_OK);
	assert_int_equal(hs_db_prepare(db, "ins",
	    "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING a, b IS NULL"), HS_OK);
	assert_int_equal(hs_db_prepare(db, "get", "SELECT b FROM t WHERE a = $1"), HS_OK);

	p[0] = "1";
	p[1] = "it's \"quoted\"; DROP TABLE t; --";
	assert_int_equal(hs_db_exec(db, "ins", 2, p, NULL), HS_OK);
	p[0] = "2";
	p[1] = NULL;
	assert_int_equal(hs_db_exec(db, "ins", 2, p, &r), HS_OK);
	assert_int_equal(PQntuples(r), 1);
	assert_string_equal(PQgetvalue(r, 0, 0), "2");
	assert_string_equal(PQgetvalue(r, 0, 1), "t");
	PQclear(r);

	p[0] = "1";
	assert_int_equal(hs_db_exec(db, "get", 1, p, &r), HS_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), "it's \"quoted\"; DROP TABLE t; --");
	PQclear(r);
	p[0] = "2";
	assert_int_equal(hs_db_exec(db, "get", 1, p, &r), HS_OK);
	assert_true(PQgetisnull(r, 0, 0));
	PQclear(r);

	/* a constraint violation is a database error with PostgreSQL's words */
	p[0] = "1";
	p[1] = "again";
	assert_int_equal(hs_db_exec(db, "ins", 2, p, NULL), HS_EDB);
	assert_non_null(strstr(hs_db_error(db), "duplicate key"));
	assert_true(hs_db_connected(db));

	/* unknown statement */
	r = (PGresult *)1;
	assert_int_equal(hs_db_exec(db, "nope", 0, NULL, &r), HS_ENOTFOUND);
	assert_null(r);
	assert_int_equal(hs_db_exec(db, "ins", 1, NULL, NULL), HS_EINVAL);

	/* bad SQL is refused at prepare time and not registered */
	assert_int_equal(hs_db_prepare(db, "bad", "SELEKT 1"), HS_EDB);
	assert_true(strncmp(hs_db_error(db), "ERROR: syntax error", 19) == 0);
	assert_int_equal(hs_db_exec(db, "bad", 0, NULL, NULL), HS_ENOTFOUND);
	assert_int_equal(hs_db_prepare(db, "bad2", "SELECT * FROM missing_table"), HS_EDB);
	assert_int_equal(hs_db_exec(db, "bad2", 0, NULL, NULL), HS_ENOTFOUND);

	/* same name: same SQL is a no-op, other SQL a bug */
	assert_int_equal(hs_db_prepare(db, "get", "SELECT b FROM t WHERE a = $1"), HS_OK);
	assert_int_equal(hs_db_prepare(db, "get", "SELECT a FROM t WHERE a = $1"), HS_EEXIST);

	/* SQL text: errors, trimmed, libpq's double space after the severity made single */
	assert_int_equal(hs_db_exec_sql(db, "SELECT * FROM nope", NULL), HS_EDB);
	assert_string_equal(hs_db_error(db),
	    "ERROR: relation \"nope\" does not exist\nLINE 1: SELECT * FROM nope\n"
	    "                      ^");
	assert_int_equal(hs_db_exec_sql(db, "-- nothing", NULL), HS_OK);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 2);
	hs_db_close(db);

	/* statements registered before connecting are prepared by the connect */
	assert_int_equal(hs_db_open(&db2, t->conninfo, NULL), HS_OK);
	assert_int_equal(hs_db_prepare(db2, "count", "SELECT count(*) FROM t"), HS_OK);
	assert_int_equal(hs_db_exec(db2, "count", 0, NULL, NULL), HS_EDB);
	assert_int_equal(hs_db_connect(db2, 5000), HS_OK);
	assert_int_equal(query_long(db2,
	    "SELECT count(*) FROM pg_prepared_statements WHERE name = 'count'"), 1);
	assert_int_equal(exec_long(db2, "count"), 2);
	hs_db_close(db2);
}

static void
test_transactions(void **state)
{
	const struct hs_testdb *t = *state;
	hs_db *db = open_db(t, NULL);
	const char *p[1] = { "1" };

	assert_int_equal(hs_db_exec_sql(db, "CREATE TABLE t (a int PRIMARY KEY)", NULL),
	    HS_OK);
	assert_int_equal(hs_db_prepare(db, "ins", "INSERT INTO t VALUES ($1)"), HS_OK);

	/* rollback leaves nothing */
	assert_int_equal(hs_db_begin(db), HS_OK);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_OK);
	assert_int_equal(hs_db_begin(db), HS_EINVAL);
	hs_db_rollback(db);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 0);

	/* commit keeps */
	assert_int_equal(hs_db_begin(db), HS_OK);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_OK);
	assert_int_equal(hs_db_commit(db), HS_OK);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 1);

	/* a failed statement dooms the transaction: COMMIT reports it */
	p[0] = "2";
	assert_int_equal(hs_db_begin(db), HS_OK);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_OK);
	p[0] = "1";
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_EDB);
	assert_int_equal(hs_db_commit(db), HS_EDB);
	assert_non_null(strstr(hs_db_error(db), "rolled back"));
	hs_db_rollback(db);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 1);

	/* rollback and commit outside a transaction */
	hs_db_rollback(db);
	assert_int_equal(hs_db_commit(db), HS_EDB);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 1);
	hs_db_close(db);
}

struct notes {
	int n;
	char channel[8][64];
	char payload[8][64];
};

static void
on_notify(void *arg, const char *channel, const char *payload)
{
	struct notes *g = arg;

	if (g->n < 8) {
		snprintf(g->channel[g->n], sizeof(g->channel[0]), "%s", channel);
		snprintf(g->payload[g->n], sizeof(g->payload[0]), "%s", payload);
	}
	g->n++;
}

static void
test_listen(void **state)
{
	const struct hs_testdb *t = *state;
	struct notes g = { 0 };
	uv_loop_t loop;
	hs_db *db, *plain;
	PGconn *other;

	/* LISTEN needs a loop */
	plain = open_db(t, NULL);
	assert_int_equal(hs_db_listen(plain, "hs_test", on_notify, &g), HS_EINVAL);
	hs_db_close(plain);

	assert_int_equal(uv_loop_init(&loop), 0);
	db = open_db(t, &loop);
	assert_int_equal(hs_db_listen(db, "hs_test", on_notify, &g), HS_OK);
	/* a channel name that only works quoted */
	assert_int_equal(hs_db_listen(db, "Hs Config; x", on_notify, &g), HS_OK);

	other = hs_testdb_connect(t->conninfo);
	hs_testdb_exec(other, "NOTIFY hs_test, 'hello'");
	hs_testdb_exec(other, "SELECT pg_notify('Hs Config; x', 'quoted')");
	hs_testdb_exec(other, "NOTIFY not_listened, 'no'");
	assert_true(run_until(&loop, &g.n, 2, 5000));
	assert_string_equal(g.channel[0], "hs_test");
	assert_string_equal(g.payload[0], "hello");
	assert_string_equal(g.channel[1], "Hs Config; x");
	assert_string_equal(g.payload[1], "quoted");

	/*
	 * A notification that arrives with a query's answer (here our own NOTIFY) never makes
	 * the socket readable again; it must still be delivered, on the loop, not inside exec.
	 */
	assert_int_equal(hs_db_exec_sql(db, "NOTIFY hs_test, 'self'", NULL), HS_OK);
	assert_int_equal(g.n, 2);
	assert_true(run_until(&loop, &g.n, 3, 5000));
	assert_string_equal(g.payload[2], "self");

	/* inside a transaction, at commit */
	hs_testdb_exec(other, "BEGIN");
	hs_testdb_exec(other, "NOTIFY hs_test, 'tx'");
	assert_false(run_until(&loop, &g.n, 4, 200));
	hs_testdb_exec(other, "COMMIT");
	assert_true(run_until(&loop, &g.n, 4, 5000));
	assert_string_equal(g.payload[3], "tx");
	assert_false(run_until(&loop, &g.n, 5, 200));
	PQfinish(other);

	close_loop_db(&loop, db);
}

/* Without a loop: the query that finds the backend gone resets and is retried once. */
static void
test_reset(void **state)
{
	const struct hs_testdb *t = *state;
	hs_db *db = open_db(t, NULL);
	const char *p[1] = { "1" };
	long pid1, pid2;

	assert_int_equal(hs_db_exec_sql(db, "CREATE TABLE t (a int)", NULL), HS_OK);
	assert_int_equal(hs_db_prepare(db, "pid", "SELECT pg_backend_pid()"), HS_OK);
	assert_int_equal(hs_db_prepare(db, "ins", "INSERT INTO t VALUES ($1)"), HS_OK);
	pid1 = exec_long(db, "pid");

	kill_backend(db);
	pid2 = exec_long(db, "pid");
	assert_true(pid2 != pid1);
	assert_true(hs_db_connected(db));
	assert_int_equal(query_long(db, "SELECT count(*) FROM pg_prepared_statements"), 2);

	/* inside a transaction the work is gone: everything fails until the rollback */
	assert_int_equal(hs_db_begin(db), HS_OK);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_OK);
	kill_backend(db);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_EDB);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_EDB);
	assert_non_null(strstr(hs_db_error(db), "inside a transaction"));
	assert_int_equal(hs_db_commit(db), HS_EDB);
	hs_db_rollback(db);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 0);
	assert_int_equal(hs_db_exec(db, "ins", 1, p, NULL), HS_OK);
	assert_int_equal(query_long(db, "SELECT count(*) FROM t"), 1);
	hs_db_close(db);
}

static void
on_reconnect(void *arg, hs_db *db)
{
	(void)db;
	(*(int *)arg)++;
}

/*
 * With a loop: the database refuses connections for a while, so the immediate reset fails,
 * the query fails, and the reconnect timer brings the session back (statements prepared,
 * channels listened) once connections are allowed again.  Then a backend killed while idle
 * is noticed by the LISTEN poll alone, without any query.
 */
static void
test_reconnect(void **state)
{
	const struct hs_testdb *t = *state;
	struct notes g = { 0 };
	int reconnects = 0;
	long pid1, pid2;
	uv_loop_t loop;
	PGconn *maint, *other;
	hs_db *db;
	long long t0;

	assert_int_equal(uv_loop_init(&loop), 0);
	db = open_db(t, &loop);
	hs_db_on_reconnect(db, on_reconnect, &reconnects);
	assert_int_equal(hs_db_prepare(db, "pid", "SELECT pg_backend_pid()"), HS_OK);
	assert_int_equal(hs_db_listen(db, "hs_rc", on_notify, &g), HS_OK);
	pid1 = exec_long(db, "pid");

	maint = hs_testdb_connect(hs_testdb_dsn());
	hs_testdb_exec(maint, "ALTER DATABASE %s ALLOW_CONNECTIONS false", t->name);
	kill_backend(db);
	assert_int_equal(hs_db_exec(db, "pid", 0, NULL, NULL), HS_EDB);
	assert_false(hs_db_connected(db));
	/* while the timer is pending, queries fail at once */
	t0 = hs_mono_ms();
	assert_int_equal(hs_db_exec(db, "pid", 0, NULL, NULL), HS_EDB);
	assert_true(hs_mono_ms() - t0 < 100);
	assert_non_null(strstr(hs_db_error(db), "reconnecting"));
	/* the attempts at 0.2 s and 0.6 s fail */
	assert_false(run_until(&loop, &reconnects, 1, 700));

	hs_testdb_exec(maint, "ALTER DATABASE %s ALLOW_CONNECTIONS true", t->name);
	assert_true(run_until(&loop, &reconnects, 1, 15000));
	assert_true(hs_db_connected(db));
	assert_int_equal(query_long(db,
	    "SELECT count(*) FROM pg_prepared_statements WHERE name = 'pid'"), 1);
	pid2 = exec_long(db, "pid");
	assert_true(pid2 != pid1);
	other = hs_testdb_connect(t->conninfo);
	hs_testdb_exec(other, "NOTIFY hs_rc, 'after'");
	assert_true(run_until(&loop, &g.n, 1, 5000));
	assert_string_equal(g.payload[0], "after");

	/* killed while idle: the poll notices, the timer reconnects, no query needed */
	kill_backend(db);
	assert_true(run_until(&loop, &reconnects, 2, 15000));
	assert_true(hs_db_connected(db));
	assert_true(exec_long(db, "pid") != pid2);
	hs_testdb_exec(other, "NOTIFY hs_rc, 'again'");
	assert_true(run_until(&loop, &g.n, 2, 5000));
	assert_string_equal(g.payload[1], "again");

	/* a reset done inside a query reports the reconnect too, from the loop */
	kill_backend(db);
	assert_int_equal(hs_db_exec(db, "pid", 0, NULL, NULL), HS_OK);
	assert_int_equal(reconnects, 2);
	assert_true(run_until(&loop, &reconnects, 3, 5000));

	PQfinish(other);
	PQfinish(maint);
	close_loop_db(&loop, db);
}

/* Closing from inside a notification callback is allowed. */
static void
close_from_cb(void *arg, const char *channel, const char *payload)
{
	hs_db **dbp = arg;

	(void)channel;
	(void)payload;
	hs_db_close(*dbp);
	*dbp = NULL;
}

static void
test_close_in_callback(void **state)
{
	const struct hs_testdb *t = *state;
	uv_loop_t loop;
	hs_db *db;
	PGconn *other;
	int zero = 0;

	assert_int_equal(uv_loop_init(&loop), 0);
	db = open_db(t, &loop);
	assert_int_equal(hs_db_listen(db, "hs_x", close_from_cb, &db), HS_OK);
	assert_int_equal(hs_db_listen(db, "hs_x", close_from_cb, &db), HS_OK);
	other = hs_testdb_connect(t->conninfo);
	hs_testdb_exec(other, "NOTIFY hs_x, '1'; NOTIFY hs_x, '2'");
	PQfinish(other);
	(void)run_until(&loop, &zero, 1, 200);
	assert_null(db);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_fails),
		cmocka_unit_test_setup_teardown(test_prepare_exec, testdb_setup,
		    testdb_teardown),
		cmocka_unit_test_setup_teardown(test_transactions, testdb_setup,
		    testdb_teardown),
		cmocka_unit_test_setup_teardown(test_listen, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_reset, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_close_in_callback, testdb_setup,
		    testdb_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
