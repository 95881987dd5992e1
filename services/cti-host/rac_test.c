/*
 * rac_test.c - the Record-A-Call decisions (rac.c): the set, once per (call, extension)
 * through hold and retrieve, a transfer to another recorded extension, resync snapshots, the
 * feature name and the _EF feature string; then the same rule driven through the live model
 * (state.c) with the events of an answered, held, retrieved and transferred call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cti.h"

static const struct cti_rac_ctx live = { .link_up = true, .talking = true };

static void
assign(struct cti_rac_set *s, const char *const *exts, size_t n)
{
	assert_int_equal(cti_rac_set_assign(s, exts, n), HS_OK);
}

static void
test_set_sorted_unique(void **state)
{
	static const char *const exts[] = { "1003", "1000", "", "1003", "1010", NULL,
		"123456789012345678901234567890123" /* 33: longer than the column allows */ };
	struct cti_rac_set s = { 0 };

	(void)state;
	assert_false(cti_rac_set_has(&s, "1000"));
	assign(&s, exts, sizeof(exts) / sizeof(exts[0]));
	assert_int_equal(s.n, 3);
	assert_string_equal(s.ext[0], "1000");
	assert_string_equal(s.ext[1], "1003");
	assert_string_equal(s.ext[2], "1010");
	assert_true(cti_rac_set_has(&s, "1003"));
	assert_false(cti_rac_set_has(&s, "1001"));
	assert_false(cti_rac_set_has(&s, ""));
	assert_false(cti_rac_set_has(&s, NULL));
	/* A reload replaces, it does not add. */
	assign(&s, exts, 1);
	assert_int_equal(s.n, 1);
	assert_false(cti_rac_set_has(&s, "1000"));
	assign(&s, NULL, 0);
	assert_int_equal(s.n, 0);
	assert_false(cti_rac_set_has(&s, "1003"));
	cti_rac_set_free(&s);
}

static void
test_decide_once_per_call(void **state)
{
	static const char *const exts[] = { "1000", "1001" };
	struct cti_rac_set s = { 0 };
	struct cti_rac_done d = { 0 };

	(void)state;
	assign(&s, exts, 2);
	/* Ringing, then answered; a caller hearing ringback is connected, not yet talking. */
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'A', &live), CTI_RAC_NOT_CONNECTED);
	{
		const struct cti_rac_ctx ringing = { .link_up = true };
		assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &ringing),
		    CTI_RAC_NOT_TALKING);
	}
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &live), CTI_RAC_INVOKE);
	assert_true(cti_rac_done_add(&d, "1000"));
	/* Held, retrieved, another event showing it connected: no second invocation. */
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'H', &live), CTI_RAC_NOT_CONNECTED);
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &live), CTI_RAC_ALREADY);
	/* Not listed: never. */
	assert_int_equal(cti_rac_decide(&s, &d, "1002", 'C', &live), CTI_RAC_NOT_LISTED);
	assert_int_equal(cti_rac_decide(&s, &d, "97001", 'C', &live), CTI_RAC_NOT_LISTED);
	/* Transferred to another recorded extension: that one is invoked. */
	assert_int_equal(cti_rac_decide(&s, &d, "1001", 'C', &live), CTI_RAC_INVOKE);
	assert_true(cti_rac_done_add(&d, "1001"));
	assert_true(cti_rac_done_add(&d, "1001")); /* twice is once */
	assert_int_equal(d.n, 2);
	/* A new call is a new list. */
	{
		struct cti_rac_done d2 = { 0 };
		assert_int_equal(cti_rac_decide(&s, &d2, "1000", 'C', &live), CTI_RAC_INVOKE);
	}
	cti_rac_set_free(&s);
}

