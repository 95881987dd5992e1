/*
 * archive.c - call archiving (manual: Call Archiving, Archive Locations): recordings are
 * moved from the recording root to every archive destination (recorder.archive_paths, at
 * most 5), keeping their relative path: <root>/<path> becomes <dir>/<path> in each dir,
 * with the JSON metadata and the DAT sidecar beside it.
 *
 * A sweep runs every recorder.archive_interval seconds (and right after start, so the
 * backlog goes as soon as archiving is enabled).  It takes up to BATCH rows of this server,
 * not deleted, not archived, whose call ended more than recorder.archive_delay_hours ago,
 * in id order.  Then, for each, nothing is lost at any step:
 *
 *   1. every destination is checked first (a folder, writable: a probe file is written,
 *      fsynced and removed).  One that is not: the whole batch waits (a recording goes to
 *      every destination or stays local), the error is logged once
 *      (recording.archive_dest_failed) and shown by health until it is fixed;
 *   2. the audio and its sidecars are copied to each destination (".tmp", fsync, rename,
 *      fsync of the folder), read back with the cache dropped and hashed; the audio's
 *      hash must equal the row's sha256, a sidecar's the local one's;
 *   3. only when every copy checked out: one UPDATE sets archived_at and archive_paths
 *      and writes the 'archived' recording_events row (migration 0006);
 *   4. then the local files are removed.  Stopped between 3 and 4: the local file stays
 *      beside its copies (readers look locally first; retention removes both).
 *
 * A row whose copy fails (local file missing, hash mismatch: the file was changed) keeps
 * its local file and is logged (recording.archive_failed); the sweep goes on with the
 * next ids, and comes back to it at the next pass (the cursor starts over when a batch is
 * not full), so one bad file does not hold up the others.
 *
 * Threads: steps 1-2 run in libuv's thread pool (uv_queue_work).  An hour of WAV is
 * 58 MB, written to up to five destinations (network shares in the manual) and read back:
 * seconds, and a share that hangs can block a stat() for as long as its mount allows; the
 * loop meanwhile answers the bus and takes finished calls.  The worker touches only the
 * batch (items, dest_err) and the files; the database (steps 3-4 and the query before)
 * stays on the loop, where the shelf's connection lives.  One batch is in flight at a
 * time; libuv's after_work callback orders the worker's writes before the loop's reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <uv.h>

#include "db.h"
#include "log.h"
#include "store.h"

#define FIRST_MS 1000          /* the first sweep after start: the backlog */
#define NEXT_BATCH_MS 10       /* a full batch: the next one at once */
#define BATCH 20
#define ERR_LEN 400
#define QUIET_IDS 64           /* failed rows already logged */

static const char *const due_sql =
    "SELECT id, path, encode(sha256, 'hex') FROM recordings"
    " WHERE server_id = $1::smallint AND archived_at IS NULL AND deleted_at IS NULL"
    " AND path IS NOT NULL"
    " AND id > $2::bigint AND end_ts < now() - make_interval(hours => $3::int)"
    " ORDER BY id LIMIT $4::int";

static const char *const backlog_sql =
    "SELECT count(*) FROM recordings"
    " WHERE server_id = $1::smallint AND archived_at IS NULL AND deleted_at IS NULL"
    " AND path IS NOT NULL"
    " AND end_ts < now() - make_interval(hours => $2::int)";

/* The row is marked only while it is still live and local: a purge that ran during the
 * copy wins (no row: the copies just made are removed again). */
static const char *const archived_sql =
    "WITH u AS (UPDATE recordings SET archived_at = now(), archive_paths = ARRAY("
    "  SELECT e FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS t(e, n)"
    "  ORDER BY n)"
    " WHERE id = $1::bigint AND archived_at IS NULL AND deleted_at IS NULL"
    " RETURNING id, path)"
    " INSERT INTO recording_events (recording_id, action, actor, details)"
    " SELECT id, 'archived', 'recorder', jsonb_build_object('path', path,"
    "  'archive_paths', $2::jsonb, 'delay_hours', $3::int) FROM u"
    " RETURNING recording_id";

struct arch_item {
	char id[24];
	char rel[700];
	uint8_t sha[REC_SHA256_LEN];
	int ok;                /* every copy written and checked (worker) */
	char err[ERR_LEN];     /* why not (worker) */
};

