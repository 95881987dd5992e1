/*
 * ingest.c - following cti-host's event stream without losing or repeating an event.
 *
 *   every event --seq = applied+1--> apply: raw row + builder --> batch
 *                --seq > applied+1--> queue it, events.replay the gap, apply, drain queue
 *                --seq <= applied---> a copy we have: dropped
 *                --new boot-------> replay what is left of the old boot, then follow the new
 *   batch full or 50 ms --> one transaction (store.c): raw rows, dirty calls, status rows,
 *                            progress; on failure --> spool the raw rows to disk, keep the
 *                            builder's dirty marks, raise svc.alert; every second try again:
 *                            write everything, then empty the spool.
 *
 * Start-up: the builder's open calls are rebuilt from the raw journal of the calls still
 * open in the database, the spool (if the last run ended while spooling) is queued, and the
 * stream is resumed after the last applied sequence number of the newest boot.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
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

static void
alert(struct logger *lg, bool raised, const char *fmt, ...)
{
	cJSON *body = cJSON_CreateObject();
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(body, "code", "logger.spooling");
	cJSON_AddBoolToObject(body, "raised", raised);
	cJSON_AddStringToObject(body, "severity", "warning");
	cJSON_AddStringToObject(body, "message", msg);
	hs_bus_publish(lg->svc->bus, "svc.alert", body);
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

static void
batch_clear_raw(struct logger *lg)
{
	for (size_t i = 0; i < lg->nraw; i++)
		free(lg->raw_text[i]);
	lg->nraw = 0;
}

static void
raw_add(struct logger *lg, long long ms, uint64_t seq, const char *type, const char *call_id,
    const char *envelope)
{
	size_t tl = strlen(type) + 1, cl = call_id != NULL ? strlen(call_id) + 1 : 0;
	size_t el = strlen(envelope) + 1;
	char *p;

	if (lg->nraw == lg->capraw) {
		size_t cap = lg->capraw ? lg->capraw * 2 : 256;
		struct lg_raw *n = realloc(lg->raw, cap * sizeof(*n));
		char **t = realloc(lg->raw_text, cap * sizeof(*t));
		if (n == NULL || t == NULL)
			abort();
		lg->raw = n;
		lg->raw_text = t;
		lg->capraw = cap;
	}
	/* one allocation for the three strings */
	if ((p = malloc(tl + cl + el)) == NULL)
		abort();
	memcpy(p, type, tl);
	if (cl > 0)
		memcpy(p + tl, call_id, cl);
	memcpy(p + tl + cl, envelope, el);
	lg->raw_text[lg->nraw] = p;
	lg->raw[lg->nraw] = (struct lg_raw){
		.ms = ms,
		.boot_no = lg->boot_no,
		.seq = seq,
		.type = p,
		.pbx_call_id = cl > 0 ? p + tl : NULL,
		.envelope = p + tl + cl,
	};
	lg->nraw++;
}

static size_t
count_dirty(struct lg_call *c)
{
	size_t n = 0;

	for (; c != NULL; c = c->next_dirty)
		n++;
	return n;
}

/* Writes what the batch holds (and, after an outage, the spool first).  Returns 0 when
 * everything is in the database. */
static int
flush(struct logger *lg)
{
	struct lg_call *dirty;
	hs_err rv;

	if (lg->spooling)
		return -1; /* the tick drains the spool first, to keep the order */
	if (lg->nraw == 0 && lg->nst == 0 && lg_build_dirty(lg->b) == NULL)
		return 0;
	dirty = lg_build_dirty(lg->b);
	rv = lg_store_write(lg->store, lg->raw, lg->nraw, dirty, lg->st, lg->nst, lg->boot_no,
	    lg->applied);
	if (rv == HS_OK) {
		lg->calls_written += count_dirty(dirty);
		lg->batches++;
		lg->last_write_ms = hs_now_ms();
		lg_build_written(lg->b);
		batch_clear_raw(lg);
		lg->nst = 0;
		return 0;
	}
	/* PostgreSQL is away: the raw rows go to the spool on disk; the calls stay dirty in the
	 * builder and the status rows in memory until the write succeeds. */
	lg->write_errors++;
	for (size_t i = 0; i < lg->nraw; i++) {
		char line[64];
		int n = snprintf(line, sizeof(line), "%d ", lg->raw[i].boot_no);
		size_t el = strlen(lg->raw[i].envelope);
		char *rec = malloc((size_t)n + el + 1);
		if (rec == NULL)
			abort();
		memcpy(rec, line, (size_t)n);
		memcpy(rec + n, lg->raw[i].envelope, el + 1);
		if (hs_journal_append(lg->spool, ++lg->spool_seq, rec, (size_t)n + el) != HS_OK)
			hs_log_error("spool.write", "path=%s seq=%llu note=%s", lg->spool_path,
			    (unsigned long long)lg->spool_seq,
			    hs_logq("could not write the spool; the events stay in cti-host's journal"));
		free(rec);
		lg->spooled++;
	}
	batch_clear_raw(lg);
	if (!lg->spooling) {
		lg->spooling = true;
		lg->spool_since = hs_now_ms();
		hs_log_warn("spool.start", "error=%s path=%s", hs_logq(hs_db_error(lg->svc->db)),
		    lg->spool_path);
		alert(lg, true, "PostgreSQL unreachable: call events spooled to %s",
		    lg->spool_path);
	}
	return -1;
}

