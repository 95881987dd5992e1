/*
 * live_test.c - the gateway's live view against a fake cti-host over real nng ipc sockets:
 * the snapshot at start, events updating the rendered JSON and the change feed, a refetch
 * when cti-host restarts, on a sequence gap and when the PBX link comes up, reachability
 * (silence, svc.stopping, a cti-host that starts late), readers on other threads while
 * events are applied, and the mapping of command outcomes (an error reply, a timeout,
 * nobody listening).
 *
 * The fake cti-host is a REP-only hs_bus (so its replies carry a real boot id) plus a raw
 * nng PUB socket, so each test chooses the boot and seq of every event.  bus.dir points at
 * a fresh temporary directory, so tests may run in parallel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <pthread.h>

#include "bus.h"
#include "live.h"
#include "log.h"
#include "loop.h"
#include "service.h"

static const char *const snapshot_1 =
    "{\"devices\":["
    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob Desk\",\"state\":\"ringing\","
    "\"online\":true,\"dnd\":false,\"agent\":\"3001\"},"
    "{\"device\":\"1001\",\"kind\":\"extension\",\"name\":\"Alice\",\"state\":\"idle\","
    "\"online\":true,\"dnd\":false},"
    "{\"device\":\"999\",\"kind\":\"extension\",\"name\":\"Lobby\",\"state\":\"idle\","
    "\"online\":true,\"dnd\":true,\"dnd_message\":\"1\",\"dnd_text\":\"BACK AT 3\","
    "\"forward\":{\"type\":\"I\",\"destination\":\"1001\"}},"
    "{\"device\":\"2000\",\"kind\":\"hunt_group\",\"name\":\"Sales\",\"state\":\"queued\","
    "\"online\":true,\"dnd\":false,\"queued\":1},"
    "{\"device\":\"97001\",\"kind\":\"trunk\",\"name\":\"MAIN LINE\",\"state\":\"connected\","
    "\"online\":true,\"dnd\":false}],"
    "\"calls\":["
    "{\"call_id\":\"4711\",\"direction\":\"inbound\",\"answered\":false,"
    "\"caller\":\"6025551212\",\"caller_name\":\"SMITH JOHN\",\"trunk\":\"97001\","
    "\"trunk_name\":\"MAIN LINE\",\"ddi\":\"8005551000\",\"parties\":["
    "{\"device\":\"97001\",\"state\":\"connected\"},{\"device\":\"1000\",\"state\":\"alerting\"}]},"
    "{\"call_id\":\"4800\",\"direction\":\"inbound\",\"answered\":false,"
    "\"caller\":\"6025553434\",\"trunk\":\"97001\",\"hunt_group\":\"2000\",\"parties\":["
    "{\"device\":\"97001\",\"state\":\"connected\"},{\"device\":\"2000\",\"state\":\"queued\","
    "\"since\":\"2026-11-25T17:20:01.000Z\"}]},"
    /* a lower call id that joined the queue later: the queue is by arrival */
    "{\"call_id\":\"4790\",\"direction\":\"inbound\",\"answered\":false,"
    "\"caller\":\"6025557878\",\"trunk\":\"97002\",\"hunt_group\":\"2000\",\"parties\":["
    "{\"device\":\"97002\",\"state\":\"connected\"},{\"device\":\"2000\",\"state\":\"queued\","
    "\"since\":\"2026-11-25T17:20:02.500Z\"}]}],"
    "\"agents\":[{\"agent_id\":\"3001\",\"description\":\"Agent One\",\"state\":\"ready\","
    "\"device\":\"1000\",\"groups\":[\"2000\"]}],"
    "\"link\":{\"state\":\"up\",\"since\":\"2026-11-25T17:20:03Z\",\"host\":\"10.0.0.5\","
    "\"port\":4000,\"frames_in\":14,\"frames_out\":11,\"bad_frames\":0,\"unknown_codes\":0}}";

/* After a cti-host restart: 1001 is gone, 1000 is on DND, 999 as it was. */
static const char *const snapshot_2 =
    "{\"devices\":["
    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob Desk\",\"state\":\"idle\","
    "\"online\":true,\"dnd\":true,\"dnd_message\":\"2\",\"dnd_text\":\"LUNCH\"},"
    "{\"device\":\"999\",\"kind\":\"extension\",\"name\":\"Lobby\",\"state\":\"idle\","
    "\"online\":true,\"dnd\":true,\"dnd_message\":\"1\",\"dnd_text\":\"BACK AT 3\","
    "\"forward\":{\"type\":\"I\",\"destination\":\"1001\"}}],"
    "\"calls\":[],\"agents\":[],"
    "\"link\":{\"state\":\"sync\",\"since\":\"2026-11-25T17:30:00Z\",\"host\":\"10.0.0.5\","
    "\"port\":4000}}";

#define BUSY_MESSAGE "the PBX refused _HC: outcome 3 (Resource_Busy)"

struct fake {
	hs_bus *rep;            /* REP only: answers live.snapshot and call commands */
	nng_socket pub;
	bool pub_open;
	uint64_t seq;
	cJSON *snapshot;
	int snapshots;          /* live.snapshot requests answered */
	hs_bus_req *held;
};

