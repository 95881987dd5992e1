/*
 * runner.c - runs a scenario (from a file or the load generator) on the loop's clock, and
 * runs single actions for the control socket.
 *
 * Entry points: runner_new/stop/free from main.c and pbxsim.c; runner_kick from pbxsim.c
 * after every engine operation; runner_exec from here and from control.c.
 *
 * Time: the scenario starts when the first OAI session completes its start-up (its first
 * full resync, _RR or RR: its monitors are set by then) (or at once with
 * --now); action k runs at start + at_k / speed.  Actions due together run in file order in
 * one timer callback.  `answer any` on a call that rings nowhere yet (it is queued) waits:
 * it is kept in a list and retried after every engine operation, on a zero timer so the
 * engine is never re-entered.  A failed action (answering where nothing rings, a busy
 * trunk...) is logged with its line and the run goes on, as a PBX refuses a user's key.
 *
 * Actions map onto the same engine functions the OAI commands use: `answer 1001 c1` is
 * engine_answer, as _AC would be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pbxsim.h"

struct waiting {                 /* an `answer any` waiting for its call to ring */
	char id[ENG_ID_MAX];
	char label[SCN_LABEL_MAX];
	int line;
};

struct runner {
	struct pbxsim *p;
	struct scenario *scn;
	char (*ids)[ENG_ID_MAX];  /* Call_ID of each scenario call */
	size_t next;              /* next action */
	bool started, finished, stopped;
	uint64_t t0;              /* uv_now at the start */
	uv_timer_t timer, retry;
	struct waiting *wait;
	size_t nwait, capwait;
	uint64_t actions, failed;
};

static const char *
label_of(const struct scenario *scn, int call)
{
	return call >= 0 && (size_t)call < scn->ncalls ? scn->calls[call].label : "?";
}

/* Who acts: a number, or a role resolved in the call now. */
static const char *
who(struct pbxsim *p, const char *id, const struct scn_action *a, char *err, size_t errlen)
{
	const char *dev = engine_resolve(p->eng, id, a->party, a->dev);

	if (dev == NULL)
		snprintf(err, errlen, "%s has no %s now", id, scn_party_name(a->party));
	return dev;
}

