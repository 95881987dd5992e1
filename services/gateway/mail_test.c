/*
 * mail_test.c - the message builder (headers, encodings, line endings, refusals) and real
 * sends: to Debian's aiosmtpd (plain and STARTTLS) started by the test on a free loopback
 * port, whose Maildir is then read back with Python's email package, an independent
 * decoder; and to a closed port and a silent one, which must fail quickly.
 *
 * The aiosmtpd tests are skipped, loudly, when /usr/bin/python3 cannot import aiosmtpd
 * (python3-aiosmtpd, installed by tools/install-deps).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mail.h"

#define PYTHON "/usr/bin/python3"

static struct gw_mail_conf
conf(void)
{
	struct gw_mail_conf c = {0};

	snprintf(c.server, sizeof(c.server), "127.0.0.1");
	snprintf(c.from, sizeof(c.from), "noreply@example.com");
	snprintf(c.from_name, sizeof(c.from_name), "Hookswitch PBX");
	c.timeout_ms = 10000;
	return c;
}

/* ---- reading a message back ------------------------------------------------------------- */

/* The value of header name, unfolded (CRLF before a blank removed); NULL when absent. */
static char *
header(const char *msg, const char *name)
{
	size_t nl = strlen(name);
	const char *p = msg, *end = strstr(msg, "\r\n\r\n");
	char *v, *o;

	assert_non_null(end);
	for (;;) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':')
			break;
		p = strstr(p, "\r\n");
		if (p == NULL || p >= end)
			return NULL;
		p += 2;
	}
	p += nl + 1;
	if (*p == ' ')
		p++;
	v = o = malloc(strlen(p) + 1);
	assert_non_null(v);
	while (p < end + 2) {
		if (p[0] == '\r' && p[1] == '\n') {
			if (p[2] != ' ' && p[2] != '\t')
				break;
			p += 2;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return v;
}

static const char *
body_of(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");

	assert_non_null(p);
	return p + 4;
}

/* Every line ends CRLF; no bare CR or LF; header lines within 78, body lines within max. */
static void
assert_lines(const char *msg, size_t body_max)
{
	const char *body = body_of(msg), *line = msg;

	for (const char *p = msg; *p != '\0'; p++) {
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
		if (*p == '\n') {
			assert_true(p > msg && p[-1] == '\r');
			size_t len = (size_t)(p - 1 - line);
			assert_true(len <= (line < body ? 78 : body_max));
			line = p + 1;
		}
	}
	assert_true(line == msg + strlen(msg));  /* ends with a line break */
}

/* Decodes every =?UTF-8?B?...?= word of an unfolded header value and the text between
 * words that is not just blanks. */
static char *
decode_words(const char *v)
{
	char *out = calloc(1, strlen(v) + 1), *o = out;
	const char *p = v;

	assert_non_null(out);
	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			const char *s = p + 10, *e = strstr(s, "?=");
			unsigned char dec[256];
			int n, pad = 0;
			assert_non_null(e);
			assert_true(e - p + 2 <= 75);  /* RFC 2047: an encoded word is at most 75 */
			n = EVP_DecodeBlock(dec, (const unsigned char *)s, (int)(e - s));
			assert_true(n >= 0);
			pad = (e[-1] == '=') + (e[-2] == '=');
			memcpy(o, dec, (size_t)(n - pad));
			o += n - pad;
			p = e + 2;
			/* blanks between two encoded words are not part of the text */
			const char *q = p;
			while (*q == ' ' || *q == '\t')
				q++;
			if (strncmp(q, "=?UTF-8?B?", 10) == 0)
				p = q;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Quoted-printable back to bytes; CRLF kept. */
static char *
decode_qp(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	assert_non_null(out);
	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			assert_true(hexval(s[1]) >= 0 && hexval(s[2]) >= 0);  /* upper-case hex */
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* ---- the formatter ---------------------------------------------------------------------- */

static void
format_headers(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256], *m, *v;
	struct tm tm;

	(void)state;
	m = gw_mail_format(&c, "alice@example.com", "Hello", "line 1\nline 2", err,
	    sizeof(err));
	assert_non_null(m);
	assert_string_equal(err, "");
	assert_lines(m, 998);

	v = header(m, "From");
	assert_string_equal(v, "\"Hookswitch PBX\" <noreply@example.com>");
	free(v);
	v = header(m, "To");
	assert_string_equal(v, "alice@example.com");
	free(v);
	v = header(m, "Subject");
	assert_string_equal(v, "Hello");
	free(v);
	v = header(m, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);
	v = header(m, "Content-Type");
	assert_string_equal(v, "text/plain; charset=UTF-8");
	free(v);
	v = header(m, "Content-Transfer-Encoding");
	assert_string_equal(v, "7bit");
	free(v);
	v = header(m, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	free(v);

	/* Date: "Wed, 25 Nov 2026 16:02:40 +0100", whatever the locale */
	v = header(m, "Date");
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(v, "%a, %d %b %Y %H:%M:%S ", &tm);
	assert_non_null(rest);
	assert_true((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 5);
	assert_true(tm.tm_year + 1900 >= 2024);
	free(v);

	/* Message-ID: <32 hex digits@the sender's domain>, different each time */
	v = header(m, "Message-ID");
	assert_int_equal(strlen(v), 1 + 32 + strlen("@example.com") + 1);
	assert_true(v[0] == '<' && strcmp(v + 33, "@example.com>") == 0);
	assert_int_equal(strspn(v + 1, "0123456789abcdef"), 32);
	char *m2 = gw_mail_format(&c, "alice@example.com", "Hello", "x", err, sizeof(err));
	char *v2 = header(m2, "Message-ID");
	assert_string_not_equal(v, v2);
	free(v), free(v2), free(m2);

	assert_string_equal(body_of(m), "line 1\r\nline 2\r\n");
	free(m);

	/* no display name: the bare address */
	c.from_name[0] = '\0';
	m = gw_mail_format(&c, "alice@example.com", "", "", err, sizeof(err));
	assert_non_null(m);
	v = header(m, "From");
	assert_string_equal(v, "noreply@example.com");
	free(v);
	v = header(m, "Subject");
	assert_string_equal(v, "");
	free(v);
	assert_string_equal(body_of(m), "");
	free(m);
}

static void
format_encoded_subject(void **state)
{
	struct gw_mail_conf c = conf();
	/* 4-byte characters too, so a word boundary must fall between characters */
	const char *subject = "Rückruf: Anruf von +49 30 1234 — verpasst 📞 (Zentrale Süd, "
			      "Gruppe Ärzte) 😀😀😀😀😀😀😀😀😀😀 ende";
	char err[256], *m, *v, *d;

	(void)state;
	m = gw_mail_format(&c, "alice@example.com", subject, "x", err, sizeof(err));
	assert_non_null(m);
	assert_lines(m, 998);
	v = header(m, "Subject");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	assert_non_null(strstr(strstr(m, "Subject: "), "?=\r\n =?UTF-8?B?"));  /* folded */
	d = decode_words(v);
	assert_string_equal(d, subject);
	free(v), free(d), free(m);

	/* plain ASCII that a reader would mistake for an encoded word is encoded too */
	m = gw_mail_format(&c, "alice@example.com", "=?UTF-8?B?SGk=?=", "x", err, sizeof(err));
	v = header(m, "Subject");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	d = decode_words(v);
	assert_string_equal(d, "=?UTF-8?B?SGk=?=");
	free(v), free(d), free(m);

	/* so are control characters and edge blanks, which would not survive as they are */
	m = gw_mail_format(&c, "alice@example.com", " bell\a ", "x", err, sizeof(err));
	v = header(m, "Subject");
	d = decode_words(v);
	assert_string_equal(d, " bell\a ");
	free(v), free(d), free(m);
}

static void
format_long_subject_folds(void **state)
{
	struct gw_mail_conf c = conf();
	char subject[400], err[256], *m, *v;

	(void)state;
	snprintf(subject, sizeof(subject), "%s",
	    "Daily report for business unit North: 1234 calls, 56 missed, 7 abandoned, "
	    "average wait 00:00:12, longest wait 00:03:45, busiest hour 10:00-11:00, "
	    "agents logged in 42, see the attachment in the web UI");
	m = gw_mail_format(&c, "alice@example.com", subject, "x", err, sizeof(err));
	assert_non_null(m);
	assert_lines(m, 998);  /* every header line within 78 */
	v = header(m, "Subject");
	assert_string_equal(v, subject);  /* unfolding gives it back exactly */
	free(v), free(m);
}

static void
format_display_names(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256], *m, *v, *d;

	(void)state;
	snprintf(c.from_name, sizeof(c.from_name), "Bob \"The\" \\Builder, Jr.");
	m = gw_mail_format(&c, "alice@example.com", "Hi", "x", err, sizeof(err));
	v = header(m, "From");
	assert_string_equal(v, "\"Bob \\\"The\\\" \\\\Builder, Jr.\" <noreply@example.com>");
	free(v), free(m);

	snprintf(c.from_name, sizeof(c.from_name), "Telefonanlage Müller & Söhne");
	m = gw_mail_format(&c, "alice@example.com", "Hi", "x", err, sizeof(err));
	v = header(m, "From");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	assert_non_null(strstr(v, "?= <noreply@example.com>"));
	d = decode_words(v);
	assert_string_equal(d, "Telefonanlage Müller & Söhne <noreply@example.com>");
	free(v), free(d), free(m);
}

static void
format_body_line_endings(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256], *m;

	(void)state;
	/* LF, CRLF and lone CR all become CRLF; leading dots stay (curl stuffs them) */
	m = gw_mail_format(&c, "alice@example.com", "Hi", "a\r\nb\rc\n.d\n\ne", err,
	    sizeof(err));
	assert_non_null(m);
	assert_lines(m, 998);
	assert_string_equal(body_of(m), "a\r\nb\r\nc\r\n.d\r\n\r\ne\r\n");
	free(m);
	m = gw_mail_format(&c, "alice@example.com", "Hi", "\n\n", err, sizeof(err));
	assert_string_equal(body_of(m), "\r\n\r\n");
	free(m);
}

static void
format_body_quoted_printable(void **state)
{
	struct gw_mail_conf c = conf();
	char body[2048], want[2048], err[256], *m, *v, *d;
	size_t o;

	(void)state;
	o = (size_t)snprintf(body, sizeof(body), "Grüße aus Hookswitch.\nx=y, trailing blank \n"
	    "tab at end\t\n");
	for (int i = 0; i < 300; i++)
		body[o++] = (char)('a' + i % 26);
	o += (size_t)snprintf(body + o, sizeof(body) - o, " %s\n.\nende", "€uro");
	m = gw_mail_format(&c, "alice@example.com", "Hi", body, err, sizeof(err));
	assert_non_null(m);
	assert_lines(m, 76);  /* quoted-printable lines within 76 */
	v = header(m, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	/* 7-bit clean */
	for (const char *p = m; *p != '\0'; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_non_null(strstr(m, "trailing blank=20\r\n"));
	assert_non_null(strstr(m, "tab at end=09\r\n"));
	assert_non_null(strstr(m, "x=3Dy"));

	d = decode_qp(body_of(m));
	o = 0;
	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '\n')
			want[o++] = '\r';
		want[o++] = *p;
	}
	snprintf(want + o, sizeof(want) - o, "\r\n");
	assert_string_equal(d, want);
	free(d), free(m);

	/* an ASCII line over 998 characters cannot go as 7bit either */
	memset(body, 'z', 1500);
	body[1500] = '\0';
	m = gw_mail_format(&c, "alice@example.com", "Hi", body, err, sizeof(err));
	v = header(m, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	assert_lines(m, 76);
	free(v), free(m);
}

static void
format_refuses_injection(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256];

	(void)state;
	assert_null(gw_mail_format(&c, "alice@example.com\r\nBcc: eve@example.net", "Hi", "x",
	    err, sizeof(err)));
	assert_string_equal(err, "to: contains a line break (header injection refused)");
	assert_null(gw_mail_format(&c, "alice@example.com\n", "Hi", "x", err, sizeof(err)));
	assert_string_equal(err, "to: contains a line break (header injection refused)");
	assert_null(gw_mail_format(&c, "alice@example.com", "Hi\r\nBcc: eve@example.net", "x",
	    err, sizeof(err)));
	assert_string_equal(err, "subject: contains a line break (header injection refused)");
	assert_null(gw_mail_format(&c, "alice@example.com", "Hi\rthere", "x", err,
	    sizeof(err)));
	assert_string_equal(err, "subject: contains a line break (header injection refused)");

	snprintf(c.from, sizeof(c.from), "noreply@example.com\nBcc: eve@example.net");
	assert_null(gw_mail_format(&c, "alice@example.com", "Hi", "x", err, sizeof(err)));
	assert_string_equal(err, "from: contains a line break (header injection refused)");
	c = conf();
	snprintf(c.from_name, sizeof(c.from_name), "PBX\r\nBcc: eve@example.net");
	assert_null(gw_mail_format(&c, "alice@example.com", "Hi", "x", err, sizeof(err)));
	assert_string_equal(err, "from_name: contains a line break (header injection refused)");

	/* gw_mail_send refuses the same before connecting anywhere */
	c = conf();
	c.port = 1;
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Hi\nBcc: eve@example.net", "x",
	    err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "subject: contains a line break (header injection refused)");
	/* and an address cannot smuggle SMTP syntax into MAIL/RCPT */
	assert_int_equal(gw_mail_send(&c, "alice@example.com> NOTIFY=NEVER", "Hi", "x", err,
	    sizeof(err)), HS_EINVAL);
	assert_int_equal(gw_mail_send(NULL, "alice@example.com", "Hi", "x", err, sizeof(err)),
	    HS_EINVAL);
	assert_null(gw_mail_format(&c, NULL, "Hi", "x", err, sizeof(err)));
}

static void
format_checks_addresses(void **state)
{
	static const char *const bad[] = {
		"", "alice", "@example.com", "alice@", "alice@@example.com", "a@b@example.com",
		"a..b@example.com", ".alice@example.com", "alice.@example.com", "al ice@example.com",
		"<alice@example.com>", "alice@example.com>", "alice@-example.com",
		"alice@example-.com", "alice@example..com", "alice@.example.com",
		"alice@example.com.", "alice@exa_mple.com", "alice@[300.1.1.1]", "alice@[::1]",
		"\"quoted\"@example.com", "jörg@example.com", "alice@exämple.com",
		"alice@example.com,bob@example.com", "alice(comment)@example.com",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
	};
	static const char *const good[] = {
		"a@localhost", "first.last+tag@sub.example.co.uk", "x@[127.0.0.1]",
		"x@[IPv6:2001:db8::1]", "o'brien@example.ie", "user_name-1@example.com",
		"{weird}|~!#$%&*=?^`@example.com",
	};
	struct gw_mail_conf c = conf();
	char err[256], want[256], *m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = gw_mail_format(&c, bad[i], "Hi", "x", err, sizeof(err));
		if (m != NULL)
			fail_msg("accepted \"%s\"", bad[i]);
		snprintf(want, sizeof(want), "to: not an e-mail address: \"%.80s\"", bad[i]);
		assert_string_equal(err, want);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		m = gw_mail_format(&c, good[i], "Hi", "x", err, sizeof(err));
		if (m == NULL)
			fail_msg("refused \"%s\": %s", good[i], err);
		free(m);
	}
	snprintf(c.from, sizeof(c.from), "PBX <noreply@example.com>");
	assert_null(gw_mail_format(&c, "a@example.com", "Hi", "x", err, sizeof(err)));
	assert_string_equal(err, "from: not an e-mail address: \"PBX <noreply@example.com>\"");
}

