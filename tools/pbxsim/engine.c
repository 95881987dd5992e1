/*
 * engine.c - the call engine's core: the device, agent and call tables, parties, the
 * operation bracket (eng_begin/eng_done), timers, truth helpers and forward destinations.
 *
 * Entry points: engine_new/free and the setters from pbxsim.c and the tests;
 * engine_run_timers from the loop's engine timer (pbxsim.c).  The other engine files:
 * engine_event.c (events and their fan-out, snapshots), engine_view.c (JSON and queries),
 * engine_call.c (calls), engine_xfer.c (transfers and conferences), engine_feature.c
 * (hunt groups, agents, DND, forwarding); engine_int.h describes the model they share.
 *
 * Every top-level operation is bracketed by eng_begin and eng_done; eng_done runs what an
 * operation leaves to its end (automatic wrap-up of released agents, serving the hunt-group
 * queues) and then tells the caller through ops.changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

/* ---- operations ------------------------------------------------------------------------- */

void
eng_begin(struct engine *e)
{
	if (e->depth++ == 0)
		e->err[0] = '\0';
}

int
eng_done(struct engine *e, int outcome)
{
	if (--e->depth > 0)
		return outcome;
	e->depth = 1; /* these emit events but are not a new operation */
	for (size_t i = 0; i < e->nagents; i++)
		if (e->agents[i].released) {
			e->agents[i].released = false;
			eng_agent_released(e, &e->agents[i], e->agents[i].released_from);
		}
	eng_hunt_serve(e);
	e->depth = 0;
	e->st.ops++;
	if (outcome != 0)
		e->st.ops_failed++;
	if (e->ops.changed != NULL)
		e->ops.changed(e->arg);
	return outcome;
}

int
eng_fail(struct engine *e, int outcome, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	return outcome;
}

int
eng_find(struct engine *e, const char *id, const char *devnum, struct eng_call **c,
    struct eng_dev **dev)
{
	if ((*c = eng_call(e, id)) == NULL)
		return eng_fail(e, OAI_OUTCOME_INVALID_CALL_IDENTIFIER, "no call %s",
		    id != NULL ? id : "");
	if ((*dev = eng_dev(e, devnum)) == NULL)
		return eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER, "no device %s",
		    devnum != NULL ? devnum : "");
	return 0;
}

const char *
engine_error(const struct engine *e)
{
	return e->err;
}

int64_t
eng_now(struct engine *e)
{
	return e->ops.now(e->arg);
}

int64_t
eng_wall(struct engine *e)
{
	return e->ops.wall(e->arg);
}

int64_t
eng_after(struct engine *e, double secs)
{
	int64_t ms = (int64_t)(secs * 1000.0 / e->speed);

	return eng_now(e) + (ms > 0 ? ms : 1);
}

struct engine_stats
engine_stats(const struct engine *e)
{
	return e->st;
}

const struct site *
engine_site(const struct engine *e)
{
	return e->site;
}

/* ---- life cycle ------------------------------------------------------------------------- */

static void
dev_init(struct engine *e, struct eng_dev *d, const char *number, enum eng_dev_kind kind)
{
	snprintf(d->number, sizeof(d->number), "%s", number);
	d->kind = kind;
	hs_map_put(e->bynum, d->number, d);
}

