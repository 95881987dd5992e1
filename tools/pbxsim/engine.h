/*
 * engine.h - the call engine of the simulated PBX: devices, calls, hunt groups, agents, DND
 * and forwarding, and the OAI events that report them (oai.md 4.2-4.4, 6.2, 7.3).
 *
 * The engine knows nothing of sockets.  Whoever drives it (the OAI server for commands, the
 * runner for scenario and load actions, the control socket, the unit test) calls the
 * engine_* operations below; each returns an OAI Outcome (oai.md 3.4): 0 on success, else
 * the code a PBX would put in the command's CF, with a sentence in engine_error().  What
 * the operation did is reported as it happens, in order:
 *
 *   - events, through ops.emit: one struct eng_event per monitored device involved (device
 *     set, with that device's Local_Cnx_State), then one call-level copy (device "") for
 *     call, calls-via-device and call-termination monitors.  The server turns each copy into
 *     a frame for every session with a monitor on that device (xref and sequence number are
 *     the session's); the test sink just records them;
 *   - the ground truth (truth.h), when a truth file is set;
 *   - ops.changed, once per top-level operation, so the caller can re-arm its timer
 *     (engine_next_deadline) and retry actions that wait for a call to ring.
 *
 * Time: ops.now is a monotonic millisecond clock for the engine's own timers (forward on no
 * answer, hunt-group ring and overflow timeouts, automatic wrap-up, reorder); every such
 * duration from the site is divided by the speed factor (engine_set_speed).  ops.wall gives
 * the epoch milliseconds written to the truth file.  The engine never reads a clock itself,
 * so the unit test drives time by hand.
 *
 * Single-threaded: call everything from the loop that owns the engine.  Operations may be
 * called from inside ops.emit or ops.changed only if the caller accepts the re-entrancy
 * (nobody does: the server queues, the runner defers).
 *
 * The structs below are read-only views for the server, the control socket and the tests;
 * only engine*.c change them.
 */
#ifndef PBXSIM_ENGINE_H
#define PBXSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "oai.h"
#include "scenario.h"
#include "site.h"
#include "truth.h"

#define ENG_ID_MAX 16        /* Call_IDs: decimal counter from 1000 */
#define ENG_EV_FIELDS 32     /* fields of one event */
#define ENG_EV_POOL 1024     /* bytes for their values */
#define ENG_EV_PARTIES 8     /* CO: Number_Of_Parties <= 8 (oai.md 4.3) */
#define ENG_MAX_VIA 4        /* hunt groups a call is remembered to have passed */
#define ENG_ERR_MAX 256

/*
 * One event as reported under one monitored device.  Values live in pool (offsets, not
 * pointers), so an event can be copied with memcpy and queued: the server does so while it
 * answers a command, to send the CF before the events the command caused.
 */
struct eng_event {
	enum oai_event ev;
	char device[SITE_NUM_MAX];      /* the monitored device of this copy; "" = call level */
	char call_id[ENG_ID_MAX];       /* the call it is about (call events), else "" */
	char via[ENG_MAX_VIA][SITE_NUM_MAX]; /* hunt groups the call came through */
	unsigned nvia;
	const char *resync;             /* NULL: live; else the Resync_Code (snapshots) */
	unsigned nf;
	struct {
		uint16_t id;            /* enum oai_field */
		uint16_t off;           /* value at pool + off */
	} f[ENG_EV_FIELDS];
	unsigned nparty;                /* CO parties */
	struct {
		uint16_t ext, call;
	} party[ENG_EV_PARTIES];
	uint16_t used;
	char pool[ENG_EV_POOL];
};

/* The value of field i of ev; "" when unset. */
static inline const char *
eng_ev_val(const struct eng_event *ev, unsigned i)
{
	return ev->pool + ev->f[i].off;
}
/* The value of field id, or NULL when the event does not carry it. */
const char *eng_ev_get(const struct eng_event *ev, enum oai_field id);

struct engine_ops {
	/* One copy of an event (see the top of this file).  Required. */
	void (*emit)(void *arg, const struct eng_event *ev);
	/* The state or the timers changed (after each top-level operation).  Optional. */
	void (*changed)(void *arg);
	/* Monotonic ms (timers) and epoch ms (truth).  Required. */
	int64_t (*now)(void *arg);
	int64_t (*wall)(void *arg);
	/* Device dev is no longer a party of call id (hung up, cleared, transferred away,
	 * merged into a conference); dev NULL: the call itself ended (after its parties).
	 * Only a report: the callback must not call the engine.  Optional (Record-A-Call
	 * legs end here: pbxsim.c). */
	void (*left)(void *arg, const char *id, const char *dev);
};

