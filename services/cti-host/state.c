/*
 * state.c - the live model: devices, calls, agents and hunt-group queues, kept from OAI events
 * (oai.md 6.2, 6.3), and the bus events that report it.
 *
 * The Local_Cnx_State of an event is the state of the call at the monitored device (the
 * event's xref); the fields name the other parties.  So every call event first sets the
 * monitored device's party to the event's LCS, then applies what the event says of the others
 * (an answering extension is connected, a cleared one has left).  A call ends when no party is
 * left on it (XC) or the PBX says so (CC).  A device's state is derived from the calls it is
 * on, strongest first: connected, ringing, held, dialling, queued, failed, idle.
 *
 * Resync: before the full resync of a new session every known call is marked stale; any
 * snapshot event that mentions a call clears the mark; at RD the calls still stale ended
 * while the link was down and are closed with that reason, so none is left open.
 *
 * Published (publish.c adds sequence numbers and journals them): call.<event> for every call
 * event with the PBX's fields and the call as the model now sees it, call.cleared when a call
 * leaves the model, device.state when a device's state, DND, forward or online status
 * changes, agent.state when an agent's state changes, huntgroup.queue when the number of
 * calls waiting in a hunt group changes.
 *
 * After each call event the call's connected parties are handed to rac_invoke.c, which
 * invokes Record-A-Call once per (call, extension) for the extensions that are recorded so;
 * the per-call flags live in the call (struct cti_call.rac) and die with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"
#include "log.h"

/* ---- lookups ---------------------------------------------------------------------------- */

struct cti_device *
cti_state_device(struct cti *cti, const char *number)
{
	struct cti_device *d;

	if (number == NULL || *number == '\0')
		return NULL;
	if ((d = hs_map_get(cti->devices, number)) != NULL)
		return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	snprintf(d->number, sizeof(d->number), "%s", number);
	d->kind = CTI_DEV_OTHER;
	d->online = true;
	snprintf(d->state, sizeof(d->state), "idle");
	if (hs_map_put(cti->devices, number, d) != HS_OK) {
		free(d);
		return NULL;
	}
	return d;
}

static const char *
xref_device(struct cti *cti, const struct oai_msg *m)
{
	const char *dev = hs_map_get(cti->xrefs, oai_msg_str(m, OAI_F_XREF));

	return dev != NULL ? dev : "";
}

static struct cti_call *
call_get(struct cti *cti, const char *id, bool create)
{
	struct cti_call *c;

	if (id == NULL || *id == '\0')
		return NULL;
	if ((c = hs_map_get(cti->calls, id)) != NULL || !create)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->started_ms = hs_now_ms();
	if (hs_map_put(cti->calls, id, c) != HS_OK) {
		free(c);
		return NULL;
	}
	return c;
}

const char *
cti_agent_state_name(enum cti_agent_state s)
{
	static const char *const names[] = {
		[CTI_AGENT_LOGGED_OFF] = "logged_off",
		[CTI_AGENT_READY] = "ready",
		[CTI_AGENT_NOT_READY] = "not_ready",
		[CTI_AGENT_WRAP_UP] = "wrap_up",
	};
	return names[s];
}

/* ---- JSON views ------------------------------------------------------------------------- */

static const char *
kind_name(enum cti_dev_kind k)
{
	switch (k) {
	case CTI_DEV_EXTENSION: return "extension";
	case CTI_DEV_HUNT_GROUP: return "hunt_group";
	case CTI_DEV_TRUNK: return "trunk";
	default: return "other";
	}
}

