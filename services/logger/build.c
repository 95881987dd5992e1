/*
 * build.c - the call builder (see build.h): cti-host's call.*, agent.state and device.state
 * events in, calls, segments, parties, holds and status rows out.
 *
 * The rules, in the manual's terms (README.md has the long form):
 *   - A segment starts when the call queues at a hunt group or rings at a device, and a new
 *     one when it then rings or is answered at a different device (forward, hunt to the next
 *     member, overflow, pickup, transfer).  Devices alerted while the segment still rings
 *     unanswered (an all-ring group, the delivery out of a queue) join that segment.
 *   - Ring time runs from the segment's start to its answer (or end), talk time from the
 *     answer to the end less the hold time; so ring + talk + hold = end - start.
 *   - A consultation call (the PBX call made while the first is on transfer or conference
 *     hold) is a leg of the same logical call; its segments are flagged consult and left
 *     out of the call's own durations.
 *   - Calls are external when a trunk takes part; inbound when a trunk originated them,
 *     outbound when an extension did; lost when external, inbound and never answered.
 *
 * Copies: the PBX reports an event once per monitored device, so each handler first checks
 * whether the event changes anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

struct agent_rec {
	char id[LG_DEV];
	char device[LG_DEV];
	char state[16];            /* cti-host's: logged_off, ready, not_ready, wrap_up */
	char status[16];           /* ours, the last ACD status row: free, busy, wrap, dnd_on... */
	char groups[8][LG_DEV];
	int ngroups;
	char name[LG_TXT];
};

struct dnd_rec {
	bool on;
	char message[40];
};

struct lg_builder {
	hs_map *legs;              /* PBX call id -> struct lg_leg * (open legs only) */
	hs_map *calls;             /* "<call_id>" -> struct lg_call * (not yet freed) */
	hs_map *kinds;             /* device -> (intptr_t)kind + 1 */
	hs_map *agent_at;          /* device -> struct agent_rec * of the agent logged on there */
	hs_map *agents;            /* agent id -> struct agent_rec * */
	hs_map *dnd;               /* device -> struct dnd_rec * */
	hs_map *xfer_hold;         /* device -> PBX call id it holds for a transfer/conference */
	struct lg_call *dirty;
	uint64_t gen;              /* write generation: marks made now carry it (lg_build_cut) */
	lg_status_fn status_fn;
	void *status_arg;
	/* the event being applied */
	int boot_no;
	uint64_t seq;
	int status_n;
	int64_t last_seg_id;
	long long now_ms;          /* the newest event time: "now" for open calls */
};

/* ---- names ------------------------------------------------------------------------------ */

const char *
lg_state_name(enum lg_state s)
{
	static const char *const n[] = { "dialling", "queued", "ringing", "connected", "held",
		"ended" };
	return n[s];
}

const char *
lg_kind_name(enum lg_kind k)
{
	static const char *const n[] = { "extension", "trunk", "hunt-group", "other" };
	return n[k];
}

const char *
lg_dir_name(enum lg_dir d)
{
	static const char *const n[] = { "na", "in", "out" };
	return n[d];
}

const char *
lg_hold_kind_name(enum lg_hold_kind k)
{
	static const char *const n[] = { "individual", "system", "transfer", "conference" };
	return n[k];
}

/* ---- small helpers ---------------------------------------------------------------------- */

#define CPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))
#define SET_IF(dst, src) do { if ((src)[0] != '\0') CPY(dst, src); } while (0)
#define FILL_IF(dst, src) do { if ((dst)[0] == '\0' && (src)[0] != '\0') CPY(dst, src); } while (0)

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : "";
}

static int
jint(const cJSON *o, const char *k, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	/* causes and counts: anything outside what an int holds is not one */
	if (cJSON_IsNumber(v))
		return v->valuedouble >= -1e9 && v->valuedouble <= 1e9 ? (int)v->valuedouble : dflt;
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		long n = strtol(v->valuestring, NULL, 10);
		return n >= -1000000000L && n <= 1000000000L ? (int)n : dflt;
	}
	return dflt;
}

static void *
grow(void *p, int *cap, int n, size_t size)
{
	if (n < *cap)
		return p;
	int ncap = *cap ? *cap * 2 : 4;
	void *np = realloc(p, (size_t)ncap * size);
	if (np == NULL)
		abort(); /* the builder's state cannot be kept consistent without memory */
	*cap = ncap;
	return np;
}

static long long
max_ll(long long a, long long b)
{
	return a > b ? a : b;
}

/* ---- devices and agents ----------------------------------------------------------------- */

static enum lg_kind
kind_of(const lg_builder *b, const char *dev)
{
	void *v = hs_map_get(b->kinds, dev);

	return v != NULL ? (enum lg_kind)((intptr_t)v - 1) : LG_KIND_OTHER;
}

void
lg_build_device_kind(lg_builder *b, const char *device, enum lg_kind kind)
{
	if (device != NULL && *device != '\0')
		hs_map_put(b->kinds, device, (void *)((intptr_t)kind + 1));
}

static const char *
agent_at(const lg_builder *b, const char *dev)
{
	const struct agent_rec *a = hs_map_get(b->agent_at, dev);

	return a != NULL ? a->id : "";
}

/* ---- records ---------------------------------------------------------------------------- */

static void
mark_dirty(lg_builder *b, struct lg_call *c)
{
	c->dirty_gen = b->gen;
	if (c->dirty)
		return;
	c->dirty = true;
	c->next_dirty = b->dirty;
	b->dirty = c;
}

static struct lg_party *
party_find(struct lg_segment *s, const char *dev)
{
	for (int i = 0; i < s->nparties; i++)
		if (strcmp(s->parties[i].device, dev) == 0)
			return &s->parties[i];
	return NULL;
}

static struct lg_party *
party_get(lg_builder *b, struct lg_segment *s, const char *dev, long long ms)
{
	struct lg_party *p = party_find(s, dev);

	if (p != NULL)
		return p;
	s->parties = grow(s->parties, &s->capparties, s->nparties, sizeof(*s->parties));
	p = &s->parties[s->nparties++];
	memset(p, 0, sizeof(*p));
	CPY(p->device, dev);
	p->kind = kind_of(b, dev);
	CPY(p->agent, agent_at(b, dev));
	p->join_ms = ms;
	p->active = true;
	return p;
}

static struct lg_segment *
leg_cur(struct lg_leg *l)
{
	if (l->cur < 0)
		return NULL;
	struct lg_segment *s = &l->call->segs[l->cur];
	return s->state == LG_ENDED ? NULL : s;
}

static bool
has_active_target(const struct lg_segment *s)
{
	for (int i = 0; i < s->nparties; i++)
		if (s->parties[i].active && (s->parties[i].roles & LG_P_ALERTED) &&
		    !(s->parties[i].roles & LG_P_ORIGINATOR))
			return true;
	return false;
}

static struct lg_hold *
open_hold(struct lg_segment *s, const char *dev)
{
	for (int i = 0; i < s->nholds; i++)
		if (s->holds[i].end_ms == 0 && (dev == NULL || strcmp(s->holds[i].device, dev) == 0))
			return &s->holds[i];
	return NULL;
}

static void
holds_close(struct lg_segment *s, const char *dev, long long ms)
{
	for (int i = 0; i < s->nholds; i++)
		if (s->holds[i].end_ms == 0 && (dev == NULL || strcmp(s->holds[i].device, dev) == 0))
			s->holds[i].end_ms = ms;
}

