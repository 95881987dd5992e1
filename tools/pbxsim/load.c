/*
 * load.c - load mode: generates a reproducible mix of calls for a site (load_generate).
 *
 * How it works.  The arrival times of calls and of feature changes (DND, forward, agent
 * state) are drawn uniformly over the duration and sorted: given their number, that is a
 * Poisson process.  Arrivals are then handled in time order.  Each call draws its whole
 * timeline at once (ring, answer, holds, transfer, clear) and reserves what it uses:
 *
 *   - stations keep a list of reserved intervals, because a transfer reserves its target
 *     from a moment in the future; a station takes part in a call only if the whole span it
 *     needs is free (plus a 1 s guard);
 *   - trunks keep the end of their last call: trunk reservations always start at the
 *     arrival being handled, so "free now" is "free after busy_until".  Outbound calls take
 *     the first free trunk of the group, as the engine must (README.md, "Trunk seizure");
 *     inbound calls come in on the last free trunk;
 *   - hunt groups are pools of seats (members, or agents logged on and ready); a call takes
 *     the seat that frees first, so it queues when none is free, first come first served, and
 *     overflows when the wait passes the group's overflow time.  Answers in a group are
 *     written `answer any`: the engine decides which member rings.
 *
 * Stations that belong to a hunt group, or where an agent logs on, are seats: they take
 * group calls only, so the two kinds of bookkeeping never meet.  The other stations place
 * and receive internal, outbound and direct-DDI calls.
 *
 * Reproducibility: our own PRNG, integers only (talk times come from a quantile table, not
 * from exp/log), and sorts by total orders.  Any change to the order of draws changes what
 * a seed gives; load_test.c pins a fingerprint.
 *
 * Called once by main.c (or a test); no global state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define GUARD SEC           /* gap kept between two calls of one station */
#define PICK_TRIES 16       /* random tries before a scan for a free station */
/*
 * The longest a station can be held by one call from its first ring: ring 25 s, talk 300 s,
 * hold 60 s, and before a transfer up to 10 + 8 + 20 s.  A station is taken only when free
 * for this long, so a call never needs undoing once its draws are made.
 */
#define SPAN_MAX (25 * SEC + 300 * SEC + 60 * SEC + 38 * SEC)

/* ---- PRNG: xoshiro256** seeded by splitmix64 (Vigna) ----------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
load_rng_seed(struct load_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
load_rng_next(struct load_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
load_rng_below(struct load_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = load_rng_next(r);
	while (x >= limit);
	return x % n;
}

/* Uniform in [lo, hi]. */
static int64_t
rnd(struct load_rng *r, int64_t lo, int64_t hi)
{
	return hi <= lo ? lo : lo + (int64_t)load_rng_below(r, (uint64_t)(hi - lo + 1));
}

/* True with probability pm / 1000. */
static bool
chance(struct load_rng *r, unsigned pm)
{
	return load_rng_below(r, 1000) < pm;
}

/*
 * Talk time: a lognormal (median 90 s, sigma 0.75) cut to 20..300 s, as 33 quantiles in ms
 * (computed once, offline); a draw interpolates between two of them.  Mean about 104 s.
 */
static const int64_t talk_quantiles[33] = {
	20000, 26459, 31401, 35730, 39740, 43573, 47308, 51001, 54690, 58408, 62181, 66033,
	69990, 74074, 78310, 82726, 87352, 92223, 97377, 102863, 108736, 115066, 121940,
	129467, 137792, 147107, 157676, 169881, 184294, 201833, 224099, 254259, 300000,
};

static int64_t
talk_time(struct load_rng *r)
{
	uint64_t u = load_rng_below(r, 32 * 1024);
	size_t seg = (size_t)(u / 1024);
	int64_t frac = (int64_t)(u % 1024), a = talk_quantiles[seg], b = talk_quantiles[seg + 1];

	return a + (b - a) * frac / 1024;
}

/* ---- state ------------------------------------------------------------------------------ */

struct ivl {
	int64_t from, to;
};

/* A station that places and takes ordinary calls (not a hunt-group seat). */
struct station {
	const struct site_ext *ext;
	bool target;                   /* no DND or forward in the site: may be called */
	enum site_fwd vm_fwd;          /* the site forwards it to voice mail so, else OFF */
	struct ivl *iv;
	size_t niv, cap;
	int64_t dnd_from, dnd_until;   /* feature windows; until 0 = none yet */
	int64_t fwd_from, fwd_until;
};

/* Hunt groups that share a seat form one pool. */
struct pool {
	int64_t *seat;                 /* when each seat is free again */
	size_t nseats;
};

struct agent {
	const struct site_agent *a;
	int pool;
	int64_t busy_until;            /* end of its last state window */
};

struct gen {
	const struct site *site;
	const struct load_params *p;
	struct load_rng rng;
	struct scenario *scn;
	struct load_stats st;
	hs_err rc;

	struct station *sta;
	size_t nsta;
	int64_t *trunk_busy;           /* per site trunk */
	struct pool *pools;
	size_t npools;
	int *hg_pool;                  /* per site hunt group: its pool, -1 if it has no seats */
	struct agent *agents;
	size_t nagents;
	const struct site_ext *vm;     /* voice mail, NULL if none */
	const struct site_ddi **ddis;  /* DDIs load mode can use */
	size_t nddis;
	const struct site_trunkgroup **tgs; /* groups with an access code */
	size_t ntgs;
	uint64_t ntrunks_out;          /* trunks in those groups */
	unsigned ncall;                /* labels c1, c2... */
};

