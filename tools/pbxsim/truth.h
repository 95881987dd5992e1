/*
 * truth.h - the ground truth: every call and feature change the simulator made, as JSON
 * lines, for tests to compare with Hookswitch's call records.
 *
 * The call engine reports what it does as it does it: truth_call_begin() when a call is
 * created, then ring, queue, answer, hold, retrieve, divert, transfer, conference, join,
 * leave, and truth_call_end() when the call no longer exists.  The writer keeps the call in
 * memory and writes it as one line at its end, then flushes, so a line is never half a call.
 * Feature changes and link faults are written as they happen (truth_event), Record-A-Call
 * legs when they end (truth_rac).  The schema is
 * in README.md ("Ground truth"); TRUTH_SCHEMA is bumped whenever it changes incompatibly.
 *
 * Times are epoch milliseconds given by the caller: the writer never reads a clock, so tests
 * and replays are exact.  Text (names, numbers) is taken as Latin-1, the OAI character set,
 * and written as UTF-8 JSON escaped by cJSON.
 *
 * Errors: the first write error is kept; every later call returns it and writes nothing
 * more, and truth_close() returns it.  A clean shutdown is truth_close(): calls still up
 * are written with cause "unfinished", then a "stop" line, and the file is closed.  A file
 * without a "stop" line was not closed cleanly.
 *
 * Not thread-safe: call from the engine's loop only.
 */
#ifndef PBXSIM_TRUTH_H
#define PBXSIM_TRUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "site.h"

#define TRUTH_SCHEMA 1

#define TRUTH_KIND_LIST(X)                                                      \
	X(INTERNAL, "internal")                                                 \
	X(INBOUND, "inbound")                                                   \
	X(OUTBOUND, "outbound")                                                 \
	X(TRUNK_TO_TRUNK, "trunk-to-trunk")

enum truth_kind {
#define X(id, name) TRUTH_##id,
	TRUTH_KIND_LIST(X)
#undef X
};

/* Why a call ended. */
#define TRUTH_CAUSE_LIST(X)                                                     \
	X(NORMAL, "normal")           /* answered, then cleared */              \
	X(ABANDONED, "abandoned")     /* the caller cleared before an answer */ \
	X(NO_ANSWER, "no-answer")     /* the PBX gave up ringing */             \
	X(BUSY, "busy")               /* the called party was busy */           \
	X(DND, "dnd")                 /* the called party was in DND */         \
	X(INVALID, "invalid")         /* the dialled number means nothing */    \
	X(TRUNKS_BUSY, "trunks-busy") /* no free trunk */                       \
	X(TRANSFERRED, "transferred") /* merged into another call by transfer */ \
	X(CONFERENCED, "conferenced") /* merged into a conference */            \
	X(FAILED, "failed")           /* any other failure */                   \
	X(UNFINISHED, "unfinished")   /* still up at truth_close() */

enum truth_cause {
#define X(id, name) TRUTH_CAUSE_##id,
	TRUTH_CAUSE_LIST(X)
#undef X
};

#define TRUTH_HOLD_LIST(X)                                                      \
	X(INDIVIDUAL, "individual")                                             \
	X(SYSTEM, "system")                                                     \
	X(TRANSFER, "transfer")                                                 \
	X(CONFERENCE, "conference")

enum truth_hold {
#define X(id, name) TRUTH_HOLD_##id,
	TRUTH_HOLD_LIST(X)
#undef X
};

/* announced: completed after the destination answered the consult call; ring: completed
 * while it still rang (unannounced); blind: one step, without a consult call. */
#define TRUTH_XFER_LIST(X)                                                      \
	X(ANNOUNCED, "announced")                                               \
	X(RING, "ring")                                                         \
	X(BLIND, "blind")

enum truth_xfer {
#define X(id, name) TRUTH_XFER_##id,
	TRUTH_XFER_LIST(X)
#undef X
};

