/*
 * calls_test.c - `hookswitchctl calls`: time arguments (ISO-8601, local dates, words,
 * relative), the options and their usage errors, the request bodies and the plain list.
 *
 * Local time is pinned with a POSIX TZ string (no tzdata needed): Central European time,
 * so local dates sit an hour (winter) or two (summer) off UTC and the DST change of
 * 2026-03-29 falls between "yesterday" and "today" in one test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calls.h"

#define CET "CET-1CEST,M3.5.0,M10.5.0/3"
#define NOW_NOV 1795620600000LL /* 2026-11-25T15:30:00Z, 16:30 CET */
#define NOW_MAR 1774864800000LL /* 2026-03-30T10:00:00Z, 12:00 CEST, the day after DST began */

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Parses s with "now" = now and checks the ISO UTC string it becomes. */
static void
check_time(const char *s, long long now, const char *want)
{
	char err[256] = "", iso[CTL_ISO_LEN];
	long long ms = -1;

	if (ctl_time_parse(s, now, &ms, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	ctl_time_iso(ms, iso, sizeof(iso));
	if (strcmp(iso, want) != 0)
		fail_msg("'%s' gave %s, want %s", s, iso, want);
}

static void
check_bad_time(const char *s)
{
	char err[256] = "";
	long long ms;

	if (ctl_time_parse(s, NOW_NOV, &ms, err, sizeof(err)) == 0)
		fail_msg("'%s' accepted", s);
	assert_true(err[0] != '\0');
}

static void
test_iso_with_zone(void **state)
{
	(void)state;
	set_tz(CET); /* an explicit zone must not depend on the local one */
	check_time("2026-11-25T09:00:00Z", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25t09:00:00z", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25T09:00Z", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25T10:00:00+01:00", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25T10:00:00+0100", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25T10:00:00+01", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25T04:00:00-05:00", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-25T14:30:00+05:30", 0, "2026-11-25T09:00:00Z");
	check_time("2026-11-26T00:30:00+01:00", 0, "2026-11-25T23:30:00Z");
	/* As PostgreSQL writes timestamptz: a space, fewer or more fraction digits */
	check_time("2026-11-25 09:00:00.25+00", 0, "2026-11-25T09:00:00.250Z");
	check_time("2026-11-25T09:00:00.123456+00:00", 0, "2026-11-25T09:00:00.123Z");
	check_time("2026-11-25T09:00:00,5Z", 0, "2026-11-25T09:00:00.500Z");
	check_time("2028-02-29T00:00:00Z", 0, "2028-02-29T00:00:00Z");
	check_time("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z");
}

static void
test_iso_local(void **state)
{
	(void)state;
	set_tz(CET);
	check_time("2026-11-25 09:00", 0, "2026-11-25T08:00:00Z");
	check_time("2026-11-25T09:00", 0, "2026-11-25T08:00:00Z");
	check_time("2026-11-25 09:00:30", 0, "2026-11-25T08:00:30Z");
	check_time("2026-07-01 09:00", 0, "2026-07-01T07:00:00Z"); /* summer time */
	check_time("2026-11-25", 0, "2026-11-24T23:00:00Z");       /* local midnight */
	check_time("2026-03-29", 0, "2026-03-28T23:00:00Z");       /* before the change */
	check_time("2026-03-30", 0, "2026-03-29T22:00:00Z");       /* after it */
	set_tz("UTC0");
	check_time("2026-11-25", 0, "2026-11-25T00:00:00Z");
}

static void
test_words(void **state)
{
	(void)state;
	set_tz(CET);
	check_time("now", NOW_NOV, "2026-11-25T15:30:00Z");
	check_time("NOW", NOW_NOV, "2026-11-25T15:30:00Z");
	check_time("today", NOW_NOV, "2026-11-24T23:00:00Z");
	check_time("yesterday", NOW_NOV, "2026-11-23T23:00:00Z");
	check_time("tomorrow", NOW_NOV, "2026-11-25T23:00:00Z");
	/* Across the DST change a day is 23 hours: midnights, not now - 24 h */
	check_time("today", NOW_MAR, "2026-03-29T22:00:00Z");
	check_time("yesterday", NOW_MAR, "2026-03-28T23:00:00Z");
	/* Just after local midnight the local day is already the next UTC one's */
	check_time("today", 1795647600000LL /* 2026-11-25T23:00:00Z */, "2026-11-25T23:00:00Z");
	set_tz("UTC0");
	check_time("today", NOW_NOV, "2026-11-25T00:00:00Z");
}

static void
test_relative(void **state)
{
	(void)state;
	set_tz(CET);
	check_time("-2h", NOW_NOV, "2026-11-25T13:30:00Z");
	check_time("-30m", NOW_NOV, "2026-11-25T15:00:00Z");
	check_time("-1d", NOW_NOV, "2026-11-24T15:30:00Z");
	check_time("-45s", NOW_NOV, "2026-11-25T15:29:15Z");
	check_time("-1w", NOW_NOV, "2026-11-18T15:30:00Z");
	check_time("+1h", NOW_NOV, "2026-11-25T16:30:00Z");
	check_time("-1h30m", NOW_NOV, "2026-11-25T14:00:00Z");
	check_time("-0m", NOW_NOV, "2026-11-25T15:30:00Z");
}

static void
test_bad_times(void **state)
{
	static const char *const bad[] = {
		"", " ", "x", "todayy", "2026", "2026-11", "2026-11-5", "26-11-25", "11/25/2026",
		"2026-11-25X", "2026-11-25T", "2026-11-25T09", "2026-11-25T9:00", "2026-11-25 09:0",
		"2026-11-25T09:00:00.", "2026-11-25T09:00:00.Z", "2026-11-25T09:00:00+1",
		"2026-11-25T09:00:00+01:", "2026-11-25T09:00:00+01:0", "2026-11-25T09:00:00Z ",
		"2026-11-25T09:00:00ZZ", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31",
		"2026-02-29", "2100-02-29", "2026-11-25T24:00", "2026-11-25T09:60",
		"2026-11-25T09:00:60", "2026-11-25T09:00:00+24:00", "2026-11-25T09:00:00+01:60",
		"1969-12-31T23:59:59Z", "-", "+", "-h", "-2", "-2x", "-2h-1m", "--2h", "- 2h",
		"-99999999999d", "+999999999w",
	};

	(void)state;
	set_tz(CET);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad_time(bad[i]);
}

static void
test_error_names_the_forms(void **state)
{
	char err[256];
	long long ms;

	(void)state;
	assert_int_equal(ctl_time_parse("lastweek", NOW_NOV, &ms, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'lastweek'"));
	assert_non_null(strstr(err, "yesterday"));
	assert_int_equal(ctl_time_parse("-2y", NOW_NOV, &ms, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "s, m, h, d or w"));
}

static void
test_mmss(void **state)
{
	static const struct {
		long long ms;
		const char *want;
	} cases[] = {
		{ 0, "0:00" }, { 999, "0:00" }, { 5000, "0:05" }, { 59999, "0:59" },
		{ 60000, "1:00" }, { 151000, "2:31" }, { 3602000, "60:02" }, { -1, "-" },
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctl_mmss(cases[i].ms, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
}

/* ---- options ------------------------------------------------------------------------ */

/* Parses a space-separated option line; returns calls_parse_opts()'s result. */
static int
parse_line(const char *line, int list, struct calls_opts *o, char *err, size_t errlen)
{
	static char buf[512];
	char *argv[32], *save, *w;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w != NULL && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	err[0] = '\0';
	return calls_parse_opts(argc, argv, list, NOW_NOV, o, err, errlen);
}

/* The line must be refused with a message containing want (the option's name). */
static void
check_usage(const char *line, int list, const char *want)
{
	struct calls_opts o;
	char err[320];

	if (parse_line(line, list, &o, err, sizeof(err)) == 0)
		fail_msg("'%s' accepted", line);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': error '%s' does not say '%s'", line, err, want);
}

static void
test_opts_list(void **state)
{
	struct calls_opts o;
	char err[320];
	cJSON *b;
	char *s;

	(void)state;
	set_tz(CET);
	assert_int_equal(parse_line("--from today --to now --device 1000 --limit 50", 1, &o, err,
	    sizeof(err)), 0);
	assert_string_equal(o.from, "2026-11-24T23:00:00Z");
	assert_string_equal(o.to, "2026-11-25T15:30:00Z");
	assert_string_equal(o.device, "1000");
	assert_int_equal(o.limit, 50);
	b = calls_body(&o, 1);
	s = cJSON_PrintUnformatted(b);
	assert_string_equal(s, "{\"from\":\"2026-11-24T23:00:00Z\",\"to\":\"2026-11-25T15:30:00Z\","
	    "\"limit\":50,\"device\":\"1000\"}");
	free(s);
	cJSON_Delete(b);

	/* --opt=value, any order, relative values that look like options */
	assert_int_equal(parse_line("--to=-1h --from -2h", 1, &o, err, sizeof(err)), 0);
	assert_string_equal(o.from, "2026-11-25T13:30:00Z");
	assert_string_equal(o.to, "2026-11-25T14:30:00Z");
	assert_null(o.device);
	assert_int_equal(o.limit, 0);
	b = calls_body(&o, 1);
	s = cJSON_PrintUnformatted(b);
	assert_string_equal(s, "{\"from\":\"2026-11-25T13:30:00Z\",\"to\":\"2026-11-25T14:30:00Z\"}");
	free(s);
	cJSON_Delete(b);

	/* list: --to defaults to now */
	assert_int_equal(parse_line("--from yesterday", 1, &o, err, sizeof(err)), 0);
	assert_string_equal(o.to, "2026-11-25T15:30:00Z");
	assert_int_equal(parse_line("--from 2026-11-25T09:00:00Z --to 2026-11-25T10:00:00Z "
	    "--limit 10000 --device *#12", 1, &o, err, sizeof(err)), 0);
	assert_int_equal(o.limit, 10000);
	assert_string_equal(o.device, "*#12");
}

static void
test_opts_rebuild(void **state)
{
	struct calls_opts o;
	char err[320];
	cJSON *b;
	char *s;

	(void)state;
	set_tz(CET);
	assert_int_equal(parse_line("--from 2026-11-25 --to 2026-11-26", 0, &o, err,
	    sizeof(err)), 0);
	b = calls_body(&o, 0);
	s = cJSON_PrintUnformatted(b);
	assert_string_equal(s, "{\"from\":\"2026-11-24T23:00:00Z\",\"to\":\"2026-11-25T23:00:00Z\"}");
	free(s);
	cJSON_Delete(b);
	check_usage("--from today", 0, "--to is required");
	check_usage("--from today --to now --device 1000", 0, "unknown option '--device'");
	check_usage("--from today --to now --limit 5", 0, "unknown option '--limit'");
}

static void
test_opts_usage_errors(void **state)
{
	(void)state;
	set_tz(CET);
	check_usage("", 1, "--from is required");
	check_usage("--to now", 1, "--from is required");
	check_usage("--from", 1, "--from needs a value");
	check_usage("--from today --to", 1, "--to needs a value");
	check_usage("--from tuesday", 1, "--from: 'tuesday' is not a time");
	check_usage("--from today --to 2026-11-31", 1, "--to:");
	check_usage("--from= --to now", 1, "--from:");
	check_usage("--from now --to today", 1, "--from (2026-11-25T15:30:00Z) must be before --to");
	check_usage("--from now --to now", 1, "must be before");
	check_usage("--from today --from now", 1, "--from given twice");
	check_usage("--from today --limit 0", 1, "--limit must be a number from 1 to 10000");
	check_usage("--from today --limit 10001", 1, "--limit");
	check_usage("--from today --limit -5", 1, "--limit");
	check_usage("--from today --limit +5", 1, "--limit");
	check_usage("--from today --limit 10x", 1, "--limit");
	check_usage("--from today --limit abc", 1, "--limit");
	check_usage("--from today --limit 99999999999999999999", 1, "--limit");
	check_usage("--from today --device 10a0", 1, "--device: '10a0' is not a device number");
	check_usage("--from today --device=", 1, "--device");
	check_usage("--from today --device 123456789012345678901234567890123", 1, "--device");
	check_usage("--from today --dev 1000", 1, "unknown option '--dev'");
	check_usage("--from today --fromx now", 1, "unknown option '--fromx'");
	check_usage("--from today 1000", 1, "unexpected argument '1000'");
	check_usage("--from today --json", 1, "global options go before");
	check_usage("-s 2 --from today", 1, "global options go before");
}

/* ---- output ------------------------------------------------------------------------- */

/* The example of proto/bus.md's calls.list, shortened to the columns the list shows. */
static const char reply_body[] =
    "{\"calls\":[{\"call_id\":1099511628818,\"pbx_call_id\":\"4711\",\"state\":\"ended\","
    "\"call_type\":\"external\",\"direction\":\"in\",\"conference\":false,"
    "\"start_ts\":\"2026-11-25T09:00:00.250Z\",\"ring_ms\":5000,\"talk_ms\":136000,"
    "\"hold_ms\":10000,\"segment_count\":2,\"answered\":true,\"lost\":false,"
    "\"originator\":\"97001\",\"cli\":\"6025551212\",\"answering_ext\":\"1000\","
    "\"first_rang_ext\":\"1000\",\"end_reason\":\"normal\",\"incomplete\":false,"
    "\"segments\":["
    "{\"rec_id\":1099511628818,\"segment_no\":1,\"pbx_call_id\":\"4711\",\"consult\":false,"
    "\"state\":\"ended\",\"ring_ms\":5000,\"talk_ms\":60000,\"hold_ms\":10000,"
    "\"target\":\"1000\",\"hunt_group\":\"2000\",\"answering_ext\":\"1000\","
    "\"answering_agent\":\"3001\",\"transferred_to\":\"1001\",\"end_event\":\"TR\","
    "\"end_cause\":32,\"end_cause_text\":\"Transfer\",\"parties\":[],\"holds\":[]},"
    "{\"rec_id\":\"1099511628900\",\"segment_no\":2,\"pbx_call_id\":\"4711\","
    "\"consult\":false,\"state\":\"ended\",\"ring_ms\":0,\"talk_ms\":76000,\"hold_ms\":0,"
    "\"target\":\"1001\",\"answering_ext\":\"1001\",\"transferred_from\":\"1000\","
    "\"end_event\":\"XC\",\"end_cause\":36,\"end_cause_text\":\"Normal Clear\","
    "\"parties\":[],\"holds\":[]}]},"
    "{\"call_id\":1099511629000,\"pbx_call_id\":\"4720\",\"state\":\"ringing\","
    "\"call_type\":\"internal\",\"direction\":\"na\",\"start_ts\":\"2026-11-25T09:10:00Z\","
    "\"ring_ms\":3000,\"talk_ms\":0,\"hold_ms\":0,\"segment_count\":1,\"answered\":false,"
    "\"lost\":false,\"originator\":\"1002\",\"answering_ext\":null,"
    "\"first_rang_ext\":\"1003\",\"end_reason\":null,\"segments\":[{\"rec_id\":1099511629000,"
    "\"segment_no\":1,\"pbx_call_id\":\"4720\",\"state\":\"ringing\",\"ring_ms\":3000,"
    "\"talk_ms\":0,\"hold_ms\":0,\"target\":\"1003\"}]}],"
    "\"truncated\":false}";

static char *
print_to_string(void (*fn)(FILE *, const cJSON *), const char *json)
{
	cJSON *body = cJSON_Parse(json);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(body);
	assert_non_null(f);
	fn(f, body);
	fclose(f);
	cJSON_Delete(body);
	return out;
}

/* Each line of want must be in out, in that order. */
static void
check_output(const char *out, const char *const *want)
{
	const char *p = out;

	for (int i = 0; want[i] != NULL; i++) {
		const char *q = strstr(p, want[i]);
		if (q == NULL)
			fail_msg("output lacks '%s' (after position %zu):\n%s", want[i],
			    (size_t)(p - out), out);
		p = q + strlen(want[i]);
	}
}

static void
test_print_list(void **state)
{
	static const char *const want[] = {
		"START", "LOGICAL CALL", "FROM -> TO", "END\n",
		"2026-11-25 09:00:00  1099511628818   4711   external in  97001 -> 1000",
		"ended", "answered", "0:05", "2:16", "0:10", "2  normal\n",
		"    1. rec 1099511628818  call 4711  to 1000  answered by 1000 (agent 3001)"
		"  hunt group 2000  ring 0:05 talk 1:00 hold 0:10  transferred to 1001"
		"  end TR Transfer (32)\n",
		"    2. rec 1099511628900  call 4711  to 1001  answered by 1001"
		"  ring 0:00 talk 1:16 hold 0:00  transferred from 1000  end XC Normal Clear (36)\n",
		"2026-11-25 09:10:00  1099511629000   4720   internal     1002 -> 1003",
		"ringing", "unanswered", "0:03", "1  -\n",
		"    1. rec 1099511629000  call 4720  to 1003  ring 0:03 talk 0:00 hold 0:00  ringing\n",
		"2 calls\n",
		NULL,
	};
	char *out;

	(void)state;
	set_tz("UTC0");
	out = print_to_string(calls_print, reply_body);
	check_output(out, want);
	free(out);
}

static void
test_print_empty_and_truncated(void **state)
{
	char *out;

	(void)state;
	out = print_to_string(calls_print, "{\"calls\":[],\"truncated\":false}");
	assert_string_equal(out, "0 calls\n");
	free(out);
	out = print_to_string(calls_print, "{}");
	assert_string_equal(out, "0 calls\n");
	free(out);
	out = print_to_string(calls_print,
	    "{\"calls\":[{\"call_id\":1,\"start_ts\":\"garbage\"}],\"truncated\":true}");
	check_output(out, (const char *const[]){ "garbage", "1 call, truncated", NULL });
	free(out);
}

static void
test_print_rebuild(void **state)
{
	char *out;

	(void)state;
	out = print_to_string(calls_print_rebuild,
	    "{\"calls_deleted\":118,\"calls_built\":120,\"events\":2875}");
	assert_string_equal(out, "rebuilt 120 calls from 2875 events (118 deleted)\n");
	free(out);
	out = print_to_string(calls_print_rebuild,
	    "{\"calls_deleted\":0,\"calls_built\":1,\"events\":1}");
	assert_string_equal(out, "rebuilt 1 call from 1 event (0 deleted)\n");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_with_zone),
		cmocka_unit_test(test_iso_local),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_error_names_the_forms),
		cmocka_unit_test(test_mmss),
		cmocka_unit_test(test_opts_list),
		cmocka_unit_test(test_opts_rebuild),
		cmocka_unit_test(test_opts_usage_errors),
		cmocka_unit_test(test_print_list),
		cmocka_unit_test(test_print_empty_and_truncated),
		cmocka_unit_test(test_print_rebuild),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
