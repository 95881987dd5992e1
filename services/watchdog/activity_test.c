/*
 * activity_test.c - "Check database activity": parsing the three settings, whether a time is
 * inside working hours (and since when), and the alert decision.
 *
 * The functions work in local time; each test sets TZ so the dates below mean what they say.
 * 2026-11-23 is a Monday.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "watchdog.h"

#define MON 0x02u
#define MON_FRI 0x3Eu
#define ALL_DAYS 0x7Fu

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Epoch seconds of a UTC date and time in November 2026 (TZ=UTC: also local time). */
static time_t
nov(int day, int h, int m, int s)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = day, .tm_hour = h,
		.tm_min = m, .tm_sec = s };

	return timegm(&tm);
}

static struct wd_activity_cfg
cfg_of(double minutes, const char *hours, unsigned days)
{
	struct wd_activity_cfg c = { .threshold_s = minutes * 60, .days = days };
	char err[160];

	assert_int_equal(wd_hours_parse(hours, &c.from_min, &c.to_min, err, sizeof(err)), HS_OK);
	return c;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static void
test_threshold_parse(void **state)
{
	const char *bad[] = { "", " 5", "5 ", "abc", "-1", "1e3", "inf", "nan", "0x10", "1.2.3",
		".", "1441", "99999", NULL };
	char err[160];
	double v = -1;

	(void)state;
	assert_int_equal(wd_threshold_parse("0", &v, err, sizeof(err)), HS_OK);
	assert_true(v == 0);
	assert_int_equal(wd_threshold_parse("30", &v, err, sizeof(err)), HS_OK);
	assert_true(v == 30);
	assert_int_equal(wd_threshold_parse("0.05", &v, err, sizeof(err)), HS_OK);
	assert_true(v == 0.05);
	assert_int_equal(wd_threshold_parse(".5", &v, err, sizeof(err)), HS_OK);
	assert_true(v == 0.5);
	assert_int_equal(wd_threshold_parse("1440", &v, err, sizeof(err)), HS_OK);
	assert_true(v == 1440);
	for (int i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		v = 7;
		if (wd_threshold_parse(bad[i], &v, err, sizeof(err)) != HS_EINVAL)
			fail_msg("threshold '%s' accepted", bad[i]);
		assert_true(v == 7);
		assert_true(err[0] != '\0');
	}
	wd_threshold_parse("1441", &v, err, sizeof(err));
	assert_non_null(strstr(err, "more than a day"));
}

static void
test_hours_parse(void **state)
{
	const char *bad[] = { "", "08:00", "8-18", "08:00-", "-18:00", "08:60-18:00",
		"25:00-26:00", "24:00-08:00", "08:00-24:01", "08:00-18:00x", "123:00-18:00",
		"08:0-18:00", "08:00-08:00", "00:00-00:00", "08.00-18.00", NULL };
	char err[160];
	int from = -1, to = -1;

	(void)state;
	assert_int_equal(wd_hours_parse("08:00-18:00", &from, &to, err, sizeof(err)), HS_OK);
	assert_int_equal(from, 480);
	assert_int_equal(to, 1080);
	assert_int_equal(wd_hours_parse(" 8:30 - 17:45 ", &from, &to, err, sizeof(err)), HS_OK);
	assert_int_equal(from, 510);
	assert_int_equal(to, 1065);
	assert_int_equal(wd_hours_parse("00:00-24:00", &from, &to, err, sizeof(err)), HS_OK);
	assert_int_equal(from, 0);
	assert_int_equal(to, 1440);
	assert_int_equal(wd_hours_parse("00:00-23:59", &from, &to, err, sizeof(err)), HS_OK);
	assert_int_equal(to, 1439);
	/* Past midnight: from > to. */
	assert_int_equal(wd_hours_parse("22:00-06:00", &from, &to, err, sizeof(err)), HS_OK);
	assert_int_equal(from, 1320);
	assert_int_equal(to, 360);
	for (int i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		from = to = 7;
		if (wd_hours_parse(bad[i], &from, &to, err, sizeof(err)) != HS_EINVAL)
			fail_msg("working hours '%s' accepted", bad[i]);
		assert_int_equal(from, 7);
		assert_int_equal(to, 7);
		assert_true(err[0] != '\0');
	}
	wd_hours_parse("00:00-00:00", &from, &to, err, sizeof(err));
	assert_non_null(strstr(err, "00:00-24:00"));
}

static void
test_days_parse_and_format(void **state)
{
	char err[160], buf[64];
	unsigned d = 99;

	(void)state;
	assert_int_equal(wd_days_parse("mon,tue,wed,thu,fri", &d, err, sizeof(err)), HS_OK);
	assert_int_equal(d, MON_FRI);
	assert_int_equal(wd_days_parse("Sat, SUN", &d, err, sizeof(err)), HS_OK);
	assert_int_equal(d, 0x41);
	assert_int_equal(wd_days_parse("mon,,fri,", &d, err, sizeof(err)), HS_OK);
	assert_int_equal(d, 0x22);
	assert_int_equal(wd_days_parse("sun,mon,tue,wed,thu,fri,sat", &d, err, sizeof(err)),
	    HS_OK);
	assert_int_equal(d, ALL_DAYS);
	/* No working day at all is a choice, not an error: the check then never alerts. */
	assert_int_equal(wd_days_parse("", &d, err, sizeof(err)), HS_OK);
	assert_int_equal(d, 0);

	d = 99;
	assert_int_equal(wd_days_parse("mon,monday", &d, err, sizeof(err)), HS_EINVAL);
	assert_non_null(strstr(err, "'monday'"));
	assert_int_equal(d, 99);
	assert_int_equal(wd_days_parse("mon;tue", &d, err, sizeof(err)), HS_EINVAL);
	assert_int_equal(wd_days_parse("1,2", &d, err, sizeof(err)), HS_EINVAL);

	wd_days_format(MON_FRI, buf, sizeof(buf));
	assert_string_equal(buf, "mon,tue,wed,thu,fri");
	wd_days_format(ALL_DAYS, buf, sizeof(buf));
	assert_string_equal(buf, "mon,tue,wed,thu,fri,sat,sun");
	wd_days_format(0x41, buf, sizeof(buf));
	assert_string_equal(buf, "sat,sun");
	wd_days_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
}

/* ---- working hours ------------------------------------------------------------------------ */

static void
test_working_period_office_hours(void **state)
{
	struct wd_activity_cfg c;
	time_t start = 0;

	(void)state;
	set_tz("UTC");
	c = cfg_of(30, "08:00-18:00", MON_FRI);
	assert_false(wd_working_period(&c, nov(25, 7, 59, 59), &start));
	assert_true(wd_working_period(&c, nov(25, 8, 0, 0), &start));
	assert_true(start == nov(25, 8, 0, 0));
	assert_true(wd_working_period(&c, nov(25, 17, 59, 59), &start));
	assert_true(start == nov(25, 8, 0, 0));
	assert_false(wd_working_period(&c, nov(25, 18, 0, 0), &start));
	assert_false(wd_working_period(&c, nov(28, 10, 0, 0), &start)); /* Saturday */
	assert_false(wd_working_period(&c, nov(29, 10, 0, 0), &start)); /* Sunday */
	assert_true(wd_working_period(&c, nov(27, 10, 0, 0), NULL));    /* Friday */

	c = cfg_of(30, "00:00-23:59", ALL_DAYS);
	assert_true(wd_working_period(&c, nov(28, 0, 0, 0), &start));
	assert_true(start == nov(28, 0, 0, 0));
	assert_false(wd_working_period(&c, nov(28, 23, 59, 0), &start));

	/* Round the clock: consecutive working days are one period. */
	c = cfg_of(30, "00:00-24:00", MON_FRI);
	assert_true(wd_working_period(&c, nov(23, 0, 0, 0), &start)); /* Monday */
	assert_true(start == nov(23, 0, 0, 0));
	assert_true(wd_working_period(&c, nov(27, 23, 59, 59), &start)); /* Friday */
	assert_true(start == nov(23, 0, 0, 0));
	assert_false(wd_working_period(&c, nov(28, 0, 0, 0), &start));
	c = cfg_of(30, "00:00-24:00", ALL_DAYS);
	assert_true(wd_working_period(&c, nov(28, 0, 0, 1), &start));
	assert_true(start == nov(22, 0, 0, 0)); /* a week at most */

	c = cfg_of(30, "08:00-18:00", 0);
	assert_false(wd_working_period(&c, nov(25, 10, 0, 0), &start));
}

static void
test_working_period_past_midnight(void **state)
{
	struct wd_activity_cfg c;
	time_t start = 0;

	(void)state;
	set_tz("UTC");
	/* A night shift that starts on Mondays only. */
	c = cfg_of(60, "22:00-06:00", MON);
	assert_false(wd_working_period(&c, nov(23, 21, 59, 0), &start));
	assert_true(wd_working_period(&c, nov(23, 22, 0, 0), &start));
	assert_true(start == nov(23, 22, 0, 0));
	/* Tuesday morning belongs to Monday's period. */
	assert_true(wd_working_period(&c, nov(24, 5, 59, 0), &start));
	assert_true(start == nov(23, 22, 0, 0));
	assert_false(wd_working_period(&c, nov(24, 6, 0, 0), &start));
	assert_false(wd_working_period(&c, nov(24, 23, 0, 0), &start)); /* Tuesday evening */
	assert_false(wd_working_period(&c, nov(23, 3, 0, 0), &start));  /* Sunday's night */
	/* Across the end of the month: Monday 30 November into Tuesday 1 December. */
	assert_true(wd_working_period(&c, nov(31, 2, 0, 0), &start));
	assert_true(start == nov(30, 22, 0, 0));
}

static void
test_working_period_is_local_time(void **state)
{
	struct wd_activity_cfg c;
	time_t start = 0;

	(void)state;
	/* One hour east of UTC, no DST rules: 08:00 local is 07:00 UTC. */
	set_tz("XYZ-1");
	c = cfg_of(30, "08:00-18:00", MON_FRI);
	assert_false(wd_working_period(&c, nov(25, 6, 59, 0), &start));
	assert_true(wd_working_period(&c, nov(25, 7, 0, 0), &start));
	assert_true(start == nov(25, 7, 0, 0));
	assert_false(wd_working_period(&c, nov(25, 17, 0, 0), &start));
	/* Saturday 00:30 local is still Friday in UTC: local time decides. */
	c = cfg_of(30, "00:00-24:00", MON_FRI);
	assert_false(wd_working_period(&c, nov(27, 23, 30, 0), &start));
	set_tz("UTC");
}

/* ---- the decision ------------------------------------------------------------------------- */

static void
test_should_alert_office_hours(void **state)
{
	struct wd_activity_cfg c;

	(void)state;
	set_tz("UTC");
	c = cfg_of(30, "08:00-18:00", MON_FRI);
	/* No call ever: only once the period has run for the threshold. */
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 8, 20, 0), false, 0));
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 8, 29, 59), false, 0));
	assert_true(wd_activity_should_alert(&c, (double)nov(25, 8, 30, 0), false, 0));
	/* A quiet night: the last call was yesterday evening, but the office just opened. */
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 8, 10, 0), true,
	    (double)nov(24, 17, 59, 0)));
	assert_true(wd_activity_should_alert(&c, (double)nov(25, 8, 40, 0), true,
	    (double)nov(24, 17, 59, 0)));
	/* Recent calls keep it quiet; the newest older than the threshold does not. */
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 8, 40, 0), true,
	    (double)nov(25, 8, 15, 0)));
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 8, 40, 0), true,
	    (double)nov(25, 8, 10, 0))); /* exactly the threshold: not older */
	assert_true(wd_activity_should_alert(&c, (double)nov(25, 8, 40, 0), true,
	    (double)nov(25, 8, 9, 59)));
	/* A call stamped in the future (clock skew between servers) counts as recent. */
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 12, 0, 0), true,
	    (double)nov(25, 12, 5, 0)));
	/* Outside working hours or days: never. */
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 18, 30, 0), false, 0));
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 7, 0, 0), false, 0));
	assert_false(wd_activity_should_alert(&c, (double)nov(28, 12, 0, 0), false, 0));
	/* Off. */
	c.threshold_s = 0;
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 12, 0, 0), false, 0));
}

