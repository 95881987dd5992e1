/*
 * engine_xfer.c - transfers and conferences: announced and to-ring transfers (_TR, scenario
 * `transfer PARTY L [L2]`), one-step transfers (_TO, `transfer PARTY L to DIGITS`) and
 * three-way conferences (_CN, `conference`).
 *
 * A transfer sends TR (to the transferring station, now N; to the transferred parties,
 * without the announcement call's id; to the destination, with its state in the
 * announcement call), clears the announcement call (XC for the transferring station, then
 * for the destination), and delivers the held call to the destination with cause 32:
 * DE, and ES at once when the announcement call was answered (oai.md 7.3).  A conference
 * merges the announcement call's parties into the held call and sends CO to every party.
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* ---- transfers -------------------------------------------------------------------------- */

static void
xfer_out(const struct eng_call *c, const char *dest, const char *transferred,
    struct eng_xfer *out)
{
	snprintf(out->call_id, sizeof(out->call_id), "%s", c->id);
	snprintf(out->dest, sizeof(out->dest), "%s", dest);
	snprintf(out->transferred, sizeof(out->transferred), "%s", transferred);
	snprintf(out->name, sizeof(out->name), "%s", c->cli_name);
	snprintf(out->cli, sizeof(out->cli), "%s", c->cli);
	snprintf(out->trunk_name, sizeof(out->trunk_name), "%s", c->trunk_name);
	snprintf(out->ddi, sizeof(out->ddi), "%s", c->ddi);
}

/* The TR event: to dev (now N), the transferred parties (no announcement call id) and the
 * destination (its state in the announcement call). */
static void
emit_tr(struct engine *e, struct eng_call *held, struct eng_dev *dev, struct eng_dev *t,
    const char *consult_id, const char *dest, struct eng_dev *destdev, char dest_lcs)
{
	struct eng_event ev;
	struct eng_rcpt r = {0};

	eng_ev_start(&ev, OAI_EV_TR, held);
	eng_ev_str(&ev, OAI_F_TRANSFERRED_CALL_ID, held->id);
	eng_ev_str(&ev, OAI_F_TRANSFERRING_EXT, dev->number);
	eng_ev_str(&ev, OAI_F_TRANSFERRED_EXT, t != NULL ? t->number : "");
	eng_ev_str(&ev, OAI_F_ANNOUNCEMENT_CALL_ID, consult_id);
	eng_ev_str(&ev, OAI_F_DESTINATION_EXT, dest);
	eng_ev_str(&ev, OAI_F_CALLER_NAME, held->cli_name);
	eng_ev_str(&ev, OAI_F_CALLER_NUM, held->cli);
	eng_ev_str(&ev, OAI_F_TRUNK_NAME, held->trunk_name);
	eng_ev_str(&ev, OAI_F_TRUNK_OUTSIDE_NUM, held->ddi);
	eng_ev_int(&ev, OAI_F_CAUSE, OAI_CAUSE_TRANSFER);
	eng_rcpt_add_lcs(&r, dev, OAI_LCS_NULL, false);
	for (int i = 0; i < held->np; i++)
		if (held->p[i].dev != dev)
			eng_rcpt_add_lcs(&r, held->p[i].dev, 0, true);
	if (destdev != NULL)
		eng_rcpt_add_lcs(&r, destdev, dest_lcs, false);
	eng_send(e, &ev, held, &r, NULL, ENG_TR_ANN);
}

int
eng_transfer_core(struct engine *e, struct eng_dev *dev, struct eng_call *held,
    struct eng_call *consult, struct eng_xfer *out)
{
	struct eng_dev *dest = NULL, *t = NULL;
	struct eng_rcpt r = {0};
	bool ring;
	int others = 0;
	char consult_id[ENG_ID_MAX], dlcs;