struct spool_ctx {
	struct logger *lg;
	struct lg_raw *raw;
	char **text;
	size_t n, cap;
};

static void
spool_collect(void *arg, uint64_t seq, const char *data, size_t len)
{
	struct spool_ctx *c = arg;
	char *copy, *env;
	cJSON *o;

	(void)seq;
	if ((copy = strndup(data, len)) == NULL)
		abort();
	env = strchr(copy, ' ');
	if (env == NULL || (o = cJSON_Parse(env + 1)) == NULL) {
		free(copy);
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->raw = realloc(c->raw, c->cap * sizeof(*c->raw));
		c->text = realloc(c->text, c->cap * sizeof(*c->text));
		if (c->raw == NULL || c->text == NULL)
			abort();
	}
	{
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(o, "body");
		const cJSON *cid = cJSON_GetObjectItemCaseSensitive(body, "call_id");
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
		const cJSON *sq = cJSON_GetObjectItemCaseSensitive(o, "seq");
		size_t tl = cJSON_IsString(type) ? strlen(type->valuestring) + 1 : 1;
		size_t cl = cJSON_IsString(cid) ? strlen(cid->valuestring) + 1 : 0;
		char *p = malloc(tl + cl + len + 1);

		if (p == NULL)
			abort();
		memcpy(p, cJSON_IsString(type) ? type->valuestring : "", tl);
		if (cl > 0)
			memcpy(p + tl, cid->valuestring, cl);
		strcpy(p + tl + cl, env + 1);
		c->text[c->n] = p;
		c->raw[c->n] = (struct lg_raw){
			.ms = cJSON_IsString(ts) ? lg_ts_ms(ts->valuestring) : 0,
			.boot_no = atoi(copy),
			.seq = cJSON_IsNumber(sq) ? (uint64_t)sq->valuedouble : 0,
			.type = p,
			.pbx_call_id = cl > 0 ? p + tl : NULL,
			.envelope = p + tl + cl,
		};
		c->n++;
	}
	cJSON_Delete(o);
	free(copy);
}

/* PostgreSQL is back: the spooled events, then the dirty calls, status rows and progress,
 * in one transaction; then the spool is emptied. */
static void
spool_drain(struct logger *lg)
{
	struct spool_ctx c = { .lg = lg };
	struct lg_call *dirty;
	hs_err rv;

	if (!hs_db_connected(lg->svc->db) && hs_db_exec_sql(lg->svc->db, "SELECT 1", NULL) != HS_OK)
		return;
	if (lg->spool_seq > 0 &&
	    hs_journal_replay(lg->spool, 1, lg->spool_seq, spool_collect, &c) != HS_OK) {
		hs_log_error("spool.read", "path=%s", lg->spool_path);
	}
	dirty = lg_build_dirty(lg->b);
	rv = lg_store_write(lg->store, c.raw, c.n, dirty, lg->st, lg->nst, lg->boot_no,
	    lg->applied);
	for (size_t i = 0; i < c.n; i++)
		free(c.text[i]);
	free(c.text);
	free(c.raw);
	if (rv != HS_OK)
		return;
	lg->calls_written += count_dirty(dirty);
	lg_build_written(lg->b);
	lg->nst = 0;
	hs_journal_close(lg->spool);
	lg->spool = NULL;
	unlink(lg->spool_path);
	if (hs_journal_open(&lg->spool, lg->spool_path, 0, 0) != HS_OK)
		hs_log_error("spool.open", "path=%s", lg->spool_path);
	hs_log_info("spool.drained", "events=%llu after_ms=%lld",
	    (unsigned long long)lg->spooled, hs_now_ms() - lg->spool_since);
	lg->spool_seq = 0;
	lg->spooled = 0;
	lg->spooling = false;
	alert(lg, false, "PostgreSQL reachable again: spooled call events written");
}

