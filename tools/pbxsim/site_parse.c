/*
 * site_parse.c - the first pass of site_load(): the INI text into a struct site.
 *
 * The text goes to inih through our own line reader, which counts lines (inih does not give
 * them to the handler), refuses lines too long for inih's buffer (inih would split them),
 * and opens each section itself, so an empty or misspelt section is seen too.  The handler
 * checks every value against its section's key table (types, bounds, text rules).  Values
 * that name other objects (node, members, destinations...) are kept as text with their line
 * in ld->pend; site.c resolves them once every object is known.  The first error stops.
 *
 * To add a key: a line in the section's key table (and README.md).  A key that names
 * another object is KT_REF or KT_LIST here and needs a case in site.c resolve_ref().  To add
 * a section kind: a line in sections[] (site_int.h), a key table, and its cases in
 * sect_entity(), entity_add() and site.c's entity helpers.  [record_a_call] is a single
 * section whose keys fill site->rac; its extension is checked in site.c once the dial plan
 * is built.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>

#include "site.h"
#include "site_int.h"

/* ---- key tables ------------------------------------------------------------------------- */

enum kt {
	KT_TEXT,    /* printable ASCII without '|', at most size - 1 characters; quotes stripped */
	KT_VERSION, /* as TEXT, also without ',' (sent outside '|') */
	KT_PROTOCOL, /* a VERSION like V10.20 */
	KT_INT,     /* decimal within [min, max] */
	KT_BOOL,
	KT_ENUM,    /* one of names[], stored as its index (an enum value) */
	KT_CODE,    /* 1..8 digits (access code) */
	KT_REF,     /* a number resolved in the second pass */
	KT_LIST,    /* numbers and ranges, resolved in the second pass; repeated keys add up */
	KT_DND,     /* off | on | message number */
	KT_FORWARD, /* off | <type> <dialled> */
	KT_COUNTRY, /* number 1..5 or its name */
	KT_PEER,    /* IPv4:port or [IPv6]:port ([record_a_call] peer) */
};

struct keydef {
	const char *key;
	enum kt type;
	size_t off;
	size_t size;
	long min, max;
	const char *const *names;
};

static const char *const ext_type_names[] = {
#define X(id, name, code) name,
	SITE_EXT_TYPE_LIST(X)
#undef X
	NULL};
static const char *const trunk_type_names[] = {
#define X(id, name, code) name,
	SITE_TRUNK_TYPE_LIST(X)
#undef X
	NULL};
static const char *const hg_type_names[] = {
#define X(id, name) name,
	SITE_HG_TYPE_LIST(X)
#undef X
	NULL};
static const char *const agent_state_names[] = {
#define X(id, name) name,
	SITE_AGENT_STATE_LIST(X)
#undef X
	NULL};
static const char *const rac_codec_names[] = {
#define X(id, name, pt) name,
	SITE_RAC_CODEC_LIST(X)
#undef X
	NULL};
static const char *const country_names[] = {"", "na", "japan", "uk", "indonesia", "mexico",
	NULL};

#define TEXT(k, st, f) {k, KT_TEXT, offsetof(st, f), sizeof(((st *)0)->f), 0, 0, NULL}
#define VERSION(k, st, f) {k, KT_VERSION, offsetof(st, f), sizeof(((st *)0)->f), 0, 0, NULL}
#define INT(k, st, f, lo, hi) {k, KT_INT, offsetof(st, f), 0, lo, hi, NULL}
#define BOOL(k, st, f) {k, KT_BOOL, offsetof(st, f), 0, 0, 0, NULL}
#define ENUM(k, st, f, n) {k, KT_ENUM, offsetof(st, f), 0, 0, 0, n}
#define OTHER(k, t) {k, t, 0, 0, 0, 0, NULL}

