/*
 * reasm_test.c - IP fragment reassembly: in order, out of order, duplicates, overlaps that
 * agree and that do not (teardrop), a missing last fragment, the timeout, IPv6 fragment
 * headers decoded from a frame, and the limits (size, datagrams in progress, pieces).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rec.h"

static uint8_t payload[8000];

static void
fill(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + i / 251);
}

/* A fragment of datagram id from 10.0.0.1 to 10.0.0.2 (protocol UDP) carrying
 * payload[off, off + len). */
static struct rec_net
frag4(uint32_t id, uint32_t off, size_t len, int more)
{
	struct rec_net f;
	memset(&f, 0, sizeof(f));
	f.u.src.family = f.u.dst.family = 4;
	f.u.src.ip[0] = f.u.dst.ip[0] = 10;
	f.u.src.ip[3] = 1;
	f.u.dst.ip[3] = 2;
	f.frag_proto = 17;
	f.frag_id = id;
	f.frag_off = off;
	f.frag_more = (uint8_t)more;
	/* Offsets past the sample (the limit tests) carry its start: only lengths matter. */
	f.u.data = off + len <= sizeof(payload) ? payload + off : payload;
	f.u.len = len;
	return f;
}

static int
put(rec_reasm *r, struct rec_net f, int64_t ts, const uint8_t **d, size_t *n)
{
	return rec_reasm_put(r, &f, ts, d, n);
}

static void
test_in_order(void **state)
{
	(void)state;
	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	assert_int_equal(put(r, frag4(1, 0, 1480, 1), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(1, 1480, 1480, 1), 1, &d, &n), 0);
	assert_int_equal(rec_reasm_pending(r), 1);
	assert_int_equal(put(r, frag4(1, 2960, 100, 0), 2, &d, &n), 1);
	assert_int_equal(n, 3060);
	assert_memory_equal(d, payload, 3060);
	assert_int_equal(rec_reasm_pending(r), 0);
	assert_int_equal(rec_reasm_bytes(r), 0);
	assert_int_equal(rec_reasm_stats(r)->reassembled, 1);
	assert_int_equal(rec_reasm_stats(r)->fragments, 3);
	rec_reasm_free(r);
}

static void
test_out_of_order_and_interleaved(void **state)
{
	(void)state;
	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	/* Two datagrams interleaved, the last fragment first, the first one last. */
	assert_int_equal(put(r, frag4(7, 2000, 500, 0), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(8, 1000, 24, 0), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(7, 1000, 1000, 1), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(8, 0, 1000, 1), 0, &d, &n), 1);
	assert_int_equal(n, 1024);
	assert_memory_equal(d, payload, 1024);
	assert_int_equal(put(r, frag4(7, 0, 1000, 1), 0, &d, &n), 1);
	assert_int_equal(n, 2500);
	assert_memory_equal(d, payload, 2500);
	/* Same id from another source is another datagram. */
	struct rec_net other = frag4(9, 0, 8, 1);
	other.u.src.ip[3] = 99;
	assert_int_equal(put(r, other, 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(9, 8, 8, 0), 0, &d, &n), 0);
	assert_int_equal(rec_reasm_pending(r), 2);
	rec_reasm_free(r);
}

static void
test_duplicates_and_agreeing_overlap(void **state)
{
	(void)state;
	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	assert_int_equal(put(r, frag4(3, 0, 800, 1), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(3, 0, 800, 1), 0, &d, &n), 0); /* the same again */
	assert_int_equal(rec_reasm_stats(r)->duplicates, 1);
	/* Overlapping by 400 bytes, the same bytes: fine (a resegmenting middlebox). */
	assert_int_equal(put(r, frag4(3, 400, 800, 1), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(3, 1200, 304, 0), 0, &d, &n), 1);
	assert_int_equal(n, 1504);
	assert_memory_equal(d, payload, 1504);
	/* The last fragment again, after completion: a new datagram waiting (then it times
	 * out), not a second copy of the first. */
	assert_int_equal(put(r, frag4(3, 1200, 304, 0), 1, &d, &n), 0);
	assert_int_equal(rec_reasm_stats(r)->reassembled, 1);
	assert_int_equal(rec_reasm_stats(r)->dropped, 0);
	rec_reasm_free(r);
}

