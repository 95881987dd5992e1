/*
 * engine_feature.c - hunt groups (member choice, queue, ring timeout, overflow), ACD agents
 * (logon, logoff, ready, not ready, wrap-up, automatic wrap-up), DND and forwarding.
 *
 * Hunt groups follow the rules of README.md ("Hunt groups"), which load mode predicts with:
 *   linear       the first free member in members order; after ring_timeout the next
 *   distributed  as linear, starting after the member that took the last call
 *   all-ring     every free member at once; the first to answer takes it
 *   ucd          the free member idle longest
 *   acd          the ready agent (or member) idle longest
 * A member is free when it is in no call at all (a held call keeps a seat busy, as load
 * mode assumes) and not in DND; an agent also needs to be logged on and ready.  Ties go to
 * the first in the site's order.  With no one free the call queues (QU, first come first
 * served) if the group queues, else goes to the overflow at once, else fails busy.
 * overflow_timeout counts from the call's arrival in the group, queued or ringing.  Queues are served after every operation (eng_done), so a
 * call reaches a member the moment one becomes free.
 *
 * Agent events (LN, LF, RY, NRY, WNR) go to the agent's station, to each of its groups and
 * to the agent ID (monitor type 7); LN and LF once per group (oai.md 4.2).
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* ---- hunt groups ------------------------------------------------------------------------ */

static bool
member_free(const struct engine *e, const struct eng_call *c, const struct eng_dev *d)
{
	(void)c; /* in no call at all: not in c either */
	return d != NULL && d->kind == ENG_STATION && d->dnd == 0 && !eng_in_call(e, d);
}

bool
eng_agent_free(const struct engine *e, const struct eng_agent *a)
{
	return a->station != NULL && a->state == SITE_AGENT_READY && a->station->dnd == 0 &&
	    !eng_in_call(e, a->station);
}

int
eng_agent_mode(const struct eng_agent *a)
{
	if (a->station == NULL)
		return OAI_AGENT_MODE_LOGGED_OUT;
	switch (a->state) {
	case SITE_AGENT_READY: return OAI_AGENT_MODE_READY;
	case SITE_AGENT_NOT_READY: return OAI_AGENT_MODE_NOT_READY;
	case SITE_AGENT_WRAPUP: return OAI_AGENT_MODE_WORK_NOT_READY;
	default: return OAI_AGENT_MODE_LOGGED_OUT;
	}
}

static struct eng_dev *
member(const struct engine *e, const struct eng_dev *g, size_t i)
{
	return eng_dev(e, g->hg->members[i]->number);
}

/* The member to ring for c, or NULL; *idx is its index in members (agents: -1). */
static struct eng_dev *
pick(const struct engine *e, const struct eng_call *c, const struct eng_dev *g, size_t *idx)
{
	const struct site_huntgroup *hg = g->hg;
	struct eng_dev *best = NULL;
	int64_t best_idle = INT64_MAX;

	*idx = 0;
	if (hg->type == SITE_HG_ACD && hg->nagents > 0) {
		for (size_t i = 0; i < hg->nagents; i++) {
			struct eng_agent *a = eng_agent(e, hg->agents[i]->id);
			if (a == NULL || !eng_agent_free(e, a) || !member_free(e, c, a->station))
				continue;
			if (best == NULL || a->idle_since < best_idle) {
				best = a->station;
				best_idle = a->idle_since;
			}
		}
		return best;
	}
	switch (hg->type) {
	case SITE_HG_LINEAR:
		for (size_t i = 0; i < hg->nmembers; i++)
			if (member_free(e, c, member(e, g, i))) {
				*idx = i;
				return member(e, g, i);
			}
		return NULL;
	case SITE_HG_DISTRIBUTED:
		for (size_t k = 0; k < hg->nmembers; k++) {
			size_t i = (g->taken ? g->last + 1 + k : k) % hg->nmembers;
			if (member_free(e, c, member(e, g, i))) {
				*idx = i;
				return member(e, g, i);
			}
		}
		return NULL;
	default: /* ucd, acd without agent IDs: the member idle longest */
		for (size_t i = 0; i < hg->nmembers; i++) {
			struct eng_dev *m = member(e, g, i);
			if (!member_free(e, c, m))
				continue;
			if (best == NULL || m->idle_since < best_idle) {
				best = m;
				best_idle = m->idle_since;
				*idx = i;
			}
		}
		return best;
	}
}

/* Takes c out of g's queue (the group is no longer a party). */
static void
dequeue(struct engine *e, struct eng_call *c)
{
	if (!c->queued)
		return;
	c->queued = false;
	if (c->hunt != NULL)
		eng_party_del(e, c, c->hunt);
}

