/*
 * mail.c - plain-text e-mail over SMTP with libcurl (mail.h).
 *
 * DESIGN
 *
 * The message is built whole in memory (it is small: a password-reset link, an alert, a
 * report notice) and handed to curl through a read callback; curl speaks SMTP, upgrades
 * with STARTTLS, logs in and dot-stuffs.  Everything a caller passes is checked before a
 * byte is written: a CR or LF in a header field would let a value add headers (Bcc:) or,
 * in an address, SMTP commands, so it is refused outright rather than stripped.  Addresses
 * are the common dot-atom shape (no quoted local parts, no comments, ASCII only), which is
 * what every address the settings and user pages accept looks like.
 *
 * Non-ASCII text travels as RFC 2047 encoded words in headers and quoted-printable in the
 * body, so the message is 7-bit clean and needs no 8BITMIME or SMTPUTF8 from the server.
 *
 * curl_global_init runs once per process (pthread_once) and is never undone: the gateway
 * sends mail until it exits.  CURLOPT_NOSIGNAL is set because we are on a worker thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "mail.h"

#define LINE_SOFT 78       /* RFC 5322 2.1.1: lines SHOULD be at most 78 characters */
#define LINE_HARD 998      /* and MUST be at most 998 */
#define QP_LINE 76         /* RFC 2045 6.7: encoded lines at most 76 characters */
#define WORD_BYTES 39      /* UTF-8 bytes per encoded word: 52 base64 + 12 = 64 columns */

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- a growing buffer ------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[0] = tab[(v >> 18) & 63];
		out[1] = tab[(v >> 12) & 63];
		out[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[3] = i + 2 < n ? tab[v & 63] : '=';
		buf_add(b, out, 4);
	}
}

/* ---- checks ----------------------------------------------------------------------------- */

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* Length of the (valid) UTF-8 character starting with byte c. */
static size_t
utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A host name's labels: letters, digits and inner hyphens (underscores too when relaxed,
 * for server names; never in a mail domain). */
static bool
valid_hostname(const char *s, size_t n, bool underscore)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-' && !(underscore && c == '_'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/* user@example.com, user@localhost, user@[192.0.2.1], user@[IPv6:2001:db8::1]. */
static bool
valid_address(const char *a)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";
	size_t n = strlen(a), ll;
	const char *at = strrchr(a, '@');
	const char *d;
	unsigned char ip[16];
	char lit[64];

	if (n == 0 || n > 254 || at == NULL)
		return false;
	ll = (size_t)(at - a);
	if (ll == 0 || ll > 64 || a[0] == '.' || at[-1] == '.')
		return false;
	for (size_t i = 0; i < ll; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c == '.' && a[i + 1] == '.')
			return false;
		if (!is_alnum(c) && c != '.' && (c == '\0' || strchr(specials, c) == NULL))
			return false;
	}
	d = at + 1;
	n -= ll + 1;
	if (n > 2 && d[0] == '[' && d[n - 1] == ']') {
		if (n - 2 >= sizeof(lit))
			return false;
		memcpy(lit, d + 1, n - 2);
		lit[n - 2] = '\0';
		return inet_pton(AF_INET, lit, ip) == 1 ||
		    (strncasecmp(lit, "IPv6:", 5) == 0 && inet_pton(AF_INET6, lit + 5, ip) == 1);
	}
	return valid_hostname(d, n, false);
}

/* Refuses a header field value that could start a new header line. */
static bool
check_line(const char *field, const char *v, char *err, size_t errlen)
{
	if (strpbrk(v, "\r\n") != NULL) {
		seterr(err, errlen, "%s: contains a line break (header injection refused)", field);
		return false;
	}
	return true;
}

static bool
check_text(const char *field, const char *v, char *err, size_t errlen)
{
	if (!check_line(field, v, err, errlen))
		return false;
	if (!utf8_valid((const unsigned char *)v, strlen(v))) {
		seterr(err, errlen, "%s: not valid UTF-8", field);
		return false;
	}
	return true;
}

static bool
check_address(const char *field, const char *v, char *err, size_t errlen)
{
	if (!check_line(field, v, err, errlen))
		return false;
	if (!valid_address(v)) {
		seterr(err, errlen, "%s: not an e-mail address: \"%.*s\"", field, 80, v);
		return false;
	}
	return true;
}

/* A fixed-size field of the settings must be NUL-terminated inside its array. */
#define FIELD_OK(c, f) (strnlen((c)->f, sizeof((c)->f)) < sizeof((c)->f))