static void
test_decide_link_and_snapshot(void **state)
{
	static const char *const exts[] = { "1000" };
	const struct cti_rac_ctx down = { .link_up = false, .talking = true };
	const struct cti_rac_ctx first_snap = { .talking = true, .snapshot = true,
		.first_session = true };
	const struct cti_rac_ctx later_snap = { .talking = true, .snapshot = true,
		.first_session = false };
	struct cti_rac_set s = { 0 };
	struct cti_rac_done d = { 0 };

	(void)state;
	assign(&s, exts, 1);
	/* Link not up: not now and not flagged, so the sweep at link up does it. */
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &down), CTI_RAC_LINK_DOWN);
	/* A call already up when this process first synced: taken as invoked. */
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &first_snap), CTI_RAC_ASSUME);
	/* In a later session this process would have flagged it; no flag means never invoked,
	 * which waits for the link to be up. */
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &later_snap), CTI_RAC_LINK_DOWN);
	assert_true(cti_rac_done_add(&d, "1000"));
	assert_int_equal(cti_rac_decide(&s, &d, "1000", 'C', &first_snap), CTI_RAC_ALREADY);
	cti_rac_set_free(&s);
}

static void
test_decide_full(void **state)
{
	const char *exts[CTI_RAC_PER_CALL + 1];
	char names[CTI_RAC_PER_CALL + 1][8];
	struct cti_rac_set s = { 0 };
	struct cti_rac_done d = { 0 };

	(void)state;
	for (int i = 0; i <= CTI_RAC_PER_CALL; i++) {
		snprintf(names[i], sizeof(names[i]), "%d", 1000 + i);
		exts[i] = names[i];
	}
	assign(&s, exts, CTI_RAC_PER_CALL + 1);
	for (int i = 0; i < CTI_RAC_PER_CALL; i++) {
		assert_int_equal(cti_rac_decide(&s, &d, names[i], 'C', &live), CTI_RAC_INVOKE);
		assert_true(cti_rac_done_add(&d, names[i]));
	}
	assert_int_equal(cti_rac_decide(&s, &d, names[CTI_RAC_PER_CALL], 'C', &live),
	    CTI_RAC_FULL);
	assert_false(cti_rac_done_add(&d, names[CTI_RAC_PER_CALL]));
	assert_int_equal(cti_rac_decide(&s, &d, names[0], 'C', &live), CTI_RAC_ALREADY);
	cti_rac_set_free(&s);
}

static void
test_feature_name(void **state)
{
	char out[8];

	(void)state;
	assert_true(cti_rac_feature_is_rac("Record-A-Call"));
	assert_true(cti_rac_feature_is_rac("record_a_call"));
	assert_true(cti_rac_feature_is_rac("RECORD A CALL"));
	assert_true(cti_rac_feature_is_rac(" Record.A.Call "));
	assert_false(cti_rac_feature_is_rac("Record-A-Call Cancel"));
	assert_false(cti_rac_feature_is_rac("record"));
	assert_false(cti_rac_feature_is_rac(""));
	assert_false(cti_rac_feature_is_rac(NULL));
	assert_false(cti_rac_feature_is_rac("R\xe9" "cord-A-Call"));
	/* Cut to the buffer, always terminated. */
	cti_rac_feature_norm("Record-A-Call", out, sizeof(out));
	assert_string_equal(out, "recorda");
}

static void
test_feature_string(void **state)
{
	char fs[16];

	(void)state;
	assert_int_equal(cti_rac_feature_string("385", fs, sizeof(fs)), 0);
	assert_string_equal(fs, "!385");
	assert_int_equal(cti_rac_feature_string("*72#", fs, sizeof(fs)), 0);
	assert_string_equal(fs, "!*72#");
	assert_int_equal(cti_rac_feature_string("", fs, sizeof(fs)), -1);
	assert_int_equal(cti_rac_feature_string(NULL, fs, sizeof(fs)), -1);
	assert_int_equal(cti_rac_feature_string("38,5", fs, sizeof(fs)), -1);
	assert_int_equal(cti_rac_feature_string("|385|", fs, sizeof(fs)), -1);
	assert_int_equal(cti_rac_feature_string("123456789", fs, sizeof(fs)), -1);
	assert_int_equal(cti_rac_feature_string("385", fs, 4), -1);
	assert_true(cti_rac_code_ok("12345678"));
	assert_false(cti_rac_code_ok("12 3"));
}

