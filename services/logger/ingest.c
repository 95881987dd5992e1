/*
 * ingest.c - following cti-host's event stream without losing or repeating an event.
 *
 *   every event --seq = applied+1--> apply: raw row + builder --> batch
 *                --seq > applied+1--> queue it, events.replay the gap, apply, drain queue
 *                --seq <= applied---> a copy we have: dropped
 *                --new boot-------> replay what is left of the old boot, then follow the new
 *   batch full, 50 ms, or 500 events and the writer free --> one transaction (store.c):
 *                            raw rows, dirty calls, status rows, progress; on failure -->
 *                            spool the raw rows to disk, keep the builder's dirty marks,
 *                            raise svc.alert; every second try again: write everything,
 *                            then empty the spool.
 *
 * Start-up: the builder's open calls are rebuilt from the raw journal of the calls still
 * open in the database, the spool (if the last run ended while spooling) is queued, and the
 * stream is resumed after the last applied sequence number of the newest boot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "locate.h"
#include "log.h"
#include "logger.h"

static void stream_drain(struct logger *lg);
static void replay_request(struct logger *lg, uint64_t boot, uint64_t from, uint64_t to);

/* ---- helpers ---------------------------------------------------------------------------- */

long long
lg_ts_ms(const char *ts)
{
	struct tm tm;
	int ms = 0;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	if (*end == '.') {
		int digits = 0;
		for (end++; *end >= '0' && *end <= '9'; end++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*end - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	return (long long)timegm(&tm) * 1000 + ms;
}

/* ---- the batch -------------------------------------------------------------------------- */

static void
on_status(void *arg, int boot_no, uint64_t seq, const struct lg_status *st)
{
	struct logger *lg = arg;

	if (lg->nst == lg->capst) {
		size_t cap = lg->capst ? lg->capst * 2 : 64;
		struct lg_status_row *n = realloc(lg->st, cap * sizeof(*n));
		if (n == NULL)
			abort();
		lg->st = n;
		lg->capst = cap;
	}
	lg->st[lg->nst].boot_no = boot_no;
	lg->st[lg->nst].seq = seq;
	lg->st[lg->nst].st = *st;
	lg->nst++;
}

#define LG_RAWBLOCK (1 << 20) /* bytes of strings per block, unless one string needs more */

struct lg_rawblock {
	struct lg_rawblock *next;
	size_t size, used;
	char data[];
};

void
lg_rawbuf_clear(struct lg_rawbuf *rb)
{
	for (struct lg_rawblock *b = rb->blocks; b != NULL; b = b->next)
		b->used = 0;
	rb->cur = rb->blocks;
	rb->n = 0;
}

void
lg_rawbuf_free(struct lg_rawbuf *rb)
{
	struct lg_rawblock *b = rb->blocks;

	while (b != NULL) {
		struct lg_rawblock *next = b->next;

		free(b);
		b = next;
	}
	free(rb->raw);
	memset(rb, 0, sizeof(*rb));
}

/* Room for n bytes of strings that stay put until the next clear. */
static char *
rawbuf_alloc(struct lg_rawbuf *rb, size_t n)
{
	struct lg_rawblock *b = rb->cur, **tail;
	char *p;

	/* blocks are filled in order; one too full for this string is left as it is */
	while (b != NULL && b->size - b->used < n)
		b = b->next;
	if (b == NULL) {
		size_t size = n > LG_RAWBLOCK ? n : LG_RAWBLOCK;

		if ((b = malloc(sizeof(*b) + size)) == NULL)
			abort();
		b->next = NULL;
		b->size = size;
		b->used = 0;
		for (tail = &rb->blocks; *tail != NULL; tail = &(*tail)->next)
			;
		*tail = b;
	}
	rb->cur = b;
	p = b->data + b->used;
	b->used += n;
	return p;
}

void
lg_rawbuf_add(struct lg_rawbuf *rb, long long ms, int boot_no, uint64_t seq, const char *type,
    const char *call_id, const char *envelope)
{
	size_t tl, cl = call_id != NULL ? strlen(call_id) + 1 : 0, el = strlen(envelope) + 1;
	char *p;

	if (type == NULL)
		type = "";
	tl = strlen(type) + 1;
	if (rb->n == rb->cap) {
		size_t cap = rb->cap ? rb->cap * 2 : 256;
		struct lg_raw *n = realloc(rb->raw, cap * sizeof(*n));

		if (n == NULL)
			abort();
		rb->raw = n;
		rb->cap = cap;
	}
	/* the three strings side by side */
	p = rawbuf_alloc(rb, tl + cl + el);
	memcpy(p, type, tl);
	if (cl > 0)
		memcpy(p + tl, call_id, cl);
	memcpy(p + tl + cl, envelope, el);
	rb->raw[rb->n] = (struct lg_raw){
		.ms = ms,
		.boot_no = boot_no,
		.seq = seq,
		.type = p,
		.pbx_call_id = cl > 0 ? p + tl : NULL,
		.envelope = p + tl + cl,
	};
	rb->n++;
}

size_t
lg_count_calls(const struct lg_call *c)
{
	size_t n = 0;

	for (; c != NULL; c = c->next_dirty)
		n++;
	return n;
}

/*
 * Hands the batch, the builder's dirty calls, the status rows and the progress mark to the
 * writer (writer.c), which writes them in one transaction while the next batch is built.
 * Waits for the batch before, if the writer still holds one: its outcome decides (a failure
 * starts the spool).  While spooling the raw events go to the spool (spool.c), which the tick
 * drains when PostgreSQL is back.
 */
static void
flush(struct logger *lg)
{
	lg_writer_wait(lg);
	lg->flush_pending = false;
	if (!lg->spooling) {
		if ((lg->batch.n == 0 && lg->nst == 0 && lg_build_dirty(lg->b) == NULL) ||
		    lg->writer == NULL)
			return; /* nothing, or a start that failed */
		lg_writer_submit(lg);
		return;
	}
	lg_spool_batch(lg);
}

void
lg_flush_soon(struct logger *lg)
{
	if (lg_writer_busy(lg)) {
		lg->flush_pending = true; /* on_wake (writer.c) calls again */
		return;
	}
	flush(lg);
}

static void
on_flush(uv_timer_t *t)
{
	lg_flush_soon(t->data);
}

static void
schedule_flush(struct logger *lg)
{
	/*
	 * A full batch goes now.  So does one of some size when the writer could take it (idle,
	 * or just finished): its wake-up (on_wake) only runs once the loop is done with what it
	 * is doing, a whole replay page of events, and meanwhile the writer would sit idle
	 * (~15 ms between batches while catching up).  A batch may end at any event: its
	 * progress mark is the last one applied.
	 */
	if (lg->batch.n >= LG_BATCH_MAX ||
	    (lg->batch.n >= LG_HANDOVER_MIN && lg_writer_ready(lg))) {
		flush(lg);
		return;
	}
	if (!uv_is_active((uv_handle_t *)&lg->flush))
		uv_timer_start(&lg->flush, on_flush, LG_FLUSH_MS, 0);
}

/* ---- applying events -------------------------------------------------------------------- */

/* Makes boot the one being followed (its number, registered in the database). */
static int
follow_boot(struct logger *lg, uint64_t boot)
{
	uint64_t applied = 0;
	int boot_no = 0;

	if (lg->batch.n > 0 || lg->nst > 0)
		flush(lg); /* a batch holds one boot's rows (its progress mark) */
	lg_writer_wait(lg);
	if (lg_store_boot(lg->store, "cti-host", boot, &boot_no, &applied) != HS_OK) {
		hs_log_error("boot.register", "boot=%016llx error=%s", (unsigned long long)boot,
		    hs_logq(hs_db_error(lg->svc->db)));
		return -1;
	}
	hs_log_info("stream.follow", "boot=%016llx boot_no=%d applied=%llu",
	    (unsigned long long)boot, boot_no, (unsigned long long)applied);
	lg->boot = boot;
	lg->boot_no = boot_no;
	lg->applied = applied;
	return 0;
}

/* One event of the current boot, in order. */
static void
apply(struct logger *lg, uint64_t seq, const char *type, const char *ts, const cJSON *body,
    const char *envelope)
{
	long long ms = lg_ts_ms(ts);

	lg->applied = seq;
	if (strcmp(type, "svc.heartbeat") == 0)
		return; /* liveness only; it still counts in the sequence */
	lg->events++;
	lg_rawbuf_add(&lg->batch, ms, lg->boot_no, seq, type,
	    strncmp(type, "call.", 5) == 0 ?
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "call_id")) : NULL,
	    envelope);
	if (lg_build_event(lg->b, lg->boot_no, seq, ms, type, body) != 0) {
		if (lg->bad_events++ < 10)
			hs_log_warn("event.bad", "type=%s seq=%llu note=%s", type,
			    (unsigned long long)seq,
			    hs_logq("fields missing; kept in the raw journal, not built"));
	}
	schedule_flush(lg);
}

