/*
 * scenario_test.c - unit tests of scenarios (scenario.c, scenario_parse.c,
 * scenario_check.c): the shipped files, what each verb parses into, every error message,
 * the checks against a site, writing and reading back, and the builder.
 *
 * Files are found under $HS_SRCDIR (the repository root; test/run-unit sets it), else ".".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static const char *const shipped[] = {
	"internal.scn", "outbound.scn", "inbound_queue.scn", "abandoned.scn", "hold.scn",
	"transfer.scn", "conference.scn", "trunk_to_trunk.scn", "dnd_forward.scn",
	"agents.scn", "faults.scn", "oai_7_3.scn",
};

static const char *
srcdir(void)
{
	const char *src = getenv("HS_SRCDIR");

	return src != NULL ? src : ".";
}

static struct site *
small_site(void)
{
	char path[1024], err[SITE_ERR_MAX];
	struct site *site;

	snprintf(path, sizeof(path), "%s/tools/pbxsim/sites/small.site", srcdir());
	if (site_load(path, &site, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return site;
}

static struct scenario *
load_shipped(const char *name)
{
	char path[1024], err[SCN_ERR_MAX];
	struct scenario *scn;

	snprintf(path, sizeof(path), "%s/tools/pbxsim/scenarios/%s", srcdir(), name);
	if (scenario_load(path, &scn, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return scn;
}

static struct scenario *
parse_ok(const char *text)
{
	char err[SCN_ERR_MAX];
	struct scenario *scn;

	if (scenario_parse(text, strlen(text), "t.scn", &scn, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return scn;
}

/* Every field but the line number. */
static void
assert_same_actions(const struct scenario *a, const struct scenario *b)
{
	assert_int_equal(a->nactions, b->nactions);
	assert_int_equal(a->ncalls, b->ncalls);
	for (size_t i = 0; i < a->ncalls; i++) {
		assert_string_equal(a->calls[i].label, b->calls[i].label);
		assert_int_equal(a->calls[i].parent, b->calls[i].parent);
	}
	for (size_t i = 0; i < a->nactions; i++) {
		struct scn_action x = a->actions[i], y = b->actions[i];
		x.line = y.line = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0)
			fail_msg("action %zu (%s at %lld) differs", i, scn_verb_name(x.verb),
			    (long long)x.at);
	}
	assert_int_equal(a->end, b->end);
}

/* Writes scn and parses the text back. */
static struct scenario *
round_trip(const struct scenario *scn)
{
	char *buf = NULL, err[SCN_ERR_MAX];
	size_t len = 0;
	struct scenario *back;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(scenario_write(scn, fp, "a comment\nof two lines"), HS_OK);
	fclose(fp);
	if (scenario_parse(buf, len, "back.scn", &back, err, sizeof(err)) != HS_OK)
		fail_msg("%s\n%s", err, buf);
	free(buf);
	return back;
}

/* ---- the shipped files ------------------------------------------------------------------ */

static void
shipped_files(void **state)
{
	struct site *site = small_site();

	(void)state;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		char err[SCN_ERR_MAX];
		struct scenario *scn = load_shipped(shipped[i]), *back;
		if (scenario_check(scn, site, err, sizeof(err)) != HS_OK)
			fail_msg("%s", err);
		assert_true(scn->nactions > 0);
		for (size_t k = 1; k < scn->nactions; k++)
			assert_true(scn->actions[k - 1].at <= scn->actions[k].at);
		back = round_trip(scn);
		assert_same_actions(scn, back);
		scenario_free(back);
		scenario_free(scn);
	}
	site_free(site);
}

/* Every verb occurs in some shipped file, so every family has its example. */
static void
shipped_cover_every_verb(void **state)
{
	bool seen[SCN_VERB_COUNT] = {false};

	(void)state;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		struct scenario *scn = load_shipped(shipped[i]);
		for (size_t k = 0; k < scn->nactions; k++)
			seen[scn->actions[k].verb] = true;
		scenario_free(scn);
	}
	for (int v = 0; v < SCN_VERB_COUNT; v++)
		if (!seen[v])
			fail_msg("no shipped scenario uses '%s'", scn_verb_name((enum scn_verb)v));
}

