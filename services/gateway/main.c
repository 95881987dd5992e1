/*
 * hookswitch-gateway - the web site and the REST API.
 *
 * The loop thread (this file) owns the bus and the service's own database connection: it
 * follows cti-host's live state (live.c), re-reads the settings on configuration NOTIFYs and
 * pushes live changes to WebSocket clients.  civetweb's worker threads serve HTTP (http.c)
 * with one database connection each.  See README.md and API.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "live.h"
#include "log.h"
#include "server.h"
#include "service.h"
#include "tls.h"

static struct gw the_gw;

static void
on_config(void *arg, const char *channel, const char *payload)
{
	struct gw *gw = arg;

	(void)channel;
	(void)payload;
	gw_settings_load(gw);
	/* roles, users and profiles may have changed: identities are looked up again */
	gw_auth_forget(gw, 0);
}

static void
on_reconnect(void *arg, hs_db *db)
{
	(void)db;
	on_config(arg, "hs_config", "");
}

static void
on_live_change(void *arg, const char *msg, size_t len)
{
	gw_ws_broadcast(arg, msg, len);
}

/* The permission names compiled in must be the ones of the database (migration 0004). */
static void
check_permissions(struct gw *gw)
{
	PGresult *res = NULL;
	int n, known = 0;

	if (hs_db_exec_sql(gw->svc->db, "SELECT name FROM permissions", &res) != HS_OK)
		return;
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		if (gw_perm_find(PQgetvalue(res, i, 0)) >= 0)
			known++;
		else
			hs_log_error("gateway.permissions", "name=%s is in the database but not in "
			    "this build", PQgetvalue(res, i, 0));
	}
	if (known != GW_P__COUNT)
		hs_log_error("gateway.permissions", "this build knows %d permissions, the database "
		    "%d of them", GW_P__COUNT, known);
	PQclear(res);
}

static int
gw_init(struct hs_svc *svc)
{
	struct gw *gw = &the_gw;
	const hs_conf *c = svc->conf;
	struct gw_tls_files tf;
	char err[256], host[256];
	hs_err e;

	memset(gw, 0, sizeof(*gw));
	svc->priv = gw;
	gw->svc = svc;
	pthread_mutex_init(&gw->mu, NULL);
	pthread_mutex_init(&gw->ws_mu, NULL);
	gw_settings_defaults(&gw->settings);
	gw_auth_init(gw);
	snprintf(gw->conninfo, sizeof(gw->conninfo), "%s", hs_conf_str(c, "db.conninfo"));
	gw->http_port = (int)hs_conf_int(c, "web.http_port");
	gw->https_port = (int)hs_conf_int(c, "web.https_port");
	if (hs_conf_str(c, "web.tls_dir")[0] != '\0')
		snprintf(gw->tls_dir, sizeof(gw->tls_dir), "%s", hs_conf_str(c, "web.tls_dir"));
	else
		snprintf(gw->tls_dir, sizeof(gw->tls_dir), "%s/gateway/tls",
		    hs_conf_str(c, "paths.state"));
	if (gw->https_port > 0) {
		snprintf(host, sizeof(host), "%s", hs_conf_str(c, "server.host"));
		if (host[0] == '\0' && gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		if ((e = gw_tls_ensure(gw->tls_dir, host, &tf, err, sizeof(err))) != HS_OK) {
			hs_log_error("gateway.tls", "dir=%s %s", hs_logq(gw->tls_dir), hs_logq(err));
			return 1;
		}
		snprintf(gw->tls_pem, sizeof(gw->tls_pem), "%s", tf.pem);
	}
	check_permissions(gw);
	gw_settings_load(gw);
	if (hs_db_listen(svc->db, "hs_config", on_config, gw) != HS_OK)
		hs_log_warn("gateway.settings", "no LISTEN: settings are read at start only");
	hs_db_on_reconnect(svc->db, on_reconnect, gw);
	if (gw_live_open(&gw->live, svc) != HS_OK)
		return 1;
	gw_live_on_change(gw->live, on_live_change, gw);
	return gw_http_start(gw) == HS_OK ? 0 : 1;
}

static void
gw_fini(struct hs_svc *svc)
{
	struct gw *gw = svc->priv;

	if (gw == NULL)
		return;
	gw_http_stop(gw);
	gw_live_close(gw->live);
	gw->live = NULL;
	gw_auth_fini(gw);
}

static void
gw_health(struct hs_svc *svc, cJSON *body)
{
	struct gw *gw = svc->priv;

	cJSON_AddNumberToObject(body, "requests", (double)gw->requests);
	cJSON_AddNumberToObject(body, "errors_5xx", (double)gw->errors5xx);
	cJSON_AddNumberToObject(body, "websocket_clients", gw_ws_count(gw));
	cJSON_AddNumberToObject(body, "http_port", gw->http_port);
	cJSON_AddNumberToObject(body, "https_port", gw->https_port);
	if (gw->live != NULL)
		gw_live_health(gw->live, body);
}

static const struct hs_service gateway_service = {
	.id = HS_SVC_GATEWAY,
	.flags = HS_SERVICE_NEEDS_DB,
	.init = gw_init,
	.fini = gw_fini,
	.health = gw_health,
};

int
main(int argc, char **argv)
{
	return hs_service_main(&gateway_service, argc, argv);
}
