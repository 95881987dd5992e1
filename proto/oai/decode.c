/*
 * decode.c - one OAI frame into a struct oai_msg, and typed access to its fields.
 *
 * oai_decode makes two passes over the frame, both in place and without allocating:
 *
 *   1. split: scan once, flipping an "inside bars" flag at every '|' (oai.md 1.3); a comma
 *      outside bars ends a field.  The bars are dropped and every separator becomes a NUL, so
 *      the fields end up packed one after the other as C strings ("f0\0f1\0f2\0").  The first
 *      OAI_MSG_INDEX field starts are remembered; later ones are reached by walking.
 *   2. classify by the first fields (oai.md 1.4), pick the code's schema (oai_defs.h), then
 *      walk the schema: each field is checked against its type and its position remembered
 *      in m_slot[], a group's items and the rest are checked item by item.
 *
 * Access by field id looks the id up in the schema (at most 32 entries), then in the header
 * of the message's shape.  A malformed known message still has its kind, code and header, so
 * the caller can answer or log it; an unknown code keeps every field reachable by index.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oai_impl.h"

/* ---- errors ----------------------------------------------------------------------------- */

/* Copies s into out as a quoted, escaped, bounded string for error messages. */
static void
quote(char *out, size_t cap, const char *s)
{
	size_t o = 0, i;

	out[o++] = '"';
	for (i = 0; s[i] != '\0' && o + 8 < cap && i < 40; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (s[i] != '\0' && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* "DE", "CF _MS", "_MS": how error messages name the message. */
static void
label(const struct oai_msg *m, char *out, size_t cap)
{
	if (m->m_shape == OAI_KIND_EVENT)
		snprintf(out, cap, "%s", oai__events[m->m_code].wire);
	else if (m->m_shape == OAI_KIND_CONFIRM)
		snprintf(out, cap, "CF %s", oai__cmds[m->m_code].wire);
	else
		snprintf(out, cap, "%s", oai__cmds[m->m_code].wire);
}

static int
fail(struct oai_msg *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct oai_msg *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->m_err, sizeof(m->m_err), fmt, ap);
	va_end(ap);
	return err;
}

/* EFIELD naming the message, the field index and name, the value and why. */
static int
fail_field(struct oai_msg *m, unsigned idx, const char *name, const char *val, const char *why)
{
	char lab[16], q[96];

	label(m, lab, sizeof(lab));
	quote(q, sizeof(q), val);
	return fail(m, OAI_EFIELD, "%s: field %u (%s) %s: %s", lab, idx, name, q, why);
}

/* ---- fields by index -------------------------------------------------------------------- */

static char *
next_field(char *p)
{
	return p + strlen(p) + 1;
}

static char *
field_at(const struct oai_msg *m, unsigned i)
{
	char *p;

	if (i >= m->m_nfields)
		return NULL;
	if (i < OAI_MSG_INDEX)
		return m->m_field[i];
	p = m->m_field[OAI_MSG_INDEX - 1];
	for (unsigned k = OAI_MSG_INDEX - 1; k < i; k++)
		p = next_field(p);
	return p;
}

long
oai__field_index(const struct oai_msg *m, const char *p)
{
	const char *q;
	unsigned i;

	if (p == NULL)
		return -1;
	for (i = 0; i + 1 < OAI_MSG_INDEX && i + 1 < m->m_nfields && m->m_field[i + 1] <= p; i++)
		;
	for (q = m->m_field[i]; q < p; q += strlen(q) + 1)
		i++;
	return i;
}

unsigned
oai_msg_nfields(const struct oai_msg *m)
{
	return m->m_nfields;
}

const char *
oai_msg_field(const struct oai_msg *m, unsigned i)
{
	return field_at(m, i);
}

/* ---- split and classify ----------------------------------------------------------------- */

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * A code is 1-8 letters, digits or underscores, commands with a leading underscore: anything
 * else means we are not reading OAI.
 */
static bool
code_shaped(const char *s, bool command)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

	if (n == 0 || n > 8 || s[n] != '\0')
		return false;
	if (command)
		return s[0] == '_' ? s[1] != '\0' && s[1] != '_' : true;
	return s[0] != '_';
}

/*
 * Pass 1.  Returns the index of the field where an unmatched '|' opened, or -1.  The write
 * pointer never overtakes the read pointer, so the packing is safe in place; the final NUL
 * lands at most at buf[len].
 */
static long
split(struct oai_msg *m, char *buf, size_t len, size_t *nul_at)
{
	char *r = buf, *end = buf + len, *w = buf;
	unsigned n = 1;
	bool inside = false;
	long bar = -1;

	*nul_at = (size_t)-1;
	m->m_field[0] = buf;
	for (; r < end; r++) {
		char c = *r;

		if (c == '|') {
			inside = !inside;
			bar = inside ? (long)(n - 1) : -1;
			if (n - 1 < 64)
				m->m_quoted |= (uint64_t)1 << (n - 1);
			continue;
		}
		if (c == ',' && !inside) {
			*w++ = '\0';
			if (n < OAI_MSG_INDEX)
				m->m_field[n] = w;
			n++;
			continue;
		}
		if (c == '\0' && *nul_at == (size_t)-1)
			*nul_at = (size_t)(r - buf);
		*w++ = c;
	}
	*w = '\0';
	m->m_nfields = n;
	return bar;
}

/* ---- the schema walk -------------------------------------------------------------------- */

/* Decimal value of a count field; blank counts as 0.  Returns false when out of range. */
static bool
parse_count(const char *s, unsigned long *v)
{
	*v = 0;
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || *v > 100000000UL)
			return false;
		*v = *v * 10 + (unsigned long)(*s - '0');
	}
	return true;
}

