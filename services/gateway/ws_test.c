/*
 * ws_test.c - the live view's WebSocket fan-out (ws.c) with civetweb's few calls it makes
 * replaced here: each client gets the snapshot first, then every change in order; a client
 * whose writes block holds up neither the broadcaster nor the other clients; its queue
 * past 1 MiB is dropped for a fresh snapshot; a client whose write failed gets nothing more;
 * closing joins the sender.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <civetweb.h>
#include <pthread.h>

#include "server.h"

/* ---- the civetweb calls ws.c makes ------------------------------------------------------- */

#define NCONN 3
#define MAXLOG 4096

static struct client {
	char tag;                 /* the fake connection is &clients[i].tag */
	void *user;
	char *log[MAXLOG];        /* messages written, in order */
	int n;
	bool block;               /* writes wait until cleared */
	bool fail;                /* writes fail */
	int attempts;             /* writes tried */
} clients[NCONN];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static mg_websocket_ready_handler ready_h;
static mg_websocket_close_handler close_h;
static void *cb_data;

static struct client *
client_of(const struct mg_connection *conn)
{
	return (struct client *)(const void *)conn;
}

static struct mg_connection *
conn_of(int i)
{
	return (struct mg_connection *)(void *)&clients[i];
}

void
mg_set_websocket_handler(struct mg_context *ctx, const char *uri,
    mg_websocket_connect_handler connect_handler, mg_websocket_ready_handler ready_handler,
    mg_websocket_data_handler data_handler, mg_websocket_close_handler close_handler,
    void *cbdata)
{
	(void)ctx, (void)uri, (void)connect_handler, (void)data_handler;
	ready_h = ready_handler;
	close_h = close_handler;
	cb_data = cbdata;
}

void
mg_set_user_connection_data(const struct mg_connection *conn, void *data)
{
	client_of(conn)->user = data;
}

void *
mg_get_user_connection_data(const struct mg_connection *conn)
{
	return client_of(conn)->user;
}

int
mg_websocket_write(struct mg_connection *conn, int opcode, const char *data, size_t len)
{
	struct client *c = client_of(conn);
	int rc = (int)len;

	(void)opcode;
	pthread_mutex_lock(&mu);
	while (c->block)
		pthread_cond_wait(&cv, &mu);
	c->attempts++;
	if (c->fail) {
		rc = -1;
	} else if (c->n < MAXLOG) {
		c->log[c->n] = strndup(data, len);
		c->n++;
	}
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return rc;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static struct gw gw;

static int
setup(void **state)
{
	(void)state;
	memset(&gw, 0, sizeof(gw));
	memset(clients, 0, sizeof(clients));
	pthread_mutex_init(&gw.ws_mu, NULL);
	gw.max_ws = 8;
	gw_ws_register(&gw, "/api/v1/live/ws");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NCONN; i++)
		for (int k = 0; k < clients[i].n; k++)
			free(clients[i].log[k]);
	pthread_mutex_destroy(&gw.ws_mu);
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits up to 5 s until client i has written n messages. */
static bool
wait_written(int i, int n)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&mu);
	while (clients[i].n < n && pthread_cond_timedwait(&cv, &mu, &dl) == 0)
		;
	ok = clients[i].n >= n;
	pthread_mutex_unlock(&mu);
	return ok;
}

