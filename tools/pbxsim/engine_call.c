/*
 * engine_call.c - calls: make, inbound, deliver (forwarding, DND, busy, trunks), answer,
 * clear, hold and retrieve, and the call timers (transfers and conferences: engine_xfer.c).
 *
 * Each engine_* operation checks its arguments and the state, returning the OAI Outcome a
 * PBX would confirm (oai.md 3.4) before it changes anything; once it starts changing the
 * model it runs to the end.  The event sequences follow oai.md 7.3 and 6.2:
 *
 *   internal    DE (callee A, caller C)                then ES, XC per leaving party
 *   consult     OR (caller), DE cause 40
 *   outbound    NT, DE alerting the trunk (type E)      then ES when the far end answers
 *   inbound     OR (trunk only), DE or QU, ES
 *   forward     DI (cause 9; 8 on no answer), then the delivery at the destination
 *   DND / busy  FA cause 14 / 3 at the caller (the call stays, failed, until it hangs up)
 *   transfer    TR, XC of the announcement call, DE cause 32 at the destination (ES too
 *               when announced)
 *   conference  CO with the party list
 *
 * A party leaving sends XC (LCS N for it, blank for the others); when fewer than two
 * parties remain, each remaining one gets its own XC and the call ends.
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static bool
is_station(const struct eng_dev *d)
{
	return d != NULL && d->kind == ENG_STATION;
}

/* Busy except for call `skip` (the call a consult puts on hold). */
static bool
busy_except(const struct engine *e, const struct eng_dev *dev, const struct eng_call *skip)
{
	for (const struct eng_call *c = e->calls; c != NULL; c = c->next) {
		char l;
		if (c == skip)
			continue;
		l = eng_lcs(c, dev);
		if (l != OAI_LCS_NULL && l != OAI_LCS_HELD)
			return true;
	}
	return false;
}

static enum truth_hold
hold_kind(int cause)
{
	switch (cause) {
	case OAI_CAUSE_HOLD_SYSTEM: return TRUTH_HOLD_SYSTEM;
	case OAI_CAUSE_HOLD_FOR_TRANSFER: return TRUTH_HOLD_TRANSFER;
	case OAI_CAUSE_HOLD_FOR_CONFERENCE: return TRUTH_HOLD_CONFERENCE;
	default: return TRUTH_HOLD_INDIVIDUAL;
	}
}

enum truth_kind
eng_kind_now(const struct eng_call *c)
{
	bool in = false, out = false;

	for (int i = 0; i < c->np; i++) {
		if (c->p[i].dev == c->in_trunk)
			in = true;
		else if (c->p[i].dev->kind == ENG_TRUNK)
			out = true;
	}
	if (in && out)
		return TRUTH_TRUNK_TO_TRUNK;
	if (in)
		return TRUTH_INBOUND;
	if (out)
		return TRUTH_OUTBOUND;
	return c->in_trunk != NULL ? TRUTH_INBOUND : c->out_trunk != NULL ? TRUTH_OUTBOUND :
	    TRUTH_INTERNAL;
}

static void
begin_truth(struct engine *e, struct eng_call *c, enum truth_kind kind)
{
	struct truth_call_info info = {
		.id = c->id,
		.label = c->label[0] != '\0' ? c->label : NULL,
		.parent = c->parent[0] != '\0' ? c->parent : NULL,
		.kind = kind,
	};

	if (e->truth == NULL)
		return;
	info.fields[TRUTH_F_CALLER] = c->caller != NULL ? c->caller->number : NULL;
	info.fields[TRUTH_F_DIALLED] = c->dialled[0] != '\0' ? c->dialled : NULL;
	info.fields[TRUTH_F_ACCOUNT] = c->account[0] != '\0' ? c->account : NULL;
	if (c->in_trunk != NULL) {
		info.fields[TRUTH_F_TRUNK] = c->in_trunk->number;
		info.fields[TRUTH_F_DDI] = c->ddi[0] != '\0' ? c->ddi : NULL;
		info.fields[TRUTH_F_DDI_NAME] = c->trunk_name[0] != '\0' ? c->trunk_name : NULL;
		info.fields[TRUTH_F_CLI] = c->cli[0] != '\0' ? c->cli : NULL;
		info.fields[TRUTH_F_CLI_NAME] = c->cli_name[0] != '\0' ? c->cli_name : NULL;
	}
	c->tc = truth_call_begin(e->truth, eng_wall(e), &info);
}

