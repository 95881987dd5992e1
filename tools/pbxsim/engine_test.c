/*
 * engine_test.c - unit tests of the call engine (engine*.c) without sockets: each test
 * drives engine functions on a small site, with a hand-driven clock, and checks the event
 * copies the engine emits (code, monitored device, Local_Cnx_State, fields), the outcomes
 * it refuses with, its JSON view and the ground truth it writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static const char site_text[] =
    "[system]\n"
    "name = Test\n"
    "oai_password = pw\n"
    "noanswer_timeout = 10\n"
    "voicemail = 2500\n"
    "[node 1]\n"
    "[extension 1000]\ndescription = Reception\n"
    "[extension 1001]\ndescription = Anna\n"
    "[extension 1002]\n"
    "[extension 1003]\n"
    "[extension 1010]\ndescription = Sales 1\ntype = acd-agent\n"
    "[extension 1011]\ndescription = Sales 2\ntype = acd-agent\n"
    "[extension 2500]\ntype = voicemail\n"
    "[trunk 97001]\n"
    "[trunk 97002]\n"
    "[trunk 97003]\n"
    "[trunkgroup 92000]\naccess = 9\nmembers = 97001-97003\n"
    "[ddi 01632960100]\nname = SALES LINE\ndestination = 2000\n"
    "[ddi 01632960300]\nname = MAIN LINE\ndestination = 1000\n"
    "[huntgroup 2000]\ndescription = Sales\ntype = acd\nagents = 3001-3002\n"
    "overflow = 2500\noverflow_timeout = 30\nwrapup = 5\n"
    "[huntgroup 2001]\ntype = linear\nmembers = 1002, 1003\nring_timeout = 10\n"
    "[huntgroup 2002]\ntype = all-ring\nmembers = 1000, 1001\n"
    "[ddi 01632960200]\ndestination = 2001\n"
    "[agent 3001]\nlogin = 1010\n"
    "[agent 3002]\nlogin = 1011\n";

#define MAX_EV 512

struct fx {
	struct site *site;
	struct engine *e;
	truth *t;
	char *tbuf;
	size_t tlen;
	FILE *tfp;
	int64_t now;
	struct eng_event ev[MAX_EV];
	size_t n;
	int changed;
};

static void
sink(void *arg, const struct eng_event *ev)
{
	struct fx *f = arg;

	if (f->n < MAX_EV)
		memcpy(&f->ev[f->n++], ev, sizeof(*ev));
}

static void
changed(void *arg)
{
	((struct fx *)arg)->changed++;
}

static int64_t
now_cb(void *arg)
{
	return ((struct fx *)arg)->now;
}

static int64_t
wall_cb(void *arg)
{
	return 1764086400000LL + ((struct fx *)arg)->now;
}

static int
setup(void **state)
{
	static const struct engine_ops ops = { .emit = sink, .changed = changed, .now = now_cb,
		.wall = wall_cb };
	struct truth_meta meta = { .at = 1764086400000LL, .site = "Test" };
	struct fx *f = calloc(1, sizeof(*f));
	char err[SITE_ERR_MAX];

	assert_non_null(f);
	assert_int_equal(site_load_mem(site_text, sizeof(site_text) - 1, "test.site", &f->site,
	    err, sizeof(err)), HS_OK);
	f->e = engine_new(f->site, &ops, f);
	assert_non_null(f->e);
	f->tfp = open_memstream(&f->tbuf, &f->tlen);
	assert_int_equal(truth_open_stream(&f->t, f->tfp, false, &meta), HS_OK);
	engine_set_truth(f->e, f->t);
	f->now = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	engine_free(f->e);
	truth_close(f->t, 1764086400000LL + f->now);
	fclose(f->tfp);
	free(f->tbuf);
	site_free(f->site);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *
field(const struct eng_event *ev, enum oai_field id)
{
	const char *v = eng_ev_get(ev, id);

	return v != NULL ? v : "(absent)";
}

static char
lcs_of(const struct eng_event *ev)
{
	const char *v = eng_ev_get(ev, OAI_F_LCS);

	return v != NULL ? v[0] : '?';
}

/* Device-level copies from index *from on, as "DE@1001:A" words; call-level ones skipped. */
static void
expect(struct fx *f, size_t *from, const char *want)
{
	char got[2048] = "";

	for (size_t i = *from; i < f->n; i++) {
		const struct eng_event *ev = &f->ev[i];
		char w[64];
		char l;

		if (ev->device[0] == '\0')
			continue;
		l = lcs_of(ev);
		if (oai_event_category(ev->ev) == OAI_CAT_CALL)
			snprintf(w, sizeof(w), "%s%s@%s:%c", got[0] ? " " : "",
			    oai_event_wire(ev->ev), ev->device, l != '\0' ? l : '_');
		else
			snprintf(w, sizeof(w), "%s%s@%s", got[0] ? " " : "",
			    oai_event_wire(ev->ev), ev->device);
		strncat(got, w, sizeof(got) - strlen(got) - 1);
	}
	*from = f->n;
	if (strcmp(got, want) != 0)
		fail_msg("events\n  got:  %s\n  want: %s", got, want);
}

