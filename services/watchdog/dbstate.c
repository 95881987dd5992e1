/*
 * dbstate.c - what the watchdog reads from and writes to PostgreSQL: migrations at start, this
 * server's row and roles, settings, and alerts.
 *
 * Alerts must not be lost while the database is away: an alert that cannot be written is kept
 * in memory (up to WD_ALERT_QUEUE_MAX, oldest dropped with a log line) and written, in order,
 * when the connection comes back.  Clears go through the same queue, so a clear never reaches
 * the table before the alert it clears (a service that spools while PostgreSQL is down raises
 * and clears its alert before the database is back).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate.h"
#include "watchdog.h"

#define WD_ALERT_QUEUE_MAX 1000

struct pending_alert {
	bool clear;             /* sets cleared_at of (source, code, key) instead of a new row */
	char severity[16], source[32], code[64], key[256], text[512], details[512];
	struct pending_alert *next;
};

static struct pending_alert *queue_head, *queue_tail;
static int queue_len;

static const struct {
	const char *name, *sql;
} statements[] = {
	{ "wd_server_get", "SELECT array_to_string(roles, ',') FROM servers WHERE id = $1" },
	{ "wd_server_add",
	    "INSERT INTO servers (id, name, host, roles) "
	    "VALUES ($1, $2, $3, string_to_array($4, ',')) ON CONFLICT (id) DO NOTHING" },
	{ "wd_setting",
	    "SELECT value FROM settings WHERE key = $1 AND server_id IN (0, $2) "
	    "ORDER BY server_id DESC LIMIT 1" },
	{ "wd_alert_add",
	    "INSERT INTO alerts (server_id, severity, source, code, text, details) "
	    "VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id" },
	{ "wd_alert_open",
	    "SELECT coalesce(details->>'key', '') FROM alerts WHERE server_id = $1 "
	    "AND code = $2 AND cleared_at IS NULL" },
	{ "wd_alert_clear",
	    "UPDATE alerts SET cleared_at = now() WHERE server_id = $1 AND source = $2 "
	    "AND code = $3 AND coalesce(details->>'key', '') = $4 AND cleared_at IS NULL" },
	{ "wd_alert_open_svc",
	    "SELECT source, code FROM alerts WHERE server_id = $1 AND cleared_at IS NULL "
	    "AND details->>'via' = 'svc.alert'" },
};

int
wd_db_migrate(struct wd *wd)
{
	struct hs_migrate_status st;
	const char *dir = hs_conf_str(wd->svc->conf, "paths.migrations");
	char msg[512] = "";
	int applied = 0;
	hs_err rv;

	rv = hs_migrate_apply(wd->svc->db, dir, &applied, msg, sizeof(msg));
	if (rv == HS_OK && hs_migrate_status(wd->svc->db, dir, &st, msg, sizeof(msg)) == HS_OK) {
		wd->schema_version = st.current;
		hs_migrate_status_free(&st);
	}
	if (rv != HS_OK) {
		wd->db_state = WD_DB_MIGRATION_FAILED;
		snprintf(wd->db_error, sizeof(wd->db_error), "%s", msg);
		hs_log_error("db.migrate.failed", "dir=%s err=%s reason=%s note=%s", hs_logq(dir),
		    hs_err_name(rv), hs_logq(msg),
		    hs_logq("services are not started until the database is migrated "
			    "(fix the migration, then: hookswitchctl db migrate)"));
		return -1;
	}
	wd->db_state = WD_DB_OK;
	wd->db_error[0] = '\0';
	hs_log_info("db.migrated", "applied=%d version=%d", applied, wd->schema_version);
	return 0;
}

int
wd_db_prepare(struct wd *wd)
{
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		if (hs_db_prepare(wd->svc->db, statements[i].name, statements[i].sql) != HS_OK) {
			hs_log_error("db.prepare", "name=%s err=%s", statements[i].name,
			    hs_logq(hs_db_error(wd->svc->db)));
			return -1;
		}
	}
	return 0;
}

/*
 * Reads this server's roles.  On first start the server registers itself with server.roles
 * from the configuration; afterwards the servers table is authoritative (the web admin site
 * edits it, and a NOTIFY brings the change here).
 */
