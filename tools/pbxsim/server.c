/*
 * server.c - the PBX side of the System OAI link: the TCP listener, sessions (login, frames
 * in and out, sequence numbers, the keep-alive command timer), the fan-out of engine events
 * to the sessions whose monitors cover them, and the link faults scenarios ask for.
 *
 * Entry points: server_start/stop/free from pbxsim.c; server_emit from the engine (through
 * pbxsim.c); the fault functions from runner.c; everything else is libuv callbacks.
 *
 * Per session (oai.md 2.1-2.3): the first frame must be the login.  A wrong password closes
 * the socket without a reply; one session more than the site's oai_max_ports gets
 * "000,PE,,<max>" and is closed.  A good login gets "000,RS,0,..." and "001,RD,0,".  Every
 * message the server sends takes the session's next sequence number (CFs too), 3 digits,
 * restarting at 000 with each RS and wrapping after 999.  Any valid command restarts the
 * command timer; when it expires the session's monitors are cancelled and RS 0 / RD 0 sent.
 *
 * Ordering: while a command runs (server_cmd.c), engine events are queued and sent after its
 * CF, to every session, in the order the engine produced them.  A stall holds every frame
 * back (and reads nothing) until it ends, then sends them in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "server_int.h"

static void session_close(struct session *s, const char *why);

/* ---- frames out ------------------------------------------------------------------------- */

struct wreq {
	uv_write_t req;
	struct session *s;
	char data[];
};

static void
write_done(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;

	if (status < 0 && status != UV_ECANCELED && !w->s->closing)
		session_close(w->s, uv_strerror(status));
	free(w);
}

static void
write_raw(struct session *s, const void *data, size_t len)
{
	struct wreq *w;
	uv_buf_t b;

	if (s->closing)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&s->tcp) > SRV_WRITE_QUEUE_MAX) {
		session_close(s, "the client reads nothing (write queue over 32 MiB)");
		return;
	}
	if ((w = malloc(sizeof(*w) + len)) == NULL) {
		session_close(s, "out of memory");
		return;
	}
	w->s = s;
	memcpy(w->data, data, len);
	b = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, write_done) != 0) {
		free(w);
		session_close(s, "write failed");
	}
}

static void
log_frame(const char *event, const struct session *s, const char *text, size_t len)
{
	char tmp[1024];
	size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;

	if (hs_log_get_level() > HS_LOG_DEBUG)
		return;
	memcpy(tmp, text, n);
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r'))
		n--;
	tmp[n] = '\0';
	hs_log_debug(event, "session=%u frame=%s", s->id, hs_logq(tmp));
}

void
srv_write(struct session *s, const void *frame, size_t len)
{
	struct server *srv = s->srv;

	if (s->closing)
		return;
	s->frames_out++;
	srv->st.frames_out++;
	if (len >= OAI_PREFIX_LEN)
		log_frame("oai.out", s, (const char *)frame + OAI_PREFIX_LEN, len - OAI_PREFIX_LEN);
	if (srv->stalled) {
		struct srv_held *h = malloc(sizeof(*h) + len);
		if (h == NULL)
			return;
		h->next = NULL;
		h->len = len;
		memcpy(h->data, frame, len);
		*s->held_tail = h;
		s->held_tail = &h->next;
		return;
	}
	write_raw(s, frame, len);
}

int
srv_send_build(struct session *s, struct oai_build *b)
{
	size_t len;

	if (oai_build_finish(b, &len) != OAI_OK) {
		hs_log_error("oai.build", "session=%u err=%s", s->id, hs_logq(oai_build_error(b)));
		return -1;
	}
	srv_write(s, b->b_buf, len);
	s->seq = oai_seq_next(s->seq);
	return 0;
}

char *
srv_out(struct server *srv, size_t len, size_t *cap)
{
	if (len < 65536)
		len = 65536;
	if (srv->outcap < len) {
		char *n = realloc(srv->out, len);
		if (n == NULL) {
			*cap = srv->outcap;
			return srv->out;
		}
		srv->out = n;
		srv->outcap = len;
	}
	*cap = srv->outcap;
	return srv->out;
}