static void
format_refuses_bad_utf8(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256];

	(void)state;
	assert_null(gw_mail_format(&c, "a@example.com", "caf\xe9", "x", err, sizeof(err)));
	assert_string_equal(err, "subject: not valid UTF-8");
	assert_null(gw_mail_format(&c, "a@example.com", "Hi", "\xc0\xaf", err, sizeof(err)));
	assert_string_equal(err, "body: not valid UTF-8");
	assert_null(gw_mail_format(&c, "a@example.com", "Hi", "\xed\xa0\x80", err,
	    sizeof(err)));  /* a surrogate */
	assert_null(gw_mail_format(&c, "a@example.com", "Hi", "ok \xe2\x82", err, sizeof(err)));
	snprintf(c.from_name, sizeof(c.from_name), "\xff");
	assert_null(gw_mail_format(&c, "a@example.com", "Hi", "x", err, sizeof(err)));
	assert_string_equal(err, "from_name: not valid UTF-8");
}

static void
conf_check(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256];

	(void)state;
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_OK);
	snprintf(c.server, sizeof(c.server), "smtp.example.com");
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_OK);
	snprintf(c.server, sizeof(c.server), "2001:db8::25");
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_OK);

	snprintf(c.server, sizeof(c.server), "evil.example.com/x?y");
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "server: not a host name or IP address: \"evil.example.com/x?y\"");
	snprintf(c.server, sizeof(c.server), "user@host");
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	c.server[0] = '\0';
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "server: missing");

	c = conf();
	c.port = 70000;
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "port: 70000 is out of range (1-65535)");
	c = conf();
	c.auth = true;
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "username: missing (authentication is on)");
	c = conf();
	memset(c.password, 'x', sizeof(c.password));  /* not terminated */
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	c = conf();
	c.from[0] = '\0';
	assert_int_equal(gw_mail_conf_check(&c, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "from: not an e-mail address: \"\"");
}

