/*
 * tls.c - the gateway's HTTPS certificate files (tls.h), with OpenSSL 3.
 *
 * DESIGN
 *
 * A certificate set in memory is a private key and a list of certificates, the leaf first
 * (struct tls_set).  Every path in and out goes through it: server.pem is parsed into one,
 * an upload is parsed into one, a generated certificate is one, and tls_store() writes one
 * out as the three files.  So the rules (key matches leaf, leaf within its validity) are
 * checked in one place whatever the source.
 *
 * Key material lives in OpenSSL's secure-heap BIOs while encoded and is wiped from our own
 * buffers (OPENSSL_cleanse) before they are freed.  Passphrase callbacks refuse, so a key
 * that wants one fails cleanly instead of OpenSSL prompting on the gateway's terminal.
 * OpenSSL's per-thread error queue is emptied before returning, so no stale error of ours
 * is later reported by civetweb's TLS code on the same thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fs.h"
#include "log.h"
#include "tls.h"

#define TLS_CRT "server.crt"
#define TLS_KEY "server.key"
#define TLS_PEM "server.pem"

#define TLS_VALID_DAYS (10 * 365 + 3)  /* ten years, leap days included */
#define TLS_BACKDATE_SECS 3600         /* a client whose clock runs late still accepts it */
#define TLS_MAX_FILE (1024 * 1024)     /* a chain of dozens of certificates fits */
#define TLS_MAX_CERTS 16
#define TLS_MIN_RSA_BITS 2048          /* browsers refuse smaller RSA keys */
#define TLS_CN_MAX 64                  /* ub-common-name, RFC 5280 */
#define TLS_NAME_MAX 253               /* a DNS name */
#define TLS_LONG_CN "Hookswitch"       /* the CN when the name is too long for one */

struct tls_set {
	EVP_PKEY *key;
	STACK_OF(X509) *certs;  /* leaf first, then intermediates as given */
};

/* Serialises every change to the directory: two uploads at once must not interleave. */
static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* The reason of OpenSSL's latest error ("bad base64 decode"), then an empty queue. */
static const char *
ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "%s", r != NULL ? r : "unknown OpenSSL error");
	ERR_clear_error();
	return buf;
}

static void
tls_set_free(struct tls_set *s)
{
	EVP_PKEY_free(s->key);
	sk_X509_pop_free(s->certs, X509_free);
	s->key = NULL;
	s->certs = NULL;
}

static X509 *
tls_leaf(const struct tls_set *s)
{
	return sk_X509_value(s->certs, 0);
}

/* A password callback that refuses and remembers it was asked. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	if (u != NULL)
		*(bool *)u = true;
	return -1;
}

/* "2026-11-25T16:02:40Z"; "?" when OpenSSL cannot read the time. */
static void
iso_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* "AB:CD:..." (95 characters + NUL), as `openssl x509 -fingerprint -sha256` prints it. */
static void
fingerprint(X509 *x, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t o = 0;

	buf[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned int i = 0; i < n && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, i ? ":%02X" : "%02X", md[i]);
}

/* ---- parsing ---------------------------------------------------------------------------- */

/*
 * Reads every certificate of text (other PEM blocks, such as a key, are skipped) into certs.
 * what names the input in messages ("certificate", "/etc/.../server.pem").
 */
