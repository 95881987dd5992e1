/*
 * err.h - the one error vocabulary of Hookswitch.
 *
 * Every libcommon function and every bus reply reports one of these codes; zero is success.
 * errno, libpq and nng errors are mapped to the code of the same meaning at the boundary
 * where they occur, and the specifics travel beside the code as a sentence.  The list is an
 * X-macro so the enum, hs_err_name() and hs_strerror() cannot drift apart; to add a code,
 * add one line here (and a status mapping in the gateway when it lands).
 */
#ifndef HS_ERR_H
#define HS_ERR_H

#define HS_ERR_LIST(X)                                                   \
	X(OK, "success")                                                 \
	X(EINVAL, "invalid argument")                                    \
	X(ENOMEM, "out of memory")                                       \
	X(ENOTFOUND, "not found")                                        \
	X(EEXIST, "already exists")                                      \
	X(EBUSY, "busy")                                                 \
	X(ETIMEDOUT, "timed out")                                        \
	X(ECANCELED, "canceled")                                         \
	X(EPROTO, "protocol error")                                      \
	X(EPERM, "permission denied")                                    \
	X(EIO, "input/output error")                                     \
	X(EDB, "database error")                                         \
	X(ECONNREFUSED, "connection refused")                            \
	X(ECLOSED, "closed")                                             \
	X(ECONFIG, "configuration error")                                \
	X(EVERSION, "version mismatch")                                  \
	X(ENOTSUP, "not supported")                                      \
	X(EINTERNAL, "internal error")

typedef enum hs_err {
#define HS__ERR_ENUM(name, text) HS_##name,
	HS_ERR_LIST(HS__ERR_ENUM)
#undef HS__ERR_ENUM
	HS__ERR_COUNT
} hs_err;

/* "EBUSY"; "EUNKNOWN" for a value outside the list. */
const char *hs_err_name(int err);
/* "busy" */
const char *hs_strerror(int err);
/* Parses a name back ("EBUSY" -> HS_EBUSY); returns HS_EINTERNAL when unknown. */
hs_err hs_err_from_name(const char *name);
/* Maps an errno value to the code of the same meaning. */
hs_err hs_err_from_errno(int e);

#endif