/* Durations of a segment and its parties, counted to `now` while it is still open. */
static void
seg_times(struct lg_segment *s, long long now)
{
	long long end = s->end_ms ? s->end_ms : max_ll(now, s->start_ms);
	long long hold = 0, maxhold = 0, covered = 0;

	/* The segment is on hold while anyone holds it: the union of the intervals (two
	 * parties of a conference may hold at once), each clipped to answer..end.  Holds are
	 * few, so the union is found by sweeping them in start order, smallest first. */
	for (;;) {
		long long a = 0, z = 0;
		int next = -1;

		for (int i = 0; i < s->nholds; i++) {
			long long ha = max_ll(s->holds[i].start_ms, s->answer_ms ? s->answer_ms : end);
			long long hz = s->holds[i].end_ms ? s->holds[i].end_ms : end;
			if (hz > end)
				hz = end;
			ha = max_ll(ha, covered);
			if (hz > ha && (next < 0 || ha < a)) {
				next = i;
				a = ha;
				z = hz;
			}
		}
		if (next < 0)
			break;
		hold += z - a;
		covered = z;
	}
	/* the longest single hold, clipped the same way */
	for (int i = 0; i < s->nholds; i++) {
		long long ha = max_ll(s->holds[i].start_ms, s->answer_ms ? s->answer_ms : end);
		long long hz = s->holds[i].end_ms ? s->holds[i].end_ms : end;
		if (hz > end)
			hz = end;
		if (hz - ha > maxhold)
			maxhold = hz - ha;
	}
	s->ring_ms = (s->answer_ms ? s->answer_ms : end) - s->start_ms;
	if (s->ring_ms < 0)
		s->ring_ms = 0;
	s->hold_ms = s->answer_ms ? hold : 0;
	s->max_hold_ms = s->answer_ms ? maxhold : 0;
	s->talk_ms = s->answer_ms ? end - s->answer_ms - s->hold_ms : 0;
	if (s->talk_ms < 0)
		s->talk_ms = 0;

	for (int i = 0; i < s->nparties; i++) {
		struct lg_party *p = &s->parties[i];
		long long rel = p->release_ms ? p->release_ms : end;
		long long ph = 0;

		if (p->roles & LG_P_ORIGINATOR) {
			/* The caller waits, talks and holds as long as the segment does. */
			p->ring_ms = s->ring_ms;
			p->talk_ms = s->talk_ms;
			p->hold_ms = s->hold_ms;
			continue;
		}
		for (int h = 0; h < s->nholds; h++) {
			if (strcmp(s->holds[h].device, p->device) != 0)
				continue;
			long long z = s->holds[h].end_ms ? s->holds[h].end_ms : rel;
			if (z > rel)
				z = rel;
			if (z > s->holds[h].start_ms)
				ph += z - s->holds[h].start_ms;
		}
		p->ring_ms = p->alert_ms ? (p->answer_ms ? p->answer_ms : rel) - p->alert_ms : 0;
		p->hold_ms = p->answer_ms ? ph : 0;
		p->talk_ms = p->answer_ms ? rel - p->answer_ms - p->hold_ms : 0;
		if (p->ring_ms < 0)
			p->ring_ms = 0;
		if (p->talk_ms < 0)
			p->talk_ms = 0;
	}
}

static void
end_set(struct lg_end *e, const char *event, int cause, const char *text, const char *reason)
{
	CPY(e->event, event);
	e->cause = cause;
	CPY(e->cause_text, text);
	CPY(e->reason, reason);
}

static void
seg_close(struct lg_segment *s, long long ms, const struct lg_end *end)
{
	if (s->state == LG_ENDED)
		return;
	s->end_ms = ms;
	holds_close(s, NULL, ms);
	for (int i = 0; i < s->nparties; i++)
		if (s->parties[i].active) {
			s->parties[i].active = false;
			s->parties[i].release_ms = ms;
		}
	s->end = *end;
	s->state = LG_ENDED;
	seg_times(s, ms);
}

static struct lg_segment *
seg_new(lg_builder *b, struct lg_leg *l, long long ms)
{
	struct lg_call *c = l->call;
	struct lg_segment *s;
	struct lg_party *o;
	int64_t id = LG_ID(b->boot_no, b->seq);

	/* One event opens at most one segment; if it ever opened two, keep the ids apart. */
	if (id == b->last_seg_id)
		id |= (int64_t)1 << 39;
	b->last_seg_id = id;

	c->segs = grow(c->segs, &c->capsegs, c->nsegs, sizeof(*c->segs));
	s = &c->segs[c->nsegs];
	memset(s, 0, sizeof(*s));
	s->rec_id = id;
	s->no = ++c->nsegs;
	CPY(s->pbx_call_id, l->pbx_call_id);
	s->consult = l->consult;
	s->state = LG_RINGING;
	s->start_ms = ms;
	CPY(s->originator, l->originator);
	s->end.cause = -1;
	if (l->pending_from[0] != '\0') {
		if (l->pending_transfer) {
			CPY(s->transferred_from, l->pending_from);
			CPY(s->transferred_from_agent, l->pending_from_agent);
		} else {
			CPY(s->diverted_from, l->pending_from);
			CPY(s->divert_reason, l->pending_reason);
		}
	}
	l->pending_from[0] = l->pending_from_agent[0] = l->pending_reason[0] = '\0';
	l->pending_transfer = false;
	l->cur = c->nsegs - 1;
	if (l->originator[0] != '\0') {
		o = party_get(b, s, l->originator, ms);
		o->roles |= LG_P_ORIGINATOR;
	}
	if (l->pending_account[0] != '\0') {
		s->accounts = grow(s->accounts, &s->capaccounts, s->naccounts, sizeof(*s->accounts));
		CPY(s->accounts[s->naccounts].code, l->pending_account);
		s->accounts[s->naccounts++].ms = l->pending_account_ms;
		CPY(s->account_code, l->pending_account);
		l->pending_account[0] = '\0';
	}
	return s;
}

static void
seg_account(struct lg_leg *l, const char *code, long long ms)
{
	struct lg_segment *s = leg_cur(l);

	if (code[0] == '\0')
		return;
	CPY(l->call->account_code, code);
	if (s == NULL) {
		CPY(l->pending_account, code);
		l->pending_account_ms = ms;
		return;
	}
	if (s->naccounts > 0 && strcmp(s->accounts[s->naccounts - 1].code, code) == 0)
		return; /* a copy, or the same code again */
	s->accounts = grow(s->accounts, &s->capaccounts, s->naccounts, sizeof(*s->accounts));
	CPY(s->accounts[s->naccounts].code, code);
	s->accounts[s->naccounts++].ms = ms;
	CPY(s->account_code, code);
}

/* ---- ACD status rows -------------------------------------------------------------------- */

static void
acd_row(lg_builder *b, struct agent_rec *a, const char *agent_id, long long ms,
    const char *status, const char *group)
{
	struct lg_status st;

	memset(&st, 0, sizeof(st));
	st.acd = true;
	st.n = b->status_n++;
	st.ms = ms;
	CPY(st.who, agent_id);
	CPY(st.name, a->name);
	CPY(st.device, a->device);
	CPY(st.status, status);
	if (group != NULL)
		CPY(st.hunt_group, group);
	if (strcmp(status, "dnd_on") == 0)
		CPY(st.dnd_message, "Not Ready");
	if (strcmp(status, "logged_on") != 0 && strcmp(status, "logged_out") != 0)
		CPY(a->status, status);
	if (b->status_fn != NULL)
		b->status_fn(b->status_arg, b->boot_no, b->seq, &st);
}