static bool
parse_hex32(const char *s, uint32_t *v)
{
	*v = 0;
	for (; *s != '\0'; s++) {
		int c = (unsigned char)*s, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		if (*v > 0x0fffffffu)
			return false;
		*v = *v << 4 | (uint32_t)d;
	}
	return true;
}

/* Schema position of field f (skipping list item ids), or 0. */
static unsigned
sch_find(const uint16_t *s, unsigned ns, unsigned f)
{
	for (unsigned k = 1; k < ns; k++) {
		uint16_t e = s[k];

		if (OAI_S_IS_MARK(e)) {
			if ((e & 0xff00u) == (OAI_S_GROUP(0) & 0xff00u))
				k += e & 0xffu;
			else if (e == OAI_S_QX || e == OAI_S_REST)
				k++;
			continue;
		}
		if (e == f)
			return k;
	}
	return 0;
}

/* Type of item field j (0-based in its item) of the message's group. */
static enum oai_type
item_type(const struct oai_msg *m, unsigned j)
{
	const uint16_t *ids = m->m_sch + m->m_gpos + 1;
	unsigned bit, rank = 0;

	if (m->m_sch[m->m_gpos] != OAI_S_QX)
		return oai__fields[ids[j]].type;
	if (j == 0)
		return oai__fields[OAI_F_ENTITY_KEY].type;
	for (bit = 0; bit < 32; bit++)
		if ((m->m_qxmask >> bit & 1u) && ++rank == j)
			break;
	return oai_qx_field_type(m->m_qxlist, bit);
}

static const char *
item_name(const struct oai_msg *m, unsigned j, char *buf, size_t cap)
{
	const uint16_t *ids = m->m_sch + m->m_gpos + 1;
	unsigned bit, rank = 0;
	const char *n;

	if (m->m_sch[m->m_gpos] != OAI_S_QX)
		return oai__fields[ids[j]].name;
	if (j == 0)
		return oai__fields[OAI_F_ENTITY_KEY].name;
	for (bit = 0; bit < 32; bit++)
		if ((m->m_qxmask >> bit & 1u) && ++rank == j)
			break;
	n = oai_qx_field_name(m->m_qxlist, bit);
	if (n != NULL)
		return n;
	snprintf(buf, cap, "mask bit %u", bit);
	return buf;
}

