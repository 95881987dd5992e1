/*
 * tables_test.c - the declared-once lists of oai_defs.h: every schema is well formed, every
 * event, command and CF layout round-trips (build -> text -> decode -> the same fields), the
 * enumeration and error lookups agree with their lists, and the layout tables in
 * proto/oai/README.md are the ones rendered from the schemas.
 *
 * After changing a schema, refresh README.md with
 *   HS_OAI_README=write build/test/proto__oai__tables_test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "oai_impl.h"
#include "test_util.h"

static char buf[8192];
static char out[8192];

static bool
is_group(uint16_t e)
{
	return (e & 0xff00u) == (OAI_S_GROUP(0) & 0xff00u);
}

/* ---- schemas ---------------------------------------------------------------------------- */

static void
check_schema(const char *what, const uint16_t *s, unsigned n, unsigned first)
{
	bool seen[OAI_F__COUNT] = { false }, opt = false, group = false, after_group = false;

	if (n > OAI_MSG_SLOTS)
		fail_msg("%s: %u schema elements, at most %d", what, n, OAI_MSG_SLOTS);
	if (s[0] != first)
		fail_msg("%s: starts at %u, expected %u", what, s[0], first);
	for (unsigned k = 1; k < n; k++) {
		uint16_t e = s[k];
		unsigned w = 0;

		if (e == OAI_S_OPT) {
			if (opt)
				fail_msg("%s: two OAI_S_OPT", what);
			opt = true;
			continue;
		}
		if ((e & 0xff00u) == (OAI_S_AT(0) & 0xff00u)) {
			if (k != 1)
				fail_msg("%s: OAI_S_AT must come first", what);
			continue;
		}
		if (is_group(e) || e == OAI_S_QX) {
			w = e == OAI_S_QX ? 1 : e & 0xffu;
			if (group)
				fail_msg("%s: two lists", what);
			if (w == 0 || w >= OAI_ITER_MAX || k + w >= n)
				fail_msg("%s: bad list width %u", what, w);
			if (k < 2 || OAI_S_IS_MARK(s[k - 1]) ||
			    oai_field_type(s[k - 1]) != OAI_T_DIGITS)
				fail_msg("%s: a list must follow its DIGITS count", what);
			if (e == OAI_S_QX && (s[k - 1] != OAI_F_ENTITY_COUNT ||
			    s[k + 1] != OAI_F_ENTITY_KEY))
				fail_msg("%s: OAI_S_QX needs Entity_Count before it, Entity_Key "
				    "after", what);
			group = true;
		} else if (e == OAI_S_REST) {
			if (k + 2 != n)
				fail_msg("%s: OAI_S_REST must be followed by exactly one field",
				    what);
			/* The builder writes rest items right after the group's items. */
			if (after_group)
				fail_msg("%s: fields after a list and a rest", what);
			w = 1;
		} else if (OAI_S_IS_MARK(e)) {
			fail_msg("%s: unknown marker %#x", what, e);
		} else if (group) {
			after_group = true;
		}
		for (unsigned j = w ? k + 1 : k; j <= k + w; j++) {
			if (OAI_S_IS_MARK(s[j]) || s[j] <= OAI_F_NONE || s[j] >= OAI_F__COUNT)
				fail_msg("%s: element %u is not a field", what, j);
			if (seen[s[j]])
				fail_msg("%s: %s twice", what, oai_field_name(s[j]));
			seen[s[j]] = true;
		}
		k += w;
	}
}

