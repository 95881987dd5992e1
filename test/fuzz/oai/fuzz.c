/*
 * fuzz.c - libFuzzer harness of the OAI codec (proto/oai).
 *
 * The first two input bytes choose the reader's maximum frame size and seed the chunk sizes;
 * the rest is a byte stream fed through oai_reader_feed in pieces of 1 to 64 bytes, as TCP
 * would deliver it.  Every frame is decoded as a message and as a login frame, and everything
 * the accessors and iterators offer is read.  Then, for each message that decoded, the
 * properties the rest of Hookswitch relies on are checked:
 *
 *   - a fatal reader error stops the stream until reset, and every error has a sentence;
 *   - every field id answers consistently (str / has / int / chr agree);
 *   - a decoded known message re-encodes (oai_build_copy) unless a value cannot travel
 *     unchanged, and that encoding decodes to the same kind, code and fields.
 *
 * When the first byte has its top bit set, the input drives the builder instead: a sequence
 * of oai_build_* calls with arbitrary field ids and values into a buffer of exactly the
 * chosen size (so that ASan sees any overrun).  Whatever the builder accepts must fit and
 * must decode as the kind and code it was built as.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oai/oai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char enc[70000 + 64];
static char dec[70000 + 64];
static bool full_sweep;		/* check every field id, not just the message's own */

#define CHECK(c)                                                                               \
	do {                                                                                   \
		if (!(c))                                                                      \
			abort();                                                               \
	} while (0)

/*
 * The field ids worth asking m for: all of them on the first frame of an input (so that ids a
 * message lacks are exercised too), else the ids of its layout and the headers; sweeping every
 * id on every frame made the harness ten times slower for no more coverage.
 */
static unsigned
ids_to_check(const struct oai_msg *m, int *ids)
{
	unsigned n = 0;

	if (full_sweep) {
		full_sweep = false;
		for (int f = 0; f <= OAI_F__COUNT; f++)
			ids[n++] = f;
		return n;
	}
	ids[n++] = OAI_F_SEQ, ids[n++] = OAI_F_CODE, ids[n++] = OAI_F_RESYNC;
	ids[n++] = OAI_F_XREF, ids[n++] = OAI_F_INVOKE_ID, ids[n++] = OAI_F_OUTCOME;
	ids[n++] = OAI_F_NONE, ids[n++] = OAI_F__COUNT, ids[n++] = OAI_F_DIGITS;
	for (unsigned k = 1; k < m->m_nsch && m->m_sch != NULL; k++)
		if (!OAI_S_IS_MARK(m->m_sch[k]))
			ids[n++] = m->m_sch[k];
	return n;
}

static void
read_all(const struct oai_msg *m)
{
	int ids[OAI_F__COUNT + 1 + 40];
	unsigned nids = ids_to_check(m, ids);

	for (unsigned i = 0; i < nids; i++) {
		int f = ids[i];
		const char *s = oai_msg_str(m, f);
		long v;
		int rc = oai_msg_int(m, f, &v);
		struct oai_iter it;

		CHECK(s != NULL);
		CHECK(oai_msg_has(m, f) == (s[0] != '\0'));
		CHECK(oai_msg_chr(m, f) == (unsigned char)s[0]);
		CHECK(rc == OAI_OK || rc == OAI_ENOFIELD || rc == OAI_EBLANK || rc == OAI_EFIELD);
		if (rc == OAI_OK)
			CHECK(v >= 0);
		if (oai_msg_iter(m, f, &it) == OAI_OK) {
			unsigned n = 0;

			while (oai_iter_next(&it)) {
				CHECK(oai_iter_str(&it, f) != NULL);
				(void)oai_iter_int(&it, f, &v);
				for (unsigned bit = 0; bit < 33; bit++)
					(void)oai_iter_qx(&it, bit);
				n++;
			}
			CHECK(n == oai_iter_len(&it));
		}
	}
	for (unsigned i = 0; i < oai_msg_nfields(m) && i < 600; i++)
		CHECK(oai_msg_field(m, i) != NULL);
	CHECK(oai_msg_field(m, oai_msg_nfields(m)) == NULL);
	(void)oai_msg_filter(m, 'A', &(unsigned){ 0 });
	(void)oai_msg_code(m);
}

