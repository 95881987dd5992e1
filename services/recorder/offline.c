/*
 * offline.c - `hookswitch-recorder --read FILE --out DIR`: records every SIP call found in a
 * capture file, without a database or a running system.
 *
 * One pass over the file, in capture order.  A UDP datagram whose address a dialog announced
 * is RTP of that dialog (dialog.c); otherwise one that looks like SIP goes to the dialog
 * tracker; anything else is counted as unmatched.  A call gets its recording (struct
 * rec_call) on its first RTP packet: that packet's capture time is sample 0 of the audio.
 * Each direction is reordered (jitter.c) and each played packet is put on the timeline at
 *
 *     position = anchor + (RTP timestamp - anchor timestamp)
 *
 * where the anchor is the capture time of the first packet of the SSRC; when that position
 * strays more than REC_RESYNC from the packet's own capture time (a sender that jumped its
 * timestamps, or paused without advancing them), the direction is re-anchored on the capture
 * clock.  Missing packets and silent stretches are therefore silence of the right length:
 * the file keeps wall-clock time.  Audio more than REC_HORIZON behind the newest packet of
 * the call is mixed and written (mix.c), so memory per call is bounded whatever its length.
 * When the dialog ends (BYE, CANCEL, rejection, or the end of the file) the held packets are
 * played, the rest is written and the metadata file (meta.c) goes beside the audio.
 *
 * Telephone-events (RFC 4733) are listed in the metadata with their offset in the file; the
 * pause/resume they will drive is a later phase.
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

#define REC_RESYNC (REC_RATE * 1)        /* 1 s */
#define REC_HORIZON ((int64_t)REC_RATE * 3) /* 3 s of audio kept open */
#define REC_MAX_PKT_SAMPLES 8000         /* 1 s in one packet at most */

struct engine {
	const struct rec_opts *o;
	struct rec_offline_stats st;
	rec_dlg_table *t;
	int64_t now_us;
	int part, nparts; /* this thread records the dialogs with order % nparts == part */
	int rc;
};

/* Names are claimed (checked and the audio file created) under this lock: two threads may
 * name calls of the same second and Call-ID. */
static pthread_mutex_t name_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t
pos_of(const struct rec_call *c, int64_t us)
{
	if (us <= c->t0_us)
		return 0;
	return (us - c->t0_us) * REC_RATE / 1000000;
}

static void
note_codec(struct rec_dir *d, enum rec_codec c)
{
	for (int i = 0; i < d->ncodecs; i++)
		if (d->codecs[i] == c)
			return;
	if (d->ncodecs < REC_MAX_CODECS)
		d->codecs[d->ncodecs++] = c;
}

static void
note_ssrc(struct rec_dir *d, uint32_t ssrc)
{
	for (int i = 0; i < d->nssrc; i++)
		if (d->ssrcs[i] == ssrc)
			return;
	if (d->nssrc < 4)
		d->ssrcs[d->nssrc++] = ssrc;
}

static void
tel_event(struct rec_call *c, struct rec_dir *d, const struct rec_rtp *r, int64_t pos)
{
	struct rec_tel_event ev;
	if (rec_rtp_tel_event(r->payload, r->len, &ev) != 0)
		return;
	/* The event's time is part of the call: the file covers it (as silence). */
	rec_mix_extend(&c->mix, (uint64_t)pos + ev.duration);
	/* One event is many packets with the same timestamp (the end ones repeated). */
	for (int i = c->nevents - 1; i >= 0 && i >= c->nevents - 8; i--) {
		struct rec_dtmf *e = &c->events[i];
		if (e->side == d->side && e->ts == r->ts) {
			int64_t ms = (int64_t)ev.duration * 1000 / REC_RATE;
			if (ms > e->duration_ms)
				e->duration_ms = ms;
			e->ended |= ev.end;
			return;
		}
	}
	if (c->nevents >= REC_MAX_EVENTS)
		return;
	struct rec_dtmf *e = &c->events[c->nevents++];
	e->side = d->side;
	e->digit = rec_rtp_event_char(ev.event);
	e->offset_ms = pos * 1000 / REC_RATE;
	e->duration_ms = (int64_t)ev.duration * 1000 / REC_RATE;
	e->ts = r->ts;
	e->ended = ev.end;
}