/* The first device-level copy of code under dev from index from. */
static const struct eng_event *
find(struct fx *f, size_t from, enum oai_event code, const char *dev)
{
	for (size_t i = from; i < f->n; i++)
		if (f->ev[i].ev == code && strcmp(f->ev[i].device, dev) == 0)
			return &f->ev[i];
	fail_msg("no %s under %s", oai_event_wire(code), dev);
	return NULL;
}

static void
call(struct fx *f, const char *from, const char *digits, char *id)
{
	struct eng_call_req r = { .from = from, .digits = digits };

	assert_int_equal(engine_call(f->e, &r, id), 0);
}

static void
inbound(struct fx *f, const char *trunk, const char *ddi, char *id)
{
	struct eng_inbound_req r = { .trunk = trunk, .ddi = ddi, .cli = "07700900123",
		.name = "J Smith" };

	assert_int_equal(engine_inbound(f->e, &r, id), 0);
}

static void
tick(struct fx *f, int64_t ms)
{
	f->now += ms;
	engine_run_timers(f->e);
}

/* The state of a device in the JSON view. */
static void
dev_state(struct fx *f, const char *dev, const char *want)
{
	cJSON *o = engine_state_json(f->e), *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItem(o, "devices")) {
		if (strcmp(cJSON_GetObjectItem(d, "device")->valuestring, dev) != 0)
			continue;
		assert_string_equal(cJSON_GetObjectItem(d, "state")->valuestring, want);
		cJSON_Delete(o);
		return;
	}
	cJSON_Delete(o);
	fail_msg("no device %s", dev);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_internal_call(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	char id[ENG_ID_MAX];
	size_t at = 0;

	call(f, "1000", "1001", id);
	assert_string_equal(id, "1000");
	expect(f, &at, "DE@1001:A DE@1000:C");
	ev = find(f, 0, OAI_EV_DE, "1000");
	assert_string_equal(field(ev, OAI_F_CALL_ID), id);
	assert_string_equal(field(ev, OAI_F_ALERTING_EXT), "1001");
	assert_string_equal(field(ev, OAI_F_ALERTING_DEV_TYPE), "I");
	assert_string_equal(field(ev, OAI_F_CALLING_EXT), "1000");
	assert_string_equal(field(ev, OAI_F_CALLING_DEV_TYPE), "I");
	assert_string_equal(field(ev, OAI_F_ORIG_CALLED_DEV), "1001");
	assert_string_equal(field(ev, OAI_F_CAUSE), "22");
	dev_state(f, "1001", "ringing");
	dev_state(f, "1000", "connected");
	assert_non_null(engine_resolve(f->e, id, SCN_PARTY_ANY, NULL));
	assert_string_equal(engine_resolve(f->e, id, SCN_PARTY_ANY, NULL), "1001");

	assert_int_equal(engine_answer(f->e, "1001", id), 0);
	expect(f, &at, "ES@1001:C ES@1000:C");
	ev = find(f, 0, OAI_EV_ES, "1000");
	assert_string_equal(field(ev, OAI_F_ANSWERING_EXT), "1001");
	assert_string_equal(field(ev, OAI_F_CAUSE), "35");

	assert_int_equal(engine_hangup(f->e, "1000", id, false), 0);
	expect(f, &at, "XC@1000:N XC@1001:_ XC@1001:N");
	ev = find(f, 0, OAI_EV_XC, "1001");
	assert_string_equal(field(ev, OAI_F_CLEARED_EXT), "1000");
	assert_string_equal(field(ev, OAI_F_TERMINATING_EXT), "1000");
	assert_string_equal(field(ev, OAI_F_CAUSE), "36");
	assert_false(engine_has_call(f->e, id));
	assert_int_equal(engine_stats(f->e).calls_active, 0);
	dev_state(f, "1001", "idle");
	/* A call-level copy of each call event exists too (call monitors), and a CC. */
	assert_int_equal(f->ev[f->n - 1].ev, OAI_EV_CC);
	assert_string_equal(f->ev[f->n - 1].device, "");

	/* The truth line. */
	fflush(f->tfp);
	assert_non_null(strstr(f->tbuf, "\"kind\":\"internal\""));
	assert_non_null(strstr(f->tbuf, "\"answered_by\":\"1001\""));
	assert_non_null(strstr(f->tbuf, "\"cleared_by\":\"1000\",\"cause\":\"normal\""));
}