struct engine_stats {
	uint64_t events;                /* event copies emitted */
	uint64_t calls_total;           /* calls created */
	uint64_t calls_active;
	uint64_t ops, ops_failed;       /* operations and those refused */
};

struct engine;

/* ---- engine.c, engine_event.c, engine_view.c: life cycle, timers, views ----------------- */

/* NULL when out of memory.  The site must outlive the engine. */
struct engine *engine_new(const struct site *site, const struct engine_ops *ops, void *arg);
void engine_free(struct engine *e);
/* Ground truth: every call from now on is recorded there (NULL: none).  Calls still up at
 * engine_free are left to truth_close, which writes them as unfinished. */
void engine_set_truth(struct engine *e, truth *t);
/* Site durations (no-answer, ring, overflow, wrap-up, reorder) are divided by speed (> 0). */
void engine_set_speed(struct engine *e, double speed);
const struct site *engine_site(const struct engine *e);
/* The sentence of the last refused operation. */
const char *engine_error(const struct engine *e);
struct engine_stats engine_stats(const struct engine *e);

/* Monotonic ms of the earliest engine timer, INT64_MAX when none. */
int64_t engine_next_deadline(const struct engine *e);
/* Runs every timer due at ops.now(). */
void engine_run_timers(struct engine *e);

/* The simulator's own view as JSON (control socket `state`). */
cJSON *engine_state_json(const struct engine *e);

/*
 * Snapshot of one device for a resync (_RR, _MS types 5 and 6; oai.md 2.5): DND, FW, and
 * for every call at the device the events that describe it.  Each goes to cb with
 * ev->device = dev and ev->resync = resync; nothing goes through ops.emit.
 */
void engine_snapshot(struct engine *e, const char *dev, const char *resync,
    void (*cb)(void *arg, const struct eng_event *ev), void *arg);

/* Is number a device the engine models (station, trunk or hunt group)? */
bool engine_has_device(const struct engine *e, const char *number);
/* The agent ID logged on at station, or NULL. */
const char *engine_agent_at(const struct engine *e, const char *station);
/* Does the call exist? */
bool engine_has_call(const struct engine *e, const char *id);
/*
 * Is station dev talking (LCS C in an answered call) in call id (NULL or "": its active
 * call)?  0
 * with the Call_ID in out; else the outcome with engine_error(): 9 no such device, 3 not a
 * station that can talk (trunk, hunt group, phantom, voice mail), 8 no such call, 14 not a
 * party of that call, 16 in it but not talking (ringing, held, calling a station that
 * still rings) or in no active call.
 */
int engine_connected(struct engine *e, const char *dev, const char *id, char out[ENG_ID_MAX]);

/*
 * _QH: the entries of hunt group pilot (agents with their station and ACD/UCD_Mode, or the
 * member stations with a blank agent), and its Hunt_Group_Type.  Returns the number of
 * entries (at most max), -1 when pilot is not a hunt group.
 */
struct eng_qh_entry {
	const char *agent;              /* "" for member stations */
	const char *device;             /* "" when logged out */
	int mode;                       /* oai.md 5.8 */
};
int engine_qh(const struct engine *e, const char *pilot, struct eng_qh_entry *out,
    size_t max, int *hunt_type);
/* _QF: forward type letter and destination of station ext (false: not a station). */
bool engine_forward_of(const struct engine *e, const char *ext, char *type, char *dest,
    size_t destlen);
/* _SP: the calls at dev with dev's Local_Cnx_State; returns how many (at most max). */
size_t engine_calls_at(const struct engine *e, const char *dev, char (*ids)[ENG_ID_MAX],
    char *lcs, size_t max);
/* _QA: the agent's groups and mode; returns how many groups (-1: no such agent). */
int engine_agent_groups(const struct engine *e, const char *agent, const char **groups,
    size_t max, int *mode);

/*
 * Resolves who acts in call id for a scenario action: a device number (checked to be in the
 * call, except for SCN_PARTY_DEV), the caller, the last answerer, the outside party, or
 * (SCN_PARTY_ANY) the device where the call rings now.  NULL when there is none (the call
 * is queued, has ended, or nobody answered yet).
 */
