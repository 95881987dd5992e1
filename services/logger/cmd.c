/*
 * cmd.c - the logger's bus commands: calls.list (read) and calls.rebuild (mutating).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logger.h"

static int
range(const hs_env *msg, hs_bus_req *req, long long *from, long long *to)
{
	const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg->body, "from"));
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg->body, "to"));

	*from = f != NULL ? lg_ts_ms(f) : 0;
	*to = t != NULL ? lg_ts_ms(t) : hs_now_ms() + 1;
	if (*from <= 0 || *to <= 0) {
		hs_bus_reply(req, HS_EINVAL, NULL,
		    "fields 'from' and 'to' must be ISO-8601 UTC times (2026-11-25T09:00:00Z)");
		return -1;
	}
	if (*from >= *to) {
		hs_bus_reply(req, HS_EINVAL, NULL, "'from' must be before 'to'");
		return -1;
	}
	return 0;
}

static void
cmd_list(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct hs_svc *svc = arg;
	struct logger *lg = svc->priv;
	const cJSON *jl = cJSON_GetObjectItemCaseSensitive(msg->body, "limit");
	const char *dev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg->body, "device"));
	long long from, to;
	int limit = 1000;
	cJSON *out = NULL;

	if (range(msg, req, &from, &to) != 0)
		return;
	if (jl != NULL) {
		if (!cJSON_IsNumber(jl) || jl->valuedouble < 1 || jl->valuedouble > 10000) {
			hs_bus_reply(req, HS_EINVAL, NULL, "'limit' must be 1..10000");
			return;
		}
		limit = (int)jl->valuedouble;
	}
	if (lg_store_list(lg->store, from, to, dev, limit, &out) != HS_OK) {
		hs_bus_reply(req, HS_EDB, NULL, "%s", hs_db_error(svc->db));
		return;
	}
	hs_bus_reply(req, HS_OK, out, NULL);
}

/* ---- rebuild ---------------------------------------------------------------------------- */

/*
 * A rebuild reads the raw journal a thousand events per loop turn (an idle handle), so the
 * logger goes on following the stream, answering and beating its heart meanwhile: a
 * rebuild of a busy day takes minutes, longer than the watchdog waits for a silent service.
 */
struct lg_rebuild {
	struct logger *lg;
	hs_bus_req *req;
	lg_builder *b;
	uv_idle_t idle;
	long long from, to, deleted, events, built;
	hs_err err;
};

/* Writes the calls the rebuild finished that started in range; the others are dropped.
 * The write takes a list through next_dirty, so the kept calls are linked into one for it
 * and the builder's own list is put back before it is cleared. */
static void
rb_write(struct lg_rebuild *r)
{
	struct lg_call *all = lg_build_dirty(r->b), *keep = NULL, **tail = &keep, **saved;
	size_t n = 0, i = 0;

	for (struct lg_call *c = all; c != NULL; c = c->next_dirty)
		n++;
	if (n == 0)
		return;
	if ((saved = malloc(n * sizeof(*saved))) == NULL) {
		r->err = HS_ENOMEM;
		return;
	}
	for (struct lg_call *c = all; c != NULL; c = c->next_dirty)
		saved[i++] = c;
	for (i = 0; i < n; i++) {
		struct lg_call *c = saved[i];
		if (c->ended && c->start_ms >= r->from && c->start_ms < r->to) {
			*tail = c;
			tail = &c->next_dirty;
			r->built++;
		}
	}
	*tail = NULL;
	if (keep != NULL && r->err == HS_OK)
		r->err = lg_store_write(r->lg->store, NULL, 0, keep, NULL, 0, 0, 0);
	for (i = 0; i + 1 < n; i++)
		saved[i]->next_dirty = saved[i + 1];
	saved[n - 1]->next_dirty = NULL;
	free(saved);
	/* every ended call is freed, written or not */
	lg_build_written(r->b);
}