/* A group: count from the field before the marker, items checked one by one. */
static int
walk_group(struct oai_msg *m, unsigned k, unsigned *idx, char **p)
{
	const uint16_t *s = m->m_sch;
	unsigned long cnt, avail = *idx < m->m_nfields ? m->m_nfields - *idx : 0;
	unsigned cf = s[k - 1], w;
	const char *cs = m->m_slot[k - 1];
	char lab[16], nb[32];

	label(m, lab, sizeof(lab));
	if (!parse_count(cs, &cnt))
		return fail_field(m, *idx - 1, oai__fields[cf].name, cs, "count out of range");
	if (s[k] == OAI_S_QX) {
		unsigned mk = sch_find(s, m->m_nsch, OAI_F_ENTITY_MASK);
		unsigned lk = sch_find(s, m->m_nsch, OAI_F_LIST_TYPE);
		unsigned long lt = 0;

		if (mk != 0 && m->m_slot[mk] != NULL &&
		    !parse_hex32(m->m_slot[mk], &m->m_qxmask))
			return fail_field(m, OAI__CF_FIRST + mk - 1, "Entity_Field_Mask",
			    m->m_slot[mk], "mask out of range");
		if (lk != 0 && parse_count(m->m_slot[lk], &lt))
			m->m_qxlist = (int)(lt <= 255 ? lt : 0);
		w = 1 + (unsigned)__builtin_popcount(m->m_qxmask);
		if (w > OAI_ITER_MAX)
			return fail(m, OAI_EFIELD, "%s: Entity_Field_Mask %s has %u bits, at "
			    "most %d supported", lab, m->m_slot[mk], w - 1, OAI_ITER_MAX - 1);
		/* The entities are the whole rest: any other count means a wrong width. */
		if (avail != cnt * w)
			return fail(m, cnt * w > avail ? OAI_ESHORT : OAI_EFIELD,
			    "%s: Entity_Count %lu with %u fields per entity (mask %s) needs "
			    "%lu fields, %lu follow", lab, cnt, w,
			    m->m_slot[mk] != NULL ? m->m_slot[mk] : "0", cnt * w, avail);
	} else {
		w = s[k] & 0xffu;
		if (cnt > avail / w)
			return fail(m, OAI_ESHORT, "%s: %s is %lu, but %lu fields follow for "
			    "items of %u", lab, oai__fields[cf].name, cnt, avail, w);
	}
	m->m_gpos = k;
	m->m_gwidth = w;
	m->m_ngrp = (unsigned)cnt;
	m->m_grp = *p;
	for (unsigned long i = 0; i < cnt * w; i++) {
		const char *why = oai__check(item_type(m, (unsigned)(i % w)), *p);

		if (why != NULL) {
			char name[80];

			snprintf(name, sizeof(name), "%s of item %lu",
			    item_name(m, (unsigned)(i % w), nb, sizeof(nb)), i / w + 1);
			return fail_field(m, *idx, name, *p, why);
		}
		if (++*idx < m->m_nfields)
			*p = *idx < OAI_MSG_INDEX ? m->m_field[*idx] : next_field(*p);
		else
			*p = NULL;
	}
	return OAI_OK;
}

/* Pass 2: every schema field checked and placed, from index `first`. */
static int
walk(struct oai_msg *m, unsigned first)
{
	const uint16_t *s = m->m_sch;
	unsigned ns = m->m_nsch, idx = first;
	bool req = m->m_kind != OAI_KIND_CONFIRM;
	char *p = field_at(m, idx);
	char lab[16];
	int rc;

	for (unsigned k = 1; k < ns; k++) {
		uint16_t e = s[k];

		if (e == OAI_S_OPT) {
			req = false;
			continue;
		}
		if ((e & 0xff00u) == (OAI_S_AT(0) & 0xff00u)) {
			idx = e & 0xffu;
			p = field_at(m, idx);
			continue;
		}
		if ((e & 0xff00u) == (OAI_S_GROUP(0) & 0xff00u) || e == OAI_S_QX) {
			if ((rc = walk_group(m, k, &idx, &p)) != OAI_OK)
				return rc;
			k += e == OAI_S_QX ? 1 : (e & 0xffu);
			continue;
		}
		if (e == OAI_S_REST) {
			enum oai_field rf = s[k + 1];

			m->m_rpos = k;
			m->m_rest = p;
			m->m_nrest = idx < m->m_nfields ? m->m_nfields - idx : 0;
			for (; p != NULL; p = ++idx < m->m_nfields ? next_field(p) : NULL) {
				const char *why = oai__check(oai__fields[rf].type, p);

				if (why != NULL)
					return fail_field(m, idx, oai__fields[rf].name, p, why);
			}
			return OAI_OK;
		}
		if (p == NULL) {
			if (!req)
				continue;
			label(m, lab, sizeof(lab));
			return fail(m, OAI_ESHORT, "%s: %u fields; field %u (%s) is missing", lab,
			    m->m_nfields, idx, oai__fields[e].name);
		}
		const char *why = oai__check(oai__fields[e].type, p);

		if (why != NULL)
			return fail_field(m, idx, oai__fields[e].name, p, why);
		m->m_slot[k] = p;
		if (++idx < m->m_nfields)
			p = idx < OAI_MSG_INDEX ? m->m_field[idx] : next_field(p);
		else
			p = NULL;
	}
	return OAI_OK;
}