static void
on_flush(uv_timer_t *t)
{
	flush(t->data);
}

static void
schedule_flush(struct logger *lg)
{
	if (lg->nraw >= LG_BATCH_MAX) {
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

	if (lg->nraw > 0 || lg->nst > 0)
		flush(lg); /* a batch holds one boot's rows (its progress mark) */
	if (lg_store_boot(lg->store, "cti-host", boot, &boot_no, &applied) != HS_OK) {
		hs_log_error("boot.register", "boot=%016llx error=%s", (unsigned long long)boot,
		    hs_logq(hs_db_error(lg->svc->db)));
		return -1;
	}
	hs_log_info("stream.follow", "boot=%016llx boot_no=%d applied=%llu",
	    (unsigned long long)boot, boot_no, (unsigned long long)applied);
	lg->boot = boot;
	lg->boot_no = boot_no;
	if (applied > lg->applied || lg->applied == 0)
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
	raw_add(lg, ms, seq, type,
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
		uint64_t old = lg->boot;
		if (old != 0 && lg->applied > 0) {
			/* cti-host restarted: what it published after our last event of the old
			 * boot is in its previous journal */
			replay_request(lg, old, lg->applied + 1, UINT64_MAX);
			lg->replay_boot = old;
			lg->boot = 0; /* after the replay, follow the new boot */
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

static void
on_replay(void *arg, hs_err status, const hs_env *reply)
{
	struct logger *lg = arg;
	const cJSON *events, *it;
	uint64_t boot = lg->replay_boot, last_seq = 0;
	int n = 0;

	lg->replaying = false;
	if (status != HS_OK || reply->status != HS_OK) {
		/* Lost for good (no longer kept) or cti-host not answering. */
		if (status == HS_OK && reply->status == HS_ENOTFOUND) {
			lg->lost_events++;
			hs_log_error("replay.lost", "boot=%016llx from=%llu message=%s",
			    (unsigned long long)boot, (unsigned long long)lg->applied + 1,
			    hs_logq(reply->message));
			if (boot == lg->boot && lg->queue != NULL && lg->queue->boot == boot) {
				lg->applied = lg->queue->seq - 1;
			} else if (boot != lg->boot || lg->boot == 0) {
				lg->boot = 0;
			}
			/* what we built may be missing events: close them as incomplete */
			lg_build_close_all(lg->b, hs_now_ms(), "events lost");
		} else {
			hs_log_warn("replay.failed", "boot=%016llx error=%s", (unsigned long long)boot,
			    hs_logq(status != HS_OK ? hs_strerror(status) : reply->message));
			/* retry on the next tick */
			return;
		}
		stream_drain(lg);
		return;
	}
	events = cJSON_GetObjectItemCaseSensitive(reply->body, "events");
	cJSON_ArrayForEach(it, events) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "type"));
		const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "ts"));
		const cJSON *sq = cJSON_GetObjectItemCaseSensitive(it, "seq");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(it, "body");
		char *env;

		if (type == NULL || ts == NULL || !cJSON_IsNumber(sq) || !cJSON_IsObject(body))
			continue;
		if ((uint64_t)sq->valuedouble <= lg->applied)
			continue;
		if ((env = cJSON_PrintUnformatted(it)) == NULL)
			abort();
		apply(lg, (uint64_t)sq->valuedouble, type, ts, body, env);
		free(env);
		last_seq = (uint64_t)sq->valuedouble;
		n++;
	}
	hs_log_info("replay.done", "boot=%016llx events=%d applied=%llu", (unsigned long long)boot,
	    n, (unsigned long long)lg->applied);
	if (boot == lg->boot && lg->replay_to != UINT64_MAX) {
		/* a gap: covered up to its end (heartbeats are not journaled) */
		if (lg->applied < lg->replay_to)
			lg->applied = lg->replay_to;
	} else if (n > 0 && last_seq > 0) {
		/* the old boot's tail: ask again until nothing is left */
		replay_request(lg, boot, lg->applied + 1, UINT64_MAX);
		return;
	} else if (boot != lg->boot) {
		/* done with the old boot: the next event starts the new one */
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
	cJSON_AddStringToObject(body, "boot", b);
	cJSON_AddNumberToObject(body, "from", (double)from);
	if (to != UINT64_MAX)
		cJSON_AddNumberToObject(body, "to", (double)to);
	lg->replaying = true;
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

static void
on_kind(void *arg, const char *device, enum lg_kind kind)
{
	lg_build_device_kind(arg, device, kind);
}

static void
on_tick(uv_timer_t *t)
{
	struct logger *lg = t->data;
	static long long last_part;
	long long now = hs_now_ms();

	if (lg->spooling)
		spool_drain(lg);
	else if (lg->nraw > 0 || lg->nst > 0)
		flush(lg);
	if (!lg->replaying && lg->queue != NULL)
		stream_drain(lg);
	if (now - last_part > 3600 * 1000 && !lg->spooling) {
		if (lg_store_partitions(lg->store, now) == HS_OK)
			last_part = now;
	}
	if (lg->batches > 0) {
		cJSON *body = cJSON_CreateObject(), *a = cJSON_AddObjectToObject(body, "applied");
		char b[17];
		snprintf(b, sizeof(b), "%016llx", (unsigned long long)lg->boot);
		cJSON_AddStringToObject(a, "boot", b);
		cJSON_AddNumberToObject(a, "seq", (double)lg->applied);
		cJSON_AddNumberToObject(body, "calls_open", (double)lg_build_open(lg->b));
		cJSON_AddNumberToObject(body, "calls_written", (double)lg->calls_written);
		cJSON_AddNumberToObject(body, "spooled", (double)lg->spooled);
		hs_bus_publish(lg->svc->bus, "logger.progress", body);
	}
}

int
lg_ingest_start(struct logger *lg)
{
	struct hs_svc *svc = lg->svc;
	struct reload_ctx rc = { .lg = lg };
	char err[256];
	uint64_t boot = 0, applied = 0;
	int boot_no = 0;
	const char *state = hs_conf_str(svc->conf, "paths.state");

	if ((lg->b = lg_build_new(on_status, lg)) == NULL)
		return -1;
	if (lg_store_open(&lg->store, svc->db) != HS_OK) {
		hs_log_error("store.open", "error=%s", hs_logq(hs_db_error(svc->db)));
		return -1;
	}
	lg_store_partitions(lg->store, hs_now_ms());
	lg_store_device_kinds(lg->store, on_kind, lg->b);

	/* The calls that were open when the last run ended, from their raw events. */
	if (lg_store_open_events(lg->store, reload_one, &rc) != HS_OK)
		hs_log_warn("reload.failed", "error=%s", hs_logq(hs_db_error(svc->db)));
	if (rc.n > 0) {
		lg->nst = 0; /* status rows of these events are in the database already */
		hs_log_info("reload", "events=%zu calls_open=%zu", rc.n, lg_build_open(lg->b));
	}

	/* The spool: written while PostgreSQL was away, maybe by the last run. */
	snprintf(lg->spool_path, sizeof(lg->spool_path), "%s/logger/spool.jnl",
	    state != NULL ? state : "/var/lib/hookswitch");
	{
		char dir[600];
		snprintf(dir, sizeof(dir), "%s/logger", state != NULL ? state : "/var/lib/hookswitch");
		if (hs_fs_mkdir_p(dir, 0750) != 0)
			hs_log_warn("spool.dir", "path=%s errno=%d", dir, errno);
	}
	if (hs_journal_open(&lg->spool, lg->spool_path, 0, 0) != HS_OK) {
		hs_log_error("spool.open", "path=%s", lg->spool_path);
		return -1;
	}
	lg->spool_seq = hs_journal_last(lg->spool);
	if (lg->spool_seq > 0) {
		hs_log_info("spool.found", "events=%llu", (unsigned long long)lg->spool_seq);
		lg->spooled = lg->spool_seq;
		lg->spooling = true;
		lg->spool_since = hs_now_ms();
		spool_drain(lg);
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
		lg->replay_to = UINT64_MAX;
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
	if (lg->spooling)
		spool_drain(lg);
	uv_close((uv_handle_t *)&lg->flush, NULL);
	uv_close((uv_handle_t *)&lg->tick, NULL);
	while (lg->queue != NULL) {
		struct lg_pending *p = lg->queue;
		lg->queue = p->next;
		pending_free(p);
	}
	batch_clear_raw(lg);
	free(lg->raw);
	free(lg->raw_text);
	free(lg->st);
	if (lg->spool != NULL)
		hs_journal_close(lg->spool);
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
	cJSON_AddBoolToObject(o, "spooling", lg->spooling);
	cJSON_AddNumberToObject(o, "spooled", (double)lg->spooled);
}
