/*
 * tables.c - the lists of oai_defs.h expanded into lookup tables: error names, fields, event
 * and command schemas, enumeration names, _QX entity fields; plus the field checks that the
 * decoder and the builder share, and the schema rendering behind README.md's layout tables.
 *
 * Everything here is constant data built by the compiler; nothing is initialised at run time,
 * so every function may be called from any thread.
 */
#include <stdio.h>
#include <string.h>

#include "oai_impl.h"

#define OAI__UNPAREN(...) __VA_ARGS__

/* ---- errors ----------------------------------------------------------------------------- */

struct err_info {
	int code;
	const char *name;
	const char *text;
};

static const struct err_info err_table[] = {
#define OAI__X(name, value, text) { value, #name, text },
	OAI_ERR_LIST(OAI__X)
#undef OAI__X
};

#define N_ERRS (sizeof(err_table) / sizeof(err_table[0]))

const char *
oai_err_name(int err)
{
	/* The codes are 0, -1, -2... in order, which tables_test.c checks. */
	if (err > 0 || (size_t)-err >= N_ERRS)
		return "EUNKNOWN";
	return err_table[-err].name;
}

const char *
oai_strerror(int err)
{
	if (err > 0 || (size_t)-err >= N_ERRS)
		return "unknown error";
	return err_table[-err].text;
}

bool
oai_err_fatal(int err)
{
	return err == OAI_ETOOBIG || err == OAI_EEMPTY || err == OAI_EGARBAGE;
}

/* ---- fields ----------------------------------------------------------------------------- */

const struct oai__field_info oai__fields[OAI_F__COUNT] = {
	[OAI_F_NONE] = { "(none)", OAI_T_FREE },
#define OAI__X(id, wire, type) [OAI_F_##id] = { wire, OAI_T_##type },
	OAI_FIELD_LIST(OAI__X)
#undef OAI__X
};

const char *
oai_field_name(enum oai_field f)
{
	if ((int)f <= OAI_F_NONE || f >= OAI_F__COUNT)
		return NULL;
	return oai__fields[f].name;
}

enum oai_type
oai_field_type(enum oai_field f)
{
	if ((int)f <= OAI_F_NONE || f >= OAI_F__COUNT)
		return OAI_T_FREE;
	return oai__fields[f].type;
}

/* ---- codes and schemas ------------------------------------------------------------------ */

/* Element 0 of every schema is the index of its first field. */
#define OAI__X(id, wire, cat, text, sch)                                                       \
	static const uint16_t ev_sch_##id[] = { OAI__EV_FIRST, OAI__UNPAREN sch };
OAI_EVENT_LIST(OAI__X)
#undef OAI__X

/* Legacy commands (no InvokeID) start one index lower: see oai__cmd_first(). */
#define OAI__X(id, wire, text, args, cf)                                                       \
	static const uint16_t cmd_args_##id[] = { OAI__CMD_FIRST, OAI__UNPAREN args };         \
	static const uint16_t cmd_cf_##id[] = { OAI__CF_FIRST, OAI__UNPAREN cf };