/* Name of the schema field at index idx, as far as indexes are fixed (before any list). */
static const char *
name_at(const struct oai_msg *m, unsigned first, unsigned idx)
{
	unsigned i = first;

	if (idx < first) {
		if (idx == 0)
			return "Code";
		return idx == 1 && m->m_shape == OAI_KIND_COMMAND ? "InvokeID" : "header";
	}
	for (unsigned k = 1; k < m->m_nsch; k++) {
		uint16_t e = m->m_sch[k];

		if (e == OAI_S_OPT)
			continue;
		if ((e & 0xff00u) == (OAI_S_AT(0) & 0xff00u)) {
			i = e & 0xffu;
			continue;
		}
		if (OAI_S_IS_MARK(e))
			break;
		if (i++ == idx)
			return oai__fields[e].name;
	}
	return "list item";
}

/* ---- oai_decode ------------------------------------------------------------------------- */

static int
classify(struct oai_msg *m)
{
	const char *f0 = m->m_field[0], *f1, *f2;
	char q[64];

	if (f0[0] == '_' || strcmp(f0, "RR") == 0 || strcmp(f0, "RT") == 0) {
		if (!code_shaped(f0, true)) {
			quote(q, sizeof(q), f0);
			return fail(m, OAI_EGARBAGE, "not an OAI message: command code %s", q);
		}
		m->m_shape = OAI_KIND_COMMAND;
		m->m_code = oai_cmd_lookup(f0);
		return OAI_OK;
	}
	if (!all_digits(f0)) {
		quote(q, sizeof(q), f0);
		return fail(m, OAI_EGARBAGE, "not an OAI message: field 0 %s is neither a "
		    "sequence number nor a command code", q);
	}
	if (m->m_nfields < 2)
		return fail(m, OAI_EGARBAGE, "not an OAI message: sequence number %s without a "
		    "code", f0);
	f1 = m->m_field[1];
	if (strcmp(f1, "CF") == 0) {
		if (m->m_nfields < 3 || !code_shaped(f2 = m->m_field[2], true) || f2[0] != '_') {
			quote(q, sizeof(q), m->m_nfields < 3 ? "" : m->m_field[2]);
			return fail(m, OAI_EGARBAGE, "not an OAI message: CF for command code %s",
			    q);
		}
		m->m_shape = OAI_KIND_CONFIRM;
		m->m_code = oai_cmd_lookup(f2);
		return OAI_OK;
	}
	if (!code_shaped(f1, false)) {
		quote(q, sizeof(q), f1);
		return fail(m, OAI_EGARBAGE, "not an OAI message: event code %s", q);
	}
	m->m_shape = OAI_KIND_EVENT;
	m->m_code = oai_event_lookup(f1);
	/* FE has a second layout during a resync (oai.md 4.4). */
	if (m->m_code == OAI_EV_FE && m->m_nfields > 2 && m->m_field[2][0] != '\0')
		m->m_code = OAI_EV_FE_MASK;
	return OAI_OK;
}

