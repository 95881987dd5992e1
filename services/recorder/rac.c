/*
 * rac.c - the Record-A-Call endpoint: a SIP user agent (libre) that the PBX adds to a call
 * as a "SIP voice mail" port.  It answers INVITEs from the allowed addresses (others: 403),
 * challenges them for digest credentials when a password is set (401, then 403 on wrong
 * ones), takes at most recorder.max_ports calls at once (486 Busy Here with a Warning beyond
 * it), answers G.711 A-law or µ-law (recvonly, ptime 20 or 40 as offered), receives the RTP
 * on a port of its own and records it through the shared session (session.c: jitter buffer,
 * decode, mix, writer).  BYE, CANCEL (487), OPTIONS (200) and re-INVITEs are answered;
 * RFC 4733 telephone-events are listed in the metadata by the session.
 *
 * DESIGN: threads.  libre has a loop of its own (re_main: its timers, its fd table, its
 * SIP transactions), and the service skeleton runs libuv.  Driving libre's fds from libuv
 * is not possible with libre 1.1.0: its sockets register themselves with fd_listen() inside
 * libre and there is no hook to hand them to another poller, and its timers are only
 * serviced by re_main.  So the endpoint runs re_main in a thread of its own that owns every
 * libre object, the calls and their recordings (files are written there, at a call's end
 * and while it runs).  The two loops meet at two points only, both thread-safe:
 *   - service -> endpoint: a libre mqueue (a pipe read by re_main) carrying "stop" and
 *     the compliance pause/resume requests (struct rac_ctl, answered through its done
 *     callback, which live.c queues for the libuv loop like the finished calls);
 *   - endpoint -> service: rac_done_fn for each finished call (main.c queues it and wakes
 *     libuv with uv_async_send), and the counters behind a mutex (health).
 * Signals stay with the service thread (blocked here; re_main is given no handler).
 *
 * Call life: INVITE -> checks (address, credentials, free port, codec) -> 200 with the SDP
 * answer (or 180 first, then 200 after recorder.answer_delay_ms) -> RTP: the first packet
 * opens the recording (sample 0), each packet goes to the session with its arrival time ->
 * BYE/CANCEL/timeout (of the transaction, or recorder.rtp_timeout without RTP) -> the
 * recording is closed (audio + JSON metadata), the port is given
 * back, the report goes to the service, and the call is freed on the next loop turn (libre
 * is still inside the session's handler when it tells us).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Debian builds libre with IPv6; struct sa has the same size either way (padding). */
#define HAVE_INET6 1
#include <re.h>

#include "log.h"
#include "rec.h"

#define RAC_REALM "hookswitch"
#define RAC_NONCE_MAX_AGE 300 /* seconds */
#define RAC_SDP_MAX 8192
#define RAC_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS"
#define RAC_MAXFDS 8192

enum { RAC_MQ_STOP = 1, RAC_MQ_CTL = 2 };

struct rac_call {
	struct le le;
	struct rac *r;
	struct sipsess *sess;
	struct udp_sock *us;
	int port;
	struct tmr tmr;            /* answer delay; then the deferred free */
	struct tmr idle;           /* recorder.rtp_timeout: ends a call whose RTP stopped */
	int64_t last_rx_us;        /* INVITE, then the last RTP packet */
	struct mbuf *answer;       /* our SDP answer */
	unsigned sdp_version;
	uint8_t pt_audio;          /* chosen payload type (8 or 0, or the offer's dynamic one) */
	int pt_event;              /* telephone-event payload type, -1 if not offered */
	int ptime;
	struct rec_dialog dlg;     /* [0] the PBX (caller), [1] us */
	struct rec_call *rec;      /* opened on the first RTP packet */
	struct rec_addr local;     /* our RTP address as announced */
	struct sa announce;        /* the same as a libre address */
	struct rec_addr sip_src;
	struct rec_addr media_ip;  /* the PBX's SDP address: RTP is taken from it or sip_src */
	char source[64];
	char from[256], to[256];
	char contact[160];
	int answered, ended;
	uint64_t packets, rtp_bad, foreign;
	const char *pause_pending; /* paused before the first RTP packet: "api", else NULL */
};