static void
queue_push(struct logger *lg, uint64_t boot, uint64_t seq, const char *type, const char *ts,
    const cJSON *body, const char *envelope)
{
	struct lg_pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		abort();
	p->boot = boot;
	p->seq = seq;
	p->type = strdup(type);
	p->ts = strdup(ts);
	p->envelope = strdup(envelope);
	p->body = cJSON_Duplicate(body, 1);
	if (p->type == NULL || p->ts == NULL || p->envelope == NULL || p->body == NULL)
		abort();
	if (lg->queue_tail != NULL)
		lg->queue_tail->next = p;
	else
		lg->queue = p;
	lg->queue_tail = p;
	lg->nqueue++;
}

static void
pending_free(struct lg_pending *p)
{
	free(p->type);
	free(p->ts);
	free(p->envelope);
	cJSON_Delete(p->body);
	free(p);
}

/*
 * Decides what to do with an event of the stream; returns 0 when it was applied or dropped,
 * 1 when it must wait (a replay was asked for, or is in flight).
 */
static int
offer(struct logger *lg, uint64_t boot, uint64_t seq, const char *type, const char *ts,
    const cJSON *body, const char *envelope)
{
	if (lg->replaying)
		return 1;
	if (boot != lg->boot) {
		if (lg->boot != 0 && lg->applied > 0) {
			/* cti-host restarted: what it published after our last event of the old
			 * boot is in its previous journal; on_replay moves on when it is all in */
			replay_request(lg, lg->boot, lg->applied + 1, UINT64_MAX);
			return 1;
		}
		if (follow_boot(lg, boot) != 0)
			return 1;
	}
	if (seq <= lg->applied)
		return 0; /* a copy of what we have */
	if (seq > lg->applied + 1) {
		lg->gaps++;
		replay_request(lg, boot, lg->applied + 1, seq - 1);
		return 1;
	}
	apply(lg, seq, type, ts, body, envelope);
	return 0;
}

