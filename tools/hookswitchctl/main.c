/*
 * hookswitchctl - the command-line client of Hookswitch.
 *
 * The CLI is a table of grammar strings (as smtpctl): each line gives the words to match,
 * with <name> placeholders, and the ctl_* function that sends one request and prints the
 * reply.  Fleet views (status, service restart, logs archive) go to this server's watchdog,
 * `health <service>` to the service itself, `calls` to the logger (calls.c); alerts and
 * `db status` read PostgreSQL directly, so they work while the watchdog is down.  --json
 * prints the reply body unchanged.
 *
 * Exit codes (as s6): 0 success, 1 the service or database said no, 100 usage error,
 * 111 cannot reach the service or the database.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "calls.h"
#include "conf.h"
#include "db.h"
#include "locate.h"
#include "log.h"
#include "migrate.h"
#include "recordings.h"
#include "service.h"
#include "topo.h"

#define EX_OK 0
#define EX_NO 1
#define EX_USAGE 100
#define EX_UNREACH 111

/* A rebuild replays a whole range of the raw journal before it answers: minutes for a busy
 * month, far beyond the 5 s that suits every other request. */
#define REBUILD_TIMEOUT_MS (10 * 60 * 1000)

struct ctl {
	hs_conf *conf;
	int json;
	int timeout_ms;
	int timeout_set; /* -t given: it wins over a command's own default */
	int server;  /* --server N: another server's watchdog; 0 for this one */
	char **argv; /* the command's words */
	int argc;
};

typedef int (*ctl_fn)(struct ctl *ctl);

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */
/* ------------------------------------------------------------------------------------ */

static void
print_json(const cJSON *o)
{
	char *s = cJSON_Print(o);

	printf("%s\n", s != NULL ? s : "null");
	free(s);
}

static const char *
json_str(const cJSON *o, const char *key, const char *def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(it) ? it->valuestring : def;
}

static double
json_num(const cJSON *o, const char *key, double def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(it) ? it->valuedouble : def;
}