struct rac {
	struct rac_conf cf;
	rac_done_fn done;
	void *done_arg;
	pthread_t thread;
	int started;
	/* startup handshake */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;                 /* 1 listening, -1 failed */
	char err[256];
	/* endpoint thread only */
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sipsess_sock *sock;
	struct mqueue *mq;
	struct list calls;
	struct rac_ports ports;
	uint8_t secret[RAC_SECRET_LEN];
	int stopping;
	/* under mu */
	struct rac_stats st;
};

static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define STAT_ADD(r, field, n)                          \
	do {                                           \
		pthread_mutex_lock(&(r)->mu);          \
		(r)->st.field += (n);                  \
		pthread_mutex_unlock(&(r)->mu);        \
	} while (0)

static void
sa_to_addr(const struct sa *sa, struct rec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa_af(sa) == AF_INET) {
		a->family = 4;
		memcpy(a->ip, &sa->u.in.sin_addr, 4);
	} else if (sa_af(sa) == AF_INET6) {
		a->family = 6;
		memcpy(a->ip, &sa->u.in6.sin6_addr, 16);
	}
	a->port = sa_port(sa);
}

static void
pl_copy(const struct pl *pl, char *buf, size_t len)
{
	size_t n = pl->l < len - 1 ? pl->l : len - 1;
	if (pl->p != NULL && n > 0)
		memcpy(buf, pl->p, n);
	buf[n] = 0;
}

/* The local address that routes to dst (what to announce when listening on 0.0.0.0). */
static int
local_toward(const struct sa *dst, const char *listen_ip, struct sa *out)
{
	struct sa l;
	if (sa_set_str(&l, listen_ip, 0) == 0 && !sa_is_any(&l)) {
		*out = l;
		return 0;
	}
	int fd = socket(sa_af(dst), SOCK_DGRAM, 0);
	if (fd < 0)
		return errno;
	int err = 0;
	struct sa tmp = *dst;
	if (sa_port(&tmp) == 0)
		sa_set_port(&tmp, 9);
	if (connect(fd, &tmp.u.sa, tmp.len) != 0) {
		err = errno;
	} else {
		sa_init(out, sa_af(dst));
		out->len = sizeof(out->u);
		if (getsockname(fd, &out->u.sa, &out->len) != 0)
			err = errno;
	}
	close(fd);
	return err;
}

/* ---- replies outside a session ------------------------------------------------------- */

static void
reply_warn(struct rac *r, const struct sip_msg *msg, uint16_t code, const char *reason,
    int warn_code, const char *warning)
{
	(void)sip_replyf(r->sip, msg, code, reason,
	    "Warning: %d hookswitch-recorder \"%s\"\r\n"
	    "Content-Length: 0\r\n\r\n", warn_code, warning);
}

static void
challenge(struct rac *r, const struct sip_msg *msg, int stale)
{
	char nonce[RAC_NONCE_LEN + 1];
	rac_nonce_make(r->secret, now_us() / 1000000, nonce);
	(void)sip_replyf(r->sip, msg, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, "
	    "qop=\"auth\"%s\r\n"
	    "Content-Length: 0\r\n\r\n", RAC_REALM, nonce, stale ? ", stale=true" : "");
	STAT_ADD(r, auth_challenged, 1);
}

/* 1 when the INVITE carries good credentials; otherwise replies (401/403) and returns 0. */
static int
check_auth(struct rac *r, const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
	if (h == NULL) {
		challenge(r, msg, 0);
		return 0;
	}
	struct httpauth_digest_resp resp;
	if (httpauth_digest_response_decode(&resp, &h->val) != 0 ||
	    pl_strcmp(&resp.realm, RAC_REALM) != 0) {
		challenge(r, msg, 0);
		return 0;
	}
	int nc = rac_nonce_check(r->secret, resp.nonce.p, resp.nonce.l, now_us() / 1000000,
	    RAC_NONCE_MAX_AGE);
	if (nc != 0) {
		challenge(r, msg, nc == 1);
		return 0;
	}
	uint8_t ha1[16];
	if (pl_strcmp(&resp.username, r->cf.user) != 0 ||
	    md5_printf(ha1, "%s:%s:%s", r->cf.user, RAC_REALM, r->cf.password) != 0 ||
	    httpauth_digest_response_auth(&resp, &msg->met, ha1) != 0) {
		reply_warn(r, msg, 403, "Forbidden", 399, "Wrong user name or password");
		STAT_ADD(r, auth_failed, 1);
		char src[64], user[64];
		re_snprintf(src, sizeof(src), "%J", &msg->src);
		pl_copy(&resp.username, user, sizeof(user));
		hs_log_warn("rac.auth_failed", "src=%s user=%s", src, hs_logq(user));
		return 0;
	}
	return 1;
}

