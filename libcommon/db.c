/*
 * db.c - PostgreSQL access for Hookswitch services: one libpq connection, its registered
 * prepared statements, LISTEN/NOTIFY on a libuv loop, and recovery from a lost connection.
 *
 * Queries are synchronous (db.h says why).  What runs on the loop:
 *   - a uv_poll_t on the connection's socket while anything is LISTENed: it reads the
 *     notifications and notices when the server drops an idle connection;
 *   - the "kick" timer (0 ms): delivers notifications that libpq picked up while answering a
 *     synchronous query (they never make the socket readable again), and the on_reconnect
 *     call after a reset done inside a query, so no callback ever runs inside hs_db_exec;
 *   - the reconnect timer, 0.2 s doubling to 10 s.
 *
 * A query that finds the connection broken gets one immediate PQreset.  Outside a
 * transaction the query is then retried once; note that a statement whose reply was lost may
 * thus run twice, which is why writes that must not repeat belong in a transaction.  Inside a
 * transaction the work is gone with the old session: the query fails, and so does every later
 * one until the caller's hs_db_rollback(), exactly as PostgreSQL treats an aborted
 * transaction, so a COMMIT can never succeed on a fresh connection after losing the work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "loop.h"

#define DB_CONNECT_BACKOFF_MIN_MS 200
#define DB_CONNECT_BACKOFF_MAX_MS 5000
#define DB_RECONNECT_MIN_MS 200
#define DB_RECONNECT_MAX_MS 10000

struct db_stmt {
	struct db_stmt *next;
	char *name;
	char *sql;
	bool prepared; /* on the current connection */
};

struct db_listener {
	struct db_listener *next;
	char *channel;
	hs_db_notify_cb cb;
	void *arg;
};

/* A notification libpq handed us that is waiting for delivery on the loop. */
struct db_note {
	struct db_note *next;
	PGnotify *n;
};

struct hs_db {
	char *conninfo;
	uv_loop_t *loop;
	PGconn *conn;

	struct db_stmt *stmts;
	struct db_listener *listeners, **listeners_tail;
	struct db_note *notes, **notes_tail;

	/*
	 * The poll handle is allocated per socket and closed before libpq can close the socket
	 * (reset, finish): libuv must never watch a descriptor number that may be reused.
	 */
	uv_poll_t *poll;
	uv_timer_t reconnect;
	uv_timer_t kick;
	int handles;      /* libuv handles not closed yet; the last close frees the db */
	int backoff_ms;   /* delay before the next background reconnect attempt */
	int attempts;     /* background attempts since the connection was lost */
	bool lost;        /* broken, background reconnect pending: queries fail at once */
	bool in_tx;       /* the caller has a transaction open (BEGIN seen, no COMMIT yet) */
	bool tx_lost;     /* ... and the connection died under it: refuse until rollback */
	bool reconnected; /* on_reconnect is due, from the kick timer */
	bool closing;

	hs_db_event_cb on_reconnect;
	void *on_reconnect_arg;

	char err[2048];
};

static void db_kick(hs_db *db);
static void db_schedule_reconnect(hs_db *db);

static void
sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Stores an error text.  libpq writes "ERROR:  text" with two spaces after the severity
 * (and "DETAIL:  ", "HINT:  "); one is enough for logs and the UI.  Trailing newlines go.
 */
static void
db_set_error(hs_db *db, const char *msg)
{
	char *e = db->err;
	size_t len, i;

	if (msg == NULL || *msg == '\0')
		msg = "unknown database error";
	snprintf(e, sizeof(db->err), "%s", msg);
	len = strlen(e);
	for (i = 0; i < len; i++) {
		size_t k = i;

		if (i > 0 && e[i - 1] != '\n')
			continue;
		while (e[k] >= 'A' && e[k] <= 'Z')
			k++;
		if (k > i && e[k] == ':' && e[k + 1] == ' ' && e[k + 2] == ' ') {
			memmove(e + k + 1, e + k + 2, len - (k + 2) + 1);
			len--;
		}
	}
	while (len > 0 && (e[len - 1] == '\n' || e[len - 1] == '\r' || e[len - 1] == ' '))
		e[--len] = '\0';
}

