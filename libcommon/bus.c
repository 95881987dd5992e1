/*
 * bus.c - nng sockets driven from a libuv loop, and the bus envelope codec.
 *
 * Design.  nng completes asynchronous operations (aios) on its own threads.  Every object of
 * this file that owns an aio (a subscription, a server-side request context, a client call)
 * has at most one operation in flight, so when its aio completes the callback only appends
 * the object to the bus's completion list under a mutex and wakes the loop with uv_async_send.
 * The loop thread drains the list and runs bus_complete(), which does the real work and
 * starts the object's next operation.  Nothing but the list and the async handle is touched
 * from nng's threads.
 *
 * Server side: HS__BUS_NCTX contexts on the REP socket each wait for a request, so that many
 * requests can be handled at once and a handler may answer later (cti-host waits for the
 * PBX).  Client side: one REQ socket per remote endpoint, shared by all calls to it; each call
 * has its own context and aio.
 *
 * Invariants: a client call's callback runs exactly once (reply, failure, or ECANCELED at
 * close); a request token is answered exactly once, by its handler or by the bus at close.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bus.h"
#include "journal.h"
#include "log.h"
#include "loop.h"

#define HS__BUS_NCTX 8
#define HS__BUS_MAXMSG (4 * 1024 * 1024)
#define HS__BUS_BADLOG 64
#define HS__BUS_QUEUE 1024 /* messages queued per pub pipe and per subscriber */

enum bus_obj_kind { OBJ_SUB, OBJ_SRVREQ, OBJ_CALL };

/* The head of every object that owns an aio. */
struct bus_obj {
	enum bus_obj_kind kind;
	hs_bus *bus;
	nng_aio *aio;
	struct bus_obj *next_done; /* completion list, guarded by bus->mu */
};

struct hs_bus_sub {
	struct bus_obj o;
	nng_socket sock;
	hs_bus_event_cb cb;
	void *arg;
	char prefix[64];
	int closed;
	int in_cb;     /* the callback runs: hs_bus_unsubscribe defers the free */
	hs_bus_sub *next;
};

enum srvreq_state { SRV_RECV, SRV_HANDLING, SRV_SEND };

struct hs_bus_req {
	struct bus_obj o;
	nng_ctx ctx;
	enum srvreq_state state;
	char cmd[64];
	int peer_uid;
};

struct reqsock {
	char url[256];
	nng_socket sock;
	struct reqsock *next;
};

enum call_state { CALL_SEND, CALL_RECV };

struct bus_call {
	struct bus_obj o;
	nng_ctx ctx;
	enum call_state state;
	long long deadline;
	hs_bus_reply_cb cb;
	void *arg;
	char cmd[64];
	struct bus_call *next, *prev;
};

struct hs_bus {
	uv_loop_t *loop;
	uv_async_t async;
	pthread_mutex_t mu;
	struct bus_obj *done_head, *done_tail;

	char svc[32];
	int server_id;
	uint64_t boot;
	uint64_t seq_event; /* events: contiguous per boot, so subscribers can see gaps */
	uint64_t seq_cmd;   /* requests and replies */

	nng_socket pub, rep;
	int have_pub, have_rep;
	struct hs_bus_req srv[HS__BUS_NCTX];
	const struct hs_bus_cmd *cmds;
	void *cmd_arg;

	hs_bus_sub *subs;
	struct reqsock *reqsocks;
	struct bus_call *calls;

	unsigned badlog[HS__BUS_BADLOG]; /* hashes of (sender, topic) already logged */
	int nbadlog;
	struct hs_bus_stats st;
	struct hs_journal *journal;
	int closing;
};

/* ------------------------------------------------------------------------------------ */
/* Envelope codec                                                                       */
/* ------------------------------------------------------------------------------------ */