/* The header of a known message: InvokeID, Resync_Code, Outcome. */
static int
check_header(struct oai_msg *m)
{
	char lab[16];

	label(m, lab, sizeof(lab));
	switch (m->m_kind) {
	case OAI_KIND_EVENT:
		if (m->m_nfields < 3)
			return fail(m, OAI_ESHORT, "%s: 2 fields; field 2 (Resync_Code) is "
			    "missing", lab);
		if (oai__check(OAI_T_DIGITS, m->m_field[2]) != NULL)
			return fail_field(m, 2, "Resync_Code", m->m_field[2], "not a number");
		break;
	case OAI_KIND_CONFIRM:
		if (m->m_nfields < 5)
			return fail(m, OAI_ESHORT, "%s: %u fields; field %u (%s) is missing", lab,
			    m->m_nfields, m->m_nfields,
			    m->m_nfields == 3 ? "InvokeID" : "Outcome");
		if (oai__check(OAI_T_DIGITS, m->m_field[3]) != NULL)
			return fail_field(m, 3, "InvokeID", m->m_field[3], "not a number");
		/* _QL has List_Type at index 4, the Outcome after it: its schema checks both. */
		if (sch_find(m->m_sch, m->m_nsch, OAI_F_OUTCOME) == 0 &&
		    !all_digits(m->m_field[4]))
			return fail_field(m, 4, "Outcome", m->m_field[4], "not a number");
		break;
	case OAI_KIND_COMMAND:
		if (oai__cmd_legacy(m->m_code))
			break;
		if (m->m_nfields < 2)
			return fail(m, OAI_ESHORT, "%s: 1 field; field 1 (InvokeID) is missing",
			    lab);
		if (!all_digits(m->m_field[1]))
			return fail_field(m, 1, "InvokeID", m->m_field[1], "not a number");
		break;
	default:
		break;
	}
	return OAI_OK;
}

int
oai_decode(struct oai_msg *m, char *buf, size_t len)
{
	unsigned first;
	size_t nul_at;
	long bar;
	int rc;

	m->m_kind = m->m_shape = OAI_KIND_NONE;
	m->m_code = 0;
	m->m_sch = NULL;
	m->m_nsch = m->m_nfields = 0;
	m->m_grp = m->m_rest = NULL;
	m->m_ngrp = m->m_gwidth = m->m_gpos = m->m_nrest = m->m_rpos = 0;
	m->m_quoted = 0;
	m->m_qxmask = 0;
	m->m_qxlist = 0;
	m->m_err[0] = '\0';

	while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	if (len == 0)
		return fail(m, OAI_EEMPTY, "empty message (nothing but CR, LF or NUL)");
	bar = split(m, buf, len, &nul_at);
	if (nul_at != (size_t)-1) {
		m->m_nfields = 0;
		return fail(m, OAI_EGARBAGE, "not an OAI message: NUL byte at offset %zu",
		    nul_at);
	}
	if ((rc = classify(m)) != OAI_OK) {
		m->m_nfields = 0;
		return rc;
	}
	if (m->m_code == 0) {
		m->m_kind = OAI_KIND_UNKNOWN;
		return OAI_OK;
	}
	m->m_kind = m->m_shape;
	switch (m->m_kind) {
	case OAI_KIND_EVENT:
		m->m_sch = oai__events[m->m_code].sch;
		m->m_nsch = oai__events[m->m_code].nsch;
		first = OAI__EV_FIRST;
		break;
	case OAI_KIND_CONFIRM:
		m->m_sch = oai__cmds[m->m_code].cf;
		m->m_nsch = oai__cmds[m->m_code].ncf;
		/* Issue 9.0 puts Transferred_Ext in the _TO CF: 12 fields instead of 11. */
		if (m->m_code == OAI_CMD_TO && m->m_nfields >= 12) {
			m->m_sch = oai__to_cf_v9;
			m->m_nsch = oai__to_cf_v9_len;
		}
		first = OAI__CF_FIRST;
		break;
	default:
		m->m_sch = oai__cmds[m->m_code].args;
		m->m_nsch = oai__cmds[m->m_code].nargs;
		first = oai__cmd_first(m->m_code);
		break;
	}
	/* Accessors read slots from here on: none may be stale, whatever fails below. */
	for (unsigned k = 0; k < m->m_nsch && k < OAI_MSG_SLOTS; k++)
		m->m_slot[k] = NULL;
	if ((rc = check_header(m)) != OAI_OK)
		return rc;
	if (bar >= 0)
		return fail_field(m, (unsigned)bar, name_at(m, first, (unsigned)bar),
		    field_at(m, (unsigned)bar), "unterminated |text|");
	return walk(m, first);
}

