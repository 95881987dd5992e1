/*
 * svcalert.c - alerts raised by the supervised services themselves.
 *
 * Any service may publish svc.alert with the body
 *     {"code":"logger.spooling","raised":true,"severity":"warning","message":"..."}
 * (raised:false clears it).  The watchdog subscribes to "svc." on the PUB socket of every
 * service of its server anyway (supervise.c, for the heartbeats), so these events arrive on
 * the same subscription and child_on_event hands them here with the service's name.
 *
 * A raise becomes an alerts row through wd_alert_details(), so it is queued while PostgreSQL
 * is away and written when it returns: the logger raises logger.spooling exactly because
 * PostgreSQL is down.  A clear goes through the same queue behind it.
 *
 * The open ones are remembered as "<source> <code>" in wd->svc_alerts, so a service that
 * repeats raised:true (each time its spool grows, say) adds no second row, and a clear of
 * something never raised writes nothing (a service may clear its codes at start, to close
 * what a previous run of it left open).  The set is loaded from the table at start, so a
 * watchdog restart does not forget alerts still open; those rows are told apart from the
 * watchdog's own by details {"via":"svc.alert"}.
 */
#include <stdio.h>
#include <string.h>

#include "watchdog.h"

/* Open svc.alert alerts kept in memory: a runaway publisher must not grow the set forever. */
#define WD_SVC_ALERTS_MAX 256

static const char *const severities[] = { "info", "warning", "error", "critical", NULL };

/* The value of every entry of wd->svc_alerts: the map stores pointers, only presence counts. */
static int open_marker;

static hs_err
bad(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return HS_EINVAL;
}

/* ^[a-z0-9_]+(\.[a-z0-9_]+)+$, the alerts table's CHECK on code. */
static bool
code_valid(const char *s)
{
	size_t seg = 0;
	int dots = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (seg == 0)
				return false;
			dots++;
			seg = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')
			seg++;
		else
			return false;
	}
	return dots > 0 && seg > 0;
}

/* Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF): PostgreSQL refuses
 * anything else, and a refused row would be a lost alert. */
