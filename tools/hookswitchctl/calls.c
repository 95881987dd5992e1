/*
 * calls.c - `hookswitchctl calls list|rebuild`: time arguments, options, request bodies
 * and the plain-text call list.  See calls.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "calls.h"

/* Times beyond year 9999 would not print as ISO-8601 with four digits; before 1970 no
 * call was ever logged. */
#define TIME_MAX_MS 253402300800000LL /* 10000-01-01T00:00:00Z */

static const char time_forms[] =
    "use 2026-11-25T09:00:00Z, 2026-11-25 09:00, 2026-11-25, now, today, yesterday "
    "or -2h/-30m/-1d";

/* ---- time arguments ----------------------------------------------------------------- */

/* Exactly n digits at *p into *v; advances *p.  Exact widths keep "2026-1-5" out: it is
 * more likely a typo than a date. */
static int
digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static long long
floor_div(long long a, long long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Local midnight of the day now_ms falls on, moved by days.  mktime() normalises the day
 * across month ends and finds the right UTC offset on either side of a DST change. */
static long long
local_midnight(long long now_ms, int days)
{
	time_t t = (time_t)floor_div(now_ms, 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm) * 1000;
}

/* [+-](<n><unit>)+ with unit s, m, h, d (24 h) or w. */
static int
parse_relative(const char *s, long long now_ms, long long *ms, char *err, size_t errlen)
{
	const char *p = s + 1;
	long long total = 0;

	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		long long n = 0, unit;
		int nd = 0;

		for (; isdigit((unsigned char)*p); p++, nd++) {
			if (n > 1000000000LL)
				goto range;
			n = n * 10 + (*p - '0');
		}
		if (nd == 0)
			goto bad;
		switch (*p) {
		case 's': unit = 1000LL; break;
		case 'm': unit = 60 * 1000LL; break;
		case 'h': unit = 3600 * 1000LL; break;
		case 'd': unit = 86400 * 1000LL; break;
		case 'w': unit = 7 * 86400 * 1000LL; break;
		default:
			snprintf(err, errlen, "'%s': the unit must be s, m, h, d or w", s);
			return -1;
		}
		p++;
		total += n * unit; /* n <= 1e10, unit <= 6.1e8: no overflow */
		if (total > TIME_MAX_MS)
			goto range;
	}
	*ms = *s == '-' ? now_ms - total : now_ms + total;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a time: %s", s, time_forms);
	return -1;
range:
	snprintf(err, errlen, "'%s' is out of range", s);
	return -1;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS[.fff]][Z|(+|-)HH[[:]MM]]] */
static int
parse_iso(const char *s, long long *ms, char *err, size_t errlen)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, zone = 0, off = 0;
	struct tm tm = { 0 };
	time_t t;

	if (digits(&p, 4, &y) != 0 || *p++ != '-' || digits(&p, 2, &mo) != 0 || *p++ != '-' ||
	    digits(&p, 2, &d) != 0)
		goto bad;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) != 0 || *p++ != ':' || digits(&p, 2, &mi) != 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) != 0)
				goto bad;
			if (*p == '.' || *p == ',') {
				/* Milliseconds; PostgreSQL may send fewer digits (".25") or more
				 * (microseconds), beyond three they are dropped. */
				int scale = 100;

				if (!isdigit((unsigned char)p[1]))
					goto bad;
				for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
					frac += (*p - '0') * scale;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			zone = 1;
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

			if (digits(&p, 2, &oh) != 0)
				goto bad;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &om) != 0)
					goto bad;
			} else if (isdigit((unsigned char)*p) && digits(&p, 2, &om) != 0) {
				goto bad;
			}
			if (oh > 23 || om > 59)
				goto range;
			zone = 1;
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p != '\0')
		goto bad;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		goto range;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (zone) {
		t = timegm(&tm) - off;
	} else {
		tm.tm_isdst = -1; /* let the zone rules say whether DST applies on that day */
		t = mktime(&tm);
	}
	*ms = (long long)t * 1000 + frac;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a time: %s", s, time_forms);
	return -1;
range:
	snprintf(err, errlen, "'%s' is not a valid date and time", s);
	return -1;
}