static void
fmt_duration(char *buf, size_t len, double s)
{
	long long t = (long long)s;

	if (t >= 86400)
		snprintf(buf, len, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
	else if (t >= 3600)
		snprintf(buf, len, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else if (t >= 60)
		snprintf(buf, len, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(buf, len, "%llds", t);
}

static int ctl_db(struct ctl *ctl, hs_db **db, int quiet);

/*
 * Where to send a request for service svc_id.  The watchdog of this server (or of --server
 * N, found in the servers table) for fleet views; for a single service (`health`) wherever
 * the servers table says it runs, this server first.  Without a database, this server.
 */
static int
ctl_endpoint(struct ctl *ctl, int svc_id, char *url, size_t len)
{
	int own = (int)hs_conf_int(ctl->conf, "server.id");
	char err[256] = "";
	hs_db *db;
	hs_err rv;

	if ((ctl->server == 0 || ctl->server == own) && svc_id == HS_SVC_WATCHDOG) {
		hs_service_endpoint(ctl->conf, svc_id, HS_EP_REP, url, len);
		return EX_OK;
	}
	if (ctl_db(ctl, &db, ctl->server == 0) != EX_OK) {
		if (ctl->server != 0 && ctl->server != own)
			return EX_UNREACH;
		hs_service_endpoint(ctl->conf, svc_id, HS_EP_REP, url, len);
		return EX_OK;
	}
	if (ctl->server != 0)
		rv = hs_locate_on_server(db, ctl->conf, ctl->server, svc_id, HS_EP_REP, url, len,
		    err, sizeof(err));
	else
		rv = hs_locate_service(db, ctl->conf, svc_id, HS_EP_REP, url, len, err, sizeof(err));
	hs_db_close(db);
	if (rv != HS_OK) {
		fprintf(stderr, "hookswitchctl: %s\n", err);
		return EX_NO;
	}
	return EX_OK;
}

/*
 * Sends cmd to service svc_id; on success *reply holds the answer.  Returns an exit code:
 * EX_OK, EX_NO (the service said no; printed), EX_UNREACH (printed).
 */
static int
ctl_request(struct ctl *ctl, int svc_id, const char *cmd, cJSON *body, hs_env *reply)
{
	char url[512];
	hs_err rv;
	int ex;

	if ((ex = ctl_endpoint(ctl, svc_id, url, sizeof(url))) != EX_OK) {
		cJSON_Delete(body);
		return ex;
	}
	rv = hs_bus_call(url, "hookswitchctl", cmd, body, ctl->timeout_ms, reply);
	if (rv != HS_OK) {
		/* Refused or no socket: nothing listens, so the service is not running there
		 * (or not yet); a timeout means it runs but is stuck or busy. */
		fprintf(stderr, "hookswitchctl: cannot reach %s at %s: %s (%s)%s\n",
		    hs_services[svc_id].name, url, hs_strerror(rv), hs_err_name(rv),
		    rv == HS_ECONNREFUSED ? "; is it running? see `hookswitchctl status`" :
		    rv == HS_ETIMEDOUT ? "; it did not answer in time (-t sets the timeout)" : "");
		return EX_UNREACH;
	}
	if (reply->status != HS_OK) {
		if (ctl->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "error", hs_err_name(reply->status));
			cJSON_AddStringToObject(o, "message", reply->message);
			print_json(o);
			cJSON_Delete(o);
		}
		fprintf(stderr, "hookswitchctl: %s: %s: %s\n", hs_services[svc_id].name,
		    hs_err_name(reply->status), reply->message);
		hs_env_clear(reply);
		return EX_NO;
	}
	return EX_OK;
}

/* Connects to PostgreSQL with the configured conninfo (one attempt). */
static int
ctl_db(struct ctl *ctl, hs_db **db, int quiet)
{
	if (hs_db_open(db, hs_conf_str(ctl->conf, "db.conninfo"), NULL) != HS_OK)
		return EX_UNREACH;
	if (hs_db_connect(*db, 0) != HS_OK) {
		if (!quiet)
			fprintf(stderr, "hookswitchctl: cannot reach the database: %s\n",
		    hs_db_error(*db));
		hs_db_close(*db);
		return EX_UNREACH;
	}
	return EX_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Commands                                                                             */
/* ------------------------------------------------------------------------------------ */

/* cti-host's link state when cti-host runs on this server (from its health), else NULL. */
static cJSON *
ctl_pbx_link(struct ctl *ctl, const cJSON *status)
{
	const cJSON *s;
	char url[512];
	cJSON *link = NULL;
	hs_env r;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(status, "services")) {
		if (strcmp(json_str(s, "name", ""), "cti-host") != 0 ||
		    strcmp(json_str(s, "state", ""), "up") != 0)
			continue;
		hs_service_endpoint(ctl->conf, HS_SVC_CTI_HOST, HS_EP_REP, url, sizeof(url));
		if (hs_bus_call(url, "hookswitchctl", "health", NULL, ctl->timeout_ms, &r) != HS_OK)
			return NULL;
		link = cJSON_DetachItemFromObjectCaseSensitive(r.body, "link");
		hs_env_clear(&r);
	}
	return link;
}

static int
ctl_status(struct ctl *ctl)
{
	const cJSON *db, *svcs, *s, *disks, *d;
	cJSON *pbx;
	char up[32];
	hs_env r;
	int rv;

	if ((rv = ctl_request(ctl, HS_SVC_WATCHDOG, "status", NULL, &r)) != EX_OK)
		return rv;
	pbx = ctl_pbx_link(ctl, r.body);
	if (ctl->json) {
		if (pbx != NULL)
			cJSON_AddItemToObject(r.body, "pbx_link", pbx);
		print_json(r.body);
		hs_env_clear(&r);
		return EX_OK;
	}
	db = cJSON_GetObjectItemCaseSensitive(r.body, "db");
	printf("server %d  roles %s\n", (int)json_num(r.body, "server", 0),
	    json_str(r.body, "roles", "?"));
	printf("database %s, schema version %d%s%s\n", json_str(db, "state", "?"),
	    (int)json_num(db, "schema_version", 0), json_str(db, "error", NULL) ? ": " : "",
	    json_str(db, "error", ""));
	printf("\n%-10s %-9s %8s %9s %8s  %s\n", "SERVICE", "STATE", "PID", "UPTIME", "RESTARTS",
	    "LAST EXIT");
	svcs = cJSON_GetObjectItemCaseSensitive(r.body, "services");
	cJSON_ArrayForEach(s, svcs) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(s, "wanted");
		if (cJSON_IsFalse(w) && strcmp(json_str(s, "state", ""), "down") == 0)
			continue; /* not a service of this server */
		fmt_duration(up, sizeof(up), json_num(s, "uptime_s", 0));
		printf("%-10s %-9s %8d %9s %8d  %s\n", json_str(s, "name", "?"),
		    json_str(s, "state", "?"), (int)json_num(s, "pid", 0),
		    json_num(s, "pid", 0) > 0 ? up : "-", (int)json_num(s, "restarts", 0),
		    json_str(s, "last_exit", ""));
	}
	if (pbx != NULL) {
		printf("\nPBX link %s since %s (%s:%d)%s%s\n", json_str(pbx, "state", "?"),
		    json_str(pbx, "since", "?"), json_str(pbx, "host", ""),
		    (int)json_num(pbx, "port", 0), json_str(pbx, "last_error", NULL) ? ", last error: " : "",
		    json_str(pbx, "last_error", ""));
		cJSON_Delete(pbx);
	}
	disks = cJSON_GetObjectItemCaseSensitive(r.body, "disks");
	printf("\n%-30s %8s  (warning below %.0f%%)\n", "DRIVE", "FREE",
	    json_num(r.body, "disk_threshold_pct", 0));
	cJSON_ArrayForEach(d, disks) {
		printf("%-30s %7.1f%%%s\n", json_str(d, "mount", "?"), json_num(d, "free_pct", 0),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "low")) ? "  LOW" : "");
	}
	hs_env_clear(&r);
	return EX_OK;
}

