/*
 * libcrypto_compat.c - the SONAME "libcrypto.so" for civetweb's dlopen("libcrypto.so"),
 * so a production machine needs only the runtime libcrypto.so.3 (not libssl-dev's
 * unversioned link).  Nothing is defined here: every lookup falls through to libcrypto.so.3,
 * this library's dependency.  See libssl_compat.c.
 */
#include <openssl/crypto.h>

/* An object file must not be empty (ISO C); this is never called. */
unsigned long hs_libcrypto_compat_version(void);

unsigned long
hs_libcrypto_compat_version(void)
{
	return OpenSSL_version_num();
}
