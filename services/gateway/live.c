/*
 * live.c - the gateway's live view of the telephone system, kept from cti-host's events and
 * snapshots (live.h).
 *
 * Two layers.  The model (loop thread only) keeps what cti-host said as its own JSON bodies:
 * devices (device.state), calls (the "call" of every call.* event, dropped at call.cleared),
 * agents (agent.state) and the link (link.state), with an index of the calls each device is
 * a party of.  The views (read by any thread under `lock`) keep one rendered JSON string per
 * extension, agent and hunt group, and per kind an array sorted by number for lists.
 * Applying an event changes the model and marks the items it touches dirty; a uv_check
 * handle renders the dirty items once per loop iteration, swaps the changed strings in under
 * the write lock and then tells the change listener.  cti-host publishes device.state just
 * before the call.* event that caused it, so coalescing per iteration saves a render and a
 * change message per item.
 *
 * Following the stream (every cti-host event carries its boot id and a seq that goes up by
 * one per event, heartbeats included).  The model is replaced by live.snapshot:
 *   - at start, and on the tick while that fails (backoff 1 s doubling to 30 s);
 *   - when events come from a boot other than the last snapshot's (cti-host restarted);
 *   - on a seq gap (PUB drops messages for a slow subscriber);
 *   - when link.state becomes "up": cti-host's start-up inventory (names, kinds, agents) and
 *     resync change devices without publishing an event for each.
 * Events that arrive while a snapshot is in flight are kept and applied after it, in order:
 * the snapshot may be older than some of them (reply and events travel on different
 * sockets).  Each event carries the whole state of what it describes, so re-applying older
 * ones after the snapshot converges once the later ones are applied too.
 *
 * Reachability: cti-host counts as reachable once a snapshot came back, and stops counting
 * when a snapshot fails, when it says svc.stopping, or when nothing (not even a heartbeat)
 * came for silence_ms; events of the followed boot with no gap make it reachable again.
 *
 * Invariants: only the loop thread changes model and views; views change only under the
 * write lock; an item's string is freed only after it was swapped out under that lock.  To
 * add a kind: a GW_LIVE_* constant, its name in kind_names, a render_* and the marks in the
 * apply_* functions whose events change it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "live.h"
#include "locate.h"
#include "log.h"
#include "map.h"
#include "service.h"

#define GW_ID_MAX 32            /* cti-host's numbers and ids are at most 23 characters */
#define GW_MAX_PARTIES 10       /* CTI_MAX_PARTIES of cti-host */
#define GW_BUFFER_MAX 20000     /* events kept while a snapshot is in flight */
#define GW_TICK_MS 250
#define GW_SNAPSHOT_TIMEOUT_MS 5000
#define GW_RETRY_MIN_MS 1000
#define GW_RETRY_MAX_MS 30000
#define GW_LINK GW_LIVE_KIND_COUNT /* the link, as a pseudo-kind in the update list */

/* ---- views (any thread reads, under the lock) ---------------------------------------- */

struct gw_item {
	char *json;
	size_t len;
	char id[GW_ID_MAX];
};

struct gw_view {
	hs_map *map;            /* id -> struct gw_item */
	struct gw_item **v;     /* sorted by number_cmp */
	size_t n, cap;
};

/* ---- model (loop thread only) --------------------------------------------------------- */

struct gw_party {
	char device[GW_ID_MAX];
	char state[16];         /* cti-host's: initiated, alerting, connected, held, ... */
	char since[32];         /* event ts when this party entered state; "" unknown */
};

struct gw_call {
	char id[GW_ID_MAX];
	cJSON *body;            /* cti-host's call object */
	struct gw_party p[GW_MAX_PARTIES];
	int np;
};

struct gw_dev {
	char number[GW_ID_MAX];
	cJSON *body;            /* cti-host's device.state body; NULL: only seen in a call */
	struct gw_call **calls; /* the calls it is a party of */
	int ncalls, capcalls;
};

struct gw_agent {
	char id[GW_ID_MAX];
	cJSON *body;            /* cti-host's agent.state body */
};

/* An event received while a snapshot is in flight. */
struct gw_event {
	struct gw_event *next;
	char topic[64];
	char ts[32];
	cJSON *body;
};

/* The arg of a live.snapshot request; l is cleared by gw_live_close so a late completion
 * (ECANCELED at bus close) finds nothing to touch. */
struct snap_req {
	gw_live *l;
	long long t0;
};

struct gw_live {
	struct hs_svc *svc;
	char src[32];
	char pub_url[320], rep_url[320]; /* fixed at open: read by command threads */
	hs_bus_sub *sub;
	uv_timer_t *tick;
	uv_check_t *check;
	int snapshot_timeout_ms, retry_min_ms, silence_ms;

	pthread_rwlock_t lock;
	struct gw_view views[GW_LIVE_KIND_COUNT];
	struct gw_item link;

	hs_map *devs, *calls, *agents;
	cJSON *link_body;
	hs_map *dirty[GW_LIVE_KIND_COUNT];
	bool link_dirty, flush_armed;

	uint64_t boot, seq;     /* of the events followed */
	uint64_t snap_boot;     /* of the cti-host that answered the last snapshot */
	bool reachable;
	char reason[160];
	long long last_heard;   /* mono ms */

	struct snap_req *inflight;
	bool again;             /* fetch again when the one in flight is back */
	bool want;              /* fetch on the tick at retry_at */
	long long retry_at;
	int backoff_ms;
	struct gw_event *buf, *buf_tail;
	size_t nbuf;

	gw_live_change_cb cb;
	void *cb_arg;

	unsigned long long events, gaps, restarts, snapshots, snapshot_errors, bad_events;
	unsigned long long buffer_overflows, changes, link_ups;
	long long snapshot_ms;
	atomic_ullong commands, command_errors;
};

static const char *const kind_names[GW_LIVE_KIND_COUNT] = {
	[GW_LIVE_EXTENSION] = "extension",
	[GW_LIVE_AGENT] = "agent",
	[GW_LIVE_HUNT_GROUP] = "hunt_group",
};

/* Change topics: "<prefix>.state" and "<prefix>.removed". */
static const char *const topic_prefix[GW_LIVE_KIND_COUNT] = {
	[GW_LIVE_EXTENSION] = "extension",
	[GW_LIVE_AGENT] = "agent",
	[GW_LIVE_HUNT_GROUP] = "huntgroup",
};

const char *
gw_live_kind_name(enum gw_live_kind kind)
{
	return (unsigned)kind < GW_LIVE_KIND_COUNT ? kind_names[kind] : NULL;
}

static void flush(gw_live *l);
static void snapshot_want(gw_live *l, const char *why);

/* ---- helpers -------------------------------------------------------------------------- */

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool
id_ok(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) < GW_ID_MAX;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		hs_fatal("live.nomem", "bytes=%zu", n * size);
	return p;
}

