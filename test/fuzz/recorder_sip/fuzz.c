/*
 * fuzz.c - libFuzzer harness of the recorder's signalling side: the SIP reader (sip.c), the
 * SDP reader (sdp.c) and the dialog tracker (dialog.c).
 *
 * Input: SIP datagrams separated by NUL bytes.  Each is copied to a buffer of exactly its
 * size (so ASan sees any read past it), parsed, and every view the parser returns must lie
 * inside that buffer.  Messages that parse go to one dialog table, 10 ms apart, as a capture
 * would deliver them; after each, the SDP endpoints it announced are looked up in the media
 * table (a dialog found must be live and name the side whose SDP it was).  Every chunk is
 * also read as a bare SDP body.  At the end the table is freed, ending every dialog; the
 * ended callback checks each dialog's times are ordered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/recorder/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *cur_buf;
static size_t cur_len;

static void
inside(struct rec_str s)
{
	if (s.n == 0)
		return;
	if (s.p < cur_buf || s.p + s.n > cur_buf + cur_len) {
		fprintf(stderr, "view outside the message\n");
		abort();
	}
}

static void
check_party(const struct rec_sip_party *p)
{
	inside(p->display);
	inside(p->user);
	inside(p->host);
	inside(p->tag);
}

static void
ended(void *arg, struct rec_dialog *d)
{
	(void)arg;
	if (d->state != REC_DLG_TERMINATED || d->end_reason == NULL)
		abort();
	if (d->answer_us && d->answer_us < d->start_us)
		abort();
	if (d->end_us < d->start_us)
		abort();
	if (strlen(d->call_id) >= REC_CALLID_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_dlg_cb cb = { .ended = ended };
	rec_dlg_table *t = rec_dlg_new(&cb);
	if (t == NULL)
		return 0;
	int64_t ts = 1000000;
	size_t pos = 0;
	while (pos <= size) {
		const uint8_t *z = memchr(data + pos, 0, size - pos);
		size_t n = z ? (size_t)(z - (data + pos)) : size - pos;
		char *b = malloc(n ? n : 1);
		if (b == NULL)
			break;
		memcpy(b, data + pos, n);
		cur_buf = b;
		cur_len = n;
		struct rec_sdp sdp;
		if (rec_sdp_parse(b, n, &sdp) == 0 && (sdp.nfmt > REC_SDP_MAX_FMT ||
		    sdp.nmap > REC_SDP_MAX_FMT))
			abort();
		(void)rec_sip_looks_like((const uint8_t *)b, n);
		struct rec_sip_msg m;
		if (rec_sip_parse(b, n, &m) == 0) {
			inside(m.method);
			inside(m.call_id);
			inside(m.cseq_method);
			inside(m.contact);
			inside(m.content_type);
			inside(m.body);
			check_party(&m.from);
			check_party(&m.to);
			if (m.call_id.n == 0 || (!m.is_request && (m.status < 100 || m.status > 699)))
				abort();
			struct rec_sip_party c;
			if (rec_sip_parse_party(m.contact, &c) == 0)
				check_party(&c);
			struct rec_udp u = { .ts_us = ts };
			rec_dlg_sip(t, &m, &u);
			ts += 10000;
			if (m.body.n > 0 && rec_sdp_parse(m.body.p, m.body.n, &sdp) == 0 &&
			    sdp.has_audio) {
				u.dst = sdp.audio;
				u.src = sdp.audio;
				enum rec_side side;
				struct rec_dialog *d = rec_dlg_media(t, &u, &side);
				if (d != NULL && (d->state == REC_DLG_TERMINATED ||
				    (side != REC_CALLER && side != REC_CALLEE)))
					abort();
			}
		}
		free(b);
		pos += n + 1;
	}
	rec_dlg_free(t, ts);
	return 0;
}
