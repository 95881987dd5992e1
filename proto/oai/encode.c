/*
 * encode.c - the frame builder: fields set by id, written in schema order as canonical text.
 *
 * Fixed fields are kept as pointers (or as numbers formatted into the builder) until
 * oai_build_finish, so they can be set in any order.  List items (group items, rest items)
 * can be many (a _MS CF for 999 monitors), so they are written straight into the caller's
 * buffer, after the room kept for the length prefix, as soon as each one is complete.  Finish
 * then measures the fields before the list, moves the items up by that much, writes those
 * fields in front, the fields after the list behind, the terminator and the prefix.
 *
 * Every value is checked with the decoder's own checks (oai__check), and for the separators
 * it could smuggle in, so whatever the builder writes decodes back to the same fields.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oai_impl.h"

enum how { SET_NONE, SET_PLAIN, SET_TEXT, SET_RAW };
enum loc { LOC_NONE, LOC_FIXED, LOC_ITEM, LOC_REST };

static void
bfail(struct oai_build *b, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
bfail(struct oai_build *b, int err, const char *fmt, ...)
{
	va_list ap;

	if (b->b_err != OAI_OK)
		return;
	b->b_err = err;
	va_start(ap, fmt);
	vsnprintf(b->b_errmsg, sizeof(b->b_errmsg), fmt, ap);
	va_end(ap);
}

const char *
oai_build_error(const struct oai_build *b)
{
	return b->b_errmsg[0] != '\0' ? b->b_errmsg : oai_strerror(b->b_err);
}

static const char *
blabel(const struct oai_build *b)
{
	if (b->b_sch == NULL)
		return "?";
	if (b->b_kind == OAI_KIND_EVENT)
		return oai__events[b->b_code].wire;
	return oai__cmds[b->b_code].wire;
}

static bool
is_group(uint16_t e)
{
	return (e & 0xff00u) == (OAI_S_GROUP(0) & 0xff00u);
}

/* Position of the OAI_S_OPT marker, or b_nsch. */
static unsigned
opt_pos(const struct oai_build *b)
{
	for (unsigned k = 1; k < b->b_nsch; k++)
		if (b->b_sch[k] == OAI_S_OPT)
			return k;
	return b->b_nsch;
}

static void
use_schema(struct oai_build *b, const uint16_t *sch, unsigned nsch)
{
	b->b_sch = sch;
	b->b_nsch = nsch;
	b->b_gpos = b->b_rpos = 0;
	for (unsigned k = 1; k < nsch; k++) {
		if (is_group(sch[k]) || sch[k] == OAI_S_QX)
			b->b_gpos = k;
		if (sch[k] == OAI_S_REST)
			b->b_rpos = k;
	}
	memset(b->b_set, 0, sizeof(b->b_set));
}

static void
start(struct oai_build *b, char *buf, size_t cap, enum oai_kind kind, int code)
{
	b->b_buf = buf;
	b->b_cap = cap;
	b->b_items = 0;
	b->b_sch = NULL;
	b->b_nsch = 0;
	b->b_kind = (unsigned char)kind;
	b->b_code = code;
	b->b_seq[0] = '\0';
	b->b_hstr = "";
	b->b_num1[0] = '\0';
	b->b_gpos = b->b_rpos = 0;
	b->b_ngrp = b->b_nrest = 0;
	b->b_qxmask = 0;
	b->b_qxlist = 0;
	b->b_open = false;
	b->b_err = OAI_OK;
	b->b_errmsg[0] = '\0';
	memset(b->b_set, 0, sizeof(b->b_set));
	if (buf == NULL || cap < OAI_PREFIX_LEN)
		bfail(b, OAI_ENOSPC, "no room for the length prefix");
}