const char *
srv_xref_str(const struct server *srv, unsigned xref, char *buf, size_t len)
{
	snprintf(buf, len, srv->p->site->gateway ? "%06u" : "%u", xref);
	return buf;
}

static bool
has_xref(enum oai_event ev)
{
	return ev != OAI_EV_RS && ev != OAI_EV_RD && ev != OAI_EV_PE && ev != OAI_EV_CS &&
	    ev != OAI_EV_LS;
}

void
srv_send_event(struct session *s, const struct eng_event *ev, unsigned xref)
{
	char buf[4096], xs[16];
	struct oai_build b;

	oai_build_event(&b, buf, sizeof(buf), ev->ev, s->seq, ev->resync);
	if (has_xref(ev->ev))
		oai_build_str(&b, OAI_F_XREF, srv_xref_str(s->srv, xref, xs, sizeof(xs)));
	for (unsigned i = 0; i < ev->nf; i++) {
		const char *v = eng_ev_val(ev, i);
		/* An empty text field is blank on the wire, not "||" (oai.md 7.3). */
		if (*v == '\0' && oai_field_type((enum oai_field)ev->f[i].id) == OAI_T_TEXT)
			continue;
		oai_build_str(&b, (enum oai_field)ev->f[i].id, v);
	}
	for (unsigned i = 0; i < ev->nparty; i++) {
		oai_build_item(&b);
		oai_build_str(&b, OAI_F_PARTY_EXT, ev->pool + ev->party[i].ext);
		oai_build_str(&b, OAI_F_PARTY_CALL_ID, ev->pool + ev->party[i].call);
	}
	if (srv_send_build(s, &b) == 0)
		s->srv->st.events_sent++;
}

/* RS (oai.md 4.6): time, date, versions and the node of the site's first node. */
void
srv_send_rs(struct session *s, const char *code)
{
	const struct site *site = s->srv->p->site;
	const struct site_node *n = &site->nodes[0];
	char buf[256], tm_s[8], dt_s[8];
	struct oai_build b;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(tm_s, sizeof(tm_s), "%H:%M", &tm);
	strftime(dt_s, sizeof(dt_s), "%m%d%y", &tm);
	s->seq = 0;
	oai_build_event(&b, buf, sizeof(buf), OAI_EV_RS, s->seq, code);
	oai_build_str(&b, OAI_F_TIME, tm_s);
	oai_build_str(&b, OAI_F_DATE, dt_s);
	oai_build_str(&b, OAI_F_PROTOCOL_VERSION, n->protocol);
	oai_build_str(&b, OAI_F_KSU_VERSION, n->software);
	oai_build_int(&b, OAI_F_PREMIUM_STATUS, n->premium);
	/* A CT Gateway reports node 0 in power-up and global resyncs (oai.md 4.6). */
	oai_build_int(&b, OAI_F_NODE, site->gateway ? 0 : n->number);
	oai_build_int(&b, OAI_F_NETWORKING, n->networking);
	oai_build_int(&b, OAI_F_COUNTRY, n->country);
	oai_build_int(&b, OAI_F_TCPIP, n->tcpip);
	srv_send_build(s, &b);
}

void
srv_send_rd(struct session *s, const char *code, const char *ext)
{
	char buf[128];
	struct oai_build b;

	oai_build_event(&b, buf, sizeof(buf), OAI_EV_RD, s->seq, code);
	oai_build_str(&b, OAI_F_SPECIFIC_EXT, ext != NULL ? ext : "");
	srv_send_build(s, &b);
}

void
srv_forget_monitors(struct session *s)
{
	s->nmons = 0;
	s->next_xref = 0;
	s->node_aware = false;
}

struct srv_mon *
srv_mon_find(struct session *s, enum srv_mon_class cls, const char *key)
{
	for (size_t i = 0; i < s->nmons; i++)
		if (s->mons[i].cls == cls && strcmp(s->mons[i].key, key) == 0)
			return &s->mons[i];
	return NULL;
}