int
wd_db_load_roles(struct wd *wd)
{
	hs_conf *conf = wd->svc->conf;
	char id[8], host[256], err[128], rolebuf[256];
	const char *params[4];
	PGresult *res;
	unsigned mask;

	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	params[0] = id;
	if (hs_db_exec(wd->svc->db, "wd_server_get", 1, params, &res) != HS_OK)
		goto dberr;
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (hs_roles_parse(hs_conf_str(conf, "server.roles"), &mask, err, sizeof(err)) !=
		    HS_OK) {
			hs_log_error("server.register", "err=%s", hs_logq(err));
			return -1;
		}
		mask |= HS_ROLE_BIT(HS_ROLE_WCF);
		hs_roles_format(mask, rolebuf, sizeof(rolebuf));
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		params[1] = *hs_conf_str(conf, "server.name") ? hs_conf_str(conf, "server.name") :
								host;
		params[2] = *hs_conf_str(conf, "server.host") ? hs_conf_str(conf, "server.host") :
								host;
		params[3] = rolebuf;
		if (hs_db_exec(wd->svc->db, "wd_server_add", 4, params, NULL) != HS_OK)
			goto dberr;
		hs_log_info("server.register", "id=%s name=%s roles=%s", id, hs_logq(params[1]),
		    rolebuf);
		if (hs_db_exec(wd->svc->db, "wd_server_get", 1, params, &res) != HS_OK)
			goto dberr;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		hs_log_error("server.roles", "id=%s note=%s", id, hs_logq("server row vanished"));
		return -1;
	}
	if (hs_roles_parse(PQgetvalue(res, 0, 0), &mask, err, sizeof(err)) != HS_OK) {
		/* The table's CHECK should prevent this; keep the old roles. */
		hs_log_error("server.roles", "id=%s err=%s", id, hs_logq(err));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	mask |= HS_ROLE_BIT(HS_ROLE_WCF);
	if (mask != wd->roles) {
		hs_roles_format(mask, wd->roles_text, sizeof(wd->roles_text));
		hs_log_info("server.roles", "id=%s roles=%s", id, wd->roles_text);
		wd->roles = mask;
	}
	return 0;
dberr:
	hs_log_error("server.roles", "id=%s err=%s", id, hs_logq(hs_db_error(wd->svc->db)));
	return -1;
}