void
oai_build_event(struct oai_build *b, char *buf, size_t cap, enum oai_event ev, unsigned seq,
    const char *resync)
{
	start(b, buf, cap, OAI_KIND_EVENT, ev);
	if ((int)ev <= OAI_EV_NONE || ev >= OAI_EV__COUNT) {
		b->b_code = OAI_EV_NONE;
		bfail(b, OAI_EINVAL, "unknown event %d", (int)ev);
		return;
	}
	use_schema(b, oai__events[ev].sch, oai__events[ev].nsch);
	snprintf(b->b_seq, sizeof(b->b_seq), "%03u", seq % 1000);
	b->b_hstr = resync != NULL ? resync : "";
	if (oai__check(OAI_T_DIGITS, b->b_hstr) != NULL)
		bfail(b, OAI_EINVAL, "%s: Resync_Code \"%.20s\" is not a number", blabel(b),
		    b->b_hstr);
	/* The decoder tells the two FE layouts apart by the Resync_Code: keep them consistent. */
	if (ev == OAI_EV_FE && b->b_hstr[0] != '\0')
		bfail(b, OAI_EINVAL, "FE with a Resync_Code has the mask layout: use "
		    "OAI_EV_FE_MASK");
	if (ev == OAI_EV_FE_MASK && b->b_hstr[0] == '\0')
		bfail(b, OAI_EINVAL, "OAI_EV_FE_MASK needs a Resync_Code: use OAI_EV_FE when "
		    "live");
}

static bool
cmd_valid(struct oai_build *b, enum oai_cmd cmd)
{
	if ((int)cmd <= OAI_CMD_NONE || cmd >= OAI_CMD__COUNT) {
		bfail(b, OAI_EINVAL, "unknown command %d", (int)cmd);
		return false;
	}
	return true;
}

void
oai_build_confirm(struct oai_build *b, char *buf, size_t cap, enum oai_cmd cmd, unsigned seq,
    const char *invoke, int outcome)
{
	start(b, buf, cap, OAI_KIND_CONFIRM, cmd);
	if (!cmd_valid(b, cmd))
		return;
	if (oai__cmd_legacy(cmd)) {
		bfail(b, OAI_EINVAL, "%s has no InvokeID and no CF", oai__cmds[cmd].wire);
		return;
	}
	use_schema(b, oai__cmds[cmd].cf, oai__cmds[cmd].ncf);
	snprintf(b->b_seq, sizeof(b->b_seq), "%03u", seq % 1000);
	b->b_hstr = invoke != NULL ? invoke : "";
	if (oai__check(OAI_T_DIGITS, b->b_hstr) != NULL)
		bfail(b, OAI_EINVAL, "CF %s: InvokeID \"%.20s\" is not a number", blabel(b),
		    b->b_hstr);
	if (outcome < 0)
		bfail(b, OAI_EINVAL, "CF %s: negative Outcome %d", blabel(b), outcome);
	/* _QL carries its Outcome in the schema (after List_Type), the others in the header. */
	for (unsigned k = 1; k < b->b_nsch; k++)
		if (b->b_sch[k] == OAI_F_OUTCOME) {
			oai_build_int(b, OAI_F_OUTCOME, outcome);
			return;
		}
	snprintf(b->b_num1, sizeof(b->b_num1), "%d", outcome);
}

void
oai_build_command(struct oai_build *b, char *buf, size_t cap, enum oai_cmd cmd,
    unsigned invoke)
{
	start(b, buf, cap, OAI_KIND_COMMAND, cmd);
	if (!cmd_valid(b, cmd))
		return;
	use_schema(b, oai__cmds[cmd].args, oai__cmds[cmd].nargs);
	snprintf(b->b_num1, sizeof(b->b_num1), "%u", invoke);
}

/* ---- setting fields --------------------------------------------------------------------- */

static enum loc
locate(const struct oai_build *b, enum oai_field f, unsigned *pos)
{
	const uint16_t *s = b->b_sch;

	for (unsigned k = 1; k < b->b_nsch; k++) {
		uint16_t e = s[k];

		if (is_group(e)) {
			for (unsigned j = 0; j < (e & 0xffu); j++)
				if (s[k + 1 + j] == f) {
					*pos = j;
					return LOC_ITEM;
				}
			k += e & 0xffu;
		} else if (e == OAI_S_QX || e == OAI_S_REST) {
			if (s[k + 1] == f) {
				*pos = 0;
				return e == OAI_S_QX ? LOC_ITEM : LOC_REST;
			}
			k++;
		} else if (!OAI_S_IS_MARK(e) && e == f) {
			*pos = k;
			return LOC_FIXED;
		}
	}
	return LOC_NONE;
}

