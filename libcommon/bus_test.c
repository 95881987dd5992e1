/*
 * bus_test.c - the envelope codec and the bus over real nng ipc sockets on a libuv loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#include "bus.h"
#include "log.h"
#include "loop.h"

/* ------------------------------------------------------------------------------------ */
/* Envelope                                                                             */
/* ------------------------------------------------------------------------------------ */

static void
fill(hs_env *e, const char *type)
{
	memset(e, 0, sizeof(*e));
	e->v = HS_BUS_VERSION;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->src, sizeof(e->src), "logger");
	e->server = 7;
	e->boot = 0xfedcba9876543210ULL;
	e->seq = 9007199254740000ULL;
	snprintf(e->ts, sizeof(e->ts), "2026-11-25T16:02:40.123Z");
}

static void
test_event_round_trip(void **state)
{
	hs_env e, d;
	char *buf, err[128];
	size_t len;

	(void)state;
	fill(&e, "call.answered");
	e.body = cJSON_CreateObject();
	cJSON_AddStringToObject(e.body, "ext", "2001");
	buf = hs_env_encode(&e, 1, &len);
	assert_non_null(buf);
	assert_memory_equal(buf, "call.answered\n{", 15);
	assert_int_equal(hs_env_decode(buf, len, &d, err, sizeof(err)), HS_OK);
	assert_int_equal(d.v, HS_BUS_VERSION);
	assert_string_equal(d.type, "call.answered");
	assert_string_equal(d.src, "logger");
	assert_int_equal(d.server, 7);
	assert_true(d.boot == 0xfedcba9876543210ULL);
	assert_true(d.seq == 9007199254740000ULL);
	assert_string_equal(d.ts, "2026-11-25T16:02:40.123Z");
	assert_string_equal(cJSON_GetObjectItem(d.body, "ext")->valuestring, "2001");
	hs_env_clear(&d);
	hs_env_clear(&e);
	free(buf);
}

static void
test_reply_round_trip(void **state)
{
	hs_env e, d;
	char *buf, err[128];
	size_t len;

	(void)state;
	fill(&e, "reply");
	snprintf(e.re, sizeof(e.re), "call.make");
	e.status = HS_EBUSY;
	snprintf(e.message, sizeof(e.message), "extension 2001 is busy");
	buf = hs_env_encode(&e, 0, &len);
	assert_non_null(buf);
	assert_int_equal(buf[0], '{');
	assert_int_equal(hs_env_decode(buf, len, &d, err, sizeof(err)), HS_OK);
	assert_string_equal(d.re, "call.make");
	assert_int_equal(d.status, HS_EBUSY);
	assert_string_equal(d.message, "extension 2001 is busy");
	assert_true(cJSON_IsObject(d.body));
	hs_env_clear(&d);
	free(buf);
}

static void
expect_decode_error(const char *text, hs_err code, const char *why)
{
	hs_env d;
	char err[160] = "";

	assert_int_equal(hs_env_decode(text, strlen(text), &d, err, sizeof(err)), code);
	if (strstr(err, why) == NULL)
		fail_msg("decoding %s: error '%s' does not mention '%s'", text, err, why);
	assert_null(d.body);
}

static void
test_decode_rejects_bad_input(void **state)
{
	(void)state;
	expect_decode_error("", HS_EPROTO, "empty");
	expect_decode_error("no newline here", HS_EPROTO, "topic");
	expect_decode_error("a b\n{}", HS_EPROTO, "topic name");
	expect_decode_error("x\n{not json", HS_EPROTO, "JSON");
	expect_decode_error("x\n[1,2]", HS_EPROTO, "not an object");
	expect_decode_error("{\"v\":2,\"type\":\"x\"}", HS_EVERSION, "version 2");
	expect_decode_error("{\"v\":1,\"src\":\"a\",\"boot\":\"1\",\"ts\":\"t\"}", HS_EPROTO,
	    "'type' missing");
	expect_decode_error("{\"v\":1,\"type\":\"x\",\"src\":\"a\",\"boot\":\"zz\",\"ts\":\"t\","
			    "\"server\":1,\"seq\":1}",
	    HS_EPROTO, "boot");
	expect_decode_error("{\"v\":1,\"type\":\"x\",\"src\":\"a\",\"boot\":\"1\",\"ts\":\"t\","
			    "\"server\":100,\"seq\":1}",
	    HS_EPROTO, "'server' out of range");
	expect_decode_error("{\"v\":1,\"type\":\"x\",\"src\":\"a\",\"boot\":\"1\",\"ts\":\"t\","
			    "\"server\":1,\"seq\":1.5}",
	    HS_EPROTO, "'seq' out of range");
	expect_decode_error("y\n{\"v\":1,\"type\":\"x\",\"src\":\"a\",\"boot\":\"1\",\"ts\":\"t\","
			    "\"server\":1,\"seq\":1}",
	    HS_EPROTO, "differs");
	expect_decode_error("{\"v\":1,\"type\":\"x\",\"src\":\"a\",\"boot\":\"1\",\"ts\":\"t\","
			    "\"server\":1,\"seq\":1,\"body\":3}",
	    HS_EPROTO, "body is not an object");
}

