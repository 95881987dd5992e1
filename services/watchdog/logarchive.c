/*
 * logarchive.c - the daily log archive (the manual's Server Logging: archive time, archive
 * folder, number of archives to keep).
 *
 * At log.archive_time each day, or on the logs.archive command, the watchdog rotates every
 * log it writes (its own and each service's), packs all rotated files of log.dir into
 * <archive dir>/hookswitch-logs-YYYYMMDDhhmmss.tar.gz with tar(1), run as a child so the
 * loop never blocks on compression, deletes the packed files once the archive is complete,
 * and keeps the newest log.archive_keep archives.  The live logs keep being written.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "watchdog.h"

#define ARCHIVE_PREFIX "hookswitch-logs-"
#define ARCHIVE_SUFFIX ".tar.gz"

static void
archive_dir(struct wd *wd, char *buf, size_t len)
{
	const char *d = hs_conf_str(wd->svc->conf, "log.archive_dir");

	if (*d != '\0')
		snprintf(buf, len, "%s", d);
	else
		snprintf(buf, len, "%s/archive", hs_conf_str(wd->svc->conf, "log.dir"));
}

/* "x.log.3" is a rotated log; "x.log" is live. */
static int
is_rotated_log(const char *name)
{
	const char *p = strstr(name, ".log.");

	if (p == NULL || p[5] == '\0')
		return 0;
	for (p += 5; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
archive_prune(struct wd *wd, const char *dir)
{
	int keep = (int)hs_conf_int(wd->svc->conf, "log.archive_keep");
	char *names[1024], path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < 1024) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, ARCHIVE_PREFIX, strlen(ARCHIVE_PREFIX)) == 0 &&
		    l > strlen(ARCHIVE_SUFFIX) &&
		    strcmp(de->d_name + l - strlen(ARCHIVE_SUFFIX), ARCHIVE_SUFFIX) == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL && i + (size_t)keep < n) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			if (unlink(path) == 0)
				hs_log_info("logs.pruned", "path=%s", hs_logq(path));
		}
		free(names[i]);
	}
}