static hs_err
parse_certs(const char *text, size_t len, const char *what, STACK_OF(X509) **out, char *err,
    size_t errlen)
{
	char why[256];
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	hs_err rc = HS_EINVAL;

	*out = NULL;
	if (len > TLS_MAX_FILE) {
		seterr(err, errlen, "%s: larger than %d bytes", what, TLS_MAX_FILE);
		return HS_EINVAL;
	}
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL ||
	    (certs = sk_X509_new_null()) == NULL) {
		rc = HS_ENOMEM;
		goto fail;
	}
	ERR_clear_error();
	for (;;) {
		X509 *x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
		if (x == NULL) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				if (sk_X509_num(certs) > 0)
					break;
				seterr(err, errlen, "%s: not PEM", what);
				goto fail;
			}
			seterr(err, errlen, "%s: certificate %d is not valid PEM (%s)", what,
			    sk_X509_num(certs) + 1, ossl_reason(why, sizeof(why)));
			goto fail;
		}
		if (sk_X509_num(certs) >= TLS_MAX_CERTS) {
			X509_free(x);
			seterr(err, errlen, "%s: more than %d certificates", what, TLS_MAX_CERTS);
			goto fail;
		}
		if (sk_X509_push(certs, x) <= 0) {
			X509_free(x);
			rc = HS_ENOMEM;
			goto fail;
		}
	}
	BIO_free(bio);
	*out = certs;
	return HS_OK;
fail:
	if (rc == HS_ENOMEM)
		seterr(err, errlen, "%s: out of memory", what);
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}

/* Reads the first private key of text (certificate blocks are skipped). */
static hs_err
parse_key(const char *text, size_t len, const char *what, EVP_PKEY **out, char *err,
    size_t errlen)
{
	char why[256];
	bool asked = false;
	BIO *bio;

	*out = NULL;
	if (len > TLS_MAX_FILE) {
		seterr(err, errlen, "%s: larger than %d bytes", what, TLS_MAX_FILE);
		return HS_EINVAL;
	}
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		seterr(err, errlen, "%s: out of memory", what);
		return HS_ENOMEM;
	}
	ERR_clear_error();
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	BIO_free(bio);
	if (*out != NULL) {
		ERR_clear_error();
		return HS_OK;
	}
	if (asked) {
		ERR_clear_error();
		seterr(err, errlen, "%s: encrypted with a passphrase (upload it without one)",
		    what);
		return HS_EINVAL;
	}
	/* OpenSSL 3 also tries DER, so its error does not tell "no PEM" apart: look */
	if (memmem(text, len, "-----BEGIN ", 11) == NULL) {
		ERR_clear_error();
		seterr(err, errlen, "%s: not PEM", what);
	} else if (memmem(text, len, "PRIVATE KEY-----", 16) == NULL) {
		ERR_clear_error();
		seterr(err, errlen, "%s: no PRIVATE KEY block", what);
	} else {
		seterr(err, errlen, "%s: not a valid private key (%s)", what,
		    ossl_reason(why, sizeof(why)));
	}
	return HS_EINVAL;
}

/* The rules every set obeys: the key is the leaf's and is strong enough. */
static hs_err
check_pair(const struct tls_set *s, char *err, size_t errlen)
{
	if (X509_check_private_key(tls_leaf(s), s->key) != 1) {
		ERR_clear_error();
		seterr(err, errlen, "key does not match the certificate");
		return HS_EINVAL;
	}
	if (EVP_PKEY_is_a(s->key, "RSA") && EVP_PKEY_get_bits(s->key) < TLS_MIN_RSA_BITS) {
		seterr(err, errlen, "key: RSA key of %d bits is too weak (%d at least)",
		    EVP_PKEY_get_bits(s->key), TLS_MIN_RSA_BITS);
		return HS_EINVAL;
	}
	return HS_OK;
}

/* HS_EINVAL with the date when the leaf is expired or not yet valid. */
static hs_err
check_validity(X509 *x, char *err, size_t errlen)
{
	char when[32];

	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		iso_time(X509_get0_notAfter(x), when, sizeof(when));
		seterr(err, errlen, "certificate expired on %s", when);
		return HS_EINVAL;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		iso_time(X509_get0_notBefore(x), when, sizeof(when));
		seterr(err, errlen, "certificate not valid before %s", when);
		return HS_EINVAL;
	}
	return HS_OK;
}

/* ---- files ------------------------------------------------------------------------------ */

/* Reads path whole (NUL-terminated, up to TLS_MAX_FILE).  With read(2), not stdio, so no
 * copy of a key stays behind in a stdio buffer that nobody wipes. */
