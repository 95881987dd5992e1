/*
 * session.c - one call's recording, shared by the offline engine (offline.c) and the
 * Record-A-Call endpoint (rac.c).
 *
 * API: rec_call_open() names the files (<start, UTC>_<Call-ID>, unique in the folder) and
 * opens the audio writer; rec_call_rtp() takes each RTP packet of a direction with its
 * arrival (or capture) time; rec_call_close() plays what the jitter buffers hold, writes the
 * rest of the audio and the JSON metadata, and frees the call.  The caller owns the struct
 * rec_dialog the call reads codecs (rtpmaps) and parties from until it is closed.
 *
 * Each direction is reordered (jitter.c) and each played packet is put on the timeline at
 *
 *     position = anchor + (RTP timestamp - anchor timestamp)
 *
 * where the anchor is the arrival time of the first packet of the SSRC; when that position
 * strays more than REC_RESYNC from the packet's own arrival time (a sender that jumped its
 * timestamps, or paused without advancing them), the direction is re-anchored on the
 * clock.  Missing packets and silent stretches are therefore silence of the right length:
 * the file keeps wall-clock time.  Audio more than REC_HORIZON behind the newest packet of
 * the call is mixed and written (mix.c), so memory per call is bounded whatever its length.
 *
 * Telephone-events (RFC 4733) are listed in the metadata with their offset in the file.
 *
 * Compliance pause (rec_call_pause/rec_call_resume, by the bus or by the digit sequences
 * opts->dtmf_pause/dtmf_resume): the spans are kept in samples; audio placed inside one is
 * zeroed before it reaches the mixer, and a pause also zeroes what the mixer already holds
 * past its start (not yet written: REC_HORIZON keeps 3 s open).  The file keeps its length.
 * A digit sequence pauses or resumes at the start offset of the event that completes it;
 * events that start while paused are not listed (keypad entries are what a pause hides).
 *
 * Thread safety: a call is used by one thread at a time; names are claimed under a lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rec.h"

#define REC_RESYNC (REC_RATE * 1)        /* 1 s */
#define REC_HORIZON ((int64_t)REC_RATE * 3) /* 3 s of audio kept open */
#define REC_MAX_PKT_SAMPLES 8000         /* 1 s in one packet at most */

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

/* Zeroes what is within a pause span of n samples placed at pos. */
static void
mute_paused(const struct rec_call *c, int64_t pos, int16_t *pcm, size_t n)
{
	for (int i = 0; i < c->npauses; i++) {
		const struct rec_pause *p = &c->pauses[i];
		int64_t a = p->start > pos ? p->start : pos;
		int64_t b = pos + (int64_t)n;
		if (p->end >= 0 && p->end < b)
			b = p->end;
		if (a < b)
			memset(pcm + (a - pos), 0, (size_t)(b - a) * sizeof(int16_t));
	}
}

static int
pause_at(struct rec_call *c, int64_t pos, const char *by, int64_t *at_ms)
{
	if (c->paused) {
		if (at_ms != NULL)
			*at_ms = c->pauses[c->npauses - 1].start * 1000 / REC_RATE;
		return 1;
	}
	if (pos < (int64_t)c->mix.flushed)
		pos = (int64_t)c->mix.flushed; /* written already: cannot be taken back */
	struct rec_pause *p;
	if (c->npauses < REC_MAX_PAUSES) {
		p = &c->pauses[c->npauses++];
		p->start = pos;
		p->by = by;
	} else {
		p = &c->pauses[c->npauses - 1]; /* full: the last span grows (silence is safe) */
	}
	p->end = -1;
	c->paused = 1;
	/* What the mixer holds past pos (not written yet) is silenced now. */
	uint64_t from = (uint64_t)p->start > c->mix.flushed ? (uint64_t)p->start : c->mix.flushed;
	for (uint64_t q = from; q < c->mix.hi; q++) {
		c->mix.ring[0][q % REC_MIX_RING] = 0;
		c->mix.ring[1][q % REC_MIX_RING] = 0;
	}
	if (at_ms != NULL)
		*at_ms = p->start * 1000 / REC_RATE;
	return 0;
}