/* ---- a real SMTP server ----------------------------------------------------------------- */

struct smtpd {
	char dir[64];        /* scratch directory */
	char maildir[128];   /* dir/mail, aiosmtpd's Maildir */
	char log[128];       /* dir/smtpd.log, its output */
	pid_t pid;
	int port;
};

/* Reads each message of a Maildir with Python's email package (policy.default decodes
 * encoded words and quoted-printable) and prints them as JSON. */
static const char dump_py[] =
    "import email, email.policy, json, mailbox, sys\n"
    "out = []\n"
    "for key in sorted(mailbox.Maildir(sys.argv[1], create=False).keys()):\n"
    "    raw = mailbox.Maildir(sys.argv[1], create=False).get_bytes(key)\n"
    "    m = email.message_from_bytes(raw, policy=email.policy.default)\n"
    "    out.append({k: str(m[h]) for k, h in (('to', 'To'), ('from', 'From'),\n"
    "        ('subject', 'Subject'), ('cte', 'Content-Transfer-Encoding'),\n"
    "        ('rcpt', 'X-RcptTo'), ('mail_from', 'X-MailFrom'))} |\n"
    "        {'body': m.get_content(), 'charset': m.get_content_charset(),\n"
    "         'raw': raw.decode('utf-8', 'replace')})\n"
    "print(json.dumps(out))\n";

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback port nobody listens on (bound, read, released). */
static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool
port_accepts(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	close(fd);
	return ok;
}

