/*
 * recdb.c - what happens to a recording after its call ends, on the service loop:
 *
 *   1. seal: the audio file is encrypted (store.c; recorder.encrypt) into "<file>.hsrec"
 *      and the clear file removed, or, unencrypted, only hashed and signed;
 *   2. the DAT sidecar is written next to it when recorder.dat_sidecar is set;
 *   3. the recordings row is written to the pending queue (<paths.state>/recorder/pending/,
 *      one JSON file per row, tmp + rename), then inserted (prepared SQL; ON CONFLICT on
 *      (server_id, path) so a retry after a crash between insert and unlink finds its row)
 *      and the queue file removed; recording.stored is published;
 *   4. the matcher links it to the logger's segment (store_db.c), and runs again every
 *      recorder.link_interval seconds for rows still unlinked;
 *   5. daily, with recorder.retention_days > 0, the retention run (store_db.c).
 *
 * The database is optional for recording: without it (not reachable at start, or lost
 * later) rows wait in the queue and RETRY_MS retries them, in order, also after a restart.
 * Sealing runs on the loop: AES-GCM with AES-NI streams at > 1 GB/s, so an hour of GSM
 * (6 MB) or WAV (58 MB) costs milliseconds to tens of them; a thread pool is the next step
 * if mirror capture brings thousands of calls an hour.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "rec.h"
#include "service.h"
#include "store.h"

#define RETRY_MS 10000
#define RETENTION_FIRST_MS 5000
#define RETENTION_EVERY_MS (24ull * 3600 * 1000)

struct rec_shelf {
	struct hs_svc *svc;
	struct rec_shelf_conf cf;
	struct rec_key key;
	hs_db *db;
	int db_ever;          /* connected once: from then on hs_db reconnects by itself */
	int db_warned;
	uv_timer_t retry, link, retention;
	uint64_t sealed, seal_errors, stored, queued, linked, purged, discarded;
	int pending;          /* files in the queue at the last look */
	int closing;          /* timer handles still closing */
	struct rec_archive *archive; /* archive.c: NULL when recorder.archive_paths is empty */
};

static const char *const insert_sql =
    "INSERT INTO recordings (server_id, source, sip_call_id, extension, agent, direction,"
    " start_ts, end_ts, duration_ms, codec, format, path, size, sha256, signature, key_id,"
    " encrypted, status, paused, telephone_events, metadata)"
    " VALUES ($1::smallint, $2, $3, $4, $5, $6, $7::timestamptz,"
    " $7::timestamptz + $8::bigint * interval '1 millisecond', $8::bigint, $9, $10, $11,"
    " $12::bigint, decode($13, 'hex'), decode($14, 'hex'), $15, $16::boolean, $17,"
    " $18::jsonb, $19::jsonb, $20::jsonb)"
    " ON CONFLICT (server_id, path) DO UPDATE SET path = EXCLUDED.path"
    " RETURNING id, xmax = 0, call_id, rec_id";
#define INSERT_NPARAMS 20

/* A call that was not recorded (over the concurrent limit): a row without a file, found
 * again on a retry by its call and start. */
static const char *const insert_nr_sql =
    "INSERT INTO recordings (server_id, source, sip_call_id, extension, direction,"
    " start_ts, end_ts, duration_ms, format, status, metadata)"
    " VALUES ($1::smallint, $2, $3, $4, 'unknown', $5::timestamptz, $6::timestamptz,"
    " greatest(0, (extract(epoch FROM $6::timestamptz - $5::timestamptz) * 1000)::bigint),"
    " '', $7, $8::jsonb)"
    " ON CONFLICT (server_id, source, sip_call_id, start_ts) WHERE path IS NULL"
    " DO UPDATE SET status = EXCLUDED.status"
    " RETURNING id, xmax = 0, call_id, rec_id";
#define INSERT_NR_NPARAMS 8

static const char *const stored_event_sql =
    "INSERT INTO recording_events (recording_id, action, actor, details)"
    " VALUES ($1::bigint, 'stored', 'recorder', $2::jsonb)";

static const char *const linked_sql =
    "SELECT coalesce(call_id::text, ''), coalesce(rec_id::text, '') FROM recordings"
    " WHERE id = $1::bigint";

/* ---- helpers ------------------------------------------------------------------------- */