static void
transfer_file(void **state)
{
	struct scenario *scn = load_shipped("transfer.scn");
	const struct scn_action *a;
	int c2;

	(void)state;
	/* consult without a label gets <call>.<n>; transfer without one takes the latest */
	c2 = scenario_find_call(scn, "c2");
	assert_true(c2 >= 0);
	assert_int_equal(scenario_find_call(scn, "c2.1"), c2 + 1);
	assert_int_equal(scn->calls[c2 + 1].parent, c2);
	a = &scn->actions[2];
	assert_int_equal(a->verb, SCN_CONSULT);
	assert_int_equal(a->at, 20000);
	assert_string_equal(scn->calls[a->call].label, "c1.1");
	assert_string_equal(scn->calls[a->other].label, "c1");
	assert_int_equal(a->party, SCN_PARTY_DEV);
	assert_string_equal(a->dev, "1000");
	assert_string_equal(a->digits, "1002");
	a = &scn->actions[4];
	assert_int_equal(a->verb, SCN_TRANSFER);
	assert_string_equal(scn->calls[a->call].label, "c1");
	assert_string_equal(scn->calls[a->other].label, "c1.1");
	assert_string_equal(a->digits, "");
	a = &scn->actions[14];
	assert_int_equal(a->verb, SCN_TRANSFER);
	assert_string_equal(a->digits, "1007");
	assert_int_equal(a->other, -1);
	scenario_free(scn);
}

/* ---- what each verb parses into --------------------------------------------------------- */

static void
verbs(void **state)
{
	struct scenario *scn = parse_ok(
	    "# comment line\n"
	    "\n"
	    "0.5   c1 = inbound 97001 01632960100 from +447700900123 name \"O'Brien, Pat\"\n"
	    "+1.25 answer any c1                 # relative time: 1.75 s\n"
	    "2     hold answerer c1\n"
	    "3     retrieve answerer c1\n"
	    "4     c1x=consult answerer c1 9-07700900999 account 42\n"
	    "5     answer far c1x\n"
	    "6     conference answerer c1 c1x\n"
	    "7     hangup far c1\n"
	    "7     c2 = call 1000 5000\n"
	    "8     abandon c2\n"
	    "9     dnd 1000 on 3 \"BACK AT 2\"\n"
	    "9     dnd 1001 on\n"
	    "9     dnd 1001 off\n"
	    "10    forward 1000 busy-no-answer 2500\n"
	    "10    forward 1000 off\n"
	    "11    agent 3001 logon 1010\n"
	    "11    agent 1014 logon\n"
	    "11    agent 3001 wrapup\n"
	    "12    drop-link\n"
	    "12    drop-link 2.5\n"
	    "13    garbage\n"
	    "13    garbage fields\n"
	    "14    stall 60\n"
	    "15    restart\n"
	    "16    end\n");
	const struct scn_action *a = scn->actions;

	(void)state;
	assert_int_equal(scn->nactions, 25);
	assert_int_equal(scn->ncalls, 3);
	assert_int_equal(scn->end, 16000);
	assert_int_equal(a[0].verb, SCN_INBOUND);
	assert_int_equal(a[0].at, 500);
	assert_int_equal(a[0].line, 3);
	assert_string_equal(a[0].dev, "97001");
	assert_string_equal(a[0].digits, "01632960100");
	assert_string_equal(a[0].cli, "+447700900123");
	assert_string_equal(a[0].name, "O'Brien, Pat");
	assert_int_equal(a[1].at, 1750);
	assert_int_equal(a[1].party, SCN_PARTY_ANY);
	assert_int_equal(a[2].party, SCN_PARTY_ANSWERER);
	assert_int_equal(a[4].verb, SCN_CONSULT);
	assert_string_equal(scn->calls[a[4].call].label, "c1x");
	assert_int_equal(scn->calls[a[4].call].parent, 0);
	assert_string_equal(a[4].account, "42");
	assert_int_equal(a[5].party, SCN_PARTY_FAR);
	assert_int_equal(a[6].verb, SCN_CONFERENCE);
	assert_int_equal(a[6].other, a[4].call);
	assert_int_equal(a[9].verb, SCN_ABANDON);
	assert_true(a[10].on);
	assert_int_equal(a[10].dnd_msg, 3);
	assert_string_equal(a[10].text, "BACK AT 2");
	assert_int_equal(a[11].dnd_msg, 0);
	assert_false(a[12].on);
	assert_int_equal(a[13].fwd, SITE_FWD_BUSY_NO_ANSWER);
	assert_string_equal(a[13].digits, "2500");
	assert_int_equal(a[14].fwd, SITE_FWD_OFF);
	assert_int_equal(a[15].agent_op, SCN_AGENT_LOGON);
	assert_string_equal(a[15].station, "1010");
	assert_string_equal(a[16].station, "");
	assert_int_equal(a[17].agent_op, SCN_AGENT_WRAPUP);
	assert_int_equal(a[18].dur, 0);
	assert_int_equal(a[19].dur, 2500);
	assert_int_equal(a[20].garbage, SCN_GARBAGE_FRAME);
	assert_int_equal(a[21].garbage, SCN_GARBAGE_FIELDS);
	assert_int_equal(a[22].dur, 60000);
	assert_int_equal(a[24].verb, SCN_END);

	struct scenario *back = round_trip(scn);
	assert_same_actions(scn, back);
	scenario_free(back);
	scenario_free(scn);
}

