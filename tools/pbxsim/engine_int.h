/*
 * engine_int.h - what engine.c, engine_call.c and engine_feature.c share: the model of
 * devices, agents and calls, and the helpers that change it and report the changes.
 *
 * The model:
 *   - a device (struct eng_dev) for every station (extension, phantom, voice mail), trunk
 *     and hunt group of the site, found by number;
 *   - an agent (struct eng_agent) for every [agent] of the site;
 *   - a call (struct eng_call) from creation to its end, with up to ENG_MAX_PARTIES
 *     parties: a device and its Local_Cnx_State in the call (A alerting, C connected,
 *     H held, F failed, Q queued; I is never used: dialling is instantaneous).  A trunk is
 *     a party for the outside world: connected from its seizure (incoming: from the first
 *     ring; outgoing: when dialled, "far" answers through it).  A hunt group is a party
 *     while the call is queued on it.
 * A call ends when fewer than two parties remain after one leaves (a failed call: when
 * its caller leaves).
 *
 * Every change goes through the emit helpers, which build one event and send one copy
 * per device involved (see engine.h), and through the truth helpers.  After each top-level
 * operation eng_done() serves the hunt-group queues (a station or agent may have become
 * free) and calls ops.changed.
 */
#ifndef PBXSIM_ENGINE_INT_H
#define PBXSIM_ENGINE_INT_H

#include <stdarg.h>

#include "engine.h"
#include "map.h"

#define ENG_MAX_PARTIES 10
#define ENG_MAX_HOPS 5              /* forwarding chain before the PBX gives up */
#define ENG_REORDER_S 30            /* a failed call clears itself after this (scaled) */

enum eng_dev_kind { ENG_STATION, ENG_TRUNK, ENG_HUNT };

struct eng_agent;

struct eng_dev {
	char number[SITE_NUM_MAX];
	enum eng_dev_kind kind;
	const struct site_ext *ext;     /* stations */
	const struct site_trunk *trunk; /* trunks */
	const struct site_huntgroup *hg; /* hunt groups */
	/* stations */
	int dnd;                        /* message number, 0 = off */
	char dnd_text[SITE_DND_MAX];
	enum site_fwd fwd;
	char fwd_dest[SITE_DIAL_MAX];
	struct eng_agent *agent;        /* logged on here */
	int64_t idle_since;             /* when its last call ended (UCD: longest idle) */
	/* hunt groups */
	size_t last;                    /* distributed: index of the member that took the last */
	bool taken;                     /* distributed: last is valid */
};

struct eng_agent {
	const struct site_agent *sa;
	struct eng_dev *station;        /* NULL = logged off */
	enum site_agent_state state;
	int64_t idle_since;             /* when it last became ready (ACD: longest idle) */
	int64_t t_wrapup;               /* automatic wrap-up ends; 0 = none */
	bool released;                  /* left an ACD call: wrap-up once the operation ends */
	struct eng_dev *released_from;  /* the ACD group of that call */
};

struct eng_party {
	struct eng_dev *dev;
	char lcs;
	bool member;                    /* rung as a member of c->hunt */
};