static void
test_schemas_well_formed(void **state)
{
	char what[64];

	(void)state;
	for (int ev = 1; ev < OAI_EV__COUNT; ev++) {
		snprintf(what, sizeof(what), "event %s", oai__events[ev].wire);
		check_schema(what, oai__events[ev].sch, oai__events[ev].nsch, OAI__EV_FIRST);
	}
	for (int c = 1; c < OAI_CMD__COUNT; c++) {
		snprintf(what, sizeof(what), "command %s", oai__cmds[c].wire);
		check_schema(what, oai__cmds[c].args, oai__cmds[c].nargs, OAI__CMD_FIRST);
		snprintf(what, sizeof(what), "CF %s", oai__cmds[c].wire);
		check_schema(what, oai__cmds[c].cf, oai__cmds[c].ncf, OAI__CF_FIRST);
	}
	check_schema("CF _TO (9.0)", oai__to_cf_v9, oai__to_cf_v9_len, OAI__CF_FIRST);
}

static void
test_codes_unique_and_found(void **state)
{
	(void)state;
	for (int ev = 1; ev < OAI_EV__COUNT; ev++) {
		const char *w = oai_event_wire(ev);

		assert_true(strlen(w) >= 2 && strlen(w) <= 3 && w[0] != '_');
		/* FE_MASK shares "FE" and is told apart by the Resync_Code. */
		assert_int_equal(oai_event_lookup(w), ev == OAI_EV_FE_MASK ? OAI_EV_FE : ev);
		assert_non_null(oai_event_text(ev));
	}
	for (int c = 1; c < OAI_CMD__COUNT; c++) {
		const char *w = oai_cmd_wire(c);
		bool legacy = c == OAI_CMD_RR_LEGACY || c == OAI_CMD_RT_LEGACY;

		assert_true(strlen(w) >= 2 && strlen(w) <= 4);
		assert_int_equal(w[0] == '_', !legacy);
		assert_int_equal(oai_cmd_lookup(w), c);
		assert_non_null(oai_cmd_text(c));
	}
	assert_int_equal(oai_event_lookup("ZZ"), OAI_EV_NONE);
	assert_int_equal(oai_event_lookup(""), OAI_EV_NONE);
	assert_int_equal(oai_event_lookup(NULL), OAI_EV_NONE);
	assert_int_equal(oai_cmd_lookup("_ZZ"), OAI_CMD_NONE);
	assert_int_equal(oai_cmd_lookup("_"), OAI_CMD_NONE);
	assert_null(oai_event_wire(OAI_EV_NONE));
	assert_null(oai_cmd_wire(OAI_CMD__COUNT));
	assert_int_equal(oai_event_category(OAI_EV_LN), OAI_CAT_AGENT);
	assert_int_equal(oai_event_category(OAI_EV_LS), OAI_CAT_GATEWAY);
}

/* Every field has a distinct wire name and is used by some layout. */
static void
test_fields_named_and_used(void **state)
{
	bool used[OAI_F__COUNT] = { false };

	(void)state;
	for (int f = 1; f < OAI_F__COUNT; f++)
		for (int g = 1; g < f; g++)
			if (strcmp(oai_field_name(f), oai_field_name(g)) == 0)
				fail_msg("two fields named %s", oai_field_name(f));
	for (int ev = 1; ev < OAI_EV__COUNT; ev++)
		for (unsigned k = 1; k < oai__events[ev].nsch; k++)
			if (!OAI_S_IS_MARK(oai__events[ev].sch[k]))
				used[oai__events[ev].sch[k]] = true;
	for (int c = 1; c < OAI_CMD__COUNT; c++) {
		for (unsigned k = 1; k < oai__cmds[c].nargs; k++)
			if (!OAI_S_IS_MARK(oai__cmds[c].args[k]))
				used[oai__cmds[c].args[k]] = true;
		for (unsigned k = 1; k < oai__cmds[c].ncf; k++)
			if (!OAI_S_IS_MARK(oai__cmds[c].cf[k]))
				used[oai__cmds[c].cf[k]] = true;
	}
	used[OAI_F_SEQ] = used[OAI_F_CODE] = used[OAI_F_RESYNC] = used[OAI_F_INVOKE_ID] = true;
	for (int f = 1; f < OAI_F__COUNT; f++)
		if (!used[f])
			fail_msg("field %s is in no layout", oai_field_name(f));
	assert_null(oai_field_name(OAI_F_NONE));
	assert_null(oai_field_name(OAI_F__COUNT));
	assert_int_equal(oai_field_type(OAI_F_CAUSE), OAI_T_INT);
	assert_int_equal(oai_field_type(OAI_F_CALLER_NAME), OAI_T_TEXT);
}

