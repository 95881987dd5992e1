/*
 * wav.c - the WAV writers: 16-bit PCM (WAVE_FORMAT_PCM) and GSM 06.10 (WAVE_FORMAT_GSM610,
 * the manual's stored format).
 *
 * Both write a header with zero sizes first, stream the data, and patch the sizes on close,
 * so a file cut short by a crash still has a valid layout up to its sizes.  GSM 06.10 WAV is
 * Microsoft's "WAV49" packing: libgsm with GSM_OPT_WAV49 encodes two 160-sample frames into
 * one 65-byte block (32 + 33 bytes), so a block carries 320 samples; the last block is padded
 * with silence and a fact chunk gives the true sample count.  GSM is mono only
 * (max_channels 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsm.h>

#include "rec.h"

static void
le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Sizes above 4 GiB cannot be expressed: they are clamped (a 2-channel call of 37 hours). */
static uint32_t
clamp32(uint64_t v)
{
	return v > 0xffffffffULL ? 0xffffffffU : (uint32_t)v;
}

void
rec_wav_pcm_header(uint8_t h[44], int channels, uint64_t frames)
{
	uint64_t data = frames * (uint64_t)channels * 2;
	memcpy(h, "RIFF", 4);
	le32(h + 4, clamp32(36 + data));
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, 1); /* WAVE_FORMAT_PCM */
	le16(h + 22, (unsigned)channels);
	le32(h + 24, REC_RATE);
	le32(h + 28, REC_RATE * 2 * (uint32_t)channels);
	le16(h + 32, 2 * (unsigned)channels);
	le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	le32(h + 40, clamp32(data));
}

struct wav {
	FILE *f;
	char iobuf[65536];
	/* GSM only */
	gsm g;
	gsm_signal pend[320];
	size_t npend;
	uint64_t bytes;
};

static int
wav_open_common(struct rec_out *o, const char *path)
{
	struct wav *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -1;
	w->f = fopen(path, "wb");
	if (w->f == NULL) {
		free(w);
		return -1;
	}
	setvbuf(w->f, w->iobuf, _IOFBF, sizeof(w->iobuf));
	o->priv = w;
	o->frames = 0;
	return 0;
}

static int
pcm_open(struct rec_out *o, const char *path)
{
	if (wav_open_common(o, path) != 0)
		return -1;
	uint8_t h[44];
	rec_wav_pcm_header(h, o->channels, 0);
	struct wav *w = o->priv;
	return fwrite(h, 44, 1, w->f) == 1 ? 0 : -1;
}

static int
pcm_write(struct rec_out *o, const int16_t *pcm, size_t frames)
{
	struct wav *w = o->priv;
	size_t n = frames * (size_t)o->channels;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (fwrite(pcm, sizeof(int16_t), n, w->f) != n)
		return -1;
#else
	for (size_t i = 0; i < n; i++) {
		uint8_t b[2];
		le16(b, (uint16_t)pcm[i]);
		if (fwrite(b, 2, 1, w->f) != 1)
			return -1;
	}
#endif
	o->frames += frames;
	return 0;
}

static int
finish(struct wav *w, int rc)
{
	if (fclose(w->f) != 0)
		rc = -1;
	if (w->g)
		gsm_destroy(w->g);
	free(w);
	return rc;
}

static int
pcm_close(struct rec_out *o)
{
	struct wav *w = o->priv;
	o->priv = NULL;
	uint8_t h[44];
	rec_wav_pcm_header(h, o->channels, o->frames);
	int rc = 0;
	if (fflush(w->f) != 0 || fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 44, 1, w->f) != 1)
		rc = -1;
	return finish(w, rc);
}

/* ---- GSM 06.10 ----------------------------------------------------------------------- */

#define GSM_HDR 60

