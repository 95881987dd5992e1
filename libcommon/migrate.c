/*
 * migrate.c - versioned schema migrations (see migrate.h for the contract).
 *
 * The directory is the source of truth for what should exist, schema_version for what does.
 * Each pending file is applied in its own transaction that first takes a transaction-scoped
 * advisory lock and then checks schema_version again, because the watchdogs of several
 * servers sharing the database may start together: the loser of the race waits on the lock,
 * then finds the row and skips the file.  The file text goes to the server as one simple
 * query (several statements are fine) so libpq's "LINE n" in an error is the file's line n.
 * The checksum recorded is of the very text that ran.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "loop.h"
#include "migrate.h"

/* "HookMigr": any fixed key, shared by every Hookswitch version that migrates. */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(x'486f6f6b4d696772'::bigint)"

#define SCHEMA_VERSION_SQL                                                             \
	"CREATE TABLE IF NOT EXISTS schema_version (\n"                                \
	"    version    integer PRIMARY KEY,\n"                                        \
	"    name       text NOT NULL,\n"                                              \
	"    sha256     text NOT NULL,\n"                                              \
	"    applied_at timestamptz NOT NULL DEFAULT now(),\n"                         \
	"    applied_by text NOT NULL DEFAULT current_user\n"                          \
	")"

#define MIGRATE_MAX_FILE (64 * 1024 * 1024)