/* Applies queued events until one has to wait again. */
static void
stream_drain(struct logger *lg)
{
	while (lg->queue != NULL && !lg->replaying) {
		struct lg_pending *p = lg->queue;
		if (offer(lg, p->boot, p->seq, p->type, p->ts, p->body, p->envelope) != 0)
			break;
		lg->queue = p->next;
		if (lg->queue == NULL)
			lg->queue_tail = NULL;
		lg->nqueue--;
		pending_free(p);
	}
}

static void
on_event(void *arg, const hs_env *e)
{
	struct logger *lg = arg;
	char *env;
	size_t len;

	if ((env = hs_env_encode(e, 0, &len)) == NULL)
		abort();
	if (lg->queue != NULL || offer(lg, e->boot, e->seq, e->type, e->ts, e->body, env) != 0)
		queue_push(lg, e->boot, e->seq, e->type, e->ts, e->body, env);
	free(env);
}

/* ---- replays ---------------------------------------------------------------------------- */

/*
 * The answer to events.replay.  A gap (replay_to set) is done when its range is covered;
 * the rest of a boot (replay_to = UINT64_MAX: at start, or the old boot after a cti-host
 * restart) when an answer brings nothing more, and the stream then moves on to the boot of
 * the next queued event.  Events cti-host no longer keeps are lost: the calls open then are
 * closed as incomplete and the stream goes on after them.
 */
