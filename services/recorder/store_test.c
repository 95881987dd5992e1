/*
 * store_test.c - recordings at rest (store.c, keystore.c): round trips, every kind of
 * tampering detected (ciphertext, header, tag, truncation), the wrong key, a file larger
 * than many chunks, and the key file's creation and checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

static char dir[256];

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void
write_file(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static uint8_t *
read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	uint8_t *b = malloc((size_t)len + 1);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return b;
}

static void
flip_at(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	if (off < 0)
		fseek(f, off, SEEK_END);
	else
		fseek(f, off, SEEK_SET);
	long at = ftell(f);
	int c = fgetc(f);
	fseek(f, at, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static void
test_key(struct rec_key *k, uint8_t fill)
{
	memset(k, 0, sizeof(*k));
	memset(k->key, fill, sizeof(k->key));
	assert_int_equal(rec_key_derive(k), 0);
}

static uint8_t *
pattern(size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
	return b;
}

/* Seals n bytes as "s.hsrec"; returns the sealing numbers. */
static struct rec_sealed
seal(const struct rec_key *k, size_t n, int encrypt)
{
	char src[300], dst[300], err[256];
	struct rec_sealed s;
	uint8_t *b = pattern(n);
	path_of(src, sizeof(src), "clear.wav");
	path_of(dst, sizeof(dst), "s.hsrec");
	write_file(src, b, n);
	free(b);
	assert_int_equal(rec_store_seal(k, src, dst, encrypt, &s, err, sizeof(err)), 0);
	assert_int_equal(access(src, F_OK), -1); /* the clear file is gone */
	return s;
}

static enum rec_verify
open_to(const struct rec_key *k, int encrypted, const uint8_t *sig)
{
	char src[300], dst[300], tmp[320], err[256];
	path_of(src, sizeof(src), "s.hsrec");
	path_of(dst, sizeof(dst), "out.wav");
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	unlink(dst);
	enum rec_verify v = rec_store_open_to(k, src, encrypted, sig, dst, err, sizeof(err));
	if (v != REC_VERIFY_OK)
		assert_int_equal(access(dst, F_OK), -1); /* nothing written on failure */
	assert_int_equal(access(tmp, F_OK), -1);
	return v;
}

static void
check_out(size_t n)
{
	char dst[300];
	size_t got;
	path_of(dst, sizeof(dst), "out.wav");
	uint8_t *b = read_file(dst, &got), *want = pattern(n);
	assert_non_null(b);
	assert_int_equal(got, n);
	assert_memory_equal(b, want, n);
	free(b);
	free(want);
}

static void
round_trip(void **state)
{
	(void)state;
	struct rec_key k;
	test_key(&k, 7);
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 1000, REC_STORE_CHUNK,
	    REC_STORE_CHUNK + 1 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rec_sealed s = seal(&k, sizes[i], 1);
		assert_int_equal(s.size, sizes[i] + REC_STORE_HDR_LEN + REC_STORE_TAG_LEN);
		char p[300], err[256];
		size_t n;
		path_of(p, sizeof(p), "s.hsrec");
		uint8_t *b = read_file(p, &n);
		assert_int_equal(n, s.size);
		assert_memory_equal(b, REC_STORE_MAGIC, REC_STORE_MAGIC_LEN);
		assert_memory_equal(b + REC_STORE_MAGIC_LEN, k.id, REC_KEY_ID_LEN);
		if (sizes[i] >= 64) { /* not the clear text */
			uint8_t *want = pattern(sizes[i]);
			assert_memory_not_equal(b + REC_STORE_HDR_LEN, want, 64);
			free(want);
		}
		free(b);
		assert_int_equal(rec_store_verify(&k, p, s.sig, err, sizeof(err)), REC_VERIFY_OK);
		assert_int_equal(open_to(&k, 1, s.sig), REC_VERIFY_OK);
		check_out(sizes[i]);
		assert_int_equal(open_to(&k, 1, NULL), REC_VERIFY_OK);
		check_out(sizes[i]);
	}
}

static void
nonce_is_fresh(void **state)
{
	(void)state;
	struct rec_key k;
	test_key(&k, 9);
	struct rec_sealed a = seal(&k, 500, 1), b = seal(&k, 500, 1);
	assert_memory_not_equal(a.sha256, b.sha256, REC_SHA256_LEN);
}

static void
tamper_detected(void **state)
{
	(void)state;
	struct rec_key k;
	test_key(&k, 3);
	/* byte offsets: in the magic, key id, nonce, ciphertext (start, middle), the tag */
	static const long at[] = { 0, 7, REC_STORE_MAGIC_LEN + REC_KEY_ID_LEN + 3,
	    REC_STORE_HDR_LEN, REC_STORE_HDR_LEN + 70000, -1, -16 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct rec_sealed s = seal(&k, 100000, 1);
		char p[300], err[256];
		path_of(p, sizeof(p), "s.hsrec");
		flip_at(p, at[i]);
		/* the signature catches it first */
		assert_int_equal(rec_store_verify(&k, p, s.sig, err, sizeof(err)),
		    REC_VERIFY_MODIFIED);
		assert_string_equal(err, "signature mismatch: file was modified");
		assert_int_equal(open_to(&k, 1, s.sig), REC_VERIFY_MODIFIED);
		/* and without the signature, GCM still does (or the header check) */
		enum rec_verify v = open_to(&k, 1, NULL);
		assert_true(v == REC_VERIFY_MODIFIED || v == REC_VERIFY_FORMAT ||
		    v == REC_VERIFY_WRONG_KEY);
	}
}

