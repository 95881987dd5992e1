/*
 * testdb.c - scratch PostgreSQL databases for the unit tests (see testdb.h).
 *
 * Linked into every unit test binary; only the database tests call it.
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

#include "testdb.h"

static void
quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

const char *
hs_testdb_dsn(void)
{
	const char *dsn = getenv("HS_TEST_DSN");

	if (dsn == NULL || *dsn == '\0')
		fail_msg("HS_TEST_DSN is not set: it must be the libpq conninfo of a scratch "
		    "database on a test cluster (make test sets it; by hand: tools/pgcluster "
		    "init DIR && tools/pgcluster start DIR && "
		    "export HS_TEST_DSN=\"$(tools/pgcluster dsn DIR hs_test)\")");
	return dsn;
}

PGconn *
hs_testdb_connect(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", conninfo, PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	return c;
}

void
hs_testdb_exec(PGconn *c, const char *fmt, ...)
{
	char sql[1024];
	PGresult *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* Appends keyword='value' with libpq's quoting. */
static void
conninfo_add(char *buf, size_t size, const char *kw, const char *val)
{
	size_t o = strlen(buf);

	o += (size_t)snprintf(buf + o, size - o, "%s%s='", o > 0 ? " " : "", kw);
	for (; *val != '\0' && o + 3 < size; val++) {
		if (*val == '\\' || *val == '\'')
			buf[o++] = '\\';
		buf[o++] = *val;
	}
	snprintf(buf + o, size - o, "'");
}

int
hs_testdb_create(struct hs_testdb *t, const char *tag)
{
	static int seq;
	PQconninfoOption *opts;
	PGconn *c;

	c = hs_testdb_connect(hs_testdb_dsn());
	snprintf(t->name, sizeof(t->name), "hs_t_%ld_%s_%d", (long)getpid(), tag, ++seq);
	hs_testdb_exec(c, "CREATE DATABASE %s", t->name);
	PQfinish(c);
	/* the same server and user as HS_TEST_DSN, whatever form it has, our database */
	assert_non_null(opts = PQconninfoParse(hs_testdb_dsn(), NULL));
	t->conninfo[0] = '\0';
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && strcmp(o->keyword, "dbname") != 0)
			conninfo_add(t->conninfo, sizeof(t->conninfo), o->keyword, o->val);
	conninfo_add(t->conninfo, sizeof(t->conninfo), "dbname", t->name);
	PQconninfoFree(opts);
	return 0;
}

void
hs_testdb_drop(struct hs_testdb *t)
{
	PGconn *c;

	if (t->name[0] != '\0' && (c = PQconnectdb(hs_testdb_dsn())) != NULL) {
		char sql[128];

		PQsetNoticeProcessor(c, quiet_notice, NULL);
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->name);
		PQclear(PQexec(c, sql));
		PQfinish(c);
	}
}
