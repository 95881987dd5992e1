/*
 * site_lookup.c - questions asked of a loaded site: what is this number, where does this
 * DDI go, what does this dialled string mean, and the names and wire codes of its enums.
 *
 * Every function here reads a site that site_load() built and checked, and none changes it,
 * so any number of threads may call them.  Number lookups are binary searches of the sorted
 * numbering plan (site->index); site_dial() searches the sorted, prefix-free dial plan.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "site.h"
#include "site_int.h"

int
site__entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct site_entry *)a)->number,
	    ((const struct site_entry *)b)->number);
}

int
site__dialent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct site_dialent *)a)->code,
	    ((const struct site_dialent *)b)->code);
}

struct site_ref
site_lookup(const struct site *site, const char *number)
{
	struct site_entry key = {.number = number}, *e;
	struct site_ref none = {.kind = SITE_NONE};

	if (number == NULL || site->index == NULL)
		return none;
	e = bsearch(&key, site->index, site->nindex, sizeof(*site->index), site__entry_cmp);
	return e != NULL ? e->ref : none;
}

const struct site_ext *
site_ext(const struct site *site, const char *number)
{
	struct site_ref r = site_lookup(site, number);

	return r.kind == SITE_EXTENSION ? r.u.ext : NULL;
}

const struct site_huntgroup *
site_huntgroup(const struct site *site, const char *pilot)
{
	struct site_ref r = site_lookup(site, pilot);

	return r.kind == SITE_HUNTGROUP ? r.u.hg : NULL;
}

const struct site_trunk *
site_trunk(const struct site *site, const char *number)
{
	struct site_ref r = site_lookup(site, number);

	return r.kind == SITE_TRUNK ? r.u.trunk : NULL;
}

const struct site_trunkgroup *
site_trunkgroup(const struct site *site, const char *number)
{
	struct site_ref r = site_lookup(site, number);

	return r.kind == SITE_TRUNKGROUP ? r.u.tg : NULL;
}

const struct site_agent *
site_agent(const struct site *site, const char *id)
{
	struct site_ref r = site_lookup(site, id);

	return r.kind == SITE_AGENT ? r.u.agent : NULL;
}

/* DDIs are few and outside the numbering plan: a linear search is enough. */
const struct site_ddi *
site_ddi(const struct site *site, const char *number)
{
	for (size_t i = 0; number != NULL && i < site->nddis; i++)
		if (strcmp(site->ddis[i].number, number) == 0)
			return &site->ddis[i];
	return NULL;
}

const struct site_trunkgroup *
site_trunkgroup_by_access(const struct site *site, const char *code)
{
	for (size_t i = 0; code != NULL && i < site->ntrunkgroups; i++)
		if (site->trunkgroups[i].access[0] != '\0' &&
		    strcmp(site->trunkgroups[i].access, code) == 0)
			return &site->trunkgroups[i];
	return NULL;
}

const struct site_feature *
site_feature(const struct site *site, enum site_feat id)
{
	if ((int)id < 0 || id >= SITE_FEAT_COUNT)
		return NULL;
	return &site->features[id];
}

const struct site_node *
site_node(const struct site *site, int number)
{
	for (size_t i = 0; i < site->nnodes; i++)
		if (site->nodes[i].number == number)
			return &site->nodes[i];
	return NULL;
}

void
site_ddi_route(const struct site *site, const struct site_ddi *ddi,
    const struct site_ext **ext, const struct site_huntgroup **hg)
{
	struct site_ref r = site_lookup(site, ddi->destination);

	*ext = r.kind == SITE_EXTENSION ? r.u.ext : NULL;
	*hg = r.kind == SITE_HUNTGROUP ? r.u.hg : NULL;
}

/* ---- dialled digits --------------------------------------------------------------------- */

static bool
is_ignored(char c)
{
	return c == '-' || c == ' ' || c == '(' || c == ')' || c == ';';
}

static enum site_dial_kind
dial_invalid(struct site_dial *out, const char *why)
{
	out->kind = SITE_DIAL_INVALID;
	out->why = why;
	return out->kind;
}

/*
 * The dial plan is prefix-free and sorted, so the entry that begins `digits`, if any, is
 * the greatest entry not above it; and `digits` is incomplete when it begins the least entry
 * above it.
 */
