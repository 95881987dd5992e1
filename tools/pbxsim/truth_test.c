/*
 * truth_test.c - unit tests of the ground-truth writer (truth.c): the worked call of
 * oai.md §7.3 written and parsed back with cJSON, non-call records, unfinished calls at
 * close, escaping, and write errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "truth.h"

#define T0 1764086400000LL /* 2025-11-25T16:00:00Z, in epoch ms */

struct out {
	char *buf;
	size_t len;
	FILE *fp;
};

static truth *
open_mem(struct out *o, const char *scenario)
{
	struct truth_meta meta = {.at = T0, .site = "small", .scenario = scenario};
	truth *t;

	o->buf = NULL;
	o->len = 0;
	o->fp = open_memstream(&o->buf, &o->len);
	assert_non_null(o->fp);
	assert_int_equal(truth_open_stream(&t, o->fp, false, &meta), HS_OK);
	return t;
}

/* Splits the written text into parsed lines; every line must be one JSON object. */
static size_t
parse_lines(struct out *o, cJSON **lines, size_t max)
{
	size_t n = 0;
	char *p;

	fflush(o->fp);
	for (p = o->buf; p != NULL && *p != '\0' && n < max;) {
		char *nl = strchr(p, '\n');
		assert_non_null(nl); /* every record ends its line */
		*nl = '\0';
		lines[n] = cJSON_Parse(p);
		if (lines[n] == NULL)
			fail_msg("not JSON: %s", p);
		assert_true(cJSON_IsObject(lines[n]));
		n++;
		p = nl + 1;
	}
	return n;
}

static void
free_lines(struct out *o, cJSON **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(lines[i]);
	fclose(o->fp);
	free(o->buf);
}

static const char *
str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		fail_msg("no key %s", key);
	return cJSON_IsNull(v) ? NULL : cJSON_GetStringValue(v);
}

static double
num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v))
		fail_msg("key %s is not a number", key);
	return cJSON_GetNumberValue(v);
}

static bool
is_null(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return v != NULL && cJSON_IsNull(v);
}

/* ---- the worked call -------------------------------------------------------------------- */

/*
 * oai.md §7.3: an outside call to the MAIN LINE DDI rings 1000, is answered, held and
 * retrieved, announced to 1001 (consult call 4712), transferred while 1001 rings, answered
 * there and cleared by the caller.
 */
