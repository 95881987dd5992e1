/*
 * sipstream.c - SIP messages out of captured TCP streams (RFC 3261 section 18.3).
 *
 * Each direction of a TCP connection (a 4-tuple, src -> dst) is a byte stream of SIP
 * messages, one after the other: a start line, headers up to an empty line, then exactly
 * Content-Length bytes of body (compact form "l"; a stream must carry it, a message without
 * one is taken to have no body).  CRLFs between messages are keep-alives (RFC 5626) and are
 * skipped.  Every whole message is handed on as if it were a datagram (struct rec_udp: the
 * direction's addresses and the capture time of the segment that completed it), so the
 * engine treats it exactly as SIP over UDP.
 *
 * A capture is not a TCP receiver: segments come out of order, twice (retransmissions, or a
 * mirror that sees both copies), or never (dropped by the capture).  So per direction:
 *   - bytes are put in order by sequence number: what is before next_seq is a
 *     retransmission and is dropped, what is after it is held (at most REC_SS_MAX_OOO
 *     segments and REC_SS_MAX_OOO_BYTES) until the hole fills;
 *   - a hole not filled after REC_SS_GAP_US of capture time (or when the holding space runs
 *     out) is given up: the message it cut is lost, and the stream is resynchronised on
 *     the next SIP start line ("METHOD uri SIP/2.0" or "SIP/2.0 nnn"), found by its
 *     "SIP/2.0" even mid-line (a body does not end in CRLF);
 *   - a direction first seen mid-stream (the capture started after the SYN) is read from
 *     its first start line too;
 *   - one message is at most REC_SS_MAX_MSG bytes: a larger body is skipped exactly (the
 *     stream stays in step), headers that never end resynchronise.
 * Directions are followed from a SYN to or from REC_SS_SIP_PORT, or from a segment that
 * starts with a SIP start line (a PBX on another port); other TCP traffic costs one hash
 * lookup.  At most REC_SS_MAX_FLOWS directions (the least recently active gives way) and
 * REC_SS_MAX_TOTAL bytes over all of them; FIN (once the bytes before it are in), RST and
 * REC_SS_IDLE_US of silence end one.  Pure: no I/O, no clock.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rec.h"

#define HASH_SIZE 2048                 /* buckets (a power of 2) */
#define WINDOW (1u << 24)              /* a sequence number further away is a new stream */
#define MAX_LINE 2048                  /* a start line longer than this is not one we want */
#define REC_SS_MAX_TOTAL (16u << 20)   /* bytes held over all directions */

struct seg {
	uint32_t seq;
	uint32_t len;
	uint8_t *data;
};

struct flow {
	struct flow *prev, *next;      /* least recently active first */
	struct flow *hnext;
	uint32_t hash;
	struct rec_addr src, dst;
	uint32_t next_seq;             /* the next byte of the stream */
	int64_t last_us;
	int64_t hole_us;               /* when the current hole started to be waited for */
	int resync;                    /* looking for a start line */
	int fin;
	uint32_t fin_seq;
	uint32_t skip;                 /* body bytes of an oversize message still to drop */
	uint8_t *buf;                  /* in-order bytes not yet a whole message */
	size_t len, cap;
	size_t scan;                   /* where the search for the header end goes on */
	int nooo;
	size_t ooo_bytes;
	struct seg ooo[REC_SS_MAX_OOO]; /* held beyond the hole, sorted by seq */
};

struct rec_ss {
	rec_ss_msg_fn fn;
	void *arg;
	struct flow *bucket[HASH_SIZE];
	struct flow *head, *tail;
	int n;
	size_t bytes;
	struct rec_ss_stats st;
};

/* ---- start lines and Content-Length ------------------------------------------------- */

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Is p[0..n) (a line without its CR LF) a SIP request or status line? */
static int
start_line(const uint8_t *p, size_t n)
{
	if (n >= 11 && memcmp(p, "SIP/2.0 ", 8) == 0)
		return is_digit(p[8]) && is_digit(p[9]) && is_digit(p[10]) &&
		    (n == 11 || p[11] == ' ');
	/* METHOD SP Request-URI SP SIP/2.0: a token, a URI without spaces, the version. */
	if (n < 12 || memcmp(p + n - 8, " SIP/2.0", 8) != 0)
		return 0;
	size_t i = 0;
	while (i < n && i < 32 && p[i] >= 'A' && p[i] <= 'Z')
		i++;
	if (i < 2 || p[i] != ' ' || i + 1 >= n - 8)
		return 0;
	return memchr(p + i + 1, ' ', n - 8 - (i + 1)) == NULL;
}

