/*
 * site.c - reads a site file into a struct site and checks it (site_load, site_load_mem).
 *
 * Two passes.  The first (site_parse.c) reads the INI text and checks each value on its own.
 * The second, here, runs once every object is known: it builds the numbering plan and the
 * dial plan, refuses a number used twice and a dial-plan entry that begins another, resolves
 * references (node, members, agents, destinations, overflow, login) into pointers, and checks
 * what involves several objects.  The first error stops both passes; its message names file,
 * line, section and key.
 *
 * Called once at start by main.c, the tests and the fuzz harness.  Not thread-safe (inih's
 * options are process globals, set the same way libcommon/conf.c sets them).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "site.h"
#include "site_int.h"

/* ---- helpers shared with site_parse.c ------------------------------------------------ */

/* Keeps the first error only: later ones are consequences. */
void
site__fail(struct load *ld, int line, const char *fmt, ...)
{
	char msg[SITE_ERR_MAX];
	va_list ap;

	if (ld->rc != HS_OK)
		return;
	ld->rc = HS_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->errlen == 0)
		return;
	if (line > 0)
		snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->name, line, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", ld->name, msg);
}

void
site__nomem(struct load *ld)
{
	if (ld->rc != HS_OK)
		return;
	ld->rc = HS_ENOMEM;
	if (ld->errlen > 0)
		snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
}

/* A value as quoted in a message: cut, control characters shown as '?'. */
const char *
site__excerpt(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < len; s++) {
		if (n == EXCERPT_MAX) {
			snprintf(buf + n, len - n, "...");
			return buf;
		}
		buf[n++] = (*s < 0x20 || *s == 0x7f) ? '?' : *s;
	}
	buf[n] = '\0';
	return buf;
}

bool
site__all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The number that names entity idx ("" for unnumbered sections); node numbers go in buf. */
const char *
site__entity_number(const struct site *site, enum sect sect, size_t idx, char *buf, size_t len)
{
	switch (sect) {
	case SECT_NODE:
		snprintf(buf, len, "%d", site->nodes[idx].number);
		return buf;
	case SECT_EXTENSION: return site->exts[idx].number;
	case SECT_TRUNK: return site->trunks[idx].number;
	case SECT_TRUNKGROUP: return site->trunkgroups[idx].number;
	case SECT_HUNTGROUP: return site->huntgroups[idx].number;
	case SECT_AGENT: return site->agents[idx].id;
	case SECT_DDI: return site->ddis[idx].number;
	default: return "";
	}
}

int
site__entity_line(const struct site *site, enum sect sect, size_t idx)
{
	switch (sect) {
	case SECT_NODE: return site->nodes[idx].line;
	case SECT_EXTENSION: return site->exts[idx].line;
	case SECT_TRUNK: return site->trunks[idx].line;
	case SECT_TRUNKGROUP: return site->trunkgroups[idx].line;
	case SECT_HUNTGROUP: return site->huntgroups[idx].line;
	case SECT_AGENT: return site->agents[idx].line;
	case SECT_DDI: return site->ddis[idx].line;
	default: return 0;
	}
}

size_t
site__entity_count(const struct site *site, enum sect sect)
{
	switch (sect) {
	case SECT_NODE: return site->nnodes;
	case SECT_EXTENSION: return site->nexts;
	case SECT_TRUNK: return site->ntrunks;
	case SECT_TRUNKGROUP: return site->ntrunkgroups;
	case SECT_HUNTGROUP: return site->nhuntgroups;
	case SECT_AGENT: return site->nagents;
	case SECT_DDI: return site->nddis;
	default: return 0;
	}
}

/* "[extension 1000]" for messages. */
const char *
site__entity_label(const struct site *site, enum sect sect, size_t idx, char *buf, size_t len)
{
	char nbuf[16];
	const char *num = site__entity_number(site, sect, idx, nbuf, sizeof(nbuf));

	if (num[0] != '\0')
		snprintf(buf, len, "[%s %s]", sections[sect].name, num);
	else
		snprintf(buf, len, "[%s]", sections[sect].name);
	return buf;
}

/*
 * Walks a list "1000, 1001, 1010-1013" calling fn for each number; on a syntax error
 * returns false with the reason in why.  Used to check at parse time and to resolve later.
 */