static const struct keydef system_keys[] = {
	TEXT("name", struct site, name),
	TEXT("oai_password", struct site, oai_password),
	INT("oai_max_ports", struct site, oai_max_ports, 1, 64),
	INT("oai_port", struct site, oai_port, 1, 65535),
	BOOL("gateway", struct site, gateway),
	INT("noanswer_timeout", struct site, noanswer_timeout, 5, 120),
	OTHER("voicemail", KT_REF),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef node_keys[] = {
	TEXT("description", struct site_node, description),
	{"protocol", KT_PROTOCOL, offsetof(struct site_node, protocol),
	    sizeof(((struct site_node *)0)->protocol), 0, 0, NULL},
	VERSION("software", struct site_node, software),
	INT("premium", struct site_node, premium, 0, 3),
	{"country", KT_COUNTRY, offsetof(struct site_node, country), 0, 1, 5, country_names},
	BOOL("networking", struct site_node, networking),
	BOOL("tcpip", struct site_node, tcpip),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef ext_keys[] = {
	TEXT("description", struct site_ext, description),
	TEXT("username", struct site_ext, username),
	ENUM("type", struct site_ext, type, ext_type_names),
	INT("physical", struct site_ext, physical, 0, 65535),
	OTHER("node", KT_REF),
	BOOL("admin", struct site_ext, admin),
	BOOL("attendant", struct site_ext, attendant),
	OTHER("dnd", KT_DND),
	TEXT("dnd_text", struct site_ext, dnd_text),
	OTHER("forward", KT_FORWARD),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef trunk_keys[] = {
	TEXT("description", struct site_trunk, description),
	TEXT("username", struct site_trunk, username),
	ENUM("type", struct site_trunk, type, trunk_type_names),
	OTHER("node", KT_REF),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef tg_keys[] = {
	TEXT("description", struct site_trunkgroup, description),
	TEXT("username", struct site_trunkgroup, username),
	{"access", KT_CODE, offsetof(struct site_trunkgroup, access), 0, 0, 0, NULL},
	OTHER("node", KT_REF),
	OTHER("members", KT_LIST),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef hg_keys[] = {
	TEXT("description", struct site_huntgroup, description),
	TEXT("username", struct site_huntgroup, username),
	ENUM("type", struct site_huntgroup, type, hg_type_names),
	OTHER("node", KT_REF),
	OTHER("members", KT_LIST),
	OTHER("agents", KT_LIST),
	BOOL("queue", struct site_huntgroup, queue),
	INT("ring_timeout", struct site_huntgroup, ring_timeout, 1, 600),
	OTHER("overflow", KT_REF),
	INT("overflow_timeout", struct site_huntgroup, overflow_timeout, 0, 3600),
	INT("wrapup", struct site_huntgroup, wrapup, 0, 3600),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef agent_keys[] = {
	TEXT("description", struct site_agent, description),
	OTHER("login", KT_REF),
	ENUM("state", struct site_agent, state, agent_state_names),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef ddi_keys[] = {
	TEXT("name", struct site_ddi, name),
	OTHER("destination", KT_REF),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef rac_keys[] = {
	OTHER("extension", KT_REF),
	OTHER("peer", KT_PEER),
	TEXT("username", struct site_rac, username),
	TEXT("password", struct site_rac, password),
	ENUM("codec", struct site_rac, codec, rac_codec_names),
	{NULL, 0, 0, 0, 0, 0, NULL},
};

static const struct keydef *const sect_keys[NSECT] = {
	[SECT_SYSTEM] = system_keys,
	[SECT_NODE] = node_keys,
	[SECT_EXTENSION] = ext_keys,
	[SECT_TRUNK] = trunk_keys,
	[SECT_TRUNKGROUP] = tg_keys,
	[SECT_HUNTGROUP] = hg_keys,
	[SECT_AGENT] = agent_keys,
	[SECT_DDI] = ddi_keys,
	[SECT_RAC] = rac_keys,
};

static const struct {
	const char *key, *code;
	int flags;
} feature_defaults[SITE_FEAT_COUNT] = {
#define X(id, key, code, flags) {key, code, flags},
	SITE_FEATURE_LIST(X)
#undef X
};

/* Our default DND texts (the PBX's own list is not in our sources); [dnd] replaces them. */
static const char *const dnd_defaults[] = {
	"DO-NOT-DISTURB", "LEAVE A MESSAGE", "IN MEETING UNTIL", "IN MEETING", "ON VACATION TIL",
	"CALL ME AT", "AT THE DOCTOR", "ON A TRIP", "OUT UNTIL", "AT LUNCH UNTIL",
	"WITH A CUSTOMER", "ON THE PHONE", "IN THE LAB", "WORKING AT HOME", "BACK TOMORROW",
	"IN TRAINING", "OUT SICK", "ON BREAK", "AWAY FROM DESK", "PLEASE HOLD",
};

/* Grows *arr (of *cap elements of size sz) to hold n + 1; false when out of memory. */
static bool
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if ((p = realloc(*arr, ncap * sz)) == NULL)
		return false;
	memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
	*arr = p;
	*cap = ncap;
	return true;
}

/* The struct of entity idx of a numbered section. */
static void *
sect_entity(struct site *site, enum sect sect, size_t idx)
{
	switch (sect) {
	case SECT_SYSTEM: return site;
	case SECT_NODE: return &site->nodes[idx];
	case SECT_EXTENSION: return &site->exts[idx];
	case SECT_TRUNK: return &site->trunks[idx];
	case SECT_TRUNKGROUP: return &site->trunkgroups[idx];
	case SECT_HUNTGROUP: return &site->huntgroups[idx];
	case SECT_AGENT: return &site->agents[idx];
	case SECT_DDI: return &site->ddis[idx];
	case SECT_RAC: return &site->rac;
	default: return NULL;
	}
}

/* ---- values ----------------------------------------------------------------------------- */

/*
 * A SIP peer: "a.b.c.d:port" or "[v6]:port", numeric (pbxsim has no resolver), UDP port
 * 1..65535.  Fills r->host, r->port, r->family; false when it is none of those.
 */
static bool
parse_peer(const char *s, struct site_rac *r)
{
	unsigned char buf[sizeof(struct in6_addr)];
	const char *colon, *host = s;
	size_t hlen;
	long port;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return false;
		host = s + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
		r->family = 6;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || strchr(s, ':') != colon)
			return false;
		hlen = (size_t)(colon - s);
		r->family = 4;
	}
	if (hlen == 0 || hlen >= sizeof(r->host))
		return false;
	memcpy(r->host, host, hlen);
	r->host[hlen] = '\0';
	if (inet_pton(r->family == 6 ? AF_INET6 : AF_INET, r->host, buf) != 1)
		return false;
	if (!site__all_digits(colon + 1, 1, 5) || (port = strtol(colon + 1, NULL, 10)) < 1 ||
	    port > 65535)
		return false;
	r->port = (int)port;
	return true;
}

/* Checks text rules; NULL when fine, else the reason. */
static const char *
text_problem(const char *s, size_t max, bool no_comma)
{
	static char why[64];

	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c > 0x7e)
			return "only printable ASCII characters are allowed";
		if (c == '|')
			return "'|' is not allowed (the OAI link uses it to quote text)";
		if (c == ',' && no_comma)
			return "',' is not allowed here";
	}
	if (strlen(s) > max) {
		snprintf(why, sizeof(why), "longer than %zu characters", max);
		return why;
	}
	return NULL;
}

/* Strips one pair of surrounding double quotes, in place. */
static char *
unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

static int
parse_bool(const char *s)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Decimal integer; false when not one or out of long range. */
static bool
parse_long(const char *s, long *v)
{
	char *end;

	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static int
name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i] != NULL; i++)
		if (names[i][0] != '\0' && strcasecmp(names[i], s) == 0)
			return i;
	return -1;
}

static void
names_joined(const char *const *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] != NULL && n < len; i++) {
		if (names[i][0] == '\0')
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", names[i]);
	}
}