static int
ctl_health(struct ctl *ctl)
{
	int id = hs_service_lookup(ctl->argv[1]);
	hs_env r;
	int rv;

	if (id < 0) {
		fprintf(stderr, "hookswitchctl: no service '%s'\n", ctl->argv[1]);
		return EX_USAGE;
	}
	if ((rv = ctl_request(ctl, id, "health", NULL, &r)) != EX_OK)
		return rv;
	if (ctl->json) {
		print_json(r.body);
	} else {
		char up[32];
		fmt_duration(up, sizeof(up), json_num(r.body, "uptime_s", 0));
		printf("%s: %s, pid %d, up %s%s%s\n", json_str(r.body, "service", "?"),
		    json_str(r.body, "state", "?"), (int)json_num(r.body, "pid", 0), up,
		    json_str(r.body, "duties", NULL) ? ", duties: " : "",
		    json_str(r.body, "duties", ""));
	}
	hs_env_clear(&r);
	return EX_OK;
}

static int
ctl_simple(struct ctl *ctl, const char *cmd, cJSON *body)
{
	hs_env r;
	int rv;

	if ((rv = ctl_request(ctl, HS_SVC_WATCHDOG, cmd, body, &r)) != EX_OK)
		return rv;
	if (ctl->json)
		print_json(r.body);
	else
		printf("%s\n", r.message[0] ? r.message : "ok");
	hs_env_clear(&r);
	return EX_OK;
}

static int
ctl_service_restart(struct ctl *ctl)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "service", ctl->argv[2]);
	return ctl_simple(ctl, "service.restart", body);
}

static int
ctl_logs_archive(struct ctl *ctl)
{
	return ctl_simple(ctl, "logs.archive", NULL);
}

static int
ctl_alerts_list(struct ctl *ctl, int all)
{
	static const char *sql =
	    "SELECT id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "coalesce(server_id::text, ''), severity, source, code, text, "
	    "coalesce(to_char(acknowledged_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), coalesce(acknowledged_by, ''), "
	    "coalesce(to_char(cleared_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
	    "FROM alerts WHERE $1::boolean OR (acknowledged_at IS NULL AND cleared_at IS NULL) "
	    "ORDER BY id DESC LIMIT 500";
	const char *params[1] = { all ? "true" : "false" };
	PGresult *res;
	hs_db *db;
	int rv;

	if ((rv = ctl_db(ctl, &db, 0)) != EX_OK)
		return rv;
	if (hs_db_prepare(db, "alerts", sql) != HS_OK ||
	    hs_db_exec(db, "alerts", 1, params, &res) != HS_OK) {
		fprintf(stderr, "hookswitchctl: alerts: %s\n", hs_db_error(db));
		hs_db_close(db);
		return EX_NO;
	}
	if (ctl->json) {
		cJSON *arr = cJSON_CreateArray();
		for (int i = 0; i < PQntuples(res); i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", atof(PQgetvalue(res, i, 0)));
			cJSON_AddStringToObject(o, "ts", PQgetvalue(res, i, 1));
			if (*PQgetvalue(res, i, 2))
				cJSON_AddNumberToObject(o, "server", atoi(PQgetvalue(res, i, 2)));
			cJSON_AddStringToObject(o, "severity", PQgetvalue(res, i, 3));
			cJSON_AddStringToObject(o, "source", PQgetvalue(res, i, 4));
			cJSON_AddStringToObject(o, "code", PQgetvalue(res, i, 5));
			cJSON_AddStringToObject(o, "text", PQgetvalue(res, i, 6));
			if (*PQgetvalue(res, i, 7)) {
				cJSON_AddStringToObject(o, "acknowledged_at", PQgetvalue(res, i, 7));
				cJSON_AddStringToObject(o, "acknowledged_by", PQgetvalue(res, i, 8));
			}
			if (*PQgetvalue(res, i, 9))
				cJSON_AddStringToObject(o, "cleared_at", PQgetvalue(res, i, 9));
			cJSON_AddItemToArray(arr, o);
		}
		print_json(arr);
		cJSON_Delete(arr);
	} else if (PQntuples(res) == 0) {
		printf("no %salerts\n", all ? "" : "open ");
	} else {
		for (int i = 0; i < PQntuples(res); i++)
			printf("%6s  %s  %-8s %-10s %-20s %s%s%s\n", PQgetvalue(res, i, 0),
			    PQgetvalue(res, i, 1), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
			    PQgetvalue(res, i, 5), PQgetvalue(res, i, 6),
			    *PQgetvalue(res, i, 7) ? "  [acknowledged]" : "",
			    *PQgetvalue(res, i, 9) ? "  [cleared]" : "");
	}
	PQclear(res);
	hs_db_close(db);
	return EX_OK;
}

static int
ctl_alerts(struct ctl *ctl)
{
	return ctl_alerts_list(ctl, 0);
}

static int
ctl_alerts_all(struct ctl *ctl)
{
	return ctl_alerts_list(ctl, 1);
}

