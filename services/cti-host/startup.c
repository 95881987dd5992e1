/*
 * startup.c - the start-up sequence run on every new OAI session (oai.md 6.1, our variant).
 *
 * One command at a time, each step started from the confirmation of the one before:
 *
 *   NA (CT Gateway only) -> QX stations -> QX trunks -> QX hunt groups -> QX agents
 *   -> QX nodes -> (devices saved to PostgreSQL) -> QX features -> MS all stations -> MS each
 *   hunt group -> MS all trunks -> MS system -> QH each ACD/UCD group -> RR (full resync) ...
 *   RD -> link up
 *
 * A failed inventory or station monitor ends the session (the link backs off and tries again:
 * without them the model would be wrong).  Trunk, hunt-group and system monitors are useful
 * but not vital: a refusal is logged and the sequence goes on.  The feature list only gives
 * the site's Record-A-Call code; without it the default code is used (rac_invoke.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

enum step {
	STEP_NA,
	STEP_QX_STATIONS,
	STEP_QX_TRUNKS,
	STEP_QX_HUNT,
	STEP_QX_AGENTS,
	STEP_QX_NODES,
	STEP_QX_FEATURES,
	STEP_MS_STATIONS,
	STEP_MS_HUNT,   /* one per hunt group */
	STEP_MS_TRUNKS,
	STEP_MS_SYSTEM,
	STEP_QH,        /* one per ACD/UCD group */
	STEP_RR,
	STEP_DONE,
};

static struct {
	enum step step;
	size_t group;               /* hunt-group cursor for MS and QH */
	char (*groups)[24];         /* hunt-group numbers, from the QX list */
	size_t ngroups;
	unsigned rr_invoke;         /* the RD of our resync carries it as Resync_Code */
	unsigned session;
} su;

static void step_run(struct cti *cti);

static void
fail(struct cti *cti, const char *what, const struct oai_msg *m)
{
	char why[256];
	long outcome = 0;

	if (m == NULL) {
		snprintf(why, sizeof(why), "start-up: no confirmation of %s", what);
	} else {
		oai_msg_int(m, OAI_F_OUTCOME, &outcome);
		snprintf(why, sizeof(why), "start-up: %s refused with outcome %ld (%s)", what,
		    outcome, oai_enum_text(OAI_ENUM_OUTCOME, (int)outcome) ?
			oai_enum_text(OAI_ENUM_OUTCOME, (int)outcome) : "unknown");
	}
	cti_link_reset(cti, why);
}

static bool
ok(const struct oai_msg *m)
{
	long outcome = -1;

	return m != NULL && oai_msg_int(m, OAI_F_OUTCOME, &outcome) == OAI_OK && outcome == 0;
}

/* Every callback checks it still belongs to the session that started it. */
static bool
stale(struct cti *cti)
{
	return su.session != cti->link.session;
}

static void
next(struct cti *cti, enum step s)
{
	su.step = s;
	su.group = 0;
	step_run(cti);
}

/* ---- inventory -------------------------------------------------------------------------- */

static enum cti_dev_kind
kind_of(int list)
{
	switch (list) {
	case OAI_QXL_STATION: return CTI_DEV_EXTENSION;
	case OAI_QXL_TRUNK: return CTI_DEV_TRUNK;
	case OAI_QXL_HUNT_GROUP: return CTI_DEV_HUNT_GROUP;
	default: return CTI_DEV_OTHER;
	}
}