int
ctl_time_parse(const char *s, long long now_ms, long long *ms, char *err, size_t errlen)
{
	int rv = 0;

	if (strcasecmp(s, "now") == 0)
		*ms = now_ms;
	else if (strcasecmp(s, "today") == 0)
		*ms = local_midnight(now_ms, 0);
	else if (strcasecmp(s, "yesterday") == 0)
		*ms = local_midnight(now_ms, -1);
	else if (strcasecmp(s, "tomorrow") == 0)
		*ms = local_midnight(now_ms, 1);
	else if (*s == '-' || *s == '+')
		rv = parse_relative(s, now_ms, ms, err, errlen);
	else
		rv = parse_iso(s, ms, err, errlen);
	if (rv == 0 && (*ms < 0 || *ms >= TIME_MAX_MS)) {
		snprintf(err, errlen, "'%s' is outside 1970-9999", s);
		rv = -1;
	}
	return rv;
}

void
ctl_time_iso(long long ms, char *buf, size_t len)
{
	time_t t = (time_t)floor_div(ms, 1000);
	int frac = (int)(ms - (long long)t * 1000);
	char base[24];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac != 0)
		snprintf(buf, len, "%s.%03dZ", base, frac);
	else
		snprintf(buf, len, "%sZ", base);
}

void
ctl_mmss(long long ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld:%02lld", ms / 60000, ms / 1000 % 60);
}

/* ---- options ------------------------------------------------------------------------ */

static int
opt_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The numbers the PBX gives devices (migrations: devices.number). */
static int
valid_device(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	return strspn(s, "0123456789*#") == n;
}

/* hookswitchctl's own options stop at the command word (getopt "+"), so one given after
 * `calls list` lands here; say where it belongs rather than just "unknown". */
static int
is_global_opt(const char *a, size_t n)
{
	static const char *const globals[] = { "--json", "-j", "-s", "--server", "-t",
		"--timeout", "-c", "--config", NULL };

	for (int i = 0; globals[i] != NULL; i++)
		if (strlen(globals[i]) == n && strncmp(a, globals[i], n) == 0)
			return 1;
	return 0;
}

int
calls_parse_opts(int argc, char **argv, int list, long long now_ms, struct calls_opts *o,
    char *err, size_t errlen)
{
	const char *from = NULL, *to = NULL, *limit = NULL;
	char why[192];

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *v, **slot;
		size_t n = eq != NULL ? (size_t)(eq - a) : strlen(a);

		if (strncmp(a, "--from", n) == 0 && n == 6)
			slot = &from;
		else if (strncmp(a, "--to", n) == 0 && n == 4)
			slot = &to;
		else if (list && strncmp(a, "--device", n) == 0 && n == 8)
			slot = &o->device;
		else if (list && strncmp(a, "--limit", n) == 0 && n == 7)
			slot = &limit;
		else if (a[0] == '-')
			return opt_err(err, errlen, "unknown option '%.*s'%s", (int)n, a,
			    is_global_opt(a, n) ? " (global options go before `calls`)" : "");
		else
			return opt_err(err, errlen, "unexpected argument '%s'", a);
		if (eq != NULL)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return opt_err(err, errlen, "%s needs a value", a);
		if (*slot != NULL)
			return opt_err(err, errlen, "%.*s given twice", (int)n, a);
		*slot = v;
	}
	if (from == NULL)
		return opt_err(err, errlen, "--from is required");
	if (ctl_time_parse(from, now_ms, &o->from_ms, why, sizeof(why)) != 0)
		return opt_err(err, errlen, "--from: %s", why);
	if (to == NULL && !list)
		return opt_err(err, errlen, "--to is required"); /* a rebuild says exactly what */
	if (to == NULL)
		o->to_ms = now_ms;
	else if (ctl_time_parse(to, now_ms, &o->to_ms, why, sizeof(why)) != 0)
		return opt_err(err, errlen, "--to: %s", why);
	ctl_time_iso(o->from_ms, o->from, sizeof(o->from));
	ctl_time_iso(o->to_ms, o->to, sizeof(o->to));
	if (o->from_ms >= o->to_ms)
		return opt_err(err, errlen, "--from (%s) must be before --to (%s)", o->from, o->to);
	if (o->device != NULL && !valid_device(o->device))
		return opt_err(err, errlen,
		    "--device: '%s' is not a device number (digits, * and #, at most 32)",
		    o->device);
	if (limit != NULL) {
		char *end;
		long l = strtol(limit, &end, 10);

		if (!isdigit((unsigned char)*limit) || *end != '\0' || l < 1 || l > CALLS_LIMIT_MAX)
			return opt_err(err, errlen, "--limit must be a number from 1 to %d: '%s'",
			    CALLS_LIMIT_MAX, limit);
		o->limit = (int)l;
	}
	return 0;
}

