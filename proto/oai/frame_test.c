/*
 * frame_test.c - the byte stream (frame.c): length prefixes split anywhere, several frames in
 * one read, oversize and zero-length frames, the frame writer and the login frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

/* The server side of oai.md 7.1: RS, RD and the _NA CF, as sent. */
static const unsigned char stream71[] = {
	0x34, 0x00, 0x00, 0x00, '0', '0', '0', ',', 'R', 'S', ',', '0', ',', '0', '2', ':', '0',
	'4', ',', '0', '7', '0', '5', '1', '5', ',', 'V', '1', '0', '.', '2', '0', ',', 'V', '6',
	'.', '0', '.', '1', '1', '.', '1', '1', '3', ',', '3', ',', '0', ',', '1', ',', '3', ',',
	'1', 0x0d, 0x0a,
	0x0b, 0x00, 0x00, 0x00, '0', '0', '1', ',', 'R', 'D', ',', '0', ',', 0x0d, 0x0a,
	0x12, 0x00, 0x00, 0x00, '0', '0', '2', ',', 'C', 'F', ',', '_', 'N', 'A', ',', '1', ',',
	'0', ',', '1', 0x0d, 0x0a,
};

static const char *const texts71[] = {
	"000,RS,0,02:04,070515,V10.20,V6.0.11.113,3,0,1,3,1\r\n",
	"001,RD,0,\r\n",
	"002,CF,_NA,1,0,1\r\n",
};

/* Feeds data in pieces cut at the given offsets; returns the number of frames seen. */
static int
feed_cut(struct oai_reader *r, const unsigned char *data, size_t len, const size_t *cuts,
    size_t ncut)
{
	size_t from = 0;
	int nframes = 0;

	for (size_t c = 0; c <= ncut; c++) {
		size_t to = c < ncut ? cuts[c] : len, off = from;

		while (off < to) {
			struct oai_frame f;
			size_t used;
			int rc = oai_reader_feed(r, data + off, to - off, &used, &f);

			assert_true(rc >= 0);
			assert_true(used <= to - off);
			off += used;
			if (rc == 1) {
				assert_true(nframes < 3);
				assert_int_equal(f.len, strlen(texts71[nframes]));
				assert_memory_equal(f.data, texts71[nframes], f.len);
				assert_int_equal(f.data[f.len], '\0');
				nframes++;
			} else {
				assert_int_equal(off, to);
			}
		}
		from = to;
	}
	return nframes;
}

static void
test_prefix_split_at_every_byte(void **state)
{
	struct oai_reader r;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	for (size_t cut = 0; cut <= sizeof(stream71); cut++)
		assert_int_equal(feed_cut(&r, stream71, sizeof(stream71), &cut, 1), 3);
	oai_reader_fini(&r);
}

static void
test_two_cuts_anywhere(void **state)
{
	struct oai_reader r;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	for (size_t a = 0; a <= sizeof(stream71); a++)
		for (size_t b = a; b <= sizeof(stream71); b++) {
			size_t cuts[2] = { a, b };

			assert_int_equal(feed_cut(&r, stream71, sizeof(stream71), cuts, 2), 3);
		}
	oai_reader_fini(&r);
}

static void
test_one_byte_at_a_time(void **state)
{
	struct oai_reader r;
	size_t cuts[sizeof(stream71)];

	(void)state;
	for (size_t i = 0; i < sizeof(stream71); i++)
		cuts[i] = i;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(feed_cut(&r, stream71, sizeof(stream71), cuts, sizeof(stream71)), 3);
	oai_reader_fini(&r);
}

static void
test_several_frames_in_one_read(void **state)
{
	struct oai_reader r;
	struct oai_frame f;
	size_t used, off = 0;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(oai_reader_feed(&r, stream71 + off, sizeof(stream71) - off,
		    &used, &f), 1);
		assert_memory_equal(f.data, texts71[i], f.len);
		off += used;
	}
	assert_int_equal(off, sizeof(stream71));
	assert_int_equal(oai_reader_feed(&r, stream71 + off, 0, &used, &f), 0);
	assert_int_equal(used, 0);
	oai_reader_fini(&r);
}

/* 0x0d and 0x0a inside a prefix are lengths, never line ends (oai.md 1.1). */
static void
test_cr_lf_bytes_in_prefix(void **state)
{
	unsigned char in[64];
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	/* A 13-byte frame (prefix 0d), then a 10-byte one (prefix 0a). */
	in[0] = 0x0d, in[1] = 0, in[2] = 0, in[3] = 0;
	memcpy(in + 4, "001,RD,0,12\r\n", 13);
	in[17] = 0x0a, in[18] = 0, in[19] = 0, in[20] = 0;
	memcpy(in + 21, "002,RD,0,\r", 10);
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, in, 31, &used, &f), 1);
	assert_int_equal(f.len, 13);
	assert_memory_equal(f.data, "001,RD,0,12\r\n", 13);
	assert_int_equal(oai_reader_feed(&r, in + used, 31 - used, &used, &f), 1);
	assert_int_equal(f.len, 10);
	assert_memory_equal(f.data, "002,RD,0,\r", 10);
	oai_reader_fini(&r);
}