const char *
oai_msg_error(const struct oai_msg *m)
{
	return m->m_err;
}

/* ---- typed access ----------------------------------------------------------------------- */

enum oai_kind
oai_msg_kind(const struct oai_msg *m)
{
	return (enum oai_kind)m->m_kind;
}

enum oai_event
oai_msg_event(const struct oai_msg *m)
{
	return m->m_kind == OAI_KIND_EVENT ? (enum oai_event)m->m_code : OAI_EV_NONE;
}

enum oai_cmd
oai_msg_cmd(const struct oai_msg *m)
{
	if (m->m_kind == OAI_KIND_COMMAND || m->m_kind == OAI_KIND_CONFIRM)
		return (enum oai_cmd)m->m_code;
	return OAI_CMD_NONE;
}

/*
 * The field for id f: from the schema when the message has one, else from the header of its
 * shape.  *known tells "not in this message" (false) from "absent in this one" (true, NULL).
 */
static const char *
resolve(const struct oai_msg *m, enum oai_field f, bool *known)
{
	unsigned k, i;

	*known = true;
	if (m->m_nsch > 0 && (k = sch_find(m->m_sch, m->m_nsch, f)) != 0)
		return m->m_slot[k];
	switch ((enum oai_kind)m->m_shape) {
	case OAI_KIND_EVENT:
		i = f == OAI_F_SEQ ? 0 : f == OAI_F_CODE ? 1 : f == OAI_F_RESYNC ? 2 :
		    /* The common layout, for events this codec does not know. */
		    f == OAI_F_XREF && m->m_kind == OAI_KIND_UNKNOWN ? 3 : 99;
		break;
	case OAI_KIND_CONFIRM:
		i = f == OAI_F_SEQ ? 0 : f == OAI_F_CODE ? 2 : f == OAI_F_INVOKE_ID ? 3 :
		    f == OAI_F_OUTCOME ? 4 : 99;
		break;
	case OAI_KIND_COMMAND:
		i = f == OAI_F_CODE ? 0 : 99;
		if (f == OAI_F_INVOKE_ID && !oai__cmd_legacy(m->m_code))
			i = 1;
		break;
	default:
		i = 99;
		break;
	}
	if (i == 99) {
		*known = false;
		return NULL;
	}
	return field_at(m, i);
}

const char *
oai_msg_code(const struct oai_msg *m)
{
	return oai_msg_str(m, OAI_F_CODE);
}

const char *
oai_msg_str(const struct oai_msg *m, enum oai_field f)
{
	bool known;
	const char *p = resolve(m, f, &known);

	return p != NULL ? p : "";
}

bool
oai_msg_has(const struct oai_msg *m, enum oai_field f)
{
	bool known;
	const char *p = resolve(m, f, &known);

	return p != NULL && *p != '\0';
}

/* Decimal, or hex for HEX fields; at most what a long holds on every platform we build on. */
static int
parse_long(const char *p, enum oai_type t, long *v)
{
	unsigned long x = 0;
	unsigned base = t == OAI_T_HEX ? 16 : 10;

	if (*p == '\0')
		return OAI_EBLANK;
	for (; *p != '\0'; p++) {
		int c = (unsigned char)*p, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return OAI_EFIELD;
		if (x > (0x7fffffffUL - (unsigned long)d) / base)
			return OAI_EFIELD;
		x = x * base + (unsigned long)d;
	}
	*v = (long)x;
	return OAI_OK;
}

int
oai_msg_int(const struct oai_msg *m, enum oai_field f, long *v)
{
	bool known;
	const char *p = resolve(m, f, &known);

	if (!known)
		return OAI_ENOFIELD;
	if (p == NULL)
		return OAI_EBLANK;
	return parse_long(p, oai_field_type(f), v);
}

