/*
 * mix.c - one call's timeline: both directions' PCM by sample position, written out in order.
 *
 * Each direction has a ring of REC_MIX_RING samples covering [flushed, flushed + RING).
 * rec_mix_put() writes decoded audio at its position (a later write to the same place wins,
 * silence is what nobody wrote); a write beyond the ring first writes out the oldest part.
 * rec_mix_flush_to() writes out everything before a position: mono as the saturating sum of
 * the two directions, or two channels (caller left, callee right), in chunks through the
 * call's writer.  Audio before `flushed` can no longer change: a packet for it is dropped
 * and counted by the caller.
 */
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rec.h"

#define TMP_FRAMES 4096

int
rec_mix_init(struct rec_mix *m, int channels, struct rec_out *out)
{
	memset(m, 0, sizeof(*m));
	m->channels = channels == 2 ? 2 : 1;
	m->out = out;
	m->ring[0] = calloc(REC_MIX_RING, sizeof(int16_t));
	m->ring[1] = calloc(REC_MIX_RING, sizeof(int16_t));
	m->tmp = malloc(TMP_FRAMES * 2 * sizeof(int16_t));
	if (m->ring[0] == NULL || m->ring[1] == NULL || m->tmp == NULL) {
		rec_mix_fini(m);
		return -1;
	}
	return 0;
}

void
rec_mix_fini(struct rec_mix *m)
{
	free(m->ring[0]);
	free(m->ring[1]);
	free(m->tmp);
	m->ring[0] = m->ring[1] = m->tmp = NULL;
}

int
rec_mix_flush_to(struct rec_mix *m, uint64_t pos)
{
	while (m->flushed < pos) {
		size_t off = (size_t)(m->flushed % REC_MIX_RING);
		size_t n = REC_MIX_RING - off;
		if (n > TMP_FRAMES)
			n = TMP_FRAMES;
		if (n > pos - m->flushed)
			n = (size_t)(pos - m->flushed);
		int16_t *a = m->ring[0] + off, *b = m->ring[1] + off;
		size_t i = 0;
		/* Each sample is read once and its slot cleared in the same pass (silence is what
		 * nobody writes next time round the ring). */
#if defined(__SSE2__)
		const __m128i zero = _mm_setzero_si128();
#endif
		if (m->channels == 1) {
#if defined(__SSE2__)
			/* Eight saturating adds at a time: this loop sees every sample. */
			for (; i + 8 <= n; i += 8) {
				__m128i x = _mm_loadu_si128((const __m128i *)(a + i));
				__m128i y = _mm_loadu_si128((const __m128i *)(b + i));
				_mm_storeu_si128((__m128i *)(m->tmp + i), _mm_adds_epi16(x, y));
				_mm_storeu_si128((__m128i *)(a + i), zero);
				_mm_storeu_si128((__m128i *)(b + i), zero);
			}
#endif
			for (; i < n; i++) {
				m->tmp[i] = rec_sat16((int32_t)a[i] + b[i]);
				a[i] = b[i] = 0;
			}
		} else {
#if defined(__SSE2__)
			for (; i + 8 <= n; i += 8) {
				__m128i x = _mm_loadu_si128((const __m128i *)(a + i));
				__m128i y = _mm_loadu_si128((const __m128i *)(b + i));
				_mm_storeu_si128((__m128i *)(m->tmp + 2 * i), _mm_unpacklo_epi16(x, y));
				_mm_storeu_si128((__m128i *)(m->tmp + 2 * i + 8),
				    _mm_unpackhi_epi16(x, y));
				_mm_storeu_si128((__m128i *)(a + i), zero);
				_mm_storeu_si128((__m128i *)(b + i), zero);
			}
#endif
			for (; i < n; i++) {
				m->tmp[2 * i] = a[i];
				m->tmp[2 * i + 1] = b[i];
				a[i] = b[i] = 0;
			}
		}
		if (m->out != NULL && m->err == 0 && m->out->ops->write(m->out, m->tmp, n) != 0)
			m->err = -1;
		m->flushed += n;
	}
	return m->err;
}

size_t
rec_mix_reserve(struct rec_mix *m, int dir, uint64_t pos, size_t n, struct rec_mix_span *sp)
{
	size_t dropped = 0;
	memset(sp, 0, sizeof(*sp));
	if (dir < 0 || dir > 1 || n == 0)
		return 0;
	if (pos < m->flushed) {
		uint64_t skip = m->flushed - pos;
		if (skip >= n)
			return n;
		sp->skip = (size_t)skip;
		n -= (size_t)skip;
		pos = m->flushed;
		dropped = (size_t)skip;
	}
	if (n > REC_MIX_RING) { /* cannot happen with RTP payloads; stay bounded anyway */
		dropped += n - REC_MIX_RING;
		n = REC_MIX_RING;
	}
	if (pos + n > m->flushed + REC_MIX_RING)
		rec_mix_flush_to(m, pos + n - REC_MIX_RING);
	size_t off = (size_t)(pos % REC_MIX_RING);
	sp->n[0] = REC_MIX_RING - off < n ? REC_MIX_RING - off : n;
	sp->p[0] = m->ring[dir] + off;
	sp->n[1] = n - sp->n[0];
	sp->p[1] = m->ring[dir];
	if (pos + n > m->hi)
		m->hi = pos + n;
	return dropped;
}

size_t
rec_mix_put(struct rec_mix *m, int dir, uint64_t pos, const int16_t *pcm, size_t n)
{
	struct rec_mix_span sp;
	size_t dropped = rec_mix_reserve(m, dir, pos, n, &sp);
	if (sp.n[0] == 0)
		return dropped; /* all of it was before what is written out */
	memcpy(sp.p[0], pcm + sp.skip, sp.n[0] * sizeof(int16_t));
	if (sp.n[1] > 0)
		memcpy(sp.p[1], pcm + sp.skip + sp.n[0], sp.n[1] * sizeof(int16_t));
	return dropped;
}

void
rec_mix_extend(struct rec_mix *m, uint64_t pos)
{
	if (pos > m->hi)
		m->hi = pos;
}
