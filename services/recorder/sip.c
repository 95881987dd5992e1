/*
 * sip.c - a SIP message reader for the recorder: enough of RFC 3261 to follow dialogs.
 *
 * rec_sip_parse() reads the start line, the headers the recorder needs (Call-ID, CSeq, From,
 * To, Contact, Content-Type, Content-Length, in long or compact form, case-insensitive,
 * folded lines allowed) and finds the body.  Everything returned is a view into the caller's
 * buffer; nothing is allocated, and every scan is bounded by len, so any input ends in a
 * result or -1.  Lines may end in CRLF or a bare LF.  Only the first of repeated single
 * headers counts.  Other headers (Via, Route...) are skipped: the recorder observes, it
 * never answers.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rec.h"

int
rec_str_eq(struct rec_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

int
rec_str_ieq(struct rec_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct rec_str
trim(struct rec_str s)
{
	while (s.n > 0 && is_ws(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_ws(s.p[s.n - 1]))
		s.n--;
	return s;
}

static int
is_token_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-.!%*_+`'~", c) != NULL;
}

int
rec_sip_looks_like(const uint8_t *buf, size_t len)
{
	if (len >= 8 && memcmp(buf, "SIP/2.0 ", 8) == 0)
		return 1;
	size_t i = 0;
	while (i < len && i < 32 && buf[i] >= 'A' && buf[i] <= 'Z')
		i++;
	return i > 1 && i < len && buf[i] == ' ';
}

/* Finds the end of the line starting at pos: returns the index of '\n' (or len). */
static size_t
line_end(const char *b, size_t len, size_t pos)
{
	const char *nl = memchr(b + pos, '\n', len - pos);
	return nl ? (size_t)(nl - b) : len;
}

/* Reads a parameter value (tag=...) from ;params; the scan stops at the end of s. */
static struct rec_str
param(struct rec_str s, const char *name)
{
	struct rec_str none = { s.p + s.n, 0 };
	size_t nl = strlen(name);
	size_t i = 0;
	while (i < s.n) {
		if (s.p[i] != ';') {
			i++;
			continue;
		}
		i++;
		while (i < s.n && is_ws(s.p[i]))
			i++;
		if (i + nl <= s.n && strncasecmp(s.p + i, name, nl) == 0) {
			size_t j = i + nl;
			while (j < s.n && is_ws(s.p[j]))
				j++;
			if (j < s.n && s.p[j] == '=') {
				j++;
				while (j < s.n && is_ws(s.p[j]))
					j++;
				size_t k = j;
				while (k < s.n && s.p[k] != ';' && s.p[k] != ',' && !is_ws(s.p[k]))
					k++;
				return (struct rec_str){ s.p + j, k - j };
			}
		}
	}
	return none;
}

/* user and host of a SIP/SIPS/TEL URI (without <>). */
static void
uri_parts(struct rec_str u, struct rec_str *user, struct rec_str *host)
{
	u = trim(u);
	size_t i = 0;
	const char *colon = memchr(u.p, ':', u.n);
	if (colon != NULL)
		i = (size_t)(colon - u.p) + 1;
	/* Stop at URI parameters or headers. */
	size_t end = i;
	while (end < u.n && u.p[end] != ';' && u.p[end] != '?' && u.p[end] != '>')
		end++;
	const char *at = memchr(u.p + i, '@', end - i);
	if (at != NULL) {
		size_t ue = (size_t)(at - u.p);
		/* user:password@host */
		const char *pw = memchr(u.p + i, ':', ue - i);
		*user = (struct rec_str){ u.p + i, (pw ? (size_t)(pw - u.p) : ue) - i };
		i = ue + 1;
	} else if (colon != NULL && (size_t)(colon - u.p) == 3 &&
	    strncasecmp(u.p, "tel", 3) == 0) {
		*user = (struct rec_str){ u.p + i, end - i };
		*host = (struct rec_str){ u.p + end, 0 };
		return;
	} else {
		*user = (struct rec_str){ u.p + i, 0 };
	}
	/* host[:port] */
	size_t he = i;
	if (he < end && u.p[he] == '[') {
		while (he < end && u.p[he] != ']')
			he++;
		if (he < end)
			he++;
	} else {
		while (he < end && u.p[he] != ':')
			he++;
	}
	*host = (struct rec_str){ u.p + i, he - i };
}

