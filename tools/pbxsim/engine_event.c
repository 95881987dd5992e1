/*
 * engine_event.c - the engine's events: recipients, the event builder (fields copied into
 * the event's pool), the fan-out of one copy per monitored device involved, the call event
 * layouts of oai.md 4.3, and resync snapshots (oai.md 2.5).
 *
 * Entry points: the eng_* builders and senders from engine_call.c and engine_feature.c;
 * engine_snapshot from the server (_RR, _MS types 5 and 6).
 *
 * Ordering: every copy is emitted synchronously, in the order the operation produces it; for
 * each event one copy per recipient device in the order given (the subject first), then the
 * call-level copy.  Nothing here allocates.
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* ---- recipients and events -------------------------------------------------------------- */

void
eng_rcpt_add_lcs(struct eng_rcpt *r, struct eng_dev *dev, char lcs, bool flag)
{
	int i;

	if (dev == NULL)
		return;
	for (i = 0; i < r->n; i++)
		if (r->dev[i] == dev)
			break;
	if (i == r->n) {
		if (r->n == (int)(sizeof(r->dev) / sizeof(r->dev[0])))
			return;
		r->n++;
		r->dev[i] = dev;
	}
	r->lcs[i] = lcs;
	r->flag[i] = flag;
}

void
eng_rcpt_add(struct eng_rcpt *r, struct eng_dev *dev)
{
	if (dev == NULL)
		return;
	for (int i = 0; i < r->n; i++)
		if (r->dev[i] == dev)
			return;
	eng_rcpt_add_lcs(r, dev, 0, false);
}

void
eng_rcpt_parties(struct eng_rcpt *r, const struct eng_call *c, struct eng_dev *first)
{
	eng_rcpt_add(r, first);
	for (int i = 0; i < c->np; i++)
		eng_rcpt_add(r, c->p[i].dev);
}

const char *
eng_ev_get(const struct eng_event *ev, enum oai_field id)
{
	for (unsigned i = 0; i < ev->nf; i++)
		if (ev->f[i].id == id)
			return eng_ev_val(ev, i);
	return NULL;
}

void
eng_ev_start(struct eng_event *ev, enum oai_event code, const struct eng_call *c)
{
	ev->ev = code;
	ev->device[0] = '\0';
	ev->call_id[0] = '\0';
	ev->nvia = 0;
	ev->resync = NULL;
	ev->nf = 0;
	ev->nparty = 0;
	ev->used = 1;
	ev->pool[0] = '\0'; /* offset 0 is the empty string */
	if (c != NULL) {
		snprintf(ev->call_id, sizeof(ev->call_id), "%s", c->id);
		for (unsigned i = 0; i < c->nvia; i++)
			memcpy(ev->via[i], c->via[i], sizeof(ev->via[i]));
		ev->nvia = c->nvia;
	}
}

/* Copies s into the pool; its offset, or 0 (the empty string) when it does not fit. */
static uint16_t
pool_put(struct eng_event *ev, const char *s, size_t room)
{
	size_t n = strlen(s);
	uint16_t off = ev->used;

	if (room < n + 1)
		room = n + 1;
	if ((size_t)ev->used + room > sizeof(ev->pool))
		return 0;
	memcpy(ev->pool + off, s, n + 1);
	ev->used = (uint16_t)(ev->used + room);
	return off;
}

/* Sets field f with room for at least `room` bytes (so it can be rewritten per copy). */
static int
ev_set(struct eng_event *ev, enum oai_field f, const char *s, size_t room)
{
	unsigned i;

	for (i = 0; i < ev->nf; i++)
		if (ev->f[i].id == f)
			break;
	if (i == ev->nf) {
		if (ev->nf == ENG_EV_FIELDS)
			return -1;
		ev->nf++;
		ev->f[i].id = (uint16_t)f;
	}
	ev->f[i].off = pool_put(ev, s != NULL ? s : "", room);
	return (int)i;
}

void
eng_ev_str(struct eng_event *ev, enum oai_field f, const char *s)
{
	ev_set(ev, f, s, 0);
}

void
eng_ev_int(struct eng_event *ev, enum oai_field f, long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	ev_set(ev, f, buf, 0);
}

void
eng_ev_chr(struct eng_event *ev, enum oai_field f, char ch)
{
	char buf[2] = { ch, '\0' };

	ev_set(ev, f, buf, 2);
}