/* The agent at dev starts (busy) or ends a call; rows only for agents that are free. */
static void
agent_call(lg_builder *b, const char *dev, bool busy, long long ms)
{
	struct agent_rec *a = hs_map_get(b->agent_at, dev);

	if (a == NULL)
		return;
	if (busy && strcmp(a->status, "free") == 0)
		acd_row(b, a, a->id, ms, "busy", NULL);
	else if (!busy && strcmp(a->status, "busy") == 0 && strcmp(a->state, "ready") == 0)
		acd_row(b, a, a->id, ms, "free", NULL);
}

/* ---- calls and legs --------------------------------------------------------------------- */

static void
call_key(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)id);
}

static struct lg_leg *
leg_get(lg_builder *b, const char *pbx_id)
{
	return pbx_id[0] != '\0' ? hs_map_get(b->legs, pbx_id) : NULL;
}

static struct lg_leg *
leg_add(lg_builder *b, struct lg_call *c, const char *pbx_id, bool consult)
{
	struct lg_leg *l;

	if (c->nlegs == LG_MAX_LEGS)
		return NULL;
	l = &c->legs[c->nlegs++];
	memset(l, 0, sizeof(*l));
	CPY(l->pbx_call_id, pbx_id);
	l->call = c;
	l->consult = consult;
	l->cur = -1;
	l->end.cause = -1;
	hs_map_put(b->legs, pbx_id, l);
	return l;
}

/* A new PBX call: a leg of the call its originator holds for a transfer or conference, or
 * a new logical call. */