static int
ctl_alerts_ack(struct ctl *ctl)
{
	const char *who = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	const char *params[2] = { ctl->argv[2], who != NULL ? who : "hookswitchctl" };
	char *end;
	PGresult *res;
	hs_db *db;
	int rv, n;

	strtol(ctl->argv[2], &end, 10);
	if (*ctl->argv[2] == '\0' || *end != '\0') {
		fprintf(stderr, "hookswitchctl: alert id must be a number: '%s'\n", ctl->argv[2]);
		return EX_USAGE;
	}
	if ((rv = ctl_db(ctl, &db, 0)) != EX_OK)
		return rv;
	if (hs_db_prepare(db, "ack",
		"UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2 "
		"WHERE id = $1::bigint AND acknowledged_at IS NULL") != HS_OK ||
	    hs_db_exec(db, "ack", 2, params, &res) != HS_OK) {
		fprintf(stderr, "hookswitchctl: alerts ack: %s\n", hs_db_error(db));
		hs_db_close(db);
		return EX_NO;
	}
	n = atoi(PQcmdTuples(res));
	PQclear(res);
	hs_db_close(db);
	if (n == 0) {
		fprintf(stderr, "hookswitchctl: no open alert %s\n", ctl->argv[2]);
		return EX_NO;
	}
	if (!ctl->json)
		printf("alert %s acknowledged\n", ctl->argv[2]);
	else
		printf("{\"acknowledged\": %s}\n", ctl->argv[2]);
	return EX_OK;
}

static int
ctl_db_status(struct ctl *ctl)
{
	struct hs_migrate_status st;
	char msg[512];
	hs_db *db;
	int rv;

	if ((rv = ctl_db(ctl, &db, 0)) != EX_OK)
		return rv;
	if (hs_migrate_status(db, hs_conf_str(ctl->conf, "paths.migrations"), &st, msg,
		sizeof(msg)) != HS_OK) {
		fprintf(stderr, "hookswitchctl: db status: %s\n", msg);
		hs_db_close(db);
		return EX_NO;
	}
	if (ctl->json) {
		cJSON *o = cJSON_CreateObject(), *arr;
		cJSON_AddNumberToObject(o, "current", st.current);
		cJSON_AddNumberToObject(o, "latest", st.latest);
		cJSON_AddNumberToObject(o, "pending", st.pending);
		arr = cJSON_AddArrayToObject(o, "migrations");
		for (size_t i = 0; i < st.count; i++) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddNumberToObject(m, "version", st.list[i].version);
			cJSON_AddStringToObject(m, "name", st.list[i].name);
			cJSON_AddBoolToObject(m, "applied", st.list[i].applied);
			if (st.list[i].applied)
				cJSON_AddStringToObject(m, "applied_at", st.list[i].applied_at);
			cJSON_AddBoolToObject(m, "changed", st.list[i].changed);
			cJSON_AddItemToArray(arr, m);
		}
		print_json(o);
		cJSON_Delete(o);
	} else {
		printf("schema version %d, latest %d, %d pending\n", st.current, st.latest,
		    st.pending);
		for (size_t i = 0; i < st.count; i++)
			printf("  %04d %-30s %s%s\n", st.list[i].version, st.list[i].name,
			    st.list[i].applied ? st.list[i].applied_at : "pending",
			    st.list[i].changed ? "  (file changed since applied!)" : "");
	}
	hs_migrate_status_free(&st);
	hs_db_close(db);
	return EX_OK;
}

/* Through the watchdog when it runs (it then starts what a failed migration held back);
 * directly otherwise. */
static int
ctl_db_migrate(struct ctl *ctl)
{
	char url[512], msg[512];
	hs_env r;
	hs_err rv;
	hs_db *db;
	int applied = 0, ex;

	hs_service_endpoint(ctl->conf, HS_SVC_WATCHDOG, HS_EP_REP, url, sizeof(url));
	rv = hs_bus_call(url, "hookswitchctl", "db.migrate", NULL, ctl->timeout_ms, &r);
	if (rv == HS_OK) {
		if (r.status != HS_OK) {
			fprintf(stderr, "hookswitchctl: db migrate: %s\n", r.message);
			hs_env_clear(&r);
			return EX_NO;
		}
		if (ctl->json)
			print_json(r.body);
		else
			printf("%s (applied by the watchdog)\n", r.message);
		hs_env_clear(&r);
		return EX_OK;
	}
	if ((ex = ctl_db(ctl, &db, 0)) != EX_OK)
		return ex;
	rv = hs_migrate_apply(db, hs_conf_str(ctl->conf, "paths.migrations"), &applied, msg,
	    sizeof(msg));
	hs_db_close(db);
	if (rv != HS_OK) {
		fprintf(stderr, "hookswitchctl: db migrate: %s\n", msg);
		return EX_NO;
	}
	if (ctl->json)
		printf("{\"applied\": %d}\n", applied);
	else
		printf("%d migration%s applied\n", applied, applied == 1 ? "" : "s");
	return EX_OK;
}


