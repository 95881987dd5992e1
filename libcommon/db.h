/*
 * db.h - PostgreSQL access for Hookswitch services (libpq).
 *
 * One hs_db is one connection.  Queries are synchronous and short (the database is shared
 * state on the LAN, queries are indexed lookups and small writes); a service that needs many
 * writes batches them in one transaction.  SQL text with parameters only: statements are
 * registered once with hs_db_prepare() and run by name, so no value is ever spliced into SQL.
 *
 * Connection loss: a query that finds the connection broken tries one immediate reset
 * (re-preparing every registered statement and re-issuing every LISTEN); outside a
 * transaction the query is then retried once, inside one it returns HS_EDB and so does every
 * later query until hs_db_rollback(), since the transaction's work is gone.  When the reset
 * fails the query returns HS_EDB; with a loop, a timer then reconnects with backoff (0.2 s
 * doubling to 10 s) and queries fail at once until it succeeds.  Without a loop there is no
 * background reconnect: the next query tries its own reset, or call hs_db_connect().
 *
 * LISTEN/NOTIFY: hs_db_listen() runs cb on the loop thread for each notification on the
 * channel, so services react to configuration changes without restarting.  Migrations install
 * triggers that NOTIFY "hs_config" with the table name when configuration tables change.
 */
#ifndef HS_DB_H
#define HS_DB_H

#include <stdbool.h>

#include <libpq-fe.h>
#include <uv.h>

#include "err.h"

typedef struct hs_db hs_db;

typedef void (*hs_db_notify_cb)(void *arg, const char *channel, const char *payload);
typedef void (*hs_db_event_cb)(void *arg, hs_db *db);

/* Creates the handle; loop may be NULL (no background reconnect, no LISTEN).  Does not
 * connect. */
hs_err hs_db_open(hs_db **dbp, const char *conninfo, uv_loop_t *loop);
/* Closes the connection and the handle's libuv handles.  With a loop, the memory is released
 * in the close callbacks, so run the loop once more after this (hs_loop_close does). */
void hs_db_close(hs_db *db);

/*
 * Connects, retrying with backoff (0.2 s doubling to 5 s) for up to wait_ms milliseconds
 * (0 = one attempt).  Blocking: used at start-up, before the service is ready.  Returns
 * HS_OK, or HS_EDB with the last libpq message in hs_db_error().
 */
hs_err hs_db_connect(hs_db *db, int wait_ms);
bool hs_db_connected(const hs_db *db);
/* Called on the loop thread after every reconnect: the background one, or a reset done
 * inside a query (then from the loop, after that query).  Notifications sent while the
 * connection was down are lost, so this is the place to re-read what LISTEN watches. */
void hs_db_on_reconnect(hs_db *db, hs_db_event_cb cb, void *arg);

/* The last error, e.g. "ERROR: relation \"x\" does not exist". */
const char *hs_db_error(const hs_db *db);

/* Registers and prepares a named statement (prepared again after each reconnect).  When
 * connected, bad SQL is HS_EDB and nothing is registered; when not, the statement is
 * prepared at connect.  The same name and SQL again is a no-op; the same name with other SQL
 * is HS_EEXIST. */
hs_err hs_db_prepare(hs_db *db, const char *name, const char *sql);

/*
 * Runs a prepared statement with text parameters (NULL entries are SQL NULL).  On HS_OK, *res
 * (if res is not NULL) is the result for the caller to PQclear.  Errors: HS_EDB (the message
 * in hs_db_error), HS_ENOTFOUND (no statement of that name).
 */
hs_err hs_db_exec(hs_db *db, const char *name, int nparams, const char *const *params,
    PGresult **res);

/* Runs SQL text without parameters (DDL, migrations, BEGIN/COMMIT); may hold several
 * statements.  Same result contract as hs_db_exec. */
hs_err hs_db_exec_sql(hs_db *db, const char *sql, PGresult **res);

/* Transactions.  hs_db_begin inside a transaction is HS_EINVAL.  hs_db_commit is HS_EDB
 * when a statement of the transaction had failed (PostgreSQL rolled it back).
 * hs_db_rollback is safe to call on a connection not in a transaction. */
hs_err hs_db_begin(hs_db *db);
hs_err hs_db_commit(hs_db *db);
void hs_db_rollback(hs_db *db);

/* LISTENs on channel (any string: it is quoted); cb runs on the loop thread per NOTIFY,
 * never inside another hs_db call.  Without a loop: HS_EINVAL. */
hs_err hs_db_listen(hs_db *db, const char *channel, hs_db_notify_cb cb, void *arg);

/* Raw connection, for code that needs a libpq call this API does not wrap. */
PGconn *hs_db_conn(hs_db *db);

#endif