/* Rings member m of g for c; the group's monitor hears of it when the call leaves its
 * queue (LCS N there). */
static void
ring_member(struct engine *e, struct eng_call *c, struct eng_dev *g, struct eng_dev *m)
{
	struct eng_rcpt r = {0};
	struct eng_party *p;
	bool was_queued = c->queued;

	dequeue(e, c);
	if ((p = eng_party_add(c, m, OAI_LCS_ALERTING)) == NULL)
		return;
	p->member = true;
	eng_rcpt_parties(&r, c, m);
	if (was_queued)
		eng_rcpt_add(&r, g);
	eng_emit_de(e, c, m, &r);
	eng_t_ring(e, c, m, g);
}

bool
eng_hunt_offer(struct engine *e, struct eng_call *c, struct eng_dev *g)
{
	const struct site_huntgroup *hg = g->hg;
	struct eng_dev *m;
	size_t idx;

	if (hg->type == SITE_HG_ALL_RING) {
		bool any = false;
		for (size_t i = 0; i < hg->nmembers; i++) {
			m = member(e, g, i);
			if (!member_free(e, c, m))
				continue;
			ring_member(e, c, g, m);
			any = true;
		}
		return any;
	}
	if ((m = pick(e, c, g, &idx)) == NULL)
		return false;
	ring_member(e, c, g, m);
	if (hg->type == SITE_HG_LINEAR || hg->type == SITE_HG_DISTRIBUTED)
		c->t_ring = eng_after(e, hg->ring_timeout);
	if (hg->type == SITE_HG_DISTRIBUTED) {
		g->last = idx;
		g->taken = true;
	}
	return true;
}

static void
enqueue(struct engine *e, struct eng_call *c, struct eng_dev *g)
{
	struct eng_rcpt r = {0};
	int pos = 1;

	for (const struct eng_call *o = e->calls; o != NULL; o = o->next)
		pos += o != c && o->queued && o->hunt == g;
	c->queued = true;
	c->qseq = ++e->qseq;
	eng_party_add(c, g, OAI_LCS_QUEUED);
	eng_rcpt_parties(&r, c, g);
	eng_emit_qu(e, c, g, pos, &r);
	if (c->tc != NULL)
		truth_call_queue(c->tc, eng_wall(e), g->number, pos);
}

/* Sends c on to g's overflow destination. */
static void
overflow(struct engine *e, struct eng_call *c)
{
	struct eng_dev *g = c->hunt;
	struct eng_rcpt r = {0};
	char to[SITE_NUM_MAX];

	snprintf(to, sizeof(to), "%s", g->hg->overflow);
	eng_rcpt_parties(&r, c, NULL);
	eng_rcpt_add(&r, g);
	dequeue(e, c);
	for (int i = 0; i < c->np;) {
		if (c->p[i].member && c->p[i].lcs == OAI_LCS_ALERTING)
			eng_party_del(e, c, c->p[i].dev);
		else
			i++;
	}
	c->hunt = NULL;
	c->t_ring = c->t_overflow = 0;
	eng_emit_di(e, c, g, to, "", OAI_CAUSE_OVERFLOW, &r);
	eng_t_divert(e, c, g->number, to, TRUTH_DIVERT_OVERFLOW);
	eng_deliver(e, c, to, OAI_CAUSE_OVERFLOW, g);
}

void
eng_hunt_enter(struct engine *e, struct eng_call *c, struct eng_dev *g)
{
	const struct site_huntgroup *hg = g->hg;

	if (c->nvia == 0)
		eng_t_set(c, TRUTH_F_HUNTGROUP, g->number);
	eng_via(c, g);
	if (c->orig_called[0] == '\0')
		snprintf(c->orig_called, sizeof(c->orig_called), "%s", g->number);
	c->hunt = g;
	c->t_ring = 0;
	c->t_overflow = hg->overflow_timeout > 0 && hg->overflow[0] != '\0' ?
	    eng_after(e, hg->overflow_timeout) : 0;
	if (eng_hunt_offer(e, c, g))
		return;
	if (hg->queue) {
		enqueue(e, c, g);
	} else if (hg->overflow[0] != '\0') {
		overflow(e, c);
	} else {
		c->hunt = NULL;
		c->t_overflow = 0;
		eng_fail_call(e, c, g->number, OAI_CAUSE_BUSY, TRUTH_CAUSE_BUSY);
	}
}

void
eng_hunt_leave(struct engine *e, struct eng_call *c)
{
	dequeue(e, c);
	c->hunt = NULL;
	c->t_ring = c->t_overflow = 0;
}