/* ---- the PBX: live state and call control (cti-host) ------------------------------- */

/* Sends cmd to cti-host with body; prints the reply body (JSON) or its message. */
static int
ctl_cti(struct ctl *ctl, const char *cmd, cJSON *body)
{
	hs_env r;
	int rv;

	if ((rv = ctl_request(ctl, HS_SVC_CTI_HOST, cmd, body, &r)) != EX_OK)
		return rv;
	if (ctl->json) {
		print_json(r.body);
	} else {
		cJSON *id = cJSON_GetObjectItemCaseSensitive(r.body, "call_id");
		printf("%s%s%s\n", r.message[0] ? r.message : "ok",
		    cJSON_IsString(id) ? ": call " : "", cJSON_IsString(id) ? id->valuestring : "");
	}
	hs_env_clear(&r);
	return EX_OK;
}

/* A body from pairs of (key, argv index); index -1 ends. */
static cJSON *
args_body(struct ctl *ctl, const char *const *keys, const int *idx)
{
	cJSON *b = cJSON_CreateObject();

	for (int i = 0; keys[i] != NULL; i++)
		if (idx[i] < ctl->argc)
			cJSON_AddStringToObject(b, keys[i], ctl->argv[idx[i]]);
	return b;
}

static int
ctl_live(struct ctl *ctl)
{
	const cJSON *link, *arr, *it;
	hs_env r;
	int rv;

	if ((rv = ctl_request(ctl, HS_SVC_CTI_HOST, "live.snapshot", NULL, &r)) != EX_OK)
		return rv;
	if (ctl->json) {
		print_json(r.body);
		hs_env_clear(&r);
		return EX_OK;
	}
	link = cJSON_GetObjectItemCaseSensitive(r.body, "link");
	printf("PBX link %s since %s (%s:%d)%s%s\n", json_str(link, "state", "?"),
	    json_str(link, "since", "?"), json_str(link, "host", ""), (int)json_num(link, "port", 0),
	    json_str(link, "last_error", NULL) ? ", last error: " : "",
	    json_str(link, "last_error", ""));
	printf("\n%-8s %-11s %-10s %-24s %s\n", "DEVICE", "KIND", "STATE", "NAME", "NOTES");
	arr = cJSON_GetObjectItemCaseSensitive(r.body, "devices");
	cJSON_ArrayForEach(it, arr) {
		char notes[128] = "";
		const cJSON *fw = cJSON_GetObjectItemCaseSensitive(it, "forward");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "dnd")))
			snprintf(notes, sizeof(notes), "DND %s ", json_str(it, "dnd_message", ""));
		if (fw != NULL)
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "fwd->%s ",
			    json_str(fw, "destination", ""));
		if (json_str(it, "agent", NULL) != NULL)
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "agent %s",
			    json_str(it, "agent", ""));
		printf("%-8s %-11s %-10s %-24s %s\n", json_str(it, "device", "?"),
		    json_str(it, "kind", "?"), json_str(it, "state", "?"), json_str(it, "name", ""),
		    notes);
	}
	printf("\n%-10s %-9s %s\n", "CALL", "DIRECTION", "PARTIES");
	arr = cJSON_GetObjectItemCaseSensitive(r.body, "calls");
	cJSON_ArrayForEach(it, arr) {
		const cJSON *p;
		printf("%-10s %-9s", json_str(it, "call_id", "?"), json_str(it, "direction", "?"));
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(it, "parties"))
			printf(" %s(%s)", json_str(p, "device", "?"), json_str(p, "state", "?"));
		printf("\n");
	}
	hs_env_clear(&r);
	return EX_OK;
}

static int
ctl_call_make(struct ctl *ctl)
{
	static const char *const k[] = { "from", "to", "account_code", NULL };
	static const int i[] = { 2, 3, 4 };

	return ctl_cti(ctl, "call.make", args_body(ctl, k, i));
}

static int
ctl_call_dev(struct ctl *ctl)
{
	static const char *const k[] = { "device", "call_id", NULL };
	static const int i[] = { 2, 3 };
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "call.%s", ctl->argv[1]);
	return ctl_cti(ctl, cmd, args_body(ctl, k, i));
}

static int
ctl_call_consult(struct ctl *ctl)
{
	static const char *const k[] = { "device", "held_call_id", "to", NULL };
	static const int i[] = { 2, 3, 4 };

	return ctl_cti(ctl, "call.consult", args_body(ctl, k, i));
}

static int
ctl_call_blind(struct ctl *ctl)
{
	static const char *const k[] = { "device", "call_id", "to", NULL };
	static const int i[] = { 2, 3, 5 };

	return ctl_cti(ctl, "call.transfer", args_body(ctl, k, i));
}

static int
ctl_call_pair(struct ctl *ctl)
{
	static const char *const k[] = { "device", "held_call_id", "active_call_id", NULL };
	static const int i[] = { 2, 3, 4 };
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "call.%s", ctl->argv[1]);
	return ctl_cti(ctl, cmd, args_body(ctl, k, i));
}

