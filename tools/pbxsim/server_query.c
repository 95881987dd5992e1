/*
 * server_query.c - the queries a PBX answers (oai.md 3.5, 3.6, 5.9): _QX lists from the
 * site (stations, trunks, hunt groups, trunk groups, features, DND messages, voice mail,
 * ACD agents, node data; other lists answer with no entities), and _QH, _QF, _SP, _QA, _QC
 * and _QT from the engine's live state.
 *
 * _QX grants only the Entity_Field_Mask bits the list has (oai.md 5.9) and echoes them;
 * it always answers in one message (MSG_Indicator 1), whatever Response_Mode asks.
 * Values no source gives are ours [A]: COS flags 0000, Answer_Supervision_Type and
 * Application_Type 0, a feature's logical number is its place in site.h's list + 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"

/* ---- queries ---------------------------------------------------------------------------- */

void
srv_cmd_qh(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct eng_qh_entry e[256];
	struct srv_cf c;
	int n, type = 0;

	NEED(OAI_F_AFFECTED_EXT);
	if ((n = engine_qh(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT), e, 256, &type)) < 0) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER, "not a hunt group");
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, (size_t)n * 40);
	for (int i = 0; i < n; i++) {
		oai_build_item(&c.b);
		oai_build_str(&c.b, OAI_F_AGENT_ID, e[i].agent);
		oai_build_str(&c.b, OAI_F_DEVICE_EXT, e[i].device);
		oai_build_int(&c.b, OAI_F_AGENT_MODE, e[i].mode);
	}
	oai_build_int(&c.b, OAI_F_IN_INIT_STATE, 0);
	oai_build_int(&c.b, OAI_F_HUNT_GROUP_TYPE, type);
	srv_cf_end(&c);
}

/* Node filter of an Affected_ID "N:" (0: all nodes). */
int
srv_node_of(const char *aff)
{
	size_t n = strlen(aff);

	return n > 1 && aff[n - 1] == ':' ? atoi(aff) : 0;
}

static const char *
yes(bool v)
{
	return v ? "1" : "0";
}

/* One _QX entity field (oai.md 5.9): the value for mask bit `bit` of item i of the list. */
static const char *
qx_value(const struct site *site, int list, size_t i, unsigned bit, char *tmp, size_t len)
{
	switch (list) {
	case OAI_QXL_STATION:
	case OAI_QXL_VOICE_MAIL_APP: {
		const struct site_ext *x = &site->exts[i];
		if (list == OAI_QXL_VOICE_MAIL_APP)
			return bit == 0 ? x->username : bit == 1 ? x->description : "0";
		switch (bit) {
		case 0: return x->username;
		case 1: return x->description;
		case 2:
			for (size_t k = 0; k < site->nexts; k++)
				if (site->exts[k].attendant)
					return site->exts[k].number;
			return "";
		case 3: return yes(x->admin);
		case 4: return yes(x->attendant);
		case 5: case 6: return "0000";
		case 7: return site->voicemail;
		case 8: snprintf(tmp, len, "%d", site_ext_type_code(x->type)); return tmp;
		case 9: snprintf(tmp, len, "%d", site->voicemail[0] ? x->node->number : 0);
			return tmp;
		case 10: snprintf(tmp, len, "%d", x->physical); return tmp;
		default: return "";
		}
	}
	case OAI_QXL_TRUNK:
		return bit == 0 ? site->trunks[i].username : bit == 1 ?
		    site->trunks[i].description : "0";
	case OAI_QXL_HUNT_GROUP: {
		const struct site_huntgroup *g = &site->huntgroups[i];
		switch (bit) {
		case 0: return g->username;
		case 1: return g->description;
		case 2: snprintf(tmp, len, "%d", site_hg_oai_type(g)); return tmp;
		case 3: snprintf(tmp, len, "%zu", g->nmembers + g->nagents); return tmp;
		default: return "0";
		}
	}
	case OAI_QXL_TRUNK_GROUP: {
		const struct site_trunkgroup *g = &site->trunkgroups[i];
		if (bit == 2) {
			snprintf(tmp, len, "%zu", g->nmembers);
			return tmp;
		}
		return bit == 0 ? g->username : g->description;
	}
	case OAI_QXL_FEATURE: {
		const struct site_feature *f = &site->features[i];
		switch (bit) {
		case 0: snprintf(tmp, len, "%d", (int)f->id + 1); return tmp;
		case 1: return f->key;
		case 3: return yes(f->id == SITE_FEAT_DIRECTORY);
		case 4: return yes(f->id == SITE_FEAT_AUDIO_DIAGNOSTICS);
		case 5: return yes(f->flags & SITE_FEAT_TOGGLE);
		default: return "0";
		}
	}
	case OAI_QXL_DND_MESSAGE:
		return site->dnd[i];
	case OAI_QXL_ACD_AGENT:
		return site->agents[i].description;
	case OAI_QXL_NODE_DATA: {
		const struct site_node *n = &site->nodes[i];
		switch (bit) {
		case 0: return n->description;
		case 1: return yes(n->networking);
		case 2: return n->protocol;
		case 3: return n->software;
		case 4: snprintf(tmp, len, "%d", n->premium); return tmp;
		case 5: snprintf(tmp, len, "%d", n->country); return tmp;
		case 6: return yes(n->tcpip);
		case 7: return yes(site->voicemail[0] != '\0');
		case 8: return "8";
		default: return "";
		}
	}
	default:
		return "";
	}
}