struct fx {
	char dir[64];
	char pub_url[160], rep_url[160];
	hs_conf *conf;
	hs_loop *loop;
	uv_loop_t *uv;
	hs_bus *gbus;
	struct hs_svc svc;
	gw_live *live;
	struct fake cti;
	char *msgs[512];
	int nmsgs;
};

/* ---- the fake cti-host ---------------------------------------------------------------- */

static void
cmd_snapshot(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct fx *fx = arg;

	(void)msg;
	fx->cti.snapshots++;
	hs_bus_reply(req, HS_OK, cJSON_Duplicate(fx->cti.snapshot, 1), NULL);
}

static void
cmd_hold(void *arg, hs_bus_req *req, const hs_env *msg)
{
	(void)arg;
	(void)msg;
	hs_bus_reply(req, HS_EBUSY, NULL, "%s", BUSY_MESSAGE);
}

static void
cmd_make(void *arg, hs_bus_req *req, const hs_env *msg)
{
	cJSON *b = cJSON_CreateObject();

	(void)arg;
	assert_string_equal(cJSON_GetObjectItem(msg->body, "from")->valuestring, "1000");
	assert_string_equal(msg->src, "gateway");
	cJSON_AddStringToObject(b, "command", "_MC");
	cJSON_AddStringToObject(b, "call_id", "4712");
	hs_bus_reply(req, HS_OK, b, NULL);
}

/* Never answered: as a cti-host whose loop is stuck. */
static void
cmd_answer(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct fx *fx = arg;

	(void)msg;
	fx->cti.held = req;
}

static const struct hs_bus_cmd fake_cmds[] = {
	{ "live.snapshot", HS_CMD_READONLY, cmd_snapshot, "" },
	{ "call.hold", HS_CMD_MUTATING, cmd_hold, "" },
	{ "call.make", HS_CMD_MUTATING, cmd_make, "" },
	{ "call.answer", HS_CMD_MUTATING, cmd_answer, "" },
	{ NULL, 0, NULL, NULL },
};

static void
fake_set_snapshot(struct fx *fx, const char *text)
{
	cJSON_Delete(fx->cti.snapshot);
	fx->cti.snapshot = cJSON_Parse(text);
	assert_non_null(fx->cti.snapshot);
}

/* (Re)starts the REP side: a new hs_bus, so a new boot id; the event seq restarts at 1. */
static void
fake_start_rep(struct fx *fx)
{
	if (fx->cti.rep != NULL)
		hs_bus_close(fx->cti.rep);
	fx->cti.rep = NULL;
	assert_int_equal(hs_bus_open(&fx->cti.rep, fx->uv, "cti-host", 1, NULL, fx->rep_url),
	    HS_OK);
	assert_int_equal(hs_bus_serve(fx->cti.rep, fake_cmds, fx), HS_OK);
	fx->cti.seq = 0;
	fx->cti.held = NULL;
}

static void
fake_start(struct fx *fx)
{
	fake_start_rep(fx);
	assert_int_equal(nng_pub0_open(&fx->cti.pub), 0);
	assert_int_equal(nng_listen(fx->cti.pub, fx->pub_url, NULL, 0), 0);
	fx->cti.pub_open = true;
}

/* Publishes one event with the REP side's boot and the next seq. */
static void
fake_publish(struct fx *fx, const char *topic, const char *body)
{
	hs_env e;
	char *buf;
	size_t len;

	memset(&e, 0, sizeof(e));
	e.v = HS_BUS_VERSION;
	snprintf(e.type, sizeof(e.type), "%s", topic);
	snprintf(e.src, sizeof(e.src), "cti-host");
	e.server = 1;
	e.boot = hs_bus_boot(fx->cti.rep);
	e.seq = ++fx->cti.seq;
	hs_log_timestamp(e.ts, sizeof(e.ts));
	e.body = cJSON_Parse(body != NULL ? body : "{}");
	assert_non_null(e.body);
	buf = hs_env_encode(&e, 1, &len);
	assert_non_null(buf);
	assert_int_equal(nng_send(fx->cti.pub, buf, len, 0), 0);
	free(buf);
	hs_env_clear(&e);
}

/* ---- fixture -------------------------------------------------------------------------- */

static void
on_change(void *arg, const char *msg, size_t len)
{
	struct fx *fx = arg;

	assert_int_equal(strlen(msg), len);
	if (fx->nmsgs < (int)(sizeof(fx->msgs) / sizeof(fx->msgs[0])))
		fx->msgs[fx->nmsgs++] = strdup(msg);
}

static void
clear_msgs(struct fx *fx)
{
	for (int i = 0; i < fx->nmsgs; i++)
		free(fx->msgs[i]);
	fx->nmsgs = 0;
}

/* The body of the last change message with this topic and id ("number" or "agent_id"). */
static cJSON *
last_msg(struct fx *fx, const char *topic, const char *key, const char *id)
{
	for (int i = fx->nmsgs - 1; i >= 0; i--) {
		cJSON *m = cJSON_Parse(fx->msgs[i]);
		assert_non_null(m);
		cJSON *b = cJSON_DetachItemFromObject(m, "body");
		bool match = strcmp(cJSON_GetObjectItem(m, "topic")->valuestring, topic) == 0 &&
		    (key == NULL || (cJSON_GetObjectItem(b, key) != NULL &&
					strcmp(cJSON_GetObjectItem(b, key)->valuestring, id) == 0));
		cJSON_Delete(m);
		if (match)
			return b;
		cJSON_Delete(b);
	}
	return NULL;
}

