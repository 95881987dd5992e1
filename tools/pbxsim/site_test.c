/*
 * site_test.c - unit tests of site files (site.c, site_parse.c, site_lookup.c): the shipped
 * sites, every error message, the lookups and the dialled-digit classification.
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

#include "site.h"

static struct site *
load_shipped(const char *name)
{
	const char *src = getenv("HS_SRCDIR");
	char path[1024], err[SITE_ERR_MAX];
	struct site *site;
	hs_err rc;

	snprintf(path, sizeof(path), "%s/tools/pbxsim/sites/%s", src != NULL ? src : ".", name);
	rc = site_load(path, &site, err, sizeof(err));
	if (rc != HS_OK)
		fail_msg("%s", err);
	return site;
}

static hs_err
load_text(const char *text, struct site **site, char *err, size_t errlen)
{
	return site_load_mem(text, strlen(text), "t.site", site, err, errlen);
}

/* ---- the shipped sites ------------------------------------------------------------------ */

static void
small_site(void **state)
{
	struct site *s = load_shipped("small.site");
	const struct site_ext *e;
	const struct site_huntgroup *hg;
	const struct site_trunkgroup *tg;
	const struct site_agent *a;

	(void)state;
	assert_string_equal(s->name, "Small office");
	assert_string_equal(s->oai_password, "oaipass");
	assert_int_equal(s->oai_max_ports, 4);
	assert_int_equal(s->oai_port, 4000);
	assert_false(s->gateway);
	assert_string_equal(s->voicemail, "2500");
	assert_int_equal(s->nnodes, 1);
	assert_int_equal(s->nodes[0].country, 3);
	assert_string_equal(s->nodes[0].protocol, "V10.20");
	assert_int_equal(s->nexts, 22);
	assert_int_equal(s->ntrunks, 4);
	assert_int_equal(s->ntrunkgroups, 1);
	assert_int_equal(s->nhuntgroups, 2);
	assert_int_equal(s->nagents, 4);
	assert_int_equal(s->nddis, 3);

	e = site_ext(s, "1000");
	assert_non_null(e);
	assert_string_equal(e->description, "Reception");
	assert_true(e->attendant);
	assert_ptr_equal(e->node, &s->nodes[0]);
	assert_int_equal(site_ext_type_code(site_ext(s, "1017")->type), 38);
	assert_int_equal(site_ext_type_code(site_ext(s, "1018")->type), 38);
	assert_int_equal(site_ext_type_code(site_ext(s, "1090")->type), 34);
	assert_int_equal(site_ext_type_code(site_ext(s, "2500")->type), 12);
	assert_int_equal(site_ext_type_code(site_ext(s, "1019")->type), 1);
	assert_int_equal(site_ext_type_code(site_ext(s, "1010")->type), 23);
	assert_false(site_ext_can_call(site_ext(s, "1090")));
	assert_false(site_ext_can_call(site_ext(s, "2500")));
	e = site_ext(s, "1005");
	assert_int_equal(e->dnd, 4);
	assert_string_equal(e->dnd_text, "UNTIL 2PM");
	e = site_ext(s, "1001");
	assert_int_equal(e->fwd, SITE_FWD_NO_ANSWER);
	assert_string_equal(e->fwd_dest, "2500");

	tg = site_trunkgroup_by_access(s, "9");
	assert_non_null(tg);
	assert_string_equal(tg->number, "92000");
	assert_int_equal(tg->nmembers, 4);
	assert_string_equal(tg->members[0]->number, "97001");
	assert_string_equal(tg->members[3]->number, "97004");
	assert_ptr_equal(site_trunk(s, "97003")->group, tg);
	assert_int_equal(site_trunk_type_code(site_trunk(s, "97003")->type), 9);
	assert_null(site_trunkgroup_by_access(s, "8"));

	hg = site_huntgroup(s, "2000");
	assert_int_equal(hg->type, SITE_HG_ACD);
	assert_int_equal(site_hg_oai_type(hg), 2);
	assert_int_equal(hg->nagents, 4);
	assert_int_equal(hg->nmembers, 0);
	assert_true(hg->queue);
	assert_string_equal(hg->overflow, "2500");
	assert_int_equal(hg->overflow_timeout, 90);
	assert_int_equal(hg->wrapup, 10);
	hg = site_huntgroup(s, "2001");
	assert_int_equal(site_hg_oai_type(hg), 0);
	assert_int_equal(hg->nmembers, 3);
	assert_string_equal(hg->members[2]->number, "1016");
	assert_int_equal(site_ext(s, "1015")->ngroups, 1);
	assert_ptr_equal(site_ext(s, "1015")->groups[0], hg);

	a = site_agent(s, "3001");
	assert_string_equal(a->description, "Green, Tom");
	assert_string_equal(a->login->number, "1010");
	assert_int_equal(a->state, SITE_AGENT_READY);
	assert_int_equal(a->ngroups, 1);
	assert_int_equal(site_agent(s, "3003")->state, SITE_AGENT_NOT_READY);
	assert_int_equal(site_agent(s, "3004")->state, SITE_AGENT_OFF);
	assert_null(site_agent(s, "3004")->login);

	assert_int_equal(s->ndnd, 8);
	assert_string_equal(s->dnd[3], "AT LUNCH UNTIL");
	assert_string_equal(site_feature(s, SITE_FEAT_DOOR_RELAY)->code, "");
	assert_string_equal(site_feature(s, SITE_FEAT_DND_ON)->code, "370");
	site_free(s);
}