static void
pend_add(struct load *ld, const char *key, const char *value)
{
	struct pending *p;

	if (!grow((void **)&ld->pend, &ld->cap_pend, ld->npend, sizeof(*ld->pend))) {
		site__nomem(ld);
		return;
	}
	p = &ld->pend[ld->npend];
	if ((p->value = strdup(value)) == NULL) {
		site__nomem(ld);
		return;
	}
	p->sect = ld->cur;
	p->idx = ld->cur_idx;
	p->key = key;
	p->line = ld->line;
	ld->npend++;
}

/* Sets one key of the current section from value (already trimmed by inih). */
static void
set_key(struct load *ld, const struct keydef *kd, char *value)
{
	char label[64], ex[EXCERPT_MAX + 4], why[SITE_ERR_MAX], names[256];
	void *base = sect_entity(ld->site, ld->cur, ld->cur_idx);
	const char *problem;
	long v;
	int i;

	site__entity_label(ld->site, ld->cur, ld->cur_idx, label, sizeof(label));
	switch (kd->type) {
	case KT_TEXT:
	case KT_VERSION:
	case KT_PROTOCOL:
		value = unquote(value);
		if ((problem = text_problem(value, kd->size - 1, kd->type != KT_TEXT)) != NULL) {
			site__fail(ld, ld->line, "%s %s: %s", label, kd->key, problem);
			return;
		}
		if (kd->type == KT_PROTOCOL &&
		    !(value[0] == 'V' && isdigit((unsigned char)value[1]) && strchr(value, '.'))) {
			site__fail(ld, ld->line, "%s %s: '%s' is not a protocol version like V10.20",
			    label, kd->key, site__excerpt(ex, sizeof(ex), value));
			return;
		}
		snprintf((char *)base + kd->off, kd->size, "%s", value);
		break;
	case KT_INT:
		if (!parse_long(value, &v)) {
			site__fail(ld, ld->line, "%s %s: '%s' is not an integer", label, kd->key,
			    site__excerpt(ex, sizeof(ex), value));
			return;
		}
		if (v < kd->min || v > kd->max) {
			site__fail(ld, ld->line, "%s %s: %ld is out of range %ld..%ld", label, kd->key, v,
			    kd->min, kd->max);
			return;
		}
		*(int *)((char *)base + kd->off) = (int)v;
		break;
	case KT_BOOL:
		if ((i = parse_bool(value)) < 0) {
			site__fail(ld, ld->line, "%s %s: '%s' is not yes or no", label, kd->key,
			    site__excerpt(ex, sizeof(ex), value));
			return;
		}
		*(bool *)((char *)base + kd->off) = i != 0;
		break;
	case KT_ENUM:
	case KT_COUNTRY:
		i = name_index(kd->names, value);
		if (i < 0 && kd->type == KT_COUNTRY && parse_long(value, &v) && v >= kd->min &&
		    v <= kd->max)
			i = (int)v;
		if (i < 0) {
			names_joined(kd->names, names, sizeof(names));
			site__fail(ld, ld->line, "%s %s: '%s' is not one of %s%s", label, kd->key,
			    site__excerpt(ex, sizeof(ex), value), names,
			    kd->type == KT_COUNTRY ? " (or 1..5)" : "");
			return;
		}
		*(int *)((char *)base + kd->off) = i;
		break;
	case KT_CODE:
		if (!site__all_digits(value, 1, SITE_NUM_MAX - 1)) {
			site__fail(ld, ld->line, "%s %s: '%s' is not a code (1 to 8 digits)", label,
			    kd->key, site__excerpt(ex, sizeof(ex), value));
			return;
		}
		snprintf((char *)base + kd->off, SITE_NUM_MAX, "%s", value);
		pend_add(ld, kd->key, value); /* only for its line, in dial-plan messages */
		break;
	case KT_REF:
		if (!site__all_digits(value, 1, SITE_NUM_MAX - 1)) {
			site__fail(ld, ld->line, "%s %s: '%s' is not a number (1 to 8 digits)", label,
			    kd->key, site__excerpt(ex, sizeof(ex), value));
			return;
		}
		pend_add(ld, kd->key, value);
		break;
	case KT_LIST:
		if (!site__list_walk(value, why, sizeof(why), NULL, NULL)) {
			site__fail(ld, ld->line, "%s %s: %s", label, kd->key, why);
			return;
		}
		pend_add(ld, kd->key, value);
		break;
	case KT_DND: {
		struct site_ext *e = base;
		if (strcasecmp(value, "off") == 0)
			e->dnd = 0;
		else if (strcasecmp(value, "on") == 0)
			e->dnd = 1;
		else if (parse_long(value, &v) && v >= 1 && v <= SITE_DND_COUNT)
			e->dnd = (int)v;
		else {
			site__fail(ld, ld->line, "%s dnd: '%s' is not off, on or a message number 1..%d",
			    label, site__excerpt(ex, sizeof(ex), value), SITE_DND_COUNT);
			return;
		}
		/* Checked against [dnd] once it is known. */
		if (e->dnd > 0)
			pend_add(ld, kd->key, value);
		break;
	}
	case KT_FORWARD: {
		struct site_ext *e = base;
		char *sp = value + strcspn(value, " \t");
		char *dest = sp + strspn(sp, " \t");
		char word[32];
		size_t wl = (size_t)(sp - value);

		snprintf(word, sizeof(word), "%.*s", (int)(wl < 31 ? wl : 31), value);
		if ((i = site_fwd_parse(word)) < 0) {
			site__fail(ld, ld->line, "%s forward: '%s' is not one of "
			    "off|all|busy|no-answer|busy-no-answer", label,
			    site__excerpt(ex, sizeof(ex), word));
			return;
		}
		if (i == SITE_FWD_OFF && *dest != '\0') {
			site__fail(ld, ld->line, "%s forward: off takes no destination", label);
			return;
		}
		if (i != SITE_FWD_OFF && *dest == '\0') {
			site__fail(ld, ld->line, "%s forward: %s needs a destination", label, word);
			return;
		}
		if (strlen(dest) >= SITE_DIAL_MAX) {
			site__fail(ld, ld->line, "%s forward: destination longer than %d characters",
			    label, SITE_DIAL_MAX - 1);
			return;
		}
		e->fwd = (enum site_fwd)i;
		snprintf(e->fwd_dest, sizeof(e->fwd_dest), "%s", dest);
		if (i != SITE_FWD_OFF)
			pend_add(ld, kd->key, dest);
		break;
	}
	case KT_PEER: {
		struct site_rac *r = base;
		if (strlen(value) >= sizeof(r->peer) || !parse_peer(value, r)) {
			site__fail(ld, ld->line, "%s peer: '%s' is not address:port (IPv4 a.b.c.d:port "
			    "or [IPv6]:port, port 1..65535)", label,
			    site__excerpt(ex, sizeof(ex), value));
			return;
		}
		snprintf(r->peer, sizeof(r->peer), "%s", value);
		break;
	}
	}
}

