/*
 * sdp.c - the parts of an SDP offer or answer (RFC 4566, RFC 3264) the recorder needs: where
 * a side wants to receive audio (c= at session or media level, m=audio port), the payload
 * types it lists with their rtpmaps, and the direction attribute (sendrecv, sendonly,
 * recvonly, inactive; media level overrides session level).  Only the first m=audio section
 * is used; video and other media are skipped.  At most REC_SDP_MAX_FMT payload types are
 * kept.  Bounded on any input: a line that does not parse is ignored.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rec.h"

const char *
rec_sdp_dir_name(enum rec_sdp_dir d)
{
	switch (d) {
	case REC_SDP_SENDRECV:
		return "sendrecv";
	case REC_SDP_SENDONLY:
		return "sendonly";
	case REC_SDP_RECVONLY:
		return "recvonly";
	case REC_SDP_INACTIVE:
		return "inactive";
	}
	return "?";
}

/* Next space-separated word of l starting at *i. */
static struct rec_str
word(struct rec_str l, size_t *i)
{
	while (*i < l.n && (l.p[*i] == ' ' || l.p[*i] == '\t'))
		(*i)++;
	size_t s = *i;
	while (*i < l.n && l.p[*i] != ' ' && l.p[*i] != '\t')
		(*i)++;
	return (struct rec_str){ l.p + s, *i - s };
}


/* c=IN IP4 192.0.2.1[/ttl] */
static int
conn(struct rec_str l, struct rec_addr *a)
{
	size_t i = 0;
	struct rec_str net = word(l, &i), type = word(l, &i), addr = word(l, &i);
	if (!rec_str_eq(net, "IN"))
		return -1;
	char buf[64];
	const char *slash = memchr(addr.p, '/', addr.n);
	size_t n = slash ? (size_t)(slash - addr.p) : addr.n;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, addr.p, n);
	buf[n] = 0;
	memset(a, 0, sizeof(*a));
	if (rec_str_eq(type, "IP4") && inet_pton(AF_INET, buf, a->ip) == 1)
		a->family = 4;
	else if (rec_str_eq(type, "IP6") && inet_pton(AF_INET6, buf, a->ip) == 1)
		a->family = 6;
	else
		return -1;
	return 0;
}

static int
dir_attr(struct rec_str a, enum rec_sdp_dir *d)
{
	if (rec_str_eq(a, "sendrecv"))
		*d = REC_SDP_SENDRECV;
	else if (rec_str_eq(a, "sendonly"))
		*d = REC_SDP_SENDONLY;
	else if (rec_str_eq(a, "recvonly"))
		*d = REC_SDP_RECVONLY;
	else if (rec_str_eq(a, "inactive"))
		*d = REC_SDP_INACTIVE;
	else
		return 0;
	return 1;
}

/* a=rtpmap:8 PCMA/8000[/1] */
static void
rtpmap(struct rec_str v, struct rec_sdp *s)
{
	size_t i = 0;
	struct rec_str pt = word(v, &i), enc = word(v, &i);
	unsigned long n, rate = 0;
	if (rec_str_uint(pt, 127, &n) != 0 || s->nmap >= REC_SDP_MAX_FMT)
		return;
	const char *slash = memchr(enc.p, '/', enc.n);
	if (slash == NULL)
		return;
	size_t en = (size_t)(slash - enc.p);
	struct rec_str r = { slash + 1, enc.n - en - 1 };
	const char *s2 = memchr(r.p, '/', r.n);
	if (s2 != NULL)
		r.n = (size_t)(s2 - r.p);
	if (rec_str_uint(r, 1000000, &rate) != 0 || en == 0)
		return;
	/* A later rtpmap for the same payload type replaces the earlier one. */
	int k;
	for (k = 0; k < s->nmap; k++)
		if (s->map[k].pt == n)
			break;
	if (k == s->nmap)
		s->nmap++;
	struct rec_sdp_map *m = &s->map[k];
	m->pt = (uint8_t)n;
	if (en >= sizeof(m->enc))
		en = sizeof(m->enc) - 1;
	memcpy(m->enc, enc.p, en);
	m->enc[en] = 0;
	m->rate = (uint32_t)rate;
}

int
rec_sdp_parse(const char *b, size_t len, struct rec_sdp *s)
{
	memset(s, 0, sizeof(*s));
	struct rec_addr sess_conn = { 0 }, media_conn = { 0 };
	enum rec_sdp_dir sess_dir = REC_SDP_SENDRECV, media_dir = REC_SDP_SENDRECV;
	int media_dir_set = 0;
	/* 0 before any m=, 1 inside the chosen m=audio, 2 inside another media section */
	int section = 0;
	unsigned long port = 0;
	size_t pos = 0;
	int first = 1;
	while (pos < len) {
		const char *nl = memchr(b + pos, '\n', len - pos);
		size_t le = nl ? (size_t)(nl - b) : len;
		struct rec_str l = { b + pos, le - pos };
		pos = le + 1;
		if (l.n > 0 && l.p[l.n - 1] == '\r')
			l.n--;
		if (l.n == 0)
			continue;
		if (first) {
			first = 0;
			if (l.n < 2 || l.p[0] != 'v' || l.p[1] != '=')
				return -1;
			continue;
		}
		if (l.n < 2 || l.p[1] != '=')
			continue;
		char t = l.p[0];
		struct rec_str v = { l.p + 2, l.n - 2 };
		if (t == 'm') {
			if (section == 1) {
				section = 3; /* done with audio; ignore the rest */
				continue;
			}
			if (section == 3)
				continue;
			size_t i = 0;
			struct rec_str media = word(v, &i), p = word(v, &i);
			struct rec_str proto = word(v, &i);
			(void)proto;
			const char *slash = memchr(p.p, '/', p.n);
			if (slash != NULL)
				p.n = (size_t)(slash - p.p); /* port/count */
			if (rec_str_eq(media, "audio") && rec_str_uint(p, 65535, &port) == 0) {
				section = 1;
				s->has_audio = 1;
				for (;;) {
					struct rec_str f = word(v, &i);
					unsigned long pt;
					if (f.n == 0)
						break;
					if (rec_str_uint(f, 127, &pt) == 0 && s->nfmt < REC_SDP_MAX_FMT)
						s->fmt[s->nfmt++] = (uint8_t)pt;
				}
			} else {
				section = 2;
			}
			continue;
		}
		if (section == 2 || section == 3)
			continue;
		if (t == 'c') {
			struct rec_addr a;
			if (conn(v, &a) == 0) {
				if (section == 0)
					sess_conn = a;
				else
					media_conn = a;
			}
		} else if (t == 'a') {
			enum rec_sdp_dir d;
			if (dir_attr(v, &d)) {
				if (section == 0) {
					sess_dir = d;
				} else {
					media_dir = d;
					media_dir_set = 1;
				}
			} else if (section == 1 && v.n > 7 && memcmp(v.p, "rtpmap:", 7) == 0) {
				rtpmap((struct rec_str){ v.p + 7, v.n - 7 }, s);
			}
		}
	}
	if (s->has_audio) {
		s->audio = media_conn.family ? media_conn : sess_conn;
		s->audio.port = (uint16_t)port;
		s->dir = media_dir_set ? media_dir : sess_dir;
	}
	return 0;
}
