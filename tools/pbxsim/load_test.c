/*
 * load_test.c - unit tests of load mode (load.c): the PRNG, reproducibility, the mix over
 * 10,000 calls, and an independent check that no station or trunk is in two calls at once.
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

#include "load.h"

/*
 * FNV-1a of the printed load for demo.site, seed 1, 120 calls/hour, one hour.  It changes
 * whenever the generator changes what a seed gives; update it then, on purpose, and say so
 * in the commit (saved scenarios stay valid, but old seeds no longer reproduce them).
 */
#define DEMO_FINGERPRINT 0x4cd8d497839b4bcbULL

static struct site *
load_site(const char *name)
{
	const char *src = getenv("HS_SRCDIR");
	char path[1024], err[SITE_ERR_MAX];
	struct site *site;

	snprintf(path, sizeof(path), "%s/tools/pbxsim/sites/%s", src != NULL ? src : ".", name);
	if (site_load(path, &site, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return site;
}

static struct site *
site_text(const char *text)
{
	char err[SITE_ERR_MAX];
	struct site *site;

	if (site_load_mem(text, strlen(text), "t.site", &site, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return site;
}

static struct scenario *
generate(const struct site *site, uint64_t seed, unsigned per_hour, int64_t secs,
    struct load_stats *st)
{
	struct load_params p;
	struct scenario *scn;
	char err[256];

	load_params_init(&p);
	p.seed = seed;
	p.calls_per_hour = per_hour;
	p.duration = secs * 1000;
	p.features_per_hour = per_hour / 20;
	if (load_generate(site, &p, &scn, st, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return scn;
}

/* The printed form, as --print writes it. */
static char *
print(const struct scenario *scn, const struct site *site, uint64_t seed, unsigned per_hour,
    int64_t secs)
{
	struct load_params p;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	load_params_init(&p);
	p.seed = seed;
	p.calls_per_hour = per_hour;
	p.duration = secs * 1000;
	p.features_per_hour = per_hour / 20;
	assert_int_equal(load_write(scn, site, &p, fp), HS_OK);
	fclose(fp);
	return buf;
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* ---- PRNG ------------------------------------------------------------------------------- */

/* Reference values of xoshiro256** seeded by splitmix64 (checked against Vigna's code). */
static void
rng_known_values(void **state)
{
	struct load_rng r;

	(void)state;
	load_rng_seed(&r, 0);
	assert_true(load_rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
	assert_true(load_rng_next(&r) == 0xbf6e1f784956452aULL);
	assert_true(load_rng_next(&r) == 0x1a5f849d4933e6e0ULL);
	load_rng_seed(&r, 42);
	assert_true(load_rng_next(&r) == 0x15780b2e0c2ec716ULL);
	assert_true(load_rng_next(&r) == 0x6104d9866d113a7eULL);
	assert_true(load_rng_next(&r) == 0xae17533239e499a1ULL);
}

static void
rng_below_range(void **state)
{
	struct load_rng r;
	unsigned hist[7] = {0};

	(void)state;
	load_rng_seed(&r, 3);
	for (int i = 0; i < 70000; i++) {
		uint64_t v = load_rng_below(&r, 7);
		assert_true(v < 7);
		hist[v]++;
	}
	for (int i = 0; i < 7; i++)
		assert_true(hist[i] > 9500 && hist[i] < 10500);
	assert_true(load_rng_below(&r, 1) == 0);
}

/* ---- reproducibility -------------------------------------------------------------------- */

static void
same_seed_same_load(void **state)
{
	struct site *site = load_site("demo.site");
	struct scenario *a = generate(site, 7, 120, 7200, NULL);
	struct scenario *b = generate(site, 7, 120, 7200, NULL);
	char *ta = print(a, site, 7, 120, 7200), *tb = print(b, site, 7, 120, 7200);

	(void)state;
	assert_true(a->nactions > 100);
	assert_int_equal(a->nactions, b->nactions);
	assert_string_equal(ta, tb);
	for (size_t i = 0; i < a->nactions; i++)
		assert_memory_equal(&a->actions[i], &b->actions[i], sizeof(a->actions[i]));
	free(ta);
	free(tb);
	scenario_free(a);
	scenario_free(b);
	site_free(site);
}

static void
other_seed_other_load(void **state)
{
	struct site *site = load_site("demo.site");
	struct scenario *a = generate(site, 7, 120, 7200, NULL);
	struct scenario *b = generate(site, 8, 120, 7200, NULL);
	char *ta = print(a, site, 7, 120, 7200), *tb = print(b, site, 7, 120, 7200);

	(void)state;
	assert_string_not_equal(ta, tb);
	free(ta);
	free(tb);
	scenario_free(a);
	scenario_free(b);
	site_free(site);
}

static void
fingerprint(void **state)
{
	struct site *site = load_site("demo.site");
	struct scenario *scn = generate(site, 1, 120, 3600, NULL);
	char *text = print(scn, site, 1, 120, 3600);
	uint64_t h = fnv1a(text);

	(void)state;
	if (h != DEMO_FINGERPRINT)
		fail_msg("the load for seed 1 changed: fingerprint 0x%016llxULL", (unsigned long long)h);
	free(text);
	scenario_free(scn);
	site_free(site);
}

/* What --print writes is a scenario that reads back the same and fits the site. */
static void
replayable(void **state)
{
	struct site *site = load_site("demo.site");
	struct scenario *scn = generate(site, 11, 300, 3600, NULL), *back;
	char *text = print(scn, site, 11, 300, 3600), err[SCN_ERR_MAX];

	(void)state;
	if (scenario_check(scn, site, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	if (scenario_parse(text, strlen(text), "load.scn", &back, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	assert_int_equal(back->nactions, scn->nactions);
	assert_int_equal(back->ncalls, scn->ncalls);
	for (size_t i = 0; i < scn->nactions; i++) {
		struct scn_action x = scn->actions[i], y = back->actions[i];
		y.line = 0;
		assert_memory_equal(&x, &y, sizeof(x));
	}
	assert_int_equal(back->actions[back->nactions - 1].verb, SCN_END);
	free(text);
	scenario_free(back);
	scenario_free(scn);
	site_free(site);
}

/* ---- the mix ---------------------------------------------------------------------------- */

/* 10,000 calls: the proportions the brief asks for, counted from the actions themselves. */
static void
mix_over_ten_thousand_calls(void **state)
{
	struct site *site = load_site("demo.site");
	struct load_stats st;
	struct scenario *scn = generate(site, 2024, 120, 300000, &st);
	size_t ncalls = scn->ncalls;
	unsigned in = 0, out = 0, internal = 0, accounts = 0, abandoned = 0, consults = 0;
	unsigned blind = 0, holds = 0, dnd = 0, fwd = 0, agent = 0, any = 0;
	unsigned char *kind = calloc(ncalls, 1);     /* 1 in, 2 out, 3 internal, 0 consult */

	(void)state;
	for (size_t i = 0; i < scn->nactions; i++) {
		const struct scn_action *a = &scn->actions[i];
		struct site_dial d;
		switch (a->verb) {
		case SCN_INBOUND:
			kind[a->call] = 1;
			in++;
			break;
		case SCN_CALL:
			site_dial(site, a->digits, &d);
			if (d.kind == SITE_DIAL_OUTSIDE) {
				kind[a->call] = 2;
				out++;
				accounts += a->account[0] != '\0';
			} else {
				assert_true(d.kind == SITE_DIAL_EXTENSION);
				kind[a->call] = 3;
				internal++;
			}
			break;
		case SCN_ABANDON:
			assert_int_equal(kind[a->call], 1);
			abandoned++;
			break;
		case SCN_CONSULT: consults++; break;
		case SCN_TRANSFER: blind += a->digits[0] != '\0'; break;
		case SCN_HOLD: holds++; break;
		case SCN_DND: dnd++; break;
		case SCN_FORWARD: fwd++; break;
		case SCN_AGENT: agent++; break;
		case SCN_ANSWER: any += a->party == SCN_PARTY_ANY; break;
		default: break;
		}
	}
	unsigned calls = in + out + internal;
	/* Close to 10,000: a call is dropped only when no trunk or station is free for it. */
	assert_true(calls >= 9900 && calls <= 10000);
	assert_int_equal(calls, st.calls);
	assert_int_equal(in, st.inbound);
	assert_int_equal(st.skipped + calls, 10000);
	/* ~40 / 35 / 25 %, within 2.5 points */
	assert_in_range(in * 1000 / calls, 375, 425);
	assert_in_range(out * 1000 / calls, 325, 375);
	assert_in_range(internal * 1000 / calls, 225, 275);
	/* ~10 % of inbound abandoned (those sent to voice mail cannot be) */
	assert_in_range(abandoned * 1000 / in, 50, 150);
	/* ~20 % of outbound with an account code */
	assert_in_range(accounts * 1000 / out, 170, 230);
	/* some of everything */
	assert_true(consults > 50 && blind > 50 && holds > 200);
	assert_int_equal(consults, st.transfers_announced);
	assert_int_equal(blind, st.transfers_blind);
	assert_true(st.queued > 0 && st.unanswered > 0 && st.voicemail > 0 && any > 1000);
	assert_true(dnd > 0 && fwd > 0 && agent > 0);
	free(kind);
	scenario_free(scn);
	site_free(site);
}

/* ---- no impossible overlaps ------------------------------------------------------------- */

/* The call a consult call belongs to. */
static int
family(const struct scenario *scn, int c)
{
	while (c >= 0 && scn->calls[c].parent >= 0)
		c = scn->calls[c].parent;
	return c;
}

struct span {
	int fam;
	int64_t from, to;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/*
 * Independent of load.c's bookkeeping: a station takes part in a call from the first action
 * it does in it (placing, answering, holding, consulting, clearing...) until the call ends,
 * or until it transfers the call away.  Being rung does not count: ringing a busy station
 * is allowed.  Two calls of one station must not overlap.  Inbound trunks are checked with
 * outbound seizure replayed by the rule the engine follows (first free member).
 */
static void
check_overlaps(const struct site *site, const struct scenario *scn, size_t min_checked)
{
	size_t nc = scn->ncalls, ne = site->nexts, nt = site->ntrunks;
	int64_t *fam_end = calloc(nc, sizeof(*fam_end)), *fam_begin = calloc(nc, sizeof(int64_t));
	int64_t *first = malloc(nc * ne * sizeof(int64_t)), *last = malloc(nc * ne * sizeof(int64_t));
	bool *answered_far = calloc(nc, sizeof(bool));
	struct span *spans = calloc(nc + 1, sizeof(*spans));
	int64_t *trunk_busy = calloc(nt + 1, sizeof(*trunk_busy));
	size_t checked = 0;

	for (size_t i = 0; i < nc * ne; i++)
		first[i] = last[i] = -1;
	for (size_t i = 0; i < scn->nactions; i++) {
		const struct scn_action *a = &scn->actions[i];
		int f = family(scn, a->call);
		const char *dev = NULL;
		if (f < 0)
			continue;
		if (fam_begin[f] == 0 && fam_end[f] == 0)
			fam_begin[f] = a->at;
		fam_end[f] = a->at;
		if (a->verb == SCN_ANSWER && a->party == SCN_PARTY_FAR)
			answered_far[f] = true;
		if (a->verb == SCN_CALL || a->party == SCN_PARTY_DEV)
			dev = a->dev;
		const struct site_ext *e = dev != NULL ? site_ext(site, dev) : NULL;
		if (e == NULL || e->type == SITE_EXT_VOICEMAIL)
			continue;
		size_t k = (size_t)f * ne + (size_t)(e - site->exts);
		if (first[k] < 0)
			first[k] = a->at;
		if (a->verb == SCN_TRANSFER)
			last[k] = a->at; /* it leaves here */
	}
	/* per station: its spans in every call, sorted, must not overlap */
	for (size_t x = 0; x < ne; x++) {
		size_t n = 0;
		for (size_t f = 0; f < nc; f++) {
			size_t k = f * ne + x;
			if (first[k] < 0)
				continue;
			spans[n++] = (struct span){(int)f, first[k], last[k] >= 0 ? last[k] :
			    fam_end[f]};
		}
		qsort(spans, n, sizeof(*spans), span_cmp);
		for (size_t i = 1; i < n; i++) {
			if (spans[i].from <= spans[i - 1].to)
				fail_msg("station %s is in %s (%lld..%lld ms) and %s (from %lld ms)",
				    site->exts[x].number, scn->calls[spans[i - 1].fam].label,
				    (long long)spans[i - 1].from, (long long)spans[i - 1].to,
				    scn->calls[spans[i].fam].label, (long long)spans[i].from);
			checked++;
		}
	}
	/* trunks, in time order of the calls' first actions (actions are sorted) */
	for (size_t i = 0; i < scn->nactions; i++) {
		const struct scn_action *a = &scn->actions[i];
		struct site_dial d;
		int f = a->call;
		if (a->verb == SCN_INBOUND) {
			const struct site_trunk *t = site_trunk(site, a->dev);
			size_t ti = (size_t)(t - site->trunks);
			if (trunk_busy[ti] > a->at)
				fail_msg("trunk %s is busy until %lld ms when %s arrives at %lld ms",
				    a->dev, (long long)trunk_busy[ti], scn->calls[f].label,
				    (long long)a->at);
			trunk_busy[ti] = fam_end[f];
			checked++;
		} else if (a->verb == SCN_CALL &&
		    site_dial(site, a->digits, &d) == SITE_DIAL_OUTSIDE) {
			const struct site_trunk *t = NULL;
			for (size_t m = 0; m < d.tg->nmembers && t == NULL; m++)
				if (trunk_busy[d.tg->members[m] - site->trunks] <= a->at)
					t = d.tg->members[m];
			if (t != NULL)
				trunk_busy[t - site->trunks] = fam_end[f];
			else if (answered_far[f])
				fail_msg("%s is answered outside though every trunk is busy",
				    scn->calls[f].label);
		}
	}
	assert_true(checked >= min_checked);
	free(fam_end);
	free(fam_begin);
	free(first);
	free(last);
	free(answered_far);
	free(spans);
	free(trunk_busy);
}

static void
no_impossible_overlaps(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct site *site = load_site(seed == 2 ? "small.site" : "demo.site");
		/* heavy on purpose: busy stations, queues, every trunk taken */
		struct scenario *scn = generate(site, seed, 400, 20000, NULL);
		check_overlaps(site, scn, 1000);
		scenario_free(scn);
		site_free(site);
	}
}

/* ---- parameters and sites --------------------------------------------------------------- */

static const char minimal[] = "[node 1]\n[extension 100]\n[extension 101]\n";

static void
bad_parameters(void **state)
{
	static const struct {
		unsigned per_hour, in, out, internal, abandon;
		int64_t secs;
		const char *error;
	} cases[] = {
		{0, 0, 0, 1000, 100, 60, "load: calls per hour must be 1..100000, not 0"},
		{100001, 0, 0, 1000, 100, 60, "load: calls per hour must be 1..100000, not 100001"},
		{10, 0, 0, 1000, 100, 0, "load: the duration must be 1 s .. 5 days"},
		{10, 500, 0, 400, 100, 60, "load: the mix inbound 500 + outbound 0 + internal 400 "
		    "permille must make 1000"},
		{10, 0, 0, 1000, 1001, 60, "load: abandon must be 0..1000 permille, not 1001"},
		{10, 1000, 0, 0, 100, 60, "load: inbound calls need a trunk and a DDI to a hunt "
		    "group, a station outside hunt groups or voice mail (or set inbound to 0)"},
		{10, 0, 1000, 0, 100, 60, "load: outbound calls need a trunk group with an access "
		    "code and a station outside hunt groups (or set outbound to 0)"},
	};
	struct site *site = site_text(minimal);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct load_params p;
		struct scenario *scn = (struct scenario *)1;
		char err[256];
		load_params_init(&p);
		p.calls_per_hour = cases[i].per_hour;
		p.duration = cases[i].secs * 1000;
		p.inbound_pm = cases[i].in;
		p.outbound_pm = cases[i].out;
		p.internal_pm = cases[i].internal;
		p.abandon_pm = cases[i].abandon;
		assert_int_equal(load_generate(site, &p, &scn, NULL, err, sizeof(err)), HS_EINVAL);
		assert_string_equal(err, cases[i].error);
		assert_null(scn);
	}
	site_free(site);
}

static void
internal_needs_two_stations(void **state)
{
	struct site *site = site_text("[node 1]\n[extension 100]\n");
	struct load_params p;
	struct scenario *scn;
	char err[256];

	(void)state;
	load_params_init(&p);
	p.inbound_pm = p.outbound_pm = 0;
	p.internal_pm = 1000;
	assert_int_equal(load_generate(site, &p, &scn, NULL, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "load: internal calls need two stations outside hunt groups, "
	    "one of them without DND or forwarding (or set internal to 0)");
	site_free(site);
}

/* A site with stations only carries an all-internal load. */
static void
internal_only(void **state)
{
	struct site *site = site_text(minimal);
	struct load_params p;
	struct load_stats st;
	struct scenario *scn;
	char err[256];

	(void)state;
	load_params_init(&p);
	p.inbound_pm = p.outbound_pm = 0;
	p.internal_pm = 1000;
	p.calls_per_hour = 30;
	p.duration = 3600 * 1000;
	if (load_generate(site, &p, &scn, &st, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	assert_int_equal(st.inbound + st.outbound, 0);
	assert_true(st.internal > 10);
	assert_int_equal(st.internal + st.skipped, 30);
	check_overlaps(site, scn, 5);
	scenario_free(scn);
	site_free(site);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rng_known_values),
		cmocka_unit_test(rng_below_range),
		cmocka_unit_test(same_seed_same_load),
		cmocka_unit_test(other_seed_other_load),
		cmocka_unit_test(fingerprint),
		cmocka_unit_test(replayable),
		cmocka_unit_test(mix_over_ten_thousand_calls),
		cmocka_unit_test(no_impossible_overlaps),
		cmocka_unit_test(bad_parameters),
		cmocka_unit_test(internal_needs_two_stations),
		cmocka_unit_test(internal_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
