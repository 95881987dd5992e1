/*
 * err_test.c - unit tests of the error vocabulary (err.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "err.h"

static void
names_and_texts(void **state)
{
	(void)state;
	assert_int_equal(HS_OK, 0);
	assert_string_equal(hs_err_name(HS_OK), "OK");
	assert_string_equal(hs_err_name(HS_EBUSY), "EBUSY");
	assert_string_equal(hs_err_name(HS_EINTERNAL), "EINTERNAL");
	assert_string_equal(hs_strerror(HS_OK), "success");
	assert_string_equal(hs_strerror(HS_EBUSY), "busy");
	assert_string_equal(hs_strerror(HS_ECONFIG), "configuration error");
}

static void
out_of_range_codes(void **state)
{
	(void)state;
	assert_string_equal(hs_err_name(-1), "EUNKNOWN");
	assert_string_equal(hs_err_name(HS__ERR_COUNT), "EUNKNOWN");
	assert_string_equal(hs_strerror(-1), "unknown error");
	assert_string_equal(hs_strerror(HS__ERR_COUNT), "unknown error");
}

/* Every code has a distinct name that parses back to it, and a text. */
static void
every_name_round_trips(void **state)
{
	(void)state;
	for (int i = 0; i < HS__ERR_COUNT; i++) {
		assert_int_equal(hs_err_from_name(hs_err_name(i)), i);
		assert_true(strlen(hs_strerror(i)) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(hs_err_name(i), hs_err_name(j));
	}
}

static void
from_name_unknown(void **state)
{
	(void)state;
	assert_int_equal(hs_err_from_name("ENOPE"), HS_EINTERNAL);
	assert_int_equal(hs_err_from_name("ebusy"), HS_EINTERNAL);
	assert_int_equal(hs_err_from_name(""), HS_EINTERNAL);
	assert_int_equal(hs_err_from_name(NULL), HS_EINTERNAL);
}

static void
from_errno(void **state)
{
	(void)state;
	assert_int_equal(hs_err_from_errno(0), HS_OK);
	assert_int_equal(hs_err_from_errno(EINVAL), HS_EINVAL);
	assert_int_equal(hs_err_from_errno(ENOMEM), HS_ENOMEM);
	assert_int_equal(hs_err_from_errno(ENOENT), HS_ENOTFOUND);
	assert_int_equal(hs_err_from_errno(EEXIST), HS_EEXIST);
	assert_int_equal(hs_err_from_errno(EBUSY), HS_EBUSY);
	assert_int_equal(hs_err_from_errno(EAGAIN), HS_EBUSY);
	assert_int_equal(hs_err_from_errno(ETIMEDOUT), HS_ETIMEDOUT);
	assert_int_equal(hs_err_from_errno(ECANCELED), HS_ECANCELED);
	assert_int_equal(hs_err_from_errno(EPERM), HS_EPERM);
	assert_int_equal(hs_err_from_errno(EACCES), HS_EPERM);
	assert_int_equal(hs_err_from_errno(ECONNREFUSED), HS_ECONNREFUSED);
	assert_int_equal(hs_err_from_errno(ENOTSUP), HS_ENOTSUP);
	assert_int_equal(hs_err_from_errno(EIO), HS_EIO);
	assert_int_equal(hs_err_from_errno(ENOSPC), HS_EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_and_texts),
		cmocka_unit_test(out_of_range_codes),
		cmocka_unit_test(every_name_round_trips),
		cmocka_unit_test(from_name_unknown),
		cmocka_unit_test(from_errno),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
