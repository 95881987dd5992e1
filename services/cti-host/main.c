/*
 * hookswitch-cti-host - the OAI link to the PBX and the live state of the telephone system
 * (see cti.h and README.md).
 */
#include <string.h>

#include "cti.h"

/* One per process; static so its handles outlive their close callbacks. */
static struct cti the_cti;

static void
cti_on_config(void *arg, const char *channel, const char *payload)
{
	struct cti *cti = arg;

	(void)channel;
	if (strcmp(payload, "phone_systems") == 0) {
		hs_log_info("config.changed", "table=%s", payload);
		cti_db_load_phone_system(cti);
	} else if (strcmp(payload, "recorded_devices") == 0) {
		cti_db_load_rac(cti);
	}
}

/* Notifications sent while the connection was down are lost: read the set again. */
static void
cti_on_reconnect(void *arg, hs_db *db)
{
	(void)db;
	cti_db_load_rac(arg);
}

static void
cti_health(struct hs_svc *svc, cJSON *body)
{
	struct cti *cti = svc->priv;

	cJSON_AddItemToObject(body, "link", cti_link_json(cti));
	cJSON_AddNumberToObject(body, "devices", (double)hs_map_len(cti->devices));
	cJSON_AddNumberToObject(body, "calls", (double)hs_map_len(cti->calls));
	cJSON_AddNumberToObject(body, "events_in", (double)cti->events_in);
	cJSON_AddItemToObject(body, "rac", cti_rac_json(cti));
}

static int
cti_init(struct hs_svc *svc)
{
	struct cti *cti = &the_cti;

	svc->priv = cti;
	cti->svc = svc;
	cti_state_init(cti);
	cti_rac_init(cti);
	cti_link_init(cti);
	if (cti_db_prepare(cti) != 0)
		return -1;
	if (hs_db_listen(svc->db, "hs_config", cti_on_config, cti) != HS_OK)
		hs_log_warn("config.listen", "err=%s note=%s", hs_logq(hs_db_error(svc->db)),
		    hs_logq("phone system and recorded device changes need a restart"));
	hs_db_on_reconnect(svc->db, cti_on_reconnect, cti);
	/* A failure is logged and leaves the set empty: recording waits, the link does not. */
	cti_db_load_rac(cti);
	cti_publish_link(cti);
	return cti_db_load_phone_system(cti);
}

static void
cti_fini(struct hs_svc *svc)
{
	struct cti *cti = svc->priv;

	if (cti == NULL)
		return;
	cti_link_fini(cti);
	cti_startup_fini();
	cti_state_fini(cti);
	cti_rac_fini(cti);
}

static const struct hs_service cti_service = {
	.id = HS_SVC_CTI_HOST,
	.flags = HS_SERVICE_NEEDS_DB | HS_SERVICE_JOURNAL,
	.cmds = cti_cmds,
	.init = cti_init,
	.fini = cti_fini,
	.health = cti_health,
};

int
main(int argc, char **argv)
{
	return hs_service_main(&cti_service, argc, argv);
}