cJSON *
calls_body(const struct calls_opts *o, int list)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "from", o->from);
	cJSON_AddStringToObject(b, "to", o->to);
	if (list && o->limit > 0)
		cJSON_AddNumberToObject(b, "limit", o->limit);
	if (list && o->device != NULL)
		cJSON_AddStringToObject(b, "device", o->device);
	return b;
}

/* ---- printing ----------------------------------------------------------------------- */

/* A string column; NULL when absent, JSON null or empty, so callers can fall back. */
static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(it) && it->valuestring[0] != '\0' ? it->valuestring : NULL;
}

static const char *
jstr_or(const cJSON *o, const char *key, const char *def)
{
	const char *s = jstr(o, key);

	return s != NULL ? s : def;
}

/* A number column; bigints may come as strings (JSON numbers lose digits past 2^53). */
static long long
jll(const cJSON *o, const char *key, long long def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(it))
		return (long long)it->valuedouble;
	if (cJSON_IsString(it) && it->valuestring[0] != '\0')
		return strtoll(it->valuestring, NULL, 10);
	return def;
}

/* An id column as text, whichever way the logger sent it. */
static const char *
jid(const cJSON *o, const char *key, char *buf, size_t len)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(it))
		return it->valuestring;
	if (cJSON_IsNumber(it)) {
		snprintf(buf, len, "%.0f", it->valuedouble);
		return buf;
	}
	return "?";
}

