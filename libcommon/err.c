/* err.c - names and texts of the hs_err codes, expanded from HS_ERR_LIST. */
#include <errno.h>
#include <string.h>

#include "err.h"

static const char *const err_names[] = {
#define HS__ERR_NAME(name, text) #name,
	HS_ERR_LIST(HS__ERR_NAME)
#undef HS__ERR_NAME
};

static const char *const err_texts[] = {
#define HS__ERR_TEXT(name, text) text,
	HS_ERR_LIST(HS__ERR_TEXT)
#undef HS__ERR_TEXT
};

const char *
hs_err_name(int err)
{
	if (err < 0 || err >= HS__ERR_COUNT)
		return "EUNKNOWN";
	return err_names[err];
}

const char *
hs_strerror(int err)
{
	if (err < 0 || err >= HS__ERR_COUNT)
		return "unknown error";
	return err_texts[err];
}

hs_err
hs_err_from_name(const char *name)
{
	for (int i = 0; i < HS__ERR_COUNT; i++)
		if (name != NULL && strcmp(name, err_names[i]) == 0)
			return (hs_err)i;
	return HS_EINTERNAL;
}

hs_err
hs_err_from_errno(int e)
{
	switch (e) {
	case 0: return HS_OK;
	case EINVAL: return HS_EINVAL;
	case ENOMEM: return HS_ENOMEM;
	case ENOENT: return HS_ENOTFOUND;
	case EEXIST: return HS_EEXIST;
	case EBUSY: case EAGAIN: return HS_EBUSY;
	case ETIMEDOUT: return HS_ETIMEDOUT;
	case ECANCELED: return HS_ECANCELED;
	case EPERM: case EACCES: return HS_EPERM;
	case ECONNREFUSED: return HS_ECONNREFUSED;
	case ENOTSUP: return HS_ENOTSUP;
	default: return HS_EIO;
	}
}