int
rec_sip_parse_party(struct rec_str v, struct rec_sip_party *p)
{
	memset(p, 0, sizeof(*p));
	v = trim(v);
	p->display = p->user = p->host = p->tag = (struct rec_str){ v.p, 0 };
	if (v.n == 0)
		return -1;
	struct rec_str uri, params;
	const char *lt = NULL;
	/* A quoted display name may hold '<': skip the quoted part first. */
	size_t i = 0;
	if (v.p[0] == '"') {
		i = 1;
		while (i < v.n && v.p[i] != '"') {
			if (v.p[i] == '\\' && i + 1 < v.n)
				i++;
			i++;
		}
		if (i >= v.n)
			return -1;
		p->display = (struct rec_str){ v.p + 1, i - 1 };
		i++;
	}
	lt = memchr(v.p + i, '<', v.n - i);
	if (lt != NULL) {
		const char *gt = memchr(lt, '>', v.n - (size_t)(lt - v.p));
		if (gt == NULL)
			return -1;
		if (v.p[0] != '"')
			p->display = trim((struct rec_str){ v.p, (size_t)(lt - v.p) });
		uri = (struct rec_str){ lt + 1, (size_t)(gt - lt - 1) };
		params = (struct rec_str){ gt + 1, v.n - (size_t)(gt + 1 - v.p) };
	} else {
		if (v.p[0] == '"')
			return -1; /* a display name needs <uri> */
		/* addr-spec: parameters after the URI belong to the header. */
		const char *semi = memchr(v.p, ';', v.n);
		size_t ue = semi ? (size_t)(semi - v.p) : v.n;
		uri = (struct rec_str){ v.p, ue };
		params = (struct rec_str){ v.p + ue, v.n - ue };
	}
	uri_parts(uri, &p->user, &p->host);
	p->tag = param(params, "tag");
	return 0;
}

enum hdr {
	H_OTHER,
	H_CALL_ID,
	H_CSEQ,
	H_FROM,
	H_TO,
	H_CONTACT,
	H_CTYPE,
	H_CLEN,
};

static enum hdr
hdr_of(struct rec_str name)
{
	static const struct {
		const char *name;
		char compact;
		enum hdr h;
	} tab[] = {
		{ "call-id", 'i', H_CALL_ID },
		{ "cseq", 0, H_CSEQ },
		{ "from", 'f', H_FROM },
		{ "to", 't', H_TO },
		{ "contact", 'm', H_CONTACT },
		{ "content-type", 'c', H_CTYPE },
		{ "content-length", 'l', H_CLEN },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (rec_str_ieq(name, tab[i].name))
			return tab[i].h;
		if (tab[i].compact && name.n == 1 && tolower((unsigned char)name.p[0]) ==
		    tab[i].compact)
			return tab[i].h;
	}
	return H_OTHER;
}