static bool
have_aiosmtpd(void)
{
	return access(PYTHON, X_OK) == 0 &&
	    system(PYTHON " -c 'import aiosmtpd' >/dev/null 2>&1") == 0;
}

static void
print_log(const struct smtpd *s)
{
	char line[512];
	FILE *f = fopen(s->log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "--- %s\n", s->log);
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stderr);
	fclose(f);
}

static int
smtpd_setup(void **state)
{
	struct smtpd *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	snprintf(s->dir, sizeof(s->dir), "/tmp/hs-mail-test-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->maildir, sizeof(s->maildir), "%s/mail", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/smtpd.log", s->dir);
	s->pid = -1;
	*state = s;
	return 0;
}

static void
smtpd_stop(struct smtpd *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			return;
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = -1;
}

static int
smtpd_teardown(void **state)
{
	struct smtpd *s = *state;

	smtpd_stop(s);
	nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

/* Skips the calling test, saying why, when aiosmtpd is not installed. */
static void
require_aiosmtpd(void)
{
	if (!have_aiosmtpd()) {
		fprintf(stderr, "SKIP: %s cannot import aiosmtpd: install python3-aiosmtpd "
				"(tools/install-deps) to run the real SMTP tests\n", PYTHON);
		skip();
	}
}

/* Starts aiosmtpd on port (a free one when 0), with STARTTLS (or, with smtps, implicit TLS)
 * when cert is given; returns once the port accepts.  Skips the test when aiosmtpd is not
 * installed. */
static void
smtpd_start_on(struct smtpd *s, int port, const char *cert, const char *key, bool smtps)
{
	char listen[32];
	int status;

	require_aiosmtpd();
	s->port = port != 0 ? port : free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	fflush(NULL);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (cert != NULL)
			execl(PYTHON, PYTHON, "-m", "aiosmtpd", "-n", "-l", listen,
			    smtps ? "--smtpscert" : "--tlscert", cert,
			    smtps ? "--smtpskey" : "--tlskey", key,
			    "-c", "aiosmtpd.handlers.Mailbox", s->maildir, (char *)NULL);
		else
			execl(PYTHON, PYTHON, "-m", "aiosmtpd", "-n", "-l", listen, "-c",
			    "aiosmtpd.handlers.Mailbox", s->maildir, (char *)NULL);
		_exit(127);
	}
	for (double end = now_s() + 20; now_s() < end; usleep(20000)) {
		if (port_accepts(s->port))
			return;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			print_log(s);
			fail_msg("aiosmtpd exited before listening");
		}
	}
	print_log(s);
	fail_msg("aiosmtpd did not listen on port %d within 20 s", s->port);
}

