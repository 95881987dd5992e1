/*
 * dialog.c - follows SIP dialogs by Call-ID and learns where each side receives RTP.
 *
 * An INVITE of an unknown Call-ID creates a dialog (a re-INVITE too: a capture that starts
 * mid-call still records); its From is the caller, its To the callee.  The side that sent a
 * request is the one whose tag is the From tag; a response comes from the other side.  SDP
 * in an INVITE, ACK, UPDATE or PRACK is the sender's, in a 1xx/2xx the responder's: each
 * says where that side receives audio, so the media table maps that address to (dialog,
 * side) - replacing the side's previous address when a re-INVITE moves the media.  A 2xx to
 * the INVITE confirms, BYE ends, CANCEL ends an unconfirmed dialog, a final failure of the
 * initial INVITE ends it as rejected.  cb->ended runs before a dialog is freed.
 *
 * rec_dlg_media() finds the dialog of an RTP datagram by its destination (the receiver's
 * announced address), else by its source (symmetric RTP: a side sends from where it
 * receives).  Forked dialogs (one Call-ID, several To tags) are one dialog here: the first
 * answer wins.  SIP over TCP, multipart bodies and fragmented datagrams are not seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "rec.h"

struct media_ent {
	struct rec_addr a;
	struct rec_dialog *d;
	uint8_t side;
	uint8_t used;
};

struct rec_dlg_table {
	hs_map *by_id;
	struct media_ent *media;
	size_t mcap, mlen;
	struct rec_dlg_cb cb;
	struct rec_dlg_stats st;
	uint64_t order;
};

const char *
rec_dlg_state_name(enum rec_dlg_state s)
{
	switch (s) {
	case REC_DLG_CALLING:
		return "calling";
	case REC_DLG_EARLY:
		return "early";
	case REC_DLG_CONFIRMED:
		return "confirmed";
	case REC_DLG_TERMINATED:
		return "terminated";
	}
	return "?";
}

/* ---- the media table: open addressing, linear probing, backward-shift deletion -------- */

static size_t
addr_hash(const struct rec_addr *a)
{
	uint64_t h = 1469598103934665603ULL;
	size_t n = a->family == 6 ? 16 : 4;
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->ip[i]) * 1099511628211ULL;
	h = (h ^ a->port) * 1099511628211ULL;
	h = (h ^ a->family) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static struct media_ent *
media_find(const rec_dlg_table *t, const struct rec_addr *a)
{
	if (t->mcap == 0)
		return NULL;
	size_t mask = t->mcap - 1;
	for (size_t i = addr_hash(a) & mask;; i = (i + 1) & mask) {
		struct media_ent *e = &t->media[i];
		if (!e->used)
			return NULL;
		if (rec_addr_eq(&e->a, a))
			return e;
	}
}

static int
media_grow(rec_dlg_table *t)
{
	size_t ncap = t->mcap ? t->mcap * 2 : 256;
	struct media_ent *n = calloc(ncap, sizeof(*n));
	if (n == NULL)
		return -1;
	for (size_t i = 0; i < t->mcap; i++) {
		struct media_ent *e = &t->media[i];
		if (!e->used)
			continue;
		size_t j = addr_hash(&e->a) & (ncap - 1);
		while (n[j].used)
			j = (j + 1) & (ncap - 1);
		n[j] = *e;
	}
	free(t->media);
	t->media = n;
	t->mcap = ncap;
	return 0;
}

static void
media_put(rec_dlg_table *t, const struct rec_addr *a, struct rec_dialog *d, int side)
{
	struct media_ent *e = media_find(t, a);
	if (e == NULL) {
		if ((t->mlen + 1) * 2 > t->mcap && media_grow(t) != 0)
			return;
		size_t mask = t->mcap - 1;
		size_t i = addr_hash(a) & mask;
		while (t->media[i].used)
			i = (i + 1) & mask;
		e = &t->media[i];
		e->used = 1;
		e->a = *a;
		t->mlen++;
	}
	/* An address reused by a newer call belongs to the newer call. */
	e->d = d;
	e->side = (uint8_t)side;
}