static int
resume_at(struct rec_call *c, int64_t pos, int64_t *at_ms)
{
	if (!c->paused) {
		if (at_ms != NULL)
			*at_ms = pos * 1000 / REC_RATE;
		return 1;
	}
	struct rec_pause *p = &c->pauses[c->npauses - 1];
	if (pos < p->start)
		pos = p->start;
	p->end = pos;
	c->paused = 0;
	if (at_ms != NULL)
		*at_ms = pos * 1000 / REC_RATE;
	return 0;
}

int
rec_call_pause(struct rec_call *c, int64_t at_us, const char *by, int64_t *at_ms)
{
	return pause_at(c, pos_of(c, at_us), by, at_ms);
}

int
rec_call_resume(struct rec_call *c, int64_t at_us, int64_t *at_ms)
{
	/* Audio is placed by its RTP timestamps, which may run ahead of this clock (a sender
	 * that started late and caught up): what is placed past now went in silenced, so the
	 * span honestly ends where the held audio ends. */
	int64_t pos = pos_of(c, at_us);
	if (c->paused && pos < (int64_t)c->mix.hi)
		pos = (int64_t)c->mix.hi;
	return resume_at(c, pos, at_ms);
}

/* A new telephone-event digit at pos: the pause and resume sequences (either direction). */
static void
dtmf_digit(struct rec_call *c, char digit, int64_t pos)
{
	const char *ps = c->opts->dtmf_pause, *rs = c->opts->dtmf_resume;
	if (ps[0] == 0 && rs[0] == 0)
		return;
	size_t n = strlen(c->digits);
	if (n + 1 >= sizeof(c->digits)) {
		memmove(c->digits, c->digits + 1, n);
		n--;
	}
	c->digits[n++] = digit;
	c->digits[n] = 0;
	const char *want = c->paused ? rs : ps;
	size_t w = strlen(want);
	if (w == 0 || w > n || strcmp(c->digits + n - w, want) != 0)
		return;
	if (c->paused)
		resume_at(c, pos, NULL);
	else
		pause_at(c, pos, "dtmf", NULL);
	c->digits[0] = 0;
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
	if (c->ev_seen[d->side] && c->ev_ts[d->side] == r->ts) {
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
		return; /* started while paused: not listed */
	}
	c->ev_seen[d->side] = 1;
	c->ev_ts[d->side] = r->ts;
	int was_paused = c->paused;
	dtmf_digit(c, rec_rtp_event_char(ev.event), pos);
	if (c->nevents >= REC_MAX_EVENTS || was_paused)
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
	if ((codec == REC_CODEC_PCMA || codec == REC_CODEC_PCMU) && c->npauses == 0 &&
	    r->len > 0 && r->len <= REC_MAX_PKT_SAMPLES) {
		/* G.711 is one sample a byte: decoded straight into the mixer's ring. */
		struct rec_mix_span sp;
		d->dropped_samples += rec_mix_reserve(&c->mix, d->side, (uint64_t)pos, r->len, &sp);
		if (sp.n[0] > 0)
			rec_dec_decode(d->dec, codec, r->payload + sp.skip, sp.n[0], sp.p[0],
			    sp.n[0]);
		if (sp.n[1] > 0)
			rec_dec_decode(d->dec, codec, r->payload + sp.skip + sp.n[0], sp.n[1], sp.p[1],
			    sp.n[1]);
		return;
	}
	int16_t pcm[REC_MAX_PKT_SAMPLES];
	size_t n = rec_dec_decode(d->dec, codec, r->payload, r->len, pcm, REC_MAX_PKT_SAMPLES);
	if (n == 0) {
		d->undecodable++;
		return;
	}
	if (c->npauses > 0)
		mute_paused(c, pos, pcm, n);
	d->dropped_samples += rec_mix_put(&c->mix, d->side, (uint64_t)pos, pcm, n);
}

/* File names: <start, UTC>_<Call-ID with anything but [A-Za-z0-9.-] as _>, unique in DIR. */
static void
name_call(struct rec_call *c)
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
		snprintf(a, sizeof(a), "%s/%s.%s", c->folder, c->base, c->opts->format->ext);
		snprintf(j, sizeof(j), "%s/%s.json", c->folder, c->base);
		if (access(a, F_OK) != 0 && access(j, F_OK) != 0)
			break;
	}
	snprintf(c->audio_name, sizeof(c->audio_name), "%s.%s", c->base, c->opts->format->ext);
}

