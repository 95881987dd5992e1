/*
 * writer.c - the batch writer: a thread that writes batch N while the loop builds N+1.
 *
 * The loop's work per batch (JSON, building) and PostgreSQL's (COPY, upserts) used to take
 * turns on one thread; here they overlap.  The thread owns a connection of its own, opened
 * without a loop (hs_db then never touches libuv, so it is safe off the loop thread: a
 * broken connection is reset by the next write), and its own lg_store.
 *
 * A batch is handed over whole and the thread touches nothing else: the raw events and the
 * status rows move into the job (the loop gets the job's emptied buffers back), and the
 * dirty calls are copied (lg_build_snapshot), so the builder goes on changing its calls while
 * the copy is written.  Each batch is still one transaction holding its raw events, the full
 * state of its calls and its progress mark; there is at most one in flight, and the loop
 * takes its outcome before handing over the next, so batches commit in order, exactly as
 * when they were written inline.
 *
 * The outcome (lg_writer_reap, on the loop thread):
 *   written  the builder clears the marks of the calls not marked again since the copy
 *            (lg_build_written_upto) and frees those that ended;
 *   failed   the batch's raw events go to the spool ahead of anything later, its status rows
 *            go back in front of lg->st, and its calls were never unmarked: from here on it
 *            is the spool's business (spool.c), as before.
 *
 * Every other use of the database stays on the loop's connection (svc->db): start-up, boots,
 * partitions, the spool's drain, calls.list and calls.rebuild.  Those that write wait for the
 * writer to be idle first (lg_writer_wait), so the two connections never write at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logger.h"

enum { W_IDLE, W_BUSY, W_DONE };

struct lg_writer {
	struct logger *lg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uv_async_t wake;           /* the thread's "done", on the loop */
	bool running;              /* the thread was started */
	bool stop;
	int state;                 /* W_*, under mu */
	hs_db *db;                 /* the thread's connection (no loop) */
	lg_store *store;

	/* the job: moved in by lg_writer_submit, read by the thread while W_BUSY */
	struct lg_rawbuf raw;
	struct lg_status_row *st;
	size_t nst, capst;
	struct lg_call *calls;     /* a copy of the dirty calls */
	size_t ncalls;
	int boot_no;
	uint64_t applied;
	uint64_t gen;              /* lg_build_cut of the copy */
	bool queue_empty;          /* nothing was queued when it was handed over */

	/* the outcome, set by the thread */
	hs_err result;
	long long ms;
	char err[512];
};

