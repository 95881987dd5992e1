/*
 * scenario_check.c - checks a parsed scenario against a site (scenario_check).
 *
 * Every number an action names must be what the verb needs: a station that can dial for
 * `call`, a trunk and a DDI for `inbound`, digits that mean an extension, a hunt group or an
 * outside number for dialling and forwarding, an agent ID for `agent`, and so on.  Whether an
 * action fits the moment it runs at (answering where nothing rings) is the engine's question,
 * not this file's.  The first problem is reported as "file:line: verb: reason"; generated
 * scenarios (line 0) are reported as "name: action N: verb: reason".
 *
 * To add a verb: its case in check_action().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

struct check {
	const struct scenario *scn;
	const struct site *site;
	const struct scn_action *a;
	size_t idx;
	char *err;
	size_t errlen;
	hs_err rc;
};

static void cerr(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
cerr(struct check *c, const char *fmt, ...)
{
	char msg[SCN_ERR_MAX];
	va_list ap;

	if (c->rc != HS_OK)
		return;
	c->rc = HS_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->errlen == 0)
		return;
	if (c->a->line > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->scn->name, c->a->line,
		    scn_verb_name(c->a->verb), msg);
	else
		snprintf(c->err, c->errlen, "%s: action %zu: %s: %s", c->scn->name, c->idx + 1,
		    scn_verb_name(c->a->verb), msg);
}

/* An extension that can go off-hook and dial. */
static const struct site_ext *
station(struct check *c, const char *number)
{
	const struct site_ext *e = site_ext(c->site, number);

	if (e == NULL)
		cerr(c, "%s is not an extension", number);
	else if (!site_ext_can_call(e))
		cerr(c, "%s is a %s, which cannot act", number, site_ext_type_name(e->type));
	return c->rc == HS_OK ? e : NULL;
}

/* Digits dialled by, or a forward destination of, extension self (NULL: unknown yet). */
static void
dialled(struct check *c, const char *digits, const struct site_ext *self)
{
	bool fwd = c->a->verb == SCN_FORWARD;
	struct site_dial d;

	switch (site_dial(c->site, digits, &d)) {
	case SITE_DIAL_EXTENSION:
		if (d.ext == self)
			cerr(c, "%s %s itself", self->number, fwd ? "forwards to" : "dials");
		break;
	case SITE_DIAL_HUNTGROUP:
	case SITE_DIAL_OUTSIDE:
		break;
	case SITE_DIAL_FEATURE:
		cerr(c, "'%s' is a feature code (%s); use the dnd, forward or agent actions",
		    digits, d.feature->key);
		break;
	case SITE_DIAL_INCOMPLETE:
		cerr(c, "'%s' is incomplete", digits);
		break;
	case SITE_DIAL_INVALID:
		cerr(c, "'%s' is not in the dial plan (%s)", digits, d.why);
		break;
	}
}

/* A party named by number: an extension (or a trunk when trunk_ok). */
static void
party(struct check *c, bool trunk_ok)
{
	struct site_ref r;

	if (c->a->party != SCN_PARTY_DEV)
		return;
	r = site_lookup(c->site, c->a->dev);
	if (r.kind == SITE_EXTENSION || (trunk_ok && r.kind == SITE_TRUNK))
		return;
	cerr(c, "%s is not an extension%s", c->a->dev, trunk_ok ? " or trunk" : "");
}

/* An extension in a member-list ACD group (one without agent IDs). */
static bool
acd_member(const struct site_ext *e)
{
	for (size_t i = 0; e != NULL && i < e->ngroups; i++)
		if (e->groups[i]->type == SITE_HG_ACD && e->groups[i]->nagents == 0)
			return true;
	return false;
}

static void
check_action(struct check *c)
{
	const struct scn_action *a = c->a;
	const struct site_ext *e;

	switch (a->verb) {
	case SCN_CALL:
		if ((e = station(c, a->dev)) != NULL)
			dialled(c, a->digits, e);
		break;
	case SCN_INBOUND:
		if (site_trunk(c->site, a->dev) == NULL)
			cerr(c, "%s is not a trunk", a->dev);
		else if (site_ddi(c->site, a->digits) == NULL)
			cerr(c, "%s is not a DDI of the site", a->digits);
		break;
	case SCN_CONSULT:
		e = a->party == SCN_PARTY_DEV ? station(c, a->dev) : NULL;
		if (c->rc == HS_OK)
			dialled(c, a->digits, e);
		break;
	case SCN_ANSWER:
	case SCN_HANGUP:
		party(c, true);
		break;
	case SCN_HOLD:
	case SCN_RETRIEVE:
	case SCN_CONFERENCE:
		if (a->party == SCN_PARTY_DEV)
			station(c, a->dev);
		break;
	case SCN_TRANSFER:
		e = a->party == SCN_PARTY_DEV ? station(c, a->dev) : NULL;
		if (c->rc == HS_OK && a->digits[0] != '\0')
			dialled(c, a->digits, e);
		break;
	case SCN_DND:
		if (site_ext(c->site, a->dev) == NULL)
			cerr(c, "%s is not an extension", a->dev);
		else if (a->dnd_msg > c->site->ndnd)
			cerr(c, "there is no DND message %d (the site has %d)", a->dnd_msg,
			    c->site->ndnd);
		break;
	case SCN_FORWARD:
		if ((e = site_ext(c->site, a->dev)) == NULL)
			cerr(c, "%s is not an extension", a->dev);
		else if (a->fwd != SITE_FWD_OFF)
			dialled(c, a->digits, e);
		break;
	case SCN_AGENT:
		if (site_agent(c->site, a->dev) != NULL) {
			if (a->agent_op == SCN_AGENT_LOGON && a->station[0] == '\0')
				cerr(c, "agent %s needs a station to log on at", a->dev);
			else if (a->agent_op == SCN_AGENT_LOGON)
				station(c, a->station);
		} else if (acd_member(site_ext(c->site, a->dev))) {
			if (a->station[0] != '\0')
				cerr(c, "%s is a station; it logs on where it is", a->dev);
		} else {
			cerr(c, "%s is not an agent ID or an ACD member station", a->dev);
		}
		break;
	default:
		break;
	}
}

hs_err
scenario_check(const struct scenario *scn, const struct site *site, char *err, size_t errlen)
{
	struct check c = {.scn = scn, .site = site, .err = err, .errlen = errlen, .rc = HS_OK};

	if (errlen > 0)
		err[0] = '\0';
	for (c.idx = 0; c.idx < scn->nactions && c.rc == HS_OK; c.idx++) {
		c.a = &scn->actions[c.idx];
		check_action(&c);
	}
	return c.rc;
}
