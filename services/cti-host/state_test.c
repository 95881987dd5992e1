/*
 * state_test.c - the live model fed with the worked example of oai.md 7.3 (an inbound trunk
 * call: rings 1000, answered, held, retrieved, transferred to 1001, cleared) and with the
 * resync rule (a call not in the snapshot of a new session is closed).
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

static struct hs_svc svc; /* no bus: cti_publish drops the events */
static struct cti cti;

static int
setup(void **state)
{
	(void)state;
	memset(&cti, 0, sizeof(cti));
	memset(&svc, 0, sizeof(svc));
	cti.svc = &svc;
	cti_state_init(&cti);
	hs_map_put(cti.xrefs, "000101", strdup("1000"));
	hs_map_put(cti.xrefs, "000102", strdup("1001"));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cti_state_fini(&cti);
	return 0;
}

/* Feeds one PBX message as its text (oai.md notation, without the length prefix). */
static void
feed(const char *text)
{
	char buf[512];
	struct oai_msg m;
	int rv;

	snprintf(buf, sizeof(buf), "%s", text);
	rv = oai_decode(&m, buf, strlen(buf));
	if (rv != OAI_OK)
		fail_msg("decode %s: %s", text, oai_msg_error(&m));
	cti_state_event(&cti, &m);
}

static char
party(const char *call, const char *dev)
{
	struct cti_call *c = hs_map_get(cti.calls, call);

	if (c == NULL)
		return '-';
	for (int i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i].device, dev) == 0)
			return c->parties[i].lcs;
	return 'N';
}

static const char *
dev_state(const char *dev)
{
	struct cti_device *d = hs_map_get(cti.devices, dev);

	return d != NULL ? d->state : "?";
}

static void
test_worked_example_7_3(void **state)
{
	struct cti_call *c;

	(void)state;
	feed("020,DE,,000101,4711,1000,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	     "E,1000,,,A,22,");
	c = hs_map_get(cti.calls, "4711");
	assert_non_null(c);
	assert_int_equal(party("4711", "1000"), 'A');
	assert_int_equal(party("4711", "97001"), 'C');
	assert_string_equal(c->direction, "inbound");
	assert_string_equal(c->caller, "6025551212");
	assert_string_equal(c->caller_name, "SMITH JOHN");
	assert_string_equal(c->trunk_name, "MAIN LINE");
	assert_string_equal(c->ddi, "8005551000");
	assert_string_equal(dev_state("1000"), "ringing");

	feed("021,ES,,000101,4711,1000,,I,97001,6025551212,8005551000,E,1000,,C,35");
	assert_int_equal(party("4711", "1000"), 'C');
	assert_true(c->answered);
	assert_string_equal(dev_state("1000"), "connected");

	feed("023,HE,,000101,4711,1000,H,42");
	assert_int_equal(party("4711", "1000"), 'H');
	assert_string_equal(dev_state("1000"), "held");
	feed("025,RE,,000101,4711,1000,C,35,97001,6025551212,8005551000,E");
	assert_int_equal(party("4711", "1000"), 'C');

	/* Supervised transfer: hold, announcement call 4712 to 1001, complete to ring. */
	feed("027,HE,,000101,4711,1000,H,42");
	feed("029,OR,,000101,4712,1000,,I,1001,,C,22");
	feed("030,DE,,000102,4712,1001,,I,1000,,,,,I,1001,,,A,40,");
	feed("031,DE,,000101,4712,1001,,I,1000,,,,,I,1001,,,C,40,");
	assert_int_equal(party("4712", "1000"), 'C');
	assert_int_equal(party("4712", "1001"), 'A');
	assert_string_equal(dev_state("1001"), "ringing");
	assert_string_equal(dev_state("1000"), "connected"); /* connected beats held */

	feed("033,TR,,000101,4711,1000,97001,4712,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,"
	     "8005551000,N,32");
	feed("034,XC,,000101,4712,1000,1000,N,36");
	feed("035,TR,,000102,4711,1000,97001,4712,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,"
	     "8005551000,A,32");
	feed("036,XC,,000102,4712,1000,1000,,36");
	feed("037,XC,,000102,4712,1001,1000,N,36");
	assert_null(hs_map_get(cti.calls, "4712")); /* the announcement call is gone */
	assert_int_equal(party("4711", "1000"), 'N');
	assert_string_equal(dev_state("1000"), "idle");

	feed("038,DE,,000102,4711,1001,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	     "E,1001,1000,,A,32,");
	assert_int_equal(party("4711", "1001"), 'A');
	feed("039,ES,,000102,4711,1001,,I,97001,6025551212,8005551000,E,1001,1000,C,35");
	assert_int_equal(party("4711", "1001"), 'C');
	assert_string_equal(dev_state("1001"), "connected");

	/* The caller hangs up: the trunk leaves, then 1001. */
	feed("040,XC,,000102,4711,97001,97001,,36");
	assert_non_null(hs_map_get(cti.calls, "4711"));
	feed("041,XC,,000102,4711,1001,97001,N,36");
	assert_null(hs_map_get(cti.calls, "4711"));
	assert_string_equal(dev_state("1001"), "idle");
	assert_int_equal(hs_map_len(cti.calls), 0);
}

static void
test_dnd_forward_agents(void **state)
{
	struct cti_device *d;
	struct cti_agent *a;

	(void)state;
	feed("001,DND,,000101,1000,|OUT TO LUNCH|,|UNTIL 1PM|");
	d = hs_map_get(cti.devices, "1000");
	assert_true(d->dnd);
	assert_string_equal(d->dnd_message, "OUT TO LUNCH");
	assert_string_equal(d->dnd_text, "UNTIL 1PM");
	feed("002,DND,,000101,1000,,");
	assert_false(d->dnd);

	feed("003,FW,,000101,1000,1001,,I");
	assert_string_equal(d->fwd_dest, "1001");
	feed("004,FW,,000101,1000,,,N");
	assert_string_equal(d->fwd_dest, "");

	feed("005,LN,,000101,1000,3001,|Jones, Bob|,2000");
	a = hs_map_get(cti.agents, "3001");
	assert_non_null(a);
	assert_int_equal(a->state, CTI_AGENT_READY);
	assert_string_equal(a->device, "1000");
	assert_string_equal(d->agent, "3001");
	feed("006,WNR,,000101,1000,3001");
	assert_int_equal(a->state, CTI_AGENT_WRAP_UP);
	feed("007,RY,,000101,1000,3001");
	assert_int_equal(a->state, CTI_AGENT_READY);
	feed("008,LF,,000101,1000,3001,|Jones, Bob|,2000");
	assert_int_equal(a->state, CTI_AGENT_LOGGED_OFF);
	assert_string_equal(d->agent, "");
}

static void
test_resync_closes_calls_that_ended_unseen(void **state)
{
	(void)state;
	feed("010,DE,,000101,5001,1001,,I,1000,,,,,I,1001,,,C,22,");
	feed("011,DE,,000101,5002,1000,,I,1001,,,,,I,1000,,,A,22,");
	assert_int_equal(hs_map_len(cti.calls), 2);
	/* New session: the snapshot mentions 5002 only. */
	cti_state_resync_begin(&cti);
	feed("012,ES,7,000101,5002,1000,,I,1001,,,I,1000,,C,35");
	cti_state_resync_done(&cti);
	assert_null(hs_map_get(cti.calls, "5001"));
	assert_non_null(hs_map_get(cti.calls, "5002"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_worked_example_7_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnd_forward_agents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resync_closes_calls_that_ended_unseen, setup,
		    teardown),
	};

	hs_log_set_level(HS_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