static void
qx_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	int list = (int)(intptr_t)arg;
	struct oai_iter it;
	long v;

	if (stale(cti))
		return;
	if (list == OAI_QXL_NODE_DATA && !ok(m)) {
		/* Older PBXs may not know the node list: one node, from RS, will do. */
		hs_log_warn("startup.nodes", "note=%s", hs_logq("node list refused; going on"));
		cti_db_save_devices(cti);
		next(cti, STEP_QX_FEATURES);
		return;
	}
	if (!ok(m)) {
		fail(cti, "the device list query (_QX)", m);
		return;
	}
	if (oai_msg_iter(m, OAI_F_ENTITY_KEY, &it) == OAI_OK) {
		while (oai_iter_next(&it)) {
			const char *key = oai_iter_str(&it, OAI_F_ENTITY_KEY);
			if (*key == '\0')
				continue;
			if (list == OAI_QXL_NODE_DATA) {
				struct cti_node *n;
				if (cti->nnodes >= CTI_MAX_NODES)
					continue;
				n = &cti->nodes[cti->nnodes++];
				memset(n, 0, sizeof(*n));
				n->node = atoi(key);
				if (oai_iter_qx(&it, 0) != NULL)
					snprintf(n->description, sizeof(n->description), "%s",
					    oai_iter_qx(&it, 0));
				if (oai_iter_qx(&it, 2) != NULL)
					snprintf(n->protocol_version, sizeof(n->protocol_version), "%s",
					    oai_iter_qx(&it, 2));
				if (oai_iter_qx(&it, 3) != NULL)
					snprintf(n->software_version, sizeof(n->software_version), "%s",
					    oai_iter_qx(&it, 3));
				continue;
			}
			if (list == OAI_QXL_ACD_AGENT) {
				struct cti_agent *a = hs_map_get(cti->agents, key);
				if (a == NULL && (a = calloc(1, sizeof(*a))) != NULL) {
					snprintf(a->id, sizeof(a->id), "%s", key);
					hs_map_put(cti->agents, key, a);
				}
				if (a != NULL && oai_iter_qx(&it, 0) != NULL)
					snprintf(a->description, sizeof(a->description), "%s",
					    oai_iter_qx(&it, 0));
				continue;
			}
			struct cti_device *d = cti_state_device(cti, key);
			if (d == NULL)
				continue;
			d->kind = kind_of(list);
			if (oai_iter_qx(&it, 1) != NULL && *oai_iter_qx(&it, 1) != '\0')
				snprintf(d->name, sizeof(d->name), "%s", oai_iter_qx(&it, 1));
			else if (oai_iter_qx(&it, 0) != NULL)
				snprintf(d->name, sizeof(d->name), "%s", oai_iter_qx(&it, 0));
			if (list == OAI_QXL_STATION && oai_iter_qx(&it, 8) != NULL)
				d->oai_type = atoi(oai_iter_qx(&it, 8));
			if (list == OAI_QXL_HUNT_GROUP) {
				d->oai_type = OAI_DEVTYPE_HUNT_GROUP;
				if (oai_iter_qx(&it, 2) != NULL)
					d->group_type = atoi(oai_iter_qx(&it, 2));
				void *g = realloc(su.groups, (su.ngroups + 1) * sizeof(*su.groups));
				if (g != NULL) {
					su.groups = g;
					snprintf(su.groups[su.ngroups++], sizeof(*su.groups), "%s", key);
				}
			}
			if (list == OAI_QXL_TRUNK)
				d->oai_type = OAI_DEVTYPE_ISDN_TRUNK;
		}
	}
	(void)v;
	switch (list) {
	case OAI_QXL_STATION: next(cti, STEP_QX_TRUNKS); break;
	case OAI_QXL_TRUNK: next(cti, STEP_QX_HUNT); break;
	case OAI_QXL_HUNT_GROUP: next(cti, STEP_QX_AGENTS); break;
	case OAI_QXL_ACD_AGENT: next(cti, STEP_QX_NODES); break;
	default:
		cti_db_save_devices(cti);
		next(cti, STEP_QX_FEATURES);
		break;
	}
}

/* Never ends the session: a PBX that does not list its features still gets the default. */
static void
features_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	(void)arg;
	if (stale(cti))
		return;
	cti_rac_features(cti, m);
	next(cti, STEP_MS_STATIONS);
}

static int
submit_qx(struct cti *cti, int list, unsigned mask, cti_cf_cb cb)
{
	struct oai_build b;
	char buf[256];
	unsigned inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_QX);

	oai_build_str(&b, OAI_F_AFFECTED_EXT, "");
	oai_build_int(&b, OAI_F_LIST_TYPE, list);
	{
		char hex[16];
		snprintf(hex, sizeof(hex), "%X", mask);
		oai_build_raw(&b, OAI_F_ENTITY_MASK, hex);
	}
	oai_build_int(&b, OAI_F_RESPONSE_MODE, 1);
	oai_build_int(&b, OAI_F_RESPONSE_SIZE, 1);
	return cti_link_submit(cti, &b, inv, OAI_CMD_QX, CTI_CMD_TIMEOUT_MS * 4, cb,
	    (void *)(intptr_t)list);
}

static void
send_qx(struct cti *cti, int list, unsigned mask)
{
	if (submit_qx(cti, list, mask, qx_done) != 0)
		fail(cti, "sending _QX", NULL);
}

/* ---- monitors --------------------------------------------------------------------------- */