static struct lg_leg *
leg_create(lg_builder *b, const char *pbx_id, const char *originator, long long ms,
    bool resync)
{
	const char *held = originator[0] != '\0' ? hs_map_get(b->xfer_hold, originator) : NULL;
	struct lg_leg *parent = held != NULL ? leg_get(b, held) : NULL;
	struct lg_call *c;
	struct lg_leg *l;
	char key[32];

	if (parent != NULL && !parent->ended && parent->call->nlegs < LG_MAX_LEGS) {
		l = leg_add(b, parent->call, pbx_id, true);
		CPY(l->originator, originator);
		return l;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	c->call_id = LG_ID(b->boot_no, b->seq);
	CPY(c->pbx_call_id, pbx_id);
	c->created_ms = ms;
	c->state = LG_DIALLING;
	c->end.cause = -1;
	c->incomplete = resync; /* first seen in a resync: its start is unknown */
	call_key(c->call_id, key, sizeof(key));
	hs_map_put(b->calls, key, c);
	l = leg_add(b, c, pbx_id, false);
	CPY(l->originator, originator);
	return l;
}

static void
add_trunk(struct lg_call *c, const char *t)
{
	if (t[0] == '\0')
		return;
	for (int i = 0; i < c->ntrunks; i++)
		if (strcmp(c->trunks[i], t) == 0)
			return;
	if (c->ntrunks < 8)
		CPY(c->trunks[c->ntrunks++], t);
	FILL_IF(c->trunk, t);
}

static void
xfer_hold_forget(lg_builder *b, const char *dev, const char *pbx_id)
{
	char *v = hs_map_get(b->xfer_hold, dev);

	if (v != NULL && (pbx_id == NULL || strcmp(v, pbx_id) == 0))
		free(hs_map_del(b->xfer_hold, dev));
}

/* Recomputes the call's columns from its legs and segments (to `now` while open). */
static void
call_refresh(lg_builder *b, struct lg_call *c, long long now)
{
	struct lg_leg *main = &c->legs[0];
	struct lg_segment *last = NULL;
	bool first_answer = true;

	c->ring_ms = c->talk_ms = c->hold_ms = c->max_hold_ms = 0;
	c->start_ms = 0;
	c->answered = false;
	c->answer_ms = 0;
	c->first_rang_ext[0] = c->first_rang_agent[0] = '\0';
	c->last_rang_ext[0] = c->last_rang_agent[0] = '\0';
	c->answering_ext[0] = c->answering_agent[0] = '\0';
	c->hunt_group[0] = '\0';
	c->transferred_from[0] = c->transferred_from_agent[0] = '\0';
	c->transferred_to[0] = c->transferred_to_agent[0] = '\0';
	CPY(c->originator, main->originator);
	CPY(c->originator_agent, "");

	c->external = c->ntrunks > 0;
	if (kind_of(b, main->originator) == LG_KIND_TRUNK)
		c->direction = LG_DIR_IN;
	else
		c->direction = c->external ? LG_DIR_OUT : LG_DIR_NA;

	for (int i = 0; i < c->nsegs; i++) {
		struct lg_segment *s = &c->segs[i];
		int best_first = 1 << 30, best_last = -1;
		const struct lg_party *pf = NULL, *pl = NULL;

		if (s->state != LG_ENDED)
			seg_times(s, now);
		s->external = false;
		for (int k = 0; k < s->nparties; k++)
			if (s->parties[k].kind == LG_KIND_TRUNK)
				s->external = true;
		if (s->consult) {
			s->direction = kind_of(b, s->originator) == LG_KIND_TRUNK ? LG_DIR_IN :
			    s->external ? LG_DIR_OUT : LG_DIR_NA;
			SET_IF(s->telephone_number, s->external ? s->cli : s->originator);
			continue;
		}
		s->external = c->external;
		s->direction = c->direction;
		last = s;
		if (c->start_ms == 0)
			c->start_ms = s->start_ms;
		c->ring_ms += s->ring_ms;
		c->talk_ms += s->talk_ms;
		c->hold_ms += s->hold_ms;
		if (s->max_hold_ms > c->max_hold_ms)
			c->max_hold_ms = s->max_hold_ms;
		if (s->answered && first_answer) {
			first_answer = false;
			c->answered = true;
			c->answer_ms = s->answer_ms;
			CPY(c->answering_ext, s->answering_ext);
			CPY(c->answering_agent, s->answering_agent);
		}
		FILL_IF(c->hunt_group, s->hunt_group);
		if (c->transferred_from[0] == '\0' && s->transferred_from[0] != '\0') {
			CPY(c->transferred_from, s->transferred_from);
			CPY(c->transferred_from_agent, s->transferred_from_agent);
		}
		if (c->transferred_to[0] == '\0' && s->transferred_to[0] != '\0') {
			CPY(c->transferred_to, s->transferred_to);
			CPY(c->transferred_to_agent, s->transferred_to_agent);
		}
		/* First and last rang: the devices the call rang at, hunt groups aside. */
		for (int k = 0; k < s->nparties; k++) {
			const struct lg_party *p = &s->parties[k];
			if (!(p->roles & LG_P_ALERTED) || p->kind == LG_KIND_HUNT_GROUP ||
			    p->rang_order == 0)
				continue;
			if (p->rang_order < best_first) {
				best_first = p->rang_order;
				pf = p;
			}
			if (p->rang_order > best_last) {
				best_last = p->rang_order;
				pl = p;
			}
		}
		if (pf != NULL && c->first_rang_ext[0] == '\0') {
			CPY(c->first_rang_ext, pf->device);
			CPY(c->first_rang_agent, pf->agent);
		}
		if (pl != NULL) {
			CPY(c->last_rang_ext, pl->device);
			CPY(c->last_rang_agent, pl->agent);
		}
		SET_IF(s->cli, c->cli);
		CPY(s->telephone_number, c->external ? c->cli : c->originator);
		FILL_IF(s->trunk, c->trunk);
	}
	for (int i = 0; i < c->nsegs && c->originator_agent[0] == '\0'; i++) {
		const struct lg_party *p = party_find(&c->segs[i], main->originator);
		if (p != NULL)
			CPY(c->originator_agent, p->agent);
	}
	if (c->start_ms == 0)
		c->start_ms = c->created_ms;
	c->segment_count = c->nsegs;
	c->lost = c->external && c->direction == LG_DIR_IN && !c->answered;
	CPY(c->telephone_number, c->external ? c->cli : c->originator);
	if (c->direction == LG_DIR_IN && c->external) {
		c->cli_received = c->cli[0] != '\0';
		c->ddi_received = c->ddi[0] != '\0';
	} else {
		c->cli_received = c->ddi_received = false;
	}

	if (c->ended) {
		c->state = LG_ENDED;
		c->end = main->end;
		c->end_ms = 0;
		for (int i = 0; i < c->nlegs; i++)
			if (c->legs[i].end_ms > c->end_ms)
				c->end_ms = c->legs[i].end_ms;
		if (!main->ended) /* cannot happen: ended means every leg ended */
			c->end_ms = now;
		CPY(c->cleared_by, main->first_clear);
		/* Trunk to trunk: what is left at the end is an outside party on each side. */
		c->trunk_to_trunk = last != NULL && kind_of(b, last->originator) == LG_KIND_TRUNK &&
		    ((last->answering_ext[0] != '\0' &&
		      kind_of(b, last->answering_ext) == LG_KIND_TRUNK) ||
		     (last->answering_ext[0] == '\0' && kind_of(b, last->target) == LG_KIND_TRUNK));
	} else {
		struct lg_segment *s = leg_cur(main);
		c->state = s != NULL ? s->state : main->any_answer ? LG_CONNECTED : LG_DIALLING;
	}
}

/* A leg ended (CC, call.cleared): closes its segment with the reason, and the call when it
 * was the last leg. */
static void
leg_end(lg_builder *b, struct lg_leg *l, long long ms, const char *event, int cause,
    const char *cause_text)
{
	struct lg_segment *s;
	struct lg_call *c = l->call;
	bool all = true;

	if (l->ended)
		return;
	s = leg_cur(l);
	if (l->end.reason[0] == '\0') {
		const char *reason;
		if (l->merged)
			reason = l->end.event[0] == 'C' && l->end.event[1] == 'O' ? "conferenced" :
			    "transferred";
		else if (s != NULL && !s->answered && s->nparties > 0 &&
		    strcmp(l->first_clear, l->originator) == 0)
			reason = "abandoned";
		else if (s != NULL && !s->answered)
			reason = "no-answer";
		else if (!l->any_answer && l->first_clear[0] != '\0' &&
		    strcmp(l->first_clear, l->originator) == 0)
			reason = "abandoned";
		else
			reason = "normal";
		end_set(&l->end, event, cause, cause_text, reason);
	}
	if (s != NULL)
		seg_close(s, ms, &l->end);
	l->ended = true;
	l->end_ms = ms;
	if (l->holder38[0] != '\0')
		xfer_hold_forget(b, l->holder38, l->pbx_call_id);
	if (hs_map_get(b->legs, l->pbx_call_id) == l)
		hs_map_del(b->legs, l->pbx_call_id);
	for (int i = 0; i < c->nlegs; i++)
		all = all && c->legs[i].ended;
	c->ended = all;
	/* agents on the call are free again */
	if (s != NULL)
		for (int i = 0; i < s->nparties; i++)
			if (s->parties[i].roles & LG_P_ANSWERED)
				agent_call(b, s->parties[i].device, false, ms);
}

/* Moves leg `from` (a consultation call first taken for a call of its own) into call to. */
static void
leg_merge(lg_builder *b, struct lg_leg *from, struct lg_call *to)
{
	struct lg_call *old = from->call;
	struct lg_leg *nl;
	char key[32];

	if (old == to || old->nlegs != 1 || to->nlegs == LG_MAX_LEGS || old->ended)
		return;
	nl = leg_add(b, to, from->pbx_call_id, true);
	{
		char pbx[LG_DEV];
		CPY(pbx, nl->pbx_call_id);
		*nl = *from;
		CPY(nl->pbx_call_id, pbx);
	}
	nl->call = to;
	nl->consult = true;
	nl->cur = -1;
	for (int i = 0; i < old->nsegs; i++) {
		struct lg_segment *s;
		to->segs = grow(to->segs, &to->capsegs, to->nsegs, sizeof(*to->segs));
		s = &to->segs[to->nsegs];
		*s = old->segs[i];
		s->no = ++to->nsegs;
		s->consult = true;
		if (old->legs[0].cur == i)
			nl->cur = to->nsegs - 1;
	}
	old->nsegs = 0; /* the segments moved (their arrays with them) */
	hs_map_put(b->legs, nl->pbx_call_id, nl);
	/* The call it was is gone: if it was already written, the store deletes it. */
	if (to->nabsorbed < LG_MAX_LEGS)
		to->absorbed[to->nabsorbed++] = old->call_id;
	call_key(old->call_id, key, sizeof(key));
	hs_map_del(b->calls, key);
	if (old->dirty) {
		for (struct lg_call **pp = &b->dirty; *pp != NULL; pp = &(*pp)->next_dirty)
			if (*pp == old) {
				*pp = old->next_dirty;
				break;
			}
	}
	free(old->segs);
	free(old);
	mark_dirty(b, to);
}

/* ---- call events ------------------------------------------------------------------------ */

struct ev {
	lg_builder *b;
	long long ms;
	const char *code;          /* PBX event: DE, ES, ... */
	const cJSON *body, *pbx;
	const char *call_id;
	const char *device;        /* the monitored device of this copy */
	int cause;
	const char *cause_text;
	bool resync;
};

#define F(name) jstr(e->pbx, name)

static void
learn_kind(lg_builder *b, const char *dev, int type)
{
	if (type == 'E')
		lg_build_device_kind(b, dev, LG_KIND_TRUNK);
	else if (type == 'I' && kind_of(b, dev) == LG_KIND_OTHER)
		lg_build_device_kind(b, dev, LG_KIND_EXTENSION);
}

/* Inbound data that rides along the call: CLI, name, DDI and its route name. */
static void
inbound_data(struct lg_call *c, const struct ev *e)
{
	SET_IF(c->cli, F("Outside_Caller_Number"));
	SET_IF(c->caller_name, F("Outside_Caller_Name"));
	if (F("Trunk_Outside_Number")[0] != '\0') {
		CPY(c->ddi, F("Trunk_Outside_Number"));
		SET_IF(c->dnis, F("Trunk_Name"));
	}
}

static const char *
divert_reason(int cause)
{
	switch (cause) {
	case 8: return "no-answer";
	case 6: case 7: case 9: return "forward";
	case 11: return "pickup";
	case 26: return "overflow";
	case 27: return "recall";
	case 28: return "hunt";
	default: return "diverted";
	}
}

static const char *
fail_reason(int cause)
{
	switch (cause) {
	case 3: return "busy";
	case 14: return "dnd";
	case 33: return "trunks-busy";
	case 13: return "unavailable";
	default: return "failed";
	}
}

/* The call rings (or queues, group != NULL and dev == group) at dev. */
static void
ring_at(lg_builder *b, struct lg_leg *l, const char *dev, const char *group, long long ms,
    bool queue)
{
	struct lg_segment *s = leg_cur(l);
	struct lg_party *p;

	if (dev[0] == '\0')
		return;
	if (s != NULL && (p = party_find(s, dev)) != NULL && p->active &&
	    (p->roles & LG_P_ALERTED))
		return; /* a copy */
	/* A device rung while the segment still rings unanswered joins it (all-ring groups,
	 * the delivery out of a queue); anything else starts a new segment. */
	if (s == NULL || s->answered || l->pending_from[0] != '\0' || queue ||
	    (s->state != LG_QUEUED && !has_active_target(s))) {
		if (s != NULL) {
			struct lg_end end;
			end_set(&end, queue ? "QU" : "DE", -1, "", "diverted");
			seg_close(s, ms, &end);
		}
		s = seg_new(b, l, ms);
		CPY(s->target, dev);
		if (queue)
			s->state = LG_QUEUED;
	}
	if (group != NULL && group[0] != '\0') {
		FILL_IF(s->hunt_group, group);
		lg_build_device_kind(b, group, LG_KIND_HUNT_GROUP);
	}
	if (!queue && s->state == LG_QUEUED) {
		/* out of the queue: the group stops "ringing" */
		for (int i = 0; i < s->nparties; i++)
			if (s->parties[i].kind == LG_KIND_HUNT_GROUP && s->parties[i].active) {
				s->parties[i].active = false;
				s->parties[i].release_ms = ms;
			}
		s->state = LG_RINGING;
	}
	p = party_get(b, s, dev, ms);
	if (!(p->roles & LG_P_ALERTED)) {
		int order = 0;
		for (int i = 0; i < s->nparties; i++)
			if (s->parties[i].rang_order > order)
				order = s->parties[i].rang_order;
		p->roles |= LG_P_ALERTED;
		p->rang_order = queue ? 0 : order + 1;
	}
	if (s->transferred_from[0] != '\0' && strcmp(s->target, dev) == 0)
		p->roles |= LG_P_XFER_TARGET;
	p->active = true;
	p->alert_ms = ms;
	p->release_ms = 0;
}

static void
ev_delivered(struct ev *e, struct lg_leg *l)
{
	lg_builder *b = e->b;
	struct lg_call *c = l->call;
	const char *alert = F("Alerting_Internal_Ext");
	const char *calling = F("Internal_Calling_Ext");
	int at = F("Alerting_Device_Type")[0], ct = F("Calling_Device_Type")[0];

	learn_kind(b, alert, at);
	learn_kind(b, calling, ct);
	FILL_IF(l->originator, calling);
	if (ct == 'E' && !l->consult) {
		add_trunk(c, calling);
		inbound_data(c, e);
	}
	if (at == 'E') {
		add_trunk(c, alert);
		if (!l->consult && kind_of(b, l->originator) != LG_KIND_TRUNK)
			SET_IF(c->cli, F("Alerting_Outside_Number"));
	}
	seg_account(l, F("Account_Code"), e->ms);
	ring_at(b, l, alert, F("ACD_UCD_Group"), e->ms, false);
}

static void
ev_queued(struct ev *e, struct lg_leg *l)
{
	const char *group = F("Queued_Ext");
	const char *calling = F("Internal_Calling_Ext");
	int ct = F("Calling_Device_Type")[0];

	learn_kind(e->b, calling, ct);
	FILL_IF(l->originator, calling);
	if (ct == 'E' && !l->consult) {
		add_trunk(l->call, calling);
		inbound_data(l->call, e);
	}
	lg_build_device_kind(e->b, group, LG_KIND_HUNT_GROUP);
	seg_account(l, F("Account_Code"), e->ms);
	ring_at(e->b, l, group, group, e->ms, true);
}

static void
ev_answered(struct ev *e, struct lg_leg *l)
{
	lg_builder *b = e->b;
	const char *ans = F("Answering_Internal_Ext");
	struct lg_segment *s = leg_cur(l);
	struct lg_party *p;

	learn_kind(b, ans, F("Answering_Device_Type")[0]);
	learn_kind(b, F("Internal_Calling_Ext"), F("Calling_Device_Type")[0]);
	FILL_IF(l->originator, F("Internal_Calling_Ext"));
	if (F("Calling_Device_Type")[0] == 'E' && !l->consult)
		add_trunk(l->call, F("Internal_Calling_Ext"));
	if (F("Answering_Device_Type")[0] == 'E')
		add_trunk(l->call, ans);
	if (ans[0] == '\0')
		return;
	if (s != NULL && (p = party_find(s, ans)) != NULL && (p->roles & LG_P_ANSWERED) &&
	    p->active)
		return; /* a copy */
	if (s == NULL || s->answered || (p = party_find(s, ans)) == NULL || !p->active) {
		/* answered where it was not ringing: a pickup joins the ringing segment; after an
		 * answer (or a resync) it is a new one */
		ring_at(b, l, ans, NULL, e->ms, false);
		s = leg_cur(l);
	}
	if (s == NULL)
		return;
	p = party_get(b, s, ans, e->ms);
	p->roles |= LG_P_ANSWERED;
	p->answer_ms = e->ms;
	p->active = true;
	if (!s->answered) {
		s->answered = true;
		s->answer_ms = e->ms;
		CPY(s->answering_ext, ans);
		CPY(s->answering_agent, p->agent);
	}
	/* Everyone else who rang stops ringing. */
	for (int i = 0; i < s->nparties; i++) {
		struct lg_party *q = &s->parties[i];
		if (q != p && q->active && (q->roles & LG_P_ALERTED) && !(q->roles & LG_P_ANSWERED) &&
		    !(q->roles & LG_P_ORIGINATOR)) {
			q->active = false;
			q->release_ms = e->ms;
		}
	}
	s->state = LG_CONNECTED;
	l->any_answer = true;
	agent_call(b, ans, true, e->ms);
}

static void
ev_held(struct ev *e, struct lg_leg *l)
{
	const char *dev = F("Activate_Hold_Ext");
	struct lg_segment *s = leg_cur(l);
	struct lg_hold *h;
	struct lg_party *p;
	enum lg_hold_kind kind;

	if (s == NULL || dev[0] == '\0' || open_hold(s, dev) != NULL)
		return;
	switch (e->cause) {
	case 37: kind = LG_HOLD_SYSTEM; break;
	case 38: kind = LG_HOLD_TRANSFER; break;
	case 39: kind = LG_HOLD_CONFERENCE; break;
	default: kind = LG_HOLD_INDIVIDUAL; break;
	}
	s->holds = grow(s->holds, &s->capholds, s->nholds, sizeof(*s->holds));
	h = &s->holds[s->nholds++];
	memset(h, 0, sizeof(*h));
	CPY(h->device, dev);
	h->kind = kind;
	h->start_ms = e->ms;
	p = party_get(e->b, s, dev, e->ms);
	p->roles |= LG_P_HELD;
	s->state = LG_HELD;
	if (kind == LG_HOLD_TRANSFER || kind == LG_HOLD_CONFERENCE) {
		char *id = strdup(l->pbx_call_id);
		if (id == NULL)
			abort();
		xfer_hold_forget(e->b, dev, NULL);
		hs_map_put(e->b->xfer_hold, dev, id);
		CPY(l->holder38, dev);
	}
}

static void
ev_retrieved(struct ev *e, struct lg_leg *l)
{
	const char *dev = F("Retrieving_Ext");
	struct lg_segment *s = leg_cur(l);
	struct lg_hold *h;

	if (s == NULL)
		return;
	if ((h = open_hold(s, dev)) == NULL && (h = open_hold(s, NULL)) == NULL)
		return; /* a copy */
	h->end_ms = e->ms;
	if (open_hold(s, NULL) == NULL)
		s->state = LG_CONNECTED;
	xfer_hold_forget(e->b, h->device, l->pbx_call_id);
}

static void
ev_transferred(struct ev *e, struct lg_leg *l)
{
	lg_builder *b = e->b;
	const char *from = F("Transferring_Ext"), *to = F("Destination_Ext");
	const char *consult = F("Announcement_Call_ID");
	struct lg_segment *s;
	struct lg_leg *cl;
	struct lg_party *p;
	struct lg_end end;
	char key[3 * LG_DEV];

	snprintf(key, sizeof(key), "%s/%s/%s", from, to, consult);
	if (strcmp(l->last_tr, key) == 0)
		return; /* a copy */
	CPY(l->last_tr, key);
	if ((cl = leg_get(b, consult)) != NULL && cl != l) {
		if (cl->call != l->call)
			leg_merge(b, cl, l->call);
		if ((cl = leg_get(b, consult)) != NULL)
			cl->merged = true;
	}
	/* Only now: the merge may have moved the call's segment array. */
	if ((s = leg_cur(l)) != NULL) {
		holds_close(s, from, e->ms);
		if ((p = party_find(s, from)) != NULL)
			p->roles |= LG_P_XFER_SOURCE;
		CPY(s->transferred_to, to);
		CPY(s->transferred_to_agent, agent_at(b, to));
		end_set(&end, "TR", e->cause, e->cause_text, "transferred");
		seg_close(s, e->ms, &end);
	}
	CPY(l->pending_from, from);
	CPY(l->pending_from_agent, agent_at(b, from));
	l->pending_transfer = true;
	xfer_hold_forget(b, from, NULL);
	l->holder38[0] = '\0';
}

static void
ev_conferenced(struct ev *e, struct lg_leg *l)
{
	lg_builder *b = e->b;
	const char *second = F("Secondary_Call_ID"), *ctrl = F("Conf_Controller_Ext");
	const cJSON *parties = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(e->body, "call"), "parties");
	struct lg_segment *s;
	struct lg_leg *sl = leg_get(b, second);
	const cJSON *it;

	if (sl != NULL && sl != l) {
		struct lg_segment *ss;
		struct lg_end end;
		if (sl->call != l->call)
			leg_merge(b, sl, l->call);
		sl = leg_get(b, second);
		if (sl != NULL) {
			sl->merged = true;
			end_set(&sl->end, "CO", e->cause, e->cause_text, "conferenced");
			if ((ss = leg_cur(sl)) != NULL) {
				end = sl->end;
				seg_close(ss, e->ms, &end);
			}
		}
	}
	l->call->conference = true;
	if ((s = leg_cur(l)) == NULL) /* after the merge, which may move the segments */
		return;
	holds_close(s, ctrl, e->ms);
	if (open_hold(s, NULL) == NULL)
		s->state = LG_CONNECTED;
	xfer_hold_forget(b, ctrl, NULL);
	l->holder38[0] = '\0';
	cJSON_ArrayForEach(it, parties) {
		const char *dev = jstr(it, "device");
		struct lg_party *p;
		if (dev[0] == '\0' || ((p = party_find(s, dev)) != NULL && p->active))
			continue;
		p = party_get(b, s, dev, e->ms);
		p->roles |= LG_P_CONFERENCE | LG_P_ANSWERED;
		p->answer_ms = e->ms;
		p->active = true;
		p->release_ms = 0;
		if (p->kind == LG_KIND_TRUNK)
			add_trunk(l->call, dev);
	}
}