static int
jtrue(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* A timestamp column in local time; as sent when it does not parse. */
static const char *
jlocal(const cJSON *o, const char *key, char *buf, size_t len)
{
	const char *s = jstr(o, key);
	char why[160];
	long long ms;
	time_t t;
	struct tm tm;

	if (s == NULL)
		return "-";
	if (ctl_time_parse(s, 0, &ms, why, sizeof(why)) != 0)
		return s;
	t = (time_t)floor_div(ms, 1000);
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void
app(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void
print_segment(FILE *f, const cJSON *s)
{
	char line[512] = "", id[32], ring[16], talk[16], hold[16];
	const char *v;

	app(line, sizeof(line), "    %d. rec %s", (int)jll(s, "segment_no", 0),
	    jid(s, "rec_id", id, sizeof(id)));
	app(line, sizeof(line), "  call %s%s", jstr_or(s, "pbx_call_id", "?"),
	    jtrue(s, "consult") ? " (consultation)" : "");
	if ((v = jstr(s, "target")) != NULL)
		app(line, sizeof(line), "  to %s", v);
	if ((v = jstr(s, "answering_ext")) != NULL) {
		app(line, sizeof(line), "  answered by %s", v);
		if ((v = jstr(s, "answering_agent")) != NULL)
			app(line, sizeof(line), " (agent %s)", v);
	}
	if ((v = jstr(s, "hunt_group")) != NULL)
		app(line, sizeof(line), "  hunt group %s", v);
	if ((v = jstr(s, "diverted_from")) != NULL)
		app(line, sizeof(line), "  diverted from %s (%s)", v,
		    jstr_or(s, "divert_reason", "?"));
	ctl_mmss(jll(s, "ring_ms", -1), ring, sizeof(ring));
	ctl_mmss(jll(s, "talk_ms", -1), talk, sizeof(talk));
	ctl_mmss(jll(s, "hold_ms", -1), hold, sizeof(hold));
	app(line, sizeof(line), "  ring %s talk %s hold %s", ring, talk, hold);
	if ((v = jstr(s, "transferred_from")) != NULL)
		app(line, sizeof(line), "  transferred from %s", v);
	if ((v = jstr(s, "transferred_to")) != NULL)
		app(line, sizeof(line), "  transferred to %s", v);
	if ((v = jstr(s, "end_event")) != NULL) {
		app(line, sizeof(line), "  end %s", v);
		if ((v = jstr(s, "end_cause_text")) != NULL)
			app(line, sizeof(line), " %s", v);
		if (jll(s, "end_cause", -1) >= 0)
			app(line, sizeof(line), " (%lld)", jll(s, "end_cause", -1));
	} else if ((v = jstr(s, "state")) != NULL && strcmp(v, "ended") != 0) {
		app(line, sizeof(line), "  %s", v);
	}
	if (jtrue(s, "incomplete"))
		app(line, sizeof(line), "  incomplete");
	fprintf(f, "%s\n", line);
}

static void
print_call(FILE *f, const cJSON *c)
{
	char start[32], lcid[32], type[32], route[80], ring[16], talk[16], hold[16], end[96];
	const char *dir = jstr_or(c, "direction", "na"), *result;
	const cJSON *s;

	snprintf(type, sizeof(type), "%s%s%s", jstr_or(c, "call_type", "?"),
	    strcmp(dir, "na") != 0 ? " " : "", strcmp(dir, "na") != 0 ? dir : "");
	/* Who made it (for an inbound call the trunk; the number is in --json's cli), and who
	 * took it, else where it rang first. */
	snprintf(route, sizeof(route), "%s -> %s",
	    jstr_or(c, "originator", jstr_or(c, "cli", "?")),
	    jstr_or(c, "answering_ext", jstr_or(c, "first_rang_ext", "-")));
	result = jtrue(c, "answered") ? "answered" : jtrue(c, "lost") ? "lost" : "unanswered";
	ctl_mmss(jll(c, "ring_ms", -1), ring, sizeof(ring));
	ctl_mmss(jll(c, "talk_ms", -1), talk, sizeof(talk));
	ctl_mmss(jll(c, "hold_ms", -1), hold, sizeof(hold));
	snprintf(end, sizeof(end), "%s%s%s%s", jstr_or(c, "end_reason", "-"),
	    jtrue(c, "conference") ? ", conference" : "",
	    jtrue(c, "trunk_to_trunk") ? ", trunk to trunk" : "",
	    jtrue(c, "incomplete") ? ", incomplete" : "");
	fprintf(f, "%-19s  %-15s %-6s %-12s %-25s %-9s %-10s %6s %6s %6s %4lld  %s\n",
	    jlocal(c, "start_ts", start, sizeof(start)), jid(c, "call_id", lcid, sizeof(lcid)),
	    jstr_or(c, "pbx_call_id", "?"), type, route, jstr_or(c, "state", "?"), result, ring,
	    talk, hold, jll(c, "segment_count", 0), end);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(c, "segments"))
		print_segment(f, s);
}

void
calls_print(FILE *f, const cJSON *body)
{
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(body, "calls"), *c;
	int n = cJSON_GetArraySize(calls);

	if (n > 0)
		fprintf(f, "%-19s  %-15s %-6s %-12s %-25s %-9s %-10s %6s %6s %6s %4s  %s\n",
		    "START", "LOGICAL CALL", "CALL", "TYPE", "FROM -> TO", "STATE", "RESULT",
		    "RING", "TALK", "HOLD", "SEGS", "END");
	cJSON_ArrayForEach(c, calls)
		print_call(f, c);
	fprintf(f, "%d call%s%s\n", n, n == 1 ? "" : "s",
	    jtrue(body, "truncated") ?
		", truncated: the range holds more (raise --limit or narrow --from/--to)" :
		"");
}

void
calls_print_rebuild(FILE *f, const cJSON *body)
{
	long long built = jll(body, "calls_built", 0), events = jll(body, "events", 0);

	fprintf(f, "rebuilt %lld call%s from %lld event%s (%lld deleted)\n", built,
	    built == 1 ? "" : "s", events, events == 1 ? "" : "s",
	    jll(body, "calls_deleted", 0));
}