static void
on_replay(void *arg, hs_err status, const hs_env *reply)
{
	struct logger *lg = arg;
	const cJSON *events, *it;
	uint64_t boot = lg->replay_boot, to = lg->replay_to;
	bool more = false;
	int n = 0;

	lg->replaying = false;
	lg->replay_ms += hs_mono_ms() - lg->replay_asked;
	if (boot == 0) {
		/* The first start (no boot in the database): cti-host's current boot from its
		 * first event, asked at once rather than when its first event (a heartbeat, once
		 * a second) comes.  Anything amiss: the first event starts it, as it always did. */
		const char *b = status == HS_OK && reply->status == HS_OK ?
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply->body, "boot")) : NULL;

		if (b == NULL || strlen(b) != 16 || (boot = strtoull(b, NULL, 16)) == 0 ||
		    lg->boot != 0 || follow_boot(lg, boot) != 0) {
			hs_log_info("replay.first", "note=%s",
			    hs_logq("no answer; the first event starts the stream"));
			stream_drain(lg);
			return;
		}
		lg->replay_boot = boot;
	}
	if (status != HS_OK || (reply->status != HS_OK && reply->status != HS_ENOTFOUND)) {
		hs_log_warn("replay.failed", "boot=%016llx error=%s", (unsigned long long)boot,
		    hs_logq(status != HS_OK ? hs_strerror(status) : reply->message));
		lg->replay_retry = true; /* on the next tick */
		return;
	}
	if (reply->status == HS_ENOTFOUND) {
		lg->lost_events++;
		hs_log_error("replay.lost", "boot=%016llx from=%llu message=%s",
		    (unsigned long long)boot, (unsigned long long)lg->applied + 1,
		    hs_logq(reply->message));
		lg_build_close_all(lg->b, "events lost");
		if (to != UINT64_MAX)
			lg->applied = to;
		else if (lg->queue != NULL && lg->queue->boot == boot)
			lg->applied = lg->queue->seq - 1;
		else
			lg->boot = 0, lg->applied = 0;
		stream_drain(lg);
		return;
	}
	events = cJSON_GetObjectItemCaseSensitive(reply->body, "events");
	/* More to fetch: ask now, so cti-host reads the next page while we write this one. */
	it = cJSON_GetArrayItem(events, cJSON_GetArraySize(events) - 1);
	if (it != NULL && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "seq"))) {
		uint64_t end = (uint64_t)cJSON_GetObjectItemCaseSensitive(it, "seq")->valuedouble;
		if (end < to) {
			replay_request(lg, boot, end + 1, to);
			more = true;
		}
	} else if (it == NULL && lg->replay_win < to) {
		/* An empty page that was not the whole range: only heartbeats there (they are not
		 * journaled).  The range goes on while cti-host's journal does. */
		const cJSON *last = cJSON_GetObjectItemCaseSensitive(reply->body, "last");

		if (cJSON_IsNumber(last) && (uint64_t)last->valuedouble > lg->replay_win) {
			replay_request(lg, boot, lg->replay_win + 1, to);
			more = true;
		}
	}
	cJSON_ArrayForEach(it, events) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "type"));
		const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "ts"));
		const cJSON *sq = cJSON_GetObjectItemCaseSensitive(it, "seq");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(it, "body");
		const char *env;

		if (type == NULL || ts == NULL || !cJSON_IsNumber(sq) || !cJSON_IsObject(body) ||
		    (uint64_t)sq->valuedouble <= lg->applied)
			continue;
		if ((env = lg_json_print(&lg->envelope, it)) == NULL)
			abort();
		apply(lg, (uint64_t)sq->valuedouble, type, ts, body, env);
		n++;
	}
	hs_log_info("replay.done", "boot=%016llx events=%d applied=%llu", (unsigned long long)boot,
	    n, (unsigned long long)lg->applied);
	/* An answer is a batch of its own: written now, while the next one is on its way
	 * (waiting LG_FLUSH_MS for more live events would only leave the writer idle). */
	if (n > 0)
		lg_flush_soon(lg);
	if (more)
		return; /* the rest of the range is on its way */
	if (to != UINT64_MAX) {
		/* the gap is covered (heartbeats are not journaled, so some seqs never come) */
		if (lg->applied < to)
			lg->applied = to;
	} else if (lg->queue != NULL && lg->queue->boot != boot) {
		/* nothing more of this boot: the queued events start the next one */
		flush(lg);
		lg->boot = 0;
		lg->applied = 0;
	}
	stream_drain(lg);
}