static void
test_outcomes(void **state)
{
	struct fx *f = *state;
	struct eng_call_req r = { .from = "1000", .digits = "77" };
	char id[ENG_ID_MAX];

	assert_int_equal(engine_call(f->e, &r, id), OAI_OUTCOME_INVALID_CALLED_DEVICE);
	r.from = "4444";
	r.digits = "1001";
	assert_int_equal(engine_call(f->e, &r, id), OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER);
	r.from = "2500";
	assert_int_equal(engine_call(f->e, &r, id), OAI_OUTCOME_INCOMPATIBLE_WITH_OBJECT);
	assert_int_equal(engine_answer(f->e, "1001", "999"), OAI_OUTCOME_INVALID_CALL_IDENTIFIER);
	call(f, "1000", "1001", id);
	assert_int_equal(engine_answer(f->e, "1002", id), OAI_OUTCOME_NO_CALL_TO_ANSWER);
	assert_int_equal(engine_hold(f->e, "1001", id, 42), OAI_OUTCOME_NO_ACTIVE_CALL);
	assert_int_equal(engine_retrieve(f->e, "1000", id), OAI_OUTCOME_NO_HELD_CALL);
	assert_int_equal(engine_hangup(f->e, "1002", id, false),
	    OAI_OUTCOME_NO_CONNECTION_TO_CLEAR);
	assert_int_equal(engine_dnd(f->e, "1000", true, 99, ""), OAI_OUTCOME_VALUE_OUT_OF_RANGE);
	assert_int_equal(engine_forward(f->e, "1000", SITE_FWD_ALL, "77"),
	    OAI_OUTCOME_INVALID_DESTINATION);
	assert_int_equal(engine_agent(f->e, "3999", SCN_AGENT_READY, NULL),
	    OAI_OUTCOME_INVALID_AGENT_ID);
	/* 1000 is busy on its call: it cannot make another. */
	r.from = "1000";
	r.digits = "1002";
	assert_int_equal(engine_call(f->e, &r, id), OAI_OUTCOME_STATE_INCOMPATIBILITY);
	assert_true(strlen(engine_error(f->e)) > 0);
}

static void
test_dnd_fails_call(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	char id[ENG_ID_MAX];
	size_t at = 0;

	assert_int_equal(engine_dnd(f->e, "1001", true, 4, "BACK AT 2"), 0);
	expect(f, &at, "DND@1001");
	ev = find(f, 0, OAI_EV_DND, "1001");
	assert_string_equal(field(ev, OAI_F_DND_MESSAGE), engine_site(f->e)->dnd[3]);
	assert_string_equal(field(ev, OAI_F_DND_TEXT), "BACK AT 2");

	call(f, "1000", "1001", id);
	expect(f, &at, "FA@1000:F");
	ev = find(f, 0, OAI_EV_FA, "1000");
	assert_string_equal(field(ev, OAI_F_FAILED_EXT), "1001");
	assert_string_equal(field(ev, OAI_F_CALLED_NUM), "1001");
	assert_string_equal(field(ev, OAI_F_CAUSE), "14");
	dev_state(f, "1000", "failed");
	assert_int_equal(engine_hangup(f->e, "1000", id, false), 0);
	expect(f, &at, "XC@1000:N");
	assert_false(engine_has_call(f->e, id));
	fflush(f->tfp);
	assert_non_null(strstr(f->tbuf, "\"cause\":\"dnd\""));

	/* DND off: a blank message. */
	assert_int_equal(engine_dnd(f->e, "1001", false, 0, NULL), 0);
	ev = find(f, at, OAI_EV_DND, "1001");
	assert_null(eng_ev_get(ev, OAI_F_DND_MESSAGE));
}