/* ---- fan-out ---------------------------------------------------------------------------- */

static void
emit_session(struct session *s, const struct eng_event *ev)
{
	struct srv_mon *m;

	if (ev->device[0] != '\0') {
		if ((m = srv_mon_find(s, SRV_MON_DEVICE, ev->device)) != NULL)
			srv_send_event(s, ev, m->xref);
		/* Agent-ID monitors: agent events name the agent as the device; other events
		 * of a station reach the monitor of the agent logged on there. */
		if ((m = srv_mon_find(s, SRV_MON_AGENT, ev->device)) != NULL) {
			srv_send_event(s, ev, m->xref);
		} else if (oai_event_category(ev->ev) != OAI_CAT_AGENT) {
			const char *agent = engine_agent_at(s->srv->p->eng, ev->device);
			if (agent != NULL && (m = srv_mon_find(s, SRV_MON_AGENT, agent)) != NULL)
				srv_send_event(s, ev, m->xref);
		}
		return;
	}
	/* Call level: call monitors, call-termination monitors (CC), calls via device. */
	if (ev->call_id[0] != '\0' && (m = srv_mon_find(s, SRV_MON_CALL, ev->call_id)) != NULL)
		srv_send_event(s, ev, m->xref);
	if (ev->ev == OAI_EV_CC) {
		for (size_t i = 0; i < s->nmons; i++)
			if (s->mons[i].cls == SRV_MON_TERM)
				srv_send_event(s, ev, s->mons[i].xref);
		return;
	}
	for (unsigned v = 0; v < ev->nvia; v++)
		if ((m = srv_mon_find(s, SRV_MON_VIA, ev->via[v])) != NULL) {
			srv_send_event(s, ev, m->xref);
			break;
		}
}

static void
emit_now(struct server *srv, const struct eng_event *ev)
{
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (s->logged_in && !s->closing)
			emit_session(s, ev);
}

void
server_emit(struct server *srv, const struct eng_event *ev)
{
	if (srv == NULL)
		return;
	if (srv->deferring) {
		if (srv->nqueue == srv->capqueue) {
			size_t cap = srv->capqueue ? srv->capqueue * 2 : 16;
			struct eng_event *q = realloc(srv->queue, cap * sizeof(*q));
			if (q == NULL) {
				hs_log_error("server.queue", "note=%s",
				    hs_logq("out of memory: event dropped"));
				return;
			}
			srv->queue = q;
			srv->capqueue = cap;
		}
		memcpy(&srv->queue[srv->nqueue++], ev, sizeof(*ev));
		return;
	}
	emit_now(srv, ev);
}

void
srv_defer(struct server *srv, bool on)
{
	if (on) {
		srv->deferring = true;
		return;
	}
	srv->deferring = false;
	for (size_t i = 0; i < srv->nqueue; i++)
		emit_now(srv, &srv->queue[i]);
	srv->nqueue = 0;
}

/* ---- keep-alive ------------------------------------------------------------------------- */

static void
ka_expired(uv_timer_t *t)
{
	struct session *s = t->data;

	hs_log_warn("oai.keepalive", "session=%u app=%s monitors=%zu note=%s", s->id,
	    hs_logq(s->app), s->nmons, hs_logq("no command within the keep-alive time: "
	    "monitors cancelled, RS 0 sent"));
	srv_forget_monitors(s);
	srv_send_rs(s, "0");
	srv_send_rd(s, "0", "");
	srv_ka_restart(s);
}

void
srv_ka_restart(struct session *s)
{
	if (!s->closing && !s->srv->stalled)
		uv_timer_start(&s->ka, ka_expired, (uint64_t)s->srv->keepalive_ms, 0);
}

/* ---- sessions --------------------------------------------------------------------------- */

