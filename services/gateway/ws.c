/*
 * ws.c - the live view's WebSocket (/api/v1/live/ws): first a snapshot of the live state,
 * then every change the loop thread hands to gw_ws_broadcast.
 *
 * Each client has a sender thread and a queue of its own.  The loop thread only appends to
 * queues, so a client that stops reading (a tablet gone to sleep, a dead Wi-Fi) delays
 * nobody: not the bus, not the other live views.  A queue that grows past WS_QUEUE_MAX is
 * dropped and the client is sent a fresh snapshot instead when it reads again - the state,
 * not the history, is what a live view needs.
 *
 * Ordering: changes are applied to the live copy before they are broadcast.  A snapshot is
 * built by the sender after it cleared the client's resync flag, and broadcasts skip the
 * client only while that flag is set: a change is in the snapshot, or queued after it, or
 * both (harmless: the client then applies the same state twice).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "db_pool.h"
#include "live.h"
#include "log.h"
#include "server.h"

#define WS_QUEUE_MAX (1024 * 1024) /* bytes waiting for one client */

struct ws_msg {
	struct ws_msg *next;
	size_t len;
	char data[];
};

struct gw_ws {
	struct gw *gw;
	struct mg_connection *conn;
	struct gw_ws *next;          /* gw->ws, under gw->ws_mu */
	pthread_t sender;
	pthread_mutex_t mu;          /* guards the rest */
	pthread_cond_t cv;
	struct ws_msg *head, *tail;
	size_t queued;
	bool resync;                 /* send a snapshot before anything queued after it */
	bool dead;                   /* a write failed: the reader will see the close */
	bool closing;
};

static int
ws_connect(const struct mg_connection *cconn, void *cbdata)
{
	struct gw *gw = cbdata;
	struct mg_connection *conn = (struct mg_connection *)cconn;
	struct gw_req r;

	memset(&r, 0, sizeof(r));
	r.gw = gw;
	r.conn = conn;
	r.ri = mg_get_request_info(conn);
	r.db = mg_get_thread_pointer(conn);
	r.method = "GET";
	r.path = "/live/ws";
	snprintf(r.client_ip, sizeof(r.client_ip), "%s", r.ri->remote_addr);
	if (r.db == NULL) {
		gw_reply_error(&r, 503, "internal", NULL, "no database connection");
	} else if (!gw_auth_request(&r)) {
		gw_reply_error(&r, 401, "unauthenticated", NULL, "log in first");
	} else if (r.user.must_change) {
		gw_reply_error(&r, 403, "password_change_required", NULL,
		    "change your password first");
	} else if (!gw_has_perm(&r, GW_P_REPORTING_REALTIME)) {
		gw_reply_error(&r, 403, "forbidden", NULL, "you need the %s permission",
		    gw_perm_name(GW_P_REPORTING_REALTIME));
	} else {
		/* Each live connection holds a worker thread for its life; the cap keeps some for
		 * HTTP.  Two connecting at once may both pass: the cap is a guard, not a count. */
		pthread_mutex_lock(&gw->ws_mu);
		bool room = gw->n_ws < gw->max_ws;
		pthread_mutex_unlock(&gw->ws_mu);
		if (room)
			return 0;
		gw_reply_error(&r, 503, "busy", NULL,
		    "too many live connections (%d); close a live view or raise web.threads",
		    gw->max_ws);
	}
	if (r.db != NULL)
		gw_db_rollback(r.db);
	return 1; /* refuses the upgrade, with the reply above */
}


static void
queue_free(struct ws_msg *m)
{
	while (m != NULL) {
		struct ws_msg *next = m->next;
		free(m);
		m = next;
	}
}

static bool
send_text(struct gw_ws *w, const char *msg, size_t len)
{
	return mg_websocket_write(w->conn, MG_WEBSOCKET_OPCODE_TEXT, msg, len) > 0;
}

static bool
send_snapshot(struct gw_ws *w)
{
	gw_live *live = gw_live_of(w->gw);
	size_t len = 0;
	char *list = live != NULL ? gw_live_list_json(live, GW_LIVE_EXTENSION, 0, 0, &len) :
	    strdup("{\"items\":[],\"total\":0,\"offset\":0,\"limit\":0}"), *msg;
	bool ok = false;

	if (list != NULL && live == NULL)
		len = strlen(list);
	if (list == NULL)
		return true; /* out of memory: the next change still comes */
	if ((msg = malloc(len + 64)) != NULL) {
		int n = snprintf(msg, len + 64, "{\"topic\":\"live.snapshot\",\"body\":%s}", list);
		ok = send_text(w, msg, (size_t)n);
		free(msg);
	}
	free(list);
	return ok;
}