static void
test_busy_and_reorder(void **state)
{
	struct fx *f = *state;
	char a[ENG_ID_MAX], b[ENG_ID_MAX];
	size_t at = 0;

	call(f, "1000", "1001", a);
	assert_int_equal(engine_answer(f->e, "1001", a), 0);
	at = f->n;
	call(f, "1002", "1001", b);
	expect(f, &at, "FA@1002:F");
	assert_string_equal(field(find(f, 0, OAI_EV_FA, "1002"), OAI_F_CAUSE), "3");
	/* Nobody hangs up: the reorder timer puts the caller back on hook. */
	tick(f, 31 * 1000);
	expect(f, &at, "XC@1002:N");
	assert_false(engine_has_call(f->e, b));
	assert_true(engine_has_call(f->e, a));
}

static void
test_forward_all_and_no_answer(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	char id[ENG_ID_MAX];
	size_t at = 0;

	assert_int_equal(engine_forward(f->e, "1002", SITE_FWD_ALL, "1003"), 0);
	expect(f, &at, "FW@1002");
	ev = find(f, 0, OAI_EV_FW, "1002");
	assert_string_equal(field(ev, OAI_F_DESTINATION_EXT), "1003");
	assert_string_equal(field(ev, OAI_F_FORWARD_TYPE), "I");
	call(f, "1000", "1002", id);
	expect(f, &at, "DI@1000:C DI@1002:N DE@1003:A DE@1000:C");
	ev = find(f, 0, OAI_EV_DE, "1003");
	assert_string_equal(field(ev, OAI_F_ORIG_CALLED_DEV), "1002");
	assert_string_equal(field(ev, OAI_F_LAST_REDIR_EXT), "1002");
	assert_int_equal(engine_hangup(f->e, "1000", id, false), 0);

	/* Forward on no answer: after noanswer_timeout (10 s, at speed 2: 5 s). */
	engine_set_speed(f->e, 2.0);
	assert_int_equal(engine_forward(f->e, "1001", SITE_FWD_NO_ANSWER, "2500"), 0);
	at = f->n;
	call(f, "1000", "1001", id);
	expect(f, &at, "DE@1001:A DE@1000:C");
	assert_int_equal(engine_next_deadline(f->e), f->now + 5000);
	tick(f, 4999);
	expect(f, &at, "");
	tick(f, 1);
	expect(f, &at, "DI@1000:C DI@1001:N DE@2500:A DE@1000:C");
	assert_string_equal(field(find(f, 0, OAI_EV_DI, "1001"), OAI_F_CAUSE), "8");
	assert_int_equal(engine_answer(f->e, "2500", id), 0);
	/* Voice mail takes more than one call. */
	{
		char id2[ENG_ID_MAX];
		call(f, "1003", "2500", id2);
		assert_string_equal(engine_resolve(f->e, id2, SCN_PARTY_ANY, NULL), "2500");
	}
}