static hs_err
read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n = 0, size = 0;
	struct stat st;
	int fd, e = 0;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		e = errno;
		goto fail;
	}
	if (st.st_size > TLS_MAX_FILE) {
		seterr(err, errlen, "%s: larger than %d bytes", path, TLS_MAX_FILE);
		close(fd);
		return HS_ECONFIG;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		e = ENOMEM;
		goto fail;
	}
	while (n < size) {
		ssize_t r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return HS_OK;
fail:
	seterr(err, errlen, "%s: %s", path, strerror(e));
	if (buf != NULL) {
		OPENSSL_cleanse(buf, size);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return hs_err_from_errno(e);
}

static void
free_secret(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

/*
 * Writes data to path atomically: mkstemp() creates the temporary file beside it with
 * O_CREAT|O_EXCL and mode 0600, so key material is never readable by others, not even
 * briefly; it is fsync'd before the rename, so after a crash path holds the old or the new
 * content, whole.
 */
static hs_err
write_atomic(const char *path, mode_t mode, const void *data, size_t len, char *err,
    size_t errlen)
{
	char tmp[GW_TLS_PATH_MAX + 16];
	const char *p = data;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp)) {
		seterr(err, errlen, "%s: path too long", path);
		return HS_EINVAL;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		seterr(err, errlen, "%s: cannot create: %s", tmp, strerror(e));
		return hs_err_from_errno(e);
	}
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return HS_OK;
fail:
	e = errno;
	seterr(err, errlen, "%s: cannot write: %s", path, strerror(e));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return hs_err_from_errno(e);
}

/* Makes the renames in dir durable. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* true when path exists; false when absent; -1 (errno set) when it cannot be told. */
static int
file_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

static hs_err
make_paths(const char *dir, struct gw_tls_files *f, char *err, size_t errlen)
{
	if (dir == NULL || dir[0] == '\0') {
		seterr(err, errlen, "no certificate directory");
		return HS_EINVAL;
	}
	/* the longest name is the temporary one, 11 more than server.pem */
	if (strlen(dir) + sizeof("/" TLS_PEM ".tmp-XXXXXX") > GW_TLS_PATH_MAX) {
		seterr(err, errlen, "%s: path too long", dir);
		return HS_EINVAL;
	}
	snprintf(f->crt, sizeof(f->crt), "%s/" TLS_CRT, dir);
	snprintf(f->key, sizeof(f->key), "%s/" TLS_KEY, dir);
	snprintf(f->pem, sizeof(f->pem), "%s/" TLS_PEM, dir);
	return HS_OK;
}

/* Appends every certificate of s to bio. */
static bool
pem_certs(BIO *bio, const struct tls_set *s)
{
	for (int i = 0; i < sk_X509_num(s->certs); i++)
		if (PEM_write_bio_X509(bio, sk_X509_value(s->certs, i)) != 1)
			return false;
	return true;
}

enum { STORE_PEM = 1, STORE_CRT = 2, STORE_KEY = 4, STORE_ALL = 7 };

/*
 * Writes the chosen files of set s.  server.pem goes first: it is what civetweb loads, so
 * from its rename on the new set is served even if the copies are not written yet.
 */