	if (held == consult)
		return eng_fail(e, OAI_OUTCOME_GENERIC_UNSPECIFIED, "the held and the announcement "
		    "call are the same (%s)", held->id);
	if (eng_lcs(held, dev) != OAI_LCS_HELD)
		return eng_fail(e, OAI_OUTCOME_NO_HELD_CALL, "call %s is not held at %s", held->id,
		    dev->number);
	if (eng_lcs(consult, dev) != OAI_LCS_CONNECTED)
		return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
		    "%s is not connected to call %s", dev->number, consult->id);
	if (consult->np != 2 || consult->queued || consult->hunt != NULL)
		return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE, "call %s has no single "
		    "destination to transfer to (queued, or a conference)", consult->id);
	dest = consult->p[0].dev == dev ? consult->p[1].dev : consult->p[0].dev;
	dlcs = eng_lcs(consult, dest);
	if (dlcs != OAI_LCS_ALERTING && dlcs != OAI_LCS_CONNECTED)
		return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
		    "call %s neither rings nor talks at %s", consult->id, dest->number);
	if (eng_party(held, dest) != NULL)
		return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE, "%s is already in call %s",
		    dest->number, held->id);
	for (int i = 0; i < held->np; i++)
		if (held->p[i].dev != dev) {
			t = held->p[i].dev;
			others++;
		}
	if (others == 0)
		return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE, "call %s has nobody to "
		    "transfer", held->id);
	if (others > 1)
		t = NULL;
	ring = dest->kind == ENG_TRUNK ? !consult->far_answered : dlcs == OAI_LCS_ALERTING;
	snprintf(consult_id, sizeof(consult_id), "%s", consult->id);
	xfer_out(held, dest->number, t != NULL ? t->number : "", out);

	emit_tr(e, held, dev, t, consult_id, dest->number, dest, dlcs);
	if (held->tc != NULL)
		truth_call_transfer(held->tc, eng_wall(e), ring ? TRUTH_XFER_RING :
		    TRUTH_XFER_ANNOUNCED, dev->number, t != NULL ? t->number : NULL, dest->number,
		    consult_id);

	/* The announcement call goes: dev leaves it, then the destination's connection. */
	eng_rcpt_parties(&r, consult, dev);
	eng_emit_xc(e, consult, dev, dev, OAI_CAUSE_NORMAL_CLEAR, &r);
	eng_party_del(e, consult, dev);
	memset(&r, 0, sizeof(r));
	eng_rcpt_parties(&r, consult, dest);
	eng_emit_xc(e, consult, dest, dev, OAI_CAUSE_NORMAL_CLEAR, &r);
	eng_party_del(e, consult, dest);
	if (dest->kind == ENG_TRUNK) {
		held->out_trunk = dest;
		held->far_answered = consult->far_answered;
		snprintf(held->outside, sizeof(held->outside), "%s", consult->outside);
		eng_t_set(held, TRUTH_F_OUTSIDE, held->outside);
	}
	consult->t_noanswer = 0;
	eng_call_end(e, consult, dev, TRUTH_CAUSE_TRANSFERRED, held->id, dest->number);

	/* The held call: dev is out (TR told it), the destination is in. */
	eng_party_del(e, held, dev);
	if (held->caller == dev)
		held->caller = t != NULL ? t : held->p[0].dev;
	snprintf(held->orig_called, sizeof(held->orig_called), "%s", dest->number);
	snprintf(held->last_redir, sizeof(held->last_redir), "%s", dev->number);
	held->de_cause = OAI_CAUSE_TRANSFER;
	held->hops = 0;
	eng_party_add(held, dest, ring && dest->kind != ENG_TRUNK ? OAI_LCS_ALERTING :
	    OAI_LCS_CONNECTED);
	if (held->tc != NULL)
		truth_call_kind(held->tc, eng_kind_now(held));
	memset(&r, 0, sizeof(r));
	eng_rcpt_parties(&r, held, dest);
	eng_emit_de(e, held, dest, &r);
	if (ring) {
		eng_t_ring(e, held, dest, NULL);
	} else {
		held->answerer = dest;
		held->answered = true;
		eng_emit_es(e, held, dest, &r);
		eng_t_answer(e, held, dest, NULL);
	}
	return 0;
}