/* The jitter buffer plays one packet of direction d: place it and decode it. */
static void
dir_emit(void *arg, const struct rec_jb_pkt *p)
{
	struct rec_dir *d = arg;
	struct rec_call *c = d->call;
	const struct rec_rtp *r = &p->rtp;
	int64_t cap = pos_of(c, p->cap_us);
	int64_t pos;
	note_ssrc(d, r->ssrc);
	if (!d->anchored || r->ssrc != d->ssrc) {
		d->anchored = 1;
		d->ssrc = r->ssrc;
		d->anchor_pos = cap;
		d->anchor_ets = r->ts;
		d->last_ets = r->ts;
		pos = cap;
	} else {
		int64_t ets = d->last_ets + (int32_t)(r->ts - d->last_ts);
		pos = d->anchor_pos + (ets - d->anchor_ets);
		d->last_ets = ets;
		if (pos < 0 || pos - cap > REC_RESYNC || cap - pos > REC_RESYNC) {
			d->resyncs++;
			d->anchor_pos = cap;
			d->anchor_ets = ets;
			pos = cap;
		}
	}
	d->last_ts = r->ts;
	const struct rec_dialog *dl = c->dlg;
	int rx = 1 - d->side;
	enum rec_codec codec;
	if (d->cache_pt == r->pt && d->cache_gen == dl->sdp_gen) {
		codec = d->cache_codec;
	} else {
		codec = rec_codec_of(r->pt, dl->has_sdp[rx] ? &dl->sdp[rx] : NULL,
		    dl->has_sdp[d->side] ? &dl->sdp[d->side] : NULL);
		d->cache_pt = r->pt;
		d->cache_gen = dl->sdp_gen;
		d->cache_codec = codec;
	}
	switch (codec) {
	case REC_CODEC_TEL_EVENT:
		tel_event(c, d, r, pos);
		return;
	case REC_CODEC_CN:
		return; /* comfort noise: silence is what the timeline already holds */
	case REC_CODEC_PCMA:
	case REC_CODEC_PCMU:
	case REC_CODEC_G722:
	case REC_CODEC_G729:
		break;
	default:
		d->undecodable++;
		return;
	}
	note_codec(d, codec);
	int16_t pcm[REC_MAX_PKT_SAMPLES];
	size_t n = rec_dec_decode(d->dec, codec, r->payload, r->len, pcm, REC_MAX_PKT_SAMPLES);
	if (n == 0) {
		d->undecodable++;
		return;
	}
	d->dropped_samples += rec_mix_put(&c->mix, d->side, (uint64_t)pos, pcm, n);
}

/* File names: <start, UTC>_<Call-ID with anything but [A-Za-z0-9.-] as _>, unique in DIR. */
static void
name_call(struct rec_call *c, const char *dir)
{
	char ts[40], id[49];
	rec_iso8601(c->dlg->start_us, ts, sizeof(ts));
	/* 2024-05-01T12:00:00.123Z -> 20240501T120000Z */
	char stamp[20];
	snprintf(stamp, sizeof(stamp), "%.4s%.2s%.2sT%.2s%.2s%.2sZ", ts, ts + 5, ts + 8, ts + 11,
	    ts + 14, ts + 17);
	size_t n = 0;
	for (const char *s = c->dlg->call_id; *s && n < sizeof(id) - 1; s++) {
		char ch = *s;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
		id[n++] = ok ? ch : '_';
	}
	id[n] = 0;
	for (int k = 1;; k++) {
		if (k == 1)
			snprintf(c->base, sizeof(c->base), "%s_%s", stamp, id);
		else
			snprintf(c->base, sizeof(c->base), "%s_%s-%d", stamp, id, k);
		char a[600], j[600];
		snprintf(a, sizeof(a), "%s/%s.%s", dir, c->base, c->opts->format->ext);
		snprintf(j, sizeof(j), "%s/%s.json", dir, c->base);
		if (access(a, F_OK) != 0 && access(j, F_OK) != 0)
			break;
	}
	snprintf(c->audio_name, sizeof(c->audio_name), "%s.%s", c->base, c->opts->format->ext);
}