void
eng_ev_party(struct eng_event *ev, const char *ext, const char *call)
{
	if (ev->nparty == ENG_EV_PARTIES)
		return;
	ev->party[ev->nparty].ext = pool_put(ev, ext, 0);
	ev->party[ev->nparty].call = pool_put(ev, call, 0);
	ev->nparty++;
}

static void
emit(struct engine *e, const struct eng_event *ev)
{
	e->ops.emit(e->arg, ev);
	e->st.events++;
}

void
eng_send(struct engine *e, struct eng_event *ev, const struct eng_call *c,
    const struct eng_rcpt *r, const struct eng_dev *subject, unsigned flags)
{
	bool call = oai_event_category(ev->ev) == OAI_CAT_CALL && ev->ev != OAI_EV_CC;
	int li = call ? ev_set(ev, OAI_F_LCS, "", 2) : -1;
	int si = (flags & ENG_SUBJECT) ? ev_set(ev, OAI_F_SUBJECT_EXT, "", SITE_NUM_MAX) : -1;
	int ai = -1;
	char ann[ENG_ID_MAX] = "";

	if (flags & ENG_TR_ANN) {
		const char *v = eng_ev_get(ev, OAI_F_ANNOUNCEMENT_CALL_ID);

		snprintf(ann, sizeof(ann), "%s", v != NULL ? v : "");
		ai = ev_set(ev, OAI_F_ANNOUNCEMENT_CALL_ID, ann, ENG_ID_MAX);
	}
	for (int i = 0; i < r->n; i++) {
		const struct eng_dev *d = r->dev[i];
		char lcs = r->lcs[i] != 0 ? r->lcs[i] : c != NULL ? eng_lcs(c, d) : OAI_LCS_NULL;

		if ((flags & ENG_XC_BLANK) && d != subject)
			lcs = '\0';
		else if ((flags & ENG_XC_BLANK) && d == subject)
			lcs = OAI_LCS_NULL; /* the party that leaves: gone from the call */
		if (r->lcs[i] == '-')
			lcs = '\0';
		snprintf(ev->device, sizeof(ev->device), "%s", d->number);
		if (li >= 0) {
			ev->pool[ev->f[li].off] = lcs;
			ev->pool[ev->f[li].off + 1] = '\0';
		}
		if (si >= 0)
			snprintf(ev->pool + ev->f[si].off, SITE_NUM_MAX, "%s", d->number);
		if (ai >= 0)
			snprintf(ev->pool + ev->f[ai].off, ENG_ID_MAX, "%s",
			    r->flag[i] ? "" : ann);
		emit(e, ev);
	}
	if (!call || (flags & ENG_NO_CALL_LEVEL))
		return;
	ev->device[0] = '\0';
	if (li >= 0)
		ev->pool[ev->f[li].off] = '\0';
	if (si >= 0)
		ev->pool[ev->f[si].off] = '\0';
	if (ai >= 0)
		snprintf(ev->pool + ev->f[ai].off, ENG_ID_MAX, "%s", ann);
	emit(e, ev);
}

void
eng_send_dev(struct engine *e, struct eng_event *ev, const struct eng_dev *dev)
{
	snprintf(ev->device, sizeof(ev->device), "%s", dev->number);
	emit(e, ev);
}

void
eng_send_num(struct engine *e, struct eng_event *ev, const char *number)
{
	snprintf(ev->device, sizeof(ev->device), "%s", number);
	emit(e, ev);
}

/* ---- the call event layouts (oai.md 4.3) ------------------------------------------------ */

/* Caller data of inbound calls (name, CLI, route name, DDI) are carried along the call's
 * life: after a transfer the destination still sees who is calling. */