bool
site__list_walk(const char *s, char *why, size_t whylen, site__list_fn fn, void *arg)
{
	char item[64], a[32], b[32], ex[EXCERPT_MAX + 4];
	const char *p = s;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *dash, *q;

		if (n >= sizeof(item)) {
			snprintf(why, whylen, "'%.*s...' is not a number or range", 20, p);
			return false;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		p += n + (comma != NULL);
		q = item;
		while (isspace((unsigned char)*q))
			q++;
		n = strlen(q);
		while (n > 0 && isspace((unsigned char)q[n - 1]))
			q[--n] = '\0';
		if (n == 0) {
			snprintf(why, whylen, "empty item in list");
			return false;
		}
		if ((dash = strchr(q, '-')) == NULL) {
			if (!site__all_digits(q, 1, SITE_NUM_MAX - 1)) {
				snprintf(why, whylen, "'%s' is not a number (1 to 8 digits)",
				    site__excerpt(ex, sizeof(ex), q));
				return false;
			}
			if (fn != NULL && !fn(arg, q))
				return false;
			continue;
		}
		*dash = '\0';
		snprintf(a, sizeof(a), "%.31s", q);
		snprintf(b, sizeof(b), "%.31s", dash + 1);
		/* Spaces around the dash are fine. */
		for (char *t = a + strlen(a); t > a && isspace((unsigned char)t[-1]); *--t = '\0')
			;
		char *bb = b;
		while (isspace((unsigned char)*bb))
			bb++;
		*dash = '-';
		if (!site__all_digits(a, 1, SITE_NUM_MAX - 1) || !site__all_digits(bb, 1, SITE_NUM_MAX - 1)) {
			snprintf(why, whylen, "'%s' is not a number or range",
			    site__excerpt(ex, sizeof(ex), q));
			return false;
		}
		if (strlen(a) != strlen(bb)) {
			snprintf(why, whylen, "range %s-%s: both ends need the same number of digits",
			    a, bb);
			return false;
		}
		long lo = strtol(a, NULL, 10), hi = strtol(bb, NULL, 10);
		if (hi < lo) {
			snprintf(why, whylen, "range %s-%s goes backwards", a, bb);
			return false;
		}
		if (hi - lo >= RANGE_MAX) {
			snprintf(why, whylen, "range %s-%s has more than %d numbers", a, bb,
			    RANGE_MAX);
			return false;
		}
		for (long v = lo; v <= hi; v++) {
			char num[SITE_NUM_MAX];
			snprintf(num, sizeof(num), "%0*ld", (int)strlen(a), v);
			if (fn != NULL && !fn(arg, num))
				return false;
		}
	}
	return true;
}

/* ---- second pass: numbering, references, dial plan ------------------------------------- */

static const char *
ref_kind_name(enum site_kind kind)
{
	switch (kind) {
	case SITE_EXTENSION: return "extension";
	case SITE_HUNTGROUP: return "huntgroup";
	case SITE_TRUNK: return "trunk";
	case SITE_TRUNKGROUP: return "trunkgroup";
	case SITE_AGENT: return "agent";
	default: return "?";
	}
}

static int
ref_line(struct site_ref r)
{
	switch (r.kind) {
	case SITE_EXTENSION: return r.u.ext->line;
	case SITE_HUNTGROUP: return r.u.hg->line;
	case SITE_TRUNK: return r.u.trunk->line;
	case SITE_TRUNKGROUP: return r.u.tg->line;
	case SITE_AGENT: return r.u.agent->line;
	default: return 0;
	}
}

/* Sort by number, then by line so that of two equal numbers the later one is reported. */
static int
entry_line_cmp(const void *a, const void *b)
{
	const struct site_entry *x = a, *y = b;
	int c = strcmp(x->number, y->number);

	if (c != 0)
		return c;
	return ref_line(x->ref) - ref_line(y->ref);
}

