/*
 * sipvm.c - Record-A-Call legs (sipvm.h): a SIP user agent client on libre that calls the
 * site's SIP voice mail and streams a tone as G.711 RTP for as long as the recorded station
 * stays in the call.
 *
 * DESIGN: threads, as in services/recorder/rac.c.  libre's sockets and timers run only
 * under re_main, so a thread of ours runs re_main and owns every libre object (the SIP
 * stack, the sessions, the RTP sockets, the packet timers).  The libuv thread owns the
 * table of legs it asked for (sipvm.refs: which (call, extension) is being recorded, so
 * _EF is idempotent and ops.left finds its legs without asking the other thread).  They
 * meet at:
 *   - uv -> libre: a libre mqueue (a pipe read by re_main) carrying START, STOP and QUIT
 *     (struct vm_req, freed by the libre thread; pushed under mu while the mqueue exists);
 *   - libre -> uv: finished legs (struct sipvm_result) on a list under mu, and a uv_async
 *     that makes the loop deliver them (done callback) and, once the thread has ended,
 *     join it and close the handle so the loop can run out.
 *
 * Packet clock: packet n is due at start + n * 20 ms (start = the 200 OK).  Each tick
 * sends every packet due by now (sipvm_due), so a late timer sends the missed packets at
 * once with their own timestamps instead of drifting or skipping, and the next tick is
 * set for the next packet's due time, not "now + 20 ms".  packets counts what rtp_send
 * handed to the socket: the truth compares it with what the recorder got.
 *
 * Bad input from the peer (an SDP answer without a usable address or without our payload
 * type, garbage SIP: libre drops what it cannot parse) ends the leg with "failed"; nothing
 * the peer sends is trusted for a size or an index.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Debian builds libre with IPv6; struct sa has the same size either way (padding).
 * <re/re.h>: the fuzz build has no -I for libre and compiles every pbxsim module. */
#define HAVE_INET6 1
#include <re/re.h>

#include "sipvm.h"

#define VM_MAXFDS 4096
#define VM_BURST 50               /* packets sent by one tick at most; the rest at once after */
#define VM_RTP_MIN 16384          /* our RTP ports (libre picks one at random, even) */
#define VM_RTP_MAX 32767
#define VM_QUIT_GRACE_MS 300      /* after the last BYE: time for its 200 before re_cancel */
#define VM_SDP_MAX 8192

enum { VM_START = 1, VM_STOP, VM_QUIT };

struct vm_req {
	unsigned id;
	char call[ENG_ID_MAX];
	char ext[SITE_NUM_MAX];
	int64_t invoked;
};

/* uv thread: a leg asked for and not yet finished. */
struct vm_ref {
	unsigned id;
	char call[ENG_ID_MAX];
	char ext[SITE_NUM_MAX];
	bool stopping;               /* STOP sent: no longer "being recorded" for _EF */
	struct vm_ref *next;
};

/* uv <- libre */
struct vm_res {
	unsigned id;
	struct sipvm_result r;
	struct vm_res *next;
};

/* libre thread: one leg. */
struct leg {
	struct le le;
	struct sipvm *v;
	unsigned id;
	struct sipsess *sess;
	struct rtp_sock *rtp;
	struct mbuf *mb;
	struct sa remote;            /* the peer's RTP address, from its SDP answer */
	bool media;                  /* remote is set */
	bool answered, finished;
	struct tmr tick;
	struct tmr free_tmr;
	uint8_t payload[SIPVM_SAMPLES];
	uint8_t pt;
	int64_t start_us;            /* monotonic: packet 0 is due */
	uint64_t due_sent;           /* packets handled (sent or failed) */
	uint32_t ts0;
	struct sipvm_result r;
};

struct sipvm {
	struct site_rac cf;
	sipvm_done_fn *done;
	void *arg;
	pthread_t thread;
	bool started;
	/* under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;                   /* 1 running, -1 failed */
	char err[256];
	struct mqueue *mq;
	struct vm_res *res_head, **res_tail;
	bool thread_done;
	/* uv thread */
	uv_async_t async;
	bool async_open;
	struct vm_ref *refs;
	size_t nrefs;
	unsigned next_id;
	bool stopping, joined;
	/* libre thread */
	struct sip *sip;
	struct sipsess_sock *sock;
	struct list legs;
	struct sa laddr;             /* our address toward the peer, port 0 */
	char local_uri_host[64];     /* the same for URIs: a.b.c.d or [v6] */
	struct tmr quit_tmr;
	bool quitting;
};

