/*
 * loop.c - the per-service libuv loop and its signal handling.
 *
 * The first SIGTERM or SIGINT runs the service's stop callback once; the callback closes the
 * service's handles and the loop runs out by itself.  hs_loop_close() then reports any handle
 * somebody forgot, closes it, and returns uv_loop_close()'s verdict.
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "loop.h"

struct hs_loop {
	uv_loop_t uv;
	uv_signal_t sigterm, sigint;
	int watching;
	int stopping;
	hs_loop_stop_cb on_stop;
	void *arg;
};

static void
loop_on_signal(uv_signal_t *h, int signum)
{
	hs_loop *l = h->data;

	if (l->stopping) {
		hs_log_info("loop.signal", "signal=%d note=%s", signum,
		    hs_logq("already stopping"));
		return;
	}
	l->stopping = 1;
	hs_log_info("loop.stop", "signal=%d", signum);
	if (l->on_stop != NULL)
		l->on_stop(l->arg, signum);
}

hs_err
hs_loop_init(hs_loop **lp, hs_loop_stop_cb on_stop, void *arg)
{
	hs_loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return HS_ENOMEM;
	if (uv_loop_init(&l->uv) != 0) {
		free(l);
		return HS_EIO;
	}
	l->on_stop = on_stop;
	l->arg = arg;
	uv_signal_init(&l->uv, &l->sigterm);
	uv_signal_init(&l->uv, &l->sigint);
	l->sigterm.data = l->sigint.data = l;
	uv_signal_start(&l->sigterm, loop_on_signal, SIGTERM);
	uv_signal_start(&l->sigint, loop_on_signal, SIGINT);
	l->watching = 1;
	/* A peer that goes away must not kill us on write. */
	signal(SIGPIPE, SIG_IGN);
	*lp = l;
	return HS_OK;
}

uv_loop_t *
hs_loop_uv(hs_loop *l)
{
	return &l->uv;
}

int
hs_loop_run(hs_loop *l)
{
	return uv_run(&l->uv, UV_RUN_DEFAULT);
}

void
hs_loop_unwatch_signals(hs_loop *l)
{
	if (!l->watching)
		return;
	l->watching = 0;
	uv_close((uv_handle_t *)&l->sigterm, NULL);
	uv_close((uv_handle_t *)&l->sigint, NULL);
}

static void
loop_close_leftover(uv_handle_t *h, void *arg)
{
	int *n = arg;

	if (uv_is_closing(h))
		return;
	hs_log_warn("loop.leftover", "handle=%s", uv_handle_type_name(uv_handle_get_type(h)));
	(*n)++;
	uv_close(h, NULL);
}

int
hs_loop_close(hs_loop *l)
{
	int leftovers = 0, rv;

	hs_loop_unwatch_signals(l);
	uv_run(&l->uv, UV_RUN_NOWAIT);
	uv_walk(&l->uv, loop_close_leftover, &leftovers);
	uv_run(&l->uv, UV_RUN_DEFAULT);
	rv = uv_loop_close(&l->uv);
	if (rv != 0)
		hs_log_error("loop.close", "err=%s", hs_logq(uv_strerror(rv)));
	free(l);
	return rv != 0 ? rv : leftovers;
}

long long
hs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
hs_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