static void
build_index(struct load *ld)
{
	struct site *site = ld->site;
	size_t n = site->nexts + site->nhuntgroups + site->ntrunks + site->ntrunkgroups +
	    site->nagents, k = 0;

	if ((site->index = calloc(n ? n : 1, sizeof(*site->index))) == NULL) {
		site__nomem(ld);
		return;
	}
	for (size_t i = 0; i < site->nexts; i++)
		site->index[k++] = (struct site_entry){site->exts[i].number,
		    {.kind = SITE_EXTENSION, .u.ext = &site->exts[i]}};
	for (size_t i = 0; i < site->nhuntgroups; i++)
		site->index[k++] = (struct site_entry){site->huntgroups[i].number,
		    {.kind = SITE_HUNTGROUP, .u.hg = &site->huntgroups[i]}};
	for (size_t i = 0; i < site->ntrunks; i++)
		site->index[k++] = (struct site_entry){site->trunks[i].number,
		    {.kind = SITE_TRUNK, .u.trunk = &site->trunks[i]}};
	for (size_t i = 0; i < site->ntrunkgroups; i++)
		site->index[k++] = (struct site_entry){site->trunkgroups[i].number,
		    {.kind = SITE_TRUNKGROUP, .u.tg = &site->trunkgroups[i]}};
	for (size_t i = 0; i < site->nagents; i++)
		site->index[k++] = (struct site_entry){site->agents[i].id,
		    {.kind = SITE_AGENT, .u.agent = &site->agents[i]}};
	site->nindex = n;
	qsort(site->index, n, sizeof(*site->index), entry_line_cmp);
	for (size_t i = 1; i < n; i++) {
		struct site_entry *a = &site->index[i - 1], *b = &site->index[i];
		if (strcmp(a->number, b->number) == 0) {
			site__fail(ld, ref_line(b->ref), "[%s %s]: number %s is already used by [%s %s] "
			    "at line %d", ref_kind_name(b->ref.kind), b->number, b->number,
			    ref_kind_name(a->ref.kind), a->number, ref_line(a->ref));
			return;
		}
	}
}

/* Appends p to the pointer array *arr of *n elements. */
static bool
ptr_push(const void ***arr, size_t *n, const void *p)
{
	const void **a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (a == NULL)
		return false;
	a[(*n)++] = p;
	*arr = a;
	return true;
}

struct list_ctx {
	struct load *ld;
	const struct pending *p;
	const char *label;
};

static bool
tg_member(void *arg, const char *number)
{
	struct list_ctx *c = arg;
	struct site *site = c->ld->site;
	struct site_trunkgroup *tg = &site->trunkgroups[c->p->idx];
	const struct site_trunk *t = site_trunk(site, number);

	if (t == NULL) {
		site__fail(c->ld, c->p->line, "%s members: %s is not a trunk", c->label, number);
		return false;
	}
	if (t->group == tg) {
		site__fail(c->ld, c->p->line, "%s members: %s is listed twice", c->label, number);
		return false;
	}
	if (t->group != NULL) {
		site__fail(c->ld, c->p->line, "%s members: trunk %s is already in [trunkgroup %s]",
		    c->label, number, t->group->number);
		return false;
	}
	((struct site_trunk *)t)->group = tg;
	if (!ptr_push((const void ***)&tg->members, &tg->nmembers, t)) {
		site__nomem(c->ld);
		return false;
	}
	return true;
}

static bool
hg_member(void *arg, const char *number)
{
	struct list_ctx *c = arg;
	struct site *site = c->ld->site;
	struct site_huntgroup *hg = &site->huntgroups[c->p->idx];
	const struct site_ext *e = site_ext(site, number);

	if (e == NULL) {
		site__fail(c->ld, c->p->line, "%s members: %s is not an extension", c->label, number);
		return false;
	}
	if (e->type == SITE_EXT_VOICEMAIL) {
		site__fail(c->ld, c->p->line, "%s members: %s is voice mail, which cannot be a member "
		    "(make it the overflow)", c->label, number);
		return false;
	}
	for (size_t i = 0; i < hg->nmembers; i++)
		if (hg->members[i] == e) {
			site__fail(c->ld, c->p->line, "%s members: %s is listed twice", c->label,
			    number);
			return false;
		}
	struct site_ext *me = (struct site_ext *)e; /* the site is ours until loaded */
	if (!ptr_push((const void ***)&hg->members, &hg->nmembers, e) ||
	    !ptr_push((const void ***)&me->groups, &me->ngroups, hg)) {
		site__nomem(c->ld);
		return false;
	}
	return true;
}