static void
db_set_errorf(hs_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
db_set_errorf(hs_db *db, const char *fmt, ...)
{
	char buf[sizeof(db->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	db_set_error(db, buf);
}

/* The error of a failed request: the result's, or the connection's when there is none. */
static void
db_set_result_error(hs_db *db, const PGresult *r)
{
	db_set_error(db, r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
}

static bool
db_result_ok(const PGresult *r)
{
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY: /* a migration that is all comments */
		return true;
	default:
		return false;
	}
}

/* The server's NOTICEs and WARNINGs go to our log, not to libpq's default of stderr. */
static void
db_notice(void *arg, const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	int level = HS_LOG_WARN;

	(void)arg;
	if (sev == NULL)
		sev = "NOTICE";
	if (strcmp(sev, "NOTICE") == 0 || strcmp(sev, "INFO") == 0 ||
	    strcmp(sev, "LOG") == 0 || strcmp(sev, "DEBUG") == 0)
		level = HS_LOG_DEBUG;
	hs_log(level, "db.notice", "severity=%s msg=%s", hs_logq(sev), hs_logq(msg));
}

/* ---- libuv handles ---------------------------------------------------------------------- */

static void
db_handle_closed(uv_handle_t *h)
{
	hs_db *db = h->data;

	if (h->type == UV_POLL)
		free(h);
	if (--db->handles == 0 && db->closing)
		free(db);
}

static void
db_poll_stop(hs_db *db)
{
	if (db->poll == NULL)
		return;
	/* Stopping removes the descriptor from epoll now; the close completes later. */
	uv_poll_stop(db->poll);
	uv_close((uv_handle_t *)db->poll, db_handle_closed);
	db->poll = NULL;
}

/*
 * Moves what libpq has collected into our queue.  Only a db with a loop and listeners
 * delivers; anything else (a raw LISTEN through hs_db_exec_sql) is dropped.
 */
static void
db_collect_notifies(hs_db *db)
{
	PGnotify *n;

	while ((n = PQnotifies(db->conn)) != NULL) {
		struct db_note *note;

		if (db->loop == NULL || db->listeners == NULL || db->closing ||
		    (note = malloc(sizeof(*note))) == NULL) {
			PQfreemem(n);
			continue;
		}
		note->n = n;
		note->next = NULL;
		*db->notes_tail = note;
		db->notes_tail = &note->next;
	}
}

static void
db_free_notes(struct db_note *note)
{
	while (note != NULL) {
		struct db_note *next = note->next;

		PQfreemem(note->n);
		free(note);
		note = next;
	}
}

/*
 * Calls the listeners for every queued notification.  A callback may close the db: its
 * memory stays valid until the close callbacks run, but the lists are freed, so stop at once.
 */
static void
db_deliver(hs_db *db)
{
	struct db_note *list = db->notes, *note;

	db->notes = NULL;
	db->notes_tail = &db->notes;
	while ((note = list) != NULL && !db->closing) {
		list = note->next;
		for (struct db_listener *l = db->listeners; l != NULL; l = l->next) {
			if (strcmp(l->channel, note->n->relname) != 0)
				continue;
			l->cb(l->arg, note->n->relname, note->n->extra);
			if (db->closing)
				break;
		}
		PQfreemem(note->n);
		free(note);
	}
	db_free_notes(list);
}

static void
db_kick_cb(uv_timer_t *t)
{
	hs_db *db = t->data;

	if (db->closing)
		return;
	if (db->reconnected) {
		db->reconnected = false;
		if (db->on_reconnect != NULL) {
			db->on_reconnect(db->on_reconnect_arg, db);
			if (db->closing)
				return;
		}
	}
	db_deliver(db);
}

static void
db_kick(hs_db *db)
{
	if (db->loop == NULL || db->closing || uv_is_active((uv_handle_t *)&db->kick))
		return;
	if (db->notes != NULL || db->reconnected)
		uv_timer_start(&db->kick, db_kick_cb, 0, 0);
}

static void
db_poll_cb(uv_poll_t *p, int status, int events)
{
	hs_db *db = p->data;

	(void)events;
	if (db->closing || p != db->poll)
		return;
	if (status < 0)
		hs_log_warn("db.poll", "error=%s", hs_logq(uv_strerror(status)));
	/*
	 * A failed read leaves the connection unusable whatever PQstatus says, and a socket at
	 * EOF would keep the poll firing: treat any failure as a lost connection.
	 */
	if (!PQconsumeInput(db->conn)) {
		db_set_error(db, PQerrorMessage(db->conn));
		db_schedule_reconnect(db);
		return;
	}
	db_collect_notifies(db);
	db_deliver(db);
}

static hs_err
db_poll_start(hs_db *db)
{
	uv_poll_t *p;
	int rc;

	if (db->loop == NULL || db->listeners == NULL || db->closing || db->poll != NULL ||
	    db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return HS_OK;
	if ((p = malloc(sizeof(*p))) == NULL)
		return HS_ENOMEM;
	if ((rc = uv_poll_init(db->loop, p, PQsocket(db->conn))) != 0) {
		free(p);
		db_set_errorf(db, "cannot watch the database socket: %s", uv_strerror(rc));
		return HS_EIO;
	}
	p->data = db;
	db->handles++;
	db->poll = p;
	if ((rc = uv_poll_start(p, UV_READABLE, db_poll_cb)) != 0) {
		db_set_errorf(db, "cannot watch the database socket: %s", uv_strerror(rc));
		db_poll_stop(db);
		return HS_EIO;
	}
	return HS_OK;
}

/* ---- connection ------------------------------------------------------------------------- */

static hs_err
db_listen_sql(hs_db *db, const char *channel)
{
	char *id, *sql;
	PGresult *r;
	bool ok;

	if ((id = PQescapeIdentifier(db->conn, channel, strlen(channel))) == NULL) {
		db_set_error(db, PQerrorMessage(db->conn));
		return HS_EDB;
	}
	if (asprintf(&sql, "LISTEN %s", id) < 0) {
		PQfreemem(id);
		return HS_ENOMEM;
	}
	PQfreemem(id);
	r = PQexec(db->conn, sql);
	free(sql);
	if (!(ok = db_result_ok(r)))
		db_set_result_error(db, r);
	PQclear(r);
	return ok ? HS_OK : HS_EDB;
}

/*
 * Brings a fresh session up to date: every registered statement prepared, every channel
 * LISTENed, the socket watched.  A statement that no longer prepares (the schema moved under
 * it) is logged and retried when it is next run; only a connection failure is an error here.
 */
static hs_err
db_setup(hs_db *db)
{
	PGresult *r;

	db->in_tx = false;
	for (struct db_stmt *s = db->stmts; s != NULL; s = s->next) {
		r = PQprepare(db->conn, s->name, s->sql, 0, NULL);
		if (!(s->prepared = db_result_ok(r))) {
			db_set_result_error(db, r);
			if (PQstatus(db->conn) == CONNECTION_BAD) {
				PQclear(r);
				return HS_EDB;
			}
			hs_log_warn("db.prepare_failed", "name=%s error=%s", hs_logq(s->name),
			    hs_logq(db->err));
		}
		PQclear(r);
	}
	for (struct db_listener *l = db->listeners; l != NULL; l = l->next) {
		if (db_listen_sql(db, l->channel) == HS_OK)
			continue;
		if (PQstatus(db->conn) == CONNECTION_BAD)
			return HS_EDB;
		hs_log_error("db.listen_failed", "channel=%s error=%s", hs_logq(l->channel),
		    hs_logq(db->err));
	}
	db->err[0] = '\0';
	return db_poll_start(db);
}

/*
 * Connects with our defaults under the caller's conninfo, which overrides any of them.
 * Reconnecting blocks the loop, so one attempt must not hang for the minutes a TCP connect
 * to a dead host can take; and an idle LISTEN connection to a host that lost power is found
 * dead by keepalives within about a minute instead of the kernel's two hours.
 */
static PGconn *
db_new_conn(hs_db *db)
{
	static const char *const keys[] = {
		"connect_timeout", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "fallback_application_name", "dbname", NULL,
	};
	const char *vals[] = { "5", "30", "10", "3", "hookswitch", db->conninfo, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c != NULL)
		PQsetNoticeReceiver(c, db_notice, NULL);
	return c;
}

/* Replaces the session: a new connection with the same parameters, then db_setup(). */
static hs_err
db_reset(hs_db *db)
{
	db_poll_stop(db);
	if (db->conn == NULL) {
		if ((db->conn = db_new_conn(db)) == NULL)
			return HS_ENOMEM;
	} else {
		PQreset(db->conn);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, PQerrorMessage(db->conn));
		return HS_EDB;
	}
	return db_setup(db);
}

/* The connection was found broken: whatever transaction the caller had is gone with it. */
static void
db_broken(hs_db *db)
{
	db_poll_stop(db);
	if (db->in_tx)
		db->tx_lost = true;
	if (!db->lost)
		hs_log_warn("db.lost", "in_tx=%d error=%s", db->in_tx, hs_logq(db->err));
}

static void
db_reconnect_cb(uv_timer_t *t)
{
	hs_db *db = t->data;
	hs_err err;

	if (db->closing)
		return;
	db->attempts++;
	if ((err = db_reset(db)) == HS_OK) {
		db->lost = false;
		db->backoff_ms = DB_RECONNECT_MIN_MS;
		hs_log_info("db.reconnected", "attempts=%d", db->attempts);
		if (db->on_reconnect != NULL)
			db->on_reconnect(db->on_reconnect_arg, db);
		return;
	}
	/* Warn once per outage; the retries would fill the log during a long one. */
	hs_log(db->attempts == 1 ? HS_LOG_WARN : HS_LOG_DEBUG, "db.reconnect_failed",
	    "attempts=%d next_ms=%d error=%s", db->attempts, db->backoff_ms, hs_logq(db->err));
	uv_timer_start(&db->reconnect, db_reconnect_cb, (uint64_t)db->backoff_ms, 0);
	db->backoff_ms *= 2;
	if (db->backoff_ms > DB_RECONNECT_MAX_MS)
		db->backoff_ms = DB_RECONNECT_MAX_MS;
}

static void
db_start_reconnect(hs_db *db)
{
	if (db->loop == NULL || db->closing || db->lost)
		return;
	db->lost = true;
	db->attempts = 0;
	db->backoff_ms = DB_RECONNECT_MIN_MS;
	uv_timer_start(&db->reconnect, db_reconnect_cb, (uint64_t)db->backoff_ms, 0);
	db->backoff_ms *= 2;
}

/* Hands a broken connection to the background reconnect (a no-op without a loop). */
static void
db_schedule_reconnect(hs_db *db)
{
	db_broken(db);
	db_start_reconnect(db);
}

/*
 * A query found the connection broken: one immediate reset.  On failure the background
 * reconnect takes over.  The error text stays the one that describes the failed query.
 */
static hs_err
db_recover(hs_db *db)
{
	char lost[sizeof(db->err)];

	db_broken(db);
	memcpy(lost, db->err, sizeof(lost));
	if (db_reset(db) == HS_OK) {
		hs_log_info("db.reset", "result=ok");
		memcpy(db->err, lost, sizeof(lost));
		db->reconnected = true;
		db_kick(db);
		return HS_OK;
	}
	hs_log_warn("db.reset", "result=failed error=%s", hs_logq(db->err));
	memcpy(db->err, lost, sizeof(lost));
	db_start_reconnect(db);
	return HS_EDB;
}

/* Whether a query may be sent now; the reason is in db->err when not. */
static bool
db_ready(hs_db *db)
{
	if (db->conn == NULL) {
		db_set_error(db, "not connected to the database");
		return false;
	}
	if (db->lost) {
		db_set_error(db, "connection to the database lost; reconnecting");
		return false;
	}
	if (PQstatus(db->conn) == CONNECTION_BAD) {
		db_set_error(db, PQerrorMessage(db->conn));
		if (db_recover(db) != HS_OK)
			return false;
	}
	if (db->tx_lost) {
		db_set_error(db, "connection to the database lost inside a transaction; "
		    "roll back and start again");
		return false;
	}
	return true;
}

/* After each round trip: follow the transaction state, pick up notifications. */
static void
db_after_query(hs_db *db)
{
	switch (PQtransactionStatus(db->conn)) {
	case PQTRANS_IDLE:
		db->in_tx = false;
		break;
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		db->in_tx = true;
		break;
	default: /* unknown while broken: keep what we knew */
		break;
	}
	db_collect_notifies(db);
	db_kick(db);
}

/* One try: (prepare s if needed, then) run s or sql.  false with db->err on failure. */
static bool
db_try(hs_db *db, struct db_stmt *s, bool prepare_only, const char *sql, int nparams,
    const char *const *params, PGresult **res)
{
	PGresult *r;

	if (s != NULL && (!s->prepared || prepare_only)) {
		r = PQprepare(db->conn, s->name, s->sql, 0, NULL);
		if (!db_result_ok(r))
			goto fail;
		PQclear(r);
		s->prepared = true;
		if (prepare_only)
			return true;
	}
	if (s != NULL)
		r = PQexecPrepared(db->conn, s->name, nparams, params, NULL, NULL, 0);
	else
		r = PQexec(db->conn, sql);
	if (!db_result_ok(r))
		goto fail;
	if (res != NULL)
		*res = r;
	else
		PQclear(r);
	return true;
fail:
	db_set_result_error(db, r);
	PQclear(r);
	return false;
}

/*
 * Runs one request (see db_try) with the recovery described at the top of the file.
 */
static hs_err
db_run(hs_db *db, struct db_stmt *s, bool prepare_only, const char *sql, int nparams,
    const char *const *params, PGresult **res)
{
	if (res != NULL)
		*res = NULL;
	db->err[0] = '\0';
	if (!db_ready(db))
		return HS_EDB;
	for (int attempt = 0;; attempt++) {
		bool in_tx = db->in_tx;

		if (db_try(db, s, prepare_only, sql, nparams, params, res)) {
			db_after_query(db);
			return HS_OK;
		}
		if (PQstatus(db->conn) != CONNECTION_BAD) {
			db_after_query(db);
			return HS_EDB;
		}
		if (db_recover(db) != HS_OK || in_tx || attempt > 0)
			return HS_EDB;
		hs_log_info("db.retry", "what=%s", hs_logq(s != NULL ? s->name : "sql"));
	}
}

/* ---- API -------------------------------------------------------------------------------- */

hs_err
hs_db_open(hs_db **dbp, const char *conninfo, uv_loop_t *loop)
{
	hs_db *db;

	if (dbp == NULL)
		return HS_EINVAL;
	*dbp = NULL;
	if (conninfo == NULL)
		return HS_EINVAL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return HS_ENOMEM;
	if ((db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		return HS_ENOMEM;
	}
	db->loop = loop;
	db->listeners_tail = &db->listeners;
	db->notes_tail = &db->notes;
	db->backoff_ms = DB_RECONNECT_MIN_MS;
	if (loop != NULL) {
		uv_timer_init(loop, &db->reconnect);
		uv_timer_init(loop, &db->kick);
		db->reconnect.data = db;
		db->kick.data = db;
		db->handles = 2;
	}
	*dbp = db;
	return HS_OK;
}

void
hs_db_close(hs_db *db)
{
	if (db == NULL || db->closing)
		return;
	db->closing = true;
	db_poll_stop(db);
	db_free_notes(db->notes);
	db->notes = NULL;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	while (db->stmts != NULL) {
		struct db_stmt *s = db->stmts;

		db->stmts = s->next;
		free(s->name);
		free(s->sql);
		free(s);
	}
	while (db->listeners != NULL) {
		struct db_listener *l = db->listeners;

		db->listeners = l->next;
		free(l->channel);
		free(l);
	}
	free(db->conninfo);
	db->conninfo = NULL;
	if (db->loop == NULL) {
		free(db);
		return;
	}
	uv_close((uv_handle_t *)&db->reconnect, db_handle_closed);
	uv_close((uv_handle_t *)&db->kick, db_handle_closed);
}

hs_err
hs_db_connect(hs_db *db, int wait_ms)
{
	PQconninfoOption *opts;
	char *perr = NULL;
	long long deadline = hs_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	int backoff = DB_CONNECT_BACKOFF_MIN_MS;

	if (db == NULL || db->closing)
		return HS_EINVAL;
	if (hs_db_connected(db))
		return HS_OK;
	/* A malformed conninfo will not get better by waiting. */
	if ((opts = PQconninfoParse(db->conninfo, &perr)) == NULL) {
		db_set_error(db, perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return HS_EDB;
	}
	PQconninfoFree(opts);

	if (db->loop != NULL)
		uv_timer_stop(&db->reconnect);
	db->lost = false;
	db->tx_lost = db->tx_lost || db->in_tx; /* refused until the caller rolls back */
	db_poll_stop(db);
	for (;;) {
		long long left;

		if (db->conn != NULL)
			PQfinish(db->conn);
		if ((db->conn = db_new_conn(db)) == NULL)
			return HS_ENOMEM;
		if (PQstatus(db->conn) == CONNECTION_OK) {
			if (db_setup(db) == HS_OK)
				return HS_OK;
		} else {
			db_set_error(db, PQerrorMessage(db->conn));
		}
		hs_log_debug("db.connect_failed", "error=%s", hs_logq(db->err));
		if ((left = deadline - hs_mono_ms()) <= 0)
			break;
		sleep_ms(backoff < left ? backoff : left);
		backoff = backoff * 2 > DB_CONNECT_BACKOFF_MAX_MS ? DB_CONNECT_BACKOFF_MAX_MS :
		    backoff * 2;
	}
	db_poll_stop(db);
	PQfinish(db->conn);
	db->conn = NULL;
	return HS_EDB;
}

bool
hs_db_connected(const hs_db *db)
{
	return db != NULL && db->conn != NULL && !db->lost &&
	    PQstatus(db->conn) == CONNECTION_OK;
}

void
hs_db_on_reconnect(hs_db *db, hs_db_event_cb cb, void *arg)
{
	if (db == NULL)
		return;
	db->on_reconnect = cb;
	db->on_reconnect_arg = arg;
}

const char *
hs_db_error(const hs_db *db)
{
	return db != NULL ? db->err : "no database handle";
}

static struct db_stmt *
db_find_stmt(hs_db *db, const char *name)
{
	for (struct db_stmt *s = db->stmts; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/*
 * Registers name.  Registering the same name and SQL again is a no-op, so a service may run
 * its prepare list again after reconnecting; the same name for other SQL is a bug (EEXIST).
 * When connected the statement is checked by preparing it and is registered only if that
 * works; when not, it is registered and prepared at connect time.
 */
hs_err
hs_db_prepare(hs_db *db, const char *name, const char *sql)
{
	struct db_stmt *s;
	hs_err err;

	if (db == NULL || db->closing || name == NULL || *name == '\0' || sql == NULL)
		return HS_EINVAL;
	if ((s = db_find_stmt(db, name)) != NULL) {
		if (strcmp(s->sql, sql) == 0)
			return HS_OK;
		db_set_errorf(db, "statement \"%s\" is already registered with other SQL",
		    name);
		return HS_EEXIST;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->name = strdup(name)) == NULL ||
	    (s->sql = strdup(sql)) == NULL) {
		if (s != NULL)
			free(s->name);
		free(s);
		return HS_ENOMEM;
	}
	if (hs_db_connected(db) && (err = db_run(db, s, true, NULL, 0, NULL, NULL)) != HS_OK) {
		free(s->name);
		free(s->sql);
		free(s);
		return err;
	}
	s->next = db->stmts;
	db->stmts = s;
	return HS_OK;
}

hs_err
hs_db_exec(hs_db *db, const char *name, int nparams, const char *const *params,
    PGresult **res)
{
	struct db_stmt *s;

	if (res != NULL)
		*res = NULL;
	if (db == NULL || db->closing || name == NULL || nparams < 0 ||
	    (nparams > 0 && params == NULL))
		return HS_EINVAL;
	if ((s = db_find_stmt(db, name)) == NULL) {
		db_set_errorf(db, "no statement named \"%s\"", name);
		return HS_ENOTFOUND;
	}
	return db_run(db, s, false, NULL, nparams, params, res);
}

hs_err
hs_db_exec_sql(hs_db *db, const char *sql, PGresult **res)
{
	if (res != NULL)
		*res = NULL;
	if (db == NULL || db->closing || sql == NULL)
		return HS_EINVAL;
	return db_run(db, NULL, false, sql, 0, NULL, res);
}

hs_err
hs_db_begin(hs_db *db)
{
	if (db == NULL || db->closing)
		return HS_EINVAL;
	if (db->in_tx) {
		db_set_error(db, "a transaction is already open");
		return HS_EINVAL;
	}
	return db_run(db, NULL, false, "BEGIN", 0, NULL, NULL);
}

hs_err
hs_db_commit(hs_db *db)
{
	PGresult *r;
	hs_err err;
	bool rolled_back;

	if (db == NULL || db->closing)
		return HS_EINVAL;
	if (!db->in_tx && !db->tx_lost) {
		db_set_error(db, "COMMIT without a transaction");
		return HS_EDB;
	}
	if ((err = db_run(db, NULL, false, "COMMIT", 0, NULL, &r)) != HS_OK)
		return err;
	/* COMMIT of a transaction that had failed "succeeds" with the tag ROLLBACK. */
	rolled_back = strcmp(PQcmdStatus(r), "ROLLBACK") == 0;
	PQclear(r);
	if (rolled_back) {
		db_set_error(db, "the transaction had failed and was rolled back");
		return HS_EDB;
	}
	return HS_OK;
}

void
hs_db_rollback(hs_db *db)
{
	PGresult *r;

	if (db == NULL || db->closing)
		return;
	db->in_tx = false;
	db->tx_lost = false;
	if (db->conn == NULL || db->lost || PQstatus(db->conn) != CONNECTION_OK ||
	    PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	r = PQexec(db->conn, "ROLLBACK");
	if (!db_result_ok(r)) {
		db_set_result_error(db, r);
		if (PQstatus(db->conn) == CONNECTION_BAD)
			db_schedule_reconnect(db);
	}
	PQclear(r);
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		db_after_query(db);
}

hs_err
hs_db_listen(hs_db *db, const char *channel, hs_db_notify_cb cb, void *arg)
{
	struct db_listener *l;
	hs_err err;

	if (db == NULL || db->closing || channel == NULL || *channel == '\0' || cb == NULL)
		return HS_EINVAL;
	if (db->loop == NULL) {
		db_set_error(db, "LISTEN needs a loop");
		return HS_EINVAL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL || (l->channel = strdup(channel)) == NULL) {
		free(l);
		return HS_ENOMEM;
	}
	l->cb = cb;
	l->arg = arg;
	if (hs_db_connected(db)) {
		char *id, *sql;

		if ((id = PQescapeIdentifier(db->conn, channel, strlen(channel))) == NULL) {
			db_set_error(db, PQerrorMessage(db->conn));
			err = HS_EINVAL;
		} else if (asprintf(&sql, "LISTEN %s", id) < 0) {
			err = HS_ENOMEM;
		} else {
			err = db_run(db, NULL, false, sql, 0, NULL, NULL);
			free(sql);
		}
		PQfreemem(id);
		if (err != HS_OK) {
			free(l->channel);
			free(l);
			return err;
		}
	}
	*db->listeners_tail = l;
	db->listeners_tail = &l->next;
	return db_poll_start(db);
}

PGconn *
hs_db_conn(hs_db *db)
{
	return db != NULL ? db->conn : NULL;
}