/* The key of item i of a list, or NULL to skip it (node filter, not in that list). */
static const char *
qx_key(const struct site *site, int list, size_t i, int node, char *tmp, size_t len)
{
	switch (list) {
	case OAI_QXL_STATION:
		if (node && site->exts[i].node->number != node)
			return NULL;
		return site->exts[i].number;
	case OAI_QXL_VOICE_MAIL_APP:
		if (site->exts[i].type != SITE_EXT_VOICEMAIL ||
		    (node && site->exts[i].node->number != node))
			return NULL;
		return site->exts[i].number;
	case OAI_QXL_TRUNK:
		return node && site->trunks[i].node->number != node ? NULL :
		    site->trunks[i].number;
	case OAI_QXL_HUNT_GROUP:
		return node && site->huntgroups[i].node->number != node ? NULL :
		    site->huntgroups[i].number;
	case OAI_QXL_TRUNK_GROUP:
		return site->trunkgroups[i].number;
	case OAI_QXL_FEATURE:
		return site->features[i].code[0] != '\0' ? site->features[i].code : NULL;
	case OAI_QXL_DND_MESSAGE:
		snprintf(tmp, len, "%zu", i + 1);
		return tmp;
	case OAI_QXL_ACD_AGENT:
		return site->agents[i].id;
	case OAI_QXL_NODE_DATA:
		snprintf(tmp, len, "%d", site->nodes[i].number);
		return tmp;
	default:
		return NULL;
	}
}

static size_t
qx_count(const struct site *site, int list)
{
	switch (list) {
	case OAI_QXL_STATION:
	case OAI_QXL_VOICE_MAIL_APP: return site->nexts;
	case OAI_QXL_TRUNK: return site->ntrunks;
	case OAI_QXL_HUNT_GROUP: return site->nhuntgroups;
	case OAI_QXL_TRUNK_GROUP: return site->ntrunkgroups;
	case OAI_QXL_FEATURE: return SITE_FEAT_COUNT;
	case OAI_QXL_DND_MESSAGE: return (size_t)site->ndnd;
	case OAI_QXL_ACD_AGENT: return site->nagents;
	case OAI_QXL_NODE_DATA: return site->nnodes;
	default: return 0;
	}
}