static void
smtpd_start(struct smtpd *s, const char *cert, const char *key)
{
	smtpd_start_on(s, 0, cert, key, false);
}

/* The messages in s's Maildir, as Python reads them. */
static cJSON *
smtpd_messages(const struct smtpd *s)
{
	char script[128], cmd[512], chunk[4096];
	size_t n, len = 0;
	char *out = NULL;
	cJSON *msgs;
	FILE *f;

	snprintf(script, sizeof(script), "%s/dump.py", s->dir);
	f = fopen(script, "w");
	assert_non_null(f);
	fputs(dump_py, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), PYTHON " %s %s", script, s->maildir);
	f = popen(cmd, "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		out = realloc(out, len + n + 1);
		assert_non_null(out);
		memcpy(out + len, chunk, n);
		len += n;
		out[len] = '\0';
	}
	assert_int_equal(pclose(f), 0);
	assert_non_null(out);
	msgs = cJSON_Parse(out);
	free(out);
	assert_true(cJSON_IsArray(msgs));
	return msgs;
}

static cJSON *
find_subject(cJSON *msgs, const char *subject)
{
	cJSON *m;

	cJSON_ArrayForEach(m, msgs) {
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(m, "subject"));
		if (s != NULL && strcmp(s, subject) == 0)
			return m;
	}
	fail_msg("no message with subject \"%s\" arrived", subject);
	return NULL;
}