/* The caller of c hears reorder: FA at the caller, which stays in F until it hangs up (or
 * the reorder timer clears it). */
void
eng_fail_call(struct engine *e, struct eng_call *c, const char *failed, int cause,
    enum truth_cause why)
{
	struct eng_rcpt r = {0};

	if (c->caller != NULL)
		eng_party_add(c, c->caller, OAI_LCS_FAILED);
	c->fail = why;
	c->fail_cause = cause;
	snprintf(c->failed_ext, sizeof(c->failed_ext), "%s", failed != NULL ? failed : "");
	c->t_reorder = eng_after(e, ENG_REORDER_S);
	eng_rcpt_parties(&r, c, c->caller);
	{
		struct eng_event ev;
		eng_ev_start(&ev, OAI_EV_FA, c);
		eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
		eng_ev_str(&ev, OAI_F_FAILED_EXT, c->failed_ext);
		eng_ev_str(&ev, OAI_F_CALLED_NUM, c->called_num);
		eng_ev_int(&ev, OAI_F_CAUSE, cause);
		eng_send(e, &ev, c, &r, NULL, 0);
	}
}

void
eng_station_freed(struct engine *e, struct eng_dev *dev)
{
	if (!eng_in_call(e, dev))
		dev->idle_since = eng_now(e);
}

void
eng_ring(struct engine *e, struct eng_call *c, struct eng_dev *dev, bool member)
{
	struct eng_rcpt r = {0};
	struct eng_party *p = eng_party_add(c, dev, OAI_LCS_ALERTING);

	if (p == NULL)
		return;
	p->member = member;
	eng_rcpt_parties(&r, c, dev);
	eng_emit_de(e, c, dev, &r);
	eng_t_ring(e, c, dev, member ? c->hunt : NULL);
}

/* DI of c from `from` to `to` (a number or dialled string), sent to the parties and `from`. */
static void
divert(struct engine *e, struct eng_call *c, struct eng_dev *from, const char *to, int cause)
{
	struct eng_rcpt r = {0};
	struct site_dial d;
	const char *dest = to, *outside = "";

	if (site_dial(e->site, to, &d) == SITE_DIAL_OUTSIDE) {
		dest = d.tg->access;
		outside = d.outside;
	} else if (d.kind == SITE_DIAL_EXTENSION || d.kind == SITE_DIAL_HUNTGROUP) {
		dest = d.digits;
	}
	eng_rcpt_parties(&r, c, NULL);
	eng_rcpt_add(&r, from);
	eng_emit_di(e, c, from, dest, outside, cause, &r);
}

