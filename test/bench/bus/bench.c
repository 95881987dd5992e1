/*
 * bench.c - throughput of the Hookswitch bus (libcommon/bus.c) over ipc, against raw nng
 * sockets carrying the same bytes, so the figures show what the envelope, the JSON codec and
 * the libuv hand-off cost on top of nng itself.
 *
 *   bench [-n N]     N messages per figure (default 200000; smoke runs use a few thousand)
 *
 * Prints one line per figure: name, value, unit, and the ratio to the raw nng peer.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bus.h"
#include "log.h"
#include "loop.h"

static long n_msgs = 200000;
static char dir[64];

/* A body the size of a typical call event. */
static cJSON *
sample_body(long i)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddNumberToObject(b, "call_id", (double)i);
	cJSON_AddStringToObject(b, "device", "2001");
	cJSON_AddStringToObject(b, "state", "connected");
	cJSON_AddStringToObject(b, "party", "+441632960123");
	cJSON_AddStringToObject(b, "trunk", "T91001");
	cJSON_AddNumberToObject(b, "hunt_group", 5000);
	return b;
}

/* ---- hs_bus pub/sub ------------------------------------------------------------------ */

struct ps {
	hs_bus *pub, *sub;
	long sent, got;
	uv_idle_t idle;
};

static void
ps_on_event(void *arg, const hs_env *ev)
{
	struct ps *ps = arg;

	(void)ev;
	if (++ps->got >= n_msgs)
		uv_stop(ps->idle.loop);
}

static void
ps_idle(uv_idle_t *h)
{
	struct ps *ps = h->data;

	/* Keep at most 512 in flight, well inside the queues: a figure without drops. */
	while (ps->sent < n_msgs && ps->sent - ps->got < 512) {
		hs_bus_publish(ps->pub, "call.state", sample_body(ps->sent));
		ps->sent++;
	}
}

static double
bench_hs_pubsub(hs_loop *loop)
{
	struct ps ps = { 0 };
	char url[128];
	long long t0;

	snprintf(url, sizeof(url), "ipc://%s/b.pub", dir);
	hs_bus_open(&ps.pub, hs_loop_uv(loop), "cti-host", 1, url, NULL);
	hs_bus_open(&ps.sub, hs_loop_uv(loop), "logger", 1, NULL, NULL);
	hs_bus_subscribe(ps.sub, url, "call.", ps_on_event, &ps, NULL);
	/* Let the subscription connect before timing. */
	for (int i = 0; i < 50; i++) {
		uv_run(hs_loop_uv(loop), UV_RUN_NOWAIT);
		usleep(2000);
	}
	uv_idle_init(hs_loop_uv(loop), &ps.idle);
	ps.idle.data = &ps;
	uv_idle_start(&ps.idle, ps_idle);
	t0 = hs_mono_ms();
	uv_run(hs_loop_uv(loop), UV_RUN_DEFAULT);
	t0 = hs_mono_ms() - t0;
	uv_close((uv_handle_t *)&ps.idle, NULL);
	hs_bus_close(ps.sub);
	hs_bus_close(ps.pub);
	uv_run(hs_loop_uv(loop), UV_RUN_NOWAIT);
	return (double)ps.got * 1000.0 / (double)(t0 > 0 ? t0 : 1);
}

/* ---- raw nng pub/sub, same bytes ----------------------------------------------------- */

struct raw_sub {
	nng_socket s;
	long got;
};

static void *
raw_sub_thread(void *arg)
{
	struct raw_sub *r = arg;
	nng_msg *m;

	while (r->got < n_msgs && nng_recvmsg(r->s, &m, 0) == 0) {
		r->got++;
		nng_msg_free(m);
	}
	return NULL;
}

static double
bench_raw_pubsub(void)
{
	nng_socket pub;
	struct raw_sub r = { 0 };
	char url[128], *buf;
	size_t len;
	hs_env e;
	pthread_t th;
	long long t0;

	memset(&e, 0, sizeof(e));
	e.v = HS_BUS_VERSION;
	snprintf(e.type, sizeof(e.type), "call.state");
	snprintf(e.src, sizeof(e.src), "cti-host");
	e.body = sample_body(1);
	buf = hs_env_encode(&e, 1, &len);
	hs_env_clear(&e);
	snprintf(url, sizeof(url), "ipc://%s/raw.pub", dir);
	nng_pub0_open(&pub);
	nng_socket_set_int(pub, NNG_OPT_SENDBUF, 1024);
	nng_listen(pub, url, NULL, 0);
	nng_sub0_open(&r.s);
	nng_socket_set_int(r.s, NNG_OPT_RECVBUF, 1024);
	nng_socket_set(r.s, NNG_OPT_SUB_SUBSCRIBE, "call.", 5);
	nng_dial(r.s, url, NULL, 0);
	usleep(100000);
	pthread_create(&th, NULL, raw_sub_thread, &r);
	t0 = hs_mono_ms();
	for (long i = 0; i < n_msgs; i++) {
		while (i - r.got > 512)
			sched_yield();
		nng_send(pub, buf, len, 0);
	}
	pthread_join(th, NULL);
	t0 = hs_mono_ms() - t0;
	nng_close(r.s);
	nng_close(pub);
	free(buf);
	return (double)r.got * 1000.0 / (double)(t0 > 0 ? t0 : 1);
}

/* ---- hs_bus request/reply ------------------------------------------------------------ */

struct rr {
	hs_bus *srv, *cli;
	char url[128];
	long sent, done;
};

