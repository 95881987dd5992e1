/*
 * engine.c - captured packets to recordings: the one path both the --read engine
 * (offline.c) and live capture on mirror ports (mirror.c) feed.
 *
 * A UDP datagram whose address a dialog announced is RTP of that dialog (dialog.c);
 * otherwise one that looks like SIP goes to the dialog tracker; anything else is handed to
 * cb.unmatched (mirror.c looks there for MiNET phones' RTP) or counted.  A call's recording
 * (struct rec_call, session.c) is opened on its first RTP packet once cb.admit says yes:
 * that packet's capture time is sample 0.  When the dialog ends (BYE, CANCEL, rejection,
 * an idle timeout or the end of the input) the recording is closed and cb.done told.
 *
 * IP fragments are put back together first (reasm.c): a datagram they complete goes on
 * exactly as an unfragmented one would (a large INVITE is the usual one).  TCP segments go
 * to the stream splitter (sipstream.c), whose whole SIP messages come back here as if they
 * were datagrams; RTP stays UDP.
 *
 * With nparts > 1 several engines see every packet (signalling is a small part of the
 * work) and each records the dialogs whose creation order falls in its part.
 */
#include <stdio.h>
#include <string.h>

#include "rec.h"

/* dl->user of a dialog that admit() refused (quietly, or to be reported at its end), or
 * whose recording could not be opened. */
static char skip_quiet, skip_report, skip_failed;

static int
mine(const struct rec_engine *g, const struct rec_dialog *dl)
{
	return dl->order % (uint64_t)g->nparts == (uint64_t)g->part;
}

static void
dlg_ended(void *arg, struct rec_dialog *dl)
{
	struct rec_engine *g = arg;
	if (!mine(g, dl))
		return;
	struct rec_engine_done d;
	memset(&d, 0, sizeof(d));
	struct rec_call *c = dl->user;
	dl->user = NULL;
	if (c == (void *)&skip_quiet)
		return;
	if (c == (void *)&skip_report || c == (void *)&skip_failed) {
		d.refused = c == (void *)&skip_report;
		d.open_failed = c == (void *)&skip_failed;
		if (g->cb.done)
			g->cb.done(g->cb.arg, dl, &d);
		return;
	}
	if (c == NULL) {
		g->st.calls_no_media++;
		if (g->cb.done)
			g->cb.done(g->cb.arg, dl, &d);
		return;
	}
	if (dl->end_us == 0 || dl->end_reason == NULL || strcmp(dl->end_reason, "eof") == 0)
		dl->end_us = c->last_us;
	d.recorded = 1;
	d.packets = c->dir[0].jb.st.packets + c->dir[1].jb.st.packets;
	snprintf(d.file, sizeof(d.file), "%s/%s", c->folder, c->audio_name);
	d.t0_us = c->t0_us;
	d.written = rec_call_close(c, dl, &d.errors);
	if (d.written)
		g->st.calls_written++;
	g->st.write_errors += (uint64_t)d.errors;
	if (g->cb.done)
		g->cb.done(g->cb.arg, dl, &d);
}

static void
rtp(struct rec_engine *g, const struct rec_udp *u)
{
	enum rec_side side;
	struct rec_dialog *dl = rec_dlg_media(g->t, u, &side);
	if (dl == NULL) {
		if (g->cb.unmatched != NULL && g->cb.unmatched(g->cb.arg, g, u))
			dl = rec_dlg_media(g->t, u, &side);
		if (dl == NULL) {
			g->st.unmatched++;
			return;
		}
	}
	if (!mine(g, dl))
		return;
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
	if (c == (void *)&skip_quiet || c == (void *)&skip_report || c == (void *)&skip_failed)
		return;
	if (c == NULL) {
		char dir[512];
		snprintf(dir, sizeof(dir), "%s", g->o->out_dir != NULL ? g->o->out_dir : ".");
		int a = g->cb.admit != NULL ? g->cb.admit(g->cb.arg, dl, u->ts_us, dir,
		    sizeof(dir)) : REC_ADMIT_RECORD;
		if (a != REC_ADMIT_RECORD) {
			dl->user = a == REC_ADMIT_REPORT ? (void *)&skip_report : (void *)&skip_quiet;
			return;
		}
		int werr;
		c = rec_call_open(g->o, dir, dl, u->ts_us, &werr);
		if (c == NULL) { /* out of memory: not asked again, told at the end */
			dl->user = &skip_failed;
			return;
		}
		dl->user = c;
		g->st.calls++;
		g->st.write_errors += (uint64_t)werr;
	}
	rec_call_rtp(c, side, u, &r);
}

/* A whole SIP message out of a TCP stream. */
static void
tcp_msg(void *arg, const struct rec_udp *m)
{
	struct rec_engine *g = arg;
	g->st.tcp_sip++;
	rec_engine_udp(g, m);
}

static void
sync_stats(struct rec_engine *g)
{
	const struct rec_reasm_stats *rs = rec_reasm_stats(g->ra);
	g->st.frag_incomplete = rs->timed_out + rs->dropped;
	g->st.tcp_gaps = rec_ss_stats(g->ss)->gaps;
}