static bool
utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s != '\0') {
		unsigned c = *s, n, cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false; /* also stops at the terminating NUL */
			cp = cp << 6 | (s[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}

/* Copies valid UTF-8 src into dst, cut at a character boundary when it does not fit. */
static void
copy_utf8(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len) {
		n = len - 1;
		/* src[n] is the first byte left out: back off to the start of its character. */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

hs_err
wd_svc_alert_parse(const cJSON *body, struct wd_svc_alert *a, char *err, size_t errlen)
{
	const cJSON *code, *raised, *sev, *msg;
	int i;

	memset(a, 0, sizeof(*a));
	if (!cJSON_IsObject(body))
		return bad(err, errlen, "the body is not a JSON object");
	code = cJSON_GetObjectItemCaseSensitive(body, "code");
	raised = cJSON_GetObjectItemCaseSensitive(body, "raised");
	sev = cJSON_GetObjectItemCaseSensitive(body, "severity");
	msg = cJSON_GetObjectItemCaseSensitive(body, "message");

	if (!cJSON_IsString(code))
		return bad(err, errlen, "'code' (string) is required");
	if (strlen(code->valuestring) >= sizeof(a->code))
		return bad(err, errlen, "'code' is longer than 63 characters");
	if (!code_valid(code->valuestring))
		return bad(err, errlen,
		    "'code' must be lower.dot.case: parts of a-z, 0-9 and _, at least two");
	snprintf(a->code, sizeof(a->code), "%s", code->valuestring);
	if (!cJSON_IsBool(raised))
		return bad(err, errlen, "'raised' (true or false) is required");
	a->raised = cJSON_IsTrue(raised);
	if (!a->raised)
		return HS_OK; /* a clear needs only the code; severity and message are ignored */

	if (!cJSON_IsString(sev))
		return bad(err, errlen, "'severity' (string) is required when raised");
	for (i = 0; severities[i] != NULL; i++)
		if (strcmp(sev->valuestring, severities[i]) == 0)
			break;
	if (severities[i] == NULL)
		return bad(err, errlen, "'severity' must be info, warning, error or critical");
	snprintf(a->severity, sizeof(a->severity), "%s", severities[i]);
	if (!cJSON_IsString(msg) || msg->valuestring[0] == '\0')
		return bad(err, errlen, "'message' (non-empty string) is required when raised");
	if (!utf8_valid(msg->valuestring))
		return bad(err, errlen, "'message' is not valid UTF-8");
	copy_utf8(a->message, sizeof(a->message), msg->valuestring);
	return HS_OK;
}

static void
load_one(struct wd *wd, const char *source, const char *code)
{
	char key[128];

	snprintf(key, sizeof(key), "%s %s", source, code);
	if (hs_map_put(wd->svc_alerts, key, &open_marker) != HS_OK)
		hs_log_error("svc_alert.load", "source=%s code=%s err=%s", source, code,
		    hs_logq("out of memory"));
}

void
wd_svc_alert_load(struct wd *wd)
{
	if (wd->svc_alerts == NULL && (wd->svc_alerts = hs_map_new()) == NULL) {
		hs_log_error("svc_alert.load", "err=%s", hs_logq("out of memory"));
		return;
	}
	if (wd_db_open_svc_alerts(wd, load_one) == 0 && hs_map_len(wd->svc_alerts) > 0)
		hs_log_info("svc_alert.open", "count=%zu note=%s", hs_map_len(wd->svc_alerts),
		    hs_logq("raised by services before this start; a clear will close them"));
}

void
wd_svc_alert_fini(struct wd *wd)
{
	hs_map_free(wd->svc_alerts);
	wd->svc_alerts = NULL;
}

hs_err
wd_svc_alert_apply(struct wd *wd, const char *source, const hs_env *ev, char *err,
    size_t errlen)
{
	struct wd_svc_alert a;
	cJSON *details;
	char key[128];
	bool open;
	hs_err rv;

	if ((rv = wd_svc_alert_parse(ev->body, &a, err, errlen)) != HS_OK)
		return rv;
	/* Normally loaded at start; not yet if the watchdog started on a failed migration. */
	if (wd->svc_alerts == NULL)
		wd_svc_alert_load(wd);
	if (wd->svc_alerts == NULL) {
		snprintf(err, errlen, "out of memory");
		return HS_ENOMEM;
	}
	snprintf(key, sizeof(key), "%s %s", source, a.code);
	open = hs_map_get(wd->svc_alerts, key) != NULL;

	if (!a.raised) {
		if (!open) {
			hs_log_debug("svc_alert.clear", "source=%s code=%s note=%s", source, a.code,
			    hs_logq("not raised: nothing to clear"));
			return HS_OK;
		}
		hs_map_del(wd->svc_alerts, key);
		wd_alert_clear(wd, source, a.code, NULL);
		return HS_OK;
	}
	if (open) {
		hs_log_debug("svc_alert.repeat", "source=%s code=%s note=%s", source, a.code,
		    hs_logq("already raised"));
		return HS_OK;
	}
	if (hs_map_len(wd->svc_alerts) >= WD_SVC_ALERTS_MAX) {
		snprintf(err, errlen, "%d alerts raised by services are open already; clear some",
		    WD_SVC_ALERTS_MAX);
		return HS_EBUSY;
	}
	if (hs_map_put(wd->svc_alerts, key, &open_marker) != HS_OK) {
		snprintf(err, errlen, "out of memory");
		return HS_ENOMEM;
	}
	details = cJSON_CreateObject();
	if (details != NULL)
		cJSON_AddStringToObject(details, "via", "svc.alert");
	wd_alert_details(wd, a.severity, source, a.code, details, a.message);
	return HS_OK;
}