/* ---- pure parts ------------------------------------------------------------------------- */

uint8_t
sipvm_alaw(int16_t pcm)
{
	static const int16_t seg_end[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
	int v = pcm >> 3, mask, seg;

	if (v >= 0) {
		mask = 0xD5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	for (seg = 0; seg < 8 && v > seg_end[seg]; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7F ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg < 2 ? 1 : seg)) & 0xF)) ^ mask);
}

uint8_t
sipvm_ulaw(int16_t pcm)
{
	static const int16_t seg_end[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
	int v = pcm >> 2, mask, seg;

	if (v < 0) {
		v = -v;
		mask = 0x7F;
	} else {
		mask = 0xFF;
	}
	if (v > 8159)
		v = 8159;
	v += 0x84 >> 2;
	for (seg = 0; seg < 8 && v > seg_end[seg]; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7F ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0xF)) ^ mask);
}

uint64_t
sipvm_due(int64_t start_us, int64_t now_us, int ptime_ms)
{
	if (now_us < start_us || ptime_ms <= 0)
		return 0;
	return (uint64_t)((now_us - start_us) / ((int64_t)ptime_ms * 1000)) + 1;
}

int64_t
sipvm_when(int64_t start_us, uint64_t n, int ptime_ms)
{
	return start_us + (int64_t)n * ptime_ms * 1000;
}

void
sipvm_tone(unsigned leg, enum site_rac_codec codec, uint8_t out[SIPVM_SAMPLES])
{
	double f = 400.0 + 50.0 * (leg % 16);

	for (int n = 0; n < SIPVM_SAMPLES; n++) {
		/* -14 dBFS: far above silence, far from clipping */
		int16_t s = (int16_t)lround(6500.0 * sin(2.0 * M_PI * f * n / 8000.0));
		out[n] = codec == SITE_RAC_PCMU ? sipvm_ulaw(s) : sipvm_alaw(s);
	}
}

/* The value after "key" at the start of line [p, e), or NULL. */
static const char *
sdp_line(const char *p, const char *e, const char *key)
{
	size_t n = strlen(key);

	return (size_t)(e - p) >= n && memcmp(p, key, n) == 0 ? p + n : NULL;
}

/* "IN IP4 a.b.c.d" / "IN IP6 x" in [p, e) into addr. */
static bool
sdp_conn(const char *p, const char *e, char *addr, size_t addrlen)
{
	char buf[96];
	char net[8], type[8], a[64];
	size_t n = (size_t)(e - p);
	struct sa sa;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (sscanf(buf, "%7s %7s %63s", net, type, a) != 3 || strcmp(net, "IN") != 0 ||
	    (strcmp(type, "IP4") != 0 && strcmp(type, "IP6") != 0))
		return false;
	/* a=...: "/ttl" of multicast is not for us; the address must parse */
	if (sa_set_str(&sa, a, 0) != 0 || sa_is_any(&sa))
		return false;
	snprintf(addr, addrlen, "%s", a);
	return true;
}