static void
rb_event(void *arg, int boot_no, uint64_t seq, const char *envelope)
{
	struct lg_rebuild *r = arg;
	cJSON *o = cJSON_Parse(envelope);
	const char *type, *ts;

	if (o == NULL)
		return;
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
	ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "ts"));
	if (type != NULL && ts != NULL) {
		lg_build_event(r->b, boot_no, seq, lg_ts_ms(ts), type,
		    cJSON_GetObjectItemCaseSensitive(o, "body"));
		r->events++;
	}
	cJSON_Delete(o);
}

static void
rb_free(uv_handle_t *h)
{
	struct lg_rebuild *r = h->data;

	lg_build_free(r->b);
	free(r);
}

static void
rb_finish(struct lg_rebuild *r)
{
	struct hs_svc *svc = r->lg->svc;
	cJSON *body;

	uv_idle_stop(&r->idle);
	r->lg->rebuild = NULL;
	if (r->err != HS_OK) {
		hs_bus_reply(r->req, HS_EDB, NULL, "%s", hs_db_error(svc->db));
	} else {
		hs_log_info("calls.rebuild", "from_ms=%lld to_ms=%lld deleted=%lld built=%lld "
		    "events=%lld", r->from, r->to, r->deleted, r->built, r->events);
		body = cJSON_CreateObject();
		cJSON_AddNumberToObject(body, "calls_deleted", (double)r->deleted);
		cJSON_AddNumberToObject(body, "calls_built", (double)r->built);
		cJSON_AddNumberToObject(body, "events", (double)r->events);
		hs_bus_reply(r->req, HS_OK, body, NULL);
	}
	uv_close((uv_handle_t *)&r->idle, rb_free);
}

static void
rb_step(uv_idle_t *h)
{
	struct lg_rebuild *r = h->data;
	bool done = false;

	lg_writer_wait(r->lg); /* the live writer and the rebuild take turns, as before */
	if (lg_store_rebuild_next(r->lg->store, rb_event, r, &done) != HS_OK)
		r->err = HS_EDB;
	/* Calls still open at the end of the journal are open now: the live builder owns them
	 * and writes them as they go on. */
	rb_write(r);
	if (done || r->err != HS_OK)
		rb_finish(r);
}

static void
cmd_rebuild(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct hs_svc *svc = arg;
	struct logger *lg = svc->priv;
	struct lg_rebuild *r;
	long long from, to;

	if (range(msg, req, &from, &to) != 0)
		return;
	if (lg->rebuild != NULL) {
		hs_bus_reply(req, HS_EBUSY, NULL, "a rebuild is running already");
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->b = lg_build_new(NULL, NULL)) == NULL) {
		free(r);
		hs_bus_reply(req, HS_ENOMEM, NULL, "out of memory");
		return;
	}
	r->lg = lg;
	r->req = req;
	r->from = from;
	r->to = to;
	lg_writer_wait(lg);
	lg_store_device_kinds(lg->store, lg_learn_kind, r->b);
	/* Calls open at most a day before `from` are rebuilt whole; older ones are not touched. */
	if (lg_store_rebuild_begin(lg->store, from, to, 24LL * 3600 * 1000, &r->deleted) !=
	    HS_OK) {
		hs_bus_reply(req, HS_EDB, NULL, "%s", hs_db_error(svc->db));
		lg_build_free(r->b);
		free(r);
		return;
	}
	uv_idle_init(svc->uv, &r->idle);
	r->idle.data = r;
	uv_idle_start(&r->idle, rb_step);
	lg->rebuild = r;
}

void
lg_rebuild_stop(struct logger *lg)
{
	struct lg_rebuild *r = lg->rebuild;

	if (r == NULL)
		return;
	/* the bus answers the request ECLOSED when it closes */
	uv_idle_stop(&r->idle);
	lg->rebuild = NULL;
	uv_close((uv_handle_t *)&r->idle, rb_free);
}

const struct hs_bus_cmd lg_cmds[] = {
	{ "calls.list", HS_CMD_READONLY, cmd_list,
	    "calls that started in [from, to) with segments: {\"from\", \"to\", \"limit\", \"device\"}" },
	{ "calls.rebuild", HS_CMD_MUTATING, cmd_rebuild,
	    "rebuild the calls that started in [from, to) from the raw journal" },
	{ NULL, 0, NULL, NULL },
};
