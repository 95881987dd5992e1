/*
 * passwd.h - password hashing (argon2id, libargon2).
 *
 * Hashes are the PHC string form "$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>", so the cost
 * can be raised later and old hashes still verify.  Passwords are never stored reversibly.
 */
#ifndef HS_PASSWD_H
#define HS_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define HS_PASSWD_HASH_MAX 128

/* Hashes password with a fresh random salt into out (>= HS_PASSWD_HASH_MAX bytes). */
hs_err hs_passwd_hash(const char *password, char *out, size_t outlen);
/* true when password matches the encoded hash; false for a mismatch or a malformed hash. */
bool hs_passwd_verify(const char *encoded, const char *password);

#endif