static hs_map *
xmap(void)
{
	hs_map *m = hs_map_new();

	if (m == NULL)
		hs_fatal("live.nomem", "what=map");
	return m;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Numbers as a person sorts them: numeric ones first, by value (999 before 1000), then the
 * rest by bytes. */
static int
number_cmp(const char *a, const char *b)
{
	bool da = all_digits(a), db = all_digits(b);

	if (da != db)
		return da ? -1 : 1;
	if (da) {
		size_t la = strlen(a), lb = strlen(b);
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return strcmp(a, b);
}

static int
call_ptr_cmp(const void *a, const void *b)
{
	return number_cmp((*(struct gw_call *const *)a)->id, (*(struct gw_call *const *)b)->id);
}

static int
agent_ptr_cmp(const void *a, const void *b)
{
	return number_cmp((*(struct gw_agent *const *)a)->id, (*(struct gw_agent *const *)b)->id);
}

/* ---- views ---------------------------------------------------------------------------- */

/* The index where id is, or would go. */
static size_t
view_pos(const struct gw_view *v, const char *id)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (number_cmp(v->v[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static hs_err
view_insert(struct gw_view *v, struct gw_item *it)
{
	size_t pos;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct gw_item **nv = realloc(v->v, cap * sizeof(*nv));
		if (nv == NULL)
			return HS_ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	if (hs_map_put(v->map, it->id, it) != HS_OK)
		return HS_ENOMEM;
	pos = view_pos(v, it->id);
	memmove(&v->v[pos + 1], &v->v[pos], (v->n - pos) * sizeof(v->v[0]));
	v->v[pos] = it;
	v->n++;
	return HS_OK;
}

static void
view_remove(struct gw_view *v, struct gw_item *it)
{
	size_t pos = view_pos(v, it->id);

	hs_map_del(v->map, it->id);
	if (pos < v->n && v->v[pos] == it) {
		memmove(&v->v[pos], &v->v[pos + 1], (v->n - pos - 1) * sizeof(v->v[0]));
		v->n--;
	}
}

/* ---- dirty marks ---------------------------------------------------------------------- */

static void
on_check(uv_check_t *h)
{
	flush(h->data);
}

static void
arm_flush(gw_live *l)
{
	if (!l->flush_armed) {
		l->flush_armed = true;
		uv_check_start(l->check, on_check);
	}
}

static void
mark(gw_live *l, int kind, const char *id)
{
	if (!id_ok(id))
		return;
	if (hs_map_get(l->dirty[kind], id) == NULL && hs_map_put(l->dirty[kind], id, l) != HS_OK)
		hs_fatal("live.nomem", "what=dirty");
	arm_flush(l);
}

/* A device shows as an extension or a hunt group depending on its kind, which may change:
 * both are checked. */
static void
mark_dev(gw_live *l, const char *number)
{
	mark(l, GW_LIVE_EXTENSION, number);
	mark(l, GW_LIVE_HUNT_GROUP, number);
}

static void
mark_link(gw_live *l)
{
	l->link_dirty = true;
	arm_flush(l);
}

static void
set_reachable(gw_live *l, bool on, const char *why)
{
	if (on == l->reachable && (on || strcmp(l->reason, why) == 0))
		return;
	if (on != l->reachable) {
		if (on)
			hs_log_info("live.reachable", "cti_host=%s", hs_logq(l->rep_url));
		else
			hs_log_warn("live.unreachable", "cti_host=%s reason=%s",
			    hs_logq(l->rep_url), hs_logq(why));
	}
	l->reachable = on;
	snprintf(l->reason, sizeof(l->reason), "%s", on ? "" : why);
	mark_link(l);
}

/* ---- model ---------------------------------------------------------------------------- */

static struct gw_dev *
dev_get(gw_live *l, const char *number, bool create)
{
	struct gw_dev *d;

	if (!id_ok(number))
		return NULL;
	if ((d = hs_map_get(l->devs, number)) != NULL || !create)
		return d;
	d = xcalloc(1, sizeof(*d));
	snprintf(d->number, sizeof(d->number), "%s", number);
	if (hs_map_put(l->devs, number, d) != HS_OK)
		hs_fatal("live.nomem", "what=device");
	return d;
}

static void
dev_free(struct gw_dev *d)
{
	cJSON_Delete(d->body);
	free(d->calls);
	free(d);
}

static int
dev_view(const struct gw_dev *d)
{
	const char *k = d->body != NULL ? jstr(d->body, "kind") : NULL;

	if (k == NULL)
		return -1;
	if (strcmp(k, "extension") == 0)
		return GW_LIVE_EXTENSION;
	if (strcmp(k, "hunt_group") == 0)
		return GW_LIVE_HUNT_GROUP;
	return -1; /* trunks and others: kept for naming parties, not shown */
}

static void
dev_link(struct gw_dev *d, struct gw_call *c)
{
	for (int i = 0; i < d->ncalls; i++)
		if (d->calls[i] == c)
			return;
	if (d->ncalls == d->capcalls) {
		int cap = d->capcalls ? d->capcalls * 2 : 4;
		struct gw_call **n = realloc(d->calls, (size_t)cap * sizeof(*n));
		if (n == NULL)
			hs_fatal("live.nomem", "what=device_calls");
		d->calls = n;
		d->capcalls = cap;
	}
	d->calls[d->ncalls++] = c;
}

static void
dev_unlink(struct gw_dev *d, struct gw_call *c)
{
	for (int i = 0; i < d->ncalls; i++) {
		if (d->calls[i] == c) {
			memmove(&d->calls[i], &d->calls[i + 1],
			    (size_t)(d->ncalls - i - 1) * sizeof(d->calls[0]));
			d->ncalls--;
			return;
		}
	}
}

static const struct gw_party *
call_party(const struct gw_call *c, const char *device)
{
	for (int i = 0; i < c->np; i++)
		if (strcmp(c->p[i].device, device) == 0)
			return &c->p[i];
	return NULL;
}

static void
call_free(struct gw_call *c)
{
	cJSON_Delete(c->body);
	free(c);
}

static void
free_devs(hs_map *m)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hs_map_next(m, &pos, &key, &v))
		dev_free(v);
	hs_map_free(m);
}

static void
free_calls(hs_map *m)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hs_map_next(m, &pos, &key, &v))
		call_free(v);
	hs_map_free(m);
}

static void
free_agents(hs_map *m)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hs_map_next(m, &pos, &key, &v)) {
		cJSON_Delete(((struct gw_agent *)v)->body);
		free(v);
	}
	hs_map_free(m);
}

/* ---- applying events ------------------------------------------------------------------ */

static int
apply_device(gw_live *l, const cJSON *body)
{
	const char *num = jstr(body, "device"), *old_name;
	char old_agent[GW_ID_MAX] = "";
	bool renamed;
	struct gw_dev *d;
	cJSON *dup;

	if (!id_ok(num) || jstr(body, "kind") == NULL || jstr(body, "state") == NULL)
		return -1;
	if ((dup = cJSON_Duplicate(body, 1)) == NULL)
		return -1;
	d = dev_get(l, num, true);
	if (d->body != NULL && id_ok(jstr(d->body, "agent")))
		snprintf(old_agent, sizeof(old_agent), "%s", jstr(d->body, "agent"));
	old_name = d->body != NULL ? jstr(d->body, "name") : NULL;
	renamed = old_name == NULL || jstr(body, "name") == NULL ||
	    strcmp(old_name, jstr(body, "name")) != 0;
	cJSON_Delete(d->body);
	d->body = dup;
	mark_dev(l, num);
	/* The agent logged on here shows this device's state. */
	mark(l, GW_LIVE_AGENT, old_agent);
	mark(l, GW_LIVE_AGENT, jstr(body, "agent"));
	/* Its name is the "other_name" of the parties it is in a call with. */
	if (renamed)
		for (int i = 0; i < d->ncalls; i++)
			for (int j = 0; j < d->calls[i]->np; j++)
				mark_dev(l, d->calls[i]->p[j].device);
	return 0;
}

