/*
 * sipstream_test.c - SIP messages out of TCP streams: one message over many segments, many
 * in one (with keep-alive CRLFs), out-of-order segments, retransmissions, a hole given up
 * and the resync on the next start line, a body split from its headers, the compact "l:"
 * form, a missing Content-Length (no body), FIN and RST, a direction picked up mid-stream,
 * the sequence wrap, and the limits (oversize bodies, headers that never end, directions).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rec.h"

struct got {
	int n;
	char msg[16][4096];
	size_t len[16];
	int64_t ts[16];
	struct rec_addr src, dst;
};

static void
on_msg(void *arg, const struct rec_udp *m)
{
	struct got *g = arg;
	if (g->n < 16 && m->len < 4096) {
		memcpy(g->msg[g->n], m->data, m->len);
		g->msg[g->n][m->len] = 0;
		g->len[g->n] = m->len;
		g->ts[g->n] = m->ts_us;
		g->src = m->src;
		g->dst = m->dst;
	}
	g->n++;
}

static uint16_t sport = 5060, dport = 40000;

static void
seg(rec_ss *s, uint32_t seq, uint8_t flags, const char *p, size_t n, int64_t ts)
{
	struct rec_net t;
	memset(&t, 0, sizeof(t));
	t.u.src.family = t.u.dst.family = 4;
	t.u.src.ip[0] = t.u.dst.ip[0] = 10;
	t.u.src.ip[3] = 1;
	t.u.dst.ip[3] = 2;
	t.u.src.port = sport;
	t.u.dst.port = dport;
	t.u.ts_us = ts;
	t.tcp_seq = seq;
	t.tcp_flags = flags;
	t.u.data = (const uint8_t *)p;
	t.u.len = n;
	rec_ss_segment(s, &t);
}

static const char INVITE[] =
    "INVITE sip:2002@pbx SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
    "From: <sip:2001@pbx>;tag=a\r\nTo: <sip:2002@pbx>\r\n"
    "Call-ID: c1@test\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
    "Content-Length: 31\r\n\r\n"
    "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio";
static const char OK200[] =
    "SIP/2.0 200 OK\r\nCall-ID: c1@test\r\nCSeq: 1 INVITE\r\nl: 4\r\n\r\nbody";
static const char ACK[] =
    "ACK sip:2002@pbx SIP/2.0\r\nCall-ID: c1@test\r\nCSeq: 1 ACK\r\n\r\n"; /* no length */

static void
test_one_message_many_segments(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	seg(s, 999, REC_TCP_SYN, NULL, 0, 0);
	assert_int_equal(rec_ss_flows(s), 1);
	size_t n = strlen(INVITE);
	for (size_t i = 0; i < n; i++)
		seg(s, 1000 + (uint32_t)i, 0, INVITE + i, 1, 10 + (int64_t)i);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], n);
	assert_string_equal(g.msg[0], INVITE);
	assert_int_equal(g.ts[0], 10 + (int64_t)n - 1);
	assert_int_equal(g.src.port, 5060);
	assert_int_equal(g.dst.port, 40000);
	assert_int_equal(g.dst.ip[3], 2);
	/* Nothing held once the message is out. */
	assert_int_equal(rec_ss_bytes(s), 0);
	rec_ss_free(s);
}

static void
test_many_messages_one_segment(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "\r\n\r\n%s\r\n%s\r\n\r\n%s\r\n", INVITE, OK200, ACK);
	seg(s, 1, REC_TCP_SYN, NULL, 0, 0);
	seg(s, 2, 0, buf, (size_t)n, 5);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.msg[0], INVITE);
	assert_string_equal(g.msg[1], OK200);
	assert_string_equal(g.msg[2], ACK); /* no Content-Length: no body */
	assert_int_equal(rec_ss_stats(s)->messages, 3);
	rec_ss_free(s);
}

static void
test_out_of_order_and_retransmissions(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	size_t n = strlen(INVITE), q = n / 4;
	uint32_t b = 5000;
	seg(s, b - 1, REC_TCP_SYN, NULL, 0, 0);
	seg(s, b + 2 * (uint32_t)q, 0, INVITE + 2 * q, q, 1);
	seg(s, b + 3 * (uint32_t)q, 0, INVITE + 3 * q, n - 3 * q, 2);
	seg(s, b + 3 * (uint32_t)q, 0, INVITE + 3 * q, n - 3 * q, 2); /* held twice */
	seg(s, b, 0, INVITE, q, 3);
	assert_int_equal(g.n, 0);
	seg(s, b, 0, INVITE, q, 4); /* a retransmission */
	/* The missing piece, sent again with more of what follows (TCP repacketizes). */
	seg(s, b + (uint32_t)q, 0, INVITE + q, 2 * q, 5);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], INVITE);
	assert_int_equal(g.ts[0], 5);
	assert_true(rec_ss_stats(s)->retransmits >= 3);
	assert_int_equal(rec_ss_stats(s)->gaps, 0);
	/* Everything once more, after the fact: nothing new. */
	seg(s, b, 0, INVITE, n, 6);
	assert_int_equal(g.n, 1);
	assert_int_equal(rec_ss_bytes(s), 0);
	rec_ss_free(s);
}