static void
build_de(struct eng_event *ev, const struct eng_call *c, const struct eng_dev *alerting)
{
	const struct eng_party *ap = NULL;

	for (int i = 0; i < c->np; i++)
		if (c->p[i].dev == alerting)
			ap = &c->p[i];
	eng_ev_start(ev, OAI_EV_DE, c);
	eng_ev_str(ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(ev, OAI_F_ALERTING_EXT, alerting->number);
	if (alerting->kind == ENG_TRUNK)
		eng_ev_str(ev, OAI_F_ALERTING_OUTSIDE_NUM, c->outside);
	eng_ev_chr(ev, OAI_F_ALERTING_DEV_TYPE, eng_side(alerting));
	eng_ev_str(ev, OAI_F_CALLING_EXT, c->caller != NULL ? c->caller->number : "");
	eng_ev_str(ev, OAI_F_CALLER_NAME, c->cli_name);
	eng_ev_str(ev, OAI_F_CALLER_NUM, c->cli);
	eng_ev_str(ev, OAI_F_TRUNK_NAME, c->trunk_name);
	eng_ev_str(ev, OAI_F_TRUNK_OUTSIDE_NUM, c->ddi);
	eng_ev_chr(ev, OAI_F_CALLING_DEV_TYPE, eng_side(c->caller));
	eng_ev_str(ev, OAI_F_ORIG_CALLED_DEV, c->orig_called);
	eng_ev_str(ev, OAI_F_LAST_REDIR_EXT, c->last_redir);
	eng_ev_str(ev, OAI_F_ACCOUNT_CODE, c->account);
	eng_ev_int(ev, OAI_F_CAUSE, c->de_cause);
	if (ap != NULL && ap->member && c->hunt != NULL)
		eng_ev_str(ev, OAI_F_ACD_GROUP, c->hunt->number);
}

void
eng_emit_de(struct engine *e, struct eng_call *c, struct eng_dev *alerting,
    const struct eng_rcpt *r)
{
	struct eng_event ev;

	build_de(&ev, c, alerting);
	eng_send(e, &ev, c, r, NULL, 0);
}

static void
build_es(struct eng_event *ev, const struct eng_call *c, const struct eng_dev *ans)
{
	eng_ev_start(ev, OAI_EV_ES, c);
	eng_ev_str(ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(ev, OAI_F_ANSWERING_EXT, ans->number);
	if (ans->kind == ENG_TRUNK && ans == c->out_trunk)
		eng_ev_str(ev, OAI_F_ANSWERING_OUTSIDE_NUM, c->outside);
	eng_ev_chr(ev, OAI_F_ANSWERING_DEV_TYPE, eng_side(ans));
	eng_ev_str(ev, OAI_F_CALLING_EXT, c->caller != NULL ? c->caller->number : "");
	eng_ev_str(ev, OAI_F_CALLER_NUM, c->cli);
	eng_ev_str(ev, OAI_F_TRUNK_OUTSIDE_NUM, c->ddi);
	eng_ev_chr(ev, OAI_F_CALLING_DEV_TYPE, eng_side(c->caller));
	eng_ev_str(ev, OAI_F_ORIG_CALLED_DEV, c->orig_called);
	eng_ev_str(ev, OAI_F_LAST_REDIR_EXT, c->last_redir);
	eng_ev_int(ev, OAI_F_CAUSE, OAI_CAUSE_ANSWERED);
}

void
eng_emit_es(struct engine *e, struct eng_call *c, struct eng_dev *answering,
    const struct eng_rcpt *r)
{
	struct eng_event ev;

	build_es(&ev, c, answering);
	eng_send(e, &ev, c, r, NULL, 0);
}

void
eng_emit_xc(struct engine *e, struct eng_call *c, struct eng_dev *cleared,
    struct eng_dev *terminating, int cause, const struct eng_rcpt *r)
{
	struct eng_event ev;

	eng_ev_start(&ev, OAI_EV_XC, c);
	eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(&ev, OAI_F_CLEARED_EXT, cleared->number);
	eng_ev_str(&ev, OAI_F_TERMINATING_EXT, terminating != NULL ? terminating->number : "");
	eng_ev_int(&ev, OAI_F_CAUSE, cause);
	eng_send(e, &ev, c, r, cleared, ENG_XC_BLANK);
}

static void
build_qu(struct eng_event *ev, const struct eng_call *c, const struct eng_dev *group,
    int position)
{
	eng_ev_start(ev, OAI_EV_QU, c);
	eng_ev_str(ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(ev, OAI_F_QUEUED_EXT, group->number);
	eng_ev_str(ev, OAI_F_CALLING_EXT, c->caller != NULL ? c->caller->number : "");
	eng_ev_str(ev, OAI_F_CALLER_NAME, c->cli_name);
	eng_ev_str(ev, OAI_F_CALLER_NUM, c->cli);
	eng_ev_str(ev, OAI_F_TRUNK_NAME, c->trunk_name);
	eng_ev_str(ev, OAI_F_TRUNK_OUTSIDE_NUM, c->ddi);
	eng_ev_chr(ev, OAI_F_CALLING_DEV_TYPE, eng_side(c->caller));
	eng_ev_str(ev, OAI_F_ORIG_CALLED_DEV, c->orig_called);
	eng_ev_str(ev, OAI_F_LAST_REDIR_EXT, c->last_redir);
	eng_ev_int(ev, OAI_F_NUM_QUEUED, position);
	eng_ev_str(ev, OAI_F_ACCOUNT_CODE, c->account);
	eng_ev_int(ev, OAI_F_CAUSE, OAI_CAUSE_NO_AVAILABLE_AGENTS);
}

void
eng_emit_qu(struct engine *e, struct eng_call *c, struct eng_dev *group, int position,
    const struct eng_rcpt *r)
{
	struct eng_event ev;

	build_qu(&ev, c, group, position);
	eng_send(e, &ev, c, r, NULL, 0);
}

static void
build_he(struct eng_event *ev, const struct eng_call *c, const struct eng_dev *holder, int cause)
{
	eng_ev_start(ev, OAI_EV_HE, c);
	eng_ev_str(ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(ev, OAI_F_HOLD_EXT, holder->number);
	eng_ev_int(ev, OAI_F_CAUSE, cause);
}

void
eng_emit_he(struct engine *e, struct eng_call *c, struct eng_dev *holder, int cause,
    const struct eng_rcpt *r)
{
	struct eng_event ev;

	build_he(&ev, c, holder, cause);
	eng_send(e, &ev, c, r, NULL, 0);
}

static void
build_fa(struct eng_event *ev, const struct eng_call *c, const char *failed, int cause)
{
	eng_ev_start(ev, OAI_EV_FA, c);
	eng_ev_str(ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(ev, OAI_F_FAILED_EXT, failed);
	eng_ev_str(ev, OAI_F_CALLED_NUM, c->called_num);
	eng_ev_int(ev, OAI_F_CAUSE, cause);
}

void
eng_emit_fa(struct engine *e, struct eng_call *c, struct eng_dev *failed, int cause,
    const struct eng_rcpt *r)
{
	struct eng_event ev;

	build_fa(&ev, c, failed != NULL ? failed->number : "", cause);
	eng_send(e, &ev, c, r, NULL, 0);
}

static void
build_co(struct eng_event *ev, const struct eng_call *c, const char *secondary,
    const struct eng_dev *controller)
{
	eng_ev_start(ev, OAI_EV_CO, c);
	eng_ev_str(ev, OAI_F_PRIMARY_CALL_ID, c->id);
	eng_ev_str(ev, OAI_F_SECONDARY_CALL_ID, secondary);
	eng_ev_str(ev, OAI_F_CONF_CONTROLLER_EXT, controller != NULL ? controller->number : "");
	for (int i = 0; i < c->np && i < ENG_EV_PARTIES; i++)
		eng_ev_party(ev, c->p[i].dev->number, c->id);
	eng_ev_int(ev, OAI_F_CAUSE, OAI_CAUSE_CONFERENCE);
}

void
eng_emit_co(struct engine *e, struct eng_call *c, const char *secondary,
    struct eng_dev *controller, const struct eng_rcpt *r)
{
	struct eng_event ev;

	build_co(&ev, c, secondary, controller);
	eng_send(e, &ev, c, r, NULL, ENG_SUBJECT);
}

void
eng_emit_di(struct engine *e, struct eng_call *c, struct eng_dev *from, const char *to,
    const char *outside, int cause, const struct eng_rcpt *r)
{
	struct eng_event ev;

	eng_ev_start(&ev, OAI_EV_DI, c);
	eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(&ev, OAI_F_DIVERTED_FROM_EXT, from->number);
	eng_ev_str(&ev, OAI_F_NEW_DEST_EXT, to);
	eng_ev_str(&ev, OAI_F_DIVERTED_TO_NUM, outside);
	eng_ev_int(&ev, OAI_F_CAUSE, cause);
	eng_send(e, &ev, c, r, NULL, 0);
}

/* ---- resync snapshots (oai.md 2.5) ------------------------------------------------------ */

struct snap {
	struct engine *e;
	const struct eng_dev *dev;
	const char *resync;
	void (*cb)(void *arg, const struct eng_event *ev);
	void *arg;
};

static void
snap_send(struct snap *s, struct eng_event *ev, const struct eng_call *c)
{
	snprintf(ev->device, sizeof(ev->device), "%s", s->dev->number);
	ev->resync = s->resync;
	if (c != NULL)
		eng_ev_chr(ev, OAI_F_LCS, eng_lcs(c, s->dev));
	s->cb(s->arg, ev);
}

/* The events that describe call c (as a whole) to a monitor of s->dev. */
static void
snap_call(struct snap *s, struct eng_call *c)
{
	struct eng_event ev;
	bool alerting = false;

	for (int i = 0; i < c->np; i++) {
		if (c->p[i].lcs != OAI_LCS_ALERTING)
			continue;
		build_de(&ev, c, c->p[i].dev);
		snap_send(s, &ev, c);
		alerting = true;
	}
	if (alerting) {
		/* nothing more: DE says who rings and who calls */
	} else if (c->queued && c->hunt != NULL) {
		int pos = 1;
		for (const struct eng_call *o = s->e->calls; o != NULL; o = o->next)
			pos += o->queued && o->hunt == c->hunt && o->qseq < c->qseq;
		build_qu(&ev, c, c->hunt, pos);
		snap_send(s, &ev, c);
	} else if (c->np > 2) {
		build_co(&ev, c, "", NULL);
		eng_ev_str(&ev, OAI_F_SUBJECT_EXT, s->dev->number);
		snap_send(s, &ev, c);
	} else if (c->answered || c->far_answered) {
		const struct eng_dev *ans = c->answerer;
		if (ans == NULL || eng_party(c, ans) == NULL) {
			ans = NULL;
			for (int i = 0; i < c->np && ans == NULL; i++)
				if (c->p[i].dev != c->caller)
					ans = c->p[i].dev;
		}
		if (ans != NULL) {
			build_es(&ev, c, ans);
			snap_send(s, &ev, c);
		}
	} else if (c->out_trunk != NULL && eng_party(c, c->out_trunk) != NULL) {
		build_de(&ev, c, c->out_trunk);
		snap_send(s, &ev, c);
	}
	for (int i = 0; i < c->np; i++) {
		if (c->p[i].lcs == OAI_LCS_FAILED) {
			build_fa(&ev, c, c->failed_ext, c->fail_cause);
			snap_send(s, &ev, c);
		}
		if (c->p[i].lcs == OAI_LCS_HELD) {
			build_he(&ev, c, c->p[i].dev, OAI_CAUSE_HOLD_INDIVIDUAL);
			snap_send(s, &ev, c);
		}
	}
}

void
engine_snapshot(struct engine *e, const char *devnum, const char *resync,
    void (*cb)(void *arg, const struct eng_event *ev), void *arg)
{
	struct snap s = { .e = e, .dev = eng_dev(e, devnum), .resync = resync, .cb = cb,
		.arg = arg };
	struct eng_event ev;

	if (s.dev == NULL)
		return;
	if (s.dev->kind == ENG_STATION) {
		char dest[SITE_DIAL_MAX], outside[SITE_DIAL_MAX];

		eng_ev_start(&ev, OAI_EV_DND, NULL);
		eng_ev_str(&ev, OAI_F_DND_EXT, s.dev->number);
		if (s.dev->dnd > 0 && s.dev->dnd <= e->site->ndnd) {
			eng_ev_str(&ev, OAI_F_DND_MESSAGE, e->site->dnd[s.dev->dnd - 1]);
			eng_ev_str(&ev, OAI_F_DND_TEXT, s.dev->dnd_text);
		}
		snap_send(&s, &ev, NULL);

		eng_fwd_split(e, s.dev, dest, sizeof(dest), outside, sizeof(outside));
		eng_ev_start(&ev, OAI_EV_FW, NULL);
		eng_ev_str(&ev, OAI_F_FORWARDING_EXT, s.dev->number);
		eng_ev_str(&ev, OAI_F_DESTINATION_EXT, dest);
		eng_ev_str(&ev, OAI_F_OUTSIDE_NUM, outside);
		eng_ev_chr(&ev, OAI_F_FORWARD_TYPE, engine_fwd_letter(s.dev->fwd));
		snap_send(&s, &ev, NULL);
	}
	for (struct eng_call *c = e->calls; c != NULL; c = c->next)
		if (eng_party(c, s.dev) != NULL)
			snap_call(&s, c);
}
