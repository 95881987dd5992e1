/*
 * link.c - the TCP session to the PBX or CT Gateway: connect, login, frames in and out,
 * commands and their confirmations, keep-alive, failure and reconnection (oai.md 1-2).
 *
 * Entry points: cti_link_init/fini from main.c; cti_link_configure when the phone system row
 * is read or changes; cti_link_command/submit from startup.c and cmd.c; cti_link_reset from
 * anywhere that finds the session unusable.
 *
 * Invariants: one TCP session at a time, its uv_tcp_t allocated per session and freed in the
 * close callback (a reconnect never reuses a closing handle).  Every submitted command's
 * callback runs exactly once: with its confirmation, or with NULL on timeout or when the
 * session ends.  Events are handed to state.c in arrival order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

#define LOGIN_TIMEOUT_MS 15000
#define BACKOFF_MIN_MS 1000

static const char *const state_names[] = {
	[CTI_LINK_DOWN] = "down",
	[CTI_LINK_CONNECTING] = "connecting",
	[CTI_LINK_LOGIN] = "login",
	[CTI_LINK_SYNC] = "sync",
	[CTI_LINK_UP] = "up",
	[CTI_LINK_BACKOFF] = "backoff",
};

const char *
cti_link_state_name(enum cti_link_state s)
{
	return state_names[s];
}

static void link_connect(struct cti *cti);

static void
link_enter(struct cti *cti, enum cti_link_state to, const char *reason)
{
	struct cti_link *l = &cti->link;

	if (l->state == to)
		return;
	hs_log_info("link.state", "from=%s to=%s host=%s port=%d reason=%s",
	    cti_link_state_name(l->state), cti_link_state_name(to), hs_logq(l->host), l->port,
	    hs_logq(reason));
	l->state = to;
	l->since_ms = hs_now_ms();
	if (to == CTI_LINK_UP)
		l->backoff_ms = 0;
	cti_publish_link(cti);
}

void
cti_link_up(struct cti *cti)
{
	link_enter(cti, CTI_LINK_UP, "start-up sequence complete");
}

/* ---- writing ---------------------------------------------------------------------------- */

struct wreq {
	uv_write_t req;
	char data[];
};

static void
write_done(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct cti *cti = req->data;

	if (status < 0 && status != UV_ECANCELED)
		cti_link_reset(cti, uv_strerror(status));
	free(w);
}

static int
link_write(struct cti *cti, const void *frame, size_t len)
{
	struct cti_link *l = &cti->link;
	struct wreq *w;
	uv_buf_t buf;

	if (l->tcp == NULL || (w = malloc(sizeof(*w) + len)) == NULL)
		return -1;
	memcpy(w->data, frame, len);
	w->req.data = cti;
	buf = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)l->tcp, &buf, 1, write_done) != 0) {
		free(w);
		return -1;
	}
	l->frames_out++;
	return 0;
}

/* ---- commands --------------------------------------------------------------------------- */

unsigned
cti_link_command(struct cti *cti, struct oai_build *b, char *buf, size_t cap, enum oai_cmd cmd)
{
	struct cti_link *l = &cti->link;
	unsigned invoke;

	/* 1..65534 as the reference library; never 0, which would read as a power-up resync
	 * code when echoed by _RR (oai.md 3.2). */
	if (l->next_invoke == 0 || l->next_invoke >= 65535)
		l->next_invoke = 1;
	invoke = l->next_invoke++;
	oai_build_command(b, buf, cap, cmd, invoke);
	return invoke;
}

