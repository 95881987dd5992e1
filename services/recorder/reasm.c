/*
 * reasm.c - IPv4 and IPv6 fragment reassembly.
 *
 * A SIP INVITE with a large SDP (or many headers) does not fit a 1500-byte frame and goes
 * out as IP fragments; without reassembly its dialog is never seen.  A datagram is known by
 * (family, protocol, id, source, destination) (RFC 791, RFC 8200 section 4.5).  Its bytes are
 * copied into a buffer that grows to the highest end seen; the pieces held are a sorted list
 * of disjoint ranges, merged as they touch.  The datagram is complete when the last fragment
 * (more-fragments clear) gave its length and one range covers [0, length).
 *
 * What an observer must survive:
 *   - duplicates (a retransmission, or the same frame seen twice on a mirror): bytes that
 *     overlap what is held must be the same bytes; then they are simply accepted;
 *   - overlaps that disagree (teardrop and its relatives, or a fragment rewritten to evade
 *     an IDS): the whole datagram is dropped, as RFC 5722 asks for IPv6 - we cannot tell
 *     which copy the receiver kept, so we keep neither;
 *   - a second "last" fragment with another length, or bytes past the length: dropped;
 *   - memory: at most REC_REASM_MAX_DGRAMS datagrams (the oldest gives way), each at most
 *     REC_REASM_MAX_BYTES and REC_REASM_MAX_RANGES pieces; a datagram not complete
 *     REC_REASM_TIMEOUT_US after its first fragment is given up.
 * Pure: no I/O, no clock; times are the packets' capture times.
 */
#include <stdlib.h>
#include <string.h>

#include "rec.h"

struct range {
	uint32_t start, end; /* [start, end) */
};

struct dgram {
	struct dgram *prev, *next; /* in arrival order of first fragments: oldest first */
	uint8_t family, proto;
	uint32_t id;
	uint8_t src[16], dst[16];
	int64_t first_us;
	uint32_t total;            /* 0 until the last fragment is seen */
	int nranges;
	struct range ranges[REC_REASM_MAX_RANGES];
	uint8_t *buf;
	size_t cap;
};

struct rec_reasm {
	struct dgram *head, *tail;
	int n;
	size_t bytes;            /* buffers of the datagrams in progress */
	uint8_t *out;            /* the last completed datagram, freed on the next call */
	struct rec_reasm_stats st;
};

rec_reasm *
rec_reasm_new(void)
{
	return calloc(1, sizeof(struct rec_reasm));
}

static void
unlink_dgram(rec_reasm *r, struct dgram *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		r->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		r->tail = d->prev;
	r->n--;
	r->bytes -= d->cap;
}

static void
drop(rec_reasm *r, struct dgram *d)
{
	unlink_dgram(r, d);
	free(d->buf);
	free(d);
}

void
rec_reasm_free(rec_reasm *r)
{
	if (r == NULL)
		return;
	while (r->head) {
		r->st.timed_out++;
		drop(r, r->head);
	}
	free(r->out);
	free(r);
}

void
rec_reasm_expire(rec_reasm *r, int64_t now_us)
{
	/* Oldest first: captures are (nearly) in time order, so the first one still young
	 * ends the walk; one out of order only waits a little longer. */
	while (r->head && r->head->first_us < now_us - REC_REASM_TIMEOUT_US) {
		r->st.timed_out++;
		drop(r, r->head);
	}
}

static struct dgram *
find(rec_reasm *r, const struct rec_net *f)
{
	size_t alen = f->u.src.family == 6 ? 16 : 4;
	for (struct dgram *d = r->head; d; d = d->next) {
		if (d->id == f->frag_id && d->proto == f->frag_proto &&
		    d->family == f->u.src.family && memcmp(d->src, f->u.src.ip, alen) == 0 &&
		    memcmp(d->dst, f->u.dst.ip, alen) == 0)
			return d;
	}
	return NULL;
}

/*
 * Copies [start, end) of p into d.  Where it overlaps what is held the bytes must agree.
 * Returns 1 when it added new bytes, 0 when all of them were held (a duplicate), -1 when the
 * datagram is to be dropped (disagreement, too many pieces, out of memory).
 */
