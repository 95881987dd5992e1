/*
 * rules_test.c - the Exclusion / Inclusion lists and Exclude internal calls (rules.c): the
 * manual's precedence as the digest's decision table (acceptance check 3), every match
 * type, "contains" matching over several values of a field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"

static struct rec_rule
rule(int inclusion, const char *type, const char *value)
{
	struct rec_rule r;
	memset(&r, 0, sizeof(r));
	r.inclusion = inclusion;
	r.type = rec_match_parse(type);
	snprintf(r.value, sizeof(r.value), "%s", value);
	return r;
}

static struct rec_facts
facts(int internal)
{
	struct rec_facts f;
	memset(&f, 0, sizeof(f));
	f.internal = internal;
	for (int i = 0; i < REC_MATCH_N; i++)
		f.v[i] = "";
	f.v[REC_MATCH_ENDPOINT] = "1001\x1f" "1002";
	f.v[REC_MATCH_OUTSIDE_NUMBER] = "01632960123";
	return f;
}

/* (exclude_internal, has_trunk, inclusion_hit, exclusion_hit) -> record? */
static void
decision_table(void **state)
{
	(void)state;
	static const struct { int excl, trunk, inc, exc, want; } t[] = {
		{ 0, 1, 0, 0, 1 }, { 0, 1, 0, 1, 0 }, { 0, 1, 1, 1, 1 }, { 1, 0, 1, 0, 0 },
		{ 1, 1, 0, 0, 1 }, { 0, 0, 0, 0, 1 }, { 1, 0, 0, 0, 0 }, { 1, 1, 1, 1, 1 },
		{ 0, 0, 1, 1, 1 }, { 1, 1, 0, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rec_rule r[2];
		int n = 0;
		/* a hit matches this call's endpoint, a miss another one */
		r[n++] = rule(1, "endpoint", t[i].inc ? "1002" : "9999");
		r[n++] = rule(0, "outside_number", t[i].exc ? "0163296" : "0800");
		struct rec_facts f = facts(!t[i].trunk);
		char why[200];
		int got = rec_rules_decide(r, n, t[i].excl, &f, why, sizeof(why));
		if (got != t[i].want)
			fail_msg("row %zu (%d,%d,%d,%d): got %d (%s)", i, t[i].excl, t[i].trunk,
			    t[i].inc, t[i].exc, got, why);
	}
}

static void
every_match_type_contains(void **state)
{
	(void)state;
	const char *types[] = { "account_code", "agent", "ddi", "outside_number", "endpoint",
		"hunt_group" };
	for (int i = 0; i < REC_MATCH_N; i++) {
		assert_int_equal(rec_match_parse(types[i]), i);
		assert_string_equal(rec_match_name(i), types[i]);
		struct rec_facts f = facts(0);
		for (int k = 0; k < REC_MATCH_N; k++)
			f.v[k] = "";
		f.v[i] = "111\x1f" "x4242y\x1f" "333";
		struct rec_rule r = rule(0, types[i], "424");
		char why[200];
		assert_int_equal(rec_rules_decide(&r, 1, 0, &f, why, sizeof(why)), 0);
		char want[100];
		snprintf(want, sizeof(want), "exclusion list: %s contains \"424\"", types[i]);
		assert_string_equal(why, want);
		/* another field holding the value does not match this type */
		f.v[i] = "";
		f.v[(i + 1) % REC_MATCH_N] = "4242";
		assert_int_equal(rec_rules_decide(&r, 1, 0, &f, why, sizeof(why)), 1);
		assert_string_equal(why, "no rule");
	}
	assert_int_equal(rec_match_parse("extension"), -1);
	assert_string_equal(rec_match_name(99), "?");
}

static void
values_do_not_run_together(void **state)
{
	(void)state;
	struct rec_facts f = facts(0);
	/* "1001" + "1002": "11002" would match "0110" across the separator if joined */
	struct rec_rule r = rule(0, "endpoint", "0110");
	char why[200];
	assert_int_equal(rec_rules_decide(&r, 1, 0, &f, why, sizeof(why)), 1);
	r = rule(0, "endpoint", "1002");
	assert_int_equal(rec_rules_decide(&r, 1, 0, &f, why, sizeof(why)), 0);
	/* an empty field and no rules */
	f.v[REC_MATCH_ENDPOINT] = "";
	assert_int_equal(rec_rules_decide(&r, 1, 0, &f, why, sizeof(why)), 1);
	assert_int_equal(rec_rules_decide(NULL, 0, 1, &f, why, sizeof(why)), 1);
	f.internal = 1;
	assert_int_equal(rec_rules_decide(NULL, 0, 1, &f, why, sizeof(why)), 0);
	assert_string_equal(why, "internal call (recorder.exclude_internal)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decision_table),
		cmocka_unit_test(every_match_type_contains),
		cmocka_unit_test(values_do_not_run_together),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