int
cti_link_submit(struct cti *cti, struct oai_build *b, unsigned invoke, enum oai_cmd cmd,
    int timeout_ms, cti_cf_cb cb, void *arg)
{
	struct cti_link *l = &cti->link;
	struct cti_pending *p;
	size_t len;

	if (oai_build_finish(b, &len) != OAI_OK) {
		hs_log_error("oai.build", "cmd=%s err=%s", oai_cmd_wire(cmd),
		    hs_logq(oai_build_error(b)));
		return -1;
	}
	if (l->state != CTI_LINK_SYNC && l->state != CTI_LINK_UP)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if (link_write(cti, b->b_buf, len) != 0) {
		free(p);
		return -1;
	}
	hs_log_debug("oai.send", "frame=%s", hs_logq(b->b_buf + OAI_PREFIX_LEN));
	p->invoke = invoke;
	p->cmd = cmd;
	p->deadline = hs_mono_ms() + timeout_ms;
	p->cb = cb;
	p->arg = arg;
	p->next = l->pending;
	l->pending = p;
	return 0;
}

/* Completes every pending command with NULL (session over). */
static void
fail_pending(struct cti *cti)
{
	struct cti_pending *p;

	while ((p = cti->link.pending) != NULL) {
		cti->link.pending = p->next;
		if (p->cb != NULL)
			p->cb(cti, p->arg, NULL);
		free(p);
	}
}

static void
confirm(struct cti *cti, const struct oai_msg *m)
{
	unsigned invoke = (unsigned)strtoul(oai_msg_str(m, OAI_F_INVOKE_ID), NULL, 10);

	for (struct cti_pending **pp = &cti->link.pending; *pp != NULL; pp = &(*pp)->next) {
		struct cti_pending *p = *pp;
		if (p->invoke != invoke || p->cmd != oai_msg_cmd(m))
			continue;
		*pp = p->next;
		if (p->cb != NULL)
			p->cb(cti, p->arg, m);
		free(p);
		return;
	}
	hs_log_warn("oai.cf_unexpected", "cmd=%s invoke=%u note=%s", oai_msg_code(m), invoke,
	    hs_logq("no command waits for it (timed out?)"));
}

/* ---- keep-alive and timeouts ------------------------------------------------------------ */

static void
nop_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	(void)arg;
	if (m != NULL)
		cti->link.nop_unanswered = 0;
}

static void
link_tick(uv_timer_t *t)
{
	struct cti *cti = t->data;
	struct cti_link *l = &cti->link;
	long long now = hs_mono_ms();
	long long every = hs_conf_int(cti->svc->conf, "cti.keepalive") * 1000;

	for (struct cti_pending **pp = &l->pending; *pp != NULL;) {
		struct cti_pending *p = *pp;
		if (p->deadline > now) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		hs_log_warn("oai.timeout", "cmd=%s invoke=%u", oai_cmd_wire(p->cmd), p->invoke);
		if (p->cb != NULL)
			p->cb(cti, p->arg, NULL);
		free(p);
		pp = &l->pending; /* the callback may have changed the list */
	}
	if (l->state != CTI_LINK_UP || now < l->next_nop_ms)
		return;
	/* Two keep-alives without a confirmation: the PBX is gone even if TCP says nothing. */
	if (l->nop_unanswered >= 2) {
		cti_link_reset(cti, "no answer to two keep-alives");
		return;
	}
	{
		struct oai_build b;
		char buf[64];
		unsigned inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_NO);
		l->nop_unanswered++;
		cti_link_submit(cti, &b, inv, OAI_CMD_NO, (int)every * 2, nop_done, NULL);
	}
	l->next_nop_ms = now + every;
}

/* ---- reading ---------------------------------------------------------------------------- */

static void
unknown_code(struct cti *cti, const struct oai_msg *m)
{
	struct cti_link *l = &cti->link;
	const char *code = oai_msg_code(m);

	l->unknown_codes++;
	for (int i = 0; i < l->nunknown_seen; i++)
		if (strcmp(l->unknown_seen[i], code) == 0)
			return;
	if (l->nunknown_seen < 32)
		snprintf(l->unknown_seen[l->nunknown_seen++], sizeof(l->unknown_seen[0]), "%s",
		    code);
	hs_log_warn("oai.unknown", "code=%s fields=%u note=%s", hs_logq(code), oai_msg_nfields(m),
	    hs_logq("kept raw and ignored; logged once per code"));
}