int
wd_db_setting_text(struct wd *wd, const char *key, char *buf, size_t len)
{
	char id[8];
	const char *params[2] = { key, id };
	PGresult *res;
	int found;

	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	if (hs_db_exec(wd->svc->db, "wd_setting", 2, params, &res) != HS_OK)
		return -1;
	found = PQntuples(res) == 1;
	if (found)
		snprintf(buf, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

double
wd_db_setting_double(struct wd *wd, const char *key, double def)
{
	char text[256], *end;
	double v;

	if (wd_db_setting_text(wd, key, text, sizeof(text)) != 1)
		return def;
	v = strtod(text, &end);
	if (end == text || *end != '\0') {
		hs_log_warn("setting.invalid", "key=%s value=%s using=%g", key, hs_logq(text), def);
		return def;
	}
	return v;
}

/* ------------------------------------------------------------------------------------ */
/* Alerts                                                                               */
/* ------------------------------------------------------------------------------------ */

/* Cuts s, which snprintf may have cut inside a character, back to whole UTF-8 characters:
 * PostgreSQL refuses a broken sequence, and a refused row is a lost alert. */
static void
utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char c;

	while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

static hs_err
alert_write(struct wd *wd, const struct pending_alert *a)
{
	char id[8];
	const char *add[6] = { id, a->severity, a->source, a->code, a->text, a->details };
	const char *clear[4] = { id, a->source, a->code, a->key };

	if (wd->db_state != WD_DB_OK)
		return HS_EDB;
	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	if (a->clear)
		return hs_db_exec(wd->svc->db, "wd_alert_clear", 4, clear, NULL);
	return hs_db_exec(wd->svc->db, "wd_alert_add", 6, add, NULL);
}

static void
queue_push(struct pending_alert *a)
{
	if (queue_len >= WD_ALERT_QUEUE_MAX) {
		struct pending_alert *old = queue_head;
		queue_head = old->next;
		hs_log_error("alert.dropped", "code=%s clear=%d text=%s note=%s", old->code,
		    old->clear, hs_logq(old->text),
		    hs_logq("alert queue full while the database is away"));
		free(old);
		queue_len--;
		if (queue_head == NULL)
			queue_tail = NULL;
	}
	a->next = NULL;
	if (queue_tail != NULL)
		queue_tail->next = a;
	else
		queue_head = a;
	queue_tail = a;
	queue_len++;
}

void
wd_db_flush_alerts(struct wd *wd)
{
	while (queue_head != NULL) {
		struct pending_alert *a = queue_head;
		hs_err rv = alert_write(wd, a);

		if (rv != HS_OK) {
			/*
			 * Still connected: PostgreSQL refused this row itself.  Retrying it would
			 * hold back every later alert for good, so it is logged in full and
			 * dropped.  Not connected: wait for the reconnect.
			 */
			if (rv != HS_EDB || wd->db_state != WD_DB_OK ||
			    !hs_db_connected(wd->svc->db))
				return;
			hs_log_error("alert.refused", "source=%s code=%s clear=%d text=%s err=%s",
			    a->source, a->code, a->clear, hs_logq(a->text),
			    hs_logq(hs_db_error(wd->svc->db)));
		}
		queue_head = a->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		queue_len--;
		free(a);
	}
}

int
wd_db_queued_alerts(void)
{
	return queue_len;
}

/* Writes a, or queues it behind what is already waiting; takes ownership of a. */
static void
alert_submit(struct wd *wd, struct pending_alert *a)
{
	/* Keep order: nothing overtakes alerts still queued. */
	wd_db_flush_alerts(wd);
	if (queue_head == NULL && alert_write(wd, a) == HS_OK) {
		free(a);
		return;
	}
	hs_log_warn("alert.queued", "code=%s clear=%d queued=%d reason=%s", a->code, a->clear,
	    queue_len + 1,
	    hs_logq(wd->db_state == WD_DB_OK ? hs_db_error(wd->svc->db) : "database not migrated"));
	queue_push(a);
}

void
wd_alert_details(struct wd *wd, const char *severity, const char *source, const char *code,
    cJSON *details, const char *text)
{
	struct pending_alert *a = calloc(1, sizeof(*a));
	cJSON *ev;
	char *dj;

	if (a == NULL) {
		cJSON_Delete(details);
		hs_log_error("alert.dropped", "code=%s text=%s note=%s", code, hs_logq(text),
		    hs_logq("out of memory"));
		return;
	}
	snprintf(a->severity, sizeof(a->severity), "%s", severity);
	snprintf(a->source, sizeof(a->source), "%s", source);
	snprintf(a->code, sizeof(a->code), "%s", code);
	snprintf(a->text, sizeof(a->text), "%s", text);
	utf8_trim(a->text);
	dj = details != NULL ? cJSON_PrintUnformatted(details) : NULL;
	/* Details are small (a key, a marker); {} rather than a cut JSON document. */
	snprintf(a->details, sizeof(a->details), "%s",
	    dj != NULL && strlen(dj) < sizeof(a->details) ? dj : "{}");
	free(dj);
	cJSON_Delete(details);

	hs_log_warn("alert.raised", "severity=%s source=%s code=%s text=%s", severity, source,
	    code, hs_logq(a->text));
	if (wd->svc->bus != NULL) {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "severity", severity);
		cJSON_AddStringToObject(ev, "source", source);
		cJSON_AddStringToObject(ev, "code", code);
		cJSON_AddStringToObject(ev, "text", a->text);
		hs_bus_publish(wd->svc->bus, "watchdog.alert", ev);
	}
	alert_submit(wd, a);
}

void
wd_alert(struct wd *wd, const char *severity, const char *source, const char *code,
    const char *key, const char *fmt, ...)
{
	char text[512];
	cJSON *details = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (details != NULL && key != NULL)
		cJSON_AddStringToObject(details, "key", key);
	wd_alert_details(wd, severity, source, code, details, text);
}

int
wd_db_open_alert_keys(struct wd *wd, const char *code, char keys[][256], int max)
{
	char id[8];
	const char *params[2] = { id, code };
	PGresult *res;
	int n = 0;

	if (wd->db_state != WD_DB_OK)
		return 0;
	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	if (hs_db_exec(wd->svc->db, "wd_alert_open", 2, params, &res) != HS_OK)
		return 0;
	for (int i = 0; i < PQntuples(res) && n < max; i++)
		snprintf(keys[n++], 256, "%s", PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

int
wd_db_open_svc_alerts(struct wd *wd, void (*cb)(struct wd *, const char *, const char *))
{
	char id[8];
	const char *params[1] = { id };
	PGresult *res;

	if (wd->db_state != WD_DB_OK)
		return -1;
	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	if (hs_db_exec(wd->svc->db, "wd_alert_open_svc", 1, params, &res) != HS_OK) {
		hs_log_warn("alert.load", "err=%s", hs_logq(hs_db_error(wd->svc->db)));
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		cb(wd, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
}

void
wd_alert_clear(struct wd *wd, const char *source, const char *code, const char *key)
{
	struct pending_alert *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		hs_log_error("alert.clear", "code=%s key=%s err=%s", code, hs_logq(key),
		    hs_logq("out of memory"));
		return;
	}
	a->clear = true;
	snprintf(a->source, sizeof(a->source), "%s", source);
	snprintf(a->code, sizeof(a->code), "%s", code);
	snprintf(a->key, sizeof(a->key), "%s", key != NULL ? key : "");
	hs_log_info("alert.cleared", "source=%s code=%s key=%s", source, code, hs_logq(key));
	alert_submit(wd, a);
}
