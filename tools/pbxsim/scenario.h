/*
 * scenario.h - what happens when: the one input format of the call engine.
 *
 * A scenario is a time-ordered array of typed actions ("at 2.0 s, 1001 answers call c1").
 * It comes from a scenario file (scenario_load / scenario_parse, grammar in README.md,
 * "Scenario files") or from the load generator (load.h), which builds it with
 * scenario_new / scenario_add_call / scenario_add_action.  scenario_write() prints any
 * scenario back in file syntax, so a generated load can be saved and replayed.
 *
 * Calls are named by labels ("c1") in the file and by index into scn->calls in the actions,
 * so the engine can keep its per-call state in an array of ncalls.  A consult call is a call
 * of its own (it gets its own OAI Call_ID); its parent is the call it consults from.
 *
 * Parsing checks the syntax and the labels only; scenario_check() then checks the numbers
 * against a site (extensions exist, digits mean something, the trunk and DDI exist...).
 * Both report the first error as "file:line: verb: reason".  Whether an action makes sense
 * at its moment (answering a call that is not ringing there) is for the engine to decide
 * when it runs, the way a PBX would refuse it.
 */
#ifndef PBXSIM_SCENARIO_H
#define PBXSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "site.h"

#define SCN_LABEL_MAX 24    /* labels: 1..23 characters */
#define SCN_CLI_MAX 26      /* '+' and 24 digits */
#define SCN_NAME_MAX 33     /* caller name: 32 characters (oai.md _MC Caller_ID_Name) */
#define SCN_ACCOUNT_MAX 13  /* account codes: 1..12 digits */
#define SCN_TIME_MAX_MS (10LL * 24 * 3600 * 1000) /* ten days */
#define SCN_ERR_MAX 512

/*
 * The verbs, X(id, word).  The fields each one uses ("-" = none); dev is a party when
 * party == SCN_PARTY_DEV:
 *
 *   CALL        call = new call; party DEV, dev = calling extension; digits = dialled;
 *               account
 *   INBOUND     call = new call; dev = trunk; digits = DDI; cli ("" = withheld); name
 *   CONSULT     call = new consult call; other = the call put on hold for it; party/dev =
 *               the extension consulting; digits = dialled; account
 *   ANSWER      call; party (DEV extension or trunk, FAR, ANY)
 *   HANGUP      call; party (DEV extension or trunk, FAR, CALLER, ANSWERER)
 *   ABANDON     call (its caller hangs up before an answer)
 *   HOLD        call; party (DEV extension, CALLER, ANSWERER)
 *   RETRIEVE    call; party (as HOLD)
 *   TRANSFER    call = the held call; party (as HOLD) completes it: to `other` (its consult
 *               call) when digits is "", else blind (one step) to digits
 *   CONFERENCE  call = the held call; other = its consult call; party (as HOLD)
 *   DND         dev = extension; on; dnd_msg (1.., 0 = the first message); text
 *   FORWARD     dev = extension; fwd (SITE_FWD_OFF = cancel); digits = destination
 *   AGENT       dev = agent ID, or an ACD member station; agent_op; station (LOGON of an
 *               agent ID: where it logs on; "" for a member station)
 *   DROP_LINK   dur = how long reconnects are refused (0 = accept at once)
 *   RESTART     - (power-up resync: RS with Resync_Code 0, monitors lost)
 *   GARBAGE     garbage = what is malformed
 *   STALL       dur = how long the PBX answers nothing
 *   END         - (the simulation stops here)
 */
#define SCN_VERB_LIST(X)                                                        \
	X(CALL, "call")                                                         \
	X(INBOUND, "inbound")                                                   \
	X(CONSULT, "consult")                                                   \
	X(ANSWER, "answer")                                                     \
	X(HANGUP, "hangup")                                                     \
	X(ABANDON, "abandon")                                                   \
	X(HOLD, "hold")                                                         \
	X(RETRIEVE, "retrieve")                                                 \
	X(TRANSFER, "transfer")                                                 \
	X(CONFERENCE, "conference")                                             \
	X(DND, "dnd")                                                           \
	X(FORWARD, "forward")                                                   \
	X(AGENT, "agent")                                                       \
	X(DROP_LINK, "drop-link")                                               \
	X(RESTART, "restart")                                                   \
	X(GARBAGE, "garbage")                                                   \
	X(STALL, "stall")                                                       \
	X(END, "end")

enum scn_verb {
#define X(id, word) SCN_##id,
	SCN_VERB_LIST(X)
#undef X
	SCN_VERB_COUNT
};