/* Runs the loop until cond holds or ms pass; evaluates to cond. */
#define RUN_UNTIL(fx, cond, ms)                                                            \
	({                                                                                 \
		long long end_ = hs_mono_ms() + (ms);                                      \
		while (!(cond) && hs_mono_ms() < end_) {                                   \
			uv_run((fx)->uv, UV_RUN_NOWAIT);                                   \
			usleep(1000);                                                      \
		}                                                                          \
		(cond);                                                                    \
	})

static void
run_for(struct fx *fx, int ms)
{
	long long end = hs_mono_ms() + ms;

	while (hs_mono_ms() < end) {
		uv_run(fx->uv, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

static double
health(struct fx *fx, const char *key)
{
	cJSON *o = cJSON_CreateObject();
	double v;

	gw_live_health(fx->live, o);
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "live"), key)->valuedouble;
	cJSON_Delete(o);
	return v;
}

static cJSON *
get(struct fx *fx, enum gw_live_kind kind, const char *id)
{
	size_t len = 0;
	char *s = gw_live_get_json(fx->live, kind, id, &len);
	cJSON *o;

	if (s == NULL)
		return NULL;
	assert_int_equal(strlen(s), len);
	o = cJSON_Parse(s);
	assert_non_null(o);
	free(s);
	return o;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The string field key of o, "" when absent; frees o. */
static char field_buf[256];
static const char *
field(cJSON *o, const char *key)
{
	snprintf(field_buf, sizeof(field_buf), "%s", o != NULL && str(o, key) ? str(o, key) : "");
	cJSON_Delete(o);
	return field_buf;
}

static bool
exists(struct fx *fx, enum gw_live_kind kind, const char *id)
{
	char *s = gw_live_get_json(fx->live, kind, id, NULL);
	bool found = s != NULL;

	free(s);
	return found;
}

/* Field key of item id, "" when either is absent (static buffer). */
static const char *
item_field(struct fx *fx, enum gw_live_kind kind, const char *id, const char *key)
{
	return field(get(fx, kind, id), key);
}

/* Field key of call idx of extension id, "" when absent (static buffer). */
static const char *
call_field(struct fx *fx, const char *id, int idx, const char *key)
{
	cJSON *o = get(fx, GW_LIVE_EXTENSION, id), *c = NULL;

	if (o != NULL)
		c = cJSON_DetachItemFromArray(cJSON_GetObjectItem(o, "calls"), idx);
	cJSON_Delete(o);
	return field(c, key);
}

static int
list_total(struct fx *fx, enum gw_live_kind kind)
{
	char *s = gw_live_list_json(fx->live, kind, 0, 0, NULL);
	cJSON *o = cJSON_Parse(s);
	int n;

	assert_non_null(o);
	n = cJSON_GetObjectItem(o, "total")->valueint;
	cJSON_Delete(o);
	free(s);
	return n;
}

static cJSON *
link_json(struct fx *fx)
{
	size_t len;
	char *s = gw_live_link_json(fx->live, &len);
	cJSON *o;

	assert_non_null(s);
	o = cJSON_Parse(s);
	assert_non_null(o);
	free(s);
	return o;
}

static bool
reachable(struct fx *fx)
{
	cJSON *o = link_json(fx);
	bool r = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cti_host"), "reachable"));

	cJSON_Delete(o);
	return r;
}

static void
open_live(struct fx *fx)
{
	assert_int_equal(gw_live_open(&fx->live, &fx->svc), HS_OK);
	gw_live_on_change(fx->live, on_change, fx);
}

static int
setup_common(void **state, bool with_cti)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hslive.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_non_null(fx->conf = hs_conf_new());
	assert_int_equal(hs_conf_set(fx->conf, "bus.dir", fx->dir, "test"), HS_OK);
	/* Silence rule off unless a test tunes it: the fake sends no heartbeats. */
	assert_int_equal(hs_conf_set(fx->conf, "bus.heartbeat_ms", "60000", "test"), HS_OK);
	/* Where the gateway will look for cti-host. */
	hs_service_endpoint(fx->conf, HS_SVC_CTI_HOST, HS_EP_PUB, fx->pub_url, sizeof(fx->pub_url));
	hs_service_endpoint(fx->conf, HS_SVC_CTI_HOST, HS_EP_REP, fx->rep_url, sizeof(fx->rep_url));
	assert_int_equal(hs_loop_init(&fx->loop, NULL, NULL), HS_OK);
	fx->uv = hs_loop_uv(fx->loop);
	assert_int_equal(hs_bus_open(&fx->gbus, fx->uv, "gateway", 1, NULL, NULL), HS_OK);
	fx->svc.name = "gateway";
	fx->svc.conf = fx->conf;
	fx->svc.loop = fx->loop;
	fx->svc.uv = fx->uv;
	fx->svc.bus = fx->gbus;
	fx->svc.server_id = 1;
	fake_set_snapshot(fx, snapshot_1);
	if (with_cti)
		fake_start(fx);
	*state = fx;
	return 0;
}

static int
fx_setup(void **state)
{
	return setup_common(state, true);
}

static int
fx_setup_no_cti(void **state)
{
	return setup_common(state, false);
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	gw_live_close(fx->live);
	hs_bus_close(fx->gbus);
	if (fx->cti.rep != NULL)
		hs_bus_close(fx->cti.rep);
	if (fx->cti.pub_open)
		nng_close(fx->cti.pub);
	assert_int_equal(hs_loop_close(fx->loop), 0);
	hs_conf_free(fx->conf);
	cJSON_Delete(fx->cti.snapshot);
	clear_msgs(fx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Opens the live view, waits for the first snapshot, then for the subscription to carry
 * events (heartbeats until one arrives: nng's subscriber joins asynchronously). */
static void
start_synced(struct fx *fx)
{
	open_live(fx);
	assert_true(RUN_UNTIL(fx, health(fx, "snapshots") >= 1, 5000));
	for (int i = 0; i < 500 && health(fx, "events") == 0; i++) {
		fake_publish(fx, "svc.heartbeat", "{\"pid\":1,\"uptime_s\":1.0}");
		run_for(fx, 10);
	}
	assert_true(health(fx, "events") > 0);
	assert_int_equal(fx->cti.snapshots, 1);
	clear_msgs(fx);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void
test_snapshot_at_start(void **state)
{
	struct fx *fx = *state;
	cJSON *o, *calls, *c, *agent, *it;
	size_t len;
	char *s;

	open_live(fx);
	assert_true(RUN_UNTIL(fx, health(fx, "snapshots") >= 1, 5000));
	assert_int_equal(fx->cti.snapshots, 1);

	/* The extension tile: cti-host's fields, the agent and the call as 1000 sees it. */
	o = get(fx, GW_LIVE_EXTENSION, "1000");
	assert_non_null(o);
	assert_string_equal(str(o, "number"), "1000");
	assert_null(cJSON_GetObjectItem(o, "device"));
	assert_string_equal(str(o, "kind"), "extension");
	assert_string_equal(str(o, "name"), "Bob Desk");
	assert_string_equal(str(o, "state"), "ringing");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "dnd")));
	agent = cJSON_GetObjectItem(o, "agent");
	assert_string_equal(str(agent, "agent_id"), "3001");
	assert_string_equal(str(agent, "state"), "ready");
	assert_string_equal(str(agent, "description"), "Agent One");
	calls = cJSON_GetObjectItem(o, "calls");
	assert_int_equal(cJSON_GetArraySize(calls), 1);
	c = cJSON_GetArrayItem(calls, 0);
	assert_string_equal(str(c, "call_id"), "4711");
	assert_string_equal(str(c, "state"), "alerting");
	assert_string_equal(str(c, "direction"), "inbound");
	assert_string_equal(str(c, "other"), "6025551212");
	assert_string_equal(str(c, "other_name"), "SMITH JOHN");
	assert_string_equal(str(c, "trunk"), "97001");
	assert_string_equal(str(c, "ddi"), "8005551000");
	assert_null(cJSON_GetObjectItem(c, "since")); /* a snapshot does not say */
	cJSON_Delete(o);

	o = get(fx, GW_LIVE_EXTENSION, "999");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "dnd")));
	assert_string_equal(str(o, "dnd_text"), "BACK AT 3");
	assert_string_equal(str(cJSON_GetObjectItem(o, "forward"), "destination"), "1001");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "calls")), 0);
	assert_null(cJSON_GetObjectItem(o, "agent"));
	cJSON_Delete(o);

	/* Lists: numeric order, only their kind (the trunk is in none). */
	s = gw_live_list_json(fx->live, GW_LIVE_EXTENSION, 0, 0, &len);
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_int_equal(strlen(s), len);
	assert_int_equal(cJSON_GetObjectItem(o, "total")->valueint, 3);
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "items"), 0), "number"),
	    "999");
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "items"), 1), "number"),
	    "1000");
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "items"), 2), "number"),
	    "1001");
	cJSON_Delete(o);
	free(s);
	assert_null(get(fx, GW_LIVE_EXTENSION, "97001"));
	assert_null(get(fx, GW_LIVE_EXTENSION, "2000"));
	assert_null(get(fx, GW_LIVE_HUNT_GROUP, "1000"));
	assert_null(get(fx, GW_LIVE_EXTENSION, "4242"));

	/* The hunt group: its queue from the calls, its agents. */
	o = get(fx, GW_LIVE_HUNT_GROUP, "2000");
	assert_non_null(o);
	assert_string_equal(str(o, "name"), "Sales");
	assert_int_equal(cJSON_GetObjectItem(o, "queued")->valueint, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "queue")), 2);
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "queue"), 0);
	assert_string_equal(str(it, "call_id"), "4800");
	assert_string_equal(str(it, "caller"), "6025553434");
	assert_string_equal(str(it, "since"), "2026-11-25T17:20:01.000Z"); /* cti-host's */
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "queue"), 1);
	assert_string_equal(str(it, "call_id"), "4790");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "agents")), 1);
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "agents"), 0), "device"),
	    "1000");
	assert_null(cJSON_GetObjectItem(o, "calls"));
	cJSON_Delete(o);

	o = get(fx, GW_LIVE_AGENT, "3001");
	assert_string_equal(str(o, "state"), "ready");
	assert_string_equal(str(o, "device_state"), "ringing");
	cJSON_Delete(o);

	o = link_json(fx);
	assert_string_equal(str(o, "state"), "up");
	assert_string_equal(str(o, "host"), "10.0.0.5");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cti_host"),
	    "reachable")));
	cJSON_Delete(o);
	assert_int_equal((int)health(fx, "extensions"), 3);
	assert_int_equal((int)health(fx, "hunt_groups"), 1);
	assert_int_equal((int)health(fx, "agents"), 1);
}