/* The same decoded fields, by id and in every list. */
static void
same_fields(const struct oai_msg *a, const struct oai_msg *b)
{
	CHECK(oai_msg_kind(a) == oai_msg_kind(b));
	CHECK(oai_msg_event(a) == oai_msg_event(b));
	CHECK(oai_msg_cmd(a) == oai_msg_cmd(b));
	CHECK(a->m_nsch == b->m_nsch);
	for (unsigned k = 1; k < a->m_nsch; k++) {
		int f = a->m_sch[k];
		struct oai_iter ia, ib;

		if (OAI_S_IS_MARK(f))
			continue;
		/* Sequence numbers are rewritten as 3 digits. */
		if (f != OAI_F_SEQ && f != OAI_F_INVOKE_ID && f != OAI_F_OUTCOME)
			CHECK(strcmp(oai_msg_str(a, f), oai_msg_str(b, f)) == 0);
		if (oai_msg_iter(a, f, &ia) != OAI_OK)
			continue;
		CHECK(oai_msg_iter(b, f, &ib) == OAI_OK);
		CHECK(oai_iter_len(&ia) == oai_iter_len(&ib));
		while (oai_iter_next(&ia)) {
			CHECK(oai_iter_next(&ib));
			CHECK(strcmp(oai_iter_str(&ia, f), oai_iter_str(&ib, f)) == 0);
			for (unsigned bit = 0; bit < 32; bit++) {
				const char *x = oai_iter_qx(&ia, bit), *y = oai_iter_qx(&ib, bit);

				CHECK((x == NULL) == (y == NULL));
				CHECK(x == NULL || strcmp(x, y) == 0);
			}
		}
	}
}

static void
re_encode(const struct oai_msg *m)
{
	struct oai_build b;
	struct oai_msg m2;
	size_t len;
	int rc;

	oai_build_copy(&b, enc, sizeof(enc), m);
	rc = oai_build_finish(&b, &len);
	if (oai_msg_kind(m) == OAI_KIND_UNKNOWN) {
		CHECK(rc == OAI_EINVAL);
		return;
	}
	/* A value from inside bars may hold a comma that only a TEXT field can carry. */
	if (rc == OAI_EINVAL || rc == OAI_ENOSPC) {
		CHECK(oai_build_error(&b)[0] != '\0');
		return;
	}
	CHECK(rc == OAI_OK);
	CHECK(len >= OAI_PREFIX_LEN + 1);
	CHECK((size_t)((unsigned char)enc[0] | (unsigned char)enc[1] << 8 |
	    (unsigned char)enc[2] << 16 | (size_t)(unsigned char)enc[3] << 24) ==
	    len - OAI_PREFIX_LEN);
	memcpy(dec, enc + OAI_PREFIX_LEN, len - OAI_PREFIX_LEN);
	rc = oai_decode(&m2, dec, len - OAI_PREFIX_LEN);
	CHECK(rc == OAI_OK);
	same_fields(m, &m2);
}

static void
one_frame(char *frame, size_t len)
{
	struct oai_login login;
	struct oai_msg m;
	char err[128];
	int rc;

	if (oai_login_decode(&login, frame, len, err, sizeof(err)) == OAI_OK) {
		CHECK(strlen(login.password) + strlen(login.app) + 3 == len);
	} else {
		CHECK(err[0] != '\0');
	}
	rc = oai_decode(&m, frame, len);
	CHECK(rc == OAI_OK || rc == OAI_EEMPTY || rc == OAI_EGARBAGE || rc == OAI_ESHORT ||
	    rc == OAI_EFIELD);
	CHECK((rc == OAI_OK) == (oai_msg_error(&m)[0] == '\0'));
	read_all(&m);
	if (rc == OAI_OK)
		re_encode(&m);
	else if (!oai_err_fatal(rc))
		CHECK(oai_msg_kind(&m) != OAI_KIND_NONE);
}

/* ---- builder mode ----------------------------------------------------------------------- */

static char pool[256][40];	/* values stay put until finish: the builder references them */

