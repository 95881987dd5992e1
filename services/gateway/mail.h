/*
 * mail.h - sends the gateway's e-mail (password resets, alerts, scheduled reports) through
 * the SMTP server of the manual's "Email & SMTP" settings page.
 *
 * SMTP itself, STARTTLS, SMTPS and AUTH are libcurl's: a hand-written client would get the
 * corner cases wrong (dot-stuffing, multi-line replies, TLS upgrade, SASL mechanisms).  This
 * module builds the message (RFC 5322 + MIME, UTF-8) and refuses anything that could inject
 * headers or recipients.  gw_mail_send blocks for up to timeout_ms: call it from a worker
 * thread, never from the event loop.  Every function is thread-safe.
 *
 * Errors: HS_EINVAL (a bad address, a line break in a header field, invalid UTF-8, a bad
 * setting), HS_ENOMEM, and for a failed send HS_ECONNREFUSED, HS_ENOTFOUND (unknown host),
 * HS_ETIMEDOUT, HS_EPERM (login refused), HS_ENOTSUP (STARTTLS required but not offered),
 * HS_EPROTO (TLS or certificate failure, bad reply) or HS_EIO (any other failure, e.g. the
 * recipient refused).  err receives one sentence; for a send, libcurl's with the server URL.
 */
#ifndef GW_MAIL_H
#define GW_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define GW_MAIL_DEFAULT_PORT 25
#define GW_MAIL_DEFAULT_TIMEOUT_MS 30000

struct gw_mail_conf {
	char server[256];       /* host name or IP address */
	int port;               /* 0 = GW_MAIL_DEFAULT_PORT */
	bool auth;              /* log in with username/password */
	char username[256];
	char password[256];
	bool ssl;               /* port 465: SMTPS; any other port: STARTTLS, required.
				 * false: plain SMTP, STARTTLS not attempted */
	char from[320];         /* envelope sender and From address */
	char from_name[128];    /* From display name, UTF-8; "" for none */
	int timeout_ms;         /* whole transaction; 0 = GW_MAIL_DEFAULT_TIMEOUT_MS */
	bool insecure_skip_verify;  /* tests only: accept any server certificate */
};

/* Checks the settings as the settings page saves them: server, port, from, from_name,
 * username when auth.  HS_EINVAL with the field named in err. */
hs_err gw_mail_conf_check(const struct gw_mail_conf *c, char *err, size_t errlen);

/*
 * Sends one plain-text message to one address.  to is a bare address ("a@example.com");
 * subject and text_body are UTF-8, the body's line endings any of LF, CRLF or CR.
 */
hs_err gw_mail_send(const struct gw_mail_conf *c, const char *to, const char *subject,
    const char *text_body, char *err, size_t errlen);

/*
 * The message gw_mail_send would send, malloc'd; NULL with err set when refused (see
 * above) or out of memory.  Headers Date, From, To, Subject (RFC 2047 B-encoded words when
 * not plain ASCII, folded at 78 columns), Message-ID, MIME-Version, Content-Type text/plain
 * UTF-8, Content-Transfer-Encoding (7bit for short-lined ASCII, else quoted-printable) and
 * Auto-Submitted; CRLF line endings throughout; a non-empty body ends with a line break.
 * Leading dots are left as they are: libcurl stuffs them on the wire.
 */
char *gw_mail_format(const struct gw_mail_conf *c, const char *to, const char *subject,
    const char *body, char *err, size_t errlen);

#endif