cJSON *
cti_device_json(const struct cti_device *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "device", d->number);
	cJSON_AddStringToObject(o, "kind", kind_name(d->kind));
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "state", d->online ? d->state : "offline");
	cJSON_AddBoolToObject(o, "online", d->online);
	cJSON_AddBoolToObject(o, "dnd", d->dnd);
	if (d->dnd) {
		cJSON_AddStringToObject(o, "dnd_message", d->dnd_message);
		cJSON_AddStringToObject(o, "dnd_text", d->dnd_text);
	}
	if (d->fwd_dest[0] != '\0') {
		cJSON *f = cJSON_AddObjectToObject(o, "forward");
		cJSON_AddStringToObject(f, "type", d->fwd_type);
		cJSON_AddStringToObject(f, "destination", d->fwd_dest);
	}
	if (d->agent[0] != '\0')
		cJSON_AddStringToObject(o, "agent", d->agent);
	if (d->kind == CTI_DEV_HUNT_GROUP)
		cJSON_AddNumberToObject(o, "queued", d->queued);
	return o;
}

static const char *
lcs_name(char lcs)
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

cJSON *
cti_call_json(const struct cti_call *c)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "call_id", c->id);
	cJSON_AddStringToObject(o, "direction", c->direction[0] ? c->direction : "internal");
	cJSON_AddBoolToObject(o, "answered", c->answered);
#define S(k, v) if ((v)[0] != '\0') cJSON_AddStringToObject(o, k, v)
	S("caller", c->caller);
	S("caller_name", c->caller_name);
	S("dialled", c->dialled);
	S("trunk", c->trunk);
	S("trunk_name", c->trunk_name);
	S("ddi", c->ddi);
	S("account_code", c->account);
	S("hunt_group", c->hunt_group);
#undef S
	arr = cJSON_AddArrayToObject(o, "parties");
	for (int i = 0; i < c->nparties; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "device", c->parties[i].device);
		cJSON_AddStringToObject(p, "state", lcs_name(c->parties[i].lcs));
		if (c->parties[i].since_ms > 0) {
			char since[32];
			hs_log_timestamp_of(c->parties[i].since_ms, since, sizeof(since));
			cJSON_AddStringToObject(p, "since", since);
		}
		cJSON_AddItemToArray(arr, p);
	}
	return o;
}

static cJSON *
agent_json(const struct cti_agent *a)
{
	cJSON *o = cJSON_CreateObject(), *g;

	cJSON_AddStringToObject(o, "agent_id", a->id);
	cJSON_AddStringToObject(o, "description", a->description);
	cJSON_AddStringToObject(o, "state", cti_agent_state_name(a->state));
	if (a->device[0] != '\0')
		cJSON_AddStringToObject(o, "device", a->device);
	g = cJSON_AddArrayToObject(o, "groups");
	for (int i = 0; i < a->ngroups; i++)
		cJSON_AddItemToArray(g, cJSON_CreateString(a->groups[i]));
	return o;
}

/* ---- device state from calls ------------------------------------------------------------ */

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

/* huntgroup.queue: the calls waiting in a hunt group's queue, oldest first. */
static void
huntgroup_queue(struct cti *cti, const struct cti_device *g, int queued)
{
	cJSON *body = cJSON_CreateObject(), *arr;
	size_t pos = 0;
	const char *key;
	void *v;

	cJSON_AddStringToObject(body, "group", g->number);
	cJSON_AddStringToObject(body, "name", g->name);
	cJSON_AddNumberToObject(body, "queued", queued);
	arr = cJSON_AddArrayToObject(body, "calls");
	while (hs_map_next(cti->calls, &pos, &key, &v)) {
		struct cti_call *c = v;
		for (int i = 0; i < c->nparties; i++) {
			if (c->parties[i].lcs == 'Q' && strcmp(c->parties[i].device, g->number) == 0) {
				cJSON *it = cJSON_CreateObject();
				cJSON_AddStringToObject(it, "call_id", c->id);
				cJSON_AddStringToObject(it, "caller", c->caller);
				cJSON_AddNumberToObject(it, "since_ms", (double)c->started_ms);
				cJSON_AddItemToArray(arr, it);
			}
		}
	}
	cti_publish(cti, "huntgroup.queue", body);
}