static struct rec_call *
call_start(struct engine *g, struct rec_dialog *dl, int64_t ts)
{
	struct rec_call *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->dlg = dl;
	c->opts = g->o;
	c->t0_us = ts;
	c->last_us = ts;
	int channels = g->o->channels;
	if (channels > g->o->format->max_channels)
		channels = g->o->format->max_channels;
	c->out.ops = g->o->format;
	c->out.channels = channels;
	if (rec_mix_init(&c->mix, channels, &c->out) != 0) {
		free(c);
		return NULL;
	}
	for (int s = 0; s < 2; s++) {
		struct rec_dir *d = &c->dir[s];
		d->call = c;
		d->side = s;
		d->cache_pt = -1;
		d->dec = rec_dec_new();
		rec_jb_init(&d->jb, g->o->jitter_us, dir_emit, d);
	}
	pthread_mutex_lock(&name_lock);
	name_call(c, g->o->out_dir);
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", g->o->out_dir, c->audio_name);
	int rc = c->out.ops->open(&c->out, path);
	pthread_mutex_unlock(&name_lock);
	if (rc != 0) {
		if (!g->o->quiet)
			fprintf(stderr, "hookswitch-recorder: %s: cannot write: %s\n", path,
			    strerror(errno));
		g->st.write_errors++;
		c->out_open = 0;
		c->mix.out = NULL;
	} else {
		c->out_open = 1;
	}
	g->st.calls++;
	return c;
}

static void
call_finish(struct engine *g, struct rec_call *c, const struct rec_dialog *dl)
{
	for (int s = 0; s < 2; s++)
		rec_jb_flush(&c->dir[s].jb);
	c->dlg_copy = *dl;
	c->dlg = &c->dlg_copy;
	int err = rec_mix_flush_to(&c->mix, c->mix.hi);
	if (c->out_open) {
		if (c->out.ops->close(&c->out) != 0)
			err = -1;
	}
	if (err != 0)
		g->st.write_errors++;
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.json", g->o->out_dir, c->base);
	if (rec_meta_write(c, path) != 0) {
		g->st.write_errors++;
		if (!g->o->quiet)
			fprintf(stderr, "hookswitch-recorder: %s: %s\n", path, strerror(errno));
	} else if (err == 0 && c->out_open) {
		g->st.calls_written++;
	}
	for (int s = 0; s < 2; s++) {
		rec_jb_fini(&c->dir[s].jb);
		rec_dec_free(c->dir[s].dec);
	}
	rec_mix_fini(&c->mix);
	free(c);
}

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
	call_finish(g, c, dl);
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
	if (c == NULL && (c = dl->user = call_start(g, dl, u->ts_us)) == NULL)
		return;
	struct rec_dir *d = &c->dir[side];
	if (!d->has_addr) {
		d->src = u->src;
		d->dst = u->dst;
		d->has_addr = 1;
	}
	if (u->ts_us > c->last_us)
		c->last_us = u->ts_us;
	rec_jb_put(&d->jb, &r, u->ts_us);
	rec_jb_tick(&c->dir[0].jb, u->ts_us);
	rec_jb_tick(&c->dir[1].jb, u->ts_us);
	int64_t now = pos_of(c, u->ts_us);
	if (now - (int64_t)c->mix.flushed > REC_HORIZON + REC_RATE)
		rec_mix_flush_to(&c->mix, (uint64_t)(now - REC_HORIZON));
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
