/*
 * recordings.c - `hookswitchctl recordings ...` (recordings.h).
 *
 *   recordings list [--from T] [--to T] [--limit N]   rows not deleted, by start time,
 *                                with where the file is (local, or its archive copies)
 *   recordings export ID FILE    checks the signature, then decrypts to FILE (nothing is
 *                                written when the file was modified)
 *   recordings verify ID         checks the signature of the stored file
 *   recordings purge --older-than DAYS   the retention run, now (archive copies too)
 *
 * Export and verify read the file under the recording root, or, once it was archived
 * (recorder.archive_paths, migration 0006), the first of its archive copies that exists.
 * They write a recording_events row ('exported', 'verify_failed').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "calls.h"
#include "db.h"
#include "recordings.h"
#include "../../services/recorder/store.h"

#define EX_OK 0
#define EX_NO 1
#define EX_USAGE 100
#define EX_UNREACH 111

static const char usage[] =
    "usage: hookswitchctl [--json] recordings list [--from T] [--to T] [--limit N]\n"
    "       hookswitchctl recordings export ID FILE\n"
    "       hookswitchctl recordings verify ID\n"
    "       hookswitchctl recordings purge --older-than DAYS\n";

static int
open_db(hs_conf *conf, hs_db **db)
{
	if (hs_db_open(db, hs_conf_str(conf, "db.conninfo"), NULL) != HS_OK)
		return EX_UNREACH;
	if (hs_db_connect(*db, 0) != HS_OK) {
		fprintf(stderr, "hookswitchctl: cannot reach the database: %s\n", hs_db_error(*db));
		hs_db_close(*db);
		return EX_UNREACH;
	}
	return EX_OK;
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
rec_list(hs_conf *conf, int json, int argc, char **argv)
{
	static const char *sql =
	    "SELECT id, to_char(start_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
	    " duration_ms, coalesce(extension, ''), source, format, size, encrypted,"
	    " coalesce(call_id::text, ''), coalesce(rec_id::text, ''), path,"
	    " coalesce(sip_call_id, ''), key_id, encode(sha256, 'hex'), server_id,"
	    " coalesce(to_char(archived_at AT TIME ZONE 'UTC',"
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), ''),"
	    " coalesce(array_to_json(archive_paths)::text, '[]')"
	    " FROM recordings WHERE deleted_at IS NULL"
	    " AND ($1::timestamptz IS NULL OR start_ts >= $1::timestamptz)"
	    " AND ($2::timestamptz IS NULL OR start_ts < $2::timestamptz)"
	    " ORDER BY start_ts, id LIMIT $3::int";
	char from[CTL_ISO_LEN] = "", to[CTL_ISO_LEN] = "", lim[16] = "1000", err[200];
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long long ms;
		if ((strcmp(o, "--from") == 0 || strcmp(o, "--to") == 0) && v != NULL) {
			if (ctl_time_parse(v, now_ms(), &ms, err, sizeof(err)) != 0) {
				fprintf(stderr, "hookswitchctl: recordings list: %s: %s\n%s", o, err,
				    usage);
				return EX_USAGE;
			}
			ctl_time_iso(ms, strcmp(o, "--from") == 0 ? from : to, CTL_ISO_LEN);
			i++;
		} else if (strcmp(o, "--limit") == 0 && v != NULL && atoi(v) > 0) {
			snprintf(lim, sizeof(lim), "%d", atoi(v));
			i++;
		} else if (strcmp(o, "--json") == 0) {
			json = 1;
		} else {
			fprintf(stderr, "hookswitchctl: recordings list: bad option '%s'\n%s", o, usage);
			return EX_USAGE;
		}
	}
	hs_db *db;
	PGresult *res;
	int rv = open_db(conf, &db);
	if (rv != EX_OK)
		return rv;
	const char *p[3] = { *from ? from : NULL, *to ? to : NULL, lim };
	if (hs_db_prepare(db, "rec_list", sql) != HS_OK ||
	    hs_db_exec(db, "rec_list", 3, p, &res) != HS_OK) {
		fprintf(stderr, "hookswitchctl: recordings list: %s\n", hs_db_error(db));
		hs_db_close(db);
		return EX_NO;
	}
	int n = PQntuples(res);
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		for (int i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", atof(PQgetvalue(res, i, 0)));
			cJSON_AddNumberToObject(o, "server", atoi(PQgetvalue(res, i, 14)));
			cJSON_AddStringToObject(o, "start", PQgetvalue(res, i, 1));
			cJSON_AddNumberToObject(o, "duration_ms", atof(PQgetvalue(res, i, 2)));
			cJSON_AddStringToObject(o, "extension", PQgetvalue(res, i, 3));
			cJSON_AddStringToObject(o, "source", PQgetvalue(res, i, 4));
			cJSON_AddStringToObject(o, "format", PQgetvalue(res, i, 5));
			cJSON_AddNumberToObject(o, "size", atof(PQgetvalue(res, i, 6)));
			cJSON_AddBoolToObject(o, "encrypted", *PQgetvalue(res, i, 7) == 't');
			if (*PQgetvalue(res, i, 8)) {
				cJSON_AddNumberToObject(o, "call_id", atof(PQgetvalue(res, i, 8)));
				cJSON_AddNumberToObject(o, "rec_id", atof(PQgetvalue(res, i, 9)));
			} else {
				cJSON_AddNullToObject(o, "call_id");
				cJSON_AddNullToObject(o, "rec_id");
			}
			cJSON_AddStringToObject(o, "path", PQgetvalue(res, i, 10));
			cJSON_AddStringToObject(o, "sip_call_id", PQgetvalue(res, i, 11));
			cJSON_AddStringToObject(o, "key_id", PQgetvalue(res, i, 12));
			cJSON_AddStringToObject(o, "sha256", PQgetvalue(res, i, 13));
			/* where it is: "local", or "archive" with the roots holding a copy */
			cJSON *ap = cJSON_Parse(PQgetvalue(res, i, 16));
			int archived = *PQgetvalue(res, i, 15) != 0;
			cJSON_AddStringToObject(o, "location", archived ? "archive" : "local");
			if (archived)
				cJSON_AddStringToObject(o, "archived_at", PQgetvalue(res, i, 15));
			else
				cJSON_AddNullToObject(o, "archived_at");
			cJSON_AddItemToObject(o, "archive_paths", ap != NULL ? ap :
			    cJSON_CreateArray());
			cJSON_AddItemToArray(arr, o);
		}
		char *s = cJSON_Print(arr);
		printf("%s\n", s != NULL ? s : "[]");
		free(s);
		cJSON_Delete(arr);
	} else {
		for (int i = 0; i < n; i++) {
			char mmss[32], dirs[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN], where[700];
			int nd = rec_archive_dirs(PQgetvalue(res, i, 16), dirs, REC_ARCHIVE_MAX);
			ctl_mmss(atoll(PQgetvalue(res, i, 2)), mmss, sizeof(mmss));
			/* archived: the first copy's root (and how many more) */
			where[0] = 0;
			if (*PQgetvalue(res, i, 15) && nd == 1)
				snprintf(where, sizeof(where), "  archived: %s", dirs[0]);
			else if (*PQgetvalue(res, i, 15) && nd > 1)
				snprintf(where, sizeof(where), "  archived: %s (+%d)", dirs[0], nd - 1);
			printf("%8s  %s  %6s  ext %-8s %-4s %-5s %9s B %s  call %s  %s%s\n",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), mmss, PQgetvalue(res, i, 3),
			    PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6),
			    *PQgetvalue(res, i, 7) == 't' ? "encrypted" : "clear",
			    *PQgetvalue(res, i, 8) ? PQgetvalue(res, i, 8) : "-", PQgetvalue(res, i, 10),
			    where);
		}
		printf("%d recording%s\n", n, n == 1 ? "" : "s");
	}
	PQclear(res);
	hs_db_close(db);
	return EX_OK;
}