static void
set_block(int i, bool on)
{
	pthread_mutex_lock(&mu);
	clients[i].block = on;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static bool
is_snapshot(const char *m)
{
	return strncmp(m, "{\"topic\":\"live.snapshot\"", 24) == 0;
}

static void
change(char *buf, size_t len, int k)
{
	snprintf(buf, len, "{\"topic\":\"extension.state\",\"body\":{\"number\":\"1000\",\"k\":%d}}",
	    k);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void
snapshot_then_changes_in_order(void **state)
{
	char m[128];

	(void)state;
	ready_h(conn_of(0), cb_data);
	assert_true(wait_written(0, 1));
	assert_true(is_snapshot(clients[0].log[0]));
	assert_int_equal(gw_ws_count(&gw), 1);
	for (int k = 0; k < 100; k++) {
		change(m, sizeof(m), k);
		gw_ws_broadcast(&gw, m, strlen(m));
	}
	assert_true(wait_written(0, 101));
	for (int k = 0; k < 100; k++) {
		change(m, sizeof(m), k);
		assert_string_equal(clients[0].log[k + 1], m);
	}
	close_h(conn_of(0), cb_data);
	assert_int_equal(gw_ws_count(&gw), 0);
}

static void
a_blocked_client_holds_up_nobody(void **state)
{
	char m[128], *big;
	double t0, took;
	size_t big_len = 64 * 1024;
	int before;

	(void)state;
	ready_h(conn_of(0), cb_data);
	ready_h(conn_of(1), cb_data);
	assert_true(wait_written(0, 1) && wait_written(1, 1));
	set_block(0, true); /* client 0 stops reading: its next write never returns */

	t0 = now_s();
	for (int k = 0; k < 1000; k++) {
		change(m, sizeof(m), k);
		gw_ws_broadcast(&gw, m, strlen(m));
	}
	took = now_s() - t0;
	assert_true(took < 0.5); /* the loop thread never waited for client 0 */
	assert_true(wait_written(1, 1001));
	assert_string_equal(clients[1].log[1000], m); /* client 1 got all, in order */
	assert_int_equal(clients[0].n, 1);            /* client 0: only its snapshot so far */

	/* Client 0's queue grows past 1 MiB: dropped, a snapshot is owed instead. */
	big = malloc(big_len + 1);
	assert_non_null(big);
	memset(big, 'x', big_len);
	big[big_len] = '\0';
	for (int k = 0; k < 20; k++) { /* at client 1's pace, which reads */
		gw_ws_broadcast(&gw, big, big_len);
		assert_true(wait_written(1, 1001 + k + 1));
	}
	change(m, sizeof(m), 5000);
	gw_ws_broadcast(&gw, m, strlen(m)); /* skipped for 0: the snapshot will hold it */
	assert_true(wait_written(1, 1001 + 21));
	assert_string_equal(clients[1].log[1021], m);
	free(big);

	/* Client 0 reads again: the write in flight (change 0), then a snapshot, no backlog. */
	before = clients[0].n;
	set_block(0, false);
	assert_true(wait_written(0, before + 2));
	change(m, sizeof(m), 0);
	assert_string_equal(clients[0].log[1], m);
	assert_true(is_snapshot(clients[0].log[2]));
	change(m, sizeof(m), 6000);
	gw_ws_broadcast(&gw, m, strlen(m));
	assert_true(wait_written(0, 4));
	assert_string_equal(clients[0].log[3], m);
	assert_int_equal(clients[0].n, 4);

	close_h(conn_of(0), cb_data);
	close_h(conn_of(1), cb_data);
	assert_int_equal(gw_ws_count(&gw), 0);
}

static void
a_failed_client_gets_nothing_more(void **state)
{
	char m[128];

	(void)state;
	ready_h(conn_of(2), cb_data);
	assert_true(wait_written(2, 1));
	pthread_mutex_lock(&mu);
	clients[2].fail = true;
	pthread_mutex_unlock(&mu);
	for (int k = 0; k < 10; k++) {
		change(m, sizeof(m), k);
		gw_ws_broadcast(&gw, m, strlen(m));
	}
	/* the sender tried once more and failed; then it gives up on the client */
	pthread_mutex_lock(&mu);
	while (clients[2].attempts < 2)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	usleep(20 * 1000);
	pthread_mutex_lock(&mu);
	clients[2].fail = false; /* were it written to again, it would show */
	pthread_mutex_unlock(&mu);
	for (int k = 10; k < 20; k++) {
		change(m, sizeof(m), k);
		gw_ws_broadcast(&gw, m, strlen(m));
	}
	usleep(50 * 1000);
	close_h(conn_of(2), cb_data); /* joins the sender: nothing is written after this */
	assert_int_equal(clients[2].n, 1);
	assert_int_equal(clients[2].attempts, 2);
}

static void *
release_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	set_block(0, false);
	return NULL;
}

static void
closing_a_blocked_client_returns(void **state)
{
	char m[128];

	(void)state;
	ready_h(conn_of(0), cb_data);
	assert_true(wait_written(0, 1));
	set_block(0, true);
	change(m, sizeof(m), 1);
	gw_ws_broadcast(&gw, m, strlen(m));
	/* civetweb calls close when the socket is gone, and a blocked write then fails: here,
	 * the write is released from another thread while close waits for the sender. */
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, release_later, NULL), 0);
	close_h(conn_of(0), cb_data);
	pthread_join(t, NULL);
	assert_int_equal(gw_ws_count(&gw), 0);
	assert_true(clients[0].n <= 2); /* the snapshot, and the write that was in flight */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(snapshot_then_changes_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(a_blocked_client_holds_up_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_client_gets_nothing_more, setup, teardown),
		cmocka_unit_test_setup_teardown(closing_a_blocked_client_returns, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
