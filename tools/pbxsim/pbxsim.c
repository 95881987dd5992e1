/*
 * pbxsim.c - the wiring of a running simulator: the engine's callbacks (events to the
 * server, the engine timer, the runner's retries), the truth file's link records, and the
 * clean stop that lets the loop run out.
 *
 * Clocks: the engine's monotonic clock is the loop's (uv_now), so engine deadlines and the
 * loop timer agree; truth times are the wall clock (hs_now_ms).
 *
 * Record-A-Call: a station leaving a call (ops.left) ends its legs in sipvm; each finished
 * leg comes back on this thread (on_rac_done) and becomes a "rac" truth line.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pbxsim.h"

static void
on_emit(void *arg, const struct eng_event *ev)
{
	struct pbxsim *p = arg;

	server_emit(p->srv, ev);
}

static int64_t
on_now(void *arg)
{
	struct pbxsim *p = arg;

	return (int64_t)uv_now(p->uv);
}

static void
on_left(void *arg, const char *id, const char *dev)
{
	struct pbxsim *p = arg;

	sipvm_left(p->vm, id, dev);
}

static void
on_rac_done(void *arg, const struct sipvm_result *r)
{
	struct pbxsim *p = arg;
	struct truth_rac t = {
		.call = r->call,
		.extension = r->extension,
		.sip_call_id = r->sip_call_id[0] != '\0' ? r->sip_call_id : NULL,
		.invoked = r->invoked,
		.answered = r->answered,
		.ended = r->ended,
		.status = r->status,
		.sip_status = r->sip_status,
		.packets = r->packets,
		.samples = r->samples,
	};

	hs_log_info("rac.leg_end", "call=%s extension=%s sip_call_id=%s status=%s sip_status=%d "
	    "why=%s packets=%llu samples=%llu max_late_us=%lld", hs_logq(r->call),
	    hs_logq(r->extension), hs_logq(r->sip_call_id), r->status, r->sip_status,
	    hs_logq(r->why != NULL ? r->why : ""), (unsigned long long)r->packets,
	    (unsigned long long)r->samples, (long long)r->max_late_us);
	if (p->truth != NULL)
		truth_rac(p->truth, &t);
}

static int64_t
on_wall(void *arg)
{
	(void)arg;
	return hs_now_ms();
}

static void
eng_timer_cb(uv_timer_t *t)
{
	struct pbxsim *p = t->data;

	engine_run_timers(p->eng); /* calls on_changed, which re-arms */
}

static void
on_changed(void *arg)
{
	struct pbxsim *p = arg;
	int64_t at, now;

	if (p->stopping || !p->eng_timer_init)
		return;
	at = engine_next_deadline(p->eng);
	now = (int64_t)uv_now(p->uv);
	if (at == INT64_MAX)
		uv_timer_stop(&p->eng_timer);
	else
		uv_timer_start(&p->eng_timer, eng_timer_cb, (uint64_t)(at > now ? at - now : 0), 0);
	if (p->run != NULL)
		runner_kick(p->run);
}

hs_err
pbxsim_init(struct pbxsim *p)
{
	struct engine_ops ops = {
		.emit = on_emit,
		.changed = on_changed,
		.now = on_now,
		.wall = on_wall,
		.left = on_left,
	};
	char err[300];

	if ((p->eng = engine_new(p->site, &ops, p)) == NULL)
		return HS_ENOMEM;
	engine_set_speed(p->eng, p->speed);
	engine_set_truth(p->eng, p->truth);
	uv_timer_init(p->uv, &p->eng_timer);
	p->eng_timer.data = p;
	p->eng_timer_init = true;
	if (p->site->rac.enabled) {
		if (sipvm_start(&p->vm, p->uv, &p->site->rac, on_rac_done, p, err, sizeof(err)) !=
		    0) {
			hs_log_error("rac.start_failed", "peer=%s error=%s", hs_logq(p->site->rac.peer),
			    hs_logq(err));
			return HS_EIO;
		}
		hs_log_info("rac.ready", "extension=%s peer=%s codec=%s auth=%s",
		    hs_logq(p->site->rac.extension), hs_logq(p->site->rac.peer),
		    site_rac_codec_name(p->site->rac.codec),
		    p->site->rac.username[0] != '\0' ? "yes" : "no");
	}
	return HS_OK;
}

void
pbxsim_stop(struct pbxsim *p, const char *why)
{
	if (p->stopping)
		return;
	p->stopping = true;
	hs_log_info("pbxsim.stop", "reason=%s", hs_logq(why));
	server_stop(p->srv);
	control_stop(p->ctl);
	runner_stop(p->run);
	sipvm_stop(p->vm); /* BYE to every leg; the loop runs until their results are in */
	if (p->eng_timer_init) {
		p->eng_timer_init = false;
		uv_close((uv_handle_t *)&p->eng_timer, NULL);
	}
	hs_loop_unwatch_signals(p->loop);
}

void
pbxsim_fini(struct pbxsim *p)
{
	server_free(p->srv);
	control_free(p->ctl);
	runner_free(p->run);
	sipvm_free(p->vm);
	engine_free(p->eng);
	p->srv = NULL;
	p->ctl = NULL;
	p->run = NULL;
	p->eng = NULL;
	p->vm = NULL;
}

void
pbxsim_truth_link(struct pbxsim *p, const char *what, int64_t dur_ms)
{
	struct truth_event ev = {
		.at = hs_now_ms(),
		.type = TRUTH_EV_LINK,
		.what = what,
		.dur = dur_ms,
	};

	if (p->truth != NULL)
		truth_event(p->truth, &ev);
}