/* The trunk may be written T97001. */
static void
trunk_with_t(void **state)
{
	struct scenario *scn = parse_ok("0 c1 = inbound T97001 01632960100\n");

	(void)state;
	assert_string_equal(scn->actions[0].dev, "97001");
	assert_string_equal(scn->actions[0].cli, "");
	scenario_free(scn);
}

static void
empty_file(void **state)
{
	struct scenario *scn = parse_ok("# nothing\n\n   \n");

	(void)state;
	assert_int_equal(scn->nactions, 0);
	assert_int_equal(scn->end, 0);
	scenario_free(scn);
}

/* ---- errors ----------------------------------------------------------------------------- */

static const struct {
	const char *text, *error;
} parse_bad[] = {
	{"abc call 1000 1001\n",
	    "t.scn:1: 'abc' is not a time (seconds such as 12 or 12.5, or +2 for 2 s after "
	    "the previous line)"},
	{"0 c1 = call 1000 1001\n5 answer 1001 c1\n3 hangup 1000 c1\n",
	    "t.scn:3: time 3 is before the previous line's 5"},
	{"99999999 end\n",
	    "t.scn:1: time 99999999 is later than ten days"},
	{"0\n",
	    "t.scn:1: missing action after the time"},
	{"0 c1 =\n",
	    "t.scn:1: missing action after 'c1 ='"},
	{"0 = call 1000 1001\n",
	    "t.scn:1: missing label before '='"},
	{"0 anwser 1001 c1\n",
	    "t.scn:1: unknown action 'anwser'"},
	{"0 call 1000 1001\n",
	    "t.scn:1: call: needs a label for the new call, as in: c1 = call ..."},
	{"0 inbound 97001 0163\n",
	    "t.scn:1: inbound: needs a label for the new call, as in: c1 = inbound ..."},
	{"0 c1 = answer 1001 c1\n",
	    "t.scn:1: answer: takes no label ('c1 =')"},
	{"0 1c = call 1000 1001\n",
	    "t.scn:1: '1c' is not a label (a letter, then letters, digits, '_' or '.'; up to "
	    "23 characters)"},
	{"0 far = call 1000 1001\n",
	    "t.scn:1: 'far' is a keyword and cannot be a label"},
	{"0 c1 = call 1000 1001\n1 c1 = call 1002 1003\n",
	    "t.scn:2: call 'c1' is already defined at line 1"},
	{"0 answer 1001 c9\n",
	    "t.scn:1: answer: unknown call 'c9'"},
	{"0 c1 = call\n",
	    "t.scn:1: call: missing the calling extension"},
	{"0 c1 = call 1000\n",
	    "t.scn:1: call: missing the dialled number"},
	{"0 c1 = call 10x0 1001\n",
	    "t.scn:1: call: the calling extension '10x0' is not a number of 1 to 8 digits"},
	{"0 c1 = call 1000 10a1\n",
	    "t.scn:1: call: '10a1' is not a dialled number (0-9 * # P ! - ( ), up to 48 characters)"},
	{"0 c1 = call 1000 1001 account\n",
	    "t.scn:1: call: missing an account code"},
	{"0 c1 = call 1000 1001 account 12ab\n",
	    "t.scn:1: call: '12ab' is not an account code (1 to 12 digits)"},
	{"0 c1 = call 1000 1001 extra\n",
	    "t.scn:1: call: unexpected 'extra'"},
	{"0 c1 = call 1000 \"1001\"\n",
	    "t.scn:1: call: expected the dialled number, got \"1001\""},
	{"0 c1 = inbound 97001 01632x\n",
	    "t.scn:1: inbound: '01632x' is not a DDI number (1 to 24 digits)"},
	{"0 c1 = inbound 97001 0163 from abc\n",
	    "t.scn:1: inbound: 'abc' is not a caller number (an optional '+', then 1 to 24 digits)"},
	{"0 c1 = inbound 97001 0163 name\n",
	    "t.scn:1: inbound: missing the caller's name"},
	{"0 c1 = inbound 97001 0163 name \"a|b\"\n",
	    "t.scn:1: inbound: the name may not contain '|'"},
	{"0 c1 = inbound 97001 0163 name \"This name is much longer than thirty-two\"\n",
	    "t.scn:1: inbound: the name is longer than 32 characters"},
	{"0 c1 = inbound 97001 0163 from 0123 from 0456\n",
	    "t.scn:1: inbound: 'from' given twice"},
	{"0 c1 = inbound 97001 0163 name \"unterminated\n",
	    "t.scn:1: missing closing '\"'"},
	{"0 c1 = call 1000 1001\n1 answer caller c1\n",
	    "t.scn:2: answer: 'caller' cannot act here (a number, far, any)"},
	{"0 c1 = call 1000 1001\n1 hold any c1\n",
	    "t.scn:2: hold: 'any' cannot act here (a number, caller, answerer)"},
	{"0 c1 = call 1000 1001\n1 transfer 1000 c1\n",
	    "t.scn:2: transfer: c1 has no consult call (consult first, or transfer ... to NUMBER)"},
	{"0 c1 = call 1000 1001\n1 c2 = call 1002 1003\n2 transfer 1000 c1 c2\n",
	    "t.scn:3: transfer: c2 is not a consult call of c1"},
	{"0 c1 = call 1000 1001\n1 conference 1000 c1\n",
	    "t.scn:2: conference: c1 has no consult call (consult first)"},
	{"0 c1 = call 1000 1001\n1 conference 1000 c1 to 1002\n",
	    "t.scn:2: conference: takes no 'to' (it joins the call with its consult call)"},
	{"0 dnd 1000\n",
	    "t.scn:1: dnd: missing on or off"},
	{"0 dnd 1000 maybe\n",
	    "t.scn:1: dnd: 'maybe' is not on or off"},
	{"0 dnd 1000 on 21\n",
	    "t.scn:1: dnd: '21' is not a message number 1..20"},
	{"0 dnd 1000 on 3 \"THIS IS TOO LONG FOR DND\"\n",
	    "t.scn:1: dnd: the DND text is longer than 16 characters"},
	{"0 dnd 1000 off 3\n",
	    "t.scn:1: dnd: unexpected '3'"},
	{"0 forward 1000 sideways 1001\n",
	    "t.scn:1: forward: 'sideways' is not one of off|all|busy|no-answer|busy-no-answer"},
	{"0 forward 1000 all\n",
	    "t.scn:1: forward: missing the destination"},
	{"0 forward 1000 off 1001\n",
	    "t.scn:1: forward: unexpected '1001'"},
	{"0 agent 3001\n",
	    "t.scn:1: agent: missing what the agent does"},
	{"0 agent 3001 dance\n",
	    "t.scn:1: agent: 'dance' is not one of logon|logoff|ready|notready|wrapup"},
	{"0 agent 3001 logon 1x\n",
	    "t.scn:1: agent: the station '1x' is not a number of 1 to 8 digits"},
	{"0 drop-link soon\n",
	    "t.scn:1: drop-link: 'soon' is not a duration in seconds (up to ten days)"},
	{"0 stall\n",
	    "t.scn:1: stall: missing a duration in seconds"},
	{"0 garbage bytes\n",
	    "t.scn:1: garbage: 'bytes' is not one of frame|length|fields"},
	{"0 restart now\n",
	    "t.scn:1: restart: unexpected 'now'"},
	{"0 end\n1 restart\n",
	    "t.scn:2: nothing may follow 'end' (line 1)"},
	{"0 c1 = call 1000 1001\n1 abandon\n",
	    "t.scn:2: abandon: missing a call label"},
	{"0 c1 = call 1000 1001\n0.1234 abandon c1\n",
	    "t.scn:2: '0.1234' is not a time (seconds such as 12 or 12.5, or +2 for 2 s "
	    "after the previous line)"},
	{"0 c1 = call 1000 1001\n1 hold 1000 c1 c1\n",
	    "t.scn:2: hold: unexpected 'c1'"},
	{"0 c1 = call 1000 1001\n1 consult 1000 c1\n",
	    "t.scn:2: consult: missing the dialled number"},
	{"0 c1 = call 1000 1001\n1 c1.1 = call 1002 1003\n2 consult 1000 c1 1004\n",
	    "t.scn:3: consult: the automatic label 'c1.1' is taken; give one ('c2 = consult ...')"},
	{"0 c1 = call 1000 \x01\n",
	    "t.scn:1: character 0x01 is not printable ASCII"},
	{"0 c1 = call 1000 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n",
	    "t.scn:1: more than 24 words on a line"},
	{"0 thisisaverylonglabelname_x = call 1000 1001\n",
	    "t.scn:1: 'thisisaverylonglabelname_x' is not a label (a letter, then letters, "
	    "digits, '_' or '.'; up to 23 characters)"},
	{"0 c1 = call 1000 1001\n1 c2 = call 1000 1002\n2 c2.1 = consult 1000 c1 1003\n"
	    "3 transfer 1000 c2 c2.1\n",
	    "t.scn:4: transfer: c2.1 is not a consult call of c2"},
	{"0 c1 = call 1000 1001\r\n1 abandon c1 c1\r\n",
	    "t.scn:2: abandon: unexpected 'c1'"},
};