static const char *
field(cJSON *m, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(m, name));

	assert_non_null(v);
	return v;
}

static void
send_real(void **state)
{
	struct smtpd *s = *state;
	struct gw_mail_conf c = conf();
	const char *subject = "Rückruf: verpasster Anruf von +49 30 1234 — bitte zurückrufen ☎";
	char body[1024], want[1024], err[256];
	cJSON *msgs, *m;

	smtpd_start(s, NULL, NULL);
	c.port = s->port;
	snprintf(c.from_name, sizeof(c.from_name), "Hookswitch Zentrale Süd");
	snprintf(body, sizeof(body), "Grüße aus Hookswitch.\n.a line that starts with a dot\n"
	    ".\n..\nx=y, trailing blank \n%0300d\nno final line break", 7);
	snprintf(want, sizeof(want), "%s\n", body);

	assert_int_equal(gw_mail_send(&c, "alice@example.com", subject, body, err,
	    sizeof(err)), HS_OK);
	assert_string_equal(err, "");
	/* a 7bit message, whose raw form is checked too */
	assert_int_equal(gw_mail_send(&c, "bob@example.org", "Plain",
	    "Hello\r\n.dot\n.\nbye", err, sizeof(err)), HS_OK);

	msgs = smtpd_messages(s);
	assert_int_equal(cJSON_GetArraySize(msgs), 2);
	m = find_subject(msgs, subject);
	assert_string_equal(field(m, "to"), "alice@example.com");
	assert_string_equal(field(m, "rcpt"), "alice@example.com");
	assert_string_equal(field(m, "mail_from"), "noreply@example.com");
	assert_string_equal(field(m, "from"), "Hookswitch Zentrale Süd <noreply@example.com>");
	assert_string_equal(field(m, "charset"), "utf-8");
	assert_string_equal(field(m, "cte"), "quoted-printable");
	assert_string_equal(field(m, "body"), want);

	m = find_subject(msgs, "Plain");
	assert_string_equal(field(m, "rcpt"), "bob@example.org");
	assert_string_equal(field(m, "cte"), "7bit");
	assert_string_equal(field(m, "body"), "Hello\n.dot\n.\nbye\n");
	/* the dots arrived unstuffed: curl stuffed them, the server removed them */
	assert_non_null(strstr(field(m, "raw"), "\n\nHello\n.dot\n.\nbye\n"));
	cJSON_Delete(msgs);
}