/* Would s survive the trip through the wire unchanged as a field of this type? */
static bool
value_ok(struct oai_build *b, const char *name, enum oai_type t, const char *s, enum how how)
{
	const char *why;

	if (strpbrk(s, "\r\n") != NULL)
		why = "holds a line break";
	else if (how == SET_RAW)
		return true;
	else if (strchr(s, '|') != NULL)
		why = "holds a |";
	else if (t != OAI_T_TEXT && strchr(s, ',') != NULL)
		why = "holds a comma (only TEXT fields may)";
	else if ((why = oai__check(t, s)) == NULL)
		return true;
	bfail(b, OAI_EINVAL, "%s: %s \"%.40s\" %s", blabel(b), name, s, why);
	return false;
}

/* Appends ",value" (in bars for SET_TEXT) to the items written after the prefix. */
static void
append(struct oai_build *b, const char *s, enum how how)
{
	size_t n = strlen(s), need = 1 + n + (how == SET_TEXT ? 2 : 0);
	char *p;

	if (b->b_err != OAI_OK)
		return;
	if (b->b_cap - OAI_PREFIX_LEN - b->b_items < need) {
		bfail(b, OAI_ENOSPC, "%s: %zu-byte buffer too small for the list", blabel(b),
		    b->b_cap);
		return;
	}
	p = b->b_buf + OAI_PREFIX_LEN + b->b_items;
	*p++ = ',';
	if (how == SET_TEXT)
		*p++ = '|';
	memcpy(p, s, n);
	p += n;
	if (how == SET_TEXT)
		*p++ = '|';
	b->b_items += need;
}

static unsigned
item_width(const struct oai_build *b)
{
	uint16_t e = b->b_sch[b->b_gpos];

	return e == OAI_S_QX ? 1 + (unsigned)__builtin_popcount(b->b_qxmask) : (e & 0xffu);
}

static void
flush_item(struct oai_build *b)
{
	unsigned w;

	if (!b->b_open)
		return;
	b->b_open = false;
	w = item_width(b);
	for (unsigned j = 0; j < w; j++)
		append(b, b->b_iset[j] != SET_NONE ? b->b_ival[j] : "",
		    (enum how)b->b_iset[j]);
	b->b_ngrp++;
}

