/*
 * fuzz_scenario.c - libFuzzer harness of the scenario reader (scenario_parse).
 *
 * Each input is parsed as a scenario file from memory.  When it parses, the harness checks
 * it against a fixed small site (the checks must not crash, whatever they say), then writes
 * it with scenario_write() and parses that text back: the two must hold the same actions,
 * calls and labels.  A difference aborts, which libFuzzer reports.
 *
 * Build (until it moves to test/fuzz/scenario/): clang -fsanitize=fuzzer,address,undefined
 * with scenario.c, scenario_parse.c, scenario_check.c, site.c, site_parse.c,
 * site_lookup.c, libcommon/err.c and -linih.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char site_text[] =
    "[node 1]\n"
    "[system]\nvoicemail = 2500\n"
    "[extension 1000]\n[extension 1001]\n[extension 1002]\n"
    "[extension 1010]\ntype = acd-agent\n[extension 1014]\n[extension 1015]\n"
    "[extension 1090]\ntype = phantom\n[extension 2500]\ntype = voicemail\n"
    "[trunk 97001]\n[trunk 97002]\n"
    "[trunkgroup 92000]\naccess = 9\nmembers = 97001, 97002\n"
    "[ddi 01632960100]\ndestination = 2000\n[ddi 01632960300]\ndestination = 1000\n"
    "[agent 3001]\nlogin = 1010\n"
    "[huntgroup 2000]\ntype = acd\nagents = 3001\n"
    "[huntgroup 2001]\ntype = acd\nmembers = 1014, 1015\n";

static struct site *site;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SCN_ERR_MAX], *buf = NULL;
	struct scenario *scn, *back;
	size_t len = 0;
	FILE *fp;

	if (site == NULL &&
	    site_load_mem(site_text, sizeof(site_text) - 1, "fuzz.site", &site, err,
	    sizeof(err)) != HS_OK)
		abort();
	if (scenario_parse((const char *)data, size, "fuzz.scn", &scn, err, sizeof(err)) !=
	    HS_OK) {
		if (scn != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (scenario_check(scn, site, err, sizeof(err)) != HS_OK && err[0] == '\0')
		abort();
	if ((fp = open_memstream(&buf, &len)) == NULL)
		abort();
	if (scenario_write(scn, fp, "fuzz") != HS_OK)
		abort();
	fclose(fp);
	if (scenario_parse(buf, len, "back.scn", &back, err, sizeof(err)) != HS_OK) {
		fprintf(stderr, "written text does not parse: %s\n%s", err, buf);
		abort();
	}
	if (back->nactions != scn->nactions || back->ncalls != scn->ncalls ||
	    back->end != scn->end)
		abort();
	for (size_t i = 0; i < scn->ncalls; i++)
		if (strcmp(scn->calls[i].label, back->calls[i].label) != 0 ||
		    scn->calls[i].parent != back->calls[i].parent)
			abort();
	for (size_t i = 0; i < scn->nactions; i++) {
		struct scn_action x = scn->actions[i], y = back->actions[i];
		x.line = y.line = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0) {
			fprintf(stderr, "action %zu differs after writing:\n%s", i, buf);
			abort();
		}
	}
	free(buf);
	scenario_free(back);
	scenario_free(scn);
	return 0;
}