static void
worked_call(void **state)
{
	struct out o;
	truth *t = open_mem(&o, "oai_7_3.scn");
	struct truth_call_info info = {.id = "4711", .label = "c1", .kind = TRUTH_INBOUND};
	struct truth_call_info cinfo = {.id = "4712", .label = "c1.1", .parent = "4711",
	    .kind = TRUTH_INTERNAL};
	truth_call *c, *k;
	cJSON *lines[16], *call, *consult, *evs;
	size_t n;

	(void)state;
	info.fields[TRUTH_F_CALLER] = "97001";
	info.fields[TRUTH_F_DIALLED] = "01632960300";
	info.fields[TRUTH_F_TRUNK] = "97001";
	info.fields[TRUTH_F_DDI] = "01632960300";
	info.fields[TRUTH_F_DDI_NAME] = "MAIN LINE";
	info.fields[TRUTH_F_CLI] = "07700900123";
	info.fields[TRUTH_F_CLI_NAME] = "SMITH JOHN";
	c = truth_call_begin(t, T0, &info);
	assert_non_null(c);
	assert_int_equal(truth_active(t), 1);
	assert_int_equal(truth_call_ring(c, T0, "1000", NULL), HS_OK);
	assert_int_equal(truth_call_answer(c, T0 + 4000, "1000", NULL), HS_OK);
	assert_int_equal(truth_call_hold(c, T0 + 10000, "1000", TRUTH_HOLD_INDIVIDUAL), HS_OK);
	assert_int_equal(truth_call_retrieve(c, T0 + 15000, "1000"), HS_OK);
	assert_int_equal(truth_call_hold(c, T0 + 20000, "1000", TRUTH_HOLD_TRANSFER), HS_OK);
	cinfo.fields[TRUTH_F_CALLER] = "1000";
	cinfo.fields[TRUTH_F_DIALLED] = "1001";
	k = truth_call_begin(t, T0 + 20000, &cinfo);
	assert_int_equal(truth_call_ring(k, T0 + 20100, "1001", NULL), HS_OK);
	assert_int_equal(truth_call_transfer(c, T0 + 23000, TRUTH_XFER_RING, "1000", "97001",
	    "1001", "4712"), HS_OK);
	assert_int_equal(truth_call_end(k, T0 + 23000, "1000", TRUTH_CAUSE_TRANSFERRED), HS_OK);
	assert_int_equal(truth_call_ring(c, T0 + 23000, "1001", NULL), HS_OK);
	assert_int_equal(truth_call_answer(c, T0 + 28000, "1001", NULL), HS_OK);
	assert_int_equal(truth_call_end(c, T0 + 90000, "97001", TRUTH_CAUSE_NORMAL), HS_OK);
	assert_int_equal(truth_active(t), 0);
	assert_int_equal(truth_close(t, T0 + 100000), HS_OK);

	n = parse_lines(&o, lines, 16);
	assert_int_equal(n, 4);
	assert_string_equal(str(lines[0], "rec"), "start");
	assert_int_equal(num(lines[0], "schema"), TRUTH_SCHEMA);
	assert_true(num(lines[0], "at") == (double)T0);
	assert_string_equal(str(lines[0], "site"), "small");
	assert_string_equal(str(lines[0], "scenario"), "oai_7_3.scn");
	assert_true(is_null(lines[0], "seed"));

	consult = lines[1]; /* written at its end, which comes first */
	assert_string_equal(str(consult, "rec"), "call");
	assert_string_equal(str(consult, "id"), "4712");
	assert_string_equal(str(consult, "parent"), "4711");
	assert_string_equal(str(consult, "kind"), "internal");
	assert_string_equal(str(consult, "cause"), "transferred");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(consult, "answered")));
	assert_int_equal(num(consult, "seq"), 2);

	call = lines[2];
	assert_int_equal(num(call, "seq"), 1);
	assert_string_equal(str(call, "id"), "4711");
	assert_string_equal(str(call, "label"), "c1");
	assert_true(is_null(call, "parent"));
	assert_string_equal(str(call, "kind"), "inbound");
	assert_string_equal(str(call, "initial_kind"), "inbound");
	assert_string_equal(str(call, "caller"), "97001");
	assert_string_equal(str(call, "ddi"), "01632960300");
	assert_string_equal(str(call, "ddi_name"), "MAIN LINE");
	assert_string_equal(str(call, "cli"), "07700900123");
	assert_string_equal(str(call, "cli_name"), "SMITH JOHN");
	assert_true(is_null(call, "account"));
	assert_true(is_null(call, "huntgroup"));
	assert_true(is_null(call, "outside"));
	assert_true(num(call, "begin") == (double)T0);
	assert_true(num(call, "ring") == (double)T0);
	assert_true(num(call, "answer") == (double)(T0 + 4000));
	assert_string_equal(str(call, "answered_by"), "1000");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(call, "answered")));
	assert_true(num(call, "end") == (double)(T0 + 90000));
	assert_string_equal(str(call, "cleared_by"), "97001");
	assert_string_equal(str(call, "cause"), "normal");
	assert_int_equal(num(call, "hold_ms"), 5000 + 3000); /* the transfer ends the 2nd hold */

	static const char *const kinds[] = {"ring", "answer", "hold", "retrieve", "hold",
		"transfer", "ring", "answer"};
	evs = cJSON_GetObjectItem(call, "events");
	assert_int_equal(cJSON_GetArraySize(evs), 8);
	for (int i = 0; i < 8; i++)
		assert_string_equal(str(cJSON_GetArrayItem(evs, i), "ev"), kinds[i]);
	cJSON *x = cJSON_GetArrayItem(evs, 5);
	assert_string_equal(str(x, "type"), "ring");
	assert_string_equal(str(x, "by"), "1000");
	assert_string_equal(str(x, "party"), "97001");
	assert_string_equal(str(x, "to"), "1001");
	assert_string_equal(str(x, "consult"), "4712");
	assert_true(num(x, "at") == (double)(T0 + 23000));
	assert_string_equal(str(cJSON_GetArrayItem(evs, 4), "kind"), "transfer");

	assert_string_equal(str(lines[3], "rec"), "stop");
	assert_int_equal(num(lines[3], "calls"), 2);
	assert_int_equal(num(lines[3], "events"), 0);
	free_lines(&o, lines, n);
}