static void
handle_event(struct cti *cti, const struct oai_msg *m)
{
	struct cti_link *l = &cti->link;
	enum oai_event ev = oai_msg_event(m);
	const char *resync = oai_msg_str(m, OAI_F_RESYNC);

	switch (ev) {
	case OAI_EV_RS:
		if (strcmp(resync, "0") != 0)
			break; /* RS 1 answers a legacy RR */
		snprintf(l->protocol_version, sizeof(l->protocol_version), "%s",
		    oai_msg_str(m, OAI_F_PROTOCOL_VERSION));
		snprintf(l->software_version, sizeof(l->software_version), "%s",
		    oai_msg_str(m, OAI_F_KSU_VERSION));
		/* A CT Gateway reports node 0 in power-up resyncs (oai.md 4.6). */
		l->ct_gateway = strcmp(oai_msg_str(m, OAI_F_NODE), "0") == 0;
		if (l->state == CTI_LINK_UP || l->state == CTI_LINK_SYNC) {
			/* Keep-alive expiry, port reset or PBX restart: every monitor is gone. */
			hs_log_warn("link.pbx_reset", "note=%s",
			    hs_logq("power-up resync mid-session; starting over"));
			cti->started = false;
			fail_pending(cti);
			link_enter(cti, CTI_LINK_SYNC, "PBX reset the OAI port");
		}
		l->rs_seen = true;
		return;
	case OAI_EV_RD:
		if (l->rs_seen && strcmp(resync, "0") == 0) {
			l->rs_seen = false;
			uv_timer_stop(&l->timer);
			link_enter(cti, CTI_LINK_SYNC, "logged in");
			cti_startup_begin(cti);
			return;
		}
		cti_startup_rd(cti, m);
		break;
	case OAI_EV_PE:
		snprintf(l->last_error, sizeof(l->last_error),
		    "the PBX has no free OAI port (maximum %s)", oai_msg_str(m, OAI_F_MAX_PORTS));
		cti_link_reset(cti, l->last_error);
		return;
	default:
		break;
	}
	if (l->state == CTI_LINK_SYNC || l->state == CTI_LINK_UP)
		cti_state_event(cti, m);
}

static void
handle_frame(struct cti *cti, struct oai_frame *f)
{
	struct cti_link *l = &cti->link;
	unsigned session = l->session;
	struct oai_msg m;
	int rv;

	l->frames_in++;
	if (hs_log_get_level() <= HS_LOG_DEBUG)
		hs_log_debug("oai.recv", "frame=%s", hs_logq(f->data));
	rv = oai_decode(&m, f->data, f->len);
	if (rv != OAI_OK) {
		l->bad_frames++;
		hs_log_warn("oai.bad_frame", "err=%s detail=%s", oai_err_name(rv),
		    hs_logq(oai_msg_error(&m)));
		if (oai_err_fatal(rv)) {
			snprintf(l->last_error, sizeof(l->last_error), "garbage from the PBX: %s",
			    oai_msg_error(&m));
			cti_link_reset(cti, l->last_error);
		}
		return;
	}
	switch (oai_msg_kind(&m)) {
	case OAI_KIND_CONFIRM:
		confirm(cti, &m);
		break;
	case OAI_KIND_EVENT:
		handle_event(cti, &m);
		break;
	case OAI_KIND_UNKNOWN:
		unknown_code(cti, &m);
		break;
	default:
		hs_log_warn("oai.unexpected", "code=%s note=%s", hs_logq(oai_msg_code(&m)),
		    hs_logq("a command from the PBX side"));
		break;
	}
	(void)session;
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char scratch[65536];

	(void)h;
	(void)suggested;
	buf->base = scratch;
	buf->len = sizeof(scratch);
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct cti *cti = s->data;
	struct cti_link *l = &cti->link;
	unsigned session = l->session;
	size_t off = 0;

	if (n < 0) {
		cti_link_reset(cti, n == UV_EOF ? "the PBX closed the connection" :
						  uv_strerror((int)n));
		return;
	}
	while (off < (size_t)n) {
		struct oai_frame f;
		size_t used;
		int rv = oai_reader_feed(&l->reader, buf->base + off, (size_t)n - off, &used, &f);

		off += used;
		if (rv < 0) {
			snprintf(l->last_error, sizeof(l->last_error), "bad framing from the PBX: %s",
			    oai_reader_error(&l->reader));
			cti_link_reset(cti, l->last_error);
			return;
		}
		if (rv == 1) {
			handle_frame(cti, &f);
			if (l->session != session || l->tcp == NULL)
				return; /* the frame ended the session */
		}
	}
}