static hs_err
tls_store(const char *dir, const struct gw_tls_files *f, const struct tls_set *s, int which,
    char *err, size_t errlen)
{
	BIO *key = BIO_new(BIO_s_secmem()), *pem = BIO_new(BIO_s_secmem());
	BIO *crt = BIO_new(BIO_s_mem());
	char *kd, *pd, *cd;
	long kl, pl, cl;
	hs_err rc = HS_OK;

	if (key == NULL || pem == NULL || crt == NULL ||
	    PEM_write_bio_PrivateKey(key, s->key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PrivateKey(pem, s->key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    !pem_certs(pem, s) || !pem_certs(crt, s)) {
		char why[256];
		seterr(err, errlen, "cannot encode the certificate: %s",
		    ossl_reason(why, sizeof(why)));
		rc = HS_EINTERNAL;
		goto out;
	}
	kl = BIO_get_mem_data(key, &kd);
	pl = BIO_get_mem_data(pem, &pd);
	cl = BIO_get_mem_data(crt, &cd);
	if ((which & STORE_PEM) != 0)
		rc = write_atomic(f->pem, 0600, pd, (size_t)pl, err, errlen);
	if (rc == HS_OK && (which & STORE_CRT) != 0)
		rc = write_atomic(f->crt, 0644, cd, (size_t)cl, err, errlen);
	if (rc == HS_OK && (which & STORE_KEY) != 0)
		rc = write_atomic(f->key, 0600, kd, (size_t)kl, err, errlen);
	sync_dir(dir);
out:
	BIO_free(key);  /* secure-heap BIOs are wiped on free */
	BIO_free(pem);
	BIO_free(crt);
	return rc;
}

/* ---- generation ------------------------------------------------------------------------- */

/* cn is a host name or an IP address: it becomes the CN and a subjectAltName, and OpenSSL
 * would take anything else literally. */
static bool
valid_cn(const char *cn, bool *is_ip)
{
	unsigned char addr[16];
	size_t n = cn != NULL ? strlen(cn) : 0;

	*is_ip = false;
	if (n == 0 || n > TLS_NAME_MAX)
		return false;
	if (inet_pton(AF_INET, cn, addr) == 1 || inet_pton(AF_INET6, cn, addr) == 1) {
		*is_ip = true;
		return true;
	}
	for (const char *p = cn; *p != '\0'; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			return false;
	}
	return cn[0] != '.' && cn[0] != '-';
}

static bool
san_push(GENERAL_NAMES *gens, bool ip, const char *value)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();

	if (gn == NULL)
		return false;
	if (ip) {
		ASN1_OCTET_STRING *o = a2i_IPADDRESS(value);
		if (o == NULL)
			goto fail;
		GENERAL_NAME_set0_value(gn, GEN_IPADD, o);
	} else {
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		if (s == NULL)
			goto fail;
		if (ASN1_STRING_set(s, value, -1) != 1) {
			ASN1_IA5STRING_free(s);
			goto fail;
		}
		GENERAL_NAME_set0_value(gn, GEN_DNS, s);
	}
	if (sk_GENERAL_NAME_push(gens, gn) > 0)
		return true;
fail:
	GENERAL_NAME_free(gn);
	return false;
}

/* subjectAltName: cn (as DNS or IP), localhost and 127.0.0.1, each once.  Built as
 * structures rather than a "DNS:..,IP:.." config string, so cn cannot smuggle in names. */
static bool
add_sans(X509 *x, const char *cn, bool cn_ip)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	bool ok = gens != NULL && san_push(gens, cn_ip, cn);

	if (ok && strcasecmp(cn, "localhost") != 0)
		ok = san_push(gens, false, "localhost");
	if (ok && strcmp(cn, "127.0.0.1") != 0)
		ok = san_push(gens, true, "127.0.0.1");
	if (ok)
		ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
	GENERAL_NAMES_free(gens);
	return ok;
}

/* Adds an extension from OpenSSL's config syntax; value is one of our constants. */
static bool
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* A positive, non-zero 128-bit serial (RFC 5280 wants <= 20 octets and unpredictable). */
static bool
set_random_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn;
	bool ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return false;
	b[0] = (unsigned char)((b[0] & 0x7f) | 0x01);  /* positive, and 16 octets long */
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL)
		return false;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static hs_err