static void *
writer_main(void *arg)
{
	struct lg_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		hs_err rv;
		long long t0;

		while (w->state != W_BUSY && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->state != W_BUSY)
			break; /* stopping, nothing held */
		pthread_mutex_unlock(&w->mu);

		t0 = hs_mono_ms();
		/* without a loop a lost connection is only tried again by a query that finds it
		 * broken; one that never came up is tried here, once per batch */
		if (!hs_db_connected(w->db))
			(void)hs_db_connect(w->db, 0);
		rv = lg_store_write(w->store, w->raw.raw, w->raw.n, w->calls, w->st, w->nst,
		    w->boot_no, w->applied);

		pthread_mutex_lock(&w->mu);
		w->ms = hs_mono_ms() - t0;
		w->result = rv;
		if (rv != HS_OK)
			snprintf(w->err, sizeof(w->err), "%s", hs_db_error(w->db));
		w->state = W_DONE;
		pthread_cond_broadcast(&w->cv);
		uv_async_send(&w->wake);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Takes the outcome of the batch the thread finished (state W_DONE). */
static void
writer_reap(struct logger *lg)
{
	struct lg_writer *w = lg->writer;

	pthread_mutex_lock(&w->mu);
	if (w->state != W_DONE) {
		pthread_mutex_unlock(&w->mu);
		return;
	}
	w->state = W_IDLE;
	pthread_mutex_unlock(&w->mu);

	lg->write_ms += w->ms;
	if (w->result == HS_OK) {
		lg->calls_written += w->ncalls;
		lg->batches++;
		lg_build_written_upto(lg->b, w->gen);
		if (lg->spool_from_last_run && w->queue_empty)
			lg_spool_done(lg); /* what the last run spooled is written now */
	} else {
		lg->write_errors++;
		/* the raw events first: those of the batch being built come after them */
		lg_spool_raw(lg, &w->raw, w->err);
		if (w->nst > 0) {
			size_t n = w->nst + lg->nst;
			struct lg_status_row *st = malloc((n > 0 ? n : 1) * sizeof(*st));

			if (st == NULL)
				abort();
			memcpy(st, w->st, w->nst * sizeof(*st));
			if (lg->nst > 0)
				memcpy(st + w->nst, lg->st, lg->nst * sizeof(*st));
			free(lg->st);
			lg->st = st;
			lg->nst = lg->capst = n;
		}
	}
	lg_rawbuf_clear(&w->raw);
	w->nst = 0;
	lg_build_snapshot_free(w->calls);
	w->calls = NULL;
	w->ncalls = 0;
}

static void
on_wake(uv_async_t *h)
{
	struct logger *lg = h->data;

	if (lg->writer == NULL)
		return;
	writer_reap(lg);
	if (lg->flush_pending)
		lg_flush_soon(lg); /* a flush came while the writer was busy: now */
}

static void
writer_free(uv_handle_t *h)
{
	struct lg_writer *w = h->data;

	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

int
lg_writer_start(struct logger *lg)
{
	struct lg_writer *w = calloc(1, sizeof(*w));
	const char *conninfo = hs_conf_str(lg->svc->conf, "db.conninfo");

	if (w == NULL)
		return -1;
	w->lg = lg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (hs_db_open(&w->db, conninfo != NULL ? conninfo : "", NULL) != HS_OK) {
		free(w);
		return -1;
	}
	/* a failure here is retried by the first write; statements prepare at connect */
	if (hs_db_connect(w->db, 5000) != HS_OK)
		hs_log_warn("writer.connect", "error=%s", hs_logq(hs_db_error(w->db)));
	if (lg_store_open(&w->store, w->db) != HS_OK) {
		hs_log_error("writer.store", "error=%s", hs_logq(hs_db_error(w->db)));
		hs_db_close(w->db);
		free(w);
		return -1;
	}
	uv_async_init(lg->svc->uv, &w->wake, on_wake);
	w->wake.data = lg;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		lg_store_close(w->store);
		hs_db_close(w->db);
		w->wake.data = w;
		uv_close((uv_handle_t *)&w->wake, writer_free);
		return -1;
	}
	w->running = true;
	lg->writer = w;
	return 0;
}

void
lg_writer_stop(struct logger *lg)
{
	struct lg_writer *w = lg->writer;

	if (w == NULL)
		return;
	lg_writer_wait(lg);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->running)
		pthread_join(w->thread, NULL);
	lg->writer = NULL;
	lg_rawbuf_free(&w->raw);
	free(w->st);
	lg_build_snapshot_free(w->calls);
	lg_store_close(w->store);
	hs_db_close(w->db);
	w->wake.data = w;
	uv_close((uv_handle_t *)&w->wake, writer_free);
}

bool
lg_writer_busy(const struct logger *lg)
{
	struct lg_writer *w = lg->writer;
	bool busy;

	if (w == NULL)
		return false;
	pthread_mutex_lock(&w->mu);
	busy = w->state != W_IDLE;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

bool
lg_writer_ready(const struct logger *lg)
{
	struct lg_writer *w = lg->writer;
	bool ready;

	if (w == NULL)
		return false;
	pthread_mutex_lock(&w->mu);
	ready = w->state != W_BUSY;
	pthread_mutex_unlock(&w->mu);
	return ready;
}

void
lg_writer_wait(struct logger *lg)
{
	struct lg_writer *w = lg->writer;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->state == W_BUSY)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	writer_reap(lg);
}

void
lg_writer_submit(struct logger *lg)
{
	struct lg_writer *w = lg->writer;
	struct lg_rawbuf rb;
	struct lg_status_row *st;
	size_t capst;

	/* the emptied buffers of the last job become the loop's: no reallocation per batch */
	rb = w->raw;
	w->raw = lg->batch;
	lg->batch = rb;
	st = w->st;
	capst = w->capst;
	w->st = lg->st;
	w->nst = lg->nst;
	w->capst = lg->capst;
	lg->st = st;
	lg->capst = capst;
	lg->nst = 0;
	w->calls = lg_build_snapshot(lg->b, &w->ncalls);
	w->gen = lg_build_cut(lg->b);
	w->boot_no = lg->boot_no;
	w->applied = lg->applied;
	w->queue_empty = lg->queue == NULL;

	pthread_mutex_lock(&w->mu);
	w->state = W_BUSY;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}