static void
replay_request(struct logger *lg, uint64_t boot, uint64_t from, uint64_t to)
{
	cJSON *body = cJSON_CreateObject();
	char b[17];

	snprintf(b, sizeof(b), "%016llx", (unsigned long long)boot);
	if (boot != 0) /* else the current boot, which the answer names */
		cJSON_AddStringToObject(body, "boot", b);
	cJSON_AddNumberToObject(body, "from", (double)from);
	/* Pages of LG_REPLAY_PAGE events: the first comes sooner, and the writer works on one
	 * while the loop builds the next and cti-host reads the one after. */
	lg->replay_win = to >= from && to - from >= LG_REPLAY_PAGE ? from + LG_REPLAY_PAGE - 1 : to;
	cJSON_AddNumberToObject(body, "to", (double)lg->replay_win);
	lg->replaying = true;
	lg->replay_asked = hs_mono_ms();
	lg->replay_retry = false;
	lg->replay_boot = boot;
	lg->replay_to = to;
	hs_log_info("replay.ask", "boot=%s from=%llu to=%lld", b, (unsigned long long)from,
	    to == UINT64_MAX ? -1LL : (long long)to);
	if (hs_bus_request(lg->svc->bus, lg->cti_rep, "events.replay", body,
		LG_REPLAY_TIMEOUT_MS, on_replay, lg) != HS_OK)
		lg->replaying = false; /* retried on the next tick */
}

/* ---- start, tick, stop ------------------------------------------------------------------ */

struct reload_ctx {
	struct logger *lg;
	size_t n;
};

static void
reload_one(void *arg, int boot_no, uint64_t seq, const char *envelope)
{
	struct reload_ctx *c = arg;
	cJSON *o = cJSON_Parse(envelope);
	const char *type, *ts;

	if (o == NULL)
		return;
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
	ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "ts"));
	if (type != NULL && ts != NULL)
		lg_build_event(c->lg->b, boot_no, seq, lg_ts_ms(ts), type,
		    cJSON_GetObjectItemCaseSensitive(o, "body"));
	cJSON_Delete(o);
	c->n++;
}

void
lg_learn_kind(void *arg, const char *device, enum lg_kind kind)
{
	lg_build_device_kind(arg, device, kind);
}

