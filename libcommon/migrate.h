/*
 * migrate.h - versioned schema migrations.
 *
 * Files in the migrations directory are named NNNN_name.sql (NNNN a positive decimal version,
 * any number of digits, unique).  They are applied in version order, each in its own
 * transaction together with its row in schema_version, so a migration is either applied and
 * recorded or not at all, and never applied twice.  A transaction-scoped advisory lock
 * serialises watchdogs of several servers sharing one database.
 *
 * Callers: the watchdog at start (before any other service), `hookswitchctl db migrate`, and
 * `hookswitchctl db status` (read-only).
 */
#ifndef HS_MIGRATE_H
#define HS_MIGRATE_H

#include <stddef.h>

#include "db.h"
#include "err.h"

struct hs_migration {
	int version;
	char name[128];   /* "foundation" for 0001_foundation.sql */
	char path[1024];
	char sha256[65];  /* of the file, hex */
	int applied;      /* recorded in schema_version */
	char applied_at[40];
	int changed;      /* applied, but the file's checksum differs from the recorded one */
};

struct hs_migrate_status {
	struct hs_migration *list; /* every migration known from files or the table, by version */
	size_t count;
	int current;   /* highest applied version, 0 for none */
	int latest;    /* highest version on disk */
	int pending;   /* files not yet applied */
};

/* Reads the directory and schema_version (absent table = nothing applied).  Errors:
 * HS_ENOTFOUND (no directory), HS_ECONFIG (bad or duplicate file name; msg says which),
 * HS_EDB. */
hs_err hs_migrate_status(hs_db *db, const char *dir, struct hs_migrate_status *st,
    char *msg, size_t msglen);
void hs_migrate_status_free(struct hs_migrate_status *st);

/*
 * Applies every pending migration in order.  *applied counts those applied.  Stops at the
 * first failure, which leaves that migration (and later ones) unapplied and writes
 * "0002_x.sql: ERROR: ..." into msg.
 */
hs_err hs_migrate_apply(hs_db *db, const char *dir, int *applied, char *msg, size_t msglen);

#endif