static void
device_recompute(struct cti *cti, struct cti_device *d)
{
	static const char *const names[] = { "idle", "failed", "queued", "dialling", "held",
		"ringing", "connected" };
	size_t pos = 0;
	const char *key;
	void *v;
	int best = 0, queued = 0;

	while (hs_map_next(cti->calls, &pos, &key, &v)) {
		struct cti_call *c = v;
		for (int i = 0; i < c->nparties; i++) {
			if (strcmp(c->parties[i].device, d->number) != 0)
				continue;
			int r = lcs_rank(c->parties[i].lcs);
			if (r > best)
				best = r;
			queued += c->parties[i].lcs == 'Q';
		}
	}
	if (d->queued != queued && d->kind == CTI_DEV_HUNT_GROUP)
		huntgroup_queue(cti, d, queued);
	if (strcmp(d->state, names[best]) != 0 || d->queued != queued) {
		snprintf(d->state, sizeof(d->state), "%s", names[best]);
		d->queued = queued;
		cti_publish(cti, "device.state", cti_device_json(d));
	}
}

/* Sets a party's state; lcs 'N' (or 0) removes it.  Recomputes the device's state. */
static void
party_set(struct cti *cti, struct cti_call *c, const char *device, char lcs)
{
	struct cti_device *d;
	int i;

	if (c == NULL || device == NULL || *device == '\0')
		return;
	for (i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i].device, device) == 0)
			break;
	if (lcs == 0 || lcs == 'N') {
		if (i == c->nparties)
			return;
		c->parties[i] = c->parties[--c->nparties];
	} else if (i == c->nparties) {
		if (c->nparties == CTI_MAX_PARTIES)
			return;
		snprintf(c->parties[i].device, sizeof(c->parties[i].device), "%s", device);
		c->parties[i].lcs = lcs;
		c->parties[i].since_ms = hs_now_ms();
		c->nparties++;
	} else if (c->parties[i].lcs == lcs) {
		return;
	} else {
		c->parties[i].lcs = lcs;
		c->parties[i].since_ms = hs_now_ms();
	}
	if ((d = cti_state_device(cti, device)) != NULL)
		device_recompute(cti, d);
}

static void
call_remove(struct cti *cti, struct cti_call *c, const char *reason)
{
	cJSON *body;
	char devs[CTI_MAX_PARTIES][24];
	int n = c->nparties;

	for (int i = 0; i < n; i++)
		snprintf(devs[i], sizeof(devs[i]), "%s", c->parties[i].device);
	hs_map_del(cti->calls, c->id);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "call_id", c->id);
	cJSON_AddStringToObject(body, "reason", reason);
	cJSON_AddItemToObject(body, "call", cti_call_json(c));
	cti_publish(cti, "call.cleared", body);
	free(c);
	for (int i = 0; i < n; i++) {
		struct cti_device *d = hs_map_get(cti->devices, devs[i]);
		if (d != NULL)
			device_recompute(cti, d);
	}
}

/* ---- call events ------------------------------------------------------------------------ */

static void
copy_if(char *dst, size_t len, const char *src)
{
	if (src != NULL && *src != '\0')
		snprintf(dst, len, "%s", src);
}

/* Direction from the alerting/answering and calling device types (oai.md 5.2). */
static void
set_direction(struct cti_call *c, int target, int calling)
{
	if (target == 0 || calling == 0)
		return;
	if (target == 'E' && calling == 'I')
		snprintf(c->direction, sizeof(c->direction), "outbound");
	else if (target == 'E' && calling == 'E')
		snprintf(c->direction, sizeof(c->direction), "external");
	else if (target == 'I' && calling == 'E')
		snprintf(c->direction, sizeof(c->direction), "inbound");
	else if (c->direction[0] == '\0')
		snprintf(c->direction, sizeof(c->direction), "internal");
}

