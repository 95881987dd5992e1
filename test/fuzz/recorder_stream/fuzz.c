/*
 * fuzz.c - libFuzzer harness of the recorder's IP reassembly (reasm.c) and SIP-over-TCP
 * stream splitter (sipstream.c), fed through net.c the way engine.c feeds them.
 *
 * Input: a sequence of operations, each a 7-byte header [kind a b c dt len_hi len_lo] and
 * len bytes (at most 1500).  dt advances the capture clock by dt * 50 ms, so fragment
 * timeouts (30 s) and TCP holes given up (2 s) both happen.  kind % 5:
 *   0  a raw frame (link type from a) decoded by rec_net_decode_full;
 *   1  an IPv4 fragment built around the bytes: id a & 3, more-fragments a & 4, UDP or TCP
 *      (a & 8), offset (b c) & 0x1fff in 8-byte units;
 *   2  the same as IPv6 with a fragment header (32-bit id, offset in bytes & 0xfff8);
 *   3  an IPv4 TCP segment of one of four directions (a & 3), flags b & 7 (FIN SYN RST),
 *      its sequence number the direction's next one plus (int8)c * 64 (0: in order,
 *      negative: a retransmission, positive: a hole);
 *   4  rec_reasm_expire / rec_ss_expire at the current time.
 * Fragments go to the reassembler; a completed datagram is decoded by rec_net_transport
 * (TCP to the splitter, UDP that looks like SIP to the SIP reader); TCP segments go to the
 * splitter.  Invariants: every message handed on lies inside the splitter's buffer (ASan),
 * is at most REC_SS_MAX_MSG bytes and starts with a start line; the tables never exceed
 * their limits; nothing leaks once both are freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/recorder/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = { REC_LINK_ETHERNET, REC_LINK_RAW, REC_LINK_IPV4, REC_LINK_IPV6,
	REC_LINK_SLL, REC_LINK_NULL };

static void
on_msg(void *arg, const struct rec_udp *m)
{
	uint64_t *n = arg;
	(*n)++;
	if (m->len == 0 || m->len > REC_SS_MAX_MSG || !rec_sip_looks_like(m->data, m->len)) {
		fprintf(stderr, "bad message of %zu bytes\n", m->len);
		abort();
	}
	/* Touch every byte: ASan checks the view is inside live memory. */
	size_t sum = 0;
	for (size_t i = 0; i < m->len; i++)
		sum += m->data[i];
	if (sum > 255 * m->len)
		abort();
	struct rec_sip_msg sm;
	(void)rec_sip_parse((const char *)m->data, m->len, &sm);
}

static void
check(rec_reasm *ra, rec_ss *ss)
{
	if (rec_reasm_pending(ra) > REC_REASM_MAX_DGRAMS ||
	    rec_reasm_bytes(ra) > (size_t)rec_reasm_pending(ra) * REC_REASM_MAX_BYTES ||
	    rec_ss_flows(ss) > REC_SS_MAX_FLOWS ||
	    rec_ss_bytes(ss) > (size_t)rec_ss_flows(ss) * (REC_SS_MAX_MSG + REC_SS_MAX_OOO_BYTES)) {
		fprintf(stderr, "over the limits: %d datagrams %zu bytes, %d flows %zu bytes\n",
		    rec_reasm_pending(ra), rec_reasm_bytes(ra), rec_ss_flows(ss),
		    rec_ss_bytes(ss));
		abort();
	}
}

