/*
 * live_routes.c - live extension / agent / hunt group state (from live.c's copies) and call
 * control, which is passed to cti-host as the bus command of the same meaning.  cti-host's
 * outcome becomes the HTTP status: a busy device is the caller's 409, an unknown one 404, a
 * PBX that does not answer 504/503 - never a 500 for something the PBX decided.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "server.h"

#define CMD_TIMEOUT_MS 5000

static void
reply_owned(struct gw_req *r, char *json, size_t len)
{
	if (json == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	gw_reply_text(r, 200, json, len);
	free(json);
}

static void
list(struct gw_req *r, enum gw_live_kind kind)
{
	char buf[32];
	long long off = 0, lim = 0;
	size_t len = 0;
	char *json;

	/* The live view wants every tile: no limit unless one is asked for. */
	if ((gw_query(r, "offset", buf, sizeof(buf)) || gw_query(r, "limit", buf, sizeof(buf))) &&
	    !gw_paging(r, &off, &lim))
		return;
	json = gw_live_list_json(gw_live_of(r->gw), kind, (size_t)off, (size_t)lim, &len);
	reply_owned(r, json, len);
}

static void
one(struct gw_req *r, enum gw_live_kind kind)
{
	size_t len;
	char *json = gw_live_get_json(gw_live_of(r->gw), kind, r->param[0], &len);

	if (json == NULL) {
		gw_reply_error(r, 404, "not_found", NULL, "no %s %s", gw_live_kind_name(kind),
		    r->param[0]);
		return;
	}
	reply_owned(r, json, len);
}

static void h_extensions(struct gw_req *r) { list(r, GW_LIVE_EXTENSION); }
static void h_extension(struct gw_req *r) { one(r, GW_LIVE_EXTENSION); }
static void h_agents(struct gw_req *r) { list(r, GW_LIVE_AGENT); }
static void h_agent(struct gw_req *r) { one(r, GW_LIVE_AGENT); }
static void h_groups(struct gw_req *r) { list(r, GW_LIVE_HUNT_GROUP); }
static void h_group(struct gw_req *r) { one(r, GW_LIVE_HUNT_GROUP); }

static void
h_link(struct gw_req *r)
{
	size_t len = 0;
	char *json = gw_live_link_json(gw_live_of(r->gw), &len);

	reply_owned(r, json, len);
}

/* Runs cti-host command cmd with body (owned) and replies. */
static void
command(struct gw_req *r, const char *cmd, cJSON *body, const char *target)
{
	char msg[256] = "";
	cJSON *reply = NULL, *audit = cJSON_Duplicate(body, true);
	hs_err e = gw_live_command(gw_live_of(r->gw), cmd, body, CMD_TIMEOUT_MS, &reply, msg,
	    sizeof(msg));

	cJSON_AddStringToObject(audit, "outcome", hs_err_name(e));
	gw_audit(r, cmd, target, audit);
	switch (e) {
	case HS_OK:
		gw_reply_json(r, 200, reply != NULL ? reply : cJSON_CreateObject());
		return;
	case HS_EBUSY:
		gw_reply_error(r, 409, "busy", NULL, "%s", msg[0] ? msg : "the device is busy");
		break;
	case HS_ENOTFOUND:
		gw_reply_error(r, 404, "not_found", NULL, "%s", msg[0] ? msg : "no such device or call");
		break;
	case HS_EINVAL:
	case HS_EPERM:
	case HS_ENOTSUP:
		gw_reply_error(r, 400, "validation", NULL, "%s", msg[0] ? msg : "refused by the PBX");
		break;
	case HS_ETIMEDOUT:
		gw_reply_error(r, 504, "timeout", NULL, "%s", msg[0] ? msg : "the PBX did not answer");
		break;
	default:
		gw_reply_error(r, 503, "pbx_unavailable", NULL, "%s",
		    msg[0] ? msg : "cti-host or the PBX link is not available");
		break;
	}
	cJSON_Delete(reply);
}

/* Copies the body's string field from into the command body as to; false after replying
 * 400 when it is required and missing. */
static bool
field(struct gw_req *r, cJSON *out, const char *from, const char *to, bool required)
{
	const char *v = gw_body_str(r, from);

	if (v == NULL || v[0] == '\0') {
		if (required)
			gw_reply_error(r, 400, "validation", from, "%s is required", from);
		return !required;
	}
	cJSON_AddStringToObject(out, to, v);
	return true;
}

static void
h_make(struct gw_req *r)
{
	cJSON *b = cJSON_CreateObject();

	if (!field(r, b, "from", "from", true) || !field(r, b, "to", "to", true) ||
	    !field(r, b, "account_code", "account_code", false)) {
		cJSON_Delete(b);
		return;
	}
	command(r, "call.make", b, gw_body_str(r, "from"));
}

/* POST /live/calls/{call}/{action}: {device} and, for transfer/conference, {to} or
 * {active_call_id}. */