/* Seizes the first free trunk of tg in member order and dials outside on it. */
static void
deliver_outside(struct engine *e, struct eng_call *c, const struct site_trunkgroup *tg,
    const char *outside)
{
	struct eng_dev *t = NULL;
	struct eng_rcpt r = {0};
	struct eng_event ev;

	for (size_t i = 0; i < tg->nmembers && t == NULL; i++) {
		struct eng_dev *d = eng_dev(e, tg->members[i]->number);
		if (d != NULL && !eng_in_call(e, d))
			t = d;
	}
	if (t == NULL) {
		eng_fail_call(e, c, tg->number, OAI_CAUSE_TRUNKS_BUSY, TRUTH_CAUSE_TRUNKS_BUSY);
		return;
	}
	c->out_trunk = t;
	c->far_answered = false;
	snprintf(c->outside, sizeof(c->outside), "%s", outside);
	eng_party_add(c, t, OAI_LCS_CONNECTED);
	if (c->tc != NULL) {
		if (c->in_trunk == NULL)
			truth_call_set(c->tc, TRUTH_F_TRUNK, t->number);
		truth_call_set(c->tc, TRUTH_F_OUTSIDE, outside);
		truth_call_join(c->tc, eng_wall(e), t->number);
		truth_call_kind(c->tc, eng_kind_now(c));
	}
	eng_ev_start(&ev, OAI_EV_NT, c);
	eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(&ev, OAI_F_TRUNK_USED, t->number);
	eng_ev_str(&ev, OAI_F_DIALED_NUM, outside);
	eng_ev_int(&ev, OAI_F_CAUSE, OAI_CAUSE_NEW_CALL);
	eng_rcpt_parties(&r, c, NULL);
	eng_send(e, &ev, c, &r, NULL, 0);
	memset(&r, 0, sizeof(r));
	eng_rcpt_parties(&r, c, t);
	eng_emit_de(e, c, t, &r);
	eng_t_ring(e, c, t, NULL);
}

static void
deliver_station(struct engine *e, struct eng_call *c, struct eng_dev *dev, struct eng_dev *redir)
{
	if (++c->hops > ENG_MAX_HOPS) {
		eng_fail_call(e, c, dev->number, OAI_CAUSE_DEST_NOT_AVAILABLE, TRUTH_CAUSE_FAILED);
		return;
	}
	if (c->orig_called[0] == '\0')
		snprintf(c->orig_called, sizeof(c->orig_called), "%s", dev->number);
	if (redir != NULL)
		snprintf(c->last_redir, sizeof(c->last_redir), "%s", redir->number);
	if (dev->fwd == SITE_FWD_ALL && dev->fwd_dest[0] != '\0') {
		divert(e, c, dev, dev->fwd_dest, OAI_CAUSE_FORWARD);
		eng_t_divert(e, c, dev->number, dev->fwd_dest, TRUTH_DIVERT_FORWARD);
		eng_deliver(e, c, dev->fwd_dest, c->de_cause, dev);
		return;
	}
	if (dev->dnd > 0) {
		eng_fail_call(e, c, dev->number, OAI_CAUSE_DND, TRUTH_CAUSE_DND);
		return;
	}
	if (eng_busy(e, dev) || eng_party(c, dev) != NULL) {
		if ((dev->fwd == SITE_FWD_BUSY || dev->fwd == SITE_FWD_BUSY_NO_ANSWER) &&
		    dev->fwd_dest[0] != '\0' && eng_party(c, dev) == NULL) {
			divert(e, c, dev, dev->fwd_dest, OAI_CAUSE_FORWARD);
			eng_t_divert(e, c, dev->number, dev->fwd_dest, TRUTH_DIVERT_BUSY);
			eng_deliver(e, c, dev->fwd_dest, c->de_cause, dev);
			return;
		}
		eng_fail_call(e, c, dev->number, OAI_CAUSE_BUSY, TRUTH_CAUSE_BUSY);
		return;
	}
	eng_ring(e, c, dev, false);
	if ((dev->fwd == SITE_FWD_NO_ANSWER || dev->fwd == SITE_FWD_BUSY_NO_ANSWER) &&
	    dev->fwd_dest[0] != '\0') {
		c->noanswer_dev = dev;
		c->t_noanswer = eng_after(e, e->site->noanswer_timeout);
	}
}

void
eng_deliver(struct engine *e, struct eng_call *c, const char *digits, int cause,
    struct eng_dev *redir)
{
	struct site_dial d;
	struct eng_dev *dev;

