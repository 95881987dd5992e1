/*
 * archive_test.c - the pure parts of call archiving (archive.c, store_db.c): the
 * recorder.archive_paths list (limits, trimming, refusals), the destination check (missing,
 * a file, writable), the copy (exact bytes through many chunks, the hash of what is on
 * disk, parents made, no .tmp left, never onto its own source), where a stored file is
 * found (local first, then the archive copies in order) and the rows' archive_paths JSON.
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
#include <openssl/sha.h>

#include "store.h"

static char dir[256];

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
parse_list(void **state)
{
	char d[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN], err[300];
	(void)state;

	assert_int_equal(rec_archive_parse("", d, err, sizeof(err)), 0);
	assert_int_equal(rec_archive_parse(NULL, d, err, sizeof(err)), 0);
	assert_int_equal(rec_archive_parse(" , ,", d, err, sizeof(err)), 0);
	assert_int_equal(rec_archive_parse(" /mnt/a/ ,\t/mnt/b,/c//", d, err, sizeof(err)), 3);
	assert_string_equal(d[0], "/mnt/a");
	assert_string_equal(d[1], "/mnt/b");
	assert_string_equal(d[2], "/c");
	assert_int_equal(rec_archive_parse("/", d, err, sizeof(err)), 1);
	assert_string_equal(d[0], "/");
	assert_int_equal(rec_archive_parse("/1,/2,/3,/4,/5", d, err, sizeof(err)), 5);
	assert_string_equal(d[4], "/5");

	/* the manual's limit: a sixth is refused */
	assert_int_equal(rec_archive_parse("/1,/2,/3,/4,/5,/6", d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 5"));
	assert_int_equal(rec_archive_parse("/a, relative/b", d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'relative/b' is not an absolute path"));
	assert_int_equal(rec_archive_parse("/a,/b,/a/", d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'/a' is named twice"));
	char big[REC_ARCHIVE_PATH_LEN + 10];
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = 0;
	assert_int_equal(rec_archive_parse(big, d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
}

static void
check_dest(void **state)
{
	char p[512], err[600];
	(void)state;

	assert_int_equal(rec_archive_check_dest(dir, err, sizeof(err)), 0);
	/* the probe is gone again */
	snprintf(p, sizeof(p), "%s/.hookswitch-archive-probe.%ld", dir, (long)getpid());
	assert_int_not_equal(access(p, F_OK), 0);

	snprintf(p, sizeof(p), "%s/missing", dir);
	assert_int_equal(rec_archive_check_dest(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	/* never made: a missing share must not become a local folder */
	assert_int_not_equal(access(p, F_OK), 0);

	snprintf(p, sizeof(p), "%s/plain", dir);
	write_file(p, (const uint8_t *)"x", 1);
	assert_int_equal(rec_archive_check_dest(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a folder"));
	unlink(p);

	if (geteuid() != 0) {  /* root writes anywhere */
		snprintf(p, sizeof(p), "%s/ro", dir);
		assert_int_equal(mkdir(p, 0500), 0);
		assert_int_equal(rec_archive_check_dest(p, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "cannot write"));
		rmdir(p);
	}
}

static void
copy_exact(void **state)
{
	char src[512], dst[512], tmp[600], err[600];
	uint8_t sha[REC_SHA256_LEN], want[REC_SHA256_LEN];
	/* several chunks and a ragged end */
	size_t n = 3 * REC_STORE_CHUNK + 12345, m = 0;
	uint8_t *b = malloc(n);
	(void)state;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 2654435761u >> 13);
	snprintf(src, sizeof(src), "%s/src.wav.hsrec", dir);
	write_file(src, b, n);
	SHA256(b, n, want);
	snprintf(dst, sizeof(dst), "%s/arch/2026/11/26/src.wav.hsrec", dir);
	assert_int_equal(rec_archive_copy(src, dst, sha, err, sizeof(err)), 0);
	assert_memory_equal(sha, want, REC_SHA256_LEN);
	uint8_t *c = read_file(dst, &m);
	assert_non_null(c);
	assert_int_equal(m, n);
	assert_memory_equal(c, b, n);
	free(c);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	assert_int_not_equal(access(tmp, F_OK), 0);
	/* the source stays: removing it is the caller's business, after the database */
	assert_int_equal(access(src, F_OK), 0);

	/* again over an old copy: replaced */
	write_file(dst, (const uint8_t *)"old", 3);
	assert_int_equal(rec_archive_copy(src, dst, sha, err, sizeof(err)), 0);
	assert_memory_equal(sha, want, REC_SHA256_LEN);

	/* an empty file is a file */
	snprintf(src, sizeof(src), "%s/empty.json", dir);
	write_file(src, b, 0);
	snprintf(dst, sizeof(dst), "%s/arch/empty.json", dir);
	assert_int_equal(rec_archive_copy(src, dst, sha, err, sizeof(err)), 0);
	SHA256(b, 0, want);
	assert_memory_equal(sha, want, REC_SHA256_LEN);
	free(b);
}

static void
copy_refused(void **state)
{
	char src[512], dst[512], err[600];
	uint8_t sha[REC_SHA256_LEN];
	(void)state;

	snprintf(src, sizeof(src), "%s/nosuch.wav", dir);
	snprintf(dst, sizeof(dst), "%s/arch/nosuch.wav", dir);
	assert_int_equal(rec_archive_copy(src, dst, sha, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nosuch.wav"));
	assert_int_not_equal(access(dst, F_OK), 0);

	/* onto itself (the recording root given as an archive): refused, the file intact */
	snprintf(src, sizeof(src), "%s/self.wav", dir);
	write_file(src, (const uint8_t *)"abcdef", 6);
	assert_int_equal(rec_archive_copy(src, src, sha, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "source file itself"));
	size_t n = 0;
	uint8_t *c = read_file(src, &n);
	assert_int_equal(n, 6);
	free(c);

	/* the destination's folder cannot be made (a file is in the way) */
	snprintf(dst, sizeof(dst), "%s/self.wav/x/y.wav", dir);
	assert_int_equal(rec_archive_copy(src, dst, sha, err, sizeof(err)), -1);
}

static void
locate(void **state)
{
	char d[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN], root[300], out[1200], p[1200];
	(void)state;

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(d[0], sizeof(d[0]), "%s/a1", dir);
	snprintf(d[1], sizeof(d[1]), "%s/a2", dir);
	const char *rel = "2026/11/26/x.wav.hsrec";

	assert_int_equal(rec_locate(root, rel, d, 2, out, sizeof(out)), -1);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_string_equal(out, p);   /* the local path, for the message */

	/* only the second copy exists */
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/2026/11/26' '%s/2026/11/26'", d[0], d[1]);
	assert_int_equal(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/%s", d[1], rel);
	write_file(p, (const uint8_t *)"2", 1);
	assert_int_equal(rec_locate(root, rel, d, 2, out, sizeof(out)), 2);
	assert_string_equal(out, p);
	/* the first one too: the first wins */
	snprintf(p, sizeof(p), "%s/%s", d[0], rel);
	write_file(p, (const uint8_t *)"1", 1);
	assert_int_equal(rec_locate(root, rel, d, 2, out, sizeof(out)), 1);
	assert_string_equal(out, p);
	/* a local file is read first */
	snprintf(p, sizeof(p), "%s/2026/11/26", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	assert_int_equal(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	write_file(p, (const uint8_t *)"0", 1);
	assert_int_equal(rec_locate(root, rel, d, 2, out, sizeof(out)), 0);
	assert_string_equal(out, p);
	/* no archive: local or nothing */
	assert_int_equal(rec_locate(root, rel, d, 0, out, sizeof(out)), 0);
}

static void
dirs_json(void **state)
{
	char d[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN];
	(void)state;

	assert_int_equal(rec_archive_dirs("[]", d, REC_ARCHIVE_MAX), 0);
	assert_int_equal(rec_archive_dirs("[\"/a\",\"/b c\"]", d, REC_ARCHIVE_MAX), 2);
	assert_string_equal(d[0], "/a");
	assert_string_equal(d[1], "/b c");
	assert_int_equal(rec_archive_dirs("[\"/1\",\"/2\",\"/3\"]", d, 2), 2);
	assert_int_equal(rec_archive_dirs("", d, REC_ARCHIVE_MAX), -1);
	assert_int_equal(rec_archive_dirs(NULL, d, REC_ARCHIVE_MAX), -1);
	assert_int_equal(rec_archive_dirs("{}", d, REC_ARCHIVE_MAX), -1);
	assert_int_equal(rec_archive_dirs("[1]", d, REC_ARCHIVE_MAX), -1);
	assert_int_equal(rec_archive_dirs("[\"\"]", d, REC_ARCHIVE_MAX), -1);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hs-archive-test-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
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
		cmocka_unit_test(parse_list),
		cmocka_unit_test(check_dest),
		cmocka_unit_test(copy_exact),
		cmocka_unit_test(copy_refused),
		cmocka_unit_test(locate),
		cmocka_unit_test(dirs_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