static void
test_inconsistent_overlap_dropped(void **state)
{
	(void)state;
	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	static uint8_t evil[800];
	memcpy(evil, payload + 400, sizeof(evil));
	evil[100] ^= 0xff; /* inside the overlap */
	assert_int_equal(put(r, frag4(4, 0, 800, 1), 0, &d, &n), 0);
	struct rec_net f = frag4(4, 400, 800, 1);
	f.u.data = evil;
	assert_int_equal(put(r, f, 0, &d, &n), -1);
	assert_int_equal(rec_reasm_pending(r), 0);
	assert_int_equal(rec_reasm_stats(r)->dropped, 1);
	/* The rest of that datagram starts a new one that never completes. */
	assert_int_equal(put(r, frag4(4, 1200, 100, 0), 0, &d, &n), 0);

	/* Teardrop: a last fragment that ends inside what is held, and a second last
	 * fragment with another length. */
	assert_int_equal(put(r, frag4(5, 0, 1000, 1), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(5, 8, 16, 0), 0, &d, &n), -1);
	assert_int_equal(put(r, frag4(6, 1000, 8, 0), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(6, 1000, 16, 0), 0, &d, &n), -1);
	/* A fragment past the length the last one gave. */
	assert_int_equal(put(r, frag4(10, 1000, 8, 0), 0, &d, &n), 0);
	assert_int_equal(put(r, frag4(10, 1000, 200, 1), 0, &d, &n), -1);
	assert_int_equal(rec_reasm_stats(r)->dropped, 4);
	assert_int_equal(rec_reasm_stats(r)->reassembled, 0);
	rec_reasm_free(r);
}

static void
test_missing_last_and_timeout(void **state)
{
	(void)state;
	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	int64_t t0 = 1700000000000000;
	assert_int_equal(put(r, frag4(11, 0, 1000, 1), t0, &d, &n), 0);
	assert_int_equal(put(r, frag4(11, 1000, 1000, 1), t0 + 1000, &d, &n), 0);
	assert_int_equal(put(r, frag4(12, 0, 1000, 1), t0 + 20000000, &d, &n), 0);
	rec_reasm_expire(r, t0 + REC_REASM_TIMEOUT_US - 1);
	assert_int_equal(rec_reasm_pending(r), 2);
	rec_reasm_expire(r, t0 + REC_REASM_TIMEOUT_US + 1);
	assert_int_equal(rec_reasm_pending(r), 1);
	assert_int_equal(rec_reasm_stats(r)->timed_out, 1);
	/* The last fragment of 11 comes too late: it waits alone. */
	assert_int_equal(put(r, frag4(11, 2000, 10, 0), t0 + REC_REASM_TIMEOUT_US + 2, &d, &n),
	    0);
	/* A put far later expires 12 and the lone fragment of 11 on its way in. */
	assert_int_equal(put(r, frag4(13, 0, 8, 0), t0 + 3 * REC_REASM_TIMEOUT_US, &d, &n), 1);
	assert_int_equal(rec_reasm_stats(r)->timed_out, 3);
	assert_int_equal(rec_reasm_pending(r), 0);
	/* What is left at the end counts as timed out too. */
	assert_int_equal(put(r, frag4(14, 0, 8, 1), t0 + 3 * REC_REASM_TIMEOUT_US, &d, &n), 0);
	rec_reasm_free(r);
}