static void
mark_agent_places(gw_live *l, const cJSON *agent)
{
	const cJSON *g;

	mark_dev(l, jstr(agent, "device"));
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(agent, "groups"))
		if (cJSON_IsString(g))
			mark(l, GW_LIVE_HUNT_GROUP, g->valuestring);
}

static int
apply_agent(gw_live *l, const cJSON *body)
{
	const char *id = jstr(body, "agent_id");
	struct gw_agent *a;
	cJSON *dup;

	if (!id_ok(id) || jstr(body, "state") == NULL)
		return -1;
	if ((dup = cJSON_Duplicate(body, 1)) == NULL)
		return -1;
	if ((a = hs_map_get(l->agents, id)) == NULL) {
		a = xcalloc(1, sizeof(*a));
		snprintf(a->id, sizeof(a->id), "%s", id);
		if (hs_map_put(l->agents, id, a) != HS_OK)
			hs_fatal("live.nomem", "what=agent");
	}
	/* Extensions embed the agent and hunt groups list theirs: old and new places. */
	if (a->body != NULL)
		mark_agent_places(l, a->body);
	cJSON_Delete(a->body);
	a->body = dup;
	mark_agent_places(l, a->body);
	mark(l, GW_LIVE_AGENT, id);
	return 0;
}

static int
apply_link(gw_live *l, const cJSON *body)
{
	const char *st = jstr(body, "state"), *before;
	bool was_up;
	cJSON *dup;

	if (st == NULL || (dup = cJSON_Duplicate(body, 1)) == NULL)
		return -1;
	before = l->link_body != NULL ? jstr(l->link_body, "state") : NULL;
	was_up = before != NULL && strcmp(before, "up") == 0;
	cJSON_Delete(l->link_body);
	l->link_body = dup;
	mark_link(l);
	if (!was_up && strcmp(st, "up") == 0) {
		/* cti-host's start-up sequence changed names, kinds and agents without events. */
		l->link_ups++;
		snapshot_want(l, "PBX link up");
	}
	return 0;
}

/*
 * Takes a call object of cti-host into the model.  A party's "since" is cti-host's when it
 * sends one; else (an older cti-host) it is kept when the party was in the same state in
 * `prev` (the call as known before; the previous model's during a snapshot), else ts ("" when
 * NULL: such a snapshot does not say when).
 */