struct rec_call *
rec_call_open(const struct rec_opts *o, const char *dir, struct rec_dialog *dl, int64_t t0_us,
    int *write_error)
{
	*write_error = 0;
	struct rec_call *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->dlg = dl;
	c->opts = o;
	c->t0_us = t0_us;
	c->last_us = t0_us;
	snprintf(c->folder, sizeof(c->folder), "%s", dir);
	int channels = o->channels;
	if (channels > o->format->max_channels)
		channels = o->format->max_channels;
	c->out.ops = o->format;
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
		rec_jb_init(&d->jb, o->jitter_us, dir_emit, d);
	}
	pthread_mutex_lock(&name_lock);
	name_call(c);
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", c->folder, c->audio_name);
	int rc = c->out.ops->open(&c->out, path);
	pthread_mutex_unlock(&name_lock);
	if (rc != 0) {
		if (!o->quiet)
			fprintf(stderr, "hookswitch-recorder: %s: cannot write: %s\n", path,
			    strerror(errno));
		*write_error = 1;
		c->out_open = 0;
		c->mix.out = NULL;
	} else {
		c->out_open = 1;
	}
	return c;
}

void
rec_call_rtp(struct rec_call *c, int side, const struct rec_udp *u, const struct rec_rtp *r)
{
	struct rec_dir *d = &c->dir[side];
	if (!d->has_addr) {
		d->src = u->src;
		d->dst = u->dst;
		d->has_addr = 1;
	}
	if (u->ts_us > c->last_us)
		c->last_us = u->ts_us;
	rec_jb_put(&d->jb, r, u->ts_us);
	rec_jb_tick(&c->dir[0].jb, u->ts_us);
	rec_jb_tick(&c->dir[1].jb, u->ts_us);
	int64_t now = pos_of(c, u->ts_us);
	if (now - (int64_t)c->mix.flushed > REC_HORIZON + REC_RATE)
		rec_mix_flush_to(&c->mix, (uint64_t)(now - REC_HORIZON));
}

int
rec_call_close(struct rec_call *c, const struct rec_dialog *dl, int *errors)
{
	*errors = 0;
	for (int s = 0; s < 2; s++)
		rec_jb_flush(&c->dir[s].jb);
	c->dlg_copy = *dl;
	c->dlg = &c->dlg_copy;
	/* Closed while paused: the span ends with the file (a span past it is cut to it). */
	if (c->paused)
		resume_at(c, (int64_t)c->mix.hi, NULL);
	for (int i = 0; i < c->npauses; i++) {
		if (c->pauses[i].start > (int64_t)c->mix.hi)
			c->pauses[i].start = (int64_t)c->mix.hi;
		if (c->pauses[i].end > (int64_t)c->mix.hi)
			c->pauses[i].end = (int64_t)c->mix.hi;
	}
	int err = rec_mix_flush_to(&c->mix, c->mix.hi);
	if (c->out_open) {
		if (c->out.ops->close(&c->out) != 0)
			err = -1;
	}
	if (err != 0)
		(*errors)++;
	int written = 0;
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.json", c->folder, c->base);
	if (rec_meta_write(c, path) != 0) {
		(*errors)++;
		if (!c->opts->quiet)
			fprintf(stderr, "hookswitch-recorder: %s: %s\n", path, strerror(errno));
	} else if (err == 0 && c->out_open) {
		written = 1;
	}
	for (int s = 0; s < 2; s++) {
		rec_jb_fini(&c->dir[s].jb);
		rec_dec_free(c->dir[s].dec);
	}
	rec_mix_fini(&c->mix);
	free(c);
	return written;
}

void
rec_day_folder(const char *root, int64_t us, char *buf, size_t len)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%s/%04d/%02d/%02d", root, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

int
rec_mkdir_p(const char *path)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0750) != 0 && errno != EEXIST)
		return -1;
	return 0;
}