static int
ctl_dnd(struct ctl *ctl)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "device", ctl->argv[2]);
	cJSON_AddBoolToObject(b, "on", strcmp(ctl->argv[1], "on") == 0);
	if (ctl->argc > 3)
		cJSON_AddStringToObject(b, "text", ctl->argv[3]);
	return ctl_cti(ctl, "device.dnd", b);
}

static int
ctl_forward(struct ctl *ctl)
{
	cJSON *b = cJSON_CreateObject();
	int off = strcmp(ctl->argv[1], "off") == 0;

	cJSON_AddStringToObject(b, "device", ctl->argv[2]);
	cJSON_AddBoolToObject(b, "on", !off);
	if (!off) {
		cJSON_AddStringToObject(b, "type", ctl->argv[3]);
		cJSON_AddStringToObject(b, "destination", ctl->argv[4]);
	}
	return ctl_cti(ctl, "device.forward", b);
}

static int
ctl_agent(struct ctl *ctl)
{
	static const char *const k[] = { "device", "agent_id", "state", "group", NULL };
	static const int i[] = { 1, 2, 3, 4 };

	return ctl_cti(ctl, "agent.set", args_body(ctl, k, i));
}

static int
ctl_link_reconnect(struct ctl *ctl)
{
	return ctl_cti(ctl, "link.reconnect", NULL);
}

/* pbx set [host H] [port P] [password X]: edits the phone system row; cti-host follows
 * through NOTIFY. */
static int
ctl_pbx_set(struct ctl *ctl)
{
	const char *host = NULL, *port = NULL, *password = NULL;
	const char *params[3];
	PGresult *res;
	hs_db *db;
	int rv;

	for (int i = 2; i + 1 < ctl->argc; i += 2) {
		const char *k = ctl->argv[i], *v = ctl->argv[i + 1];
		if (strcmp(k, "--host") == 0 || strcmp(k, "host") == 0)
			host = v;
		else if (strcmp(k, "--port") == 0 || strcmp(k, "port") == 0)
			port = v;
		else if (strcmp(k, "--password") == 0 || strcmp(k, "password") == 0)
			password = v;
		else {
			fprintf(stderr, "hookswitchctl: pbx set: unknown setting '%s'\n", k);
			return EX_USAGE;
		}
	}
	if ((ctl->argc - 2) % 2 != 0 || (host == NULL && port == NULL && password == NULL)) {
		fprintf(stderr, "hookswitchctl: pbx set --host H [--port P] [--password X]\n");
		return EX_USAGE;
	}
	if (port != NULL && (atoi(port) < 1 || atoi(port) > 65535)) {
		fprintf(stderr, "hookswitchctl: port must be 1-65535\n");
		return EX_USAGE;
	}
	if ((rv = ctl_db(ctl, &db, 0)) != EX_OK)
		return rv;
	params[0] = host;
	params[1] = port;
	params[2] = password;
	if (hs_db_prepare(db, "pbx_set",
		"UPDATE phone_systems SET host = coalesce($1, host), "
		"port = coalesce($2::integer, port), password = coalesce($3, password) "
		"WHERE id = 1") != HS_OK ||
	    hs_db_exec(db, "pbx_set", 3, params, &res) != HS_OK) {
		fprintf(stderr, "hookswitchctl: pbx set: %s\n", hs_db_error(db));
		hs_db_close(db);
		return EX_NO;
	}
	PQclear(res);
	hs_db_close(db);
	printf("phone system updated; cti-host reconnects\n");
	return EX_OK;
}

/* events <service> <from> [to]: the events a service published, from its journal. */
static int
ctl_events(struct ctl *ctl)
{
	int id = hs_service_lookup(ctl->argv[1]);
	cJSON *body = cJSON_CreateObject(), *ev;
	hs_env r;
	int rv;

	if (id < 0) {
		cJSON_Delete(body);
		fprintf(stderr, "hookswitchctl: no service '%s'\n", ctl->argv[1]);
		return EX_USAGE;
	}
	cJSON_AddNumberToObject(body, "from", atof(ctl->argv[2]));
	if (ctl->argc > 3)
		cJSON_AddNumberToObject(body, "to", atof(ctl->argv[3]));
	if ((rv = ctl_request(ctl, id, "events.replay", body, &r)) != EX_OK)
		return rv;
	if (ctl->json) {
		print_json(r.body);
	} else {
		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(r.body, "events")) {
			char *line = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ev,
			    "body"));
			printf("%6.0f %-26s %s\n", json_num(ev, "seq", 0), json_str(ev, "type", "?"),
			    line != NULL ? line : "");
			free(line);
		}
	}
	hs_env_clear(&r);
	return EX_OK;
}

/* ---- call records (logger) --------------------------------------------------------- */

