/*
 * engine_view.c - read-only views of the engine: the JSON state of the control socket, the
 * answers to the server's queries (_QH, _QF, _SP, _QA), and who acts in a call for the
 * runner (engine_resolve).
 *
 * Device states in the JSON view follow cti-host's vocabulary: the strongest state of the
 * device in any call, connected > ringing > held > dialling > queued > failed, else idle.
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* ---- views ------------------------------------------------------------------------------ */

static const char *
lcs_word(char lcs)
{
	switch (lcs) {
	case 'I': return "initiated";
	case 'A': return "alerting";
	case 'C': return "connected";
	case 'H': return "held";
	case 'F': return "failed";
	case 'Q': return "queued";
	default: return "null";
	}
}

static int
lcs_rank(char lcs)
{
	switch (lcs) {
	case 'C': return 6;
	case 'A': return 5;
	case 'H': return 4;
	case 'I': return 3;
	case 'Q': return 2;
	case 'F': return 1;
	default: return 0;
	}
}

static const char *
agent_word(enum site_agent_state s)
{
	switch (s) {
	case SITE_AGENT_READY: return "ready";
	case SITE_AGENT_NOT_READY: return "not_ready";
	case SITE_AGENT_WRAPUP: return "wrap_up";
	default: return "logged_off";
	}
}

static const char *
kind_word(enum eng_dev_kind k)
{
	switch (k) {
	case ENG_STATION: return "station";
	case ENG_TRUNK: return "trunk";
	default: return "huntgroup";
	}
}

static cJSON *
device_json(const struct engine *e, const struct eng_dev *d)
{
	static const char *const states[] = { "idle", "failed", "queued", "dialling", "held",
		"ringing", "connected" };
	cJSON *o = cJSON_CreateObject();
	int best = 0, queued = 0;

	for (const struct eng_call *c = e->calls; c != NULL; c = c->next) {
		char l = eng_lcs(c, d);
		if (lcs_rank(l) > best)
			best = lcs_rank(l);
		queued += l == OAI_LCS_QUEUED;
	}
	cJSON_AddStringToObject(o, "device", d->number);
	cJSON_AddStringToObject(o, "kind", kind_word(d->kind));
	cJSON_AddStringToObject(o, "state", states[best]);
	if (d->kind == ENG_STATION) {
		cJSON_AddBoolToObject(o, "dnd", d->dnd > 0);
		if (d->dnd > 0) {
			cJSON_AddStringToObject(o, "dnd_message", d->dnd <= e->site->ndnd ?
			    e->site->dnd[d->dnd - 1] : "");
			cJSON_AddNumberToObject(o, "dnd_index", d->dnd);
			cJSON_AddStringToObject(o, "dnd_text", d->dnd_text);
		} else {
			cJSON_AddNullToObject(o, "dnd_message");
		}
		if (d->fwd != SITE_FWD_OFF) {
			cJSON *f = cJSON_AddObjectToObject(o, "forward");
			char type[2] = { engine_fwd_letter(d->fwd), '\0' };
			cJSON_AddStringToObject(f, "type", type);
			cJSON_AddStringToObject(f, "kind", site_fwd_name(d->fwd));
			cJSON_AddStringToObject(f, "destination", d->fwd_dest);
		} else {
			cJSON_AddNullToObject(o, "forward");
		}
		if (d->agent != NULL)
			cJSON_AddStringToObject(o, "agent", d->agent->sa->id);
		else
			cJSON_AddNullToObject(o, "agent");
	}
	if (d->kind == ENG_HUNT)
		cJSON_AddNumberToObject(o, "queued", queued);
	return o;
}

