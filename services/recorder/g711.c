/*
 * g711.c - ITU-T G.711 A-law and µ-law, the classic segment algorithm (as in Sun's public
 * domain g711.c, which libsndfile, sox and spandsp also follow).  The decoders give the
 * 16-bit linear value the encoder's segment midpoint stands for (A-law 13-bit and µ-law
 * 14-bit scaled to 16), the encoders round toward the segment below; decode(encode(x)) is
 * within half a step of x, and encode(decode(c)) == c for every code.
 */
#include "rec.h"

static const int16_t seg_end[8] = { 0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff };

static int
seg_of(int v)
{
	for (int i = 0; i < 8; i++)
		if (v <= seg_end[i])
			return i;
	return 8;
}

int16_t
rec_alaw_decode(uint8_t a)
{
	a ^= 0x55;
	int t = (a & 0x0f) << 4;
	int seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

uint8_t
rec_alaw_encode(int16_t pcm)
{
	int v = pcm >> 3;
	int mask;
	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	int seg = seg_of(v);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	int aval = seg << 4;
	if (seg < 2)
		aval |= (v >> 1) & 0x0f;
	else
		aval |= (v >> seg) & 0x0f;
	return (uint8_t)(aval ^ mask);
}

#define ULAW_BIAS 0x84
#define ULAW_CLIP 8159

int16_t
rec_ulaw_decode(uint8_t u)
{
	u = (uint8_t)~u;
	int t = ((u & 0x0f) << 3) + ULAW_BIAS;
	t <<= (u & 0x70) >> 4;
	return (int16_t)((u & 0x80) ? (ULAW_BIAS - t) : (t - ULAW_BIAS));
}

uint8_t
rec_ulaw_encode(int16_t pcm)
{
	int v = pcm >> 2;
	int mask;
	if (v < 0) {
		v = -v;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS >> 2;
	int seg = 0;
	/* segments of the 14-bit magnitude, as seg_of for 0x3f, 0x7f, ... */
	static const int16_t useg_end[8] = { 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff,
		0x1fff };
	while (seg < 8 && v > useg_end[seg])
		seg++;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	int uval = (seg << 4) | ((v >> (seg + 1)) & 0x0f);
	return (uint8_t)(uval ^ mask);
}
