/*
 * pbxsim.c - the wiring of a running simulator: the engine's callbacks (events to the
 * server, the engine timer, the runner's retries), the truth file's link records, and the
 * clean stop that lets the loop run out.
 *
 * Clocks: the engine's monotonic clock is the loop's (uv_now), so engine deadlines and the
 * loop timer agree; truth times are the wall clock (hs_now_ms).
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
	};

	if ((p->eng = engine_new(p->site, &ops, p)) == NULL)
		return HS_ENOMEM;
	engine_set_speed(p->eng, p->speed);
	engine_set_truth(p->eng, p->truth);
	uv_timer_init(p->uv, &p->eng_timer);
	p->eng_timer.data = p;
	p->eng_timer_init = true;
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
	engine_free(p->eng);
	p->srv = NULL;
	p->ctl = NULL;
	p->run = NULL;
	p->eng = NULL;
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