static void
session_free(struct session *s)
{
	struct server *srv = s->srv;
	struct srv_held *h;

	for (struct session **pp = &srv->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	while ((h = s->held) != NULL) {
		s->held = h->next;
		free(h);
	}
	oai_reader_fini(&s->rd);
	free(s->mons);
	free(s);
}

static void
handle_closed(uv_handle_t *h)
{
	struct session *s = h->data;

	if (--s->handles == 0)
		session_free(s);
}

static void
session_close(struct session *s, const char *why)
{
	if (s->closing)
		return;
	s->closing = true;
	hs_log_info("oai.session_end", "session=%u peer=%s app=%s frames_in=%llu "
	    "frames_out=%llu reason=%s", s->id, hs_logq(s->peer), hs_logq(s->app),
	    (unsigned long long)s->frames_in, (unsigned long long)s->frames_out, hs_logq(why));
	if (s->logged_in && !s->srv->p->stopping)
		pbxsim_truth_link(s->srv->p, "disconnect", 0);
	uv_close((uv_handle_t *)&s->tcp, handle_closed);
	uv_close((uv_handle_t *)&s->ka, handle_closed);
}

static void
shutdown_done(uv_shutdown_t *req, int status)
{
	struct session *s = req->data;

	(void)status;
	session_close(s, "closed after the last frame");
}

/* Sends what is queued, then closes (PE). */
static void
session_close_after_flush(struct session *s, const char *why)
{
	hs_log_info("oai.session_closing", "session=%u reason=%s", s->id, hs_logq(why));
	uv_read_stop((uv_stream_t *)&s->tcp);
	s->shut.data = s;
	if (uv_shutdown(&s->shut, (uv_stream_t *)&s->tcp, shutdown_done) != 0)
		session_close(s, why);
}

static unsigned
logged_in_count(const struct server *srv)
{
	unsigned n = 0;

	for (const struct session *s = srv->sessions; s != NULL; s = s->next)
		n += s->logged_in && !s->closing;
	return n;
}

unsigned
server_sessions(const struct server *srv)
{
	return srv != NULL ? logged_in_count(srv) : 0;
}

static void
handle_login(struct session *s, const struct oai_frame *f)
{
	struct server *srv = s->srv;
	const struct site *site = srv->p->site;
	struct oai_login login;
	char err[160];

	if (oai_login_decode(&login, f->data, f->len, err, sizeof(err)) != OAI_OK) {
		srv->st.logins_refused++;
		hs_log_warn("oai.login_bad", "session=%u peer=%s err=%s", s->id, hs_logq(s->peer),
		    hs_logq(err));
		session_close(s, "the first frame is not a login frame");
		return;
	}
	snprintf(s->app, sizeof(s->app), "%s", login.app);
	if (login.type != OAI_LOGIN_OAI) {
		srv->st.logins_refused++;
		hs_log_warn("oai.login_type", "session=%u app=%s type=0x%02x note=%s", s->id,
		    hs_logq(s->app), login.type, hs_logq("only System OAI (0x87) is simulated"));
		session_close(s, "not a System OAI login");
		return;
	}
	if (strcmp(login.password, site->oai_password) != 0) {
		srv->st.logins_refused++;
		hs_log_warn("oai.login_refused", "session=%u peer=%s app=%s note=%s", s->id,
		    hs_logq(s->peer), hs_logq(s->app),
		    hs_logq("invalid password: socket closed without a reply (oai.md 8.2)"));
		session_close(s, "invalid password");
		return;
	}
	if (logged_in_count(srv) >= (unsigned)site->oai_max_ports) {
		char buf[64];
		struct oai_build b;

		srv->st.logins_refused++;
		hs_log_warn("oai.ports_exceeded", "session=%u app=%s max=%d", s->id,
		    hs_logq(s->app), site->oai_max_ports);
		s->seq = 0;
		oai_build_event(&b, buf, sizeof(buf), OAI_EV_PE, 0, NULL);
		oai_build_int(&b, OAI_F_MAX_PORTS, site->oai_max_ports);
		srv_send_build(s, &b);
		session_close_after_flush(s, "ports exceeded");
		return;
	}
	s->logged_in = true;
	srv->st.logins++;
	hs_log_info("oai.login", "session=%u peer=%s app=%s sessions=%u", s->id, hs_logq(s->peer),
	    hs_logq(s->app), logged_in_count(srv));
	pbxsim_truth_link(srv->p, "connect", 0);
	srv_send_rs(s, "0");
	srv_send_rd(s, "0", "");
	srv_ka_restart(s);
}

/* A session asked for its first full resync: the end of a client's start-up (oai.md 6.1),
 * so its monitors are in place and it sees the calls the scenario makes from now on. */
void
srv_first_ready(struct server *srv)
{
	if (srv->first_done)
		return;
	srv->first_done = true;
	if (srv->first_ready != NULL)
		srv->first_ready(srv->first_arg);
}

static void
handle_frame(struct session *s, struct oai_frame *f)
{
	struct server *srv = s->srv;
	struct oai_msg m;
	const char *code;
	int rc;

	log_frame("oai.in", s, f->data, f->len);
	rc = oai_decode(&m, f->data, f->len);
	if (oai_err_fatal(rc)) {
		srv->st.bad_frames++;
		hs_log_warn("oai.bad_frame", "session=%u err=%s detail=%s note=%s", s->id,
		    oai_err_name(rc), hs_logq(oai_msg_error(&m)), hs_logq("ignored"));
		return;
	}
	code = oai_msg_code(&m);
	if (oai_msg_kind(&m) == OAI_KIND_COMMAND ||
	    (oai_msg_kind(&m) == OAI_KIND_UNKNOWN && code != NULL && code[0] == '_')) {
		srv_command(s, &m, rc);
		return;
	}
	srv->st.bad_frames++;
	hs_log_warn("oai.unexpected", "session=%u code=%s note=%s", s->id, hs_logq(code),
	    hs_logq("not a command; ignored"));
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
read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct session *s = st->data;
	size_t off = 0;

	if (n < 0) {
		session_close(s, n == UV_EOF ? "the client closed the connection" :
		    uv_strerror((int)n));
		return;
	}
	while (off < (size_t)n && !s->closing) {
		struct oai_frame f;
		size_t used;
		int rc = oai_reader_feed(&s->rd, buf->base + off, (size_t)n - off, &used, &f);

		off += used;
		if (rc < 0) {
			s->srv->st.bad_frames++;
			hs_log_warn("oai.bad_framing", "session=%u err=%s", s->id,
			    hs_logq(oai_reader_error(&s->rd)));
			session_close(s, "bad framing from the client");
			return;
		}
		if (rc == 0)
			break;
		s->frames_in++;
		s->srv->st.frames_in++;
		if (!s->logged_in)
			handle_login(s, &f);
		else
			handle_frame(s, &f);
	}
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct server *srv = l->data;
	struct session *s;
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (status < 0) {
		hs_log_warn("oai.accept", "err=%s", hs_logq(uv_strerror(status)));
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL || oai_reader_init(&s->rd, 0) != OAI_OK) {
		free(s);
		return;
	}
	s->srv = srv;
	s->id = ++srv->next_id;
	s->held_tail = &s->held;
	uv_tcp_init(srv->p->uv, &s->tcp);
	uv_timer_init(srv->p->uv, &s->ka);
	s->tcp.data = s->ka.data = s;
	s->handles = 2;
	s->next = srv->sessions;
	srv->sessions = s;
	if (uv_accept(l, (uv_stream_t *)&s->tcp) != 0) {
		session_close(s, "accept failed");
		return;
	}
	if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &len) == 0) {
		char host[64] = "?";
		int port = 0;
		if (ss.ss_family == AF_INET) {
			uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		snprintf(s->peer, sizeof(s->peer), "%s:%d", host, port);
	}
	if ((int64_t)uv_now(srv->p->uv) < srv->refuse_until) {
		hs_log_info("oai.refused", "session=%u peer=%s note=%s", s->id, hs_logq(s->peer),
		    hs_logq("the link is down (drop-link)"));
		session_close(s, "link down (drop-link)");
		return;
	}
	hs_log_info("oai.connect", "session=%u peer=%s", s->id, hs_logq(s->peer));
	uv_tcp_nodelay(&s->tcp, 1);
	if (!srv->stalled)
		uv_read_start((uv_stream_t *)&s->tcp, alloc_cb, read_cb);
}