int
sipvm_sdp_answer(const char *sdp, size_t len, int pt, char *addr, size_t addrlen, int *port)
{
	char sess_c[64] = "", media_c[64] = "";
	const char *p = sdp, *end = sdp + len, *v;
	int in_audio = 0; /* 0 before the first m=audio, 1 inside it, 2 after it */
	bool has_pt = false;

	*port = 0;
	if (sdp == NULL || len == 0 || len > VM_SDP_MAX)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;
		const char *le = e > p && e[-1] == '\r' ? e - 1 : e;

		if ((v = sdp_line(p, le, "m=")) != NULL) {
			if (in_audio == 1) {
				in_audio = 2;
			} else if (in_audio == 0 && sdp_line(v, le, "audio ") != NULL) {
				char buf[256], *tok, *save = NULL;
				size_t n = (size_t)(le - v);
				long prt;
				if (n >= sizeof(buf))
					return -1;
				memcpy(buf, v, n);
				buf[n] = '\0';
				in_audio = 1;
				strtok_r(buf, " ", &save);                 /* audio */
				if ((tok = strtok_r(NULL, " ", &save)) == NULL)
					return -1;
				prt = strtol(tok, NULL, 10);
				if (prt < 1 || prt > 65535)
					return -1;
				*port = (int)prt;
				if (strtok_r(NULL, " ", &save) == NULL)    /* RTP/AVP */
					return -1;
				while ((tok = strtok_r(NULL, " ", &save)) != NULL)
					if (strspn(tok, "0123456789") == strlen(tok) &&
					    atoi(tok) == pt)
						has_pt = true;
			}
		} else if ((v = sdp_line(p, le, "c=")) != NULL && in_audio != 2) {
			char *dst = in_audio == 1 ? media_c : sess_c;
			if (!sdp_conn(v, le, dst, 64))
				return -1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (in_audio == 0 || *port == 0 || !has_pt)
		return -1;
	if (media_c[0] == '\0' && sess_c[0] == '\0')
		return -1;
	snprintf(addr, addrlen, "%s", media_c[0] != '\0' ? media_c : sess_c);
	return 0;
}

/* ---- libre thread ----------------------------------------------------------------------- */

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hands a finished leg's result to the uv thread. */
static void
report(struct sipvm *v, unsigned id, const struct sipvm_result *r)
{
	struct vm_res *x = calloc(1, sizeof(*x));

	pthread_mutex_lock(&v->mu);
	if (x != NULL) {
		x->id = id;
		x->r = *r;
		*v->res_tail = x;
		v->res_tail = &x->next;
	}
	pthread_mutex_unlock(&v->mu);
	/* Out of memory: the leg is lost to the truth but the ref would stay; the async
	 * callback cannot know, so the ref is dropped when the thread ends (sipvm_free). */
	uv_async_send(&v->async);
}

static void
leg_destructor(void *arg)
{
	struct leg *l = arg;

	tmr_cancel(&l->tick);
	tmr_cancel(&l->free_tmr);
	list_unlink(&l->le);
	/* Not established: CANCEL; established: BYE (libre keeps the session for it). */
	l->sess = mem_deref(l->sess);
	l->rtp = mem_deref(l->rtp);
	l->mb = mem_deref(l->mb);
}

static void
leg_free_later(void *arg)
{
	mem_deref(arg);
}

/*
 * The leg is over: result to the uv thread, the media stops.  from_libre: libre is calling
 * us from inside the session (close handler), so the session is freed on the next turn of
 * the loop; otherwise at once (BYE or CANCEL go out now).
 */
static void
leg_finish(struct leg *l, const char *why, int scode, bool from_libre)
{
	if (l->finished)
		return;
	l->finished = true;
	tmr_cancel(&l->tick);
	l->r.ended = wall_ms();
	l->r.why = why;
	if (l->answered && l->r.status == NULL)
		l->r.status = "recorded";
	else if (l->r.status == NULL && scode >= 300) {
		l->r.status = "rejected";
		l->r.sip_status = scode;
	} else if (l->r.status == NULL) {
		l->r.status = "failed";
		l->r.sip_status = scode;
	}
	l->r.samples = l->r.packets * SIPVM_SAMPLES;
	report(l->v, l->id, &l->r);
	if (from_libre)
		tmr_start(&l->free_tmr, 0, leg_free_later, l);
	else
		mem_deref(l);
}

static void
tick(void *arg)
{
	struct leg *l = arg;
	int64_t now = mono_us(), next;
	uint64_t due = sipvm_due(l->start_us, now, SIPVM_PTIME_MS);
	int burst = 0;

	while (l->due_sent < due && burst < VM_BURST) {
		int64_t late = now - sipvm_when(l->start_us, l->due_sent, SIPVM_PTIME_MS);

		if (late > l->r.max_late_us)
			l->r.max_late_us = late;
		l->mb->pos = RTP_HEADER_SIZE;
		l->mb->end = RTP_HEADER_SIZE;
		if (mbuf_write_mem(l->mb, l->payload, sizeof(l->payload)) == 0) {
			l->mb->pos = RTP_HEADER_SIZE;
			if (rtp_send(l->rtp, &l->remote, false, l->due_sent == 0, l->pt,
			    l->ts0 + (uint32_t)(l->due_sent * SIPVM_SAMPLES), l->mb) == 0)
				l->r.packets++;
		}
		l->due_sent++;
		burst++;
	}
	next = sipvm_when(l->start_us, l->due_sent, SIPVM_PTIME_MS);
	tmr_start(&l->tick, next > now ? (uint64_t)((next - now + 999) / 1000) : 0, tick, l);
}

/* We only send (sendonly); whatever comes to our RTP port is dropped. */
static void
on_rtp(const struct sa *src, const struct rtp_header *hdr, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)hdr;
	(void)mb;
	(void)arg;
}