void
srv_cmd_qx(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	const struct site *site = SITE(s);
	long list = srv_num(m, OAI_F_LIST_TYPE, -1), mask = srv_num(m, OAI_F_ENTITY_MASK, 0);
	unsigned granted = 0;
	int node = srv_node_of(srv_arg(m, OAI_F_AFFECTED_EXT));
	size_t n;
	char hex[16], kt[2][16], vt[23][24];
	size_t made = 0;
	struct srv_cf c;

	NEED(OAI_F_LIST_TYPE);
	if (list < 1 || list > OAI_QXL__MAX) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_VALUE_OUT_OF_RANGE, "no such List_Type");
		return;
	}
	/* Only the bits the list has (oai.md 5.9) are granted, and echoed. */
	for (unsigned bit = 0; bit < 23; bit++)
		if (((unsigned long)mask >> bit & 1u) && oai_qx_field_name((int)list, bit) != NULL)
			granted |= 1u << bit;
	n = qx_count(site, (int)list);
	srv_cf_begin(&c, s, cmd, inv, 0, n * (24 + 24 * (size_t)__builtin_popcount(granted)));
	oai_build_int(&c.b, OAI_F_LIST_TYPE, list);
	snprintf(hex, sizeof(hex), "%X", granted);
	oai_build_raw(&c.b, OAI_F_ENTITY_MASK, hex);
	oai_build_int(&c.b, OAI_F_MSG_INDICATOR, 1);
	for (size_t i = 0; i < n; i++) {
		/* The key is made before the previous entity is written out: alternate. */
		const char *key = qx_key(site, (int)list, i, node, kt[made & 1], sizeof(kt[0]));

		if (key == NULL)
			continue;
		/* The builder keeps an item's strings until the next item or the end: one
		 * buffer per field, alive to the end of the function. */
		oai_build_item(&c.b);
		made++;
		oai_build_str(&c.b, OAI_F_ENTITY_KEY, key);
		for (unsigned bit = 0; bit < 23; bit++)
			if (granted >> bit & 1u)
				oai_build_qx(&c.b, bit, qx_value(site, (int)list, i, bit, vt[bit],
				    sizeof(vt[bit])));
	}
	srv_cf_end(&c);
}

void
srv_cmd_qf(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	char type = 'N', dest[SITE_DIAL_MAX];
	struct srv_cf c;

	NEED(OAI_F_AFFECTED_EXT);
	if (!engine_forward_of(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT), &type, dest, sizeof(dest))) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER, "not a station");
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_chr(&c.b, OAI_F_FORWARD_TYPE, type);
	oai_build_str(&c.b, OAI_F_DESTINATION_EXT, dest);
	srv_cf_end(&c);
}

void
srv_cmd_sp(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	char ids[64][ENG_ID_MAX], lcs[64];
	size_t n;
	struct srv_cf c;

	NEED(OAI_F_AFFECTED_EXT);
	if (!engine_has_device(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT))) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER, "no such device");
		return;
	}
	n = engine_calls_at(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT), ids, lcs, 64);
	srv_cf_begin(&c, s, cmd, inv, 0, n * 24);
	for (size_t i = 0; i < n; i++) {
		oai_build_item(&c.b);
		oai_build_str(&c.b, OAI_F_CALL_ID, ids[i]);
		oai_build_chr(&c.b, OAI_F_LCS, lcs[i]);
	}
	srv_cf_end(&c);
}

void
srv_cmd_qa(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	const char *agent = srv_arg(m, OAI_F_AGENT_ID), *group = srv_arg(m, OAI_F_HUNT_GROUP);
	const char *groups[64];
	int n, mode = 0;
	struct srv_cf c;

	if (*agent == '\0')
		agent = engine_agent_at(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT));
	if (agent == NULL || (n = engine_agent_groups(ENG(s), agent, groups, 64, &mode)) < 0) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_AGENT_ID, "no such agent");
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, (size_t)n * 32);
	for (int i = 0; i < n; i++) {
		if (*group != '\0' && strcmp(group, groups[i]) != 0)
			continue;
		oai_build_item(&c.b);
		oai_build_str(&c.b, OAI_F_AGENT_ID, agent);
		oai_build_str(&c.b, OAI_F_HUNT_GROUP, groups[i]);
		oai_build_int(&c.b, OAI_F_AGENT_MODE, mode);
	}
	srv_cf_end(&c);
}

void
srv_cmd_qc(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct srv_cf c;

	(void)m;
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_int(&c.b, OAI_F_COUNTRY, SITE(s)->nodes[0].country);
	srv_cf_end(&c);
}

void
srv_cmd_qt(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct srv_cf c;

	(void)m;
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_int(&c.b, OAI_F_ON_OFF, 0);
	srv_cf_end(&c);
}
