/*
 * log.c - logfmt lines to stderr or to a file rotated by size.
 *
 * A line is formatted whole into one buffer and handed to the kernel with one write(), so
 * the lines of the services that share the watchdog's pipes never interleave mid-line.  The
 * process-wide state (service name, level, destination) sits behind one mutex; the level is
 * also kept atomic so that dropped debug lines cost no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 8192 /* a longer line is cut: one event must not flood the log */
#define LOGQ_SLOTS 8
#define LOGQ_SIZE 1024
#define DEFAULT_SVC "hookswitch"

/* A sink has no lock of its own: hs_log uses its sink under log_mu, and the watchdog its
 * sinks from its loop thread. */
struct hs_log_sink {
	char *path;
	int fd;          /* -1 after an error: reopened by the next write */
	size_t size;     /* bytes in the current file */
	size_t max_size; /* 0: never rotate */
	int keep;
	bool reported;   /* the current failure was told on stderr already */
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int log_level = HS_LOG_INFO;
static char log_svc[64] = DEFAULT_SVC;
static hs_log_sink *log_sink; /* NULL: stderr */

int
hs_log_level_parse(const char *s)
{
	for (int i = 0; s != NULL && i <= HS_LOG_ERROR; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *
hs_log_level_name(int level)
{
	if (level < HS_LOG_DEBUG || level > HS_LOG_ERROR)
		return "unknown";
	return level_names[level];
}

void
hs_log_timestamp(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	hs_log_timestamp_of((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, buf, len);
}

void
hs_log_timestamp_of(long long ms, char *buf, size_t len)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	if (len == 0)
		return;
	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* ---- quoting ---------------------------------------------------------------------------- */

static bool
logq_needs_quotes(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || *p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* Writes the escaped form of c into out (>= 5 bytes), returns its length. */
static size_t
logq_escape(unsigned char c, char *out)
{
	switch (c) {
	case '"': memcpy(out, "\\\"", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, 5, "\\x%02x", c);
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

const char *
hs_logq(const char *s)
{
	static _Thread_local char ring[LOGQ_SLOTS][LOGQ_SIZE];
	static _Thread_local unsigned next;
	char *out, esc[5];
	size_t n = 0, need = 2, limit;
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return "\"\"";
	out = ring[next++ % LOGQ_SLOTS];
	/* Copied even when unchanged: the caller may free s before the line is written. */
	if (!logq_needs_quotes(s)) {
		size_t len = strlen(s);
		if (len < LOGQ_SIZE) {
			memcpy(out, s, len + 1);
		} else {
			memcpy(out, s, LOGQ_SIZE - 4);
			memcpy(out + LOGQ_SIZE - 4, "...", 4);
		}
		return out;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		need += logq_escape(*p, esc);
	/* Whole if it fits with the quotes and NUL, else cut with room left for `..."`. */
	limit = need < LOGQ_SIZE ? LOGQ_SIZE - 2 : LOGQ_SIZE - 5;
	out[n++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		size_t len = logq_escape(*p, esc);
		if (n + len > limit)
			break;
		memcpy(out + n, esc, len);
		n += len;
	}
	if (need >= LOGQ_SIZE) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

/* ---- formatting ------------------------------------------------------------------------- */

static size_t
write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += (size_t)n;
	}
	return done;
}

/* Formats one whole line, '\n' included, into buf (LOG_LINE_MAX); returns its length. */
static size_t
log_format(char *buf, int level, const char *svc, const char *event, const char *fmt,
    va_list ap)
{
	const size_t cap = LOG_LINE_MAX - 1; /* the '\n' always fits after cap */
	char ts[40];
	size_t n;
	int m;

	hs_log_timestamp(ts, sizeof(ts));
	m = snprintf(buf, cap, "ts=%s level=%s svc=%s pid=%ld event=%s", ts,
	    hs_log_level_name(level), svc, (long)getpid(),
	    event != NULL && *event != '\0' ? event : "-");
	n = m < 0 ? 0 : (size_t)m >= cap ? cap - 1 : (size_t)m;
	if (fmt != NULL && *fmt != '\0' && n + 2 < cap) {
		size_t start = ++n;
		buf[start - 1] = ' ';
		m = vsnprintf(buf + start, cap - start, fmt, ap);
		if (m < 0)
			m = 0;
		if ((size_t)m >= cap - start) {
			m = (int)(cap - start - 1);
			if (m >= 3)
				memcpy(buf + start + m - 3, "...", 3);
		}
		/* An empty field list leaves no trailing blank. */
		n = m > 0 ? start + (size_t)m : start - 1;
		/* A raw newline from a caller that forgot hs_logq() would split the event. */
		for (size_t i = start; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\r')
				buf[i] = ' ';
	}
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

static size_t log_formatf(char *buf, int level, const char *svc, const char *event,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static size_t
log_formatf(char *buf, int level, const char *svc, const char *event, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = log_format(buf, level, svc, event, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- sinks ------------------------------------------------------------------------------ */

/*
 * Tells a sink failure on stderr, once until the sink works again, so a full disk does not
 * turn every line into an error line.  Written directly: hs_log may hold log_mu here.
 */
static void
sink_report(hs_log_sink *s, const char *op, int err)
{
	char buf[LOG_LINE_MAX];
	size_t n;

	if (s->reported)
		return;
	s->reported = true;
	n = log_formatf(buf, HS_LOG_ERROR, log_svc, "log.sink_error", "path=%s op=%s error=%s",
	    hs_logq(s->path), op, hs_logq(strerror(err)));
	write_all(STDERR_FILENO, buf, n);
}

static int
sink_reopen(hs_log_sink *s)
{
	struct stat st;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (s->fd < 0)
		return -1;
	if (fstat(s->fd, &st) != 0) {
		int e = errno;
		close(s->fd);
		s->fd = -1;
		errno = e;
		return -1;
	}
	s->size = (size_t)st.st_size;
	return 0;
}

/* NAME.keep goes, NAME.i becomes NAME.i+1, NAME becomes NAME.1, a new NAME is opened. */
static void
sink_rotate(hs_log_sink *s)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->keep <= 0) {
		if (unlink(s->path) != 0 && errno != ENOENT)
			sink_report(s, "unlink", errno);
	} else {
		snprintf(to, sizeof(to), "%s.%d", s->path, s->keep);
		if (unlink(to) != 0 && errno != ENOENT)
			sink_report(s, "unlink", errno);
		for (int i = s->keep - 1; i >= 1; i--) {
			snprintf(from, sizeof(from), "%s.%d", s->path, i);
			snprintf(to, sizeof(to), "%s.%d", s->path, i + 1);
			if (rename(from, to) != 0 && errno != ENOENT)
				sink_report(s, "rename", errno);
		}
		snprintf(to, sizeof(to), "%s.1", s->path);
		if (rename(s->path, to) != 0 && errno != ENOENT)
			sink_report(s, "rename", errno);
	}
	if (sink_reopen(s) != 0)
		sink_report(s, "open", errno);
}

hs_err
hs_log_sink_open(hs_log_sink **sinkp, const char *path, size_t max_size, int keep)
{
	hs_log_sink *s;
	int e;

	*sinkp = NULL;
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return HS_EINVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		errno = ENOMEM;
		return HS_ENOMEM;
	}
	s->fd = -1;
	s->max_size = max_size;
	s->keep = keep;
	if (sink_reopen(s) != 0) {
		e = errno;
		free(s->path);
		free(s);
		errno = e;
		return HS_EIO;
	}
	*sinkp = s;
	return HS_OK;
}

/* The longest prefix of data that ends a line and fits in room bytes (0 if none). */
static size_t
sink_fit(const char *data, size_t len, size_t room)
{
	const char *nl;

	if (len <= room)
		return len;
	nl = memrchr(data, '\n', room);
	return nl != NULL ? (size_t)(nl - data) + 1 : 0;
}

void
hs_log_sink_write(hs_log_sink *s, const char *data, size_t len)
{
	bool rotated = false;

	if (s == NULL)
		return;
	while (len > 0) {
		size_t n = len, done;

		if (s->fd < 0 && sink_reopen(s) != 0) {
			sink_report(s, "open", errno);
			return;
		}
		if (s->max_size > 0 && s->size + len > s->max_size && !rotated) {
			size_t room = s->size < s->max_size ? s->max_size - s->size : 0;
			if ((n = sink_fit(data, len, room)) == 0) {
				if (s->size > 0) {
					sink_rotate(s);
					/* Failed if the file is not empty: write on
					 * rather than rotate again and again. */
					rotated = s->fd >= 0 && s->size > 0;
					continue;
				}
				/* A line longer than max_size gets a file to itself. */
				const char *nl = memchr(data, '\n', len);
				n = nl != NULL ? (size_t)(nl - data) + 1 : len;
			}
		}
		done = write_all(s->fd, data, n);
		s->size += done;
		if (done < n) {
			sink_report(s, "write", errno);
			close(s->fd);
			s->fd = -1;
			return;
		}
		s->reported = false;
		data += n;
		len -= n;
	}
}

void
hs_log_sink_rotate(hs_log_sink *s)
{
	if (s == NULL)
		return;
	if (s->fd < 0 && sink_reopen(s) != 0) {
		sink_report(s, "open", errno);
		return;
	}
	/* An empty file is not worth an old file's place. */
	if (s->size > 0)
		sink_rotate(s);
}

void
hs_log_sink_close(hs_log_sink *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

/* ---- the process logger ----------------------------------------------------------------- */

hs_err
hs_log_open(const char *svc, const char *path, size_t max_size, int keep)
{
	hs_log_sink *sink = NULL, *old;
	hs_err err = HS_OK;
	int e;

	if (path != NULL && *path != '\0' &&
	    hs_log_sink_open(&sink, path, max_size, keep) != HS_OK)
		err = HS_EIO;
	e = errno;
	pthread_mutex_lock(&log_mu);
	/* The name is set even on failure, so the caller's error line carries it. */
	snprintf(log_svc, sizeof(log_svc), "%s",
	    svc != NULL && *svc != '\0' ? svc : DEFAULT_SVC);
	old = log_sink;
	log_sink = sink;
	pthread_mutex_unlock(&log_mu);
	hs_log_sink_close(old);
	errno = e;
	return err;
}

void
hs_log_rotate(void)
{
	pthread_mutex_lock(&log_mu);
	if (log_sink != NULL)
		hs_log_sink_rotate(log_sink);
	pthread_mutex_unlock(&log_mu);
}

void
hs_log_close(void)
{
	hs_log_sink *old;

	pthread_mutex_lock(&log_mu);
	old = log_sink;
	log_sink = NULL;
	snprintf(log_svc, sizeof(log_svc), "%s", DEFAULT_SVC);
	pthread_mutex_unlock(&log_mu);
	hs_log_sink_close(old);
}

void
hs_log_set_level(int level)
{
	if (level < HS_LOG_DEBUG)
		level = HS_LOG_DEBUG;
	if (level > HS_LOG_ERROR)
		level = HS_LOG_ERROR;
	atomic_store(&log_level, level);
}

int
hs_log_get_level(void)
{
	return atomic_load(&log_level);
}

/* Formats and writes one line; to_stderr_too also copies it to stderr when logging to a
 * file (fatal errors should reach the terminal of a service run by hand). */
static void
log_vwrite(int level, const char *event, const char *fmt, va_list ap, bool to_stderr_too)
{
	char buf[LOG_LINE_MAX];
	size_t n;

	pthread_mutex_lock(&log_mu);
	n = log_format(buf, level, log_svc, event, fmt, ap);
	if (log_sink != NULL) {
		hs_log_sink_write(log_sink, buf, n);
		if (to_stderr_too)
			write_all(STDERR_FILENO, buf, n);
	} else {
		write_all(STDERR_FILENO, buf, n);
	}
	pthread_mutex_unlock(&log_mu);
}

void
hs_log(int level, const char *event, const char *fmt, ...)
{
	va_list ap;

	if (level < atomic_load(&log_level))
		return;
	va_start(ap, fmt);
	log_vwrite(level, event, fmt, ap, false);
	va_end(ap);
}

void
hs_fatal(const char *event, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(HS_LOG_ERROR, event, fmt, ap, true);
	va_end(ap);
	abort();
}