int
engine_transfer(struct engine *e, const char *devnum, const char *held_id,
    const char *consult_id, struct eng_xfer *out)
{
	struct eng_call *held, *consult;
	struct eng_dev *dev;

	eng_begin(e);
	memset(out, 0, sizeof(*out));
	if ((dev = eng_dev(e, devnum)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
		    "no device %s", devnum != NULL ? devnum : ""));
	if ((held = eng_call(e, held_id)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALL_IDENTIFIER,
		    "no held call %s", held_id != NULL ? held_id : ""));
	if ((consult = eng_call(e, consult_id)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALL_IDENTIFIER,
		    "no announcement call %s", consult_id != NULL ? consult_id : ""));
	return eng_done(e, eng_transfer_core(e, dev, held, consult, out));
}

int
engine_transfer_blind(struct engine *e, const char *devnum, const char *id, const char *digits,
    struct eng_xfer *out)
{
	struct eng_call *c;
	struct eng_dev *dev, *t = NULL;
	struct site_dial d;
	enum site_dial_kind k;
	char l, dest[SITE_DIAL_MAX];
	int others = 0;
	int rv;

	eng_begin(e);
	memset(out, 0, sizeof(*out));
	if ((rv = eng_find(e, id, devnum, &c, &dev)) != 0)
		return eng_done(e, rv);
	l = eng_lcs(c, dev);
	if (l != OAI_LCS_CONNECTED && l != OAI_LCS_HELD)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
		    "call %s is neither connected nor held at %s", c->id, dev->number));
	k = site_dial(e->site, digits != NULL ? digits : "", &d);
	if (k != SITE_DIAL_EXTENSION && k != SITE_DIAL_HUNTGROUP && k != SITE_DIAL_OUTSIDE)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALLED_DEVICE,
		    "'%s' is not a destination", digits != NULL ? digits : ""));
	if (k == SITE_DIAL_EXTENSION && eng_party(c, eng_dev(e, d.ext->number)) != NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALLED_DEVICE,
		    "%s is already in call %s", d.ext->number, c->id));
	for (int i = 0; i < c->np; i++)
		if (c->p[i].dev != dev) {
			t = c->p[i].dev;
			others++;
			if (c->p[i].lcs == OAI_LCS_ALERTING || c->p[i].lcs == OAI_LCS_QUEUED)
				return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
				    "call %s is not established", c->id));
		}
	if (others == 0)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
		    "call %s has nobody to transfer", c->id));
	if (others > 1)
		t = NULL;
	if (k == SITE_DIAL_OUTSIDE) {
		/* Destination_Ext is an extension field: the digits only (no '*', '#', 'P'). */
		size_t n = 0;
		for (const char *q = d.digits; *q != '\0' && n + 1 < sizeof(dest); q++)
			if (*q >= '0' && *q <= '9')
				dest[n++] = *q;
		dest[n] = '\0';
	} else {
		snprintf(dest, sizeof(dest), "%s", k == SITE_DIAL_EXTENSION ? d.ext->number :
		    d.hg->number);
	}
	xfer_out(c, dest, t != NULL ? t->number : "", out);

	emit_tr(e, c, dev, t, "", dest, NULL, 0);
	if (c->tc != NULL)
		truth_call_transfer(c->tc, eng_wall(e), TRUTH_XFER_BLIND, dev->number,
		    t != NULL ? t->number : NULL, dest, NULL);
	eng_party_del(e, c, dev);
	if (c->caller == dev)
		c->caller = t != NULL ? t : c->p[0].dev;
	if (c->answerer == dev)
		c->answerer = NULL;
	c->orig_called[0] = '\0';
	c->hops = 0;
	eng_deliver(e, c, d.digits, OAI_CAUSE_TRANSFER, dev);
	if (c->tc != NULL)
		truth_call_kind(c->tc, eng_kind_now(c));
	return eng_done(e, 0);
}