static void
truncation_detected(void **state)
{
	(void)state;
	struct rec_key k;
	test_key(&k, 4);
	struct rec_sealed s = seal(&k, 5000, 1);
	char p[300];
	path_of(p, sizeof(p), "s.hsrec");
	assert_int_equal(truncate(p, (off_t)s.size - 1), 0);
	assert_int_equal(open_to(&k, 1, s.sig), REC_VERIFY_MODIFIED);
	assert_int_equal(open_to(&k, 1, NULL), REC_VERIFY_MODIFIED);
	assert_int_equal(truncate(p, 10), 0);
	assert_int_equal(open_to(&k, 1, NULL), REC_VERIFY_FORMAT);
}

static void
wrong_key_detected(void **state)
{
	(void)state;
	struct rec_key k, other, same_id;
	test_key(&k, 5);
	test_key(&other, 6);
	struct rec_sealed s = seal(&k, 3000, 1);
	assert_int_equal(open_to(&other, 1, s.sig), REC_VERIFY_MODIFIED); /* other HMAC key */
	assert_int_equal(open_to(&other, 1, NULL), REC_VERIFY_WRONG_KEY);
	/* a key that claims the right id but is not: the tag fails */
	same_id = other;
	memcpy(same_id.id, k.id, sizeof(k.id));
	assert_int_equal(open_to(&same_id, 1, NULL), REC_VERIFY_MODIFIED);
}

static void
unencrypted_signed(void **state)
{
	(void)state;
	struct rec_key k;
	test_key(&k, 8);
	struct rec_sealed s = seal(&k, 4000, 0);
	assert_int_equal(s.size, 4000);
	assert_int_equal(open_to(&k, 0, s.sig), REC_VERIFY_OK);
	check_out(4000);
	char p[300];
	path_of(p, sizeof(p), "s.hsrec");
	flip_at(p, 2000);
	assert_int_equal(open_to(&k, 0, s.sig), REC_VERIFY_MODIFIED);
}

static void
large_file_streams(void **state)
{
	(void)state;
	struct rec_key k;
	test_key(&k, 1);
	size_t n = 20u * 1024 * 1024 + 12345; /* 320 chunks and a bit */
	struct rec_sealed s = seal(&k, n, 1);
	assert_int_equal(s.size, n + REC_STORE_HDR_LEN + REC_STORE_TAG_LEN);
	assert_int_equal(open_to(&k, 1, s.sig), REC_VERIFY_OK);
	check_out(n);
	char p[300];
	path_of(p, sizeof(p), "s.hsrec");
	flip_at(p, (long)(n / 2));
	assert_int_equal(open_to(&k, 1, NULL), REC_VERIFY_MODIFIED);
}

static void
key_file(void **state)
{
	(void)state;
	char p[300], err[256];
	struct rec_key a, b;
	path_of(p, sizeof(p), "keys/sub/recording.key");
	assert_int_equal(rec_key_load(p, 0, &a, err, sizeof(err)), -1); /* no create */
	assert_int_equal(rec_key_load(p, 1, &a, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, REC_KEY_LEN);
	assert_int_equal(strlen(a.id), REC_KEY_ID_LEN);
	assert_int_equal(rec_key_load(p, 1, &b, err, sizeof(err)), 0); /* the same key again */
	assert_memory_equal(a.key, b.key, REC_KEY_LEN);
	assert_string_equal(a.id, b.id);
	assert_memory_not_equal(a.key, a.sign_key, REC_KEY_LEN);
	chmod(p, 0644);
	assert_int_equal(rec_key_load(p, 1, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	chmod(p, 0600);
	assert_int_equal(truncate(p, 31), 0);
	assert_int_equal(rec_key_load(p, 1, &b, err, sizeof(err)), -1);
}

static void
hex(void **state)
{
	(void)state;
	uint8_t b[3] = { 0x00, 0xab, 0xff }, c[3];
	char s[7];
	rec_hex(b, 3, s);
	assert_string_equal(s, "00abff");
	assert_int_equal(rec_unhex("00ABff", c, 3), 0);
	assert_memory_equal(b, c, 3);
	assert_int_equal(rec_unhex("00abf", c, 3), -1);
	assert_int_equal(rec_unhex("00abfg", c, 3), -1);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hs-store-test-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(nonce_is_fresh),
		cmocka_unit_test(tamper_detected),
		cmocka_unit_test(truncation_detected),
		cmocka_unit_test(wrong_key_detected),
		cmocka_unit_test(unencrypted_signed),
		cmocka_unit_test(large_file_streams),
		cmocka_unit_test(key_file),
		cmocka_unit_test(hex),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
