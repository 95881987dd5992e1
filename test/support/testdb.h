/*
 * testdb.h - scratch PostgreSQL databases for the unit tests that need a real server.
 *
 * HS_TEST_DSN is the conninfo of a scratch database on a test cluster (make unit provides
 * it, see test/run-unit).  hs_testdb_create() makes a database of the test's own beside it,
 * hs_t_<pid>_<tag>_<n>, so several test binaries may share the cluster at once, and
 * hs_testdb_drop() removes it again.  Every failure is a cmocka failure (fail_msg), including
 * a missing HS_TEST_DSN: a skipped database test would let broken code pass unnoticed.
 */
#ifndef HS_TESTDB_H
#define HS_TESTDB_H

#include <libpq-fe.h>

struct hs_testdb {
	char name[64];        /* the database's name; "" until created */
	char conninfo[4096];  /* HS_TEST_DSN's server and user, with dbname = name */
};

/* HS_TEST_DSN; fails the test with directions when it is not set. */
const char *hs_testdb_dsn(void);

/* A connection to conninfo with notices silenced; fails the test if it cannot connect. */
PGconn *hs_testdb_connect(const char *conninfo);

/* Runs printf-formatted SQL (up to 1 KiB) on c; fails the test unless it succeeds. */
void hs_testdb_exec(PGconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Creates t's database (tag names the test file in its name) and fills t; returns 0. */
int hs_testdb_create(struct hs_testdb *t, const char *tag);

/* Drops t's database, if it was created, whoever is still connected to it. */
void hs_testdb_drop(struct hs_testdb *t);

#endif