static void
demo_site(void **state)
{
	struct site *s = load_shipped("demo.site");
	size_t sip = 0, agents_ready = 0;

	(void)state;
	assert_int_equal(s->nnodes, 2);
	assert_true(s->gateway);
	assert_int_equal(s->nexts, 62);
	assert_int_equal(s->ntrunks, 8);
	assert_int_equal(s->ntrunkgroups, 2);
	assert_int_equal(s->nhuntgroups, 3);
	assert_int_equal(s->nagents, 10);
	for (size_t i = 0; i < s->nexts; i++)
		sip += s->exts[i].type == SITE_EXT_SIP;
	for (size_t i = 0; i < s->nagents; i++)
		agents_ready += s->agents[i].state == SITE_AGENT_READY;
	assert_int_equal(sip, 2);
	assert_int_equal(agents_ready, 7);
	assert_int_equal(site_ext(s, "1100")->node->number, 2);
	assert_int_equal(site_trunk(s, "97007")->node->number, 2);
	assert_string_equal(site_trunkgroup_by_access(s, "8")->number, "92001");
	assert_int_equal(site_huntgroup(s, "2002")->type, SITE_HG_LINEAR);
	assert_true(site_huntgroup(s, "2002")->queue);
	assert_false(site_huntgroup(s, "2002")->nagents);
	/* No [dnd] and no [features]: the defaults. */
	assert_int_equal(s->ndnd, 20);
	assert_string_equal(s->dnd[0], "DO-NOT-DISTURB");
	assert_string_equal(site_feature(s, SITE_FEAT_CONFERENCE)->code, "5");
	site_free(s);
}

static void
lookups(void **state)
{
	struct site *s = load_shipped("small.site");
	const struct site_ext *ext;
	const struct site_huntgroup *hg;
	struct site_ref r;

	(void)state;
	r = site_lookup(s, "1000");
	assert_int_equal(r.kind, SITE_EXTENSION);
	assert_string_equal(r.u.ext->number, "1000");
	assert_int_equal(site_lookup(s, "2000").kind, SITE_HUNTGROUP);
	assert_int_equal(site_lookup(s, "97001").kind, SITE_TRUNK);
	assert_int_equal(site_lookup(s, "92000").kind, SITE_TRUNKGROUP);
	assert_int_equal(site_lookup(s, "3002").kind, SITE_AGENT);
	assert_int_equal(site_lookup(s, "4000").kind, SITE_NONE);
	assert_int_equal(site_lookup(s, "9").kind, SITE_NONE); /* an access code, not a number */
	assert_int_equal(site_lookup(s, NULL).kind, SITE_NONE);
	assert_null(site_ext(s, "2000"));
	assert_null(site_huntgroup(s, "1000"));
	assert_null(site_trunk(s, "1000"));
	assert_null(site_agent(s, "1000"));
	assert_string_equal(site_kind_name(SITE_TRUNKGROUP), "trunkgroup");

	site_ddi_route(s, site_ddi(s, "01632960100"), &ext, &hg);
	assert_null(ext);
	assert_string_equal(hg->number, "2000");
	site_ddi_route(s, site_ddi(s, "01632960300"), &ext, &hg);
	assert_string_equal(ext->number, "1000");
	assert_null(hg);
	assert_string_equal(site_ddi(s, "01632960300")->name, "MAIN LINE");
	assert_null(site_ddi(s, "01632960999"));
	assert_non_null(site_node(s, 1));
	assert_null(site_node(s, 2));

	assert_int_equal(site_fwd_parse("busy-no-answer"), SITE_FWD_BUSY_NO_ANSWER);
	assert_int_equal(site_fwd_parse("sideways"), -1);
	assert_int_equal(site_agent_state_parse("wrapup"), SITE_AGENT_WRAPUP);
	assert_string_equal(site_hg_type_name(SITE_HG_ALL_RING), "all-ring");
	site_free(s);
}

