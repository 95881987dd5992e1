/*
 * frame.c - the OAI byte stream: length-prefixed frames (oai.md 1.1) and the login frame
 * (oai.md 2.1).
 *
 * A frame is a 4-byte little-endian length, then exactly that many bytes.  The reader is a
 * buffer and a length (nng RATIONALE): it copies each frame into one buffer allocated at init,
 * so a frame is contiguous and writable for the in-place decoder whatever the TCP segmentation
 * was, and no input can make it allocate.  The prefix itself may arrive split across reads.
 *
 * Never split the stream on line endings: 0x0D and 0x0A occur inside length prefixes.  Once
 * the reader has seen a bad prefix it refuses everything until oai_reader_reset, because the
 * frame boundaries are lost and nothing after them can be trusted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oai_impl.h"

int
oai_reader_init(struct oai_reader *r, size_t max_frame)
{
	memset(r, 0, sizeof(*r));
	if (max_frame == 0)
		max_frame = OAI_FRAME_MAX_DEFAULT;
	/* The prefix is 32 bits; the +1 below is the decoder's terminating NUL. */
	if (max_frame > UINT32_MAX)
		return OAI_EINVAL;
	if ((r->r_buf = malloc(max_frame + 1)) == NULL)
		return OAI_ENOMEM;
	r->r_max = max_frame;
	return OAI_OK;
}

void
oai_reader_fini(struct oai_reader *r)
{
	free(r->r_buf);
	r->r_buf = NULL;
}

void
oai_reader_reset(struct oai_reader *r)
{
	r->r_npre = 0;
	r->r_need = r->r_have = 0;
	r->r_err = OAI_OK;
	r->r_errmsg[0] = '\0';
}

const char *
oai_reader_error(const struct oai_reader *r)
{
	return r->r_errmsg[0] != '\0' ? r->r_errmsg : oai_strerror(r->r_err);
}

static int
reader_fail(struct oai_reader *r, int err, uint32_t n)
{
	const unsigned char *p = r->r_pre;

	r->r_err = err;
	if (err == OAI_EEMPTY)
		snprintf(r->r_errmsg, sizeof(r->r_errmsg),
		    "zero-length frame (prefix 00 00 00 00)");
	else
		snprintf(r->r_errmsg, sizeof(r->r_errmsg),
		    "length prefix %lu (%02x %02x %02x %02x) over the maximum %zu",
		    (unsigned long)n, p[0], p[1], p[2], p[3], r->r_max);
	return err;
}

int
oai_reader_feed(struct oai_reader *r, const void *data, size_t len, size_t *used,
    struct oai_frame *frame)
{
	const unsigned char *in = data;
	size_t off = 0;

	*used = 0;
	if (r->r_err != OAI_OK)
		return r->r_err;
	if (r->r_buf == NULL)
		return OAI_EINVAL;
	while (off < len) {
		if (r->r_npre < OAI_PREFIX_LEN) {
			uint32_t n;

			r->r_pre[r->r_npre++] = in[off++];
			if (r->r_npre < OAI_PREFIX_LEN)
				continue;
			n = (uint32_t)r->r_pre[0] | (uint32_t)r->r_pre[1] << 8 |
			    (uint32_t)r->r_pre[2] << 16 | (uint32_t)r->r_pre[3] << 24;
			*used = off;
			if (n == 0)
				return reader_fail(r, OAI_EEMPTY, n);
			if (n > r->r_max)
				return reader_fail(r, OAI_ETOOBIG, n);
			r->r_need = n;
			r->r_have = 0;
			continue;
		}
		size_t take = r->r_need - r->r_have;

		if (take > len - off)
			take = len - off;
		memcpy(r->r_buf + r->r_have, in + off, take);
		r->r_have += take;
		off += take;
		if (r->r_have == r->r_need) {
			r->r_buf[r->r_need] = '\0';
			frame->data = r->r_buf;
			frame->len = r->r_need;
			r->r_npre = 0;
			*used = off;
			return 1;
		}
	}
	*used = off;
	return 0;
}