static const char *
call_topic(enum oai_event ev)
{
	switch (ev) {
	case OAI_EV_SI: return "call.initiated";
	case OAI_EV_OR: return "call.originated";
	case OAI_EV_NT: return "call.network_reached";
	case OAI_EV_QU: return "call.queued";
	case OAI_EV_OF: return "call.offered";
	case OAI_EV_DE: return "call.delivered";
	case OAI_EV_DI: return "call.diverted";
	case OAI_EV_ES: return "call.established";
	case OAI_EV_ER: return "call.established";
	case OAI_EV_HE: return "call.held";
	case OAI_EV_RE: return "call.retrieved";
	case OAI_EV_TR: return "call.transferred";
	case OAI_EV_CO: return "call.conferenced";
	case OAI_EV_FA: return "call.failed";
	case OAI_EV_XC: return "call.connection_cleared";
	case OAI_EV_CC: return "call.ended";
	default: return NULL;
	}
}

/* Every field the message has, by its manual name: consumers get the PBX's own data. */
static cJSON *
pbx_fields(const struct oai_msg *m)
{
	cJSON *o = cJSON_CreateObject();

	for (int f = OAI_F_CALL_ID; f < OAI_F__COUNT; f++)
		if (oai_msg_has(m, (enum oai_field)f))
			cJSON_AddStringToObject(o, oai_field_name((enum oai_field)f),
			    oai_msg_str(m, (enum oai_field)f));
	return o;
}

