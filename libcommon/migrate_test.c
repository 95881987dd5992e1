/*
 * migrate_test.c - schema migrations against a real PostgreSQL: status, apply, a failing
 * migration, bad file names, changed files, two servers migrating at once, and the real
 * migrations/ of the tree on an empty database.
 *
 * HS_TEST_DSN is the conninfo of a scratch database on a test cluster (make test provides
 * it); each test creates its own database beside it and drops it afterwards.  Without
 * HS_TEST_DSN the tests fail rather than skip.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "migrate.h"
#include "testdb.h"

/* ---- scratch databases (test/support/testdb.h) and directories -------------------------- */

struct testdb {
	struct hs_testdb pg;
	char dir[64];
	hs_db *db;
};

static int
testdb_setup(void **state)
{
	struct testdb *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	*state = t;
	snprintf(t->dir, sizeof(t->dir), "/tmp/hs_migrate_test.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	hs_testdb_create(&t->pg, "mig");
	assert_int_equal(hs_db_open(&t->db, t->pg.conninfo, NULL), HS_OK);
	if (hs_db_connect(t->db, 5000) != HS_OK)
		fail_msg("connect: %s", hs_db_error(t->db));
	return 0;
}

static void
remove_dir(const char *dir)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
testdb_teardown(void **state)
{
	struct testdb *t = *state;

	if (t == NULL)
		return 0;
	hs_db_close(t->db);
	if (t->dir[0] != '\0')
		remove_dir(t->dir);
	hs_testdb_drop(&t->pg);
	free(t);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
rm(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

/* One value of SQL text as a string (static buffer), "" for NULL. */
static const char *
value(hs_db *db, const char *sql)
{
	static char buf[256];
	PGresult *r;

	if (hs_db_exec_sql(db, sql, &r) != HS_OK)
		fail_msg("%s: %s", sql, hs_db_error(db));
	assert_int_equal(PQntuples(r), 1);
	snprintf(buf, sizeof(buf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

static int
apply(struct testdb *t, const char *dir, char *msg, size_t msglen)
{
	int n = -1;
	hs_err err = hs_migrate_apply(t->db, dir, &n, msg, msglen);

	if (err != HS_OK)
		fail_msg("apply: %s: %s", hs_err_name(err), msg);
	return n;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_apply_and_status(void **state)
{
	struct testdb *t = *state;
	struct hs_migrate_status st;
	char msg[512];

	put(t->dir, "0001_one.sql", "-- first\nCREATE TABLE one (a int);\n");
	put(t->dir, "0002_two.sql",
	    "CREATE TABLE two (b int);\nINSERT INTO two VALUES (1), (2);\n");
	put(t->dir, "README.md", "not a migration\n");
	put(t->dir, ".0003_hidden.sql", "SELECT 1/0;\n");

	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_OK);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.current, 0);
	assert_int_equal(st.latest, 2);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.list[0].version, 1);
	assert_string_equal(st.list[0].name, "one");
	assert_int_equal(st.list[1].version, 2);
	assert_string_equal(st.list[1].name, "two");
	assert_false(st.list[0].applied);
	assert_int_equal(strlen(st.list[0].sha256), 64);
	hs_migrate_status_free(&st);
	/* status is read-only: no schema_version yet */
	assert_string_equal(value(t->db, "SELECT to_regclass('schema_version') IS NULL"), "t");

	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 2);
	assert_string_equal(value(t->db, "SELECT count(*) FROM two"), "2");
	assert_string_equal(value(t->db, "SELECT string_agg(version || ':' || name || ':' || "
	    "(applied_by = current_user), ',' ORDER BY version) FROM schema_version"),
	    "1:one:true,2:two:true");

	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_OK);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.current, 2);
	assert_int_equal(st.latest, 2);
	assert_int_equal(st.pending, 0);
	for (size_t i = 0; i < st.count; i++) {
		char sql[128];

		assert_true(st.list[i].applied);
		assert_false(st.list[i].changed);
		assert_int_equal(strlen(st.list[i].applied_at), 20); /* 2026-11-25T16:02:40Z */
		snprintf(sql, sizeof(sql), "SELECT sha256 FROM schema_version "
		    "WHERE version = %d", st.list[i].version);
		assert_string_equal(value(t->db, sql), st.list[i].sha256);
	}
	hs_migrate_status_free(&st);

	/* nothing twice */
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 0);
	assert_string_equal(value(t->db, "SELECT count(*) FROM two"), "2");

	/* a new file, with a long version number */
	put(t->dir, "00010_ten.sql", "ALTER TABLE one ADD COLUMN c text;\n");
	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_OK);
	assert_int_equal(st.current, 2);
	assert_int_equal(st.latest, 10);
	assert_int_equal(st.pending, 1);
	hs_migrate_status_free(&st);
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 1);
	assert_string_equal(value(t->db, "SELECT max(version) FROM schema_version"), "10");
}