static void
tcp(struct rec_engine *g, struct rec_net *n)
{
	rec_ss_segment(g->ss, n);
	g->st.tcp_gaps = rec_ss_stats(g->ss)->gaps;
}

static void
fragment(struct rec_engine *g, struct rec_net *n)
{
	const uint8_t *data;
	size_t len;
	int r = rec_reasm_put(g->ra, n, n->u.ts_us, &data, &len);
	sync_stats(g);
	if (r != 1)
		return;
	g->st.reassembled++;
	/* data stays valid until the next rec_reasm_put: the whole datagram is handled by
	 * then. */
	switch (rec_net_transport(n->u.src.family, n->frag_proto, data, len, n)) {
	case REC_NET_UDP:
		rec_engine_udp(g, &n->u);
		break;
	case REC_NET_TCP:
		tcp(g, n);
		break;
	default:
		/* Not UDP or TCP, or a broken header inside: counted as reassembled only (the
		 * per-frame counters stay a partition of packets). */
		break;
	}
}

int
rec_engine_init(struct rec_engine *g, const struct rec_opts *o, const struct rec_engine_cb *cb,
    int part, int nparts)
{
	memset(g, 0, sizeof(*g));
	g->o = o;
	if (cb != NULL)
		g->cb = *cb;
	g->part = part;
	g->nparts = nparts < 1 ? 1 : nparts;
	struct rec_dlg_cb dcb = { .ended = dlg_ended, .arg = g };
	g->t = rec_dlg_new(&dcb);
	g->ra = rec_reasm_new();
	g->ss = rec_ss_new(tcp_msg, g);
	if (g->t == NULL || g->ra == NULL || g->ss == NULL) {
		rec_engine_fini(g);
		return -1;
	}
	return 0;
}

void
rec_engine_packet(struct rec_engine *g, int linktype, int64_t ts_us, const uint8_t *data,
    size_t len)
{
	struct rec_offline_stats *st = &g->st;
	st->packets++;
	if (ts_us > g->now_us)
		g->now_us = ts_us;
	struct rec_net n;
	enum rec_net_kind k = rec_net_decode_full(linktype, data, len, &n);
	n.u.ts_us = ts_us;
	switch (k) {
	case REC_NET_UDP:
		break;
	case REC_NET_TCP:
		st->tcp++;
		tcp(g, &n);
		return;
	case REC_NET_FRAGMENT:
		st->fragments++;
		fragment(g, &n);
		return;
	case REC_NET_MALFORMED:
		st->malformed++;
		return;
	default:
		st->other++;
		return;
	}
	st->udp++;
	rec_engine_udp(g, &n.u);
}

void
rec_engine_udp(struct rec_engine *g, const struct rec_udp *u)
{
	struct rec_offline_stats *st = &g->st;
	if (u->len > 0 && (u->data[0] & 0xc0) == 0x80) {
		rtp(g, u);
	} else if (rec_sip_looks_like(u->data, u->len)) {
		struct rec_sip_msg m;
		if (rec_sip_parse((const char *)u->data, u->len, &m) == 0) {
			st->sip++;
			rec_dlg_sip(g->t, &m, u);
		} else {
			st->sip_bad++;
		}
	} else {
		st->unmatched++;
	}
}

void
rec_engine_expire(struct rec_engine *g, int64_t now_us, int64_t idle_us, int64_t synth_idle_us)
{
	if (now_us > g->now_us)
		g->now_us = now_us;
	rec_reasm_expire(g->ra, g->now_us);
	rec_ss_expire(g->ss, g->now_us);
	sync_stats(g);
	rec_dlg_expire(g->t, g->now_us, idle_us, synth_idle_us, "timeout");
}

void
rec_engine_fini(struct rec_engine *g)
{
	/* Fragments and partial messages left at the end cannot complete any more. */
	if (g->ra != NULL) {
		g->st.frag_incomplete += (uint64_t)rec_reasm_pending(g->ra);
		rec_reasm_free(g->ra);
	}
	rec_ss_free(g->ss);
	g->ra = NULL;
	g->ss = NULL;
	if (g->t != NULL)
		rec_dlg_free(g->t, g->now_us);
	g->t = NULL;
}

struct rec_call *
rec_engine_find(struct rec_engine *g, const char *call_id, const char *extension,
    struct rec_dialog **dlp)
{
	struct rec_dialog *best = NULL, *dl;
	size_t pos = 0;
	while ((dl = rec_dlg_next(g->t, &pos)) != NULL) {
		if (dl->user == NULL || dl->user == (void *)&skip_quiet ||
		    dl->user == (void *)&skip_report || dl->user == (void *)&skip_failed ||
		    !mine(g, dl))
			continue;
		const char *who = dl->extension[0] ? dl->extension : dl->caller.user;
		if (call_id[0] ? strcmp(dl->call_id, call_id) == 0 : strcmp(who, extension) == 0)
			if (best == NULL || dl->order > best->order)
				best = dl;
	}
	*dlp = best;
	return best != NULL ? best->user : NULL;
}