static void
test_hold_retrieve(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	char id[ENG_ID_MAX];
	size_t at;

	inbound(f, "97001", "01632960300", id);
	assert_int_equal(engine_answer(f->e, "1000", id), 0);
	at = f->n;
	assert_int_equal(engine_hold(f->e, "1000", id, OAI_CAUSE_HOLD_INDIVIDUAL), 0);
	expect(f, &at, "HE@1000:H HE@97001:C");
	assert_string_equal(field(find(f, 0, OAI_EV_HE, "1000"), OAI_F_CAUSE), "42");
	dev_state(f, "1000", "held");
	assert_int_equal(engine_retrieve(f->e, "1000", id), 0);
	expect(f, &at, "RE@1000:C RE@97001:C");
	ev = find(f, 0, OAI_EV_RE, "1000");
	assert_string_equal(field(ev, OAI_F_RETRIEVED_EXT), "97001");
	assert_string_equal(field(ev, OAI_F_RETRIEVED_OUTSIDE_NUM), "07700900123");
	assert_string_equal(field(ev, OAI_F_RETRIEVED_TRUNK_NUM), "01632960300");
	assert_string_equal(field(ev, OAI_F_RETRIEVED_DEV_TYPE), "E");
	/* The inbound DE carried the caller's data, the OR went to the trunk only. */
	ev = find(f, 0, OAI_EV_DE, "1000");
	assert_string_equal(field(ev, OAI_F_CALLING_EXT), "97001");
	assert_string_equal(field(ev, OAI_F_CALLER_NAME), "J Smith");
	assert_string_equal(field(ev, OAI_F_TRUNK_NAME), "MAIN LINE");
	assert_string_equal(field(ev, OAI_F_TRUNK_OUTSIDE_NUM), "01632960300");
	assert_string_equal(field(ev, OAI_F_CALLING_DEV_TYPE), "E");
	assert_int_equal(f->ev[0].ev, OAI_EV_OR);
	assert_string_equal(f->ev[0].device, "97001");
	assert_string_equal(engine_resolve(f->e, id, SCN_PARTY_FAR, NULL), "97001");
}

static void
test_hunt_group_queue(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	char c1[ENG_ID_MAX], c2[ENG_ID_MAX];
	size_t at;

	/* 3002 not ready: the ACD has one ready agent, 3001 at 1010. */
	assert_int_equal(engine_agent(f->e, "3002", SCN_AGENT_NOTREADY, NULL), 0);
	at = f->n;
	inbound(f, "97001", "01632960100", c1);
	expect(f, &at, "OR@97001:C DE@1010:A DE@97001:C");
	ev = find(f, 0, OAI_EV_DE, "1010");
	assert_string_equal(field(ev, OAI_F_ACD_GROUP), "2000");
	assert_string_equal(field(ev, OAI_F_ORIG_CALLED_DEV), "2000");
	inbound(f, "97002", "01632960100", c2);
	expect(f, &at, "OR@97002:C QU@2000:Q QU@97002:C");
	ev = find(f, 0, OAI_EV_QU, "2000");
	assert_string_equal(field(ev, OAI_F_NUM_QUEUED), "1");
	assert_string_equal(field(ev, OAI_F_QUEUED_EXT), "2000");
	assert_null(engine_resolve(f->e, c2, SCN_PARTY_ANY, NULL));
	dev_state(f, "2000", "queued");

	/* The agent answers and clears: automatic wrap-up (5 s), then the queue is served. */
	assert_int_equal(engine_answer(f->e, "1010", c1), 0);
	at = f->n;
	assert_int_equal(engine_hangup(f->e, "97001", c1, false), 0);
	expect(f, &at, "XC@97001:N XC@1010:_ XC@1010:N WNR@1010 WNR@2000 WNR@3001");
	tick(f, 5000);
	expect(f, &at, "RY@1010 RY@2000 RY@3001 DE@1010:A DE@97002:C DE@2000:N");
	assert_string_equal(engine_resolve(f->e, c2, SCN_PARTY_ANY, NULL), "1010");
	fflush(f->tfp);
	assert_non_null(strstr(f->tbuf, "\"type\":\"agent\",\"agent\":\"3001\",\"dev\":\"1010\","
	    "\"state\":\"wrapup\""));
}

static void
test_hunt_overflow_and_longest_idle(void **state)
{
	struct fx *f = *state;
	char c1[ENG_ID_MAX], c2[ENG_ID_MAX];
	size_t at;

	/* Both ready; 3002 has been idle longer (3001 became ready later). */
	f->now += 1000;
	assert_int_equal(engine_agent(f->e, "3001", SCN_AGENT_READY, NULL), 0);
	inbound(f, "97001", "01632960100", c1);
	assert_string_equal(engine_resolve(f->e, c1, SCN_PARTY_ANY, NULL), "1011");
	assert_int_equal(engine_hangup(f->e, "97001", c1, false), 0);

	/* Nobody ready: queued, then the overflow to voice mail after 30 s. */
	assert_int_equal(engine_agent(f->e, "3001", SCN_AGENT_LOGOFF, NULL), 0);
	assert_int_equal(engine_agent(f->e, "3002", SCN_AGENT_LOGOFF, NULL), 0);
	at = f->n;
	inbound(f, "97002", "01632960100", c2);
	expect(f, &at, "OR@97002:C QU@2000:Q QU@97002:C");
	tick(f, 30000);
	expect(f, &at, "DI@97002:C DI@2000:N DE@2500:A DE@97002:C");
	assert_string_equal(field(find(f, 0, OAI_EV_DI, "2000"), OAI_F_CAUSE), "26");
	assert_string_equal(field(find(f, 0, OAI_EV_DI, "2000"), OAI_F_NEW_DEST_EXT), "2500");
}