static const char calls_usage[] =
    "usage: hookswitchctl calls list --from T [--to T] [--device N] [--limit N]\n"
    "       hookswitchctl calls rebuild --from T --to T\n"
    "T: 2026-11-25T09:00:00Z (or an offset), 2026-11-25 09:00 or 2026-11-25 (local time),\n"
    "   now, today, yesterday, tomorrow (local midnight), -2h, -30m, -1d (relative to now)\n";

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* calls list|rebuild --from T --to T ...: the request goes to the logger that serves this
 * server (or -s N's), which answers from, or rebuilds, its call records. */
static int
ctl_calls(struct ctl *ctl)
{
	int list = strcmp(ctl->argv[1], "list") == 0;
	struct calls_opts o;
	char err[320];
	hs_env r;
	int rv, saved = ctl->timeout_ms;

	if (calls_parse_opts(ctl->argc - 2, ctl->argv + 2, list, wall_ms(), &o, err,
		sizeof(err)) != 0) {
		fprintf(stderr, "hookswitchctl: calls %s: %s\n%s", ctl->argv[1], err, calls_usage);
		return EX_USAGE;
	}
	if (!list && !ctl->timeout_set)
		ctl->timeout_ms = REBUILD_TIMEOUT_MS;
	rv = ctl_request(ctl, HS_SVC_LOGGER, list ? "calls.list" : "calls.rebuild",
	    calls_body(&o, list), &r);
	ctl->timeout_ms = saved;
	if (rv != EX_OK)
		return rv;
	if (ctl->json)
		print_json(r.body);
	else if (list)
		calls_print(stdout, r.body);
	else
		calls_print_rebuild(stdout, r.body);
	hs_env_clear(&r);
	return EX_OK;
}

static int ctl_help(struct ctl *ctl);

/* recording pause|resume <extension> | --call SIPCALLID: the recorder's compliance pause. */
static int
ctl_recording(struct ctl *ctl)
{
	int pause = strcmp(ctl->argv[1], "pause") == 0;
	cJSON *body;
	hs_env r;
	int rv;

	if (ctl->argc == 3 && ctl->argv[2][0] != '-') {
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "extension", ctl->argv[2]);
	} else if (ctl->argc == 4 && strcmp(ctl->argv[2], "--call") == 0) {
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "sip_call_id", ctl->argv[3]);
	} else {
		fprintf(stderr, "usage: hookswitchctl recording pause|resume <extension>\n"
		    "       hookswitchctl recording pause|resume --call SIPCALLID\n");
		return EX_USAGE;
	}
	rv = ctl_request(ctl, HS_SVC_RECORDER, pause ? "recording.pause" : "recording.resume",
	    body, &r);
	if (rv != EX_OK)
		return rv;
	if (ctl->json) {
		print_json(r.body);
	} else {
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(r.body, "at_ms");
		printf("%s at %.3f s of the recording (call %s)\n", r.message,
		    cJSON_IsNumber(at) ? at->valuedouble / 1000.0 : 0.0,
		    json_str(r.body, "sip_call_id", "?"));
	}
	hs_env_clear(&r);
	return EX_OK;
}

/* recordings list|export|verify|purge: PostgreSQL and the files (recordings.c). */
static int
ctl_recordings(struct ctl *ctl)
{
	return recordings_main(ctl->conf, ctl->json, ctl->argc - 1, ctl->argv + 1);
}

/* ------------------------------------------------------------------------------------ */
/* Grammar                                                                              */
/* ------------------------------------------------------------------------------------ */