int
runner_exec(struct pbxsim *p, const struct scenario *scn, const struct scn_action *a,
    char (*ids)[ENG_ID_MAX], char id[ENG_ID_MAX], bool *pending, char *err, size_t errlen)
{
	const char *call = a->call >= 0 ? ids[a->call] : "";
	const char *dev = NULL;
	int rc = 0;

	id[0] = '\0';
	err[0] = '\0';
	*pending = false;
	if (a->call >= 0 && a->verb != SCN_CALL && a->verb != SCN_INBOUND &&
	    a->verb != SCN_CONSULT) {
		if (*call == '\0') {
			snprintf(err, errlen, "call %s was never made", label_of(scn, a->call));
			return -1;
		}
		snprintf(id, ENG_ID_MAX, "%s", call);
		if (!engine_has_call(p->eng, call)) {
			snprintf(err, errlen, "call %s (%s) has ended", label_of(scn, a->call),
			    call);
			return OAI_OUTCOME_INVALID_CALL_IDENTIFIER;
		}
	}
	switch (a->verb) {
	case SCN_CALL: {
		struct eng_call_req r = { .from = a->dev, .digits = a->digits,
			.account = a->account, .label = label_of(scn, a->call) };
		rc = engine_call(p->eng, &r, id);
		break;
	}
	case SCN_INBOUND: {
		struct eng_inbound_req r = { .trunk = a->dev, .ddi = a->digits, .cli = a->cli,
			.name = a->name, .label = label_of(scn, a->call) };
		rc = engine_inbound(p->eng, &r, id);
		break;
	}
	case SCN_CONSULT: {
		const char *held = a->other >= 0 ? ids[a->other] : "";
		struct eng_call_req r = { .digits = a->digits, .account = a->account,
			.label = label_of(scn, a->call), .consult_of = held };
		if (*held == '\0' || !engine_has_call(p->eng, held)) {
			snprintf(err, errlen, "call %s is not up", label_of(scn, a->other));
			return OAI_OUTCOME_INVALID_CALL_IDENTIFIER;
		}
		if ((r.from = who(p, held, a, err, errlen)) == NULL)
			return -1;
		rc = engine_call(p->eng, &r, id);
		break;
	}
	case SCN_ANSWER:
		dev = engine_resolve(p->eng, call, a->party, a->dev);
		if (dev == NULL && a->party == SCN_PARTY_ANY) {
			*pending = true; /* queued: answered when it rings */
			return 0;
		}
		if (dev == NULL) {
			snprintf(err, errlen, "%s has no %s now", call, scn_party_name(a->party));
			return -1;
		}
		rc = engine_answer(p->eng, dev, call);
		break;
	case SCN_HANGUP:
		if ((dev = who(p, call, a, err, errlen)) == NULL)
			return -1;
		rc = engine_hangup(p->eng, dev, call, false);
		break;
	case SCN_ABANDON: {
		struct scn_action c = *a;
		c.party = SCN_PARTY_CALLER;
		if ((dev = who(p, call, &c, err, errlen)) == NULL)
			return -1;
		rc = engine_hangup(p->eng, dev, call, false);
		break;
	}
	case SCN_HOLD:
		if ((dev = who(p, call, a, err, errlen)) == NULL)
			return -1;
		rc = engine_hold(p->eng, dev, call, OAI_CAUSE_HOLD_INDIVIDUAL);
		break;
	case SCN_RETRIEVE:
		if ((dev = who(p, call, a, err, errlen)) == NULL)
			return -1;
		rc = engine_retrieve(p->eng, dev, call);
		break;
	case SCN_TRANSFER: {
		struct eng_xfer x;
		if ((dev = who(p, call, a, err, errlen)) == NULL)
			return -1;
		if (a->digits[0] != '\0')
			rc = engine_transfer_blind(p->eng, dev, call, a->digits, &x);
		else
			rc = engine_transfer(p->eng, dev, call, a->other >= 0 ? ids[a->other] : "",
			    &x);
		break;
	}
	case SCN_CONFERENCE: {
		struct eng_conf x;
		if ((dev = who(p, call, a, err, errlen)) == NULL)
			return -1;
		rc = engine_conference(p->eng, dev, call, a->other >= 0 ? ids[a->other] : "", &x);
		break;
	}
	case SCN_DND:
		rc = engine_dnd(p->eng, a->dev, a->on, a->dnd_msg, a->text);
		break;
	case SCN_FORWARD:
		rc = engine_forward(p->eng, a->dev, a->fwd, a->digits);
		break;
	case SCN_AGENT:
		rc = engine_agent(p->eng, a->dev, a->agent_op, a->station);
		break;
	case SCN_DROP_LINK:
		server_drop_link(p->srv, (int64_t)((double)a->dur / p->speed));
		pbxsim_truth_link(p, "drop", a->dur);
		break;
	case SCN_RESTART:
		server_restart(p->srv);
		pbxsim_truth_link(p, "restart", 0);
		break;
	case SCN_GARBAGE:
		server_garbage(p->srv, a->garbage);
		pbxsim_truth_link(p, "garbage", 0);
		break;
	case SCN_STALL:
		server_stall(p->srv, (int64_t)((double)a->dur / p->speed));
		pbxsim_truth_link(p, "stall", a->dur);
		break;
	case SCN_END:
	default:
		break;
	}
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "%s", engine_error(p->eng));
	return rc;
}

/* ---- the scenario ----------------------------------------------------------------------- */

static void run_due(uv_timer_t *t);

static void
wait_add(struct runner *r, const char *id, const struct scn_action *a)
{
	if (r->nwait == r->capwait) {
		size_t cap = r->capwait ? r->capwait * 2 : 16;
		void *n = realloc(r->wait, cap * sizeof(*r->wait));
		if (n == NULL)
			return;
		r->wait = n;
		r->capwait = cap;
	}
	snprintf(r->wait[r->nwait].id, ENG_ID_MAX, "%s", id);
	snprintf(r->wait[r->nwait].label, SCN_LABEL_MAX, "%s", label_of(r->scn, a->call));
	r->wait[r->nwait].line = a->line;
	r->nwait++;
}

static void
finish(struct runner *r, const char *why)
{
	if (r->finished)
		return;
	r->finished = true;
	hs_log_info("runner.done", "actions=%llu failed=%llu waiting=%zu reason=%s",
	    (unsigned long long)r->actions, (unsigned long long)r->failed, r->nwait,
	    hs_logq(why));
	if (r->p->exit_when_done)
		pbxsim_stop(r->p, "the scenario is done (-E)");
}

static void
run_one(struct runner *r, const struct scn_action *a)
{
	char id[ENG_ID_MAX], err[ENG_ERR_MAX];
	bool pending;
	int rc;

	r->actions++;
	hs_log_debug("runner.action", "line=%d verb=%s call=%s", a->line, scn_verb_name(a->verb),
	    hs_logq(a->call >= 0 ? label_of(r->scn, a->call) : ""));
	rc = runner_exec(r->p, r->scn, a, r->ids, id, &pending, err, sizeof(err));
	if (rc != 0) {
		r->failed++;
		hs_log_warn("runner.refused", "scenario=%s line=%d verb=%s call=%s outcome=%d "
		    "reason=%s", hs_logq(r->scn->name), a->line, scn_verb_name(a->verb),
		    hs_logq(a->call >= 0 ? label_of(r->scn, a->call) : ""), rc, hs_logq(err));
		return;
	}
	if ((a->verb == SCN_CALL || a->verb == SCN_INBOUND || a->verb == SCN_CONSULT) &&
	    a->call >= 0)
		snprintf(r->ids[a->call], ENG_ID_MAX, "%s", id);
	if (pending)
		wait_add(r, id, a);
	if (a->verb == SCN_END)
		finish(r, "end");
}