static cJSON *
call_json(const struct eng_call *c)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "call_id", c->id);
	if (c->label[0] != '\0')
		cJSON_AddStringToObject(o, "label", c->label);
	else
		cJSON_AddNullToObject(o, "label");
	if (c->parent[0] != '\0')
		cJSON_AddStringToObject(o, "parent", c->parent);
	cJSON_AddStringToObject(o, "caller", c->caller != NULL ? c->caller->number : "");
	cJSON_AddBoolToObject(o, "answered", c->answered);
	if (c->hunt != NULL)
		cJSON_AddStringToObject(o, "hunt_group", c->hunt->number);
	arr = cJSON_AddArrayToObject(o, "parties");
	for (int i = 0; i < c->np; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "device", c->p[i].dev->number);
		cJSON_AddStringToObject(p, "state", lcs_word(c->p[i].lcs));
		cJSON_AddItemToArray(arr, p);
	}
	return o;
}

cJSON *
engine_state_json(const struct engine *e)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	arr = cJSON_AddArrayToObject(o, "devices");
	for (size_t i = 0; i < e->ndevs; i++)
		cJSON_AddItemToArray(arr, device_json(e, &e->devs[i]));
	arr = cJSON_AddArrayToObject(o, "calls");
	for (const struct eng_call *c = e->calls; c != NULL; c = c->next)
		cJSON_AddItemToArray(arr, call_json(c));
	arr = cJSON_AddArrayToObject(o, "agents");
	for (size_t i = 0; i < e->nagents; i++) {
		const struct eng_agent *a = &e->agents[i];
		cJSON *j = cJSON_CreateObject(), *g;

		cJSON_AddStringToObject(j, "agent_id", a->sa->id);
		if (a->station != NULL)
			cJSON_AddStringToObject(j, "device", a->station->number);
		else
			cJSON_AddNullToObject(j, "device");
		cJSON_AddStringToObject(j, "state", agent_word(a->station != NULL ? a->state :
		    SITE_AGENT_OFF));
		g = cJSON_AddArrayToObject(j, "groups");
		for (size_t k = 0; k < a->sa->ngroups; k++)
			cJSON_AddItemToArray(g, cJSON_CreateString(a->sa->groups[k]->number));
		cJSON_AddItemToArray(arr, j);
	}
	return o;
}

int
engine_qh(const struct engine *e, const char *pilot, struct eng_qh_entry *out, size_t max,
    int *hunt_type)
{
	const struct eng_dev *g = eng_dev(e, pilot);
	const struct site_huntgroup *hg;
	size_t n = 0;

	if (g == NULL || g->kind != ENG_HUNT)
		return -1;
	hg = g->hg;
	*hunt_type = site_hg_oai_type(hg);
	for (size_t i = 0; i < hg->nagents && n < max; i++) {
		const struct eng_agent *a = eng_agent(e, hg->agents[i]->id);

		out[n].agent = hg->agents[i]->id;
		out[n].device = a != NULL && a->station != NULL ? a->station->number : "";
		out[n].mode = a != NULL ? eng_agent_mode(a) : OAI_AGENT_MODE_LOGGED_OUT;
		n++;
	}
	for (size_t i = 0; i < hg->nmembers && n < max; i++) {
		const struct eng_dev *m = eng_dev(e, hg->members[i]->number);

		out[n].agent = "";
		out[n].device = hg->members[i]->number;
		out[n].mode = m != NULL && !eng_in_call(e, m) && m->dnd == 0 ?
		    OAI_AGENT_MODE_UCD_READY : OAI_AGENT_MODE_UCD_BUSY;
		n++;
	}
	return (int)n;
}

bool
engine_forward_of(const struct engine *e, const char *ext, char *type, char *dest,
    size_t destlen)
{
	const struct eng_dev *d = eng_dev(e, ext);

	if (d == NULL || d->kind != ENG_STATION)
		return false;
	char outside[SITE_DIAL_MAX];

	*type = engine_fwd_letter(d->fwd);
	eng_fwd_split(e, d, dest, destlen, outside, sizeof(outside));
	return true;
}