/* ---- round trips of every layout -------------------------------------------------------- */

/* A valid, distinct value of type t; *text is how it must appear on the wire. */
static void
sample(enum oai_type t, unsigned k, char *val, size_t cap, char *text, size_t tcap)
{
	switch (t) {
	case OAI_T_DIGITS:
		snprintf(val, cap, "%u", 10 + k);
		break;
	case OAI_T_INT:
		snprintf(val, cap, "%u", 20 + k);
		break;
	case OAI_T_HEX:
		snprintf(val, cap, "%X", 0xA0 + k);
		break;
	case OAI_T_TEXT:
		snprintf(val, cap, "t%u, x", k);
		snprintf(text, tcap, "|%s|", val);
		return;
	case OAI_T_CHAR:
		snprintf(val, cap, "Z");
		break;
	case OAI_T_LCS:
		snprintf(val, cap, "C");
		break;
	case OAI_T_PARTY:
		snprintf(val, cap, "E");
		break;
	case OAI_T_EXT:
		snprintf(val, cap, "1%03u", k);
		break;
	case OAI_T_FILTER:
		snprintf(val, cap, "A:00%02X", k & 0xff);
		break;
	default:
		snprintf(val, cap, "f%u", k);
		break;
	}
	snprintf(text, tcap, "%s", val);
}

struct trip {
	char vals[64][32];	/* values handed to the builder */
	unsigned nvals;
	char want[4096];	/* the text expected on the wire */
	size_t wn;
};

static const char *
keep(struct trip *t, const char *v)
{
	assert_true(t->nvals < 64);
	snprintf(t->vals[t->nvals], sizeof(t->vals[0]), "%s", v);
	return t->vals[t->nvals++];
}

static void
want(struct trip *t, const char *s)
{
	t->wn += (size_t)snprintf(t->want + t->wn, sizeof(t->want) - t->wn, ",%s", s);
}

/* Sets every field of schema s, 2 items per list, and appends the expected text. */
static void
fill(struct oai_build *b, struct trip *t, const uint16_t *s, unsigned n)
{
	char v[32], w[40];

	for (unsigned k = 1; k < n; k++) {
		uint16_t e = s[k];

		if (e == OAI_S_OPT || (e & 0xff00u) == (OAI_S_AT(0) & 0xff00u))
			continue;
		if (is_group(e) || e == OAI_S_QX) {
			unsigned wd = e == OAI_S_QX ? 1 : e & 0xffu;

			for (unsigned item = 0; item < 2; item++) {
				oai_build_item(b);
				for (unsigned j = 0; j < wd; j++) {
					sample(oai_field_type(s[k + 1 + j]), 100 + item * 10 + j,
					    v, sizeof(v), w, sizeof(w));
					oai_build_str(b, s[k + 1 + j], keep(t, v));
					want(t, w);
				}
				/* _QX entities: mask 109 of the station list set below. */
				for (unsigned bit = 0; e == OAI_S_QX && bit < 9; bit++) {
					if (!(0x109 >> bit & 1))
						continue;
					sample(oai_qx_field_type(1, bit), 200 + bit, v, sizeof(v),
					    w, sizeof(w));
					oai_build_qx(b, bit, keep(t, v));
					want(t, w);
				}
			}
			k += wd;
			continue;
		}
		if (e == OAI_S_REST) {
			for (unsigned item = 0; item < 2; item++) {
				sample(oai_field_type(s[k + 1]), 300 + item, v, sizeof(v), w,
				    sizeof(w));
				oai_build_str(b, s[k + 1], keep(t, v));
				want(t, w);
			}
			return;
		}
		if (k + 1 < n && (is_group(s[k + 1]) || s[k + 1] == OAI_S_QX)) {
			want(t, "2");	/* the count: left to the builder */
			continue;
		}
		if (e == OAI_F_LIST_TYPE && s[n - 2] == OAI_S_QX)
			snprintf(v, sizeof(v), "1"), snprintf(w, sizeof(w), "1");
		else if (e == OAI_F_ENTITY_MASK)
			snprintf(v, sizeof(v), "109"), snprintf(w, sizeof(w), "109");
		else
			sample(oai_field_type(e), k, v, sizeof(v), w, sizeof(w));
		oai_build_str(b, e, keep(t, v));
		want(t, w);
	}
}