static int
call_update(gw_live *l, const cJSON *cj, const char *ts, const struct gw_call *prev)
{
	const char *id = jstr(cj, "call_id");
	const cJSON *parties = cJSON_GetObjectItemCaseSensitive(cj, "parties"), *it;
	struct gw_party np[GW_MAX_PARTIES];
	struct gw_call *c;
	cJSON *dup;
	int n = 0;

	if (!id_ok(id) || !cJSON_IsArray(parties))
		return -1;
	if ((dup = cJSON_Duplicate(cj, 1)) == NULL)
		return -1;
	if ((c = hs_map_get(l->calls, id)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		snprintf(c->id, sizeof(c->id), "%s", id);
		if (hs_map_put(l->calls, id, c) != HS_OK)
			hs_fatal("live.nomem", "what=call");
	}
	if (prev == NULL)
		prev = c;
	cJSON_ArrayForEach(it, parties) {
		const char *dev = jstr(it, "device"), *st = jstr(it, "state");
		const struct gw_party *old;
		bool dup_party = false;

		if (!id_ok(dev) || st == NULL || n == GW_MAX_PARTIES)
			continue;
		for (int i = 0; i < n; i++)
			dup_party |= strcmp(np[i].device, dev) == 0;
		if (dup_party)
			continue;
		snprintf(np[n].device, sizeof(np[n].device), "%s", dev);
		snprintf(np[n].state, sizeof(np[n].state), "%s", st);
		old = call_party(prev, dev);
		if (jstr(it, "since") != NULL) /* cti-host's own clock of the state change */
			snprintf(np[n].since, sizeof(np[n].since), "%s", jstr(it, "since"));
		else if (old != NULL && strcmp(old->state, np[n].state) == 0)
			memcpy(np[n].since, old->since, sizeof(np[n].since));
		else
			snprintf(np[n].since, sizeof(np[n].since), "%s", ts != NULL ? ts : "");
		n++;
	}
	/* The devices that left the call, then those in it now (all re-rendered). */
	for (int i = 0; i < c->np; i++) {
		bool stays = false;
		for (int j = 0; j < n; j++)
			stays |= strcmp(c->p[i].device, np[j].device) == 0;
		if (!stays) {
			struct gw_dev *d = dev_get(l, c->p[i].device, false);
			if (d != NULL)
				dev_unlink(d, c);
			mark_dev(l, c->p[i].device);
		}
	}
	for (int j = 0; j < n; j++) {
		dev_link(dev_get(l, np[j].device, true), c);
		mark_dev(l, np[j].device);
	}
	memcpy(c->p, np, (size_t)n * sizeof(np[0]));
	c->np = n;
	cJSON_Delete(c->body);
	c->body = dup;
	return 0;
}

static void
call_remove(gw_live *l, struct gw_call *c)
{
	for (int i = 0; i < c->np; i++) {
		struct gw_dev *d = dev_get(l, c->p[i].device, false);
		if (d != NULL)
			dev_unlink(d, c);
		mark_dev(l, c->p[i].device);
	}
	hs_map_del(l->calls, c->id);
	call_free(c);
}

/* One event of cti-host's stream; returns -1 when its body lacks what the topic needs. */
static int
apply_event(gw_live *l, const char *topic, const char *ts, const cJSON *body)
{
	if (strcmp(topic, "device.state") == 0)
		return apply_device(l, body);
	if (strcmp(topic, "agent.state") == 0)
		return apply_agent(l, body);
	if (strcmp(topic, "link.state") == 0)
		return apply_link(l, body);
	if (strcmp(topic, "huntgroup.queue") == 0) {
		/* The queue is rendered from the calls (their "queued" parties), which the call.*
		 * event that follows brings; this only makes sure the group is looked at. */
		if (!id_ok(jstr(body, "group")))
			return -1;
		mark(l, GW_LIVE_HUNT_GROUP, jstr(body, "group"));
		return 0;
	}
	if (strcmp(topic, "call.cleared") == 0) {
		const char *id = jstr(body, "call_id");
		struct gw_call *c;
		if (!id_ok(id))
			return -1;
		if ((c = hs_map_get(l->calls, id)) != NULL)
			call_remove(l, c);
		return 0;
	}
	if (strncmp(topic, "call.", 5) == 0) {
		const cJSON *cj = cJSON_GetObjectItemCaseSensitive(body, "call");
		/* No "call": an event for a call cti-host does not know (XC after the end). */
		return cj == NULL ? 0 : call_update(l, cj, ts, NULL);
	}
	return 0; /* svc.heartbeat, svc.alert... */
}

static void
bad_event(gw_live *l, const char *topic)
{
	if (l->bad_events++ < 10)
		hs_log_warn("live.bad_event", "topic=%s note=%s", hs_logq(topic),
		    hs_logq("fields missing or of the wrong type; dropped"));
}

/* ---- snapshots ------------------------------------------------------------------------ */

/* Replaces the model by a live.snapshot body.  Every item shown now is marked, so the ones
 * the snapshot lacks are removed at the flush. */
static int
snapshot_apply(gw_live *l, const cJSON *body)
{
	const cJSON *devices = cJSON_GetObjectItemCaseSensitive(body, "devices");
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(body, "calls");
	const cJSON *agents = cJSON_GetObjectItemCaseSensitive(body, "agents");
	const cJSON *link = cJSON_GetObjectItemCaseSensitive(body, "link");
	static const struct gw_call none; /* a call the last model did not have */
	const cJSON *it;
	hs_map *old_calls;
	const char *key;
	size_t pos;
	void *v;

	if (!cJSON_IsArray(devices) || !cJSON_IsArray(calls) || !cJSON_IsArray(agents))
		return -1;
	for (int k = 0; k < GW_LIVE_KIND_COUNT; k++)
		for (pos = 0; hs_map_next(l->views[k].map, &pos, &key, &v);)
			mark(l, k, key);
	free_devs(l->devs);
	free_agents(l->agents);
	old_calls = l->calls;
	l->devs = xmap();
	l->agents = xmap();
	l->calls = xmap();
	cJSON_ArrayForEach(it, devices)
		if (apply_device(l, it) != 0)
			bad_event(l, "live.snapshot device");
	cJSON_ArrayForEach(it, agents)
		if (apply_agent(l, it) != 0)
			bad_event(l, "live.snapshot agent");
	cJSON_ArrayForEach(it, calls) {
		const char *id = jstr(it, "call_id");
		const struct gw_call *prev = hs_map_get(old_calls, id != NULL ? id : "");

		if (call_update(l, it, NULL, prev != NULL ? prev : &none) != 0)
			bad_event(l, "live.snapshot call");
	}
	free_calls(old_calls);
	if (cJSON_IsObject(link) && jstr(link, "state") != NULL) {
		cJSON *dup = cJSON_Duplicate(link, 1);
		if (dup != NULL) {
			cJSON_Delete(l->link_body);
			l->link_body = dup;
		}
	}
	mark_link(l);
	return 0;
}

/* Applies the events kept while a snapshot was in flight. */
static void
buffer_replay(gw_live *l)
{
	struct gw_event *e = l->buf;

	l->buf = l->buf_tail = NULL;
	l->nbuf = 0;
	while (e != NULL) {
		struct gw_event *next = e->next;
		if (apply_event(l, e->topic, e->ts, e->body) != 0)
			bad_event(l, e->topic);
		cJSON_Delete(e->body);
		free(e);
		e = next;
	}
}

static void
buffer_push(gw_live *l, const hs_env *ev)
{
	struct gw_event *e;

	if (l->nbuf >= GW_BUFFER_MAX) {
		/* Too much happened meanwhile: forget it and fetch again after this one. */
		struct gw_event *p = l->buf;
		while (p != NULL) {
			struct gw_event *next = p->next;
			cJSON_Delete(p->body);
			free(p);
			p = next;
		}
		l->buf = l->buf_tail = NULL;
		l->nbuf = 0;
		l->buffer_overflows++;
		l->again = true;
	}
	e = xcalloc(1, sizeof(*e));
	snprintf(e->topic, sizeof(e->topic), "%s", ev->type);
	snprintf(e->ts, sizeof(e->ts), "%s", ev->ts);
	if ((e->body = cJSON_Duplicate(ev->body, 1)) == NULL)
		hs_fatal("live.nomem", "what=event");
	if (l->buf_tail != NULL)
		l->buf_tail->next = e;
	else
		l->buf = e;
	l->buf_tail = e;
	l->nbuf++;
}

static void
snapshot_failed(gw_live *l, const char *why)
{
	l->snapshot_errors++;
	l->want = true;
	l->retry_at = hs_mono_ms() + l->backoff_ms;
	l->backoff_ms = l->backoff_ms * 2 > GW_RETRY_MAX_MS ? GW_RETRY_MAX_MS : l->backoff_ms * 2;
	hs_log_debug("live.snapshot.failed", "reason=%s retry_ms=%d", hs_logq(why),
	    (int)(l->retry_at - hs_mono_ms()));
	set_reachable(l, false, why);
}

static void
on_snapshot(void *arg, hs_err status, const hs_env *reply)
{
	struct snap_req *r = arg;
	gw_live *l = r->l;
	long long t0 = r->t0;
	char why[200];

	free(r);
	if (l == NULL)
		return; /* closed meanwhile */
	l->inflight = NULL;
	why[0] = '\0';
	if (status != HS_OK)
		snprintf(why, sizeof(why), "live.snapshot: %s", status == HS_ETIMEDOUT ?
			"cti-host did not answer" : hs_strerror(status));
	else if (reply->status != HS_OK)
		snprintf(why, sizeof(why), "live.snapshot: %s %s", hs_err_name(reply->status),
		    reply->message);
	else if (snapshot_apply(l, reply->body) != 0)
		snprintf(why, sizeof(why),
		    "live.snapshot: the reply lacks devices, calls or agents");
	if (why[0] != '\0') {
		l->again = false; /* the retry covers it */
		snapshot_failed(l, why);
		buffer_replay(l); /* better than nothing on top of the old model */
		return;
	}
	l->snapshots++;
	l->snapshot_ms = hs_mono_ms() - t0;
	l->snap_boot = reply->boot;
	l->backoff_ms = l->retry_min_ms;
	l->last_heard = hs_mono_ms();
	hs_log_info("live.snapshot", "boot=%016llx devices=%zu calls=%zu agents=%zu ms=%lld",
	    (unsigned long long)reply->boot, hs_map_len(l->devs), hs_map_len(l->calls),
	    hs_map_len(l->agents), l->snapshot_ms);
	set_reachable(l, true, NULL);
	buffer_replay(l);
	if (l->inflight != NULL)
		return; /* a replayed event asked for another one already */
	if (l->again) {
		l->again = false;
		snapshot_want(l, "events lost while fetching");
	} else if (l->boot != 0 && l->boot != l->snap_boot) {
		/* The events and the snapshot come from different cti-host processes. */
		l->want = true;
		l->retry_at = hs_mono_ms() + l->retry_min_ms;
	}
}

static void
snapshot_request(gw_live *l, const char *why)
{
	struct snap_req *r = xcalloc(1, sizeof(*r));
	hs_err rv;

	r->l = l;
	r->t0 = hs_mono_ms();
	l->want = false;
	hs_log_debug("live.snapshot.ask", "why=%s", hs_logq(why));
	rv = hs_bus_request(l->svc->bus, l->rep_url, "live.snapshot", NULL,
	    l->snapshot_timeout_ms, on_snapshot, r);
	if (rv != HS_OK) {
		char msg[160];
		free(r);
		snprintf(msg, sizeof(msg), "live.snapshot: %s", hs_strerror(rv));
		snapshot_failed(l, msg);
		return;
	}
	l->inflight = r;
}

/* The model must be fetched again: now, or right after the fetch in flight (which may have
 * been answered before what made us ask). */
static void
snapshot_want(gw_live *l, const char *why)
{
	if (l->inflight != NULL) {
		l->again = true;
		return;
	}
	snapshot_request(l, why);
}

/* ---- the stream ----------------------------------------------------------------------- */

static void
on_event(void *arg, const hs_env *ev)
{
	gw_live *l = arg;

	if (strcmp(ev->src, hs_services[HS_SVC_CTI_HOST].name) != 0)
		return;
	l->events++;
	l->last_heard = hs_mono_ms();
	if (ev->boot != l->boot) {
		if (l->boot != 0) {
			l->restarts++;
			hs_log_info("live.restart", "boot=%016llx was=%016llx",
			    (unsigned long long)ev->boot, (unsigned long long)l->boot);
		}
		l->boot = ev->boot;
		l->seq = ev->seq;
		/* While a fetch is in flight its reply's boot tells whether it fits. */
		if (ev->boot != l->snap_boot && l->inflight == NULL)
			snapshot_want(l, "new cti-host boot");
	} else if (ev->seq <= l->seq) {
		return; /* a copy of what we have */
	} else {
		uint64_t after = l->seq;
		l->seq = ev->seq;
		if (ev->seq > after + 1) {
			l->gaps++;
			hs_log_info("live.gap", "boot=%016llx after=%llu got=%llu",
			    (unsigned long long)ev->boot, (unsigned long long)after,
			    (unsigned long long)ev->seq);
			snapshot_want(l, "events lost");
		}
	}
	if (strcmp(ev->type, "svc.stopping") == 0) {
		set_reachable(l, false, "cti-host is stopping");
		return;
	}
	if (!l->reachable && l->inflight == NULL && !l->want && l->snap_boot == l->boot)
		set_reachable(l, true, NULL);
	if (l->inflight != NULL) {
		buffer_push(l, ev);
		return;
	}
	if (apply_event(l, ev->type, ev->ts, ev->body) != 0)
		bad_event(l, ev->type);
}

static void
on_tick(uv_timer_t *t)
{
	gw_live *l = t->data;
	long long now = hs_mono_ms();

	if (l->want && l->inflight == NULL && now >= l->retry_at)
		snapshot_request(l, "retry");
	if (l->reachable && l->inflight == NULL && now - l->last_heard > l->silence_ms) {
		char why[96];
		snprintf(why, sizeof(why), "no event from cti-host for %d ms", l->silence_ms);
		set_reachable(l, false, why);
	}
	/* Marks made here would otherwise wait for the next poll to end. */
	if (l->flush_armed)
		flush(l);
}

/* ---- rendering ------------------------------------------------------------------------ */

static void
add_str(cJSON *o, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		cJSON_AddStringToObject(o, key, v);
}

/* The agent as an extension shows it. */
static cJSON *
agent_brief(gw_live *l, const char *id)
{
	const struct gw_agent *a = hs_map_get(l->agents, id);
	cJSON *o = cJSON_CreateObject();
	const cJSON *g;

	cJSON_AddStringToObject(o, "agent_id", id);
	if (a == NULL || a->body == NULL)
		return o;
	add_str(o, "description", jstr(a->body, "description"));
	add_str(o, "state", jstr(a->body, "state"));
	if ((g = cJSON_GetObjectItemCaseSensitive(a->body, "groups")) != NULL)
		cJSON_AddItemToObject(o, "groups", cJSON_Duplicate(g, 1));
	return o;
}

/* One call as the extension d sees it. */
static cJSON *
call_summary(gw_live *l, const struct gw_dev *d, const struct gw_call *c)
{
	const struct gw_party *me = call_party(c, d->number), *other = NULL;
	const cJSON *answered = cJSON_GetObjectItemCaseSensitive(c->body, "answered");
	const char *dir = jstr(c->body, "direction"), *trunk = jstr(c->body, "trunk");
	const char *caller = jstr(c->body, "caller"), *dialled = jstr(c->body, "dialled");
	const char *num = NULL, *name = NULL;
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "call_id", c->id);
	add_str(s, "state", me != NULL ? me->state : NULL);
	add_str(s, "direction", dir);
	if (cJSON_IsBool(answered))
		cJSON_AddBoolToObject(s, "answered", cJSON_IsTrue(answered));
	/* The far end: another party, a hunt group only when nobody else is there. */
	for (int i = 0; i < c->np; i++) {
		const struct gw_dev *od = hs_map_get(l->devs, c->p[i].device);
		if (&c->p[i] == me)
			continue;
		if (od == NULL || dev_view(od) != GW_LIVE_HUNT_GROUP) {
			other = &c->p[i];
			break;
		}
		if (other == NULL)
			other = &c->p[i];
	}
	if (other != NULL) {
		const struct gw_dev *od = hs_map_get(l->devs, other->device);
		const char *okind = od != NULL && od->body != NULL ? jstr(od->body, "kind") : NULL;
		bool is_trunk = (trunk != NULL && strcmp(trunk, other->device) == 0) ||
		    (okind != NULL && strcmp(okind, "trunk") == 0);
		if (is_trunk) {
			/* Behind a trunk: the number the PBX gave for the outside party. */
			bool out = dir != NULL && strcmp(dir, "outbound") == 0;
			num = out ? dialled : caller;
			if (num == NULL || *num == '\0')
				num = out ? caller : dialled;
			if (num == NULL || *num == '\0')
				num = other->device;
			else if (num == caller)
				name = jstr(c->body, "caller_name");
		} else {
			num = other->device;
			name = od != NULL && od->body != NULL ? jstr(od->body, "name") : NULL;
		}
	} else {
		/* Alone on the call: dialling out, or waiting. */
		num = dialled != NULL && *dialled != '\0' ? dialled : caller;
		if (num == caller)
			name = jstr(c->body, "caller_name");
	}
	add_str(s, "other", num);
	add_str(s, "other_name", name);
	add_str(s, "trunk", trunk);
	add_str(s, "ddi", jstr(c->body, "ddi"));
	add_str(s, "hunt_group", jstr(c->body, "hunt_group"));
	add_str(s, "since", me != NULL ? me->since : NULL);
	return s;
}