/* ---- dialled digits --------------------------------------------------------------------- */

static void
dialling(void **state)
{
	static const struct {
		const char *dialled;
		enum site_dial_kind kind;
		const char *what; /* ext/pilot number, outside number or feature key */
		const char *arg;
	} cases[] = {
		{"1000", SITE_DIAL_EXTENSION, "1000", NULL},
		{"1090", SITE_DIAL_EXTENSION, "1090", NULL},         /* phantom */
		{"2500", SITE_DIAL_EXTENSION, "2500", NULL},         /* voice mail */
		{"2000", SITE_DIAL_HUNTGROUP, "2000", NULL},
		{"9-07700900123", SITE_DIAL_OUTSIDE, "07700900123", NULL},
		{"9 (01632) 960-999", SITE_DIAL_OUTSIDE, "01632960999", NULL},
		{"9P01632960999", SITE_DIAL_OUTSIDE, "P01632960999", NULL},
		{"9*31#", SITE_DIAL_OUTSIDE, "*31#", NULL},
		{"370", SITE_DIAL_FEATURE, "dnd_on", ""},
		{"3705", SITE_DIAL_FEATURE, "dnd_on", "5"},
		{"!5", SITE_DIAL_FEATURE, "conference", ""},
		{"5", SITE_DIAL_FEATURE, "conference", ""},
		{"3263001", SITE_DIAL_FEATURE, "acd_login", "3001"},
		{"9", SITE_DIAL_INCOMPLETE, NULL, NULL},
		{"10", SITE_DIAL_INCOMPLETE, NULL, NULL},
		{"1", SITE_DIAL_INCOMPLETE, NULL, NULL},
		{"37", SITE_DIAL_INCOMPLETE, NULL, NULL},
		{"10000", SITE_DIAL_INVALID, NULL, NULL},
		{"1099", SITE_DIAL_INVALID, NULL, NULL},
		{"7", SITE_DIAL_INVALID, NULL, NULL},
		{"3712", SITE_DIAL_INVALID, NULL, NULL},             /* dnd_off takes nothing */
		{"332", SITE_DIAL_INVALID, NULL, NULL},              /* door_relay removed */
		{"!1000", SITE_DIAL_INVALID, NULL, NULL},
		{"1000x", SITE_DIAL_INVALID, NULL, NULL},
		{"P9", SITE_DIAL_INVALID, NULL, NULL},
		{"", SITE_DIAL_INVALID, NULL, NULL},
		{"--", SITE_DIAL_INVALID, NULL, NULL},
		{"9-0123456789012345678901234567890123456789012345678", SITE_DIAL_INVALID, NULL,
		    NULL},
	};
	struct site *s = load_shipped("small.site");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct site_dial d;
		enum site_dial_kind k = site_dial(s, cases[i].dialled, &d);
		if (k != cases[i].kind)
			fail_msg("'%s': %s, expected %s (%s)", cases[i].dialled,
			    site_dial_kind_name(k), site_dial_kind_name(cases[i].kind),
			    d.why ? d.why : "");
		assert_int_equal(d.kind, k);
		switch (k) {
		case SITE_DIAL_EXTENSION:
			assert_string_equal(d.ext->number, cases[i].what);
			break;
		case SITE_DIAL_HUNTGROUP:
			assert_string_equal(d.hg->number, cases[i].what);
			break;
		case SITE_DIAL_OUTSIDE:
			assert_string_equal(d.outside, cases[i].what);
			assert_string_equal(d.tg->number, "92000");
			break;
		case SITE_DIAL_FEATURE:
			assert_string_equal(d.feature->key, cases[i].what);
			assert_string_equal(d.arg, cases[i].arg);
			break;
		case SITE_DIAL_INVALID:
			assert_non_null(d.why);
			break;
		default:
			break;
		}
	}
	site_free(s);
}

static void
dial_normalises(void **state)
{
	struct site *s = load_shipped("small.site");
	struct site_dial d;

	(void)state;
	site_dial(s, "9 (01632) 960-999", &d);
	assert_string_equal(d.digits, "901632960999");
	site_dial(s, "!5", &d);
	assert_string_equal(d.digits, "5");
	site_free(s);
}

/* ---- what a site file may say ----------------------------------------------------------- */

