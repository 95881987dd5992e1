/*
 * cmd.c - cti-host's bus commands: the live snapshot, and call control mapped to OAI
 * commands.  Each control command sends one OAI command and answers the bus request when its
 * confirmation arrives: OK with the PBX's result, or the PBX's outcome as an error with its
 * name (busy, invalid device...), or ETIMEDOUT when no confirmation comes in time.  Nothing
 * waits forever: the link fails every pending command when a session ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

static struct cti *
cti_of(void *arg)
{
	return ((struct hs_svc *)arg)->priv;
}

static const char *
body_str(const hs_env *msg, const char *key)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(msg->body, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The PBX's outcome (oai.md 3.4) in our error vocabulary. */
static hs_err
outcome_err(long outcome)
{
	switch (outcome) {
	case OAI_OUTCOME_RESOURCE_BUSY:
	case OAI_OUTCOME_OTHER_APP_HAS_CONTROL:
		return HS_EBUSY;
	case OAI_OUTCOME_INVALID_CALLED_DEVICE:
	case OAI_OUTCOME_INVALID_CALL_IDENTIFIER:
	case OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER:
	case OAI_OUTCOME_INVALID_DESTINATION:
	case OAI_OUTCOME_INVALID_AGENT_ID:
	case OAI_OUTCOME_NO_ACTIVE_CALL:
	case OAI_OUTCOME_NO_HELD_CALL:
	case OAI_OUTCOME_NO_CALL_TO_CLEAR:
	case OAI_OUTCOME_NO_CONNECTION_TO_CLEAR:
	case OAI_OUTCOME_NO_CALL_TO_ANSWER:
		return HS_ENOTFOUND;
	case OAI_OUTCOME_NOT_OWNER:
		return HS_EPERM;
	case OAI_OUTCOME_INVALID_OBJECT_STATE:
	case OAI_OUTCOME_STATE_INCOMPATIBILITY:
	case OAI_OUTCOME_INCOMPATIBLE_WITH_OBJECT:
		return HS_EBUSY;
	default:
		return HS_EINVAL;
	}
}

struct ctl {
	hs_bus_req *req;
	enum oai_cmd cmd;
};

static void
ctl_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	struct ctl *c = arg;
	cJSON *body;
	long outcome = -1;

	(void)cti;
	if (m == NULL) {
		hs_bus_reply(c->req, HS_ETIMEDOUT, NULL,
		    "the PBX did not confirm %s (link %s)", oai_cmd_wire(c->cmd),
		    cti_link_state_name(cti->link.state));
		free(c);
		return;
	}
	oai_msg_int(m, OAI_F_OUTCOME, &outcome);
	if (outcome != 0) {
		const char *name = oai_enum_text(OAI_ENUM_OUTCOME, (int)outcome);
		hs_bus_reply(c->req, outcome_err(outcome), NULL, "the PBX refused %s: outcome %ld (%s)",
		    oai_cmd_wire(c->cmd), outcome, name != NULL ? name : "unknown");
		free(c);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "command", oai_cmd_wire(c->cmd));
	/* A consultation answers both: the call it acted on and the one it made.  call_id is
	 * the first, or the new one when that is all there is (make call). */
	if (oai_msg_has(m, OAI_F_CALL_ID))
		cJSON_AddStringToObject(body, "call_id", oai_msg_str(m, OAI_F_CALL_ID));
	if (oai_msg_has(m, OAI_F_NEW_CALL_ID))
		cJSON_AddStringToObject(body, oai_msg_has(m, OAI_F_CALL_ID) ? "new_call_id" :
		    "call_id", oai_msg_str(m, OAI_F_NEW_CALL_ID));
	hs_bus_reply(c->req, HS_OK, body, NULL);
	free(c);
}

