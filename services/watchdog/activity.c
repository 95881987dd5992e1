/*
 * activity.c - "Check database activity" (the manual's Watchdog settings): on a server that
 * runs the logger, alert when no call has been logged for a while during working hours, since
 * that points at a broken PBX link or logger rather than at a quiet office.
 *
 * Settings (the settings table, this server's row or else the site-wide one, re-read on
 * NOTIFY like the other watchdog settings):
 *   watchdog.db_activity_minutes  the inactivity threshold, minutes (fractions allowed); 0 off
 *   watchdog.working_hours        "HH:MM-HH:MM", local time of this server; a period may run
 *                                 past midnight ("22:00-06:00") and belongs to the day it
 *                                 starts on; "24:00" ends a period at midnight, and with
 *                                 00:00-24:00 consecutive working days are one period
 *   watchdog.working_days         mon,tue,wed,thu,fri,sat,sun (any of them, comma separated)
 *
 * While the check is on and the time is inside a working period, every min(60 s, threshold/2)
 * (at least 1 s) the watchdog asks for the newest calls.start_ts (one indexed lookup).  It
 * raises one watchdog.db_activity alert when that call is older than the threshold and the
 * working period began at least the threshold ago (a quiet night must not raise an alert at
 * 08:00 sharp), and clears it when a newer call appears, outside working hours, or when the
 * check is turned off.  An invalid setting is logged once, naming the key and the value, and
 * keeps the check off until it is fixed.
 *
 * The parsing and the decision are pure (the time is an argument) for activity_test.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "watchdog.h"

#define ALERT_CODE "watchdog.db_activity"
/* The threshold may not exceed a day: no working period is longer, so it could never alert. */
#define THRESHOLD_MAX_MIN 1440.0

static const char *const setting_keys[3] = {
	"watchdog.db_activity_minutes",
	"watchdog.working_hours",
	"watchdog.working_days",
};
/* What migrations/0003_calls.sql inserts; used when a row is missing. */
static const char *const setting_defaults[3] = { "0", "08:00-18:00", "mon,tue,wed,thu,fri" };

/* tm_wday order */
static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* ------------------------------------------------------------------------------------ */
/* Parsing and the decision (pure)                                                       */
/* ------------------------------------------------------------------------------------ */

static hs_err
bad(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return HS_EINVAL;
}

hs_err
wd_threshold_parse(const char *s, double *minutes, char *err, size_t errlen)
{
	int digits = 0, dots = 0;
	double v;

	/* Digits and at most one '.': strtod alone would take "inf", "nan", "1e3" or "0x10". */
	for (const char *p = s; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && dots == 0)
			dots++;
		else
			return bad(err, errlen,
			    "not a number of minutes (digits with an optional '.', 0 = off)");
	}
	if (digits == 0)
		return bad(err, errlen, "not a number of minutes (digits with an optional '.', "
					"0 = off)");
	v = strtod(s, NULL);
	if (v > THRESHOLD_MAX_MIN)
		return bad(err, errlen, "more than a day (1440 minutes): no working period is "
					"that long, so it could never alert");
	*minutes = v;
	return HS_OK;
}

/* "H:MM" or "HH:MM" up to "24:00"; returns the rest of the string, NULL when malformed. */
static const char *
parse_hhmm(const char *p, int *min)
{
	int h = 0, nd = 0;

	while (*p >= '0' && *p <= '9' && nd < 2) {
		h = h * 10 + (*p++ - '0');
		nd++;
	}
	if (nd == 0 || p[0] != ':' || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]))
		return NULL;
	*min = h * 60 + (p[1] - '0') * 10 + (p[2] - '0');
	if (h > 24 || (p[1] - '0') > 5 || *min > 1440)
		return NULL;
	return p + 3;
}

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