static int
on_answer(const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;
	char addr[64];
	int port;

	if (msg->mb == NULL || sipvm_sdp_answer((const char *)mbuf_buf(msg->mb),
	    mbuf_get_left(msg->mb), l->pt, addr, sizeof(addr), &port) != 0 ||
	    sa_set_str(&l->remote, addr, (uint16_t)port) != 0) {
		l->r.status = "failed"; /* answered, but with nothing we can send to */
		l->r.sip_status = 200;
		l->r.why = "bad_sdp_answer";
		return EPROTO;          /* libre ACKs, then sends BYE and calls on_close */
	}
	l->media = true;
	return 0;
}

static void
on_estab(const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;

	(void)msg;
	l->answered = true;
	l->r.answered = wall_ms();
	l->r.sip_status = 200;
	if (!l->media)
		return;
	l->start_us = mono_us();
	tick(l);
}

static void
on_close(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;
	const char *why = l->r.why;

	if (why == NULL)
		why = l->answered ? "peer_bye" : err == ETIMEDOUT ? "timeout" : msg != NULL ?
		    "response" : "error";
	leg_finish(l, why, msg != NULL && msg->scode >= 300 ? msg->scode : 0, true);
}

static int
on_auth(char **user, char **pass, const char *realm, void *arg)
{
	struct sipvm *v = arg;
	int err;

	(void)realm;
	if (v->cf.username[0] == '\0')
		return EAUTH; /* no credentials: the 401 is the final answer */
	if ((err = str_dup(user, v->cf.username)) != 0)
		return err;
	return str_dup(pass, v->cf.password);
}

/* A new INVITE to us: pbxsim's voice mail legs only call out. */
static void
on_conn(const struct sip_msg *msg, void *arg)
{
	struct sipvm *v = arg;

	(void)sip_treply(NULL, v->sip, msg, 603, "Decline");
}

static void
leg_start(struct sipvm *v, const struct vm_req *q)
{
	char to[160], from[160], sdp[512], ip[64];
	struct mbuf *offer = NULL;
	struct leg *l = mem_zalloc(sizeof(*l), leg_destructor);
	struct sa rtp_ip = v->laddr;
	int n, err;

	if (l == NULL) {
		struct sipvm_result r = {.invoked = q->invoked, .answered = -1,
			.ended = wall_ms(), .status = "failed", .why = "nomem"};
		snprintf(r.call, sizeof(r.call), "%s", q->call);
		snprintf(r.extension, sizeof(r.extension), "%s", q->ext);
		report(v, q->id, &r);
		return;
	}
	l->v = v;
	l->id = q->id;
	tmr_init(&l->tick);
	tmr_init(&l->free_tmr);
	list_append(&v->legs, &l->le, l);
	snprintf(l->r.call, sizeof(l->r.call), "%s", q->call);
	snprintf(l->r.extension, sizeof(l->r.extension), "%s", q->ext);
	l->r.invoked = q->invoked;
	l->r.answered = -1;
	l->pt = (uint8_t)site_rac_codec_pt(v->cf.codec);
	l->ts0 = rand_u32();
	sipvm_tone(q->id, v->cf.codec, l->payload);
	if ((l->mb = mbuf_alloc(RTP_HEADER_SIZE + SIPVM_SAMPLES)) == NULL ||
	    (err = rtp_listen(&l->rtp, IPPROTO_UDP, &rtp_ip, VM_RTP_MIN, VM_RTP_MAX, false,
	    on_rtp, NULL, l)) != 0) {
		leg_finish(l, "no_rtp_port", 0, false);
		return;
	}
	sa_ntop(&v->laddr, ip, sizeof(ip));
	n = snprintf(sdp, sizeof(sdp),
	    "v=0\r\n"
	    "o=pbxsim %u 1 IN IP%d %s\r\n"
	    "s=Record-A-Call\r\n"
	    "c=IN IP%d %s\r\n"
	    "t=0 0\r\n"
	    "m=audio %u RTP/AVP %u\r\n"
	    "a=rtpmap:%u %s/8000\r\n"
	    "a=ptime:%d\r\n"
	    "a=sendonly\r\n", q->id, v->cf.family, ip, v->cf.family, ip,
	    (unsigned)sa_port(rtp_local(l->rtp)), l->pt, l->pt,
	    v->cf.codec == SITE_RAC_PCMU ? "PCMU" : "PCMA", SIPVM_PTIME_MS);
	if (v->cf.family == 6)
		snprintf(to, sizeof(to), "sip:%s@[%s]:%d", v->cf.extension, v->cf.host, v->cf.port);
	else
		snprintf(to, sizeof(to), "sip:%s@%s:%d", v->cf.extension, v->cf.host, v->cf.port);
	snprintf(from, sizeof(from), "sip:%s@%s", q->ext, v->local_uri_host);
	if ((offer = mbuf_alloc((size_t)n)) == NULL ||
	    mbuf_write_mem(offer, (const uint8_t *)sdp, (size_t)n) != 0) {
		mem_deref(offer);
		leg_finish(l, "nomem", 0, false);
		return;
	}
	offer->pos = 0;
	err = sipsess_connect(&l->sess, v->sock, to, q->ext, from, "pbxsim", NULL, 0,
	    "application/sdp", offer, on_auth, v, false, NULL, on_answer, NULL, on_estab, NULL,
	    NULL, on_close, l, "Allow: INVITE, ACK, BYE, CANCEL\r\n");
	mem_deref(offer);
	if (err != 0) {
		l->sess = NULL;
		leg_finish(l, "invite_failed", 0, false);
		return;
	}
	snprintf(l->r.sip_call_id, sizeof(l->r.sip_call_id), "%s",
	    sip_dialog_callid(sipsess_dialog(l->sess)));
}

