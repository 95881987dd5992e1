/* backoff_test.c - the watchdog's restart backoff: 1 s doubling to the cap, reset after a
 * stable run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "watchdog.h"

static void
test_doubles_to_cap(void **state)
{
	int expect[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
	int d = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		d = wd_backoff_next(d, 500, 60, 60);
		assert_int_equal(d, expect[i]);
	}
}

static void
test_resets_after_stable_run(void **state)
{
	(void)state;
	assert_int_equal(wd_backoff_next(32, 59999, 60, 60), 60);
	assert_int_equal(wd_backoff_next(32, 60000, 60, 60), 1);
	assert_int_equal(wd_backoff_next(60, 3600 * 1000, 60, 60), 1);
}

static void
test_other_caps(void **state)
{
	(void)state;
	assert_int_equal(wd_backoff_next(4, 0, 60, 5), 5);
	assert_int_equal(wd_backoff_next(0, 0, 60, 1), 1);
	assert_int_equal(wd_backoff_next(1, 0, 60, 3), 2);
	assert_int_equal(wd_backoff_next(2, 0, 60, 3), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles_to_cap),
		cmocka_unit_test(test_resets_after_stable_run),
		cmocka_unit_test(test_other_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