	c->de_cause = cause;
	snprintf(c->called_num, sizeof(c->called_num), "%s", digits);
	switch (site_dial(e->site, digits, &d)) {
	case SITE_DIAL_EXTENSION:
		if ((dev = eng_dev(e, d.ext->number)) != NULL) {
			deliver_station(e, c, dev, redir);
			return;
		}
		break;
	case SITE_DIAL_HUNTGROUP:
		if ((dev = eng_dev(e, d.hg->number)) != NULL) {
			if (redir != NULL)
				snprintf(c->last_redir, sizeof(c->last_redir), "%s", redir->number);
			eng_hunt_enter(e, c, dev);
			return;
		}
		break;
	case SITE_DIAL_OUTSIDE:
		deliver_outside(e, c, d.tg, d.outside);
		return;
	default:
		break;
	}
	eng_fail_call(e, c, "", OAI_CAUSE_DEST_NOT_AVAILABLE, TRUTH_CAUSE_INVALID);
}

/* ---- making calls ----------------------------------------------------------------------- */

static int
hold_core(struct engine *e, struct eng_call *c, struct eng_dev *dev, int cause)
{
	struct eng_party *p = eng_party(c, dev);
	struct eng_rcpt r = {0};

	if (p == NULL)
		return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE, "%s is not in call %s",
		    dev->number, c->id);
	if (!is_station(dev) || !site_ext_can_call(dev->ext))
		return eng_fail(e, OAI_OUTCOME_INCOMPATIBLE_WITH_OBJECT, "%s cannot hold",
		    dev->number);
	if (p->lcs != OAI_LCS_CONNECTED)
		return eng_fail(e, OAI_OUTCOME_NO_ACTIVE_CALL, "call %s is not connected at %s",
		    c->id, dev->number);
	p->lcs = OAI_LCS_HELD;
	eng_rcpt_parties(&r, c, dev);
	eng_emit_he(e, c, dev, cause, &r);
	if (c->tc != NULL)
		truth_call_hold(c->tc, eng_wall(e), dev->number, hold_kind(cause));
	return 0;
}

int
engine_call(struct engine *e, const struct eng_call_req *req, char id[ENG_ID_MAX])
{
	struct eng_dev *from;
	struct eng_call *held = NULL, *c;
	struct site_dial d;
	struct eng_rcpt r = {0};
	enum site_dial_kind k;

	eng_begin(e);
	id[0] = '\0';
	from = eng_dev(e, req->from);
	if (!is_station(from))
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
		    "%s is not a station", req->from != NULL ? req->from : ""));
	if (!site_ext_can_call(from->ext))
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INCOMPATIBLE_WITH_OBJECT,
		    "%s (%s) cannot place calls", from->number,
		    site_ext_type_name(from->ext->type)));
	if (req->consult_of != NULL && *req->consult_of != '\0') {
		char l;
		if ((held = eng_call(e, req->consult_of)) == NULL)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALL_IDENTIFIER,
			    "no call %s", req->consult_of));
		l = eng_lcs(held, from);
		if (l != OAI_LCS_CONNECTED && l != OAI_LCS_HELD)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
			    "call %s is neither connected nor held at %s", held->id, from->number));
	}
	if (busy_except(e, from, held))
		return eng_done(e, eng_fail(e, OAI_OUTCOME_STATE_INCOMPATIBILITY,
		    "%s is busy on another call", from->number));
	k = site_dial(e->site, req->digits != NULL ? req->digits : "", &d);
	if (k != SITE_DIAL_EXTENSION && k != SITE_DIAL_HUNTGROUP && k != SITE_DIAL_OUTSIDE)
		return eng_done(e, eng_fail(e, k == SITE_DIAL_FEATURE ?
		    OAI_OUTCOME_INVALID_FEATURE : OAI_OUTCOME_INVALID_CALLED_DEVICE,
		    "'%s' is %s", req->digits != NULL ? req->digits : "",
		    k == SITE_DIAL_FEATURE ? "a feature code (use the feature commands)" :
		    d.why != NULL ? d.why : "not in the dial plan"));
	if (k == SITE_DIAL_EXTENSION && strcmp(d.ext->number, from->number) == 0)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALLED_DEVICE,
		    "%s cannot call itself", from->number));

	if (held != NULL && eng_lcs(held, from) == OAI_LCS_CONNECTED)
		hold_core(e, held, from, OAI_CAUSE_HOLD_FOR_TRANSFER);
	if ((c = eng_call_new(e, req->label)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_RESOURCE_AVAILABILITY, "out of memory"));
	c->caller = c->origin = from;
	eng_party_add(c, from, OAI_LCS_CONNECTED);
	snprintf(c->dialled, sizeof(c->dialled), "%s", d.digits);
	if (req->account != NULL)
		snprintf(c->account, sizeof(c->account), "%s", req->account);
	if (held != NULL)
		snprintf(c->parent, sizeof(c->parent), "%s", held->id);
	begin_truth(e, c, k == SITE_DIAL_OUTSIDE ? TRUTH_OUTBOUND : TRUTH_INTERNAL);
	snprintf(id, ENG_ID_MAX, "%s", c->id);
	if (held != NULL) {
		struct eng_event ev;

		eng_ev_start(&ev, OAI_EV_OR, c);
		eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
		eng_ev_str(&ev, OAI_F_CALLING_EXT, from->number);
		eng_ev_chr(&ev, OAI_F_CALLING_DEV_TYPE, OAI_PARTY_INTERNAL);
		eng_ev_str(&ev, OAI_F_DIALED_NUM, k == SITE_DIAL_OUTSIDE ? d.tg->access : d.digits);
		eng_ev_str(&ev, OAI_F_ACCOUNT_CODE, c->account);
		eng_ev_int(&ev, OAI_F_CAUSE, OAI_CAUSE_NEW_CALL);
		eng_rcpt_add(&r, from);
		eng_send(e, &ev, c, &r, NULL, 0);
	}
	eng_deliver(e, c, d.digits, held != NULL ? OAI_CAUSE_TRANSFER_ANNOUNCEMENT :
	    OAI_CAUSE_NEW_CALL, NULL);
	return eng_done(e, 0);
}

