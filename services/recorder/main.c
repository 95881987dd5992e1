/*
 * hookswitch-recorder - call recording.
 *
 * With --read FILE it is the offline engine (offline.c): it records the SIP calls of a
 * pcap/pcapng file into DIR and exits, needing no configuration, database or bus.  Without
 * it, it runs the common service skeleton and the Record-A-Call endpoint (rac.c), whose SIP
 * stack runs in a thread of its own; finished calls come back to the service loop through
 * a queue and a uv_async (why: rac.c's DESIGN note).  Capture on mirror ports is a later
 * phase.
 *
 *   hookswitch-recorder --read FILE [--out DIR] [--format opus|gsm|wav|null]
 *                       [--channels 1|2] [--jitter-ms N] [--threads N] [--quiet]
 *
 * Exit codes of --read: 0 done (a summary JSON on stdout), 100 usage, 111 the file or DIR
 * cannot be used.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec.h"
#include "service.h"
#include "topo.h"

extern const struct hs_bus_cmd rec_live_cmds[]; /* live.c */

static const struct hs_service recorder_service = {
	.id = HS_SVC_RECORDER,
	.cmds = rec_live_cmds,
	.init = rec_live_init,
	.fini = rec_live_fini,
	.health = rec_live_health,
};

static int
usage(void)
{
	fprintf(stderr, "usage: hookswitch-recorder --read FILE [--out DIR] "
	    "[--format opus|gsm|wav|null] [--channels 1|2] [--jitter-ms N]\n"
	    "                           [--threads N] [--quiet]\n"
	    "       hookswitch-recorder [-c CONF] [-d] [-n] [-v]   (the service)\n");
	return 100;
}

static int
offline_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "channels", required_argument, NULL, 'C' },
		{ "jitter-ms", required_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rec_opts o = {
		.out_dir = ".",
		.format = &rec_out_opus,
		.channels = 1,
		.jitter_us = 200000,
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o.threads = ncpu < 1 ? 1 : ncpu > REC_MAX_THREADS ? REC_MAX_THREADS : (int)ncpu;
	int ch;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		long v;
		switch (ch) {
		case 'r':
			o.read = optarg;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'f':
			if ((o.format = rec_out_find(optarg)) == NULL)
				return usage();
			break;
		case 'C':
			v = strtol(optarg, &end, 10);
			if (*end || (v != 1 && v != 2))
				return usage();
			o.channels = (int)v;
			break;
		case 'j':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 10000)
				return usage();
			o.jitter_us = v * 1000;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > REC_MAX_THREADS)
				return usage();
			o.threads = (int)v;
			break;
		case 'q':
			o.quiet = 1;
			break;
		default:
			return usage();
		}
	}
	if (o.read == NULL || optind != argc)
		return usage();
	struct rec_offline_stats st;
	if (rec_offline_run(&o, &st) != 0)
		return 111;
	printf("{\"packets\": %llu, \"udp\": %llu, \"tcp\": %llu, \"other\": %llu, "
	    "\"fragments\": %llu, \"malformed\": %llu, \"reassembled\": %llu, "
	    "\"frag_incomplete\": %llu, \"tcp_sip\": %llu, \"tcp_gaps\": %llu, "
	    "\"sip\": %llu, \"sip_bad\": %llu, "
	    "\"rtp\": %llu, \"rtp_bad\": %llu, \"rtcp\": %llu, \"unmatched\": %llu, "
	    "\"calls\": %llu, "
	    "\"calls_written\": %llu, \"calls_no_media\": %llu, \"write_errors\": %llu}\n",
	    (unsigned long long)st.packets, (unsigned long long)st.udp,
	    (unsigned long long)st.tcp, (unsigned long long)st.other,
	    (unsigned long long)st.fragments, (unsigned long long)st.malformed,
	    (unsigned long long)st.reassembled, (unsigned long long)st.frag_incomplete,
	    (unsigned long long)st.tcp_sip, (unsigned long long)st.tcp_gaps,
	    (unsigned long long)st.sip, (unsigned long long)st.sip_bad,
	    (unsigned long long)st.rtp, (unsigned long long)st.rtp_bad,
	    (unsigned long long)st.rtcp,
	    (unsigned long long)st.unmatched, (unsigned long long)st.calls,
	    (unsigned long long)st.calls_written, (unsigned long long)st.calls_no_media,
	    (unsigned long long)st.write_errors);
	return st.write_errors ? 111 : 0;
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--read") == 0 || strncmp(argv[i], "--read=", 7) == 0 ||
		    strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "--out") == 0)
			return offline_main(argc, argv);
	}
	return hs_service_main(&recorder_service, argc, argv);
}