/* ---- sections --------------------------------------------------------------------------- */

static int
key_index(const struct keydef *keys, const char *key)
{
	for (int i = 0; keys != NULL && keys[i].key != NULL; i++)
		if (strcmp(keys[i].key, key) == 0)
			return i;
	return -1;
}

/* The line where key was given in the current section, 0 when it was not. */
static int
key_seen(const struct load *ld, const char *key)
{
	int i = key_index(sect_keys[ld->cur], key);

	return i >= 0 && (ld->seen & (1u << i)) ? ld->seen_line[i] : 0;
}

/* Applies what depends on the keys a finished section did or did not give. */
static void
section_end(struct load *ld)
{
	struct site *site = ld->site;
	char label[64];
	int line;

	if (ld->rc != HS_OK || ld->cur == SECT_NONE)
		return;
	site__entity_label(site, ld->cur, ld->cur_idx, label, sizeof(label));
	switch (ld->cur) {
	case SECT_HUNTGROUP: {
		struct site_huntgroup *hg = &site->huntgroups[ld->cur_idx];
		if (key_seen(ld, "queue") == 0)
			hg->queue = hg->type == SITE_HG_UCD || hg->type == SITE_HG_ACD;
		if ((line = key_seen(ld, "wrapup")) != 0 && hg->type != SITE_HG_ACD)
			site__fail(ld, line, "%s wrapup: only an acd group has wrap-up", label);
		break;
	}
	case SECT_AGENT: {
		struct site_agent *a = &site->agents[ld->cur_idx];
		int login = key_seen(ld, "login"), state = key_seen(ld, "state");
		if (state != 0 && login == 0 && a->state != SITE_AGENT_OFF)
			site__fail(ld, state, "%s state: %s needs login (the station the agent is "
			    "logged on at)", label, site_agent_state_name(a->state));
		else if (login != 0 && state != 0 && a->state == SITE_AGENT_OFF)
			site__fail(ld, state, "%s state: off contradicts login", label);
		else if (login != 0 && state == 0)
			a->state = SITE_AGENT_READY;
		break;
	}
	case SECT_EXTENSION: {
		struct site_ext *e = &site->exts[ld->cur_idx];
		if ((line = key_seen(ld, "dnd_text")) != 0 && e->dnd == 0)
			site__fail(ld, line, "%s dnd_text: needs dnd on", label);
		break;
	}
	case SECT_DDI:
		if (key_seen(ld, "destination") == 0)
			site__fail(ld, ld->cur_line, "%s: destination is missing", label);
		break;
	case SECT_RAC:
		if (key_seen(ld, "extension") == 0)
			site__fail(ld, ld->cur_line, "%s: extension is missing (the Record-A-Call "
			    "application's number)", label);
		else if (key_seen(ld, "peer") == 0)
			site__fail(ld, ld->cur_line, "%s: peer is missing (the SIP voice mail's "
			    "address:port)", label);
		else if ((line = key_seen(ld, "password")) != 0 && key_seen(ld, "username") == 0)
			site__fail(ld, line, "%s password: needs username", label);
		break;
	default:
		break;
	}
}

