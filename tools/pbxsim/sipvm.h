/*
 * sipvm.h - Record-A-Call legs: the SIP calls pbxsim places to the site's "SIP voice mail"
 * ([record_a_call]: the recorder's Record-A-Call endpoint) to stream a call's audio.
 *
 * `_EF` with the Record-A-Call code on a connected station (server_cmd.c) starts a leg:
 * INVITE sip:<rac extension>@<peer> From sip:<station>@<our address>, an SDP offer of one
 * G.711 codec (the site's), ptime 20, sendonly; digest credentials when the peer asks.  Once
 * answered, one RTP packet every 20 ms (160 samples of a tone of the leg's own frequency)
 * until the station leaves the call (engine ops.left -> sipvm_left), the call ends, or
 * pbxsim stops: then BYE (or CANCEL before the answer).  A final response >= 300, a timeout
 * or a BYE from the peer ends the leg too.  Each leg ends in one sipvm_result, which
 * pbxsim.c writes to the truth file (a "rac" line).
 *
 * Threads: libre runs in a thread of its own (its sockets and timers only run under
 * re_main, as services/recorder/rac.c explains).  Everything below except the pure
 * functions is called on the libuv loop's thread; requests go to the libre thread through
 * a libre mqueue, results come back through a mutex-protected list and a uv_async, so the
 * engine and the truth file are only ever touched on the loop's thread.
 */
#ifndef PBXSIM_SIPVM_H
#define PBXSIM_SIPVM_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "engine.h"
#include "site.h"

#define SIPVM_PTIME_MS 20
#define SIPVM_SAMPLES (8 * SIPVM_PTIME_MS) /* per packet: 160 samples, 160 bytes of G.711 */
#define SIPVM_CALLID_MAX 128

struct sipvm_result {
	char call[ENG_ID_MAX];              /* the OAI Call_ID */
	char extension[SITE_NUM_MAX];       /* the recorded station */
	char sip_call_id[SIPVM_CALLID_MAX]; /* "" when no INVITE could be sent */
	int64_t invoked, answered, ended;   /* epoch ms; answered -1 = never */
	const char *status;                 /* "recorded", "rejected", "failed" (static) */
	int sip_status;                     /* the INVITE's final status, 0 = none came */
	uint64_t packets, samples;          /* sent on the wire */
	int64_t max_late_us;                /* worst delay of a packet behind its schedule */
	const char *why;                    /* for the log: "left", "bye", "stop", "401"... */
};

typedef void sipvm_done_fn(void *arg, const struct sipvm_result *r);

typedef struct sipvm sipvm;

/*
 * Starts the libre thread with a SIP UDP transport on the local address that routes to
 * cf's peer.  done gets each finished leg on uv's thread.  0, or -1 with the reason in
 * err.  Whenever *vp is set (also on some failures: its uv handle is then closing), free
 * it with sipvm_free after the loop ran out.
 */
int sipvm_start(sipvm **vp, uv_loop_t *uv, const struct site_rac *cf, sipvm_done_fn *done,
    void *arg, char *err, size_t errlen);
/* Starts a leg recording station ext in call: 0 started, 1 that (call, ext) is already
 * being recorded (nothing done), -1 cannot (stopping, out of memory). */
int sipvm_invoke(sipvm *v, const char *call, const char *ext, int64_t invoked_ms);
/* ext left call (ext NULL: the call ended): its legs end (BYE). */
void sipvm_left(sipvm *v, const char *call, const char *ext);
/* Legs not yet finished (their results not yet delivered). */
size_t sipvm_active(const sipvm *v);
/* Ends every leg and the thread; the results still come to done, then the uv handle is
 * closed so the loop can run out.  Idempotent. */
void sipvm_stop(sipvm *v);
/* After the loop ran out. */
void sipvm_free(sipvm *v);

/* ---- pure parts (sipvm_test.c) ---------------------------------------------------------- */

/* G.711 encoders (ITU-T G.711, the classic segment search), 16-bit linear in. */
uint8_t sipvm_alaw(int16_t pcm);
uint8_t sipvm_ulaw(int16_t pcm);
/* Packets due by now_us for a stream whose packet 0 is due at start_us: 0 before the
 * start, then 1 + the whole ptimes elapsed.  Sending every due packet at each tick keeps
 * timestamps and wall clock in step whatever the timer's lateness. */
uint64_t sipvm_due(int64_t start_us, int64_t now_us, int ptime_ms);
/* When packet n is due. */
int64_t sipvm_when(int64_t start_us, uint64_t n, int ptime_ms);
/* One packet of leg's tone (a sine of 400 + 50 * (leg % 16) Hz, a whole number of
 * periods per packet, so every packet is the same), encoded. */
void sipvm_tone(unsigned leg, enum site_rac_codec codec, uint8_t out[SIPVM_SAMPLES]);
/*
 * Reads an SDP answer: the first m=audio must have a port and list payload type pt; its
 * connection address (media c= over session c=) goes to addr.  0, or -1 when unusable.
 */
int sipvm_sdp_answer(const char *sdp, size_t len, int pt, char *addr, size_t addrlen,
    int *port);

#endif