/* Sends the command built in b; the request is answered from ctl_done. */
static void
submit(struct cti *cti, hs_bus_req *req, struct oai_build *b, unsigned inv, enum oai_cmd cmd)
{
	struct ctl *c;

	if (cti->link.state != CTI_LINK_UP) {
		hs_bus_reply(req, HS_EBUSY, NULL, "the PBX link is %s%s%s",
		    cti_link_state_name(cti->link.state), cti->link.last_error[0] ? ": " : "",
		    cti->link.last_error);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		hs_bus_reply(req, HS_ENOMEM, NULL, "out of memory");
		return;
	}
	c->req = req;
	c->cmd = cmd;
	if (cti_link_submit(cti, b, inv, cmd, CTI_CMD_TIMEOUT_MS, ctl_done, c) != 0) {
		free(c);
		hs_bus_reply(req, HS_EIO, NULL, "cannot send %s to the PBX", oai_cmd_wire(cmd));
	}
}

/* A field value that can go into an OAI argument: present, short, no separators. */
static bool
arg_ok(const char *v)
{
	return v != NULL && *v != '\0' && strlen(v) <= 48 && strpbrk(v, ",|\r\n") == NULL;
}

/* Checks the named string fields are present; replies EINVAL naming the first missing. */
static bool
need(hs_bus_req *req, const hs_env *msg, const char *const *keys)
{
	for (; *keys != NULL; keys++) {
		if (!arg_ok(body_str(msg, *keys))) {
			hs_bus_reply(req, HS_EINVAL, NULL,
			    "field '%s' is required: a device number or call id (no commas)", *keys);
			return false;
		}
	}
	return true;
}

/* ---- commands --------------------------------------------------------------------------- */

static void
cmd_snapshot(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct cti *cti = cti_of(arg);
	cJSON *body = cti_state_snapshot(cti);

	(void)msg;
	cJSON_AddItemToObject(body, "link", cti_link_json(cti));
	hs_bus_reply(req, HS_OK, body, NULL);
}

/*
 * Commands that only copy body fields into OAI arguments, declared as data: the JSON key,
 * the OAI field, whether it may be left out.  Constant arguments follow the copied ones.
 */
struct arg_map {
	const char *key;
	enum oai_field field;
	bool optional;
};

struct cmd_map {
	const char *name;        /* the bus command (a blind transfer has its own row) */
	enum oai_cmd cmd;
	struct arg_map args[4];
	enum oai_field const_field; /* OAI_F_NONE for none */
	long const_value;
};

static const struct cmd_map cmd_maps[] = {
	{ "call.make", OAI_CMD_MC,
	    { { "from", OAI_F_AFFECTED_EXT, false }, { "to", OAI_F_DIGITS, false },
		{ "account_code", OAI_F_ACCOUNT_CODE, true } }, OAI_F_NONE, 0 },
	{ "call.answer", OAI_CMD_AC,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "call_id", OAI_F_CALL_ID, false } },
	    OAI_F_NONE, 0 },
	{ "call.hold", OAI_CMD_HC,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "call_id", OAI_F_CALL_ID, false } },
	    OAI_F_NONE, 0 },
	{ "call.retrieve", OAI_CMD_RV,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "call_id", OAI_F_CALL_ID, false } },
	    OAI_F_NONE, 0 },
	/* The device leaves the call; not completing a transfer. */
	{ "call.clear", OAI_CMD_CX,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "call_id", OAI_F_CALL_ID, false } },
	    OAI_F_COMPLETE_TRANSFER, 0 },
	{ "call.drop", OAI_CMD_CC,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "call_id", OAI_F_CALL_ID, false } },
	    OAI_F_NONE, 0 },
	/* The announcement call of a supervised transfer: a new call that carries the held
	 * call's id (oai.md 7.3); the call must be on hold already (call.hold). */
	{ "call.consult", OAI_CMD_MC,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "to", OAI_F_DIGITS, false },
		{ "held_call_id", OAI_F_TRANSFER_CALL_ID, false } }, OAI_F_NONE, 0 },
	/* Announced: completes the transfer of the held call to the announcement call, to
	 * ring (Transfer_Type 0). */
	{ "call.transfer", OAI_CMD_TR,
	    { { "device", OAI_F_AFFECTED_EXT, false },
		{ "held_call_id", OAI_F_HELD_CALL_ID, false },
		{ "active_call_id", OAI_F_ANNOUNCEMENT_CALL_ID, false } },
	    OAI_F_TRANSFER_TYPE, 0 },
	/* Blind, one step. */
	{ "call.transfer.blind", OAI_CMD_TO,
	    { { "device", OAI_F_AFFECTED_EXT, false }, { "call_id", OAI_F_CALL_ID, false },
		{ "to", OAI_F_DESTINATION_NUM, false } }, OAI_F_NONE, 0 },
	{ "call.conference", OAI_CMD_CN,
	    { { "device", OAI_F_AFFECTED_EXT, false },
		{ "held_call_id", OAI_F_HELD_CALL_ID, false },
		{ "active_call_id", OAI_F_ACTIVE_CALL_ID, false } }, OAI_F_NONE, 0 },
};