static void
ms_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	enum step s = (enum step)(intptr_t)arg;
	struct oai_iter it;

	if (stale(cti))
		return;
	if (!ok(m)) {
		if (s == STEP_MS_STATIONS) {
			fail(cti, "the station monitor (_MS all stations)", m);
			return;
		}
		hs_log_warn("startup.monitor", "step=%d note=%s", (int)s,
		    hs_logq(m == NULL ? "no confirmation" : "refused by the PBX; going on"));
	} else if (oai_msg_iter(m, OAI_F_XREF, &it) == OAI_OK) {
		while (oai_iter_next(&it)) {
			const char *xref = oai_iter_str(&it, OAI_F_XREF);
			const char *dev = oai_iter_str(&it, OAI_F_AFFECTED_ID);
			char *copy = strdup(dev);
			if (copy == NULL)
				continue;
			free(hs_map_del(cti->xrefs, xref));
			hs_map_put(cti->xrefs, xref, copy);
		}
	}
	if (s == STEP_MS_HUNT && su.group + 1 < su.ngroups) {
		su.group++;
		step_run(cti);
		return;
	}
	next(cti, s + 1);
}

static void
send_ms(struct cti *cti, const char *affected, int type, bool system, enum step s)
{
	struct oai_build b;
	char buf[256];
	unsigned inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_MS);

	oai_build_str(&b, OAI_F_AFFECTED_ID, affected);
	oai_build_int(&b, OAI_F_MONITOR_TYPE, type);
	if (system) {
		oai_build_filter(&b, 'S', 0xFFFF);
	} else {
		oai_build_filter(&b, 'A', 0xFFFF);
		oai_build_filter(&b, 'C', 0xFFFF);
		oai_build_filter(&b, 'F', 0xFFFF);
	}
	if (cti_link_submit(cti, &b, inv, OAI_CMD_MS, CTI_CMD_TIMEOUT_MS * 4, ms_done,
		(void *)(intptr_t)s) != 0)
		fail(cti, "sending _MS", NULL);
}

/* ---- hunt groups and resync ------------------------------------------------------------- */

static void
qh_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	const char *group = arg;
	struct oai_iter it;

	if (stale(cti))
		return;
	if (ok(m) && oai_msg_iter(m, OAI_F_AGENT_ID, &it) == OAI_OK) {
		while (oai_iter_next(&it)) {
			long mode = 0;
			oai_iter_int(&it, OAI_F_AGENT_MODE, &mode);
			cti_state_agent_mode(cti, group, oai_iter_str(&it, OAI_F_AGENT_ID),
			    oai_iter_str(&it, OAI_F_DEVICE_EXT), (int)mode);
		}
	} else if (!ok(m)) {
		hs_log_warn("startup.qh", "group=%s note=%s", group,
		    hs_logq("hunt group query refused; agents learnt from events only"));
	}
	su.group++;
	step_run(cti);
}

static void
rr_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	(void)arg;
	if (stale(cti))
		return;
	if (!ok(m))
		fail(cti, "the resync request (_RR)", m);
	/* Otherwise the snapshot events follow, then RD (cti_startup_rd). */
}

void
cti_startup_rd(struct cti *cti, const struct oai_msg *m)
{
	char code[16];

	if (su.step != STEP_RR || stale(cti))
		return;
	snprintf(code, sizeof(code), "%u", su.rr_invoke);
	if (strcmp(oai_msg_str(m, OAI_F_RESYNC), code) != 0)
		return;
	su.step = STEP_DONE;
	cti_state_resync_done(cti);
	cti->started = true;
	cti->link.next_nop_ms = hs_mono_ms() + hs_conf_int(cti->svc->conf, "cti.keepalive") * 1000;
	cti->link.nop_unanswered = 0;
	cti_db_save_link_info(cti);
	cti_link_up(cti);
	cti_rac_link_up(cti);
}

