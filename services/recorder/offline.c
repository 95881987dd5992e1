/*
 * offline.c - `hookswitch-recorder --read FILE --out DIR`: records every SIP call found in a
 * capture file, without a database or a running system.
 *
 * One pass over the file, in capture order.  A UDP datagram whose address a dialog announced
 * is RTP of that dialog (dialog.c); otherwise one that looks like SIP goes to the dialog
 * tracker; anything else is counted as unmatched.  A call gets its recording (struct
 * rec_call, session.c) on its first RTP packet: that packet's capture time is sample 0 of the
 * audio; session.c reorders, decodes, places, mixes and writes it.  When the dialog ends
 * (BYE, CANCEL, rejection, or the end of the file) the call is closed: audio and metadata.
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

struct engine {
	const struct rec_opts *o;
	struct rec_offline_stats st;
	rec_dlg_table *t;
	int64_t now_us;
	int part, nparts; /* this thread records the dialogs with order % nparts == part */
	int rc;
};

static void
dlg_ended(void *arg, struct rec_dialog *dl)
{
	struct engine *g = arg;
	struct rec_call *c = dl->user;
	if (dl->order % (uint64_t)g->nparts != (uint64_t)g->part)
		return; /* another thread's call */
	if (c == NULL) {
		g->st.calls_no_media++;
		return;
	}
	if (dl->end_us == 0 || dl->end_reason == NULL || strcmp(dl->end_reason, "eof") == 0)
		dl->end_us = c->last_us;
	dl->user = NULL;
	int errors;
	if (rec_call_close(c, dl, &errors))
		g->st.calls_written++;
	g->st.write_errors += (uint64_t)errors;
}

static void
rtp(struct engine *g, const struct rec_udp *u)
{
	enum rec_side side;
	struct rec_dialog *dl = rec_dlg_media(g->t, u, &side);
	if (dl == NULL) {
		g->st.unmatched++;
		return;
	}
	if (dl->order % (uint64_t)g->nparts != (uint64_t)g->part)
		return; /* another thread's call */
	/* RTCP multiplexed on the RTP port (RFC 5761): packet types 192-223 in the second
	 * byte, which RTP keeps for marker + payload types 64-95 that nobody assigns. */
	if (u->len >= 2 && u->data[1] >= 192 && u->data[1] <= 223) {
		g->st.rtcp++;
		return;
	}
	struct rec_rtp r;
	if (rec_rtp_parse(u->data, u->len, &r) != 0) {
		g->st.rtp_bad++;
		return;
	}
	g->st.rtp++;
	struct rec_call *c = dl->user;
	if (c == NULL) {
		int werr;
		c = rec_call_open(g->o, g->o->out_dir, dl, u->ts_us, &werr);
		if (c == NULL)
			return;
		dl->user = c;
		g->st.calls++;
		g->st.write_errors += (uint64_t)werr;
	}
	rec_call_rtp(c, side, u, &r);
}

/* One thread's pass over the whole file: every thread follows every dialog (signalling is a
 * small part of the work) and records its share of the calls. */
static void *
engine_run(void *arg)
{
	struct engine *g = arg;
	const struct rec_opts *o = g->o;
	struct rec_offline_stats *st = &g->st;
	char err[512];
	rec_pcap *p = rec_pcap_open(o->read, err, sizeof(err));
	if (p == NULL) {
		if (g->part == 0)
			fprintf(stderr, "hookswitch-recorder: %s: %s\n", o->read, err);
		g->rc = -1;
		return NULL;
	}
	struct rec_dlg_cb cb = { .ended = dlg_ended, .arg = g };
	g->t = rec_dlg_new(&cb);
	if (g->t == NULL) {
		rec_pcap_close(p);
		g->rc = -1;
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
			if (!o->quiet && g->part == 0)
				fprintf(stderr, "hookswitch-recorder: %s: %s (stopping here)\n",
				    o->read, err);
			break;
		}
		st->packets++;
		if (ts > g->now_us)
			g->now_us = ts;
		struct rec_udp u;
		u.ts_us = ts;
		switch (rec_net_decode(linktype, data, len, &u)) {
		case REC_NET_UDP:
			break;
		case REC_NET_TCP:
			st->tcp++;
			continue;
		case REC_NET_FRAGMENT:
			st->fragments++;
			continue;
		case REC_NET_MALFORMED:
			st->malformed++;
			continue;
		default:
			st->other++;
			continue;
		}
		st->udp++;
		if (u.len > 0 && (u.data[0] & 0xc0) == 0x80) {
			rtp(g, &u);
		} else if (rec_sip_looks_like(u.data, u.len)) {
			struct rec_sip_msg m;
			if (rec_sip_parse((const char *)u.data, u.len, &m) == 0) {
				st->sip++;
				rec_dlg_sip(g->t, &m, &u);
			} else {
				st->sip_bad++;
			}
		} else {
			st->unmatched++;
		}
	}
	rec_dlg_free(g->t, g->now_us);
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
	struct engine g[REC_MAX_THREADS];
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
	*st = g[0].st;
	for (int i = 1; i < n; i++) {
		st->rtp += g[i].st.rtp;
		st->rtp_bad += g[i].st.rtp_bad;
		st->rtcp += g[i].st.rtcp;
		st->calls += g[i].st.calls;
		st->calls_written += g[i].st.calls_written;
		st->calls_no_media += g[i].st.calls_no_media;
		st->write_errors += g[i].st.write_errors;
	}
	return rc;
}