static void
archive_finish(struct wd *wd, hs_err status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
archive_finish(struct wd *wd, hs_err status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wd->archive_running = false;
	if (status != HS_OK)
		wd_alert(wd, "warning", "watchdog", "logs.archive_failed", NULL, "%s", msg);
	if (wd->archive_req != NULL) {
		cJSON *body = cJSON_CreateObject();
		if (status == HS_OK) {
			cJSON_AddStringToObject(body, "path", wd->archive_path);
			cJSON_AddNumberToObject(body, "files", wd->archive_nfiles);
		}
		hs_bus_reply(wd->archive_req, status, body, "%s", msg);
		wd->archive_req = NULL;
	}
}

static void
archive_proc_close(uv_handle_t *h)
{
	(void)h;
}

static void
archive_on_exit(uv_process_t *p, int64_t status, int sig)
{
	struct wd *wd = p->data;
	char tmp[PATH_MAX + 8], dir[PATH_MAX], line[PATH_MAX], path[PATH_MAX * 2];
	FILE *f;

	uv_close((uv_handle_t *)p, archive_proc_close);
	snprintf(tmp, sizeof(tmp), "%s.tmp", wd->archive_path);
	if (status != 0 || sig != 0) {
		unlink(tmp);
		unlink(wd->archive_list);
		archive_finish(wd, HS_EIO, "tar failed (status %d, signal %d) writing %s",
		    (int)status, sig, wd->archive_path);
		return;
	}
	if (rename(tmp, wd->archive_path) != 0) {
		archive_finish(wd, HS_EIO, "cannot rename %s: %s", tmp, strerror(errno));
		return;
	}
	/* The archive is complete: now the packed files may go. */
	if ((f = fopen(wd->archive_list, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "%s/%s", hs_conf_str(wd->svc->conf, "log.dir"),
			    line);
			unlink(path);
		}
		fclose(f);
	}
	unlink(wd->archive_list);
	archive_dir(wd, dir, sizeof(dir));
	archive_prune(wd, dir);
	hs_log_info("logs.archived", "path=%s files=%d", hs_logq(wd->archive_path),
	    wd->archive_nfiles);
	archive_finish(wd, HS_OK, "archived %d files", wd->archive_nfiles);
}

hs_err
wd_archive_now(struct wd *wd, hs_bus_req *req)
{
	const char *logdir = hs_conf_str(wd->svc->conf, "log.dir");
	char dir[PATH_MAX], stamp[32], tmp[PATH_MAX + 8];
	char *args[8];
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	struct dirent *de;
	time_t now = time(NULL);
	struct tm tm;
	FILE *list;
	DIR *d;
	int rv;

	if (wd->archive_running)
		return HS_EBUSY;
	archive_dir(wd, dir, sizeof(dir));
	if (hs_fs_mkdir_p(dir, 0750) != 0) {
		hs_log_error("logs.archive", "dir=%s err=%s", hs_logq(dir), hs_logq(strerror(errno)));
		return HS_EIO;
	}
	for (int i = 1; i < HS_SVC_COUNT; i++)
		if (wd->child[i].sink != NULL)
			hs_log_sink_rotate(wd->child[i].sink);
	hs_log_rotate();

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	snprintf(wd->archive_path, sizeof(wd->archive_path), "%s/" ARCHIVE_PREFIX "%s"
	    ARCHIVE_SUFFIX, dir, stamp);
	snprintf(wd->archive_list, sizeof(wd->archive_list), "%s/.list-%s", dir, stamp);
	if ((d = opendir(logdir)) == NULL)
		return HS_EIO;
	if ((list = fopen(wd->archive_list, "w")) == NULL) {
		closedir(d);
		return HS_EIO;
	}
	wd->archive_nfiles = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type == DT_REG && is_rotated_log(de->d_name)) {
			fprintf(list, "%s\n", de->d_name);
			wd->archive_nfiles++;
		}
	}
	closedir(d);
	fclose(list);
	wd->archive_req = req;
	wd->archive_running = true;
	if (wd->archive_nfiles == 0) {
		unlink(wd->archive_list);
		wd->archive_path[0] = '\0';
		archive_finish(wd, HS_OK, "no rotated logs to archive");
		return HS_OK;
	}

	snprintf(tmp, sizeof(tmp), "%s.tmp", wd->archive_path);
	args[0] = "tar";
	args[1] = "-czf";
	args[2] = tmp;
	args[3] = "-C";
	args[4] = (char *)logdir;
	args[5] = "-T";
	args[6] = wd->archive_list;
	args[7] = NULL;
	memset(&opt, 0, sizeof(opt));
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_IGNORE;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	opt.file = "tar";
	opt.args = args;
	opt.exit_cb = archive_on_exit;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	wd->archive_proc.data = wd;
	if ((rv = uv_spawn(wd->svc->uv, &wd->archive_proc, &opt)) != 0) {
		uv_close((uv_handle_t *)&wd->archive_proc, archive_proc_close);
		unlink(wd->archive_list);
		wd->archive_req = NULL;
		archive_finish(wd, HS_EIO, "cannot run tar: %s", uv_strerror(rv));
		return HS_EIO;
	}
	return HS_OK;
}

void
wd_archive_tick(struct wd *wd)
{
	long long at = hs_conf_int(wd->svc->conf, "log.archive_time");
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	if (tm.tm_hour * 60 + tm.tm_min != at || tm.tm_yday == wd->archive_last_yday)
		return;
	wd->archive_last_yday = tm.tm_yday;
	if (wd_archive_now(wd, NULL) == HS_EBUSY)
		hs_log_warn("logs.archive", "note=%s", hs_logq("previous archive still running"));
}