static unsigned long
parse_dec(const char *s)
{
	unsigned long v = 0;

	for (; *s >= '0' && *s <= '9' && v < 100000000UL; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v;
}

/*
 * The one setter.  num is non-NULL when the value is a number formatted by the builder, in
 * which case it is copied into the slot's own storage once the slot is known.
 */
static void
set(struct oai_build *b, enum oai_field f, const char *s, enum how how, bool num)
{
	const char *name;
	enum oai_type t;
	unsigned pos;
	enum loc loc;

	if (b->b_err != OAI_OK)
		return;
	if ((int)f <= OAI_F_NONE || f >= OAI_F__COUNT) {
		bfail(b, OAI_EINVAL, "%s: unknown field id %d", blabel(b), (int)f);
		return;
	}
	name = oai__fields[f].name;
	t = oai__fields[f].type;
	if ((loc = locate(b, f, &pos)) == LOC_NONE) {
		bfail(b, OAI_EINVAL, "%s has no field %s", blabel(b), name);
		return;
	}
	if (how == SET_TEXT && t != OAI_T_TEXT)
		how = SET_PLAIN;
	if (!value_ok(b, name, t, s, how))
		return;
	/* Entities already written used the mask and list type they had then. */
	if ((f == OAI_F_ENTITY_MASK || f == OAI_F_LIST_TYPE) && b->b_gpos != 0 &&
	    b->b_sch[b->b_gpos] == OAI_S_QX && (b->b_open || b->b_ngrp > 0)) {
		bfail(b, OAI_EINVAL, "CF _QX: %s changed after entities were added", name);
		return;
	}
	switch (loc) {
	case LOC_FIXED:
		if (num) {
			snprintf(b->b_num[pos], sizeof(b->b_num[pos]), "%s", s);
			s = b->b_num[pos];
		}
		b->b_val[pos] = s;
		b->b_set[pos] = (unsigned char)how;
		if (f == OAI_F_ENTITY_MASK) {
			if (strlen(s) > 8) {
				bfail(b, OAI_EINVAL, "%s: Entity_Field_Mask %.20s wider than 32 "
				    "bits", blabel(b), s);
				return;
			}
			b->b_qxmask = 0;
			for (const char *p = s; *p != '\0'; p++)
				b->b_qxmask = b->b_qxmask << 4 |
				    (uint32_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		}
		if (f == OAI_F_LIST_TYPE)
			b->b_qxlist = (int)parse_dec(s);
		break;
	case LOC_ITEM:
		if (!b->b_open) {
			bfail(b, OAI_EINVAL, "%s: %s set before oai_build_item", blabel(b), name);
			return;
		}
		if (num) {
			snprintf(b->b_inum[pos], sizeof(b->b_inum[pos]), "%s", s);
			s = b->b_inum[pos];
		}
		b->b_ival[pos] = s;
		b->b_iset[pos] = (unsigned char)how;
		break;
	case LOC_REST:
		flush_item(b);
		append(b, s, how);
		b->b_nrest++;
		break;
	case LOC_NONE:
		break;
	}
}

void
oai_build_str(struct oai_build *b, enum oai_field f, const char *s)
{
	set(b, f, s != NULL ? s : "", SET_TEXT, false);
}

void
oai_build_raw(struct oai_build *b, enum oai_field f, const char *s)
{
	set(b, f, s != NULL ? s : "", SET_RAW, false);
}

void
oai_build_int(struct oai_build *b, enum oai_field f, long v)
{
	char tmp[24];

	if ((int)f > OAI_F_NONE && f < OAI_F__COUNT && oai__fields[f].type == OAI_T_HEX)
		snprintf(tmp, sizeof(tmp), "%lX", (unsigned long)v);
	else
		snprintf(tmp, sizeof(tmp), "%ld", v);
	if (v < 0)
		bfail(b, OAI_EINVAL, "%s: negative value %ld for %s", blabel(b), v,
		    oai_field_name(f) != NULL ? oai_field_name(f) : "?");
	set(b, f, tmp, SET_PLAIN, true);
}

void
oai_build_chr(struct oai_build *b, enum oai_field f, int c)
{
	char tmp[2] = { (char)c, '\0' };

	set(b, f, tmp, SET_PLAIN, true);
}

void
oai_build_item(struct oai_build *b)
{
	if (b->b_err != OAI_OK)
		return;
	if (b->b_gpos == 0) {
		bfail(b, OAI_EINVAL, "%s has no list of items", blabel(b));
		return;
	}
	if (b->b_nrest > 0) {
		bfail(b, OAI_EINVAL, "%s: items must come before the %s list", blabel(b),
		    oai__fields[b->b_sch[b->b_rpos + 1]].name);
		return;
	}
	flush_item(b);
	if (b->b_sch[b->b_gpos] == OAI_S_QX) {
		unsigned k = 0;

		locate(b, OAI_F_ENTITY_MASK, &k);
		if (b->b_set[k] == SET_NONE) {
			bfail(b, OAI_EINVAL, "CF _QX: set Entity_Field_Mask before adding "
			    "entities");
			return;
		}
		if (item_width(b) > OAI_ITER_MAX) {
			bfail(b, OAI_EINVAL, "CF _QX: Entity_Field_Mask has more than %d bits",
			    OAI_ITER_MAX - 1);
			return;
		}
	}
	memset(b->b_iset, 0, sizeof(b->b_iset));
	b->b_open = true;
}

static void
qx_set(struct oai_build *b, unsigned bit, const char *s, enum how how)
{
	const char *name;
	enum oai_type t;
	unsigned j;
	char nb[32];

	if (b->b_err != OAI_OK)
		return;
	if (b->b_gpos == 0 || b->b_sch[b->b_gpos] != OAI_S_QX || !b->b_open) {
		bfail(b, OAI_EINVAL, "%s: no _QX entity started", blabel(b));
		return;
	}
	if (bit >= 32 || !(b->b_qxmask >> bit & 1u)) {
		bfail(b, OAI_EINVAL, "CF _QX: bit %u is not in Entity_Field_Mask %X", bit,
		    b->b_qxmask);
		return;
	}
	t = oai_qx_field_type(b->b_qxlist, bit);
	if ((name = oai_qx_field_name(b->b_qxlist, bit)) == NULL) {
		snprintf(nb, sizeof(nb), "mask bit %u", bit);
		name = nb;
	}
	if (how == SET_TEXT && t != OAI_T_TEXT)
		how = SET_PLAIN;
	if (!value_ok(b, name, t, s, how))
		return;
	j = 1 + (unsigned)__builtin_popcount(b->b_qxmask & ((1u << bit) - 1));
	b->b_ival[j] = s;
	b->b_iset[j] = (unsigned char)how;
}

void
oai_build_qx(struct oai_build *b, unsigned bit, const char *s)
{
	qx_set(b, bit, s != NULL ? s : "", SET_TEXT);
}

void
oai_build_filter(struct oai_build *b, char cls, unsigned mask)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), "%c:%04X", cls, mask & 0xffffu);
	if (mask > 0xffffu)
		bfail(b, OAI_EINVAL, "%s: filter mask %X wider than 16 bits", blabel(b), mask);
	set(b, OAI_F_FILTER, tmp, SET_PLAIN, false);
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Writes ",value" at p (when p is not NULL); returns its length. */
static size_t
put_field(char *p, const char *s, enum how how)
{
	size_t n = strlen(s);
	size_t len = 1 + n + (how == SET_TEXT ? 2 : 0);

	if (p == NULL)
		return len;
	*p++ = ',';
	if (how == SET_TEXT)
		*p++ = '|';
	memcpy(p, s, n);
	p += n;
	if (how == SET_TEXT)
		*p = '|';
	return len;
}

