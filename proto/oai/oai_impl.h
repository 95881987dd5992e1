/*
 * oai_impl.h - what the proto/oai sources share and the public header does not show: the
 * tables expanded from oai_defs.h (tables.c), the field checks (tables.c) and the schema
 * rendering used to keep README.md true (tables_test.c).  Not for use outside proto/oai,
 * its tests and its fuzz harness.
 */
#ifndef OAI_IMPL_H
#define OAI_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "oai.h"

/* Index of the first schema field, by kind. */
#define OAI__EV_FIRST	  3
#define OAI__CMD_FIRST	  2
#define OAI__LEGACY_FIRST 1
#define OAI__CF_FIRST	  5

struct oai__field_info {
	const char *name;
	enum oai_type type;
};

struct oai__ev_info {
	const char *wire;
	const char *text;
	enum oai_category cat;
	const uint16_t *sch;
	unsigned nsch;
};

struct oai__cmd_info {
	const char *wire;
	const char *text;
	const uint16_t *args;		/* [0] is OAI__CMD_FIRST, even for RR/RT */
	unsigned nargs;
	const uint16_t *cf;
	unsigned ncf;
};

extern const struct oai__field_info oai__fields[OAI_F__COUNT];
extern const struct oai__ev_info oai__events[OAI_EV__COUNT];
extern const struct oai__cmd_info oai__cmds[OAI_CMD__COUNT];
/* The Issue 9.0 layout of the _TO CF (Transferred_Ext after Destination_Ext), oai.md 8.11. */
extern const uint16_t oai__to_cf_v9[];
extern const unsigned oai__to_cf_v9_len;

/* RR and RT: no InvokeID, so their arguments start at index 1. */
bool oai__cmd_legacy(enum oai_cmd cmd);
unsigned oai__cmd_first(enum oai_cmd cmd);
/* NULL when s is a valid value of type t, else why not ("not a number"). */
const char *oai__check(enum oai_type t, const char *s);
/* Index of the field that starts at p (a field of m), or -1 when p is NULL. */
long oai__field_index(const struct oai_msg *m, const char *p);

/*
 * Renders a schema whose first field is at index `first` as
 * "3 Mon_Cross_Ref_ID, 4 Call_ID, [19 ACD_UCD_Group]" into out.
 */
void oai__schema_describe(const uint16_t *sch, unsigned n, unsigned first, char *out,
    size_t cap);

#endif