static const char *const names[] = {
	"J Smith", "A Khan", "M Williams", "S Taylor", "Acme Ltd", "R Brown", "L Davies",
	"P Evans", "K Wilson", "Northwind", "C Thomas", "D Roberts", "E Walker", "Contoso",
	"F Wright", "G Robinson",
};

/* Outside numbers from the UK ranges set aside for drama (Ofcom): never a real line. */
static void
outside_number(struct gen *g, char *buf, size_t len)
{
	switch (load_rng_below(&g->rng, 3)) {
	case 0: snprintf(buf, len, "07700900%03d", (int)load_rng_below(&g->rng, 1000)); break;
	case 1: snprintf(buf, len, "01632960%03d", (int)load_rng_below(&g->rng, 1000)); break;
	default: snprintf(buf, len, "02079460%03d", (int)load_rng_below(&g->rng, 1000)); break;
	}
}

/* ---- stations --------------------------------------------------------------------------- */

static bool
station_free(struct station *s, int64_t from, int64_t to)
{
	for (size_t i = 0; i < s->niv; i++)
		if (s->iv[i].from < to + GUARD && from < s->iv[i].to + GUARD)
			return false;
	return true;
}

static bool
station_in(int64_t from, int64_t until, int64_t t)
{
	return until != 0 && from <= t && t < until;
}

/* Forgets intervals that ended before now: no later arrival can meet them. */
static void
station_prune(struct station *s, int64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < s->niv; i++)
		if (s->iv[i].to + GUARD > now)
			s->iv[k++] = s->iv[i];
	s->niv = k;
}

static void
station_reserve(struct gen *g, struct station *s, int64_t from, int64_t to)
{
	if (s->niv == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct ivl *iv = realloc(s->iv, cap * sizeof(*iv));
		if (iv == NULL) {
			g->rc = HS_ENOMEM;
			return;
		}
		s->iv = iv;
		s->cap = cap;
	}
	s->iv[s->niv++] = (struct ivl){from, to};
}

/* In a DND or forward window at any time of [from, to]? */
static bool
station_diverts(const struct station *s, int64_t from, int64_t to)
{
	return (s->dnd_until != 0 && s->dnd_from <= to && from < s->dnd_until) ||
	    (s->fwd_until != 0 && s->fwd_from <= to && from < s->fwd_until);
}

/*
 * A station free over [from, to), other than `not`; with `target`, one that may be called
 * and diverts nothing meanwhile.  A few random tries, then a scan from a random start.
 */
static struct station *
pick_station(struct gen *g, int64_t from, int64_t to, const struct station *not, bool target)
{
	size_t start;

	if (g->nsta == 0)
		return NULL;
	for (size_t i = 0; i < PICK_TRIES + g->nsta; i++) {
		struct station *s;
		if (i < PICK_TRIES) {
			s = &g->sta[load_rng_below(&g->rng, g->nsta)];
		} else {
			if (i == PICK_TRIES)
				start = (size_t)load_rng_below(&g->rng, g->nsta);
			s = &g->sta[(start + i - PICK_TRIES) % g->nsta];
		}
		if (s == not || !station_free(s, from, to))
			continue;
		if (target && (!s->target || station_diverts(s, from, to)))
			continue;
		return s;
	}
	return NULL;
}

static struct station *
station_of(struct gen *g, const struct site_ext *e)
{
	for (size_t i = 0; i < g->nsta; i++)
		if (g->sta[i].ext == e)
			return &g->sta[i];
	return NULL;
}

/* ---- actions ---------------------------------------------------------------------------- */

/* Who does something to a call: a station, or a party the engine resolves. */
struct who {
	enum scn_party party;
	const char *dev;                /* party == SCN_PARTY_DEV */
};

static struct scn_action *
act(struct gen *g, int64_t at, enum scn_verb verb, int call, struct who w)
{
	struct scn_action *a;

	if (g->rc != HS_OK)
		return NULL;
	if ((a = scenario_add_action(g->scn, at, verb)) == NULL) {
		g->rc = HS_ENOMEM;
		return NULL;
	}
	a->call = call;
	a->party = w.party;
	if (w.party == SCN_PARTY_DEV)
		snprintf(a->dev, sizeof(a->dev), "%s", w.dev);
	return a;
}

static const struct who nobody = {SCN_PARTY_NONE, NULL};
static const struct who far = {SCN_PARTY_FAR, NULL};

static struct who
dev(const struct station *s)
{
	return (struct who){SCN_PARTY_DEV, s->ext->number};
}

static int
new_call(struct gen *g, int parent)
{
	char label[SCN_LABEL_MAX];
	int c;

	if (g->rc != HS_OK)
		return -1;
	if (parent >= 0)
		snprintf(label, sizeof(label), "%s.%d", g->scn->calls[parent].label,
		    g->scn->calls[parent].nconsults + 1);
	else
		snprintf(label, sizeof(label), "c%u", ++g->ncall);
	if ((c = scenario_add_call(g->scn, label, parent)) < 0)
		g->rc = HS_ENOMEM;
	return c;
}

/*
 * The talk of an answered call from ta: maybe a hold by `ans`, maybe (transfers) a transfer
 * by `ans` to a free station other than `self` (ans's station, if one of ours), then a clear
 * by `ans`, `other` or the transfer's target.
 * Returns the end of the call; *released is when `ans` is out of it.
 */