static void
media_del(rec_dlg_table *t, const struct rec_addr *a, const struct rec_dialog *d)
{
	struct media_ent *e = media_find(t, a);
	if (e == NULL || e->d != d)
		return;
	size_t mask = t->mcap - 1;
	size_t i = (size_t)(e - t->media);
	t->media[i].used = 0;
	t->mlen--;
	/* Backward shift: move later entries of the run into the hole when allowed. */
	for (size_t j = (i + 1) & mask; t->media[j].used; j = (j + 1) & mask) {
		size_t h = addr_hash(&t->media[j].a) & mask;
		/* entry j may move to i if its home h is not in (i, j] cyclically */
		int in_range = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!in_range) {
			t->media[i] = t->media[j];
			t->media[j].used = 0;
			i = j;
		}
	}
}

/* ---- dialogs -------------------------------------------------------------------------- */

rec_dlg_table *
rec_dlg_new(const struct rec_dlg_cb *cb)
{
	rec_dlg_table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->by_id = hs_map_new();
	if (t->by_id == NULL) {
		free(t);
		return NULL;
	}
	if (cb != NULL)
		t->cb = *cb;
	return t;
}

static void
dlg_end(rec_dlg_table *t, struct rec_dialog *d, int64_t ts, const char *reason)
{
	d->state = REC_DLG_TERMINATED;
	d->end_us = ts;
	d->end_reason = reason;
	if (t->cb.ended)
		t->cb.ended(t->cb.arg, d);
	for (int s = 0; s < 2; s++)
		if (d->media[s].family)
			media_del(t, &d->media[s], d);
	hs_map_del(t->by_id, d->call_id);
	free(d);
}

void
rec_dlg_free(rec_dlg_table *t, int64_t now_us)
{
	if (t == NULL)
		return;
	/* End in creation order, so output does not depend on the hash order. */
	for (;;) {
		size_t pos = 0;
		const char *k;
		void *v;
		struct rec_dialog *first = NULL;
		while (hs_map_next(t->by_id, &pos, &k, &v)) {
			struct rec_dialog *d = v;
			if (first == NULL || d->order < first->order)
				first = d;
		}
		if (first == NULL)
			break;
		dlg_end(t, first, now_us, "eof");
	}
	hs_map_free(t->by_id);
	free(t->media);
	free(t);
}

const struct rec_dlg_stats *
rec_dlg_stats(const rec_dlg_table *t)
{
	return &t->st;
}

