/*
 * codec.c - from an RTP payload type to 8 kHz PCM.
 *
 * rec_codec_of() names the codec of a payload type: the rtpmaps both sides announced first
 * (an answer may renumber dynamic types; the receiver's map is passed first), then the static
 * assignments of RFC 3551 (0 PCMU, 8 PCMA, 9 G722, 13 CN, 18 G729).  rec_dec_decode() holds
 * one direction's decoder state, made on first use: G.711 by table (g711.c), G.729/G.729A
 * (and Annex B SID frames) with bcg729, G.722 with spandsp at its 8 kHz output option (RTP
 * clocks G.722 at 8 kHz too, so timestamps and samples agree).  A payload that does not decode
 * yields 0 samples and the timeline keeps silence there.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bcg729/decoder.h>
#include <spandsp.h>

#include "rec.h"

struct rec_dec {
	bcg729DecoderChannelContextStruct *g729;
	g722_decode_state_t *g722;
};

/* G.711 by table: 1 kB shared by every direction (it stays in L1 with many calls). */
static int16_t alaw_tab[256], ulaw_tab[256];
static int tabs_ready;

const char *
rec_codec_name(enum rec_codec c)
{
	switch (c) {
	case REC_CODEC_NONE:
		return "none";
	case REC_CODEC_PCMU:
		return "PCMU";
	case REC_CODEC_PCMA:
		return "PCMA";
	case REC_CODEC_G722:
		return "G722";
	case REC_CODEC_G729:
		return "G729";
	case REC_CODEC_TEL_EVENT:
		return "telephone-event";
	case REC_CODEC_CN:
		return "CN";
	case REC_CODEC_UNKNOWN:
		return "unknown";
	}
	return "?";
}

static enum rec_codec
by_name(const char *enc)
{
	if (strcasecmp(enc, "PCMU") == 0)
		return REC_CODEC_PCMU;
	if (strcasecmp(enc, "PCMA") == 0)
		return REC_CODEC_PCMA;
	if (strcasecmp(enc, "G722") == 0)
		return REC_CODEC_G722;
	if (strcasecmp(enc, "G729") == 0 || strcasecmp(enc, "G729a") == 0)
		return REC_CODEC_G729;
	if (strcasecmp(enc, "telephone-event") == 0)
		return REC_CODEC_TEL_EVENT;
	if (strcasecmp(enc, "CN") == 0)
		return REC_CODEC_CN;
	return REC_CODEC_UNKNOWN;
}

static int
from_map(uint8_t pt, const struct rec_sdp *s, enum rec_codec *c)
{
	if (s == NULL)
		return 0;
	for (int i = 0; i < s->nmap && i < REC_SDP_MAX_FMT; i++) {
		if (s->map[i].pt == pt) {
			*c = by_name(s->map[i].enc);
			return 1;
		}
	}
	return 0;
}

enum rec_codec
rec_codec_of(uint8_t pt, const struct rec_sdp *a, const struct rec_sdp *b)
{
	enum rec_codec c;
	if (from_map(pt, a, &c) || from_map(pt, b, &c))
		return c;
	switch (pt) {
	case 0:
		return REC_CODEC_PCMU;
	case 8:
		return REC_CODEC_PCMA;
	case 9:
		return REC_CODEC_G722;
	case 13:
		return REC_CODEC_CN;
	case 18:
		return REC_CODEC_G729;
	default:
		return REC_CODEC_UNKNOWN;
	}
}

struct rec_dec *
rec_dec_new(void)
{
	struct rec_dec *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	if (!tabs_ready) {
		for (int i = 0; i < 256; i++) {
			alaw_tab[i] = rec_alaw_decode((uint8_t)i);
			ulaw_tab[i] = rec_ulaw_decode((uint8_t)i);
		}
		tabs_ready = 1;
	}
	return d;
}

void
rec_dec_free(struct rec_dec *d)
{
	if (d == NULL)
		return;
	if (d->g729)
		closeBcg729DecoderChannel(d->g729);
	if (d->g722)
		g722_decode_free(d->g722);
	free(d);
}

static size_t
g729(struct rec_dec *d, const uint8_t *p, size_t n, int16_t *out, size_t max)
{
	if (d->g729 == NULL && (d->g729 = initBcg729DecoderChannel()) == NULL)
		return 0;
	size_t w = 0;
	/* 10-byte frames of 80 samples, then optionally one 2-byte SID frame (Annex B). */
	while (n >= 10 && w + 80 <= max) {
		bcg729Decoder(d->g729, p, 10, 0, 0, 0, out + w);
		p += 10;
		n -= 10;
		w += 80;
	}
	if (n == 2 && w + 80 <= max) {
		bcg729Decoder(d->g729, p, 2, 0, 1, 0, out + w);
		w += 80;
	}
	return w;
}

size_t
rec_dec_decode(struct rec_dec *d, enum rec_codec c, const uint8_t *p, size_t n, int16_t *out,
    size_t max)
{
	if (n > max)
		n = max;
	switch (c) {
	case REC_CODEC_PCMA:
		for (size_t i = 0; i < n; i++)
			out[i] = alaw_tab[p[i]];
		return n;
	case REC_CODEC_PCMU:
		for (size_t i = 0; i < n; i++)
			out[i] = ulaw_tab[p[i]];
		return n;
	case REC_CODEC_G729:
		return g729(d, p, n, out, max);
	case REC_CODEC_G722:
		if (d->g722 == NULL &&
		    (d->g722 = g722_decode_init(NULL, 64000, G722_SAMPLE_RATE_8000)) == NULL)
			return 0;
		/* One byte is two 16 kHz samples, one 8 kHz sample. */
		return (size_t)g722_decode(d->g722, out, p, (int)n);
	default:
		return 0;
	}
}
