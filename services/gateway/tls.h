/*
 * tls.h - the gateway's HTTPS certificate: a self-signed one made on first start, replaced
 * by an uploaded one (PUT /tls/certificate), described for the web UI.
 *
 * The directory holds three PEM files:
 *     server.crt  the certificate, then any intermediate certificates (0644)
 *     server.key  its private key (0600)
 *     server.pem  key + certificate + chain in one file (0600): civetweb's ssl_certificate
 * server.pem is the one the gateway serves and the one every function here trusts; the other
 * two are copies for people and tools that want the parts.  Every file is written to a
 * mkstemp() name beside it and renamed over the old one, so a crash leaves either the old or
 * the new file, never half of one.  server.pem is renamed first, so the set being served
 * changes in one step.  Calls are serialised by a mutex; they may come from any thread.
 *
 * Errors: HS_EINVAL (bad argument or a refused upload), HS_ENOTFOUND (no certificate yet),
 * HS_ECONFIG (files on disk that do not parse or do not belong together), HS_EIO and other
 * errno codes (file system), HS_EINTERNAL (OpenSSL failed).  err receives one sentence.
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"

#define GW_TLS_PATH_MAX 1024

struct gw_tls_files {
	char crt[GW_TLS_PATH_MAX];  /* <dir>/server.crt */
	char key[GW_TLS_PATH_MAX];  /* <dir>/server.key */
	char pem[GW_TLS_PATH_MAX];  /* <dir>/server.pem: pass this to civetweb */
};

/*
 * Makes sure dir (created 0700 when missing) holds a usable certificate and fills files.
 *   - server.pem present: it must parse and its key must match its certificate, else
 *     HS_ECONFIG (an uploaded certificate is never replaced behind the admin's back; delete
 *     the files to get a new self-signed one).  A missing crt or key is rewritten from it.
 *   - no server.pem but server.crt and server.key (placed by hand): they are checked the
 *     same way and server.pem is built from them.
 *   - otherwise (first start): a self-signed certificate is generated: EC P-256, SHA-256,
 *     CN=cn, subjectAltName cn (DNS or IP), localhost and 127.0.0.1, CA:FALSE, serverAuth,
 *     random 128-bit serial, valid for ten years.  A cn longer than a CN may be (64) is
 *     kept whole in the subjectAltName, with CN=Hookswitch.
 * An expired certificate on disk is kept (logged as a warning): the UI shows it via
 * gw_tls_info() and the admin uploads a new one.  cn is a host name (letters, digits, '-',
 * '.', '_'; up to 253) or an IP address; anything else is HS_EINVAL before any file is read.
 */
hs_err gw_tls_ensure(const char *dir, const char *cn, struct gw_tls_files *files, char *err,
    size_t errlen);

/*
 * Validates an uploaded certificate (PEM; intermediates may follow the leaf) and private key
 * (PEM, unencrypted) and, when valid, atomically replaces the three files.  Refused with
 * HS_EINVAL and, in err: "certificate: not PEM", "key: not PEM", "key: encrypted ...",
 * "key does not match the certificate", "certificate expired on <ISO 8601>",
 * "certificate not valid before <ISO 8601>".  A refused upload leaves the files untouched.
 */
hs_err gw_tls_install(const char *dir, const char *cert_pem, const char *key_pem, char *err,
    size_t errlen);

/*
 * Describes the certificate being served (dir/server.pem) as a new JSON object:
 *   {"subject": "CN=pbx.example.com", "issuer": "CN=...",          (RFC 2253)
 *    "not_before": "2026-11-25T16:02:40Z", "not_after": "...",     (ISO 8601 UTC)
 *    "self_signed": true, "expired": false,
 *    "sha256": "AB:CD:...", "subject_alt_names": ["DNS:pbx", "IP:127.0.0.1"]}
 * HS_ENOTFOUND when there is no server.pem, HS_ECONFIG when it does not parse.
 */
hs_err gw_tls_info(const char *dir, cJSON **out);

#endif