static hs_err
env_fail(char *err, size_t errlen, hs_err code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

char *
hs_env_encode(const hs_env *e, int with_topic_prefix, size_t *len)
{
	cJSON *o = cJSON_CreateObject();
	char boot[17], seq[24], *json, *out;
	size_t jl, tl;

	if (o == NULL)
		return NULL;
	snprintf(boot, sizeof(boot), "%016llx", (unsigned long long)e->boot);
	cJSON_AddNumberToObject(o, "v", e->v);
	cJSON_AddStringToObject(o, "type", e->type);
	cJSON_AddStringToObject(o, "src", e->src);
	cJSON_AddNumberToObject(o, "server", e->server);
	cJSON_AddStringToObject(o, "boot", boot);
	/* cJSON prints numbers with 15 significant digits when that reads back "close enough",
	 * which rounds sequence numbers above 10^15: write the integer itself. */
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
	cJSON_AddRawToObject(o, "seq", seq);
	cJSON_AddStringToObject(o, "ts", e->ts);
	if (strcmp(e->type, "reply") == 0) {
		cJSON_AddStringToObject(o, "re", e->re);
		cJSON_AddStringToObject(o, "status", hs_err_name(e->status));
		if (e->message[0] != '\0')
			cJSON_AddStringToObject(o, "message", e->message);
	}
	if (e->body != NULL)
		cJSON_AddItemReferenceToObject(o, "body", e->body);
	else
		cJSON_AddItemToObject(o, "body", cJSON_CreateObject());
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (json == NULL)
		return NULL;
	if (!with_topic_prefix) {
		*len = strlen(json);
		return json;
	}
	jl = strlen(json);
	tl = strlen(e->type);
	out = malloc(tl + 1 + jl + 1);
	if (out != NULL) {
		memcpy(out, e->type, tl);
		out[tl] = '\n';
		memcpy(out + tl + 1, json, jl + 1);
		*len = tl + 1 + jl;
	}
	free(json);
	return out;
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		    *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static hs_err
env_get_str(cJSON *o, const char *key, char *dst, size_t len, int required, char *err,
    size_t errlen)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (it == NULL) {
		if (!required) {
			dst[0] = '\0';
			return HS_OK;
		}
		return env_fail(err, errlen, HS_EPROTO, "field '%s' missing", key);
	}
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return env_fail(err, errlen, HS_EPROTO, "field '%s' is not a string", key);
	if (strlen(it->valuestring) >= len)
		return env_fail(err, errlen, HS_EPROTO, "field '%s' too long", key);
	copy_str(dst, len, it->valuestring);
	return HS_OK;
}

static hs_err
env_get_num(cJSON *o, const char *key, double lo, double hi, double *v, char *err,
    size_t errlen)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (it == NULL)
		return env_fail(err, errlen, HS_EPROTO, "field '%s' missing", key);
	if (!cJSON_IsNumber(it))
		return env_fail(err, errlen, HS_EPROTO, "field '%s' is not a number", key);
	if (!(it->valuedouble >= lo && it->valuedouble <= hi) ||
	    it->valuedouble != (double)(long long)it->valuedouble)
		return env_fail(err, errlen, HS_EPROTO, "field '%s' out of range", key);
	*v = it->valuedouble;
	return HS_OK;
}

hs_err
hs_env_decode(const char *buf, size_t len, hs_env *e, char *err, size_t errlen)
{
	const char *json = buf, *nl;
	size_t jlen = len, tlen = 0;
	char topic[64] = "", boot[32], status[32];
	cJSON *o, *body;
	double d;
	hs_err rv;

	memset(e, 0, sizeof(*e));
	if (len == 0)
		return env_fail(err, errlen, HS_EPROTO, "empty message");
	if (buf[0] != '{') {
		nl = memchr(buf, '\n', len);
		if (nl == NULL)
			return env_fail(err, errlen, HS_EPROTO, "no topic line");
		tlen = (size_t)(nl - buf);
		if (tlen == 0 || tlen >= sizeof(topic))
			return env_fail(err, errlen, HS_EPROTO, "bad topic length %zu", tlen);
		memcpy(topic, buf, tlen);
		topic[tlen] = '\0';
		if (!valid_name(topic))
			return env_fail(err, errlen, HS_EPROTO, "bad topic name");
		json = nl + 1;
		jlen = len - tlen - 1;
	}
	o = cJSON_ParseWithLength(json, jlen);
	if (o == NULL)
		return env_fail(err, errlen, HS_EPROTO, "body is not JSON");
	if (!cJSON_IsObject(o)) {
		rv = env_fail(err, errlen, HS_EPROTO, "envelope is not an object");
		goto out;
	}
	if ((rv = env_get_num(o, "v", 0, 1e6, &d, err, errlen)) != HS_OK)
		goto out;
	e->v = (int)d;
	if (e->v != HS_BUS_VERSION) {
		rv = env_fail(err, errlen, HS_EVERSION, "bus version %d, expected %d", e->v,
		    HS_BUS_VERSION);
		goto out;
	}
	if ((rv = env_get_str(o, "type", e->type, sizeof(e->type), 1, err, errlen)) != HS_OK ||
	    (rv = env_get_str(o, "src", e->src, sizeof(e->src), 1, err, errlen)) != HS_OK ||
	    (rv = env_get_str(o, "boot", boot, sizeof(boot), 1, err, errlen)) != HS_OK ||
	    (rv = env_get_str(o, "ts", e->ts, sizeof(e->ts), 1, err, errlen)) != HS_OK)
		goto out;
	if (!valid_name(e->type) || !valid_name(e->src)) {
		rv = env_fail(err, errlen, HS_EPROTO, "bad type or src name");
		goto out;
	}
	if (tlen > 0 && strcmp(topic, e->type) != 0) {
		rv = env_fail(err, errlen, HS_EPROTO, "topic line '%s' differs from type '%s'",
		    topic, e->type);
		goto out;
	}
	{
		char *end;
		errno = 0;
		e->boot = strtoull(boot, &end, 16);
		if (errno != 0 || end == boot || *end != '\0' || strlen(boot) > 16) {
			rv = env_fail(err, errlen, HS_EPROTO, "bad boot id");
			goto out;
		}
	}
	if ((rv = env_get_num(o, "server", 0, 99, &d, err, errlen)) != HS_OK)
		goto out;
	e->server = (int)d;
	if ((rv = env_get_num(o, "seq", 0, 9007199254740992.0, &d, err, errlen)) != HS_OK)
		goto out;
	e->seq = (uint64_t)d;
	if (strcmp(e->type, "reply") == 0) {
		if ((rv = env_get_str(o, "re", e->re, sizeof(e->re), 1, err, errlen)) != HS_OK ||
		    (rv = env_get_str(o, "status", status, sizeof(status), 1, err, errlen)) !=
			HS_OK ||
		    (rv = env_get_str(o, "message", e->message, sizeof(e->message), 0, err,
			errlen)) != HS_OK)
			goto out;
		e->status = strcmp(status, "OK") == 0 ? HS_OK : (int)hs_err_from_name(status);
	}
	body = cJSON_DetachItemFromObjectCaseSensitive(o, "body");
	if (body == NULL) {
		body = cJSON_CreateObject();
		if (body == NULL) {
			rv = HS_ENOMEM;
			goto out;
		}
	} else if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		rv = env_fail(err, errlen, HS_EPROTO, "body is not an object");
		goto out;
	}
	e->body = body;
	rv = HS_OK;