static int64_t
talk(struct gen *g, int call, int64_t ta, struct who ans, const struct station *self,
    struct who other, unsigned hold_pm, bool transfers, int64_t *released)
{
	int64_t talk_ms = talk_time(&g->rng), end, back = ta;
	struct scn_action *a;
	struct station *y;

	if (chance(&g->rng, hold_pm)) {
		int64_t at = ta + rnd(&g->rng, 5 * SEC, talk_ms * 2 / 3);
		back = at + rnd(&g->rng, 5 * SEC, 60 * SEC);
		act(g, at, SCN_HOLD, call, ans);
		act(g, back, SCN_RETRIEVE, call, ans);
		talk_ms += back - at;
		g->st.holds++;
	}
	end = ta + talk_ms;
	if (transfers && chance(&g->rng, 100)) {
		/* after any hold: a transfer starts from a call that is talking */
		int64_t tx = ta + talk_ms / 2 + rnd(&g->rng, 0, 10 * SEC);
		if (tx < back + 2 * SEC)
			tx = back + 2 * SEC;
		int64_t ring = rnd(&g->rng, 3 * SEC, 8 * SEC);
		int64_t speak = rnd(&g->rng, 5 * SEC, 20 * SEC);
		int64_t rest = talk_time(&g->rng);
		bool announced = chance(&g->rng, 500);
		int64_t done = tx + ring + (announced ? speak : 0), yend = done + rest;

		if ((y = pick_station(g, tx, yend, self, true)) != NULL) {
			if (announced) {
				int c2 = new_call(g, call);
				if ((a = act(g, tx, SCN_CONSULT, c2, ans)) != NULL) {
					a->other = call;
					snprintf(a->digits, sizeof(a->digits), "%s", y->ext->number);
				}
				act(g, tx + ring, SCN_ANSWER, c2, dev(y));
				if ((a = act(g, done, SCN_TRANSFER, call, ans)) != NULL)
					a->other = c2;
				*released = done;
				g->st.transfers_announced++;
			} else {
				if ((a = act(g, tx, SCN_TRANSFER, call, ans)) != NULL)
					snprintf(a->digits, sizeof(a->digits), "%s", y->ext->number);
				act(g, done, SCN_ANSWER, call, dev(y));
				*released = tx;
				g->st.transfers_blind++;
			}
			station_reserve(g, y, tx, yend);
			act(g, yend, SCN_HANGUP, call, chance(&g->rng, 500) ? dev(y) : other);
			return yend;
		}
	}
	act(g, end, SCN_HANGUP, call, chance(&g->rng, 500) ? ans : other);
	*released = end;
	return end;
}

/* Voice mail answers at `at`; the caller leaves a message and hangs up.  Returns the end. */
static int64_t
voicemail_takes(struct gen *g, int call, int64_t at, struct who caller)
{
	int64_t end = at + rnd(&g->rng, 10 * SEC, 60 * SEC);

	act(g, at, SCN_ANSWER, call, (struct who){SCN_PARTY_DEV, g->vm->number});
	act(g, end, SCN_HANGUP, call, caller);
	g->st.voicemail++;
	g->st.answered++;
	return end;
}

/* The caller gives up after a short while (busy, refused, no seat).  Returns the end. */
static int64_t
give_up(struct gen *g, int call, int64_t t, struct who caller, bool inbound)
{
	int64_t end = t + rnd(&g->rng, 2 * SEC, 8 * SEC);

	if (inbound)
		act(g, end, SCN_ABANDON, call, nobody);
	else
		act(g, end, SCN_HANGUP, call, caller);
	return end;
}

/* ---- inbound ---------------------------------------------------------------------------- */

/*
 * A DDI straight to station s (NULL: to voice mail).  A station the site forwards to voice
 * mail sends it there when busy (forward busy) or at once (forward all); it rings less than
 * the no-answer time, so forward on no answer never wins the race with the answer.  Returns
 * when the trunk is free.
 */
static int64_t
inbound_station(struct gen *g, int call, int64_t t0, struct station *s, bool abandon)
{
	int64_t ring = rnd(&g->rng, 2 * SEC, 20 * SEC), released, end;
	int64_t noanswer = g->site->noanswer_timeout * SEC - 2 * SEC;
	bool fwd_busy = s != NULL && (s->vm_fwd == SITE_FWD_BUSY ||
	    s->vm_fwd == SITE_FWD_BUSY_NO_ANSWER);

	if (s != NULL && (s->vm_fwd == SITE_FWD_NO_ANSWER ||
	    s->vm_fwd == SITE_FWD_BUSY_NO_ANSWER) && ring > noanswer)
		ring = noanswer > 2 * SEC ? noanswer : 2 * SEC;
	if (s == NULL || s->vm_fwd == SITE_FWD_ALL)
		return voicemail_takes(g, call, t0 + rnd(&g->rng, 2 * SEC, 5 * SEC), far);
	if (station_in(s->fwd_from, s->fwd_until, t0))
		return voicemail_takes(g, call, t0 + rnd(&g->rng, 3 * SEC, 8 * SEC), far);
	if (station_in(s->dnd_from, s->dnd_until, t0) || !station_free(s, t0, t0 + SPAN_MAX)) {
		if (fwd_busy && !station_in(s->dnd_from, s->dnd_until, t0))
			return voicemail_takes(g, call, t0 + rnd(&g->rng, 2 * SEC, 5 * SEC), far);
		g->st.busy++;
		return give_up(g, call, t0, far, true);
	}
	if (abandon) {
		act(g, t0 + ring, SCN_ABANDON, call, nobody);
		station_reserve(g, s, t0, t0 + ring);
		g->st.abandoned++;
		return t0 + ring;
	}
	act(g, t0 + ring, SCN_ANSWER, call, dev(s));
	end = talk(g, call, t0 + ring, dev(s), s, far, 150, true, &released);
	station_reserve(g, s, t0, released);
	g->st.answered++;
	return end;
}