/* Every request comes here first (registered before the session socket): the address
 * check, OPTIONS, credentials for new INVITEs.  true = answered here. */
static bool
on_request(const struct sip_msg *msg, void *arg)
{
	struct rac *r = arg;
	if (pl_strcmp(&msg->met, "ACK") == 0)
		return false;
	struct rec_addr src;
	sa_to_addr(&msg->src, &src);
	if (!rac_acl_allows(&r->cf.acl, &src)) {
		reply_warn(r, msg, 403, "Forbidden", 399,
		    "Source address not allowed (recorder.sip_allowed)");
		STAT_ADD(r, forbidden, 1);
		return true;
	}
	if (pl_strcmp(&msg->met, "OPTIONS") == 0) {
		(void)sip_replyf(r->sip, msg, 200, "OK",
		    "Allow: " RAC_ALLOW "\r\n"
		    "Accept: application/sdp\r\n"
		    "Content-Length: 0\r\n\r\n");
		STAT_ADD(r, options, 1);
		return true;
	}
	int in_dialog = pl_isset(&msg->to.tag);
	if (pl_strcmp(&msg->met, "INVITE") == 0) {
		if (in_dialog)
			return false; /* a re-INVITE: the session's */
		if (r->stopping) {
			reply_warn(r, msg, 503, "Service Unavailable", 399, "Shutting down");
			return true;
		}
		if (r->cf.password[0] && !check_auth(r, msg))
			return true;
		return false;
	}
	if (pl_strcmp(&msg->met, "BYE") == 0 || pl_strcmp(&msg->met, "CANCEL") == 0)
		return false;
	if (!in_dialog) {
		(void)sip_replyf(r->sip, msg, 405, "Method Not Allowed",
		    "Allow: " RAC_ALLOW "\r\n"
		    "Content-Length: 0\r\n\r\n");
		return true;
	}
	return false;
}

/* ---- SDP ------------------------------------------------------------------------------ */

/* Picks the first G.711 payload type of the offer and its telephone-event; 0 or -1. */
static int
choose_codec(struct rac_call *c, const struct rec_sdp *offer, const char *text)
{
	int found = 0;
	for (int i = 0; i < offer->nfmt && !found; i++) {
		enum rec_codec k = rec_codec_of(offer->fmt[i], offer, NULL);
		if (k == REC_CODEC_PCMA || k == REC_CODEC_PCMU) {
			c->pt_audio = offer->fmt[i];
			found = 1;
		}
	}
	if (!found)
		return -1;
	c->pt_event = -1;
	for (int i = 0; i < offer->nfmt; i++)
		if (rec_codec_of(offer->fmt[i], offer, NULL) == REC_CODEC_TEL_EVENT) {
			c->pt_event = offer->fmt[i];
			break;
		}
	/* ptime: the PBX sends 2 frames per packet (20 ms); 40 ms is also taken as offered. */
	c->ptime = 20;
	const char *p = strstr(text, "a=ptime:");
	if (p != NULL && atoi(p + 8) == 40)
		c->ptime = 40;
	return 0;
}