int
oai_msg_chr(const struct oai_msg *m, enum oai_field f)
{
	bool known;
	const char *p = resolve(m, f, &known);

	return p != NULL ? (unsigned char)p[0] : 0;
}

int
oai_msg_filter(const struct oai_msg *m, char cls, unsigned *mask)
{
	struct oai_iter it;
	uint32_t v;

	if (oai_msg_iter(m, OAI_F_FILTER, &it) != OAI_OK)
		return OAI_ENOFIELD;
	while (oai_iter_next(&it)) {
		const char *s = it.it_f[0];

		if (s[0] == cls && s[1] == ':' && parse_hex32(s + 2, &v)) {
			*mask = v;
			return OAI_OK;
		}
	}
	return OAI_EBLANK;
}

/* ---- lists ------------------------------------------------------------------------------ */

int
oai_msg_iter(const struct oai_msg *m, enum oai_field f, struct oai_iter *it)
{
	memset(it, 0, sizeof(*it));
	it->it_m = m;
	if (m->m_nsch == 0)
		return OAI_ENOFIELD;
	if (m->m_gpos != 0) {
		const uint16_t *ids = m->m_sch + m->m_gpos + 1;
		uint16_t e = m->m_sch[m->m_gpos];
		unsigned nid = e == OAI_S_QX ? 1 : (e & 0xffu);

		for (unsigned j = 0; j < nid; j++) {
			if (ids[j] != f)
				continue;
			it->it_ids = ids;
			it->it_qx = e == OAI_S_QX;
			it->it_n = m->m_ngrp;
			it->it_w = m->m_gwidth;
			it->it_next = m->m_grp;
			return OAI_OK;
		}
	}
	if (m->m_rpos != 0 && m->m_sch[m->m_rpos + 1] == f) {
		it->it_ids = m->m_sch + m->m_rpos + 1;
		it->it_n = m->m_nrest;
		it->it_w = 1;
		it->it_next = m->m_rest;
		return OAI_OK;
	}
	/* A schema with a list the message is too short to reach. */
	if (sch_find(m->m_sch, m->m_nsch, f) == 0) {
		const uint16_t *s = m->m_sch;

		for (unsigned k = 1; k < m->m_nsch; k++) {
			uint16_t e = s[k];
			unsigned w = (e & 0xff00u) == (OAI_S_GROUP(0) & 0xff00u) ? (e & 0xffu) :
			    e == OAI_S_QX || e == OAI_S_REST ? 1 : 0;

			for (unsigned j = 0; j < w; j++)
				if (s[k + 1 + j] == f)
					return OAI_OK;
			k += w;
		}
	}
	return OAI_ENOFIELD;
}

unsigned
oai_iter_len(const struct oai_iter *it)
{
	return it->it_n;
}

bool
oai_iter_next(struct oai_iter *it)
{
	char *p = it->it_next;

	if (it->it_i >= it->it_n)
		return false;
	for (unsigned j = 0; j < it->it_w; j++) {
		it->it_f[j] = p;
		p = next_field(p);
	}
	it->it_next = p;
	it->it_i++;
	return true;
}

const char *
oai_iter_str(const struct oai_iter *it, enum oai_field f)
{
	unsigned nid = it->it_qx ? 1 : it->it_w;

	if (it->it_i == 0)
		return "";
	for (unsigned j = 0; j < nid; j++)
		if (it->it_ids[j] == f)
			return it->it_f[j];
	return "";
}

int
oai_iter_int(const struct oai_iter *it, enum oai_field f, long *v)
{
	unsigned nid = it->it_qx ? 1 : it->it_w;

	if (it->it_i == 0)
		return OAI_ENOFIELD;
	for (unsigned j = 0; j < nid; j++)
		if (it->it_ids[j] == f)
			return parse_long(it->it_f[j], oai_field_type(f), v);
	return OAI_ENOFIELD;
}

const char *
oai_iter_qx(const struct oai_iter *it, unsigned bit)
{
	uint32_t mask = it->it_m->m_qxmask;

	if (!it->it_qx || it->it_i == 0 || bit >= 32 || !(mask >> bit & 1u))
		return NULL;
	return it->it_f[1 + __builtin_popcount(mask & ((1u << bit) - 1))];
}