static void
test_oversize_frame(void **state)
{
	static const unsigned char in[] = { 65, 0, 0, 0, 'x' };
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 64), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, in, sizeof(in), &used, &f), OAI_ETOOBIG);
	assert_int_equal(used, 4);
	assert_true(oai_err_fatal(OAI_ETOOBIG));
	assert_string_equal(oai_reader_error(&r),
	    "length prefix 65 (41 00 00 00) over the maximum 64");
	/* Sticky until reset: nothing after a bad prefix can be trusted. */
	assert_int_equal(oai_reader_feed(&r, stream71, sizeof(stream71), &used, &f), OAI_ETOOBIG);
	assert_int_equal(used, 0);
	oai_reader_reset(&r);
	assert_int_equal(oai_reader_feed(&r, stream71 + 56, 15, &used, &f), 1);
	assert_memory_equal(f.data, "001,RD,0,\r\n", 11);
	oai_reader_fini(&r);
}

/* A stream that lost its framing shows up as text read as a length. */
static void
test_text_without_prefix_is_oversize(void **state)
{
	static const char in[] = "001,RD,0,\r\n";
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, in, strlen(in), &used, &f), OAI_ETOOBIG);
	assert_non_null(strstr(oai_reader_error(&r), "(30 30 31 2c)"));
	oai_reader_fini(&r);
}

static void
test_default_maximum_is_64k(void **state)
{
	static char big[OAI_FRAME_MAX_DEFAULT + 8];
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(r.r_max, 65536);
	memset(big, 'A', sizeof(big));
	big[0] = 0, big[1] = 0, big[2] = 1, big[3] = 0;		/* exactly 65536 */
	assert_int_equal(oai_reader_feed(&r, big, 4 + 65536, &used, &f), 1);
	assert_int_equal(f.len, 65536);
	big[0] = 1;						/* 65537 */
	assert_int_equal(oai_reader_feed(&r, big, 4, &used, &f), OAI_ETOOBIG);
	oai_reader_fini(&r);
}

static void
test_configurable_maximum(void **state)
{
	static const unsigned char ok[] = { 3, 0, 0, 0, 'a', 'b', 'c' };
	static const unsigned char bad[] = { 4, 0, 0, 0 };
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 3), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, ok, sizeof(ok), &used, &f), 1);
	assert_int_equal(oai_reader_feed(&r, bad, sizeof(bad), &used, &f), OAI_ETOOBIG);
	oai_reader_fini(&r);
}

static void
test_zero_length_frame(void **state)
{
	static const unsigned char in[] = { 0, 0, 0, 0, 11, 0, 0, 0 };
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, in, sizeof(in), &used, &f), OAI_EEMPTY);
	assert_int_equal(used, 4);
	assert_true(oai_err_fatal(OAI_EEMPTY));
	assert_string_equal(oai_reader_error(&r), "zero-length frame (prefix 00 00 00 00)");
	oai_reader_fini(&r);
}

static void
test_partial_frame_then_reset(void **state)
{
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	(void)state;
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, stream71, 30, &used, &f), 0);
	assert_int_equal(used, 30);
	/* A new TCP session starts clean. */
	oai_reader_reset(&r);
	assert_int_equal(oai_reader_feed(&r, stream71 + 56, 15, &used, &f), 1);
	assert_memory_equal(f.data, "001,RD,0,\r\n", 11);
	oai_reader_fini(&r);
}

static void
test_frame_write_terminators(void **state)
{
	unsigned char out[32];
	size_t len;

	(void)state;
	assert_int_equal(oai_frame_write(out, sizeof(out), "_NO,10", 6, OAI_TERM_CR, &len),
	    OAI_OK);
	/* oai.md 1.1: "_NO,10" plus CR is 7 bytes, so the prefix is 07 00 00 00. */
	assert_int_equal(len, 11);
	assert_memory_equal(out, "\x07\x00\x00\x00_NO,10\r", 11);
	assert_int_equal(oai_frame_write(out, sizeof(out), "001,RD,0,", 9, OAI_TERM_CRLF, &len),
	    OAI_OK);
	assert_memory_equal(out, "\x0b\x00\x00\x00" "001,RD,0,\r\n", 15);
	assert_int_equal(oai_frame_write(out, sizeof(out), "x", 1, OAI_TERM_NONE, &len), OAI_OK);
	assert_memory_equal(out, "\x01\x00\x00\x00x", 5);
	assert_int_equal(oai_frame_write(out, 14, "001,RD,0,", 9, OAI_TERM_CRLF, &len),
	    OAI_ENOSPC);
	assert_int_equal(oai_frame_write(out, 3, "", 0, OAI_TERM_NONE, &len), OAI_ENOSPC);
}