static void
schedule(struct runner *r)
{
	uint64_t due, now;

	if (r->stopped || r->finished)
		return;
	if (r->next >= r->scn->nactions) {
		finish(r, "no more actions");
		return;
	}
	due = r->t0 + (uint64_t)((double)r->scn->actions[r->next].at / r->p->speed);
	now = uv_now(r->p->uv);
	uv_timer_start(&r->timer, run_due, due > now ? due - now : 0, 0);
}

static void
run_due(uv_timer_t *t)
{
	struct runner *r = t->data;
	uint64_t now = uv_now(r->p->uv);

	while (!r->stopped && !r->finished && r->next < r->scn->nactions &&
	    r->t0 + (uint64_t)((double)r->scn->actions[r->next].at / r->p->speed) <= now)
		run_one(r, &r->scn->actions[r->next++]);
	schedule(r);
}

static void
start(void *arg)
{
	struct runner *r = arg;

	if (r->started || r->scn == NULL || r->stopped)
		return;
	r->started = true;
	r->t0 = uv_now(r->p->uv);
	hs_log_info("runner.start", "scenario=%s actions=%zu calls=%zu speed=%g",
	    hs_logq(r->scn->name), r->scn->nactions, r->scn->ncalls, r->p->speed);
	schedule(r);
}

static void
retry_cb(uv_timer_t *t)
{
	struct runner *r = t->data;

	for (size_t i = 0; i < r->nwait && !r->stopped;) {
		struct waiting w = r->wait[i];
		const char *dev;
		int rc;

		if (!engine_has_call(r->p->eng, w.id)) {
			hs_log_warn("runner.refused", "line=%d verb=answer call=%s reason=%s",
			    w.line, hs_logq(w.label),
			    hs_logq("the call ended before it rang anywhere"));
			r->failed++;
			r->wait[i] = r->wait[--r->nwait];
			continue;
		}
		if ((dev = engine_resolve(r->p->eng, w.id, SCN_PARTY_ANY, NULL)) == NULL) {
			i++;
			continue;
		}
		r->wait[i] = r->wait[--r->nwait];
		/* answering changes the engine: the next kick runs the rest */
		if ((rc = engine_answer(r->p->eng, dev, w.id)) != 0) {
			r->failed++;
			hs_log_warn("runner.refused", "line=%d verb=answer call=%s outcome=%d "
			    "reason=%s", w.line, hs_logq(w.label), rc,
			    hs_logq(engine_error(r->p->eng)));
		}
		return;
	}
}

void
runner_kick(struct runner *r)
{
	if (r != NULL && r->nwait > 0 && !r->stopped)
		uv_timer_start(&r->retry, retry_cb, 0, 0);
}

struct runner *
runner_new(struct pbxsim *p, struct scenario *scn, bool now)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->p = p;
	r->scn = scn;
	if (scn != NULL && (r->ids = calloc(scn->ncalls ? scn->ncalls : 1, sizeof(*r->ids))) ==
	    NULL) {
		free(r);
		return NULL;
	}
	uv_timer_init(p->uv, &r->timer);
	uv_timer_init(p->uv, &r->retry);
	r->timer.data = r->retry.data = r;
	if (scn != NULL) {
		if (now)
			start(r);
		else
			server_on_first_ready(p->srv, start, r);
	}
	return r;
}

void
runner_wait_answer(struct runner *r, const char *id, const char *label)
{
	struct scn_action a = { .call = -1 };

	if (r == NULL)
		return;
	wait_add(r, id, &a);
	snprintf(r->wait[r->nwait - 1].label, SCN_LABEL_MAX, "%s", label);
}

void
runner_stop(struct runner *r)
{
	if (r == NULL || r->stopped)
		return;
	r->stopped = true;
	uv_close((uv_handle_t *)&r->timer, NULL);
	uv_close((uv_handle_t *)&r->retry, NULL);
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	scenario_free(r->scn);
	free(r->ids);
	free(r->wait);
	free(r);
}

uint64_t
runner_actions(const struct runner *r, uint64_t *failed)
{
	*failed = r != NULL ? r->failed : 0;
	return r != NULL ? r->actions : 0;
}