static void
parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_bad) / sizeof(parse_bad[0]); i++) {
		char err[SCN_ERR_MAX];
		struct scenario *scn = (struct scenario *)1;
		hs_err rc = scenario_parse(parse_bad[i].text, strlen(parse_bad[i].text), "t.scn",
		    &scn, err, sizeof(err));
		if (rc != HS_ECONFIG || strcmp(err, parse_bad[i].error) != 0)
			fail_msg("case %zu: got %s \"%s\"\n  expected \"%s\"", i, hs_err_name(rc),
			    err, parse_bad[i].error);
		assert_null(scn);
	}
}

static const struct {
	const char *text, *error;
} check_bad[] = {
	{"0 c1 = call 1099 1001\n",
	    "t.scn:1: call: 1099 is not an extension"},
	{"0 c1 = call 1090 1001\n",
	    "t.scn:1: call: 1090 is a phantom, which cannot act"},
	{"0 c1 = call 1000 1000\n",
	    "t.scn:1: call: 1000 dials itself"},
	{"0 c1 = call 1000 370\n",
	    "t.scn:1: call: '370' is a feature code (dnd_on); use the dnd, forward or agent actions"},
	{"0 c1 = call 1000 10\n",
	    "t.scn:1: call: '10' is incomplete"},
	{"0 c1 = call 1000 4\n",
	    "t.scn:1: call: '4' is a feature code (reverse_transfer); use the dnd, forward "
	    "or agent actions"},
	{"0 c1 = call 1000 123\n",
	    "t.scn:1: call: '123' is not in the dial plan (no extension, hunt group, access "
	    "code or feature code begins so)"},
	{"0 c1 = inbound 97009 01632960100\n",
	    "t.scn:1: inbound: 97009 is not a trunk"},
	{"0 c1 = inbound 97001 01632960999\n",
	    "t.scn:1: inbound: 01632960999 is not a DDI of the site"},
	{"0 c1 = call 1000 1001\n1 answer 9999 c1\n",
	    "t.scn:2: answer: 9999 is not an extension or trunk"},
	{"0 c1 = call 1000 1001\n1 hold 97001 c1\n",
	    "t.scn:2: hold: 97001 is not an extension"},
	{"0 c1 = call 1000 1001\n1 c2 = consult 1000 c1 9\n",
	    "t.scn:2: consult: '9' is incomplete"},
	{"0 c1 = call 1000 1001\n1 transfer 1000 c1 to 123\n",
	    "t.scn:2: transfer: '123' is not in the dial plan (no extension, hunt group, access "
	    "code or feature code begins so)"},
	{"0 dnd 9999 on\n",
	    "t.scn:1: dnd: 9999 is not an extension"},
	{"0 dnd 1000 on 9\n",
	    "t.scn:1: dnd: there is no DND message 9 (the site has 8)"},
	{"0 forward 1000 all 1000\n",
	    "t.scn:1: forward: 1000 forwards to itself"},
	{"0 forward 9999 off\n",
	    "t.scn:1: forward: 9999 is not an extension"},
	{"0 agent 9999 ready\n",
	    "t.scn:1: agent: 9999 is not an agent ID or an ACD member station"},
	{"0 agent 3001 logon\n",
	    "t.scn:1: agent: agent 3001 needs a station to log on at"},
	{"0 agent 3001 logon 2500\n",
	    "t.scn:1: agent: 2500 is a voicemail, which cannot act"},
	{"0 agent 1014 logon 1015\n",
	    "t.scn:1: agent: 1014 is not an agent ID or an ACD member station"},
};