generate(const char *cn, bool cn_ip, struct tls_set *out, char *err, size_t errlen)
{
	X509 *x = NULL;
	X509_NAME *name = NULL;
	char why[256];

	out->key = NULL;
	out->certs = NULL;
	if ((out->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 || !set_random_serial(x) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -TLS_BACKDATE_SECS) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_VALID_DAYS, 0, NULL) == NULL ||
	    /* browsers read only the subjectAltName, so a name longer than a CN may be
	     * goes there whole and the CN says what the certificate is */
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		(const unsigned char *)(strlen(cn) <= TLS_CN_MAX ? cn : TLS_LONG_CN), -1, -1,
		0) != 1 ||
	    X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, out->key) != 1 ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(x, NID_subject_key_identifier, "hash") || !add_sans(x, cn, cn_ip) ||
	    X509_sign(x, out->key, EVP_sha256()) <= 0 ||
	    (out->certs = sk_X509_new_null()) == NULL || sk_X509_push(out->certs, x) <= 0) {
		seterr(err, errlen, "cannot generate a certificate: %s",
		    ossl_reason(why, sizeof(why)));
		X509_NAME_free(name);
		X509_free(x);
		tls_set_free(out);
		return HS_EINTERNAL;
	}
	X509_NAME_free(name);
	return HS_OK;
}

/* ---- the interface ---------------------------------------------------------------------- */

/* Parses key and certificates out of text into s; messages name the input `what`. */
static hs_err
parse_set(const char *certs, size_t clen, const char *key, size_t klen, const char *cwhat,
    const char *kwhat, struct tls_set *s, char *err, size_t errlen)
{
	hs_err rc;

	s->key = NULL;
	s->certs = NULL;
	if ((rc = parse_certs(certs, clen, cwhat, &s->certs, err, errlen)) != HS_OK ||
	    (rc = parse_key(key, klen, kwhat, &s->key, err, errlen)) != HS_OK ||
	    (rc = check_pair(s, err, errlen)) != HS_OK) {
		tls_set_free(s);
		return rc;
	}
	return HS_OK;
}

/* Loads the set on disk: server.pem, else server.crt + server.key.  HS_ENOTFOUND when
 * neither is there; a file that is there but unusable is HS_ECONFIG, naming the file. */
static hs_err
load_set(const struct gw_tls_files *f, struct tls_set *s, char *err, size_t errlen)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	const char *blame;
	char msg[512];
	hs_err rc;
	int have, e;

	if ((have = file_exists(f->pem)) < 0) {
		e = errno;
		seterr(err, errlen, "%s: %s", f->pem, strerror(e));
		return hs_err_from_errno(e);
	}
	if (have) {
		if ((rc = read_file(f->pem, &a, &alen, err, errlen)) != HS_OK)
			return rc;
		rc = parse_set(a, alen, a, alen, f->pem, f->pem, s, msg, sizeof(msg));
		blame = f->pem;
	} else {
		if (file_exists(f->crt) != 1 || file_exists(f->key) != 1) {
			seterr(err, errlen, "%s: no certificate", f->pem);
			return HS_ENOTFOUND;
		}
		if ((rc = read_file(f->crt, &a, &alen, err, errlen)) != HS_OK)
			return rc;
		if ((rc = read_file(f->key, &b, &blen, err, errlen)) != HS_OK) {
			free(a);
			return rc;
		}
		rc = parse_set(a, alen, b, blen, f->crt, f->key, s, msg, sizeof(msg));
		blame = f->key;
	}
	free_secret(a, alen);
	free_secret(b, blen);
	if (rc == HS_OK)
		return HS_OK;
	/* parse errors name their file; the pair checks do not, so say which */
	if (strncmp(msg, f->pem, strlen(f->pem)) == 0 ||
	    strncmp(msg, f->crt, strlen(f->crt)) == 0 ||
	    strncmp(msg, f->key, strlen(f->key)) == 0)
		seterr(err, errlen, "%s", msg);
	else
		seterr(err, errlen, "%s: %s", blame, msg);
	return rc == HS_EINVAL ? HS_ECONFIG : rc;
}