static void
rr_echo(void *arg, hs_bus_req *req, const hs_env *msg)
{
	(void)arg;
	hs_bus_reply(req, HS_OK, cJSON_Duplicate(msg->body, 1), NULL);
}

static const struct hs_bus_cmd rr_cmds[] = {
	{ "echo", HS_CMD_READONLY, rr_echo, "echo" },
	{ NULL, 0, NULL, NULL },
};

static void rr_on_reply(void *arg, hs_err status, const hs_env *reply);

static void
rr_send(struct rr *rr)
{
	if (rr->sent >= n_msgs)
		return;
	rr->sent++;
	hs_bus_request(rr->cli, rr->url, "echo", sample_body(rr->sent), 5000, rr_on_reply, rr);
}

static void
rr_on_reply(void *arg, hs_err status, const hs_env *reply)
{
	struct rr *rr = arg;

	(void)reply;
	if (status != HS_OK) {
		fprintf(stderr, "request failed: %s\n", hs_err_name(status));
		exit(1);
	}
	if (++rr->done >= n_msgs)
		return;
	rr_send(rr);
}

static double
bench_hs_reqrep(hs_loop *loop, int inflight)
{
	struct rr rr = { 0 };
	long long t0;

	snprintf(rr.url, sizeof(rr.url), "ipc://%s/b%d.rep", dir, inflight);
	hs_bus_open(&rr.srv, hs_loop_uv(loop), "logger", 1, NULL, rr.url);
	hs_bus_serve(rr.srv, rr_cmds, NULL);
	hs_bus_open(&rr.cli, hs_loop_uv(loop), "gateway", 1, NULL, NULL);
	t0 = hs_mono_ms();
	for (int i = 0; i < inflight; i++)
		rr_send(&rr);
	while (rr.done < n_msgs)
		uv_run(hs_loop_uv(loop), UV_RUN_ONCE);
	t0 = hs_mono_ms() - t0;
	hs_bus_close(rr.cli);
	hs_bus_close(rr.srv);
	uv_run(hs_loop_uv(loop), UV_RUN_NOWAIT);
	return (double)rr.done * 1000.0 / (double)(t0 > 0 ? t0 : 1);
}

/* ---- raw nng request/reply (one in flight) ------------------------------------------- */

static void *
raw_rep_thread(void *arg)
{
	nng_socket *s = arg;
	nng_msg *m;

	while (nng_recvmsg(*s, &m, 0) == 0)
		if (nng_sendmsg(*s, m, 0) != 0)
			nng_msg_free(m);
	return NULL;
}

static double
bench_raw_reqrep(void)
{
	nng_socket rep, req;
	char url[128], *buf;
	size_t len;
	hs_env e;
	pthread_t th;
	long long t0;

	memset(&e, 0, sizeof(e));
	e.v = HS_BUS_VERSION;
	snprintf(e.type, sizeof(e.type), "echo");
	snprintf(e.src, sizeof(e.src), "gateway");
	e.body = sample_body(1);
	buf = hs_env_encode(&e, 0, &len);
	hs_env_clear(&e);
	snprintf(url, sizeof(url), "ipc://%s/raw.rep", dir);
	nng_rep0_open(&rep);
	nng_listen(rep, url, NULL, 0);
	nng_req0_open(&req);
	nng_dial(req, url, NULL, 0);
	pthread_create(&th, NULL, raw_rep_thread, &rep);
	t0 = hs_mono_ms();
	for (long i = 0; i < n_msgs; i++) {
		nng_msg *m;
		nng_send(req, buf, len, 0);
		if (nng_recvmsg(req, &m, 0) == 0)
			nng_msg_free(m);
	}
	t0 = hs_mono_ms() - t0;
	nng_close(req);
	nng_close(rep);
	pthread_join(th, NULL);
	free(buf);
	return (double)n_msgs * 1000.0 / (double)(t0 > 0 ? t0 : 1);
}

int
main(int argc, char **argv)
{
	hs_loop *loop;
	double hs_ps, raw_ps, hs_rr1, hs_rr8, raw_rr;
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n_msgs = atol(optarg);
	hs_log_set_level(HS_LOG_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/hsbench.XXXXXX");
	if (mkdtemp(dir) == NULL || hs_loop_init(&loop, NULL, NULL) != HS_OK)
		return 1;

	hs_ps = bench_hs_pubsub(loop);
	raw_ps = bench_raw_pubsub();
	hs_rr1 = bench_hs_reqrep(loop, 1);
	hs_rr8 = bench_hs_reqrep(loop, 8);
	raw_rr = bench_raw_reqrep();

	printf("bus benchmark, %ld messages per figure, ipc, one host\n", n_msgs);
	printf("%-34s %10.0f events/s   (raw nng %10.0f/s, ratio %.2f)\n",
	    "bus.pubsub hs_bus", hs_ps, raw_ps, hs_ps / raw_ps);
	printf("%-34s %10.0f requests/s (raw nng %10.0f/s, ratio %.2f)\n",
	    "bus.reqrep hs_bus, 1 in flight", hs_rr1, raw_rr, hs_rr1 / raw_rr);
	printf("%-34s %10.0f requests/s\n", "bus.reqrep hs_bus, 8 in flight", hs_rr8);
	printf("needed: a Large site's 4,200 calls/hour is ~1.2 calls/s, some 20-40 events/s\n");

	hs_loop_close(loop);
	rmdir(dir);
	return 0;
}