static int
build_answer(struct rac_call *c)
{
	char ip[64];
	struct rec_sdp *ours = &c->dlg.sdp[REC_CALLEE];
	sa_ntop(&c->announce, ip, sizeof(ip));
	const char *ipv = c->local.family == 6 ? "IP6" : "IP4";
	int k = rec_codec_of(c->pt_audio, &c->dlg.sdp[REC_CALLER], NULL);
	const char *enc = k == REC_CODEC_PCMU ? "PCMU" : "PCMA";
	struct mbuf *mb = mbuf_alloc(512);
	if (mb == NULL)
		return ENOMEM;
	int err = mbuf_printf(mb,
	    "v=0\r\n"
	    "o=hookswitch %u %u IN %s %s\r\n"
	    "s=Hookswitch recorder\r\n"
	    "c=IN %s %s\r\n"
	    "t=0 0\r\n"
	    "m=audio %u RTP/AVP %u",
	    (unsigned)c->port, ++c->sdp_version, ipv, ip, ipv, ip, (unsigned)c->port,
	    (unsigned)c->pt_audio);
	if (c->pt_event >= 0)
		err |= mbuf_printf(mb, " %d", c->pt_event);
	err |= mbuf_printf(mb, "\r\na=rtpmap:%u %s/8000\r\n", (unsigned)c->pt_audio, enc);
	if (c->pt_event >= 0)
		err |= mbuf_printf(mb, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n",
		    c->pt_event, c->pt_event);
	err |= mbuf_printf(mb, "a=ptime:%d\r\na=recvonly\r\n", c->ptime);
	if (err) {
		mem_deref(mb);
		return ENOMEM;
	}
	mb->pos = 0;
	if (rec_sdp_parse((const char *)mb->buf, mb->end, ours) == 0)
		c->dlg.has_sdp[REC_CALLEE] = 1;
	mem_deref(c->answer);
	c->answer = mb;
	return 0;
}

/* Reads the SDP of msg into the PBX's side; 0, or a SIP status to reject with. */
static int
take_offer(struct rac_call *c, const struct sip_msg *msg, int *warn, const char **why)
{
	size_t n = mbuf_get_left(msg->mb);
	*warn = 305;
	if (n == 0) {
		*why = "No SDP offer (a delayed offer is not supported)";
		return 488;
	}
	if (n > RAC_SDP_MAX) {
		*why = "SDP offer too large";
		return 488;
	}
	char *text = malloc(n + 1);
	if (text == NULL) {
		*why = "Out of memory";
		*warn = 399;
		return 500;
	}
	memcpy(text, mbuf_buf(msg->mb), n);
	text[n] = 0;
	struct rec_sdp offer;
	int rc = 0;
	if (rec_sdp_parse(text, n, &offer) != 0 || !offer.has_audio || offer.audio.port == 0) {
		*why = "No usable audio stream in the SDP offer";
		rc = 488;
	} else if (choose_codec(c, &offer, text) != 0) {
		*why = "Incompatible media format: G.711 A-law or u-law (PCMA/PCMU) only";
		rc = 488;
	} else {
		if (c->dlg.has_sdp[REC_CALLER] &&
		    !rec_addr_eq(&c->dlg.sdp[REC_CALLER].audio, &offer.audio))
			c->dlg.media_changes++;
		c->dlg.sdp[REC_CALLER] = offer;
		c->dlg.has_sdp[REC_CALLER] = 1;
		c->dlg.media[REC_CALLER] = offer.audio;
		c->media_ip = offer.audio;
		c->dlg.sdp_gen++;
	}
	free(text);
	return rc;
}

/* ---- calls ---------------------------------------------------------------------------- */

static void
call_free(void *arg)
{
	struct rac_call *c = arg;
	tmr_cancel(&c->tmr);
	tmr_cancel(&c->idle);
	list_unlink(&c->le);
	mem_deref(c->sess);
	mem_deref(c->us);
	mem_deref(c->answer);
	free(c);
}

static void
call_end(struct rac_call *c, const char *reason)
{
	struct rac *r = c->r;
	if (c->ended)
		return;
	c->ended = 1;
	tmr_cancel(&c->tmr);
	tmr_cancel(&c->idle);
	c->us = mem_deref(c->us); /* no more RTP */
	struct rac_report rep;
	memset(&rep, 0, sizeof(rep));
	snprintf(rep.call_id, sizeof(rep.call_id), "%s", c->dlg.call_id);
	snprintf(rep.source, sizeof(rep.source), "%s", c->source);
	rep.end_reason = reason;
	rep.kind = "rac";
	rep.status = "recorded";
	rep.packets = c->packets;
	c->dlg.end_us = now_us();
	c->dlg.end_reason = reason;
	c->dlg.state = REC_DLG_TERMINATED;
	if (c->rec != NULL) {
		snprintf(rep.file, sizeof(rep.file), "%s/%s", c->rec->folder, c->rec->audio_name);
		rep.written = rec_call_close(c->rec, &c->dlg, &rep.errors);
		c->rec = NULL;
	}
	rac_ports_give(&r->ports, c->port);
	pthread_mutex_lock(&r->mu);
	r->st.active--;
	if (rep.written)
		r->st.recorded++;
	else if (rep.file[0] == 0 && c->answered)
		r->st.no_media++;
	r->st.write_errors += (uint64_t)rep.errors;
	pthread_mutex_unlock(&r->mu);
	if (r->done != NULL)
		r->done(r->done_arg, &rep);
	/* libre may still be inside this session's handler: free on the next turn. */
	tmr_start(&c->tmr, 0, call_free, c);
}