/* The line at p[0..n): its length without CR LF, or -1 when its '\n' is not in yet. */
static long
line_len(const uint8_t *p, size_t n)
{
	const uint8_t *nl = memchr(p, '\n', n);
	if (nl == NULL)
		return -1;
	size_t l = (size_t)(nl - p);
	if (l > 0 && p[l - 1] == '\r')
		l--;
	return (long)l;
}

/* Does a segment's payload begin (after keep-alive CRLFs) with a SIP start line? */
static int
starts_sip(const uint8_t *p, size_t n)
{
	while (n > 0 && (*p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	long l = line_len(p, n < MAX_LINE ? n : MAX_LINE);
	return l > 0 && start_line(p, (size_t)l);
}

/* Content-Length (or "l") of the header block h[0..n): the first one counts; absent or not
 * a number: 0 (RFC 3261 18.3 makes it mandatory on streams).  -1 when over max. */
static long
content_length(const uint8_t *h, size_t n, size_t max)
{
	size_t pos = 0;
	int first = 1;
	while (pos < n) {
		const uint8_t *nl = memchr(h + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - h) : n;
		const uint8_t *l = h + pos;
		size_t ll = end - pos;
		pos = end + 1;
		if (first) {
			first = 0;
			continue;
		}
		if (ll == 0 || l[0] == ' ' || l[0] == '\t')
			continue; /* folded: part of the header above */
		const uint8_t *colon = memchr(l, ':', ll);
		if (colon == NULL)
			continue;
		size_t nn = (size_t)(colon - l);
		while (nn > 0 && (l[nn - 1] == ' ' || l[nn - 1] == '\t'))
			nn--;
		if (!((nn == 14 && strncasecmp((const char *)l, "Content-Length", 14) == 0) ||
		    (nn == 1 && (l[0] == 'l' || l[0] == 'L'))))
			continue;
		const uint8_t *v = colon + 1, *e = l + ll;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		unsigned long cl = 0;
		int digits = 0;
		while (v < e && is_digit(*v) && digits < 10) {
			cl = cl * 10 + (unsigned long)(*v - '0');
			v++;
			digits++;
		}
		if (digits == 0)
			return 0;
		if (digits == 10 || cl > max)
			return -1;
		return (long)cl;
	}
	return 0;
}

/* ---- directions ---------------------------------------------------------------------- */

static uint32_t
hash_dir(const struct rec_addr *a, const struct rec_addr *b)
{
	uint32_t h = 2166136261u;
	const struct rec_addr *ab[2] = { a, b };
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 16; i++)
			h = (h ^ ab[k]->ip[i]) * 16777619u;
		h = (h ^ (ab[k]->port & 0xff)) * 16777619u;
		h = (h ^ (ab[k]->port >> 8)) * 16777619u;
		h = (h ^ ab[k]->family) * 16777619u;
	}
	return h;
}

rec_ss *
rec_ss_new(rec_ss_msg_fn fn, void *arg)
{
	rec_ss *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->fn = fn;
	s->arg = arg;
	return s;
}

static void
clear_ooo(rec_ss *s, struct flow *f)
{
	for (int i = 0; i < f->nooo; i++)
		free(f->ooo[i].data);
	s->bytes -= f->ooo_bytes;
	f->nooo = 0;
	f->ooo_bytes = 0;
	f->hole_us = 0;
}

static void
clear_buf(rec_ss *s, struct flow *f)
{
	free(f->buf);
	s->bytes -= f->cap;
	f->buf = NULL;
	f->len = f->cap = f->scan = 0;
}

static void
lru_unlink(rec_ss *s, struct flow *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		s->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		s->tail = f->prev;
	f->prev = f->next = NULL;
}