static cJSON *
read_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);
			if (nb == NULL)
				break;
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	if (buf == NULL)
		return NULL;
	buf[n] = 0;
	cJSON *j = cJSON_Parse(buf);
	free(buf);
	return j;
}

/* Writes text to path through path.tmp + fsync + rename. */
static int
write_atomic(const char *path, const char *text)
{
	char tmp[1100];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
mkdirs(const char *dir, mode_t mode)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, mode) != 0 && errno != EEXIST ? -1 : 0;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "2026-11-26T01:37:24.946Z" -> "26/11/2026 01:37:24" (the DAT files' dd/MM/yyyy). */
static void
dat_time(const char *iso, char *out, size_t len)
{
	int y, mo, d, h, mi, s;
	if (iso == NULL || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
		snprintf(out, len, "%s", "");
		return;
	}
	snprintf(out, len, "%02d/%02d/%04d %02d:%02d:%02d", d, mo, y, h, mi, s);
}

/* The manual's DAT sidecar: one [Key:Value] per line, its keys in its order; what a
 * Record-A-Call recording does not know (PBX call ids, hunt group, agent, trunk) is empty
 * until the recording is linked (the database row has the link). */
static int
write_dat(const struct rec_shelf *sh, const char *path, const char *folder, const cJSON *m,
    int64_t serial)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(m, "from");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
	const char *ext = jstr(from, "user");
	char start[32], answer[32], ser[32];
	dat_time(jstr(m, "audio_start"), start, sizeof(start));
	dat_time(jstr(m, "answer"), answer, sizeof(answer));
	snprintf(ser, sizeof(ser), "%lld", (long long)serial);
	const char *kv[][2] = {
		{ "CallId", jstr(m, "call_id") },
		{ "CLI", ext },
		{ "DDI", jstr(to, "user") },
		{ "Extension", ext },
		{ "ExtensionName", jstr(from, "display") },
		{ "Direction", "" },
		{ "HuntGroup", "" },
		{ "Encrypted", sh->cf.encrypt ? "True" : "False" },
		{ "HuntGroupName", "" },
		{ "AurixIndexed", "False" },
		{ "NetworkRecordingPath", "" },
		{ "LocalRecordingPath", folder },
		{ "AgentId", "" },
		{ "AgentName", "" },
		{ "Trunk", "" },
		{ "Serial", ser },
		{ "StartTime", start },
		{ "AnswerTime", answer },
		{ "EndEvent", "CallCleared" },
		{ "EventCause", jstr(m, "end_reason") },
		{ "Segment", "" },
		{ "LogicCallId", "" },
		{ "CurrentGlobalCallId", "" },
		{ "PrimaryGlobalCallId", "" },
		{ "CallerNumber", ext },
		{ "CallerDeviceType", "Extension" },
		{ "CallerDeviceNumber", ext },
		{ "CalledNumber", jstr(to, "user") },
		{ "CalledDeviceType", "" },
		{ "CalledDeviceNumber", jstr(to, "user") },
	};
	char buf[8192];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]) && n < sizeof(buf); i++) {
		const char *v = kv[i][1] != NULL ? kv[i][1] : "";
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[%s:", kv[i][0]);
		/* no line breaks or ']' from a SIP header inside a value */
		for (; *v && n + 4 < sizeof(buf); v++)
			buf[n++] = (*v == '\r' || *v == '\n' || *v == ']') ? ' ' : *v;
		if (n + 3 < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]\r\n");
	}
	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = 0;
	return write_atomic(path, buf);
}

/* ---- the database -------------------------------------------------------------------- */

static int
db_up(struct rec_shelf *sh)
{
	if (sh->db == NULL)
		return 0;
	if (!sh->db_ever) {
		if (hs_db_connect(sh->db, 0) != HS_OK) {
			if (!sh->db_warned)
				hs_log_warn("recording.db_down", "err=%s note=%s",
				    hs_logq(hs_db_error(sh->db)),
				    hs_logq("recordings rows wait in the pending queue"));
			sh->db_warned = 1;
			return 0;
		}
		sh->db_ever = 1;
		hs_log_info("recording.db_up", "pending=%d", sh->pending);
	}
	return hs_db_connected(sh->db);
}

