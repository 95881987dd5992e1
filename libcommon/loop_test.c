/* loop_test.c - the service loop: signals stop it once, leftovers are reported. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log.h"
#include "loop.h"

struct ctx {
	hs_loop *loop;
	uv_timer_t work, kick;
	int stops, last_signal;
};

static void
on_stop(void *arg, int signum)
{
	struct ctx *c = arg;

	c->stops++;
	c->last_signal = signum;
	/* What a service does: close its handles, stop listening for signals. */
	uv_close((uv_handle_t *)&c->work, NULL);
	hs_loop_unwatch_signals(c->loop);
}

static void
work_cb(uv_timer_t *t)
{
	(void)t;
}

static void
kick_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;

	raise(SIGTERM);
	raise(SIGINT); /* a second signal while stopping is ignored */
	uv_close((uv_handle_t *)&c->kick, NULL);
}

static void
test_sigterm_stops_once_and_loop_closes_clean(void **state)
{
	struct ctx c = { 0 };

	(void)state;
	assert_int_equal(hs_loop_init(&c.loop, on_stop, &c), HS_OK);
	uv_timer_init(hs_loop_uv(c.loop), &c.work);
	uv_timer_start(&c.work, work_cb, 10, 10); /* would run forever */
	uv_timer_init(hs_loop_uv(c.loop), &c.kick);
	c.kick.data = &c;
	uv_timer_start(&c.kick, kick_cb, 20, 0);
	hs_loop_run(c.loop);
	assert_int_equal(c.stops, 1);
	assert_int_equal(c.last_signal, SIGTERM);
	assert_int_equal(hs_loop_close(c.loop), 0);
}

static void
test_leftover_handle_is_reported(void **state)
{
	hs_loop *l;
	uv_timer_t forgotten;

	(void)state;
	assert_int_equal(hs_loop_init(&l, NULL, NULL), HS_OK);
	uv_timer_init(hs_loop_uv(l), &forgotten);
	uv_timer_start(&forgotten, work_cb, 1000, 1000);
	/* hs_loop_close closes it, but says so: a leak is a failure. */
	assert_int_not_equal(hs_loop_close(l), 0);
}

static void
test_clocks(void **state)
{
	long long m1 = hs_mono_ms(), w = hs_now_ms(), m2;

	(void)state;
	assert_true(w > 1700000000000LL); /* after 2023 */
	m2 = hs_mono_ms();
	assert_true(m2 >= m1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm_stops_once_and_loop_closes_clean),
		cmocka_unit_test(test_leftover_handle_is_reported),
		cmocka_unit_test(test_clocks),
	};

	hs_log_set_level(HS_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