struct rec_archive {
	uv_loop_t *uv;
	hs_db *db;
	int server_id;
	char root[512];
	char dirs[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN];
	int ndirs;
	int delay_h, interval_s;
	char off_reason[ERR_LEN]; /* set: misconfigured, no sweeps */
	uv_timer_t timer;
	uv_work_t work;
	int busy;              /* a batch is with the thread pool */
	int stopping, timer_closed;
	atomic_int stop;       /* the worker abandons the batch at its next file */
	long long cursor;      /* highest id of this pass */
	int more;              /* the batch was full: more are due */
	/* the batch: written by the loop before the work, by the worker during it */
	struct arch_item items[BATCH];
	int nitems;
	char w_dest_err[REC_ARCHIVE_MAX][ERR_LEN];
	/* the loop's view */
	char dest_err[REC_ARCHIVE_MAX][ERR_LEN];
	int dest_checked;
	uint64_t archived, failed, sweeps;
	long long backlog;     /* due rows at the start of the last pass, -1 unknown */
	char last_error[ERR_LEN];
	long long quiet[QUIET_IDS]; /* rows whose failure was logged: not again each pass */
	unsigned nquiet;
};

/* ---- files (pure: also used by archive_test.c) ---------------------------------------- */

int
rec_archive_parse(const char *list, char dirs[][REC_ARCHIVE_PATH_LEN], char *err,
    size_t errlen)
{
	int n = 0;
	const char *p = list != NULL ? list : "";

	while (*p) {
		const char *e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		const char *a = p, *b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		while (b - a > 1 && b[-1] == '/')
			b--;
		p = *e ? e + 1 : e;
		if (a == b)
			continue;
		if (*a != '/') {
			snprintf(err, errlen, "'%.*s' is not an absolute path", (int)(b - a), a);
			return -1;
		}
		if (b - a >= REC_ARCHIVE_PATH_LEN - 1) {
			snprintf(err, errlen, "a path is longer than %d characters",
			    REC_ARCHIVE_PATH_LEN - 2);
			return -1;
		}
		if (n == REC_ARCHIVE_MAX) {
			snprintf(err, errlen, "at most %d archive destinations", REC_ARCHIVE_MAX);
			return -1;
		}
		snprintf(dirs[n], REC_ARCHIVE_PATH_LEN, "%.*s", (int)(b - a), a);
		for (int i = 0; i < n; i++)
			if (strcmp(dirs[i], dirs[n]) == 0) {
				snprintf(err, errlen, "'%s' is named twice", dirs[n]);
				return -1;
			}
		n++;
	}
	return n;
}

int
rec_archive_check_dest(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char probe[REC_ARCHIVE_PATH_LEN + 64];

	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a folder", dir);
		return -1;
	}
	snprintf(probe, sizeof(probe), "%s/.hookswitch-archive-probe.%ld", dir, (long)getpid());
	int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", dir, strerror(errno));
		return -1;
	}
	int ok = write(fd, "probe\n", 6) == 6 && fsync(fd) == 0;
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = 0;
		e = errno;
	}
	unlink(probe);
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write: %s", dir, strerror(e));
		return -1;
	}
	return 0;
}

static int
mkparents(const char *path, mode_t mode)
{
	char p[1400];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

/* SHA-256 of what is on disk: the file's cached pages are dropped first (they are clean
 * after its fsync), so the bytes come back from the storage, not from what we wrote. */
static int
hash_file(const char *path, uint8_t sha[REC_SHA256_LEN], char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(REC_STORE_CHUNK);
	int rv = -1;
	if (md == NULL || buf == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf, REC_STORE_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)r);
	}
	unsigned int len = 0;
	EVP_DigestFinal_ex(md, sha, &len);
	rv = len == REC_SHA256_LEN ? 0 : -1;
out:
	free(buf);
	EVP_MD_CTX_free(md);
	close(fd);
	return rv;
}