hs_err
wd_hours_parse(const char *s, int *from_min, int *to_min, char *err, size_t errlen)
{
	const char *p = skip_spaces(s);
	int from, to;

	if ((p = parse_hhmm(p, &from)) == NULL)
		return bad(err, errlen, "not HH:MM-HH:MM (e.g. 08:00-18:00)");
	p = skip_spaces(p);
	if (*p++ != '-')
		return bad(err, errlen, "not HH:MM-HH:MM (e.g. 08:00-18:00)");
	if ((p = parse_hhmm(skip_spaces(p), &to)) == NULL || *skip_spaces(p) != '\0')
		return bad(err, errlen, "not HH:MM-HH:MM (e.g. 08:00-18:00)");
	if (from == 1440)
		return bad(err, errlen, "24:00 can only end a period");
	if (from == to)
		return bad(err, errlen, "the period is empty (for the whole day: 00:00-24:00)");
	*from_min = from;
	*to_min = to;
	return HS_OK;
}

hs_err
wd_days_parse(const char *s, unsigned *days, char *err, size_t errlen)
{
	unsigned mask = 0;
	const char *p = s;

	/* An empty list is valid: no working day, so the check never alerts. */
	for (;;) {
		const char *q;
		size_t n;
		int d;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ',' && *q != ' ' && *q != '\t'; q++)
			;
		n = (size_t)(q - p);
		for (d = 0; d < 7; d++)
			if (n == 3 && strncasecmp(p, day_names[d], 3) == 0)
				break;
		if (d == 7) {
			snprintf(err, errlen,
			    "unknown day '%.*s' (use mon,tue,wed,thu,fri,sat,sun)",
			    (int)(n > 16 ? 16 : n), p);
			return HS_EINVAL;
		}
		mask |= 1u << d;
		p = q;
	}
	*days = mask;
	return HS_OK;
}

void
wd_days_format(unsigned days, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	/* Monday first, as people write it. */
	for (int i = 1; i <= 7; i++) {
		int d = i % 7;
		if ((days & 1u << d) && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
			    day_names[d]);
	}
	if (off == 0)
		snprintf(buf, len, "none");
}

static bool
is_working_day(const struct wd_activity_cfg *cfg, int wday)
{
	return (cfg->days & 1u << ((wday + 7) % 7)) != 0;
}

bool
wd_working_period(const struct wd_activity_cfg *cfg, time_t now, time_t *start)
{
	struct tm lt, st;
	int min;

	if (localtime_r(&now, &lt) == NULL)
		return false;
	min = lt.tm_hour * 60 + lt.tm_min;
	st = lt;
	st.tm_hour = cfg->from_min / 60;
	st.tm_min = cfg->from_min % 60;
	st.tm_sec = 0;
	st.tm_isdst = -1; /* the offset of that time, which may differ from now's (DST) */
	if (cfg->from_min < cfg->to_min) {
		if (!is_working_day(cfg, lt.tm_wday) || min < cfg->from_min || min >= cfg->to_min)
			return false;
	} else if (min >= cfg->from_min && is_working_day(cfg, lt.tm_wday)) {
		/* the evening part of a period that runs past midnight */
	} else if (min < cfg->to_min && is_working_day(cfg, lt.tm_wday - 1)) {
		st.tm_mday--; /* the morning part: the period began yesterday; mktime normalises */
	} else
		return false;
	if (cfg->from_min == 0 && cfg->to_min == 1440)
		/* Round the clock: consecutive working days make one period, so midnight
		 * neither clears the alert nor restarts the wait for the threshold. */
		for (int back = 1; back < 7 && is_working_day(cfg, lt.tm_wday - back); back++)
			st.tm_mday--;
	if (start != NULL)
		*start = mktime(&st);
	return true;
}

bool
wd_activity_should_alert(const struct wd_activity_cfg *cfg, double now, bool have_call,
    double last_call)
{
	time_t start;

	/* now is after 1970, so the cast rounds down */
	if (!(cfg->threshold_s > 0) || !wd_working_period(cfg, (time_t)now, &start))
		return false;
	/* Calls logged before the period began count too: the time without a call must lie
	 * inside it, so a quiet night does not alert the moment the office opens. */
	if (now - (double)start < cfg->threshold_s)
		return false;
	return !have_call || now - last_call > cfg->threshold_s;
}

/* ------------------------------------------------------------------------------------ */
/* The check                                                                             */
/* ------------------------------------------------------------------------------------ */

static void
activity_timer_cb(uv_timer_t *t)
{
	wd_activity_check(t->data);
}

void
wd_activity_init(struct wd *wd)
{
	uv_timer_init(wd->svc->uv, &wd->activity.timer);
	wd->activity.timer.data = wd;
}