static void
send_mapped(struct cti *cti, hs_bus_req *req, const hs_env *msg, const struct cmd_map *map)
{
	struct oai_build b;
	char buf[512];
	unsigned inv;

	for (const struct arg_map *a = map->args; a < map->args + 4 && a->key != NULL; a++) {
		const char *v = body_str(msg, a->key);
		if ((v != NULL || !a->optional) && !arg_ok(v)) {
			hs_bus_reply(req, HS_EINVAL, NULL,
			    "field '%s' is required: a device number or call id (no commas)", a->key);
			return;
		}
	}
	inv = cti_link_command(cti, &b, buf, sizeof(buf), map->cmd);
	for (const struct arg_map *a = map->args; a < map->args + 4 && a->key != NULL; a++)
		if (body_str(msg, a->key) != NULL)
			oai_build_str(&b, a->field, body_str(msg, a->key));
	if (map->const_field != OAI_F_NONE)
		oai_build_int(&b, map->const_field, map->const_value);
	submit(cti, req, &b, inv, map->cmd);
}

/* The commands of cmd_maps; call.transfer with a "to" is the blind row. */
static void
cmd_mapped(void *arg, hs_bus_req *req, const hs_env *msg)
{
	const char *name = msg->type;

	if (strcmp(name, "call.transfer") == 0 && body_str(msg, "to") != NULL)
		name = "call.transfer.blind";
	for (size_t i = 0; i < sizeof(cmd_maps) / sizeof(cmd_maps[0]); i++) {
		if (strcmp(cmd_maps[i].name, name) == 0) {
			send_mapped(cti_of(arg), req, msg, &cmd_maps[i]);
			return;
		}
	}
	hs_bus_reply(req, HS_EINTERNAL, NULL, "no mapping for %s", msg->type);
}

static bool
body_bool(const hs_env *msg, const char *key, bool def)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(msg->body, key);

	return cJSON_IsBool(it) ? cJSON_IsTrue(it) : def;
}

/* {device, on, message_index?, text?} */
static void
cmd_dnd(void *arg, hs_bus_req *req, const hs_env *msg)
{
	static const char *const keys[] = { "device", NULL };
	struct cti *cti = cti_of(arg);
	cJSON *idx = cJSON_GetObjectItemCaseSensitive(msg->body, "message_index");
	const char *text = body_str(msg, "text");
	struct oai_build b;
	char buf[256];
	unsigned inv;
	bool on = body_bool(msg, "on", true);

	if (!need(req, msg, keys))
		return;
	if (text != NULL && (strlen(text) > 16 || strchr(text, '|') != NULL)) {
		hs_bus_reply(req, HS_EINVAL, NULL, "DND text: at most 16 characters, no '|'");
		return;
	}
	inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_SD);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, body_str(msg, "device"));
	oai_build_int(&b, OAI_F_ON_OFF, on);
	oai_build_int(&b, OAI_F_DND_MSG_INDEX, cJSON_IsNumber(idx) ? idx->valueint : 1);
	oai_build_str(&b, OAI_F_CUSTOM_TEXT, text != NULL ? text : "");
	submit(cti, req, &b, inv, OAI_CMD_SD);
}