/* ---- through the live model ------------------------------------------------------------- */

static struct hs_svc svc; /* no bus: cti_publish drops the events */
static struct cti cti;

static int
model_setup(void **state)
{
	static const char *const exts[] = { "1000", "1001" };

	(void)state;
	memset(&cti, 0, sizeof(cti));
	memset(&svc, 0, sizeof(svc));
	cti.svc = &svc;
	cti_state_init(&cti);
	cti_rac_init(&cti);
	assert_int_equal(cti_rac_set_assign(&cti.rac.set, exts, 2), HS_OK);
	hs_map_put(cti.xrefs, "000101", strdup("1000"));
	hs_map_put(cti.xrefs, "000102", strdup("1001"));
	return 0;
}

static int
model_teardown(void **state)
{
	(void)state;
	cti_rac_fini(&cti);
	cti_state_fini(&cti);
	return 0;
}

static void
feed(const char *text)
{
	char buf[512];
	struct oai_msg m;

	snprintf(buf, sizeof(buf), "%s", text);
	if (oai_decode(&m, buf, strlen(buf)) != OAI_OK)
		fail_msg("decode %s: %s", text, oai_msg_error(&m));
	cti_state_event(&cti, &m);
}

static const struct cti_rac_done *
done_of(const char *call)
{
	struct cti_call *c = hs_map_get(cti.calls, call);

	assert_non_null(c);
	return &c->rac;
}

/*
 * No TCP in a unit test: with the link marked up, an invocation is decided, flagged and
 * counted (sent), and its frame has nowhere to go (failed: send_failed), which is what
 * a send failure must do: count, no retry.
 */