static void
ev_failed(struct ev *e, struct lg_leg *l)
{
	struct lg_segment *s = leg_cur(l);

	if (l->end.reason[0] != '\0')
		return; /* a copy */
	end_set(&l->end, "FA", e->cause, e->cause_text, fail_reason(e->cause));
	if (s != NULL) {
		struct lg_end end = l->end;
		seg_close(s, e->ms, &end);
	}
}

static void
ev_diverted(struct ev *e, struct lg_leg *l)
{
	const char *from = F("Diverted_From_Ext");
	struct lg_segment *s = leg_cur(l);
	struct lg_party *p;

	if (from[0] == '\0')
		return;
	if (s != NULL && ((p = party_find(s, from)) == NULL || !p->active) &&
	    strcmp(l->pending_from, from) == 0)
		return; /* a copy */
	if (s == NULL && strcmp(l->pending_from, from) == 0)
		return;
	if (s != NULL && (p = party_find(s, from)) != NULL && p->active) {
		p->active = false;
		p->release_ms = e->ms;
	}
	CPY(l->pending_from, from);
	CPY(l->pending_from_agent, agent_at(e->b, from));
	CPY(l->pending_reason, divert_reason(e->cause));
	l->pending_transfer = false;
	if (s != NULL && !has_active_target(s) && !(s->state == LG_QUEUED &&
	    kind_of(e->b, from) != LG_KIND_HUNT_GROUP)) {
		struct lg_end end;
		end_set(&end, "DI", e->cause, e->cause_text, divert_reason(e->cause));
		seg_close(s, e->ms, &end);
	}
}