static void
on_rtp(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct rac_call *c = arg;
	struct rac *r = c->r;
	if (c->ended)
		return;
	const uint8_t *data = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);
	struct rec_udp u;
	memset(&u, 0, sizeof(u));
	sa_to_addr(src, &u.src);
	/* Only the PBX's media: the address of its SDP or of its SIP messages. */
	if (memcmp(u.src.ip, c->media_ip.ip, 16) != 0 && memcmp(u.src.ip, c->sip_src.ip, 16) != 0) {
		c->foreign++;
		return;
	}
	if (len >= 2 && data[1] >= 192 && data[1] <= 223)
		return; /* RTCP multiplexed on the RTP port */
	struct rec_rtp rtp;
	if (rec_rtp_parse(data, len, &rtp) != 0) {
		c->rtp_bad++;
		return;
	}
	u.ts_us = now_us();
	u.dst = c->local;
	u.data = data;
	u.len = len;
	if (c->rec == NULL) {
		char dir[600];
		rec_day_folder(r->cf.path, c->dlg.start_us, dir, sizeof(dir));
		int werr = 0;
		if (rec_mkdir_p(dir) != 0) {
			hs_log_warn("rac.mkdir_failed", "dir=%s err=%s", hs_logq(dir),
			    hs_logq(strerror(errno)));
			STAT_ADD(r, write_errors, 1);
		}
		c->rec = rec_call_open(&r->cf.opts, dir, &c->dlg, u.ts_us, &werr);
		if (c->rec == NULL)
			return;
		if (werr)
			STAT_ADD(r, write_errors, 1);
		snprintf(c->rec->rac_source, sizeof(c->rec->rac_source), "%s", c->source);
		snprintf(c->rec->rac_from, sizeof(c->rec->rac_from), "%s", c->from);
		snprintf(c->rec->rac_to, sizeof(c->rec->rac_to), "%s", c->to);
		if (c->pause_pending != NULL) /* paused before the audio: from sample 0 */
			(void)rec_call_pause(c->rec, u.ts_us, c->pause_pending, NULL);
		c->pause_pending = NULL;
	}
	c->packets++;
	c->last_rx_us = u.ts_us;
	rec_call_rtp(c->rec, REC_CALLER, &u, &rtp);
}

static void
on_close(int err, const struct sip_msg *msg, void *arg)
{
	struct rac_call *c = arg;
	const char *reason = "error";
	if (err == 0)
		reason = "bye";
	else if (err == ECONNRESET)
		reason = c->answered ? "bye" : "cancel";
	else if (err == ETIMEDOUT)
		reason = "timeout";
	(void)msg;
	call_end(c, reason);
}

