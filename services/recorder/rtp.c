/*
 * rtp.c - RTP fixed header (RFC 3550 §5.1: CSRC list, header extension, padding) and the
 * RFC 4733 telephone-event payload.  Views into the caller's buffer; every length is checked.
 */
#include <string.h>

#include "rec.h"

int
rec_rtp_parse(const uint8_t *b, size_t len, struct rec_rtp *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 12 || (b[0] >> 6) != 2)
		return -1;
	size_t off = 12 + (size_t)(b[0] & 0x0f) * 4;
	if (off > len)
		return -1;
	if (b[0] & 0x10) { /* extension: profile(16) length(16) in 32-bit words */
		if (off + 4 > len)
			return -1;
		size_t words = (size_t)(b[off + 2] << 8 | b[off + 3]);
		off += 4 + words * 4;
		if (off > len)
			return -1;
	}
	size_t end = len;
	if (b[0] & 0x20) { /* padding: the last byte counts the padding bytes, itself too */
		size_t pad = b[len - 1];
		if (pad == 0 || pad > end - off)
			return -1;
		end -= pad;
	}
	r->marker = b[1] >> 7;
	r->pt = b[1] & 0x7f;
	r->seq = (uint16_t)(b[2] << 8 | b[3]);
	r->ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	r->ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	r->ncsrc = b[0] & 0x0f;
	r->payload = b + off;
	r->len = end - off;
	return 0;
}

int
rec_rtp_tel_event(const uint8_t *p, size_t len, struct rec_tel_event *ev)
{
	/* Several events may be stacked (RFC 4733 §2.5.1.5 redundancy); the first counts. */
	if (len < 4)
		return -1;
	ev->event = p[0];
	ev->end = p[1] >> 7;
	ev->volume = p[1] & 0x3f;
	ev->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

char
rec_rtp_event_char(uint8_t e)
{
	if (e <= 9)
		return (char)('0' + e);
	if (e == 10)
		return '*';
	if (e == 11)
		return '#';
	if (e >= 12 && e <= 15)
		return (char)('A' + e - 12);
	if (e == 16)
		return '!';
	return '?';
}