int
engine_inbound(struct engine *e, const struct eng_inbound_req *req, char id[ENG_ID_MAX])
{
	struct eng_dev *t = eng_dev(e, req->trunk);
	const struct site_ddi *ddi;
	const struct site_ext *ext;
	const struct site_huntgroup *hg;
	struct eng_call *c;
	struct eng_rcpt r = {0};
	struct eng_event ev;

	eng_begin(e);
	id[0] = '\0';
	if (t == NULL || t->kind != ENG_TRUNK)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
		    "%s is not a trunk", req->trunk != NULL ? req->trunk : ""));
	if (eng_in_call(e, t))
		return eng_done(e, eng_fail(e, OAI_OUTCOME_RESOURCE_BUSY,
		    "trunk %s carries another call", t->number));
	if ((ddi = site_ddi(e->site, req->ddi != NULL ? req->ddi : "")) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALLED_DEVICE,
		    "no DDI %s", req->ddi != NULL ? req->ddi : ""));
	if ((c = eng_call_new(e, req->label)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_RESOURCE_AVAILABILITY, "out of memory"));
	c->caller = c->origin = c->in_trunk = t;
	eng_party_add(c, t, OAI_LCS_CONNECTED);
	snprintf(c->cli, sizeof(c->cli), "%s", req->cli != NULL ? req->cli : "");
	snprintf(c->cli_name, sizeof(c->cli_name), "%s", req->name != NULL ? req->name : "");
	snprintf(c->ddi, sizeof(c->ddi), "%s", ddi->number);
	snprintf(c->dialled, sizeof(c->dialled), "%s", ddi->number);
	snprintf(c->trunk_name, sizeof(c->trunk_name), "%s",
	    ddi->name[0] != '\0' ? ddi->name : t->trunk->description);
	begin_truth(e, c, TRUTH_INBOUND);
	snprintf(id, ENG_ID_MAX, "%s", c->id);

	/* OR is reported under the trunk's monitor only (oai.md 7.3). */
	eng_ev_start(&ev, OAI_EV_OR, c);
	eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(&ev, OAI_F_CALLING_EXT, t->number);
	eng_ev_str(&ev, OAI_F_CALLER_NUM, c->cli);
	eng_ev_chr(&ev, OAI_F_CALLING_DEV_TYPE, OAI_PARTY_EXTERNAL);
	eng_ev_str(&ev, OAI_F_DIALED_NUM, ddi->number);
	eng_ev_int(&ev, OAI_F_CAUSE, OAI_CAUSE_NEW_CALL);
	eng_rcpt_add(&r, t);
	eng_send(e, &ev, c, &r, NULL, 0);

	site_ddi_route(e->site, ddi, &ext, &hg);
	eng_deliver(e, c, ext != NULL ? ext->number : hg->number, OAI_CAUSE_NEW_CALL, NULL);
	return eng_done(e, 0);
}