static void
on_estab(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

/* A re-INVITE with an offer: take it, answer with the same port. */
static int
on_offer(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct rac_call *c = arg;
	int warn;
	const char *why;
	if (take_offer(c, msg, &warn, &why) != 0)
		return EPROTO;
	if (build_answer(c) != 0)
		return ENOMEM;
	*descp = mem_ref(c->answer);
	return 0;
}

static int
on_answer(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return 0;
}

static void
answer_now(void *arg)
{
	struct rac_call *c = arg;
	if (c->ended)
		return;
	c->answered = 1;
	c->dlg.answer_us = now_us();
	c->dlg.state = REC_DLG_CONFIRMED;
	int err = sipsess_answer(c->sess, 200, "OK", c->answer, "Allow: " RAC_ALLOW "\r\n");
	if (err != 0)
		call_end(c, "error");
	else
		STAT_ADD(c->r, answered, 1);
}

/* A PBX that vanished without a BYE would hold a port for ever: after recorder.rtp_timeout
 * seconds without RTP the call is ended (a BYE is sent when the session is freed). */
static void
idle_check(void *arg)
{
	struct rac_call *c = arg;
	int64_t limit = (int64_t)c->r->cf.rtp_timeout_s * 1000000;
	int64_t quiet = now_us() - c->last_rx_us;
	if (quiet >= limit) {
		call_end(c, "rtp_timeout");
		return;
	}
	tmr_start(&c->idle, (uint64_t)((limit - quiet) / 1000 + 1), idle_check, c);
}

static int
bind_rtp(struct rac_call *c, const struct sa *announce)
{
	struct rac *r = c->r;
	int n = rac_ports_count(&r->ports);
	for (int i = 0; i < n; i++) {
		int port = rac_ports_take(&r->ports);
		if (port < 0)
			return ENOSPC;
		struct sa la;
		if (sa_set_str(&la, r->cf.listen, (uint16_t)port) != 0) {
			rac_ports_give(&r->ports, port);
			return EINVAL;
		}
		if (udp_listen(&c->us, &la, on_rtp, c) == 0) {
			c->port = port;
			(void)udp_sockbuf_set(c->us, 256 * 1024);
			c->announce = *announce;
			sa_to_addr(announce, &c->local);
			c->local.port = (uint16_t)port;
			return 0;
		}
		rac_ports_give(&r->ports, port); /* taken by someone else: try the next */
	}
	return EADDRINUSE;
}

/* A new INVITE that passed on_request's checks. */
static void
on_invite(const struct sip_msg *msg, void *arg)
{
	struct rac *r = arg;
	STAT_ADD(r, invites, 1);
	pthread_mutex_lock(&r->mu);
	int active = r->st.active;
	pthread_mutex_unlock(&r->mu);
	if (active >= r->cf.max_ports) {
		char w[120];
		snprintf(w, sizeof(w), "All %d Record-A-Call ports are in use (recorder.max_ports)",
		    r->cf.max_ports);
		reply_warn(r, msg, 486, "Busy Here", 399, w);
		STAT_ADD(r, busy, 1);
		return;
	}
	struct rac_call *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		(void)sip_treply(NULL, r->sip, msg, 500, "Server Internal Error");
		return;
	}
	c->r = r;
	c->port = -1;
	tmr_init(&c->tmr);
	tmr_init(&c->idle);
	pl_copy(&msg->callid, c->dlg.call_id, sizeof(c->dlg.call_id));
	pl_copy(&msg->from.dname, c->dlg.caller.display, sizeof(c->dlg.caller.display));
	pl_copy(&msg->from.uri.user, c->dlg.caller.user, sizeof(c->dlg.caller.user));
	pl_copy(&msg->from.uri.host, c->dlg.caller.host, sizeof(c->dlg.caller.host));
	pl_copy(&msg->from.tag, c->dlg.caller.tag, sizeof(c->dlg.caller.tag));
	pl_copy(&msg->to.dname, c->dlg.callee.display, sizeof(c->dlg.callee.display));
	pl_copy(&msg->to.uri.user, c->dlg.callee.user, sizeof(c->dlg.callee.user));
	pl_copy(&msg->to.uri.host, c->dlg.callee.host, sizeof(c->dlg.callee.host));
	pl_copy(&msg->from.val, c->from, sizeof(c->from));
	pl_copy(&msg->to.val, c->to, sizeof(c->to));
	for (char *p = c->dlg.caller.display; *p; p++)
		if (*p == '"')
			*p = ' ';
	c->dlg.start_us = now_us();
	c->last_rx_us = c->dlg.start_us;
	c->dlg.state = REC_DLG_CALLING;
	re_snprintf(c->source, sizeof(c->source), "%J", &msg->src);
	sa_to_addr(&msg->src, &c->sip_src);

	int warn;
	const char *why;
	int code = take_offer(c, msg, &warn, &why);
	if (code != 0) {
		reply_warn(r, msg, (uint16_t)code, code == 488 ? "Not Acceptable Here" :
		    "Server Internal Error", warn, why);
		STAT_ADD(r, not_acceptable, 1);
		free(c);
		return;
	}
	struct sa announce;
	if (local_toward(&msg->src, r->cf.listen, &announce) != 0 ||
	    bind_rtp(c, &announce) != 0) {
		reply_warn(r, msg, 503, "Service Unavailable", 399, "No free RTP port");
		STAT_ADD(r, busy, 1);
		free(c);
		return;
	}
	if (build_answer(c) != 0) {
		(void)sip_treply(NULL, r->sip, msg, 500, "Server Internal Error");
		rac_ports_give(&r->ports, c->port);
		mem_deref(c->us);
		free(c);
		return;
	}
	struct sa csa = announce;
	sa_set_port(&csa, sip_transp_port(SIP_TRANSP_UDP, (uint16_t)r->cf.port));
	re_snprintf(c->contact, sizeof(c->contact), "sip:recorder@%J", &csa);
	int delay = r->cf.answer_delay_ms;
	int err = sipsess_accept(&c->sess, r->sock, msg, delay > 0 ? 180 : 200,
	    delay > 0 ? "Ringing" : "OK", c->contact, "application/sdp",
	    delay > 0 ? NULL : c->answer, NULL, NULL, false, on_offer, on_answer, on_estab, NULL,
	    NULL, on_close, c, "Allow: " RAC_ALLOW "\r\n");
	if (err != 0) {
		(void)sip_treply(NULL, r->sip, msg, 500, "Server Internal Error");
		rac_ports_give(&r->ports, c->port);
		mem_deref(c->us);
		mem_deref(c->answer);
		free(c);
		return;
	}
	list_append(&r->calls, &c->le, c);
	pthread_mutex_lock(&r->mu);
	r->st.active++;
	pthread_mutex_unlock(&r->mu);
	if (r->cf.rtp_timeout_s > 0)
		tmr_start(&c->idle, (uint64_t)r->cf.rtp_timeout_s * 1000 + (uint64_t)delay,
		    idle_check, c);
	if (delay > 0) {
		tmr_start(&c->tmr, (uint64_t)delay, answer_now, c);
	} else {
		c->answered = 1;
		c->dlg.answer_us = c->dlg.start_us;
		c->dlg.state = REC_DLG_CONFIRMED;
		STAT_ADD(r, answered, 1);
	}
}