static bool
hg_agent(void *arg, const char *number)
{
	struct list_ctx *c = arg;
	struct site *site = c->ld->site;
	struct site_huntgroup *hg = &site->huntgroups[c->p->idx];
	const struct site_agent *a = site_agent(site, number);

	if (hg->type != SITE_HG_ACD) {
		site__fail(c->ld, c->p->line, "%s agents: only an acd group has agent IDs", c->label);
		return false;
	}
	if (a == NULL) {
		site__fail(c->ld, c->p->line, "%s agents: %s is not an [agent]", c->label, number);
		return false;
	}
	for (size_t i = 0; i < hg->nagents; i++)
		if (hg->agents[i] == a) {
			site__fail(c->ld, c->p->line, "%s agents: %s is listed twice", c->label,
			    number);
			return false;
		}
	struct site_agent *ma = (struct site_agent *)a;
	if (!ptr_push((const void ***)&hg->agents, &hg->nagents, a) ||
	    !ptr_push((const void ***)&ma->groups, &ma->ngroups, hg)) {
		site__nomem(c->ld);
		return false;
	}
	return true;
}

/* Resolves one reference kept by the first pass (not forward destinations: see below). */
static void
resolve_ref(struct load *ld, const struct pending *p)
{
	struct site *site = ld->site;
	char label[64];
	struct list_ctx lc = {ld, p, label};
	char why[SITE_ERR_MAX];
	struct site_ref r = site_lookup(site, p->value);
	const char *key = p->key;

	site__entity_label(site, p->sect, p->idx, label, sizeof(label));
	if (strcmp(key, "node") == 0) {
		const struct site_node *n = site_node(site, atoi(p->value));
		if (n == NULL) {
			site__fail(ld, p->line, "%s node: there is no [node %s]", label, p->value);
			return;
		}
		switch (p->sect) {
		case SECT_EXTENSION: site->exts[p->idx].node = n; break;
		case SECT_TRUNK: site->trunks[p->idx].node = n; break;
		case SECT_TRUNKGROUP: site->trunkgroups[p->idx].node = n; break;
		case SECT_HUNTGROUP: site->huntgroups[p->idx].node = n; break;
		default: break;
		}
	} else if (strcmp(key, "members") == 0) {
		site__list_walk(p->value, why, sizeof(why),
		    p->sect == SECT_TRUNKGROUP ? tg_member : hg_member, &lc);
	} else if (strcmp(key, "agents") == 0) {
		site__list_walk(p->value, why, sizeof(why), hg_agent, &lc);
	} else if (strcmp(key, "voicemail") == 0) {
		if (r.kind != SITE_EXTENSION)
			site__fail(ld, p->line, "%s voicemail: %s is not an extension", label, p->value);
		else if (r.u.ext->type != SITE_EXT_VOICEMAIL)
			site__fail(ld, p->line, "%s voicemail: extension %s is not of type voicemail",
			    label, p->value);
		else
			snprintf(site->voicemail, sizeof(site->voicemail), "%s", p->value);
	} else if (strcmp(key, "overflow") == 0) {
		struct site_huntgroup *hg = &site->huntgroups[p->idx];
		if (r.kind != SITE_EXTENSION && r.kind != SITE_HUNTGROUP)
			site__fail(ld, p->line, "%s overflow: %s is not an extension or hunt group",
			    label, p->value);
		else if (r.kind == SITE_HUNTGROUP && r.u.hg == hg)
			site__fail(ld, p->line, "%s overflow: %s is the group itself", label, p->value);
		else
			snprintf(hg->overflow, sizeof(hg->overflow), "%s", p->value);
	} else if (strcmp(key, "login") == 0) {
		if (r.kind != SITE_EXTENSION)
			site__fail(ld, p->line, "%s login: %s is not an extension", label, p->value);
		else if (!site_ext_can_call(r.u.ext))
			site__fail(ld, p->line, "%s login: extension %s is a %s, not a station", label,
			    p->value, site_ext_type_name(r.u.ext->type));
		else
			site->agents[p->idx].login = r.u.ext;
	} else if (strcmp(key, "destination") == 0) {
		if (r.kind != SITE_EXTENSION && r.kind != SITE_HUNTGROUP)
			site__fail(ld, p->line, "%s destination: %s is not an extension or hunt group",
			    label, p->value);
		else
			snprintf(site->ddis[p->idx].destination, SITE_NUM_MAX, "%s", p->value);
	} else if (strcmp(key, "dnd") == 0) {
		struct site_ext *e = &site->exts[p->idx];
		if (e->dnd > site->ndnd)
			site__fail(ld, p->line, "%s dnd: there is no DND message %d (the site has %d)",
			    label, e->dnd, site->ndnd);
	}
}