static void
step_run(struct cti *cti)
{
	struct oai_build b;
	char buf[256];
	unsigned inv;

	switch (su.step) {
	case STEP_NA:
		if (!cti->link.ct_gateway) {
			next(cti, STEP_QX_STATIONS);
			return;
		}
		inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_NA);
		oai_build_int(&b, OAI_F_SETTING, 1);
		/* The answer does not matter: a bare PBX may refuse this Gateway command. */
		if (cti_link_submit(cti, &b, inv, OAI_CMD_NA, CTI_CMD_TIMEOUT_MS, NULL, NULL) != 0)
			fail(cti, "sending _NA", NULL);
		next(cti, STEP_QX_STATIONS);
		return;
	case STEP_QX_STATIONS:
		send_qx(cti, OAI_QXL_STATION,
		    OAI_QXM_STATION_USERNAME | OAI_QXM_STATION_DESCRIPTION |
			OAI_QXM_STATION_DEVICE_TYPE);
		return;
	case STEP_QX_TRUNKS:
		send_qx(cti, OAI_QXL_TRUNK, OAI_QXM_TRUNK_USERNAME | OAI_QXM_TRUNK_DESCRIPTION);
		return;
	case STEP_QX_HUNT:
		send_qx(cti, OAI_QXL_HUNT_GROUP,
		    OAI_QXM_HUNT_GROUP_USERNAME | OAI_QXM_HUNT_GROUP_DESCRIPTION |
			OAI_QXM_HUNT_GROUP_TYPE);
		return;
	case STEP_QX_AGENTS:
		send_qx(cti, OAI_QXL_ACD_AGENT, OAI_QXM_ACD_AGENT_DESCRIPTION);
		return;
	case STEP_QX_NODES:
		cti->nnodes = 0;
		send_qx(cti, OAI_QXL_NODE_DATA,
		    OAI_QXM_NODE_DATA_DESCRIPTION | OAI_QXM_NODE_DATA_PROTOCOL_VERSION |
			OAI_QXM_NODE_DATA_KSU_VERSION);
		return;
	case STEP_QX_FEATURES:
		if (submit_qx(cti, OAI_QXL_FEATURE, OAI_QXM_FEATURE_NUMBER | OAI_QXM_FEATURE_NAME,
			features_done) != 0) {
			/* Not this step's to end the session: the next command finds out. */
			cti_rac_features(cti, NULL);
			next(cti, STEP_MS_STATIONS);
		}
		return;
	case STEP_MS_STATIONS:
		send_ms(cti, "", OAI_MONITOR_ALL_STATIONS, false, STEP_MS_STATIONS);
		return;
	case STEP_MS_HUNT:
		if (su.ngroups == 0) {
			next(cti, STEP_MS_TRUNKS);
			return;
		}
		send_ms(cti, su.groups[su.group], OAI_MONITOR_DEVICE, false, STEP_MS_HUNT);
		return;
	case STEP_MS_TRUNKS:
		send_ms(cti, "", OAI_MONITOR_ALL_TRUNKS, false, STEP_MS_TRUNKS);
		return;
	case STEP_MS_SYSTEM:
		send_ms(cti, "", OAI_MONITOR_SYSTEM, true, STEP_MS_SYSTEM);
		return;
	case STEP_QH:
		while (su.group < su.ngroups) {
			struct cti_device *d = hs_map_get(cti->devices, su.groups[su.group]);
			if (d != NULL && d->group_type <= OAI_HUNT_ACD_AGENT_IDS)
				break;
			su.group++;
		}
		if (su.group >= su.ngroups) {
			next(cti, STEP_RR);
			return;
		}
		inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_QH);
		oai_build_str(&b, OAI_F_AFFECTED_EXT, su.groups[su.group]);
		if (cti_link_submit(cti, &b, inv, OAI_CMD_QH, CTI_CMD_TIMEOUT_MS, qh_done,
			su.groups[su.group]) != 0)
			fail(cti, "sending _QH", NULL);
		return;
	case STEP_RR:
		cti_state_resync_begin(cti);
		inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_RR);
		oai_build_str(&b, OAI_F_AFFECTED_EXT, "");
		su.rr_invoke = inv;
		/* A full resync of a large site can take minutes (oai.md 2.5). */
		if (cti_link_submit(cti, &b, inv, OAI_CMD_RR, CTI_CMD_TIMEOUT_MS * 12, rr_done,
			NULL) != 0)
			fail(cti, "sending _RR", NULL);
		return;
	case STEP_DONE:
		return;
	}
}

void
cti_startup_begin(struct cti *cti)
{
	free(su.groups);
	memset(&su, 0, sizeof(su));
	su.session = cti->link.session;
	hs_log_info("startup.begin", "ct_gateway=%d protocol=%s software=%s",
	    cti->link.ct_gateway, hs_logq(cti->link.protocol_version),
	    hs_logq(cti->link.software_version));
	next(cti, STEP_NA);
}

void
cti_startup_fini(void)
{
	free(su.groups);
	memset(&su, 0, sizeof(su));
}
