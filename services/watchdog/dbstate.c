/*
 * dbstate.c - what the watchdog reads from and writes to PostgreSQL: migrations at start, this
 * server's row and roles, settings, and alerts.
 *
 * Alerts must not be lost while the database is away: an alert that cannot be written is kept
 * in memory (up to WD_ALERT_QUEUE_MAX, oldest dropped with a log line) and written, in order,
 * when the connection comes back.
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
	char severity[16], source[32], code[64], text[512], details[256];
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
	    "UPDATE alerts SET cleared_at = now() WHERE server_id = $1 AND code = $2 "
	    "AND coalesce(details->>'key', '') = $3 AND cleared_at IS NULL" },
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

double
wd_db_setting_double(struct wd *wd, const char *key, double def)
{
	char id[8], *end;
	const char *params[2] = { key, id };
	PGresult *res;
	double v = def;

	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	if (hs_db_exec(wd->svc->db, "wd_setting", 2, params, &res) != HS_OK)
		return def;
	if (PQntuples(res) == 1) {
		v = strtod(PQgetvalue(res, 0, 0), &end);
		if (end == PQgetvalue(res, 0, 0) || *end != '\0') {
			hs_log_warn("setting.invalid", "key=%s value=%s using=%g", key,
			    hs_logq(PQgetvalue(res, 0, 0)), def);
			v = def;
		}
	}
	PQclear(res);
	return v;
}

/* ------------------------------------------------------------------------------------ */
/* Alerts                                                                               */
/* ------------------------------------------------------------------------------------ */

static hs_err
alert_write(struct wd *wd, const struct pending_alert *a)
{
	char id[8];
	const char *params[6] = { id, a->severity, a->source, a->code, a->text, a->details };

	if (wd->db_state != WD_DB_OK)
		return HS_EDB;
	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	return hs_db_exec(wd->svc->db, "wd_alert_add", 6, params, NULL);
}

static void
queue_push(struct pending_alert *a)
{
	if (queue_len >= WD_ALERT_QUEUE_MAX) {
		struct pending_alert *old = queue_head;
		queue_head = old->next;
		hs_log_error("alert.dropped", "code=%s text=%s note=%s", old->code,
		    hs_logq(old->text), hs_logq("alert queue full while the database is away"));
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
		if (alert_write(wd, a) != HS_OK)
			return;
		queue_head = a->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		queue_len--;
		free(a);
	}
}

void
wd_alert(struct wd *wd, const char *severity, const char *source, const char *code,
    const char *key, const char *fmt, ...)
{
	struct pending_alert *a = calloc(1, sizeof(*a));
	cJSON *details, *ev;
	char *dj;
	va_list ap;

	if (a == NULL)
		return;
	snprintf(a->severity, sizeof(a->severity), "%s", severity);
	snprintf(a->source, sizeof(a->source), "%s", source);
	snprintf(a->code, sizeof(a->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
	details = cJSON_CreateObject();
	if (key != NULL)
		cJSON_AddStringToObject(details, "key", key);
	dj = cJSON_PrintUnformatted(details);
	snprintf(a->details, sizeof(a->details), "%s", dj != NULL ? dj : "{}");
	free(dj);
	cJSON_Delete(details);

	hs_log_warn("alert.raised", "severity=%s source=%s code=%s text=%s", severity, source,
	    code, hs_logq(a->text));
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "severity", severity);
	cJSON_AddStringToObject(ev, "source", source);
	cJSON_AddStringToObject(ev, "code", code);
	cJSON_AddStringToObject(ev, "text", a->text);
	hs_bus_publish(wd->svc->bus, "watchdog.alert", ev);

	/* Keep order: nothing overtakes alerts still queued. */
	wd_db_flush_alerts(wd);
	if (queue_head == NULL && alert_write(wd, a) == HS_OK) {
		free(a);
		return;
	}
	hs_log_warn("alert.queued", "code=%s queued=%d reason=%s", code, queue_len + 1,
	    hs_logq(wd->db_state == WD_DB_OK ? hs_db_error(wd->svc->db) : "database not migrated"));
	queue_push(a);
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

void
wd_alert_clear(struct wd *wd, const char *code, const char *key)
{
	char id[8];
	const char *params[3] = { id, code, key != NULL ? key : "" };

	if (wd->db_state != WD_DB_OK)
		return;
	snprintf(id, sizeof(id), "%d", wd->svc->server_id);
	if (hs_db_exec(wd->svc->db, "wd_alert_clear", 3, params, NULL) == HS_OK)
		hs_log_info("alert.cleared", "code=%s key=%s", code, hs_logq(key));
}
