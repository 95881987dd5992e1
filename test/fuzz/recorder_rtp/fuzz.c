/*
 * fuzz.c - libFuzzer harness of the recorder's media side: link/IP/UDP decoding (net.c), the
 * RTP and telephone-event readers (rtp.c), the jitter buffer (jitter.c), G.711 (g711.c) and
 * the mixer (mix.c).
 *
 * Input: byte 0 picks the link type, then frames as [len_hi len_lo dt] + len bytes, each
 * copied to a buffer of exactly its size.  A frame that decodes to UDP must give a payload
 * inside it; its payload (else the frame itself) is read as RTP, again checked to stay
 * inside, and offered to one jitter buffer at a capture time advanced by dt ms (0-255, so
 * reordering, bursts and gaps all happen), with a tick after each.  Played packets must come
 * in strictly increasing sequence order within an SSRC run; they are decoded as G.711 and put
 * on a mixer timeline by their timestamp as offline.c does.  At the end the buffer's
 * bookkeeping must add up: every packet offered was played, held, a duplicate or late.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/recorder/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = { REC_LINK_ETHERNET, REC_LINK_SLL, REC_LINK_SLL2, REC_LINK_NULL,
	REC_LINK_LOOP, REC_LINK_RAW, REC_LINK_IPV4, REC_LINK_IPV6, 12, 999 };

struct st {
	struct rec_mix mix;
	uint64_t last_eseq;
	uint64_t resets_seen;
	const struct rec_jb *jb;
	int have_last;
	int64_t anchor;
	uint32_t ts0;
};

static void
emit(void *arg, const struct rec_jb_pkt *p)
{
	struct st *s = arg;
	if (s->have_last && s->resets_seen == s->jb->st.resets && p->eseq <= s->last_eseq) {
		fprintf(stderr, "played out of order: %llu after %llu\n",
		    (unsigned long long)p->eseq, (unsigned long long)s->last_eseq);
		abort();
	}
	if (!s->have_last || s->resets_seen != s->jb->st.resets)
		s->ts0 = p->rtp.ts;
	s->have_last = 1;
	s->last_eseq = p->eseq;
	s->resets_seen = s->jb->st.resets;
	int16_t pcm[2048];
	size_t n = p->rtp.len < 2048 ? p->rtp.len : 2048;
	for (size_t i = 0; i < n; i++)
		pcm[i] = (p->rtp.pt & 1) ? rec_ulaw_decode(p->rtp.payload[i]) :
		    rec_alaw_decode(p->rtp.payload[i]);
	uint32_t off = p->rtp.ts - s->ts0;
	rec_mix_put(&s->mix, (int)(p->rtp.pt & 1), off % (2u * REC_MIX_RING), pcm, n);
	struct rec_tel_event ev;
	if (rec_rtp_tel_event(p->rtp.payload, p->rtp.len, &ev) == 0)
		(void)rec_rtp_event_char(ev.event);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int link = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	/* The mixer's rings are made once: each run ends with them all written out (zero). */
	static struct rec_mix mix;
	static int have_mix;
	if (!have_mix) {
		if (rec_mix_init(&mix, 1, NULL) != 0)
			return 0;
		have_mix = 1;
	}
	mix.channels = 1 + (data[0] & 1);
	mix.flushed = mix.hi = 0;
	struct st s = { 0 };
	s.mix = mix;
	struct rec_jb jb;
	rec_jb_init(&jb, 200000, emit, &s);
	s.jb = &jb;
	int64_t now = 0;
	size_t pos = 1;
	while (pos + 3 <= size) {
		size_t n = (size_t)(data[pos] << 8 | data[pos + 1]) % 1600;
		now += (int64_t)data[pos + 2] * 1000;
		pos += 3;
		if (n > size - pos)
			n = size - pos;
		uint8_t *f = malloc(n ? n : 1);
		if (f == NULL)
			break;
		memcpy(f, data + pos, n);
		pos += n;
		struct rec_udp u;
		const uint8_t *rtp = f;
		size_t rlen = n;
		if (rec_net_decode(link, f, n, &u) == REC_NET_UDP) {
			if (u.data < f || u.data + u.len > f + n)
				abort();
			rtp = u.data;
			rlen = u.len;
		}
		struct rec_rtp r;
		if (rec_rtp_parse(rtp, rlen, &r) == 0) {
			if (r.payload < rtp || r.payload + r.len > rtp + rlen)
				abort();
			rec_jb_put(&jb, &r, now);
		}
		rec_jb_tick(&jb, now);
		free(f);
	}
	rec_jb_flush(&jb);
	const struct rec_jb_stats *st = &jb.st;
	if (jb.nheld != 0 || st->played + st->duplicates + st->late != st->packets) {
		fprintf(stderr, "packets %llu != played %llu + dup %llu + late %llu\n",
		    (unsigned long long)st->packets, (unsigned long long)st->played,
		    (unsigned long long)st->duplicates, (unsigned long long)st->late);
		abort();
	}
	(void)rec_jb_lost(&jb);
	rec_mix_flush_to(&s.mix, s.mix.hi);
	/* Written out means cleared: nothing leaks into the next call. */
	static const int16_t zero[REC_MIX_RING];
	if (memcmp(s.mix.ring[0], zero, sizeof(zero)) != 0 ||
	    memcmp(s.mix.ring[1], zero, sizeof(zero)) != 0)
		abort();
	rec_jb_fini(&jb);
	return 0;
}
