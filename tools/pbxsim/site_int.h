/*
 * site_int.h - what site.c (which builds them) and site_lookup.c (which searches them) share:
 * the sorted numbering plan and the sorted dial plan.  Nothing else includes this.
 */
#ifndef PBXSIM_SITE_INT_H
#define PBXSIM_SITE_INT_H

#include "site.h"

/* One number of the numbering plan; site->index is sorted by number (strcmp). */
struct site_entry {
	const char *number;
	struct site_ref ref;
};

/*
 * One entry of the dial plan; site->dialplan is sorted by code (strcmp) and prefix-free, so
 * the only entry that can begin a dialled string is the greatest entry not above it.
 */
struct site_dialent {
	const char *code;
	enum site_dial_kind kind; /* EXTENSION, HUNTGROUP, OUTSIDE (access code) or FEATURE */
	const void *ptr;          /* site_ext, site_huntgroup, site_trunkgroup or site_feature */
	int line;                 /* where it was defined, 0 for a default feature code */
};

int site__entry_cmp(const void *a, const void *b);
int site__dialent_cmp(const void *a, const void *b);


/* ---- shared by site.c and site_parse.c --------------------------------------------------- */

#include <stdint.h>

#define SITE_FILE_MAX (4 << 20) /* a site file larger than this is a mistake */
#define RANGE_MAX 1000          /* numbers in one "a-b" range of a list */
#define EXCERPT_MAX 40          /* longest piece of a bad value quoted in a message */

enum sect {
	SECT_NONE,
	SECT_SYSTEM,
	SECT_NODE,
	SECT_EXTENSION,
	SECT_TRUNK,
	SECT_TRUNKGROUP,
	SECT_HUNTGROUP,
	SECT_AGENT,
	SECT_DDI,
	SECT_FEATURES,
	SECT_DND,
	SECT_RAC,
};

static const struct {
	const char *name;
	bool numbered;
} sections[] = {
	[SECT_NONE] = {"", false},
	[SECT_SYSTEM] = {"system", false},
	[SECT_NODE] = {"node", true},
	[SECT_EXTENSION] = {"extension", true},
	[SECT_TRUNK] = {"trunk", true},
	[SECT_TRUNKGROUP] = {"trunkgroup", true},
	[SECT_HUNTGROUP] = {"huntgroup", true},
	[SECT_AGENT] = {"agent", true},
	[SECT_DDI] = {"ddi", true},
	[SECT_FEATURES] = {"features", false},
	[SECT_DND] = {"dnd", false},
	[SECT_RAC] = {"record_a_call", false},
};
#define NSECT (sizeof(sections) / sizeof(sections[0]))

/* A reference kept as text until every object is known. */
struct pending {
	enum sect sect;
	size_t idx;
	const char *key;
	char *value;
	int line;
};

struct load {
	struct site *site;
	const char *name;
	const char *text;
	size_t len, pos;
	int line;
	char *err;
	size_t errlen;
	hs_err rc;

	enum sect cur;      /* section being read */
	size_t cur_idx;     /* its entity */
	int cur_line;
	uint32_t seen;      /* keys given in the current section (bit = key table index) */
	int seen_line[32];
	int single_line[NSECT]; /* where [system], [features], [dnd], [record_a_call] were,
				 * 0 = not yet */

	size_t cap_nodes, cap_exts, cap_trunks, cap_tgs, cap_hgs, cap_agents, cap_ddis;
	struct pending *pend;
	size_t npend, cap_pend;
	int feature_line[SITE_FEAT_COUNT]; /* line of a [features] override, 0 = default */
};

/* site.c */
void site__fail(struct load *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void site__nomem(struct load *ld);
const char *site__excerpt(char *buf, size_t len, const char *s);
bool site__all_digits(const char *s, size_t min, size_t max);
const char *site__entity_number(const struct site *site, enum sect sect, size_t idx, char *buf,
    size_t len);
int site__entity_line(const struct site *site, enum sect sect, size_t idx);
size_t site__entity_count(const struct site *site, enum sect sect);
const char *site__entity_label(const struct site *site, enum sect sect, size_t idx, char *buf,
    size_t len);
/* Calls fn for each number of a list "1000, 1001, 1010-1013"; false on a syntax error
 * (reason in why) or when fn returns false. */
typedef bool (*site__list_fn)(void *arg, const char *number);
bool site__list_walk(const char *s, char *why, size_t whylen, site__list_fn fn, void *arg);

/* site_parse.c: the first pass, over ld->text; fills ld->site and ld->pend. */
void site__parse(struct load *ld);

#endif
