/*
 * db.c - the database connection of one web worker thread.
 *
 * libcommon's hs_db belongs to a libuv loop; the web workers are civetweb's threads, so each
 * gets a plain libpq connection of its own here (made by civetweb's init_thread callback,
 * connected on first use, closed by exit_thread).  Every statement is prepared once per
 * connection, keyed by its SQL text, so handlers write SQL where it is used and still never
 * splice a value into it.  The SQLSTATE of a failure is handed back: a unique violation is the user's 409, not our 500.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_pool.h"
#include "gateway.h"
#include "log.h"
#include "map.h"

struct gw_db {
	PGconn *conn;
	char *conninfo;
	hs_map *stmts; /* SQL text -> statement name (malloc'd) */
	int next;
	char error[512];
};

static void
forget_statements(struct gw_db *d)
{
	size_t pos = 0;
	const char *k;
	void *v;

	while (hs_map_next(d->stmts, &pos, &k, &v))
		free(v);
	hs_map_free(d->stmts);
	d->stmts = hs_map_new();
}

struct gw_db *
gw_db_open(const char *conninfo)
{
	struct gw_db *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->conninfo = strdup(conninfo)) == NULL ||
	    (d->stmts = hs_map_new()) == NULL) {
		if (d != NULL)
			free(d->conninfo);
		free(d);
		return NULL;
	}
	/* Connected on first use: a worker that only ever serves files or holds a WebSocket
	 * costs PostgreSQL no connection. */
	return d;
}

void
gw_db_close(struct gw_db *d)
{
	if (d == NULL)
		return;
	PQfinish(d->conn);
	forget_statements(d);
	hs_map_free(d->stmts);
	free(d->conninfo);
	free(d);
}

const char *
gw_db_error(const struct gw_db *d)
{
	return d->error;
}

static bool
ensure_connected(struct gw_db *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK)
		return true;
	if (d->conn == NULL)
		d->conn = PQconnectdb(d->conninfo);
	else
		PQreset(d->conn);
	forget_statements(d);
	if (PQstatus(d->conn) == CONNECTION_OK)
		return true;
	snprintf(d->error, sizeof(d->error), "%s", PQerrorMessage(d->conn));
	return false;
}

static void
set_state(char *sqlstate, const char *s)
{
	if (sqlstate != NULL)
		snprintf(sqlstate, 6, "%s", s != NULL ? s : "");
}

hs_err
gw_db_q(struct gw_db *d, const char *sql, int n, const char *const *params, PGresult **res,
    char *sqlstate)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		const char *name;
		PGresult *pr;
		ExecStatusType st;
		bool in_tx;

		if (res != NULL)
			*res = NULL;
		set_state(sqlstate, "08006");
		if (!ensure_connected(d))
			return HS_EDB;
		in_tx = PQtransactionStatus(d->conn) != PQTRANS_IDLE;
		if ((name = hs_map_get(d->stmts, sql)) == NULL) {
			char buf[32], *copy;
			snprintf(buf, sizeof(buf), "gw%d", ++d->next);
			pr = PQprepare(d->conn, buf, sql, 0, NULL);
			if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
				snprintf(d->error, sizeof(d->error), "%s", PQresultErrorMessage(pr));
				set_state(sqlstate, PQresultErrorField(pr, PG_DIAG_SQLSTATE));
				PQclear(pr);
				if (PQstatus(d->conn) != CONNECTION_OK && !in_tx)
					continue;
				hs_log_error("gateway.sql", "prepare failed: %s sql=%s",
				    hs_logq(d->error), hs_logq(sql));
				return HS_EDB;
			}
			PQclear(pr);
			if ((copy = strdup(buf)) == NULL || hs_map_put(d->stmts, sql, copy) != HS_OK) {
				free(copy);
				return HS_ENOMEM;
			}
			name = copy;
		}
		pr = PQexecPrepared(d->conn, name, n, params, NULL, NULL, 0);
		st = PQresultStatus(pr);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			set_state(sqlstate, "00000");
			if (res != NULL)
				*res = pr;
			else
				PQclear(pr);
			return HS_OK;
		}
		snprintf(d->error, sizeof(d->error), "%s", PQresultErrorMessage(pr));
		set_state(sqlstate, PQresultErrorField(pr, PG_DIAG_SQLSTATE));
		PQclear(pr);
		/* A broken connection outside a transaction: the statement did not run, try again
		 * once on a fresh one.  Inside one, the work is lost and the caller must know. */
		if (PQstatus(d->conn) != CONNECTION_OK && !in_tx)
			continue;
		return HS_EDB;
	}
	return HS_EDB;
}

static hs_err
simple(struct gw_db *d, const char *sql)
{
	PGresult *pr;
	hs_err err = HS_OK;

	if (!ensure_connected(d))
		return HS_EDB;
	pr = PQexec(d->conn, sql);
	if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
		snprintf(d->error, sizeof(d->error), "%s", PQresultErrorMessage(pr));
		err = HS_EDB;
	}
	PQclear(pr);
	return err;
}

hs_err
gw_db_begin(struct gw_db *d)
{
	return simple(d, "BEGIN");
}

hs_err
gw_db_commit(struct gw_db *d)
{
	return simple(d, "COMMIT");
}

void
gw_db_rollback(struct gw_db *d)
{
	if (d->conn != NULL && PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		(void)simple(d, "ROLLBACK");
}