/* The hunt group whose queue queue_cmp orders (qsort has no argument for it). */
static _Thread_local const char *queue_dev;

/* By when the call joined queue_dev's queue (ISO 8601 text sorts as time; unknown last). */
static int
queue_cmp(const void *a, const void *b)
{
	const struct gw_call *x = *(struct gw_call *const *)a, *y = *(struct gw_call *const *)b;
	const struct gw_party *px = call_party(x, queue_dev), *py = call_party(y, queue_dev);
	const char *sx = px != NULL && px->since[0] ? px->since : "~";
	const char *sy = py != NULL && py->since[0] ? py->since : "~";
	int c = strcmp(sx, sy);

	return c != 0 ? c : number_cmp(x->id, y->id);
}

/* d's calls in call id order, so a re-render of the same state gives the same text. */
static struct gw_call **
sorted_calls(const struct gw_dev *d)
{
	struct gw_call **v;

	if (d->ncalls == 0)
		return NULL;
	v = xcalloc((size_t)d->ncalls, sizeof(*v));
	memcpy(v, d->calls, (size_t)d->ncalls * sizeof(*v));
	qsort(v, (size_t)d->ncalls, sizeof(*v), call_ptr_cmp);
	return v;
}

static cJSON *
render_device(gw_live *l, const char *id, int kind)
{
	const struct gw_dev *d = hs_map_get(l->devs, id);
	struct gw_call **calls;
	const cJSON *it;
	cJSON *o, *arr;

	if (d == NULL || dev_view(d) != kind)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "number", d->number);
	cJSON_ArrayForEach(it, d->body) {
		if (it->string == NULL || strcmp(it->string, "device") == 0)
			continue;
		if (strcmp(it->string, "agent") == 0 && cJSON_IsString(it))
			cJSON_AddItemToObject(o, "agent", agent_brief(l, it->valuestring));
		else
			cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, 1));
	}
	calls = sorted_calls(d);
	if (kind == GW_LIVE_EXTENSION) {
		arr = cJSON_AddArrayToObject(o, "calls");
		for (int i = 0; i < d->ncalls; i++)
			cJSON_AddItemToArray(arr, call_summary(l, d, calls[i]));
	} else {
		struct gw_agent **v = NULL;
		size_t n = 0, cap = 0, pos = 0;
		const char *key;
		void *val;

		/* The queue in the order callers joined it (who is next), then by call id. */
		if (calls != NULL) {
			queue_dev = d->number;
			qsort(calls, (size_t)d->ncalls, sizeof(*calls), queue_cmp);
		}
		arr = cJSON_AddArrayToObject(o, "queue");
		for (int i = 0; i < d->ncalls; i++) {
			const struct gw_party *p = call_party(calls[i], d->number);
			cJSON *q;
			if (p == NULL || strcmp(p->state, "queued") != 0)
				continue;
			q = cJSON_CreateObject();
			cJSON_AddStringToObject(q, "call_id", calls[i]->id);
			add_str(q, "caller", jstr(calls[i]->body, "caller"));
			add_str(q, "caller_name", jstr(calls[i]->body, "caller_name"));
			add_str(q, "since", p->since);
			cJSON_AddItemToArray(arr, q);
		}
		/* The agents logged on to this group, by id. */
		while (hs_map_next(l->agents, &pos, &key, &val)) {
			const struct gw_agent *a = val;
			const cJSON *g;
			cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(a->body, "groups")) {
				if (!cJSON_IsString(g) || strcmp(g->valuestring, d->number) != 0)
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					struct gw_agent **nv = realloc(v, cap * sizeof(*nv));
					if (nv == NULL)
						hs_fatal("live.nomem", "what=group_agents");
					v = nv;
				}
				v[n++] = val;
				break;
			}
		}
		if (n > 0)
			qsort(v, n, sizeof(*v), agent_ptr_cmp);
		arr = cJSON_AddArrayToObject(o, "agents");
		for (size_t i = 0; i < n; i++) {
			cJSON *ag = cJSON_CreateObject();
			cJSON_AddStringToObject(ag, "agent_id", v[i]->id);
			add_str(ag, "description", jstr(v[i]->body, "description"));
			add_str(ag, "state", jstr(v[i]->body, "state"));
			add_str(ag, "device", jstr(v[i]->body, "device"));
			cJSON_AddItemToArray(arr, ag);
		}
		free(v);
	}
	free(calls);
	return o;
}

