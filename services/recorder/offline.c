/*
 * offline.c - `hookswitch-recorder --read FILE --out DIR`: records every SIP call found in a
 * capture file, without a database or a running system.
 *
 * One pass over the file, in capture order, through the engine (engine.c) that live
 * capture uses too; every call is recorded, its files in DIR.  With --threads N, N engines
 * each read the whole file and record every Nth call.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec.h"

struct part {
	struct rec_engine g;
	const struct rec_opts *o;
	int part, nparts;
	int rc;
};

/* One thread's pass over the whole file. */
static void *
engine_run(void *arg)
{
	struct part *pt = arg;
	const struct rec_opts *o = pt->o;
	char err[512];
	rec_pcap *p = rec_pcap_open(o->read, err, sizeof(err));
	if (p == NULL) {
		if (pt->part == 0)
			fprintf(stderr, "hookswitch-recorder: %s: %s\n", o->read, err);
		pt->rc = -1;
		return NULL;
	}
	if (rec_engine_init(&pt->g, o, NULL, pt->part, pt->nparts) != 0) {
		rec_pcap_close(p);
		pt->rc = -1;
		return NULL;
	}
	for (;;) {
		int linktype;
		int64_t ts;
		const uint8_t *data;
		size_t len;
		int n = rec_pcap_next(p, &linktype, &ts, &data, &len, err, sizeof(err));
		if (n == 0)
			break;
		if (n < 0) {
			/* A truncated last record is common (capture killed): keep what we have. */
			if (!o->quiet && pt->part == 0)
				fprintf(stderr, "hookswitch-recorder: %s: %s (stopping here)\n",
				    o->read, err);
			break;
		}
		rec_engine_packet(&pt->g, linktype, ts, data, len);
	}
	rec_engine_fini(&pt->g);
	rec_pcap_close(p);
	return NULL;
}

int
rec_offline_run(const struct rec_opts *o, struct rec_offline_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "hookswitch-recorder: %s: %s\n", o->out_dir, strerror(errno));
		return -1;
	}
	int n = o->threads < 1 ? 1 : o->threads > REC_MAX_THREADS ? REC_MAX_THREADS : o->threads;
	struct part g[REC_MAX_THREADS];
	pthread_t tid[REC_MAX_THREADS];
	int started[REC_MAX_THREADS] = { 0 };
	memset(g, 0, sizeof(g));
	rec_dec_free(rec_dec_new()); /* builds the shared G.711 tables before any thread */
	for (int i = 0; i < n; i++) {
		g[i].o = o;
		g[i].part = i;
		g[i].nparts = n;
	}
	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, engine_run, &g[i]) == 0;
	engine_run(&g[0]);
	int rc = g[0].rc;
	for (int i = 1; i < n; i++) {
		if (!started[i]) {
			rc = -1;
			continue;
		}
		pthread_join(tid[i], NULL);
		if (g[i].rc != 0)
			rc = -1;
	}
	/* What every thread saw alike comes from the first; what belongs to calls is summed. */
	*st = g[0].g.st;
	for (int i = 1; i < n; i++) {
		const struct rec_offline_stats *s = &g[i].g.st;
		st->rtp += s->rtp;
		st->rtp_bad += s->rtp_bad;
		st->rtcp += s->rtcp;
		st->calls += s->calls;
		st->calls_written += s->calls_written;
		st->calls_no_media += s->calls_no_media;
		st->write_errors += s->write_errors;
	}
	return rc;
}