static void
test_failure(void **state)
{
	struct testdb *t = *state;
	struct hs_migrate_status st;
	char msg[512];
	int n = -1;

	put(t->dir, "0001_one.sql", "CREATE TABLE one (a int);\n");
	put(t->dir, "0002_two.sql", "CREATE TABLE two (b int);\n");
	put(t->dir, "0003_bad.sql", "CREATE TABLE three (a int);\n"
	    "INSERT INTO three VALUES (1);\n"
	    "CREATE TABLEX oops (b int);\n");
	put(t->dir, "0004_later.sql", "CREATE TABLE four (a int);\n");

	assert_int_equal(hs_migrate_apply(t->db, t->dir, &n, msg, sizeof(msg)), HS_EDB);
	assert_int_equal(n, 2);
	if (strncmp(msg, "0003_bad.sql: ERROR: syntax error", 33) != 0 ||
	    strstr(msg, "LINE 3: CREATE TABLEX") == NULL)
		fail_msg("unexpected message: %s", msg);
	assert_null(strchr(msg, '\n'));
	assert_string_equal(value(t->db, "SELECT max(version) FROM schema_version"), "2");
	/* the failed file's first statements were rolled back; later files untouched */
	assert_string_equal(value(t->db, "SELECT to_regclass('three') IS NULL"), "t");
	assert_string_equal(value(t->db, "SELECT to_regclass('four') IS NULL"), "t");
	assert_true(hs_db_connected(t->db));

	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_OK);
	assert_int_equal(st.current, 2);
	assert_int_equal(st.latest, 4);
	assert_int_equal(st.pending, 2);
	hs_migrate_status_free(&st);

	/* a runtime error names the file too */
	put(t->dir, "0003_bad.sql",
	    "CREATE TABLE three (a int);\nINSERT INTO three VALUES (1/0);\n");
	assert_int_equal(hs_migrate_apply(t->db, t->dir, &n, msg, sizeof(msg)), HS_EDB);
	assert_int_equal(n, 0);
	assert_string_equal(msg, "0003_bad.sql: ERROR: division by zero");

	/* a migration may not end the transaction it runs in */
	put(t->dir, "0003_bad.sql", "CREATE TABLE three (a int);\nCOMMIT;\n");
	assert_int_equal(hs_migrate_apply(t->db, t->dir, &n, msg, sizeof(msg)), HS_ECONFIG);
	assert_non_null(strstr(msg, "0003_bad.sql: "));
	assert_string_equal(value(t->db, "SELECT max(version) FROM schema_version"), "2");
	assert_int_equal(hs_db_exec_sql(t->db, "DROP TABLE three", NULL), HS_OK);

	/* fixed, the rest goes through */
	put(t->dir, "0003_bad.sql",
	    "CREATE TABLE three (a int);\nINSERT INTO three VALUES (1);\n");
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 2);
	assert_string_equal(value(t->db, "SELECT max(version) FROM schema_version"), "4");
	assert_string_equal(value(t->db, "SELECT count(*) FROM three"), "1");
}

static void
expect_config_error(struct testdb *t, const char *want1, const char *want2)
{
	struct hs_migrate_status st;
	char msg[512];
	int n = -1;

	assert_int_equal(hs_migrate_apply(t->db, t->dir, &n, msg, sizeof(msg)), HS_ECONFIG);
	assert_int_equal(n, 0);
	if (strstr(msg, want1) == NULL || (want2 != NULL && strstr(msg, want2) == NULL))
		fail_msg("message does not name the file: %s", msg);
	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_ECONFIG);
	assert_null(st.list);
	assert_string_equal(value(t->db, "SELECT to_regclass('schema_version') IS NULL"), "t");
}