/* Adds an entity of a numbered section; false when out of memory. */
static bool
entity_add(struct load *ld, enum sect sect, const char *num, size_t *idxp)
{
	struct site *site = ld->site;

#define ADD(arr, n, cap) \
	if (!grow((void **)&site->arr, &ld->cap, site->n, sizeof(*site->arr))) \
		return false; \
	*idxp = site->n++
	switch (sect) {
	case SECT_NODE: {
		ADD(nodes, nnodes, cap_nodes);
		struct site_node *n = &site->nodes[*idxp];
		n->number = atoi(num);
		snprintf(n->protocol, sizeof(n->protocol), "V10.20");
		snprintf(n->software, sizeof(n->software), "V6.0.11.113");
		n->premium = 3;
		n->country = 1;
		n->tcpip = true;
		n->line = ld->line;
		break;
	}
	case SECT_EXTENSION: {
		ADD(exts, nexts, cap_exts);
		struct site_ext *e = &site->exts[*idxp];
		snprintf(e->number, sizeof(e->number), "%s", num);
		e->type = SITE_EXT_KEYSET;
		e->line = ld->line;
		break;
	}
	case SECT_TRUNK: {
		ADD(trunks, ntrunks, cap_trunks);
		struct site_trunk *t = &site->trunks[*idxp];
		snprintf(t->number, sizeof(t->number), "%s", num);
		t->type = SITE_TRUNK_ISDN;
		t->line = ld->line;
		break;
	}
	case SECT_TRUNKGROUP: {
		ADD(trunkgroups, ntrunkgroups, cap_tgs);
		struct site_trunkgroup *g = &site->trunkgroups[*idxp];
		snprintf(g->number, sizeof(g->number), "%s", num);
		g->line = ld->line;
		break;
	}
	case SECT_HUNTGROUP: {
		ADD(huntgroups, nhuntgroups, cap_hgs);
		struct site_huntgroup *h = &site->huntgroups[*idxp];
		snprintf(h->number, sizeof(h->number), "%s", num);
		h->type = SITE_HG_LINEAR;
		h->ring_timeout = 15;
		h->line = ld->line;
		break;
	}
	case SECT_AGENT: {
		ADD(agents, nagents, cap_agents);
		struct site_agent *a = &site->agents[*idxp];
		snprintf(a->id, sizeof(a->id), "%s", num);
		a->state = SITE_AGENT_OFF;
		a->line = ld->line;
		break;
	}
	case SECT_DDI: {
		ADD(ddis, nddis, cap_ddis);
		struct site_ddi *d = &site->ddis[*idxp];
		snprintf(d->number, sizeof(d->number), "%s", num);
		d->line = ld->line;
		break;
	}
	default:
		break;
	}
#undef ADD
	return true;
}