static const char *
dialent_desc(const struct site_dialent *d, char *buf, size_t len)
{
	const struct site_feature *f;
	const struct site_trunkgroup *tg;

	switch (d->kind) {
	case SITE_DIAL_EXTENSION:
		snprintf(buf, len, "extension %s (line %d)", d->code, d->line);
		break;
	case SITE_DIAL_HUNTGROUP:
		snprintf(buf, len, "hunt group %s (line %d)", d->code, d->line);
		break;
	case SITE_DIAL_OUTSIDE:
		tg = d->ptr;
		snprintf(buf, len, "access code %s of [trunkgroup %s] (line %d)", d->code,
		    tg->number, d->line);
		break;
	case SITE_DIAL_FEATURE:
		f = d->ptr;
		if (d->line == 0)
			snprintf(buf, len, "feature code %s (%s, default)", d->code, f->key);
		else
			snprintf(buf, len, "feature code %s (%s, line %d)", d->code, f->key,
			    d->line);
		break;
	default:
		snprintf(buf, len, "%s", d->code);
		break;
	}
	return buf;
}

static void
build_dialplan(struct load *ld)
{
	struct site *site = ld->site;
	size_t n = site->nexts + site->nhuntgroups + site->ntrunkgroups + SITE_FEAT_COUNT, k = 0;
	char a[160], b[160];

	if ((site->dialplan = calloc(n, sizeof(*site->dialplan))) == NULL) {
		site__nomem(ld);
		return;
	}
	for (size_t i = 0; i < site->nexts; i++)
		site->dialplan[k++] = (struct site_dialent){site->exts[i].number,
		    SITE_DIAL_EXTENSION, &site->exts[i], site->exts[i].line};
	for (size_t i = 0; i < site->nhuntgroups; i++)
		site->dialplan[k++] = (struct site_dialent){site->huntgroups[i].number,
		    SITE_DIAL_HUNTGROUP, &site->huntgroups[i], site->huntgroups[i].line};
	for (size_t i = 0; i < site->ntrunkgroups; i++) {
		struct site_trunkgroup *tg = &site->trunkgroups[i];
		int line = tg->line;
		if (tg->access[0] == '\0')
			continue;
		for (size_t j = 0; j < ld->npend; j++)
			if (ld->pend[j].sect == SECT_TRUNKGROUP && ld->pend[j].idx == i &&
			    strcmp(ld->pend[j].key, "access") == 0)
				line = ld->pend[j].line;
		site->dialplan[k++] = (struct site_dialent){tg->access, SITE_DIAL_OUTSIDE, tg,
		    line};
	}
	for (size_t i = 0; i < SITE_FEAT_COUNT; i++)
		if (site->features[i].code[0] != '\0')
			site->dialplan[k++] = (struct site_dialent){site->features[i].code,
			    SITE_DIAL_FEATURE, &site->features[i], ld->feature_line[i]};
	site->ndialplan = k;
	qsort(site->dialplan, k, sizeof(*site->dialplan), site__dialent_cmp);
	/* Sorted, a prefix sits right before the entries it begins (README.md, "Dial plan"). */
	for (size_t i = 1; i < k; i++) {
		struct site_dialent *x = &site->dialplan[i - 1], *y = &site->dialplan[i];
		size_t xl = strlen(x->code);
		if (strncmp(x->code, y->code, xl) != 0)
			continue;
		dialent_desc(x, a, sizeof(a));
		dialent_desc(y, b, sizeof(b));
		site__fail(ld, x->line > y->line ? x->line : y->line, "dial plan: %s %s %s; the dial "
		    "plan must be prefix-free", a,
		    strlen(y->code) == xl ? "is the same number as" : "is a prefix of", b);
		return;
	}
}