static bool
check_sender(const struct gw_mail_conf *c, char *err, size_t errlen)
{
	if (!FIELD_OK(c, from) || !FIELD_OK(c, from_name)) {
		seterr(err, errlen, "from: too long");
		return false;
	}
	return check_address("from", c->from, err, errlen) &&
	    check_text("from_name", c->from_name, err, errlen);
}

/* true for an IPv6 literal, which the URL writes in brackets. */
static bool
server_is_v6(const char *s)
{
	unsigned char ip[16];

	return inet_pton(AF_INET6, s, ip) == 1;
}

hs_err
gw_mail_conf_check(const struct gw_mail_conf *c, char *err, size_t errlen)
{
	unsigned char ip[16];

	seterr(err, errlen, "%s", "");
	if (c == NULL) {
		seterr(err, errlen, "no settings");
		return HS_EINVAL;
	}
	if (!FIELD_OK(c, server) || !FIELD_OK(c, username) || !FIELD_OK(c, password)) {
		seterr(err, errlen, "server, username or password too long");
		return HS_EINVAL;
	}
	if (c->server[0] == '\0') {
		seterr(err, errlen, "server: missing");
		return HS_EINVAL;
	}
	/* it goes into a URL: nothing but a host name or an address may pass */
	if (!valid_hostname(c->server, strlen(c->server), true) &&
	    inet_pton(AF_INET, c->server, ip) != 1 && !server_is_v6(c->server)) {
		seterr(err, errlen, "server: not a host name or IP address: \"%.*s\"", 80,
		    c->server);
		return HS_EINVAL;
	}
	if (c->port < 0 || c->port > 65535) {
		seterr(err, errlen, "port: %d is out of range (1-65535)", c->port);
		return HS_EINVAL;
	}
	if (c->timeout_ms < 0) {
		seterr(err, errlen, "timeout_ms: negative");
		return HS_EINVAL;
	}
	if (c->auth && c->username[0] == '\0') {
		seterr(err, errlen, "username: missing (authentication is on)");
		return HS_EINVAL;
	}
	return check_sender(c, err, errlen) ? HS_OK : HS_EINVAL;
}

/* ---- formatting ------------------------------------------------------------------------- */

/* Appends s as RFC 2047 B-encoded words, each at most 64 columns and holding whole UTF-8
 * characters (a decoder may not join a character split across words), folded between. */
static void
encode_words(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t take = 0;
		while (i + take < n && take + utf8_len(u[i + take]) <= WORD_BYTES)
			take += utf8_len(u[i + take]);
		if (i > 0)
			buf_str(b, "\r\n ");
		buf_str(b, "=?UTF-8?B?");
		base64(b, u + i, take);
		buf_str(b, "?=");
		i += take;
	}
}

/*
 * Whether s may stand in a header as it is: printable ASCII (and tab), no "=?" that a
 * reader would try to decode, no leading or trailing blank (readers drop them), and no word
 * so long that its line would pass the hard limit.
 */
static bool
header_plain(const char *s, size_t col)
{
	size_t n = strlen(s), word = col;

	if (n == 0)
		return true;
	if (strstr(s, "=?") != NULL || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t')
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t') || c > 0x7e)
			return false;
		word = (c == ' ' || c == '\t') ? 1 : word + 1;
		if (word > LINE_HARD - 10)
			return false;
	}
	return true;
}

/* Appends plain text s, folding (CRLF before a blank) where a line would pass 78 columns;
 * unfolding gives s back exactly.  col is where s starts on the first line. */
static void
fold_plain(struct buf *b, const char *s, size_t col)
{
	const char *p = s;
	bool content = false;  /* the current line holds more than blanks */

	while (*p != '\0') {
		const char *q = p, *e;
		while (*q == ' ' || *q == '\t')
			q++;
		e = q;
		while (*e != '\0' && *e != ' ' && *e != '\t')
			e++;
		if (content && q > p && col + (size_t)(e - p) > LINE_SOFT) {
			buf_str(b, "\r\n");
			col = 0;
		}
		buf_add(b, p, (size_t)(e - p));
		col += (size_t)(e - p);
		content = true;
		p = e;
	}
}

/* "Name" or =?UTF-8?B?...?=, then <from>; from alone without a name. */
static void
format_from(struct buf *b, const struct gw_mail_conf *c)
{
	buf_str(b, "From: ");
	if (c->from_name[0] != '\0' && header_plain(c->from_name, 6)) {
		buf_str(b, "\"");
		for (const char *p = c->from_name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_str(b, "\\");
			buf_add(b, p, 1);
		}
		buf_str(b, "\" <");
	} else if (c->from_name[0] != '\0') {
		encode_words(b, c->from_name);
		buf_str(b, " <");
	}
	buf_str(b, c->from);
	buf_str(b, c->from_name[0] != '\0' ? ">\r\n" : "\r\n");
}