static void
note_event(hs_db *db, const char *id, const char *action, const char *detail_key,
    const char *detail)
{
	static const char *sql = "INSERT INTO recording_events (recording_id, action, actor,"
	    " details) VALUES ($1::bigint, $2, 'hookswitchctl', jsonb_build_object($3::text,"
	    " $4::text))";
	const char *p[4] = { id, action, detail_key, detail };
	if (hs_db_prepare(db, "rec_note", sql) != HS_OK ||
	    hs_db_exec(db, "rec_note", 4, p, NULL) != HS_OK)
		fprintf(stderr, "hookswitchctl: recording_events: %s\n", hs_db_error(db));
}

/* verify ID (dst == NULL) or export ID FILE */
static int
rec_open(hs_conf *conf, const char *id, const char *dst)
{
	static const char *sql =
	    "SELECT path, encrypted, encode(signature, 'hex'), key_id, server_id,"
	    " deleted_at IS NOT NULL, coalesce(array_to_json(archive_paths)::text, '[]')"
	    " FROM recordings WHERE id = $1::bigint";
	const char *what = dst != NULL ? "export" : "verify";
	char *end;
	if (strtoll(id, &end, 10) <= 0 || *end) {
		fprintf(stderr, "hookswitchctl: recordings %s: bad id '%s'\n%s", what, id, usage);
		return EX_USAGE;
	}
	hs_db *db;
	PGresult *res;
	int rv = open_db(conf, &db);
	if (rv != EX_OK)
		return rv;
	const char *p[1] = { id };
	if (hs_db_prepare(db, "rec_one", sql) != HS_OK ||
	    hs_db_exec(db, "rec_one", 1, p, &res) != HS_OK) {
		fprintf(stderr, "hookswitchctl: recordings %s: %s\n", what, hs_db_error(db));
		hs_db_close(db);
		return EX_NO;
	}
	rv = EX_NO;
	char root[600], path[1400], kf[600], err[600];
	struct rec_key key;
	uint8_t sig[REC_SIG_LEN];
	memset(&key, 0, sizeof(key));
	if (PQntuples(res) != 1) {
		fprintf(stderr, "hookswitchctl: recordings %s: no recording %s\n", what, id);
		goto out;
	}
	if (*PQgetvalue(res, 0, 5) == 't') {
		fprintf(stderr, "hookswitchctl: recordings %s: recording %s was deleted\n", what, id);
		goto out;
	}
	if (atoi(PQgetvalue(res, 0, 4)) != (int)hs_conf_int(conf, "server.id")) {
		fprintf(stderr, "hookswitchctl: recordings %s: recording %s is on server %s: run "
		    "this there\n", what, id, PQgetvalue(res, 0, 4));
		goto out;
	}
	rec_store_root(conf, root, sizeof(root));
	char dirs[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN];
	int nd = rec_archive_dirs(PQgetvalue(res, 0, 6), dirs, REC_ARCHIVE_MAX);
	/* the local file, else the first archive copy there is (none: the local path, whose
	 * "No such file" is the message) */
	int at = rec_locate(root, PQgetvalue(res, 0, 0), dirs, nd > 0 ? nd : 0, path,
	    sizeof(path));
	rec_store_key_file(conf, kf, sizeof(kf));
	if (rec_key_load(kf, 0, &key, err, sizeof(err)) != 0) {
		fprintf(stderr, "hookswitchctl: recordings %s: %s\n", what, err);
		goto out;
	}
	if (strcmp(key.id, PQgetvalue(res, 0, 3)) != 0) {
		fprintf(stderr, "hookswitchctl: recordings %s: recording %s was stored with key %s; "
		    "%s is key %s\n", what, id, PQgetvalue(res, 0, 3), kf, key.id);
		goto out;
	}
	if (rec_unhex(PQgetvalue(res, 0, 2), sig, sizeof(sig)) != 0) {
		fprintf(stderr, "hookswitchctl: recordings %s: bad signature in the database\n", what);
		goto out;
	}
	enum rec_verify v;
	if (dst != NULL)
		v = rec_store_open_to(&key, path, *PQgetvalue(res, 0, 1) == 't', sig, dst, err,
		    sizeof(err));
	else
		v = rec_store_verify(&key, path, sig, err, sizeof(err));
	if (v != REC_VERIFY_OK) {
		fprintf(stderr, "hookswitchctl: recordings %s %s: %s\n", what, id, err);
		if (v != REC_VERIFY_IO)
			note_event(db, id, "verify_failed", "error", err);
		goto out;
	}
	if (dst != NULL) {
		note_event(db, id, "exported", "file", dst);
		printf("recording %s: signature ok, written to %s%s%s%s\n", id, dst,
		    at > 0 ? " (from archive " : "", at > 0 ? dirs[at - 1] : "", at > 0 ? ")" : "");
	} else {
		printf("recording %s: signature ok (%s%s%s)\n", id, PQgetvalue(res, 0, 0),
		    at > 0 ? " in archive " : "", at > 0 ? dirs[at - 1] : "");
	}
	rv = EX_OK;
out:
	rec_key_clear(&key);
	PQclear(res);
	hs_db_close(db);
	return rv;
}

