/*
 * live.h - the gateway's copy of cti-host's live state: extensions, ACD agents, hunt groups
 * and the PBX link, rendered once per change for fast reads from the HTTP threads, plus the
 * change feed the WebSocket pushes to browsers and a blocking way to run cti-host commands.
 *
 * Threads: gw_live_open, gw_live_close, gw_live_on_change and gw_live_health run on the
 * service's loop thread, and so does every change callback.  gw_live_get_json,
 * gw_live_list_json, gw_live_link_json and gw_live_command may be called from any thread
 * (civetweb workers) between open and close; stop the HTTP server before gw_live_close.
 * A read is one hash lookup and a copy of JSON rendered at change time, under a read lock.
 *
 * Where the state comes from (see live.c for the rules): every event cti-host publishes
 * (subscribed with prefix "", so each lost event shows as a gap in seq) and its
 * live.snapshot, fetched at start, when cti-host restarts (new boot id), on a sequence gap,
 * when the PBX link comes up (cti-host's device inventory publishes no events), and on a
 * timer (1 s doubling to 30 s) while cti-host does not answer.
 *
 * The JSON of one item (field order as shown; optional fields are left out when empty):
 *
 *   extension  {"number":"1000","kind":"extension","name":"Bob Desk","state":"ringing",
 *               "online":true,"dnd":false,          + "dnd_message","dnd_text" when dnd
 *               "forward":{"type":"I","destination":"1005"},             when forwarded
 *               "agent":{"agent_id":"3001","description":"Agent One","state":"ready",
 *                        "groups":["2000"]},                     when an agent is logged on
 *               "calls":[{"call_id":"4711","state":"alerting","direction":"inbound",
 *                         "answered":false,"other":"6025551212","other_name":"SMITH JOHN",
 *                         "trunk":"97001","ddi":"8005551000","hunt_group":"2000",
 *                         "since":"2026-11-25T17:20:04.512Z"}]}
 *     state is cti-host's: idle, dialling, ringing, connected, held, queued, failed, offline.
 *     Per call: state is this extension's part in it (initiated, alerting, connected, held,
 *     queued, failed); other is the far end (the caller or dialled number when it is a
 *     trunk, else the device, with its name); since is when this extension's part entered
 *     its state, by cti-host's clock (an older cti-host: as the gateway saw it, absent for
 *     calls learned from a snapshot).
 *   hunt group {"number":"2000","kind":"hunt_group","name":"Sales","state":"queued",
 *               "online":true,"dnd":false,"queued":1,
 *               "queue":[{"call_id":"4800","caller":"6025551212","caller_name":"SMITH JOHN",
 *                         "since":"..."}],
 *               "agents":[{"agent_id":"3001","description":"Agent One","state":"ready",
 *                          "device":"1000"}]}
 *   agent      {"agent_id":"3001","description":"Agent One","state":"ready","device":"1000",
 *               "groups":["2000"],"device_state":"ringing"}
 *     state: logged_off, ready, not_ready, wrap_up.
 *   link       cti-host's link.state body ({"state":"up","since":...,"host":...}) plus
 *               "cti_host":{"reachable":true,"boot":"3f2a9c0d11e4b7a2"}; while cti-host is
 *               unreachable or before it answered: {"state":"unknown","cti_host":
 *               {"reachable":false,"reason":"..."}}.
 *
 * Change messages (one per changed item, coalesced per loop iteration):
 *   {"topic":"extension.state","body":<extension>}   {"topic":"extension.removed",
 *   {"topic":"huntgroup.state","body":<hunt group>}    "body":{"number":"1001"}}
 *   {"topic":"agent.state","body":<agent>}           (huntgroup.removed, agent.removed alike;
 *   {"topic":"link.state","body":<link>}              agents use "agent_id")
 */
#ifndef GW_LIVE_H
#define GW_LIVE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"

struct hs_svc;

typedef struct gw_live gw_live;

enum gw_live_kind {
	GW_LIVE_EXTENSION,  /* cti-host devices of kind "extension", keyed by number */
	GW_LIVE_AGENT,      /* ACD agents, keyed by agent id */
	GW_LIVE_HUNT_GROUP, /* cti-host devices of kind "hunt_group", keyed by number */
	GW_LIVE_KIND_COUNT
};

/* "extension", "agent", "hunt_group"; NULL when out of range. */
const char *gw_live_kind_name(enum gw_live_kind kind);

/*
 * Loop thread, from the service's init.  Finds cti-host (the servers table when svc->db is
 * open, else this host's bus.dir), subscribes to its events and asks for live.snapshot on
 * the first loop iteration.  Errors: HS_ENOMEM, or the bus's when the subscription fails.
 */
hs_err gw_live_open(gw_live **lp, struct hs_svc *svc);
/* Loop thread, before the bus closes; no reader may be running.  A snapshot request still in
 * flight completes harmlessly later (with ECANCELED at bus close). */
void gw_live_close(gw_live *l);

/* Any thread.  One item's JSON (malloc'd, NUL-terminated, *len without the NUL); NULL when
 * unknown (or out of memory). */
char *gw_live_get_json(gw_live *l, enum gw_live_kind kind, const char *id, size_t *len);

/* Any thread.  {"items":[...],"total":N,"offset":O,"limit":L}: the items of one kind sorted
 * by number (numeric numbers first, in numeric order), from offset, at most limit of them
 * (0: all).  malloc'd; NULL when out of memory. */
char *gw_live_list_json(gw_live *l, enum gw_live_kind kind, size_t offset, size_t limit,
    size_t *len);

/* Any thread.  The link JSON described above; malloc'd. */
char *gw_live_link_json(gw_live *l, size_t *len);

/* The change feed: cb runs on the loop thread once per change, with the message text (valid
 * during the call only).  One listener; NULL stops it. */
typedef void (*gw_live_change_cb)(void *arg, const char *msg, size_t len);
void gw_live_on_change(gw_live *l, gw_live_change_cb cb, void *arg);

/*
 * Any thread; blocks up to about timeout_ms (more when dialling a tcp host that does not
 * answer: nng's synchronous dial).  Runs cti-host command cmd (call.make, call.answer,
 * call.hold, call.retrieve, call.clear, call.drop, call.consult, call.transfer,
 * call.conference, device.dnd, device.forward, agent.set ...; see proto/bus.md) with body
 * (owned; NULL sends {}).  Returns HS_OK and the reply body in *reply (caller frees), or the
 * error cti-host answered (HS_EBUSY: busy device or link not up, HS_ENOTFOUND, HS_EINVAL,
 * HS_EPERM, HS_ETIMEDOUT: the PBX did not confirm) or the transport's (HS_ETIMEDOUT: cti-host
 * did not answer, HS_ECONNREFUSED: nobody listens, HS_EPROTO).  cti-host's message, or one
 * saying what failed, goes into msg (may be NULL).
 */
hs_err gw_live_command(gw_live *l, const char *cmd, cJSON *body, int timeout_ms,
    cJSON **reply, char *msg, size_t msglen);

/* Loop thread.  Adds "live":{...counters...} to the service's health reply. */
void gw_live_health(gw_live *l, cJSON *out);

/* For tests: the live.snapshot timeout, the first retry delay and how long cti-host may be
 * silent (no event, heartbeats included) before it counts as unreachable.  0 keeps one. */
void gw__live_tune(gw_live *l, int snapshot_timeout_ms, int retry_ms, int silence_ms);

#endif
