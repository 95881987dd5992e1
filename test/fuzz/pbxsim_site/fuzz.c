/*
 * fuzz_site.c - libFuzzer harness of the site-file reader (site_load_mem).
 *
 * Each input is read as a site file from memory.  When it loads, the harness checks what a
 * loaded site promises: every number of the numbering plan is found by site_lookup() as
 * what it is, every extension and pilot dials as itself (the dial plan is prefix-free),
 * members and agents point back at their groups, and site_dial() on pieces of the input
 * never fails to fill its answer.  Then a short load is generated for the site (whatever
 * mix it can carry): what load_generate() makes must always pass scenario_check().  A
 * broken promise aborts, which libFuzzer reports.
 *
 * Build (until it moves to test/fuzz/site/): clang -fsanitize=fuzzer,address,undefined
 * with site.c, site_parse.c, site_lookup.c, scenario*.c, load.c, libcommon/err.c, -linih.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct site *s, const uint8_t *data, size_t size)
{
	struct site_dial d;
	char dialled[SITE_DIAL_MAX + 8];

	for (size_t i = 0; i < s->nexts; i++) {
		const struct site_ext *e = &s->exts[i];
		if (site_ext(s, e->number) != e)
			abort();
		if (site_dial(s, e->number, &d) != SITE_DIAL_EXTENSION || d.ext != e)
			abort();
		for (size_t g = 0; g < e->ngroups; g++) {
			size_t k;
			for (k = 0; k < e->groups[g]->nmembers; k++)
				if (e->groups[g]->members[k] == e)
					break;
			if (k == e->groups[g]->nmembers)
				abort();
		}
		if (e->node == NULL || e->dnd > s->ndnd)
			abort();
	}
	for (size_t i = 0; i < s->nhuntgroups; i++) {
		const struct site_huntgroup *hg = &s->huntgroups[i];
		if (site_huntgroup(s, hg->number) != hg)
			abort();
		if (site_dial(s, hg->number, &d) != SITE_DIAL_HUNTGROUP || d.hg != hg)
			abort();
		if ((hg->nmembers == 0) == (hg->nagents == 0))
			abort();
		if (site_hg_oai_type(hg) < 0 || site_hg_oai_type(hg) > 2)
			abort();
	}
	for (size_t i = 0; i < s->ntrunks; i++)
		if (site_trunk(s, s->trunks[i].number) != &s->trunks[i])
			abort();
	for (size_t i = 0; i < s->nagents; i++)
		if (site_agent(s, s->agents[i].id) != &s->agents[i])
			abort();
	for (size_t i = 0; i < s->ntrunkgroups; i++) {
		const struct site_trunkgroup *tg = &s->trunkgroups[i];
		if (tg->access[0] != '\0' && site_trunkgroup_by_access(s, tg->access) != tg)
			abort();
		for (size_t k = 0; k < tg->nmembers; k++)
			if (tg->members[k]->group != tg)
				abort();
	}
	for (size_t i = 0; i < s->nddis; i++) {
		const struct site_ext *e;
		const struct site_huntgroup *hg;
		site_ddi_route(s, &s->ddis[i], &e, &hg);
		if ((e == NULL) == (hg == NULL))
			abort();
	}
	/* Pieces of the input as dialled strings. */
	for (size_t off = 0; off < size && off < 256; off += 7) {
		size_t n = size - off < SITE_DIAL_MAX + 4 ? size - off : SITE_DIAL_MAX + 4;
		memcpy(dialled, data + off, n);
		dialled[n] = '\0';
		enum site_dial_kind k = site_dial(s, dialled, &d);
		if (k != d.kind || (k == SITE_DIAL_INVALID && d.why == NULL))
			abort();
	}
}

/* A load of 30 calls on whatever mix the site can carry; it must fit the site. */
static void
check_load(const struct site *s, const uint8_t *data, size_t size)
{
	static const unsigned mixes[][3] = {{400, 350, 250}, {0, 0, 1000}, {1000, 0, 0},
		{0, 1000, 0}};
	struct load_params p;
	struct scenario *scn;
	char err[SCN_ERR_MAX];

	for (size_t m = 0; m < sizeof(mixes) / sizeof(mixes[0]); m++) {
		load_params_init(&p);
		p.seed = size > 0 ? data[0] : 0;
		p.calls_per_hour = 60;
		p.duration = 1800 * 1000;
		p.features_per_hour = 10;
		p.inbound_pm = mixes[m][0];
		p.outbound_pm = mixes[m][1];
		p.internal_pm = mixes[m][2];
		if (load_generate(s, &p, &scn, NULL, err, sizeof(err)) != HS_OK)
			continue;
		if (scenario_check(scn, s, err, sizeof(err)) != HS_OK) {
			fprintf(stderr, "generated load does not fit the site: %s\n", err);
			abort();
		}
		scenario_free(scn);
		return;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SITE_ERR_MAX];
	struct site *s;

	if (site_load_mem((const char *)data, size, "fuzz.site", &s, err, sizeof(err)) == HS_OK) {
		check(s, data, size);
		check_load(s, data, size);
		site_free(s);
	} else if (s != NULL || err[0] == '\0') {
		abort(); /* a failure always says why and returns nothing */
	}
	return 0;
}