static struct leg *
leg_find(struct sipvm *v, unsigned id)
{
	for (struct le *le = v->legs.head; le != NULL; le = le->next) {
		struct leg *l = le->data;
		if (l->id == id && !l->finished)
			return l;
	}
	return NULL;
}

static void
quit_now(void *arg)
{
	(void)arg;
	re_cancel();
}

static void
on_mqueue(int id, void *data, void *arg)
{
	struct sipvm *v = arg;
	struct vm_req *q = data;
	struct leg *l;

	switch (id) {
	case VM_START:
		if (v->quitting) {
			struct sipvm_result r = {.invoked = q->invoked, .answered = -1,
				.ended = wall_ms(), .status = "failed", .why = "stop"};
			snprintf(r.call, sizeof(r.call), "%s", q->call);
			snprintf(r.extension, sizeof(r.extension), "%s", q->ext);
			report(v, q->id, &r);
		} else {
			leg_start(v, q);
		}
		break;
	case VM_STOP:
		if ((l = leg_find(v, q->id)) != NULL)
			leg_finish(l, "left", 0, false);
		break;
	case VM_QUIT:
		v->quitting = true;
		/* leg_finish frees the leg (BYE or CANCEL go out), so scan again each time. */
		for (;;) {
			struct le *le = v->legs.head;
			while (le != NULL && ((struct leg *)le->data)->finished)
				le = le->next;
			if (le == NULL)
				break;
			leg_finish(le->data, "stop", 0, false);
		}
		tmr_start(&v->quit_tmr, VM_QUIT_GRACE_MS, quit_now, v);
		break;
	}
	free(q);
}

/* The local address that routes to the peer (what the From, the Contact and the SDP say). */
static int
local_toward(const struct site_rac *cf, struct sa *out)
{
	struct sa dst;
	int fd, err = 0;

	if ((err = sa_set_str(&dst, cf->host, (uint16_t)cf->port)) != 0)
		return err;
	if ((fd = socket(sa_af(&dst), SOCK_DGRAM, 0)) < 0)
		return errno;
	if (connect(fd, &dst.u.sa, dst.len) != 0) {
		err = errno;
	} else {
		sa_init(out, sa_af(&dst));
		out->len = sizeof(out->u);
		if (getsockname(fd, &out->u.sa, &out->len) != 0)
			err = errno;
		sa_set_port(out, 0);
	}
	close(fd);
	return err;
}

