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

struct rebuild {
	struct logger *lg;
	lg_builder *b;
	long long from, to;
	struct lg_status_row *st;
	size_t nst, capst;
	long long events, built;
	hs_err err;
};

static void
rb_status(void *arg, int boot_no, uint64_t seq, const struct lg_status *st)
{
	/* Status rows are not part of a calls rebuild: they are kept as they were. */
	(void)arg;
	(void)boot_no;
	(void)seq;
	(void)st;
}

/* Writes the calls the rebuild finished that started in range; the others are dropped. */
static void
rb_write(struct rebuild *r)
{
	struct lg_call *all = lg_build_dirty(r->b), *keep = NULL, **tail = &keep;

	for (struct lg_call *c = all, *next; c != NULL; c = next) {
		next = c->next_dirty;
		if (c->ended && c->start_ms >= r->from && c->start_ms < r->to) {
			*tail = c;
			tail = &c->next_dirty;
			r->built++;
		}
	}
	*tail = NULL;
	if (keep != NULL && r->err == HS_OK)
		r->err = lg_store_write(r->lg->store, NULL, 0, keep, NULL, 0, 0, 0);
	/* rebuild the dirty list so lg_build_written frees every ended call */
	lg_build_written(r->b);
}

static void
rb_event(void *arg, int boot_no, uint64_t seq, const char *envelope)
{
	struct rebuild *r = arg;
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
	if (r->events % 1000 == 0)
		rb_write(r);
}

static void
cmd_rebuild(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct hs_svc *svc = arg;
	struct logger *lg = svc->priv;
	struct rebuild r = { .lg = lg };
	long long deleted = 0;
	cJSON *body;

	if (range(msg, req, &r.from, &r.to) != 0)
		return;
	if ((r.b = lg_build_new(rb_status, &r)) == NULL) {
		hs_bus_reply(req, HS_ENOMEM, NULL, "out of memory");
		return;
	}
	lg_store_device_kinds(lg->store, lg_learn_kind, r.b);
	/* Calls open at most a day before `from` are rebuilt whole; older ones are not touched. */
	if (lg_store_rebuild_begin(lg->store, r.from, r.to, 24LL * 3600 * 1000, &deleted,
		rb_event, &r) != HS_OK) {
		lg_build_free(r.b);
		hs_bus_reply(req, HS_EDB, NULL, "%s", hs_db_error(svc->db));
		return;
	}
	/* Calls still open at the end of the journal are open now: the live builder owns them
	 * and writes them as they go on. */
	rb_write(&r);
	lg_build_free(r.b);
	if (r.err != HS_OK) {
		hs_bus_reply(req, HS_EDB, NULL, "%s", hs_db_error(svc->db));
		return;
	}
	hs_log_info("calls.rebuild", "from_ms=%lld to_ms=%lld deleted=%lld built=%lld events=%lld",
	    r.from, r.to, deleted, r.built, r.events);
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "calls_deleted", (double)deleted);
	cJSON_AddNumberToObject(body, "calls_built", (double)r.built);
	cJSON_AddNumberToObject(body, "events", (double)r.events);
	hs_bus_reply(req, HS_OK, body, NULL);
}

const struct hs_bus_cmd lg_cmds[] = {
	{ "calls.list", HS_CMD_READONLY, cmd_list,
	    "calls that started in [from, to) with segments: {\"from\", \"to\", \"limit\", \"device\"}" },
	{ "calls.rebuild", HS_CMD_MUTATING, cmd_rebuild,
	    "rebuild the calls that started in [from, to) from the raw journal" },
	{ NULL, 0, NULL, NULL },
};