void
eng_hunt_serve(struct engine *e)
{
	for (size_t i = 0; i < e->ndevs; i++) {
		struct eng_dev *g = &e->devs[i];

		if (g->kind != ENG_HUNT)
			continue;
		for (;;) {
			struct eng_call *first = NULL;
			for (struct eng_call *c = e->calls; c != NULL; c = c->next)
				if (c->queued && c->hunt == g &&
				    (first == NULL || c->qseq < first->qseq))
					first = c;
			if (first == NULL || !eng_hunt_offer(e, first, g))
				break;
		}
	}
}

/* The next free member after the one ringing now (linear, distributed ring timeout). */
static void
ring_next(struct engine *e, struct eng_call *c)
{
	struct eng_dev *g = c->hunt, *cur = NULL, *next = NULL;
	const struct site_huntgroup *hg = g->hg;
	size_t at = 0, idx = 0;

	for (int i = 0; i < c->np; i++)
		if (c->p[i].member && c->p[i].lcs == OAI_LCS_ALERTING)
			cur = c->p[i].dev;
	if (cur == NULL)
		return;
	for (size_t i = 0; i < hg->nmembers; i++)
		if (strcmp(hg->members[i]->number, cur->number) == 0)
			at = i;
	for (size_t k = 1; k < hg->nmembers && next == NULL; k++) {
		idx = (at + k) % hg->nmembers;
		if (member_free(e, c, member(e, g, idx)))
			next = member(e, g, idx);
	}
	c->t_ring = eng_after(e, hg->ring_timeout);
	if (next == NULL)
		return; /* nobody else is free: it keeps ringing where it is */
	{
		struct eng_rcpt r = {0};
		eng_rcpt_parties(&r, c, NULL);
		eng_party_del(e, c, cur);
		eng_emit_di(e, c, cur, next->number, "", OAI_CAUSE_REDIRECTED, &r);
	}
	eng_t_divert(e, c, cur->number, next->number, TRUTH_DIVERT_HUNT);
	ring_member(e, c, g, next);
	if (hg->type == SITE_HG_DISTRIBUTED) {
		g->last = idx;
		g->taken = true;
	}
}

void
eng_hunt_timers(struct engine *e, struct eng_call *c, int64_t now)
{
	if (c->t_overflow != 0 && c->t_overflow <= now) {
		c->t_overflow = 0;
		if (c->hunt != NULL)
			overflow(e, c);
		return;
	}
	if (c->t_ring != 0 && c->t_ring <= now) {
		c->t_ring = 0;
		if (c->hunt != NULL)
			ring_next(e, c);
	}
}

/* ---- agents ----------------------------------------------------------------------------- */

static void
agent_truth(struct engine *e, const struct eng_agent *a, const struct eng_dev *station)
{
	struct truth_event ev = {
		.at = eng_wall(e),
		.type = TRUTH_EV_AGENT,
		.dev = station != NULL ? station->number : NULL,
		.agent = a->sa->id,
		.state = a->station != NULL ? a->state : SITE_AGENT_OFF,
	};

	if (e->truth != NULL)
		truth_event(e->truth, &ev);
}

/* LN / LF: once per group, to the station, the group and the agent ID. */
static void
agent_logon_event(struct engine *e, const struct eng_agent *a, const struct eng_dev *st,
    enum oai_event code)
{
	for (size_t i = 0; i < a->sa->ngroups; i++) {
		struct eng_dev *g = eng_dev(e, a->sa->groups[i]->number);
		struct eng_event ev;

		eng_ev_start(&ev, code, NULL);
		eng_ev_str(&ev, OAI_F_DEVICE_EXT, st->number);
		eng_ev_str(&ev, OAI_F_AGENT_ID, a->sa->id);
		eng_ev_str(&ev, OAI_F_AGENT_DESC, st->ext->description);
		eng_ev_str(&ev, OAI_F_HUNT_GROUP, a->sa->groups[i]->number);
		eng_send_dev(e, &ev, st);
		if (g != NULL)
			eng_send_dev(e, &ev, g);
		eng_send_num(e, &ev, a->sa->id);
	}
}

/* RY / NRY / WNR: to the station, each group and the agent ID. */
static void
agent_state_event(struct engine *e, const struct eng_agent *a, enum oai_event code)
{
	struct eng_event ev;

	if (a->station == NULL)
		return;
	eng_ev_start(&ev, code, NULL);
	eng_ev_str(&ev, OAI_F_DEVICE_EXT, a->station->number);
	eng_ev_str(&ev, OAI_F_AGENT_ID, a->sa->id);
	eng_send_dev(e, &ev, a->station);
	for (size_t i = 0; i < a->sa->ngroups; i++) {
		struct eng_dev *g = eng_dev(e, a->sa->groups[i]->number);
		if (g != NULL)
			eng_send_dev(e, &ev, g);
	}
	eng_send_num(e, &ev, a->sa->id);
}

