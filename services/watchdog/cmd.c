/*
 * cmd.c - the watchdog's commands (served on its REP socket; hookswitchctl is the client).
 *
 * The watchdog holds the live state of every service of its server, so `status` stays
 * answerable while a service is stuck.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "watchdog.h"

static struct wd *
wd_of(void *arg)
{
	return ((struct hs_svc *)arg)->priv;
}

static void
cmd_status(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct hs_svc *svc = arg;
	struct wd *wd = wd_of(arg);
	long long now = hs_mono_ms();
	cJSON *body = cJSON_CreateObject(), *db, *arr, *it;

	(void)msg;
	cJSON_AddNumberToObject(body, "server", svc->server_id);
	cJSON_AddStringToObject(body, "roles", wd->roles_text);
	cJSON_AddBoolToObject(body, "stopping", wd->draining);

	db = cJSON_AddObjectToObject(body, "db");
	cJSON_AddStringToObject(db, "state",
	    wd->db_state == WD_DB_OK ? "ok" : "migration_failed");
	cJSON_AddBoolToObject(db, "connected", hs_db_connected(svc->db));
	cJSON_AddNumberToObject(db, "schema_version", wd->schema_version);
	if (wd->db_error[0] != '\0')
		cJSON_AddStringToObject(db, "error", wd->db_error);

	arr = cJSON_AddArrayToObject(body, "services");
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "name", "watchdog");
	cJSON_AddBoolToObject(it, "wanted", 1);
	cJSON_AddStringToObject(it, "state", wd->draining ? "stopping" : "up");
	cJSON_AddNumberToObject(it, "pid", getpid());
	cJSON_AddNumberToObject(it, "uptime_s", (double)(now - svc->started_ms) / 1e3);
	cJSON_AddNumberToObject(it, "restarts", 0);
	cJSON_AddItemToArray(arr, it);
	for (int i = 1; i < HS_SVC_COUNT; i++) {
		struct wd_child *c = &wd->child[i];
		int running = c->state == WD_STARTING || c->state == WD_UP ||
		    c->state == WD_STOPPING;

		it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "name", c->name);
		cJSON_AddBoolToObject(it, "wanted", c->want_up);
		cJSON_AddStringToObject(it, "state", wd_state_name(c->state));
		cJSON_AddNumberToObject(it, "pid", c->pid);
		cJSON_AddNumberToObject(it, "uptime_s",
		    running ? (double)(now - c->started_ms) / 1e3 : 0);
		cJSON_AddNumberToObject(it, "restarts", c->restarts);
		if (c->state == WD_UP)
			cJSON_AddNumberToObject(it, "heartbeat_age_s",
			    (double)(now - c->last_hb_ms) / 1e3);
		if (c->state == WD_BACKOFF)
			cJSON_AddNumberToObject(it, "backoff_s", c->backoff_s);
		if (c->last_exit[0] != '\0')
			cJSON_AddStringToObject(it, "last_exit", c->last_exit);
		cJSON_AddItemToArray(arr, it);
	}

	cJSON_AddNumberToObject(body, "disk_threshold_pct", wd->disk_threshold_pct);
	arr = cJSON_AddArrayToObject(body, "disks");
	for (int i = 0; i < wd->ndisks; i++) {
		it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "mount", wd->disks[i].mount);
		cJSON_AddStringToObject(it, "fstype", wd->disks[i].fstype);
		cJSON_AddNumberToObject(it, "free_pct", wd->disks[i].free_pct);
		cJSON_AddNumberToObject(it, "free_bytes", (double)wd->disks[i].free_bytes);
		cJSON_AddNumberToObject(it, "total_bytes", (double)wd->disks[i].total_bytes);
		cJSON_AddBoolToObject(it, "low", wd->disks[i].low);
		cJSON_AddItemToArray(arr, it);
	}
	wd_activity_status(wd, body);
	cJSON_AddNumberToObject(body, "queued_alerts", wd_db_queued_alerts());
	hs_bus_reply(req, HS_OK, body, NULL);
}

static void
cmd_service_restart(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct wd *wd = wd_of(arg);
	cJSON *name = cJSON_GetObjectItemCaseSensitive(msg->body, "service");
	int id;

	if (!cJSON_IsString(name)) {
		hs_bus_reply(req, HS_EINVAL, NULL, "field 'service' (string) is required");
		return;
	}
	id = hs_service_lookup(name->valuestring);
	if (id <= 0) {
		hs_bus_reply(req, HS_ENOTFOUND, NULL, "no service '%s'", name->valuestring);
		return;
	}
	if (!wd->child[id].want_up) {
		hs_bus_reply(req, HS_EINVAL, NULL, "%s does not run on this server (roles: %s)",
		    name->valuestring, wd->roles_text);
		return;
	}
	wd_restart_child(&wd->child[id], "restart requested");
	hs_bus_reply(req, HS_OK, NULL, "restarting %s", name->valuestring);
}

static void
cmd_db_migrate(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct wd *wd = wd_of(arg);
	cJSON *body;
	int before = wd->schema_version;

	(void)msg;
	if (wd_db_migrate(wd) != 0) {
		hs_bus_reply(req, HS_EDB, NULL, "%s", wd->db_error);
		return;
	}
	if (wd_db_prepare(wd) != 0 || wd_db_load_roles(wd) != 0) {
		hs_bus_reply(req, HS_EDB, NULL, "%s", hs_db_error(wd->svc->db));
		return;
	}
	wd_db_flush_alerts(wd);
	wd_svc_alert_load(wd);
	wd_activity_reload(wd); /* the calls table may have just arrived */
	wd_reconcile(wd);
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "from_version", before);
	cJSON_AddNumberToObject(body, "schema_version", wd->schema_version);
	hs_bus_reply(req, HS_OK, body, "schema at version %d", wd->schema_version);
}

static void
cmd_logs_archive(void *arg, hs_bus_req *req, const hs_env *msg)
{
	hs_err rv;

	(void)msg;
	rv = wd_archive_now(wd_of(arg), req);
	if (rv == HS_EBUSY)
		hs_bus_reply(req, rv, NULL, "an archive is being written");
	else if (rv != HS_OK)
		hs_bus_reply(req, rv, NULL, "cannot archive the logs (see the watchdog log)");
	/* HS_OK: answered when tar is done. */
}

const struct hs_bus_cmd wd_cmds[] = {
	{ "status", HS_CMD_READONLY, cmd_status,
	    "each service: state, pid, uptime, restarts; database; disks; database activity "
	    "check" },
	{ "service.restart", HS_CMD_MUTATING, cmd_service_restart,
	    "restart one service now: {\"service\": NAME}" },
	{ "db.migrate", HS_CMD_MUTATING, cmd_db_migrate,
	    "apply pending migrations, then start services held back by a failed one" },
	{ "logs.archive", HS_CMD_MUTATING, cmd_logs_archive, "archive the rotated logs now" },
	{ NULL, 0, NULL, NULL },
};