OAI_CMD_LIST(OAI__X)
#undef OAI__X

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct oai__ev_info oai__events[OAI_EV__COUNT] = {
#define OAI__X(id, wire, cat, text, sch)                                                       \
	[OAI_EV_##id] = { wire, text, OAI_CAT_##cat, ev_sch_##id, NELEM(ev_sch_##id) },
	OAI_EVENT_LIST(OAI__X)
#undef OAI__X
};

const struct oai__cmd_info oai__cmds[OAI_CMD__COUNT] = {
#define OAI__X(id, wire, text, args, cf)                                                       \
	[OAI_CMD_##id] = { wire, text, cmd_args_##id, NELEM(cmd_args_##id), cmd_cf_##id,       \
		NELEM(cmd_cf_##id) },
	OAI_CMD_LIST(OAI__X)
#undef OAI__X
};

const uint16_t oai__to_cf_v9[] = { OAI__CF_FIRST, OAI_F_NEW_CALL_ID, OAI_F_DESTINATION_EXT,
	OAI_F_TRANSFERRED_EXT, OAI_F_CALLER_NAME, OAI_F_CALLER_NUM, OAI_F_TRUNK_NAME,
	OAI_F_TRUNK_OUTSIDE_NUM };
const unsigned oai__to_cf_v9_len = NELEM(oai__to_cf_v9);

static bool
ev_ok(enum oai_event ev)
{
	return (int)ev > OAI_EV_NONE && ev < OAI_EV__COUNT;
}

static bool
cmd_ok(enum oai_cmd cmd)
{
	return (int)cmd > OAI_CMD_NONE && cmd < OAI_CMD__COUNT;
}

const char *
oai_event_wire(enum oai_event ev)
{
	return ev_ok(ev) ? oai__events[ev].wire : NULL;
}

const char *
oai_event_text(enum oai_event ev)
{
	return ev_ok(ev) ? oai__events[ev].text : NULL;
}

enum oai_category
oai_event_category(enum oai_event ev)
{
	return ev_ok(ev) ? oai__events[ev].cat : OAI_CAT_MISC;
}

/*
 * Linear: the first byte rules out nearly every entry, so ~50 byte compares and one strcmp
 * cost less than hashing would.  FE comes before FE_MASK, so "FE" finds the live layout.
 */
enum oai_event
oai_event_lookup(const char *wire)
{
	if (wire == NULL || wire[0] == '\0')
		return OAI_EV_NONE;
	for (int i = 1; i < OAI_EV__COUNT; i++)
		if (oai__events[i].wire[0] == wire[0] && strcmp(oai__events[i].wire, wire) == 0)
			return (enum oai_event)i;
	return OAI_EV_NONE;
}

bool
oai__cmd_legacy(enum oai_cmd cmd)
{
	return cmd_ok(cmd) && oai__cmds[cmd].wire[0] != '_';
}

unsigned
oai__cmd_first(enum oai_cmd cmd)
{
	return oai__cmd_legacy(cmd) ? OAI__LEGACY_FIRST : OAI__CMD_FIRST;
}

const char *
oai_cmd_wire(enum oai_cmd cmd)
{
	return cmd_ok(cmd) ? oai__cmds[cmd].wire : NULL;
}

const char *
oai_cmd_text(enum oai_cmd cmd)
{
	return cmd_ok(cmd) ? oai__cmds[cmd].text : NULL;
}

enum oai_cmd
oai_cmd_lookup(const char *wire)
{
	if (wire == NULL || wire[0] == '\0')
		return OAI_CMD_NONE;
	/* Commands start with '_': compare from the second byte. */
	for (int i = 1; i < OAI_CMD__COUNT; i++)
		if (oai__cmds[i].wire[1] == wire[1] && strcmp(oai__cmds[i].wire, wire) == 0)
			return (enum oai_cmd)i;
	return OAI_CMD_NONE;
}

/* ---- enumerations ----------------------------------------------------------------------- */

struct enum_entry {
	int value;
	const char *name;
	const char *text;
};

#define OAI__X(name, value, text) { value, #name, text },
static const struct enum_entry e_outcome[] = { OAI_OUTCOME_LIST(OAI__X) };
static const struct enum_entry e_cause[] = { OAI_CAUSE_LIST(OAI__X) };
static const struct enum_entry e_lcs[] = { OAI_LCS_LIST(OAI__X) };
static const struct enum_entry e_party[] = { OAI_PARTY_LIST(OAI__X) };
static const struct enum_entry e_monitor[] = { OAI_MONITOR_LIST(OAI__X) };
static const struct enum_entry e_devtype[] = { OAI_DEVICE_TYPE_LIST(OAI__X) };
static const struct enum_entry e_hunt[] = { OAI_HUNT_TYPE_LIST(OAI__X) };
static const struct enum_entry e_agent_mode[] = { OAI_AGENT_MODE_LIST(OAI__X) };
static const struct enum_entry e_agent_state[] = { OAI_AGENT_STATE_LIST(OAI__X) };
static const struct enum_entry e_forward[] = { OAI_FORWARD_LIST(OAI__X) };
static const struct enum_entry e_link[] = { OAI_LINK_REASON_LIST(OAI__X) };
#undef OAI__X
#define OAI__X(name, value, key, text) { value, #name, text },
static const struct enum_entry e_qx_list[] = { OAI_QX_LIST(OAI__X) };
#undef OAI__X

static const struct {
	const struct enum_entry *e;
	size_t n;
} enums[OAI_ENUM__COUNT] = {
	[OAI_ENUM_OUTCOME] = { e_outcome, NELEM(e_outcome) },
	[OAI_ENUM_CAUSE] = { e_cause, NELEM(e_cause) },
	[OAI_ENUM_LCS] = { e_lcs, NELEM(e_lcs) },
	[OAI_ENUM_PARTY] = { e_party, NELEM(e_party) },
	[OAI_ENUM_MONITOR] = { e_monitor, NELEM(e_monitor) },
	[OAI_ENUM_DEVICE_TYPE] = { e_devtype, NELEM(e_devtype) },
	[OAI_ENUM_HUNT_TYPE] = { e_hunt, NELEM(e_hunt) },
	[OAI_ENUM_AGENT_MODE] = { e_agent_mode, NELEM(e_agent_mode) },
	[OAI_ENUM_AGENT_STATE] = { e_agent_state, NELEM(e_agent_state) },
	[OAI_ENUM_FORWARD] = { e_forward, NELEM(e_forward) },
	[OAI_ENUM_LINK_REASON] = { e_link, NELEM(e_link) },
	[OAI_ENUM_QX_LIST] = { e_qx_list, NELEM(e_qx_list) },
};

static const struct enum_entry *
enum_find(enum oai_enum e, int value)
{
	if ((int)e < 0 || e >= OAI_ENUM__COUNT)
		return NULL;
	for (size_t i = 0; i < enums[e].n; i++)
		if (enums[e].e[i].value == value)
			return &enums[e].e[i];
	return NULL;
}

const char *
oai_enum_name(enum oai_enum e, int value)
{
	const struct enum_entry *x = enum_find(e, value);

	return x != NULL ? x->name : NULL;
}

const char *
oai_enum_text(enum oai_enum e, int value)
{
	const struct enum_entry *x = enum_find(e, value);

	return x != NULL ? x->text : NULL;
}

/* ---- _QX entity fields ------------------------------------------------------------------ */

#define QX_BITS 24

static const struct oai__field_info qx_fields[OAI_QXL__MAX + 1][QX_BITS] = {
#define OAI__X(list, name, bit, wire, type) [OAI_QXL_##list][bit] = { wire, OAI_T_##type },
	OAI_QX_FIELD_LIST(OAI__X)
#undef OAI__X
};

const char *
oai_qx_field_name(int list, unsigned bit)
{
	if (list < 1 || list > OAI_QXL__MAX || bit >= QX_BITS)
		return NULL;
	return qx_fields[list][bit].name;
}

enum oai_type
oai_qx_field_type(int list, unsigned bit)
{
	if (oai_qx_field_name(list, bit) == NULL)
		return OAI_T_FREE;
	return qx_fields[list][bit].type;
}

/* ---- field checks ----------------------------------------------------------------------- */

static bool
all_digits(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/*
 * The checks are what the rest of Hookswitch may rely on after a successful decode: a number
 * field parses, an LCS is one of the known letters.  Blank passes every check: the sources
 * show blanks in nearly every field, and "blank" has its own meaning in many of them.
 */
const char *
oai__check(enum oai_type t, const char *s)
{
	size_t n;

	if (*s == '\0')
		return NULL;
	switch (t) {
	case OAI_T_DIGITS:
	case OAI_T_INT:
		return all_digits(s) ? NULL : "not a decimal number";
	case OAI_T_HEX:
		for (const char *p = s; *p != '\0'; p++)
			if (!is_hex((unsigned char)*p))
				return "not a hexadecimal number";
		return NULL;
	case OAI_T_CHAR:
		return s[1] == '\0' ? NULL : "not a single character";
	case OAI_T_LCS:
		return s[1] == '\0' && strchr("NIACHFQ", s[0]) != NULL ?
		    NULL : "not a Local_Cnx_State (N, I, A, C, H, F, Q)";
	case OAI_T_PARTY:
		return (s[0] == 'I' || s[0] == 'E') && s[1] == '\0' ? NULL : "not I or E";
	case OAI_T_EXT:
		/* "1000", node "1:", expanded "1:1000" (oai.md 3.1). */
		n = strspn(s, "0123456789");
		if (n > 0 && s[n] == ':')
			n += 1 + strspn(s + n + 1, "0123456789");
		return s[n] == '\0' ? NULL : "not an extension";
	case OAI_T_FILTER:
		n = strlen(s);
		if (n < 3 || n > 6 || strchr("ACFS", s[0]) == NULL || s[1] != ':')
			return "not a filter item (A:, C:, F: or S: and 1-4 hex digits)";
		for (size_t i = 2; i < n; i++)
			if (!is_hex((unsigned char)s[i]))
				return "not a filter item (A:, C:, F: or S: and 1-4 hex digits)";
		return NULL;
	case OAI_T_TEXT:
	case OAI_T_FREE:
	case OAI_T__COUNT:
		break;
	}
	return NULL;
}

/* ---- schema rendering ------------------------------------------------------------------- */

struct out {
	char *p;
	size_t cap, len;
};

static void
put(struct out *o, const char *fmt, const char *s, unsigned i)
{
	int n;

	if (o->len >= o->cap)
		return;
	n = snprintf(o->p + o->len, o->cap - o->len, fmt, s, i);
	if (n > 0)
		o->len += (size_t)n;
	if (o->len >= o->cap)
		o->len = o->cap - 1;
}

/*
 * One line per schema, for README.md: "3 Mon_Cross_Ref_ID, 4 Call_ID, [19 ACD_UCD_Group]".
 * Indexes stop being fixed after a group, so later fields are shown without one.
 */
void
oai__schema_describe(const uint16_t *sch, unsigned n, unsigned first, char *out, size_t cap)
{
	struct out o = { out, cap, 0 };
	unsigned idx = first;
	bool fixed = true, opt = false, none = true;

	out[0] = '\0';
	for (unsigned k = 1; k < n; k++) {
		uint16_t e = sch[k];
		const char *sep = none ? "" : ", ";

		if (e == OAI_S_OPT) {
			opt = true;
			continue;
		}
		if ((e & 0xff00u) == (OAI_S_AT(0) & 0xff00u)) {
			idx = e & 0xffu;
			continue;
		}
		none = false;
		if ((e & 0xff00u) == (OAI_S_GROUP(0) & 0xff00u) || e == OAI_S_QX) {
			unsigned w = e == OAI_S_QX ? 1 : (e & 0xffu);

			put(&o, "%sN × (", sep, 0);
			for (unsigned j = 0; j < w; j++)
				put(&o, j == 0 ? "%s" : ", %s", oai__fields[sch[k + 1 + j]].name,
				    0);
			put(&o, "%s)", e == OAI_S_QX ? ", one field per mask bit" : "", 0);
			k += w;
			fixed = false;
			continue;
		}
		if (e == OAI_S_REST) {
			if (fixed)
				put(&o, "%s%u+ ", sep, idx);
			else
				put(&o, "%s", sep, 0);
			put(&o, "%s…", oai__fields[sch[k + 1]].name, 0);
			k++;
			continue;
		}
		put(&o, "%s", sep, 0);
		if (opt)
			put(&o, "%s", "[", 0);
		if (fixed)
			put(&o, "%2$u %1$s", oai__fields[e].name, idx);
		else
			put(&o, "%s", oai__fields[e].name, 0);
		if (opt)
			put(&o, "%s", "]", 0);
		idx++;
	}
	if (none)
		put(&o, "%s", "(none)", 0);
}
