/*
 * main.c - hookswitch-pbxsim: options and wiring only.
 *
 * Today it loads and checks a site and a scenario (or generates a load) and can print the
 * actions; the OAI server and the call engine that will run them are not written yet.
 * Exit codes as hookswitchctl: 0 fine, 1 the site or scenario is wrong, 100 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "scenario.h"
#include "site.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hookswitch-pbxsim -s SITE [-S SCENARIO | -L CALLS_PER_HOUR [-r SEED]\n"
	    "           [-t SECONDS] [-m IN/OUT/INTERNAL] [-a ABANDON] [-f FEATURES_PER_HOUR]]\n"
	    "           [-p]\n"
	    "  -p  print the actions in scenario syntax (a load can be replayed with -S)\n");
	exit(100);
}

static unsigned long long
number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
		fprintf(stderr, "hookswitch-pbxsim: %s: '%s' is not a number\n", what, s);
		exit(100);
	}
	return v;
}

int
main(int argc, char **argv)
{
	const char *site_path = NULL, *scn_path = NULL;
	struct load_params p;
	struct load_stats st;
	struct scenario *scn = NULL;
	struct site *site;
	char err[SCN_ERR_MAX];
	bool load = false, print = false, features = false;
	hs_err rc;
	int c;

	load_params_init(&p);
	while ((c = getopt(argc, argv, "s:S:L:r:t:m:a:f:ph")) != -1) {
		switch (c) {
		case 's': site_path = optarg; break;
		case 'S': scn_path = optarg; break;
		case 'L':
			load = true;
			p.calls_per_hour = (unsigned)number(optarg, "-L");
			break;
		case 'r': p.seed = number(optarg, "-r"); break;
		case 't': p.duration = (int64_t)number(optarg, "-t") * 1000; break;
		case 'm':
			if (sscanf(optarg, "%u/%u/%u", &p.inbound_pm, &p.outbound_pm,
			    &p.internal_pm) != 3)
				usage();
			break;
		case 'a': p.abandon_pm = (unsigned)number(optarg, "-a"); break;
		case 'f':
			features = true;
			p.features_per_hour = (unsigned)number(optarg, "-f");
			break;
		case 'p': print = true; break;
		default: usage();
		}
	}
	if (optind != argc || site_path == NULL || load == (scn_path != NULL))
		usage();
	if (!features)
		p.features_per_hour = p.calls_per_hour / 20;

	if (site_load(site_path, &site, err, sizeof(err)) != HS_OK) {
		fprintf(stderr, "hookswitch-pbxsim: %s\n", err);
		return 1;
	}
	if (load)
		rc = load_generate(site, &p, &scn, &st, err, sizeof(err));
	else if ((rc = scenario_load(scn_path, &scn, err, sizeof(err))) == HS_OK)
		rc = scenario_check(scn, site, err, sizeof(err));
	if (rc != HS_OK) {
		fprintf(stderr, "hookswitch-pbxsim: %s\n", err);
		scenario_free(scn);
		site_free(site);
		return rc == HS_EINVAL ? 100 : 1;
	}
	if (print && (load ? load_write(scn, site, &p, stdout) :
	    scenario_write(scn, stdout, NULL)) != HS_OK)
		rc = HS_EIO;
	if (load)
		fprintf(stderr, "hookswitch-pbxsim: load: %u calls (%u in, %u out, %u internal), %u "
		    "answered, %u abandoned, %u queued, %u dropped for want of a trunk or station\n",
		    st.calls, st.inbound, st.outbound, st.internal, st.answered, st.abandoned,
		    st.queued, st.skipped);
	fprintf(stderr, "hookswitch-pbxsim: %s: %zu actions, %zu calls; the OAI server and call "
	    "engine are not written yet, nothing was run\n", load ? "load" : scn_path,
	    scn->nactions, scn->ncalls);
	scenario_free(scn);
	site_free(site);
	return rc == HS_OK ? 0 : 1;
}