static void
agent_set(struct engine *e, struct eng_agent *a, enum site_agent_state st)
{
	static const enum oai_event codes[] = {
		[SITE_AGENT_READY] = OAI_EV_RY,
		[SITE_AGENT_NOT_READY] = OAI_EV_NRY,
		[SITE_AGENT_WRAPUP] = OAI_EV_WNR,
	};

	a->state = st;
	a->t_wrapup = 0;
	if (st == SITE_AGENT_READY)
		a->idle_since = eng_now(e);
	agent_state_event(e, a, codes[st]);
	agent_truth(e, a, a->station);
}

static void
agent_logoff(struct engine *e, struct eng_agent *a)
{
	struct eng_dev *st = a->station;

	agent_logon_event(e, a, st, OAI_EV_LF);
	st->agent = NULL;
	a->station = NULL;
	a->state = SITE_AGENT_OFF;
	a->t_wrapup = 0;
	agent_truth(e, a, st);
}

int
engine_agent(struct engine *e, const char *id, enum scn_agent_op op, const char *station)
{
	struct eng_agent *a = eng_agent(e, id);
	struct eng_dev *st;

	eng_begin(e);
	if (a == NULL) {
		struct eng_dev *d = eng_dev(e, id);
		if (d != NULL && d->kind == ENG_STATION && d->agent != NULL &&
		    op != SCN_AGENT_LOGON)
			a = d->agent;
		else
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_AGENT_ID,
			    "%s is not an agent ID%s", id != NULL ? id : "",
			    d != NULL && d->kind == ENG_STATION ? " (and no agent is logged on "
			    "there)" : ""));
	}
	if (op == SCN_AGENT_LOGON) {
		st = eng_dev(e, station);
		if (st == NULL || st->kind != ENG_STATION)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
			    "%s is not a station", station != NULL ? station : ""));
		if (!site_ext_can_call(st->ext))
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INCOMPATIBLE_WITH_OBJECT,
			    "no agent can log on at %s (%s)", st->number,
			    site_ext_type_name(st->ext->type)));
		if (st->agent != NULL && st->agent != a)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_STATE_INCOMPATIBILITY,
			    "agent %s is logged on at %s", st->agent->sa->id, st->number));
		if (a->station == st) {
			if (a->state != SITE_AGENT_READY)
				agent_set(e, a, SITE_AGENT_READY);
			return eng_done(e, 0);
		}
		if (a->station != NULL)
			agent_logoff(e, a);
		a->station = st;
		st->agent = a;
		a->state = SITE_AGENT_READY;
		a->idle_since = eng_now(e);
		a->t_wrapup = 0;
		agent_logon_event(e, a, st, OAI_EV_LN);
		agent_truth(e, a, st);
		return eng_done(e, 0);
	}
	if (a->station == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
		    "agent %s is not logged on", a->sa->id));
	switch (op) {
	case SCN_AGENT_LOGOFF:
		agent_logoff(e, a);
		break;
	case SCN_AGENT_READY:
		agent_set(e, a, SITE_AGENT_READY);
		break;
	case SCN_AGENT_NOTREADY:
		agent_set(e, a, SITE_AGENT_NOT_READY);
		break;
	case SCN_AGENT_WRAPUP:
		agent_set(e, a, SITE_AGENT_WRAPUP);
		break;
	default:
		return eng_done(e, eng_fail(e, OAI_OUTCOME_VALUE_OUT_OF_RANGE,
		    "unknown agent operation %d", (int)op));
	}
	return eng_done(e, 0);
}

void
eng_agent_released(struct engine *e, struct eng_agent *a, struct eng_dev *g)
{
	int wrapup = g != NULL && g->hg != NULL ? g->hg->wrapup : 0;

	if (a->station == NULL || a->state != SITE_AGENT_READY)
		return;
	if (wrapup <= 0) {
		a->idle_since = eng_now(e);
		return;
	}
	agent_set(e, a, SITE_AGENT_WRAPUP);
	a->t_wrapup = eng_after(e, wrapup);
}