void
wd_activity_fini(struct wd *wd)
{
	uv_close((uv_handle_t *)&wd->activity.timer, NULL);
}

/* The calls table arrives with migration 0003: without it the check stays off, quietly
 * after the first log line, rather than failing the watchdog's start. */
static void
activity_prepare(struct wd *wd)
{
	static bool logged;

	if (wd->activity.prepared)
		return;
	if (hs_db_prepare(wd->svc->db, "wd_calls_newest",
		"SELECT extract(epoch FROM max(start_ts))::float8 FROM calls") == HS_OK) {
		wd->activity.prepared = true;
		return;
	}
	if (!logged)
		hs_log_warn("db_activity.prepare", "err=%s note=%s",
		    hs_logq(hs_db_error(wd->svc->db)),
		    hs_logq("no calls table: the database activity check is off"));
	logged = true;
}

/* Logs an invalid setting: once per value, not on every re-read. */
static void
invalid(const char *key, const char *value, const char *why, bool changed)
{
	if (changed)
		hs_log_warn("setting.invalid", "key=%s value=%s reason=%s note=%s", key,
		    hs_logq(value), hs_logq(why),
		    hs_logq("the database activity check is off until this is fixed"));
}

/* Reads the three settings; logs a change, or an invalid value, once.  On a database error
 * keeps what it had (a reconnect reads them again). */
static void
activity_read(struct wd *wd)
{
	struct wd_activity *a = &wd->activity;
	struct wd_activity_cfg cfg;
	char raw[3][128], err[160], days[64];
	bool changed[3];
	double minutes = 0;
	bool ok = true;

	memset(raw, 0, sizeof(raw));
	for (int i = 0; i < 3; i++) {
		int found = wd_db_setting_text(wd, setting_keys[i], raw[i], sizeof(raw[i]));
		if (found < 0) {
			hs_log_warn("db_activity.settings", "key=%s err=%s note=%s",
			    setting_keys[i], hs_logq(hs_db_error(wd->svc->db)),
			    hs_logq("keeping the last settings"));
			return;
		}
		if (found == 0)
			snprintf(raw[i], sizeof(raw[i]), "%s", setting_defaults[i]);
		changed[i] = !a->loaded || strcmp(raw[i], a->raw[i]) != 0;
	}
	if (!changed[0] && !changed[1] && !changed[2])
		return;
	a->loaded = true;
	memcpy(a->raw, raw, sizeof(raw));

	memset(&cfg, 0, sizeof(cfg));
	if (wd_threshold_parse(raw[0], &minutes, err, sizeof(err)) != HS_OK) {
		invalid(setting_keys[0], raw[0], err, changed[0]);
		ok = false;
	}
	if (wd_hours_parse(raw[1], &cfg.from_min, &cfg.to_min, err, sizeof(err)) != HS_OK) {
		invalid(setting_keys[1], raw[1], err, changed[1]);
		ok = false;
	}
	if (wd_days_parse(raw[2], &cfg.days, err, sizeof(err)) != HS_OK) {
		invalid(setting_keys[2], raw[2], err, changed[2]);
		ok = false;
	}
	a->valid = ok;
	if (!ok)
		return;
	cfg.threshold_s = minutes * 60;
	a->cfg = cfg;
	wd_days_format(cfg.days, days, sizeof(days));
	hs_log_info("db_activity.config", "threshold_min=%g working_hours=%s working_days=%s",
	    minutes, hs_logq(raw[1]), hs_logq(days));
}

void
wd_activity_reload(struct wd *wd)
{
	struct wd_activity *a = &wd->activity;
	char keys[1][256];

	if (wd->db_state != WD_DB_OK)
		return;
	if (!a->loaded)
		/* An alert still open from before a restart: clear it, do not raise it twice. */
		a->raised = wd_db_open_alert_keys(wd, ALERT_CODE, keys, 1) > 0;
	activity_prepare(wd);
	activity_read(wd);
	wd_activity_check(wd);
}