static void
format_subject(struct buf *b, const char *subject)
{
	buf_str(b, "Subject:");
	if (subject[0] == '\0') {
		buf_str(b, "\r\n");
		return;
	}
	buf_str(b, " ");
	if (header_plain(subject, 9))
		fold_plain(b, subject, 9);
	else
		encode_words(b, subject);
	buf_str(b, "\r\n");
}

/* RFC 5322 date in local time, English names whatever the locale. */
static void
format_date(struct buf *b)
{
	static const char *const day[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = time(NULL);
	struct tm tm;
	char s[64];
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(s, sizeof(s), "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	buf_str(b, s);
}

/* <128 random bits in hex @ the sender's domain>: unique without any state. */
static bool
format_message_id(struct buf *b, const char *from)
{
	unsigned char r[16];
	char s[40];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return false;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(s + 2 * i, 3, "%02x", r[i]);
	buf_str(b, "Message-ID: <");
	buf_str(b, s);
	buf_str(b, strrchr(from, '@'));
	buf_str(b, ">\r\n");
	return true;
}

/* 7bit when every byte is ASCII and every line fits the hard limit. */
static bool
body_7bit(const char *s)
{
	size_t line = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
		line = (*s == '\r' || *s == '\n') ? 0 : line + 1;
		if (line > LINE_HARD)
			return false;
	}
	return true;
}

/* One line of the body as quoted-printable, soft breaks keeping lines within 76. */
static void
qp_line(struct buf *b, const unsigned char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		char tok[4];
		size_t tl = 1;
		/* blanks at the end of a line are dropped in transit, so they are encoded */
		if ((ch >= 33 && ch <= 126 && ch != '=') ||
		    ((ch == ' ' || ch == '\t') && i + 1 < n))
			tok[0] = (char)ch;
		else
			tl = (size_t)snprintf(tok, sizeof(tok), "=%02X", ch);
		if (col + tl > QP_LINE - 1) {
			buf_str(b, "=\r\n");
			col = 0;
		}
		buf_add(b, tok, tl);
		col += tl;
	}
	buf_str(b, "\r\n");
}