/* The decoded message has every value that fill() set, lists included. */
static void
check_fields(const char *what, const struct oai_msg *m, const uint16_t *s, unsigned n)
{
	char v[32], w[40];

	for (unsigned k = 1; k < n; k++) {
		uint16_t e = s[k];
		struct oai_iter it;

		if (e == OAI_S_OPT || (e & 0xff00u) == (OAI_S_AT(0) & 0xff00u))
			continue;
		if (is_group(e) || e == OAI_S_QX || e == OAI_S_REST) {
			unsigned wd = is_group(e) ? e & 0xffu : 1, item = 0;

			assert_int_equal(oai_msg_iter(m, s[k + 1], &it), OAI_OK);
			assert_int_equal(oai_iter_len(&it), 2);
			for (; oai_iter_next(&it); item++)
				for (unsigned j = 0; j < wd; j++) {
					sample(oai_field_type(s[k + 1 + j]), e == OAI_S_REST ?
					    300 + item : 100 + item * 10 + j, v, sizeof(v), w,
					    sizeof(w));
					if (strcmp(oai_iter_str(&it, s[k + 1 + j]), v) != 0)
						fail_msg("%s: item %u %s: \"%s\" != \"%s\"",
						    what, item, oai_field_name(s[k + 1 + j]),
						    oai_iter_str(&it, s[k + 1 + j]), v);
				}
			assert_int_equal(item, 2);
			k += wd;
			continue;
		}
		if (k + 1 < n && (is_group(s[k + 1]) || s[k + 1] == OAI_S_QX)) {
			assert_string_equal(oai_msg_str(m, e), "2");
			continue;
		}
		if (e == OAI_F_LIST_TYPE && s[n - 2] == OAI_S_QX)
			snprintf(v, sizeof(v), "1");
		else if (e == OAI_F_ENTITY_MASK)
			snprintf(v, sizeof(v), "109");
		else
			sample(oai_field_type(e), k, v, sizeof(v), w, sizeof(w));
		if (strcmp(oai_msg_str(m, e), v) != 0)
			fail_msg("%s: %s: \"%s\" != \"%s\"", what, oai_field_name(e),
			    oai_msg_str(m, e), v);
	}
}

static void
round_trip(const char *what, struct oai_build *b, struct trip *t, const uint16_t *s,
    unsigned n, enum oai_kind kind, int code)
{
	struct oai_msg m;

	fill(b, t, s, n);
	t_finish_is(b, t->want);
	t_decode_ok(&m, buf, sizeof(buf), t->want);
	assert_int_equal(oai_msg_kind(&m), kind);
	if (kind == OAI_KIND_EVENT)
		assert_int_equal(oai_msg_event(&m), code);
	else
		assert_int_equal(oai_msg_cmd(&m), code);
	check_fields(what, &m, s, n);
	/* And the decoded message re-encodes to the same text. */
	t_copy_is(&m, t->want);
}