struct engine *
engine_new(const struct site *site, const struct engine_ops *ops, void *arg)
{
	struct engine *e = calloc(1, sizeof(*e));
	size_t n = 0;

	if (e == NULL)
		return NULL;
	e->site = site;
	e->ops = *ops;
	e->arg = arg;
	e->speed = 1.0;
	e->next_id = 1000;
	e->ndevs = site->nexts + site->ntrunks + site->nhuntgroups;
	e->devs = calloc(e->ndevs ? e->ndevs : 1, sizeof(*e->devs));
	e->agents = calloc(site->nagents ? site->nagents : 1, sizeof(*e->agents));
	e->bynum = hs_map_new();
	if (e->devs == NULL || e->agents == NULL || e->bynum == NULL) {
		engine_free(e);
		return NULL;
	}
	for (size_t i = 0; i < site->nexts; i++) {
		const struct site_ext *x = &site->exts[i];
		struct eng_dev *d = &e->devs[n++];

		dev_init(e, d, x->number, ENG_STATION);
		d->ext = x;
		d->dnd = x->dnd;
		snprintf(d->dnd_text, sizeof(d->dnd_text), "%s", x->dnd_text);
		d->fwd = x->fwd;
		snprintf(d->fwd_dest, sizeof(d->fwd_dest), "%s", x->fwd_dest);
	}
	for (size_t i = 0; i < site->ntrunks; i++) {
		struct eng_dev *d = &e->devs[n++];

		dev_init(e, d, site->trunks[i].number, ENG_TRUNK);
		d->trunk = &site->trunks[i];
	}
	for (size_t i = 0; i < site->nhuntgroups; i++) {
		struct eng_dev *d = &e->devs[n++];

		dev_init(e, d, site->huntgroups[i].number, ENG_HUNT);
		d->hg = &site->huntgroups[i];
	}
	e->nagents = site->nagents;
	for (size_t i = 0; i < site->nagents; i++) {
		struct eng_agent *a = &e->agents[i];

		a->sa = &site->agents[i];
		a->state = SITE_AGENT_OFF;
		if (a->sa->login != NULL) {
			a->station = eng_dev(e, a->sa->login->number);
			if (a->station != NULL) {
				a->station->agent = a;
				a->state = a->sa->state;
			}
		}
	}
	return e;
}

void
engine_free(struct engine *e)
{
	struct eng_call *c, *next;

	if (e == NULL)
		return;
	for (c = e->calls; c != NULL; c = next) {
		next = c->next;
		free(c); /* its truth record is written as unfinished by truth_close */
	}
	hs_map_free(e->bynum);
	free(e->devs);
	free(e->agents);
	free(e);
}

void
engine_set_truth(struct engine *e, truth *t)
{
	e->truth = t;
}

void
engine_set_speed(struct engine *e, double speed)
{
	e->speed = speed > 0 ? speed : 1.0;
}

/* ---- lookups ---------------------------------------------------------------------------- */

struct eng_dev *
eng_dev(const struct engine *e, const char *number)
{
	if (number == NULL || *number == '\0')
		return NULL;
	return hs_map_get(e->bynum, number);
}

bool
engine_has_device(const struct engine *e, const char *number)
{
	return eng_dev(e, number) != NULL;
}

struct eng_agent *
eng_agent(const struct engine *e, const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < e->nagents; i++)
		if (strcmp(e->agents[i].sa->id, id) == 0)
			return &e->agents[i];
	return NULL;
}

const char *
engine_agent_at(const struct engine *e, const char *station)
{
	const struct eng_dev *d = eng_dev(e, station);

	return d != NULL && d->agent != NULL ? d->agent->sa->id : NULL;
}