/* The body with every LF, CR or CRLF made CRLF, each line encoded by qp or copied. */
static void
format_body(struct buf *b, const char *body, bool qp)
{
	const char *p = body;

	while (*p != '\0') {
		size_t n = strcspn(p, "\r\n");
		if (qp)
			qp_line(b, (const unsigned char *)p, n);
		else {
			buf_add(b, p, n);
			buf_str(b, "\r\n");
		}
		p += n;
		if (p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (*p != '\0')
			p++;
	}
}

static hs_err
format(const struct gw_mail_conf *c, const char *to, const char *subject, const char *body,
    char **out, char *err, size_t errlen)
{
	struct buf b = {0};
	bool qp;

	*out = NULL;
	if (c == NULL || to == NULL || subject == NULL || body == NULL) {
		seterr(err, errlen, "missing settings, recipient, subject or body");
		return HS_EINVAL;
	}
	if (!check_sender(c, err, errlen) || !check_address("to", to, err, errlen) ||
	    !check_text("subject", subject, err, errlen))
		return HS_EINVAL;
	if (!utf8_valid((const unsigned char *)body, strlen(body))) {
		seterr(err, errlen, "body: not valid UTF-8");
		return HS_EINVAL;
	}
	qp = !body_7bit(body);

	format_date(&b);
	format_from(&b, c);
	buf_str(&b, "To: ");
	buf_str(&b, to);
	buf_str(&b, "\r\n");
	format_subject(&b, subject);
	if (!format_message_id(&b, c->from)) {
		free(b.p);
		seterr(err, errlen, "no random bytes for the Message-ID: %s", strerror(errno));
		return HS_EINTERNAL;
	}
	buf_str(&b, "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=UTF-8\r\n");
	buf_str(&b, qp ? "Content-Transfer-Encoding: quoted-printable\r\n"
		       : "Content-Transfer-Encoding: 7bit\r\n");
	/* RFC 3834: machine-sent, so vacation responders do not answer it */
	buf_str(&b, "Auto-Submitted: auto-generated\r\n\r\n");
	format_body(&b, body, qp);
	if (b.oom || b.p == NULL) {
		free(b.p);
		seterr(err, errlen, "out of memory");
		return HS_ENOMEM;
	}
	*out = b.p;
	return HS_OK;
}

char *
gw_mail_format(const struct gw_mail_conf *c, const char *to, const char *subject,
    const char *body, char *err, size_t errlen)
{
	char *msg;

	seterr(err, errlen, "%s", "");
	format(c, to, subject, body, &msg, err, errlen);
	return msg;
}

/* ---- sending ---------------------------------------------------------------------------- */

static pthread_once_t mail_once = PTHREAD_ONCE_INIT;
static CURLcode mail_init_rc;

static void
mail_global_init(void)
{
	mail_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reader {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct reader *r = ud;
	size_t n = size * nmemb;

	if (n > r->left)
		n = r->left;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

static hs_err
curl_to_hs(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK: return HS_OK;
	case CURLE_OUT_OF_MEMORY: return HS_ENOMEM;
	case CURLE_COULDNT_CONNECT: return HS_ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST: return HS_ENOTFOUND;
	case CURLE_OPERATION_TIMEDOUT: return HS_ETIMEDOUT;
	case CURLE_LOGIN_DENIED: return HS_EPERM;
	case CURLE_USE_SSL_FAILED: return HS_ENOTSUP;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_WEIRD_SERVER_REPLY:
		return HS_EPROTO;
	default: return HS_EIO;
	}
}

hs_err
gw_mail_send(const struct gw_mail_conf *c, const char *to, const char *subject,
    const char *text_body, char *err, size_t errlen)
{
	char url[300], addr[300], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = NULL;
	struct reader rd;
	char *msg = NULL;
	CURL *h = NULL;
	CURLcode cc;
	hs_err rc;
	long reply = 0, timeout;
	int port;
	bool smtps, ok;

	if ((rc = gw_mail_conf_check(c, err, errlen)) != HS_OK ||
	    (rc = format(c, to, subject, text_body, &msg, err, errlen)) != HS_OK)
		return rc;
	pthread_once(&mail_once, mail_global_init);
	if (mail_init_rc != CURLE_OK) {
		seterr(err, errlen, "libcurl: %s", curl_easy_strerror(mail_init_rc));
		free(msg);
		return HS_EINTERNAL;
	}

	port = c->port != 0 ? c->port : GW_MAIL_DEFAULT_PORT;
	smtps = c->ssl && port == 465;
	snprintf(url, sizeof(url), "%s://%s%s%s:%d", smtps ? "smtps" : "smtp",
	    server_is_v6(c->server) ? "[" : "", c->server, server_is_v6(c->server) ? "]" : "",
	    port);
	rd.p = msg;
	rd.left = strlen(msg);
	snprintf(addr, sizeof(addr), "<%s>", to);
	if ((rcpt = curl_slist_append(NULL, addr)) == NULL || (h = curl_easy_init()) == NULL) {
		seterr(err, errlen, "out of memory");
		rc = HS_ENOMEM;
		goto out;
	}
	snprintf(addr, sizeof(addr), "<%s>", c->from);
	timeout = c->timeout_ms > 0 ? c->timeout_ms : GW_MAIL_DEFAULT_TIMEOUT_MS;
	ok = curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_USE_SSL,
		c->ssl && !smtps ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_READDATA, &rd) == CURLE_OK;
	if (ok && c->auth)
		ok = curl_easy_setopt(h, CURLOPT_USERNAME, c->username) == CURLE_OK &&
		    curl_easy_setopt(h, CURLOPT_PASSWORD, c->password) == CURLE_OK;
	if (ok && c->insecure_skip_verify)
		ok = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
		    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
	if (!ok) {
		seterr(err, errlen, "libcurl lacks an option this code needs");
		rc = HS_EINTERNAL;
		goto out;
	}

	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
	rc = curl_to_hs(cc);
	if (cc == CURLE_USE_SSL_FAILED)
		seterr(err, errlen, "%s: the server does not offer STARTTLS (SSL is on)", url);
	else if (cc != CURLE_OK && reply >= 400)  /* an SMTP refusal: its code tells why */
		seterr(err, errlen, "%s: %s (last reply %ld)", url,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc), reply);
	else if (cc != CURLE_OK)
		seterr(err, errlen, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (rc == HS_OK)
		hs_log_info("mail.sent", "to=%s server=%s", hs_logq(to), hs_logq(url));
	else
		hs_log_warn("mail.failed", "to=%s err=%s", hs_logq(to), hs_logq(err));
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	free(msg);
	return rc;
}
