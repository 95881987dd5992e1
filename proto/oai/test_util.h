/*
 * test_util.h - helpers shared by the proto/oai unit tests (a header, so that they never end
 * up in liboai.a).  Include after <cmocka.h>.
 */
#ifndef OAI_TEST_UTIL_H
#define OAI_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oai.h"

/* Decodes text (a C string, terminator included or not) into m, using buf as the frame. */
static inline int
t_decode(struct oai_msg *m, char *buf, size_t cap, const char *text)
{
	size_t n = strlen(text);

	assert_true(n + 1 <= cap);
	memcpy(buf, text, n + 1);
	return oai_decode(m, buf, n);
}

/* Like t_decode, but the message must decode. */
static inline void
t_decode_ok(struct oai_msg *m, char *buf, size_t cap, const char *text)
{
	int rc = t_decode(m, buf, cap, text);

	if (rc != OAI_OK)
		fail_msg("decoding \"%s\": %s: %s", text, oai_err_name(rc), oai_msg_error(m));
}

/* Finishes a builder and checks the frame: prefix, text, then the expected terminator. */
static inline void
t_finish_is(struct oai_build *b, const char *text)
{
	size_t len, n = strlen(text);
	const unsigned char *p;
	int rc = oai_build_finish(b, &len);
	bool cmd = b->b_kind == OAI_KIND_COMMAND;
	size_t tl = cmd ? 1 : 2;

	if (rc != OAI_OK)
		fail_msg("building \"%s\": %s: %s", text, oai_err_name(rc), oai_build_error(b));
	p = (const unsigned char *)b->b_buf;
	if (len != OAI_PREFIX_LEN + n + tl || memcmp(p + OAI_PREFIX_LEN, text, n) != 0)
		fail_msg("built \"%.*s\", expected \"%s\"", (int)(len - OAI_PREFIX_LEN - tl),
		    (const char *)p + OAI_PREFIX_LEN, text);
	assert_int_equal(p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24, n + tl);
	assert_int_equal(p[OAI_PREFIX_LEN + n], '\r');
	if (!cmd)
		assert_int_equal(p[OAI_PREFIX_LEN + n + 1], '\n');
}

/* Re-encodes a decoded message and checks the text. */
static inline void
t_copy_is(const struct oai_msg *m, const char *text)
{
	static char out[70000];
	struct oai_build b;

	oai_build_copy(&b, out, sizeof(out), m);
	t_finish_is(&b, text);
}

/* Decodes text, re-encodes it with oai_build_copy and expects the very same text. */
static inline void
t_same_after_copy(const char *text)
{
	static char buf[70000];
	struct oai_msg m;

	t_decode_ok(&m, buf, sizeof(buf), text);
	t_copy_is(&m, text);
}

#define assert_field(m, f, s) assert_string_equal(oai_msg_str((m), (f)), (s))

static inline long
t_int(const struct oai_msg *m, enum oai_field f)
{
	long v = -1;
	int rc = oai_msg_int(m, f, &v);

	if (rc != OAI_OK)
		fail_msg("%s: %s", oai_field_name(f), oai_err_name(rc));
	return v;
}

#endif