static int
write_all(int fd, const unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
rec_archive_copy(const char *src, const char *dst, uint8_t sha[REC_SHA256_LEN], char *err,
    size_t errlen)
{
	char tmp[1400], dir[1400];
	struct stat ss, ds;
	unsigned char *buf = NULL;
	int in = -1, out = -1, rv = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &ss) != 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto out;
	}
	/* A destination that resolves to the source (the recording root named as an archive
	 * path, a bind mount) would be "copied" onto itself and then deleted. */
	if (stat(dst, &ds) == 0 && ds.st_dev == ss.st_dev && ds.st_ino == ss.st_ino) {
		snprintf(err, errlen, "%s: is the source file itself", dst);
		goto out;
	}
	if (mkparents(dst, 0750) != 0 ||
	    (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((buf = malloc(REC_STORE_CHUNK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r = read(in, buf, REC_STORE_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", src, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (write_all(out, buf, (size_t)r) != 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (fsync(out) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	int c = close(out);
	out = -1;
	if (c != 0 || rename(tmp, dst) != 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto out;
	}
	/* The rename is durable only once the folder is. */
	snprintf(dir, sizeof(dir), "%s", dst);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir)
		*slash = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	rv = hash_file(dst, sha, err, errlen);
out:
	free(buf);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rv != 0)
		unlink(tmp);
	return rv;
}

/* ---- the worker (thread pool) ---------------------------------------------------------- */

/* Copies one recording (audio, .json, .dat) to every destination and checks the copies. */
static void
copy_item(struct rec_archive *a, struct arch_item *it)
{
	char src[1400], dst[1400], base[1024], side[1100];
	uint8_t sha[REC_SHA256_LEN], want[REC_SHA256_LEN];
	const char *ext[2] = { ".json", ".dat" };
	int have[2];
	struct stat st;

	rec_side_base(it->rel, base, sizeof(base));
	for (int s = 0; s < 2; s++) {
		snprintf(src, sizeof(src), "%s/%s%s", a->root, base, ext[s]);
		have[s] = stat(src, &st) == 0;
	}
	snprintf(src, sizeof(src), "%s/%s", a->root, it->rel);
	for (int d = 0; d < a->ndirs; d++) {
		if (atomic_load(&a->stop)) {
			snprintf(it->err, ERR_LEN, "stopping");
			return;
		}
		snprintf(dst, sizeof(dst), "%s/%s", a->dirs[d], it->rel);
		if (rec_archive_copy(src, dst, sha, it->err, ERR_LEN) != 0)
			return;
		if (memcmp(sha, it->sha, REC_SHA256_LEN) != 0) {
			snprintf(it->err, ERR_LEN, "%s: the copy's sha256 differs from the row's "
			    "(the local file was changed?)", dst);
			return;
		}
		for (int s = 0; s < 2; s++) {
			if (!have[s])
				continue;
			snprintf(side, sizeof(side), "%s/%s%s", a->root, base, ext[s]);
			if (hash_file(side, want, it->err, ERR_LEN) != 0)
				return;
			snprintf(dst, sizeof(dst), "%s/%s%s", a->dirs[d], base, ext[s]);
			if (rec_archive_copy(side, dst, sha, it->err, ERR_LEN) != 0)
				return;
			if (memcmp(sha, want, REC_SHA256_LEN) != 0) {
				snprintf(it->err, ERR_LEN, "%s: the copy differs from %s", dst, side);
				return;
			}
		}
	}
	it->ok = 1;
}

/* Unlinks copy unless it is the very file local is (a destination that resolves to the
 * recording root: the copy was refused, and this would be the original). */
static void
unlink_copy(const char *copy, const char *local)
{
	struct stat cs, ls;

	if (stat(copy, &cs) != 0)
		return;
	if (stat(local, &ls) == 0 && cs.st_dev == ls.st_dev && cs.st_ino == ls.st_ino)
		return;
	unlink(copy);
}

/* Removes what copy_item wrote of rel (worker side: no logging). */
static void
remove_copies(const struct rec_archive *a, const char *rel)
{
	char p[1400], l[1400], base[1024];
	const char *ext[2] = { ".json", ".dat" };

	rec_side_base(rel, base, sizeof(base));
	for (int d = 0; d < a->ndirs; d++) {
		snprintf(p, sizeof(p), "%s/%s", a->dirs[d], rel);
		snprintf(l, sizeof(l), "%s/%s", a->root, rel);
		unlink_copy(p, l);
		for (int s = 0; s < 2; s++) {
			snprintf(p, sizeof(p), "%s/%s%s", a->dirs[d], base, ext[s]);
			snprintf(l, sizeof(l), "%s/%s%s", a->root, base, ext[s]);
			unlink_copy(p, l);
		}
	}
}

static void
work_cb(uv_work_t *w)
{
	struct rec_archive *a = w->data;
	int bad = -1;

	for (int d = 0; d < a->ndirs; d++) {
		a->w_dest_err[d][0] = 0;
		if (rec_archive_check_dest(a->dirs[d], a->w_dest_err[d], ERR_LEN) != 0 && bad < 0)
			bad = d;
	}
	for (int i = 0; i < a->nitems; i++) {
		struct arch_item *it = &a->items[i];
		if (bad >= 0) {
			snprintf(it->err, ERR_LEN, "destination %s", a->w_dest_err[bad]);
			continue;
		}
		if (atomic_load(&a->stop))
			break;
		copy_item(a, it);
		/* on every destination or on none: a failure takes back the copies made */
		if (!it->ok)
			remove_copies(a, it->rel);
	}
	/* Stopping: no row of this batch will be marked, so its copies are nobody's. */
	if (atomic_load(&a->stop))
		for (int i = 0; i < a->nitems; i++)
			remove_copies(a, a->items[i].rel);
}

/* ---- the loop -------------------------------------------------------------------------- */

static void on_timer(uv_timer_t *t);

static void
maybe_free(struct rec_archive *a)
{
	if (a->timer_closed && !a->busy)
		free(a);
}

static void
unlink_local(const char *root, const char *rel)
{
	char p[1400], base[1024];

	rec_side_base(rel, base, sizeof(base));
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (unlink(p) != 0 && errno != ENOENT)
		hs_log_error("recording.archive_unlink_failed", "file=%s err=%s", hs_logq(p),
		    hs_logq(strerror(errno)));
	snprintf(p, sizeof(p), "%s/%s.json", root, base);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s.dat", root, base);
	unlink(p);
}

/* 1 when row id's failure was logged already (a changed file fails every pass until
 * someone looks: once in the log is enough; health keeps the last error). */
static int
logged_before(struct rec_archive *a, long long id)
{
	for (unsigned i = 0; i < QUIET_IDS && i < a->nquiet; i++)
		if (a->quiet[i] == id)
			return 1;
	a->quiet[a->nquiet++ % QUIET_IDS] = id;
	return 0;
}

/* Logs a destination's change of state (once, not at every sweep). */
static void
note_dests(struct rec_archive *a)
{
	for (int d = 0; d < a->ndirs; d++) {
		const char *now = a->w_dest_err[d];
		if (strcmp(now, a->dest_err[d]) != 0 || !a->dest_checked) {
			if (*now)
				hs_log_error("recording.archive_dest_failed", "dir=%s err=%s note=%s",
				    hs_logq(a->dirs[d]), hs_logq(now), hs_logq("recordings stay "
				    "on the local disk until every archive destination can be written"));
			else if (a->dest_checked)
				hs_log_info("recording.archive_dest_ok", "dir=%s", hs_logq(a->dirs[d]));
		}
		snprintf(a->dest_err[d], ERR_LEN, "%s", now);
	}
	a->dest_checked = 1;
}

static void
after_work_cb(uv_work_t *w, int status)
{
	struct rec_archive *a = w->data;
	int failures = 0;

	a->busy = 0;
	if (a->stopping || status != 0) {
		maybe_free(a);
		return;
	}
	note_dests(a);
	cJSON *arr = cJSON_CreateArray();
	for (int d = 0; d < a->ndirs; d++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(a->dirs[d]));
	char *dirs = cJSON_PrintUnformatted(arr), delay[16];
	cJSON_Delete(arr);
	snprintf(delay, sizeof(delay), "%d", a->delay_h);
	for (int i = 0; i < a->nitems; i++) {
		struct arch_item *it = &a->items[i];
		if (!it->ok) {
			failures++;
			snprintf(a->last_error, sizeof(a->last_error), "recording %s: %s", it->id,
			    it->err);
			/* a destination's failure was logged once, above */
			if (strncmp(it->err, "destination ", 12) != 0 &&
			    strcmp(it->err, "stopping") != 0 && !logged_before(a, atoll(it->id))) {
				a->failed++;
				hs_log_error("recording.archive_failed", "id=%s path=%s err=%s note=%s",
				    it->id, hs_logq(it->rel), hs_logq(it->err),
				    hs_logq("the local file is kept"));
			}
			continue;
		}
		const char *p[3] = { it->id, dirs != NULL ? dirs : "[]", delay };
		PGresult *res = NULL;
		if (hs_db_exec(a->db, "rec_arch_mark", 3, p, &res) != HS_OK) {
			/* The copies stay (the next sweep writes them again), the local file too. */
			failures++;
			snprintf(a->last_error, sizeof(a->last_error), "recording %s: %s", it->id,
			    hs_db_error(a->db));
			hs_log_warn("recording.db_failed", "id=%s err=%s", it->id,
			    hs_logq(hs_db_error(a->db)));
			PQclear(res);
			continue;
		}
		int marked = PQntuples(res) == 1;
		PQclear(res);
		if (!marked) {
			/* purged (or archived by someone else) while we copied: our copies are
			 * nobody's */
			remove_copies(a, it->rel);
			hs_log_info("recording.archive_skipped", "id=%s path=%s note=%s", it->id,
			    hs_logq(it->rel), hs_logq("deleted or archived meanwhile"));
			continue;
		}
		unlink_local(a->root, it->rel);
		a->archived++;
		hs_log_info("recording.archived", "id=%s path=%s to=%s", it->id, hs_logq(it->rel),
		    hs_logq(dirs));
	}
	free(dirs);
	/* A full batch that went well: the backlog goes on at once.  Otherwise the next
	 * interval goes on after this batch (a full one) or starts the next pass. */
	if (!a->more)
		a->cursor = 0;
	else if (failures == 0)
		uv_timer_start(&a->timer, on_timer, NEXT_BATCH_MS,
		    (uint64_t)a->interval_s * 1000);
}

static void
on_timer(uv_timer_t *t)
{
	struct rec_archive *a = t->data;
	char sid[16], cur[32], delay[16], lim[16];
	PGresult *res = NULL;

	if (a->busy || a->stopping || a->db == NULL || !hs_db_connected(a->db))
		return;
	snprintf(sid, sizeof(sid), "%d", a->server_id);
	snprintf(cur, sizeof(cur), "%lld", a->cursor);
	snprintf(delay, sizeof(delay), "%d", a->delay_h);
	snprintf(lim, sizeof(lim), "%d", BATCH);
	if (a->cursor == 0) {
		const char *q[2] = { sid, delay };
		if (hs_db_exec(a->db, "rec_arch_backlog", 2, q, &res) == HS_OK &&
		    PQntuples(res) == 1)
			a->backlog = atoll(PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
	}
	const char *p[4] = { sid, cur, delay, lim };
	if (hs_db_exec(a->db, "rec_arch_due", 4, p, &res) != HS_OK) {
		hs_log_warn("recording.db_failed", "query=archive err=%s",
		    hs_logq(hs_db_error(a->db)));
		PQclear(res);
		return;
	}
	a->nitems = 0;
	for (int i = 0; i < PQntuples(res) && a->nitems < BATCH; i++) {
		struct arch_item *it = &a->items[a->nitems];
		memset(it, 0, sizeof(*it));
		snprintf(it->id, sizeof(it->id), "%s", PQgetvalue(res, i, 0));
		snprintf(it->rel, sizeof(it->rel), "%s", PQgetvalue(res, i, 1));
		if (rec_unhex(PQgetvalue(res, i, 2), it->sha, REC_SHA256_LEN) != 0)
			continue;
		a->nitems++;
	}
	a->more = PQntuples(res) == BATCH;
	if (a->more)
		a->cursor = atoll(PQgetvalue(res, PQntuples(res) - 1, 0));
	PQclear(res);
	/* Even with nothing due the destinations are checked: health and the log tell of a
	 * share that went away before a recording needs it. */
	a->sweeps++;
	a->busy = 1;
	a->work.data = a;
	if (uv_queue_work(a->uv, &a->work, work_cb, after_work_cb) != 0)
		a->busy = 0;
}

/* ---- life ------------------------------------------------------------------------------ */

struct rec_archive *
rec_archive_new(uv_loop_t *uv, hs_db *db, int server_id, const struct rec_shelf_conf *cf)
{
	if (cf->narchive <= 0)
		return NULL;
	struct rec_archive *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->uv = uv;
	a->db = db;
	a->server_id = server_id;
	a->delay_h = cf->archive_delay_h;
	a->interval_s = cf->archive_interval_s > 0 ? cf->archive_interval_s : 60;
	a->backlog = -1;
	snprintf(a->root, sizeof(a->root), "%s", cf->root);
	char rroot[4096], rdir[4096];
	if (realpath(cf->root, rroot) == NULL)  /* not made yet */
		snprintf(rroot, sizeof(rroot), "%s", cf->root);
	for (int d = 0; d < cf->narchive && d < REC_ARCHIVE_MAX; d++) {
		snprintf(a->dirs[d], sizeof(a->dirs[d]), "%s", cf->archive_paths[d]);
		/* The recording root as its own archive: every file would be "moved" onto itself
		 * and removed.  (rec_archive_copy also refuses a copy onto its source, for a
		 * bind mount or a root that appears later.) */
		if (strcmp(a->dirs[d], a->root) == 0 || strcmp(a->dirs[d], rroot) == 0 ||
		    (realpath(a->dirs[d], rdir) != NULL && strcmp(rdir, rroot) == 0))
			snprintf(a->off_reason, sizeof(a->off_reason), "%s is the recording root "
			    "(recorder.path)", a->dirs[d]);
	}
	a->ndirs = cf->narchive < REC_ARCHIVE_MAX ? cf->narchive : REC_ARCHIVE_MAX;
	if (hs_db_prepare(db, "rec_arch_due", due_sql) != HS_OK ||
	    hs_db_prepare(db, "rec_arch_backlog", backlog_sql) != HS_OK ||
	    hs_db_prepare(db, "rec_arch_mark", archived_sql) != HS_OK)
		snprintf(a->off_reason, sizeof(a->off_reason), "%s", hs_db_error(db));
	uv_timer_init(uv, &a->timer);
	a->timer.data = a;
	if (a->off_reason[0]) {
		hs_log_error("config.invalid", "key=recorder.archive_paths err=%s note=%s",
		    hs_logq(a->off_reason), hs_logq("archiving is off"));
		return a;
	}
	cJSON *arr = cJSON_CreateArray();
	for (int d = 0; d < a->ndirs; d++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(a->dirs[d]));
	char *dirs = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	hs_log_info("recording.archive", "to=%s delay_hours=%d interval_s=%d",
	    hs_logq(dirs != NULL ? dirs : ""), a->delay_h, a->interval_s);
	free(dirs);
	uv_timer_start(&a->timer, on_timer, FIRST_MS, (uint64_t)a->interval_s * 1000);
	return a;
}

void
rec_archive_health(struct rec_archive *a, cJSON *o)
{
	cJSON *h = cJSON_AddObjectToObject(o, "archive");

	cJSON_AddBoolToObject(h, "enabled", a != NULL && !a->off_reason[0]);
	if (a == NULL)
		return;
	if (a->off_reason[0])
		cJSON_AddStringToObject(h, "error", a->off_reason);
	cJSON_AddNumberToObject(h, "delay_hours", a->delay_h);
	cJSON_AddNumberToObject(h, "interval_s", a->interval_s);
	cJSON_AddNumberToObject(h, "archived", (double)a->archived);
	cJSON_AddNumberToObject(h, "failed", (double)a->failed);
	cJSON_AddNumberToObject(h, "sweeps", (double)a->sweeps);
	if (a->backlog >= 0)
		cJSON_AddNumberToObject(h, "backlog", (double)a->backlog);
	else
		cJSON_AddNullToObject(h, "backlog");
	cJSON_AddBoolToObject(h, "busy", a->busy);
	cJSON_AddStringToObject(h, "last_error", a->last_error);
	cJSON *ds = cJSON_AddArrayToObject(h, "destinations");
	for (int d = 0; d < a->ndirs; d++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "path", a->dirs[d]);
		if (!a->dest_checked)
			cJSON_AddNullToObject(x, "ok");
		else
			cJSON_AddBoolToObject(x, "ok", a->dest_err[d][0] == 0);
		if (a->dest_err[d][0])
			cJSON_AddStringToObject(x, "error", a->dest_err[d]);
		cJSON_AddItemToArray(ds, x);
	}
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct rec_archive *a = h->data;
	a->timer_closed = 1;
	maybe_free(a);
}

void
rec_archive_free(struct rec_archive *a)
{
	if (a == NULL)
		return;
	a->stopping = 1;
	a->db = NULL;
	atomic_store(&a->stop, 1);
	uv_timer_stop(&a->timer);
	uv_close((uv_handle_t *)&a->timer, on_timer_closed);
	/* Not started yet: cancelled (after_work_cb gets UV_ECANCELED); running: it stops at
	 * its next file and after_work_cb frees. */
	if (a->busy)
		uv_cancel((uv_req_t *)&a->work);
}
