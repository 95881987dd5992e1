/*
 * jitter.c - puts one RTP direction back in sequence-number order.
 *
 * Sequence numbers are extended to 64 bits against the highest seen (so the 16-bit wrap is
 * invisible).  Packets sit in REC_JB_SLOTS slots indexed by extended number, the window
 * [next, next + REC_JB_SLOTS).  The head is played as soon as it is there, so an in-order
 * stream passes straight through; a hole holds the packets behind it until either the hole
 * is filled (reordering), the oldest held packet was captured depth_us ago (rec_jb_tick:
 * the hole is lost), or a packet arrives beyond the window (the holes are given up).
 *
 * Counters (struct rec_jb_stats): every packet offered; duplicates (a number held or played
 * within the last 128); out_of_order (arrived after a higher number, still played); late
 * (arrived after its place was given up, not played); lost (expected - unique, RFC 3550
 * §6.4.1 without counting duplicates).  A new SSRC, or a jump of more than REC_JB_MAX_JUMP
 * numbers either way (a restarted sender), plays what is held and starts a new run.
 *
 * Pure: no clock of its own (capture times come in), no I/O.  emit gets a packet whose
 * payload stays valid only during the call (an in-order packet with nothing held is played
 * from the caller's buffer without a copy).
 */
#include <stdlib.h>
#include <string.h>

#include "rec.h"

#define REC_JB_MAX_JUMP 3000

void
rec_jb_init(struct rec_jb *jb, int64_t depth_us, rec_jb_emit_fn emit, void *arg)
{
	memset(jb, 0, sizeof(*jb));
	jb->depth_us = depth_us;
	jb->emit = emit;
	jb->arg = arg;
}

void
rec_jb_fini(struct rec_jb *jb)
{
	for (int i = 0; i < REC_JB_SLOTS; i++)
		free(jb->buf[i]);
	memset(jb->buf, 0, sizeof(jb->buf));
}

static void
mark(struct rec_jb *jb, uint64_t k, int played)
{
	/* Advance the played-bits window by k numbers; bit 0 is next - 1. */
	if (k >= 128) {
		jb->played_bits[0] = jb->played_bits[1] = 0;
	} else if (k >= 64) {
		jb->played_bits[1] = jb->played_bits[0] << (k - 64);
		jb->played_bits[0] = 0;
	} else if (k > 0) {
		jb->played_bits[1] = jb->played_bits[1] << k | jb->played_bits[0] >> (64 - k);
		jb->played_bits[0] <<= k;
	}
	if (played)
		jb->played_bits[0] |= 1;
}

static int
was_played(const struct rec_jb *jb, uint64_t eseq)
{
	uint64_t i = jb->next - 1 - eseq;
	if (i >= 128)
		return 0;
	return (int)((jb->played_bits[i / 64] >> (i % 64)) & 1);
}

/* Plays or skips the head slot and advances next by one. */
static void
advance(struct rec_jb *jb)
{
	int i = (int)(jb->next % REC_JB_SLOTS);
	int played = 0;
	if (jb->used[i]) {
		jb->used[i] = 0;
		jb->nheld--;
		jb->st.played++;
		played = 1;
		if (jb->emit)
			jb->emit(jb->arg, &jb->slot[i]);
	}
	jb->next++;
	mark(jb, 1, played);
}

static void
play_ready(struct rec_jb *jb)
{
	while (jb->nheld > 0 && jb->used[jb->next % REC_JB_SLOTS])
		advance(jb);
}

void
rec_jb_flush(struct rec_jb *jb)
{
	while (jb->nheld > 0)
		advance(jb);
}

static void
new_run(struct rec_jb *jb, uint32_t ssrc, uint16_t seq)
{
	if (jb->started) {
		rec_jb_flush(jb);
		jb->st.expected_before += jb->st.max_eseq - jb->st.first_eseq + 1;
		jb->st.unique_before += jb->st.unique;
		jb->st.resets++;
	}
	jb->started = 1;
	jb->ssrc = ssrc;
	/* Start high enough that numbers before the first never go below zero. */
	uint64_t e = (1ULL << 32) + seq;
	jb->next = e;
	jb->max_eseq = e;
	jb->st.first_eseq = e;
	jb->st.max_eseq = e;
	jb->st.unique = 0;
	jb->played_bits[0] = jb->played_bits[1] = 0;
}