const char *engine_resolve(const struct engine *e, const char *id, enum scn_party who,
    const char *dev);

/* Forward type letter on the wire for a forward kind ('I', 'B', 'N', 'D'; oai.md 5.11 [A]),
 * and back (-1 when unknown). */
char engine_fwd_letter(enum site_fwd fwd);
int engine_fwd_parse_letter(int letter);

/* ---- engine_call.c, engine_xfer.c: calls ------------------------------------------------ */

struct eng_call_req {
	const char *from;               /* the calling station */
	const char *digits;             /* as dialled (oai.md 3.5 characters) */
	const char *account;            /* NULL or "" = none */
	const char *label;              /* the scenario's label, for the truth file */
	const char *consult_of;         /* _MC Call_ID_Of_Call_To_Transfer / consult: the call
					 * to put on transfer hold first (NULL = a plain call) */
};

/* Makes a call (_MC, scenario `call` and `consult`).  The new Call_ID goes to id.  A busy
 * or DND destination is not an error: the call exists and fails (FA) at the caller. */
int engine_call(struct engine *e, const struct eng_call_req *r, char id[ENG_ID_MAX]);

struct eng_inbound_req {
	const char *trunk;
	const char *ddi;
	const char *cli;                /* "" = withheld */
	const char *name;               /* caller's name, "" = none */
	const char *label;
};
/* An outside call arrives on trunk for ddi (scenario `inbound`). */
int engine_inbound(struct engine *e, const struct eng_inbound_req *r, char id[ENG_ID_MAX]);

/* dev answers call id where it rings; a trunk (the far end) answers an outgoing call. */
int engine_answer(struct engine *e, const char *dev, const char *id);
/* dev leaves call id (_CX, hang-up); the call ends when fewer than two parties remain.
 * complete_transfer: dev has held id's parent for this consult call: transfer instead. */
int engine_hangup(struct engine *e, const char *dev, const char *id, bool complete_transfer);
/* Every party leaves (_CC). */
int engine_clear_call(struct engine *e, const char *dev, const char *id);
/* Hold (cause 42 individual, 37 system, 38 for transfer, 39 for conference) and retrieve. */
int engine_hold(struct engine *e, const char *dev, const char *id, int cause);
int engine_retrieve(struct engine *e, const char *dev, const char *id);

/* What _TR / _TO confirm (oai.md 3.6). */
struct eng_xfer {
	char call_id[ENG_ID_MAX];
	char dest[SITE_NUM_MAX];
	char transferred[SITE_NUM_MAX];
	char name[SCN_NAME_MAX];
	char cli[SCN_CLI_MAX];
	char trunk_name[SITE_DESC_MAX];
	char ddi[SITE_EXT_NUM_MAX];
};
/* Completes the transfer of held call `held` to its consult call `consult` (_TR):
 * announced when the consult call was answered, else to ring. */
int engine_transfer(struct engine *e, const char *dev, const char *held, const char *consult,
    struct eng_xfer *out);
/* One-step (blind) transfer of call id to digits (_TO). */
int engine_transfer_blind(struct engine *e, const char *dev, const char *id,
    const char *digits, struct eng_xfer *out);

struct eng_conf {
	char call_id[ENG_ID_MAX];
	size_t n;
	char ext[ENG_EV_PARTIES][SITE_NUM_MAX];
};
/* Joins held call `held` and its consult call `active` (_CN). */
int engine_conference(struct engine *e, const char *dev, const char *held, const char *active,
    struct eng_conf *out);

/* ---- engine_feature.c: DND, forwarding, agents ------------------------------------------ */

/* msg 1..ndnd (0 = the first); text "" = none. */
int engine_dnd(struct engine *e, const char *ext, bool on, int msg, const char *text);
/* fwd SITE_FWD_OFF cancels; dest as dialled (extension, pilot or access code + number). */
int engine_forward(struct engine *e, const char *ext, enum site_fwd fwd, const char *dest);
/*
 * Agent state.  who is an agent ID (or, for logon by a station, the station when agent is
 * NULL: the agent logged on there); station is where LOGON logs on.  group NULL = all.
 */
int engine_agent(struct engine *e, const char *agent, enum scn_agent_op op,
    const char *station);

#endif