static void
builder_ops(const uint8_t *d, size_t n)
{
	size_t cap = OAI_PREFIX_LEN + d[0] % 128 * 4, len, i = 4, np = 0;
	char *buf = malloc(cap), *copy;
	struct oai_build b;
	struct oai_msg m;
	int kind = d[1] % 3, code, rc;
	bool raw = false;

	CHECK(buf != NULL);
	if (kind == 0) {
		code = 1 + d[2] % (OAI_EV__COUNT - 1);
		oai_build_event(&b, buf, cap, code, d[3], d[3] & 1 ? "" : "7");
	} else if (kind == 1) {
		code = 1 + d[2] % (OAI_CMD__COUNT - 1);
		oai_build_command(&b, buf, cap, code, d[3]);
	} else {
		code = 1 + d[2] % (OAI_CMD__COUNT - 1);
		oai_build_confirm(&b, buf, cap, code, d[3], d[3] & 2 ? "" : "12", d[3] % 50);
	}
	while (i + 2 < n && np < 256) {
		int op = d[i] % 10, f = d[i + 1] % (OAI_F__COUNT + 1);
		size_t vl = d[i + 2] % 32;
		char *v = pool[np++];

		i += 3;
		if (vl > n - i)
			vl = n - i;
		memcpy(v, d + i, vl);
		v[vl] = '\0';		/* an embedded NUL just shortens the value */
		i += vl;
		switch (op) {
		case 0:
		case 1:
			oai_build_str(&b, f, v);
			break;
		case 2:
			oai_build_int(&b, f, vl > 0 ? (long)(unsigned char)v[0] * 37 : 0);
			break;
		case 3:
			oai_build_chr(&b, f, vl > 0 ? (unsigned char)v[0] : 0);
			break;
		case 4:
			oai_build_raw(&b, f, v);
			raw = true;
			break;
		case 5:
		case 6:
			oai_build_item(&b);
			break;
		case 7:
			oai_build_qx(&b, (unsigned)f % 40, v);
			break;
		case 8:
			oai_build_filter(&b, vl > 0 ? v[0] : 'A', (unsigned)f * 251);
			break;
		default:
			oai_build_str(&b, f, vl > 0 ? "" : v);
			break;
		}
	}
	rc = oai_build_finish(&b, &len);
	CHECK(rc == OAI_OK || rc == OAI_EINVAL || rc == OAI_ENOSPC);
	if (rc != OAI_OK) {
		CHECK(oai_build_error(&b)[0] != '\0');
		free(buf);
		return;
	}
	CHECK(len <= cap && len > OAI_PREFIX_LEN);
	copy = malloc(len - OAI_PREFIX_LEN + 1);
	CHECK(copy != NULL);
	memcpy(copy, buf + OAI_PREFIX_LEN, len - OAI_PREFIX_LEN);
	rc = oai_decode(&m, copy, len - OAI_PREFIX_LEN);
	/* A raw value may carry separators on purpose; anything else must decode. */
	if (!raw) {
		CHECK(rc == OAI_OK);
		CHECK(oai_msg_kind(&m) == (kind == 0 ? OAI_KIND_EVENT : kind == 1 ?
		    OAI_KIND_COMMAND : OAI_KIND_CONFIRM));
		CHECK(kind == 0 ? (int)oai_msg_event(&m) == code : (int)oai_msg_cmd(&m) == code);
	}
	free(copy);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[4] = { 0, 16, 200, 4096 };
	struct oai_reader r;
	unsigned seed;
	size_t off = 2;

	if (size < 2)
		return 0;
	if (data[0] & 0x80) {
		if (size >= 4)
			builder_ops(data, size);
		return 0;
	}
	seed = data[1];
	full_sweep = true;
	if (oai_reader_init(&r, maxes[data[0] & 3]) != OAI_OK)
		abort();
	while (off < size) {
		size_t chunk = 1 + (seed = seed * 1103515245u + 12345u) % 64, used;
		struct oai_frame f;
		int rc;

		if (chunk > size - off)
			chunk = size - off;
		for (size_t done = 0; done < chunk; done += used) {
			rc = oai_reader_feed(&r, data + off + done, chunk - done, &used, &f);
			if (rc < 0) {
				size_t u2;

				CHECK(oai_err_fatal(rc));
				CHECK(oai_reader_error(&r)[0] != '\0');
				/* Nothing more until reset. */
				CHECK(oai_reader_feed(&r, data, size, &u2, &f) == rc && u2 == 0);
				oai_reader_reset(&r);
				used = chunk - done;
				continue;
			}
			CHECK(used <= chunk - done);
			if (rc == 1) {
				CHECK(f.len > 0 && f.data[f.len] == '\0');
				one_frame(f.data, f.len);
			} else {
				CHECK(used == chunk - done);
			}
		}
		off += chunk;
	}
	oai_reader_fini(&r);
	return 0;
}