static void
test_body_split_and_compact_length(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	size_t hdr = strstr(INVITE, "\r\n\r\n") - INVITE + 4, n = strlen(INVITE);
	seg(s, 0, REC_TCP_SYN, NULL, 0, 0);
	seg(s, 1, 0, INVITE, hdr - 2, 1);          /* headers without the empty line */
	seg(s, 1 + (uint32_t)hdr - 2, 0, INVITE + hdr - 2, 2, 2);
	assert_int_equal(g.n, 0);                /* the body is awaited */
	seg(s, 1 + (uint32_t)hdr, 0, INVITE + hdr, 10, 3);
	assert_int_equal(g.n, 0);
	seg(s, 1 + (uint32_t)hdr + 10, 0, INVITE + hdr + 10, n - hdr - 10, 4);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], INVITE);
	/* "l: 4", body in the next segment. */
	size_t ohdr = strlen(OK200) - 4;
	uint32_t at = 1 + (uint32_t)n;
	seg(s, at, 0, OK200, ohdr, 5);
	assert_int_equal(g.n, 1);
	seg(s, at + (uint32_t)ohdr, 0, OK200 + ohdr, 4, 6);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.msg[1], OK200);
	rec_ss_free(s);
}

static void
test_gap_then_resync(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	size_t n = strlen(INVITE), o = strlen(OK200);
	seg(s, 0, REC_TCP_SYN, NULL, 0, 0);
	seg(s, 1, 0, INVITE, n, 1);
	/* The 200's first 20 bytes are never captured; its rest and an ACK follow in one
	 * segment, then a second ACK. */
	char tail[1024];
	int tn = snprintf(tail, sizeof(tail), "%s%s", OK200 + 20, ACK);
	uint32_t at = 1 + (uint32_t)n;
	seg(s, at + 20, 0, tail, (size_t)tn, 100);
	assert_int_equal(g.n, 1);
	assert_int_equal(rec_ss_stats(s)->gaps, 0);
	/* Within the wait nothing is given up... */
	rec_ss_expire(s, 100 + REC_SS_GAP_US - 1);
	assert_int_equal(g.n, 1);
	/* ...after it the hole is skipped, the rest of the 200 dropped, the ACK found. */
	rec_ss_expire(s, 100 + REC_SS_GAP_US + 1);
	assert_int_equal(rec_ss_stats(s)->gaps, 1);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.msg[1], ACK);
	assert_true(rec_ss_stats(s)->skipped >= o - 20);
	/* And the stream goes on in order. */
	uint32_t next = at + 20 + (uint32_t)tn;
	seg(s, next, 0, ACK, strlen(ACK), 3000000);
	assert_int_equal(g.n, 3);

	/* The same hole given up by a later segment of the direction (no expire call), the
	 * start line in the middle of a segment after body bytes. */
	next += (uint32_t)strlen(ACK);
	seg(s, next + 7, 0, tail, (size_t)tn, 4000000);
	seg(s, next + 7 + (uint32_t)tn, 0, "\r\n", 2, 4000000 + REC_SS_GAP_US + 1);
	assert_int_equal(rec_ss_stats(s)->gaps, 2);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.msg[3], ACK);
	rec_ss_free(s);
}