/* An outbound call through a hunt group-less path: fields set after begin. */
static void
fields_set_later(void **state)
{
	struct out o;
	truth *t = open_mem(&o, NULL);
	struct truth_call_info info = {.id = "9", .label = "c3", .kind = TRUTH_OUTBOUND};
	truth_call *c;
	cJSON *lines[4];
	size_t n;

	(void)state;
	info.fields[TRUTH_F_CALLER] = "1002";
	info.fields[TRUTH_F_DIALLED] = "907700900999";
	c = truth_call_begin(t, T0, &info);
	truth_call_set(c, TRUTH_F_OUTSIDE, "07700900999");
	truth_call_set(c, TRUTH_F_ACCOUNT, "1234");
	truth_call_set(c, TRUTH_F_TRUNK, "97004");
	truth_call_set(c, TRUTH_F_ACCOUNT, "4321"); /* a later set wins */
	truth_call_join(c, T0 + 100, "97004");
	truth_call_answer(c, T0 + 7000, "97004", NULL);
	truth_call_kind(c, TRUTH_TRUNK_TO_TRUNK);
	truth_call_leave(c, T0 + 9000, "1002");
	assert_int_equal(truth_call_set(c, TRUTH_F_COUNT, "x"), HS_EINVAL);
	truth_call_end(c, T0 + 95000, "97004", TRUTH_CAUSE_NORMAL);
	assert_int_equal(truth_close(t, T0 + 96000), HS_OK);
	n = parse_lines(&o, lines, 4);
	assert_int_equal(n, 3);
	assert_string_equal(str(lines[1], "outside"), "07700900999");
	assert_string_equal(str(lines[1], "account"), "4321");
	assert_string_equal(str(lines[1], "trunk"), "97004");
	assert_string_equal(str(lines[1], "kind"), "trunk-to-trunk");
	assert_string_equal(str(lines[1], "initial_kind"), "outbound");
	assert_true(is_null(lines[1], "label") == false);
	free_lines(&o, lines, n);
}

/* A hunt-group call: queue, ring with the group, answer by an agent, a conference. */
static void
group_and_conference(void **state)
{
	struct out o;
	truth *t = open_mem(&o, NULL);
	struct truth_call_info info = {.id = "77", .kind = TRUTH_INBOUND};
	static const char *const parties[] = {"1010", "1002", "97002"};
	truth_call *c;
	cJSON *lines[4], *evs;
	size_t n;

	(void)state;
	c = truth_call_begin(t, T0, &info);
	truth_call_queue(c, T0 + 100, "2000", 1);
	truth_call_ring(c, T0 + 9000, "1010", "2000");
	truth_call_divert(c, T0 + 24000, "1010", "1011", TRUTH_DIVERT_HUNT);
	truth_call_ring(c, T0 + 24000, "1011", "2000");
	truth_call_answer(c, T0 + 27000, "1011", "3002");
	truth_call_conference(c, T0 + 60000, "1011", parties, 3, "78");
	truth_call_hold(c, T0 + 61000, "1011", TRUTH_HOLD_SYSTEM);
	truth_call_retrieve(c, T0 + 64000, "1002"); /* picked up elsewhere: the hold ends */
	truth_call_end(c, T0 + 120000, "1011", TRUTH_CAUSE_NORMAL);
	assert_int_equal(truth_close(t, T0 + 130000), HS_OK);
	n = parse_lines(&o, lines, 4);
	assert_string_equal(str(lines[1], "huntgroup"), "2000");
	assert_string_equal(str(lines[1], "agent"), "3002");
	assert_true(num(lines[1], "ring") == (double)(T0 + 9000));
	assert_int_equal(num(lines[1], "hold_ms"), 3000);
	assert_true(is_null(lines[1], "id") == false);
	evs = cJSON_GetObjectItem(lines[1], "events");
	assert_string_equal(str(cJSON_GetArrayItem(evs, 0), "ev"), "queue");
	assert_int_equal(num(cJSON_GetArrayItem(evs, 0), "position"), 1);
	assert_string_equal(str(cJSON_GetArrayItem(evs, 1), "group"), "2000");
	assert_string_equal(str(cJSON_GetArrayItem(evs, 2), "reason"), "hunt");
	assert_string_equal(str(cJSON_GetArrayItem(evs, 4), "agent"), "3002");
	cJSON *conf = cJSON_GetArrayItem(evs, 5);
	assert_string_equal(str(conf, "ev"), "conference");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(conf, "parties")), 3);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(conf, "parties"), 2)), "97002");
	assert_string_equal(str(conf, "merged"), "78");
	free_lines(&o, lines, n);
}

/* ---- other records ---------------------------------------------------------------------- */