static void
ev_cleared(struct ev *e, struct lg_leg *l)
{
	const char *who = F("Cleared_Ext"), *term = F("Terminating_Ext");
	struct lg_segment *s = leg_cur(l);
	struct lg_party *p;

	if (who[0] == '\0')
		return;
	if (l->first_clear[0] == '\0')
		CPY(l->first_clear, term[0] != '\0' ? term : who);
	if (s == NULL || (p = party_find(s, who)) == NULL || !p->active)
		return;
	p->active = false;
	p->release_ms = e->ms;
	holds_close(s, who, e->ms);
	if (p->roles & LG_P_ANSWERED)
		agent_call(e->b, who, false, e->ms);
}

/* Which events may start a leg: the first event of a PBX call names its originator. */
static const char *
starter(const struct ev *e)
{
	const char *c = e->code;

	if (strcmp(c, "SI") == 0)
		return F("Initiating_Ext");
	if (strcmp(c, "OR") == 0 || strcmp(c, "DE") == 0 || strcmp(c, "OF") == 0 ||
	    strcmp(c, "QU") == 0 || strcmp(c, "ES") == 0 || strcmp(c, "ER") == 0)
		return F("Internal_Calling_Ext")[0] != '\0' ? F("Internal_Calling_Ext") : e->device;
	if (strcmp(c, "NT") == 0 || strcmp(c, "FA") == 0 || strcmp(c, "HE") == 0)
		return e->device;
	return NULL;
}