/* The exact text of the list's first page, to check the paging above by string. */
static void
test_list_paging(void **state)
{
	struct fx *fx = *state;
	char *s, *one;
	size_t len;
	cJSON *o;

	start_synced(fx);
	s = gw_live_list_json(fx->live, GW_LIVE_EXTENSION, 1, 1, &len);
	one = gw_live_get_json(fx->live, GW_LIVE_EXTENSION, "1000", NULL);
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 1);
	assert_int_equal(cJSON_GetObjectItem(o, "total")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(o, "offset")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(o, "limit")->valueint, 1);
	assert_non_null(strstr(s, one)); /* the item's text as stored, not re-rendered */
	cJSON_Delete(o);
	free(s);
	free(one);
	s = gw_live_list_json(fx->live, GW_LIVE_EXTENSION, 10, 5, &len);
	assert_string_equal(s, "{\"items\":[],\"total\":3,\"offset\":3,\"limit\":5}");
	free(s);
}

static void
test_events_update_json_and_feed(void **state)
{
	struct fx *fx = *state;
	cJSON *o, *c;

	start_synced(fx);
	/* 1000 answers: cti-host sends device.state, then the call event. */
	fake_publish(fx, "device.state",
	    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob Desk\","
	    "\"state\":\"connected\",\"online\":true,\"dnd\":false,\"agent\":\"3001\"}");
	fake_publish(fx, "call.established",
	    "{\"call_id\":\"4711\",\"device\":\"1000\",\"lcs\":\"C\",\"cause\":35,"
	    "\"pbx_event\":\"ES\",\"pbx\":{},\"call\":{\"call_id\":\"4711\","
	    "\"direction\":\"inbound\",\"answered\":true,\"caller\":\"6025551212\","
	    "\"caller_name\":\"SMITH JOHN\",\"trunk\":\"97001\",\"parties\":["
	    "{\"device\":\"97001\",\"state\":\"connected\"},"
	    "{\"device\":\"1000\",\"state\":\"connected\"}]}}");
	assert_true(RUN_UNTIL(fx, strcmp(call_field(fx, "1000", 0, "state"), "connected") == 0,
	    3000));
	o = get(fx, GW_LIVE_EXTENSION, "1000");
	assert_string_equal(str(o, "state"), "connected");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "calls"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "answered")));
	assert_non_null(str(c, "since")); /* entered "connected" with this event */
	assert_int_equal(strlen(str(c, "since")), 24);
	cJSON_Delete(o);

	/* The feed: the extension and the agent showing its device's state. */
	o = last_msg(fx, "extension.state", "number", "1000");
	assert_non_null(o);
	assert_string_equal(str(o, "state"), "connected");
	cJSON_Delete(o);
	o = last_msg(fx, "agent.state", "agent_id", "3001");
	assert_non_null(o);
	assert_string_equal(str(o, "device_state"), "connected");
	cJSON_Delete(o);
	assert_null(last_msg(fx, "extension.state", "number", "1001")); /* untouched */

	/* An internal call: the far end is named from the device list. */
	fake_publish(fx, "call.delivered",
	    "{\"call_id\":\"4720\",\"device\":\"999\",\"lcs\":\"A\",\"call\":{"
	    "\"call_id\":\"4720\",\"direction\":\"internal\",\"answered\":false,\"parties\":["
	    "{\"device\":\"1001\",\"state\":\"connected\"},"
	    "{\"device\":\"999\",\"state\":\"alerting\"}]}}");
	assert_true(RUN_UNTIL(fx, strcmp(call_field(fx, "999", 0, "other_name"), "Alice") == 0,
	    3000));
	assert_string_equal(call_field(fx, "999", 0, "other"), "1001");
	assert_string_equal(call_field(fx, "999", 0, "state"), "alerting");
	o = get(fx, GW_LIVE_EXTENSION, "1001");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "calls"), 0);
	assert_string_equal(str(c, "other"), "999");
	assert_string_equal(str(c, "other_name"), "Lobby");
	assert_string_equal(str(c, "state"), "connected");
	cJSON_Delete(o);

	/* The calls end. */
	fake_publish(fx, "call.cleared", "{\"call_id\":\"4711\",\"reason\":\"cleared\"}");
	fake_publish(fx, "call.cleared", "{\"call_id\":\"4720\",\"reason\":\"cleared\"}");
	fake_publish(fx, "device.state",
	    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob Desk\","
	    "\"state\":\"idle\",\"online\":true,\"dnd\":false,\"agent\":\"3001\"}");
	assert_true(RUN_UNTIL(fx, strcmp(item_field(fx, GW_LIVE_EXTENSION, "1000", "state"),
	    "idle") == 0, 3000));
	o = get(fx, GW_LIVE_EXTENSION, "1000");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "calls")), 0);
	cJSON_Delete(o);
	o = get(fx, GW_LIVE_EXTENSION, "1001");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "calls")), 0);
	cJSON_Delete(o);

	/* The agent logs off: gone from the hunt group and from the extension. */
	fake_publish(fx, "agent.state",
	    "{\"agent_id\":\"3001\",\"description\":\"Agent One\",\"state\":\"logged_off\","
	    "\"groups\":[]}");
	fake_publish(fx, "device.state",
	    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob Desk\","
	    "\"state\":\"idle\",\"online\":true,\"dnd\":false}");
	assert_true(RUN_UNTIL(fx, strcmp(item_field(fx, GW_LIVE_AGENT, "3001", "state"),
	    "logged_off") == 0, 3000));
	run_for(fx, 20);
	o = get(fx, GW_LIVE_HUNT_GROUP, "2000");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "agents")), 0);
	cJSON_Delete(o);
	o = get(fx, GW_LIVE_EXTENSION, "1000");
	assert_null(cJSON_GetObjectItem(o, "agent"));
	cJSON_Delete(o);
	assert_int_equal((int)health(fx, "bad_events"), 0);
	assert_int_equal(fx->cti.snapshots, 1);

	/* A device.state without its fields is counted and dropped. */
	fake_publish(fx, "device.state", "{\"kind\":\"extension\"}");
	assert_true(RUN_UNTIL(fx, health(fx, "bad_events") == 1, 3000));
}