/* ---- answering and clearing ------------------------------------------------------------- */

int
engine_answer(struct engine *e, const char *devnum, const char *id)
{
	struct eng_call *c;
	struct eng_dev *dev;
	struct eng_party *p;
	struct eng_rcpt r = {0};
	const char *agent = NULL;
	int rv;

	eng_begin(e);
	if ((rv = eng_find(e, id, devnum, &c, &dev)) != 0)
		return eng_done(e, rv);
	if ((p = eng_party(c, dev)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_CALL_TO_ANSWER,
		    "call %s does not ring at %s", c->id, dev->number));
	if (dev->kind == ENG_TRUNK) {
		if (dev != c->out_trunk || c->far_answered)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_CALL_TO_ANSWER,
			    "call %s does not ring beyond trunk %s", c->id, dev->number));
		c->far_answered = true;
		c->answered = true;
		c->answerer = dev;
		eng_rcpt_parties(&r, c, dev);
		eng_emit_es(e, c, dev, &r);
		eng_t_answer(e, c, dev, NULL);
		return eng_done(e, 0);
	}
	if (p->lcs != OAI_LCS_ALERTING)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_CALL_TO_ANSWER,
		    "call %s does not ring at %s", c->id, dev->number));

	/* Other members rung at once (all-ring) stop ringing. */
	for (int i = 0; i < c->np;) {
		struct eng_dev *o = c->p[i].dev;
		struct eng_rcpt x = {0};
		if (o == dev || c->p[i].lcs != OAI_LCS_ALERTING) {
			i++;
			continue;
		}
		eng_rcpt_parties(&x, c, o);
		eng_emit_xc(e, c, o, dev, OAI_CAUSE_NORMAL_CLEAR, &x);
		eng_party_del(e, c, o);
	}
	if (p->member && c->hunt != NULL && c->hunt->hg->type == SITE_HG_ACD &&
	    dev->agent != NULL) {
		c->acd = c->hunt;
		c->agent = dev->agent;
		agent = dev->agent->sa->id;
		eng_t_set(c, TRUTH_F_AGENT, agent);
	}
	p = eng_party(c, dev);
	p->lcs = OAI_LCS_CONNECTED;
	p->member = false;
	if (c->hunt != NULL)
		eng_hunt_leave(e, c);
	c->t_noanswer = 0;
	c->noanswer_dev = NULL;
	c->answered = true;
	c->answerer = dev;
	eng_rcpt_parties(&r, c, dev);
	eng_emit_es(e, c, dev, &r);
	eng_t_answer(e, c, dev, agent);
	return eng_done(e, 0);
}

/* The call ends because `term` left and fewer than two parties remain. */
static void
end_call(struct engine *e, struct eng_call *c, struct eng_dev *term)
{
	enum truth_cause cause;

	while (c->np > 0) {
		struct eng_dev *q = c->p[0].dev;
		struct eng_rcpt r = {0};

		eng_rcpt_parties(&r, c, q);
		eng_emit_xc(e, c, q, term, OAI_CAUSE_NORMAL_CLEAR, &r);
		eng_party_del(e, c, q);
	}
	if (c->answered)
		cause = TRUTH_CAUSE_NORMAL;
	else if (c->fail_cause != 0)
		cause = c->fail;
	else
		cause = TRUTH_CAUSE_ABANDONED;
	eng_hunt_leave(e, c);
	eng_call_end(e, c, term, cause, NULL, NULL);
}