/* ---- life cycle ------------------------------------------------------------------------- */

hs_err
server_start(struct pbxsim *p, const struct server_opts *o)
{
	struct server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_storage addr;
	int rv;

	if (srv == NULL)
		return HS_ENOMEM;
	srv->p = p;
	srv->keepalive_ms = (o->keepalive_s > 0 ? o->keepalive_s : 270) * 1000;
	uv_tcp_init(p->uv, &srv->listener);
	uv_timer_init(p->uv, &srv->stall_timer);
	srv->listener.data = srv->stall_timer.data = srv;
	srv->listening = true;
	p->srv = srv;
	if ((rv = uv_ip4_addr(o->addr, o->port, (struct sockaddr_in *)&addr)) != 0 &&
	    (rv = uv_ip6_addr(o->addr, o->port, (struct sockaddr_in6 *)&addr)) != 0) {
		hs_log_error("oai.listen", "addr=%s err=%s", hs_logq(o->addr),
		    hs_logq(uv_strerror(rv)));
		return HS_EINVAL;
	}
	if ((rv = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0)) != 0 ||
	    (rv = uv_listen((uv_stream_t *)&srv->listener, 16, on_connection)) != 0) {
		hs_log_error("oai.listen", "addr=%s port=%d err=%s", hs_logq(o->addr), o->port,
		    hs_logq(uv_strerror(rv)));
		return HS_EIO;
	}
	hs_log_info("oai.listen", "addr=%s port=%d keepalive_s=%d max_ports=%d gateway=%d",
	    hs_logq(o->addr), o->port, srv->keepalive_ms / 1000, p->site->oai_max_ports,
	    p->site->gateway);
	return HS_OK;
}

