/*
 * store_db.c - the recordings table as the recorder and hookswitchctl both use it: the
 * linking matcher, the retention run, and where a stored file is now (under the recording
 * root, or in its archive copies) (prepared SQL only; the Makefile links this file into
 * hookswitchctl too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "store.h"

/* Links unlinked recordings to the logger's segment whose time overlaps most, where the
 * recorded extension took part (segment_parties.device).  $1: one recording id, or NULL
 * for every unlinked one of the last 7 days (the logger writes a call when it ends, so a
 * recording is usually stored first).  Each link is recorded in recording_events. */
static const char *const link_sql =
    "WITH m AS ("
    " SELECT DISTINCT ON (r.id) r.id, s.call_id, s.rec_id"
    " FROM recordings r"
    " JOIN segment_parties p ON p.device = r.extension"
    " JOIN call_segments s ON s.rec_id = p.rec_id"
    " WHERE r.rec_id IS NULL AND r.deleted_at IS NULL AND r.extension IS NOT NULL"
    "  AND (r.id = $1::bigint OR ($1::bigint IS NULL"
    "       AND r.start_ts > now() - interval '7 days'))"
    "  AND s.start_ts < r.end_ts AND coalesce(s.end_ts, 'infinity') > r.start_ts"
    " ORDER BY r.id, least(r.end_ts, coalesce(s.end_ts, r.end_ts))"
    "  - greatest(r.start_ts, s.start_ts) DESC, s.rec_id),"
    " u AS (UPDATE recordings r SET call_id = m.call_id, rec_id = m.rec_id,"
    "  linked_at = now() FROM m WHERE r.id = m.id RETURNING r.id, r.call_id, r.rec_id)"
    " INSERT INTO recording_events (recording_id, action, actor, details)"
    " SELECT id, 'linked', 'recorder', jsonb_build_object('call_id', call_id,"
    "  'rec_id', rec_id) FROM u RETURNING recording_id";

/* Retention covers the archive copies too (the manual: local and archived audio). */
static const char *const expired_sql =
    "SELECT id, path, coalesce(array_to_json(archive_paths)::text, '[]') FROM recordings"
    " WHERE server_id = $1::smallint AND deleted_at IS NULL AND path IS NOT NULL"
    " AND start_ts < now() - make_interval(days => $2::int) ORDER BY id LIMIT 1000";

/* $6: archive_paths as expired_sql read them.  The archiver may have moved the file
 * since (the local one was then already gone when we looked, and the copies were not in
 * our list): then nothing is marked, and the next run removes the copies. */
static const char *const mark_deleted_sql =
    "WITH u AS (UPDATE recordings SET deleted_at = now(), deleted_reason = $2"
    " WHERE id = $1::bigint AND deleted_at IS NULL"
    "  AND coalesce(array_to_json(archive_paths)::text, '[]') = $6"
    " RETURNING id, path, start_ts, archive_paths)"
    " INSERT INTO recording_events (recording_id, action, actor, details)"
    " SELECT id, 'deleted', $3, jsonb_build_object('reason', $2::text, 'path', path,"
    "  'start_ts', start_ts, 'older_than_days', $4::int, 'file', $5::text,"
    "  'archive_paths', coalesce(array_to_json(archive_paths)::jsonb, '[]')) FROM u"
    " RETURNING recording_id";

int
rec_db_link(hs_db *db, const char *id, int *linked)
{
	PGresult *res;
	const char *p[1] = { id };
	*linked = 0;
	if (hs_db_prepare(db, "rec_link", link_sql) != HS_OK ||
	    hs_db_exec(db, "rec_link", 1, p, &res) != HS_OK)
		return -1;
	*linked = PQntuples(res);
	PQclear(res);
	return 0;
}

/* "2026/11/26/x.wav.hsrec" -> "2026/11/26/x" (the sidecars' base) */
static void
side_base(const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s", path);
	size_t n = strlen(out), e = strlen(REC_STORE_EXT);
	if (n > e && strcmp(out + n - e, REC_STORE_EXT) == 0)
		out[n - e] = 0;
	char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
	if (dot != NULL && (slash == NULL || dot > slash))
		*dot = 0;
}

void
rec_side_base(const char *path, char *out, size_t len)
{
	side_base(path, out, len);
}

/* Removes root/rel; 1 removed, 0 was not there, -1 error (errno). */
static int
remove_file(const char *root, const char *rel)
{
	char p[2048];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (unlink(p) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

int
rec_archive_dirs(const char *json, char dirs[][REC_ARCHIVE_PATH_LEN], int max)
{
	cJSON *a = cJSON_Parse(json != NULL ? json : "");
	const cJSON *v;
	int n = 0;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return -1;
	}
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsString(v) || v->valuestring[0] == 0) {
			n = -1;
			break;
		}
		if (n < max)
			snprintf(dirs[n++], REC_ARCHIVE_PATH_LEN, "%s", v->valuestring);
	}
	cJSON_Delete(a);
	return n;
}

int
rec_locate(const char *root, const char *rel, char dirs[][REC_ARCHIVE_PATH_LEN], int n,
    char *out, size_t len)
{
	struct stat st;

	/* Local first: an archived row's local file is normally gone, and when it is not (the
	 * recorder stopped between its update and the unlink) it has the bytes the copies
	 * were checked against. */
	snprintf(out, len, "%s/%s", root, rel);
	if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	for (int i = 0; i < n; i++) {
		snprintf(out, len, "%s/%s", dirs[i], rel);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return i + 1;
	}
	snprintf(out, len, "%s/%s", root, rel);
	return -1;
}