static void
call_event(struct cti *cti, const struct oai_msg *m, enum oai_event ev)
{
	const char *dev = xref_device(cti, m);
	const char *id = oai_msg_str(m, ev == OAI_EV_TR ? OAI_F_TRANSFERRED_CALL_ID :
				ev == OAI_EV_CO ? OAI_F_PRIMARY_CALL_ID : OAI_F_CALL_ID);
	int lcs = oai_msg_chr(m, OAI_F_LCS);
	struct cti_call *c = call_get(cti, id, ev != OAI_EV_CC && ev != OAI_EV_XC);
	const char *topic = call_topic(ev);
	long cause = 0;
	cJSON *body;

	if (c != NULL)
		c->stale = false; /* seen in this session: not a leftover of the last one */

	/* The monitored device first: its LCS is authoritative for it. */
	if (c != NULL && lcs != 0 && ev != OAI_EV_CC)
		party_set(cti, c, dev, (char)lcs);

	switch (ev) {
	case OAI_EV_SI:
		party_set(cti, c, oai_msg_str(m, OAI_F_INITIATING_EXT), 'I');
		break;
	case OAI_EV_OR:
		copy_if(c->dialled, sizeof(c->dialled), oai_msg_str(m, OAI_F_DIALED_NUM));
		copy_if(c->account, sizeof(c->account), oai_msg_str(m, OAI_F_ACCOUNT_CODE));
		if (oai_msg_chr(m, OAI_F_CALLING_DEV_TYPE) == 'E') {
			copy_if(c->trunk, sizeof(c->trunk), oai_msg_str(m, OAI_F_CALLING_EXT));
			copy_if(c->caller, sizeof(c->caller), oai_msg_str(m, OAI_F_CALLER_NUM));
		}
		break;
	case OAI_EV_NT:
		copy_if(c->trunk, sizeof(c->trunk), oai_msg_str(m, OAI_F_TRUNK_USED));
		copy_if(c->dialled, sizeof(c->dialled), oai_msg_str(m, OAI_F_DIALED_NUM));
		snprintf(c->direction, sizeof(c->direction), "outbound");
		break;
	case OAI_EV_QU:
		party_set(cti, c, oai_msg_str(m, OAI_F_QUEUED_EXT), 'Q');
		copy_if(c->hunt_group, sizeof(c->hunt_group), oai_msg_str(m, OAI_F_QUEUED_EXT));
		copy_if(c->caller, sizeof(c->caller), oai_msg_str(m, OAI_F_CALLER_NUM));
		copy_if(c->caller_name, sizeof(c->caller_name), oai_msg_str(m, OAI_F_CALLER_NAME));
		copy_if(c->trunk_name, sizeof(c->trunk_name), oai_msg_str(m, OAI_F_TRUNK_NAME));
		copy_if(c->ddi, sizeof(c->ddi), oai_msg_str(m, OAI_F_TRUNK_OUTSIDE_NUM));
		break;
	case OAI_EV_OF:
	case OAI_EV_DE: {
		const char *alert = oai_msg_str(m, OAI_F_ALERTING_EXT);
		const char *calling = oai_msg_str(m, OAI_F_CALLING_EXT);
		int at = oai_msg_chr(m, OAI_F_ALERTING_DEV_TYPE);
		int ct = oai_msg_chr(m, OAI_F_CALLING_DEV_TYPE);

		if (strcmp(alert, dev) != 0)
			party_set(cti, c, alert, at == 'E' ? 'C' : 'A');
		if (strcmp(calling, dev) != 0)
			party_set(cti, c, calling, 'C');
		set_direction(c, at, ct);
		if (ct == 'E') {
			copy_if(c->trunk, sizeof(c->trunk), calling);
			copy_if(c->caller, sizeof(c->caller), oai_msg_str(m, OAI_F_CALLER_NUM));
		} else if (at == 'E') {
			copy_if(c->trunk, sizeof(c->trunk), alert);
			copy_if(c->dialled, sizeof(c->dialled),
			    oai_msg_str(m, OAI_F_ALERTING_OUTSIDE_NUM));
		}
		copy_if(c->caller_name, sizeof(c->caller_name), oai_msg_str(m, OAI_F_CALLER_NAME));
		copy_if(c->trunk_name, sizeof(c->trunk_name), oai_msg_str(m, OAI_F_TRUNK_NAME));
		copy_if(c->ddi, sizeof(c->ddi), oai_msg_str(m, OAI_F_TRUNK_OUTSIDE_NUM));
		copy_if(c->account, sizeof(c->account), oai_msg_str(m, OAI_F_ACCOUNT_CODE));
		if (oai_msg_has(m, OAI_F_ACD_GROUP)) {
			/* Out of the queue and ringing an agent. */
			copy_if(c->hunt_group, sizeof(c->hunt_group), oai_msg_str(m, OAI_F_ACD_GROUP));
			party_set(cti, c, oai_msg_str(m, OAI_F_ACD_GROUP), 'N');
		}
		break;
	}
	case OAI_EV_DI:
		party_set(cti, c, oai_msg_str(m, OAI_F_DIVERTED_FROM_EXT), 'N');
		break;
	case OAI_EV_ES:
	case OAI_EV_ER: {
		const char *ans = oai_msg_str(m, OAI_F_ANSWERING_EXT);
		int at = oai_msg_chr(m, OAI_F_ANSWERING_DEV_TYPE);
		int ct = oai_msg_chr(m, OAI_F_CALLING_DEV_TYPE);

		party_set(cti, c, ans, 'C');
		if (strcmp(oai_msg_str(m, OAI_F_CALLING_EXT), dev) != 0)
			party_set(cti, c, oai_msg_str(m, OAI_F_CALLING_EXT), 'C');
		set_direction(c, at, ct);
		if (c->hunt_group[0] != '\0')
			party_set(cti, c, c->hunt_group, 'N');
		c->answered = true;
		break;
	}
	case OAI_EV_HE:
		party_set(cti, c, oai_msg_str(m, OAI_F_HOLD_EXT), 'H');
		break;
	case OAI_EV_RE:
		party_set(cti, c, oai_msg_str(m, OAI_F_RETRIEVING_EXT), 'C');
		break;
	case OAI_EV_TR:
		party_set(cti, c, oai_msg_str(m, OAI_F_TRANSFERRING_EXT), 'N');
		party_set(cti, c, oai_msg_str(m, OAI_F_TRANSFERRED_EXT), 'C');
		break;
	case OAI_EV_CO: {
		struct oai_iter it;
		const char *second = oai_msg_str(m, OAI_F_SECONDARY_CALL_ID);
		struct cti_call *c2 = call_get(cti, second, false);

		if (oai_msg_iter(m, OAI_F_PARTY_EXT, &it) == OAI_OK)
			while (oai_iter_next(&it))
				party_set(cti, c, oai_iter_str(&it, OAI_F_PARTY_EXT), 'C');
		if (c2 != NULL && c2 != c) {
			cti_rac_merge(c, c2);
			call_remove(cti, c2, "merged into a conference");
		}
		break;
	}
	case OAI_EV_FA:
		party_set(cti, c, oai_msg_str(m, OAI_F_FAILED_EXT), 'N');
		break;
	case OAI_EV_XC:
		if (c == NULL)
			break;
		party_set(cti, c, oai_msg_str(m, OAI_F_CLEARED_EXT), 'N');
		break;
	default:
		break;
	}

	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "call_id", id);
	cJSON_AddStringToObject(body, "device", dev);
	if (lcs != 0) {
		char l[2] = { (char)lcs, 0 };
		cJSON_AddStringToObject(body, "lcs", l);
	}
	if (oai_msg_int(m, OAI_F_CAUSE, &cause) == OAI_OK) {
		cJSON_AddNumberToObject(body, "cause", cause);
		if (oai_enum_text(OAI_ENUM_CAUSE, (int)cause) != NULL)
			cJSON_AddStringToObject(body, "cause_text",
			    oai_enum_text(OAI_ENUM_CAUSE, (int)cause));
	}
	if (oai_msg_has(m, OAI_F_RESYNC))
		cJSON_AddStringToObject(body, "resync", oai_msg_str(m, OAI_F_RESYNC));
	cJSON_AddStringToObject(body, "pbx_event", oai_msg_code(m));
	cJSON_AddItemToObject(body, "pbx", pbx_fields(m));
	if (c != NULL)
		cJSON_AddItemToObject(body, "call", cti_call_json(c));
	cti_publish(cti, topic, body);

	if (c == NULL)
		return;
	/* Record-A-Call for the extensions this event left talking (rac_invoke.c). */
	cti_rac_check_call(cti, c, oai_msg_has(m, OAI_F_RESYNC));
	if (ev == OAI_EV_CC)
		call_remove(cti, c, "cleared");
	else if (c->nparties == 0)
		call_remove(cti, c, ev == OAI_EV_FA ? "failed" : "cleared");
}

