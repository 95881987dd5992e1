/*
 * recordings.h - `hookswitchctl recordings list|export|verify|purge`: the recordings the
 * recorder stored (issue 6).  Reads PostgreSQL directly and the files under the recording
 * root of this server; the key comes from recorder.key_file (never from the database).
 */
#ifndef HS_CTL_RECORDINGS_H
#define HS_CTL_RECORDINGS_H

#include "conf.h"

/* argv[0] is "list", "export", "verify" or "purge".  Returns an exit code: 0, 1 refused
 * (a signature mismatch, no such recording), 100 usage, 111 database unreachable. */
int recordings_main(hs_conf *conf, int json, int argc, char **argv);

#endif