/* Opens the section named by header (the text between the brackets). */
static void
section_begin(struct load *ld, const char *header)
{
	char num[64], ex[EXCERPT_MAX + 4], ex2[EXCERPT_MAX + 4];
	const char *p = header, *q;
	enum sect sect = SECT_NONE;
	struct site *site = ld->site;
	size_t klen, idx = 0;
	int maxdig;

	section_end(ld);
	if (ld->rc != HS_OK)
		return;
	ld->cur = SECT_NONE;
	ld->seen = 0;
	ld->cur_line = ld->line;
	while (isspace((unsigned char)*p))
		p++;
	q = p + strcspn(p, " \t");
	klen = (size_t)(q - p);
	while (isspace((unsigned char)*q))
		q++;
	snprintf(num, sizeof(num), "%s", q);
	for (size_t n = strlen(num); n > 0 && isspace((unsigned char)num[n - 1]); n--)
		num[n - 1] = '\0';
	for (size_t i = 1; i < NSECT; i++)
		if (klen == strlen(sections[i].name) && strncmp(p, sections[i].name, klen) == 0)
			sect = (enum sect)i;
	if (sect == SECT_NONE) {
		site__fail(ld, ld->line, "unknown section [%s]", site__excerpt(ex, sizeof(ex), header));
		return;
	}
	if (!sections[sect].numbered) {
		if (num[0] != '\0') {
			site__fail(ld, ld->line, "section [%s] takes no number", sections[sect].name);
			return;
		}
		if (ld->single_line[sect] != 0) {
			site__fail(ld, ld->line, "[%s] is already defined at line %d", sections[sect].name,
			    ld->single_line[sect]);
			return;
		}
		ld->single_line[sect] = ld->line;
		ld->cur = sect;
		if (sect == SECT_DND) {
			site->ndnd = 0;
			memset(site->dnd, 0, sizeof(site->dnd));
		}
		if (sect == SECT_RAC) {
			site->rac.enabled = true;
			site->rac.line = ld->line;
		}
		return;
	}
	if (num[0] == '\0') {
		site__fail(ld, ld->line, "section [%s] needs a number: [%s NUMBER]", sections[sect].name,
		    sections[sect].name);
		return;
	}
	if (sect == SECT_NODE) {
		long v;
		if (!parse_long(num, &v) || v < 1 || v > 250) {
			site__fail(ld, ld->line, "[node %s]: '%s' is not a node number (1..250)",
			    site__excerpt(ex, sizeof(ex), num), site__excerpt(ex2, sizeof(ex2), num));
			return;
		}
		snprintf(num, sizeof(num), "%ld", v);
	} else {
		maxdig = sect == SECT_DDI ? SITE_EXT_NUM_MAX - 1 : SITE_NUM_MAX - 1;
		if (!site__all_digits(num, 1, (size_t)maxdig)) {
			site__fail(ld, ld->line, "[%s %s]: '%s' is not a number (1 to %d digits)",
			    sections[sect].name, site__excerpt(ex, sizeof(ex), num),
			    site__excerpt(ex2, sizeof(ex2), num), maxdig);
			return;
		}
	}
	/* The same kind and number twice; clashes across kinds are found later. */
	for (size_t i = 0, n = site__entity_count(site, sect); i < n; i++) {
		char nbuf[16];
		if (strcmp(site__entity_number(site, sect, i, nbuf, sizeof(nbuf)), num) == 0) {
			site__fail(ld, ld->line, "[%s %s] is already defined at line %d",
			    sections[sect].name, num, site__entity_line(site, sect, i));
			return;
		}
	}
	if (!entity_add(ld, sect, num, &idx)) {
		site__nomem(ld);
		return;
	}
	ld->cur = sect;
	ld->cur_idx = idx;
}