void
server_stop(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->listening) {
		srv->listening = false;
		uv_close((uv_handle_t *)&srv->listener, NULL);
		uv_close((uv_handle_t *)&srv->stall_timer, NULL);
	}
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		session_close(s, "pbxsim is stopping");
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	free(srv->queue);
	free(srv->out);
	free(srv);
}

struct server_stats
server_stats(const struct server *srv)
{
	struct server_stats z = {0};

	return srv != NULL ? srv->st : z;
}

cJSON *
server_sessions_json(const struct server *srv)
{
	cJSON *arr = cJSON_CreateArray();

	for (const struct session *s = srv != NULL ? srv->sessions : NULL; s != NULL; s = s->next) {
		cJSON *o = cJSON_CreateObject();
		if (s->closing)
			continue;
		cJSON_AddNumberToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "peer", s->peer);
		cJSON_AddStringToObject(o, "app", s->app);
		cJSON_AddBoolToObject(o, "logged_in", s->logged_in);
		cJSON_AddNumberToObject(o, "monitors", (double)s->nmons);
		cJSON_AddNumberToObject(o, "frames_in", (double)s->frames_in);
		cJSON_AddNumberToObject(o, "frames_out", (double)s->frames_out);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

void
server_on_first_ready(struct server *srv, void (*cb)(void *arg), void *arg)
{
	srv->first_ready = cb;
	srv->first_arg = arg;
}

/* ---- faults ----------------------------------------------------------------------------- */

void
server_drop_link(struct server *srv, int64_t refuse_ms)
{
	if (srv == NULL)
		return;
	srv->refuse_until = refuse_ms > 0 ? (int64_t)uv_now(srv->p->uv) + refuse_ms : 0;
	hs_log_warn("oai.drop_link", "sessions=%u refuse_ms=%lld", logged_in_count(srv),
	    (long long)refuse_ms);
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		s->logged_in = false; /* recorded as the drop, not as a disconnect */
		session_close(s, "drop-link");
	}
}

