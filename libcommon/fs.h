/*
 * fs.h - small file-system helpers shared by services.
 */
#ifndef HS_FS_H
#define HS_FS_H

#include <sys/types.h>

/* mkdir -p: creates path and missing parents with mode; 0, or -1 with errno set. */
int hs_fs_mkdir_p(const char *path, mode_t mode);

#endif
