/*
 * store.c - recordings at rest: AES-256-GCM encryption of a finished recording, its
 * SHA-256 and HMAC-SHA256 signature, verification and decryption (the format: store.h).
 *
 * DESIGN.  Every function streams in REC_STORE_CHUNK pieces through one EVP context, so a
 * recording of any length costs 2 x 64 kB.  Output goes to "<dst>.tmp", is fsynced and
 * renamed: a crash leaves the old state or the new one, never half a file.  Decryption
 * writes to the temporary file as it goes and only renames after the tag checked out, so
 * nobody ever sees unauthenticated plaintext at dst.  The signature is checked before
 * decryption starts (a tampered file writes nothing at all).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store.h"

void
rec_hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
rec_unhex(const char *s, uint8_t *b, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *
rec_verify_str(enum rec_verify v)
{
	switch (v) {
	case REC_VERIFY_OK:
		return "ok";
	case REC_VERIFY_IO:
		return "cannot read the file";
	case REC_VERIFY_MODIFIED:
		return "signature mismatch: file was modified";
	case REC_VERIFY_WRONG_KEY:
		return "the file was encrypted with another key";
	case REC_VERIFY_FORMAT:
		return "not an encrypted recording (bad header): file was modified";
	}
	return "?";
}

/* ---- helpers: whole-buffer I/O ------------------------------------------------------- */

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads up to n bytes (fewer only at the end of the file). */
static ssize_t
read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The output side: "<dst>.tmp", then fsync + rename (finish) or unlink (abort). */
struct out_file {
	int fd;
	char tmp[1100];
	const char *dst;
};