static void
test_every_event_round_trips(void **state)
{
	(void)state;
	for (int ev = 1; ev < OAI_EV__COUNT; ev++) {
		const char *rs = ev == OAI_EV_FE_MASK ? "5" : "";
		struct oai_build b;
		struct trip t = { .nvals = 0 };

		t.wn = (size_t)snprintf(t.want, sizeof(t.want), "123,%s,%s", oai_event_wire(ev),
		    rs);
		oai_build_event(&b, out, sizeof(out), ev, 123, rs);
		round_trip(oai_event_wire(ev), &b, &t, oai__events[ev].sch, oai__events[ev].nsch,
		    OAI_KIND_EVENT, ev);
	}
}

static void
test_every_command_round_trips(void **state)
{
	(void)state;
	for (int c = 1; c < OAI_CMD__COUNT; c++) {
		struct oai_build b;
		struct trip t = { .nvals = 0 };

		if (c == OAI_CMD_RR_LEGACY || c == OAI_CMD_RT_LEGACY)
			t.wn = (size_t)snprintf(t.want, sizeof(t.want), "%s", oai_cmd_wire(c));
		else
			t.wn = (size_t)snprintf(t.want, sizeof(t.want), "%s,77", oai_cmd_wire(c));
		oai_build_command(&b, out, sizeof(out), c, 77);
		round_trip(oai_cmd_wire(c), &b, &t, oai__cmds[c].args, oai__cmds[c].nargs,
		    OAI_KIND_COMMAND, c);
	}
}

static void
test_every_confirmation_round_trips(void **state)
{
	(void)state;
	for (int c = 1; c < OAI_CMD__COUNT; c++) {
		struct oai_build b;
		struct trip t = { .nvals = 0 };
		bool at = oai__cmds[c].ncf > 1 &&
		    (oai__cmds[c].cf[1] & 0xff00u) == (OAI_S_AT(0) & 0xff00u);

		if (c == OAI_CMD_RR_LEGACY || c == OAI_CMD_RT_LEGACY)
			continue;
		/* _QL: its Outcome is one of the fields, after List_Type. */
		t.wn = (size_t)snprintf(t.want, sizeof(t.want), "456,CF,%s,88%s", oai_cmd_wire(c),
		    at ? "" : ",0");
		oai_build_confirm(&b, out, sizeof(out), c, 456, "88", 0);
		round_trip(oai_cmd_wire(c), &b, &t, oai__cmds[c].cf, oai__cmds[c].ncf,
		    OAI_KIND_CONFIRM, c);
	}
}

/* ---- enumerations and errors ------------------------------------------------------------ */