static void
check_errors(void **state)
{
	struct site *site = small_site();

	(void)state;
	for (size_t i = 0; i < sizeof(check_bad) / sizeof(check_bad[0]); i++) {
		char err[SCN_ERR_MAX];
		struct scenario *scn = parse_ok(check_bad[i].text);
		hs_err rc = scenario_check(scn, site, err, sizeof(err));
		if (rc != HS_ECONFIG || strcmp(err, check_bad[i].error) != 0)
			fail_msg("case %zu: got %s \"%s\"\n  expected \"%s\"", i, hs_err_name(rc),
			    err, check_bad[i].error);
		scenario_free(scn);
	}
	site_free(site);
}

static void
nul_and_missing(void **state)
{
	static const char nul[] = "0 c1 = call 1000 1001\n1 ab\0andon c1\n";
	char err[SCN_ERR_MAX];
	struct scenario *scn;

	(void)state;
	assert_int_equal(scenario_parse(nul, sizeof(nul) - 1, "t.scn", &scn, err, sizeof(err)),
	    HS_ECONFIG);
	assert_string_equal(err, "t.scn:2: NUL character in line");
	assert_int_equal(scenario_load("/nonexistent/x.scn", &scn, err, sizeof(err)),
	    HS_ENOTFOUND);
	assert_string_equal(err, "/nonexistent/x.scn: cannot open: No such file or directory");
	assert_null(scn);
}