/* dev leaves c; the call ends with it when fewer than two parties remain. */
static void
leave(struct engine *e, struct eng_call *c, struct eng_dev *dev)
{
	struct eng_rcpt r = {0};

	eng_rcpt_parties(&r, c, dev);
	eng_emit_xc(e, c, dev, dev, OAI_CAUSE_NORMAL_CLEAR, &r);
	eng_party_del(e, c, dev);
	/* Two parties still talking (or holding) keep the call: a conference goes on. */
	if (c->np >= 2 && eng_count(c, OAI_LCS_CONNECTED) + eng_count(c, OAI_LCS_HELD) >= 2) {
		if (c->tc != NULL)
			truth_call_leave(c->tc, eng_wall(e), dev->number);
		if (c->caller == dev)
			c->caller = c->p[0].dev;
		return;
	}
	end_call(e, c, dev);
}

int
engine_hangup(struct engine *e, const char *devnum, const char *id, bool complete_transfer)
{
	struct eng_call *c, *held;
	struct eng_dev *dev;
	struct eng_party *p;
	int rv;

	eng_begin(e);
	if ((rv = eng_find(e, id, devnum, &c, &dev)) != 0)
		return eng_done(e, rv);
	if ((p = eng_party(c, dev)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_CONNECTION_TO_CLEAR,
		    "%s is not in call %s", dev->number, c->id));
	if (p->lcs == OAI_LCS_ALERTING || p->lcs == OAI_LCS_QUEUED)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
		    "call %s only rings at %s (answer it, or clear the caller)", c->id,
		    dev->number));
	if (complete_transfer && c->parent[0] != '\0' && (held = eng_call(e, c->parent)) != NULL &&
	    eng_lcs(held, dev) == OAI_LCS_HELD) {
		struct eng_xfer x;
		return eng_done(e, eng_transfer_core(e, dev, held, c, &x));
	}
	leave(e, c, dev);
	return eng_done(e, 0);
}

int
engine_clear_call(struct engine *e, const char *devnum, const char *id)
{
	struct eng_call *c;
	struct eng_dev *dev;
	int rv;

	eng_begin(e);
	if ((rv = eng_find(e, id, devnum, &c, &dev)) != 0)
		return eng_done(e, rv);
	if (eng_party(c, dev) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_CALL_TO_CLEAR,
		    "%s is not in call %s", dev->number, c->id));
	/* dev first, then every other party, each with its XC. */
	{
		struct eng_rcpt r = {0};
		eng_rcpt_parties(&r, c, dev);
		eng_emit_xc(e, c, dev, dev, OAI_CAUSE_NORMAL_CLEAR, &r);
		eng_party_del(e, c, dev);
	}
	end_call(e, c, dev);
	return eng_done(e, 0);
}

/* ---- hold and retrieve ------------------------------------------------------------------ */

int
engine_hold(struct engine *e, const char *devnum, const char *id, int cause)
{
	struct eng_call *c;
	struct eng_dev *dev;
	int rv;

	eng_begin(e);
	if ((rv = eng_find(e, id, devnum, &c, &dev)) != 0)
		return eng_done(e, rv);
	return eng_done(e, hold_core(e, c, dev, cause > 0 ? cause : OAI_CAUSE_HOLD_INDIVIDUAL));
}