static void
on_tick(uv_timer_t *t)
{
	struct logger *lg = t->data;
	long long now = hs_now_ms();
	unsigned long long mark;

	if (lg->spooling)
		lg_spool_drain(lg);
	else if (lg->batch.n > 0 || lg->nst > 0)
		lg_flush_soon(lg);
	if (lg->replay_retry && !lg->replaying)
		replay_request(lg, lg->replay_boot, lg->applied + 1, lg->replay_to);
	else if (!lg->replaying && lg->queue != NULL)
		stream_drain(lg);
	if (now - lg->partitions_ms > 3600 * 1000 && !lg->spooling && !lg_writer_busy(lg) &&
	    lg_store_partitions(lg->store, now) == HS_OK)
		lg->partitions_ms = now;
	/* logger.progress while the stream moves, not while it is idle */
	mark = lg->calls_written + lg->applied + lg->spooled;
	if (mark != lg->progress_sent) {
		cJSON *body = cJSON_CreateObject(), *a = cJSON_AddObjectToObject(body, "applied");
		char b[17];
		lg->progress_sent = mark;
		snprintf(b, sizeof(b), "%016llx", (unsigned long long)lg->boot);
		cJSON_AddStringToObject(a, "boot", b);
		cJSON_AddNumberToObject(a, "seq", (double)lg->applied);
		cJSON_AddNumberToObject(body, "calls_open", (double)lg_build_open(lg->b));
		cJSON_AddNumberToObject(body, "calls_written", (double)lg->calls_written);
		cJSON_AddNumberToObject(body, "spooled", (double)lg->spooled);
		hs_bus_publish(lg->svc->bus, "logger.progress", body);
	}
}

/* A spooled event of the last run: received, so it goes into the stream like a live one. */
static void
requeue(void *arg, const cJSON *o, const char *text)
{
	struct logger *lg = arg;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
	const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "ts"));
	const char *boot = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "boot"));
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(o, "body");

	if (type != NULL && ts != NULL && boot != NULL && cJSON_IsNumber(seq) &&
	    cJSON_IsObject(body))
		queue_push(lg, strtoull(boot, NULL, 16), (uint64_t)seq->valuedouble, type, ts, body,
		    text);
}

int
lg_ingest_start(struct logger *lg)
{
	struct hs_svc *svc = lg->svc;
	struct reload_ctx rc = { .lg = lg };
	char err[256];
	uint64_t boot = 0, applied = 0;
	int boot_no = 0;

	if ((lg->b = lg_build_new(on_status, lg)) == NULL)
		return -1;
	if (lg_store_open(&lg->store, svc->db) != HS_OK) {
		hs_log_error("store.open", "error=%s", hs_logq(hs_db_error(svc->db)));
		return -1;
	}
	lg_store_partitions(lg->store, hs_now_ms());
	lg_store_device_kinds(lg->store, lg_learn_kind, lg->b);

	/* The calls that were open when the last run ended, from their raw events. */
	if (lg_store_open_events(lg->store, reload_one, &rc) != HS_OK)
		hs_log_warn("reload.failed", "error=%s", hs_logq(hs_db_error(svc->db)));
	if (rc.n > 0) {
		lg->nst = 0; /* status rows of these events are in the database already */
		lg_build_mark_stored(lg->b); /* and so are these calls */
		hs_log_info("reload", "events=%zu calls_open=%zu", rc.n, lg_build_open(lg->b));
	}

	/* The spool: events the last run received while PostgreSQL was away.  They are
	 * applied like live ones (a copy of what is already in is dropped by its seq); the file
	 * goes when they are written. */
	if (lg_spool_open(lg) != 0)
		return -1;
	if (lg->spool_seq > 0) {
		hs_log_info("spool.found", "events=%llu", (unsigned long long)lg->spool_seq);
		lg_spool_each(lg, requeue, lg);
		lg->spool_from_last_run = true;
		lg->spooled = lg->spool_seq;
		lg->spool_since = hs_now_ms();
	}

	if (hs_locate_service(svc->db, svc->conf, HS_SVC_CTI_HOST, HS_EP_PUB, lg->cti_pub,
		sizeof(lg->cti_pub), err, sizeof(err)) != HS_OK ||
	    hs_locate_service(svc->db, svc->conf, HS_SVC_CTI_HOST, HS_EP_REP, lg->cti_rep,
		sizeof(lg->cti_rep), err, sizeof(err)) != HS_OK) {
		/* no server runs cti-host yet: follow the local one when it comes */
		hs_service_endpoint(svc->conf, HS_SVC_CTI_HOST, HS_EP_PUB, lg->cti_pub,
		    sizeof(lg->cti_pub));
		hs_service_endpoint(svc->conf, HS_SVC_CTI_HOST, HS_EP_REP, lg->cti_rep,
		    sizeof(lg->cti_rep));
	}

	/* Resume after the last event applied. */
	if (lg_store_last_boot(lg->store, "cti-host", &boot, &boot_no, &applied) == HS_OK &&
	    boot != 0) {
		lg->boot = boot;
		lg->boot_no = boot_no;
		lg->applied = applied;
		replay_request(lg, boot, applied + 1, UINT64_MAX);
	} else {
		replay_request(lg, 0, 1, UINT64_MAX); /* on_replay: the first start */
	}

	if (lg_writer_start(lg) != 0) {
		hs_log_error("writer.start", "note=%s", hs_logq("cannot start the batch writer"));
		return -1;
	}
	uv_timer_init(svc->uv, &lg->flush);
	lg->flush.data = lg;
	uv_timer_init(svc->uv, &lg->tick);
	lg->tick.data = lg;
	uv_timer_start(&lg->tick, on_tick, 1000, 1000);
	if (hs_bus_subscribe(svc->bus, lg->cti_pub, "", on_event, lg, &lg->sub) != HS_OK) {
		hs_log_error("bus.subscribe", "url=%s", lg->cti_pub);
		return -1;
	}
	hs_log_info("ingest.start", "cti_host=%s spool=%s", lg->cti_pub, lg->spool_path);
	return 0;
}