static void
set_ready(struct sipvm *v, int ready, const char *what, int err)
{
	pthread_mutex_lock(&v->mu);
	v->ready = ready;
	if (what != NULL)
		snprintf(v->err, sizeof(v->err), "%s: %s", what, strerror(err));
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
}

static void *
vm_thread(void *arg)
{
	struct sipvm *v = arg;
	struct mqueue *mq = NULL;
	char ip[64];
	sigset_t all;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if ((err = libre_init()) != 0) {
		set_ready(v, -1, "libre_init", err);
		return NULL;
	}
	(void)fd_setsize(VM_MAXFDS);
	list_init(&v->legs);
	tmr_init(&v->quit_tmr);
	if ((err = local_toward(&v->cf, &v->laddr)) != 0) {
		set_ready(v, -1, "no local address toward the peer", err);
		goto out;
	}
	sa_ntop(&v->laddr, ip, sizeof(ip));
	snprintf(v->local_uri_host, sizeof(v->local_uri_host), sa_af(&v->laddr) == AF_INET6 ?
	    "[%s]" : "%s", ip);
	if ((err = sip_alloc(&v->sip, NULL, 32, 32, 32, "Hookswitch pbxsim", NULL, NULL)) != 0 ||
	    (err = sip_transp_add(v->sip, SIP_TRANSP_UDP, &v->laddr)) != 0 ||
	    (err = sipsess_listen(&v->sock, v->sip, 32, on_conn, v)) != 0 ||
	    (err = mqueue_alloc(&mq, on_mqueue, v)) != 0) {
		set_ready(v, -1, "SIP on UDP", err);
		goto out;
	}
	pthread_mutex_lock(&v->mu);
	v->mq = mq;
	pthread_mutex_unlock(&v->mu);
	set_ready(v, 1, NULL, 0);
	(void)re_main(NULL);
out:
	pthread_mutex_lock(&v->mu);
	v->mq = NULL; /* pushes happen under mu, only while it is set */
	pthread_mutex_unlock(&v->mu);
	mem_deref(mq);
	while (v->legs.head != NULL) {
		struct leg *l = v->legs.head->data;
		if (!l->finished)
			leg_finish(l, "stop", 0, false);
		else
			mem_deref(l); /* waiting for its deferred free */
	}
	tmr_cancel(&v->quit_tmr);
	v->sock = mem_deref(v->sock);
	if (v->sip != NULL)
		sip_close(v->sip, true);
	v->sip = mem_deref(v->sip);
	libre_close();
	pthread_mutex_lock(&v->mu);
	v->thread_done = true;
	pthread_mutex_unlock(&v->mu);
	if (v->ready == 1)
		uv_async_send(&v->async);
	return NULL;
}

/* ---- uv thread -------------------------------------------------------------------------- */

static void
on_async_closed(uv_handle_t *h)
{
	(void)h;
}

static void
on_async(uv_async_t *h)
{
	struct sipvm *v = h->data;
	struct vm_res *list;
	bool done;

	pthread_mutex_lock(&v->mu);
	list = v->res_head;
	v->res_head = NULL;
	v->res_tail = &v->res_head;
	done = v->thread_done;
	pthread_mutex_unlock(&v->mu);
	while (list != NULL) {
		struct vm_res *x = list;
		list = x->next;
		for (struct vm_ref **pp = &v->refs; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->id == x->id) {
				struct vm_ref *ref = *pp;
				*pp = ref->next;
				free(ref);
				v->nrefs--;
				break;
			}
		v->done(v->arg, &x->r);
		free(x);
	}
	if (done && !v->joined) {
		pthread_join(v->thread, NULL);
		v->joined = true;
		if (v->async_open) {
			v->async_open = false;
			uv_close((uv_handle_t *)&v->async, on_async_closed);
		}
	}
}

static int
push(struct sipvm *v, int id, struct vm_req *q)
{
	int rc = -1;

	pthread_mutex_lock(&v->mu);
	if (v->mq != NULL && mqueue_push(v->mq, id, q) == 0)
		rc = 0;
	pthread_mutex_unlock(&v->mu);
	if (rc != 0)
		free(q);
	return rc;
}