/* ---- session life cycle ----------------------------------------------------------------- */

/* One TCP session's handles, allocated together and freed in the close callback: a
 * reconnect never reuses a handle or request that libuv still holds. */
struct session {
	uv_tcp_t tcp;
	uv_connect_t conn;
};

struct gai {
	uv_getaddrinfo_t req;
	struct cti *cti;
	unsigned session;
};

static void
tcp_close_cb(uv_handle_t *h)
{
	free(h); /* tcp is the first member of struct session */
}

static void
close_session(struct cti *cti)
{
	struct cti_link *l = &cti->link;

	l->session++; /* a pending name lookup of the old session is ignored when it returns */
	if (l->tcp != NULL) {
		l->tcp->data = NULL;
		uv_close((uv_handle_t *)l->tcp, tcp_close_cb);
		l->tcp = NULL;
	}
	oai_reader_reset(&l->reader);
	l->rs_seen = false;
	cti->started = false;
	fail_pending(cti);
}

static void
backoff_cb(uv_timer_t *t)
{
	link_connect(t->data);
}

static void
login_timeout_cb(uv_timer_t *t)
{
	struct cti *cti = t->data;

	cti_link_reset(cti, "no resync after login (wrong password, or not an OAI port?)");
}

void
cti_link_reset(struct cti *cti, const char *why)
{
	struct cti_link *l = &cti->link;
	int max = (int)hs_conf_int(cti->svc->conf, "cti.reconnect_max") * 1000;
	bool was_up = l->state == CTI_LINK_UP || l->state == CTI_LINK_SYNC;

	if (why != l->last_error)
		snprintf(l->last_error, sizeof(l->last_error), "%s", why);
	close_session(cti);
	if (was_up)
		cti_state_link_lost(cti, why);
	uv_timer_stop(&l->timer);
	if (!l->configured || cti->svc->stopping) {
		link_enter(cti, CTI_LINK_DOWN, why);
		return;
	}
	l->backoff_ms = l->backoff_ms == 0 ? BACKOFF_MIN_MS :
	    (l->backoff_ms * 2 > max ? max : l->backoff_ms * 2);
	link_enter(cti, CTI_LINK_BACKOFF, why);
	uv_timer_start(&l->timer, backoff_cb, (uint64_t)l->backoff_ms, 0);
}

static void
connect_cb(uv_connect_t *req, int status)
{
	struct cti *cti = req->data;
	struct cti_link *l = &cti->link;
	char frame[512];
	size_t len;

	if (status == UV_ECANCELED || cti == NULL || req->handle != (uv_stream_t *)l->tcp)
		return; /* an older session */
	if (status < 0) {
		char why[300];
		snprintf(why, sizeof(why), "cannot connect to %s:%d: %s", l->host, l->port,
		    uv_strerror(status));
		cti_link_reset(cti, why);
		return;
	}
	uv_tcp_nodelay(l->tcp, 1);
	uv_tcp_keepalive(l->tcp, 1, 30);
	uv_read_start((uv_stream_t *)l->tcp, alloc_cb, read_cb);
	if (oai_login_encode(frame, sizeof(frame), OAI_LOGIN_OAI, l->password, CTI_APP_NAME,
		&len) != OAI_OK || link_write(cti, frame, len) != 0) {
		cti_link_reset(cti, "cannot send the login frame");
		return;
	}
	link_enter(cti, CTI_LINK_LOGIN, "connected, login sent");
	uv_timer_start(&l->timer, login_timeout_cb, LOGIN_TIMEOUT_MS, 0);
}