static int
add_bytes(rec_reasm *r, struct dgram *d, uint32_t start, uint32_t end, const uint8_t *p)
{
	/* Held pieces that overlap must match byte for byte. */
	int fresh = 0;
	uint32_t pos = start;
	for (int i = 0; i < d->nranges && pos < end; i++) {
		const struct range *g = &d->ranges[i];
		if (g->end <= pos)
			continue;
		if (g->start >= end)
			break;
		if (g->start > pos)
			fresh = 1;
		uint32_t a = g->start > pos ? g->start : pos;
		uint32_t b = g->end < end ? g->end : end;
		if (memcmp(d->buf + a, p + (a - start), b - a) != 0)
			return -1;
		pos = b;
	}
	if (pos < end)
		fresh = 1;
	if (!fresh)
		return 0;

	if (end > d->cap) {
		size_t ncap = d->cap ? d->cap : 2048;
		while (ncap < end)
			ncap *= 2;
		if (ncap > REC_REASM_MAX_BYTES)
			ncap = REC_REASM_MAX_BYTES;
		uint8_t *nb = realloc(d->buf, ncap);
		if (nb == NULL)
			return -1;
		r->bytes += ncap - d->cap;
		d->buf = nb;
		d->cap = ncap;
	}
	memcpy(d->buf + start, p, end - start);

	/* Merge [start, end) into the sorted, disjoint, non-touching list. */
	int i = 0;
	while (i < d->nranges && d->ranges[i].end < start)
		i++;
	int j = i;
	uint32_t ns = start, ne = end;
	while (j < d->nranges && d->ranges[j].start <= end) {
		if (d->ranges[j].start < ns)
			ns = d->ranges[j].start;
		if (d->ranges[j].end > ne)
			ne = d->ranges[j].end;
		j++;
	}
	/* ranges[i, j) are replaced by one. */
	if (i == j) {
		if (d->nranges == REC_REASM_MAX_RANGES)
			return -1;
		memmove(&d->ranges[i + 1], &d->ranges[i],
		    (size_t)(d->nranges - i) * sizeof(struct range));
		d->nranges++;
	} else if (j - i > 1) {
		memmove(&d->ranges[i + 1], &d->ranges[j],
		    (size_t)(d->nranges - j) * sizeof(struct range));
		d->nranges -= j - i - 1;
	}
	d->ranges[i].start = ns;
	d->ranges[i].end = ne;
	return 1;
}

int
rec_reasm_put(rec_reasm *r, const struct rec_net *f, int64_t ts_us, const uint8_t **data,
    size_t *len)
{
	free(r->out);
	r->out = NULL;
	r->st.fragments++;
	rec_reasm_expire(r, ts_us);

	uint64_t start = f->frag_off, end = start + f->u.len;
	struct dgram *d = find(r, f);
	if (end > REC_REASM_MAX_BYTES || (f->u.len == 0 && f->frag_more)) {
		/* Too big for any IP datagram (a lie), or an empty middle piece: the datagram
		 * can only be an attack or garbage. */
		if (d != NULL)
			drop(r, d);
		r->st.dropped++;
		return -1;
	}
	if (d == NULL) {
		if (r->n >= REC_REASM_MAX_DGRAMS) {
			r->st.dropped++;
			drop(r, r->head);
		}
		d = calloc(1, sizeof(*d));
		if (d == NULL) {
			r->st.dropped++;
			return -1;
		}
		d->family = f->u.src.family;
		d->proto = f->frag_proto;
		d->id = f->frag_id;
		memcpy(d->src, f->u.src.ip, 16);
		memcpy(d->dst, f->u.dst.ip, 16);
		d->first_us = ts_us;
		d->prev = r->tail;
		if (r->tail)
			r->tail->next = d;
		else
			r->head = d;
		r->tail = d;
		r->n++;
	}

	/* The length: from the last fragment; it must not change, nor be passed. */
	if (!f->frag_more) {
		if ((d->total != 0 && d->total != end) ||
		    (d->nranges > 0 && d->ranges[d->nranges - 1].end > end)) {
			drop(r, d);
			r->st.dropped++;
			return -1;
		}
		d->total = (uint32_t)end;
	} else if (d->total != 0 && end > d->total) {
		drop(r, d);
		r->st.dropped++;
		return -1;
	}

	int added = f->u.len ? add_bytes(r, d, (uint32_t)start, (uint32_t)end, f->u.data) : 0;
	if (added < 0) {
		drop(r, d);
		r->st.dropped++;
		return -1;
	}
	if (added == 0 && f->u.len)
		r->st.duplicates++;

	if (d->total == 0 || d->nranges != 1 || d->ranges[0].start != 0 ||
	    d->ranges[0].end != d->total)
		return 0;
	/* Complete (an empty datagram keeps total 0 and never completes: nothing to carry). */
	unlink_dgram(r, d);
	r->out = d->buf;
	*data = d->buf;
	*len = d->total;
	free(d);
	r->st.reassembled++;
	return 1;
}

const struct rec_reasm_stats *
rec_reasm_stats(const rec_reasm *r)
{
	return &r->st;
}

int
rec_reasm_pending(const rec_reasm *r)
{
	return r->n;
}

size_t
rec_reasm_bytes(const rec_reasm *r)
{
	return r->bytes;
}