out:
	cJSON_Delete(o);
	return rv;
}

void
hs_env_clear(hs_env *e)
{
	cJSON_Delete(e->body);
	e->body = NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Completion list: the only state nng's threads touch                                  */
/* ------------------------------------------------------------------------------------ */

static void
bus_aio_done(void *arg)
{
	struct bus_obj *o = arg;
	hs_bus *bus = o->bus;

	pthread_mutex_lock(&bus->mu);
	o->next_done = NULL;
	if (bus->done_tail != NULL)
		bus->done_tail->next_done = o;
	else
		bus->done_head = o;
	bus->done_tail = o;
	pthread_mutex_unlock(&bus->mu);
	uv_async_send(&bus->async);
}

static hs_err
map_nng(int rv)
{
	switch (rv) {
	case 0: return HS_OK;
	case NNG_ETIMEDOUT: return HS_ETIMEDOUT;
	case NNG_ECANCELED: return HS_ECANCELED;
	case NNG_ECLOSED: return HS_ECLOSED;
	case NNG_ECONNREFUSED: return HS_ECONNREFUSED;
	case NNG_ENOENT: return HS_ECONNREFUSED; /* ipc socket file missing: nobody there */
	case NNG_EADDRINUSE: return HS_EBUSY;
	case NNG_EADDRINVAL: case NNG_EINVAL: return HS_EINVAL;
	case NNG_ENOMEM: return HS_ENOMEM;
	case NNG_EPERM: return HS_EPERM;
	case NNG_EPROTO: return HS_EPROTO;
	default: return HS_EIO;
	}
}

static unsigned
hash2(const char *a, const char *b)
{
	unsigned h = 2166136261u;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 16777619u;
	return h;
}

/* Logs a bad message once per (sender, topic); counts every one. */
static void
bus_bad_message(hs_bus *bus, const char *where, const char *buf, size_t len, const char *why)
{
	char src[32] = "?", topic[64] = "?";
	const char *p;
	unsigned h;

	bus->st.bad_messages++;
	/* Best effort: find the sender and topic for the log key without trusting the JSON. */
	if (len > 0 && buf[0] != '{' && (p = memchr(buf, '\n', len)) != NULL &&
	    (size_t)(p - buf) < sizeof(topic))
		snprintf(topic, sizeof(topic), "%.*s", (int)(p - buf), buf);
	if ((p = memmem(buf, len, "\"src\":\"", 7)) != NULL) {
		const char *s = p + 7, *end = buf + len;
		size_t n = 0;
		while (s + n < end && s[n] != '"' && n < sizeof(src) - 1)
			n++;
		snprintf(src, sizeof(src), "%.*s", (int)n, s);
	}
	h = hash2(src, topic);
	for (int i = 0; i < bus->nbadlog; i++)
		if (bus->badlog[i] == h)
			return;
	if (bus->nbadlog < HS__BUS_BADLOG)
		bus->badlog[bus->nbadlog++] = h;
	hs_log_warn("bus.bad_message", "where=%s sender=%s topic=%s reason=%s note=%s", where,
	    hs_logq(src), hs_logq(topic), hs_logq(why),
	    hs_logq("logged once per sender and topic; later ones are only counted"));
}

static void
env_fill(hs_bus *bus, hs_env *e, const char *type)
{
	e->v = HS_BUS_VERSION;
	copy_str(e->type, sizeof(e->type), type);
	copy_str(e->src, sizeof(e->src), bus->svc);
	e->server = bus->server_id;
	e->boot = bus->boot;
	e->seq = strcmp(type, "reply") == 0 ? ++bus->seq_cmd : ++bus->seq_event;
	hs_log_timestamp(e->ts, sizeof(e->ts));
}

/* ------------------------------------------------------------------------------------ */
/* Server side: REP contexts                                                            */
/* ------------------------------------------------------------------------------------ */

static void
srv_recv(struct hs_bus_req *r)
{
	r->state = SRV_RECV;
	r->cmd[0] = '\0';
	r->peer_uid = -1;
	nng_ctx_recv(r->ctx, r->o.aio);
}

/* Sends the reply; the context goes back to receiving when the send completes. */
static void
srv_send(struct hs_bus_req *r, hs_err status, cJSON *body, const char *message)
{
	hs_bus *bus = r->o.bus;
	hs_env e;
	nng_msg *msg;
	char *buf;
	size_t len;

	memset(&e, 0, sizeof(e));
	env_fill(bus, &e, "reply");
	copy_str(e.re, sizeof(e.re), r->cmd);
	e.status = status;
	copy_str(e.message, sizeof(e.message), message);
	e.body = body;
	buf = hs_env_encode(&e, 0, &len);
	cJSON_Delete(body);
	if (buf == NULL || nng_msg_alloc(&msg, 0) != 0) {
		free(buf);
		hs_log_error("bus.reply", "cmd=%s err=ENOMEM", r->cmd);
		srv_recv(r);
		return;
	}
	nng_msg_append(msg, buf, len);
	free(buf);
	r->state = SRV_SEND;
	nng_aio_set_msg(r->o.aio, msg);
	nng_ctx_send(r->ctx, r->o.aio);
	bus->st.replies++;
}

void
hs_bus_reply(hs_bus_req *req, hs_err status, cJSON *body, const char *fmt, ...)
{
	char message[256] = "";
	va_list ap;

	if (req->state != SRV_HANDLING) {
		hs_log_error("bus.reply", "cmd=%s note=%s", req->cmd,
		    hs_logq("reply to a request that is not waiting for one"));
		cJSON_Delete(body);
		return;
	}
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(message, sizeof(message), fmt, ap);
		va_end(ap);
	}
	if (req->o.bus->closing) {
		cJSON_Delete(body);
		return;
	}
	srv_send(req, status, body, message);
}