/* A DDI to hunt group hg, whose seats are pool pi (-1: none).  Returns the call's end. */
static int64_t
inbound_group(struct gen *g, int call, int64_t t0, const struct site_huntgroup *hg, int pi,
    bool abandon)
{
	struct pool *pl = pi >= 0 ? &g->pools[pi] : NULL;
	int64_t ring = rnd(&g->rng, 2 * SEC, 20 * SEC), deliver = INT64_MAX, released, end;
	int64_t overflow_at = hg->overflow_timeout > 0 ? t0 + hg->overflow_timeout * SEC : 0;
	size_t best = 0;

	for (size_t i = 1; pl != NULL && i < pl->nseats; i++)
		if (pl->seat[i] < pl->seat[best])
			best = i;
	if (pl != NULL && pl->nseats > 0)
		deliver = pl->seat[best] > t0 ? pl->seat[best] : t0;
	if (deliver > t0 && !hg->queue && overflow_at != 0)
		overflow_at = t0; /* no queue: straight to the overflow */
	else if (deliver > t0 && !hg->queue) {
		g->st.busy++;
		return give_up(g, call, t0, far, true);
	}
	if (deliver > t0 && hg->queue)
		g->st.queued++;

	if (abandon) {
		int64_t patience = rnd(&g->rng, 3 * SEC, 60 * SEC);
		if (overflow_at != 0 && t0 + patience >= overflow_at)
			patience = overflow_at - t0 - SEC;
		if (patience < 2 * SEC)
			patience = 2 * SEC;
		if (deliver < t0 + patience)
			pl->seat[best] = t0 + patience; /* it rang a seat until then */
		act(g, t0 + patience, SCN_ABANDON, call, nobody);
		g->st.abandoned++;
		return t0 + patience;
	}
	if (overflow_at != 0 && deliver > overflow_at) {
		struct site_ref r = site_lookup(g->site, hg->overflow);
		g->st.overflowed++;
		if (r.kind == SITE_EXTENSION && r.u.ext->type == SITE_EXT_VOICEMAIL && g->vm != NULL)
			return voicemail_takes(g, call, overflow_at + rnd(&g->rng, SEC, 4 * SEC),
			    far);
		/* To a station or another group: that is the engine's to ring; the caller waits
		 * a little, then gives up. */
		end = overflow_at + rnd(&g->rng, 5 * SEC, 20 * SEC);
		act(g, end, SCN_ABANDON, call, nobody);
		g->st.abandoned++;
		return end;
	}
	if (deliver == INT64_MAX) { /* no seat, no overflow: nobody will answer */
		end = t0 + rnd(&g->rng, 20 * SEC, 90 * SEC);
		act(g, end, SCN_ABANDON, call, nobody);
		g->st.abandoned++;
		return end;
	}
	act(g, deliver + ring, SCN_ANSWER, call, (struct who){SCN_PARTY_ANY, NULL});
	end = talk(g, call, deliver + ring, (struct who){SCN_PARTY_ANSWERER, NULL}, NULL, far,
	    150, true, &released);
	pl->seat[best] = released + hg->wrapup * SEC;
	g->st.answered++;
	return end;
}

