/*
 * tls_test.c - the certificate files: first-start generation (files, modes, what the
 * certificate says), idempotence, uploads accepted and refused, and the description.  The
 * uploads are made here with OpenSSL, independently of tls.c.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

#define DAY (24 * 3600L)

struct fixture {
	char tmp[64];    /* the test's scratch directory */
	char dir[128];   /* tmp/tls, created by the code under test */
	char err[512];
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/hs-tls-test-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->dir, sizeof(fx->dir), "%s/tls", fx->tmp);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* ---- helpers: files, and certificates made without tls.c ------------------------------- */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static mode_t
file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static X509 *
read_cert(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	assert_non_null(b);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *
read_key(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *k;

	assert_non_null(b);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(k);
	return k;
}

static char *
bio_string(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s = strndup(data, (size_t)n);

	assert_non_null(s);
	BIO_free(b);
	return s;
}

static char *
key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
	return bio_string(b);
}

static char *
cert_pem(X509 *x, X509 *chain)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	if (chain != NULL)
		assert_int_equal(PEM_write_bio_X509(b, chain), 1);
	return bio_string(b);
}

/* A certificate for cn valid from now+nb to now+na seconds, signed by ca_key (itself when
 * NULL, with issuer = subject). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, long nb, long na, X509 *ca, EVP_PKEY *ca_key,
    bool is_ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), nb));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), na));
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name), 1);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    is_ca ? "critical,CA:TRUE" : "CA:FALSE");
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ca_key ? ca_key : key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return x;
}

static EVP_PKEY *
rsa_key(unsigned int bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	assert_non_null(k);
	return k;
}

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(k);
	return k;
}

/* The SHA-256 fingerprint gw_tls_info reports. */
static char *
info_sha256(const char *dir)
{
	cJSON *info = NULL;
	char *s;

	assert_int_equal(gw_tls_info(dir, &info), HS_OK);
	s = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(info, "sha256")));
	cJSON_Delete(info);
	return s;
}

struct snapshot {
	char *crt, *key, *pem;
};

static void
snap(const char *dir, struct snapshot *s)
{
	char p[256];

	path_in(p, sizeof(p), dir, "server.crt");
	s->crt = slurp(p);
	path_in(p, sizeof(p), dir, "server.key");
	s->key = slurp(p);
	path_in(p, sizeof(p), dir, "server.pem");
	s->pem = slurp(p);
}

/* Asserts dir still holds exactly s, and frees s. */
static void
assert_unchanged(const char *dir, struct snapshot *s)
{
	struct snapshot now;

	snap(dir, &now);
	assert_string_equal(now.crt, s->crt);
	assert_string_equal(now.key, s->key);
	assert_string_equal(now.pem, s->pem);
	assert_int_equal(count_entries(dir), 3);  /* no temporary file left behind */
	free(now.crt), free(now.key), free(now.pem);
	free(s->crt), free(s->key), free(s->pem);
}

static bool
has_san(X509 *x, int type, const char *value)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type != type)
			continue;
		if (type == GEN_DNS) {
			found |= strcmp((const char *)ASN1_STRING_get0_data(gn->d.dNSName), value) ==
			    0;
		} else {
			ASN1_OCTET_STRING *ip = a2i_IPADDRESS(value);
			found |= ASN1_STRING_cmp(ip, gn->d.iPAddress) == 0;
			ASN1_OCTET_STRING_free(ip);
		}
	}
	GENERAL_NAMES_free(gens);
	return found;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
