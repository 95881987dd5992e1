/*
 * pbxsim.h - hookswitch-pbxsim: the running simulator and the modules around the engine.
 *
 * One libuv loop runs everything:
 *
 *   server.c   the OAI TCP server: sessions, login, commands and their CFs, monitors, the
 *              fan-out of engine events to sessions, link faults
 *   runner.c   scenario and load actions on a timer, and the one function that runs an
 *              action (also used by the control socket)
 *   control.c  the control socket: one line per request, one JSON line per answer
 *   sipvm.c    Record-A-Call legs: SIP calls to the site's SIP voice mail (its own thread)
 *   pbxsim.c   the wiring: engine callbacks, the engine timer, clean stop
 *   main.c     options
 *
 * The engine (engine.h) reports events through pbxsim_emit, which hands them to the server;
 * the server holds them back while it answers a command so the CF goes first.
 */
#ifndef PBXSIM_H
#define PBXSIM_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "engine.h"
#include "loop.h"
#include "scenario.h"
#include "sipvm.h"
#include "site.h"
#include "truth.h"

struct server;
struct runner;
struct control;

struct pbxsim {
	hs_loop *loop;
	uv_loop_t *uv;
	const struct site *site;
	struct engine *eng;
	truth *truth;
	struct server *srv;
	struct runner *run;
	struct control *ctl;
	sipvm *vm;                /* [record_a_call] legs; NULL without the section */
	uv_timer_t eng_timer;     /* the engine's earliest deadline */
	bool eng_timer_init;
	double speed;             /* -x: scenario times and site durations divided by it */
	bool exit_when_done;      /* -E */
	bool stopping;
	int exit_code;
};

/* ---- pbxsim.c --------------------------------------------------------------------------- */

/* Creates the engine (with the callbacks below) and its timer, and the Record-A-Call SIP
 * thread when the site has one.  HS_ENOMEM, HS_EIO (the SIP side, logged). */
hs_err pbxsim_init(struct pbxsim *p);
/* Stops everything so the loop runs out (signals, -E, the control socket's quit). */
void pbxsim_stop(struct pbxsim *p, const char *why);
/* Frees what pbxsim_init made, after the loop ran out. */
void pbxsim_fini(struct pbxsim *p);
/* Writes a link record to the truth file (connect, disconnect, drop, restart...). */
void pbxsim_truth_link(struct pbxsim *p, const char *what, int64_t dur_ms);

/* ---- server.c --------------------------------------------------------------------------- */

struct server_opts {
	const char *addr;         /* -B, default 127.0.0.1 */
	int port;                 /* -P, default the site's oai_port (4000) */
	int keepalive_s;          /* -K, default 270 (oai.md 2.3) */
};

struct server_stats {
	uint64_t frames_in, frames_out;
	uint64_t commands, commands_failed;   /* commands answered, with outcome != 0 */
	uint64_t events_sent;                 /* event frames written to sessions */
	uint64_t bad_frames;
	uint64_t logins, logins_refused;
};

/* Binds and listens.  HS_EIO with the reason logged. */
hs_err server_start(struct pbxsim *p, const struct server_opts *o);
/* Closes the listener and every session. */
void server_stop(struct server *s);
void server_free(struct server *s);
/* One engine event copy: to every session with a monitor on its device. */
void server_emit(struct server *s, const struct eng_event *ev);
unsigned server_sessions(const struct server *s);
struct server_stats server_stats(const struct server *s);
cJSON *server_sessions_json(const struct server *s);
/* Called once, when the first OAI session asks for its first full resync, the end of its
 * start-up: its monitors are set (the runner's start). */
void server_on_first_ready(struct server *s, void (*cb)(void *arg), void *arg);

/* Link faults (scenario actions). */
void server_drop_link(struct server *s, int64_t refuse_ms);
void server_restart(struct server *s);
void server_garbage(struct server *s, enum scn_garbage what);
void server_stall(struct server *s, int64_t ms);

/* ---- runner.c --------------------------------------------------------------------------- */

/* scn (NULL: nothing to run) becomes the runner's.  Starts at the first full resync, or at once
 * with now. */
struct runner *runner_new(struct pbxsim *p, struct scenario *scn, bool now);
void runner_stop(struct runner *r);
void runner_free(struct runner *r);
/* The engine changed: retry actions waiting for a call to ring. */
void runner_kick(struct runner *r);
uint64_t runner_actions(const struct runner *r, uint64_t *failed);
/* Queues an `answer any` (from the control socket) until call id rings somewhere. */
void runner_wait_answer(struct runner *r, const char *id, const char *label);

/*
 * Runs action a of scenario scn now.  ids[i] is the Call_ID of scn->calls[i] ("" when not
 * made yet).  On success returns 0 with the Call_ID made or acted on in id (may be "");
 * *pending is set when `answer any` waits for the call to ring.  On failure returns the
 * OAI outcome (or -1) with a sentence in err.
 */
int runner_exec(struct pbxsim *p, const struct scenario *scn, const struct scn_action *a,
    char (*ids)[ENG_ID_MAX], char id[ENG_ID_MAX], bool *pending, char *err, size_t errlen);

/* ---- control.c -------------------------------------------------------------------------- */

/* Listens on the unix socket path (replacing a stale one).  HS_EIO with the reason logged. */
hs_err control_start(struct pbxsim *p, const char *path);
void control_stop(struct control *c);
void control_free(struct control *c);

#endif