/* {device, type ("I" all, "B" busy, "N" no answer...), destination, on} */
static void
cmd_forward(void *arg, hs_bus_req *req, const hs_env *msg)
{
	static const char *const keys[] = { "device", NULL };
	struct cti *cti = cti_of(arg);
	const char *type = body_str(msg, "type"), *dest = body_str(msg, "destination");
	bool on = body_bool(msg, "on", true);
	struct oai_build b;
	char buf[256];
	unsigned inv;

	if (!need(req, msg, keys))
		return;
	if (on && (dest == NULL || *dest == '\0' || strpbrk(dest, ",|") != NULL)) {
		hs_bus_reply(req, HS_EINVAL, NULL, "field 'destination' is required to forward");
		return;
	}
	inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_SF);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, body_str(msg, "device"));
	oai_build_str(&b, OAI_F_FORWARD_TYPE, type != NULL ? type : "I");
	oai_build_str(&b, OAI_F_FORWARD_DEST, dest != NULL ? dest : "");
	oai_build_int(&b, OAI_F_ON_OFF, on);
	submit(cti, req, &b, inv, OAI_CMD_SF);
}

/* {device, agent_id, state: logon|logoff|ready|not_ready|wrap_up, group?} (oai.md 5.8) */
static void
cmd_agent(void *arg, hs_bus_req *req, const hs_env *msg)
{
	static const char *const keys[] = { "device", "agent_id", "state", NULL };
	static const struct {
		const char *name;
		int value;
	} states[] = {
		{ "logoff", 0 }, { "logon", 1 }, { "ready", 2 }, { "not_ready", 3 },
		{ "wrap_up", 5 },
	};
	struct cti *cti = cti_of(arg);
	struct oai_build b;
	char buf[256];
	unsigned inv;
	int st = -1;

	if (!need(req, msg, keys))
		return;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(body_str(msg, "state"), states[i].name) == 0)
			st = states[i].value;
	if (st < 0) {
		hs_bus_reply(req, HS_EINVAL, NULL,
		    "state must be logon, logoff, ready, not_ready or wrap_up");
		return;
	}
	inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_SA);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, body_str(msg, "device"));
	oai_build_str(&b, OAI_F_AGENT_ID, body_str(msg, "agent_id"));
	oai_build_int(&b, OAI_F_AGENT_STATE, st);
	oai_build_str(&b, OAI_F_HUNT_GROUP, body_str(msg, "group") ? body_str(msg, "group") : "");
	submit(cti, req, &b, inv, OAI_CMD_SA);
}

static void
cmd_reconnect(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct cti *cti = cti_of(arg);

	(void)msg;
	cti_link_reset(cti, "reconnect requested");
	hs_bus_reply(req, HS_OK, NULL, "reconnecting");
}

const struct hs_bus_cmd cti_cmds[] = {
	{ "live.snapshot", HS_CMD_READONLY, cmd_snapshot,
	    "the link, every device, call and agent as they are now" },
	{ "call.make", HS_CMD_MUTATING, cmd_mapped, "{from, to, account_code?}" },
	{ "call.answer", HS_CMD_MUTATING, cmd_mapped, "{device, call_id}" },
	{ "call.hold", HS_CMD_MUTATING, cmd_mapped, "{device, call_id}" },
	{ "call.retrieve", HS_CMD_MUTATING, cmd_mapped, "{device, call_id}" },
	{ "call.clear", HS_CMD_MUTATING, cmd_mapped, "{device, call_id}: device leaves the call" },
	{ "call.drop", HS_CMD_MUTATING, cmd_mapped, "{device, call_id}: the whole call ends" },
	{ "call.consult", HS_CMD_MUTATING, cmd_mapped,
	    "{device, held_call_id, to}: announce a transfer" },
	{ "call.transfer", HS_CMD_MUTATING, cmd_mapped,
	    "{device, call_id, to} blind, or {device, held_call_id, active_call_id}" },
	{ "call.conference", HS_CMD_MUTATING, cmd_mapped,
	    "{device, held_call_id, active_call_id}" },
	{ "device.dnd", HS_CMD_MUTATING, cmd_dnd, "{device, on, message_index?, text?}" },
	{ "device.forward", HS_CMD_MUTATING, cmd_forward, "{device, type, destination, on}" },
	{ "agent.set", HS_CMD_MUTATING, cmd_agent, "{device, agent_id, state, group?}" },
	{ "link.reconnect", HS_CMD_MUTATING, cmd_reconnect, "drop the PBX session and reconnect" },
	{ NULL, 0, NULL, NULL },
};