static void
gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct gai *g = (struct gai *)req;
	struct cti *cti = g->cti;
	struct cti_link *l = &cti->link;
	struct session *s;
	char why[300];

	if (g->session != l->session) {
		/* The session this lookup was for is over. */
		uv_freeaddrinfo(res);
		free(g);
		return;
	}
	free(g);
	if (status < 0) {
		snprintf(why, sizeof(why), "cannot resolve %s: %s", l->host, uv_strerror(status));
		uv_freeaddrinfo(res);
		cti_link_reset(cti, why);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		uv_freeaddrinfo(res);
		cti_link_reset(cti, "out of memory");
		return;
	}
	uv_tcp_init(cti->svc->uv, &s->tcp);
	l->tcp = &s->tcp;
	l->tcp->data = cti;
	s->conn.data = cti;
	if (uv_tcp_connect(&s->conn, &s->tcp, res->ai_addr, connect_cb) != 0) {
		uv_freeaddrinfo(res);
		cti_link_reset(cti, "cannot start the TCP connection");
		return;
	}
	uv_freeaddrinfo(res);
}

static void
link_connect(struct cti *cti)
{
	struct cti_link *l = &cti->link;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct gai *g;
	char port[8];

	if (!l->configured)
		return;
	close_session(cti);
	link_enter(cti, CTI_LINK_CONNECTING, "connecting");
	snprintf(port, sizeof(port), "%d", l->port);
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		cti_link_reset(cti, "out of memory");
		return;
	}
	g->cti = cti;
	g->session = l->session;
	if (uv_getaddrinfo(cti->svc->uv, &g->req, gai_cb, l->host, port, &hints) != 0) {
		free(g);
		cti_link_reset(cti, "cannot resolve the PBX host");
	}
}

void
cti_link_configure(struct cti *cti, const char *host, int port, const char *password)
{
	struct cti_link *l = &cti->link;

	if (l->configured && strcmp(l->host, host) == 0 && l->port == port &&
	    strcmp(l->password, password) == 0)
		return;
	snprintf(l->host, sizeof(l->host), "%s", host);
	l->port = port;
	snprintf(l->password, sizeof(l->password), "%s", password);
	l->configured = *host != '\0';
	hs_log_info("link.configure", "host=%s port=%d", hs_logq(host), port);
	uv_timer_stop(&l->timer);
	l->backoff_ms = 0;
	if (!l->configured) {
		close_session(cti);
		link_enter(cti, CTI_LINK_DOWN, "no phone system configured");
		return;
	}
	link_connect(cti);
}

void
cti_link_init(struct cti *cti)
{
	struct cti_link *l = &cti->link;

	l->state = CTI_LINK_DOWN;
	l->since_ms = hs_now_ms();
	/* A _QX station list of a large site is one frame: allow more than the default. */
	oai_reader_init(&l->reader, 1u << 20);
	uv_timer_init(cti->svc->uv, &l->timer);
	uv_timer_init(cti->svc->uv, &l->tick);
	l->timer.data = l->tick.data = cti;
	uv_timer_start(&l->tick, link_tick, 250, 250);
}

void
cti_link_fini(struct cti *cti)
{
	struct cti_link *l = &cti->link;

	l->configured = false;
	close_session(cti);
	uv_close((uv_handle_t *)&l->timer, NULL);
	uv_close((uv_handle_t *)&l->tick, NULL);
	oai_reader_fini(&l->reader);
}