static void
gsm_header(uint8_t h[GSM_HDR], uint64_t samples, uint64_t bytes)
{
	uint64_t padded = bytes + (bytes & 1);
	memcpy(h, "RIFF", 4);
	le32(h + 4, clamp32(GSM_HDR - 8 + padded));
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 20);
	le16(h + 20, 0x0031); /* WAVE_FORMAT_GSM610 */
	le16(h + 22, 1);
	le32(h + 24, REC_RATE);
	le32(h + 28, 1625);   /* 65 bytes per 320 samples at 8 kHz */
	le16(h + 32, 65);
	le16(h + 34, 0);
	le16(h + 36, 2);      /* cbSize */
	le16(h + 38, 320);    /* samples per block */
	memcpy(h + 40, "fact", 4);
	le32(h + 44, 4);
	le32(h + 48, clamp32(samples));
	memcpy(h + 52, "data", 4);
	le32(h + 56, clamp32(bytes));
}

static int
gsm_open(struct rec_out *o, const char *path)
{
	if (o->channels != 1)
		return -1;
	if (wav_open_common(o, path) != 0)
		return -1;
	struct wav *w = o->priv;
	int one = 1;
	w->g = gsm_create();
	if (w->g == NULL || gsm_option(w->g, GSM_OPT_WAV49, &one) < 0) {
		finish(w, -1);
		o->priv = NULL;
		return -1;
	}
	uint8_t h[GSM_HDR];
	gsm_header(h, 0, 0);
	return fwrite(h, GSM_HDR, 1, w->f) == 1 ? 0 : -1;
}

static int
gsm_block(struct wav *w)
{
	gsm_byte blk[65];
	gsm_encode(w->g, w->pend, blk);
	gsm_encode(w->g, w->pend + 160, blk + 32);
	w->npend = 0;
	w->bytes += 65;
	return fwrite(blk, 65, 1, w->f) == 1 ? 0 : -1;
}

static int
gsm_write(struct rec_out *o, const int16_t *pcm, size_t frames)
{
	struct wav *w = o->priv;
	for (size_t i = 0; i < frames; i++) {
		w->pend[w->npend++] = pcm[i];
		if (w->npend == 320 && gsm_block(w) != 0)
			return -1;
	}
	o->frames += frames;
	return 0;
}

static int
gsm_close(struct rec_out *o)
{
	struct wav *w = o->priv;
	o->priv = NULL;
	int rc = 0;
	if (w->npend > 0) {
		memset(w->pend + w->npend, 0, (320 - w->npend) * sizeof(gsm_signal));
		rc = gsm_block(w);
	}
	if (w->bytes & 1)
		rc |= fputc(0, w->f) == EOF ? -1 : 0;
	uint8_t h[GSM_HDR];
	gsm_header(h, o->frames, w->bytes);
	if (fflush(w->f) != 0 || fseek(w->f, 0, SEEK_SET) != 0 ||
	    fwrite(h, GSM_HDR, 1, w->f) != 1)
		rc = -1;
	return finish(w, rc);
}

const struct rec_out_ops rec_out_wav = {
	.name = "wav",
	.ext = "wav",
	.max_channels = 2,
	.open = pcm_open,
	.write = pcm_write,
	.close = pcm_close,
};

const struct rec_out_ops rec_out_gsm = {
	.name = "gsm",
	.ext = "wav",
	.max_channels = 1,
	.open = gsm_open,
	.write = gsm_write,
	.close = gsm_close,
};

/* ---- null: nothing written (benchmarks measure everything else with it) -------------- */

static int
null_open(struct rec_out *o, const char *path)
{
	(void)path;
	o->frames = 0;
	return 0;
}

static int
null_write(struct rec_out *o, const int16_t *pcm, size_t frames)
{
	(void)pcm;
	o->frames += frames;
	return 0;
}

static int
null_close(struct rec_out *o)
{
	(void)o;
	return 0;
}

const struct rec_out_ops rec_out_null = {
	.name = "null",
	.ext = "null",
	.max_channels = 2,
	.open = null_open,
	.write = null_write,
	.close = null_close,
};

const struct rec_out_ops *
rec_out_find(const char *name)
{
	static const struct rec_out_ops *const all[] = { &rec_out_opus, &rec_out_gsm,
		&rec_out_wav, &rec_out_null };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