/* Why a call moved from one device to another without anyone answering. */
#define TRUTH_DIVERT_LIST(X)                                                    \
	X(FORWARD, "forward")         /* manual forward of the device */        \
	X(DND, "dnd")                                                           \
	X(NO_ANSWER, "no-answer")     /* forward on no answer */                \
	X(BUSY, "busy")               /* forward on busy */                     \
	X(HUNT, "hunt")               /* a hunt group moved on to another member */ \
	X(OVERFLOW, "overflow")       /* a hunt group's overflow */             \
	X(PICKUP, "pickup")

enum truth_divert {
#define X(id, name) TRUTH_DIVERT_##id,
	TRUTH_DIVERT_LIST(X)
#undef X
};

/* The text fields of a call, set at begin or later with truth_call_set(). */
#define TRUTH_FIELD_LIST(X)                                                     \
	X(CALLER, "caller")           /* extension or trunk that originated it */ \
	X(DIALLED, "dialled")         /* digits dialled; inbound: the DDI */    \
	X(OUTSIDE, "outside")         /* outbound: the number after the access code */ \
	X(TRUNK, "trunk")             /* the (first) trunk */                   \
	X(DDI, "ddi")                                                           \
	X(DDI_NAME, "ddi_name")       /* route name, sent as Trunk_Name */      \
	X(CLI, "cli")                                                           \
	X(CLI_NAME, "cli_name")                                                 \
	X(ACCOUNT, "account")                                                   \
	X(HUNTGROUP, "huntgroup")     /* the first hunt group it reached */     \
	X(AGENT, "agent")             /* the first agent who answered */

enum truth_field {
#define X(id, name) TRUTH_F_##id,
	TRUTH_FIELD_LIST(X)
#undef X
	TRUTH_F_COUNT
};

#define TRUTH_EV_LIST(X)                                                        \
	X(DND, "dnd")                                                           \
	X(FORWARD, "forward")                                                   \
	X(AGENT, "agent")                                                       \
	X(LINK, "link")

enum truth_ev_type {
#define X(id, name) TRUTH_EV_##id,
	TRUTH_EV_LIST(X)
#undef X
};

typedef struct truth truth;
typedef struct truth_call truth_call;

/* Written in the "start" line. */
struct truth_meta {
	int64_t at;               /* epoch ms */
	const char *site;         /* site name */
	const char *scenario;     /* scenario file, or NULL for load mode */
	bool has_seed;
	uint64_t seed;            /* load mode */
};

/* What is known when a call is created.  NULL fields are unknown (JSON null). */
struct truth_call_info {
	const char *id;           /* the OAI Call_ID */
	const char *label;        /* the scenario's label */
	const char *parent;       /* consult calls: Call_ID of the call held for them */
	enum truth_kind kind;
	const char *fields[TRUTH_F_COUNT];
};

/* A non-call record.  Only the fields of its type are written. */
struct truth_event {
	int64_t at;
	enum truth_ev_type type;
	const char *dev;          /* DND, FORWARD: extension; AGENT: station (NULL if none) */
	bool on;                  /* DND */
	int dnd_msg;              /* DND on: message number */
	const char *text;         /* DND on: message text; custom text in dnd_text */
	const char *dnd_text;
	enum site_fwd fwd;        /* FORWARD (SITE_FWD_OFF: cancelled) */
	const char *dest;         /* FORWARD */
	const char *agent;        /* AGENT: agent ID */
	enum site_agent_state state; /* AGENT: the new state */
	const char *group;        /* AGENT: hunt group, NULL = all its groups */
	const char *what;         /* LINK: connect, disconnect, drop, restart, garbage, stall */
	int64_t dur;              /* LINK drop, stall: ms */
};

/* ---- the file --------------------------------------------------------------------------- */

/* Creates (truncates) path, "-" for stdout, and writes the "start" line.  On failure *tp is
 * NULL: HS_ENOTFOUND (no such directory), HS_EIO (errno kept), HS_ENOMEM. */
hs_err truth_open(truth **tp, const char *path, const struct truth_meta *meta);
/* The same on an open stream; close_fp says whether truth_close() closes it. */
hs_err truth_open_stream(truth **tp, FILE *fp, bool close_fp, const struct truth_meta *meta);
/* Ends every call still up as "unfinished" at `at`, writes the "stop" line, flushes and
 * closes.  Frees t whatever happens; returns the first error of the file's life. */