/* ---- devices and agents ----------------------------------------------------------------- */

static void
device_changed(struct cti *cti, struct cti_device *d)
{
	cti_publish(cti, "device.state", cti_device_json(d));
}

static struct cti_agent *
agent_get(struct cti *cti, const char *id)
{
	struct cti_agent *a;

	if (id == NULL || *id == '\0')
		return NULL;
	if ((a = hs_map_get(cti->agents, id)) != NULL)
		return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	snprintf(a->id, sizeof(a->id), "%s", id);
	if (hs_map_put(cti->agents, id, a) != HS_OK) {
		free(a);
		return NULL;
	}
	return a;
}

static void
agent_group(struct cti_agent *a, const char *group, bool in)
{
	int i;

	if (group == NULL || *group == '\0')
		return;
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], group) == 0)
			break;
	if (in && i == a->ngroups && a->ngroups < 8)
		snprintf(a->groups[a->ngroups++], sizeof(a->groups[0]), "%s", group);
	else if (!in && i < a->ngroups)
		memcpy(a->groups[i], a->groups[--a->ngroups], sizeof(a->groups[0]));
}

/* Applies an agent state; publishes only a real change (agent events come in duplicates:
 * under the station's, the group's and the agent's monitors, oai.md 6.3). */
static void
agent_set(struct cti *cti, struct cti_agent *a, const char *device, const char *group,
    enum cti_agent_state st, bool leave_group)
{
	char before_dev[24];
	enum cti_agent_state before = a->state;
	int ngroups = a->ngroups;
	struct cti_device *d;