generate_first_start(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	char p[256], cn[128];
	X509 *x, *x2;
	EVP_PKEY *k, *k2;
	const ASN1_INTEGER *serial;
	time_t now = time(NULL);

	assert_int_equal(gw_tls_ensure(fx->dir, "pbx.example.com", &f, fx->err,
	    sizeof(fx->err)), HS_OK);
	assert_string_equal(fx->err, "");
	path_in(p, sizeof(p), fx->dir, "server.crt");
	assert_string_equal(f.crt, p);
	path_in(p, sizeof(p), fx->dir, "server.key");
	assert_string_equal(f.key, p);
	path_in(p, sizeof(p), fx->dir, "server.pem");
	assert_string_equal(f.pem, p);

	assert_int_equal(file_mode(fx->dir), 0700);
	assert_int_equal(file_mode(f.key), 0600);
	assert_int_equal(file_mode(f.pem), 0600);
	assert_int_equal(file_mode(f.crt), 0644);
	assert_int_equal(count_entries(fx->dir), 3);

	x = read_cert(f.crt);
	k = read_key(f.key);
	/* the key is the certificate's and the certificate is signed by it */
	assert_int_equal(X509_check_private_key(x, k), 1);
	assert_int_equal(X509_verify(x, k), 1);
	assert_int_equal(X509_self_signed(x, 1), 1);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	assert_true(EVP_PKEY_is_a(k, "EC"));

	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof(cn)) > 0);
	assert_string_equal(cn, "pbx.example.com");
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	assert_true(has_san(x, GEN_DNS, "pbx.example.com"));
	assert_true(has_san(x, GEN_DNS, "localhost"));
	assert_true(has_san(x, GEN_IPADD, "127.0.0.1"));

	assert_int_equal(X509_check_ca(x), 0);
	assert_true(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);

	/* ten years from now (give or take the leap days), valid now */
	time_t t9 = now + 3650 * DAY - DAY, t11 = now + 3653 * DAY + DAY;
	assert_true(X509_cmp_time(X509_get0_notAfter(x), &t9) > 0);
	assert_true(X509_cmp_time(X509_get0_notAfter(x), &t11) < 0);
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);

	serial = X509_get0_serialNumber(x);
	assert_int_equal(ASN1_STRING_length(serial), 16);

	/* server.pem = the same key + the same certificate */
	x2 = read_cert(f.pem);
	k2 = read_key(f.pem);
	assert_int_equal(X509_cmp(x, x2), 0);
	assert_int_equal(EVP_PKEY_eq(k, k2), 1);

	X509_free(x), X509_free(x2);
	EVP_PKEY_free(k), EVP_PKEY_free(k2);
}

static void
generate_for_ip(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	X509 *x;

	assert_int_equal(gw_tls_ensure(fx->dir, "192.0.2.7", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	x = read_cert(f.crt);
	assert_true(has_san(x, GEN_IPADD, "192.0.2.7"));
	assert_false(has_san(x, GEN_DNS, "192.0.2.7"));
	assert_true(has_san(x, GEN_DNS, "localhost"));
	X509_free(x);
}

static void
generate_long_name(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	char name[200], cn[128];
	X509 *x;

	/* longer than a CN may be: whole in the subjectAltName */
	memset(name, 'a', 70);
	snprintf(name + 70, sizeof(name) - 70, ".pbx.example.com");
	assert_int_equal(gw_tls_ensure(fx->dir, name, &f, fx->err, sizeof(fx->err)), HS_OK);
	x = read_cert(f.crt);
	assert_true(has_san(x, GEN_DNS, name));
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof(cn)) > 0);
	assert_string_equal(cn, "Hookswitch");
	X509_free(x);
}