/* oai.md 7.1, byte for byte. */
static void
test_login_frame_bytes(void **state)
{
	static const unsigned char empty[] = { 0x0c, 0x00, 0x00, 0x00, 0x87, 0x00, 0x43, 0x54,
		0x49, 0x53, 0x65, 0x72, 0x76, 0x65, 0x72, 0x00 };
	static const unsigned char secret[] = { 0x12, 0x00, 0x00, 0x00, 0x87, 0x73, 0x65, 0x63,
		0x72, 0x65, 0x74, 0x00, 0x43, 0x54, 0x49, 0x53, 0x65, 0x72, 0x76, 0x65, 0x72, 0x00
	};
	unsigned char out[64];
	size_t len;

	(void)state;
	assert_int_equal(oai_login_encode(out, sizeof(out), OAI_LOGIN_OAI, "", "CTIServer", &len),
	    OAI_OK);
	assert_int_equal(len, sizeof(empty));
	assert_memory_equal(out, empty, sizeof(empty));
	assert_int_equal(oai_login_encode(out, sizeof(out), OAI_LOGIN_OAI, NULL, "CTIServer",
	    &len), OAI_OK);
	assert_memory_equal(out, empty, sizeof(empty));
	assert_int_equal(oai_login_encode(out, sizeof(out), OAI_LOGIN_OAI, "secret", "CTIServer",
	    &len), OAI_OK);
	assert_int_equal(len, sizeof(secret));
	assert_memory_equal(out, secret, sizeof(secret));
	assert_int_equal(oai_login_encode(out, 15, OAI_LOGIN_OAI, "", "CTIServer", &len),
	    OAI_ENOSPC);
	assert_int_equal(oai_login_encode(out, sizeof(out), 0x42, "", "x", &len), OAI_EINVAL);
}

/* The PBX side reads the login frame through the same reader. */
static void
test_login_decode(void **state)
{
	unsigned char out[64];
	struct oai_reader r;
	struct oai_frame f;
	struct oai_login l;
	char err[128];
	size_t len, used;

	(void)state;
	assert_int_equal(oai_login_encode(out, sizeof(out), OAI_LOGIN_SMDR, "pw", "Recorder",
	    &len), OAI_OK);
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, out, len, &used, &f), 1);
	assert_int_equal(oai_login_decode(&l, f.data, f.len, err, sizeof(err)), OAI_OK);
	assert_int_equal(l.type, OAI_LOGIN_SMDR);
	assert_string_equal(l.password, "pw");
	assert_string_equal(l.app, "Recorder");
	assert_int_equal(oai_login_decode(&l, "\x87\0\0", 3, err, sizeof(err)), OAI_OK);
	assert_string_equal(l.password, "");
	assert_string_equal(l.app, "");
	oai_reader_fini(&r);
}

static void
test_login_decode_errors(void **state)
{
	struct oai_login l;
	char err[128];

	(void)state;
	assert_int_equal(oai_login_decode(&l, "\x87\0", 2, err, sizeof(err)), OAI_ELOGIN);
	assert_string_equal(err, "login frame of 2 bytes; at least 3 expected");
	assert_int_equal(oai_login_decode(&l, "_NO,1\r", 6, err, sizeof(err)), OAI_ELOGIN);
	assert_string_equal(err, "login type 0x5f is neither 0x87 (OAI) nor 0x84 (SMDR)");
	assert_int_equal(oai_login_decode(&l, "\x87pass", 5, err, sizeof(err)), OAI_ELOGIN);
	assert_string_equal(err, "login password is not NUL-terminated");
	assert_int_equal(oai_login_decode(&l, "\x87\0app", 5, err, sizeof(err)), OAI_ELOGIN);
	assert_string_equal(err, "login application name is not NUL-terminated");
	assert_int_equal(oai_login_decode(&l, "\x87\0app\0\r", 7, err, sizeof(err)), OAI_ELOGIN);
	assert_string_equal(err, "1 bytes after the login application name");
}

static void
test_seq_wraps_after_999(void **state)
{
	(void)state;
	assert_int_equal(oai_seq_next(0), 1);
	assert_int_equal(oai_seq_next(998), 999);
	assert_int_equal(oai_seq_next(999), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_split_at_every_byte),
		cmocka_unit_test(test_two_cuts_anywhere),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_several_frames_in_one_read),
		cmocka_unit_test(test_cr_lf_bytes_in_prefix),
		cmocka_unit_test(test_oversize_frame),
		cmocka_unit_test(test_text_without_prefix_is_oversize),
		cmocka_unit_test(test_default_maximum_is_64k),
		cmocka_unit_test(test_configurable_maximum),
		cmocka_unit_test(test_zero_length_frame),
		cmocka_unit_test(test_partial_frame_then_reset),
		cmocka_unit_test(test_frame_write_terminators),
		cmocka_unit_test(test_login_frame_bytes),
		cmocka_unit_test(test_login_decode),
		cmocka_unit_test(test_login_decode_errors),
		cmocka_unit_test(test_seq_wraps_after_999),
	};

	return cmocka_run_group_tests_name("oai frame", tests, NULL, NULL);
}
