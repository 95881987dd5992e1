/*
 * passwd_test.c - argon2id hashing and verification, and the built-in accounts' hashes in
 * migrations/0001_foundation.sql against the manual's default passwords.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "passwd.h"

static void
test_hash_verify(void **state)
{
	char h[HS_PASSWD_HASH_MAX];

	(void)state;
	assert_int_equal(hs_passwd_hash("correct horse", h, sizeof(h)), HS_OK);
	assert_true(strncmp(h, "$argon2id$v=19$m=65536,t=3,p=1$", 31) == 0);
	assert_true(strlen(h) < HS_PASSWD_HASH_MAX);
	assert_true(hs_passwd_verify(h, "correct horse"));
	assert_false(hs_passwd_verify(h, "correct horsE"));
	assert_false(hs_passwd_verify(h, "correct horse "));
	assert_false(hs_passwd_verify(h, ""));
	assert_false(hs_passwd_verify(h, NULL));

	/* the empty password is a password like any other */
	assert_int_equal(hs_passwd_hash("", h, sizeof(h)), HS_OK);
	assert_true(hs_passwd_verify(h, ""));
	assert_false(hs_passwd_verify(h, "x"));
}

static void
test_salted(void **state)
{
	char a[HS_PASSWD_HASH_MAX], b[HS_PASSWD_HASH_MAX];

	(void)state;
	assert_int_equal(hs_passwd_hash("same", a, sizeof(a)), HS_OK);
	assert_int_equal(hs_passwd_hash("same", b, sizeof(b)), HS_OK);
	assert_string_not_equal(a, b);
	assert_true(hs_passwd_verify(a, "same"));
	assert_true(hs_passwd_verify(b, "same"));
}

static void
test_bad_args(void **state)
{
	char h[HS_PASSWD_HASH_MAX];

	(void)state;
	assert_int_equal(hs_passwd_hash(NULL, h, sizeof(h)), HS_EINVAL);
	assert_int_equal(hs_passwd_hash("x", NULL, sizeof(h)), HS_EINVAL);
	assert_int_equal(hs_passwd_hash("x", h, 20), HS_EINVAL);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"x",
		"$argon2id$",
		"$argon2id$v=19$m=65536,t=3,p=1$",
		"$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$",
		"$argon2id$v=19$m=65536,t=3,p=1$!!!$"
		"WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s",
		/* cost far beyond ours: refused without trying to allocate 4 GiB */
		"$argon2id$v=19$m=4194304,t=3,p=1$SBuCjJz9BCsJOUtkT4yF/Q$"
		"WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s",
		"$argon2id$v=19$m=65536,t=100000,p=1$SBuCjJz9BCsJOUtkT4yF/Q$"
		"WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s",
		/* other algorithms are not argon2id */
		"$argon2i$v=19$m=65536,t=3,p=1$SBuCjJz9BCsJOUtkT4yF/Q$"
		"WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s",
		"$argon2d$v=19$m=65536,t=3,p=1$SBuCjJz9BCsJOUtkT4yF/Q$"
		"WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s",
		"$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA",
		"$2b$12$abcdefghijklmnopqrstuu5c1u2Y3v9sQ1b2Xo4ZQn9m0v4cJp3mK",
		"Teleph0ny!",
	};
	char h[HS_PASSWD_HASH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(hs_passwd_verify(bad[i], "Teleph0ny!"));
	assert_false(hs_passwd_verify(NULL, "Teleph0ny!"));

	/* a valid hash, truncated or with its tag altered, no longer verifies */
	assert_int_equal(hs_passwd_hash("pw", h, sizeof(h)), HS_OK);
	h[strlen(h) - 3] = h[strlen(h) - 3] == 'A' ? 'B' : 'A';
	assert_false(hs_passwd_verify(h, "pw"));
	h[strlen(h) - 10] = '\0';
	assert_false(hs_passwd_verify(h, "pw"));
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/*
 * The first migration seeds the built-in accounts with hashes of the manual's defaults;
 * extract the quoted PHC literals in file order (engineer, then supervisor).  The CHECK
 * constraint's '$argon2id$%' pattern is no hash: a hash literal has the v= field.
 */
static void
test_builtin_hashes(void **state)
{
	const char *srcdir = getenv("HS_SRCDIR");
	const char *pw[] = { "Teleph0ny!", "M1t3l!Superv!sor" };
	char path[4096], lit[HS_PASSWD_HASH_MAX];
	const char *p;
	char *sql;
	size_t n = 0;

	(void)state;
	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/migrations/0001_foundation.sql", srcdir);
	if ((sql = slurp(path)) == NULL)
		fail_msg("cannot read %s (set HS_SRCDIR to the source tree)", path);
	for (p = sql; (p = strstr(p, "'$argon2id$v=")) != NULL; p++) {
		const char *end = strchr(p + 1, '\'');

		assert_non_null(end);
		assert_true((size_t)(end - p - 1) < sizeof(lit));
		memcpy(lit, p + 1, (size_t)(end - p - 1));
		lit[end - p - 1] = '\0';
		assert_true(n < 2);
		if (!hs_passwd_verify(lit, pw[n]))
			fail_msg("hash literal %zu in %s does not verify against the manual's "
			    "default password", n + 1, path);
		/* and each only against its own account's default */
		assert_false(hs_passwd_verify(lit, pw[1 - n]));
		n++;
	}
	free(sql);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_builtin_hashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
