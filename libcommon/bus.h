/*
 * bus.h - the message layer between Hookswitch services (nng), driven from a libuv loop.
 *
 * Each service binds two sockets: PUB for its events and REP for commands addressed to it.
 * Others dial them: SUB with a topic prefix for events, REQ for commands.  Endpoints are
 * ipc:// on one host and tcp:// across hosts (topo.h computes them).  Every message carries
 * the envelope of proto/bus.md (version, type, source service, server id, boot id,
 * per-publisher sequence number, timestamp, body); an event is sent as "<topic>\n<json>" so
 * nng's prefix subscriptions work on the topic.
 *
 * Threads: nng completes its aios on its own threads.  Those callbacks only queue the result
 * and wake the loop (uv_async); every callback of this API runs on the loop thread.
 *
 * The async contract (as nng aio, libuv errors.rst):
 *   - A call that takes a callback either returns HS_OK and later runs the callback exactly
 *     once, with a status, or returns an error and never runs it.
 *   - At hs_bus_close, pending requests complete with HS_ECANCELED before it returns.
 *   - A request handler gets a token (hs_bus_req) and must answer it once with
 *     hs_bus_reply(), now or later; tokens still held at close are answered ECLOSED.
 *
 * Bad messages (undecodable, wrong version) are logged once per (sender, topic), counted in
 * hs_bus_stats and dropped; the bus keeps running.
 */
#ifndef HS_BUS_H
#define HS_BUS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "err.h"

/* Bump whenever the envelope or a payload changes incompatibly (see proto/bus.md). */
#define HS_BUS_VERSION 1

/* A decoded envelope.  Strings point into storage owned by the envelope. */
typedef struct hs_env {
	int v;
	char type[64];   /* topic of an event, command name of a request, "reply" */
	char src[32];    /* publishing or requesting service */
	int server;      /* server id of the sender, 1-99 (0 for hookswitchctl) */
	uint64_t boot;   /* random per process start: a new boot restarts seq at 1 */
	uint64_t seq;    /* per sender, +1 for each message it sends */
	char ts[32];     /* ISO 8601 UTC with milliseconds */
	/* replies only */
	char re[64];     /* the command answered */
	int status;      /* hs_err */
	char message[256];
	cJSON *body;     /* owned; never NULL after a successful decode (empty object) */
} hs_env;

/* Encodes e as JSON; for events prefix is "<topic>\n".  Returns a malloc'd buffer and its
 * length in *len, or NULL when out of memory. */
char *hs_env_encode(const hs_env *e, int with_topic_prefix, size_t *len);
/* Decodes buf (an event when it has a topic line, else a request/reply).  On failure returns
 * HS_EPROTO or HS_EVERSION and writes the reason into err. */
hs_err hs_env_decode(const char *buf, size_t len, hs_env *e, char *err, size_t errlen);
/* Frees e->body. */
void hs_env_clear(hs_env *e);

typedef struct hs_bus hs_bus;
typedef struct hs_bus_req hs_bus_req;
typedef struct hs_bus_sub hs_bus_sub;

/* Runs on the loop thread for each event that matches the subscription. */
typedef void (*hs_bus_event_cb)(void *arg, const hs_env *ev);
/* Runs once per hs_bus_request: status is HS_OK and reply the answer, or the failure
 * (ETIMEDOUT, ECONNREFUSED, ECANCELED...) and reply NULL.  A reply whose own status is not
 * HS_OK is passed with status HS_OK; look at reply->status. */
typedef void (*hs_bus_reply_cb)(void *arg, hs_err status, const hs_env *reply);
/* Handles one request; must call hs_bus_reply(req, ...) exactly once, now or later. */
typedef void (*hs_bus_cmd_fn)(void *arg, hs_bus_req *req, const hs_env *msg);

enum {
	HS_CMD_READONLY = 0x1, /* reads state only */
	HS_CMD_MUTATING = 0x2, /* changes state: restricted to root and the hookswitch group */
};

struct hs_bus_cmd {
	const char *name; /* lower.dot.case, as on the wire and in hookswitchctl */
	int flags;
	hs_bus_cmd_fn fn;
	const char *help;
};

struct hs_bus_stats {
	uint64_t published, received, requests, replies, bad_messages, dropped;
};

/*
 * Opens the bus of service `svc` on `loop` and binds pub_url and rep_url (either may be NULL
 * for a client-only bus such as hookswitchctl's).  For ipc:// urls the socket's directory
 * must exist.  Errors: HS_EBUSY (address in use), HS_EINVAL (bad url), HS_EIO.
 */
hs_err hs_bus_open(hs_bus **busp, uv_loop_t *loop, const char *svc, int server_id,
    const char *pub_url, const char *rep_url);
/* Also listens on extra_url (a tcp:// endpoint for other servers) for PUB or REP. */
hs_err hs_bus_listen_extra(hs_bus *bus, int rep, const char *url);
void hs_bus_close(hs_bus *bus);

/* Publishes an event; takes ownership of body (NULL sends {}). */
hs_err hs_bus_publish(hs_bus *bus, const char *topic, cJSON *body);

/* Dials url (a PUB endpoint), subscribes to topics starting with prefix ("" for all).
 * Redials forever in the background, so the publisher may start later. */
hs_err hs_bus_subscribe(hs_bus *bus, const char *url, const char *prefix,
    hs_bus_event_cb cb, void *arg, hs_bus_sub **subp);
void hs_bus_unsubscribe(hs_bus_sub *sub);

/* Registers a table of commands (terminated by a NULL name) served on the REP socket.  The
 * built-in "help" lists them.  Unknown commands are answered ENOTFOUND. */
hs_err hs_bus_serve(hs_bus *bus, const struct hs_bus_cmd *table, void *arg);

/* Answers a request; takes ownership of body (may be NULL).  status != HS_OK makes it an
 * error reply carrying message. */
void hs_bus_reply(hs_bus_req *req, hs_err status, cJSON *body, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The uid of the requesting peer over ipc, or -1 (tcp, or unknown). */
int hs_bus_req_peer_uid(const hs_bus_req *req);

/* Sends command `cmd` with body (owned) to the REP endpoint url; cb runs once. */
hs_err hs_bus_request(hs_bus *bus, const char *url, const char *cmd, cJSON *body,
    int timeout_ms, hs_bus_reply_cb cb, void *arg);

void hs_bus_get_stats(const hs_bus *bus, struct hs_bus_stats *st);

/* This process's boot id (the envelope's "boot"). */
uint64_t hs_bus_boot(const hs_bus *bus);

struct hs_journal;
/* Appends every event published from now on (but svc.heartbeat) to j under its sequence
 * number, so that subscribers that missed some can fetch them (events.replay).  NULL stops
 * it. */
void hs_bus_set_journal(hs_bus *bus, struct hs_journal *j);

/*
 * Blocking one-shot request without a loop, for hookswitchctl and tests.  On HS_OK *reply is
 * the decoded reply (free with hs_env_clear); its status may still be an error.  Fails with
 * ETIMEDOUT (nobody answered in time), ECONNREFUSED or EPROTO.
 */
hs_err hs_bus_call(const char *url, const char *src, const char *cmd, cJSON *body,
    int timeout_ms, hs_env *reply);

#endif