enum site_dial_kind
site_dial(const struct site *site, const char *dialled, struct site_dial *out)
{
	const struct site_dialent *plan = site->dialplan, *hit = NULL;
	size_t lo = 0, hi = site->ndialplan, n = 0, clen;
	bool bang = false;
	const char *p, *d;

	memset(out, 0, sizeof(*out));
	out->outside = out->arg = "";
	if (dialled == NULL || strlen(dialled) >= SITE_DIAL_MAX)
		return dial_invalid(out, "longer than 48 characters");
	p = dialled;
	if (*p == '!') {
		bang = true;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (is_ignored(*p))
			continue;
		if (!((*p >= '0' && *p <= '9') || *p == '*' || *p == '#' || *p == 'P'))
			return dial_invalid(out, "a character other than 0-9 * # P");
		out->digits[n++] = *p;
	}
	out->digits[n] = '\0';
	d = out->digits;
	if (n == 0)
		return dial_invalid(out, "no digits");
	if (d[0] == 'P')
		return dial_invalid(out, "a pause cannot come first");

	while (lo < hi) { /* first entry > d */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(plan[mid].code, d) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && strncmp(plan[lo - 1].code, d, strlen(plan[lo - 1].code)) == 0)
		hit = &plan[lo - 1];
	if (hit == NULL) {
		if (lo < site->ndialplan && strncmp(plan[lo].code, d, n) == 0) {
			out->kind = SITE_DIAL_INCOMPLETE;
			return out->kind;
		}
		return dial_invalid(out, "no extension, hunt group, access code or feature "
		    "code begins so");
	}
	clen = strlen(hit->code);
	if (bang && hit->kind != SITE_DIAL_FEATURE)
		return dial_invalid(out, "'!' only comes before a feature code");
	switch (hit->kind) {
	case SITE_DIAL_EXTENSION:
	case SITE_DIAL_HUNTGROUP:
		if (n != clen)
			return dial_invalid(out, "digits after a complete extension number");
		if (hit->kind == SITE_DIAL_EXTENSION)
			out->ext = hit->ptr;
		else
			out->hg = hit->ptr;
		break;
	case SITE_DIAL_OUTSIDE:
		out->tg = hit->ptr;
		out->outside = d + clen;
		if (n == clen) {
			out->kind = SITE_DIAL_INCOMPLETE;
			return out->kind;
		}
		if (out->outside[0] == 'P')
			break; /* a pause after the access code is normal */
		break;
	case SITE_DIAL_FEATURE:
		out->feature = hit->ptr;
		out->arg = d + clen;
		if (n != clen && !(out->feature->flags & SITE_FEAT_ARG))
			return dial_invalid(out, "digits after a feature code that takes none");
		break;
	default:
		return dial_invalid(out, "internal error");
	}
	out->kind = hit->kind;
	return out->kind;
}

/* ---- names and codes -------------------------------------------------------------------- */

static const struct {
	const char *name;
	int code;
} ext_types[] = {
#define X(id, name, code) {name, code},
	SITE_EXT_TYPE_LIST(X)
#undef X
}, trunk_types[] = {
#define X(id, name, code) {name, code},
	SITE_TRUNK_TYPE_LIST(X)
#undef X
};

static const char *const hg_type_names[] = {
#define X(id, name) name,
	SITE_HG_TYPE_LIST(X)
#undef X
};
static const char *const fwd_names[] = {
#define X(id, name) name,
	SITE_FWD_LIST(X)
#undef X
};
static const char *const agent_state_names[] = {
#define X(id, name) name,
	SITE_AGENT_STATE_LIST(X)
#undef X
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NAME_OF(arr, i) ((size_t)(i) < NELEM(arr) ? (arr)[i] : "?")

int
site_ext_type_code(enum site_ext_type type)
{
	return (size_t)type < NELEM(ext_types) ? ext_types[type].code : -1;
}

const char *
site_ext_type_name(enum site_ext_type type)
{
	return (size_t)type < NELEM(ext_types) ? ext_types[type].name : "?";
}

int
site_trunk_type_code(enum site_trunk_type type)
{
	return (size_t)type < NELEM(trunk_types) ? trunk_types[type].code : -1;
}

const char *
site_trunk_type_name(enum site_trunk_type type)
{
	return (size_t)type < NELEM(trunk_types) ? trunk_types[type].name : "?";
}

int
site_hg_oai_type(const struct site_huntgroup *hg)
{
	if (hg->type != SITE_HG_ACD)
		return 0;
	return hg->nagents > 0 ? 2 : 1;
}

const char *
site_hg_type_name(enum site_hg_type type)
{
	return NAME_OF(hg_type_names, type);
}

const char *
site_fwd_name(enum site_fwd fwd)
{
	return NAME_OF(fwd_names, fwd);
}

const char *
site_agent_state_name(enum site_agent_state state)
{
	return NAME_OF(agent_state_names, state);
}

const char *
site_kind_name(enum site_kind kind)
{
	static const char *const names[] = {"none", "extension", "huntgroup", "trunk",
		"trunkgroup", "agent"};

	return NAME_OF(names, kind);
}

const char *
site_dial_kind_name(enum site_dial_kind kind)
{
	static const char *const names[] = {"invalid", "incomplete", "extension",
		"huntgroup", "outside", "feature"};

	return NAME_OF(names, kind);
}

const char *
site_rac_codec_name(enum site_rac_codec codec)
{
	static const char *const names[] = {
#define X(id, name, pt) name,
		SITE_RAC_CODEC_LIST(X)
#undef X
	};

	return NAME_OF(names, codec);
}

int
site_rac_codec_pt(enum site_rac_codec codec)
{
	static const int pts[] = {
#define X(id, name, pt) pt,
		SITE_RAC_CODEC_LIST(X)
#undef X
	};

	return (size_t)codec < NELEM(pts) ? pts[codec] : -1;
}

int
site_fwd_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < NELEM(fwd_names); i++)
		if (strcasecmp(fwd_names[i], name) == 0)
			return (int)i;
	return -1;
}

int
site_agent_state_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < NELEM(agent_state_names); i++)
		if (strcasecmp(agent_state_names[i], name) == 0)
			return (int)i;
	return -1;
}

bool
site_ext_can_call(const struct site_ext *ext)
{
	return ext->type != SITE_EXT_PHANTOM && ext->type != SITE_EXT_VOICEMAIL;
}
