/*
 * calls.h - `hookswitchctl calls list|rebuild`: the call records the logger keeps.
 *
 * Everything here is pure (no bus, no database, no clock: "now" is an argument), so the
 * unit tests drive it directly; main.c sends the request and hands the reply to
 * calls_print().
 */
#ifndef HS_CTL_CALLS_H
#define HS_CTL_CALLS_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#define CALLS_LIMIT_MAX 10000 /* the logger refuses more; checked here to say why early */
#define CTL_ISO_LEN 32        /* "2026-11-25T09:00:00.250Z" and a margin */

/*
 * Parses a time argument into Unix milliseconds:
 *   2026-11-25T09:00:00Z, 2026-11-25T10:00:00+01:00, 2026-11-25T09:00:00.250+0100
 *                         an explicit zone (Z or an offset) is UTC or that offset
 *   2026-11-25 09:00      no zone: local time ('T' or a space; seconds optional)
 *   2026-11-25            local midnight
 *   now, today, yesterday, tomorrow      now, and local midnights
 *   -2h, -30m, -1d, +1w, -1h30m          relative to now (s, m, h, d = 24 h, w = 7 d)
 * now_ms is "now".  Returns 0, or -1 with the reason in err.
 */
int ctl_time_parse(const char *s, long long now_ms, long long *ms, char *err,
    size_t errlen);

/* ms as ISO-8601 UTC: "2026-11-25T09:00:00Z", with ".250" only when not a whole second. */
void ctl_time_iso(long long ms, char *buf, size_t len);

/* m:ss (minutes not wrapped at an hour, as the call lists show durations); "-" below 0. */
void ctl_mmss(long long ms, char *buf, size_t len);

struct calls_opts {
	long long from_ms, to_ms;
	char from[CTL_ISO_LEN], to[CTL_ISO_LEN]; /* ISO UTC, as sent */
	const char *device;                      /* NULL: every call */
	int limit;                               /* 0: the logger's default */
};

/*
 * Parses the words after `calls list` (list != 0: --from, --to, --device, --limit; --to
 * defaults to now) or `calls rebuild` (--from and --to, both required).  Each option
 * also takes the --opt=value form.  Returns 0, or -1 with a message naming the option in
 * err (a usage error).
 */
int calls_parse_opts(int argc, char **argv, int list, long long now_ms,
    struct calls_opts *o, char *err, size_t errlen);

/* The request body for calls.list (list != 0) or calls.rebuild. */
cJSON *calls_body(const struct calls_opts *o, int list);

/* The calls.list reply body, one line per call and one per segment, then "N calls". */
void calls_print(FILE *f, const cJSON *body);

/* The calls.rebuild reply body in one sentence. */
void calls_print_rebuild(FILE *f, const cJSON *body);

#endif