static void
h_action(struct gw_req *r)
{
	static const struct {
		const char *action, *cmd;
	} map[] = {
		{ "answer", "call.answer" }, { "hold", "call.hold" }, { "retrieve", "call.retrieve" },
		{ "clear", "call.clear" }, { "drop", "call.drop" }, { "consult", "call.consult" },
		{ "transfer", "call.transfer" }, { "conference", "call.conference" },
	};
	const char *action = r->param[1], *cmd = NULL;
	cJSON *b;
	bool ok;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].action, action) == 0)
			cmd = map[i].cmd;
	if (cmd == NULL) {
		gw_reply_error(r, 404, "not_found", NULL, "no call action %s", action);
		return;
	}
	b = cJSON_CreateObject();
	ok = field(r, b, "device", "device", true);
	if (ok && strcmp(action, "consult") == 0) {
		cJSON_AddStringToObject(b, "held_call_id", r->param[0]);
		ok = field(r, b, "to", "to", true);
	} else if (ok && (strcmp(action, "transfer") == 0 || strcmp(action, "conference") == 0) &&
	    gw_body_str(r, "active_call_id") != NULL) {
		/* announced: this call is the held one, the consultation the active one */
		cJSON_AddStringToObject(b, "held_call_id", r->param[0]);
		ok = field(r, b, "active_call_id", "active_call_id", true);
	} else if (ok && strcmp(action, "conference") == 0) {
		gw_reply_error(r, 400, "validation", "active_call_id",
		    "a conference joins the held call with active_call_id");
		ok = false;
	} else if (ok) {
		cJSON_AddStringToObject(b, "call_id", r->param[0]);
		if (strcmp(action, "transfer") == 0)
			ok = field(r, b, "to", "to", true);
	}
	if (!ok) {
		cJSON_Delete(b);
		return;
	}
	command(r, cmd, b, r->param[0]);
}

static bool
body_bool(struct gw_req *r, const char *name, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);

	if (!cJSON_IsBool(v)) {
		gw_reply_error(r, 400, "validation", name, "%s is required (true or false)", name);
		return false;
	}
	*out = cJSON_IsTrue(v);
	return true;
}

static void
h_dnd(struct gw_req *r)
{
	cJSON *b;
	bool on;
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r->body, "message_index");

	if (!body_bool(r, "on", &on))
		return;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "device", r->param[0]);
	cJSON_AddBoolToObject(b, "on", on);
	if (cJSON_IsNumber(idx))
		cJSON_AddNumberToObject(b, "message_index", idx->valuedouble);
	(void)field(r, b, "text", "text", false);
	command(r, "device.dnd", b, r->param[0]);
}

static void
h_forward(struct gw_req *r)
{
	cJSON *b;
	bool on;

	if (!body_bool(r, "on", &on))
		return;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "device", r->param[0]);
	cJSON_AddBoolToObject(b, "on", on);
	if (!field(r, b, "type", "type", on) || !field(r, b, "to", "destination", on)) {
		cJSON_Delete(b);
		return;
	}
	command(r, "device.forward", b, r->param[0]);
}

static void
h_agent_state(struct gw_req *r)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "agent_id", r->param[0]);
	if (!field(r, b, "state", "state", true) || !field(r, b, "device", "device", false) ||
	    !field(r, b, "group", "group", false)) {
		cJSON_Delete(b);
		return;
	}
	command(r, "agent.set", b, r->param[0]);
}

const struct gw_route gw_routes_live[] = {
	{ "GET", "/live/extensions", GW_P_REPORTING_REALTIME, h_extensions, 0 },
	{ "GET", "/live/extensions/{}", GW_P_REPORTING_REALTIME, h_extension, 0 },
	{ "GET", "/live/agents", GW_P_REPORTING_REALTIME, h_agents, 0 },
	{ "GET", "/live/agents/{}", GW_P_REPORTING_REALTIME, h_agent, 0 },
	{ "GET", "/live/hunt-groups", GW_P_REPORTING_REALTIME, h_groups, 0 },
	{ "GET", "/live/hunt-groups/{}", GW_P_REPORTING_REALTIME, h_group, 0 },
	{ "GET", "/live/link", GW_P_REPORTING_REALTIME, h_link, 0 },
	{ "POST", "/live/calls", GW_P_REALTIME_CALL_CONTROL, h_make, 0 },
	{ "POST", "/live/calls/{}/{}", GW_P_REALTIME_CALL_CONTROL, h_action, 0 },
	{ "PUT", "/live/extensions/{}/dnd", GW_P_REALTIME_CALL_CONTROL, h_dnd, 0 },
	{ "PUT", "/live/extensions/{}/forward", GW_P_REALTIME_CALL_CONTROL, h_forward, 0 },
	{ "PUT", "/live/agents/{}/state", GW_P_REALTIME_CALL_CONTROL, h_agent_state, 0 },
	{ NULL, NULL, 0, NULL, 0 },
};