int
hs_bus_req_peer_uid(const hs_bus_req *req)
{
	return req->peer_uid;
}

/* Root, our own user and members of group "hookswitch" may run mutating commands. */
static int
uid_may_mutate(int uid)
{
	struct passwd *pw;
	struct group *gr;
	gid_t groups[64];
	int ngroups = 64;

	if (uid < 0 || uid == 0 || (uid_t)uid == geteuid())
		return 1; /* uid < 0: tcp from another server of the site */
	if ((gr = getgrnam("hookswitch")) == NULL || (pw = getpwuid((uid_t)uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) < 0)
		return 0;
	for (int i = 0; i < ngroups; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return 0;
}

static void
srv_help(hs_bus *bus, struct hs_bus_req *r)
{
	cJSON *body = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(body, "commands");

	for (const struct hs_bus_cmd *c = bus->cmds; c != NULL && c->name != NULL; c++) {
		cJSON *it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "name", c->name);
		cJSON_AddStringToObject(it, "help", c->help != NULL ? c->help : "");
		cJSON_AddBoolToObject(it, "mutating", (c->flags & HS_CMD_MUTATING) != 0);
		cJSON_AddItemToArray(arr, it);
	}
	srv_send(r, HS_OK, body, "");
}

static void
srv_complete(struct hs_bus_req *r)
{
	hs_bus *bus = r->o.bus;
	int rv = nng_aio_result(r->o.aio);
	nng_msg *msg;
	char why[160];
	hs_env e;
	hs_err erv;

	if (r->state == SRV_SEND) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(r->o.aio));
			hs_log_warn("bus.reply", "cmd=%s err=%s", r->cmd, hs_logq(nng_strerror(rv)));
		}
		srv_recv(r);
		return;
	}
	if (rv != 0) {
		if (rv != NNG_ECLOSED && rv != NNG_ECANCELED) {
			hs_log_warn("bus.recv", "err=%s", hs_logq(nng_strerror(rv)));
			srv_recv(r);
		}
		return;
	}
	msg = nng_aio_get_msg(r->o.aio);
	{
		nng_pipe p = nng_msg_get_pipe(msg);
		uint64_t uid;
		if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) == 0)
			r->peer_uid = (int)uid;
	}
	bus->st.requests++;
	r->state = SRV_HANDLING;
	erv = hs_env_decode(nng_msg_body(msg), nng_msg_len(msg), &e, why, sizeof(why));
	if (erv != HS_OK) {
		bus_bad_message(bus, "request", nng_msg_body(msg), nng_msg_len(msg), why);
		nng_msg_free(msg);
		srv_send(r, erv, NULL, why);
		return;
	}
	nng_msg_free(msg);
	copy_str(r->cmd, sizeof(r->cmd), e.type);
	if (strcmp(e.type, "help") == 0) {
		srv_help(bus, r);
		hs_env_clear(&e);
		return;
	}
	for (const struct hs_bus_cmd *c = bus->cmds; c != NULL && c->name != NULL; c++) {
		if (strcmp(c->name, e.type) != 0)
			continue;
		if ((c->flags & HS_CMD_MUTATING) && !uid_may_mutate(r->peer_uid)) {
			srv_send(r, HS_EPERM, NULL,
			    "command changes state: only root and group hookswitch may run it");
		} else {
			hs_log_debug("bus.request", "cmd=%s from=%s seq=%llu", e.type, e.src,
			    (unsigned long long)e.seq);
			c->fn(bus->cmd_arg, r, &e);
		}
		hs_env_clear(&e);
		return;
	}
	snprintf(why, sizeof(why), "%s has no command '%s' (try 'help')", bus->svc, e.type);
	srv_send(r, HS_ENOTFOUND, NULL, why);
	hs_env_clear(&e);
}