/* ---- the thread ----------------------------------------------------------------------- */

/* recording.pause / recording.resume: the active call by Call-ID or by its From user (the
 * latest such call), paused or resumed now. */
static void
control(struct rac *r, struct rac_ctl *ctl)
{
	struct rac_call *found = NULL;
	for (struct le *le = r->calls.head; le != NULL; le = le->next) {
		struct rac_call *c = le->data;
		if (c->ended)
			continue;
		if (ctl->call_id[0] ? strcmp(c->dlg.call_id, ctl->call_id) == 0 :
		    strcmp(c->dlg.caller.user, ctl->extension) == 0)
			found = c;
	}
	ctl->found = found != NULL;
	if (found != NULL) {
		struct rac_call *c = found;
		snprintf(ctl->found_call_id, sizeof(ctl->found_call_id), "%s", c->dlg.call_id);
		if (c->rec != NULL) {
			int64_t now = now_us();
			ctl->changed = (ctl->pause ? rec_call_pause(c->rec, now, "api", &ctl->at_ms) :
			    rec_call_resume(c->rec, now, &ctl->at_ms)) == 0;
			ctl->paused = c->rec->paused;
		} else {
			/* No audio yet: it starts paused (or not) at sample 0. */
			ctl->changed = (c->pause_pending != NULL) != ctl->pause;
			c->pause_pending = ctl->pause ? "api" : NULL;
			ctl->paused = ctl->pause;
			ctl->at_ms = 0;
		}
		if (ctl->changed)
			hs_log_info(ctl->pause ? "recording.paused" : "recording.resumed",
			    "call_id=%s by=api at_ms=%lld", hs_logq(c->dlg.call_id),
			    (long long)ctl->at_ms);
	}
	ctl->done(ctl->arg, ctl);
}

static void
on_mqueue(int id, void *data, void *arg)
{
	struct rac *r = arg;
	if (id == RAC_MQ_CTL) {
		control(r, data);
		return;
	}
	if (id != RAC_MQ_STOP)
		return;
	r->stopping = 1;
	struct le *le = r->calls.head;
	while (le != NULL) {
		struct rac_call *c = le->data;
		le = le->next;
		call_end(c, "shutdown");
	}
	re_cancel();
}