static void
set_feature(struct load *ld, const char *name, char *value)
{
	char ex[EXCERPT_MAX + 4];
	struct site_feature *f = NULL;
	size_t i;

	for (i = 0; i < SITE_FEAT_COUNT; i++)
		if (strcmp(ld->site->features[i].key, name) == 0) {
			f = &ld->site->features[i];
			break;
		}
	if (f == NULL) {
		site__fail(ld, ld->line, "[features] unknown feature '%s'",
		    site__excerpt(ex, sizeof(ex), name));
		return;
	}
	if (ld->feature_line[i] != 0) {
		site__fail(ld, ld->line, "[features] %s: given twice (first at line %d)", name,
		    ld->feature_line[i]);
		return;
	}
	ld->feature_line[i] = ld->line;
	if (strcmp(value, "none") == 0 || value[0] == '\0') {
		f->code[0] = '\0';
		return;
	}
	if (!site__all_digits(value, 1, SITE_NUM_MAX - 1)) {
		site__fail(ld, ld->line, "[features] %s: '%s' is not a feature code (1 to 8 digits, "
		    "or none)", name, site__excerpt(ex, sizeof(ex), value));
		return;
	}
	snprintf(f->code, sizeof(f->code), "%s", value);
}

static void
set_dnd(struct load *ld, const char *name, char *value)
{
	char ex[EXCERPT_MAX + 4];
	const char *problem;
	long v;

	if (!parse_long(name, &v) || v < 1 || v > SITE_DND_COUNT) {
		site__fail(ld, ld->line, "[dnd] '%s' is not a message number 1..%d",
		    site__excerpt(ex, sizeof(ex), name), SITE_DND_COUNT);
		return;
	}
	value = unquote(value);
	if (value[0] == '\0') {
		site__fail(ld, ld->line, "[dnd] %ld: empty message", v);
		return;
	}
	if ((problem = text_problem(value, SITE_DND_MAX - 1, false)) != NULL) {
		site__fail(ld, ld->line, "[dnd] %ld: %s", v, problem);
		return;
	}
	if (ld->site->dnd[v - 1][0] != '\0') {
		site__fail(ld, ld->line, "[dnd] %ld: given twice", v);
		return;
	}
	snprintf(ld->site->dnd[v - 1], SITE_DND_MAX, "%s", value);
	if (v > ld->site->ndnd)
		ld->site->ndnd = (int)v;
}