static size_t
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	if (p != NULL)
		memcpy(p, s, n);
	return n;
}

/* The header, then fixed fields from..to (schema positions); p NULL only measures. */
static size_t
put_fields(const struct oai_build *b, char *p, bool header, unsigned from, unsigned to)
{
	size_t n = 0;

#define PUT(s) (n += put_str(p != NULL ? p + n : NULL, (s)))
	if (header) {
		switch (b->b_kind) {
		case OAI_KIND_EVENT:
			PUT(b->b_seq), PUT(","), PUT(oai__events[b->b_code].wire), PUT(",");
			PUT(b->b_hstr);
			break;
		case OAI_KIND_CONFIRM:
			PUT(b->b_seq), PUT(",CF,"), PUT(oai__cmds[b->b_code].wire), PUT(",");
			PUT(b->b_hstr);
			if (b->b_num1[0] != '\0')
				PUT(","), PUT(b->b_num1);
			break;
		default:
			PUT(oai__cmds[b->b_code].wire);
			if (!oai__cmd_legacy(b->b_code))
				PUT(","), PUT(b->b_num1);
			break;
		}
	}
#undef PUT
	for (unsigned k = from; k <= to && k < b->b_nsch; k++) {
		uint16_t e = b->b_sch[k];

		if (OAI_S_IS_MARK(e)) {
			if (is_group(e))
				k += e & 0xffu;
			else if (e == OAI_S_QX || e == OAI_S_REST)
				k++;
			continue;
		}
		n += put_field(p != NULL ? p + n : NULL,
		    b->b_set[k] != SET_NONE ? b->b_val[k] : "", (enum how)b->b_set[k]);
	}
	return n;
}