/* Forward destinations need the dial plan, so they come last. */
static void
resolve_forward(struct load *ld, const struct pending *p)
{
	struct site *site = ld->site;
	struct site_ext *e = &site->exts[p->idx];
	char label[64], ex[EXCERPT_MAX + 4];
	struct site_dial d;

	site__entity_label(site, p->sect, p->idx, label, sizeof(label));
	switch (site_dial(site, p->value, &d)) {
	case SITE_DIAL_EXTENSION:
		if (d.ext == e) {
			site__fail(ld, p->line, "%s forward: forwards to itself", label);
			return;
		}
		break;
	case SITE_DIAL_HUNTGROUP:
	case SITE_DIAL_OUTSIDE:
		break;
	case SITE_DIAL_FEATURE:
		site__fail(ld, p->line, "%s forward: '%s' is a feature code (%s)", label,
		    site__excerpt(ex, sizeof(ex), p->value), d.feature->key);
		return;
	case SITE_DIAL_INCOMPLETE:
		site__fail(ld, p->line, "%s forward: '%s' is incomplete", label,
		    site__excerpt(ex, sizeof(ex), p->value));
		return;
	case SITE_DIAL_INVALID:
		site__fail(ld, p->line, "%s forward: '%s' is not in the dial plan (%s)", label,
		    site__excerpt(ex, sizeof(ex), p->value), d.why);
		return;
	}
	snprintf(e->fwd_dest, sizeof(e->fwd_dest), "%s", d.digits);
}

/*
 * The Record-A-Call application's number: free in the numbering plan, and neither begins
 * nor is begun by a dial-plan entry, so that it could be dialled on a real PBX.  It needs
 * the dial plan, so it comes last, like forward destinations.
 */
static void
resolve_rac(struct load *ld, const struct pending *p)
{
	struct site *site = ld->site;
	struct site_ref r = site_lookup(site, p->value);
	size_t n = strlen(p->value);
	char desc[160];

	if (r.kind != SITE_NONE) {
		site__fail(ld, p->line, "[record_a_call] extension: %s is already used by [%s %s] at "
		    "line %d", p->value, ref_kind_name(r.kind), p->value, ref_line(r));
		return;
	}
	for (size_t i = 0; i < site->ndialplan; i++) {
		const struct site_dialent *d = &site->dialplan[i];
		size_t dl = strlen(d->code);
		if (strncmp(d->code, p->value, dl < n ? dl : n) != 0)
			continue;
		dialent_desc(d, desc, sizeof(desc));
		site__fail(ld, p->line, "[record_a_call] extension: %s %s %s; the dial plan must be "
		    "prefix-free", p->value, dl > n ? "is a prefix of" : "begins with", desc);
		return;
	}
	snprintf(site->rac.extension, sizeof(site->rac.extension), "%s", p->value);
}

static void
check_site(struct load *ld)
{
	struct site *site = ld->site;
	char label[64];

	if (site->nnodes == 0) {
		site__fail(ld, 0, "no [node] section (a site needs at least one)");
		return;
	}
	for (int i = 0; i < site->ndnd; i++)
		if (site->dnd[i][0] == '\0') {
			site__fail(ld, ld->single_line[SECT_DND], "[dnd]: message %d is missing (messages "
			    "are numbered 1..N without gaps)", i + 1);
			return;
		}
	/* Objects without a node key are on the first node of the file. */
	for (size_t i = 0; i < site->nexts; i++)
		site->exts[i].node = &site->nodes[0];
	for (size_t i = 0; i < site->ntrunks; i++)
		site->trunks[i].node = &site->nodes[0];
	for (size_t i = 0; i < site->ntrunkgroups; i++)
		site->trunkgroups[i].node = &site->nodes[0];
	for (size_t i = 0; i < site->nhuntgroups; i++)
		site->huntgroups[i].node = &site->nodes[0];

	build_index(ld);
	for (size_t i = 0; i < ld->npend && ld->rc == HS_OK; i++)
		if (strcmp(ld->pend[i].key, "forward") != 0 && ld->pend[i].sect != SECT_RAC)
			resolve_ref(ld, &ld->pend[i]);
	if (ld->rc != HS_OK)
		return;

	for (size_t i = 0; i < site->ntrunkgroups; i++) {
		struct site_trunkgroup *tg = &site->trunkgroups[i];
		if (tg->nmembers == 0) {
			site__fail(ld, tg->line, "%s: no members",
			    site__entity_label(site, SECT_TRUNKGROUP, i, label, sizeof(label)));
			return;
		}
	}
	for (size_t i = 0; i < site->nhuntgroups; i++) {
		struct site_huntgroup *hg = &site->huntgroups[i];
		site__entity_label(site, SECT_HUNTGROUP, i, label, sizeof(label));
		if (hg->nmembers == 0 && hg->nagents == 0) {
			site__fail(ld, hg->line, "%s: no members (give members, or agents for an acd "
			    "group)", label);
			return;
		}
		if (hg->nmembers > 0 && hg->nagents > 0) {
			site__fail(ld, hg->line, "%s: give members or agents, not both", label);
			return;
		}
		if (hg->overflow_timeout > 0 && hg->overflow[0] == '\0') {
			site__fail(ld, hg->line, "%s: overflow_timeout needs overflow", label);
			return;
		}
		if (hg->overflow[0] != '\0' && hg->overflow_timeout == 0) {
			site__fail(ld, hg->line, "%s: overflow needs overflow_timeout", label);
			return;
		}
	}
	for (size_t i = 0; i < site->nagents; i++)
		for (size_t j = 0; j < i; j++)
			if (site->agents[i].login != NULL &&
			    site->agents[i].login == site->agents[j].login) {
				site__fail(ld, site->agents[i].line, "[agent %s] login: extension %s is "
				    "already the login of [agent %s]", site->agents[i].id,
				    site->agents[i].login->number, site->agents[j].id);
				return;
			}

	build_dialplan(ld);
	for (size_t i = 0; i < ld->npend && ld->rc == HS_OK; i++)
		if (strcmp(ld->pend[i].key, "forward") == 0)
			resolve_forward(ld, &ld->pend[i]);
		else if (ld->pend[i].sect == SECT_RAC)
			resolve_rac(ld, &ld->pend[i]);
}