void
eng_agent_timers(struct engine *e, int64_t now)
{
	for (size_t i = 0; i < e->nagents; i++) {
		struct eng_agent *a = &e->agents[i];

		if (a->t_wrapup == 0 || a->t_wrapup > now)
			continue;
		a->t_wrapup = 0;
		if (a->station != NULL && a->state == SITE_AGENT_WRAPUP)
			agent_set(e, a, SITE_AGENT_READY);
	}
}

/* ---- DND and forwarding ----------------------------------------------------------------- */

int
engine_dnd(struct engine *e, const char *ext, bool on, int msg, const char *text)
{
	struct eng_dev *d = eng_dev(e, ext);
	struct eng_event ev;
	struct truth_event tev = { .type = TRUTH_EV_DND };

	eng_begin(e);
	if (d == NULL || d->kind != ENG_STATION)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
		    "%s is not a station", ext != NULL ? ext : ""));
	if (text == NULL)
		text = "";
	if (on) {
		if (msg <= 0)
			msg = 1;
		if (msg > e->site->ndnd)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_VALUE_OUT_OF_RANGE,
			    "there is no DND message %d (the site has %d)", msg, e->site->ndnd));
		if (strlen(text) >= SITE_DND_MAX || strchr(text, '|') != NULL)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_VALUE_OUT_OF_RANGE,
			    "DND text: at most %d characters, no '|'", SITE_DND_MAX - 1));
		d->dnd = msg;
		snprintf(d->dnd_text, sizeof(d->dnd_text), "%s", text);
	} else {
		d->dnd = 0;
		d->dnd_text[0] = '\0';
	}
	eng_ev_start(&ev, OAI_EV_DND, NULL);
	eng_ev_str(&ev, OAI_F_DND_EXT, d->number);
	if (d->dnd > 0) {
		eng_ev_str(&ev, OAI_F_DND_MESSAGE, e->site->dnd[d->dnd - 1]);
		eng_ev_str(&ev, OAI_F_DND_TEXT, d->dnd_text);
	}
	eng_send_dev(e, &ev, d);
	tev.at = eng_wall(e);
	tev.dev = d->number;
	tev.on = d->dnd > 0;
	tev.dnd_msg = d->dnd;
	tev.text = d->dnd > 0 ? e->site->dnd[d->dnd - 1] : NULL;
	tev.dnd_text = d->dnd > 0 && d->dnd_text[0] != '\0' ? d->dnd_text : NULL;
	if (e->truth != NULL)
		truth_event(e->truth, &tev);
	return eng_done(e, 0);
}

int
engine_forward(struct engine *e, const char *ext, enum site_fwd fwd, const char *dest)
{
	struct eng_dev *d = eng_dev(e, ext);
	struct eng_event ev;
	struct truth_event tev = { .type = TRUTH_EV_FORWARD };
	char to[SITE_DIAL_MAX], outside[SITE_DIAL_MAX];

	eng_begin(e);
	if (d == NULL || d->kind != ENG_STATION)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
		    "%s is not a station", ext != NULL ? ext : ""));
	if (fwd != SITE_FWD_OFF) {
		struct site_dial sd;
		enum site_dial_kind k = site_dial(e->site, dest != NULL ? dest : "", &sd);

		if (k != SITE_DIAL_EXTENSION && k != SITE_DIAL_HUNTGROUP && k != SITE_DIAL_OUTSIDE)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DESTINATION,
			    "'%s' is not a forwarding destination", dest != NULL ? dest : ""));
		if (k == SITE_DIAL_EXTENSION && strcmp(sd.ext->number, d->number) == 0)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DESTINATION,
			    "%s cannot forward to itself", d->number));
		d->fwd = fwd;
		snprintf(d->fwd_dest, sizeof(d->fwd_dest), "%s", dest);
	} else {
		d->fwd = SITE_FWD_OFF;
		d->fwd_dest[0] = '\0';
	}
	eng_fwd_split(e, d, to, sizeof(to), outside, sizeof(outside));
	eng_ev_start(&ev, OAI_EV_FW, NULL);
	eng_ev_str(&ev, OAI_F_FORWARDING_EXT, d->number);
	eng_ev_str(&ev, OAI_F_DESTINATION_EXT, to);
	eng_ev_str(&ev, OAI_F_OUTSIDE_NUM, outside);
	eng_ev_chr(&ev, OAI_F_FORWARD_TYPE, engine_fwd_letter(d->fwd));
	eng_send_dev(e, &ev, d);
	tev.at = eng_wall(e);
	tev.dev = d->number;
	tev.fwd = d->fwd;
	tev.dest = d->fwd != SITE_FWD_OFF ? d->fwd_dest : NULL;
	if (e->truth != NULL)
		truth_event(e->truth, &tev);
	return eng_done(e, 0);
}