static void
test_restart_refetches(void **state)
{
	struct fx *fx = *state;
	cJSON *o;

	start_synced(fx);
	fake_set_snapshot(fx, snapshot_2);
	fake_start_rep(fx); /* cti-host restarted: new boot, seq from 1 */
	for (int i = 0; i < 500 && fx->cti.snapshots < 2; i++) {
		fake_publish(fx, "svc.heartbeat", "{}");
		run_for(fx, 10);
	}
	assert_int_equal(fx->cti.snapshots, 2);
	assert_true(RUN_UNTIL(fx, !exists(fx, GW_LIVE_EXTENSION, "1001"), 3000));
	o = get(fx, GW_LIVE_EXTENSION, "1000");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "dnd")));
	assert_string_equal(str(o, "dnd_text"), "LUNCH");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "calls")), 0);
	assert_null(cJSON_GetObjectItem(o, "agent"));
	cJSON_Delete(o);
	assert_null(get(fx, GW_LIVE_HUNT_GROUP, "2000"));
	assert_null(get(fx, GW_LIVE_AGENT, "3001"));
	o = link_json(fx);
	assert_string_equal(str(o, "state"), "sync");
	cJSON_Delete(o);

	/* The feed says what went and what changed. */
	o = last_msg(fx, "extension.removed", "number", "1001");
	assert_non_null(o);
	cJSON_Delete(o);
	o = last_msg(fx, "huntgroup.removed", "number", "2000");
	assert_non_null(o);
	cJSON_Delete(o);
	o = last_msg(fx, "agent.removed", "agent_id", "3001");
	assert_non_null(o);
	cJSON_Delete(o);
	o = last_msg(fx, "extension.state", "number", "1000");
	assert_non_null(o);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "dnd")));
	cJSON_Delete(o);
	assert_null(last_msg(fx, "extension.state", "number", "999")); /* unchanged text */
	o = last_msg(fx, "link.state", NULL, NULL);
	assert_string_equal(str(o, "state"), "sync");
	cJSON_Delete(o);
	assert_int_equal((int)health(fx, "restarts"), 1);
	assert_int_equal((int)health(fx, "gaps"), 0);
}

