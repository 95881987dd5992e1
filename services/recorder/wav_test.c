/*
 * wav_test.c - the writers and the mixer: the PCM WAV header byte for byte, a PCM file read
 * back, a GSM 06.10 WAV's header and its audio decoded again with libgsm (SNR of a tone),
 * the Ogg/Opus file's pages, and the mixer's saturation, channel layout, silence fill and
 * dropping of audio that was already written.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsm.h>

#include "rec.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)sz + 1);
	assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static void
tmpname(char *buf, size_t n, const char *ext)
{
	snprintf(buf, n, "/tmp/rec_wav_test_%d.%s", (int)getpid(), ext);
}

static void
test_pcm_header(void **state)
{
	(void)state;
	static const uint8_t want[44] = {
		'R', 'I', 'F', 'F', 0x24 + 0x40, 0x1f, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 2, 0,
		0x40, 0x1f, 0, 0, 0x00, 0x7d, 0, 0, 4, 0, 16, 0,
		'd', 'a', 't', 'a', 0x40, 0x1f, 0, 0,
	};
	uint8_t h[44];
	rec_wav_pcm_header(h, 2, 2000); /* 2000 frames * 4 bytes = 8000 = 0x1f40 */
	assert_memory_equal(h, want, 44);
}

static void
test_pcm_file(void **state)
{
	(void)state;
	char path[128];
	tmpname(path, sizeof(path), "wav");
	struct rec_out o = { .ops = rec_out_find("wav"), .channels = 1 };
	assert_non_null(o.ops);
	assert_int_equal(o.ops->open(&o, path), 0);
	int16_t pcm[1000];
	for (int i = 0; i < 1000; i++)
		pcm[i] = (int16_t)(i * 65 - 32000);
	assert_int_equal(o.ops->write(&o, pcm, 600), 0);
	assert_int_equal(o.ops->write(&o, pcm + 600, 400), 0);
	assert_int_equal(o.ops->close(&o), 0);
	size_t n;
	uint8_t *b = slurp(path, &n);
	assert_int_equal(n, 44 + 2000);
	uint8_t h[44];
	rec_wav_pcm_header(h, 1, 1000);
	assert_memory_equal(b, h, 44);
	for (int i = 0; i < 1000; i++)
		assert_int_equal((int16_t)rd16(b + 44 + 2 * i), pcm[i]);
	free(b);
	unlink(path);
}

static void
test_gsm_file(void **state)
{
	(void)state;
	char path[128];
	tmpname(path, sizeof(path), "gsm.wav");
	struct rec_out o = { .ops = rec_out_find("gsm"), .channels = 1 };
	assert_int_equal(o.ops->max_channels, 1);
	assert_int_equal(o.ops->open(&o, path), 0);
	enum { N = 8000 + 123 }; /* not a whole block: the last one is padded */
	static int16_t pcm[N];
	for (int i = 0; i < N; i++)
		pcm[i] = (int16_t)(8000 * sin(2 * M_PI * 440 * i / 8000.0));
	assert_int_equal(o.ops->write(&o, pcm, N), 0);
	assert_int_equal(o.ops->close(&o), 0);
	size_t n;
	uint8_t *b = slurp(path, &n);
	size_t blocks = (N + 319) / 320;
	assert_memory_equal(b, "RIFF", 4);
	assert_memory_equal(b + 8, "WAVEfmt ", 8);
	assert_int_equal(rd32(b + 16), 20);
	assert_int_equal(rd16(b + 20), 0x31);
	assert_int_equal(rd16(b + 22), 1);
	assert_int_equal(rd32(b + 24), 8000);
	assert_int_equal(rd32(b + 28), 1625);
	assert_int_equal(rd16(b + 32), 65);
	assert_int_equal(rd16(b + 38), 320);
	assert_memory_equal(b + 40, "fact", 4);
	assert_int_equal(rd32(b + 48), N);
	assert_memory_equal(b + 52, "data", 4);
	assert_int_equal(rd32(b + 56), blocks * 65);
	size_t padded = blocks * 65 + (blocks & 1);
	assert_int_equal(n, 60 + padded);
	assert_int_equal(rd32(b + 4), n - 8);

	/* Decode it back (WAV49 frames alternate 32 and 33 bytes) and measure the tone. */
	gsm g = gsm_create();
	int one = 1;
	gsm_option(g, GSM_OPT_WAV49, &one);
	static int16_t out[26 * 320];
	assert_true(blocks * 320 <= sizeof(out) / sizeof(out[0]));
	for (size_t k = 0; k < blocks; k++) {
		uint8_t *blk = b + 60 + k * 65;
		assert_int_equal(gsm_decode(g, blk, out + k * 320), 0);
		assert_int_equal(gsm_decode(g, blk + 33, out + k * 320 + 160), 0);
	}
	gsm_destroy(g);
	/* Best alignment within a few samples, then SNR over the steady part. */
	double best = -1e9;
	for (int lag = 0; lag < 8; lag++) {
		double sig = 0, err = 0;
		for (int i = 800; i < 7800; i++) {
			double d = out[i + lag] - pcm[i];
			sig += (double)pcm[i] * pcm[i];
			err += d * d;
		}
		double snr = 10 * log10(sig / (err + 1));
		if (snr > best)
			best = snr;
	}
	print_message("GSM 06.10 round trip of a 440 Hz tone: SNR %.1f dB\n", best);
	assert_true(best > 8.0);
	free(b);
	unlink(path);
}