static void
test_limits(void **state)
{
	(void)state;
	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	/* Beyond 65535 bytes: dropped at once. */
	assert_int_equal(put(r, frag4(20, 65528, 16, 0), 0, &d, &n), -1);
	struct rec_net big = frag4(21, 0, 1000, 1);
	assert_int_equal(put(r, big, 0, &d, &n), 0);
	big = frag4(21, 65000, 1000, 1);
	assert_int_equal(put(r, big, 0, &d, &n), -1);
	assert_int_equal(rec_reasm_pending(r), 0);
	/* An empty middle fragment. */
	assert_int_equal(put(r, frag4(22, 8, 0, 1), 0, &d, &n), -1);

	/* More datagrams than the table holds: the oldest give way, memory stays bounded. */
	for (uint32_t id = 0; id < REC_REASM_MAX_DGRAMS + 10; id++)
		assert_int_equal(put(r, frag4(1000 + id, 0, 16, 1), (int64_t)id, &d, &n), 0);
	assert_int_equal(rec_reasm_pending(r), REC_REASM_MAX_DGRAMS);
	assert_true(rec_reasm_bytes(r) <= (size_t)REC_REASM_MAX_DGRAMS * 2048);
	/* The oldest (1000) is gone: its last fragment waits alone; the newest completes. */
	assert_int_equal(put(r, frag4(1000, 16, 8, 0), 1000, &d, &n), 0);
	assert_int_equal(put(r, frag4(1000 + REC_REASM_MAX_DGRAMS + 9, 16, 8, 0), 1000, &d, &n),
	    1);
	assert_int_equal(n, 24);

	/* Too many separate pieces of one datagram. */
	rec_reasm *r2 = rec_reasm_new();
	int rc = 0;
	for (uint32_t k = 0; k <= REC_REASM_MAX_RANGES && rc == 0; k++)
		rc = put(r2, frag4(30, k * 16, 8, 1), 0, &d, &n);
	assert_int_equal(rc, -1);
	assert_int_equal(rec_reasm_pending(r2), 0);
	assert_int_equal(rec_reasm_bytes(r2), 0);
	rec_reasm_free(r2);
	rec_reasm_free(r);
}

/* Builds an Ethernet + IPv6 frame: fixed header, a destination-options header, a
 * fragment header, then bytes. */
static size_t
v6_frame(uint8_t *f, uint32_t id, uint32_t off, int more, const uint8_t *p, size_t n)
{
	memset(f, 0, 14 + 40 + 8 + 8);
	f[12] = 0x86;
	f[13] = 0xdd;
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	size_t plen = 8 + 8 + n;
	ip[4] = (uint8_t)(plen >> 8);
	ip[5] = (uint8_t)plen;
	ip[6] = 0; /* hop-by-hop first (unfragmentable part) */
	ip[7] = 64;
	ip[8] = 0x20;
	ip[9] = 0x01;
	ip[23] = 1;
	ip[24] = 0x20;
	ip[25] = 0x01;
	ip[39] = 2;
	uint8_t *hbh = ip + 40;
	hbh[0] = 44; /* next: fragment */
	hbh[1] = 0;
	uint8_t *fh = hbh + 8;
	fh[0] = 17;
	uint16_t fo = (uint16_t)(off | (more ? 1 : 0));
	fh[2] = (uint8_t)(fo >> 8);
	fh[3] = (uint8_t)fo;
	fh[4] = (uint8_t)(id >> 24);
	fh[5] = (uint8_t)(id >> 16);
	fh[6] = (uint8_t)(id >> 8);
	fh[7] = (uint8_t)id;
	memcpy(fh + 8, p, n);
	return 14 + 40 + 16 + n;
}

static void
test_ipv6_fragment_header(void **state)
{
	(void)state;
	/* A UDP datagram 5060 -> 5062 with "INVITE ..." in two IPv6 fragments. */
	uint8_t dg[1608];
	memset(dg, 'x', sizeof(dg));
	dg[0] = 0x13;
	dg[1] = 0xc4;
	dg[2] = 0x13;
	dg[3] = 0xc6;
	dg[4] = (uint8_t)(sizeof(dg) >> 8);
	dg[5] = (uint8_t)sizeof(dg);
	memcpy(dg + 8, "INVITE sip:a@b SIP/2.0\r\n", 24);
	uint8_t f1[1700], f2[1700];
	size_t n1 = v6_frame(f1, 0xdeadbeef, 0, 1, dg, 1232);
	size_t n2 = v6_frame(f2, 0xdeadbeef, 1232, 0, dg + 1232, sizeof(dg) - 1232);

	struct rec_net a, b;
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, f2, n2, &b), REC_NET_FRAGMENT);
	assert_int_equal(b.frag_id, 0xdeadbeef);
	assert_int_equal(b.frag_off, 1232);
	assert_int_equal(b.frag_more, 0);
	assert_int_equal(b.frag_proto, 17);
	assert_int_equal(b.u.len, sizeof(dg) - 1232);
	assert_int_equal(b.u.src.family, 6);
	assert_int_equal(b.u.src.ip[15], 1);
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, f1, n1, &a), REC_NET_FRAGMENT);
	assert_int_equal(a.frag_more, 1);

	rec_reasm *r = rec_reasm_new();
	const uint8_t *d;
	size_t n;
	assert_int_equal(rec_reasm_put(r, &b, 5, &d, &n), 0);
	assert_int_equal(rec_reasm_put(r, &a, 6, &d, &n), 1);
	assert_int_equal(n, sizeof(dg));
	assert_memory_equal(d, dg, sizeof(dg));
	assert_int_equal(rec_net_transport(6, a.frag_proto, d, n, &a), REC_NET_UDP);
	assert_int_equal(a.u.src.port, 5060);
	assert_int_equal(a.u.dst.port, 5062);
	assert_int_equal(a.u.len, sizeof(dg) - 8);
	assert_memory_equal(a.u.data, "INVITE", 6);
	assert_int_equal(a.u.src.ip[15], 1);
	rec_reasm_free(r);

	/* An atomic fragment (offset 0, no more): complete at once. */
	n1 = v6_frame(f1, 77, 0, 0, dg, 100);
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, f1, n1, &a), REC_NET_FRAGMENT);
	r = rec_reasm_new();
	assert_int_equal(rec_reasm_put(r, &a, 0, &d, &n), 1);
	assert_int_equal(n, 100);
	rec_reasm_free(r);

	/* A fragment header inside a reassembled datagram is nonsense. */
	uint8_t nested[16] = { 17, 0, 0, 0, 0, 0, 0, 1 };
	assert_int_equal(rec_net_transport(6, 44, nested, sizeof(nested), &a), REC_NET_MALFORMED);
	/* Truncated fragment header. */
	n1 = v6_frame(f1, 1, 0, 1, dg, 0);
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, f1, n1 - 4, &a),
	    REC_NET_MALFORMED);
}