void
rec_jb_put(struct rec_jb *jb, const struct rec_rtp *r, int64_t now_us)
{
	jb->st.packets++;
	uint64_t e;
	if (!jb->started || r->ssrc != jb->ssrc) {
		new_run(jb, r->ssrc, r->seq);
		e = jb->next;
	} else {
		int16_t d = (int16_t)(uint16_t)(r->seq - (uint16_t)jb->max_eseq);
		if (d > REC_JB_MAX_JUMP || d < -REC_JB_MAX_JUMP) {
			new_run(jb, r->ssrc, r->seq);
			e = jb->next;
		} else {
			e = jb->max_eseq + (uint64_t)(int64_t)d;
		}
	}
	if (e < jb->next) {
		if (was_played(jb, e)) {
			jb->st.duplicates++;
		} else {
			jb->st.late++;
			jb->st.unique++;
		}
		return;
	}
	if (e >= jb->next + REC_JB_SLOTS) {
		if (jb->nheld == 0) {
			uint64_t k = e - jb->next;
			jb->next = e;
			mark(jb, k, 0);
		} else {
			while (e >= jb->next + REC_JB_SLOTS)
				advance(jb);
			if (jb->nheld == 0 && jb->next < e) {
				uint64_t k = e - jb->next;
				jb->next = e;
				mark(jb, k, 0);
			}
		}
	}
	if (e == jb->next && jb->nheld == 0) {
		/* The common case, in order with nothing held: played straight from the
		 * caller's buffer, no copy. */
		struct rec_jb_pkt p = { .eseq = e, .cap_us = now_us, .rtp = *r };
		jb->st.unique++;
		if (e > jb->max_eseq) {
			jb->max_eseq = e;
			jb->st.max_eseq = e;
		} else if (e < jb->max_eseq) {
			jb->st.out_of_order++;
		}
		jb->st.played++;
		jb->next++;
		mark(jb, 1, 1);
		if (jb->emit)
			jb->emit(jb->arg, &p);
		return;
	}
	int i = (int)(e % REC_JB_SLOTS);
	if (jb->used[i]) {
		jb->st.duplicates++;
		return;
	}
	if (jb->cap[i] < r->len || jb->buf[i] == NULL) {
		size_t c = r->len < 512 ? 512 : r->len;
		uint8_t *nb = realloc(jb->buf[i], c);
		if (nb == NULL)
			return; /* dropped: counts as lost */
		jb->buf[i] = nb;
		jb->cap[i] = c;
	}
	if (r->len > 0)
		memcpy(jb->buf[i], r->payload, r->len);
	struct rec_jb_pkt *p = &jb->slot[i];
	p->eseq = e;
	p->cap_us = now_us;
	p->rtp = *r;
	p->rtp.payload = jb->buf[i];
	jb->used[i] = 1;
	jb->nheld++;
	jb->st.unique++;
	if (e > jb->max_eseq) {
		jb->max_eseq = e;
		jb->st.max_eseq = e;
	} else if (e < jb->max_eseq) {
		jb->st.out_of_order++;
	}
	play_ready(jb);
}

void
rec_jb_tick(struct rec_jb *jb, int64_t now_us)
{
	while (jb->nheld > 0) {
		/* The lowest held packet: the hole before it is waited for up to depth. */
		uint64_t e = jb->next;
		while (!jb->used[e % REC_JB_SLOTS])
			e++;
		if (jb->slot[e % REC_JB_SLOTS].cap_us > now_us - jb->depth_us)
			return;
		while (jb->next < e)
			advance(jb);
		play_ready(jb);
	}
}

uint64_t
rec_jb_lost(const struct rec_jb *jb)
{
	uint64_t expected = jb->st.expected_before, unique = jb->st.unique_before;
	if (jb->started) {
		expected += jb->st.max_eseq - jb->st.first_eseq + 1;
		unique += jb->st.unique;
	}
	return expected > unique ? expected - unique : 0;
}