static void
syntax_accepted(void **state)
{
	static const char text[] =
	    "\xEF\xBB\xBF; a BOM, comments of both kinds\n"
	    "# hash comment\n"
	    "[node 7]\n"
	    "country = 3\n"
	    "[extension 100]\n"
	    "description = \"Doe, John\"   ; inline comment\n"
	    "type = SIP\n"
	    "dnd = on\n"
	    "dnd_text = BACK SOON\n"
	    "[extension 101]\n"
	    "forward = busy 9-0123\n"
	    "[extension 102]\n"
	    "[huntgroup 200]\n"
	    "members = 100 - 101\n"
	    "members = 102\n"
	    "[trunk 900]\n"
	    "[trunkgroup 800]\n"
	    "access = 9\n"
	    "members = 900\n";
	char err[SITE_ERR_MAX];
	struct site *s;

	(void)state;
	if (load_text(text, &s, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	assert_string_equal(s->name, "t");
	assert_int_equal(s->nodes[0].number, 7);
	assert_string_equal(site_ext(s, "100")->description, "Doe, John");
	assert_int_equal(site_ext(s, "100")->type, SITE_EXT_SIP);
	assert_int_equal(site_ext(s, "100")->dnd, 1);
	assert_int_equal(site_ext(s, "101")->fwd, SITE_FWD_BUSY);
	assert_string_equal(site_ext(s, "101")->fwd_dest, "90123");
	assert_int_equal(site_huntgroup(s, "200")->nmembers, 3);
	assert_false(site_huntgroup(s, "200")->queue);   /* linear: no queue by default */
	assert_int_equal(site_huntgroup(s, "200")->ring_timeout, 15);
	site_free(s);
}

/* [record_a_call]: defaults, every key, IPv6, and no section at all. */
static void
record_a_call(void **state)
{
	static const char v4[] = "[node 1]\n[extension 1000]\n[record_a_call]\n"
	    "extension = 2590\npeer = 192.0.2.7:5070\n";
	static const char v6[] = "[node 1]\n[extension 1000]\n[record_a_call]\n"
	    "extension = 2590 ; the RAC application\npeer = [2001:db8::7]:5060\n"
	    "username = pbx\npassword = \"s3cret-Pass\"\ncodec = pcmu\n";
	char err[SITE_ERR_MAX];
	struct site *s;

	(void)state;
	if (load_text(v4, &s, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	assert_true(s->rac.enabled);
	assert_string_equal(s->rac.extension, "2590");
	assert_string_equal(s->rac.peer, "192.0.2.7:5070");
	assert_string_equal(s->rac.host, "192.0.2.7");
	assert_int_equal(s->rac.port, 5070);
	assert_int_equal(s->rac.family, 4);
	assert_string_equal(s->rac.username, "");
	assert_int_equal(s->rac.codec, SITE_RAC_PCMA);
	assert_int_equal(site_rac_codec_pt(s->rac.codec), 8);
	assert_int_equal(s->rac.line, 3);
	/* not a device, not dialled */
	assert_int_equal(site_lookup(s, "2590").kind, SITE_NONE);
	site_free(s);

	if (load_text(v6, &s, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	assert_string_equal(s->rac.extension, "2590");
	assert_string_equal(s->rac.host, "2001:db8::7");
	assert_int_equal(s->rac.port, 5060);
	assert_int_equal(s->rac.family, 6);
	assert_string_equal(s->rac.username, "pbx");
	assert_string_equal(s->rac.password, "s3cret-Pass");
	assert_int_equal(s->rac.codec, SITE_RAC_PCMU);
	assert_int_equal(site_rac_codec_pt(s->rac.codec), 0);
	assert_string_equal(site_rac_codec_name(s->rac.codec), "pcmu");
	site_free(s);

	s = load_shipped("small.site");
	assert_false(s->rac.enabled);
	site_free(s);
}

static void
ranges_keep_width(void **state)
{
	static const char text[] = "[node 1]\n[extension 0098]\n[extension 0099]\n"
	    "[extension 0100]\n[huntgroup 0200]\nmembers = 0098-0100\n";
	char err[SITE_ERR_MAX];
	struct site *s;

	(void)state;
	if (load_text(text, &s, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	assert_string_equal(site_huntgroup(s, "0200")->members[2]->number, "0100");
	site_free(s);
}

static const struct {
	const char *text, *error;
} bad[] = {
	{"[node 1]\n[extension 100]\nfoo = 1\n",
	    "t.site:3: [extension 100] unknown key 'foo'"},
	{"[node 1]\n[extension 100]\ntype = robot\n",
	    "t.site:3: [extension 100] type: 'robot' is not one of "
	    "keyset|single-line|voicemail|acd-agent|bri|mgcp|phantom|softphone|sip"},
	{"[node 1]\n[extension 100]\ndescription = This description is far too long\n",
	    "t.site:3: [extension 100] description: longer than 20 characters"},
	{"[node 1]\n[extension 100]\ndescription = a|b\n",
	    "t.site:3: [extension 100] description: '|' is not allowed (the OAI link uses it "
	    "to quote text)"},
	{"[node 1]\n[extension 100]\ndescription = a\ndescription = b\n",
	    "t.site:4: [extension 100] description: given twice (first at line 3)"},
	{"[node 1]\n[extension 100]\nphysical = x\n",
	    "t.site:3: [extension 100] physical: 'x' is not an integer"},
	{"[node 1]\n[extension 100]\nphysical = 70000\n",
	    "t.site:3: [extension 100] physical: 70000 is out of range 0..65535"},
	{"[node 1]\n[extension 100]\nadmin = maybe\n",
	    "t.site:3: [extension 100] admin: 'maybe' is not yes or no"},
	{"[node 1]\n[extension 100]\nnode = 2\n",
	    "t.site:3: [extension 100] node: there is no [node 2]"},
	{"[node 1]\n[extension 10a]\n",
	    "t.site:2: [extension 10a]: '10a' is not a number (1 to 8 digits)"},
	{"[node 1]\n[extension]\n",
	    "t.site:2: section [extension] needs a number: [extension NUMBER]"},
	{"[node 1]\n[bogus 1]\n",
	    "t.site:2: unknown section [bogus 1]"},
	{"[node 1]\n[system 1]\n",
	    "t.site:2: section [system] takes no number"},
	{"[node 1]\n[system]\n[system]\n",
	    "t.site:3: [system] is already defined at line 2"},
	{"[node 1]\n[extension 100]\n[extension 100]\n",
	    "t.site:3: [extension 100] is already defined at line 2"},
	{"[node 1]\n[extension 100]\n[huntgroup 100]\nmembers = 100\n",
	    "t.site:3: [huntgroup 100]: number 100 is already used by [extension 100] at line 2"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 101\n",
	    "t.site:4: [huntgroup 200] members: 101 is not an extension"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100, 100\n",
	    "t.site:4: [huntgroup 200] members: 100 is listed twice"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100-99\n",
	    "t.site:4: [huntgroup 200] members: range 100-99: both ends need the same number "
	    "of digits"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100-1000\n",
	    "t.site:4: [huntgroup 200] members: range 100-1000: both ends need the same "
	    "number of digits"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100,,\n",
	    "t.site:4: [huntgroup 200] members: empty item in list"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\n",
	    "t.site:3: [huntgroup 200]: no members (give members, or agents for an acd group)"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100\nagents = 300\n",
	    "t.site:5: [huntgroup 200] agents: only an acd group has agent IDs"},
	{"[node 1]\n[extension 100]\n[agent 300]\n[huntgroup 200]\ntype = acd\nmembers = "
	    "100\nagents = 300\n",
	    "t.site:4: [huntgroup 200]: give members or agents, not both"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100\noverflow_timeout = 30\n",
	    "t.site:3: [huntgroup 200]: overflow_timeout needs overflow"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100\noverflow = 100\n",
	    "t.site:3: [huntgroup 200]: overflow needs overflow_timeout"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100\noverflow = "
	    "200\noverflow_timeout = 5\n",
	    "t.site:5: [huntgroup 200] overflow: 200 is the group itself"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100\nwrapup = 5\n",
	    "t.site:5: [huntgroup 200] wrapup: only an acd group has wrap-up"},
	{"[node 1]\n[extension 100]\n[agent 300]\nstate = ready\n",
	    "t.site:4: [agent 300] state: ready needs login (the station the agent is logged on at)"},
	{"[node 1]\n[extension 100]\n[agent 300]\nlogin = 100\nstate = off\n",
	    "t.site:5: [agent 300] state: off contradicts login"},
	{"[node 1]\n[extension 100]\ntype = phantom\n[agent 300]\nlogin = 100\n",
	    "t.site:5: [agent 300] login: extension 100 is a phantom, not a station"},
	{"[node 1]\n[extension 100]\n[agent 300]\nlogin = 100\n[agent 301]\nlogin = 100\n",
	    "t.site:5: [agent 301] login: extension 100 is already the login of [agent 300]"},
	{"[node 1]\n[trunk 900]\n[trunkgroup 800]\n",
	    "t.site:3: [trunkgroup 800]: no members"},
	{"[node 1]\n[trunk 900]\n[trunkgroup 800]\nmembers = 900\n[trunkgroup 801]\nmembers = 900\n",
	    "t.site:6: [trunkgroup 801] members: trunk 900 is already in [trunkgroup 800]"},
	{"[node 1]\n[trunk 900]\n[trunkgroup 800]\nmembers = 901\n",
	    "t.site:4: [trunkgroup 800] members: 901 is not a trunk"},
	{"[node 1]\n[trunk 900]\n[trunkgroup 800]\naccess = 9\nmembers = 900\n[extension 900]\n",
	    "t.site:6: [extension 900]: number 900 is already used by [trunk 900] at line 2"},
	{"[node 1]\n[trunk 900]\n[trunkgroup 800]\naccess = 1\nmembers = 900\n[extension 100]\n",
	    "t.site:6: dial plan: access code 1 of [trunkgroup 800] (line 4) is a prefix of "
	    "extension 100 (line 6); the dial plan must be prefix-free"},
	{"[node 1]\n[extension 500]\n",
	    "t.site:2: dial plan: feature code 5 (conference, default) is a prefix of "
	    "extension 500 (line 2); the dial plan must be prefix-free"},
	{"[node 1]\n[extension 370]\n",
	    "t.site:2: dial plan: extension 370 (line 2) is the same number as feature code "
	    "370 (dnd_on, default); the dial plan must be prefix-free"},
	{"[node 1]\n[extension 100]\n[features]\nconference = 10\n",
	    "t.site:4: dial plan: feature code 10 (conference, line 4) is a prefix of "
	    "extension 100 (line 2); the dial plan must be prefix-free"},
	{"[node 1]\n[extension 100]\n[features]\nteleport = 1\n",
	    "t.site:4: [features] unknown feature 'teleport'"},
	{"[node 1]\n[extension 100]\n[features]\nconference = x\n",
	    "t.site:4: [features] conference: 'x' is not a feature code (1 to 8 digits, or none)"},
	{"[node 1]\n[extension 100]\n[features]\nconference = none\nconference = 5\n",
	    "t.site:5: [features] conference: given twice (first at line 4)"},
	{"[node 1]\n[ddi 0123]\n",
	    "t.site:2: [ddi 0123]: destination is missing"},
	{"[node 1]\n[ddi 0123]\ndestination = 100\n",
	    "t.site:3: [ddi 0123] destination: 100 is not an extension or hunt group"},
	{"[node 1]\n[extension 100]\n[ddi 0123]\ndestination = 100\nname = MAIN\n[ddi 0123]\n",
	    "t.site:6: [ddi 0123] is already defined at line 3"},
	{"[node 1]\n[dnd]\n1 = A\n3 = C\n",
	    "t.site:2: [dnd]: message 2 is missing (messages are numbered 1..N without gaps)"},
	{"[node 1]\n[dnd]\n21 = A\n",
	    "t.site:3: [dnd] '21' is not a message number 1..20"},
	{"[node 1]\n[dnd]\n1 = THIS TEXT IS TOO LONG\n",
	    "t.site:3: [dnd] 1: longer than 16 characters"},
	{"[node 1]\n[dnd]\n1 = A\n1 = B\n",
	    "t.site:4: [dnd] 1: given twice"},
	{"[node 1]\n[dnd]\n1 =\n",
	    "t.site:3: [dnd] 1: empty message"},
	{"[node 1]\n[extension 100]\ndnd = 5\n[dnd]\n1 = ONLY ONE\n",
	    "t.site:3: [extension 100] dnd: there is no DND message 5 (the site has 1)"},
	{"[node 1]\n[extension 100]\ndnd = maybe\n",
	    "t.site:3: [extension 100] dnd: 'maybe' is not off, on or a message number 1..20"},
	{"[node 1]\n[extension 100]\ndnd_text = HI\n",
	    "t.site:3: [extension 100] dnd_text: needs dnd on"},
	{"[node 1]\n[extension 100]\nforward = sideways 101\n",
	    "t.site:3: [extension 100] forward: 'sideways' is not one of "
	    "off|all|busy|no-answer|busy-no-answer"},
	{"[node 1]\n[extension 100]\nforward = all\n",
	    "t.site:3: [extension 100] forward: all needs a destination"},
	{"[node 1]\n[extension 100]\nforward = off 101\n",
	    "t.site:3: [extension 100] forward: off takes no destination"},
	{"[node 1]\n[extension 100]\nforward = all 100\n",
	    "t.site:3: [extension 100] forward: forwards to itself"},
	{"[node 1]\n[extension 100]\nforward = all 555\n",
	    "t.site:3: [extension 100] forward: '555' is not in the dial plan (digits after "
	    "a feature code that takes none)"},
	{"[node 1]\n[extension 100]\nforward = all 10\n",
	    "t.site:3: [extension 100] forward: '10' is incomplete"},
	{"[node 1]\n[extension 100]\nforward = all 370\n",
	    "t.site:3: [extension 100] forward: '370' is a feature code (dnd_on)"},
	{"[extension 100]\n",
	    "t.site: no [node] section (a site needs at least one)"},
	{"[node 0]\n",
	    "t.site:1: [node 0]: '0' is not a node number (1..250)"},
	{"[node 1]\n[node 1]\n",
	    "t.site:2: [node 1] is already defined at line 1"},
	{"[node 1]\nprotocol = 10.20\n",
	    "t.site:2: [node 1] protocol: '10.20' is not a protocol version like V10.20"},
	{"[node 1]\ncountry = mars\n",
	    "t.site:2: [node 1] country: 'mars' is not one of na|japan|uk|indonesia|mexico (or 1..5)"},
	{"[node 1]\nsoftware = V1,2\n",
	    "t.site:2: [node 1] software: ',' is not allowed here"},
	{"key = value\n",
	    "t.site:1: key 'key' is outside any section"},
	{"[node 1]\n[extension 100\n",
	    "t.site:2: section header without ']'"},
	{"[node 1]\njust some words\n",
	    "t.site:2: syntax error (expected [section] or key = value)"},
	{"[node 1]\n= value\n",
	    "t.site:2: missing key name before '='"},
	{"[node 1]\n[system]\nvoicemail = 100\n",
	    "t.site:3: [system] voicemail: 100 is not an extension"},
	{"[node 1]\n[extension 100]\n[system]\nvoicemail = 100\n",
	    "t.site:4: [system] voicemail: extension 100 is not of type voicemail"},
	{"[node 1]\n[system]\noai_max_ports = 0\n",
	    "t.site:3: [system] oai_max_ports: 0 is out of range 1..64"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 100\n[huntgroup 201]\nagents = 300\n",
	    "t.site:6: [huntgroup 201] agents: only an acd group has agent IDs"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\ntype = acd\nagents = 300\n",
	    "t.site:5: [huntgroup 200] agents: 300 is not an [agent]"},
	{"[node 1]\n[extension 100]\ntype = voicemail\n[huntgroup 200]\nmembers = 100\n",
	    "t.site:5: [huntgroup 200] members: 100 is voice mail, which cannot be a member "
	    "(make it the overflow)"},
	{"[node 1]\n[agent 300]\nlogin = 999\n",
	    "t.site:3: [agent 300] login: 999 is not an extension"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 1000-2999\n",
	    "t.site:4: [huntgroup 200] members: range 1000-2999 has more than 1000 numbers"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 10x\n",
	    "t.site:4: [huntgroup 200] members: '10x' is not a number (1 to 8 digits)"},
	{"[node 1]\n[extension 100]\n[huntgroup 200]\nmembers = 1-a\n",
	    "t.site:4: [huntgroup 200] members: '1-a' is not a number or range"},
	{"[node 1]\n[ddi 0123456789012345678901234]\n",
	    "t.site:2: [ddi 0123456789012345678901234]: '0123456789012345678901234' is not a "
	    "number (1 to 24 digits)"},
	{"[node 1]\n[extension 100]\ndescription = caf\xe9\n",
	    "t.site:3: [extension 100] description: only printable ASCII characters are allowed"},
	{"", "t.site: no [node] section (a site needs at least one)"},
	/* [record_a_call] */
	{"[node 1]\n[record_a_call]\npeer = 127.0.0.1:5060\n",
	    "t.site:2: [record_a_call]: extension is missing (the Record-A-Call application's "
	    "number)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\n",
	    "t.site:2: [record_a_call]: peer is missing (the SIP voice mail's address:port)"},
	{"[node 1]\n[record_a_call]\nextension = 25x\n",
	    "t.site:3: [record_a_call] extension: '25x' is not a number (1 to 8 digits)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = recorder:5060\n",
	    "t.site:4: [record_a_call] peer: 'recorder:5060' is not address:port (IPv4 "
	    "a.b.c.d:port or [IPv6]:port, port 1..65535)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1\n",
	    "t.site:4: [record_a_call] peer: '127.0.0.1' is not address:port (IPv4 "
	    "a.b.c.d:port or [IPv6]:port, port 1..65535)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1:65536\n",
	    "t.site:4: [record_a_call] peer: '127.0.0.1:65536' is not address:port (IPv4 "
	    "a.b.c.d:port or [IPv6]:port, port 1..65535)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = ::1:5060\n",
	    "t.site:4: [record_a_call] peer: '::1:5060' is not address:port (IPv4 "
	    "a.b.c.d:port or [IPv6]:port, port 1..65535)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = [::1]5060\n",
	    "t.site:4: [record_a_call] peer: '[::1]5060' is not address:port (IPv4 "
	    "a.b.c.d:port or [IPv6]:port, port 1..65535)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1:5060\ncodec = g729\n",
	    "t.site:5: [record_a_call] codec: 'g729' is not one of pcma|pcmu"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1:5060\npassword = x\n",
	    "t.site:5: [record_a_call] password: needs username"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1:5060\nusername = "
	    "a|b\n",
	    "t.site:5: [record_a_call] username: '|' is not allowed (the OAI link uses it to "
	    "quote text)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1:5060\nvoicemail = 1\n",
	    "t.site:5: [record_a_call] unknown key 'voicemail'"},
	{"[node 1]\n[record_a_call]\nextension = 2590\nextension = 2591\n",
	    "t.site:4: [record_a_call] extension: given twice (first at line 3)"},
	{"[node 1]\n[record_a_call]\nextension = 2590\npeer = 127.0.0.1:5060\n"
	    "[record_a_call]\n",
	    "t.site:5: [record_a_call] is already defined at line 2"},
	{"[node 1]\n[record_a_call 1]\n",
	    "t.site:2: section [record_a_call] takes no number"},
	{"[node 1]\n[extension 2590]\n[record_a_call]\nextension = 2590\npeer = "
	    "127.0.0.1:5060\n",
	    "t.site:4: [record_a_call] extension: 2590 is already used by [extension 2590] at "
	    "line 2"},
	{"[node 1]\n[agent 2590]\n[record_a_call]\nextension = 2590\npeer = "
	    "127.0.0.1:5060\n",
	    "t.site:4: [record_a_call] extension: 2590 is already used by [agent 2590] at "
	    "line 2"},
	{"[node 1]\n[extension 2590]\n[record_a_call]\nextension = 25\npeer = "
	    "127.0.0.1:5060\n",
	    "t.site:4: [record_a_call] extension: 25 is a prefix of extension 2590 (line 2); "
	    "the dial plan must be prefix-free"},
	{"[node 1]\n[extension 25]\n[record_a_call]\nextension = 2590\npeer = "
	    "127.0.0.1:5060\n",
	    "t.site:4: [record_a_call] extension: 2590 begins with extension 25 (line 2); the "
	    "dial plan must be prefix-free"},
	{"[node 1]\n[record_a_call]\nextension = 3851\npeer = 127.0.0.1:5060\n",
	    "t.site:3: [record_a_call] extension: 3851 begins with feature code 385 "
	    "(record_a_call, default); the dial plan must be prefix-free"},
};

static void
every_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[SITE_ERR_MAX];
		struct site *s = (struct site *)1;
		hs_err rc = load_text(bad[i].text, &s, err, sizeof(err));
		if (rc != HS_ECONFIG || strcmp(err, bad[i].error) != 0)
			fail_msg("case %zu: got %s \"%s\"\n  expected \"%s\"", i, hs_err_name(rc),
			    err, bad[i].error);
		assert_null(s);
	}
}

static void
long_line_and_nul(void **state)
{
	char text[512], err[SITE_ERR_MAX];
	static const char nul[] = "[node 1]\nde\0sc = 1\n";
	struct site *s;

	(void)state;
	snprintf(text, sizeof(text), "[node 1]\n; %0300d\n", 0);
	assert_int_equal(load_text(text, &s, err, sizeof(err)), HS_ECONFIG);
	assert_string_equal(err, "t.site:2: line longer than 198 characters");
	assert_int_equal(site_load_mem(nul, sizeof(nul) - 1, "t.site", &s, err, sizeof(err)),
	    HS_ECONFIG);
	assert_string_equal(err, "t.site:2: NUL character in line");
}

static void
missing_file(void **state)
{
	char err[SITE_ERR_MAX];
	struct site *s;

	(void)state;
	assert_int_equal(site_load("/nonexistent/x.site", &s, err, sizeof(err)), HS_ENOTFOUND);
	assert_string_equal(err, "/nonexistent/x.site: cannot open: No such file or directory");
	assert_null(s);
}

/* A tiny error buffer truncates the message but never overflows. */
static void
small_error_buffer(void **state)
{
	char err[8];
	struct site *s;

	(void)state;
	assert_int_equal(load_text("[node 1]\n[bogus]\n", &s, err, sizeof(err)), HS_ECONFIG);
	assert_string_equal(err, "t.site:");
	assert_int_equal(load_text("[node 1]\n[bogus]\n", &s, err, 0), HS_ECONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_site),
		cmocka_unit_test(demo_site),
		cmocka_unit_test(lookups),
		cmocka_unit_test(dialling),
		cmocka_unit_test(dial_normalises),
		cmocka_unit_test(syntax_accepted),
		cmocka_unit_test(ranges_keep_width),
		cmocka_unit_test(record_a_call),
		cmocka_unit_test(every_error),
		cmocka_unit_test(long_line_and_nul),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
