/*
 * load.h - load mode: a reproducible, realistic mix of calls for a site, as a scenario.
 *
 * load_generate() turns (site, calls per hour, duration, seed) into the same struct scenario
 * a scenario file gives, so the engine has one input.  The same parameters give the same
 * actions, byte for byte, on any machine: the generator uses its own PRNG (xoshiro256**
 * seeded by splitmix64), integer arithmetic only (no libm, no floating point) and sorts with
 * total orders.  Changing the generator changes what a seed produces; load_test.c pins a
 * fingerprint so that it is done on purpose.
 *
 * What it generates and how it avoids impossible overlaps is in README.md ("Load mode").  In
 * short: a station is never in two calls at once (except its own consult call), a trunk
 * carries one call at a time, and a hunt group gets no more simultaneous calls than it has
 * seats, the rest queue; answers by a hunt-group member are written `answer any`, so the
 * engine's own choice of member stands.
 */
#ifndef PBXSIM_LOAD_H
#define PBXSIM_LOAD_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "scenario.h"
#include "site.h"

struct load_params {
	uint64_t seed;
	unsigned calls_per_hour;    /* 1..100000 */
	int64_t duration;           /* ms, 1 s .. 10 days: calls start within it */
	/* Mix of calls in permille; must add up to 1000.  Default 400 / 350 / 250. */
	unsigned inbound_pm, outbound_pm, internal_pm;
	unsigned abandon_pm;        /* inbound calls the caller abandons; default 100 */
	unsigned features_per_hour; /* DND, forward and agent changes (each a window) */
};

/* What was generated, for tests and for the summary main.c prints. */
struct load_stats {
	unsigned calls;             /* calls created (not counting consult calls) */
	unsigned inbound, outbound, internal;
	unsigned answered;          /* answered by a station, an agent or voice mail */
	unsigned unanswered;        /* the caller gave up while it rang (outbound, internal) */
	unsigned abandoned;         /* inbound callers who hung up before an answer */
	unsigned queued;            /* inbound calls that waited for a free seat */
	unsigned overflowed;        /* ...and went to the group's overflow */
	unsigned busy;              /* the called station was busy or in DND */
	unsigned trunks_busy;       /* an outbound call found no free trunk */
	unsigned skipped;           /* arrivals dropped: no free trunk or station for them */
	unsigned holds;
	unsigned transfers_announced, transfers_blind;
	unsigned account_codes;
	unsigned voicemail;         /* calls answered by voice mail */
	unsigned dnd, forward, agent; /* feature windows (each is an on and an off action) */
};

/* Defaults: seed 1, 100 calls per hour for one hour, the mix above, abandon 100 permille,
 * 5 feature changes per hour. */
void load_params_init(struct load_params *p);

/*
 * Generates the load.  On success *scnp is a scenario named "load" (free with
 * scenario_free) and stats (if not NULL) is filled.  HS_EINVAL with the reason in err for
 * bad parameters, or for a mix the site cannot carry (inbound calls without a DDI, outbound
 * calls without an access code...); HS_ENOMEM.
 */
hs_err load_generate(const struct site *site, const struct load_params *p,
    struct scenario **scnp, struct load_stats *stats, char *err, size_t errlen);

/* Writes scn in scenario syntax under a comment naming the site and parameters, so the run
 * can be replayed as a scenario file (`--print`). */
hs_err load_write(const struct scenario *scn, const struct site *site,
    const struct load_params *p, FILE *fp);

/* The PRNG, exposed so tests can pin its output. */
struct load_rng {
	uint64_t s[4];
};
void load_rng_seed(struct load_rng *r, uint64_t seed);
uint64_t load_rng_next(struct load_rng *r);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t load_rng_below(struct load_rng *r, uint64_t n);

#endif
