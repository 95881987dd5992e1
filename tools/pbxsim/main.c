/*
 * main.c - hookswitch-pbxsim: options and wiring only.
 *
 * Loads and checks a site and a scenario (or generates a load), then plays the PBX: the
 * OAI server on -B:-P, the scenario's actions on the loop's clock, the control socket, the
 * truth file.  -p prints the actions and -n only checks; both exit without serving.
 * Exit codes as hookswitchctl: 0 fine, 1 the site or scenario is wrong (or the port, the
 * socket or the truth file cannot be opened), 100 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "log.h"
#include "pbxsim.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hookswitch-pbxsim -s SITE [-S SCENARIO | -L CALLS_PER_HOUR [-r SEED]\n"
	    "           [-t SECONDS] [-m IN/OUT/INTERNAL] [-a ABANDON] [-f FEATURES_PER_HOUR]]\n"
	    "           [-p | -n] [-P PORT] [-B ADDR] [-K SECONDS] [-T TRUTH] [-x FACTOR]\n"
	    "           [--now] [-E] [-C CONTROL_SOCKET] [-v]\n"
	    "  -p  print the actions in scenario syntax and exit (a load replays with -S)\n"
	    "  -n  check the site and the scenario, and exit\n"
	    "  -P  OAI port (default the site's oai_port, 4000)   -B  address (127.0.0.1)\n"
	    "  -K  keep-alive command timer in seconds (270)     -T  ground-truth file\n"
	    "  -x  speed factor: times and durations divided by it\n"
	    "  --now  start the scenario at once, not at the first OAI start-up\n"
	    "  -E  exit when the scenario is done                -C  control socket path\n"
	    "  -v  debug logging: every frame in and out\n"
	    "A site with [record_a_call] answers _EF Record-A-Call (its feature code) on a\n"
	    "connected station with a SIP call to that voice mail, streaming G.711 until the\n"
	    "station leaves the call; each leg is a \"rac\" truth line (README.md).\n");
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

static void
on_signal(void *arg, int signum)
{
	(void)signum;
	pbxsim_stop(arg, "signal");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "now", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *site_path = NULL, *scn_path = NULL, *truth_path = NULL, *ctl_path = NULL;
	struct server_opts so = { .addr = "127.0.0.1", .port = 0, .keepalive_s = 270 };
	struct pbxsim p = { .speed = 1.0 };
	struct load_params lp;
	struct load_stats st;
	struct scenario *scn = NULL;
	struct site *site;
	char err[SCN_ERR_MAX];
	bool load = false, print = false, features = false, check = false, now = false;
	bool verbose = false;
	hs_err rc;
	int c;

	load_params_init(&lp);
	while ((c = getopt_long(argc, argv, "s:S:L:r:t:m:a:f:pnP:B:K:T:x:EC:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's': site_path = optarg; break;
		case 'S': scn_path = optarg; break;
		case 'L':
			load = true;
			lp.calls_per_hour = (unsigned)number(optarg, "-L");
			break;
		case 'r': lp.seed = number(optarg, "-r"); break;
		case 't': lp.duration = (int64_t)number(optarg, "-t") * 1000; break;
		case 'm':
			if (sscanf(optarg, "%u/%u/%u", &lp.inbound_pm, &lp.outbound_pm,
			    &lp.internal_pm) != 3)
				usage();
			break;
		case 'a': lp.abandon_pm = (unsigned)number(optarg, "-a"); break;
		case 'f':
			features = true;
			lp.features_per_hour = (unsigned)number(optarg, "-f");
			break;
		case 'p': print = true; break;
		case 'n': check = true; break;
		case 'P':
			so.port = (int)number(optarg, "-P");
			if (so.port < 1 || so.port > 65535)
				usage();
			break;
		case 'B': so.addr = optarg; break;
		case 'K':
			so.keepalive_s = (int)number(optarg, "-K");
			if (so.keepalive_s < 1)
				usage();
			break;
		case 'T': truth_path = optarg; break;
		case 'x': {
			char *end;
			p.speed = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(p.speed > 0) || p.speed > 1e6) {
				fprintf(stderr, "hookswitch-pbxsim: -x: '%s' is not a factor > 0\n",
				    optarg);
				exit(100);
			}
			break;
		}
		case 'N': now = true; break;
		case 'E': p.exit_when_done = true; break;
		case 'C': ctl_path = optarg; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || site_path == NULL || (load && scn_path != NULL))
		usage();
	if (!features)
		lp.features_per_hour = lp.calls_per_hour / 20;

	if (site_load(site_path, &site, err, sizeof(err)) != HS_OK) {
		fprintf(stderr, "hookswitch-pbxsim: %s\n", err);
		return 1;
	}
	rc = HS_OK;
	if (load)
		rc = load_generate(site, &lp, &scn, &st, err, sizeof(err));
	else if (scn_path != NULL && (rc = scenario_load(scn_path, &scn, err, sizeof(err))) ==
	    HS_OK)
		rc = scenario_check(scn, site, err, sizeof(err));
	if (rc != HS_OK) {
		fprintf(stderr, "hookswitch-pbxsim: %s\n", err);
		scenario_free(scn);
		site_free(site);
		return rc == HS_EINVAL ? 100 : 1;
	}
	if (print || check) {
		if (print && scn != NULL && (load ? load_write(scn, site, &lp, stdout) :
		    scenario_write(scn, stdout, NULL)) != HS_OK)
			rc = HS_EIO;
		if (load)
			fprintf(stderr, "hookswitch-pbxsim: load: %u calls (%u in, %u out, %u "
			    "internal), %u answered, %u abandoned, %u queued, %u dropped for want "
			    "of a trunk or station\n", st.calls, st.inbound, st.outbound,
			    st.internal, st.answered, st.abandoned, st.queued, st.skipped);
		fprintf(stderr, "hookswitch-pbxsim: %s: ok; %zu actions, %zu calls\n",
		    scn != NULL ? (load ? "load" : scn_path) : site_path,
		    scn != NULL ? scn->nactions : 0, scn != NULL ? scn->ncalls : 0);
		scenario_free(scn);
		site_free(site);
		return rc == HS_OK ? 0 : 1;
	}

	hs_log_open("pbxsim", NULL, 0, 0);
	hs_log_set_level(verbose ? HS_LOG_DEBUG : HS_LOG_INFO);
	p.site = site;
	if (so.port == 0)
		so.port = site->oai_port;
	if (truth_path != NULL) {
		struct truth_meta meta = { .at = hs_now_ms(), .site = site->name,
			.scenario = load ? NULL : scn_path, .has_seed = load, .seed = lp.seed };
		if ((rc = truth_open(&p.truth, truth_path, &meta)) != HS_OK) {
			fprintf(stderr, "hookswitch-pbxsim: %s: cannot write: %s\n", truth_path,
			    hs_strerror(rc));
			scenario_free(scn);
			site_free(site);
			return 1;
		}
	}
	if (hs_loop_init(&p.loop, on_signal, &p) != HS_OK || (p.uv = hs_loop_uv(p.loop)) == NULL) {
		fprintf(stderr, "hookswitch-pbxsim: out of memory\n");
		return 1;
	}
	if ((rc = pbxsim_init(&p)) == HS_ENOMEM) {
		fprintf(stderr, "hookswitch-pbxsim: out of memory\n");
		return 1;
	}
	if (rc != HS_OK ||
	    server_start(&p, &so) != HS_OK ||
	    (ctl_path != NULL && control_start(&p, ctl_path) != HS_OK)) {
		p.exit_code = 1;
		scenario_free(scn);
		scn = NULL;
		pbxsim_stop(&p, "cannot listen");
	} else {
		hs_log_info("pbxsim.start", "site=%s scenario=%s actions=%zu speed=%g truth=%s "
		    "control=%s", hs_logq(site->name), hs_logq(load ? "load" : scn_path ?
		    scn_path : ""), scn != NULL ? scn->nactions : 0, p.speed,
		    hs_logq(truth_path != NULL ? truth_path : ""),
		    hs_logq(ctl_path != NULL ? ctl_path : ""));
		p.run = runner_new(&p, scn, now); /* the runner owns scn from here */
		scn = NULL;
	}
	hs_loop_run(p.loop);
	pbxsim_fini(&p);
	if (hs_loop_close(p.loop) != 0)
		hs_log_warn("pbxsim.leak", "note=%s", hs_logq("handles were left open"));
	if (p.truth != NULL && truth_close(p.truth, hs_now_ms()) != HS_OK) {
		hs_log_error("truth.close", "path=%s", hs_logq(truth_path));
		p.exit_code = 1;
	}
	hs_log_info("pbxsim.exit", "code=%d", p.exit_code);
	hs_log_close();
	site_free(site);
	return p.exit_code;
}