static void
lru_append(rec_ss *s, struct flow *f)
{
	f->prev = s->tail;
	f->next = NULL;
	if (s->tail)
		s->tail->next = f;
	else
		s->head = f;
	s->tail = f;
}

static void
close_flow(rec_ss *s, struct flow *f)
{
	struct flow **pp = &s->bucket[f->hash & (HASH_SIZE - 1)];
	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	lru_unlink(s, f);
	clear_ooo(s, f);
	clear_buf(s, f);
	s->n--;
	free(f);
}

void
rec_ss_free(rec_ss *s)
{
	if (s == NULL)
		return;
	while (s->head)
		close_flow(s, s->head);
	free(s);
}

static struct flow *
lookup(rec_ss *s, const struct rec_addr *src, const struct rec_addr *dst, uint32_t h)
{
	for (struct flow *f = s->bucket[h & (HASH_SIZE - 1)]; f; f = f->hnext)
		if (f->hash == h && rec_addr_eq(&f->src, src) && rec_addr_eq(&f->dst, dst))
			return f;
	return NULL;
}

static struct flow *
open_flow(rec_ss *s, const struct rec_net *seg, uint32_t h)
{
	if (s->n >= REC_SS_MAX_FLOWS) {
		s->st.evicted++;
		close_flow(s, s->head);
	}
	struct flow *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->hash = h;
	f->src = seg->u.src;
	f->dst = seg->u.dst;
	f->hnext = s->bucket[h & (HASH_SIZE - 1)];
	s->bucket[h & (HASH_SIZE - 1)] = f;
	lru_append(s, f);
	s->n++;
	s->st.flows++;
	return f;
}

/* Makes room for need more bytes over all directions by forgetting the least recently
 * active ones (never f, which was just moved to the tail).  0, or -1 when f alone is over. */
static int
make_room(rec_ss *s, struct flow *f, size_t need)
{
	while (s->bytes + need > REC_SS_MAX_TOTAL && s->head != NULL && s->head != f) {
		s->st.evicted++;
		close_flow(s, s->head);
	}
	return s->bytes + need > REC_SS_MAX_TOTAL ? -1 : 0;
}

/* Forgets what is buffered and waits for a start line (after a hole, or garbage). */
static void
lose_sync(rec_ss *s, struct flow *f)
{
	s->st.skipped += f->len;
	f->len = f->scan = 0;
	f->skip = 0;
	f->resync = 1;
}

static void
consume(struct flow *f, size_t n)
{
	if (n == 0)
		return;
	memmove(f->buf, f->buf + n, f->len - n);
	f->len -= n;
	f->scan = 0;
}

/* Where the request line whose " SIP/2.0" is at k starts: back over the Request-URI and
 * the method (its known name when the letters before it are a body's tail: "...AACK"), or
 * -1 when there is no such line. */
static long
request_start(const uint8_t *b, size_t k)
{
	static const char *const methods[] = { "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS",
		"REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE",
		"UPDATE" };
	if (k < 4 || b[k - 1] != ' ')
		return -1;
	size_t e = k - 1, u = e;
	while (u > 0 && e - u < MAX_LINE && b[u - 1] > ' ')
		u--;
	if (u == e || u < 2 || b[u - 1] != ' ')
		return -1;
	size_t end = u - 1, m = end;
	while (m > 0 && end - m < 32 && b[m - 1] >= 'A' && b[m - 1] <= 'Z')
		m--;
	if (end - m < 2)
		return -1;
	for (size_t i = m; i + 2 <= end; i++)
		for (size_t j = 0; j < sizeof(methods) / sizeof(methods[0]); j++)
			if (strlen(methods[j]) == end - i && memcmp(b + i, methods[j], end - i) == 0)
				return (long)i;
	return (long)m;
}

/*
 * Looking for the next message after a hole or garbage: the first "SIP/2.0" that is the
 * version of a whole start line, even mid-line (the message before it may have lost its
 * start, and a body does not end in CRLF).  Drops what is before it and returns 1; or drops
 * what cannot be part of one and returns 0 (wait for more).
 */
