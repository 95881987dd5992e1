/*
 * hookswitch-watchdog - migrates the database, then starts, watches and restarts the
 * services this server's roles need (see watchdog.h and README.md).
 */
#include <string.h>

#include "watchdog.h"

/* One watchdog per process; static so its handles outlive the close callbacks. */
static struct wd the_wd;

static void
wd_on_config(void *arg, const char *channel, const char *payload)
{
	struct wd *wd = arg;

	(void)channel;
	hs_log_info("config.changed", "table=%s", hs_logq(payload));
	if (wd->db_state != WD_DB_OK || wd->draining)
		return;
	if (strcmp(payload, "servers") == 0 && wd_db_load_roles(wd) == 0) {
		wd_reconcile(wd);
		wd_activity_reload(wd); /* the logger may have come or gone */
	} else if (strcmp(payload, "settings") == 0) {
		wd_disk_check(wd);
		wd_activity_reload(wd);
	}
}

static void
wd_on_reconnect(void *arg, hs_db *db)
{
	struct wd *wd = arg;

	(void)db;
	hs_log_info("db.reconnected", "queued_alerts=%s", "flushing");
	if (wd->db_state != WD_DB_OK)
		return;
	wd_db_flush_alerts(wd);
	if (wd_db_load_roles(wd) == 0)
		wd_reconcile(wd);
	/* Settings changed while the connection was down sent NOTIFYs we never got. */
	wd_activity_reload(wd);
}

static void
wd_on_tick(uv_timer_t *t)
{
	struct wd *wd = t->data;

	wd_tick_hangs(wd);
	wd_archive_tick(wd);
}

static void
wd_on_disk_timer(uv_timer_t *t)
{
	wd_disk_check(t->data);
}

static int
wd_init(struct hs_svc *svc)
{
	struct wd *wd = &the_wd;
	uint64_t disk_ms = (uint64_t)hs_conf_int(svc->conf, "watchdog.disk_check_interval") * 1000;

	svc->priv = wd;
	wd->svc = svc;
	wd->archive_last_yday = -1;
	wd_supervise_init(wd);
	wd_activity_init(wd);
	uv_timer_init(svc->uv, &wd->tick);
	uv_timer_init(svc->uv, &wd->disk_timer);
	wd->tick.data = wd->disk_timer.data = wd;
	uv_timer_start(&wd->tick, wd_on_tick, 500, 500);

	/* The manual's watchdog upgrades the database before anything else starts. */
	if (wd_db_migrate(wd) != 0)
		return 0; /* stay up, report it, start nothing */
	if (wd_db_prepare(wd) != 0 || wd_db_load_roles(wd) != 0)
		return -1;
	hs_db_on_reconnect(svc->db, wd_on_reconnect, wd);
	if (hs_db_listen(svc->db, "hs_config", wd_on_config, wd) != HS_OK)
		hs_log_warn("config.listen", "err=%s note=%s", hs_logq(hs_db_error(svc->db)),
		    hs_logq("role changes need a restart"));
	wd_disk_init(wd);
	wd_disk_check(wd);
	uv_timer_start(&wd->disk_timer, wd_on_disk_timer, disk_ms, disk_ms);
	/* Before any service starts and publishes svc.alert. */
	wd_svc_alert_load(wd);
	wd_activity_reload(wd);
	wd_reconcile(wd);
	return 0;
}

static void
wd_drain(struct hs_svc *svc)
{
	hs_log_info("watchdog.stopping", "note=%s", hs_logq("stopping services in reverse order"));
	wd_stop_all(svc->priv);
}

static void
wd_fini(struct hs_svc *svc)
{
	struct wd *wd = svc->priv;

	if (wd == NULL)
		return;
	uv_close((uv_handle_t *)&wd->tick, NULL);
	uv_close((uv_handle_t *)&wd->disk_timer, NULL);
	wd_activity_fini(wd);
	wd_supervise_fini(wd);
	wd_svc_alert_fini(wd);
	if (wd->archive_req != NULL) {
		hs_bus_reply(wd->archive_req, HS_ECANCELED, NULL, "watchdog stopping");
		wd->archive_req = NULL;
	}
}

static const struct hs_service watchdog_service = {
	.id = HS_SVC_WATCHDOG,
	.flags = HS_SERVICE_NEEDS_DB | HS_SERVICE_LOG_TO_DIR,
	.cmds = wd_cmds,
	.init = wd_init,
	.drain = wd_drain,
	.fini = wd_fini,
};

int
main(int argc, char **argv)
{
	return hs_service_main(&watchdog_service, argc, argv);
}