void
server_restart(struct server *srv)
{
	if (srv == NULL)
		return;
	hs_log_warn("oai.restart", "sessions=%u note=%s", logged_in_count(srv),
	    hs_logq("power-up: RS 0, every monitor lost"));
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		if (!s->logged_in || s->closing)
			continue;
		srv_forget_monitors(s);
		srv_send_rs(s, "0");
		srv_send_rd(s, "0", "");
	}
}

void
server_garbage(struct server *srv, enum scn_garbage what)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;

	if (srv == NULL)
		return;
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		char buf[256], text[128];
		size_t len;

		if (!s->logged_in || s->closing)
			continue;
		switch (what) {
		case SCN_GARBAGE_FRAME: {
			/* Well framed, but no OAI message: binary, starting with neither a digit
			 * nor '_', with a NUL inside. */
			unsigned char raw[24];
			x ^= (uint64_t)uv_now(srv->p->uv);
			for (size_t i = 0; i < sizeof(raw); i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				raw[i] = (unsigned char)x;
			}
			raw[0] = 0xfe;
			raw[5] = 0x00;
			oai_frame_write(buf, sizeof(buf), raw, sizeof(raw), OAI_TERM_NONE, &len);
			srv_write(s, buf, len);
			break;
		}
		case SCN_GARBAGE_LENGTH: {
			/* A prefix of 16 MiB followed by a few bytes: the stream is out of step. */
			static const unsigned char bad[] = { 0x00, 0x00, 0x00, 0x01, '0', '0', '0',
				',', 'R', 'D' };
			srv_write(s, bad, sizeof(bad));
			break;
		}
		case SCN_GARBAGE_FIELDS: {
			/* A DE with most of its fields missing, then an unknown event code. */
			char xs[16];
			unsigned xref = s->nmons > 0 ? s->mons[0].xref : 1;

			srv_xref_str(srv, xref, xs, sizeof(xs));
			snprintf(text, sizeof(text), "%03u,DE,,%s,9999", s->seq % 1000, xs);
			if (oai_frame_write(buf, sizeof(buf), text, strlen(text), OAI_TERM_CRLF,
			    &len) == OAI_OK)
				srv_write(s, buf, len);
			s->seq = oai_seq_next(s->seq);
			snprintf(text, sizeof(text), "%03u,ZZ,,%s,1,2,3", s->seq % 1000, xs);
			if (oai_frame_write(buf, sizeof(buf), text, strlen(text), OAI_TERM_CRLF,
			    &len) == OAI_OK)
				srv_write(s, buf, len);
			s->seq = oai_seq_next(s->seq);
			break;
		}
		}
	}
	hs_log_warn("oai.garbage", "what=%s sessions=%u", scn_garbage_name(what),
	    logged_in_count(srv));
}

static void
stall_end(uv_timer_t *t)
{
	struct server *srv = t->data;

	srv->stalled = false;
	hs_log_info("oai.stall_end", "sessions=%u", logged_in_count(srv));
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		struct srv_held *h;

		if (s->closing)
			continue;
		while ((h = s->held) != NULL) {
			s->held = h->next;
			write_raw(s, h->data, h->len);
			free(h);
		}
		s->held_tail = &s->held;
		if (!s->closing) {
			uv_read_start((uv_stream_t *)&s->tcp, alloc_cb, read_cb);
			if (s->logged_in)
				srv_ka_restart(s);
		}
	}
}

void
server_stall(struct server *srv, int64_t ms)
{
	if (srv == NULL || !srv->listening)
		return;
	hs_log_warn("oai.stall", "ms=%lld sessions=%u", (long long)ms, logged_in_count(srv));
	srv->stalled = true;
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		if (s->closing)
			continue;
		uv_read_stop((uv_stream_t *)&s->tcp);
		uv_timer_stop(&s->ka);
	}
	uv_timer_start(&srv->stall_timer, stall_end, (uint64_t)(ms > 0 ? ms : 0), 0);
}