static void
test_enumerations(void **state)
{
	(void)state;
	assert_string_equal(oai_enum_name(OAI_ENUM_CAUSE, OAI_CAUSE_NORMAL_CLEAR),
	    "NORMAL_CLEAR");
	assert_string_equal(oai_enum_text(OAI_ENUM_CAUSE, 36), "Normal Clear");
	assert_string_equal(oai_enum_text(OAI_ENUM_CAUSE, 42), "Hold - Individual");
	assert_null(oai_enum_name(OAI_ENUM_CAUSE, 45));
	assert_string_equal(oai_enum_name(OAI_ENUM_LCS, 'C'), "CONNECTED");
	assert_string_equal(oai_enum_name(OAI_ENUM_LCS, OAI_LCS_NULL), "NULL");
	assert_null(oai_enum_name(OAI_ENUM_LCS, OAI_LCS_BLANK));
	assert_string_equal(oai_enum_text(OAI_ENUM_PARTY, 'E'),
	    "external party (trunk or outside number)");
	assert_string_equal(oai_enum_name(OAI_ENUM_OUTCOME, 28), "MONITOR_LIMIT");
	assert_string_equal(oai_enum_text(OAI_ENUM_OUTCOME, 28),
	    "Overall_Monitor_Limit_Exceeded");
	assert_null(oai_enum_text(OAI_ENUM_OUTCOME, 2));	/* in no source */
	assert_int_equal(OAI_MONITOR_SYSTEM, 11);			/* not 161 */
	assert_string_equal(oai_enum_text(OAI_ENUM_MONITOR, 7), "Agent ID");
	assert_string_equal(oai_enum_text(OAI_ENUM_DEVICE_TYPE, 40),
	    "MeetMe Conference Assistant");
	assert_string_equal(oai_enum_name(OAI_ENUM_HUNT_TYPE, 3), "PERSONAL_ROUTER");
	assert_string_equal(oai_enum_text(OAI_ENUM_AGENT_MODE, 3), "logged in, work-not-ready");
	assert_string_equal(oai_enum_name(OAI_ENUM_AGENT_STATE, 5), "WORK_NOT_READY");
	assert_string_equal(oai_enum_name(OAI_ENUM_FORWARD, 'B'), "BUSY");
	assert_string_equal(oai_enum_text(OAI_ENUM_LINK_REASON, 7), "timed out");
	assert_string_equal(oai_enum_name(OAI_ENUM_QX_LIST, 7), "MAILBOX");	/* not 6 */
	assert_int_equal(OAI_QXM_STATION_DEVICE_TYPE, 0x100);
	assert_int_equal(OAI_QXM_FEATURE_IS_TOGGLEABLE, 0x20);
	assert_null(oai_enum_name(OAI_ENUM__COUNT, 0));
	assert_null(oai_qx_field_name(OAI_QXL_ACD_AGENT, 1));
	assert_null(oai_qx_field_name(0, 0));
	assert_null(oai_qx_field_name(23, 0));
	assert_int_equal(oai_qx_field_type(OAI_QXL_STATION, 5), OAI_T_HEX);
	assert_int_equal(oai_qx_field_type(99, 5), OAI_T_FREE);
}

/* Within each list, values are distinct. */
static void
test_enumeration_values_distinct(void **state)
{
	(void)state;
	for (int e = 0; e < OAI_ENUM__COUNT; e++)
		for (int v = 0; v < 256; v++) {
			const char *n = oai_enum_name(e, v);

			if (n == NULL)
				continue;
			for (int u = 0; u < v; u++)
				if (oai_enum_name(e, u) != NULL &&
				    strcmp(oai_enum_name(e, u), n) == 0)
					fail_msg("enum %d: %s twice", e, n);
		}
}

static void
test_errors(void **state)
{
	(void)state;
	assert_int_equal(OAI_OK, 0);
	assert_string_equal(oai_err_name(OAI_OK), "OK");
	assert_string_equal(oai_err_name(OAI_EFIELD), "EFIELD");
	assert_string_equal(oai_strerror(OAI_ESHORT), "too few fields");
	assert_string_equal(oai_err_name(1), "EUNKNOWN");
	assert_string_equal(oai_err_name(-100), "EUNKNOWN");
	assert_string_equal(oai_strerror(-100), "unknown error");
	/* Codes are 0, -1, -2... in list order, each named once. */
	for (int e = -1; strcmp(oai_err_name(e), "EUNKNOWN") != 0; e--)
		for (int d = 0; d > e; d--)
			assert_string_not_equal(oai_err_name(e), oai_err_name(d));
	assert_string_equal(oai_err_name(OAI_ELOGIN), "ELOGIN");
	assert_true(oai_err_fatal(OAI_ETOOBIG) && oai_err_fatal(OAI_EEMPTY) &&
	    oai_err_fatal(OAI_EGARBAGE));
	assert_false(oai_err_fatal(OAI_ESHORT) || oai_err_fatal(OAI_EFIELD) ||
	    oai_err_fatal(OAI_OK) || oai_err_fatal(OAI_ENOSPC));
}

/* ---- README.md -------------------------------------------------------------------------- */

#define BEGIN_MARK "<!-- oai-tables:begin (generated by tables_test.c) -->\n"
#define END_MARK   "<!-- oai-tables:end -->\n"

static const char *const cat_names[] = {
#define OAI__X(name, text) text,
	OAI_CATEGORY_LIST(OAI__X)
#undef OAI__X
};