static void
test_should_alert_seconds_and_nights(void **state)
{
	struct wd_activity_cfg c;
	double now;

	(void)state;
	set_tz("UTC");
	/* 0.05 min = 3 s, the system test's threshold, with sub-second call times. */
	c = cfg_of(0.05, "00:00-24:00", ALL_DAYS);
	now = (double)nov(25, 12, 0, 0) + 0.5;
	assert_false(wd_activity_should_alert(&c, now, true, now - 2.5));
	assert_true(wd_activity_should_alert(&c, now, true, now - 3.25));
	assert_true(wd_activity_should_alert(&c, now, false, 0));
	/* Round the clock every day: midnight changes nothing. */
	assert_true(wd_activity_should_alert(&c, (double)nov(25, 0, 0, 1), false, 0));
	/* Wednesdays only: three seconds after midnight the period has only just begun. */
	c.days = 0x08;
	assert_false(wd_activity_should_alert(&c, (double)nov(25, 0, 0, 2), false, 0));
	assert_true(wd_activity_should_alert(&c, (double)nov(25, 0, 0, 3), false, 0));
	assert_false(wd_activity_should_alert(&c, (double)nov(26, 0, 0, 3), false, 0));

	c = cfg_of(60, "22:00-06:00", MON);
	assert_false(wd_activity_should_alert(&c, (double)nov(23, 22, 30, 0), false, 0));
	assert_true(wd_activity_should_alert(&c, (double)nov(24, 1, 0, 0), false, 0));
	assert_true(wd_activity_should_alert(&c, (double)nov(24, 1, 0, 0), true,
	    (double)nov(23, 23, 59, 0)));
	assert_false(wd_activity_should_alert(&c, (double)nov(24, 1, 0, 0), true,
	    (double)nov(24, 0, 30, 0)));
	assert_false(wd_activity_should_alert(&c, (double)nov(24, 7, 0, 0), false, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_parse),
		cmocka_unit_test(test_hours_parse),
		cmocka_unit_test(test_days_parse_and_format),
		cmocka_unit_test(test_working_period_office_hours),
		cmocka_unit_test(test_working_period_past_midnight),
		cmocka_unit_test(test_working_period_is_local_time),
		cmocka_unit_test(test_should_alert_office_hours),
		cmocka_unit_test(test_should_alert_seconds_and_nights),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