static void
test_bad_names(void **state)
{
	struct testdb *t = *state;
	struct hs_migrate_status st;
	char msg[512];
	int n = -1;

	put(t->dir, "0001_one.sql", "CREATE TABLE one (a int);\n");

	put(t->dir, "12x.sql", "SELECT 1;\n");
	expect_config_error(t, "12x.sql", NULL);
	rm(t->dir, "12x.sql");

	put(t->dir, "0002_a.sql", "SELECT 1;\n");
	put(t->dir, "2_b.sql", "SELECT 2;\n");
	expect_config_error(t, "0002_a.sql", "2_b.sql");
	rm(t->dir, "2_b.sql");

	put(t->dir, "0003_Upper.sql", "SELECT 1;\n");
	expect_config_error(t, "0003_Upper.sql", NULL);
	rm(t->dir, "0003_Upper.sql");

	put(t->dir, "0000_zero.sql", "SELECT 1;\n");
	expect_config_error(t, "0000_zero.sql", NULL);
	rm(t->dir, "0000_zero.sql");

	put(t->dir, "0004_x.sql.orig", "SELECT 1;\n");
	expect_config_error(t, "0004_x.sql.orig", NULL);
	rm(t->dir, "0004_x.sql.orig");

	put(t->dir, "99999999999_big.sql", "SELECT 1;\n");
	expect_config_error(t, "99999999999_big.sql", NULL);
	rm(t->dir, "99999999999_big.sql");

	put(t->dir, "0005_.sql", "SELECT 1;\n");
	expect_config_error(t, "0005_.sql", NULL);
	rm(t->dir, "0005_.sql");

	/* and with the mistakes gone it works */
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 2);

	assert_int_equal(hs_migrate_status(t->db, "/nonexistent/migrations", &st, msg,
	    sizeof(msg)), HS_ENOTFOUND);
	assert_non_null(strstr(msg, "/nonexistent/migrations"));
	assert_int_equal(hs_migrate_apply(t->db, "/nonexistent/migrations", &n, msg,
	    sizeof(msg)), HS_ENOTFOUND);
	assert_int_equal(n, 0);
}

static void
test_changed_and_unknown(void **state)
{
	struct testdb *t = *state;
	struct hs_migrate_status st;
	char msg[512];

	put(t->dir, "0001_one.sql", "CREATE TABLE one (a int);\n");
	put(t->dir, "0002_two.sql", "CREATE TABLE two (a int);\n");
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 2);

	/* an applied file edited afterwards shows as changed and is not run again */
	put(t->dir, "0001_one.sql", "CREATE TABLE one (a int, b int);\n");
	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_OK);
	assert_true(st.list[0].applied);
	assert_true(st.list[0].changed);
	assert_false(st.list[1].changed);
	assert_int_equal(st.pending, 0);
	hs_migrate_status_free(&st);
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 0);

	/* applied by a newer release: known from the table only */
	rm(t->dir, "0002_two.sql");
	assert_int_equal(hs_migrate_status(t->db, t->dir, &st, msg, sizeof(msg)), HS_OK);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.current, 2);
	assert_int_equal(st.latest, 1);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.list[1].version, 2);
	assert_string_equal(st.list[1].name, "two");
	assert_string_equal(st.list[1].path, "");
	assert_true(st.list[1].applied);
	assert_int_equal(strlen(st.list[1].sha256), 64);
	hs_migrate_status_free(&st);
	assert_int_equal(apply(t, t->dir, msg, sizeof(msg)), 0);
}

struct racer {
	const char *conninfo;
	const char *dir;
	hs_err err;
	int applied;
	char msg[512];
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	hs_db *db;

	if (hs_db_open(&db, r->conninfo, NULL) != HS_OK || hs_db_connect(db, 5000) != HS_OK) {
		r->err = HS_EDB;
		return NULL;
	}
	r->err = hs_migrate_apply(db, r->dir, &r->applied, r->msg, sizeof(r->msg));
	hs_db_close(db);
	return NULL;
}