static int
resync(rec_ss *s, struct flow *f)
{
	size_t pos = 0;
	for (;;) {
		const uint8_t *hit = f->len - pos >= 7 ?
		    memmem(f->buf + pos, f->len - pos, "SIP/2.0", 7) : NULL;
		if (hit == NULL) {
			/* A request line's start may be here already, its version not yet. */
			size_t keep = MAX_LINE + 7;
			size_t cut = f->len > keep ? f->len - keep : 0;
			s->st.skipped += cut;
			consume(f, cut);
			return 0;
		}
		size_t k = (size_t)(hit - f->buf);
		if (k + 12 > f->len) {
			/* Too little after it to tell: wait, keeping what its line may need. */
			size_t cut = k > MAX_LINE ? k - MAX_LINE : 0;
			s->st.skipped += cut;
			consume(f, cut);
			return 0;
		}
		long c = f->buf[k + 7] == ' ' ? (long)k : request_start(f->buf, k);
		if (c >= 0) {
			size_t avail = f->len - (size_t)c;
			long l = line_len(f->buf + c, avail < MAX_LINE ? avail : MAX_LINE);
			if (l < 0 && avail < MAX_LINE) {
				s->st.skipped += (size_t)c;
				consume(f, (size_t)c);
				return 0;
			}
			if (l >= 0 && start_line(f->buf + c, (size_t)l)) {
				s->st.skipped += (size_t)c;
				consume(f, (size_t)c);
				f->resync = 0;
				return 1;
			}
		}
		pos = k + 1;
	}
}

/* Hands on every whole message at the front of f->buf.  Afterwards f->len < REC_SS_MAX_MSG,
 * so there is always room for more. */
static void
frame(rec_ss *s, struct flow *f, int64_t ts)
{
	for (;;) {
		if (f->resync && !resync(s, f))
			return;
		size_t k = 0;
		while (k < f->len && (f->buf[k] == '\r' || f->buf[k] == '\n'))
			k++;
		if (k > 0)
			consume(f, k);
		if (f->len == 0)
			return;
		long l = line_len(f->buf, f->len < MAX_LINE ? f->len : MAX_LINE);
		if (l < 0) {
			if (f->len >= MAX_LINE)
				lose_sync(s, f); /* no start line is that long */
			return;
		}
		if (!start_line(f->buf, (size_t)l)) {
			f->resync = 1;
			continue;
		}
		/* The end of the headers: an empty line (CRLF CRLF, or bare LFs). */
		size_t from = f->scan, hdr_end = 0;
		for (size_t i = from; i + 1 < f->len; i++) {
			if (f->buf[i] != '\n')
				continue;
			if (f->buf[i + 1] == '\n') {
				hdr_end = i + 2;
				break;
			}
			if (i + 2 < f->len && f->buf[i + 1] == '\r' && f->buf[i + 2] == '\n') {
				hdr_end = i + 3;
				break;
			}
		}
		if (hdr_end == 0) {
			f->scan = f->len > 2 ? f->len - 2 : 0;
			if (f->len >= REC_SS_MAX_MSG) {
				s->st.oversize++;
				lose_sync(s, f);
			}
			return;
		}
		long cl = content_length(f->buf, hdr_end, REC_SS_MAX_MSG - hdr_end);
		if (cl < 0) {
			/* Too big to hold: skip its body exactly and go on with the next. */
			s->st.oversize++;
			cl = content_length(f->buf, hdr_end, 0xffffffffUL);
			s->st.skipped += hdr_end;
			consume(f, hdr_end);
			f->skip = cl < 0 ? 0 : (uint32_t)cl;
			if (cl < 0)
				f->resync = 1;
			size_t d = f->skip < f->len ? f->skip : f->len;
			s->st.skipped += d;
			f->skip -= (uint32_t)d;
			consume(f, d);
			if (f->skip > 0)
				return;
			continue;
		}
		size_t mlen = hdr_end + (size_t)cl;
		if (f->len < mlen)
			return;
		struct rec_udp m = { .ts_us = ts, .src = f->src, .dst = f->dst, .data = f->buf,
			.len = mlen };
		s->st.messages++;
		if (s->fn)
			s->fn(s->arg, &m);
		consume(f, mlen);
	}
}