static void
publish_stored(struct rec_shelf *sh, const char *id, const cJSON *row, const char *call_id,
    const char *rec_id)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddNumberToObject(b, "id", atof(id));
	const char *keys[] = { "source", "sip_call_id", "extension", "start", NULL };
	for (int i = 0; keys[i] != NULL; i++) {
		const char *v = jstr(row, keys[i]);
		if (v != NULL)
			cJSON_AddStringToObject(b, keys[i], v);
		else
			cJSON_AddNullToObject(b, keys[i]);
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(row, "params");
	const char *status = jstr(row, "status");
	cJSON_AddStringToObject(b, "status", status != NULL ? status : "recorded");
	if (status != NULL) /* not recorded: no file */
		goto ids;
	cJSON_AddNumberToObject(b, "duration_ms", atof(cJSON_GetArrayItem(p, 7)->valuestring));
	cJSON_AddStringToObject(b, "format", cJSON_GetArrayItem(p, 9)->valuestring);
	cJSON_AddStringToObject(b, "path", cJSON_GetArrayItem(p, 10)->valuestring);
	cJSON_AddNumberToObject(b, "size", atof(cJSON_GetArrayItem(p, 11)->valuestring));
	cJSON_AddStringToObject(b, "sha256", cJSON_GetArrayItem(p, 12)->valuestring);
	cJSON_AddStringToObject(b, "key_id", cJSON_GetArrayItem(p, 14)->valuestring);
	cJSON_AddBoolToObject(b, "encrypted", strcmp(cJSON_GetArrayItem(p, 15)->valuestring,
	    "true") == 0);
ids:
	if (*call_id) {
		cJSON_AddNumberToObject(b, "call_id", atof(call_id));
		cJSON_AddNumberToObject(b, "rec_id", atof(rec_id));
	} else {
		cJSON_AddNullToObject(b, "call_id");
		cJSON_AddNullToObject(b, "rec_id");
	}
	hs_bus_publish(sh->svc->bus, "recording.stored", b);
}

/* The Exclusion/Inclusion lists on what was just linked (rules.c). */
static void
apply_rules(struct rec_shelf *sh)
{
	char err[512];
	int kept, discarded;
	if (rec_db_apply_rules(sh->db, sh->cf.root, sh->svc->server_id, sh->cf.exclude_internal,
	    &kept, &discarded, err, sizeof(err)) != 0) {
		hs_log_warn("recording.rules_failed", "err=%s", hs_logq(err));
		return;
	}
	sh->discarded += (uint64_t)discarded;
}

/* Inserts one queued row; 0 stored (the file may go), -1 database error (keep it), -2 the
 * file is unusable (moved aside as .bad). */