/* ---- building and writing --------------------------------------------------------------- */

static void
builder_and_writer(void **state)
{
	struct scenario *scn = scenario_new("built");
	struct scn_action *a;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int c1, c11;

	(void)state;
	c1 = scenario_add_call(scn, "c1", -1);
	c11 = scenario_add_call(scn, "c1.1", c1);
	assert_int_equal(scn->calls[c1].nconsults, 1);
	/* added out of order: the sort keeps equal times in insertion order */
	a = scenario_add_action(scn, 3000, SCN_HANGUP);
	a->call = c1;
	a->party = SCN_PARTY_FAR;
	a = scenario_add_action(scn, 0, SCN_CALL);
	a->call = c1;
	a->party = SCN_PARTY_DEV;
	snprintf(a->dev, sizeof(a->dev), "1000");
	snprintf(a->digits, sizeof(a->digits), "9-0123");
	snprintf(a->account, sizeof(a->account), "77");
	a = scenario_add_action(scn, 1500, SCN_CONSULT);
	a->call = c11;
	a->other = c1;
	a->party = SCN_PARTY_CALLER;
	snprintf(a->digits, sizeof(a->digits), "1001");
	a = scenario_add_action(scn, 1500, SCN_TRANSFER);
	a->call = c1;
	a->other = c11;
	a->party = SCN_PARTY_CALLER;
	a = scenario_add_action(scn, 1000, SCN_ANSWER);
	a->call = c1;
	a->party = SCN_PARTY_FAR;
	scenario_sort(scn);
	assert_int_equal(scn->end, 3000);

	fp = open_memstream(&buf, &len);
	assert_int_equal(scenario_write(scn, fp, "built by hand"), HS_OK);
	fclose(fp);
	assert_string_equal(buf,
	    "# built by hand\n"
	    "0          c1 = call 1000 9-0123 account 77\n"
	    "1          answer far c1\n"
	    "1.5        c1.1 = consult caller c1 1001\n"
	    "1.5        transfer caller c1 c1.1\n"
	    "3          hangup far c1\n");
	free(buf);
	scenario_free(scn);
}

static void
names(void **state)
{
	(void)state;
	assert_string_equal(scn_verb_name(SCN_DROP_LINK), "drop-link");
	assert_string_equal(scn_verb_name(SCN_VERB_COUNT), "?");
	assert_string_equal(scn_party_name(SCN_PARTY_ANSWERER), "answerer");
	assert_string_equal(scn_agent_op_name(SCN_AGENT_NOTREADY), "notready");
	assert_string_equal(scn_garbage_name(SCN_GARBAGE_LENGTH), "length");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_files),
		cmocka_unit_test(shipped_cover_every_verb),
		cmocka_unit_test(transfer_file),
		cmocka_unit_test(verbs),
		cmocka_unit_test(trunk_with_t),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(check_errors),
		cmocka_unit_test(nul_and_missing),
		cmocka_unit_test(builder_and_writer),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