static cJSON *
render_agent(gw_live *l, const char *id)
{
	const struct gw_agent *a = hs_map_get(l->agents, id);
	const struct gw_dev *d;
	cJSON *o;

	if (a == NULL || a->body == NULL)
		return NULL;
	o = cJSON_Duplicate(a->body, 1);
	d = hs_map_get(l->devs, jstr(a->body, "device") != NULL ? jstr(a->body, "device") : "");
	if (o != NULL && d != NULL && d->body != NULL)
		add_str(o, "device_state", jstr(d->body, "state"));
	return o;
}

static cJSON *
render_link(gw_live *l)
{
	cJSON *o, *ch;

	if (l->reachable && l->link_body != NULL) {
		o = cJSON_Duplicate(l->link_body, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(o, "cti_host");
	} else {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "state", "unknown");
	}
	ch = cJSON_AddObjectToObject(o, "cti_host");
	cJSON_AddBoolToObject(ch, "reachable", l->reachable);
	if (l->reachable && l->snap_boot != 0) {
		char b[17];
		snprintf(b, sizeof(b), "%016llx", (unsigned long long)l->snap_boot);
		cJSON_AddStringToObject(ch, "boot", b);
	}
	add_str(ch, "reason", l->reachable ? NULL : l->reason);
	return o;
}

/* Renders one item into *json: 1 done, 0 the item should not exist, -1 out of memory. */
static int
render(gw_live *l, int kind, const char *id, char **json, size_t *len)
{
	cJSON *o;

	*json = NULL;
	*len = 0;
	if (kind == GW_LINK)
		o = render_link(l);
	else if (kind == GW_LIVE_AGENT)
		o = render_agent(l, id);
	else
		o = render_device(l, id, kind);
	if (o == NULL)
		return kind == GW_LINK ? -1 : 0;
	*json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (*json == NULL)
		return -1;
	*len = strlen(*json);
	return 1;
}

/* ---- flush: dirty items into the views, then the change feed -------------------------- */

struct upd {
	int kind;               /* GW_LIVE_* or GW_LINK */
	char id[GW_ID_MAX];
	char *json;             /* new text; NULL: remove */
	size_t len;
	char *old;              /* freed after the swap */
	struct gw_item *gone;   /* removed item, freed after the swap */
	bool failed;
};

static void
emit(gw_live *l, const char *topic, const char *body, size_t blen)
{
	static const char a[] = "{\"topic\":\"", b[] = "\",\"body\":";
	size_t tl = strlen(topic), n = sizeof(a) - 1 + tl + sizeof(b) - 1 + blen + 1;
	char *msg, *p;

	l->changes++;
	if (l->cb == NULL || (msg = malloc(n + 1)) == NULL)
		return;
	p = msg;
	memcpy(p, a, sizeof(a) - 1), p += sizeof(a) - 1;
	memcpy(p, topic, tl), p += tl;
	memcpy(p, b, sizeof(b) - 1), p += sizeof(b) - 1;
	memcpy(p, body, blen), p += blen;
	*p++ = '}';
	*p = '\0';
	l->cb(l->cb_arg, msg, n);
	free(msg);
}

static void
emit_update(gw_live *l, const struct upd *u)
{
	char topic[48];

	if (u->failed)
		return;
	if (u->kind == GW_LINK) {
		emit(l, "link.state", u->json, u->len);
		return;
	}
	if (u->json != NULL) {
		snprintf(topic, sizeof(topic), "%s.state", topic_prefix[u->kind]);
		emit(l, topic, u->json, u->len);
	} else {
		cJSON *o = cJSON_CreateObject();
		char *s;
		cJSON_AddStringToObject(o, u->kind == GW_LIVE_AGENT ? "agent_id" : "number", u->id);
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		snprintf(topic, sizeof(topic), "%s.removed", topic_prefix[u->kind]);
		if (s != NULL)
			emit(l, topic, s, strlen(s));
		cJSON_free(s);
	}
}

static void
upd_push(struct upd **v, size_t *n, size_t *cap, const struct upd *u)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		struct upd *nv = realloc(*v, *cap * sizeof(*nv));
		if (nv == NULL)
			hs_fatal("live.nomem", "what=updates");
		*v = nv;
	}
	(*v)[(*n)++] = *u;
}

