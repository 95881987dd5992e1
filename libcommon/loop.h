/*
 * loop.h - one libuv loop per service, with a clean shutdown on SIGTERM and SIGINT.
 *
 * hs_loop_init() installs the signal watchers; the first SIGTERM/SIGINT calls on_stop, which
 * closes the service's handles so the loop runs out.  A second signal while stopping is
 * logged and ignored.  hs_loop_close() closes what is left, runs the close callbacks and
 * returns what uv_loop_close() returned, so a leaked handle shows as a non-zero result.
 */
#ifndef HS_LOOP_H
#define HS_LOOP_H

#include <uv.h>

#include "err.h"

typedef struct hs_loop hs_loop;
typedef void (*hs_loop_stop_cb)(void *arg, int signum);

hs_err hs_loop_init(hs_loop **lp, hs_loop_stop_cb on_stop, void *arg);
uv_loop_t *hs_loop_uv(hs_loop *l);
/* Runs until no active handle is left. */
int hs_loop_run(hs_loop *l);
/* Stops listening for signals (call from on_stop so the loop can run out). */
void hs_loop_unwatch_signals(hs_loop *l);
/* Closes any handle still open (logging each), frees the loop; returns uv_loop_close(). */
int hs_loop_close(hs_loop *l);

/* Milliseconds since the epoch (wall clock) and a monotonic millisecond clock. */
long long hs_now_ms(void);
long long hs_mono_ms(void);

#endif