hs_err truth_close(truth *t, int64_t at);
/* The first error so far (HS_OK, HS_EIO or HS_ENOMEM); for HS_EIO errno was saved. */
hs_err truth_error(const truth *t, int *saved_errno);
/* Calls begun and not yet ended. */
size_t truth_active(const truth *t);

/* ---- calls ------------------------------------------------------------------------------ */

/* NULL only when out of memory (then truth_error says so). */
truth_call *truth_call_begin(truth *t, int64_t at, const struct truth_call_info *info);
/* Sets a text field; a later set replaces an earlier one. */
hs_err truth_call_set(truth_call *c, enum truth_field f, const char *value);
/* The call became another kind (an inbound call transferred out: trunk-to-trunk). */
hs_err truth_call_kind(truth_call *c, enum truth_kind kind);

/* Alerting at dev; group is the hunt group it rings for, or NULL. */
hs_err truth_call_ring(truth_call *c, int64_t at, const char *dev, const char *group);
/* Camped on a hunt (or trunk) group at a queue position (1 = next). */
hs_err truth_call_queue(truth_call *c, int64_t at, const char *group, int position);
/* Answered at dev; agent is the agent ID logged on there, or NULL.  An outside party
 * answering an outbound call is its trunk. */
hs_err truth_call_answer(truth_call *c, int64_t at, const char *dev, const char *agent);
hs_err truth_call_hold(truth_call *c, int64_t at, const char *dev, enum truth_hold kind);
hs_err truth_call_retrieve(truth_call *c, int64_t at, const char *dev);
hs_err truth_call_divert(truth_call *c, int64_t at, const char *from, const char *to,
    enum truth_divert reason);
/*
 * Transferred by `by`: `party` (the one on hold, e.g. the trunk) now goes to `to`.
 * consult is the Call_ID of the consult call (NULL for blind).
 */
hs_err truth_call_transfer(truth_call *c, int64_t at, enum truth_xfer type, const char *by,
    const char *party, const char *to, const char *consult);
/* Conference formed by `by` with parties[0..n); merged is the Call_ID of the call merged
 * into this one (it ends with cause "conferenced"), or NULL. */
hs_err truth_call_conference(truth_call *c, int64_t at, const char *by,
    const char *const *parties, size_t n, const char *merged);
/* A party joined (e.g. a trunk seized for an outbound call) or left while the call goes on. */
hs_err truth_call_join(truth_call *c, int64_t at, const char *dev);
hs_err truth_call_leave(truth_call *c, int64_t at, const char *dev);
/* The call no longer exists.  Writes its line, flushes, and frees c (whatever the result). */
hs_err truth_call_end(truth_call *c, int64_t at, const char *cleared_by,
    enum truth_cause cause);

/* ---- other records ---------------------------------------------------------------------- */

/* Writes one non-call line at once, and flushes. */
hs_err truth_event(truth *t, const struct truth_event *ev);

/* One Record-A-Call leg (sipvm.c): the SIP call to the voice mail and what it carried. */
struct truth_rac {
	const char *call;         /* the OAI Call_ID of the recorded call */
	const char *extension;    /* the recorded station */
	const char *sip_call_id;  /* the INVITE's Call-ID (NULL: none was sent) */
	int64_t invoked;          /* epoch ms: the _EF */
	int64_t answered;         /* the 200 OK; -1 = never (null) */
	int64_t ended;            /* BYE sent or received, CANCEL, or the failure */
	const char *status;       /* "recorded" (answered), "rejected" (a final response
				   * >= 300), "failed" (no answer: timeout, transport, stop) */
	int sip_status;           /* final status of the INVITE, 0 when none came */
	uint64_t packets;         /* RTP packets sent on the wire */
	uint64_t samples;         /* the audio they carried (8 kHz samples) */
};
/* Writes a "rac" line at once, and flushes. */
hs_err truth_rac(truth *t, const struct truth_rac *r);

const char *truth_kind_name(enum truth_kind kind);
const char *truth_cause_name(enum truth_cause cause);

#endif