/* Removes dir/rel and its sidecars.  A missing file counts as removed, but only when dir
 * itself is there: an archive share that is not mounted must not pass for "already
 * deleted".  1 removed, 0 was not there, -1 error (errno). */
static int
remove_with_sidecars(const char *dir, const char *rel)
{
	struct stat st;
	char base[1024], side[1100];

	if (stat(dir, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	int rf = remove_file(dir, rel);
	if (rf < 0)
		return -1;
	side_base(rel, base, sizeof(base));
	snprintf(side, sizeof(side), "%s.json", base);
	if (remove_file(dir, side) < 0)
		return -1;
	snprintf(side, sizeof(side), "%s.dat", base);
	if (remove_file(dir, side) < 0)
		return -1;
	return rf;
}

int
rec_db_purge(hs_db *db, const char *root, int server_id, int days, const char *actor,
    const char *reason, int *deleted, int *failed, char *err, size_t errlen)
{
	char sid[16], sdays[16];
	PGresult *res;
	*deleted = *failed = 0;
	snprintf(sid, sizeof(sid), "%d", server_id);
	snprintf(sdays, sizeof(sdays), "%d", days);
	if (hs_db_prepare(db, "rec_expired", expired_sql) != HS_OK ||
	    hs_db_prepare(db, "rec_mark_deleted", mark_deleted_sql) != HS_OK) {
		snprintf(err, errlen, "%s", hs_db_error(db));
		return -1;
	}
	for (;;) {
		const char *p[2] = { sid, sdays };
		if (hs_db_exec(db, "rec_expired", 2, p, &res) != HS_OK) {
			snprintf(err, errlen, "%s", hs_db_error(db));
			return -1;
		}
		int n = PQntuples(res), done = 0;
		for (int i = 0; i < n; i++) {
			const char *id = PQgetvalue(res, i, 0), *path = PQgetvalue(res, i, 1);
			char dirs[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN];
			int nd = rec_archive_dirs(PQgetvalue(res, i, 2), dirs, REC_ARCHIVE_MAX);
			/* The archive copies first, then the local file (an archived row's is
			 * normally gone already).  Any failure keeps the row as it is: the next
			 * run tries again, and what is gone stays gone. */
			int rf = 0, bad = nd < 0, e = 0;
			const char *where = root;
			for (int k = 0; k < nd && !bad; k++) {
				int r = remove_with_sidecars(dirs[k], path);
				if (r < 0) {
					bad = 1;
					e = errno;
					where = dirs[k];
				}
				rf |= r > 0;
			}
			if (!bad) {
				int r = remove_file(root, path);
				char base[1024], side[1100];
				if (r < 0) {
					bad = 1;
					e = errno;
				} else {
					rf |= r > 0;
					side_base(path, base, sizeof(base));
					snprintf(side, sizeof(side), "%s.json", base);
					remove_file(root, side);
					snprintf(side, sizeof(side), "%s.dat", base);
					remove_file(root, side);
				}
			}
			if (bad) {
				hs_log_error("recording.purge_failed", "id=%s path=%s dir=%s err=%s", id,
				    hs_logq(path), hs_logq(where), hs_logq(nd < 0 ?
				    "bad archive_paths in the row" : strerror(e)));
				(*failed)++;
				continue;
			}
			const char *q[6] = { id, reason, actor, sdays,
			    rf ? "removed" : "already missing", PQgetvalue(res, i, 2) };
			PGresult *r2;
			if (hs_db_exec(db, "rec_mark_deleted", 6, q, &r2) != HS_OK) {
				snprintf(err, errlen, "%s", hs_db_error(db));
				PQclear(res);
				return -1;
			}
			int marked = PQntuples(r2) == 1;
			PQclear(r2);
			if (!marked) {
				hs_log_info("recording.purge_later", "id=%s path=%s note=%s", id,
				    hs_logq(path), hs_logq("archived meanwhile: its copies go next run"));
				continue;
			}
			hs_log_info("recording.deleted", "id=%s path=%s reason=%s older_than_days=%d "
			    "file=%s archive_copies=%d actor=%s", id, hs_logq(path), reason, days,
			    rf ? "removed" : "already_missing", nd, actor);
			(*deleted)++;
			done++;
		}
		PQclear(res);
		if (n < 1000 || done == 0)
			break;
	}
	return 0;
}

/* recorder.<key>, or <paths.state>/<fallback> when it is empty. */
static void
state_path(const hs_conf *conf, const char *key, const char *fallback, char *buf, size_t len)
{
	const char *p = hs_conf_str(conf, key);

	if (*p)
		snprintf(buf, len, "%s", p);
	else
		snprintf(buf, len, "%s/%s", hs_conf_str(conf, "paths.state"), fallback);
}

void
rec_store_root(const hs_conf *conf, char *buf, size_t len)
{
	state_path(conf, "recorder.path", "recordings", buf, len);
}

void
rec_store_key_file(const hs_conf *conf, char *buf, size_t len)
{
	state_path(conf, "recorder.key_file", "keys/recording.key", buf, len);
}