static int
store_one(struct rec_shelf *sh, const char *file)
{
	cJSON *row = read_json(file);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(row, "params");
	const char *kind = jstr(row, "kind");
	int nr = kind != NULL && strcmp(kind, "not_recorded") == 0;
	int np = nr ? INSERT_NR_NPARAMS : INSERT_NPARAMS;
	if (row == NULL || cJSON_GetArraySize(p) != np) {
		char bad[1100];
		snprintf(bad, sizeof(bad), "%s.bad", file);
		rename(file, bad);
		hs_log_error("recording.queue_bad", "file=%s", hs_logq(bad));
		cJSON_Delete(row);
		return -2;
	}
	const char *params[INSERT_NPARAMS];
	for (int i = 0; i < np; i++) {
		const cJSON *v = cJSON_GetArrayItem(p, i);
		params[i] = cJSON_IsString(v) ? v->valuestring : NULL;
	}
	PGresult *res = NULL;
	const char *what = nr ? params[2] : params[10]; /* Call-ID, or the path */
	if (hs_db_exec(sh->db, nr ? "rec_insert_nr" : "rec_insert", np, params, &res) != HS_OK ||
	    PQntuples(res) != 1) {
		hs_log_warn("recording.db_failed", "path=%s err=%s", hs_logq(what),
		    hs_logq(hs_db_error(sh->db)));
		PQclear(res);
		cJSON_Delete(row);
		return -1;
	}
	char id[32];
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	int inserted = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (inserted) {
		char *d = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(row, "event"));
		const char *q[2] = { id, d != NULL ? d : "{}" };
		if (hs_db_exec(sh->db, "rec_stored_event", 2, q, NULL) != HS_OK)
			hs_log_warn("recording.db_failed", "id=%s err=%s", id,
			    hs_logq(hs_db_error(sh->db)));
		free(d);
	}
	int linked = 0;
	if (rec_db_link(sh->db, id, &linked) != 0)
		hs_log_warn("recording.link_failed", "id=%s err=%s", id, hs_logq(hs_db_error(sh->db)));
	sh->linked += (uint64_t)linked;
	char call_id[32] = "", rec_id[32] = "";
	const char *q[1] = { id };
	if (hs_db_exec(sh->db, "rec_linked", 1, q, &res) == HS_OK && PQntuples(res) == 1) {
		snprintf(call_id, sizeof(call_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(rec_id, sizeof(rec_id), "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	hs_log_info("recording.stored", "id=%s path=%s call_id=%s rec_id=%s new=%d", id,
	    hs_logq(what), *call_id ? call_id : "-", *rec_id ? rec_id : "-", inserted);
	if (linked > 0)
		apply_rules(sh);
	if (inserted)
		publish_stored(sh, id, row, call_id, rec_id);
	cJSON_Delete(row);
	sh->stored++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Stores the queued rows in name (time) order; stops at the first database error. */
static void
flush_queue(struct rec_shelf *sh)
{
	DIR *d = opendir(sh->cf.pending_dir);
	if (d == NULL)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap * 2 + 16) * sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	sh->pending = (int)n;
	if (n > 0 && db_up(sh)) {
		qsort(names, n, sizeof(*names), name_cmp);
		for (size_t i = 0; i < n; i++) {
			char path[1100];
			snprintf(path, sizeof(path), "%s/%s", sh->cf.pending_dir, names[i]);
			int rc = store_one(sh, path);
			if (rc == -1)
				break;
			if (rc == 0)
				unlink(path);
			sh->pending--;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
on_retry(uv_timer_t *t)
{
	flush_queue(t->data);
}

static void
on_link(uv_timer_t *t)
{
	struct rec_shelf *sh = t->data;
	int linked = 0;
	if (!db_up(sh))
		return;
	if (rec_db_link(sh->db, NULL, &linked) != 0) {
		hs_log_warn("recording.link_failed", "err=%s", hs_logq(hs_db_error(sh->db)));
		return;
	}
	if (linked > 0)
		hs_log_info("recording.linked", "rows=%d", linked);
	sh->linked += (uint64_t)linked;
	apply_rules(sh);
}

static void
on_retention(uv_timer_t *t)
{
	struct rec_shelf *sh = t->data;
	char err[512];
	int deleted = 0, failed = 0;
	if (!db_up(sh))
		return;
	if (rec_db_purge(sh->db, sh->cf.root, sh->svc->server_id, sh->cf.retention_days,
	    "recorder", "retention", &deleted, &failed, err, sizeof(err)) != 0) {
		hs_log_error("recording.retention_failed", "err=%s", hs_logq(err));
		return;
	}
	sh->purged += (uint64_t)deleted;
	hs_log_info("recording.retention", "older_than_days=%d deleted=%d failed=%d",
	    sh->cf.retention_days, deleted, failed);
}

/* ---- after a call -------------------------------------------------------------------- */

void
rec_shelf_written(struct rec_shelf *sh, const struct rac_report *r)
{
	char err[600], meta_path[700], dst[700], rel[700], folder[700];
	struct rec_sealed s;
	if (sh == NULL || !r->written || r->file[0] == 0)
		return;
	size_t rl = strlen(sh->cf.root);
	/* <root>/YYYY/MM/DD/<base>.<ext>: the metadata is <base>.json */
	snprintf(meta_path, sizeof(meta_path), "%s", r->file);
	char *dot = strrchr(meta_path, '.'), *slash = strrchr(meta_path, '/');
	if (dot != NULL && (slash == NULL || dot > slash))
		*dot = 0;
	snprintf(dst, sizeof(dst), "%s.dat", meta_path);
	char dat_path[700];
	snprintf(dat_path, sizeof(dat_path), "%s", dst);
	strcat(meta_path, ".json");
	snprintf(folder, sizeof(folder), "%s", r->file);
	if ((slash = strrchr(folder, '/')) != NULL)
		slash[1] = 0;

	int rc;
	if (sh->cf.encrypt) {
		snprintf(dst, sizeof(dst), "%s%s", r->file, REC_STORE_EXT);
		rc = rec_store_seal(&sh->key, r->file, dst, 1, &s, err, sizeof(err));
	} else {
		snprintf(dst, sizeof(dst), "%s", r->file);
		rc = rec_store_sign_file(&sh->key, dst, &s, err, sizeof(err));
	}
	if (rc != 0) {
		/* The clear file stays where it is; the row is not written (nothing to sign). */
		sh->seal_errors++;
		hs_log_error("recording.seal_failed", "file=%s err=%s", hs_logq(r->file), hs_logq(err));
		return;
	}
	sh->sealed++;
	if (strncmp(dst, sh->cf.root, rl) == 0 && dst[rl] == '/')
		snprintf(rel, sizeof(rel), "%s", dst + rl + 1);
	else
		snprintf(rel, sizeof(rel), "%s", dst);

	cJSON *m = read_json(meta_path);
	if (m == NULL)
		m = cJSON_CreateObject();
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(m, "from");
	const cJSON *codecs = cJSON_GetObjectItemCaseSensitive(m, "codecs");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(m, "duration_s");
	const char *start = jstr(m, "audio_start");
	char sid[16], dms[32], size[32], sha[2 * REC_SHA256_LEN + 1], sig[2 * REC_SIG_LEN + 1];
	snprintf(sid, sizeof(sid), "%d", sh->svc->server_id);
	snprintf(dms, sizeof(dms), "%lld",
	    (long long)(cJSON_IsNumber(dur) ? dur->valuedouble * 1000.0 + 0.5 : 0));
	snprintf(size, sizeof(size), "%llu", (unsigned long long)s.size);
	rec_hex(s.sha256, REC_SHA256_LEN, sha);
	rec_hex(s.sig, REC_SIG_LEN, sig);
	char *paused = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(m, "paused"));
	char *events = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(m,
	    "telephone_events"));
	char *meta = cJSON_PrintUnformatted(m);
	const cJSON *c0 = cJSON_GetArrayItem(codecs, 0);
	/* Record-A-Call records the From user (the PBX names the extension there); mirror
	 * capture says which party it recorded. */
	const char *kind = r->kind != NULL ? r->kind : "rac";
	const char *ext = r->extension[0] ? r->extension : jstr(from, "user");
	const char *params[INSERT_NPARAMS] = {
		sid, kind, jstr(m, "call_id"), ext, NULL, "unknown",
		start != NULL ? start : "now", dms, cJSON_IsString(c0) ? c0->valuestring : NULL,
		jstr(m, "format") != NULL ? jstr(m, "format") : "", rel, size, sha, sig, sh->key.id,
		sh->cf.encrypt ? "true" : "false", "recorded", paused != NULL ? paused : "[]",
		events != NULL ? events : "[]", meta != NULL ? meta : "{}",
	};
	cJSON *row = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(row, "params");
	for (int i = 0; i < INSERT_NPARAMS; i++)
		cJSON_AddItemToArray(arr, params[i] != NULL ? cJSON_CreateString(params[i]) :
		    cJSON_CreateNull());
	cJSON_AddStringToObject(row, "source", kind);
	if (jstr(m, "call_id"))
		cJSON_AddStringToObject(row, "sip_call_id", jstr(m, "call_id"));
	if (ext != NULL)
		cJSON_AddStringToObject(row, "extension", ext);
	if (start)
		cJSON_AddStringToObject(row, "start", start);
	cJSON *ev = cJSON_AddObjectToObject(row, "event");
	cJSON_AddStringToObject(ev, "file", rel);
	cJSON_AddStringToObject(ev, "end_reason", r->end_reason ? r->end_reason : "");
	cJSON_AddNumberToObject(ev, "packets", (double)r->packets);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t serial = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (sh->cf.dat_sidecar && write_dat(sh, dat_path, folder, m, serial) != 0)
		hs_log_error("recording.dat_failed", "file=%s err=%s", hs_logq(dat_path),
		    hs_logq(strerror(errno)));

	char qpath[1100], *text = cJSON_PrintUnformatted(row);
	snprintf(qpath, sizeof(qpath), "%s/%020lld-%s.json", sh->cf.pending_dir,
	    (long long)serial, sh->key.id);
	if (text == NULL || write_atomic(qpath, text) != 0) {
		/* No queue: try the database straight away; if that fails too, the row is lost
		 * but the file and its metadata are not (a rescan can rebuild it). */
		hs_log_error("recording.queue_failed", "file=%s err=%s", hs_logq(qpath),
		    hs_logq(strerror(errno)));
	} else {
		sh->queued++;
	}
	hs_log_info("recording.sealed", "file=%s size=%s encrypted=%d key_id=%s sha256=%s",
	    hs_logq(rel), size, sh->cf.encrypt, sh->key.id, sha);
	free(text);
	free(paused);
	free(events);
	free(meta);
	cJSON_Delete(row);
	cJSON_Delete(m);
	flush_queue(sh);
}

/* A call that was not recorded (mirror capture over recorder.mirror_max_calls, or its
 * recording could not be opened): a row without a file, queued and stored like the
 * others, so the grid shows the call and why. */
void
rec_shelf_refused(struct rec_shelf *sh, const struct rac_report *r)
{
	if (sh == NULL)
		return;
	char sid[16], start[40], end[40];
	snprintf(sid, sizeof(sid), "%d", sh->svc->server_id);
	rec_iso8601(r->start_us, start, sizeof(start));
	rec_iso8601(r->end_us > r->start_us ? r->end_us : r->start_us, end, sizeof(end));
	cJSON *meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, "call_id", r->call_id);
	cJSON_AddStringToObject(meta, "source", r->kind);
	cJSON_AddStringToObject(meta, "sip_address", r->source);
	cJSON_AddStringToObject(meta, "end_reason", r->end_reason ? r->end_reason : "");
	cJSON_AddStringToObject(meta, "reason", strcmp(r->status, "not_recorded_limit") == 0 ?
	    "limit" : "error");
	char *mtext = cJSON_PrintUnformatted(meta);
	const char *params[INSERT_NR_NPARAMS] = {
		sid, r->kind, r->call_id, r->extension[0] ? r->extension : NULL, start, end,
		r->status, mtext != NULL ? mtext : "{}",
	};
	cJSON *row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "kind", "not_recorded");
	cJSON *arr = cJSON_AddArrayToObject(row, "params");
	for (int i = 0; i < INSERT_NR_NPARAMS; i++)
		cJSON_AddItemToArray(arr, params[i] != NULL ? cJSON_CreateString(params[i]) :
		    cJSON_CreateNull());
	cJSON_AddStringToObject(row, "source", r->kind);
	cJSON_AddStringToObject(row, "sip_call_id", r->call_id);
	if (r->extension[0])
		cJSON_AddStringToObject(row, "extension", r->extension);
	cJSON_AddStringToObject(row, "start", start);
	cJSON_AddStringToObject(row, "status", r->status);
	cJSON *ev = cJSON_AddObjectToObject(row, "event");
	cJSON_AddStringToObject(ev, "status", r->status);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t serial = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	char qpath[1100], *text = cJSON_PrintUnformatted(row);
	snprintf(qpath, sizeof(qpath), "%s/%020lld-%s.json", sh->cf.pending_dir,
	    (long long)serial, sh->key.id);
	if (text == NULL || write_atomic(qpath, text) != 0)
		hs_log_error("recording.queue_failed", "file=%s err=%s", hs_logq(qpath),
		    hs_logq(strerror(errno)));
	else
		sh->queued++;
	free(text);
	free(mtext);
	cJSON_Delete(row);
	cJSON_Delete(meta);
	flush_queue(sh);
}

/* ---- life ---------------------------------------------------------------------------- */

struct rec_shelf *
rec_shelf_new(struct hs_svc *svc, const struct rec_shelf_conf *cf)
{
	char err[600];
	struct rec_shelf *sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		return NULL;
	sh->svc = svc;
	sh->cf = *cf;
	if (rec_key_load(cf->key_file, 1, &sh->key, err, sizeof(err)) != 0) {
		hs_log_error("config.invalid", "key=recorder.key_file err=%s", hs_logq(err));
		free(sh);
		return NULL;
	}
	if (mkdirs(cf->pending_dir, 0700) != 0) {
		hs_log_error("recording.queue_failed", "dir=%s err=%s", hs_logq(cf->pending_dir),
		    hs_logq(strerror(errno)));
		rec_key_clear(&sh->key);
		free(sh);
		return NULL;
	}
	if (hs_db_open(&sh->db, hs_conf_str(svc->conf, "db.conninfo"), svc->uv) != HS_OK ||
	    hs_db_prepare(sh->db, "rec_insert", insert_sql) != HS_OK ||
	    hs_db_prepare(sh->db, "rec_insert_nr", insert_nr_sql) != HS_OK ||
	    hs_db_prepare(sh->db, "rec_stored_event", stored_event_sql) != HS_OK ||
	    hs_db_prepare(sh->db, "rec_linked", linked_sql) != HS_OK) {
		hs_log_error("recording.db", "err=%s", hs_logq(sh->db ? hs_db_error(sh->db) : "open"));
		if (sh->db != NULL)
			hs_db_close(sh->db);
		rec_key_clear(&sh->key);
		free(sh);
		return NULL;
	}
	hs_log_info("recording.store", "root=%s key_id=%s encrypt=%d dat=%d retention_days=%d",
	    hs_logq(cf->root), sh->key.id, cf->encrypt, cf->dat_sidecar, cf->retention_days);
	uv_timer_init(svc->uv, &sh->retry);
	uv_timer_init(svc->uv, &sh->link);
	uv_timer_init(svc->uv, &sh->retention);
	sh->retry.data = sh->link.data = sh->retention.data = sh;
	flush_queue(sh); /* rows a previous run left, and the first connect */
	uv_timer_start(&sh->retry, on_retry, RETRY_MS, RETRY_MS);
	if (cf->link_interval_s > 0)
		uv_timer_start(&sh->link, on_link, (uint64_t)cf->link_interval_s * 1000,
		    (uint64_t)cf->link_interval_s * 1000);
	if (cf->retention_days > 0)
		uv_timer_start(&sh->retention, on_retention, RETENTION_FIRST_MS,
		    RETENTION_EVERY_MS);
	sh->archive = rec_archive_new(svc->uv, sh->db, svc->server_id, cf);
	return sh;
}

void
rec_shelf_health(struct rec_shelf *sh, cJSON *o)
{
	if (sh == NULL)
		return;
	cJSON *s = cJSON_AddObjectToObject(o, "store");
	cJSON_AddStringToObject(s, "key_id", sh->key.id);
	cJSON_AddBoolToObject(s, "encrypt", sh->cf.encrypt);
	cJSON_AddBoolToObject(s, "db_connected", sh->db != NULL && hs_db_connected(sh->db));
	cJSON_AddNumberToObject(s, "sealed", (double)sh->sealed);
	cJSON_AddNumberToObject(s, "seal_errors", (double)sh->seal_errors);
	cJSON_AddNumberToObject(s, "stored", (double)sh->stored);
	cJSON_AddNumberToObject(s, "pending", sh->pending);
	cJSON_AddNumberToObject(s, "linked", (double)sh->linked);
	cJSON_AddNumberToObject(s, "purged", (double)sh->purged);
	cJSON_AddNumberToObject(s, "discarded", (double)sh->discarded);
	rec_archive_health(sh->archive, s);
}

static void
on_closed(uv_handle_t *h)
{
	struct rec_shelf *sh = h->data;
	if (--sh->closing == 0)
		free(sh);
}

void
rec_shelf_free(struct rec_shelf *sh)
{
	if (sh == NULL)
		return;
	uv_timer_stop(&sh->retry);
	uv_timer_stop(&sh->link);
	uv_timer_stop(&sh->retention);
	rec_archive_free(sh->archive); /* before the connection it uses */
	sh->archive = NULL;
	hs_db_close(sh->db);
	sh->db = NULL;
	rec_key_clear(&sh->key);
	/* The timers live in sh: it is freed by the last of their close callbacks. */
	sh->closing = 3;
	uv_close((uv_handle_t *)&sh->retry, on_closed);
	uv_close((uv_handle_t *)&sh->link, on_closed);
	uv_close((uv_handle_t *)&sh->retention, on_closed);
}