void
lg_ingest_stop(struct logger *lg)
{
	if (lg->sub != NULL)
		hs_bus_unsubscribe(lg->sub);
	lg->sub = NULL;
	flush(lg);
	lg_writer_wait(lg);
	if (lg->spooling)
		lg_spool_drain(lg);
	lg_writer_stop(lg);
	uv_close((uv_handle_t *)&lg->flush, NULL);
	uv_close((uv_handle_t *)&lg->tick, NULL);
	while (lg->queue != NULL) {
		struct lg_pending *p = lg->queue;
		lg->queue = p->next;
		pending_free(p);
	}
	lg_rawbuf_free(&lg->batch);
	lg_text_free(&lg->envelope);
	free(lg->st);
	lg_spool_close(lg);
	lg_store_close(lg->store);
	lg_build_free(lg->b);
}

void
lg_ingest_health(struct logger *lg, cJSON *body)
{
	cJSON *o = cJSON_AddObjectToObject(body, "logger");
	char b[17];

	snprintf(b, sizeof(b), "%016llx", (unsigned long long)lg->boot);
	cJSON_AddStringToObject(o, "cti_host", lg->cti_pub);
	cJSON_AddStringToObject(o, "boot", b);
	cJSON_AddNumberToObject(o, "applied_seq", (double)lg->applied);
	cJSON_AddBoolToObject(o, "replaying", lg->replaying);
	cJSON_AddNumberToObject(o, "queued", (double)lg->nqueue);
	cJSON_AddNumberToObject(o, "calls_open", (double)lg_build_open(lg->b));
	cJSON_AddNumberToObject(o, "calls_written", (double)lg->calls_written);
	cJSON_AddNumberToObject(o, "events", (double)lg->events);
	cJSON_AddNumberToObject(o, "batches", (double)lg->batches);
	cJSON_AddNumberToObject(o, "gaps", (double)lg->gaps);
	cJSON_AddNumberToObject(o, "lost_events", (double)lg->lost_events);
	cJSON_AddNumberToObject(o, "bad_events", (double)lg->bad_events);
	cJSON_AddNumberToObject(o, "write_errors", (double)lg->write_errors);
	cJSON_AddNumberToObject(o, "write_ms", (double)lg->write_ms);
	cJSON_AddNumberToObject(o, "replay_ms", (double)lg->replay_ms);
	cJSON_AddBoolToObject(o, "spooling", lg->spooling);
	cJSON_AddNumberToObject(o, "spooled", (double)lg->spooled);
}