struct eng_call {
	char id[ENG_ID_MAX];
	char label[SCN_LABEL_MAX];
	char parent[ENG_ID_MAX];        /* consult calls: the call held for them */
	struct eng_party p[ENG_MAX_PARTIES];
	int np;
	struct eng_dev *caller;         /* the calling party now (changes with transfers) */
	struct eng_dev *origin;         /* who created it */
	struct eng_dev *answerer;       /* the last to answer */
	struct eng_dev *in_trunk;       /* the incoming trunk (inbound calls) */
	struct eng_dev *out_trunk;      /* the outgoing trunk, if it went off-net */
	struct eng_dev *hunt;           /* the group delivering it (queued or ringing members) */
	struct eng_dev *acd;            /* the ACD group it was answered through */
	struct eng_agent *agent;        /* the agent who answered it through acd */
	char via[ENG_MAX_VIA][SITE_NUM_MAX];
	unsigned nvia;
	char dialled[SITE_DIAL_MAX];
	char outside[SITE_DIAL_MAX];    /* the number after the access code */
	char cli[SCN_CLI_MAX];
	char cli_name[SCN_NAME_MAX];
	char ddi[SITE_EXT_NUM_MAX];
	char trunk_name[SITE_DESC_MAX];
	char account[SCN_ACCOUNT_MAX];
	char orig_called[SITE_NUM_MAX];
	char last_redir[SITE_NUM_MAX];
	char called_num[SITE_DIAL_MAX]; /* what the caller dialled, for FA */
	int de_cause;                   /* DE Event_Cause: 22 new, 40 announcement, 32 transfer */
	bool answered;
	bool far_answered;              /* the outgoing trunk's far end answered */
	bool queued;
	uint64_t qseq;                  /* queue order */
	enum truth_cause fail;          /* why a party is in F */
	int fail_cause;                 /* and the FA Event_Cause */
	char failed_ext[SITE_NUM_MAX];
	int hops;
	int64_t t_noanswer;             /* forward on no answer of noanswer_dev */
	struct eng_dev *noanswer_dev;
	int64_t t_ring;                 /* linear/distributed: move to the next member */
	int64_t t_overflow;
	int64_t t_reorder;              /* a failed call clears itself */
	truth_call *tc;
	struct eng_call *next;
};

struct engine {
	const struct site *site;
	struct engine_ops ops;
	void *arg;
	truth *truth;
	double speed;
	struct eng_dev *devs;
	size_t ndevs;
	hs_map *bynum;                  /* number -> struct eng_dev */
	struct eng_agent *agents;
	size_t nagents;
	struct eng_call *calls;         /* in creation order */
	unsigned next_id;
	uint64_t qseq;
	struct engine_stats st;
	int depth;                      /* nesting of operations (eng_begin/eng_done) */
	char err[ENG_ERR_MAX];
};

/* ---- engine.c, engine_event.c, engine_view.c -------------------------------------------- */