/* ------------------------------------------------------------------------------------ */
/* Live bus                                                                             */
/* ------------------------------------------------------------------------------------ */

struct fixture {
	char dir[64];
	char pub[128], rep[128];
	hs_loop *loop;
	uv_timer_t guard;
	hs_bus *server, *client;
	int events, replies, done_after;
	uint64_t last_seq;
	char last_type[64];
	int last_status, last_reply_status;
	char last_message[256];
	hs_bus_req *held;
};

/* Closes a handle that lives on the stack and lets the loop finish the close. */
static void
close_now(uv_timer_t *t)
{
	uv_close((uv_handle_t *)t, NULL);
	uv_run(t->loop, UV_RUN_NOWAIT);
}

static void
guard_cb(uv_timer_t *t)
{
	(void)t;
	fail_msg("test did not finish in time");
}

static void
fx_stop(struct fixture *fx)
{
	uv_stop(hs_loop_uv(fx->loop));
}

static int
fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hsbus.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->pub, sizeof(fx->pub), "ipc://%s/s.pub", fx->dir);
	snprintf(fx->rep, sizeof(fx->rep), "ipc://%s/s.rep", fx->dir);
	assert_int_equal(hs_loop_init(&fx->loop, NULL, NULL), HS_OK);
	uv_timer_init(hs_loop_uv(fx->loop), &fx->guard);
	uv_timer_start(&fx->guard, guard_cb, 10000, 0);
	assert_int_equal(hs_bus_open(&fx->server, hs_loop_uv(fx->loop), "cti-host", 1, fx->pub,
			     fx->rep),
	    HS_OK);
	assert_int_equal(hs_bus_open(&fx->client, hs_loop_uv(fx->loop), "logger", 1, NULL, NULL),
	    HS_OK);
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	hs_bus_close(fx->client);
	hs_bus_close(fx->server);
	uv_close((uv_handle_t *)&fx->guard, NULL);
	assert_int_equal(hs_loop_close(fx->loop), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static void
on_event(void *arg, const hs_env *ev)
{
	struct fixture *fx = arg;

	fx->events++;
	if (fx->last_seq != 0)
		assert_true(ev->seq > fx->last_seq); /* per-publisher order */
	fx->last_seq = ev->seq;
	snprintf(fx->last_type, sizeof(fx->last_type), "%s", ev->type);
	assert_string_equal(ev->src, "cti-host");
	if (fx->events >= fx->done_after)
		fx_stop(fx);
}

static void
publish_tick(uv_timer_t *t)
{
	struct fixture *fx = t->data;
	cJSON *b = cJSON_CreateObject();

	cJSON_AddNumberToObject(b, "n", fx->events);
	hs_bus_publish(fx->server, "call.ringing", b);
	hs_bus_publish(fx->server, "device.state", NULL); /* filtered out by the prefix */
}

static void
test_pubsub_prefix_and_order(void **state)
{
	struct fixture *fx = *state;
	uv_timer_t pt;

	/* Subscribing before anything publishes: the slow-joiner gap is covered by publishing
	 * on a timer until enough events arrived. */
	assert_int_equal(hs_bus_subscribe(fx->client, fx->pub, "call.", on_event, fx, NULL),
	    HS_OK);
	fx->done_after = 20;
	uv_timer_init(hs_loop_uv(fx->loop), &pt);
	pt.data = fx;
	uv_timer_start(&pt, publish_tick, 5, 5);
	uv_run(hs_loop_uv(fx->loop), UV_RUN_DEFAULT);
	close_now(&pt);
	assert_int_equal(fx->events, 20);
	assert_string_equal(fx->last_type, "call.ringing");
}

static void
cmd_echo(void *arg, hs_bus_req *req, const hs_env *msg)
{
	(void)arg;
	hs_bus_reply(req, HS_OK, cJSON_Duplicate(msg->body, 1), "echoed %s", msg->src);
}

static void
cmd_busy(void *arg, hs_bus_req *req, const hs_env *msg)
{
	(void)arg;
	(void)msg;
	hs_bus_reply(req, HS_EBUSY, NULL, "extension %s is busy", "2001");
}

static void
cmd_later(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct fixture *fx = arg;

	(void)msg;
	fx->held = req; /* answered from a timer, as cti-host answers after the PBX */
}

static void
cmd_never(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct fixture *fx = arg;

	(void)msg;
	fx->held = req;
}

static const struct hs_bus_cmd test_cmds[] = {
	{ "echo", HS_CMD_READONLY, cmd_echo, "echo the body" },
	{ "busy", HS_CMD_READONLY, cmd_busy, "always busy" },
	{ "later", HS_CMD_READONLY, cmd_later, "answers later" },
	{ "never", HS_CMD_READONLY, cmd_never, "does not answer" },
	{ NULL, 0, NULL, NULL },
};

static void
on_reply(void *arg, hs_err status, const hs_env *reply)
{
	struct fixture *fx = arg;

	fx->replies++;
	fx->last_status = status;
	if (reply != NULL) {
		fx->last_reply_status = reply->status;
		snprintf(fx->last_message, sizeof(fx->last_message), "%s", reply->message);
		if (reply->status == HS_OK && cJSON_GetObjectItem(reply->body, "k") != NULL)
			assert_string_equal(cJSON_GetObjectItem(reply->body, "k")->valuestring,
			    "v");
	}
	if (fx->replies >= fx->done_after)
		fx_stop(fx);
}

static void
run_request(struct fixture *fx, const char *cmd, cJSON *body, int timeout_ms)
{
	fx->replies = 0;
	fx->done_after = 1;
	fx->last_message[0] = '\0';
	assert_int_equal(hs_bus_request(fx->client, fx->rep, cmd, body, timeout_ms, on_reply, fx),
	    HS_OK);
	uv_run(hs_loop_uv(fx->loop), UV_RUN_DEFAULT);
	assert_int_equal(fx->replies, 1);
}

static void
test_request_reply(void **state)
{
	struct fixture *fx = *state;
	cJSON *b = cJSON_CreateObject();

	assert_int_equal(hs_bus_serve(fx->server, test_cmds, fx), HS_OK);
	cJSON_AddStringToObject(b, "k", "v");
	run_request(fx, "echo", b, 3000);
	assert_int_equal(fx->last_status, HS_OK);
	assert_int_equal(fx->last_reply_status, HS_OK);
	assert_string_equal(fx->last_message, "echoed logger");

	run_request(fx, "busy", NULL, 3000);
	assert_int_equal(fx->last_status, HS_OK);
	assert_int_equal(fx->last_reply_status, HS_EBUSY);
	assert_string_equal(fx->last_message, "extension 2001 is busy");

	run_request(fx, "no.such", NULL, 3000);
	assert_int_equal(fx->last_reply_status, HS_ENOTFOUND);
	assert_non_null(strstr(fx->last_message, "no command 'no.such'"));
}

static void
answer_later(uv_timer_t *t)
{
	struct fixture *fx = t->data;

	hs_bus_reply(fx->held, HS_OK, NULL, "late answer");
	fx->held = NULL;
}

static void
test_deferred_reply_and_concurrency(void **state)
{
	struct fixture *fx = *state;
	uv_timer_t t;

	assert_int_equal(hs_bus_serve(fx->server, test_cmds, fx), HS_OK);
	uv_timer_init(hs_loop_uv(fx->loop), &t);
	t.data = fx;
	uv_timer_start(&t, answer_later, 200, 0);
	/* The held request must not block others: echo is answered while "later" waits. */
	fx->replies = 0;
	fx->done_after = 2;
	assert_int_equal(hs_bus_request(fx->client, fx->rep, "later", NULL, 3000, on_reply, fx),
	    HS_OK);
	assert_int_equal(hs_bus_request(fx->client, fx->rep, "echo", NULL, 3000, on_reply, fx),
	    HS_OK);
	uv_run(hs_loop_uv(fx->loop), UV_RUN_DEFAULT);
	assert_int_equal(fx->replies, 2);
	assert_string_equal(fx->last_message, "late answer"); /* the late one came last */
	close_now(&t);
}

static void
test_request_timeout(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(hs_bus_serve(fx->server, test_cmds, fx), HS_OK);
	run_request(fx, "never", NULL, 200);
	assert_int_equal(fx->last_status, HS_ETIMEDOUT);
}

static void
stop_soon(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void
test_close_cancels_pending(void **state)
{
	struct fixture *fx = *state;
	uv_timer_t t;

	assert_int_equal(hs_bus_serve(fx->server, test_cmds, fx), HS_OK);
	fx->replies = 0;
	fx->done_after = 1;
	assert_int_equal(hs_bus_request(fx->client, fx->rep, "never", NULL, 5000, on_reply, fx),
	    HS_OK);
	uv_timer_init(hs_loop_uv(fx->loop), &t);
	uv_timer_start(&t, stop_soon, 200, 0);
	uv_run(hs_loop_uv(fx->loop), UV_RUN_DEFAULT);
	close_now(&t);
	assert_int_equal(fx->replies, 0);
	hs_bus_close(fx->client);
	assert_int_equal(fx->replies, 1);
	assert_int_equal(fx->last_status, HS_ECANCELED);
	assert_int_equal(hs_bus_open(&fx->client, hs_loop_uv(fx->loop), "logger", 1, NULL, NULL),
	    HS_OK);
}

static void
publish_garbage(uv_timer_t *t)
{
	struct fixture *fx = t->data;

	hs_bus_publish(fx->server, "call.ringing", NULL);
}

static void
test_bad_events_counted_and_survived(void **state)
{
	struct fixture *fx = *state;
	struct hs_bus_stats st;
	char url[160];
	nng_socket raw;
	uv_timer_t t;

	/* A foreign publisher sends junk; the subscriber drops it and keeps going. */
	snprintf(url, sizeof(url), "ipc://%s/junk.pub", fx->dir);
	assert_int_equal(nng_pub0_open(&raw), 0);
	assert_int_equal(nng_listen(raw, url, NULL, 0), 0);
	assert_int_equal(hs_bus_subscribe(fx->client, url, "", on_event, fx, NULL), HS_OK);
	assert_int_equal(hs_bus_subscribe(fx->client, fx->pub, "call.", on_event, fx, NULL),
	    HS_OK);
	fx->done_after = 5;
	uv_timer_init(hs_loop_uv(fx->loop), &t);
	t.data = fx;
	uv_timer_start(&t, publish_garbage, 5, 5);
	for (int i = 0; i < 50 && fx->events < 5; i++) {
		nng_send(raw, "call.x\n{broken", 14, 0);
		nng_send(raw, "\x01\x02\x03", 3, 0);
		uv_run(hs_loop_uv(fx->loop), UV_RUN_NOWAIT);
		usleep(10000);
	}
	uv_run(hs_loop_uv(fx->loop), UV_RUN_DEFAULT);
	close_now(&t);
	nng_close(raw);
	/* Drain what is still queued, so nothing is in flight at close. */
	for (int i = 0; i < 20; i++) {
		uv_run(hs_loop_uv(fx->loop), UV_RUN_NOWAIT);
		usleep(5000);
	}
	hs_bus_get_stats(fx->client, &st);
	assert_true(st.bad_messages > 0);
	assert_true(fx->events >= 5);
}

static void
test_sync_call(void **state)
{
	struct fixture *fx = *state;
	char url[160];
	hs_env r;

	(void)fx;
	/* Nobody listening: refused at once, not a timeout. */
	snprintf(url, sizeof(url), "ipc://%s/nobody.rep", fx->dir);
	assert_int_equal(hs_bus_call(url, "hookswitchctl", "health", NULL, 500, &r),
	    HS_ECONNREFUSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_round_trip),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_decode_rejects_bad_input),
		cmocka_unit_test_setup_teardown(test_pubsub_prefix_and_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_request_reply, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_deferred_reply_and_concurrency, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_request_timeout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_cancels_pending, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_events_counted_and_survived, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_sync_call, fx_setup, fx_teardown),
	};

	int rv;

	hs_log_set_level(HS_LOG_ERROR);
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	return rv;
}