static int
call_event(lg_builder *b, long long ms, const cJSON *body)
{
	struct ev ev = {
		.b = b,
		.ms = ms,
		.body = body,
		.pbx = cJSON_GetObjectItemCaseSensitive(body, "pbx"),
		.code = jstr(body, "pbx_event"),
		.call_id = jstr(body, "call_id"),
		.device = jstr(body, "device"),
		.cause = jint(body, "cause", -1),
		.cause_text = jstr(body, "cause_text"),
		.resync = cJSON_GetObjectItemCaseSensitive(body, "resync") != NULL,
	};
	struct ev *e = &ev;
	struct lg_leg *l;
	struct lg_call *c;
	const char *orig;

	if (ev.code[0] == '\0' || ev.call_id[0] == '\0' || !cJSON_IsObject(ev.pbx))
		return -1;
	if ((l = leg_get(b, ev.call_id)) == NULL) {
		if ((orig = starter(e)) == NULL)
			return 0; /* the tail of a call already closed, or of one never seen */
		if ((l = leg_create(b, ev.call_id, orig, ms, ev.resync)) == NULL)
			return -1;
	}
	c = l->call; /* merges move consult legs into this call, never this leg away */
	if (strcmp(ev.code, "OR") == 0) {
		FILL_IF(l->originator, F("Internal_Calling_Ext"));
		learn_kind(b, F("Internal_Calling_Ext"), F("Calling_Device_Type")[0]);
		if (F("Calling_Device_Type")[0] == 'E' && !l->consult) {
			add_trunk(l->call, F("Internal_Calling_Ext"));
			SET_IF(l->call->cli, F("Outside_Caller_Number"));
		}
		if (!l->consult)
			SET_IF(l->call->dialled, F("Dialed_Number"));
		seg_account(l, F("Account_Code"), ms);
	} else if (strcmp(ev.code, "SI") == 0) {
		FILL_IF(l->originator, F("Initiating_Ext"));
	} else if (strcmp(ev.code, "NT") == 0) {
		lg_build_device_kind(b, F("Trunk_Used"), LG_KIND_TRUNK);
		add_trunk(l->call, F("Trunk_Used"));
		if (!l->consult) {
			SET_IF(l->call->dialled, F("Dialed_Number"));
			SET_IF(l->call->cli, F("Dialed_Number"));
		}
	} else if (strcmp(ev.code, "QU") == 0) {
		ev_queued(e, l);
	} else if (strcmp(ev.code, "DE") == 0 || strcmp(ev.code, "OF") == 0) {
		ev_delivered(e, l);
	} else if (strcmp(ev.code, "ES") == 0 || strcmp(ev.code, "ER") == 0) {
		ev_answered(e, l);
	} else if (strcmp(ev.code, "HE") == 0) {
		ev_held(e, l);
	} else if (strcmp(ev.code, "RE") == 0) {
		ev_retrieved(e, l);
	} else if (strcmp(ev.code, "TR") == 0) {
		ev_transferred(e, l);
	} else if (strcmp(ev.code, "CO") == 0) {
		ev_conferenced(e, l);
	} else if (strcmp(ev.code, "FA") == 0) {
		ev_failed(e, l);
	} else if (strcmp(ev.code, "DI") == 0) {
		ev_diverted(e, l);
	} else if (strcmp(ev.code, "XC") == 0) {
		ev_cleared(e, l);
	} else if (strcmp(ev.code, "CC") == 0) {
		if (l->consult && ev.cause == 32)
			l->merged = true;
		leg_end(b, l, ms, "CC", ev.cause, ev.cause_text);
	}
	mark_dirty(b, c);
	return 0;
}

#undef F

/* call.cleared: the call left cti-host's model (every party gone, merged, or it ended while
 * the PBX link was down). */
static int
call_gone(lg_builder *b, long long ms, const cJSON *body)
{
	const char *id = jstr(body, "call_id"), *reason = jstr(body, "reason");
	struct lg_leg *l = leg_get(b, id);
	struct lg_call *c;

	if (id[0] == '\0')
		return -1;
	if (l == NULL)
		return 0;
	c = l->call;
	if (strstr(reason, "link") != NULL) {
		/* We did not see how it ended: the record says so (#ERROR in reports). */
		c->incomplete = true;
		if (l->cur >= 0)
			c->segs[l->cur].incomplete = true;
		end_set(&l->end, "", -1, reason, "link-lost");
	} else if (strstr(reason, "conference") != NULL) {
		l->merged = true;
		if (l->end.reason[0] == '\0')
			end_set(&l->end, "CO", 41, "Conference", "conferenced");
	}
	leg_end(b, l, ms, "XC", 36, "Normal Clear");
	mark_dirty(b, c);
	return 0;
}

/* ---- agents and DND --------------------------------------------------------------------- */

static bool
in_groups(const char (*g)[LG_DEV], int n, const char *x)
{
	for (int i = 0; i < n; i++)
		if (strcmp(g[i], x) == 0)
			return true;
	return false;
}

static int
agent_event(lg_builder *b, long long ms, const cJSON *body)
{
	const char *id = jstr(body, "agent_id"), *state = jstr(body, "state");
	const char *dev = jstr(body, "device");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(body, "groups"), *it;
	char ng[8][LG_DEV];
	int nng = 0;
	struct agent_rec *a;

	if (id[0] == '\0' || state[0] == '\0')
		return -1;
	if ((a = hs_map_get(b->agents, id)) == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL)
			abort();
		CPY(a->id, id);
		CPY(a->state, "logged_off");
		hs_map_put(b->agents, id, a);
	}
	SET_IF(a->name, jstr(body, "description"));
	cJSON_ArrayForEach(it, groups)
		if (cJSON_IsString(it) && nng < 8)
			CPY(ng[nng++], it->valuestring);

	/* where the agent sits */
	if (a->device[0] != '\0' && strcmp(a->device, dev) != 0 &&
	    hs_map_get(b->agent_at, a->device) == a)
		hs_map_del(b->agent_at, a->device);
	CPY(a->device, dev);
	if (dev[0] != '\0' && strcmp(state, "logged_off") != 0)
		hs_map_put(b->agent_at, dev, a);

	/* ACD Status List rows, in the order a supervisor reads them */
	for (int i = 0; i < nng; i++)
		if (!in_groups(a->groups, a->ngroups, ng[i]))
			acd_row(b, a, id, ms, "logged_on", ng[i]);
	if (strcmp(state, a->state) != 0) {
		if (strcmp(a->state, "not_ready") == 0)
			acd_row(b, a, id, ms, "dnd_off", NULL);
		if (strcmp(state, "ready") == 0)
			acd_row(b, a, id, ms, "free", NULL);
		else if (strcmp(state, "not_ready") == 0)
			acd_row(b, a, id, ms, "dnd_on", NULL);
		else if (strcmp(state, "wrap_up") == 0)
			acd_row(b, a, id, ms, "wrap", NULL);
	}
	for (int i = 0; i < a->ngroups; i++)
		if (!in_groups((const char (*)[LG_DEV])ng, nng, a->groups[i]))
			acd_row(b, a, id, ms, "logged_out", a->groups[i]);
	if (strcmp(state, "logged_off") == 0 && a->ngroups == 0 && nng == 0 &&
	    strcmp(a->state, "logged_off") != 0)
		acd_row(b, a, id, ms, "logged_out", NULL);
	memcpy(a->groups, ng, sizeof(ng));
	a->ngroups = nng;
	CPY(a->state, state);
	if (strcmp(state, "logged_off") == 0) {
		a->status[0] = '\0';
		if (dev[0] != '\0' && hs_map_get(b->agent_at, dev) == a)
			hs_map_del(b->agent_at, dev);
	}
	return 0;
}

static int
device_event(lg_builder *b, long long ms, const cJSON *body)
{
	const char *dev = jstr(body, "device"), *kind = jstr(body, "kind");
	const cJSON *jd = cJSON_GetObjectItemCaseSensitive(body, "dnd");
	struct dnd_rec *d;
	struct lg_status st;
	bool on;

	if (dev[0] == '\0' || !cJSON_IsBool(jd))
		return -1;
	if (strcmp(kind, "trunk") == 0)
		lg_build_device_kind(b, dev, LG_KIND_TRUNK);
	else if (strcmp(kind, "hunt_group") == 0)
		lg_build_device_kind(b, dev, LG_KIND_HUNT_GROUP);
	else if (strcmp(kind, "extension") == 0)
		lg_build_device_kind(b, dev, LG_KIND_EXTENSION);
	on = cJSON_IsTrue(jd);
	if ((d = hs_map_get(b->dnd, dev)) == NULL) {
		if ((d = calloc(1, sizeof(*d))) == NULL)
			abort();
		hs_map_put(b->dnd, dev, d);
		if (!on) /* first sight, not in DND: nothing changed that we know of */
			return 0;
	} else if (d->on == on && (!on || strcmp(d->message, jstr(body, "dnd_message")) == 0)) {
		return 0;
	}
	d->on = on;
	CPY(d->message, on ? jstr(body, "dnd_message") : "");
	memset(&st, 0, sizeof(st));
	st.acd = false;
	st.n = b->status_n++;
	st.ms = ms;
	CPY(st.who, dev);
	CPY(st.name, jstr(body, "name"));
	CPY(st.device, dev);
	st.dnd = on;
	CPY(st.status, on ? "dnd_on" : "dnd_off");
	if (on) {
		CPY(st.dnd_message, jstr(body, "dnd_message"));
		CPY(st.dnd_text, jstr(body, "dnd_text"));
	}
	if (b->status_fn != NULL)
		b->status_fn(b->status_arg, b->boot_no, b->seq, &st);
	return 0;
}