	snprintf(before_dev, sizeof(before_dev), "%s", a->device);
	if (st == CTI_AGENT_LOGGED_OFF) {
		agent_group(a, group, false);
		if (leave_group && a->ngroups > 0 && group != NULL && *group != '\0') {
			st = a->state; /* still logged on to other groups */
		} else {
			if ((d = hs_map_get(cti->devices, a->device)) != NULL &&
			    strcmp(d->agent, a->id) == 0) {
				d->agent[0] = '\0';
				device_changed(cti, d);
			}
			a->device[0] = '\0';
			a->ngroups = 0;
		}
	} else {
		agent_group(a, group, true);
		if (device != NULL && *device != '\0')
			snprintf(a->device, sizeof(a->device), "%s", device);
		if ((d = cti_state_device(cti, a->device)) != NULL && strcmp(d->agent, a->id) != 0) {
			snprintf(d->agent, sizeof(d->agent), "%s", a->id);
			device_changed(cti, d);
		}
	}
	a->state = st;
	if (before != a->state || strcmp(before_dev, a->device) != 0 || ngroups != a->ngroups)
		cti_publish(cti, "agent.state", agent_json(a));
}

void
cti_state_agent_mode(struct cti *cti, const char *group, const char *agent_id,
    const char *device, int mode)
{
	struct cti_agent *a = agent_get(cti, agent_id);
	enum cti_agent_state st;

	if (a == NULL)
		return;
	switch (mode) {
	case 0: st = CTI_AGENT_LOGGED_OFF; break;
	case 1: case 4: st = CTI_AGENT_READY; break;
	case 3: st = CTI_AGENT_WRAP_UP; break;
	default: st = CTI_AGENT_NOT_READY; break;
	}
	agent_set(cti, a, device, group, st, true);
}

static void
agent_event(struct cti *cti, const struct oai_msg *m, enum oai_event ev)
{
	struct cti_agent *a = agent_get(cti, oai_msg_str(m, OAI_F_AGENT_ID));
	const char *dev = oai_msg_str(m, OAI_F_DEVICE_EXT);
	const char *group = oai_msg_str(m, OAI_F_HUNT_GROUP);

	if (a == NULL)
		return;
	if (oai_msg_has(m, OAI_F_AGENT_DESC))
		copy_if(a->description, sizeof(a->description), oai_msg_str(m, OAI_F_AGENT_DESC));
	switch (ev) {
	case OAI_EV_LN: agent_set(cti, a, dev, group, CTI_AGENT_READY, false); break;
	case OAI_EV_LF: agent_set(cti, a, dev, group, CTI_AGENT_LOGGED_OFF, true); break;
	case OAI_EV_RY: agent_set(cti, a, dev, NULL, CTI_AGENT_READY, false); break;
	case OAI_EV_NRY: agent_set(cti, a, dev, NULL, CTI_AGENT_NOT_READY, false); break;
	case OAI_EV_WNR: agent_set(cti, a, dev, NULL, CTI_AGENT_WRAP_UP, false); break;
	default: break;
	}
}