static void
setmsg(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
setmsg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/*
 * Condenses a libpq error for a one-line message: the first line, then the "LINE n: ..."
 * context and the DETAIL line if present, joined by "; ".  The caret line is dropped: it
 * means nothing once the lines are joined.
 */
static void
summarize(const char *err, char *out, size_t outlen)
{
	const char *line = err;
	size_t o = 0;
	bool first = true;

	out[0] = '\0';
	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if (first || strncmp(line, "LINE ", 5) == 0 ||
		    strncmp(line, "DETAIL:", 7) == 0) {
			int n = snprintf(out + o, outlen - o, "%s%.*s", first ? "" : "; ",
			    (int)len, line);
			if (n < 0 || (size_t)n >= outlen - o)
				return;
			o += (size_t)n;
			first = false;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
}

/* ---- files ------------------------------------------------------------------------------ */

/* ^[0-9]+_[a-z0-9_]+\.sql$ */
static bool
valid_file_name(const char *s)
{
	const char *p = s;
	size_t len = strlen(s);

	if (len < 4 || strcmp(s + len - 4, ".sql") != 0)
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s || *p++ != '_')
		return false;
	if (p == s + len - 4)
		return false;
	for (; p < s + len - 4; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return false;
	return true;
}

static hs_err
read_file(const char *path, char **textp, size_t *lenp)
{
	struct stat sb;
	char *text;
	size_t len = 0;
	int fd, e;

	*textp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hs_err_from_errno(errno);
	if (fstat(fd, &sb) < 0) {
		e = errno;
		close(fd);
		return hs_err_from_errno(e);
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > MIGRATE_MAX_FILE) {
		close(fd);
		return HS_EINVAL; /* a directory, a fifo, or absurdly large */
	}
	if ((text = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return HS_ENOMEM;
	}
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, text + len, (size_t)sb.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO; /* shrank while we read it */
			free(text);
			close(fd);
			return hs_err_from_errno(e);
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	*textp = text;
	*lenp = len;
	return HS_OK;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		/* Only a broken libcrypto gets here; a wrong sum just shows as "changed". */
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* Reads a file and checks it can be sent as one query. */
static hs_err
load_migration(const struct hs_migration *m, char **textp, size_t *lenp, char *msg,
    size_t msglen)
{
	hs_err err;

	if ((err = read_file(m->path, textp, lenp)) != HS_OK) {
		setmsg(msg, msglen, "%s: cannot read: %s", base_name(m->path),
		    hs_strerror(err));
		return err;
	}
	if (memchr(*textp, '\0', *lenp) != NULL) {
		setmsg(msg, msglen, "%s: contains a NUL byte", base_name(m->path));
		free(*textp);
		*textp = NULL;
		return HS_ECONFIG;
	}
	return HS_OK;
}

static int
cmp_migration(const void *a, const void *b)
{
	const struct hs_migration *x = a, *y = b;

	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * Lists the migration files of dir, sorted, with checksums.  Names that do not start with
 * a digit (README.md, .gitkeep) are not migrations; a name that starts with one but is not
 * NNNN_name.sql is a mistake worth stopping for (0003_x.SQL, 12x.sql, an editor's backup).
 */
static hs_err
scan_dir(const char *dir, struct hs_migration **listp, size_t *countp, char *msg,
    size_t msglen)
{
	struct hs_migration *list = NULL, *m;
	size_t count = 0, cap = 0;
	struct dirent *de;
	hs_err err = HS_OK;
	DIR *d;

	*listp = NULL;
	*countp = 0;
	if ((d = opendir(dir)) == NULL) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR) {
			setmsg(msg, msglen, "%s: no such directory", dir);
			return HS_ENOTFOUND;
		}
		setmsg(msg, msglen, "%s: %s", dir, strerror(e));
		return hs_err_from_errno(e);
	}
	while ((de = readdir(d)) != NULL) {
		const char *fn = de->d_name;
		unsigned long v;
		char *end;

		if (!isdigit((unsigned char)fn[0]))
			continue;
		if (!valid_file_name(fn)) {
			setmsg(msg, msglen, "%s: a migration file name must be NNNN_name.sql "
			    "(digits, underscore, then a-z 0-9 _)", fn);
			err = HS_ECONFIG;
			break;
		}
		errno = 0;
		v = strtoul(fn, &end, 10);
		if (v == 0 || v > INT_MAX || errno != 0) {
			setmsg(msg, msglen, "%s: version must be 1..%d", fn, INT_MAX);
			err = HS_ECONFIG;
			break;
		}
		if (count == cap) {
			size_t ncap = cap != 0 ? cap * 2 : 16;
			struct hs_migration *nl = realloc(list, ncap * sizeof(*list));

			if (nl == NULL) {
				err = HS_ENOMEM;
				break;
			}
			list = nl;
			cap = ncap;
		}
		m = &list[count];
		memset(m, 0, sizeof(*m));
		m->version = (int)v;
		/* end points at '_', the name runs to ".sql" */
		if ((size_t)snprintf(m->name, sizeof(m->name), "%.*s",
		    (int)(strlen(end + 1) - 4), end + 1) >= sizeof(m->name) ||
		    (size_t)snprintf(m->path, sizeof(m->path), "%s/%s", dir, fn) >=
		    sizeof(m->path)) {
			setmsg(msg, msglen, "%s: name too long", fn);
			err = HS_ECONFIG;
			break;
		}
		count++;
	}
	closedir(d);
	if (err != HS_OK)
		goto fail;

	qsort(list, count, sizeof(*list), cmp_migration);
	for (size_t i = 1; i < count; i++) {
		if (list[i].version == list[i - 1].version) {
			setmsg(msg, msglen, "%s and %s: duplicate version %d",
			    base_name(list[i - 1].path), base_name(list[i].path),
			    list[i].version);
			err = HS_ECONFIG;
			goto fail;
		}
	}
	for (size_t i = 0; i < count; i++) {
		char *text;
		size_t len;

		if ((err = load_migration(&list[i], &text, &len, msg, msglen)) != HS_OK)
			goto fail;
		sha256_hex(text, len, list[i].sha256);
		free(text);
	}
	*listp = list;
	*countp = count;
	return HS_OK;
fail:
	free(list);
	return err;
}

/* ---- database --------------------------------------------------------------------------- */

/* Rows of schema_version (version, name, sha256, applied_at), or *res NULL if no table. */
static hs_err
read_applied(hs_db *db, PGresult **res, char *msg, size_t msglen)
{
	PGresult *r;
	bool exists;
	char e[512];

	*res = NULL;
	if (hs_db_exec_sql(db, "SELECT to_regclass('schema_version') IS NOT NULL", &r) !=
	    HS_OK)
		goto fail;
	exists = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!exists)
		return HS_OK;
	if (hs_db_exec_sql(db,
	    "SELECT version, name, sha256,"
	    " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	    " FROM schema_version ORDER BY version", res) != HS_OK)
		goto fail;
	return HS_OK;
fail:
	summarize(hs_db_error(db), e, sizeof(e));
	setmsg(msg, msglen, "schema_version: %s", e);
	return HS_EDB;
}

hs_err
hs_migrate_status(hs_db *db, const char *dir, struct hs_migrate_status *st, char *msg,
    size_t msglen)
{
	struct hs_migration *list;
	PGresult *r;
	size_t count, nfiles;
	hs_err err;
	int rows;

	setmsg(msg, msglen, "%s", "");
	if (st == NULL)
		return HS_EINVAL;
	memset(st, 0, sizeof(*st));
	if (db == NULL || dir == NULL)
		return HS_EINVAL;
	if ((err = scan_dir(dir, &list, &count, msg, msglen)) != HS_OK)
		return err;
	if ((err = read_applied(db, &r, msg, msglen)) != HS_OK) {
		free(list);
		return err;
	}
	nfiles = count;
	rows = r != NULL ? PQntuples(r) : 0;
	if (rows > 0) {
		size_t n = count + (size_t)rows;
		struct hs_migration *nl = realloc(list, n * sizeof(*list));

		if (nl == NULL) {
			PQclear(r);
			free(list);
			return HS_ENOMEM;
		}
		list = nl;
	}
	for (int i = 0; i < rows; i++) {
		int version = atoi(PQgetvalue(r, i, 0));
		struct hs_migration *m = NULL;

		for (size_t j = 0; j < nfiles; j++)
			if (list[j].version == version)
				m = &list[j];
		if (m == NULL) {
			/* applied by a newer release: known only from the table */
			m = &list[count++];
			memset(m, 0, sizeof(*m));
			m->version = version;
			snprintf(m->name, sizeof(m->name), "%s", PQgetvalue(r, i, 1));
			snprintf(m->sha256, sizeof(m->sha256), "%s", PQgetvalue(r, i, 2));
		} else {
			m->changed = strcmp(m->sha256, PQgetvalue(r, i, 2)) != 0;
		}
		m->applied = 1;
		snprintf(m->applied_at, sizeof(m->applied_at), "%s", PQgetvalue(r, i, 3));
		if (version > st->current)
			st->current = version;
	}
	PQclear(r);
	qsort(list, count, sizeof(*list), cmp_migration);
	for (size_t i = 0; i < count; i++) {
		if (list[i].path[0] == '\0')
			continue;
		if (list[i].version > st->latest)
			st->latest = list[i].version;
		if (!list[i].applied)
			st->pending++;
	}
	st->list = list;
	st->count = count;
	return HS_OK;
}

void
hs_migrate_status_free(struct hs_migrate_status *st)
{
	if (st == NULL)
		return;
	free(st->list);
	memset(st, 0, sizeof(*st));
}

/*
 * A parameterised query on the raw connection.  hs_db runs only registered statements with
 * parameters, and schema_version may not exist when a statement would be registered.
 */
static hs_err
exec_params(hs_db *db, const char *sql, int n, const char *const *params, PGresult **res,
    char *e, size_t elen)
{
	PGconn *c = hs_db_conn(db);
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	*res = NULL;
	if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK) {
		*res = r;
		return HS_OK;
	}
	if (r != NULL)
		snprintf(e, elen, "%s: %s",
		    PQresultErrorField(r, PG_DIAG_SEVERITY) != NULL ?
		    PQresultErrorField(r, PG_DIAG_SEVERITY) : "ERROR",
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != NULL ?
		    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : PQresultErrorMessage(r));
	else
		summarize(PQerrorMessage(c), e, elen);
	PQclear(r);
	return HS_EDB;
}

/* Applies m unless another server did meanwhile; *did tells which. */
static hs_err
apply_one(hs_db *db, const struct hs_migration *m, bool *did, char *msg, size_t msglen)
{
	const char *file = base_name(m->path);
	char version[16], sha[65], e[1024];
	const char *params[3] = { version, m->name, sha };
	long long t0 = hs_mono_ms();
	PGresult *r;
	char *text;
	size_t len;
	hs_err err;

	*did = false;
	if ((err = load_migration(m, &text, &len, msg, msglen)) != HS_OK)
		return err;
	sha256_hex(text, len, sha);
	snprintf(version, sizeof(version), "%d", m->version);

	if ((err = hs_db_begin(db)) != HS_OK ||
	    (err = hs_db_exec_sql(db, MIGRATE_LOCK_SQL, NULL)) != HS_OK ||
	    (err = hs_db_exec_sql(db, SCHEMA_VERSION_SQL, NULL)) != HS_OK)
		goto dberr;
	if ((err = exec_params(db, "SELECT 1 FROM schema_version WHERE version = $1", 1,
	    params, &r, e, sizeof(e))) != HS_OK)
		goto fail;
	if (PQntuples(r) > 0) {
		PQclear(r);
		hs_db_rollback(db);
		free(text);
		hs_log_info("migrate.skipped", "version=%d name=%s reason=applied_meanwhile",
		    m->version, m->name);
		return HS_OK;
	}
	PQclear(r);
	if ((err = hs_db_exec_sql(db, text, NULL)) != HS_OK)
		goto dberr;
	if (PQtransactionStatus(hs_db_conn(db)) != PQTRANS_INTRANS) {
		snprintf(e, sizeof(e), "the file ended the transaction itself "
		    "(BEGIN, COMMIT and ROLLBACK do not belong in a migration)");
		err = HS_ECONFIG;
		goto fail;
	}
	if ((err = exec_params(db, "INSERT INTO schema_version (version, name, sha256)"
	    " VALUES ($1, $2, $3)", 3, params, &r, e, sizeof(e))) != HS_OK)
		goto fail;
	PQclear(r);
	if ((err = hs_db_commit(db)) != HS_OK)
		goto dberr;
	free(text);
	*did = true;
	hs_log_info("migrate.applied", "version=%d name=%s ms=%lld", m->version, m->name,
	    hs_mono_ms() - t0);
	return HS_OK;

dberr:
	summarize(hs_db_error(db), e, sizeof(e));
fail:
	hs_db_rollback(db);
	free(text);
	setmsg(msg, msglen, "%s: %s", file, e);
	return err;
}

hs_err
hs_migrate_apply(hs_db *db, const char *dir, int *applied, char *msg, size_t msglen)
{
	struct hs_migrate_status st;
	hs_err err;
	int n = 0;

	if (applied != NULL)
		*applied = 0;
	if ((err = hs_migrate_status(db, dir, &st, msg, msglen)) != HS_OK)
		return err;
	if (st.current > st.latest)
		hs_log_warn("migrate.newer_schema", "current=%d latest=%d", st.current,
		    st.latest);
	for (size_t i = 0; i < st.count; i++) {
		struct hs_migration *m = &st.list[i];
		bool did;

		if (m->changed)
			hs_log_warn("migrate.changed", "version=%d name=%s", m->version,
			    m->name);
		if (m->applied || m->path[0] == '\0')
			continue;
		if ((err = apply_one(db, m, &did, msg, msglen)) != HS_OK) {
			const char *why = msg != NULL && msglen > 0 ? msg : hs_strerror(err);

			hs_log_error("migrate.failed", "version=%d name=%s error=%s",
			    m->version, m->name, hs_logq(why));
			break;
		}
		if (did)
			n++;
	}
	hs_migrate_status_free(&st);
	if (applied != NULL)
		*applied = n;
	return err;
}
