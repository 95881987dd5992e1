/*
 * server_int.h - what server.c (sessions, frames, fan-out, faults) and server_cmd.c (the
 * commands) share.
 *
 * A session is one TCP connection: login first, then commands.  Its monitors are a small
 * array: each has the session's own cross-reference number (xref), its type (oai.md 5.5)
 * and what it watches (a device, a call ID, an agent ID, or "" for call-termination and
 * system monitors).  Device-type monitors (types 1, 3, 4, 5, 6, 9) of one device share one
 * entry: re-issuing _MS on a monitored device keeps its xref (oai.md 5.5).
 */
#ifndef PBXSIM_SERVER_INT_H
#define PBXSIM_SERVER_INT_H

#include "pbxsim.h"

#define SRV_XREF_MAX_DIRECT 999       /* xrefs and monitors per session, direct PBX */
#define SRV_XREF_MAX_GATEWAY 999999   /* through a CT Gateway: 6 digits */
#define SRV_MON_MAX 999               /* monitors per session (outcome 28 beyond) */
#define SRV_WRITE_QUEUE_MAX (32u << 20) /* a client that reads nothing is dropped */

enum srv_mon_class { SRV_MON_DEVICE, SRV_MON_CALL, SRV_MON_VIA, SRV_MON_AGENT, SRV_MON_TERM,
	SRV_MON_SYSTEM };

struct srv_mon {
	unsigned xref;
	int type;                         /* Monitor_Type */
	enum srv_mon_class cls;
	char key[SITE_EXT_NUM_MAX];
	unsigned fa, fc, ff, fs;          /* granted filters */
};

struct srv_held {                         /* a frame held back while the PBX stalls */
	struct srv_held *next;
	size_t len;
	char data[];
};

struct session {
	uv_tcp_t tcp;
	uv_timer_t ka;                    /* the command (keep-alive) timer, oai.md 2.3 */
	uv_shutdown_t shut;
	struct server *srv;
	unsigned id;
	int handles;                      /* open libuv handles; freed when 0 */
	char peer[64];
	char app[64];
	struct oai_reader rd;
	bool logged_in;
	bool closing;
	bool node_aware;                  /* _NA 1 (gateway mode) */
	unsigned seq;                     /* next sequence number */
	struct srv_mon *mons;
	size_t nmons, capmons;
	unsigned next_xref;
	struct srv_held *held, **held_tail;
	uint64_t frames_in, frames_out;
	struct session *next;
};

struct server {
	struct pbxsim *p;
	uv_tcp_t listener;
	bool listening;
	uv_timer_t stall_timer;
	bool stalled;
	int64_t refuse_until;             /* uv_now ms: connections refused until then */
	int keepalive_ms;
	struct session *sessions;
	unsigned next_id;
	bool deferring;                   /* a command runs: engine events wait in queue */
	struct eng_event *queue;
	size_t nqueue, capqueue;
	char *out;                        /* scratch for CFs */
	size_t outcap;
	void (*first_ready)(void *arg);
	void *first_arg;
	bool first_done;
	struct server_stats st;
};

/* ---- server.c --------------------------------------------------------------------------- */

/* Writes one frame to the session (held back while stalled); counts it. */
void srv_write(struct session *s, const void *frame, size_t len);
/* Finishes b, writes it and advances the sequence number.  -1 on a build error (logged). */
int srv_send_build(struct session *s, struct oai_build *b);
/* One engine event as a frame under xref. */
void srv_send_event(struct session *s, const struct eng_event *ev, unsigned xref);
/* RS (sequence restarts at 000) and RD. */
void srv_send_rs(struct session *s, const char *code);
void srv_send_rd(struct session *s, const char *code, const char *ext);
/* The session's monitors are gone (keep-alive expiry, _RP, restart). */
void srv_forget_monitors(struct session *s);
/* The device-type monitor of key, or NULL. */
struct srv_mon *srv_mon_find(struct session *s, enum srv_mon_class cls, const char *key);
const char *srv_xref_str(const struct server *srv, unsigned xref, char *buf, size_t len);
/* A scratch buffer of at least len bytes for a CF. */
char *srv_out(struct server *srv, size_t len, size_t *cap);
void srv_ka_restart(struct session *s);
/* While on, engine events are queued; turning it off sends them (server_cmd.c brackets
 * each command with it, so the CF goes first). */
void srv_defer(struct server *srv, bool on);

/* ---- server_cmd.c ----------------------------------------------------------------------- */

/* Answers one command frame (rc: what oai_decode returned for it). */
void srv_command(struct session *s, struct oai_msg *m, int rc);

/* ---- server_cmd.c: confirmations and argument helpers shared by the handlers ---------- */

struct srv_cf {
	struct oai_build b;
	struct session *s;
	enum oai_cmd cmd;
	int outcome;
};

void srv_cf_begin(struct srv_cf *c, struct session *s, enum oai_cmd cmd, const char *inv,
    int outcome, size_t hint);
void srv_cf_end(struct srv_cf *c);
void srv_cf_simple(struct session *s, enum oai_cmd cmd, const char *inv, int outcome);
/* A refusal: logged with the reason, then the CF with the outcome. */
void srv_refuse(struct session *s, enum oai_cmd cmd, const char *inv, int outcome,
    const char *why);
/* The engine's outcome rc as a plain CF (refused with engine_error when not 0). */
void srv_done(struct session *s, enum oai_cmd cmd, const char *inv, int rc);
const char *srv_arg(const struct oai_msg *m, enum oai_field f);
long srv_num(const struct oai_msg *m, enum oai_field f, long def);
void srv_cf_text(struct srv_cf *c, enum oai_field f, const char *v);
/* Refuses with outcome 1 when a field of the list (ending in OAI_F_NONE) is missing. */
bool srv_need(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv,
    const enum oai_field *fields);

#define ENG(s) ((s)->srv->p->eng)
#define SITE(s) ((s)->srv->p->site)
#define NEED(...)                                                                      \
	do {                                                                           \
		static const enum oai_field need_[] = { __VA_ARGS__, OAI_F_NONE };     \
		if (!srv_need(s, m, cmd, inv, need_))                                      \
			return;                                                        \
	} while (0)

/* A command handler: answers with exactly one CF. */
typedef void srv_cmd_fn(struct session *s, const struct oai_msg *m, enum oai_cmd cmd,
    const char *inv);

/* ---- server_query.c --------------------------------------------------------------------- */

srv_cmd_fn srv_cmd_qx, srv_cmd_qh, srv_cmd_qf, srv_cmd_sp, srv_cmd_qa, srv_cmd_qc, srv_cmd_qt;
/* The node of an Affected_ID "N:" (0: any node). */
int srv_node_of(const char *aff);

/* ---- server_mon.c ----------------------------------------------------------------------- */

srv_cmd_fn srv_cmd_ms, srv_cmd_mp, srv_cmd_rr, srv_cmd_no, srv_cmd_na, srv_cmd_rp, srv_cmd_rt;
void srv_first_ready(struct server *srv);
/* Sends the resync snapshot of dev (monitored by s) with Resync_Code code. */
void srv_snapshot(struct session *s, const char *dev, const char *code);

#endif