static void
test_gap_refetches(void **state)
{
	struct fx *fx = *state;

	start_synced(fx);
	fake_set_snapshot(fx, snapshot_2);
	fx->cti.seq += 3; /* three events lost */
	fake_publish(fx, "svc.heartbeat", "{}");
	assert_true(RUN_UNTIL(fx, fx->cti.snapshots == 2, 3000));
	assert_true(RUN_UNTIL(fx, !exists(fx, GW_LIVE_EXTENSION, "1001"), 3000));
	assert_int_equal((int)health(fx, "gaps"), 1);
	assert_int_equal((int)health(fx, "restarts"), 0);
	/* In order again: no more fetching. */
	fake_publish(fx, "svc.heartbeat", "{}");
	run_for(fx, 50);
	assert_int_equal(fx->cti.snapshots, 2);
}

static void
test_link_up_refetches(void **state)
{
	struct fx *fx = *state;
	cJSON *o;

	start_synced(fx);
	fake_publish(fx, "link.state", "{\"state\":\"backoff\",\"host\":\"10.0.0.5\","
				       "\"port\":4000,\"last_error\":\"connection refused\"}");
	assert_true(RUN_UNTIL(fx, strcmp(field(link_json(fx), "state"), "backoff") == 0, 3000));
	o = last_msg(fx, "link.state", NULL, NULL);
	assert_string_equal(str(o, "last_error"), "connection refused");
	cJSON_Delete(o);
	assert_int_equal(fx->cti.snapshots, 1);
	/* Up again: the inventory may have changed without events. */
	fake_set_snapshot(fx, snapshot_2);
	fake_publish(fx, "link.state", "{\"state\":\"up\",\"host\":\"10.0.0.5\",\"port\":4000}");
	assert_true(RUN_UNTIL(fx, fx->cti.snapshots == 2, 3000));
	assert_true(RUN_UNTIL(fx, !exists(fx, GW_LIVE_EXTENSION, "1001"), 3000));
	assert_int_equal((int)health(fx, "link_ups"), 1);
}