/* In-order bytes p[0..n) at f->next_seq. */
static void
append(rec_ss *s, struct flow *f, const uint8_t *p, size_t n, int64_t ts)
{
	f->next_seq += (uint32_t)n;
	while (n > 0) {
		if (f->skip > 0) {
			size_t d = f->skip < n ? f->skip : n;
			s->st.skipped += d;
			f->skip -= (uint32_t)d;
			p += d;
			n -= d;
			continue;
		}
		size_t k = REC_SS_MAX_MSG - f->len; /* > 0: frame() leaves room */
		if (k == 0) {
			s->st.oversize++; /* cannot happen; never loop on it */
			lose_sync(s, f);
			continue;
		}
		if (k > n)
			k = n;
		if (f->len + k > f->cap) {
			size_t ncap = f->cap ? f->cap : 2048;
			while (ncap < f->len + k)
				ncap *= 2;
			if (ncap > REC_SS_MAX_MSG)
				ncap = REC_SS_MAX_MSG;
			uint8_t *nb = make_room(s, f, ncap - f->cap) == 0 ? realloc(f->buf, ncap) :
			    NULL;
			if (nb == NULL) {
				/* No memory: this stretch is lost like a hole. */
				s->st.gaps++;
				lose_sync(s, f);
				s->st.skipped += n;
				return;
			}
			s->bytes += ncap - f->cap;
			f->buf = nb;
			f->cap = ncap;
		}
		memcpy(f->buf + f->len, p, k);
		f->len += k;
		p += k;
		n -= k;
		frame(s, f, ts);
	}
	/* An idle direction holds no buffer. */
	if (f->len == 0 && f->cap > 0)
		clear_buf(s, f);
}

/* The part of [seq, seq + n) at or after next_seq, if any. */
static void
in_order(rec_ss *s, struct flow *f, uint32_t seq, const uint8_t *p, size_t n, int64_t ts)
{
	uint32_t old = f->next_seq - seq; /* bytes already had: d <= 0 */
	if (old > 0)
		s->st.retransmits++;
	if (old >= n)
		return;
	append(s, f, p + old, n - old, ts);
}

/* Plays the held segments the stream has reached. */
static void
drain(rec_ss *s, struct flow *f, int64_t ts)
{
	int moved = 0;
	while (f->nooo > 0 && (int32_t)(f->ooo[0].seq - f->next_seq) <= 0) {
		moved = 1;
		struct seg g = f->ooo[0];
		memmove(&f->ooo[0], &f->ooo[1], (size_t)(f->nooo - 1) * sizeof(struct seg));
		f->nooo--;
		f->ooo_bytes -= g.len;
		s->bytes -= g.len;
		in_order(s, f, g.seq, g.data, g.len, ts);
		free(g.data);
	}
	/* A hole that moved is a new one: it gets the whole wait again. */
	if (f->nooo == 0)
		f->hole_us = 0;
	else if (moved)
		f->hole_us = ts;
}

/* Gives up the hole before the first held segment: the stream goes on from there. */
static void
skip_hole(rec_ss *s, struct flow *f, int64_t ts)
{
	s->st.gaps++;
	lose_sync(s, f);
	f->next_seq = f->ooo[0].seq;
	drain(s, f, ts);
}

static void
deliver(rec_ss *s, struct flow *f, uint32_t seq, const uint8_t *p, size_t n, int64_t ts)
{
	for (;;) {
		int32_t d = (int32_t)(seq - f->next_seq);
		if (d <= 0) {
			in_order(s, f, seq, p, n, ts);
			drain(s, f, ts);
			return;
		}
		if (f->nooo < REC_SS_MAX_OOO && f->ooo_bytes + n <= REC_SS_MAX_OOO_BYTES) {
			int i = 0;
			while (i < f->nooo && (int32_t)(f->ooo[i].seq - seq) < 0)
				i++;
			if (i < f->nooo && f->ooo[i].seq == seq && f->ooo[i].len >= n) {
				s->st.retransmits++;
				return;
			}
			uint8_t *copy = make_room(s, f, n) == 0 ? malloc(n) : NULL;
			if (copy == NULL)
				return; /* like a segment the capture missed */
			memcpy(copy, p, n);
			memmove(&f->ooo[i + 1], &f->ooo[i], (size_t)(f->nooo - i) * sizeof(struct seg));
			f->ooo[i] = (struct seg){ .seq = seq, .len = (uint32_t)n, .data = copy };
			if (f->nooo++ == 0)
				f->hole_us = ts;
			f->ooo_bytes += n;
			s->bytes += n;
			return;
		}
		if (f->nooo == 0) {
			/* Too big to hold on its own: give the hole up at once. */
			s->st.gaps++;
			lose_sync(s, f);
			f->next_seq = seq;
			continue;
		}
		skip_hole(s, f, ts);
	}
}