struct eng_call *
eng_call(const struct engine *e, const char *id)
{
	if (id == NULL || *id == '\0')
		return NULL;
	for (struct eng_call *c = e->calls; c != NULL; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

bool
engine_has_call(const struct engine *e, const char *id)
{
	return eng_call(e, id) != NULL;
}

struct eng_call *
eng_call_new(struct engine *e, const char *label)
{
	struct eng_call *c = calloc(1, sizeof(*c)), **pp;

	if (c == NULL)
		return NULL;
	snprintf(c->id, sizeof(c->id), "%u", e->next_id++);
	snprintf(c->label, sizeof(c->label), "%s", label != NULL ? label : "");
	c->de_cause = OAI_CAUSE_NEW_CALL;
	c->fail = TRUTH_CAUSE_FAILED;
	for (pp = &e->calls; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
	e->st.calls_total++;
	e->st.calls_active++;
	return c;
}

void
eng_call_end(struct engine *e, struct eng_call *c, struct eng_dev *cleared_by,
    enum truth_cause cause, const char *xfer_call, const char *xfer_dest)
{
	struct eng_event ev;
	struct eng_call **pp;

	if (c->tc != NULL) {
		truth_call_end(c->tc, eng_wall(e), cleared_by != NULL ? cleared_by->number : NULL,
		    cause);
		c->tc = NULL;
	}
	/* CC: only call and call-termination monitors see it (oai.md 4.6). */
	eng_ev_start(&ev, OAI_EV_CC, c);
	eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
	eng_ev_int(&ev, OAI_F_CAUSE, xfer_call != NULL ? OAI_CAUSE_TRANSFER :
	    cause == TRUTH_CAUSE_CONFERENCED ? OAI_CAUSE_CONFERENCE : OAI_CAUSE_NORMAL_CLEAR);
	if (xfer_call != NULL) {
		eng_ev_str(&ev, OAI_F_TRANSFERRED_CALL_ID, xfer_call);
		eng_ev_str(&ev, OAI_F_TRANSFER_DEST, xfer_dest);
	}
	ev.device[0] = '\0';
	e->ops.emit(e->arg, &ev);
	e->st.events++;

	while (c->np > 0)
		eng_party_del(e, c, c->p[c->np - 1].dev);
	/* Parties merged into a conference left without eng_party_del: the call's end covers
	 * them. */
	if (e->ops.left != NULL)
		e->ops.left(e->arg, c->id, NULL);
	for (pp = &e->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	e->st.calls_active--;
	free(c);
}

/* ---- parties ---------------------------------------------------------------------------- */

struct eng_party *
eng_party(struct eng_call *c, const struct eng_dev *dev)
{
	for (int i = 0; i < c->np; i++)
		if (c->p[i].dev == dev)
			return &c->p[i];
	return NULL;
}

struct eng_party *
eng_party_add(struct eng_call *c, struct eng_dev *dev, char lcs)
{
	struct eng_party *p = eng_party(c, dev);

	if (p == NULL) {
		if (c->np == ENG_MAX_PARTIES)
			return NULL;
		p = &c->p[c->np++];
		memset(p, 0, sizeof(*p));
		p->dev = dev;
	}
	p->lcs = lcs;
	return p;
}

void
eng_party_del(struct engine *e, struct eng_call *c, struct eng_dev *dev)
{
	int i;

	for (i = 0; i < c->np; i++)
		if (c->p[i].dev == dev)
			break;
	if (i == c->np)
		return;
	memmove(&c->p[i], &c->p[i + 1], (size_t)(c->np - i - 1) * sizeof(c->p[0]));
	c->np--;
	if (e->ops.left != NULL)
		e->ops.left(e->arg, c->id, dev->number);
	if (c->noanswer_dev == dev) {
		c->noanswer_dev = NULL;
		c->t_noanswer = 0;
	}
	/* The agent who answered an ACD call is released: automatic wrap-up. */
	if (c->agent != NULL && c->agent->station == dev) {
		struct eng_agent *a = c->agent;

		c->agent = NULL;
		a->released = true; /* after the call's last XC: see eng_done */
		a->released_from = c->acd;
	}
	if (dev->kind == ENG_STATION)
		eng_station_freed(e, dev);
}

char
eng_lcs(const struct eng_call *c, const struct eng_dev *dev)
{
	for (int i = 0; i < c->np; i++)
		if (c->p[i].dev == dev)
			return c->p[i].lcs;
	return OAI_LCS_NULL;
}

int
eng_count(const struct eng_call *c, char lcs)
{
	int n = 0;

	for (int i = 0; i < c->np; i++)
		n += c->p[i].lcs == lcs;
	return n;
}

bool
eng_busy(const struct engine *e, const struct eng_dev *dev)
{
	/* Voice mail has many ports: it takes every call (load mode relies on it). */
	if (dev->ext != NULL && dev->ext->type == SITE_EXT_VOICEMAIL)
		return false;
	return eng_in_call(e, dev);
}

bool
eng_in_call(const struct engine *e, const struct eng_dev *dev)
{
	for (const struct eng_call *c = e->calls; c != NULL; c = c->next)
		if (eng_lcs(c, dev) != OAI_LCS_NULL)
			return true;
	return false;
}

char
eng_side(const struct eng_dev *dev)
{
	return dev != NULL && dev->kind == ENG_TRUNK ? OAI_PARTY_EXTERNAL : OAI_PARTY_INTERNAL;
}

void
eng_via(struct eng_call *c, const struct eng_dev *group)
{
	for (unsigned i = 0; i < c->nvia; i++)
		if (strcmp(c->via[i], group->number) == 0)
			return;
	if (c->nvia < ENG_MAX_VIA)
		snprintf(c->via[c->nvia++], sizeof(c->via[0]), "%s", group->number);
}

/* ---- truth helpers ---------------------------------------------------------------------- */

void
eng_t_ring(struct engine *e, struct eng_call *c, const struct eng_dev *dev,
    const struct eng_dev *group)
{
	if (c->tc != NULL)
		truth_call_ring(c->tc, eng_wall(e), dev->number,
		    group != NULL ? group->number : NULL);
}

void
eng_t_answer(struct engine *e, struct eng_call *c, const struct eng_dev *dev, const char *agent)
{
	if (c->tc != NULL)
		truth_call_answer(c->tc, eng_wall(e), dev->number, agent);
}

void
eng_t_divert(struct engine *e, struct eng_call *c, const char *from, const char *to,
    enum truth_divert why)
{
	if (c->tc != NULL)
		truth_call_divert(c->tc, eng_wall(e), from, to, why);
}

void
eng_t_set(struct eng_call *c, enum truth_field f, const char *v)
{
	if (c->tc != NULL && v != NULL && *v != '\0')
		truth_call_set(c->tc, f, v);
}

/* ---- timers ----------------------------------------------------------------------------- */

static int64_t
earliest(int64_t a, int64_t b)
{
	if (b != 0 && b < a)
		return b;
	return a;
}

int64_t
engine_next_deadline(const struct engine *e)
{
	int64_t t = INT64_MAX;

	for (const struct eng_call *c = e->calls; c != NULL; c = c->next) {
		t = earliest(t, c->t_noanswer);
		t = earliest(t, c->t_ring);
		t = earliest(t, c->t_overflow);
		t = earliest(t, c->t_reorder);
	}
	for (size_t i = 0; i < e->nagents; i++)
		t = earliest(t, e->agents[i].t_wrapup);
	return t;
}

static bool
due(int64_t t, int64_t now)
{
	return t != 0 && t <= now;
}

void
engine_run_timers(struct engine *e)
{
	int64_t now = eng_now(e);
	bool again = true;

	eng_begin(e);
	/* Each timer clears itself before it acts, and an action may end calls: start over
	 * from the head after each one. */
	while (again) {
		again = false;
		for (struct eng_call *c = e->calls; c != NULL; c = c->next) {
			if (due(c->t_noanswer, now) || due(c->t_ring, now) ||
			    due(c->t_overflow, now) || due(c->t_reorder, now)) {
				eng_call_timers(e, c, now);
				again = true;
				break;
			}
		}
	}
	eng_agent_timers(e, now);
	eng_done(e, 0);
}

/* ---- forwarding letters ----------------------------------------------------------------- */

char
engine_fwd_letter(enum site_fwd fwd)
{
	switch (fwd) {
	case SITE_FWD_ALL: return 'I';
	case SITE_FWD_BUSY: return 'B';
	case SITE_FWD_NO_ANSWER: return 'N';
	case SITE_FWD_BUSY_NO_ANSWER: return 'D';
	default: return 'N';
	}
}

int
engine_fwd_parse_letter(int letter)
{
	switch (letter) {
	case 'I': case 'i': return SITE_FWD_ALL;
	case 'B': case 'b': return SITE_FWD_BUSY;
	case 'N': case 'n': return SITE_FWD_NO_ANSWER;
	case 'D': case 'd': return SITE_FWD_BUSY_NO_ANSWER;
	default: return -1;
	}
}

/* ---- forward destinations --------------------------------------------------------------- */

/* The forward destination as the FW event gives it: an internal number, or the access code
 * in Destination_Ext and the number in Outside_Number. */
void
eng_fwd_split(const struct engine *e, const struct eng_dev *d, char *dest, size_t dlen,
    char *outside, size_t olen)
{
	struct site_dial sd;

	dest[0] = outside[0] = '\0';
	if (d->fwd == SITE_FWD_OFF || d->fwd_dest[0] == '\0')
		return;
	switch (site_dial(e->site, d->fwd_dest, &sd)) {
	case SITE_DIAL_EXTENSION:
	case SITE_DIAL_HUNTGROUP:
		snprintf(dest, dlen, "%s", sd.digits);
		break;
	case SITE_DIAL_OUTSIDE:
		snprintf(dest, dlen, "%s", sd.tg->access);
		snprintf(outside, olen, "%s", sd.outside);
		break;
	default:
		snprintf(dest, dlen, "%s", d->fwd_dest);
		break;
	}
}