static int
site_ini_handler(void *arg, const char *section, const char *name, const char *cvalue)
{
	struct load *ld = arg;
	const struct keydef *keys;
	char ex[EXCERPT_MAX + 4], label[64], value[1024];
	int i;

	(void)section; /* the reader opened it already and knows it better */
	if (ld->rc != HS_OK)
		return 0;
	snprintf(value, sizeof(value), "%s", cvalue != NULL ? cvalue : "");
	if (name[0] == '\0') {
		site__fail(ld, ld->line, "missing key name before '='");
		return 0;
	}
	switch (ld->cur) {
	case SECT_NONE:
		site__fail(ld, ld->line, "key '%s' is outside any section",
		    site__excerpt(ex, sizeof(ex), name));
		return 0;
	case SECT_FEATURES:
		set_feature(ld, name, value);
		return ld->rc == HS_OK;
	case SECT_DND:
		set_dnd(ld, name, value);
		return ld->rc == HS_OK;
	default:
		break;
	}
	keys = sect_keys[ld->cur];
	site__entity_label(ld->site, ld->cur, ld->cur_idx, label, sizeof(label));
	if ((i = key_index(keys, name)) < 0) {
		site__fail(ld, ld->line, "%s unknown key '%s'", label, site__excerpt(ex, sizeof(ex), name));
		return 0;
	}
	if ((ld->seen & (1u << i)) && keys[i].type != KT_LIST) {
		site__fail(ld, ld->line, "%s %s: given twice (first at line %d)", label, name,
		    ld->seen_line[i]);
		return 0;
	}
	if (!(ld->seen & (1u << i)))
		ld->seen_line[i] = ld->line;
	ld->seen |= 1u << i;
	set_key(ld, &keys[i], value);
	return ld->rc == HS_OK;
}

/*
 * inih reader over the text in memory: one call, one line.  A line too long for inih's
 * buffer is refused (inih would split it into two lines), and section headers are opened
 * here.  Returning NULL ends the parse.
 */
static char *
site_ini_reader(char *buf, int size, void *arg)
{
	struct load *ld = arg;
	size_t start = ld->pos, n, max;
	const char *nl, *p;

	if (ld->rc != HS_OK || ld->pos >= ld->len || size < 3)
		return NULL;
	max = (size_t)size - 2;
	nl = memchr(ld->text + start, '\n', ld->len - start);
	n = nl != NULL ? (size_t)(nl - (ld->text + start)) : ld->len - start;
	ld->pos = start + n + (nl != NULL);
	ld->line++;
	if (memchr(ld->text + start, '\0', n) != NULL) {
		site__fail(ld, ld->line, "NUL character in line");
		return NULL;
	}
	if (n > max) {
		site__fail(ld, ld->line, "line longer than %zu characters", max);
		return NULL;
	}
	memcpy(buf, ld->text + start, n);
	buf[n] = '\n';
	buf[n + 1] = '\0';

	p = buf;
	if (ld->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '[') {
		const char *end = strchr(p + 1, ']');
		char header[256];
		if (end == NULL) {
			site__fail(ld, ld->line, "section header without ']'");
			return NULL;
		}
		snprintf(header, sizeof(header), "%.*s", (int)(end - p - 1), p + 1);
		section_begin(ld, header);
		if (ld->rc != HS_OK)
			return NULL;
	}
	return buf;
}

/* ---- the first pass --------------------------------------------------------------------- */

void
site__parse(struct load *ld)
{
	struct site *site = ld->site;
	int rc;

	snprintf(site->oai_password, sizeof(site->oai_password), "%s", "");
	site->oai_max_ports = 4;
	site->oai_port = 4000;
	site->noanswer_timeout = 15;
	for (size_t i = 0; i < SITE_FEAT_COUNT; i++) {
		site->features[i].id = (enum site_feat)i;
		site->features[i].key = feature_defaults[i].key;
		site->features[i].flags = feature_defaults[i].flags;
		snprintf(site->features[i].code, SITE_NUM_MAX, "%s", feature_defaults[i].code);
	}
	for (size_t i = 0; i < sizeof(dnd_defaults) / sizeof(dnd_defaults[0]); i++)
		snprintf(site->dnd[i], SITE_DND_MAX, "%s", dnd_defaults[i]);
	site->ndnd = (int)(sizeof(dnd_defaults) / sizeof(dnd_defaults[0]));

	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	rc = ini_parse_stream(site_ini_reader, ld, site_ini_handler, ld);
	if (ld->rc == HS_OK && rc > 0)
		site__fail(ld, rc, "syntax error (expected [section] or key = value)");
	else if (ld->rc == HS_OK && rc < 0)
		site__nomem(ld);
	section_end(ld);
}