int
engine_retrieve(struct engine *e, const char *devnum, const char *id)
{
	struct eng_call *c;
	struct eng_dev *dev, *other = NULL;
	struct eng_party *p;
	struct eng_rcpt r = {0};
	struct eng_event ev;
	int others = 0;
	int rv;

	eng_begin(e);
	if ((rv = eng_find(e, id, devnum, &c, &dev)) != 0)
		return eng_done(e, rv);
	if ((p = eng_party(c, dev)) == NULL || p->lcs != OAI_LCS_HELD)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_HELD_CALL,
		    "call %s is not held at %s", c->id, dev->number));
	if (busy_except(e, dev, c))
		return eng_done(e, eng_fail(e, OAI_OUTCOME_STATE_INCOMPATIBILITY,
		    "%s is busy on another call", dev->number));
	p->lcs = OAI_LCS_CONNECTED;
	for (int i = 0; i < c->np; i++)
		if (c->p[i].dev != dev) {
			other = c->p[i].dev;
			others++;
		}
	eng_ev_start(&ev, OAI_EV_RE, c);
	eng_ev_str(&ev, OAI_F_CALL_ID, c->id);
	eng_ev_str(&ev, OAI_F_RETRIEVING_EXT, dev->number);
	eng_ev_int(&ev, OAI_F_CAUSE, OAI_CAUSE_ANSWERED);
	if (others == 1) {
		eng_ev_str(&ev, OAI_F_RETRIEVED_EXT, other->number);
		if (other == c->in_trunk) {
			eng_ev_str(&ev, OAI_F_RETRIEVED_OUTSIDE_NUM, c->cli);
			eng_ev_str(&ev, OAI_F_RETRIEVED_TRUNK_NUM, c->ddi);
		} else if (other == c->out_trunk) {
			eng_ev_str(&ev, OAI_F_RETRIEVED_OUTSIDE_NUM, c->outside);
		}
		eng_ev_chr(&ev, OAI_F_RETRIEVED_DEV_TYPE, eng_side(other));
	}
	eng_rcpt_parties(&r, c, dev);
	eng_send(e, &ev, c, &r, NULL, 0);
	if (c->tc != NULL)
		truth_call_retrieve(c->tc, eng_wall(e), dev->number);
	return eng_done(e, 0);
}

/* ---- timers ----------------------------------------------------------------------------- */

void
eng_call_timers(struct engine *e, struct eng_call *c, int64_t now)
{
	if (c->t_reorder != 0 && c->t_reorder <= now) {
		struct eng_dev *who = c->caller;

		c->t_reorder = 0;
		/* Reorder timed out: the caller is put back on hook. */
		if (who != NULL && eng_lcs(c, who) == OAI_LCS_FAILED) {
			leave(e, c, who);
			return;
		}
	}
	if (c->t_noanswer != 0 && c->t_noanswer <= now) {
		struct eng_dev *d = c->noanswer_dev;

		c->t_noanswer = 0;
		c->noanswer_dev = NULL;
		if (d != NULL && eng_lcs(c, d) == OAI_LCS_ALERTING && d->fwd_dest[0] != '\0') {
			struct eng_rcpt r = {0};
			char to[SITE_DIAL_MAX];

			snprintf(to, sizeof(to), "%s", d->fwd_dest);
			eng_party_del(e, c, d);
			eng_rcpt_parties(&r, c, NULL);
			eng_rcpt_add(&r, d);
			{
				struct site_dial sd;
				const char *dest = to, *outside = "";
				if (site_dial(e->site, to, &sd) == SITE_DIAL_OUTSIDE) {
					dest = sd.tg->access;
					outside = sd.outside;
				} else if (sd.kind == SITE_DIAL_EXTENSION ||
				    sd.kind == SITE_DIAL_HUNTGROUP) {
					dest = sd.digits;
				}
				eng_emit_di(e, c, d, dest, outside, OAI_CAUSE_FORWARD_NO_ANSWER,
				    &r);
			}
			eng_t_divert(e, c, d->number, to, TRUTH_DIVERT_NO_ANSWER);
			eng_deliver(e, c, to, c->de_cause, d);
		}
		return;
	}
	eng_hunt_timers(e, c, now);
}
