/*
 * passwd.c - password hashing with argon2id (libargon2).
 *
 * New hashes use t=3 passes over m=64 MiB with one lane, a 16-byte salt from getrandom() and
 * a 32-byte tag, in the PHC string form, so the parameters travel with each hash and can be
 * raised later without invalidating old ones.  Verification accepts argon2id strings only and
 * refuses cost parameters far beyond ours before handing the string to libargon2, so a
 * corrupted or hostile row cannot make a service allocate gigabytes or spin for minutes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>

#include "passwd.h"

#define PASSWD_T_COST 3
#define PASSWD_M_COST 65536 /* KiB */
#define PASSWD_LANES 1
#define PASSWD_SALT_LEN 16
#define PASSWD_HASH_LEN 32

/* Upper bounds accepted when verifying: 16x our costs is still answered within seconds. */
#define PASSWD_MAX_T_COST 48
#define PASSWD_MAX_M_COST (1024 * 1024) /* KiB = 1 GiB */
#define PASSWD_MAX_LANES 16

static const char argon2id_prefix[] = "$argon2id$";

static hs_err
fill_random(uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return hs_err_from_errno(errno);
		}
		got += (size_t)n;
	}
	return HS_OK;
}

hs_err
hs_passwd_hash(const char *password, char *out, size_t outlen)
{
	uint8_t salt[PASSWD_SALT_LEN];
	hs_err err;
	int rc;

	if (password == NULL || out == NULL)
		return HS_EINVAL;
	if (outlen < argon2_encodedlen(PASSWD_T_COST, PASSWD_M_COST, PASSWD_LANES,
	    PASSWD_SALT_LEN, PASSWD_HASH_LEN, Argon2_id))
		return HS_EINVAL;
	if ((err = fill_random(salt, sizeof(salt))) != HS_OK)
		return err;
	rc = argon2id_hash_encoded(PASSWD_T_COST, PASSWD_M_COST, PASSWD_LANES, password,
	    strlen(password), salt, sizeof(salt), PASSWD_HASH_LEN, out, outlen);
	explicit_bzero(salt, sizeof(salt));
	switch (rc) {
	case ARGON2_OK:
		return HS_OK;
	case ARGON2_MEMORY_ALLOCATION_ERROR:
		return HS_ENOMEM;
	case ARGON2_PWD_TOO_LONG:
		return HS_EINVAL;
	default:
		return HS_EINTERNAL;
	}
}

/*
 * Checks the cost fields of "$argon2id$v=19$m=65536,t=3,p=1$..." against our limits.  The
 * rest of the syntax is libargon2's to judge.
 */
static bool
costs_acceptable(const char *encoded)
{
	unsigned int v, m, t, p;
	const char *s = encoded + sizeof(argon2id_prefix) - 1;

	if (sscanf(s, "v=%u$m=%u,t=%u,p=%u$", &v, &m, &t, &p) != 4)
		return false;
	return m <= PASSWD_MAX_M_COST && t <= PASSWD_MAX_T_COST && p <= PASSWD_MAX_LANES;
}

bool
hs_passwd_verify(const char *encoded, const char *password)
{
	if (encoded == NULL || password == NULL)
		return false;
	if (strncmp(encoded, argon2id_prefix, sizeof(argon2id_prefix) - 1) != 0)
		return false;
	if (!costs_acceptable(encoded))
		return false;
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}