static void
test_fin_rst_and_midstream(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	size_t n = strlen(ACK);
	/* No SYN seen, not port 5060: followed because it starts with a start line. */
	sport = 6000;
	seg(s, 70000, 0, "hello world\r\n", 13, 0); /* not SIP: ignored */
	assert_int_equal(rec_ss_flows(s), 0);
	seg(s, 80000, 0, ACK, n, 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(rec_ss_flows(s), 1);
	/* FIN with the last message: delivered, then the direction ends. */
	seg(s, 80000 + (uint32_t)n, REC_TCP_FIN, ACK, n, 2);
	assert_int_equal(g.n, 2);
	assert_int_equal(rec_ss_flows(s), 0);
	/* A FIN that overtakes a segment: the direction waits for it. */
	seg(s, 90000, 0, ACK, n, 3);
	seg(s, 90000 + 2 * (uint32_t)n, REC_TCP_FIN, NULL, 0, 4);
	assert_int_equal(rec_ss_flows(s), 1);
	seg(s, 90000 + (uint32_t)n, 0, ACK, n, 5);
	assert_int_equal(g.n, 4);
	assert_int_equal(rec_ss_flows(s), 0);
	/* RST ends it at once, a partial message lost; a SYN to another port is not ours. */
	seg(s, 100000, 0, ACK, n - 3, 6);
	assert_int_equal(rec_ss_flows(s), 1);
	seg(s, 100000, REC_TCP_RST, NULL, 0, 7);
	assert_int_equal(rec_ss_flows(s), 0);
	seg(s, 1, REC_TCP_SYN, NULL, 0, 8);
	assert_int_equal(rec_ss_flows(s), 0);
	/* Idle directions are forgotten. */
	seg(s, 110000, 0, ACK, n - 3, 9);
	assert_int_equal(rec_ss_flows(s), 1);
	rec_ss_expire(s, 9 + REC_SS_IDLE_US + 1);
	assert_int_equal(rec_ss_flows(s), 0);
	assert_int_equal(rec_ss_bytes(s), 0);
	sport = 5060;
	rec_ss_free(s);
}

static void
test_sequence_wrap(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	size_t n = strlen(INVITE);
	uint32_t b = 0xffffffffu - 100;
	seg(s, b - 1, REC_TCP_SYN, NULL, 0, 0);
	seg(s, b + 200, 0, INVITE + 200, n - 200, 1); /* past the wrap, held */
	seg(s, b, 0, INVITE, 200, 2);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], INVITE);
	rec_ss_free(s);
}

static void
test_limits(void **state)
{
	(void)state;
	struct got g = { 0 };
	rec_ss *s = rec_ss_new(on_msg, &g);
	/* A body over REC_SS_MAX_MSG: skipped exactly, the next message is read. */
	static char big[200000];
	const char *h = "MESSAGE sip:x@y SIP/2.0\r\nCall-ID: m\r\nContent-Length: 100000\r\n\r\n";
	size_t hn = strlen(h);
	memcpy(big, h, hn);
	memset(big + hn, 'B', 100000);
	memcpy(big + hn + 100000, ACK, strlen(ACK));
	size_t total = hn + 100000 + strlen(ACK);
	seg(s, 0, REC_TCP_SYN, NULL, 0, 0);
	for (size_t off = 0; off < total; off += 1400)
		seg(s, 1 + (uint32_t)off, 0, big + off, total - off < 1400 ? total - off : 1400, 1);
	assert_int_equal(rec_ss_stats(s)->oversize, 1);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], ACK);
	uint32_t at = 1 + (uint32_t)total;

	/* Headers that never end: dropped at REC_SS_MAX_MSG, then the next start line. */
	memcpy(big, "OPTIONS sip:x SIP/2.0\r\n", 23);
	for (size_t i = 23; i + 10 < 70000; i += 10)
		memcpy(big + i, "X-A: 1234\r", 10);
	memset(big + 69990, '\n', 10);
	for (size_t off = 0; off < 70000; off += 1000)
		seg(s, at + (uint32_t)off, 0, big + off, 1000, 2);
	seg(s, at + 70000, 0, ACK, strlen(ACK), 3);
	assert_int_equal(rec_ss_stats(s)->oversize, 2);
	assert_int_equal(g.n, 2);
	assert_true(rec_ss_bytes(s) <= REC_SS_MAX_MSG);
	at += 70000 + (uint32_t)strlen(ACK);

	/* Holding beyond a hole is bounded: when it is full the hole is given up. */
	for (int i = 0; i < REC_SS_MAX_OOO + 5; i++)
		seg(s, at + 10 + (uint32_t)i * (uint32_t)strlen(ACK), 0, ACK, strlen(ACK), 4);
	assert_true(rec_ss_stats(s)->gaps >= 1);
	assert_true(g.n >= 3);
	assert_true(rec_ss_bytes(s) <= REC_SS_MAX_MSG + REC_SS_MAX_OOO_BYTES);

	/* More directions than the table holds: the least recently active give way. */
	for (int i = 0; i < REC_SS_MAX_FLOWS + 50; i++) {
		dport = (uint16_t)(1000 + i);
		seg(s, 1, REC_TCP_SYN, NULL, 0, 5);
	}
	dport = 40000;
	assert_int_equal(rec_ss_flows(s), REC_SS_MAX_FLOWS);
	assert_true(rec_ss_stats(s)->evicted >= 50);
	rec_ss_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_message_many_segments),
		cmocka_unit_test(test_many_messages_one_segment),
		cmocka_unit_test(test_out_of_order_and_retransmissions),
		cmocka_unit_test(test_body_split_and_compact_length),
		cmocka_unit_test(test_gap_then_resync),
		cmocka_unit_test(test_fin_rst_and_midstream),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