static void
send_ssl_needs_starttls(void **state)
{
	struct smtpd *s = *state;
	struct gw_mail_conf c = conf();
	char err[256], want[256];
	cJSON *msgs;

	/* ssl on and a server without STARTTLS: refused, nothing sent in the clear */
	smtpd_start(s, NULL, NULL);
	c.port = s->port;
	c.ssl = true;
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Secret", "x", err, sizeof(err)),
	    HS_ENOTSUP);
	snprintf(want, sizeof(want),
	    "smtp://127.0.0.1:%d: the server does not offer STARTTLS (SSL is on)", s->port);
	assert_string_equal(err, want);
	msgs = smtpd_messages(s);
	assert_int_equal(cJSON_GetArraySize(msgs), 0);
	cJSON_Delete(msgs);
}

/* A self-signed certificate for localhost into dir/smtpd.crt and dir/smtpd.key. */
static void
write_test_cert(const char *dir, char *cert, size_t clen, char *key, size_t klen)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;

	assert_non_null(k);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	snprintf(cert, clen, "%s/smtpd.crt", dir);
	snprintf(key, klen, "%s/smtpd.key", dir);
	assert_non_null(f = fopen(cert, "w"));
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	assert_non_null(f = fopen(key, "w"));
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
send_starttls(void **state)
{
	struct smtpd *s = *state;
	struct gw_mail_conf c = conf();
	char cert[160], key[160], err[256];
	cJSON *msgs, *m;

	require_aiosmtpd();
	write_test_cert(s->dir, cert, sizeof(cert), key, sizeof(key));
	/* the server requires STARTTLS before MAIL, so a delivery proves TLS was used */
	smtpd_start(s, cert, key);
	c.port = s->port;
	c.ssl = true;

	/* its certificate is self-signed: refused unless verification is off */
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Unverified", "x", err,
	    sizeof(err)), HS_EPROTO);
	assert_true(strncmp(err, "smtp://127.0.0.1:", 17) == 0);
	assert_non_null(strcasestr(err, "certificate"));

	c.insecure_skip_verify = true;
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Over TLS", "über TLS", err,
	    sizeof(err)), HS_OK);
	msgs = smtpd_messages(s);
	assert_int_equal(cJSON_GetArraySize(msgs), 1);
	m = find_subject(msgs, "Over TLS");
	assert_string_equal(field(m, "body"), "über TLS\n");
	cJSON_Delete(msgs);
}