static void
feature_event(struct cti *cti, const struct oai_msg *m, enum oai_event ev)
{
	struct cti_device *d;

	switch (ev) {
	case OAI_EV_DND:
		if ((d = cti_state_device(cti, oai_msg_str(m, OAI_F_DND_EXT))) == NULL)
			return;
		/* A blank DND message means DND off (oai.md 4.4). */
		d->dnd = oai_msg_has(m, OAI_F_DND_MESSAGE);
		snprintf(d->dnd_message, sizeof(d->dnd_message), "%s",
		    oai_msg_str(m, OAI_F_DND_MESSAGE));
		snprintf(d->dnd_text, sizeof(d->dnd_text), "%s", oai_msg_str(m, OAI_F_DND_TEXT));
		device_changed(cti, d);
		break;
	case OAI_EV_FW:
		if ((d = cti_state_device(cti, oai_msg_str(m, OAI_F_FORWARDING_EXT))) == NULL)
			return;
		snprintf(d->fwd_dest, sizeof(d->fwd_dest), "%s",
		    oai_msg_has(m, OAI_F_DESTINATION_EXT) ? oai_msg_str(m, OAI_F_DESTINATION_EXT) :
							      oai_msg_str(m, OAI_F_OUTSIDE_NUM));
		snprintf(d->fwd_type, sizeof(d->fwd_type), "%s", oai_msg_str(m, OAI_F_FORWARD_TYPE));
		/* A blank destination is "off"; N alone is forward-on-no-answer (oai.md 5.11). */
		if (d->fwd_dest[0] == '\0')
			d->fwd_type[0] = '\0';
		device_changed(cti, d);
		break;
	case OAI_EV_OL: {
		long on = 1;
		if ((d = cti_state_device(cti, oai_msg_str(m, OAI_F_EXTENSION))) == NULL)
			return;
		oai_msg_int(m, OAI_F_ONLINE, &on);
		if (d->online != (on != 0)) {
			d->online = on != 0;
			device_changed(cti, d);
		}
		break;
	}
	default:
		break;
	}
}

/* ---- entry points ----------------------------------------------------------------------- */

void
cti_state_event(struct cti *cti, const struct oai_msg *m)
{
	enum oai_event ev = oai_msg_event(m);

	cti->events_in++;
	switch (oai_event_category(ev)) {
	case OAI_CAT_CALL:
		call_event(cti, m, ev);
		break;
	case OAI_CAT_AGENT:
		agent_event(cti, m, ev);
		break;
	case OAI_CAT_FEATURE:
		feature_event(cti, m, ev);
		break;
	default:
		break;
	}
}

void
cti_state_resync_begin(struct cti *cti)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hs_map_next(cti->calls, &pos, &key, &v))
		((struct cti_call *)v)->stale = true;
}

void
cti_state_resync_done(struct cti *cti)
{
	size_t pos = 0;
	const char *key;
	void *v;
	int closed = 0;

	while (hs_map_next(cti->calls, &pos, &key, &v)) {
		struct cti_call *c = v;
		if (!c->stale)
			continue;
		call_remove(cti, c, "ended while the PBX link was down");
		closed++;
		pos = 0; /* the map changed under us */
	}
	if (closed > 0)
		hs_log_info("state.resync", "closed_calls=%d note=%s", closed,
		    hs_logq("calls that ended while the link was down"));
}

void
cti_state_link_lost(struct cti *cti, const char *why)
{
	(void)why;
	/* Calls go on at the PBX; the resync of the next session says which still exist. */
	hs_log_info("state.link_lost", "calls=%zu devices=%zu", hs_map_len(cti->calls),
	    hs_map_len(cti->devices));
}

cJSON *
cti_state_snapshot(struct cti *cti)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	size_t pos;
	const char *key;
	void *v;

	arr = cJSON_AddArrayToObject(o, "devices");
	for (pos = 0; hs_map_next(cti->devices, &pos, &key, &v);)
		cJSON_AddItemToArray(arr, cti_device_json(v));
	arr = cJSON_AddArrayToObject(o, "calls");
	for (pos = 0; hs_map_next(cti->calls, &pos, &key, &v);)
		cJSON_AddItemToArray(arr, cti_call_json(v));
	arr = cJSON_AddArrayToObject(o, "agents");
	for (pos = 0; hs_map_next(cti->agents, &pos, &key, &v);)
		cJSON_AddItemToArray(arr, agent_json(v));
	return o;
}

void
cti_state_init(struct cti *cti)
{
	cti->devices = hs_map_new();
	cti->calls = hs_map_new();
	cti->agents = hs_map_new();
	cti->xrefs = hs_map_new();
}

static void
free_all(hs_map *m)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hs_map_next(m, &pos, &key, &v))
		free(v);
	hs_map_free(m);
}

void
cti_state_fini(struct cti *cti)
{
	free_all(cti->devices);
	free_all(cti->calls);
	free_all(cti->agents);
	free_all(cti->xrefs);
}