static void
put_le32(unsigned char *p, size_t n)
{
	p[0] = (unsigned char)(n & 0xff);
	p[1] = (unsigned char)((n >> 8) & 0xff);
	p[2] = (unsigned char)((n >> 16) & 0xff);
	p[3] = (unsigned char)((n >> 24) & 0xff);
}

int
oai_frame_write(void *out, size_t cap, const void *text, size_t len, enum oai_term term,
    size_t *outlen)
{
	size_t tl = term == OAI_TERM_CRLF ? 2 : term == OAI_TERM_CR ? 1 : 0;
	unsigned char *p = out;

	if (len > UINT32_MAX - tl)
		return OAI_EINVAL;
	if (cap < OAI_PREFIX_LEN || cap - OAI_PREFIX_LEN < len + tl)
		return OAI_ENOSPC;
	put_le32(p, len + tl);
	/* memmove: builders pass text that already sits in out, just after the prefix. */
	memmove(p + OAI_PREFIX_LEN, text, len);
	if (tl > 0)
		p[OAI_PREFIX_LEN + len] = '\r';
	if (tl > 1)
		p[OAI_PREFIX_LEN + len + 1] = '\n';
	*outlen = OAI_PREFIX_LEN + len + tl;
	return OAI_OK;
}

/* ---- login frame (oai.md 2.1): [len] [type] password NUL app NUL, no CR ----------------- */

int
oai_login_encode(void *out, size_t cap, unsigned type, const char *password,
    const char *app, size_t *outlen)
{
	unsigned char *p = out;
	size_t pl, al, n;

	if (type != OAI_LOGIN_OAI && type != OAI_LOGIN_SMDR)
		return OAI_EINVAL;
	pl = password != NULL ? strlen(password) : 0;
	al = app != NULL ? strlen(app) : 0;
	n = 1 + pl + 1 + al + 1;
	if (n > UINT32_MAX)
		return OAI_EINVAL;
	if (cap < OAI_PREFIX_LEN || cap - OAI_PREFIX_LEN < n)
		return OAI_ENOSPC;
	put_le32(p, n);
	p += OAI_PREFIX_LEN;
	*p++ = (unsigned char)type;
	if (pl > 0)
		memcpy(p, password, pl);
	p[pl] = '\0';
	p += pl + 1;
	if (al > 0)
		memcpy(p, app, al);
	p[al] = '\0';
	*outlen = OAI_PREFIX_LEN + n;
	return OAI_OK;
}

int
oai_login_decode(struct oai_login *login, const char *frame, size_t len, char *err,
    size_t errlen)
{
	const char *pw, *app, *z1, *z2;
	unsigned type;

	if (errlen > 0)
		err[0] = '\0';
	if (len < 3) {
		snprintf(err, errlen, "login frame of %zu bytes; at least 3 expected", len);
		return OAI_ELOGIN;
	}
	type = (unsigned char)frame[0];
	if (type != OAI_LOGIN_OAI && type != OAI_LOGIN_SMDR) {
		snprintf(err, errlen, "login type 0x%02x is neither 0x87 (OAI) nor 0x84 (SMDR)",
		    type);
		return OAI_ELOGIN;
	}
	pw = frame + 1;
	if ((z1 = memchr(pw, '\0', len - 1)) == NULL) {
		snprintf(err, errlen, "login password is not NUL-terminated");
		return OAI_ELOGIN;
	}
	app = z1 + 1;
	if ((z2 = memchr(app, '\0', (size_t)(frame + len - app))) == NULL) {
		snprintf(err, errlen, "login application name is not NUL-terminated");
		return OAI_ELOGIN;
	}
	if (z2 != frame + len - 1) {
		snprintf(err, errlen, "%zu bytes after the login application name",
		    (size_t)(frame + len - 1 - z2));
		return OAI_ELOGIN;
	}
	login->type = type;
	login->password = pw;
	login->app = app;
	return OAI_OK;
}

unsigned
oai_seq_next(unsigned seq)
{
	return (seq + 1) % 1000;
}