static void
test_silence_and_stopping(void **state)
{
	struct fx *fx = *state;
	cJSON *o;

	start_synced(fx);
	gw__live_tune(fx->live, 0, 0, 200);
	assert_true(RUN_UNTIL(fx, !reachable(fx), 3000));
	o = link_json(fx);
	assert_string_equal(str(o, "state"), "unknown");
	assert_non_null(strstr(str(cJSON_GetObjectItem(o, "cti_host"), "reason"), "no event"));
	cJSON_Delete(o);
	o = last_msg(fx, "link.state", NULL, NULL);
	assert_string_equal(str(o, "state"), "unknown");
	cJSON_Delete(o);
	/* The extension keeps its last known state. */
	assert_string_equal(item_field(fx, GW_LIVE_EXTENSION, "1000", "state"), "ringing");

	/* A heartbeat in sequence: back, without a fetch. */
	fake_publish(fx, "svc.heartbeat", "{}");
	assert_true(RUN_UNTIL(fx, reachable(fx), 3000));
	assert_string_equal(field(link_json(fx), "state"), "up");
	assert_int_equal(fx->cti.snapshots, 1);

	fake_publish(fx, "svc.stopping", "{}");
	assert_true(RUN_UNTIL(fx, !reachable(fx), 3000));
	o = link_json(fx);
	assert_string_equal(str(cJSON_GetObjectItem(o, "cti_host"), "reason"),
	    "cti-host is stopping");
	cJSON_Delete(o);
}

static void
test_late_cti_host_retried(void **state)
{
	struct fx *fx = *state;
	cJSON *o;

	open_live(fx);
	gw__live_tune(fx->live, 200, 100, 0);
	/* Nobody there yet: the link is unknown, the lists empty. */
	o = link_json(fx);
	assert_string_equal(str(o, "state"), "unknown");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cti_host"),
	    "reachable")));
	cJSON_Delete(o);
	assert_true(RUN_UNTIL(fx, health(fx, "snapshot_errors") >= 2, 5000));
	o = link_json(fx);
	assert_non_null(strstr(str(cJSON_GetObjectItem(o, "cti_host"), "reason"),
	    "live.snapshot"));
	cJSON_Delete(o);
	assert_int_equal(list_total(fx, GW_LIVE_EXTENSION), 0);
	assert_null(get(fx, GW_LIVE_EXTENSION, "1000"));

	fake_start(fx);
	assert_true(RUN_UNTIL(fx, health(fx, "snapshots") >= 1, 5000));
	assert_true(RUN_UNTIL(fx, reachable(fx), 1000));
	assert_string_equal(item_field(fx, GW_LIVE_EXTENSION, "1000", "state"), "ringing");
	assert_string_equal(field(link_json(fx), "state"), "up");
}

/* ---- readers on other threads --------------------------------------------------------- */

struct reader {
	gw_live *live;
	atomic_int *stop;
	long reads, bad;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->stop)) {
		size_t len;
		char *s = gw_live_get_json(r->live, GW_LIVE_EXTENSION, "1000", &len);
		cJSON *o = s != NULL ? cJSON_Parse(s) : NULL;

		if (o == NULL || strcmp(str(o, "number"), "1000") != 0 || strlen(s) != len)
			r->bad++;
		cJSON_Delete(o);
		free(s);
		s = gw_live_list_json(r->live, GW_LIVE_EXTENSION, 0, 0, &len);
		o = s != NULL ? cJSON_Parse(s) : NULL;
		if (o == NULL || cJSON_GetObjectItem(o, "total")->valueint != 3)
			r->bad++;
		cJSON_Delete(o);
		free(s);
		s = gw_live_link_json(r->live, &len);
		if (s == NULL || s[len - 1] != '}')
			r->bad++;
		free(s);
		s = gw_live_get_json(r->live, GW_LIVE_AGENT, "3001", &len);
		if (s == NULL)
			r->bad++;
		free(s);
		r->reads++;
	}
	return NULL;
}