/* Who acts.  CALLER, ANSWERER and FAR are resolved by the engine when the action runs:
 * the party that placed the call, the party that answered it last, the outside party. */
enum scn_party {
	SCN_PARTY_NONE,
	SCN_PARTY_DEV,      /* the number in dev */
	SCN_PARTY_FAR,      /* "far": the outside party of a trunk call */
	SCN_PARTY_ANY,      /* "any": whichever device the call rings at, when it rings there */
	SCN_PARTY_CALLER,   /* "caller" */
	SCN_PARTY_ANSWERER, /* "answerer" */
};

enum scn_agent_op {
	SCN_AGENT_LOGON,
	SCN_AGENT_LOGOFF,
	SCN_AGENT_READY,
	SCN_AGENT_NOTREADY,
	SCN_AGENT_WRAPUP,
};

enum scn_garbage {
	SCN_GARBAGE_FRAME,  /* a well-framed message of random bytes */
	SCN_GARBAGE_LENGTH, /* a length prefix far larger than what follows */
	SCN_GARBAGE_FIELDS, /* a known event code with fields missing or of the wrong kind */
};

struct scn_action {
	int64_t at;              /* ms after the start */
	enum scn_verb verb;
	int line;                /* in the file; 0 when generated */
	int call;                /* index into scn->calls, -1 when none */
	int other;               /* index into scn->calls, -1 when none */
	enum scn_party party;
	char dev[SITE_NUM_MAX];
	char digits[SITE_DIAL_MAX];
	char cli[SCN_CLI_MAX];
	char name[SCN_NAME_MAX];
	char account[SCN_ACCOUNT_MAX];
	enum site_fwd fwd;
	bool on;
	int dnd_msg;
	char text[SITE_DND_MAX];
	enum scn_agent_op agent_op;
	char station[SITE_NUM_MAX];
	int64_t dur;             /* ms */
	enum scn_garbage garbage;
};

struct scn_call {
	char label[SCN_LABEL_MAX];
	int line;                /* where it was created; 0 when generated */
	int parent;              /* consult calls: the call they consult from; else -1 */
	int nconsults;           /* consult calls made from this one so far */
};

struct scenario {
	char name[256];          /* file name, or what the generator calls it */
	struct scn_action *actions;
	size_t nactions, cap_actions;
	struct scn_call *calls;
	size_t ncalls, cap_calls;
	int64_t end;             /* time of `end`, else of the last action */
};

/* ---- scenario.c: files ------------------------------------------------------------------ */

/*
 * Reads a scenario file.  On success *scnp is the scenario (free with scenario_free).  On
 * failure *scnp is NULL, err holds "file:line: reason" and the result is HS_ECONFIG (bad
 * content), HS_ENOTFOUND, HS_EIO or HS_ENOMEM.
 */
hs_err scenario_load(const char *path, struct scenario **scnp, char *err, size_t errlen);
/* The same from memory; name stands for the file in messages. */
hs_err scenario_parse(const char *text, size_t len, const char *name, struct scenario **scnp,
    char *err, size_t errlen);
/* Checks every number against site; HS_ECONFIG with "file:line: verb: reason" in err. */
hs_err scenario_check(const struct scenario *scn, const struct site *site, char *err,
    size_t errlen);
/* Writes scn in file syntax, after `comment` (lines to prefix with "# "; NULL for none).
 * Returns HS_EIO when the stream reports an error. */
hs_err scenario_write(const struct scenario *scn, FILE *fp, const char *comment);

/* ---- scenario.c: building --------------------------------------------------------------- */

struct scenario *scenario_new(const char *name);
void scenario_free(struct scenario *scn);
/* Adds a call; returns its index, or -1 when out of memory. */
int scenario_add_call(struct scenario *scn, const char *label, int parent);
/* Appends an action with call = other = -1 and every field empty; NULL when out of memory.
 * The pointer is good until the next add. */
struct scn_action *scenario_add_action(struct scenario *scn, int64_t at, enum scn_verb verb);
/* Sorts the actions by time, keeping the order of equal times; renumbers the calls in the
 * order their creating actions now come (as reading the written file would); sets end. */
void scenario_sort(struct scenario *scn);
/* Index of the call labelled label, or -1. */
int scenario_find_call(const struct scenario *scn, const char *label);

const char *scn_verb_name(enum scn_verb verb);
const char *scn_party_name(enum scn_party party);
const char *scn_agent_op_name(enum scn_agent_op op);
const char *scn_garbage_name(enum scn_garbage g);

/* Internal, shared by scenario*.c: ms as seconds without trailing zeros ("12", "12.5"). */
const char *scn__fmt_secs(char *buf, size_t len, int64_t ms);

#endif
