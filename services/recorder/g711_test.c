/*
 * g711_test.c - G.711 against reference values (CPython's audioop, itself Sun's g711.c),
 * round trips over every code, and the error bound of encode over the whole 16-bit range;
 * and the decoder table path of codec.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "rec.h"

static const struct {
	uint8_t code;
	int16_t alaw, ulaw;
} dec_ref[] = {
	{ 0x00, -5504, -32124 }, { 0x55, -8, -716 }, { 0xd5, 8, 716 },
	{ 0x80, 5504, 32124 }, { 0x2a, -32256, -5372 }, { 0xaa, 32256, 5372 },
	{ 0xff, 848, 0 }, { 0x7f, -848, 0 }, { 0x01, -5248, -31100 }, { 0x13, -2880, -14460 },
};

static const struct {
	int16_t pcm;
	uint8_t alaw, ulaw;
} enc_ref[] = {
	{ 0, 0xd5, 0xff }, { 1, 0xd5, 0xff }, { -1, 0x55, 0x7e }, { 100, 0xd3, 0xf2 },
	{ -100, 0x53, 0x72 }, { 1000, 0xfa, 0xce }, { -1000, 0x7a, 0x4e },
	{ 32767, 0xaa, 0x80 }, { -32768, 0x2a, 0x00 }, { 12345, 0xbd, 0x97 },
	{ -4321, 0x05, 0x2e },
};

static void
test_reference_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dec_ref) / sizeof(dec_ref[0]); i++) {
		assert_int_equal(rec_alaw_decode(dec_ref[i].code), dec_ref[i].alaw);
		assert_int_equal(rec_ulaw_decode(dec_ref[i].code), dec_ref[i].ulaw);
	}
	for (size_t i = 0; i < sizeof(enc_ref) / sizeof(enc_ref[0]); i++) {
		assert_int_equal(rec_alaw_encode(enc_ref[i].pcm), enc_ref[i].alaw);
		assert_int_equal(rec_ulaw_encode(enc_ref[i].pcm), enc_ref[i].ulaw);
	}
}

static void
test_round_trips(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		assert_int_equal(rec_alaw_encode(rec_alaw_decode((uint8_t)c)), c);
		if (c != 0x7f) /* µ-law has two zeros; encoding 0 gives +0 (0xff) */
			assert_int_equal(rec_ulaw_encode(rec_ulaw_decode((uint8_t)c)), c);
	}
	/* decode(encode(x)) is monotonic in x and within a step of x (steps double per
	 * segment: at most 1024 for A-law, 1024 + bias for µ-law at the top). */
	int prev_a = -32768, prev_u = -32768;
	for (int x = -32768; x <= 32767; x++) {
		int a = rec_alaw_decode(rec_alaw_encode((int16_t)x));
		int u = rec_ulaw_decode(rec_ulaw_encode((int16_t)x));
		assert_true(a >= prev_a);
		assert_true(u >= prev_u);
		assert_true(abs(a - x) <= 1024);
		assert_true(abs(u - x) <= 1200);
		prev_a = a;
		prev_u = u;
	}
}

static void
test_decoder(void **state)
{
	(void)state;
	struct rec_dec *d = rec_dec_new();
	assert_non_null(d);
	uint8_t p[160];
	int16_t out[160];
	for (int i = 0; i < 160; i++)
		p[i] = (uint8_t)(i * 37);
	assert_int_equal(rec_dec_decode(d, REC_CODEC_PCMA, p, 160, out, 160), 160);
	for (int i = 0; i < 160; i++)
		assert_int_equal(out[i], rec_alaw_decode(p[i]));
	assert_int_equal(rec_dec_decode(d, REC_CODEC_PCMU, p, 160, out, 100), 100);
	assert_int_equal(out[99], rec_ulaw_decode(p[99]));
	/* G.729: 2 frames of 10 bytes -> 160 samples; G.722: 1 sample per byte at 8 kHz */
	assert_int_equal(rec_dec_decode(d, REC_CODEC_G729, p, 20, out, 160), 160);
	assert_int_equal(rec_dec_decode(d, REC_CODEC_G722, p, 160, out, 160), 160);
	assert_int_equal(rec_dec_decode(d, REC_CODEC_UNKNOWN, p, 160, out, 160), 0);
	rec_dec_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_values),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_decoder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