/* ---- conference ------------------------------------------------------------------------- */

int
engine_conference(struct engine *e, const char *devnum, const char *held_id,
    const char *active_id, struct eng_conf *out)
{
	struct eng_call *held, *active;
	struct eng_dev *dev;
	struct eng_rcpt r = {0};
	const char *parties[ENG_MAX_PARTIES];
	char active_copy[ENG_ID_MAX];
	int n;

	eng_begin(e);
	memset(out, 0, sizeof(*out));
	if ((dev = eng_dev(e, devnum)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER,
		    "no device %s", devnum != NULL ? devnum : ""));
	if ((held = eng_call(e, held_id)) == NULL || (active = eng_call(e, active_id)) == NULL)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_CALL_IDENTIFIER,
		    "no call %s", held == NULL ? (held_id ? held_id : "") :
		    (active_id ? active_id : "")));
	if (held == active)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_GENERIC_UNSPECIFIED,
		    "the held and the active call are the same (%s)", held->id));
	if (eng_lcs(held, dev) != OAI_LCS_HELD)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_HELD_CALL,
		    "call %s is not held at %s", held->id, dev->number));
	if (eng_lcs(active, dev) != OAI_LCS_CONNECTED)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_NO_ACTIVE_CALL,
		    "call %s is not connected at %s", active->id, dev->number));
	for (int i = 0; i < active->np; i++)
		if (active->p[i].lcs != OAI_LCS_CONNECTED ||
		    (active->p[i].dev->kind == ENG_TRUNK && !active->far_answered &&
		    active->p[i].dev == active->out_trunk))
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
			    "call %s is not answered yet", active->id));
	if (held->np + active->np - 1 > ENG_EV_PARTIES)
		return eng_done(e, eng_fail(e, OAI_OUTCOME_CONFERENCE_LIMIT,
		    "a conference has at most %d parties", ENG_EV_PARTIES));
	for (int i = 0; i < active->np; i++)
		if (active->p[i].dev != dev && eng_party(held, active->p[i].dev) != NULL)
			return eng_done(e, eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE,
			    "%s is in both calls", active->p[i].dev->number));

	snprintf(active_copy, sizeof(active_copy), "%s", active->id);
	eng_party(held, dev)->lcs = OAI_LCS_CONNECTED;
	while (active->np > 0) {
		struct eng_dev *q = active->p[0].dev;
		memmove(&active->p[0], &active->p[1], (size_t)(active->np - 1) *
		    sizeof(active->p[0]));
		active->np--;
		if (q != dev)
			eng_party_add(held, q, OAI_LCS_CONNECTED);
	}
	if (active->out_trunk != NULL && held->out_trunk == NULL) {
		held->out_trunk = active->out_trunk;
		held->far_answered = active->far_answered;
		snprintf(held->outside, sizeof(held->outside), "%s", active->outside);
	}
	if (active->agent != NULL && held->agent == NULL) {
		held->agent = active->agent;
		held->acd = active->acd;
	}
	active->agent = NULL;
	eng_call_end(e, active, dev, TRUTH_CAUSE_CONFERENCED, NULL, NULL);

	eng_rcpt_parties(&r, held, dev);
	eng_emit_co(e, held, active_copy, dev, &r);
	n = 0;
	for (int i = 0; i < held->np; i++)
		parties[n++] = held->p[i].dev->number;
	if (held->tc != NULL) {
		truth_call_conference(held->tc, eng_wall(e), dev->number, parties, (size_t)n,
		    active_copy);
		truth_call_kind(held->tc, eng_kind_now(held));
	}
	snprintf(out->call_id, sizeof(out->call_id), "%s", held->id);
	for (int i = 0; i < n && i < ENG_EV_PARTIES; i++)
		snprintf(out->ext[out->n++], sizeof(out->ext[0]), "%s", parties[i]);
	return eng_done(e, 0);
}