static int
rec_purge(hs_conf *conf, int json, int argc, char **argv)
{
	int days = -1;
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--older-than") == 0 && i + 1 < argc) {
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 0 || v > 36500)
				break;
			days = (int)v;
		} else {
			days = -1;
			break;
		}
	}
	if (days < 0) {
		fprintf(stderr, "hookswitchctl: recordings purge: --older-than DAYS (0-36500)\n%s",
		    usage);
		return EX_USAGE;
	}
	hs_db *db;
	int rv = open_db(conf, &db), deleted = 0, failed = 0;
	if (rv != EX_OK)
		return rv;
	char root[600], err[600];
	rec_store_root(conf, root, sizeof(root));
	if (rec_db_purge(db, root, (int)hs_conf_int(conf, "server.id"), days, "hookswitchctl",
	    "retention", &deleted, &failed, err, sizeof(err)) != 0) {
		fprintf(stderr, "hookswitchctl: recordings purge: %s\n", err);
		hs_db_close(db);
		return EX_NO;
	}
	hs_db_close(db);
	if (json)
		printf("{\"deleted\": %d, \"failed\": %d, \"older_than_days\": %d}\n", deleted,
		    failed, days);
	else
		printf("deleted %d recording%s older than %d days%s\n", deleted,
		    deleted == 1 ? "" : "s", days, failed ? " (some files could not be removed: "
		    "see the log)" : "");
	return failed ? EX_NO : EX_OK;
}

int
recordings_main(hs_conf *conf, int json, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return rec_list(conf, json, argc, argv);
	if (argc == 3 && strcmp(argv[0], "export") == 0)
		return rec_open(conf, argv[1], argv[2]);
	if (argc == 2 && strcmp(argv[0], "verify") == 0)
		return rec_open(conf, argv[1], NULL);
	if (argc >= 1 && strcmp(argv[0], "purge") == 0)
		return rec_purge(conf, json, argc, argv);
	fprintf(stderr, "%s", usage);
	return EX_USAGE;
}