static void
test_transfer_to_ring(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	struct eng_call_req r = { .from = "1000", .digits = "1001" };
	struct eng_xfer x;
	char c1[ENG_ID_MAX], c2[ENG_ID_MAX];
	size_t at;

	inbound(f, "97001", "01632960300", c1);
	assert_int_equal(engine_answer(f->e, "1000", c1), 0);
	r.consult_of = c1;
	at = f->n;
	assert_int_equal(engine_call(f->e, &r, c2), 0);
	expect(f, &at, "HE@1000:H HE@97001:C OR@1000:C DE@1001:A DE@1000:C");
	assert_string_equal(field(find(f, 0, OAI_EV_HE, "1000"), OAI_F_CAUSE), "38");
	assert_string_equal(field(find(f, 0, OAI_EV_DE, "1001"), OAI_F_CAUSE), "40");

	{
		size_t tr = f->n;
		assert_int_equal(engine_transfer(f->e, "1000", c1, c2, &x), 0);
		ev = find(f, tr + 1, OAI_EV_DE, "1001");
		assert_string_equal(field(ev, OAI_F_CALL_ID), c1);
		assert_string_equal(field(ev, OAI_F_CAUSE), "32");
		assert_string_equal(field(ev, OAI_F_LAST_REDIR_EXT), "1000");
		assert_string_equal(field(ev, OAI_F_ORIG_CALLED_DEV), "1001");
	}
	assert_string_equal(x.call_id, c1);
	assert_string_equal(x.dest, "1001");
	assert_string_equal(x.transferred, "97001");
	expect(f, &at, "TR@1000:N TR@97001:C TR@1001:A XC@1000:N XC@1001:_ XC@1001:N "
	    "DE@1001:A DE@97001:C");
	ev = find(f, 0, OAI_EV_TR, "1000");
	assert_string_equal(field(ev, OAI_F_ANNOUNCEMENT_CALL_ID), c2);
	assert_string_equal(field(ev, OAI_F_TRANSFERRED_CALL_ID), c1);
	assert_string_equal(field(ev, OAI_F_DESTINATION_EXT), "1001");
	ev = find(f, 0, OAI_EV_TR, "97001");
	assert_string_equal(field(ev, OAI_F_ANNOUNCEMENT_CALL_ID), "");
	assert_false(engine_has_call(f->e, c2));
	assert_int_equal(engine_answer(f->e, "1001", c1), 0);
	fflush(f->tfp);
	assert_non_null(strstr(f->tbuf, "\"cause\":\"transferred\""));
}

static void
test_conference(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	struct eng_call_req r = { .from = "1000", .digits = "1002" };
	struct eng_conf x;
	char c1[ENG_ID_MAX], c2[ENG_ID_MAX];
	size_t at;

	inbound(f, "97001", "01632960300", c1);
	assert_int_equal(engine_answer(f->e, "1000", c1), 0);
	r.consult_of = c1;
	assert_int_equal(engine_call(f->e, &r, c2), 0);
	assert_int_equal(engine_conference(f->e, "1000", c1, c2, &x),
	    OAI_OUTCOME_INVALID_OBJECT_STATE); /* 1002 still rings */
	assert_int_equal(engine_answer(f->e, "1002", c2), 0);
	at = f->n;
	assert_int_equal(engine_conference(f->e, "1000", c1, c2, &x), 0);
	assert_int_equal(x.n, 3);
	expect(f, &at, "CO@1000:C CO@97001:C CO@1002:C");
	ev = find(f, 0, OAI_EV_CO, "1002");
	assert_string_equal(field(ev, OAI_F_SUBJECT_EXT), "1002");
	assert_string_equal(field(ev, OAI_F_PRIMARY_CALL_ID), c1);
	assert_string_equal(field(ev, OAI_F_SECONDARY_CALL_ID), c2);
	assert_int_equal(ev->nparty, 3);
	/* One leaves, the other two go on. */
	assert_int_equal(engine_hangup(f->e, "1002", c1, false), 0);
	assert_true(engine_has_call(f->e, c1));
	assert_int_equal(engine_hangup(f->e, "1000", c1, false), 0);
	assert_false(engine_has_call(f->e, c1));
}