static void
gen_inbound(struct gen *g, int64_t t0)
{
	const struct site_ddi *ddi = g->ddis[load_rng_below(&g->rng, g->nddis)];
	const struct site_trunk *tr = NULL;
	const struct site_ext *ext;
	const struct site_huntgroup *hg;
	struct scn_action *a;
	int64_t end;
	bool abandon;
	int call;

	for (size_t i = g->site->ntrunks; i-- > 0 && tr == NULL;)
		if (g->trunk_busy[i] <= t0)
			tr = &g->site->trunks[i];
	if (tr == NULL) { /* every trunk busy: the PBX never sees this caller */
		g->st.skipped++;
		return;
	}
	call = new_call(g, -1);
	if ((a = act(g, t0, SCN_INBOUND, call, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", tr->number);
	snprintf(a->digits, sizeof(a->digits), "%s", ddi->number);
	if (chance(&g->rng, 850))
		outside_number(g, a->cli, sizeof(a->cli));
	if (chance(&g->rng, 400))
		snprintf(a->name, sizeof(a->name), "%s",
		    names[load_rng_below(&g->rng, sizeof(names) / sizeof(names[0]))]);
	g->st.calls++;
	g->st.inbound++;
	abandon = chance(&g->rng, g->p->abandon_pm);
	site_ddi_route(g->site, ddi, &ext, &hg);
	if (hg != NULL)
		end = inbound_group(g, call, t0, hg, g->hg_pool[hg - g->site->huntgroups],
		    abandon);
	else
		end = inbound_station(g, call, t0,
		    ext->type == SITE_EXT_VOICEMAIL ? NULL : station_of(g, ext), abandon);
	g->trunk_busy[tr - g->site->trunks] = end;
}

/* ---- outbound and internal -------------------------------------------------------------- */

static void
gen_outbound(struct gen *g, int64_t t0)
{
	const struct site_trunkgroup *tg = NULL;
	const struct site_trunk *tr = NULL;
	struct station *x = pick_station(g, t0, t0 + SPAN_MAX, NULL, false);
	uint64_t pick = load_rng_below(&g->rng, g->ntrunks_out);

	/* A group in proportion to its trunks. */
	for (size_t i = 0; i < g->ntgs && tg == NULL; i++) {
		if (pick < g->tgs[i]->nmembers)
			tg = g->tgs[i];
		else
			pick -= g->tgs[i]->nmembers;
	}
	char number[SITE_EXT_NUM_MAX];
	struct scn_action *a;
	int64_t end, released;
	int call;

	if (x == NULL) {
		g->st.skipped++;
		return;
	}
	/* The engine seizes the first free trunk of the group (README.md, "Trunk seizure"). */
	for (size_t i = 0; i < tg->nmembers && tr == NULL; i++)
		if (g->trunk_busy[tg->members[i] - g->site->trunks] <= t0)
			tr = tg->members[i];
	outside_number(g, number, sizeof(number));
	call = new_call(g, -1);
	if ((a = act(g, t0, SCN_CALL, call, dev(x))) == NULL)
		return;
	snprintf(a->digits, sizeof(a->digits), "%s%s", tg->access, number);
	if (chance(&g->rng, 200)) {
		snprintf(a->account, sizeof(a->account), "%d",
		    (int)(1000 + load_rng_below(&g->rng, 9000)));
		g->st.account_codes++;
	}
	g->st.calls++;
	g->st.outbound++;
	if (tr == NULL) {
		g->st.trunks_busy++;
		end = released = give_up(g, call, t0, dev(x), false);
	} else if (!chance(&g->rng, 750)) {
		end = released = t0 + rnd(&g->rng, 15 * SEC, 45 * SEC);
		act(g, end, SCN_HANGUP, call, dev(x));
		g->st.unanswered++;
	} else {
		int64_t ta = t0 + rnd(&g->rng, 5 * SEC, 25 * SEC);
		act(g, ta, SCN_ANSWER, call, far);
		end = talk(g, call, ta, dev(x), x, far, 50, false, &released);
		g->st.answered++;
	}
	station_reserve(g, x, t0, released);
	if (tr != NULL)
		g->trunk_busy[tr - g->site->trunks] = end;
}

static void
gen_internal(struct gen *g, int64_t t0)
{
	struct station *x = pick_station(g, t0, t0 + SPAN_MAX, NULL, false), *y = NULL;
	int64_t ring = rnd(&g->rng, 2 * SEC, 15 * SEC), end, released;
	bool to_vm = g->vm != NULL && chance(&g->rng, 80);
	struct scn_action *a;
	int call;

	if (x == NULL) {
		g->st.skipped++;
		return;
	}
	if (!to_vm) { /* anyone who may be called; busy or not, as in life */
		size_t i = (size_t)load_rng_below(&g->rng, g->nsta);
		for (size_t k = 0; k < g->nsta && y == NULL; k++) {
			struct station *s = &g->sta[(i + k) % g->nsta];
			if (s != x && s->target)
				y = s;
		}
		if (y == NULL) {
			g->st.skipped++;
			return;
		}
	}
	call = new_call(g, -1);
	if ((a = act(g, t0, SCN_CALL, call, dev(x))) == NULL)
		return;
	snprintf(a->digits, sizeof(a->digits), "%s", to_vm ? g->vm->number : y->ext->number);
	g->st.calls++;
	g->st.internal++;
	if (to_vm || (g->vm != NULL && station_in(y->fwd_from, y->fwd_until, t0))) {
		end = voicemail_takes(g, call, t0 + rnd(&g->rng, 2 * SEC, 8 * SEC), dev(x));
		station_reserve(g, x, t0, end);
		return;
	}
	if (station_in(y->dnd_from, y->dnd_until, t0) || !station_free(y, t0, t0 + SPAN_MAX)) {
		g->st.busy++;
		end = give_up(g, call, t0, dev(x), false);
		station_reserve(g, x, t0, end);
		return;
	}
	if (!chance(&g->rng, 850)) {
		end = t0 + rnd(&g->rng, 10 * SEC, 30 * SEC);
		act(g, end, SCN_HANGUP, call, dev(x));
		station_reserve(g, x, t0, end);
		station_reserve(g, y, t0, end);
		g->st.unanswered++;
		return;
	}
	act(g, t0 + ring, SCN_ANSWER, call, dev(y));
	end = talk(g, call, t0 + ring, dev(y), y, dev(x), 50, false, &released);
	station_reserve(g, x, t0, end);
	station_reserve(g, y, t0, end);
	g->st.answered++;
}

/* ---- feature changes -------------------------------------------------------------------- */

static const char *const dnd_texts[] = {"BACK AT 2", "IN ROOM 3", "CALL MOBILE", "AT HQ"};

static void
gen_dnd(struct gen *g, int64_t t)
{
	int64_t until = t + rnd(&g->rng, 5 * MIN, 30 * MIN);
	struct station *s = pick_station(g, t, until, NULL, true);
	struct scn_action *a;

	if (s == NULL)
		return;
	if ((a = act(g, t, SCN_DND, -1, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", s->ext->number);
	a->on = true;
	if (g->site->ndnd > 0 && chance(&g->rng, 700))
		a->dnd_msg = (int)rnd(&g->rng, 1, g->site->ndnd);
	if (chance(&g->rng, 200))
		snprintf(a->text, sizeof(a->text), "%s",
		    dnd_texts[load_rng_below(&g->rng, sizeof(dnd_texts) / sizeof(dnd_texts[0]))]);
	if ((a = act(g, until, SCN_DND, -1, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", s->ext->number);
	s->dnd_from = t;
	s->dnd_until = until;
	g->st.dnd++;
}

static void
gen_forward(struct gen *g, int64_t t)
{
	int64_t until = t + rnd(&g->rng, 5 * MIN, 30 * MIN);
	struct station *s;
	struct scn_action *a;

	if (g->vm == NULL || (s = pick_station(g, t, until, NULL, true)) == NULL)
		return;
	if ((a = act(g, t, SCN_FORWARD, -1, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", s->ext->number);
	a->fwd = SITE_FWD_ALL;
	snprintf(a->digits, sizeof(a->digits), "%s", g->vm->number);
	if ((a = act(g, until, SCN_FORWARD, -1, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", s->ext->number);
	a->fwd = SITE_FWD_OFF;
	s->fwd_from = t;
	s->fwd_until = until;
	g->st.forward++;
}

/*
 * An agent who is ready goes not ready, into wrap-up or logs off for a while, then is ready
 * again.  Meanwhile one seat of its pool is taken, so the count of seats stays right; which
 * agent the engine then leaves idle may differ, which `answer any` absorbs.
 */
static void
gen_agent(struct gen *g, int64_t t)
{
	struct agent *ag;
	struct pool *pl;
	struct scn_action *a;
	size_t seat = SIZE_MAX;
	int64_t until;
	unsigned what;

	if (g->nagents == 0)
		return;
	ag = &g->agents[load_rng_below(&g->rng, g->nagents)];
	pl = &g->pools[ag->pool];
	for (size_t i = 0; i < pl->nseats && seat == SIZE_MAX; i++)
		if (pl->seat[i] <= t)
			seat = i;
	if (ag->busy_until > t || seat == SIZE_MAX)
		return;
	what = (unsigned)load_rng_below(&g->rng, 10);
	until = t + (what < 6 ? rnd(&g->rng, 1 * MIN, 5 * MIN) :
	    what < 8 ? rnd(&g->rng, 30 * SEC, 120 * SEC) : rnd(&g->rng, 5 * MIN, 20 * MIN));
	if ((a = act(g, t, SCN_AGENT, -1, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", ag->a->id);
	a->agent_op = what < 6 ? SCN_AGENT_NOTREADY : what < 8 ? SCN_AGENT_WRAPUP :
	    SCN_AGENT_LOGOFF;
	if ((a = act(g, until, SCN_AGENT, -1, nobody)) == NULL)
		return;
	snprintf(a->dev, sizeof(a->dev), "%s", ag->a->id);
	if (what < 8) {
		a->agent_op = SCN_AGENT_READY;
	} else {
		a->agent_op = SCN_AGENT_LOGON; /* logging on leaves the agent ready */
		snprintf(a->station, sizeof(a->station), "%s", ag->a->login->number);
	}
	pl->seat[seat] = until;
	ag->busy_until = until;
	g->st.agent++;
}

/* ---- setting up ------------------------------------------------------------------------- */

/* The stations that answer a hunt group's calls: members, or agents logged on and ready. */
static size_t
group_seats(const struct site_huntgroup *hg, const struct site_ext **out, size_t max)
{
	size_t n = 0;

	if (hg->nagents > 0) {
		for (size_t i = 0; i < hg->nagents && n < max; i++)
			if (hg->agents[i]->login != NULL && hg->agents[i]->state == SITE_AGENT_READY)
				out[n++] = hg->agents[i]->login;
	} else {
		for (size_t i = 0; i < hg->nmembers && n < max; i++)
			if (hg->members[i]->type != SITE_EXT_PHANTOM)
				out[n++] = hg->members[i];
	}
	return n;
}

static size_t
find_root(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

/* Groups that share a seat are one pool; each distinct seat station is one seat. */
static bool
setup_pools(struct gen *g)
{
	const struct site *site = g->site;
	size_t n = site->nhuntgroups, cap = site->nexts + 1;
	size_t *parent = calloc(n + 1, sizeof(*parent));
	const struct site_ext **a = calloc(cap, sizeof(*a)), **b = calloc(cap, sizeof(*b));
	const struct site_ext **seen = calloc(cap, sizeof(*seen));
	bool ok = parent != NULL && a != NULL && b != NULL && seen != NULL;

	g->hg_pool = calloc(n + 1, sizeof(*g->hg_pool));
	g->pools = calloc(n + 1, sizeof(*g->pools));
	ok = ok && g->hg_pool != NULL && g->pools != NULL;
	for (size_t i = 0; ok && i < n; i++)
		parent[i] = i;
	for (size_t i = 0; ok && i < n; i++) {
		size_t na = group_seats(&site->huntgroups[i], a, cap);
		for (size_t j = i + 1; j < n; j++) {
			size_t nb = group_seats(&site->huntgroups[j], b, cap);
			for (size_t x = 0; x < na; x++)
				for (size_t y = 0; y < nb; y++)
					if (a[x] == b[y])
						parent[find_root(parent, j)] = find_root(parent, i);
		}
	}
	for (size_t i = 0; ok && i < n; i++)
		g->hg_pool[i] = -1;
	for (size_t r = 0; ok && r < n; r++) {
		size_t nseen = 0;
		if (find_root(parent, r) != r)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (find_root(parent, i) != r)
				continue;
			size_t na = group_seats(&site->huntgroups[i], a, cap);
			for (size_t x = 0; x < na; x++) {
				size_t k = 0;
				while (k < nseen && seen[k] != a[x])
					k++;
				if (k == nseen)
					seen[nseen++] = a[x];
			}
		}
		if (nseen == 0)
			continue;
		struct pool *pl = &g->pools[g->npools];
		if ((pl->seat = calloc(nseen, sizeof(*pl->seat))) == NULL) {
			ok = false;
			break;
		}
		pl->nseats = nseen;
		for (size_t i = 0; i < n; i++)
			if (find_root(parent, i) == r)
				g->hg_pool[i] = (int)g->npools;
		g->npools++;
	}
	free(parent);
	free(a);
	free(b);
	free(seen);
	return ok;
}

static bool
is_seat(const struct site *site, const struct site_ext *e)
{
	if (e->ngroups > 0 || e->type == SITE_EXT_ACD_AGENT)
		return true;
	for (size_t i = 0; i < site->nagents; i++)
		if (site->agents[i].login == e)
			return true;
	return false;
}

static hs_err
setup(struct gen *g, char *err, size_t errlen)
{
	const struct site *site = g->site;
	const struct load_params *p = g->p;
	size_t ntargets = 0;

	if (p->calls_per_hour < 1 || p->calls_per_hour > 100000) {
		snprintf(err, errlen, "load: calls per hour must be 1..100000, not %u",
		    p->calls_per_hour);
		return HS_EINVAL;
	}
	if (p->duration < SEC || p->duration > SCN_TIME_MAX_MS / 2) {
		snprintf(err, errlen, "load: the duration must be 1 s .. 5 days");
		return HS_EINVAL;
	}
	if (p->inbound_pm + p->outbound_pm + p->internal_pm != 1000) {
		snprintf(err, errlen, "load: the mix inbound %u + outbound %u + internal %u "
		    "permille must make 1000", p->inbound_pm, p->outbound_pm, p->internal_pm);
		return HS_EINVAL;
	}
	if (p->abandon_pm > 1000) {
		snprintf(err, errlen, "load: abandon must be 0..1000 permille, not %u",
		    p->abandon_pm);
		return HS_EINVAL;
	}
	if (site->voicemail[0] != '\0')
		g->vm = site_ext(site, site->voicemail);
	for (size_t i = 0; i < site->nexts && g->vm == NULL; i++)
		if (site->exts[i].type == SITE_EXT_VOICEMAIL)
			g->vm = &site->exts[i];

	g->sta = calloc(site->nexts + 1, sizeof(*g->sta));
	g->trunk_busy = calloc(site->ntrunks + 1, sizeof(*g->trunk_busy));
	g->agents = calloc(site->nagents + 1, sizeof(*g->agents));
	g->ddis = calloc(site->nddis + 1, sizeof(*g->ddis));
	g->tgs = calloc(site->ntrunkgroups + 1, sizeof(*g->tgs));
	if (g->sta == NULL || g->trunk_busy == NULL || g->agents == NULL || g->ddis == NULL ||
	    g->tgs == NULL || !setup_pools(g)) {
		snprintf(err, errlen, "load: out of memory");
		return HS_ENOMEM;
	}
	for (size_t i = 0; i < site->nexts; i++) {
		const struct site_ext *e = &site->exts[i];
		if (!site_ext_can_call(e) || is_seat(site, e))
			continue;
		g->sta[g->nsta].ext = e;
		g->sta[g->nsta].target = e->dnd == 0 && e->fwd == SITE_FWD_OFF;
		if (g->vm != NULL && e->dnd == 0 && e->fwd != SITE_FWD_OFF &&
		    strcmp(e->fwd_dest, g->vm->number) == 0)
			g->sta[g->nsta].vm_fwd = e->fwd;
		ntargets += g->sta[g->nsta].target;
		g->nsta++;
	}
	for (size_t i = 0; i < site->nagents; i++) {
		const struct site_agent *a = &site->agents[i];
		if (a->login == NULL || a->state != SITE_AGENT_READY || a->ngroups == 0)
			continue;
		int pi = g->hg_pool[a->groups[0] - site->huntgroups];
		if (pi >= 0)
			g->agents[g->nagents++] = (struct agent){a, pi, 0};
	}
	for (size_t i = 0; i < site->nddis; i++) {
		const struct site_ext *e;
		const struct site_huntgroup *hg;
		struct station *s;
		site_ddi_route(site, &site->ddis[i], &e, &hg);
		if (hg != NULL || (e != NULL && e == g->vm) ||
		    (e != NULL && (s = station_of(g, e)) != NULL &&
		    (s->target || s->vm_fwd != SITE_FWD_OFF)))
			g->ddis[g->nddis++] = &site->ddis[i];
	}
	for (size_t i = 0; i < site->ntrunkgroups; i++)
		if (site->trunkgroups[i].access[0] != '\0') {
			g->tgs[g->ntgs++] = &site->trunkgroups[i];
			g->ntrunks_out += site->trunkgroups[i].nmembers;
		}

	if (p->inbound_pm > 0 && (g->nddis == 0 || site->ntrunks == 0)) {
		snprintf(err, errlen, "load: inbound calls need a trunk and a DDI to a hunt group, "
		    "a station outside hunt groups or voice mail (or set inbound to 0)");
		return HS_EINVAL;
	}
	if (p->outbound_pm > 0 && (g->ntgs == 0 || g->nsta == 0)) {
		snprintf(err, errlen, "load: outbound calls need a trunk group with an access code "
		    "and a station outside hunt groups (or set outbound to 0)");
		return HS_EINVAL;
	}
	if (p->internal_pm > 0 && (g->nsta < 2 || ntargets == 0)) {
		snprintf(err, errlen, "load: internal calls need two stations outside hunt groups, "
		    "one of them without DND or forwarding (or set internal to 0)");
		return HS_EINVAL;
	}
	return HS_OK;
}

static void
gen_free(struct gen *g)
{
	for (size_t i = 0; g->sta != NULL && i < g->nsta; i++)
		free(g->sta[i].iv);
	for (size_t i = 0; g->pools != NULL && i < g->npools; i++)
		free(g->pools[i].seat);
	free(g->sta);
	free(g->trunk_busy);
	free(g->pools);
	free(g->hg_pool);
	free(g->agents);
	free(g->ddis);
	free(g->tgs);
}

/* ---- public ----------------------------------------------------------------------------- */

void
load_params_init(struct load_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->calls_per_hour = 100;
	p->duration = 3600 * SEC;
	p->inbound_pm = 400;
	p->outbound_pm = 350;
	p->internal_pm = 250;
	p->abandon_pm = 100;
	p->features_per_hour = 5;
}

struct arrival {
	int64_t t;
	uint32_t seq;   /* unique: ties in t are ordered by it, so the sort is a total order */
	bool feature;
};

static int
arrival_cmp(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* round(per_hour * duration / 1 h), in integers */
static uint64_t
count_for(unsigned per_hour, int64_t duration)
{
	return ((uint64_t)per_hour * (uint64_t)duration + 1800000) / 3600000;
}

hs_err
load_generate(const struct site *site, const struct load_params *p, struct scenario **scnp,
    struct load_stats *stats, char *err, size_t errlen)
{
	struct gen g = {.site = site, .p = p, .rc = HS_OK};
	struct arrival *arr = NULL;
	uint64_t ncalls, nfeat, n;
	hs_err rc;

	*scnp = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((rc = setup(&g, err, errlen)) != HS_OK)
		goto out;
	load_rng_seed(&g.rng, p->seed);
	ncalls = count_for(p->calls_per_hour, p->duration);
	nfeat = count_for(p->features_per_hour, p->duration);
	n = ncalls + nfeat;
	if ((g.scn = scenario_new("load")) == NULL || (arr = calloc(n + 1, sizeof(*arr))) == NULL) {
		rc = HS_ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++)
		arr[i] = (struct arrival){(int64_t)load_rng_below(&g.rng, (uint64_t)p->duration),
		    (uint32_t)i, i >= ncalls};
	qsort(arr, n, sizeof(*arr), arrival_cmp);

	for (uint64_t i = 0; i < n && g.rc == HS_OK; i++) {
		int64_t t = arr[i].t;
		for (size_t k = 0; k < g.nsta; k++)
			station_prune(&g.sta[k], t);
		if (arr[i].feature) {
			unsigned what = (unsigned)load_rng_below(&g.rng, 10);
			if (what >= 7 && g.nagents > 0)
				gen_agent(&g, t);
			else if (what >= 4 && g.vm != NULL)
				gen_forward(&g, t);
			else
				gen_dnd(&g, t);
			continue;
		}
		unsigned u = (unsigned)load_rng_below(&g.rng, 1000);
		if (u < p->inbound_pm)
			gen_inbound(&g, t);
		else if (u < p->inbound_pm + p->outbound_pm)
			gen_outbound(&g, t);
		else
			gen_internal(&g, t);
	}
	if ((rc = g.rc) != HS_OK)
		goto out;
	scenario_sort(g.scn);
	if (scenario_add_action(g.scn, g.scn->end + SEC, SCN_END) == NULL) {
		rc = HS_ENOMEM;
		goto out;
	}
	g.scn->end += SEC;
	if (stats != NULL)
		*stats = g.st;
	*scnp = g.scn;
	g.scn = NULL;
out:
	if (rc == HS_ENOMEM && errlen > 0)
		snprintf(err, errlen, "load: out of memory");
	scenario_free(g.scn);
	free(arr);
	gen_free(&g);
	return rc;
}

hs_err
load_write(const struct scenario *scn, const struct site *site, const struct load_params *p,
    FILE *fp)
{
	char comment[512], dur[32];

	snprintf(comment, sizeof(comment),
	    "load generated by hookswitch-pbxsim; replay it as a scenario file\n"
	    "site %s, seed %llu, %u calls/hour for %s s, mix %u/%u/%u permille "
	    "(in/out/internal), abandon %u permille, %u feature changes/hour\n"
	    "t          action",
	    site->name, (unsigned long long)p->seed, p->calls_per_hour,
	    scn__fmt_secs(dur, sizeof(dur), p->duration), p->inbound_pm, p->outbound_pm,
	    p->internal_pm, p->abandon_pm, p->features_per_hour);
	return scenario_write(scn, fp, comment);
}
