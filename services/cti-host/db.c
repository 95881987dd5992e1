/*
 * db.c - what cti-host reads from and writes to PostgreSQL: the phone system it connects to,
 * the extensions recorded by Record-A-Call, and the devices, agents and hunt groups it
 * downloads from the PBX (one transaction per import, so readers never see half a device
 * list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

static const struct {
	const char *name, *sql;
} statements[] = {
	{ "cti_ps_get", "SELECT host, port, password, enabled FROM phone_systems WHERE id = 1" },
	{ "cti_dev_put",
	    "INSERT INTO devices (number, kind, oai_device_type, description, removed_at, "
	    "imported_at) VALUES ($1, $2, $3::smallint, $4, NULL, now()) "
	    "ON CONFLICT (number) DO UPDATE SET kind = EXCLUDED.kind, "
	    "oai_device_type = EXCLUDED.oai_device_type, description = EXCLUDED.description, "
	    "removed_at = NULL, imported_at = now()" },
	/* now() is the transaction's start: rows not touched by this import are gone. */
	{ "cti_dev_gone",
	    "UPDATE devices SET removed_at = now() WHERE removed_at IS NULL "
	    "AND NOT manually_added AND imported_at < now()" },
	{ "cti_hunt_put",
	    "INSERT INTO hunt_groups (number, group_type) VALUES ($1, $2::smallint) "
	    "ON CONFLICT (number) DO UPDATE SET group_type = EXCLUDED.group_type" },
	{ "cti_agent_put",
	    "INSERT INTO acd_agents (agent_id, description, removed_at) VALUES ($1, $2, NULL) "
	    "ON CONFLICT (agent_id) DO UPDATE SET description = EXCLUDED.description, "
	    "removed_at = NULL, updated_at = now()" },
	{ "cti_agent_gone",
	    "UPDATE acd_agents SET removed_at = now() WHERE removed_at IS NULL "
	    "AND updated_at < now()" },
	{ "cti_node_put",
	    "INSERT INTO pbx_nodes (node, description, protocol_version, software_version, "
	    "online) VALUES ($1::smallint, $2, $3, $4, true) ON CONFLICT (node) DO UPDATE SET "
	    "description = EXCLUDED.description, protocol_version = EXCLUDED.protocol_version, "
	    "software_version = EXCLUDED.software_version, online = true" },
	/* Without a multi-node licence one node is the default (the manual): the lowest,
	 * unless the admin chose another. */
	{ "cti_node_default",
	    "UPDATE pbx_nodes SET is_default = true WHERE node = (SELECT min(node) FROM "
	    "pbx_nodes) AND NOT EXISTS (SELECT 1 FROM pbx_nodes WHERE is_default)" },
	{ "cti_rac_devices",
	    "SELECT extension FROM recorded_devices WHERE method = 'rac' AND enabled "
	    "ORDER BY extension" },
	{ "cti_ps_info",
	    "UPDATE phone_systems SET ct_gateway = $1::boolean, protocol_version = $2, "
	    "software_version = $3, last_import_at = now() WHERE id = 1" },
};

int
cti_db_prepare(struct cti *cti)
{
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		if (hs_db_prepare(cti->svc->db, statements[i].name, statements[i].sql) != HS_OK) {
			hs_log_error("db.prepare", "name=%s err=%s", statements[i].name,
			    hs_logq(hs_db_error(cti->svc->db)));
			return -1;
		}
	}
	return 0;
}