static void
route(rec_reasm *ra, rec_ss *ss, int link, const uint8_t *f, size_t n, int64_t now)
{
	struct rec_net net;
	enum rec_net_kind k = rec_net_decode_full(link, f, n, &net);
	net.u.ts_us = now;
	if ((k == REC_NET_UDP || k == REC_NET_TCP || k == REC_NET_FRAGMENT) && net.u.len > 0 &&
	    (net.u.data < f || net.u.data + net.u.len > f + n))
		abort();
	if (k == REC_NET_TCP) {
		rec_ss_segment(ss, &net);
	} else if (k == REC_NET_FRAGMENT) {
		const uint8_t *d;
		size_t len;
		if (rec_reasm_put(ra, &net, now, &d, &len) != 1)
			return;
		if (len > REC_REASM_MAX_BYTES)
			abort();
		k = rec_net_transport(net.u.src.family, net.frag_proto, d, len, &net);
		if (k == REC_NET_FRAGMENT)
			abort();
		if ((k == REC_NET_UDP || k == REC_NET_TCP) && net.u.len > 0 &&
		    (net.u.data < d || net.u.data + net.u.len > d + len))
			abort();
		if (k == REC_NET_TCP) {
			rec_ss_segment(ss, &net);
		} else if (k == REC_NET_UDP && rec_sip_looks_like(net.u.data, net.u.len)) {
			struct rec_sip_msg sm;
			(void)rec_sip_parse((const char *)net.u.data, net.u.len, &sm);
		}
	}
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t msgs = 0;
	rec_reasm *ra = rec_reasm_new();
	rec_ss *ss = rec_ss_new(on_msg, &msgs);
	if (ra == NULL || ss == NULL)
		abort();
	static const uint16_t ports[4][2] = { { 5060, 40000 }, { 40000, 5060 }, { 6000, 7000 },
		{ 5060, 40001 } };
	uint32_t next_seq[4] = { 1000, 2000, 0xfffff000u, 4000 };
	int64_t now = 1700000000000000;
	size_t pos = 0;
	while (pos + 7 <= size) {
		const uint8_t *h = data + pos;
		size_t n = (size_t)(h[5] << 8 | h[6]) % 1501;
		now += (int64_t)h[4] * 50000;
		pos += 7;
		if (n > size - pos)
			n = size - pos;
		const uint8_t *p = data + pos;
		pos += n;
		/* Each frame in a buffer of exactly its size. */
		uint8_t *f = malloc(n + 60);
		if (f == NULL)
			break;
		size_t fl = 0;
		int link = REC_LINK_RAW;
		switch (h[0] % 5) {
		case 0:
			link = links[h[1] % (sizeof(links) / sizeof(links[0]))];
			memcpy(f, p, n);
			fl = n;
			break;
		case 1: {
			memset(f, 0, 20);
			f[0] = 0x45;
			put16(f + 2, (unsigned)(20 + n));
			put16(f + 4, h[1] & 3);
			put16(f + 6, ((h[1] & 4) ? 0x2000u : 0) | ((unsigned)(h[2] << 8 | h[3]) & 0x1fff));
			f[9] = (h[1] & 8) ? 6 : 17;
			f[12] = f[16] = 10;
			f[15] = 1;
			f[19] = 2;
			memcpy(f + 20, p, n);
			fl = 20 + n;
			break;
		}
		case 2: {
			memset(f, 0, 48);
			f[0] = 0x60;
			put16(f + 4, (unsigned)(8 + n));
			f[6] = 44;
			f[8] = f[24] = 0x20;
			f[23] = 1;
			f[39] = 2;
			f[40] = (h[1] & 8) ? 6 : 17;
			put16(f + 42, ((unsigned)(h[2] << 8 | h[3]) & 0xfff8) | ((h[1] & 4) ? 1 : 0));
			f[47] = h[1] & 3;
			memcpy(f + 48, p, n);
			fl = 48 + n;
			break;
		}
		case 3: {
			int d = h[1] & 3;
			memset(f, 0, 40);
			f[0] = 0x45;
			put16(f + 2, (unsigned)(40 + n));
			f[9] = 6;
			f[12] = f[16] = 10;
			f[15] = (uint8_t)(1 + (d & 1));
			f[19] = (uint8_t)(2 - (d & 1));
			put16(f + 20, ports[d][0]);
			put16(f + 22, ports[d][1]);
			uint32_t seq = next_seq[d] + (uint32_t)((int32_t)(int8_t)h[3] * 64);
			put16(f + 24, seq >> 16);
			put16(f + 26, seq & 0xffff);
			f[32] = 5 << 4;
			f[33] = (uint8_t)(h[2] & 7);
			memcpy(f + 40, p, n);
			fl = 40 + n;
			next_seq[d] = seq + (uint32_t)n + ((h[2] & REC_TCP_SYN) ? 1 : 0);
			break;
		}
		default:
			rec_reasm_expire(ra, now);
			rec_ss_expire(ss, now);
			free(f);
			check(ra, ss);
			continue;
		}
		uint8_t *exact = realloc(f, fl ? fl : 1);
		if (exact != NULL)
			f = exact;
		route(ra, ss, link, f, fl, now);
		free(f);
		check(ra, ss);
	}
	if (rec_ss_stats(ss)->messages != msgs)
		abort();
	rec_reasm_free(ra);
	rec_ss_free(ss);
	return 0;
}