int
engine_connected(struct engine *e, const char *dev, const char *id, char out[ENG_ID_MAX])
{
	struct eng_dev *d = eng_dev(e, dev);
	struct eng_call *c;

	out[0] = '\0';
	if (d == NULL)
		return eng_fail(e, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER, "no device %s", dev);
	if (d->kind != ENG_STATION || !site_ext_can_call(d->ext))
		return eng_fail(e, OAI_OUTCOME_INCOMPATIBLE_WITH_OBJECT, "%s is not a station that "
		    "talks", dev);
	if (id == NULL || *id == '\0') {
		for (c = e->calls; c != NULL; c = c->next)
			if (eng_lcs(c, d) == OAI_LCS_CONNECTED && c->answered)
				break;
		if (c == NULL)
			return eng_fail(e, OAI_OUTCOME_NO_ACTIVE_CALL, "%s is talking in no call",
			    dev);
	} else {
		if ((c = eng_call(e, id)) == NULL)
			return eng_fail(e, OAI_OUTCOME_INVALID_CALL_IDENTIFIER, "no call %s", id);
		if (eng_lcs(c, d) == OAI_LCS_NULL)
			return eng_fail(e, OAI_OUTCOME_INVALID_OBJECT_STATE, "%s is not in call %s",
			    dev, id);
		if (eng_lcs(c, d) != OAI_LCS_CONNECTED)
			return eng_fail(e, OAI_OUTCOME_NO_ACTIVE_CALL, "%s is not connected in call "
			    "%s (state %c)", dev, id, eng_lcs(c, d));
		/* The caller of a call that still rings is connected, but nobody talks yet. */
		if (!c->answered)
			return eng_fail(e, OAI_OUTCOME_NO_ACTIVE_CALL, "call %s is not answered yet",
			    id);
	}
	snprintf(out, ENG_ID_MAX, "%s", c->id);
	return 0;
}

size_t
engine_calls_at(const struct engine *e, const char *dev, char (*ids)[ENG_ID_MAX], char *lcs,
    size_t max)
{
	const struct eng_dev *d = eng_dev(e, dev);
	size_t n = 0;

	if (d == NULL)
		return 0;
	for (const struct eng_call *c = e->calls; c != NULL && n < max; c = c->next) {
		char l = eng_lcs(c, d);
		if (l == OAI_LCS_NULL)
			continue;
		snprintf(ids[n], ENG_ID_MAX, "%s", c->id);
		lcs[n++] = l;
	}
	return n;
}

int
engine_agent_groups(const struct engine *e, const char *agent, const char **groups, size_t max,
    int *mode)
{
	const struct eng_agent *a = eng_agent(e, agent);
	size_t n = 0;

	if (a == NULL)
		return -1;
	*mode = eng_agent_mode(a);
	for (size_t i = 0; i < a->sa->ngroups && n < max; i++)
		groups[n++] = a->sa->groups[i]->number;
	return (int)n;
}

const char *
engine_resolve(const struct engine *e, const char *id, enum scn_party who, const char *dev)
{
	struct eng_call *c = eng_call(e, id);

	if (c == NULL)
		return NULL;
	switch (who) {
	case SCN_PARTY_DEV:
		return dev;
	case SCN_PARTY_CALLER:
		if (c->origin != NULL && eng_party(c, c->origin) != NULL)
			return c->origin->number;
		return c->caller != NULL && eng_party(c, c->caller) != NULL ?
		    c->caller->number : NULL;
	case SCN_PARTY_ANSWERER:
		return c->answerer != NULL && eng_party(c, c->answerer) != NULL ?
		    c->answerer->number : NULL;
	case SCN_PARTY_FAR:
		/* An outgoing leg still to be answered first, else the incoming trunk. */
		if (c->out_trunk != NULL && eng_party(c, c->out_trunk) != NULL &&
		    (!c->far_answered || c->in_trunk == NULL ||
		    eng_party(c, c->in_trunk) == NULL))
			return c->out_trunk->number;
		if (c->in_trunk != NULL && eng_party(c, c->in_trunk) != NULL)
			return c->in_trunk->number;
		return NULL;
	case SCN_PARTY_ANY:
		for (int i = 0; i < c->np; i++)
			if (c->p[i].lcs == OAI_LCS_ALERTING && c->p[i].dev->kind == ENG_STATION)
				return c->p[i].dev->number;
		return NULL;
	default:
		return NULL;
	}
}