static void
copy(char *dst, size_t cap, struct rec_str s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	/* Control characters would only hurt file names and logs. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[n] = 0;
}

static void
party(struct rec_party_info *pi, const struct rec_sip_party *p)
{
	copy(pi->user, sizeof(pi->user), p->user);
	copy(pi->display, sizeof(pi->display), p->display);
	copy(pi->host, sizeof(pi->host), p->host);
	copy(pi->tag, sizeof(pi->tag), p->tag);
}

static int
tag_is(const char *tag, struct rec_str s)
{
	if (tag[0] == 0 || s.n == 0)
		return 0;
	size_t n = strlen(tag);
	size_t m = s.n < REC_NAME_MAX - 1 ? s.n : REC_NAME_MAX - 1;
	return n == m && memcmp(tag, s.p, n) == 0;
}

/* The side that sent a request with this From tag. */
static enum rec_side
request_sender(const struct rec_dialog *d, const struct rec_sip_msg *m)
{
	if (tag_is(d->callee.tag, m->from.tag) && !tag_is(d->caller.tag, m->from.tag))
		return REC_CALLEE;
	return REC_CALLER;
}

static int
is_sdp(const struct rec_sip_msg *m)
{
	if (m->body.n == 0)
		return 0;
	if (m->content_type.n == 0)
		return 1; /* some UAs omit it: the parser checks for v= */
	return m->content_type.n >= 15 &&
	    rec_str_ieq((struct rec_str){ m->content_type.p, 15 }, "application/sdp");
}

static void
apply_sdp(rec_dlg_table *t, struct rec_dialog *d, int side, const struct rec_sip_msg *m)
{
	if (!is_sdp(m))
		return;
	struct rec_sdp s;
	if (rec_sdp_parse(m->body.p, m->body.n, &s) != 0) {
		t->st.sdp_bad++;
		return;
	}
	d->sdp[side] = s;
	d->has_sdp[side] = 1;
	d->sdp_gen++;
	if (!s.has_audio || s.audio.port == 0 || s.audio.family == 0)
		return;
	static const uint8_t zero[16];
	if (memcmp(s.audio.ip, zero, s.audio.family == 4 ? 4 : 16) == 0)
		return; /* c=0.0.0.0: hold the old way; the old address stays */
	if (d->media[side].family && rec_addr_eq(&d->media[side], &s.audio))
		return;
	if (d->media[side].family) {
		media_del(t, &d->media[side], d);
		d->media_changes++;
	}
	d->media[side] = s.audio;
	media_put(t, &s.audio, d, side);
}

static struct rec_dialog *
dlg_create(rec_dlg_table *t, const char *key, const struct rec_sip_msg *m,
    const struct rec_udp *u)
{
	if (hs_map_len(t->by_id) >= REC_DLG_MAX) {
		t->st.dialogs_dropped++;
		return NULL;
	}
	struct rec_dialog *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	memcpy(d->call_id, key, REC_CALLID_MAX);
	d->state = REC_DLG_CALLING;
	party(&d->caller, &m->from);
	party(&d->callee, &m->to);
	d->start_us = d->last_us = u->ts_us;
	d->invite_src = u->src;
	d->invite_dst = u->dst;
	d->order = t->order++;
	if (hs_map_put(t->by_id, d->call_id, d) != 0) {
		free(d);
		return NULL;
	}
	t->st.dialogs++;
	if (t->cb.created)
		t->cb.created(t->cb.arg, d);
	return d;
}

void
rec_dlg_sip(rec_dlg_table *t, const struct rec_sip_msg *m, const struct rec_udp *u)
{
	char key[REC_CALLID_MAX];
	copy(key, sizeof(key), m->call_id);
	t->st.sip++;
	struct rec_dialog *d = hs_map_get(t->by_id, key);
	if (d != NULL)
		d->last_us = u->ts_us;
	if (m->is_request) {
		if (rec_str_eq(m->method, "INVITE")) {
			if (d == NULL && (d = dlg_create(t, key, m, u)) == NULL)
				return;
			apply_sdp(t, d, request_sender(d, m), m);
			return;
		}
		if (d == NULL) {
			t->st.sip_orphan++;
			return;
		}
		if (rec_str_eq(m->method, "BYE")) {
			dlg_end(t, d, u->ts_us, "bye");
		} else if (rec_str_eq(m->method, "CANCEL")) {
			if (d->state < REC_DLG_CONFIRMED)
				dlg_end(t, d, u->ts_us, "cancel");
		} else if (rec_str_eq(m->method, "ACK") || rec_str_eq(m->method, "UPDATE") ||
		    rec_str_eq(m->method, "PRACK")) {
			apply_sdp(t, d, request_sender(d, m), m);
		}
		return;
	}
	if (d == NULL) {
		t->st.sip_orphan++;
		return;
	}
	int responder = 1 - (int)request_sender(d, m);
	if (rec_str_eq(m->cseq_method, "INVITE")) {
		if (m->status < 200) {
			if (d->state == REC_DLG_CALLING && m->to.tag.n > 0 && m->status > 100)
				d->state = REC_DLG_EARLY;
		} else if (m->status < 300) {
			if (d->state < REC_DLG_CONFIRMED) {
				d->state = REC_DLG_CONFIRMED;
				d->answer_us = u->ts_us;
				d->final_status = m->status;
			}
		} else if (d->state < REC_DLG_CONFIRMED) {
			d->final_status = m->status;
			dlg_end(t, d, u->ts_us, "rejected");
			return;
		}
		if (responder == REC_CALLEE && d->callee.tag[0] == 0 && m->to.tag.n > 0)
			copy(d->callee.tag, sizeof(d->callee.tag), m->to.tag);
		if (m->status > 100)
			apply_sdp(t, d, responder, m);
	} else if (rec_str_eq(m->cseq_method, "UPDATE") || rec_str_eq(m->cseq_method, "PRACK")) {
		if (m->status >= 200 && m->status < 300)
			apply_sdp(t, d, responder, m);
	}
}

struct rec_dialog *
rec_dlg_media(rec_dlg_table *t, const struct rec_udp *u, enum rec_side *from_side)
{
	struct media_ent *e = media_find(t, &u->dst);
	if (e != NULL) {
		*from_side = e->side == REC_CALLER ? REC_CALLEE : REC_CALLER;
		e->d->last_us = u->ts_us;
		return e->d;
	}
	e = media_find(t, &u->src);
	if (e != NULL) {
		*from_side = (enum rec_side)e->side;
		e->d->last_us = u->ts_us;
		return e->d;
	}
	return NULL;
}

struct rec_dialog *
rec_dlg_next(const rec_dlg_table *t, size_t *pos)
{
	const char *k;
	void *v;
	return hs_map_next(t->by_id, pos, &k, &v) ? v : NULL;
}

void
rec_dlg_expire(rec_dlg_table *t, int64_t now_us, int64_t idle_us, int64_t synth_idle_us,
    const char *reason)
{
	/* Collected first: ending a dialog deletes it from the map being walked. */
	size_t pos = 0, n = 0, cap = 0;
	struct rec_dialog **old = NULL;
	const char *k;
	void *v;
	while (hs_map_next(t->by_id, &pos, &k, &v)) {
		struct rec_dialog *d = v;
		if (d->last_us >= now_us - (d->synthetic ? synth_idle_us : idle_us))
			continue;
		if (n == cap) {
			struct rec_dialog **nn = realloc(old, (cap = cap * 2 + 16) * sizeof(*old));
			if (nn == NULL)
				break;
			old = nn;
		}
		old[n++] = d;
	}
	for (size_t i = 0; i < n; i++)
		dlg_end(t, old[i], old[i]->last_us, reason);
	free(old);
}

struct rec_dialog *
rec_dlg_synth(rec_dlg_table *t, const char *call_id, const struct rec_addr *a,
    const struct rec_addr *b, int64_t ts_us)
{
	if (hs_map_len(t->by_id) >= REC_DLG_MAX || hs_map_get(t->by_id, call_id) != NULL ||
	    media_find(t, a) != NULL || media_find(t, b) != NULL)
		return NULL;
	struct rec_dialog *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	snprintf(d->call_id, sizeof(d->call_id), "%s", call_id);
	d->state = REC_DLG_CONFIRMED;
	d->synthetic = 1;
	d->start_us = d->answer_us = d->last_us = ts_us;
	d->invite_src = *b;
	d->invite_dst = *a;
	d->order = t->order++;
	if (hs_map_put(t->by_id, d->call_id, d) != 0) {
		free(d);
		return NULL;
	}
	d->media[REC_CALLER] = *a;
	d->media[REC_CALLEE] = *b;
	media_put(t, a, d, REC_CALLER);
	media_put(t, b, d, REC_CALLEE);
	t->st.dialogs++;
	if (t->cb.created)
		t->cb.created(t->cb.arg, d);
	return d;
}