static void
ensure_keeps_existing(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	struct snapshot s;
	char *fp1, *fp2, *fp3;

	assert_int_equal(gw_tls_ensure(fx->dir, "a.example", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	fp1 = info_sha256(fx->dir);
	snap(fx->dir, &s);
	/* even with another cn: the certificate on disk stays */
	assert_int_equal(gw_tls_ensure(fx->dir, "b.example", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	fp2 = info_sha256(fx->dir);
	assert_string_equal(fp1, fp2);
	assert_unchanged(fx->dir, &s);

	/* a copy deleted by hand comes back from server.pem, same certificate */
	assert_int_equal(unlink(f.crt), 0);
	assert_int_equal(unlink(f.key), 0);
	assert_int_equal(gw_tls_ensure(fx->dir, "a.example", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	fp3 = info_sha256(fx->dir);
	assert_string_equal(fp1, fp3);
	X509 *x = read_cert(f.crt);
	EVP_PKEY *k = read_key(f.key);
	assert_int_equal(X509_check_private_key(x, k), 1);
	assert_int_equal(file_mode(f.key), 0600);
	X509_free(x);
	EVP_PKEY_free(k);
	free(fp1), free(fp2), free(fp3);
}

static void
ensure_builds_pem_from_parts(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	char p[256], *c, *k, *pem;
	EVP_PKEY *key = ec_key();
	X509 *x = make_cert(key, "hand.example", -DAY, 30 * DAY, NULL, NULL, false);
	X509 *y;

	assert_int_equal(mkdir(fx->dir, 0700), 0);
	c = cert_pem(x, NULL);
	k = key_pem(key);
	path_in(p, sizeof(p), fx->dir, "server.crt");
	spit(p, c);
	path_in(p, sizeof(p), fx->dir, "server.key");
	spit(p, k);
	assert_int_equal(gw_tls_ensure(fx->dir, "other.example", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	y = read_cert(f.pem);
	assert_int_equal(X509_cmp(x, y), 0);
	assert_int_equal(file_mode(f.pem), 0600);
	/* the parts placed by hand are left as they were */
	pem = slurp(f.key);
	assert_string_equal(pem, k);
	free(pem);
	X509_free(x), X509_free(y);
	EVP_PKEY_free(key);
	free(c), free(k);
}

static void
ensure_refuses_broken_files(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	char p[256], *pem, *other, *text;
	EVP_PKEY *k2 = ec_key();

	assert_int_equal(gw_tls_ensure(fx->dir, "a.example", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	/* a server.pem whose key belongs to another certificate is reported, not replaced */
	pem = slurp(f.crt);
	other = key_pem(k2);
	text = malloc(strlen(pem) + strlen(other) + 1);
	strcpy(text, other);
	strcat(text, pem);
	spit(f.pem, text);
	assert_int_equal(gw_tls_ensure(fx->dir, "a.example", &f, fx->err, sizeof(fx->err)),
	    HS_ECONFIG);
	snprintf(p, sizeof(p), "%s: key does not match the certificate", f.pem);
	assert_string_equal(fx->err, p);

	spit(f.pem, "garbage\n");
	assert_int_equal(gw_tls_ensure(fx->dir, "a.example", &f, fx->err, sizeof(fx->err)),
	    HS_ECONFIG);
	snprintf(p, sizeof(p), "%s: not PEM", f.pem);
	assert_string_equal(fx->err, p);
	free(pem);
	pem = slurp(f.pem);
	assert_string_equal(pem, "garbage\n");
	assert_int_equal(gw_tls_info(fx->dir, &(cJSON *){NULL}), HS_ECONFIG);

	free(pem), free(other), free(text);
	EVP_PKEY_free(k2);
}

static void
bad_arguments(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	cJSON *info = NULL;

	assert_int_equal(gw_tls_ensure(fx->dir, "a,DNS:evil.example", &f, fx->err,
	    sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "cn: not a host name or IP address: a,DNS:evil.example");
	assert_int_equal(gw_tls_ensure(fx->dir, "", &f, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_int_equal(gw_tls_ensure(fx->dir, NULL, &f, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_int_equal(gw_tls_ensure("", "a", &f, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_int_equal(gw_tls_ensure(fx->dir, "a", NULL, NULL, 0), HS_EINVAL);
	assert_int_equal(access(fx->dir, F_OK), -1);  /* nothing was created */

	assert_int_equal(gw_tls_info(fx->dir, &info), HS_ENOTFOUND);
	assert_null(info);
	assert_int_equal(gw_tls_info(fx->dir, NULL), HS_EINVAL);
}

static void
info_describes(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	cJSON *info = NULL, *sans;
	const char *nb, *na, *fp;

	assert_int_equal(gw_tls_ensure(fx->dir, "pbx.example.com", &f, fx->err,
	    sizeof(fx->err)), HS_OK);
	assert_int_equal(gw_tls_info(fx->dir, &info), HS_OK);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(info, "subject")),
	    "CN=pbx.example.com");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(info, "issuer")),
	    "CN=pbx.example.com");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(info, "self_signed")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(info, "expired")));
	nb = cJSON_GetStringValue(cJSON_GetObjectItem(info, "not_before"));
	na = cJSON_GetStringValue(cJSON_GetObjectItem(info, "not_after"));
	assert_non_null(nb);
	assert_non_null(na);
	assert_int_equal(strlen(na), 20);
	assert_true(na[4] == '-' && na[10] == 'T' && na[19] == 'Z');
	assert_true(strcmp(nb, na) < 0);

	/* the fingerprint is the one OpenSSL computes */
	X509 *x = read_cert(f.crt);
	unsigned char md[32];
	unsigned int n;
	char want[100];
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(want + 3 * i, sizeof(want) - 3 * i, i + 1 < n ? "%02X:" : "%02X", md[i]);
	fp = cJSON_GetStringValue(cJSON_GetObjectItem(info, "sha256"));
	assert_string_equal(fp, want);
	X509_free(x);

	sans = cJSON_GetObjectItem(info, "subject_alt_names");
	assert_int_equal(cJSON_GetArraySize(sans), 3);
	assert_string_equal(cJSON_GetArrayItem(sans, 0)->valuestring, "DNS:pbx.example.com");
	assert_string_equal(cJSON_GetArrayItem(sans, 1)->valuestring, "DNS:localhost");
	assert_string_equal(cJSON_GetArrayItem(sans, 2)->valuestring, "IP:127.0.0.1");
	cJSON_Delete(info);
}

static void
install_valid_chain(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	EVP_PKEY *ca_key = ec_key(), *key = rsa_key(2048);
	X509 *ca = make_cert(ca_key, "Test CA", -DAY, 365 * DAY, NULL, NULL, true);
	X509 *leaf = make_cert(key, "pbx.example.com", -DAY, 90 * DAY, ca, ca_key, false);
	char *c = cert_pem(leaf, ca), *k = key_pem(key), *before, *after;
	cJSON *info = NULL;
	X509 *x;
	EVP_PKEY *kk;

	assert_int_equal(gw_tls_ensure(fx->dir, "pbx.example.com", &f, fx->err,
	    sizeof(fx->err)), HS_OK);
	before = info_sha256(fx->dir);
	assert_int_equal(gw_tls_install(fx->dir, c, k, fx->err, sizeof(fx->err)), HS_OK);
	assert_string_equal(fx->err, "");
	after = info_sha256(fx->dir);
	assert_string_not_equal(before, after);

	x = read_cert(f.pem);
	kk = read_key(f.pem);
	assert_int_equal(X509_cmp(x, leaf), 0);
	assert_int_equal(EVP_PKEY_eq(kk, key), 1);
	X509_free(x);
	EVP_PKEY_free(kk);
	x = read_cert(f.crt);
	assert_int_equal(X509_cmp(x, leaf), 0);
	X509_free(x);
	kk = read_key(f.key);
	assert_int_equal(EVP_PKEY_eq(kk, key), 1);
	EVP_PKEY_free(kk);
	assert_int_equal(file_mode(f.key), 0600);
	assert_int_equal(file_mode(f.pem), 0600);
	assert_int_equal(file_mode(f.crt), 0644);
	assert_int_equal(count_entries(fx->dir), 3);

	/* the intermediate travels in server.crt and server.pem, after the leaf */
	char *crt = slurp(f.crt), *ca_text = cert_pem(ca, NULL);
	assert_non_null(strstr(crt, ca_text));
	assert_true(strstr(crt, ca_text) != crt);
	free(crt);
	crt = slurp(f.pem);
	assert_non_null(strstr(crt, ca_text));
	free(crt), free(ca_text);

	assert_int_equal(gw_tls_info(fx->dir, &info), HS_OK);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(info, "self_signed")));
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(info, "issuer")),
	    "CN=Test CA");
	cJSON_Delete(info);

	/* and the next start keeps it */
	assert_int_equal(gw_tls_ensure(fx->dir, "pbx.example.com", &f, fx->err,
	    sizeof(fx->err)), HS_OK);
	free(before);
	before = info_sha256(fx->dir);
	assert_string_equal(before, after);

	free(before), free(after), free(c), free(k);
	X509_free(ca), X509_free(leaf);
	EVP_PKEY_free(ca_key), EVP_PKEY_free(key);
}

static void
install_refused(void **state)
{
	struct fixture *fx = *state;
	struct gw_tls_files f;
	struct snapshot s;
	EVP_PKEY *key = ec_key(), *other = ec_key(), *weak = rsa_key(1024);
	X509 *good = make_cert(key, "a.example", -DAY, 30 * DAY, NULL, NULL, false);
	X509 *expired = make_cert(key, "a.example", -30 * DAY, -DAY, NULL, NULL, false);
	X509 *future = make_cert(key, "a.example", 2 * DAY, 30 * DAY, NULL, NULL, false);
	X509 *weakx = make_cert(weak, "a.example", -DAY, 30 * DAY, NULL, NULL, false);
	char *gc = cert_pem(good, NULL), *gk = key_pem(key), *ok = key_pem(other);
	char *ec = cert_pem(expired, NULL), *fc = cert_pem(future, NULL);
	char *wc = cert_pem(weakx, NULL), *wk = key_pem(weak);
	char want[128], when[32], corrupt[8192];
	struct tm tm;

	assert_int_equal(gw_tls_ensure(fx->dir, "a.example", &f, fx->err, sizeof(fx->err)),
	    HS_OK);
	snap(fx->dir, &s);

	assert_int_equal(gw_tls_install(fx->dir, gc, ok, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "key does not match the certificate");

	assert_int_equal(gw_tls_install(fx->dir, "hello world\n", gk, fx->err,
	    sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "certificate: not PEM");
	assert_int_equal(gw_tls_install(fx->dir, gc, "-----nope-----\n", fx->err,
	    sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "key: not PEM");
	/* the certificate pasted into the key field */
	assert_int_equal(gw_tls_install(fx->dir, gc, gc, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "key: no PRIVATE KEY block");
	/* the key pasted into the certificate field is not a certificate */
	assert_int_equal(gw_tls_install(fx->dir, gk, gk, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "certificate: not PEM");
	assert_int_equal(gw_tls_install(fx->dir, "", gk, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "certificate: missing");
	assert_int_equal(gw_tls_install(fx->dir, gc, NULL, fx->err, sizeof(fx->err)),
	    HS_EINVAL);
	assert_string_equal(fx->err, "key: missing");

	/* a PEM frame around damaged base64 */
	snprintf(corrupt, sizeof(corrupt), "%s", gc);
	corrupt[100] = '!';
	corrupt[101] = '*';
	assert_int_equal(gw_tls_install(fx->dir, corrupt, gk, fx->err, sizeof(fx->err)),
	    HS_EINVAL);
	assert_true(strncmp(fx->err, "certificate: certificate 1 is not valid PEM (", 45) == 0);

	assert_int_equal(gw_tls_install(fx->dir, ec, gk, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(expired), &tm), 1);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(want, sizeof(want), "certificate expired on %s", when);
	assert_string_equal(fx->err, want);

	assert_int_equal(gw_tls_install(fx->dir, fc, gk, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_true(strncmp(fx->err, "certificate not valid before 20", 31) == 0);

	assert_int_equal(gw_tls_install(fx->dir, wc, wk, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "key: RSA key of 1024 bits is too weak (2048 at least)");

	/* nothing of that touched the files */
	assert_unchanged(fx->dir, &s);

	free(gc), free(gk), free(ok), free(ec), free(fc), free(wc), free(wk);
	X509_free(good), X509_free(expired), X509_free(future), X509_free(weakx);
	EVP_PKEY_free(key), EVP_PKEY_free(other), EVP_PKEY_free(weak);
}

static void
install_encrypted_key_refused(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *key = ec_key();
	X509 *x = make_cert(key, "a.example", -DAY, 30 * DAY, NULL, NULL, false);
	BIO *b = BIO_new(BIO_s_mem());
	char *c = cert_pem(x, NULL), *k;

	/* an encrypted key must fail cleanly, never make OpenSSL prompt for a passphrase */
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_128_cbc(), NULL, 0, NULL,
	    (char *)"secret"), 1);
	k = bio_string(b);
	assert_non_null(strstr(k, "ENCRYPTED"));
	assert_int_equal(gw_tls_install(fx->dir, c, k, fx->err, sizeof(fx->err)), HS_EINVAL);
	assert_string_equal(fx->err, "key: encrypted with a passphrase (upload it without one)");
	assert_int_equal(access(fx->dir, F_OK), -1);

	/* the OpenSSL error queue is left empty for whoever uses TLS next on this thread */
	assert_int_equal(ERR_peek_error(), 0);
	free(c), free(k);
	X509_free(x);
	EVP_PKEY_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(generate_first_start, setup, teardown),
		cmocka_unit_test_setup_teardown(generate_for_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(generate_long_name, setup, teardown),
		cmocka_unit_test_setup_teardown(ensure_keeps_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(ensure_builds_pem_from_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(ensure_refuses_broken_files, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(info_describes, setup, teardown),
		cmocka_unit_test_setup_teardown(install_valid_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(install_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(install_encrypted_key_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