static void
test_opus_file(void **state)
{
	(void)state;
	char path[128];
	tmpname(path, sizeof(path), "opus");
	struct rec_out o = { .ops = rec_out_find("opus"), .channels = 2 };
	assert_int_equal(o.ops->open(&o, path), 0);
	static int16_t pcm[2 * 16000];
	for (int i = 0; i < 16000; i++)
		pcm[2 * i] = pcm[2 * i + 1] = (int16_t)(8000 * sin(2 * M_PI * 300 * i / 8000.0));
	assert_int_equal(o.ops->write(&o, pcm, 16000), 0);
	assert_int_equal(o.ops->close(&o), 0);
	size_t n;
	uint8_t *b = slurp(path, &n);
	assert_true(n > 100);
	assert_memory_equal(b, "OggS", 4);
	assert_memory_equal(b + 28, "OpusHead", 8);
	assert_int_equal(b[37], 2);                 /* channels */
	assert_int_equal(rd32(b + 40), 8000);       /* input sample rate */
	/* The last page's granule position = pre-skip + 2 s at 48 kHz. */
	size_t last = 0;
	for (size_t i = 0; i + 4 <= n; i++)
		if (memcmp(b + i, "OggS", 4) == 0)
			last = i;
	uint64_t gp = 0;
	for (int i = 7; i >= 0; i--)
		gp = gp << 8 | b[last + 6 + (size_t)i];
	unsigned preskip = rd16(b + 38);
	assert_int_equal(gp - preskip, 96000);
	free(b);
	unlink(path);
}

struct cap {
	int16_t buf[1 << 18];
	size_t frames;
};

static int
cap_write(struct rec_out *o, const int16_t *pcm, size_t frames)
{
	struct cap *c = o->priv;
	size_t n = frames * (size_t)o->channels;
	memcpy(c->buf + c->frames * (size_t)o->channels, pcm, n * sizeof(int16_t));
	c->frames += frames;
	return 0;
}

static const struct rec_out_ops cap_ops = { .name = "cap", .write = cap_write };

static void
test_mix(void **state)
{
	(void)state;
	static struct cap cap;
	struct rec_out o = { .ops = &cap_ops, .channels = 1, .priv = &cap };
	struct rec_mix m;
	cap.frames = 0;
	assert_int_equal(rec_mix_init(&m, 1, &o), 0);
	int16_t a[4] = { 30000, 100, -30000, 30000 }, b[4] = { -10000, 10000, -10000, 6 };
	rec_mix_put(&m, 0, 10, a, 4);
	rec_mix_put(&m, 1, 12, b, 4);
	assert_int_equal(m.hi, 16);
	assert_int_equal(rec_mix_flush_to(&m, m.hi), 0);
	assert_int_equal(cap.frames, 16);
	for (int i = 0; i < 10; i++)
		assert_int_equal(cap.buf[i], 0); /* silence before */
	static const int16_t want[6] = { 30000, 100, -32768, 32767, -10000, 6 };
	assert_memory_equal(cap.buf + 10, want, sizeof(want));
	rec_mix_fini(&m);
}

static void
test_mix_layout(void **state)
{
	(void)state;
	static struct cap cap;
	struct rec_out o = { .ops = &cap_ops, .channels = 2, .priv = &cap };
	struct rec_mix m;
	cap.frames = 0;
	assert_int_equal(rec_mix_init(&m, 2, &o), 0);
	int16_t a[2] = { 1, 2 }, b[2] = { -1, -2 };
	rec_mix_put(&m, 0, 0, a, 2);
	rec_mix_put(&m, 1, 1, b, 2);
	rec_mix_flush_to(&m, 3);
	assert_int_equal(cap.frames, 3);
	int16_t want[6] = { 1, 0, 2, -1, 0, -2 };
	assert_memory_equal(cap.buf, want, sizeof(want));
	/* Audio for what was written already is dropped and counted. */
	assert_int_equal(rec_mix_put(&m, 0, 1, a, 2), 2);
	assert_int_equal(rec_mix_put(&m, 0, 2, a, 2), 1);
	/* A write far ahead pushes out the oldest audio first (the ring is bounded). */
	int16_t big[160];
	memset(big, 0x11, sizeof(big));
	rec_mix_put(&m, 1, REC_MIX_RING + 1000, big, 160);
	assert_true(m.flushed >= 1000 + 160);
	rec_mix_flush_to(&m, m.hi);
	assert_int_equal(cap.frames, REC_MIX_RING + 1160);
	assert_int_equal(cap.buf[2 * 3], 2);           /* the accepted sample at 3 */
	assert_int_equal(cap.buf[2 * (REC_MIX_RING + 1000) + 1], 0x1111);
	rec_mix_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcm_header),
		cmocka_unit_test(test_pcm_file),
		cmocka_unit_test(test_gsm_file),
		cmocka_unit_test(test_opus_file),
		cmocka_unit_test(test_mix),
		cmocka_unit_test(test_mix_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