hs_err
hs_bus_serve(hs_bus *bus, const struct hs_bus_cmd *table, void *arg)
{
	if (!bus->have_rep)
		return HS_EINVAL;
	bus->cmds = table;
	bus->cmd_arg = arg;
	return HS_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Events                                                                               */
/* ------------------------------------------------------------------------------------ */

hs_err
hs_bus_publish(hs_bus *bus, const char *topic, cJSON *body)
{
	hs_env e;
	char *buf;
	size_t len;
	int rv;

	if (!bus->have_pub) {
		cJSON_Delete(body);
		return HS_EINVAL;
	}
	memset(&e, 0, sizeof(e));
	env_fill(bus, &e, topic);
	e.body = body;
	buf = hs_env_encode(&e, 1, &len);
	cJSON_Delete(body);
	if (buf == NULL)
		return HS_ENOMEM;
	/* Heartbeats are liveness, not history: nobody replays them. */
	if (bus->journal != NULL && strcmp(topic, "svc.heartbeat") != 0) {
		size_t tl = strlen(topic) + 1; /* the JSON after the topic line */
		hs_journal_append(bus->journal, e.seq, buf + tl, len - tl);
	}
	/* PUB never blocks: a slow subscriber loses messages, and its seq gap shows it. */
	rv = nng_send(bus->pub, buf, len, 0);
	free(buf);
	if (rv != 0)
		return map_nng(rv);
	bus->st.published++;
	return HS_OK;
}

/* Decodes and delivers one event; frees msg. */
static void
sub_deliver(hs_bus_sub *s, nng_msg *msg)
{
	hs_bus *bus = s->o.bus;
	char why[160];
	hs_env e;

	if (hs_env_decode(nng_msg_body(msg), nng_msg_len(msg), &e, why, sizeof(why)) != HS_OK) {
		bus_bad_message(bus, "event", nng_msg_body(msg), nng_msg_len(msg), why);
	} else {
		bus->st.received++;
		s->in_cb = 1;
		s->cb(s->arg, &e);
		s->in_cb = 0;
		hs_env_clear(&e);
	}
	nng_msg_free(msg);
}

static void
sub_complete(hs_bus_sub *s)
{
	int rv = nng_aio_result(s->o.aio);
	nng_msg *msg;

	if (rv != 0) {
		if (rv != NNG_ECLOSED && rv != NNG_ECANCELED && !s->closed)
			nng_recv_aio(s->sock, s->o.aio);
		return;
	}
	sub_deliver(s, nng_aio_get_msg(s->o.aio));
	/* Take what else is queued without a round trip through nng's threads: under a burst
	 * this is what keeps the subscriber near nng's own speed.  Bounded, so one busy
	 * publisher cannot starve the rest of the loop. */
	for (int i = 0; i < 256 && !s->closed; i++) {
		if (nng_recvmsg(s->sock, &msg, NNG_FLAG_NONBLOCK) != 0)
			break;
		sub_deliver(s, msg);
	}
	if (s->closed) {
		/* A callback unsubscribed; the free was left to us. */
		nng_aio_free(s->o.aio);
		free(s);
		return;
	}
	nng_recv_aio(s->sock, s->o.aio);
}

hs_err
hs_bus_subscribe(hs_bus *bus, const char *url, const char *prefix, hs_bus_event_cb cb,
    void *arg, hs_bus_sub **subp)
{
	hs_bus_sub *s = calloc(1, sizeof(*s));
	int rv;

	if (s == NULL)
		return HS_ENOMEM;
	s->o.kind = OBJ_SUB;
	s->o.bus = bus;
	s->cb = cb;
	s->arg = arg;
	copy_str(s->prefix, sizeof(s->prefix), prefix);
	if ((rv = nng_sub0_open(&s->sock)) != 0)
		goto fail;
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, HS__BUS_MAXMSG);
	nng_socket_set_int(s->sock, NNG_OPT_RECVBUF, HS__BUS_QUEUE);
	nng_socket_set_ms(s->sock, NNG_OPT_RECONNMINT, 100);
	nng_socket_set_ms(s->sock, NNG_OPT_RECONNMAXT, 500);
	if ((rv = nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, prefix, strlen(prefix))) != 0)
		goto fail_close;
	if ((rv = nng_aio_alloc(&s->o.aio, bus_aio_done, &s->o)) != 0)
		goto fail_close;
	/* Non-blocking dial: the publisher may not be up yet; nng redials in the background. */
	if ((rv = nng_dial(s->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0)
		goto fail_aio;
	s->next = bus->subs;
	bus->subs = s;
	nng_recv_aio(s->sock, s->o.aio);
	if (subp != NULL)
		*subp = s;
	return HS_OK;
fail_aio:
	nng_aio_free(s->o.aio);
fail_close:
	nng_close(s->sock);
fail:
	hs_log_warn("bus.subscribe", "url=%s err=%s", hs_logq(url), hs_logq(nng_strerror(rv)));
	free(s);
	return map_nng(rv);
}

void
hs_bus_unsubscribe(hs_bus_sub *s)
{
	hs_bus *bus = s->o.bus;

	if (s->closed)
		return;
	s->closed = 1;
	nng_aio_stop(s->o.aio);
	nng_close(s->sock);
	/* Unlink from the bus list and from the completion list (nng_aio_stop may have queued
	 * it), then free. */
	for (hs_bus_sub **pp = &bus->subs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	pthread_mutex_lock(&bus->mu);
	for (struct bus_obj **pp = &bus->done_head, *prev = NULL; *pp != NULL;) {
		if (*pp == &s->o) {
			*pp = s->o.next_done;
			if (bus->done_tail == &s->o)
				bus->done_tail = prev;
			break;
		}
		prev = *pp;
		pp = &(*pp)->next_done;
	}
	pthread_mutex_unlock(&bus->mu);
	if (s->in_cb)
		return;
	nng_aio_free(s->o.aio);
	free(s);
}

/* ------------------------------------------------------------------------------------ */
/* Client side: requests to other services                                              */
/* ------------------------------------------------------------------------------------ */

static struct reqsock *
reqsock_get(hs_bus *bus, const char *url, int *rvp)
{
	struct reqsock *rs;
	int rv;

	for (rs = bus->reqsocks; rs != NULL; rs = rs->next)
		if (strcmp(rs->url, url) == 0)
			return rs;
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		*rvp = NNG_ENOMEM;
		return NULL;
	}
	copy_str(rs->url, sizeof(rs->url), url);
	if ((rv = nng_req0_open(&rs->sock)) != 0) {
		free(rs);
		*rvp = rv;
		return NULL;
	}
	nng_socket_set_size(rs->sock, NNG_OPT_RECVMAXSZ, HS__BUS_MAXMSG);
	nng_socket_set_ms(rs->sock, NNG_OPT_RECONNMINT, 100);
	nng_socket_set_ms(rs->sock, NNG_OPT_RECONNMAXT, 2000);
	/* Requests are not idempotent in general: never resend on our own. */
	nng_socket_set_ms(rs->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if ((rv = nng_dial(rs->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(rs->sock);
		free(rs);
		*rvp = rv;
		return NULL;
	}
	rs->next = bus->reqsocks;
	bus->reqsocks = rs;
	return rs;
}

static void
call_finish(struct bus_call *c, hs_err status, const hs_env *reply)
{
	hs_bus *bus = c->o.bus;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		bus->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->cb(c->arg, status, reply);
	nng_ctx_close(c->ctx);
	nng_aio_free(c->o.aio);
	free(c);
}

static void
call_complete(struct bus_call *c)
{
	hs_bus *bus = c->o.bus;
	int rv = nng_aio_result(c->o.aio);
	long long left;
	nng_msg *msg;
	char why[160];
	hs_env e;
	hs_err erv;

	if (rv != 0) {
		if (c->state == CALL_SEND)
			nng_msg_free(nng_aio_get_msg(c->o.aio));
		call_finish(c, map_nng(rv), NULL);
		return;
	}
	if (c->state == CALL_SEND) {
		left = c->deadline - hs_mono_ms();
		c->state = CALL_RECV;
		nng_aio_set_timeout(c->o.aio, left > 0 ? (nng_duration)left : 1);
		nng_ctx_recv(c->ctx, c->o.aio);
		return;
	}
	msg = nng_aio_get_msg(c->o.aio);
	erv = hs_env_decode(nng_msg_body(msg), nng_msg_len(msg), &e, why, sizeof(why));
	if (erv != HS_OK) {
		bus_bad_message(bus, "reply", nng_msg_body(msg), nng_msg_len(msg), why);
		nng_msg_free(msg);
		call_finish(c, HS_EPROTO, NULL);
		return;
	}
	nng_msg_free(msg);
	call_finish(c, HS_OK, &e);
	hs_env_clear(&e);
}

static nng_msg *
request_msg(const char *src, int server, uint64_t boot, uint64_t seq, const char *cmd,
    cJSON *body)
{
	hs_env e;
	nng_msg *msg = NULL;
	char *buf;
	size_t len;

	memset(&e, 0, sizeof(e));
	e.v = HS_BUS_VERSION;
	copy_str(e.type, sizeof(e.type), cmd);
	copy_str(e.src, sizeof(e.src), src);
	e.server = server;
	e.boot = boot;
	e.seq = seq;
	hs_log_timestamp(e.ts, sizeof(e.ts));
	e.body = body;
	buf = hs_env_encode(&e, 0, &len);
	if (buf != NULL && nng_msg_alloc(&msg, 0) == 0)
		nng_msg_append(msg, buf, len);
	free(buf);
	return msg;
}

hs_err
hs_bus_request(hs_bus *bus, const char *url, const char *cmd, cJSON *body, int timeout_ms,
    hs_bus_reply_cb cb, void *arg)
{
	struct reqsock *rs;
	struct bus_call *c;
	nng_msg *msg;
	int rv = 0;

	if (bus->closing) {
		cJSON_Delete(body);
		return HS_ECLOSED;
	}
	if ((rs = reqsock_get(bus, url, &rv)) == NULL) {
		cJSON_Delete(body);
		return map_nng(rv);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		cJSON_Delete(body);
		return HS_ENOMEM;
	}
	c->o.kind = OBJ_CALL;
	c->o.bus = bus;
	c->cb = cb;
	c->arg = arg;
	copy_str(c->cmd, sizeof(c->cmd), cmd);
	c->deadline = hs_mono_ms() + timeout_ms;
	msg = request_msg(bus->svc, bus->server_id, bus->boot, ++bus->seq_cmd, cmd, body);
	cJSON_Delete(body);
	if (msg == NULL) {
		free(c);
		return HS_ENOMEM;
	}
	if ((rv = nng_ctx_open(&c->ctx, rs->sock)) != 0 ||
	    (rv = nng_aio_alloc(&c->o.aio, bus_aio_done, &c->o)) != 0) {
		if (rv != 0 && c->ctx.id != 0)
			nng_ctx_close(c->ctx);
		nng_msg_free(msg);
		free(c);
		return map_nng(rv);
	}
	c->next = bus->calls;
	if (bus->calls != NULL)
		bus->calls->prev = c;
	bus->calls = c;
	c->state = CALL_SEND;
	nng_aio_set_timeout(c->o.aio, timeout_ms);
	nng_aio_set_msg(c->o.aio, msg);
	nng_ctx_send(c->ctx, c->o.aio);
	return HS_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Loop side                                                                            */
/* ------------------------------------------------------------------------------------ */

static void
bus_on_async(uv_async_t *h)
{
	hs_bus *bus = h->data;
	struct bus_obj *list, *o;

	pthread_mutex_lock(&bus->mu);
	list = bus->done_head;
	bus->done_head = bus->done_tail = NULL;
	pthread_mutex_unlock(&bus->mu);
	while ((o = list) != NULL) {
		list = o->next_done;
		if (bus->closing)
			continue;
		switch (o->kind) {
		case OBJ_SUB: sub_complete((hs_bus_sub *)o); break;
		case OBJ_SRVREQ: srv_complete((struct hs_bus_req *)o); break;
		case OBJ_CALL: call_complete((struct bus_call *)o); break;
		}
	}
}

static hs_err
bus_listen(nng_socket sock, const char *url, int rep)
{
	nng_listener l;
	int rv;

	if ((rv = nng_listener_create(&l, sock, url)) != 0)
		goto fail;
	if (strncmp(url, "ipc://", 6) == 0)
		/* Commands are checked per peer uid; the socket itself is for owner and group. */
		nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, rep ? 0660 : 0664);
	if ((rv = nng_listener_start(l, 0)) != 0)
		goto fail;
	return HS_OK;
fail:
	hs_log_error("bus.listen", "url=%s err=%s", hs_logq(url), hs_logq(nng_strerror(rv)));
	return map_nng(rv);
}

hs_err
hs_bus_listen_extra(hs_bus *bus, int rep, const char *url)
{
	if (rep ? !bus->have_rep : !bus->have_pub)
		return HS_EINVAL;
	return bus_listen(rep ? bus->rep : bus->pub, url, rep);
}

hs_err
hs_bus_open(hs_bus **busp, uv_loop_t *loop, const char *svc, int server_id,
    const char *pub_url, const char *rep_url)
{
	hs_bus *bus = calloc(1, sizeof(*bus));
	hs_err erv = HS_EIO;
	int rv;

	if (bus == NULL)
		return HS_ENOMEM;
	bus->loop = loop;
	copy_str(bus->svc, sizeof(bus->svc), svc);
	bus->server_id = server_id;
	if (getrandom(&bus->boot, sizeof(bus->boot), 0) != sizeof(bus->boot))
		bus->boot = (uint64_t)hs_now_ms() ^ ((uint64_t)getpid() << 32);
	pthread_mutex_init(&bus->mu, NULL);
	if (uv_async_init(loop, &bus->async, bus_on_async) != 0) {
		pthread_mutex_destroy(&bus->mu);
		free(bus);
		return HS_EIO;
	}
	bus->async.data = bus;
	if (pub_url != NULL) {
		if ((rv = nng_pub0_open(&bus->pub)) != 0)
			goto fail;
		bus->have_pub = 1;
		/* Room for bursts (a PBX resync publishes thousands of events at once). */
		nng_socket_set_int(bus->pub, NNG_OPT_SENDBUF, HS__BUS_QUEUE);
		if ((erv = bus_listen(bus->pub, pub_url, 0)) != HS_OK)
			goto fail_erv;
	}
	if (rep_url != NULL) {
		if ((rv = nng_rep0_open(&bus->rep)) != 0)
			goto fail;
		bus->have_rep = 1;
		nng_socket_set_size(bus->rep, NNG_OPT_RECVMAXSZ, HS__BUS_MAXMSG);
		if ((erv = bus_listen(bus->rep, rep_url, 1)) != HS_OK)
			goto fail_erv;
		for (int i = 0; i < HS__BUS_NCTX; i++) {
			struct hs_bus_req *r = &bus->srv[i];
			r->o.kind = OBJ_SRVREQ;
			r->o.bus = bus;
			if ((rv = nng_ctx_open(&r->ctx, bus->rep)) != 0 ||
			    (rv = nng_aio_alloc(&r->o.aio, bus_aio_done, &r->o)) != 0)
				goto fail;
			srv_recv(r);
		}
	}
	*busp = bus;
	return HS_OK;
fail:
	erv = map_nng(rv);
fail_erv:
	hs_bus_close(bus);
	return erv;
}

static void
bus_free_cb(uv_handle_t *h)
{
	hs_bus *bus = h->data;

	pthread_mutex_destroy(&bus->mu);
	free(bus);
}

void
hs_bus_close(hs_bus *bus)
{
	if (bus == NULL)
		return;
	bus->closing = 1;
	/* Stop every aio first: after this no nng thread touches our objects. */
	for (int i = 0; i < HS__BUS_NCTX; i++)
		if (bus->srv[i].o.aio != NULL)
			nng_aio_stop(bus->srv[i].o.aio);
	for (hs_bus_sub *s = bus->subs; s != NULL; s = s->next)
		nng_aio_stop(s->o.aio);
	for (struct bus_call *c = bus->calls; c != NULL; c = c->next)
		nng_aio_stop(c->o.aio);
	pthread_mutex_lock(&bus->mu);
	bus->done_head = bus->done_tail = NULL;
	pthread_mutex_unlock(&bus->mu);

	while (bus->calls != NULL) {
		struct bus_call *c = bus->calls;
		if (c->state == CALL_SEND)
			nng_msg_free(nng_aio_get_msg(c->o.aio));
		call_finish(c, HS_ECANCELED, NULL);
	}
	while (bus->subs != NULL) {
		hs_bus_sub *s = bus->subs;
		bus->subs = s->next;
		nng_close(s->sock);
		nng_aio_free(s->o.aio);
		free(s);
	}
	for (int i = 0; i < HS__BUS_NCTX; i++) {
		struct hs_bus_req *r = &bus->srv[i];
		if (r->o.aio == NULL)
			continue;
		if (r->state == SRV_SEND)
			nng_msg_free(nng_aio_get_msg(r->o.aio));
		nng_ctx_close(r->ctx);
		nng_aio_free(r->o.aio);
	}
	while (bus->reqsocks != NULL) {
		struct reqsock *rs = bus->reqsocks;
		bus->reqsocks = rs->next;
		nng_close(rs->sock);
		free(rs);
	}
	if (bus->have_rep)
		nng_close(bus->rep);
	if (bus->have_pub)
		nng_close(bus->pub);
	uv_close((uv_handle_t *)&bus->async, bus_free_cb);
}

void
hs_bus_get_stats(const hs_bus *bus, struct hs_bus_stats *st)
{
	*st = bus->st;
}

uint64_t
hs_bus_boot(const hs_bus *bus)
{
	return bus->boot;
}

void
hs_bus_set_journal(hs_bus *bus, struct hs_journal *j)
{
	bus->journal = j;
}

/* ------------------------------------------------------------------------------------ */
/* Blocking one-shot request                                                            */
/* ------------------------------------------------------------------------------------ */

hs_err
hs_bus_call(const char *url, const char *src, const char *cmd, cJSON *body, int timeout_ms,
    hs_env *reply)
{
	nng_socket sock;
	nng_msg *msg;
	uint64_t boot;
	char why[160];
	int rv;
	hs_err erv;

	memset(reply, 0, sizeof(*reply));
	if ((rv = nng_req0_open(&sock)) != 0) {
		cJSON_Delete(body);
		return map_nng(rv);
	}
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, HS__BUS_MAXMSG);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	/* A synchronous dial tells "nobody listens" apart from "listens but does not answer". */
	if ((rv = nng_dial(sock, url, NULL, 0)) != 0) {
		cJSON_Delete(body);
		nng_close(sock);
		return map_nng(rv);
	}
	if (getrandom(&boot, sizeof(boot), 0) != sizeof(boot))
		boot = (uint64_t)hs_now_ms();
	msg = request_msg(src, 0, boot, 1, cmd, body);
	cJSON_Delete(body);
	if (msg == NULL) {
		nng_close(sock);
		return HS_ENOMEM;
	}
	if ((rv = nng_sendmsg(sock, msg, 0)) != 0) {
		nng_msg_free(msg);
		nng_close(sock);
		return map_nng(rv);
	}
	if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		nng_close(sock);
		return map_nng(rv);
	}
	erv = hs_env_decode(nng_msg_body(msg), nng_msg_len(msg), reply, why, sizeof(why));
	nng_msg_free(msg);
	nng_close(sock);
	if (erv != HS_OK)
		hs_log_warn("bus.call", "url=%s cmd=%s reason=%s", hs_logq(url), cmd, hs_logq(why));
	return erv;
}
