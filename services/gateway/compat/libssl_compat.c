/*
 * libssl_compat.c - lets Debian 12's civetweb serve TLS with OpenSSL 3.
 *
 * civetweb 1.15 (libcivetweb1 1.15+dfsg-4) loads OpenSSL at run time: dlopen("libssl.so")
 * and dlsym() of each function by name.  One of them, SSL_get_peer_certificate, is only a
 * macro in OpenSSL 3 (for SSL_get1_peer_certificate); the symbol is gone, civetweb's pointer
 * stays NULL and the first TLS connection calls it (civetweb/civetweb#1334).
 *
 * This library is built with the SONAME "libssl.so" and linked into the gateway.  glibc's
 * dlopen returns an already loaded object whose SONAME matches the name asked for, so
 * civetweb's dlopen("libssl.so") gets this library, and its dlsym() searches this library
 * first and then its dependency, the real libssl.so.3: every function resolves to OpenSSL's
 * own except the one missing name, defined here.  It also spares production machines the
 * unversioned libssl.so link of libssl-dev.  Remove it when civetweb is fixed.
 */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

X509 *SSL_get_peer_certificate(const SSL *s);

X509 *
SSL_get_peer_certificate(const SSL *s)
{
	/* The 1.1 function returned a new reference, as get1 does: civetweb frees it. */
	return SSL_get1_peer_certificate(s);
}