static void
expire_idle(rec_ss *s, int64_t now)
{
	while (s->head && s->head->last_us < now - REC_SS_IDLE_US)
		close_flow(s, s->head);
}

/* FIN seen and every byte before it in: the direction is done. */
static int
finished(const struct flow *f)
{
	return f->fin && (int32_t)(f->next_seq - f->fin_seq) >= 0;
}

void
rec_ss_segment(rec_ss *s, const struct rec_net *seg)
{
	int64_t ts = seg->u.ts_us;
	uint8_t fl = seg->tcp_flags;
	const uint8_t *p = seg->u.data;
	size_t n = seg->u.len;
	uint32_t seq = seg->tcp_seq;
	s->st.segments++;
	expire_idle(s, ts);

	uint32_t h = hash_dir(&seg->u.src, &seg->u.dst);
	struct flow *f = lookup(s, &seg->u.src, &seg->u.dst, h);
	if (fl & REC_TCP_RST) {
		if (f != NULL)
			close_flow(s, f);
		return;
	}
	if (fl & REC_TCP_SYN) {
		if (f == NULL) {
			if (seg->u.src.port != REC_SS_SIP_PORT && seg->u.dst.port != REC_SS_SIP_PORT)
				return;
			if ((f = open_flow(s, seg, h)) == NULL)
				return;
		} else {
			/* A new connection on the same 4-tuple. */
			clear_ooo(s, f);
			clear_buf(s, f);
			f->skip = 0;
			f->fin = 0;
		}
		f->resync = 0;
		f->next_seq = seq + 1;
		f->last_us = ts;
		lru_unlink(s, f);
		lru_append(s, f);
		return; /* data on a SYN (TCP Fast Open) is not SIP's habit */
	}
	if (f == NULL) {
		if (n == 0 || !starts_sip(p, n))
			return;
		if ((f = open_flow(s, seg, h)) == NULL)
			return;
		f->next_seq = seq;
	} else {
		uint32_t ahead = seq - f->next_seq, behind = f->next_seq - seq;
		if (ahead > WINDOW && behind > WINDOW) {
			/* Nowhere near the stream: a connection we missed the start of. */
			s->st.gaps++;
			clear_ooo(s, f);
			lose_sync(s, f);
			f->next_seq = seq;
		}
	}
	f->last_us = ts;
	lru_unlink(s, f);
	lru_append(s, f);

	if (f->nooo > 0 && ts - f->hole_us > REC_SS_GAP_US)
		skip_hole(s, f, ts);
	if (n > 0)
		deliver(s, f, seq, p, n, ts);
	if (fl & REC_TCP_FIN) {
		f->fin = 1;
		f->fin_seq = seq + (uint32_t)n;
	}
	if (finished(f))
		close_flow(s, f);
}

void
rec_ss_expire(rec_ss *s, int64_t now_us)
{
	expire_idle(s, now_us);
	for (struct flow *f = s->head, *next; f; f = next) {
		next = f->next;
		if (f->nooo > 0 && now_us - f->hole_us > REC_SS_GAP_US) {
			skip_hole(s, f, now_us);
			if (finished(f))
				close_flow(s, f);
		}
	}
}

const struct rec_ss_stats *
rec_ss_stats(const rec_ss *s)
{
	return &s->st;
}

int
rec_ss_flows(const rec_ss *s)
{
	return s->n;
}

size_t
rec_ss_bytes(const rec_ss *s)
{
	return s->bytes;
}