/* ---- API -------------------------------------------------------------------------------- */

lg_builder *
lg_build_new(lg_status_fn status_fn, void *arg)
{
	lg_builder *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->gen = 1; /* 0: a call never copied (snap_gen) */
	b->legs = hs_map_new();
	b->calls = hs_map_new();
	b->kinds = hs_map_new();
	b->agent_at = hs_map_new();
	b->agents = hs_map_new();
	b->dnd = hs_map_new();
	b->xfer_hold = hs_map_new();
	b->status_fn = status_fn;
	b->status_arg = arg;
	if (b->legs == NULL || b->calls == NULL || b->kinds == NULL || b->agent_at == NULL ||
	    b->agents == NULL || b->dnd == NULL || b->xfer_hold == NULL) {
		lg_build_free(b);
		return NULL;
	}
	return b;
}

static void
call_free(struct lg_call *c)
{
	for (int i = 0; i < c->nsegs; i++) {
		free(c->segs[i].parties);
		free(c->segs[i].holds);
		free(c->segs[i].accounts);
	}
	free(c->segs);
	free(c);
}

static void
free_values(hs_map *m, void (*fn)(void *))
{
	size_t pos = 0;
	const char *k;
	void *v;

	if (m == NULL)
		return;
	while (hs_map_next(m, &pos, &k, &v))
		if (fn != NULL)
			fn(v);
	hs_map_free(m);
}

static void
call_free_v(void *v)
{
	call_free(v);
}

void
lg_build_free(lg_builder *b)
{
	if (b == NULL)
		return;
	free_values(b->calls, call_free_v);
	free_values(b->legs, NULL);
	free_values(b->kinds, NULL);
	free_values(b->agent_at, NULL);
	free_values(b->agents, free);
	free_values(b->dnd, free);
	free_values(b->xfer_hold, free);
	free(b);
}

int
lg_build_event(lg_builder *b, int boot_no, uint64_t seq, long long ms, const char *type,
    const cJSON *body)
{
	b->boot_no = boot_no;
	b->seq = seq;
	b->status_n = 0;
	if (ms > b->now_ms)
		b->now_ms = ms;
	if (!cJSON_IsObject(body))
		return -1;
	if (strcmp(type, "call.cleared") == 0)
		return call_gone(b, ms, body);
	if (strncmp(type, "call.", 5) == 0)
		return call_event(b, ms, body);
	if (strcmp(type, "agent.state") == 0)
		return agent_event(b, ms, body);
	if (strcmp(type, "device.state") == 0)
		return device_event(b, ms, body);
	return 0; /* link.state, huntgroup.queue...: kept in the raw journal only */
}

struct lg_call *
lg_build_dirty(lg_builder *b)
{
	for (struct lg_call *c = b->dirty; c != NULL; c = c->next_dirty)
		call_refresh(b, c, b->now_ms);
	return b->dirty;
}

void
lg_build_written(lg_builder *b)
{
	lg_build_written_upto(b, UINT64_MAX);
}

uint64_t
lg_build_cut(lg_builder *b)
{
	return b->gen++;
}

void
lg_build_written_upto(lg_builder *b, uint64_t gen)
{
	struct lg_call **pp = &b->dirty, *c;
	char key[32];

	while ((c = *pp) != NULL) {
		if (c->dirty_gen > gen) {
			/* changed since that write: written again later, as a call the database
			 * has if that write held it */
			if (c->snap_gen == gen)
				c->stored = true;
			pp = &c->next_dirty;
			continue;
		}
		*pp = c->next_dirty;
		c->stored = true;
		c->dirty = false;
		c->next_dirty = NULL;
		c->nabsorbed = 0;
		if (c->ended) {
			call_key(c->call_id, key, sizeof(key));
			hs_map_del(b->calls, key);
			call_free(c);
		}
	}
}

/* A copy of c for the store: the records' fields and arrays, not the legs. */
static struct lg_call *
call_copy(const struct lg_call *c)
{
	struct lg_call *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	*d = *c;
	d->nlegs = 0;
	d->next_dirty = NULL;
	d->segs = NULL;
	d->nsegs = d->capsegs = 0;
	if (c->nsegs > 0 && (d->segs = calloc((size_t)c->nsegs, sizeof(*d->segs))) == NULL)
		goto fail;
	for (int i = 0; i < c->nsegs; i++) {
		const struct lg_segment *s = &c->segs[i];
		struct lg_segment *t = &d->segs[i];

		*t = *s;
		t->parties = NULL;
		t->holds = NULL;
		t->accounts = NULL;
		t->nparties = t->nholds = t->naccounts = 0;
		t->capparties = t->capholds = t->capaccounts = 0;
		d->nsegs = i + 1;
#define COPY_ARR(f, n)                                                                    \
	if (s->n > 0) {                                                                  \
		if ((t->f = malloc((size_t)s->n * sizeof(*t->f))) == NULL)              \
			goto fail;                                                       \
		memcpy(t->f, s->f, (size_t)s->n * sizeof(*t->f));                        \
		t->n = t->cap##f = s->n;                                                 \
	}
		COPY_ARR(parties, nparties)
		COPY_ARR(holds, nholds)
		COPY_ARR(accounts, naccounts)
#undef COPY_ARR
	}
	return d;
fail:
	call_free(d);
	return NULL;
}

struct lg_call *
lg_build_snapshot(lg_builder *b, size_t *n)
{
	struct lg_call *head = NULL, **tail = &head;

	*n = 0;
	for (struct lg_call *c = lg_build_dirty(b); c != NULL; c = c->next_dirty, (*n)++) {
		c->snap_gen = b->gen; /* what lg_build_cut returns next */
		if ((*tail = call_copy(c)) == NULL)
			abort(); /* out of memory: as every allocation of the logger's batches */
		tail = &(*tail)->next_dirty;
	}
	return head;
}

void
lg_build_mark_stored(lg_builder *b)
{
	size_t pos = 0;
	const char *k;
	void *v;

	while (hs_map_next(b->calls, &pos, &k, &v))
		((struct lg_call *)v)->stored = true;
}

void
lg_build_snapshot_free(struct lg_call *list)
{
	while (list != NULL) {
		struct lg_call *next = list->next_dirty;
		call_free(list);
		list = next;
	}
}

size_t
lg_build_open(const lg_builder *b)
{
	return hs_map_len(b->calls);
}

void
lg_build_close_all(lg_builder *b, const char *reason)
{
	long long ms = b->now_ms;
	size_t pos = 0;
	const char *k;
	void *v;

	while (hs_map_next(b->calls, &pos, &k, &v)) {
		struct lg_call *c = v;
		if (c->ended)
			continue;
		c->incomplete = true;
		for (int i = 0; i < c->nlegs; i++) {
			struct lg_leg *l = &c->legs[i];
			if (l->ended)
				continue;
			if (l->cur >= 0)
				c->segs[l->cur].incomplete = true;
			end_set(&l->end, "", -1, reason, "incomplete");
			leg_end(b, l, ms, "", -1, reason);
		}
		mark_dirty(b, c);
	}
}