/* Operations: eng_begin at the start, return eng_done(e, outcome) at the end. */
void eng_begin(struct engine *e);
int eng_done(struct engine *e, int outcome);
/* Sets the error sentence and returns outcome. */
int eng_fail(struct engine *e, int outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The call and the device an operation names: 0, or the failed outcome (Invalid_Call_
 * Identifier, Invalid_Device_Identifier) with its sentence set. */
int eng_find(struct engine *e, const char *id, const char *devnum, struct eng_call **c,
    struct eng_dev **dev);

int64_t eng_now(struct engine *e);
int64_t eng_wall(struct engine *e);
/* ms from now after `secs` site seconds, scaled by the speed factor (never 0). */
int64_t eng_after(struct engine *e, double secs);

struct eng_dev *eng_dev(const struct engine *e, const char *number);
struct eng_agent *eng_agent(const struct engine *e, const char *id);
struct eng_call *eng_call(const struct engine *e, const char *id);
struct eng_call *eng_call_new(struct engine *e, const char *label);
/* Ends the call: truth line, CC to call-level monitors, frees it.  Stations left idle. */
void eng_call_end(struct engine *e, struct eng_call *c, struct eng_dev *cleared_by,
    enum truth_cause cause, const char *xfer_call, const char *xfer_dest);

struct eng_party *eng_party(struct eng_call *c, const struct eng_dev *dev);
struct eng_party *eng_party_add(struct eng_call *c, struct eng_dev *dev, char lcs);
void eng_party_del(struct engine *e, struct eng_call *c, struct eng_dev *dev);
char eng_lcs(const struct eng_call *c, const struct eng_dev *dev);
int eng_count(const struct eng_call *c, char lcs);
/* Busy for a call delivered to it: in any call, a held one too (no call waiting; load mode
 * predicts so).  Voice mail is never busy.  Making or retrieving a call only needs the
 * station not to be active elsewhere (held calls aside). */
bool eng_busy(const struct engine *e, const struct eng_dev *dev);
/* In any call at all. */
bool eng_in_call(const struct engine *e, const struct eng_dev *dev);
/* 'I' for stations and hunt groups, 'E' for trunks. */
char eng_side(const struct eng_dev *dev);
void eng_via(struct eng_call *c, const struct eng_dev *group);

/* Recipients of one event. */
struct eng_rcpt {
	struct eng_dev *dev[ENG_MAX_PARTIES * 2];
	char lcs[ENG_MAX_PARTIES * 2];  /* 0: the device's LCS in the call; '-': blank */
	bool flag[ENG_MAX_PARTIES * 2]; /* ENG_TR_ANN: blank Announcement_Call_ID */
	int n;
};
void eng_rcpt_add(struct eng_rcpt *r, struct eng_dev *dev);
/* Adds dev with a given LCS (for a device whose state in this call is not its LCS). */
void eng_rcpt_add_lcs(struct eng_rcpt *r, struct eng_dev *dev, char lcs, bool flag);
/* first (if not NULL), then every party of c in order. */
void eng_rcpt_parties(struct eng_rcpt *r, const struct eng_call *c, struct eng_dev *first);

/* Event builders: start, set fields (values are copied), then send. */
void eng_ev_start(struct eng_event *ev, enum oai_event code, const struct eng_call *c);
void eng_ev_str(struct eng_event *ev, enum oai_field f, const char *s);
void eng_ev_int(struct eng_event *ev, enum oai_field f, long v);
void eng_ev_chr(struct eng_event *ev, enum oai_field f, char ch);
void eng_ev_party(struct eng_event *ev, const char *ext, const char *call);

/*
 * Sends ev once per recipient, with that recipient's LCS in c (N when not a party); then,
 * for call events, once at call level.  Flags: ENG_XC_BLANK writes a blank LCS for every
 * recipient except `subject` (XC of another party, oai.md 7.3); ENG_NO_CALL_LEVEL skips
 * the call-level copy; ENG_TR_ANN blanks Announcement_Call_ID for `subject` (TR sent to the
 * transferred party); ENG_SUBJECT sets CO's Subject_Ext to each recipient.
 */
#define ENG_XC_BLANK 0x1
#define ENG_NO_CALL_LEVEL 0x2
#define ENG_TR_ANN 0x4
#define ENG_SUBJECT 0x8
void eng_send(struct engine *e, struct eng_event *ev, const struct eng_call *c,
    const struct eng_rcpt *r, const struct eng_dev *subject, unsigned flags);
/* Sends a device event (DND, FW, agent events) to one device. */
void eng_send_dev(struct engine *e, struct eng_event *ev, const struct eng_dev *dev);
/* Sends a device event to a device given by number (an agent ID). */
void eng_send_num(struct engine *e, struct eng_event *ev, const char *number);

/* The common call event layouts, for c, sent to r (see eng_send for flags). */
void eng_emit_de(struct engine *e, struct eng_call *c, struct eng_dev *alerting,
    const struct eng_rcpt *r);
void eng_emit_es(struct engine *e, struct eng_call *c, struct eng_dev *answering,
    const struct eng_rcpt *r);
void eng_emit_xc(struct engine *e, struct eng_call *c, struct eng_dev *cleared,
    struct eng_dev *terminating, int cause, const struct eng_rcpt *r);
void eng_emit_qu(struct engine *e, struct eng_call *c, struct eng_dev *group, int position,
    const struct eng_rcpt *r);
void eng_emit_he(struct engine *e, struct eng_call *c, struct eng_dev *holder, int cause,
    const struct eng_rcpt *r);
void eng_emit_fa(struct engine *e, struct eng_call *c, struct eng_dev *failed, int cause,
    const struct eng_rcpt *r);
void eng_emit_co(struct engine *e, struct eng_call *c, const char *secondary,
    struct eng_dev *controller, const struct eng_rcpt *r);
void eng_emit_di(struct engine *e, struct eng_call *c, struct eng_dev *from,
    const char *to, const char *outside, int cause, const struct eng_rcpt *r);

/* Truth helpers: no-ops without a truth file. */
void eng_t_ring(struct engine *e, struct eng_call *c, const struct eng_dev *dev,
    const struct eng_dev *group);
void eng_t_answer(struct engine *e, struct eng_call *c, const struct eng_dev *dev,
    const char *agent);
void eng_t_divert(struct engine *e, struct eng_call *c, const char *from, const char *to,
    enum truth_divert why);
void eng_t_set(struct eng_call *c, enum truth_field f, const char *v);
/* The FW event's view of a forward: an internal number, or the access code and the number. */
void eng_fwd_split(const struct engine *e, const struct eng_dev *d, char *dest, size_t dlen,
    char *outside, size_t olen);

/* ---- engine_call.c ---------------------------------------------------------------------- */

/*
 * Delivers c to `digits` (a number or dialled string) on behalf of c->caller: a station
 * (forwarding, DND, busy), a hunt group, or an outside number through a trunk.  cause is
 * the DE cause; redir is who sent it on (Last_Redirection_Ext), or NULL.
 */
void eng_deliver(struct engine *e, struct eng_call *c, const char *digits, int cause,
    struct eng_dev *redir);
/* The caller of c hears reorder: FA (cause) at the caller, which stays in F until it hangs
 * up or the reorder timer clears it.  failed names the device (or group) that refused. */
void eng_fail_call(struct engine *e, struct eng_call *c, const char *failed, int cause,
    enum truth_cause why);
/* Rings station dev (DE to it and the others). */
void eng_ring(struct engine *e, struct eng_call *c, struct eng_dev *dev, bool member);
/* Timers of calls. */
void eng_call_timers(struct engine *e, struct eng_call *c, int64_t now);
/* A station just became free, or the call no longer needs it: update idle times. */
void eng_station_freed(struct engine *e, struct eng_dev *dev);

/* What kind of call c is now, from its trunks and parties (truth "kind"). */
enum truth_kind eng_kind_now(const struct eng_call *c);

/* ---- engine_xfer.c ---------------------------------------------------------------------- */

/* Completes the transfer of `held` (held at dev) to its announcement call `consult`. */
int eng_transfer_core(struct engine *e, struct eng_dev *dev, struct eng_call *held,
    struct eng_call *consult, struct eng_xfer *out);

/* ---- engine_feature.c ------------------------------------------------------------------- */

/* Puts a call on hunt group g (pilot dialled or overflow). */
void eng_hunt_enter(struct engine *e, struct eng_call *c, struct eng_dev *g);
/* Rings the next free member of g for c, or returns false when none is free. */
bool eng_hunt_offer(struct engine *e, struct eng_call *c, struct eng_dev *g);
/* Serves every queue whose group has a free member. */
void eng_hunt_serve(struct engine *e);
/* Removes c from its group's queue and member ringing (answered, overflowed, ended). */
void eng_hunt_leave(struct engine *e, struct eng_call *c);
/* The hunt group timers of c. */
void eng_hunt_timers(struct engine *e, struct eng_call *c, int64_t now);
/* Agent timers (automatic wrap-up). */
void eng_agent_timers(struct engine *e, int64_t now);
/* The agent at dev leaves an ACD call of group g: automatic wrap-up. */
void eng_agent_released(struct engine *e, struct eng_agent *a, struct eng_dev *g);
/* Is agent a available for a call of its groups? */
bool eng_agent_free(const struct engine *e, const struct eng_agent *a);
/* ACD/UCD_Mode of an agent for _QH (oai.md 5.8). */
int eng_agent_mode(const struct eng_agent *a);

#endif