static int
out_open(struct out_file *o, const char *dst, char *err, size_t errlen)
{
	o->dst = dst;
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp", dst);
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		snprintf(err, errlen, "%s: %s", o->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

static void
out_abort(struct out_file *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	unlink(o->tmp);
}

static int
out_finish(struct out_file *o, char *err, size_t errlen)
{
	if (fsync(o->fd) != 0 || close(o->fd) != 0) {
		snprintf(err, errlen, "%s: %s", o->tmp, strerror(errno));
		o->fd = -1;
		unlink(o->tmp);
		return -1;
	}
	o->fd = -1;
	if (rename(o->tmp, o->dst) != 0) {
		snprintf(err, errlen, "%s: %s", o->dst, strerror(errno));
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

/* ---- hash + HMAC of a byte stream ---------------------------------------------------- */

struct digest {
	EVP_MD_CTX *md;
	EVP_MAC_CTX *mac;
	EVP_MAC *macalg;
};

static int
digest_init(struct digest *d, const struct rec_key *k)
{
	memset(d, 0, sizeof(*d));
	d->md = EVP_MD_CTX_new();
	d->macalg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (d->md == NULL || d->macalg == NULL)
		return -1;
	d->mac = EVP_MAC_CTX_new(d->macalg);
	char sha[] = "SHA256";
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha, 0),
		OSSL_PARAM_construct_end(),
	};
	if (d->mac == NULL || EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1 ||
	    EVP_MAC_init(d->mac, k->sign_key, sizeof(k->sign_key), p) != 1)
		return -1;
	return 0;
}

static int
digest_update(struct digest *d, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	return EVP_DigestUpdate(d->md, p, n) == 1 && EVP_MAC_update(d->mac, p, n) == 1 ? 0 : -1;
}

static int
digest_final(struct digest *d, struct rec_sealed *out)
{
	unsigned int n = 0;
	size_t m = 0;
	if (EVP_DigestFinal_ex(d->md, out->sha256, &n) != 1 || n != REC_SHA256_LEN ||
	    EVP_MAC_final(d->mac, out->sig, &m, sizeof(out->sig)) != 1 || m != REC_SIG_LEN)
		return -1;
	return 0;
}

static void
digest_free(struct digest *d)
{
	EVP_MD_CTX_free(d->md);
	EVP_MAC_CTX_free(d->mac);
	EVP_MAC_free(d->macalg);
}

/* ---- sealing ------------------------------------------------------------------------- */

int
rec_store_seal(const struct rec_key *k, const char *src, const char *dst, int encrypt,
    struct rec_sealed *out, char *err, size_t errlen)
{
	uint8_t *in = NULL, *buf = NULL;
	struct out_file of = { .fd = -1 };
	struct digest dg;
	EVP_CIPHER_CTX *cx = NULL;
	int fd = -1, rv = -1;

	memset(out, 0, sizeof(*out));
	if (digest_init(&dg, k) != 0) {
		snprintf(err, errlen, "OpenSSL: cannot set up SHA-256/HMAC");
		goto done;
	}
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto done;
	}
	in = malloc(REC_STORE_CHUNK);
	buf = malloc(REC_STORE_CHUNK + 32);
	if (in == NULL || buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (out_open(&of, dst, err, errlen) != 0)
		goto done;
	if (encrypt) {
		uint8_t hdr[REC_STORE_HDR_LEN];
		memcpy(hdr, REC_STORE_MAGIC, REC_STORE_MAGIC_LEN);
		memcpy(hdr + REC_STORE_MAGIC_LEN, k->id, REC_KEY_ID_LEN);
		if (RAND_bytes(hdr + REC_STORE_MAGIC_LEN + REC_KEY_ID_LEN,
		    REC_STORE_NONCE_LEN) != 1) {
			snprintf(err, errlen, "RAND_bytes failed");
			goto done;
		}
		int n = 0;
		cx = EVP_CIPHER_CTX_new();
		if (cx == NULL ||
		    EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, REC_STORE_NONCE_LEN, NULL) != 1 ||
		    EVP_EncryptInit_ex(cx, NULL, NULL, k->key,
		    hdr + REC_STORE_MAGIC_LEN + REC_KEY_ID_LEN) != 1 ||
		    EVP_EncryptUpdate(cx, NULL, &n, hdr, sizeof(hdr)) != 1) {
			snprintf(err, errlen, "OpenSSL: cannot set up AES-256-GCM");
			goto done;
		}
		if (write_all(of.fd, hdr, sizeof(hdr)) != 0 || digest_update(&dg, hdr,
		    sizeof(hdr)) != 0)
			goto io;
	}
	for (;;) {
		ssize_t r = read_full(fd, in, REC_STORE_CHUNK);
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", src, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		const uint8_t *w = in;
		size_t wn = (size_t)r;
		if (encrypt) {
			int n = 0;
			if (EVP_EncryptUpdate(cx, buf, &n, in, (int)r) != 1) {
				snprintf(err, errlen, "OpenSSL: AES-256-GCM failed");
				goto done;
			}
			w = buf;
			wn = (size_t)n;
		}
		if (write_all(of.fd, w, wn) != 0 || digest_update(&dg, w, wn) != 0)
			goto io;
		out->size += wn;
	}
	if (encrypt) {
		int n = 0;
		uint8_t tag[REC_STORE_TAG_LEN];
		if (EVP_EncryptFinal_ex(cx, buf, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, sizeof(tag), tag) != 1) {
			snprintf(err, errlen, "OpenSSL: AES-256-GCM failed");
			goto done;
		}
		/* GCM is a stream mode: Final writes nothing (n == 0). */
		if (write_all(of.fd, buf, (size_t)n) != 0 || write_all(of.fd, tag, sizeof(tag)) != 0 ||
		    digest_update(&dg, buf, (size_t)n) != 0 || digest_update(&dg, tag, sizeof(tag)) != 0)
			goto io;
		out->size += (uint64_t)n + REC_STORE_HDR_LEN + REC_STORE_TAG_LEN;
	}
	if (digest_final(&dg, out) != 0) {
		snprintf(err, errlen, "OpenSSL: SHA-256/HMAC failed");
		goto done;
	}
	if (out_finish(&of, err, errlen) != 0)
		goto done;
	if (strcmp(src, dst) != 0 && unlink(src) != 0) {
		snprintf(err, errlen, "%s: stored, but the clear file stays: %s", src,
		    strerror(errno));
		goto done;
	}
	rv = 0;
	goto done;
io:
	snprintf(err, errlen, "%s: %s", of.tmp, strerror(errno));
done:
	if (rv != 0 && of.fd >= 0)
		out_abort(&of);
	if (fd >= 0)
		close(fd);
	EVP_CIPHER_CTX_free(cx);
	digest_free(&dg);
	if (buf != NULL)
		OPENSSL_cleanse(buf, REC_STORE_CHUNK + 32);
	free(in);
	free(buf);
	return rv;
}

int
rec_store_sign_file(const struct rec_key *k, const char *path, struct rec_sealed *out,
    char *err, size_t errlen)
{
	struct digest dg;
	uint8_t *buf = malloc(REC_STORE_CHUNK);
	int fd = -1, rv = -1;

	memset(out, 0, sizeof(*out));
	if (digest_init(&dg, k) != 0 || buf == NULL) {
		snprintf(err, errlen, "OpenSSL: cannot set up SHA-256/HMAC");
		goto done;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	for (;;) {
		ssize_t r = read_full(fd, buf, REC_STORE_CHUNK);
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		if (digest_update(&dg, buf, (size_t)r) != 0)
			goto done;
		out->size += (uint64_t)r;
	}
	if (digest_final(&dg, out) != 0) {
		snprintf(err, errlen, "OpenSSL: SHA-256/HMAC failed");
		goto done;
	}
	rv = 0;
done:
	if (fd >= 0)
		close(fd);
	digest_free(&dg);
	free(buf);
	return rv;
}

enum rec_verify
rec_store_verify(const struct rec_key *k, const char *path, const uint8_t sig[REC_SIG_LEN],
    char *err, size_t errlen)
{
	struct rec_sealed s;
	if (rec_store_sign_file(k, path, &s, err, errlen) != 0)
		return REC_VERIFY_IO;
	if (CRYPTO_memcmp(s.sig, sig, REC_SIG_LEN) != 0) {
		snprintf(err, errlen, "%s", rec_verify_str(REC_VERIFY_MODIFIED));
		return REC_VERIFY_MODIFIED;
	}
	return REC_VERIFY_OK;
}

/* ---- opening ------------------------------------------------------------------------- */

enum rec_verify
rec_store_open_to(const struct rec_key *k, const char *src, int encrypted, const uint8_t *sig,
    const char *dst, char *err, size_t errlen)
{
	struct out_file of = { .fd = -1 };
	EVP_CIPHER_CTX *cx = NULL;
	uint8_t *in = NULL, *buf = NULL;
	enum rec_verify rv = REC_VERIFY_IO;
	int fd = -1;
	struct stat st;

	if (sig != NULL && (rv = rec_store_verify(k, src, sig, err, errlen)) != REC_VERIFY_OK)
		return rv;
	rv = REC_VERIFY_IO;
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto done;
	}
	in = malloc(REC_STORE_CHUNK);
	buf = malloc(REC_STORE_CHUNK + 32);
	if (in == NULL || buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	uint64_t body = (uint64_t)st.st_size; /* bytes to pass through */
	if (encrypted) {
		uint8_t hdr[REC_STORE_HDR_LEN];
		int n = 0;
		if ((uint64_t)st.st_size < REC_STORE_HDR_LEN + REC_STORE_TAG_LEN ||
		    read_full(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
		    memcmp(hdr, REC_STORE_MAGIC, REC_STORE_MAGIC_LEN) != 0) {
			rv = REC_VERIFY_FORMAT;
			snprintf(err, errlen, "%s", rec_verify_str(rv));
			goto done;
		}
		if (memcmp(hdr + REC_STORE_MAGIC_LEN, k->id, REC_KEY_ID_LEN) != 0) {
			rv = REC_VERIFY_WRONG_KEY;
			snprintf(err, errlen, "the file was encrypted with key %.8s, the key file is %s",
			    (const char *)hdr + REC_STORE_MAGIC_LEN, k->id);
			goto done;
		}
		cx = EVP_CIPHER_CTX_new();
		if (cx == NULL ||
		    EVP_DecryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, REC_STORE_NONCE_LEN, NULL) != 1 ||
		    EVP_DecryptInit_ex(cx, NULL, NULL, k->key,
		    hdr + REC_STORE_MAGIC_LEN + REC_KEY_ID_LEN) != 1 ||
		    EVP_DecryptUpdate(cx, NULL, &n, hdr, sizeof(hdr)) != 1) {
			snprintf(err, errlen, "OpenSSL: cannot set up AES-256-GCM");
			goto done;
		}
		body = (uint64_t)st.st_size - REC_STORE_HDR_LEN - REC_STORE_TAG_LEN;
	}
	if (out_open(&of, dst, err, errlen) != 0)
		goto done;
	while (body > 0) {
		size_t want = body < REC_STORE_CHUNK ? (size_t)body : REC_STORE_CHUNK;
		ssize_t r = read_full(fd, in, want);
		if (r != (ssize_t)want) {
			snprintf(err, errlen, "%s: %s", src, r < 0 ? strerror(errno) : "shorter than it was");
			goto done;
		}
		const uint8_t *w = in;
		size_t wn = want;
		if (encrypted) {
			int n = 0;
			if (EVP_DecryptUpdate(cx, buf, &n, in, (int)want) != 1) {
				snprintf(err, errlen, "OpenSSL: AES-256-GCM failed");
				goto done;
			}
			w = buf;
			wn = (size_t)n;
		}
		if (write_all(of.fd, w, wn) != 0) {
			snprintf(err, errlen, "%s: %s", of.tmp, strerror(errno));
			goto done;
		}
		body -= want;
	}
	if (encrypted) {
		uint8_t tag[REC_STORE_TAG_LEN];
		int n = 0;
		if (read_full(fd, tag, sizeof(tag)) != (ssize_t)sizeof(tag)) {
			snprintf(err, errlen, "%s: cannot read the tag", src);
			goto done;
		}
		if (EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) != 1 ||
		    EVP_DecryptFinal_ex(cx, buf, &n) != 1) {
			rv = REC_VERIFY_MODIFIED;
			snprintf(err, errlen, "%s", rec_verify_str(rv));
			goto done;
		}
	}
	if (out_finish(&of, err, errlen) != 0)
		goto done;
	rv = REC_VERIFY_OK;
done:
	if (rv != REC_VERIFY_OK && of.fd >= 0)
		out_abort(&of);
	if (fd >= 0)
		close(fd);
	EVP_CIPHER_CTX_free(cx);
	if (buf != NULL)
		OPENSSL_cleanse(buf, REC_STORE_CHUNK + 32);
	free(in);
	free(buf);
	return rv;
}