static void
set_ready(struct rac *r, int ready, const char *fmt, const char *what, int err)
{
	pthread_mutex_lock(&r->mu);
	r->ready = ready;
	if (fmt != NULL)
		snprintf(r->err, sizeof(r->err), fmt, what, strerror(err));
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void *
rac_thread(void *arg)
{
	struct rac *r = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	int err = libre_init();
	if (err != 0) {
		set_ready(r, -1, "%s: %s", "libre_init", err);
		return NULL;
	}
	(void)fd_setsize(RAC_MAXFDS);
	struct sa laddr;
	char what[120];
	snprintf(what, sizeof(what), "SIP on %s:%d/udp", r->cf.listen, r->cf.port);
	if ((err = sa_set_str(&laddr, r->cf.listen, (uint16_t)r->cf.port)) != 0 ||
	    (err = sip_alloc(&r->sip, NULL, 32, 32, 32, "Hookswitch recorder", NULL, NULL)) !=
	    0 ||
	    (err = sip_transp_add(r->sip, SIP_TRANSP_UDP, &laddr)) != 0 ||
	    (err = sip_listen(&r->lsnr, r->sip, true, on_request, r)) != 0 ||
	    (err = sipsess_listen(&r->sock, r->sip, 32, on_invite, r)) != 0 ||
	    (err = mqueue_alloc(&r->mq, on_mqueue, r)) != 0) {
		set_ready(r, -1, "%s: %s", what, err);
		goto out;
	}
	set_ready(r, 1, NULL, NULL, 0);
	(void)re_main(NULL);
out:
	pthread_mutex_lock(&r->mu);
	r->mq = mem_deref(r->mq); /* rac_stop pushes under mu, only while it exists */
	pthread_mutex_unlock(&r->mu);
	/* What the stop left: calls waiting for their deferred free. */
	while (r->calls.head != NULL) {
		struct rac_call *c = r->calls.head->data;
		if (!c->ended)
			call_end(c, "shutdown");
		call_free(c);
	}
	r->sock = mem_deref(r->sock);
	r->lsnr = mem_deref(r->lsnr);
	if (r->sip != NULL)
		sip_close(r->sip, true);
	r->sip = mem_deref(r->sip);
	libre_close();
	return NULL;
}

rac *
rac_start(const struct rac_conf *cf, rac_done_fn done, void *arg, char *err, size_t errlen)
{
	struct rac *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cf = *cf;
	r->done = done;
	r->done_arg = arg;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	list_init(&r->calls);
	if (rac_ports_init(&r->ports, cf->rtp_min, cf->rtp_max) != 0 ||
	    rac_ports_count(&r->ports) < cf->max_ports) {
		snprintf(err, errlen, "recorder.rtp_port_min..max (%d..%d) has fewer even ports "
		    "than recorder.max_ports (%d)", cf->rtp_min, cf->rtp_max, cf->max_ports);
		free(r);
		return NULL;
	}
	FILE *f = fopen("/dev/urandom", "rb");
	if (f == NULL || fread(r->secret, 1, sizeof(r->secret), f) != sizeof(r->secret)) {
		snprintf(err, errlen, "/dev/urandom: cannot read");
		if (f != NULL)
			fclose(f);
		free(r);
		return NULL;
	}
	fclose(f);
	if (pthread_create(&r->thread, NULL, rac_thread, r) != 0) {
		snprintf(err, errlen, "cannot start the SIP thread");
		free(r);
		return NULL;
	}
	r->started = 1;
	(void)pthread_setname_np(r->thread, "recorder-sip");
	pthread_mutex_lock(&r->mu);
	while (r->ready == 0)
		pthread_cond_wait(&r->cv, &r->mu);
	int ok = r->ready == 1;
	pthread_mutex_unlock(&r->mu);
	if (!ok) {
		snprintf(err, errlen, "%s", r->err);
		pthread_join(r->thread, NULL);
		free(r);
		return NULL;
	}
	return r;
}

void
rac_stop(rac *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		if (r->mq != NULL)
			(void)mqueue_push(r->mq, RAC_MQ_STOP, NULL);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

int
rac_control(rac *r, struct rac_ctl *ctl)
{
	int rc = -1;
	if (r == NULL || !r->started)
		return -1;
	pthread_mutex_lock(&r->mu);
	if (r->mq != NULL && mqueue_push(r->mq, RAC_MQ_CTL, ctl) == 0)
		rc = 0;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void
rac_stats_get(rac *r, struct rac_stats *st)
{
	pthread_mutex_lock(&r->mu);
	*st = r->st;
	pthread_mutex_unlock(&r->mu);
}