/* Two servers starting together: the advisory lock makes each file run exactly once. */
static void
test_concurrent(void **state)
{
	struct testdb *t = *state;
	struct racer r[3];
	pthread_t th[3];

	put(t->dir, "0001_one.sql", "SELECT pg_sleep(0.2);\nCREATE TABLE one (a int);\n");
	put(t->dir, "0002_two.sql", "SELECT pg_sleep(0.2);\nCREATE TABLE two (a int);\n");
	put(t->dir, "0003_three.sql", "CREATE TABLE three (a int);\n");
	for (int i = 0; i < 3; i++) {
		r[i] = (struct racer){ .conninfo = t->pg.conninfo, .dir = t->dir, .applied = -1 };
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 3; i++)
		if (r[i].err != HS_OK)
			fail_msg("racer %d: %s: %s", i, hs_err_name(r[i].err), r[i].msg);
	assert_int_equal(r[0].applied + r[1].applied + r[2].applied, 3);
	assert_string_equal(value(t->db, "SELECT count(*) FROM schema_version"), "3");
}

/* The tree's own migrations on an empty database. */
static void
test_real_migrations(void **state)
{
	struct testdb *t = *state;
	const char *srcdir = getenv("HS_SRCDIR");
	struct hs_migrate_status st;
	char dir[4096], msg[1024];
	PGconn *c;
	PGnotify *nt;
	int n;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	snprintf(dir, sizeof(dir), "%s/migrations", srcdir);
	n = apply(t, dir, msg, sizeof(msg));
	assert_true(n >= 1);
	assert_int_equal(hs_migrate_status(t->db, dir, &st, msg, sizeof(msg)), HS_OK);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.current, st.latest);
	assert_int_equal(st.list[0].version, 1);
	assert_string_equal(st.list[0].name, "foundation");
	hs_migrate_status_free(&st);
	assert_int_equal(apply(t, dir, msg, sizeof(msg)), 0);

	assert_string_equal(value(t->db, "SELECT string_agg(username || ':' || "
	    "must_change_password || ':' || is_builtin || ':' || enabled, ','"
	    " ORDER BY username) FROM users WHERE username IN ('engineer', 'supervisor')"),
	    "engineer:true:true:true,supervisor:true:true:true");
	assert_string_equal(value(t->db, "SELECT value FROM settings WHERE server_id = 0 AND "
	    "key = 'watchdog.drive_space_threshold_pct'"), "10");
	assert_string_equal(value(t->db, "SELECT count(*) FROM users WHERE "
	    "lower(username) = 'engineer'"), "1");
	/* the case-insensitive unique name */
	assert_int_equal(hs_db_exec_sql(t->db, "INSERT INTO users (username, password_hash) "
	    "VALUES ('Engineer', '$argon2id$x')", NULL), HS_EDB);
	assert_int_equal(hs_db_exec_sql(t->db, "INSERT INTO users (username, password_hash) "
	    "VALUES ('plain', 'secret')", NULL), HS_EDB);
	assert_int_equal(hs_db_exec_sql(t->db, "INSERT INTO servers (id, name, roles) "
	    "VALUES (1, 'one', '{wcf,cti-host}')", NULL), HS_OK);
	assert_int_equal(hs_db_exec_sql(t->db, "INSERT INTO servers (id, name, roles) "
	    "VALUES (2, 'two', '{wcf,teleporter}')", NULL), HS_EDB);
	assert_int_equal(hs_db_exec_sql(t->db, "INSERT INTO servers (id, name) "
	    "VALUES (100, 'x')", NULL), HS_EDB);

	/* configuration changes are announced on hs_config, with the table name */
	c = PQconnectdb(t->pg.conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "LISTEN hs_config"));
	PQclear(PQexec(c, "UPDATE settings SET value = '15' "
	    "WHERE key = 'watchdog.drive_space_threshold_pct'"));
	assert_int_equal(PQconsumeInput(c), 1);
	assert_non_null(nt = PQnotifies(c));
	assert_string_equal(nt->relname, "hs_config");
	assert_string_equal(nt->extra, "settings");
	PQfreemem(nt);
	PQfinish(c);
	/* and the touch trigger moved updated_at past the migration's time */
	assert_string_equal(value(t->db, "SELECT updated_at > (SELECT applied_at FROM "
	    "schema_version WHERE version = 1) FROM settings "
	    "WHERE key = 'watchdog.drive_space_threshold_pct'"), "t");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_and_status, testdb_setup,
		    testdb_teardown),
		cmocka_unit_test_setup_teardown(test_failure, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, testdb_setup, testdb_teardown),
		cmocka_unit_test_setup_teardown(test_changed_and_unknown, testdb_setup,
		    testdb_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, testdb_setup,
		    testdb_teardown),
		cmocka_unit_test_setup_teardown(test_real_migrations, testdb_setup,
		    testdb_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