static void
test_model_once_through_hold_and_transfer(void **state)
{
	(void)state;
	cti.link.state = CTI_LINK_UP;
	cti.rac.sessions_up = 1;
	/* oai.md 7.3: the trunk rings 1000, 1000 answers. */
	feed("020,DE,,000101,4711,1000,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	     "E,1000,,,A,22,");
	assert_int_equal(cti.rac.sent, 0);
	feed("021,ES,,000101,4711,1000,,I,97001,6025551212,8005551000,E,1000,,C,35");
	assert_int_equal(cti.rac.sent, 1);
	assert_int_equal(cti.rac.failed, 1); /* send_failed: no socket */
	assert_true(cti_rac_done_has(done_of("4711"), "1000"));
	/* Hold and retrieve, twice: no second invocation. */
	feed("023,HE,,000101,4711,1000,H,42");
	feed("025,RE,,000101,4711,1000,C,35,97001,6025551212,8005551000,E");
	feed("027,HE,,000101,4711,1000,H,42");
	feed("028,RE,,000101,4711,1000,C,35,97001,6025551212,8005551000,E");
	assert_int_equal(cti.rac.sent, 1);
	/* Consultation call 4712 from 1000 to 1001, never answered: 1000 hears it ring, which
	 * is not talking, so neither is invoked on it. */
	feed("027,HE,,000101,4711,1000,H,38");
	feed("029,OR,,000101,4712,1000,,I,1001,,C,22");
	feed("030,DE,,000102,4712,1001,,I,1000,,,,,I,1001,,,A,40,");
	assert_int_equal(cti.rac.sent, 1);
	assert_false(cti_rac_done_has(done_of("4712"), "1000"));
	assert_false(cti_rac_done_has(done_of("4712"), "1001"));
	/* Transferred to ring: 1000 leaves 4711, 1001 answers it: invoked for 1001 on 4711. */
	feed("033,TR,,000101,4711,1000,97001,4712,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,"
	     "8005551000,N,32");
	feed("034,XC,,000101,4712,1000,1000,N,36");
	feed("036,XC,,000102,4712,1000,1000,,36");
	feed("037,XC,,000102,4712,1001,1000,N,36");
	feed("038,DE,,000102,4711,1001,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	     "E,1001,1000,,A,32,");
	assert_int_equal(cti.rac.sent, 1);
	feed("039,ES,,000102,4711,1001,,I,97001,6025551212,8005551000,E,1001,1000,C,35");
	assert_int_equal(cti.rac.sent, 2);
	assert_true(cti_rac_done_has(done_of("4711"), "1001"));
	assert_int_equal(cti.rac.ok, 0);
	assert_int_equal(cti.rac.failed, 2);
}

/* The link is not up: a connected recorded party is left unflagged for the sweep at link
 * up, and a first-session snapshot flags it without sending. */
static void
test_model_snapshot_and_link_down(void **state)
{
	(void)state;
	/* The resync of the first session: 1000 talks to a trunk; taken as invoked. */
	feed("012,ES,7,000101,5002,1000,,I,97001,6025551212,8005551000,E,1000,,C,35");
	assert_true(cti_rac_done_has(done_of("5002"), "1000"));
	assert_int_equal(cti.rac.assumed, 1);
	assert_int_equal(cti.rac.sent, 0);
	/* A live call answered at 1001 while the start-up still runs: waits. */
	feed("030,DE,,000102,4712,1001,,I,1000,,,,,I,1001,,,A,40,");
	feed("031,ES,,000102,4712,1001,,I,1000,,,I,1001,,C,35");
	assert_false(cti_rac_done_has(done_of("4712"), "1001"));
	assert_int_equal(cti.rac.sent, 0);
	/* The link comes up: the sweep invokes what waited, the snapshot call stays as it is. */
	cti.link.state = CTI_LINK_UP;
	cti_rac_link_up(&cti);
	assert_true(cti_rac_done_has(done_of("4712"), "1001"));
	assert_true(cti_rac_done_has(done_of("4712"), "1000"));
	assert_int_equal(cti.rac.sent, 2);
	cti_rac_sweep(&cti);
	assert_int_equal(cti.rac.sent, 2);
	/* A conference that merges 4712 into 5002 carries the flags over. */
	cti_rac_merge(hs_map_get(cti.calls, "5002"), hs_map_get(cti.calls, "4712"));
	assert_true(cti_rac_done_has(done_of("5002"), "1001"));
}

/* Not listed or not talking: never; an emptied set invokes nothing. */
static void
test_model_unlisted(void **state)
{
	(void)state;
	cti.link.state = CTI_LINK_UP;
	cti.rac.sessions_up = 1;
	hs_map_put(cti.xrefs, "000103", strdup("1002"));
	feed("010,DE,,000103,5001,1002,,I,1003,,,,,I,1002,,,A,22,");
	feed("011,ES,,000103,5001,1002,,I,1003,,,I,1002,,C,35");
	assert_int_equal(cti.rac.sent, 0);
	assign(&cti.rac.set, NULL, 0);
	feed("021,ES,,000101,4711,1000,,I,97001,6025551212,8005551000,E,1000,,C,35");
	assert_int_equal(cti.rac.sent, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_sorted_unique),
		cmocka_unit_test(test_decide_once_per_call),
		cmocka_unit_test(test_decide_link_and_snapshot),
		cmocka_unit_test(test_decide_full),
		cmocka_unit_test(test_feature_name),
		cmocka_unit_test(test_feature_string),
		cmocka_unit_test_setup_teardown(test_model_once_through_hold_and_transfer,
		    model_setup, model_teardown),
		cmocka_unit_test_setup_teardown(test_model_snapshot_and_link_down, model_setup,
		    model_teardown),
		cmocka_unit_test_setup_teardown(test_model_unlisted, model_setup, model_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
