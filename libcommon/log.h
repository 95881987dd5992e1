/*
 * log.h - one structured line per event.
 *
 * Every line is logfmt:
 *     ts=2026-11-25T16:02:40.123Z level=info svc=watchdog pid=812 event=child.exit svc=logger ...
 * The caller names the event (lower.dot.case, greppable) and passes the rest as a printf
 * format of key=value pairs.  A value that may hold spaces, quotes or newlines goes through
 * hs_logq(), which quotes and escapes it.
 *
 * Destination is stderr or a file.  A file is rotated by size (the manual's "Max log file
 * size"): when a write would take it past max_size, NAME is renamed NAME.1, NAME.1 NAME.2 and
 * so on, keeping `keep` old files.  Under the watchdog, services log to stderr and the
 * watchdog writes each service's lines to its own rotated file (hs_log_sink), so even a
 * sanitizer report or a crash message lands in the service's log.
 *
 * The logger is process-global and guarded by a mutex, so nng's threads may log too.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum hs_log_level {
	HS_LOG_DEBUG,
	HS_LOG_INFO,
	HS_LOG_WARN,
	HS_LOG_ERROR,
};

/* "info" -> HS_LOG_INFO; -1 when unknown. */
int hs_log_level_parse(const char *s);
const char *hs_log_level_name(int level);

/*
 * Starts logging for program `svc`.  path NULL or "" logs to stderr.  max_size 0 disables
 * rotation.  Returns HS_EIO when the file cannot be opened (errno kept).  Before hs_log_open
 * (and after hs_log_close) lines go to stderr under the name "hookswitch".
 */
hs_err hs_log_open(const char *svc, const char *path, size_t max_size, int keep);
void hs_log_close(void);
/* Rotates the log file now (as at max_size); nothing for stderr.  Used before archiving. */
void hs_log_rotate(void);
void hs_log_set_level(int level);
int hs_log_get_level(void);

void hs_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define hs_log_debug(...) hs_log(HS_LOG_DEBUG, __VA_ARGS__)
#define hs_log_info(...) hs_log(HS_LOG_INFO, __VA_ARGS__)
#define hs_log_warn(...) hs_log(HS_LOG_WARN, __VA_ARGS__)
#define hs_log_error(...) hs_log(HS_LOG_ERROR, __VA_ARGS__)

/* Logs at error level and aborts: for broken invariants only. */
void hs_fatal(const char *event, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Quotes s for a logfmt value when needed ("a b" -> "\"a b\""); NULL -> "\"\"".  The result
 * lives in a per-thread ring of 8 buffers, each up to 1 KiB (longer values are cut with
 * "..."), so up to 8 may be used in one hs_log call. */
const char *hs_logq(const char *s);

/*
 * A rotated log file that whole lines are appended to.  Used by hs_log for its own file and by
 * the watchdog for the output of each service.  Writes never fail the caller: on an I/O error
 * the sink reports it once on stderr and retries opening on the next write.
 */
typedef struct hs_log_sink hs_log_sink;

hs_err hs_log_sink_open(hs_log_sink **sinkp, const char *path, size_t max_size, int keep);
void hs_log_sink_write(hs_log_sink *sink, const char *data, size_t len);
/* Renames the current file aside as if it had reached max_size (used before archiving). */
void hs_log_sink_rotate(hs_log_sink *sink);
void hs_log_sink_close(hs_log_sink *sink);

/* ISO 8601 UTC with milliseconds, "2026-11-25T16:02:40.123Z", into buf (>= 25 bytes). */
void hs_log_timestamp(char *buf, size_t len);
/* The same for a wall-clock time in milliseconds since the epoch (hs_now_ms()). */
void hs_log_timestamp_of(long long ms, char *buf, size_t len);

#endif