static void
test_ipv4_frame(void **state)
{
	(void)state;
	uint8_t f[14 + 20 + 16];
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 36;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = 0x20 | 0x00; /* MF, offset 185 * 8 = 1480 */
	ip[7] = 185;
	ip[9] = 17;
	ip[12] = 192;
	ip[15] = 1;
	ip[16] = 192;
	ip[19] = 2;
	struct rec_net n;
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, f, sizeof(f), &n),
	    REC_NET_FRAGMENT);
	assert_int_equal(n.frag_id, 0x1234);
	assert_int_equal(n.frag_off, 1480);
	assert_int_equal(n.frag_more, 1);
	assert_int_equal(n.u.len, 16);
	assert_ptr_equal(n.u.data, f + 34);
	assert_int_equal(n.u.dst.ip[3], 2);
	/* The UDP-only view still reports it as a fragment. */
	struct rec_udp u;
	assert_int_equal(rec_net_decode(REC_LINK_ETHERNET, f, sizeof(f), &u), REC_NET_FRAGMENT);
	/* A TCP segment: sequence number, flags, payload after the options. */
	uint8_t t[14 + 20 + 24 + 5];
	memset(t, 0, sizeof(t));
	t[12] = 0x08;
	ip = t + 14;
	ip[0] = 0x45;
	ip[3] = 20 + 24 + 5;
	ip[9] = 6;
	uint8_t *th = ip + 20;
	th[0] = 0x13;
	th[1] = 0xc4;
	th[3] = 80;
	th[4] = 0x01;
	th[5] = 0x02;
	th[6] = 0x03;
	th[7] = 0x04;
	th[12] = 6 << 4;
	th[13] = 0x19; /* FIN PSH ACK */
	memcpy(th + 24, "hello", 5);
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, t, sizeof(t), &n), REC_NET_TCP);
	assert_int_equal(n.tcp_seq, 0x01020304);
	assert_int_equal(n.tcp_flags, REC_TCP_FIN);
	assert_int_equal(n.u.src.port, 5060);
	assert_int_equal(n.u.dst.port, 80);
	assert_int_equal(n.u.len, 5);
	assert_memory_equal(n.u.data, "hello", 5);
	th[12] = 15 << 4; /* data offset past the end */
	assert_int_equal(rec_net_decode_full(REC_LINK_ETHERNET, t, sizeof(t), &n),
	    REC_NET_MALFORMED);
}

int
main(void)
{
	fill();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order_and_interleaved),
		cmocka_unit_test(test_duplicates_and_agreeing_overlap),
		cmocka_unit_test(test_inconsistent_overlap_dropped),
		cmocka_unit_test(test_missing_last_and_timeout),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ipv6_fragment_header),
		cmocka_unit_test(test_ipv4_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