int
sipvm_start(sipvm **vp, uv_loop_t *uv, const struct site_rac *cf, sipvm_done_fn *done,
    void *arg, char *err, size_t errlen)
{
	struct sipvm *v = calloc(1, sizeof(*v));
	bool ok;

	*vp = NULL;
	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	v->cf = *cf;
	v->done = done;
	v->arg = arg;
	v->next_id = 1;
	v->res_tail = &v->res_head;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	if (uv_async_init(uv, &v->async, on_async) != 0) {
		snprintf(err, errlen, "uv_async_init failed");
		pthread_mutex_destroy(&v->mu);
		pthread_cond_destroy(&v->cv);
		free(v);
		return -1;
	}
	/* From here on the handle lives in v: v is the caller's, to free after the loop. */
	*vp = v;
	v->async.data = v;
	v->async_open = true;
	if (pthread_create(&v->thread, NULL, vm_thread, v) != 0) {
		snprintf(err, errlen, "cannot start the SIP thread");
		v->async_open = false;
		uv_close((uv_handle_t *)&v->async, on_async_closed);
		v->stopping = true;
		return -1;
	}
	(void)pthread_setname_np(v->thread, "pbxsim-sip");
	v->started = true;
	pthread_mutex_lock(&v->mu);
	while (v->ready == 0)
		pthread_cond_wait(&v->cv, &v->mu);
	ok = v->ready == 1;
	pthread_mutex_unlock(&v->mu);
	if (!ok) {
		snprintf(err, errlen, "%s", v->err);
		pthread_join(v->thread, NULL);
		v->joined = true;
		v->async_open = false;
		uv_close((uv_handle_t *)&v->async, on_async_closed);
		v->stopping = true;
		return -1;
	}
	return 0;
}

int
sipvm_invoke(sipvm *v, const char *call, const char *ext, int64_t invoked_ms)
{
	struct vm_req *q;
	struct vm_ref *ref;

	if (v == NULL || v->stopping)
		return -1;
	for (ref = v->refs; ref != NULL; ref = ref->next)
		if (!ref->stopping && strcmp(ref->call, call) == 0 && strcmp(ref->ext, ext) == 0)
			return 1;
	if ((q = calloc(1, sizeof(*q))) == NULL || (ref = calloc(1, sizeof(*ref))) == NULL) {
		free(q);
		return -1;
	}
	q->id = ref->id = v->next_id++;
	snprintf(q->call, sizeof(q->call), "%s", call);
	snprintf(ref->call, sizeof(ref->call), "%s", call);
	snprintf(q->ext, sizeof(q->ext), "%s", ext);
	snprintf(ref->ext, sizeof(ref->ext), "%s", ext);
	q->invoked = invoked_ms;
	if (push(v, VM_START, q) != 0) {
		free(ref);
		return -1;
	}
	ref->next = v->refs;
	v->refs = ref;
	v->nrefs++;
	return 0;
}

void
sipvm_left(sipvm *v, const char *call, const char *ext)
{
	if (v == NULL)
		return;
	for (struct vm_ref *ref = v->refs; ref != NULL; ref = ref->next) {
		struct vm_req *q;
		if (ref->stopping || strcmp(ref->call, call) != 0 ||
		    (ext != NULL && strcmp(ref->ext, ext) != 0))
			continue;
		ref->stopping = true;
		if ((q = calloc(1, sizeof(*q))) != NULL) {
			q->id = ref->id;
			push(v, VM_STOP, q);
		}
	}
}

size_t
sipvm_active(const sipvm *v)
{
	return v != NULL ? v->nrefs : 0;
}

void
sipvm_stop(sipvm *v)
{
	struct vm_req *q;

	if (v == NULL || v->stopping)
		return;
	v->stopping = true;
	if ((q = calloc(1, sizeof(*q))) == NULL || push(v, VM_QUIT, q) != 0) {
		/* No mqueue (the thread is gone) or no memory: re_main cannot be reached; the
		 * async callback joins a finished thread. */
		uv_async_send(&v->async);
	}
}

void
sipvm_free(sipvm *v)
{
	if (v == NULL)
		return;
	if (v->started && !v->joined)
		pthread_join(v->thread, NULL);
	while (v->refs != NULL) {
		struct vm_ref *ref = v->refs;
		v->refs = ref->next;
		free(ref);
	}
	while (v->res_head != NULL) {
		struct vm_res *x = v->res_head;
		v->res_head = x->next;
		free(x);
	}
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
}