static void
flush(gw_live *l)
{
	struct upd *u = NULL;
	size_t n = 0, cap = 0;

	l->flush_armed = false;
	uv_check_stop(l->check);
	/* Render outside the lock: readers wait only for the pointer swaps. */
	for (int k = 0; k < GW_LIVE_KIND_COUNT; k++) {
		size_t pos = 0;
		const char *key;
		void *v;

		while (hs_map_next(l->dirty[k], &pos, &key, &v)) {
			struct upd x = { .kind = k };
			const struct gw_item *it = hs_map_get(l->views[k].map, key);
			int rv;

			snprintf(x.id, sizeof(x.id), "%s", key);
			hs_map_del(l->dirty[k], x.id);
			rv = render(l, k, x.id, &x.json, &x.len);
			if (rv < 0 || (rv == 0 && it == NULL))
				continue;
			if (rv > 0 && it != NULL && it->len == x.len &&
			    memcmp(it->json, x.json, x.len) == 0) {
				cJSON_free(x.json);
				continue;
			}
			upd_push(&u, &n, &cap, &x);
		}
	}
	if (l->link_dirty) {
		struct upd x = { .kind = GW_LINK };
		l->link_dirty = false;
		if (render(l, GW_LINK, NULL, &x.json, &x.len) > 0) {
			if (l->link.json != NULL && l->link.len == x.len &&
			    memcmp(l->link.json, x.json, x.len) == 0)
				cJSON_free(x.json);
			else
				upd_push(&u, &n, &cap, &x);
		}
	}
	if (n == 0)
		return;

	pthread_rwlock_wrlock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct upd *x = &u[i];
		struct gw_view *v;
		struct gw_item *it;

		if (x->kind == GW_LINK) {
			x->old = l->link.json;
			l->link.json = x->json;
			l->link.len = x->len;
			continue;
		}
		v = &l->views[x->kind];
		it = hs_map_get(v->map, x->id);
		if (x->json == NULL) {
			view_remove(v, it);
			x->gone = it;
		} else if (it != NULL) {
			x->old = it->json;
			it->json = x->json;
			it->len = x->len;
		} else if ((it = calloc(1, sizeof(*it))) == NULL) {
			x->old = x->json;
			x->failed = true;
		} else {
			memcpy(it->id, x->id, sizeof(it->id));
			it->json = x->json;
			it->len = x->len;
			if (view_insert(v, it) != HS_OK) {
				free(it);
				x->old = x->json;
				x->failed = true;
			}
		}
	}
	pthread_rwlock_unlock(&l->lock);

	for (size_t i = 0; i < n; i++) {
		emit_update(l, &u[i]);
		cJSON_free(u[i].old);
		if (u[i].gone != NULL) {
			cJSON_free(u[i].gone->json);
			free(u[i].gone);
		}
	}
	free(u);
}

/* ---- readers (any thread) ------------------------------------------------------------- */

static char *
copy_item(const struct gw_item *it, size_t *len)
{
	char *s;

	if (it == NULL || it->json == NULL || (s = malloc(it->len + 1)) == NULL)
		return NULL;
	memcpy(s, it->json, it->len + 1);
	if (len != NULL)
		*len = it->len;
	return s;
}

char *
gw_live_get_json(gw_live *l, enum gw_live_kind kind, const char *id, size_t *len)
{
	char *s;

	if ((unsigned)kind >= GW_LIVE_KIND_COUNT || id == NULL)
		return NULL;
	pthread_rwlock_rdlock(&l->lock);
	s = copy_item(hs_map_get(l->views[kind].map, id), len);
	pthread_rwlock_unlock(&l->lock);
	return s;
}

char *
gw_live_list_json(gw_live *l, enum gw_live_kind kind, size_t offset, size_t limit,
    size_t *len)
{
	const struct gw_view *v;
	char tail[96], *s, *p;
	size_t n, end, size;
	int tl;

	if ((unsigned)kind >= GW_LIVE_KIND_COUNT)
		return NULL;
	v = &l->views[kind];
	pthread_rwlock_rdlock(&l->lock);
	n = v->n;
	if (offset > n)
		offset = n;
	end = limit == 0 || limit > n - offset ? n : offset + limit;
	tl = snprintf(tail, sizeof(tail), "],\"total\":%zu,\"offset\":%zu,\"limit\":%zu}", n,
	    offset, limit);
	size = sizeof("{\"items\":[") - 1 + (size_t)tl + 1;
	for (size_t i = offset; i < end; i++)
		size += v->v[i]->len + 1;
	if ((s = malloc(size)) != NULL) {
		p = s;
		memcpy(p, "{\"items\":[", 10), p += 10;
		for (size_t i = offset; i < end; i++) {
			if (i > offset)
				*p++ = ',';
			memcpy(p, v->v[i]->json, v->v[i]->len), p += v->v[i]->len;
		}
		memcpy(p, tail, (size_t)tl + 1), p += tl;
		if (len != NULL)
			*len = (size_t)(p - s);
	}
	pthread_rwlock_unlock(&l->lock);
	return s;
}

char *
gw_live_link_json(gw_live *l, size_t *len)
{
	char *s;

	pthread_rwlock_rdlock(&l->lock);
	s = copy_item(&l->link, len);
	pthread_rwlock_unlock(&l->lock);
	return s;
}

/* ---- commands (any thread) ------------------------------------------------------------ */

hs_err
gw_live_command(gw_live *l, const char *cmd, cJSON *body, int timeout_ms, cJSON **reply,
    char *msg, size_t msglen)
{
	hs_env r;
	hs_err rv;

	if (reply != NULL)
		*reply = NULL;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (cmd == NULL || *cmd == '\0' || timeout_ms <= 0) {
		cJSON_Delete(body);
		if (msg != NULL)
			snprintf(msg, msglen, "no command or no timeout");
		return HS_EINVAL;
	}
	atomic_fetch_add(&l->commands, 1);
	rv = hs_bus_call(l->rep_url, l->src, cmd, body, timeout_ms, &r);
	if (rv != HS_OK) {
		atomic_fetch_add(&l->command_errors, 1);
		if (msg == NULL)
			return rv;
		if (rv == HS_ETIMEDOUT)
			snprintf(msg, msglen, "cti-host did not answer %s within %d ms", cmd,
			    timeout_ms);
		else if (rv == HS_ECONNREFUSED)
			snprintf(msg, msglen, "cti-host is not running (nobody listens on %s)",
			    l->rep_url);
		else
			snprintf(msg, msglen, "cannot reach cti-host for %s: %s", cmd,
			    hs_strerror(rv));
		return rv;
	}
	if (msg != NULL)
		snprintf(msg, msglen, "%s", r.message[0] != '\0' ? r.message :
		    r.status != HS_OK ? hs_strerror(r.status) : "");
	rv = (hs_err)r.status;
	if (rv != HS_OK) {
		atomic_fetch_add(&l->command_errors, 1);
	} else if (reply != NULL) {
		*reply = r.body;
		r.body = NULL;
	}
	hs_env_clear(&r);
	return rv;
}

/* ---- open, close, health -------------------------------------------------------------- */

void
gw_live_on_change(gw_live *l, gw_live_change_cb cb, void *arg)
{
	l->cb = cb;
	l->cb_arg = arg;
}