static void
events(void **state)
{
	struct out o;
	truth *t = open_mem(&o, NULL);
	cJSON *lines[8];
	size_t n;

	(void)state;
	assert_int_equal(truth_event(t, &(struct truth_event){.at = T0, .type = TRUTH_EV_DND,
	    .dev = "1003", .on = true, .dnd_msg = 4, .text = "AT LUNCH UNTIL",
	    .dnd_text = "BACK AT 2"}), HS_OK);
	truth_event(t, &(struct truth_event){.at = T0 + 1, .type = TRUTH_EV_DND, .dev = "1003"});
	truth_event(t, &(struct truth_event){.at = T0 + 2, .type = TRUTH_EV_FORWARD,
	    .dev = "1004", .fwd = SITE_FWD_ALL, .dest = "2500"});
	truth_event(t, &(struct truth_event){.at = T0 + 3, .type = TRUTH_EV_FORWARD,
	    .dev = "1004", .fwd = SITE_FWD_OFF, .dest = "2500"});
	truth_event(t, &(struct truth_event){.at = T0 + 4, .type = TRUTH_EV_AGENT,
	    .agent = "3001", .dev = "1010", .state = SITE_AGENT_WRAPUP, .group = "2000"});
	truth_event(t, &(struct truth_event){.at = T0 + 5, .type = TRUTH_EV_LINK,
	    .what = "stall", .dur = 70000});
	assert_int_equal(truth_event(t, NULL), HS_EINVAL);
	assert_int_equal(truth_close(t, T0 + 6), HS_OK);
	n = parse_lines(&o, lines, 8);
	assert_int_equal(n, 8);
	assert_string_equal(str(lines[1], "rec"), "event");
	assert_string_equal(str(lines[1], "type"), "dnd");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(lines[1], "on")));
	assert_int_equal(num(lines[1], "message"), 4);
	assert_string_equal(str(lines[1], "text"), "AT LUNCH UNTIL");
	assert_string_equal(str(lines[1], "dnd_text"), "BACK AT 2");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(lines[2], "on")));
	assert_null(cJSON_GetObjectItem(lines[2], "message"));
	assert_string_equal(str(lines[3], "fwd"), "all");
	assert_string_equal(str(lines[3], "dest"), "2500");
	assert_string_equal(str(lines[4], "fwd"), "off");
	assert_true(is_null(lines[4], "dest"));
	assert_string_equal(str(lines[5], "state"), "wrapup");
	assert_string_equal(str(lines[5], "agent"), "3001");
	assert_string_equal(str(lines[6], "what"), "stall");
	assert_int_equal(num(lines[6], "dur_ms"), 70000);
	assert_int_equal(num(lines[7], "events"), 6);
	free_lines(&o, lines, n);
}

/* A clean shutdown writes calls still up, as "unfinished", before the stop line. */
static void
unfinished_at_close(void **state)
{
	struct out o;
	truth *t = open_mem(&o, NULL);
	struct truth_call_info info = {.id = "1", .kind = TRUTH_INTERNAL};
	cJSON *lines[8];
	size_t n;

	(void)state;
	truth_call *a = truth_call_begin(t, T0, &info);
	info.id = "2";
	truth_call_begin(t, T0 + 1, &info);
	info.id = "3";
	truth_call *c = truth_call_begin(t, T0 + 2, &info);
	truth_call_hold(a, T0 + 10, "1000", TRUTH_HOLD_INDIVIDUAL);
	truth_call_end(c, T0 + 5, "1000", TRUTH_CAUSE_ABANDONED);
	assert_int_equal(truth_active(t), 2);
	assert_int_equal(truth_close(t, T0 + 1000), HS_OK);
	n = parse_lines(&o, lines, 8);
	assert_int_equal(n, 5);
	assert_string_equal(str(lines[1], "cause"), "abandoned");
	for (int i = 2; i <= 3; i++) {
		assert_string_equal(str(lines[i], "cause"), "unfinished");
		assert_true(is_null(lines[i], "end"));
		assert_true(is_null(lines[i], "cleared_by"));
	}
	/* the open hold is counted up to the close */
	assert_int_equal(num(strcmp(str(lines[2], "id"), "1") == 0 ? lines[2] : lines[3],
	    "hold_ms"), 990);
	assert_int_equal(num(lines[4], "calls"), 3);
	free_lines(&o, lines, n);
}

/* Names with quotes, backslashes, control characters and Latin-1 come back intact. */
static void
escaping(void **state)
{
	struct out o;
	truth *t = open_mem(&o, NULL);
	struct truth_call_info info = {.id = "5", .kind = TRUTH_INBOUND};
	cJSON *lines[4];
	size_t n;

	(void)state;
	info.fields[TRUTH_F_CLI_NAME] = "O\"Brien \\ M\xfcller\n\tx"; /* Latin-1 u-umlaut */
	truth_call_end(truth_call_begin(t, T0, &info), T0 + 1, NULL, TRUTH_CAUSE_NO_ANSWER);
	truth_close(t, T0 + 2);
	n = parse_lines(&o, lines, 4);
	assert_int_equal(n, 3);
	assert_string_equal(str(lines[1], "cli_name"), "O\"Brien \\ M\xc3\xbcller\n\tx");
	assert_string_equal(str(lines[1], "cause"), "no-answer");
	free_lines(&o, lines, n);
}