int
rec_str_uint(struct rec_str s, unsigned long max, unsigned long *out)
{
	if (s.n == 0 || s.n > 10)
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (!isdigit((unsigned char)s.p[i]))
			return -1;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_uint(struct rec_str s, unsigned long max, unsigned long *out)
{
	return rec_str_uint(trim(s), max, out);
}

static int
start_line(struct rec_str l, struct rec_sip_msg *m)
{
	l = trim(l);
	if (l.n >= 8 && memcmp(l.p, "SIP/2.0 ", 8) == 0) {
		m->is_request = 0;
		struct rec_str code = { l.p + 8, 0 };
		while (8 + code.n < l.n && isdigit((unsigned char)code.p[code.n]))
			code.n++;
		unsigned long st;
		if (code.n != 3 || parse_uint(code, 699, &st) != 0 || st < 100)
			return -1;
		m->status = (int)st;
		return 0;
	}
	m->is_request = 1;
	size_t i = 0;
	while (i < l.n && is_token_char(l.p[i]))
		i++;
	if (i == 0 || i >= l.n || l.p[i] != ' ')
		return -1;
	m->method = (struct rec_str){ l.p, i };
	/* Request-URI, then SIP/2.0 */
	const char *sp = memchr(l.p + i + 1, ' ', l.n - i - 1);
	if (sp == NULL)
		return -1;
	struct rec_str ver = { sp + 1, l.n - (size_t)(sp + 1 - l.p) };
	if (!rec_str_ieq(ver, "SIP/2.0"))
		return -1;
	return 0;
}

int
rec_sip_parse(const char *b, size_t len, struct rec_sip_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->content_length = -1;
	if (len == 0)
		return -1;
	size_t e = line_end(b, len, 0);
	if (start_line((struct rec_str){ b, e }, m) != 0)
		return -1;
	int seen[H_CLEN + 1] = { 0 };
	size_t pos = e < len ? e + 1 : len;
	size_t body = len;
	while (pos < len) {
		size_t le = line_end(b, len, pos);
		struct rec_str line = { b + pos, le - pos };
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n == 0) {
			body = le < len ? le + 1 : len;
			break;
		}
		/* Fold continuation lines into the value. */
		size_t next = le < len ? le + 1 : len;
		while (next < len && (b[next] == ' ' || b[next] == '\t')) {
			le = line_end(b, len, next);
			line.n = le - pos;
			next = le < len ? le + 1 : len;
		}
		pos = next;
		const char *colon = memchr(line.p, ':', line.n);
		if (colon == NULL)
			continue; /* not a header: tolerated */
		struct rec_str name = trim((struct rec_str){ line.p, (size_t)(colon - line.p) });
		struct rec_str val = trim((struct rec_str){ colon + 1,
		    line.n - (size_t)(colon + 1 - line.p) });
		enum hdr h = hdr_of(name);
		if (h == H_OTHER || seen[h])
			continue;
		seen[h] = 1;
		switch (h) {
		case H_CALL_ID:
			m->call_id = val;
			break;
		case H_CSEQ: {
			size_t i = 0;
			while (i < val.n && isdigit((unsigned char)val.p[i]))
				i++;
			unsigned long n;
			if (parse_uint((struct rec_str){ val.p, i }, 0xffffffffUL, &n) != 0)
				return -1;
			m->cseq = (uint32_t)n;
			m->cseq_method = trim((struct rec_str){ val.p + i, val.n - i });
			if (m->cseq_method.n == 0)
				return -1;
			break;
		}
		case H_FROM:
			if (rec_sip_parse_party(val, &m->from) != 0)
				return -1;
			break;
		case H_TO:
			if (rec_sip_parse_party(val, &m->to) != 0)
				return -1;
			break;
		case H_CONTACT:
			m->contact = val;
			break;
		case H_CTYPE:
			m->content_type = val;
			break;
		case H_CLEN: {
			unsigned long n;
			if (parse_uint(val, 1UL << 24, &n) != 0)
				return -1;
			m->content_length = (long)n;
			break;
		}
		default:
			break;
		}
	}
	if (!seen[H_CALL_ID] || m->call_id.n == 0 || !seen[H_CSEQ] || !seen[H_FROM] ||
	    !seen[H_TO])
		return -1;
	if (!m->is_request)
		m->method = m->cseq_method;
	size_t avail = len - body;
	size_t blen = avail;
	if (m->content_length >= 0) {
		if ((size_t)m->content_length > avail)
			m->truncated = 1;
		else
			blen = (size_t)m->content_length;
	}
	m->body = (struct rec_str){ b + body, blen };
	return 0;
}