static const struct {
	const char *grammar;
	ctl_fn fn;
	const char *help;
} commands[] = {
	{ "status", ctl_status, "services of this server: state, pid, uptime, restarts" },
	{ "health <service>", ctl_health, "ask one service whether it is alive" },
	{ "service restart <service>", ctl_service_restart, "restart one service now" },
	{ "alerts", ctl_alerts, "open alerts (not acknowledged, not cleared)" },
	{ "alerts all", ctl_alerts_all, "every alert, newest first" },
	{ "alerts ack <id>", ctl_alerts_ack, "acknowledge an alert" },
	{ "db status", ctl_db_status, "schema version and pending migrations" },
	{ "db migrate", ctl_db_migrate, "apply pending migrations" },
	{ "logs archive", ctl_logs_archive, "archive the rotated logs now" },
	{ "live", ctl_live, "the PBX link, every device, call and agent now (cti-host)" },
	{ "call make <from> <to>", ctl_call_make, "make a call" },
	{ "call make <from> <to> <account>", ctl_call_make, "make a call with an account code" },
	{ "call answer <device> <call>", ctl_call_dev, "answer a ringing call" },
	{ "call hold <device> <call>", ctl_call_dev, "hold" },
	{ "call retrieve <device> <call>", ctl_call_dev, "retrieve a held call" },
	{ "call clear <device> <call>", ctl_call_dev, "the device leaves the call" },
	{ "call drop <device> <call>", ctl_call_dev, "end the whole call" },
	{ "call consult <device> <held> <to>", ctl_call_consult,
	    "call <to> to announce held call <held>" },
	{ "call transfer <device> <call> to <number>", ctl_call_blind, "blind transfer" },
	{ "call transfer <device> <held> <active>", ctl_call_pair,
	    "complete an announced transfer" },
	{ "call conference <device> <held> <active>", ctl_call_pair, "join two calls" },
	{ "dnd on <device>", ctl_dnd, "do not disturb on" },
	{ "dnd on <device> <text>", ctl_dnd, "do not disturb on, with a text" },
	{ "dnd off <device>", ctl_dnd, "do not disturb off" },
	{ "forward on <device> <type> <destination>", ctl_forward, "forward (type I, B, N...)" },
	{ "forward off <device>", ctl_forward, "cancel forwarding" },
	{ "agent <device> <agent> <state>", ctl_agent,
	    "logon, logoff, ready, not_ready or wrap_up" },
	{ "agent <device> <agent> <state> <group>", ctl_agent, "the same for one hunt group" },
	{ "pbx reconnect", ctl_link_reconnect, "drop the PBX session and reconnect" },
	{ "pbx set <...>", ctl_pbx_set, "pbx set --host H [--port P] [--password X]" },
	{ "events <service> <from>", ctl_events, "events a service published, from seq <from>" },
	{ "events <service> <from> <to>", ctl_events, "the same, up to seq <to>" },
	{ "calls list <...>", ctl_calls,
	    "--from T [--to T] [--device N] [--limit N]: call records (logger)" },
	{ "calls rebuild <...>", ctl_calls,
	    "--from T --to T: rebuild those calls from the raw events" },
	{ "recording pause <...>", ctl_recording,
	    "<extension> | --call SIPCALLID: pause the call's recording (compliance)" },
	{ "recording resume <...>", ctl_recording,
	    "<extension> | --call SIPCALLID: resume a paused recording" },
	{ "recordings list <...>", ctl_recordings,
	    "[--from T] [--to T] [--limit N]: stored recordings" },
	{ "recordings export <...>", ctl_recordings,
	    "ID FILE: check the signature, decrypt to FILE" },
	{ "recordings verify <...>", ctl_recordings, "ID: check the stored file's signature" },
	{ "recordings purge <...>", ctl_recordings,
	    "--older-than DAYS: delete older recordings (retention)" },
	{ "help", ctl_help, "this list" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
ctl_help(struct ctl *ctl)
{
	(void)ctl;
	printf("usage: hookswitchctl [-c config] [--json] [-s server_id] [-t timeout_ms] "
	       "command\n\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-28s %s\n", commands[i].grammar, commands[i].help);
	printf("\nT (calls): 2026-11-25T09:00:00Z or with an offset; 2026-11-25 09:00 or "
	       "2026-11-25 in local time;\n"
	       "  now, today, yesterday, tomorrow (local midnight); -2h, -30m, -1d from now\n");
	printf("\nexit codes: 0 ok, 1 refused, 100 usage, 111 unreachable\n");
	return EX_OK;
}

/* Matches argv against a grammar string word by word; <x> matches any word. */
static int
grammar_match(const char *grammar, int argc, char **argv)
{
	char buf[128], *save, *w;
	int i = 0;

	snprintf(buf, sizeof(buf), "%s", grammar);
	for (w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save), i++) {
		if (strcmp(w, "<...>") == 0)
			return 1; /* the command checks the rest itself */
		if (i >= argc)
			return 0;
		if (w[0] != '<' && strcmp(w, argv[i]) != 0)
			return 0;
	}
	return i == argc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "server", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .timeout_ms = 5000 };
	const char *path = getenv("HOOKSWITCH_CONFIG");
	int c, rv;

	if (path != NULL && *path == '\0')
		path = NULL;
	while ((c = getopt_long(argc, argv, "+c:js:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'j': ctl.json = 1; break;
		case 't': ctl.timeout_ms = atoi(optarg); ctl.timeout_set = 1; break;
		case 's': ctl.server = atoi(optarg); break;
		case 'h': return ctl_help(&ctl);
		default: ctl_help(&ctl); return EX_USAGE;
		}
	}
	ctl.argc = argc - optind;
	ctl.argv = argv + optind;
	if (ctl.argc == 0 || ctl.timeout_ms <= 0 || ctl.server < 0 || ctl.server > 99) {
		ctl_help(&ctl);
		return EX_USAGE;
	}
	hs_log_set_level(HS_LOG_WARN);
	if ((ctl.conf = hs_conf_new()) == NULL)
		return EX_NO;
	if (hs_conf_load(ctl.conf, path) != HS_OK || hs_conf_apply_env(ctl.conf, NULL) != HS_OK) {
		fprintf(stderr, "hookswitchctl: %s\n", hs_conf_error(ctl.conf));
		hs_conf_free(ctl.conf);
		return EX_USAGE;
	}
	rv = -1;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (grammar_match(commands[i].grammar, ctl.argc, ctl.argv)) {
			rv = commands[i].fn(&ctl);
			break;
		}
	}
	if (rv == -1) {
		fprintf(stderr, "hookswitchctl: unknown command '%s'\n\n", ctl.argv[0]);
		ctl_help(&ctl);
		rv = EX_USAGE;
	}
	hs_conf_free(ctl.conf);
	return rv;
}
