/*
 * keystore.c - the per-server recording key (recorder.key_file, default
 * <paths.state>/keys/recording.key): 32 random bytes made at first start, mode 0600, never
 * in the database.  Its id (the first 8 hex digits of its SHA-256) goes into every stored
 * file and recordings row, so a file names the key it needs.  The signing key is derived
 * from it (HKDF-SHA256) so one secret does not serve two purposes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "store.h"

#define SIGN_INFO "hookswitch recording signature v1"

int
rec_key_derive(struct rec_key *k)
{
	uint8_t h[32];
	unsigned int n = 0;
	if (EVP_Digest(k->key, REC_KEY_LEN, h, &n, EVP_sha256(), NULL) != 1)
		return -1;
	rec_hex(h, REC_KEY_ID_LEN / 2, k->id);

	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *cx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	char md[] = "SHA256", info[] = SIGN_INFO;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, k->key, REC_KEY_LEN),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	int rv = cx != NULL && EVP_KDF_derive(cx, k->sign_key, sizeof(k->sign_key), p) == 1 ?
	    0 : -1;
	EVP_KDF_CTX_free(cx);
	EVP_KDF_free(kdf);
	return rv;
}

void
rec_key_clear(struct rec_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* mkdir -p with mode 0700 for what it creates. */
static int
mkdirs(const char *dir)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int
key_create(const char *path, char *err, size_t errlen)
{
	char dir[1024], tmp[1100];
	uint8_t key[REC_KEY_LEN];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = 0;
		if (mkdirs(dir) != 0) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "RAND_bytes failed");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	int ok = write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) && fsync(fd) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	if (close(fd) != 0 || !ok) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* link(), not rename(): when another process made the key meanwhile, its key wins
	 * and ours is dropped, so both use the same one. */
	if (link(tmp, path) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	return 0;
}

int
rec_key_load(const char *path, int create, struct rec_key *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		if (key_create(path, err, errlen) != 0)
			return -1;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	uint8_t extra;
	int rv = -1;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
	} else if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: mode %03o: others may read the recording key (chmod 600)",
		    path, (unsigned)(st.st_mode & 0777));
	} else if (read(fd, k->key, REC_KEY_LEN) != REC_KEY_LEN || read(fd, &extra, 1) != 0) {
		snprintf(err, errlen, "%s: not a recording key (exactly %d bytes)", path,
		    REC_KEY_LEN);
	} else if (rec_key_derive(k) != 0) {
		snprintf(err, errlen, "OpenSSL: cannot derive the signing key");
	} else {
		rv = 0;
	}
	close(fd);
	if (rv != 0)
		rec_key_clear(k);
	return rv;
}