/* ---- public ----------------------------------------------------------------------------- */

static const char *
base_name(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	char *dot;

	snprintf(buf, len, "%s", b != NULL ? b + 1 : path);
	if ((dot = strrchr(buf, '.')) != NULL && dot != buf)
		*dot = '\0';
	return buf;
}

hs_err
site_load_mem(const char *text, size_t len, const char *name, struct site **sitep,
    char *err, size_t errlen)
{
	struct load ld = {.name = name, .text = text, .len = len, .err = err,
	    .errlen = errlen, .rc = HS_OK};
	struct site *site;

	*sitep = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((site = calloc(1, sizeof(*site))) == NULL) {
		site__nomem(&ld);
		return ld.rc;
	}
	ld.site = site;
	snprintf(site->path, sizeof(site->path), "%s", name);
	base_name(name, site->name, sizeof(site->name));
	site__parse(&ld);
	if (ld.rc == HS_OK)
		check_site(&ld);
	for (size_t i = 0; i < ld.npend; i++)
		free(ld.pend[i].value);
	free(ld.pend);
	if (ld.rc != HS_OK) {
		site_free(site);
		return ld.rc;
	}
	*sitep = site;
	return HS_OK;
}

hs_err
site_load(const char *path, struct site **sitep, char *err, size_t errlen)
{
	FILE *fp;
	char *buf;
	size_t n;
	hs_err rc;
	int e;

	*sitep = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return e == ENOENT ? HS_ENOTFOUND : HS_EIO;
	}
	if ((buf = malloc(SITE_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return HS_ENOMEM;
	}
	n = fread(buf, 1, SITE_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = HS_EIO;
	} else if (n > SITE_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, SITE_FILE_MAX);
		rc = HS_ECONFIG;
	} else {
		rc = site_load_mem(buf, n, path, sitep, err, errlen);
	}
	fclose(fp);
	free(buf);
	return rc;
}

void
site_free(struct site *site)
{
	if (site == NULL)
		return;
	for (size_t i = 0; i < site->nexts; i++)
		free(site->exts[i].groups);
	for (size_t i = 0; i < site->ntrunkgroups; i++)
		free(site->trunkgroups[i].members);
	for (size_t i = 0; i < site->nhuntgroups; i++) {
		free(site->huntgroups[i].members);
		free(site->huntgroups[i].agents);
	}
	for (size_t i = 0; i < site->nagents; i++)
		free(site->agents[i].groups);
	free(site->nodes);
	free(site->exts);
	free(site->trunks);
	free(site->trunkgroups);
	free(site->huntgroups);
	free(site->agents);
	free(site->ddis);
	free(site->index);
	free(site->dialplan);
	free(site);
}