static void *
sender_main(void *arg)
{
	struct gw_ws *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->closing && !w->resync && (w->head == NULL || w->dead))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->closing)
			break;
		if (w->resync) {
			w->resync = false;
			pthread_mutex_unlock(&w->mu);
			bool ok = send_snapshot(w);
			pthread_mutex_lock(&w->mu);
			w->dead |= !ok;
			continue;
		}
		struct ws_msg *batch = w->head;
		w->head = w->tail = NULL;
		w->queued = 0;
		pthread_mutex_unlock(&w->mu);
		bool ok = true, superseded = false;
		for (struct ws_msg *m = batch; m != NULL && ok && !superseded; m = m->next) {
			ok = send_text(w, m->data, m->len);
			/* the queue overflowed meanwhile: the snapshot owed replaces the rest too */
			pthread_mutex_lock(&w->mu);
			superseded = w->resync;
			pthread_mutex_unlock(&w->mu);
		}
		queue_free(batch);
		pthread_mutex_lock(&w->mu);
		w->dead |= !ok;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
ws_ready(struct mg_connection *conn, void *cbdata)
{
	struct gw *gw = cbdata;
	struct gw_ws *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return;
	w->gw = gw;
	w->conn = conn;
	w->resync = true; /* the snapshot first */
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->sender, NULL, sender_main, w) != 0) {
		hs_log_warn("gateway.ws", "cannot start a sender thread; live view not served");
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return;
	}
	mg_set_user_connection_data(conn, w);
	pthread_mutex_lock(&gw->ws_mu);
	w->next = gw->ws;
	gw->ws = w;
	gw->n_ws++;
	pthread_mutex_unlock(&gw->ws_mu);
}

static int
ws_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cbdata)
{
	(void)cbdata;
	/* Clients only listen; a close frame ends the connection, a ping is answered. */
	if ((bits & 0x0f) == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE)
		return 0;
	if ((bits & 0x0f) == MG_WEBSOCKET_OPCODE_PING)
		mg_websocket_write(conn, MG_WEBSOCKET_OPCODE_PONG, data, len);
	return 1;
}

static void
ws_close(const struct mg_connection *conn, void *cbdata)
{
	struct gw *gw = cbdata;
	struct gw_ws *w = mg_get_user_connection_data(conn);

	if (w == NULL)
		return;
	pthread_mutex_lock(&gw->ws_mu);
	for (struct gw_ws **pp = &gw->ws; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			gw->n_ws--;
			break;
		}
	pthread_mutex_unlock(&gw->ws_mu);
	/* Nobody queues for it now; the sender may be in a write, which fails or ends. */
	pthread_mutex_lock(&w->mu);
	w->closing = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->sender, NULL);
	queue_free(w->head);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void
gw_ws_broadcast(struct gw *gw, const char *msg, size_t len)
{
	pthread_mutex_lock(&gw->ws_mu);
	for (struct gw_ws *w = gw->ws; w != NULL; w = w->next) {
		pthread_mutex_lock(&w->mu);
		if (w->resync || w->dead) {
			/* the snapshot to come holds this change; a dead one gets nothing */
		} else if (w->queued + len > WS_QUEUE_MAX) {
			queue_free(w->head);
			w->head = w->tail = NULL;
			w->queued = 0;
			w->resync = true;
			hs_log_info("gateway.ws_resync", "client=%p queued over %d bytes: a snapshot "
			    "replaces them", (void *)w, WS_QUEUE_MAX);
		} else {
			struct ws_msg *m = malloc(sizeof(*m) + len);
			if (m == NULL) {
				w->resync = true;
			} else {
				m->next = NULL;
				m->len = len;
				memcpy(m->data, msg, len);
				if (w->tail != NULL)
					w->tail->next = m;
				else
					w->head = m;
				w->tail = m;
				w->queued += len;
			}
		}
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_unlock(&gw->ws_mu);
}

int
gw_ws_count(struct gw *gw)
{
	int n;

	pthread_mutex_lock(&gw->ws_mu);
	n = gw->n_ws;
	pthread_mutex_unlock(&gw->ws_mu);
	return n;
}

void
gw_ws_register(struct gw *gw, const char *path)
{
	mg_set_websocket_handler(gw->mg, path, ws_connect, ws_ready, ws_data, ws_close, gw);
}
