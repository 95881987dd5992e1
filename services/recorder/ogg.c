/*
 * ogg.c - the default writer: Opus in Ogg (RFC 7845) through libopusenc, which resamples
 * our 8 kHz PCM to Opus's 48 kHz, pages and writes the file.  Tuned for speech: signal
 * voice, 16 kb/s per channel, complexity 5 (about half the CPU of 10 at no audible loss for
 * telephone-band speech, which matters when a file of many calls is processed offline).
 */
#include <stdlib.h>

#include <opus/opusenc.h>

#include "rec.h"

static int
opus_open(struct rec_out *o, const char *path)
{
	int err = 0;
	OggOpusComments *c = ope_comments_create();
	if (c == NULL)
		return -1;
	ope_comments_add(c, "ENCODER", "hookswitch-recorder");
	OggOpusEnc *e = ope_encoder_create_file(path, c, REC_RATE, o->channels, 0, &err);
	ope_comments_destroy(c);
	if (e == NULL)
		return -1;
	ope_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	ope_encoder_ctl(e, OPUS_SET_BITRATE(16000 * o->channels));
	ope_encoder_ctl(e, OPUS_SET_COMPLEXITY(5));
	/* Telephone audio has nothing above 4 kHz: narrowband keeps Opus in SILK mode. */
	ope_encoder_ctl(e, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_NARROWBAND));
	o->priv = e;
	o->frames = 0;
	return 0;
}

static int
opus_write(struct rec_out *o, const int16_t *pcm, size_t frames)
{
	if (ope_encoder_write(o->priv, pcm, (int)frames) != OPE_OK)
		return -1;
	o->frames += frames;
	return 0;
}

static int
opus_close(struct rec_out *o)
{
	OggOpusEnc *e = o->priv;
	o->priv = NULL;
	int rc = ope_encoder_drain(e) == OPE_OK ? 0 : -1;
	ope_encoder_destroy(e);
	return rc;
}

const struct rec_out_ops rec_out_opus = {
	.name = "opus",
	.ext = "opus",
	.max_channels = 2,
	.open = opus_open,
	.write = opus_write,
	.close = opus_close,
};