static void
test_readers_while_applying(void **state)
{
	struct fx *fx = *state;
	static const char *const states[] = { "ringing", "connected", "held", "idle" };
	struct reader rd[3];
	pthread_t th[3];
	atomic_int stop;
	char body[512];

	start_synced(fx);
	atomic_init(&stop, 0);
	for (int i = 0; i < 3; i++) {
		rd[i] = (struct reader){ .live = fx->live, .stop = &stop };
		assert_int_equal(pthread_create(&th[i], NULL, reader_main, &rd[i]), 0);
	}
	for (int i = 0; i < 400; i++) {
		snprintf(body, sizeof(body),
		    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob %d\","
		    "\"state\":\"%s\",\"online\":true,\"dnd\":false,\"agent\":\"3001\"}", i,
		    states[i % 4]);
		fake_publish(fx, "device.state", body);
		snprintf(body, sizeof(body),
		    "{\"call_id\":\"%d\",\"device\":\"1000\",\"call\":{\"call_id\":\"%d\","
		    "\"direction\":\"internal\",\"answered\":true,\"parties\":["
		    "{\"device\":\"1000\",\"state\":\"connected\"},"
		    "{\"device\":\"1001\",\"state\":\"connected\"}]}}", 5000 + i, 5000 + i);
		fake_publish(fx, "call.established", body);
		if (i % 3 == 0) {
			snprintf(body, sizeof(body), "{\"call_id\":\"%d\",\"reason\":\"cleared\"}",
			    5000 + i);
			fake_publish(fx, "call.cleared", body);
		}
		uv_run(fx->uv, UV_RUN_NOWAIT);
		if (i % 50 == 0)
			usleep(2000); /* let nng keep up: PUB drops what a slow SUB cannot take */
	}
	fake_publish(fx, "device.state",
	    "{\"device\":\"1000\",\"kind\":\"extension\",\"name\":\"Bob Desk\","
	    "\"state\":\"dialling\",\"online\":true,\"dnd\":false,\"agent\":\"3001\"}");
	assert_true(RUN_UNTIL(fx, strcmp(item_field(fx, GW_LIVE_EXTENSION, "1000", "state"),
	    "dialling") == 0, 5000));
	run_for(fx, 50);
	atomic_store(&stop, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(rd[i].reads > 0);
		assert_int_equal(rd[i].bad, 0);
	}
	assert_int_equal((int)health(fx, "bad_events"), 0);
}

/* ---- commands ------------------------------------------------------------------------- */

struct cmdjob {
	gw_live *live;
	const char *cmd;
	cJSON *body;
	int timeout_ms;
	hs_err rv;
	cJSON *reply;
	char msg[256];
	atomic_int done;
};

static void *
cmd_main(void *arg)
{
	struct cmdjob *j = arg;

	j->rv = gw_live_command(j->live, j->cmd, j->body, j->timeout_ms, &j->reply, j->msg,
	    sizeof(j->msg));
	atomic_store(&j->done, 1);
	return NULL;
}

/* Runs a command on another thread, as a civetweb worker would, while the loop runs. */
static void
run_cmd(struct fx *fx, struct cmdjob *j, const char *cmd, const char *body, int timeout_ms)
{
	pthread_t th;

	memset(j, 0, sizeof(*j));
	atomic_init(&j->done, 0);
	j->live = fx->live;
	j->cmd = cmd;
	j->body = body != NULL ? cJSON_Parse(body) : NULL;
	j->timeout_ms = timeout_ms;
	assert_int_equal(pthread_create(&th, NULL, cmd_main, j), 0);
	assert_true(RUN_UNTIL(fx, atomic_load(&j->done), timeout_ms + 5000));
	assert_int_equal(pthread_join(th, NULL), 0);
}

static void
test_command_outcomes(void **state)
{
	struct fx *fx = *state;
	struct cmdjob j;

	start_synced(fx);
	run_cmd(fx, &j, "call.hold", "{\"device\":\"1000\",\"call_id\":\"4711\"}", 3000);
	assert_int_equal(j.rv, HS_EBUSY);
	assert_string_equal(j.msg, BUSY_MESSAGE);
	assert_null(j.reply);

	run_cmd(fx, &j, "call.make", "{\"from\":\"1000\",\"to\":\"1001\"}", 3000);
	assert_int_equal(j.rv, HS_OK);
	assert_non_null(j.reply);
	assert_string_equal(str(j.reply, "call_id"), "4712");
	cJSON_Delete(j.reply);

	run_cmd(fx, &j, "no.such", NULL, 3000);
	assert_int_equal(j.rv, HS_ENOTFOUND);

	/* cti-host takes the request and never answers. */
	long long t0 = hs_mono_ms();
	run_cmd(fx, &j, "call.answer", "{\"device\":\"1000\",\"call_id\":\"4711\"}", 300);
	assert_int_equal(j.rv, HS_ETIMEDOUT);
	assert_true(hs_mono_ms() - t0 >= 250);
	assert_non_null(strstr(j.msg, "did not answer call.answer within 300 ms"));
	assert_non_null(fx->cti.held);

	/* Nobody listens. */
	hs_bus_close(fx->cti.rep);
	fx->cti.rep = NULL;
	run_cmd(fx, &j, "call.hold", "{\"device\":\"1000\",\"call_id\":\"4711\"}", 1000);
	assert_int_equal(j.rv, HS_ECONNREFUSED);
	assert_non_null(strstr(j.msg, "cti-host.rep"));

	assert_int_equal(gw_live_command(fx->live, "", NULL, 100, NULL, NULL, 0), HS_EINVAL);
	assert_int_equal((int)health(fx, "commands"), 5);
	assert_int_equal((int)health(fx, "command_errors"), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_snapshot_at_start, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_paging, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_events_update_json_and_feed, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_restart_refetches, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_gap_refetches, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_link_up_refetches, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_silence_and_stopping, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_late_cti_host_retried, fx_setup_no_cti,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_readers_while_applying, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_command_outcomes, fx_setup, fx_teardown),
	};

	hs_log_set_level(HS_LOG_ERROR);
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
