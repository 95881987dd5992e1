/*
 * codec_test.c - G.729 and G.722 through the recorder's decoder (codec.c), end to end: a
 * speech-band tone encoded by the reference encoders (bcg729's, spandsp's), cut into RTP
 * payloads as a phone would send them, decoded by rec_dec_decode, must come back as the same
 * tone (best-lag correlation), with the sample counts the RTP clock implies.  Also the
 * payload-type table: the receiver's rtpmap wins over the sender's and the static types.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcg729/encoder.h>
#include <cmocka.h>
#include <spandsp.h>

#include "rec.h"

enum { N = 8000 };

static int16_t tone[N], out[N + 160];

static void
make_tone(void)
{
	for (int i = 0; i < N; i++)
		tone[i] = (int16_t)(6000 * sin(2 * M_PI * 400 * i / 8000.0) +
		    3000 * sin(2 * M_PI * 1100 * i / 8000.0));
}

/* Highest normalised correlation between out and tone over lags 0..max_lag. */
static double
best_corr(const int16_t *got, int n, int max_lag)
{
	double best = -1;
	for (int lag = 0; lag <= max_lag; lag++) {
		double xy = 0, xx = 0, yy = 0;
		for (int i = 1000; i < n - max_lag; i++) {
			xy += (double)tone[i] * got[i + lag];
			xx += (double)tone[i] * tone[i];
			yy += (double)got[i + lag] * got[i + lag];
		}
		double c = xy / sqrt(xx * yy + 1);
		if (c > best)
			best = c;
	}
	return best;
}

static void
test_g729(void **state)
{
	(void)state;
	make_tone();
	bcg729EncoderChannelContextStruct *enc = initBcg729EncoderChannel(0);
	struct rec_dec *d = rec_dec_new();
	int w = 0;
	/* 20 ms payloads: two 10-byte frames each */
	for (int p = 0; p + 160 <= N; p += 160) {
		uint8_t pl[20];
		uint8_t len = 0, len2 = 0;
		bcg729Encoder(enc, tone + p, pl, &len);
		bcg729Encoder(enc, tone + p + 80, pl + 10, &len2);
		assert_int_equal(len, 10);
		assert_int_equal(len2, 10);
		size_t n = rec_dec_decode(d, REC_CODEC_G729, pl, 20, out + w, 160);
		assert_int_equal(n, 160);
		w += (int)n;
	}
	closeBcg729EncoderChannel(enc);
	rec_dec_free(d);
	double c = best_corr(out, w, 80);
	print_message("G.729 round trip: correlation %.3f\n", c);
	assert_true(c > 0.8);
}

static void
test_g722(void **state)
{
	(void)state;
	make_tone();
	g722_encode_state_t *enc = g722_encode_init(NULL, 64000, G722_SAMPLE_RATE_8000);
	struct rec_dec *d = rec_dec_new();
	int w = 0;
	for (int p = 0; p + 160 <= N; p += 160) {
		uint8_t pl[160];
		int len = g722_encode(enc, pl, tone + p, 160);
		assert_int_equal(len, 160); /* 20 ms at 64 kb/s */
		size_t n = rec_dec_decode(d, REC_CODEC_G722, pl, (size_t)len, out + w, 160);
		assert_int_equal(n, 160);
		w += (int)n;
	}
	g722_encode_free(enc);
	rec_dec_free(d);
	double c = best_corr(out, w, 80);
	print_message("G.722 round trip: correlation %.3f\n", c);
	assert_true(c > 0.9);
}

static void
test_payload_types(void **state)
{
	(void)state;
	struct rec_sdp rx = { 0 }, tx = { 0 };
	rx.nmap = 1;
	rx.map[0] = (struct rec_sdp_map){ .pt = 96, .enc = "G729", .rate = 8000 };
	tx.nmap = 2;
	tx.map[0] = (struct rec_sdp_map){ .pt = 96, .enc = "PCMU", .rate = 8000 };
	tx.map[1] = (struct rec_sdp_map){ .pt = 97, .enc = "telephone-event", .rate = 8000 };
	assert_int_equal(rec_codec_of(96, &rx, &tx), REC_CODEC_G729);
	assert_int_equal(rec_codec_of(97, &rx, &tx), REC_CODEC_TEL_EVENT);
	assert_int_equal(rec_codec_of(8, &rx, &tx), REC_CODEC_PCMA);
	assert_int_equal(rec_codec_of(0, NULL, NULL), REC_CODEC_PCMU);
	assert_int_equal(rec_codec_of(13, NULL, NULL), REC_CODEC_CN);
	assert_int_equal(rec_codec_of(98, &rx, &tx), REC_CODEC_UNKNOWN);
	assert_string_equal(rec_codec_name(REC_CODEC_G722), "G722");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g729),
		cmocka_unit_test(test_g722),
		cmocka_unit_test(test_payload_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