int
oai_build_finish(struct oai_build *b, size_t *len)
{
	unsigned opt, last = 0, split;
	size_t head, tail, text;
	char *t;

	*len = 0;
	flush_item(b);
	if (b->b_err != OAI_OK)
		return b->b_err;
	opt = opt_pos(b);
	if (b->b_gpos != 0) {
		unsigned kc = b->b_gpos - 1;
		bool required = b->b_kind == OAI_KIND_EVENT ||
		    (b->b_kind == OAI_KIND_COMMAND && kc < opt);

		if (b->b_set[kc] != SET_NONE) {
			if (parse_dec(b->b_val[kc]) != b->b_ngrp)
				bfail(b, OAI_EINVAL, "%s: %s is %s but %u items were added",
				    blabel(b), oai__fields[b->b_sch[kc]].name, b->b_val[kc],
				    b->b_ngrp);
		} else if (b->b_ngrp > 0 || required) {
			snprintf(b->b_num[kc], sizeof(b->b_num[kc]), "%u", b->b_ngrp);
			b->b_val[kc] = b->b_num[kc];
			b->b_set[kc] = SET_PLAIN;
		}
	}
	if (b->b_err != OAI_OK)
		return b->b_err;
	/* Events write every field; commands their required ones and up to the last set. */
	for (unsigned k = 1; k < b->b_nsch; k++) {
		uint16_t e = b->b_sch[k];

		if (OAI_S_IS_MARK(e)) {
			if (is_group(e))
				k += e & 0xffu;
			else if (e == OAI_S_QX || e == OAI_S_REST)
				k++;
			continue;
		}
		if (b->b_set[k] != SET_NONE || b->b_kind == OAI_KIND_EVENT ||
		    (b->b_kind == OAI_KIND_COMMAND && k < opt))
			last = k;
	}
	/* Rest items follow every fixed field. */
	if (b->b_nrest > 0)
		last = b->b_nsch;
	split = b->b_gpos != 0 ? b->b_gpos : b->b_nsch;
	head = put_fields(b, NULL, true, 1, split - 1 < last ? split - 1 : last);
	tail = 0;
	if (b->b_gpos != 0 && last > b->b_gpos)
		tail = put_fields(b, NULL, false, b->b_gpos, last);
	text = head + b->b_items + tail;
	if (b->b_cap - OAI_PREFIX_LEN - b->b_items < head + tail + 2) {
		bfail(b, OAI_ENOSPC, "%s: %zu-byte buffer too small for a %zu-byte message",
		    blabel(b), b->b_cap, text + OAI_PREFIX_LEN + 2);
		return b->b_err;
	}
	t = b->b_buf + OAI_PREFIX_LEN;
	memmove(t + head, t, b->b_items);
	put_fields(b, t, true, 1, split - 1 < last ? split - 1 : last);
	if (tail > 0)
		put_fields(b, t + head + b->b_items, false, b->b_gpos, last);
	return oai_frame_write(b->b_buf, b->b_cap, t, text,
	    b->b_kind == OAI_KIND_COMMAND ? OAI_TERM_CR : OAI_TERM_CRLF, len);
}

/* ---- re-encoding a decoded message ------------------------------------------------------ */

static unsigned
seq_of(const char *s)
{
	unsigned v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = (v * 10 + (unsigned)(*s - '0')) % 1000;
	return v;
}

/*
 * How to re-encode a TEXT field: with bars when it had them (so "||" stays "||"), as it came
 * when it had none.  Fields past the first 64, whose bars were not recorded, get bars unless
 * blank.
 */
static enum how
copy_how(enum oai_type t, const char *s, const struct oai_msg *m, unsigned idx)
{
	if (t != OAI_T_TEXT)
		return SET_PLAIN;
	if (idx < 64)
		return m->m_quoted >> idx & 1u ? SET_TEXT : SET_RAW;
	return *s == '\0' ? SET_RAW : SET_TEXT;
}