/* Port 465 means SMTPS (TLS from the first byte).  Only root may listen there, so the test
 * is skipped, saying so, for anyone else or when something already listens there. */
static void
send_smtps(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(465),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct smtpd *s = *state;
	struct gw_mail_conf c = conf();
	char cert[160], key[160], err[256];
	cJSON *msgs;
	int fd;

	require_aiosmtpd();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (geteuid() != 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fprintf(stderr, "SKIP: SMTPS needs 127.0.0.1:465, which only root may bind and "
				"must be free\n");
		skip();
	}
	close(fd);
	write_test_cert(s->dir, cert, sizeof(cert), key, sizeof(key));
	smtpd_start_on(s, 465, cert, key, true);
	c.port = 465;
	c.ssl = true;
	c.insecure_skip_verify = true;
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Over SMTPS", "x", err,
	    sizeof(err)), HS_OK);
	msgs = smtpd_messages(s);
	assert_int_equal(cJSON_GetArraySize(msgs), 1);
	find_subject(msgs, "Over SMTPS");
	cJSON_Delete(msgs);

	/* ssl off on 465 is plain SMTP, which an SMTPS server cannot understand */
	c.ssl = false;
	c.timeout_ms = 500;
	assert_int_not_equal(gw_mail_send(&c, "alice@example.com", "Plain to SMTPS", "x", err,
	    sizeof(err)), HS_OK);
}

static void
send_refused_fast(void **state)
{
	struct gw_mail_conf c = conf();
	char err[256], want[256];
	double t0;

	(void)state;
	c.port = free_port();
	t0 = now_s();
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Hi", "x", err, sizeof(err)),
	    HS_ECONNREFUSED);
	assert_true(now_s() - t0 < 2.0);
	snprintf(want, sizeof(want), "smtp://127.0.0.1:%d: ", c.port);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_non_null(strstr(err, "onnect"));  /* "Failed to connect ..." */
}

static void
send_silent_server_times_out(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	struct gw_mail_conf c = conf();
	char err[256];
	double t0, took;
	int fd;

	(void)state;
	/* a listener that never answers: the kernel completes the handshake, no greeting
	 * ever comes */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	c.port = ntohs(a.sin_port);
	c.timeout_ms = 400;
	t0 = now_s();
	assert_int_equal(gw_mail_send(&c, "alice@example.com", "Hi", "x", err, sizeof(err)),
	    HS_ETIMEDOUT);
	took = now_s() - t0;
	close(fd);
	assert_true(took >= 0.3 && took < 3.0);
	assert_non_null(strstr(err, "timed out"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_headers),
		cmocka_unit_test(format_encoded_subject),
		cmocka_unit_test(format_long_subject_folds),
		cmocka_unit_test(format_display_names),
		cmocka_unit_test(format_body_line_endings),
		cmocka_unit_test(format_body_quoted_printable),
		cmocka_unit_test(format_refuses_injection),
		cmocka_unit_test(format_checks_addresses),
		cmocka_unit_test(format_refuses_bad_utf8),
		cmocka_unit_test(conf_check),
		cmocka_unit_test_setup_teardown(send_real, smtpd_setup, smtpd_teardown),
		cmocka_unit_test_setup_teardown(send_ssl_needs_starttls, smtpd_setup,
		    smtpd_teardown),
		cmocka_unit_test_setup_teardown(send_starttls, smtpd_setup, smtpd_teardown),
		cmocka_unit_test_setup_teardown(send_smtps, smtpd_setup, smtpd_teardown),
		cmocka_unit_test(send_refused_fast),
		cmocka_unit_test(send_silent_server_times_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