void
gw__live_tune(gw_live *l, int snapshot_timeout_ms, int retry_ms, int silence_ms)
{
	if (snapshot_timeout_ms > 0)
		l->snapshot_timeout_ms = snapshot_timeout_ms;
	if (retry_ms > 0)
		l->retry_min_ms = l->backoff_ms = retry_ms;
	if (silence_ms > 0)
		l->silence_ms = silence_ms;
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

/* Where cti-host is: the servers table when we have the database (it may run on another
 * server), else this host. */
static void
locate(gw_live *l)
{
	struct hs_svc *svc = l->svc;
	char err[256];

	if (svc->db != NULL &&
	    hs_locate_service(svc->db, svc->conf, HS_SVC_CTI_HOST, HS_EP_PUB, l->pub_url,
		sizeof(l->pub_url), err, sizeof(err)) == HS_OK &&
	    hs_locate_service(svc->db, svc->conf, HS_SVC_CTI_HOST, HS_EP_REP, l->rep_url,
		sizeof(l->rep_url), err, sizeof(err)) == HS_OK)
		return;
	hs_service_endpoint(svc->conf, HS_SVC_CTI_HOST, HS_EP_PUB, l->pub_url, sizeof(l->pub_url));
	hs_service_endpoint(svc->conf, HS_SVC_CTI_HOST, HS_EP_REP, l->rep_url, sizeof(l->rep_url));
}

static void
free_views(gw_live *l)
{
	for (int k = 0; k < GW_LIVE_KIND_COUNT; k++) {
		for (size_t i = 0; i < l->views[k].n; i++) {
			cJSON_free(l->views[k].v[i]->json);
			free(l->views[k].v[i]);
		}
		free(l->views[k].v);
		hs_map_free(l->views[k].map);
		hs_map_free(l->dirty[k]);
	}
	cJSON_free(l->link.json);
}

hs_err
gw_live_open(gw_live **lp, struct hs_svc *svc)
{
	pthread_rwlockattr_t attr;
	gw_live *l;
	hs_err rv;
	long long hb;

	*lp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return HS_ENOMEM;
	l->svc = svc;
	snprintf(l->src, sizeof(l->src), "%s", svc->name != NULL ? svc->name : "gateway");
	l->snapshot_timeout_ms = GW_SNAPSHOT_TIMEOUT_MS;
	l->retry_min_ms = l->backoff_ms = GW_RETRY_MIN_MS;
	/* Three heartbeats missed: cti-host is gone or hung. */
	hb = hs_conf_int(svc->conf, "bus.heartbeat_ms");
	l->silence_ms = (int)(3 * hb);
	atomic_init(&l->commands, 0);
	atomic_init(&l->command_errors, 0);
	/* Writers wait for readers to drain, not for a gap between them: at thousands of
	 * reads a second a reader-preferring lock could keep the loop out for long. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&l->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	for (int k = 0; k < GW_LIVE_KIND_COUNT; k++) {
		l->views[k].map = xmap();
		l->dirty[k] = xmap();
	}
	l->devs = xmap();
	l->calls = xmap();
	l->agents = xmap();
	locate(l);
	if (render(l, GW_LINK, NULL, &l->link.json, &l->link.len) < 0) {
		rv = HS_ENOMEM;
		goto fail;
	}
	l->tick = xcalloc(1, sizeof(*l->tick));
	l->check = xcalloc(1, sizeof(*l->check));
	uv_timer_init(svc->uv, l->tick);
	uv_check_init(svc->uv, l->check);
	l->tick->data = l->check->data = l;
	if ((rv = hs_bus_subscribe(svc->bus, l->pub_url, "", on_event, l, &l->sub)) != HS_OK) {
		uv_close((uv_handle_t *)l->tick, free_handle);
		uv_close((uv_handle_t *)l->check, free_handle);
		goto fail;
	}
	/* The first snapshot goes out on the first tick, so tests can tune timeouts first. */
	l->want = true;
	uv_timer_start(l->tick, on_tick, 0, GW_TICK_MS);
	hs_log_info("live.open", "pub=%s rep=%s", hs_logq(l->pub_url), hs_logq(l->rep_url));
	*lp = l;
	return HS_OK;
fail:
	free_views(l);
	free_devs(l->devs);
	free_calls(l->calls);
	free_agents(l->agents);
	pthread_rwlock_destroy(&l->lock);
	free(l);
	return rv;
}

void
gw_live_close(gw_live *l)
{
	if (l == NULL)
		return;
	if (l->sub != NULL)
		hs_bus_unsubscribe(l->sub);
	if (l->inflight != NULL)
		l->inflight->l = NULL;
	uv_close((uv_handle_t *)l->tick, free_handle);
	uv_close((uv_handle_t *)l->check, free_handle);
	for (struct gw_event *e = l->buf, *next; e != NULL; e = next) {
		next = e->next;
		cJSON_Delete(e->body);
		free(e);
	}
	free_views(l);
	free_devs(l->devs);
	free_calls(l->calls);
	free_agents(l->agents);
	cJSON_Delete(l->link_body);
	pthread_rwlock_destroy(&l->lock);
	free(l);
}

void
gw_live_health(gw_live *l, cJSON *out)
{
	cJSON *o = cJSON_AddObjectToObject(out, "live");
	char b[17];

	snprintf(b, sizeof(b), "%016llx", (unsigned long long)l->boot);
	cJSON_AddStringToObject(o, "cti_host", l->pub_url);
	cJSON_AddBoolToObject(o, "reachable", l->reachable);
	if (!l->reachable)
		cJSON_AddStringToObject(o, "reason", l->reason);
	cJSON_AddStringToObject(o, "boot", b);
	cJSON_AddNumberToObject(o, "seq", (double)l->seq);
	cJSON_AddNumberToObject(o, "events", (double)l->events);
	cJSON_AddNumberToObject(o, "gaps", (double)l->gaps);
	cJSON_AddNumberToObject(o, "restarts", (double)l->restarts);
	cJSON_AddNumberToObject(o, "link_ups", (double)l->link_ups);
	cJSON_AddNumberToObject(o, "snapshots", (double)l->snapshots);
	cJSON_AddNumberToObject(o, "snapshot_errors", (double)l->snapshot_errors);
	cJSON_AddNumberToObject(o, "snapshot_ms", (double)l->snapshot_ms);
	cJSON_AddBoolToObject(o, "snapshot_pending", l->inflight != NULL || l->want);
	cJSON_AddNumberToObject(o, "bad_events", (double)l->bad_events);
	cJSON_AddNumberToObject(o, "buffer_overflows", (double)l->buffer_overflows);
	cJSON_AddNumberToObject(o, "changes", (double)l->changes);
	cJSON_AddNumberToObject(o, "extensions", (double)l->views[GW_LIVE_EXTENSION].n);
	cJSON_AddNumberToObject(o, "agents", (double)l->views[GW_LIVE_AGENT].n);
	cJSON_AddNumberToObject(o, "hunt_groups", (double)l->views[GW_LIVE_HUNT_GROUP].n);
	cJSON_AddNumberToObject(o, "calls", (double)hs_map_len(l->calls));
	cJSON_AddNumberToObject(o, "commands", (double)atomic_load(&l->commands));
	cJSON_AddNumberToObject(o, "command_errors", (double)atomic_load(&l->command_errors));
}