static void
test_outbound(void **state)
{
	struct fx *f = *state;
	const struct eng_event *ev;
	char id[ENG_ID_MAX], more[ENG_ID_MAX];
	size_t at = 0;

	call(f, "1000", "9-07700900999", id);
	expect(f, &at, "NT@1000:C NT@97001:C DE@97001:C DE@1000:C");
	ev = find(f, 0, OAI_EV_DE, "1000");
	assert_string_equal(field(ev, OAI_F_ALERTING_EXT), "97001");
	assert_string_equal(field(ev, OAI_F_ALERTING_OUTSIDE_NUM), "07700900999");
	assert_string_equal(field(ev, OAI_F_ALERTING_DEV_TYPE), "E");
	assert_string_equal(engine_resolve(f->e, id, SCN_PARTY_FAR, NULL), "97001");
	assert_int_equal(engine_answer(f->e, "97001", id), 0);
	expect(f, &at, "ES@97001:C ES@1000:C");
	/* The next calls take the next free trunks; then there is none. */
	call(f, "1001", "907700900998", more);
	call(f, "1002", "907700900997", more);
	at = f->n;
	call(f, "1003", "907700900996", more);
	expect(f, &at, "FA@1003:F");
	assert_string_equal(field(find(f, 0, OAI_EV_FA, "1003"), OAI_F_CAUSE), "33");
}

static void
test_snapshot(void **state)
{
	struct fx *f = *state;
	char id[ENG_ID_MAX];
	size_t at;

	call(f, "1000", "1001", id);
	assert_int_equal(engine_answer(f->e, "1001", id), 0);
	assert_int_equal(engine_hold(f->e, "1000", id, 42), 0);
	at = f->n;
	engine_snapshot(f->e, "1001", "7", sink, f);
	expect(f, &at, "DND@1001 FW@1001 ES@1001:C HE@1001:C");
	assert_string_equal(f->ev[at - 1].resync, "7");
	assert_string_equal(field(&f->ev[at - 3], OAI_F_FORWARD_TYPE), "N");
}

static void
test_linear_ring_timeout(void **state)
{
	struct fx *f = *state;
	char id[ENG_ID_MAX];
	size_t at;

	at = f->n;
	inbound(f, "97001", "01632960200", id);
	expect(f, &at, "OR@97001:C DE@1002:A DE@97001:C");
	tick(f, 10000);
	expect(f, &at, "DI@97001:C DI@1002:N DE@1003:A DE@97001:C");
	assert_string_equal(field(find(f, 0, OAI_EV_DI, "1002"), OAI_F_CAUSE), "28");
	assert_string_equal(engine_resolve(f->e, id, SCN_PARTY_ANY, NULL), "1003");
	/* 1002 is busy now: the next timeout keeps ringing 1003. */
	{
		char other[ENG_ID_MAX];
		call(f, "1002", "1000", other);
	}
	at = f->n;
	tick(f, 10000);
	expect(f, &at, "");
	assert_int_equal(engine_answer(f->e, "1003", id), 0);
}

static void
test_all_ring(void **state)
{
	struct fx *f = *state;
	char id[ENG_ID_MAX];
	size_t at;

	at = f->n;
	call(f, "1003", "2002", id);
	expect(f, &at, "DE@1000:A DE@1003:C DE@1001:A DE@1003:C DE@1000:A");
	assert_int_equal(engine_answer(f->e, "1001", id), 0);
	expect(f, &at, "XC@1000:N XC@1003:_ XC@1001:_ ES@1001:C ES@1003:C");
	dev_state(f, "1000", "idle");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_internal_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnd_fails_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_and_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_all_and_no_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_retrieve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hunt_group_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hunt_overflow_and_longest_idle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_transfer_to_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linear_ring_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_ring, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