void
oai_build_copy(struct oai_build *b, char *buf, size_t cap, const struct oai_msg *m)
{
	struct oai_iter it;
	unsigned long inv;
	long outcome = 0;
	unsigned idx;

	switch (m->m_kind) {
	case OAI_KIND_EVENT:
		oai_build_event(b, buf, cap, m->m_code, seq_of(oai_msg_str(m, OAI_F_SEQ)),
		    oai_msg_str(m, OAI_F_RESYNC));
		break;
	case OAI_KIND_CONFIRM:
		oai_msg_int(m, OAI_F_OUTCOME, &outcome);
		oai_build_confirm(b, buf, cap, m->m_code, seq_of(oai_msg_str(m, OAI_F_SEQ)),
		    oai_msg_str(m, OAI_F_INVOKE_ID), (int)outcome);
		if (m->m_sch == oai__to_cf_v9)
			use_schema(b, oai__to_cf_v9, oai__to_cf_v9_len);
		break;
	case OAI_KIND_COMMAND:
		inv = parse_dec(oai_msg_str(m, OAI_F_INVOKE_ID));
		oai_build_command(b, buf, cap, m->m_code, (unsigned)inv);
		if (inv > 99999999UL)
			bfail(b, OAI_EINVAL, "InvokeID %s out of range",
			    oai_msg_str(m, OAI_F_INVOKE_ID));
		break;
	default:
		start(b, buf, cap, OAI_KIND_NONE, 0);
		bfail(b, OAI_EINVAL, "only known codes can be re-encoded");
		return;
	}
	/* Fixed fields, tracking their index as the decoder's walk did. */
	idx = m->m_kind == OAI_KIND_EVENT ? OAI__EV_FIRST : m->m_kind == OAI_KIND_CONFIRM ?
	    OAI__CF_FIRST : oai__cmd_first(m->m_code);
	for (unsigned k = 1; k < m->m_nsch; k++) {
		uint16_t e = m->m_sch[k];

		if (OAI_S_IS_MARK(e)) {
			if ((e & 0xff00u) == (OAI_S_AT(0) & 0xff00u))
				idx = e & 0xffu;
			else if (is_group(e) || e == OAI_S_QX) {
				idx += m->m_ngrp * m->m_gwidth;
				k += e == OAI_S_QX ? 1 : e & 0xffu;
			}
			else if (e == OAI_S_REST)
				k++;
			continue;
		}
		if (m->m_slot[k] != NULL)
			set(b, e, m->m_slot[k],
			    copy_how(oai__fields[e].type, m->m_slot[k], m, idx), false);
		idx++;
	}
	if (m->m_gpos != 0 && oai_msg_iter(m, m->m_sch[m->m_gpos + 1], &it) == OAI_OK) {
		bool qx = m->m_sch[m->m_gpos] == OAI_S_QX;

		for (idx = (unsigned)oai__field_index(m, m->m_grp); oai_iter_next(&it);) {
			oai_build_item(b);
			for (unsigned j = 0, bit = 0; j < it.it_w; j++, idx++) {
				const char *v = it.it_f[j];

				if (!qx) {
					enum oai_field f = it.it_ids[j];

					set(b, f, v, copy_how(oai__fields[f].type, v, m, idx),
					    false);
				} else if (j == 0) {
					set(b, OAI_F_ENTITY_KEY, v, SET_PLAIN, false);
				} else {
					while (!(m->m_qxmask >> bit & 1u))
						bit++;
					qx_set(b, bit, v, copy_how(oai_qx_field_type(m->m_qxlist,
					    bit), v, m, idx));
					bit++;
				}
			}
		}
	}
	if (m->m_rpos != 0 && oai_msg_iter(m, m->m_sch[m->m_rpos + 1], &it) == OAI_OK) {
		enum oai_field f = m->m_sch[m->m_rpos + 1];

		for (idx = (unsigned)oai__field_index(m, m->m_rest); oai_iter_next(&it); idx++)
			set(b, f, it.it_f[0], copy_how(oai__fields[f].type, it.it_f[0], m, idx),
			    false);
	}
}