/* Runs the timer while the check is on: every threshold/2, between 1 s and 60 s. */
static void
activity_schedule(struct wd *wd)
{
	struct wd_activity *a = &wd->activity;
	uint64_t ms = 0;

	if (a->checking) {
		double half = a->cfg.threshold_s * 500;
		ms = half < 1000 ? 1000 : half > 60000 ? 60000 : (uint64_t)half;
	}
	if (ms == a->interval_ms)
		return;
	a->interval_ms = ms;
	if (ms == 0)
		uv_timer_stop(&a->timer);
	else
		uv_timer_start(&a->timer, activity_timer_cb, ms, ms);
}

/* The newest calls.start_ts into a->last_call; false when the query failed. */
static bool
activity_query(struct wd *wd)
{
	struct wd_activity *a = &wd->activity;
	PGresult *res;

	if (hs_db_exec(wd->svc->db, "wd_calls_newest", 0, NULL, &res) != HS_OK) {
		if (!a->query_failed)
			hs_log_warn("db_activity.query", "err=%s note=%s",
			    hs_logq(hs_db_error(wd->svc->db)),
			    hs_logq("cannot tell whether calls are logged; retrying"));
		a->query_failed = true;
		return false;
	}
	a->query_failed = false;
	a->have_call = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
	a->last_call = a->have_call ? strtod(PQgetvalue(res, 0, 0), NULL) : 0;
	PQclear(res);
	return true;
}

static void
activity_raise(struct wd *wd)
{
	struct wd_activity *a = &wd->activity;
	char since[64], days[64];
	time_t t = (time_t)a->last_call;
	struct tm lt;

	wd_days_format(a->cfg.days, days, sizeof(days));
	if (a->have_call && localtime_r(&t, &lt) != NULL) {
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S %Z", &lt);
		wd_alert(wd, "warning", "watchdog", ALERT_CODE, NULL,
		    "no call logged since %s: longer than the %g min inactivity threshold "
		    "(working hours %s on %s)", since, a->cfg.threshold_s / 60, a->raw[1], days);
	} else
		wd_alert(wd, "warning", "watchdog", ALERT_CODE, NULL,
		    "no call has been logged at all, and working hours (%s on %s) began more "
		    "than the %g min inactivity threshold ago", a->raw[1], days,
		    a->cfg.threshold_s / 60);
}

void
wd_activity_check(struct wd *wd)
{
	struct wd_activity *a = &wd->activity;
	double now = (double)hs_now_ms() / 1e3;
	bool on, alert = false;
	time_t start;

	on = wd->db_state == WD_DB_OK && a->valid && a->prepared && a->cfg.threshold_s > 0 &&
	    hs_service_needed(HS_SVC_LOGGER, wd->roles);
	if (on != a->checking)
		hs_log_info("db_activity.check", "state=%s", on ? "on" : "off");
	a->checking = on;
	activity_schedule(wd);

	/* Outside a working period, or early in one, there is nothing to ask the database. */
	if (on && wd_working_period(&a->cfg, (time_t)now, &start) &&
	    now - (double)start >= a->cfg.threshold_s) {
		if (!activity_query(wd))
			return; /* cannot tell: leave the alert as it is */
		alert = wd_activity_should_alert(&a->cfg, now, a->have_call, a->last_call);
	}
	if (alert && !a->raised) {
		a->raised = true;
		activity_raise(wd);
	} else if (!alert && a->raised) {
		a->raised = false;
		wd_alert_clear(wd, "watchdog", ALERT_CODE, NULL);
	}
}

void
wd_activity_status(struct wd *wd, cJSON *body)
{
	struct wd_activity *a = &wd->activity;
	cJSON *o = cJSON_AddObjectToObject(body, "db_activity");
	char days[64];

	if (o == NULL)
		return;
	cJSON_AddBoolToObject(o, "checking", a->checking);
	cJSON_AddBoolToObject(o, "valid", a->valid);
	if (a->valid) {
		wd_days_format(a->cfg.days, days, sizeof(days));
		cJSON_AddNumberToObject(o, "threshold_min", a->cfg.threshold_s / 60);
		cJSON_AddStringToObject(o, "working_hours", a->raw[1]);
		cJSON_AddStringToObject(o, "working_days", days);
	}
	if (a->checking && a->have_call)
		cJSON_AddNumberToObject(o, "last_call_age_s",
		    (double)hs_now_ms() / 1e3 - a->last_call);
	cJSON_AddBoolToObject(o, "alert", a->raised);
}