/* Reads the phone system and (re)configures the link; an absent or disabled one stops it. */
int
cti_db_load_phone_system(struct cti *cti)
{
	PGresult *res;
	int port = 4000;

	if (hs_db_exec(cti->svc->db, "cti_ps_get", 0, NULL, &res) != HS_OK) {
		hs_log_error("phone_system.load", "err=%s", hs_logq(hs_db_error(cti->svc->db)));
		return -1;
	}
	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 3), "t") != 0) {
		cti_link_configure(cti, "", 0, "");
	} else {
		port = atoi(PQgetvalue(res, 0, 1));
		cti_link_configure(cti, PQgetvalue(res, 0, 0), port, PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return 0;
}

static const char *
kind_text(const struct cti_device *d)
{
	switch (d->kind) {
	case CTI_DEV_HUNT_GROUP: return "hunt-group";
	case CTI_DEV_TRUNK: return "trunk";
	case CTI_DEV_EXTENSION:
		switch (d->oai_type) {
		case OAI_DEVTYPE_SIP_PHONE: return "sip-extension";
		case OAI_DEVTYPE_PHANTOM: return "phantom";
		case OAI_DEVTYPE_VOICE_MAIL: return "voicemail";
		default: return "extension";
		}
	default: return "other";
	}
}

int
cti_db_save_devices(struct cti *cti)
{
	hs_db *db = cti->svc->db;
	size_t pos = 0, ndev = 0, nagents = 0;
	const char *key;
	void *v;
	char type[8], gtype[8];

	if (hs_db_begin(db) != HS_OK)
		goto fail;
	while (hs_map_next(cti->devices, &pos, &key, &v)) {
		struct cti_device *d = v;
		const char *p[4] = { d->number, kind_text(d), type, d->name };
		if (d->kind == CTI_DEV_OTHER)
			continue; /* seen in an event only, not in the PBX's lists */
		snprintf(type, sizeof(type), "%d", d->oai_type);
		if (hs_db_exec(db, "cti_dev_put", 4, p, NULL) != HS_OK)
			goto fail;
		if (d->kind == CTI_DEV_HUNT_GROUP) {
			const char *h[2] = { d->number, gtype };
			snprintf(gtype, sizeof(gtype), "%d", d->group_type);
			if (hs_db_exec(db, "cti_hunt_put", 2, h, NULL) != HS_OK)
				goto fail;
		}
		ndev++;
	}
	if (hs_db_exec(db, "cti_dev_gone", 0, NULL, NULL) != HS_OK)
		goto fail;
	for (pos = 0; hs_map_next(cti->agents, &pos, &key, &v); nagents++) {
		struct cti_agent *a = v;
		const char *p[2] = { a->id, a->description };
		if (hs_db_exec(db, "cti_agent_put", 2, p, NULL) != HS_OK)
			goto fail;
	}
	for (int i = 0; i < cti->nnodes; i++) {
		struct cti_node *n = &cti->nodes[i];
		char num[8];
		const char *p[4] = { num, n->description, n->protocol_version,
			n->software_version };
		snprintf(num, sizeof(num), "%d", n->node);
		if (hs_db_exec(db, "cti_node_put", 4, p, NULL) != HS_OK)
			goto fail;
	}
	if (hs_db_exec(db, "cti_agent_gone", 0, NULL, NULL) != HS_OK ||
	    hs_db_exec(db, "cti_node_default", 0, NULL, NULL) != HS_OK ||
	    hs_db_commit(db) != HS_OK)
		goto fail;
	hs_log_info("devices.imported", "devices=%zu agents=%zu nodes=%d", ndev, nagents,
	    cti->nnodes);
	return 0;
fail:
	hs_log_error("devices.import", "err=%s", hs_logq(hs_db_error(db)));
	hs_db_rollback(db);
	return -1;
}

void
cti_db_save_link_info(struct cti *cti)
{
	const char *p[3] = { cti->link.ct_gateway ? "true" : "false",
		cti->link.protocol_version, cti->link.software_version };

	if (hs_db_exec(cti->svc->db, "cti_ps_info", 3, p, NULL) != HS_OK)
		hs_log_warn("phone_system.info", "err=%s", hs_logq(hs_db_error(cti->svc->db)));
}

int
cti_db_load_rac(struct cti *cti)
{
	struct cti_rac *rac = &cti->rac;
	PGresult *res;
	const char **exts;
	size_t n, before = rac->set.n;
	hs_err e;

	if (hs_db_exec(cti->svc->db, "cti_rac_devices", 0, NULL, &res) != HS_OK) {
		/* The next NOTIFY or reconnect reads it again; until then the last set stands. */
		if (!rac->load_failed)
			hs_log_warn("rac.devices_load", "err=%s devices=%zu note=%s",
			    hs_logq(hs_db_error(cti->svc->db)), rac->set.n,
			    hs_logq("keeping the last Record-A-Call devices"));
		rac->load_failed = true;
		return -1;
	}
	n = (size_t)PQntuples(res);
	if ((exts = calloc(n > 0 ? n : 1, sizeof(*exts))) == NULL) {
		PQclear(res);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		exts[i] = PQgetvalue(res, (int)i, 0);
	e = cti_rac_set_assign(&rac->set, exts, n);
	free(exts);
	PQclear(res);
	if (e != HS_OK)
		return -1;
	if (!rac->loaded || rac->load_failed || before != rac->set.n)
		hs_log_info("rac.devices", "devices=%zu", rac->set.n);
	rac->loaded = true;
	rac->load_failed = false;
	/* A device listed while it talks is recorded from now, as the manual has it
	 * ("immediately"). */
	cti_rac_sweep(cti);
	return 0;
}