hs_err
gw_tls_ensure(const char *dir, const char *cn, struct gw_tls_files *files, char *err,
    size_t errlen)
{
	struct tls_set s = {0};
	char fp[100], when[32];
	bool cn_ip;
	hs_err rc;

	seterr(err, errlen, "%s", "");
	if (files == NULL || (rc = make_paths(dir, files, err, errlen)) != HS_OK)
		return files == NULL ? HS_EINVAL : rc;
	if (!valid_cn(cn, &cn_ip)) {
		seterr(err, errlen, "cn: not a host name or IP address: %s", cn ? cn : "(null)");
		return HS_EINVAL;
	}
	pthread_mutex_lock(&tls_lock);
	if (hs_fs_mkdir_p(dir, 0700) != 0) {
		rc = hs_err_from_errno(errno);
		seterr(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		goto out;
	}
	rc = load_set(files, &s, err, errlen);
	if (rc == HS_OK) {
		/* a file removed by hand comes back from the others; present ones are kept */
		int which = (file_exists(files->pem) != 1 ? STORE_PEM : 0) |
		    (file_exists(files->crt) != 1 ? STORE_CRT : 0) |
		    (file_exists(files->key) != 1 ? STORE_KEY : 0);
		if (which != 0)
			rc = tls_store(dir, files, &s, which, err, errlen);
		if (rc == HS_OK && X509_cmp_current_time(X509_get0_notAfter(tls_leaf(&s))) <= 0) {
			iso_time(X509_get0_notAfter(tls_leaf(&s)), when, sizeof(when));
			hs_log_warn("tls.expired", "file=%s not_after=%s", hs_logq(files->pem),
			    when);
		}
	} else if (rc == HS_ENOTFOUND) {
		seterr(err, errlen, "%s", "");
		if ((rc = generate(cn, cn_ip, &s, err, errlen)) == HS_OK)
			rc = tls_store(dir, files, &s, STORE_ALL, err, errlen);
		if (rc == HS_OK) {
			fingerprint(tls_leaf(&s), fp, sizeof(fp));
			hs_log_info("tls.generated", "file=%s cn=%s sha256=%s", hs_logq(files->pem),
			    hs_logq(cn), fp);
		}
	}
out:
	pthread_mutex_unlock(&tls_lock);
	tls_set_free(&s);
	ERR_clear_error();
	return rc;
}

hs_err
gw_tls_install(const char *dir, const char *cert_pem, const char *key_pem, char *err,
    size_t errlen)
{
	struct gw_tls_files f;
	struct tls_set s = {0};
	char fp[100], when[32];
	hs_err rc;

	seterr(err, errlen, "%s", "");
	if ((rc = make_paths(dir, &f, err, errlen)) != HS_OK)
		return rc;
	if (cert_pem == NULL || cert_pem[0] == '\0') {
		seterr(err, errlen, "certificate: missing");
		return HS_EINVAL;
	}
	if (key_pem == NULL || key_pem[0] == '\0') {
		seterr(err, errlen, "key: missing");
		return HS_EINVAL;
	}
	if ((rc = parse_set(cert_pem, strlen(cert_pem), key_pem, strlen(key_pem), "certificate",
	    "key", &s, err, errlen)) != HS_OK)
		return rc;
	if ((rc = check_validity(tls_leaf(&s), err, errlen)) != HS_OK) {
		tls_set_free(&s);
		return rc;
	}
	pthread_mutex_lock(&tls_lock);
	if (hs_fs_mkdir_p(dir, 0700) != 0) {
		rc = hs_err_from_errno(errno);
		seterr(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
	} else {
		rc = tls_store(dir, &f, &s, STORE_ALL, err, errlen);
	}
	pthread_mutex_unlock(&tls_lock);
	if (rc == HS_OK) {
		fingerprint(tls_leaf(&s), fp, sizeof(fp));
		iso_time(X509_get0_notAfter(tls_leaf(&s)), when, sizeof(when));
		hs_log_info("tls.installed", "file=%s sha256=%s not_after=%s", hs_logq(f.pem), fp,
		    when);
	}
	tls_set_free(&s);
	ERR_clear_error();
	return rc;
}

/* An X509_NAME as RFC 2253 text, non-ASCII kept as UTF-8 for display. */
static char *
name_text(const X509_NAME *n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;

	if (bio == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(bio, &data);
		s = strndup(len > 0 ? data : "", len > 0 ? (size_t)len : 0);
	}
	BIO_free(bio);
	return s;
}

static bool
add_string_owned(cJSON *o, const char *key, char *value)
{
	bool ok = value != NULL && cJSON_AddStringToObject(o, key, value) != NULL;

	free(value);
	return ok;
}

static bool
add_sans_json(cJSON *o, X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	cJSON *arr = cJSON_AddArrayToObject(o, "subject_alt_names");
	bool ok = arr != NULL;

	for (int i = 0; ok && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		char buf[300], ip[INET6_ADDRSTRLEN];
		const unsigned char *d;
		int len;

		if (gn->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(gn->d.dNSName);
			len = ASN1_STRING_length(gn->d.dNSName);
			snprintf(buf, sizeof(buf), "DNS:%.*s", len, (const char *)d);
		} else if (gn->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(gn->d.iPAddress);
			len = ASN1_STRING_length(gn->d.iPAddress);
			if (!((len == 4 && inet_ntop(AF_INET, d, ip, sizeof(ip)) != NULL) ||
			    (len == 16 && inet_ntop(AF_INET6, d, ip, sizeof(ip)) != NULL)))
				continue;
			snprintf(buf, sizeof(buf), "IP:%s", ip);
		} else {
			continue;
		}
		ok = cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
	}
	GENERAL_NAMES_free(gens);
	return ok;
}

hs_err
gw_tls_info(const char *dir, cJSON **out)
{
	struct gw_tls_files f;
	STACK_OF(X509) *certs = NULL;
	char *text = NULL, msg[512], when[32], fp[100];
	size_t len = 0;
	cJSON *o = NULL;
	X509 *x;
	hs_err rc;

	if (out == NULL)
		return HS_EINVAL;
	*out = NULL;
	if ((rc = make_paths(dir, &f, msg, sizeof(msg))) != HS_OK)
		return rc;
	pthread_mutex_lock(&tls_lock);
	rc = read_file(f.pem, &text, &len, msg, sizeof(msg));
	pthread_mutex_unlock(&tls_lock);
	if (rc != HS_OK)
		return rc;
	rc = parse_certs(text, len, f.pem, &certs, msg, sizeof(msg));
	free_secret(text, len);
	if (rc != HS_OK)
		return rc == HS_EINVAL ? HS_ECONFIG : rc;
	x = sk_X509_value(certs, 0);
	rc = HS_ENOMEM;
	if ((o = cJSON_CreateObject()) == NULL ||
	    !add_string_owned(o, "subject", name_text(X509_get_subject_name(x))) ||
	    !add_string_owned(o, "issuer", name_text(X509_get_issuer_name(x))))
		goto fail;
	iso_time(X509_get0_notBefore(x), when, sizeof(when));
	if (cJSON_AddStringToObject(o, "not_before", when) == NULL)
		goto fail;
	iso_time(X509_get0_notAfter(x), when, sizeof(when));
	fingerprint(x, fp, sizeof(fp));
	if (cJSON_AddStringToObject(o, "not_after", when) == NULL ||
	    cJSON_AddBoolToObject(o, "self_signed", X509_self_signed(x, 1) == 1) == NULL ||
	    cJSON_AddBoolToObject(o, "expired",
		X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) == NULL ||
	    cJSON_AddStringToObject(o, "sha256", fp) == NULL || !add_sans_json(o, x))
		goto fail;
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	*out = o;
	return HS_OK;
fail:
	cJSON_Delete(o);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}