static size_t
render(char *o, size_t cap)
{
	char d1[1024], d2[1024];
	size_t n = 0;

#define OUT(...) (n += (size_t)snprintf(o + n, n < cap ? cap - n : 0, __VA_ARGS__))
	OUT("%s", BEGIN_MARK);
	OUT("\n#### Events (fields from index 3)\n\n| Code | Name | Kind | Fields |\n"
	    "|---|---|---|---|\n");
	for (int ev = 1; ev < OAI_EV__COUNT; ev++) {
		oai__schema_describe(oai__events[ev].sch, oai__events[ev].nsch, OAI__EV_FIRST, d1,
		    sizeof(d1));
		OUT("| `%s` | %s | %s | %s |\n", oai__events[ev].wire, oai__events[ev].text,
		    cat_names[oai__events[ev].cat], d1);
	}
	OUT("\n#### Commands (arguments from index 2) and their CF (extras from index 5)\n\n"
	    "| Code | Name | Arguments | CF extras |\n|---|---|---|---|\n");
	for (int c = 1; c < OAI_CMD__COUNT; c++) {
		oai__schema_describe(oai__cmds[c].args, oai__cmds[c].nargs, oai__cmd_first(c), d1,
		    sizeof(d1));
		oai__schema_describe(oai__cmds[c].cf, oai__cmds[c].ncf, OAI__CF_FIRST, d2,
		    sizeof(d2));
		OUT("| `%s` | %s | %s | %s |\n", oai__cmds[c].wire, oai__cmds[c].text, d1,
		    oai__cmd_legacy(c) ? "(no CF)" : d2);
	}
	oai__schema_describe(oai__to_cf_v9, oai__to_cf_v9_len, OAI__CF_FIRST, d2, sizeof(d2));
	OUT("| `_TO` | (Issue 9.0 CF, 12 fields) | | %s |\n", d2);
	OUT("\n%s", END_MARK);
#undef OUT
	return n;
}

static void
test_readme_tables_current(void **state)
{
	static char doc[200000], gen[100000];
	const char *src = getenv("HS_SRCDIR");
	char path[1024];
	char *b, *e;
	size_t n, gn;
	FILE *f;

	(void)state;
	gn = render(gen, sizeof(gen));
	assert_true(gn < sizeof(gen));
	snprintf(path, sizeof(path), "%s/proto/oai/README.md", src != NULL ? src : ".");
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	b = strstr(doc, BEGIN_MARK);
	e = b != NULL ? strstr(b, END_MARK) : NULL;
	if (b == NULL || e == NULL)
		fail_msg("%s: no \"%.30s\" ... \"%.20s\" block", path, BEGIN_MARK, END_MARK);
	e += strlen(END_MARK);
	if ((size_t)(e - b) == gn && memcmp(b, gen, gn) == 0)
		return;
	if (getenv("HS_OAI_README") != NULL && strcmp(getenv("HS_OAI_README"), "write") == 0) {
		if ((f = fopen(path, "w")) == NULL)
			fail_msg("cannot write %s", path);
		fwrite(doc, 1, (size_t)(b - doc), f);
		fwrite(gen, 1, gn, f);
		fputs(e, f);
		fclose(f);
		return;
	}
	fail_msg("%s: the layout tables differ from oai_defs.h; run "
	    "HS_OAI_README=write build/test/proto__oai__tables_test", path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemas_well_formed),
		cmocka_unit_test(test_codes_unique_and_found),
		cmocka_unit_test(test_fields_named_and_used),
		cmocka_unit_test(test_every_event_round_trips),
		cmocka_unit_test(test_every_command_round_trips),
		cmocka_unit_test(test_every_confirmation_round_trips),
		cmocka_unit_test(test_enumerations),
		cmocka_unit_test(test_enumeration_values_distinct),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_readme_tables_current),
	};

	return cmocka_run_group_tests_name("oai tables", tests, NULL, NULL);
}