/* ---- errors ----------------------------------------------------------------------------- */

struct failing {
	size_t room; /* bytes accepted before every write fails */
};

static ssize_t
failing_write(void *cookie, const char *buf, size_t size)
{
	struct failing *f = cookie;

	(void)buf;
	if (size > f->room) {
		errno = ENOSPC;
		return -1;
	}
	f->room -= size;
	return (ssize_t)size;
}

static void
write_error_latches(void **state)
{
	struct failing f = {.room = 200};
	cookie_io_functions_t io = {.write = failing_write};
	FILE *fp = fopencookie(&f, "w", io);
	struct truth_meta meta = {.at = T0, .site = "small", .has_seed = true,
	    .seed = UINT64_MAX};
	struct truth_call_info info = {.id = "1", .kind = TRUTH_INTERNAL};
	truth *t;
	truth_call *c;
	int e;

	(void)state;
	assert_non_null(fp);
	setvbuf(fp, NULL, _IONBF, 0);
	assert_int_equal(truth_open_stream(&t, fp, true, &meta), HS_OK);
	c = truth_call_begin(t, T0, &info);
	truth_call_ring(c, T0, "1001", NULL);
	assert_int_equal(truth_call_end(c, T0 + 1, "1000", TRUTH_CAUSE_NORMAL), HS_EIO);
	assert_int_equal(truth_error(t, &e), HS_EIO);
	assert_int_equal(e, ENOSPC);
	/* later records are refused with the same error */
	assert_int_equal(truth_event(t, &(struct truth_event){.at = T0, .type = TRUTH_EV_LINK,
	    .what = "drop"}), HS_EIO);
	assert_int_equal(truth_close(t, T0 + 2), HS_EIO);
}

static void
open_errors(void **state)
{
	struct truth_meta meta = {.at = T0, .site = "small"};
	truth *t = (truth *)1;

	(void)state;
	assert_int_equal(truth_open(&t, "/nonexistent/dir/truth.jsonl", &meta), HS_ENOTFOUND);
	assert_null(t);
	assert_int_equal(truth_open(&t, "/dev/full", &meta), HS_EIO);
	assert_null(t);
	assert_int_equal(truth_call_ring(NULL, T0, "1000", NULL), HS_EINVAL);
	assert_int_equal(truth_call_end(NULL, T0, NULL, TRUTH_CAUSE_NORMAL), HS_EINVAL);
	assert_int_equal(truth_close(NULL, T0), HS_EINVAL);
}

/* A file on disk: the seed is text (64 bits do not fit a JSON number), lines flushed as
 * they end, so a reader sees each finished call before the file is closed. */
static void
file_flushed_per_call(void **state)
{
	char path[] = "/tmp/pbxsim_truth_XXXXXX", line[4096];
	struct truth_meta meta = {.at = T0, .site = "demo", .has_seed = true,
	    .seed = 18446744073709551615ULL};
	struct truth_call_info info = {.id = "1", .kind = TRUTH_INTERNAL};
	truth *t;
	FILE *rd;
	int fd = mkstemp(path), lines = 0;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(truth_open(&t, path, &meta), HS_OK);
	truth_call_end(truth_call_begin(t, T0, &info), T0 + 5, "1000", TRUTH_CAUSE_NORMAL);
	rd = fopen(path, "r");
	while (fgets(line, sizeof(line), rd) != NULL)
		lines++;
	assert_int_equal(lines, 2); /* start and the call, before any close */
	fclose(rd);
	assert_int_equal(truth_close(t, T0 + 10), HS_OK);
	rd = fopen(path, "r");
	assert_non_null(fgets(line, sizeof(line), rd));
	cJSON *start = cJSON_Parse(line);
	assert_string_equal(str(start, "seed"), "18446744073709551615");
	cJSON_Delete(start);
	fclose(rd);
	close(fd);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(worked_call),
		cmocka_unit_test(fields_set_later),
		cmocka_unit_test(group_and_conference),
		cmocka_unit_test(events),
		cmocka_unit_test(unfinished_at_close),
		cmocka_unit_test(escaping),
		cmocka_unit_test(write_error_latches),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(file_flushed_per_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
