/*
 * jitter_test.c - the jitter buffer: in-order pass-through, reordering, duplicates (held
 * and already played), loss given up after the depth, late arrivals, the 16-bit wrap, a
 * jump beyond the window and an SSRC change; and the RTP header reader it is fed by.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rec.h"

struct played {
	uint16_t seq[512];
	uint8_t first[512];
	int n;
};

static void
emit(void *arg, const struct rec_jb_pkt *p)
{
	struct played *pl = arg;
	if (pl->n < 512) {
		pl->seq[pl->n] = p->rtp.seq;
		pl->first[pl->n] = p->rtp.len ? p->rtp.payload[0] : 0;
		pl->n++;
	}
}

static void
put(struct rec_jb *jb, uint16_t seq, uint32_t ssrc, int64_t t_ms)
{
	uint8_t pl[4] = { (uint8_t)seq, 1, 2, 3 };
	struct rec_rtp r = { .pt = 8, .seq = seq, .ts = (uint32_t)seq * 160, .ssrc = ssrc,
		.payload = pl, .len = sizeof(pl) };
	rec_jb_put(jb, &r, t_ms * 1000);
}

static void
test_in_order(void **state)
{
	(void)state;
	struct played pl = { 0 };
	struct rec_jb jb;
	rec_jb_init(&jb, 200000, emit, &pl);
	for (int i = 0; i < 100; i++)
		put(&jb, (uint16_t)(1000 + i), 7, i * 20);
	assert_int_equal(pl.n, 100); /* nothing held back */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(pl.seq[i], 1000 + i);
		assert_int_equal(pl.first[i], (uint8_t)(1000 + i));
	}
	assert_int_equal(rec_jb_lost(&jb), 0);
	assert_int_equal(jb.st.packets, 100);
	rec_jb_fini(&jb);
}

static void
test_reorder_and_duplicates(void **state)
{
	(void)state;
	struct played pl = { 0 };
	struct rec_jb jb;
	rec_jb_init(&jb, 200000, emit, &pl);
	put(&jb, 1, 7, 0);
	put(&jb, 3, 7, 20);   /* 2 missing: held */
	assert_int_equal(pl.n, 1);
	put(&jb, 3, 7, 25);   /* duplicate of a held packet */
	put(&jb, 2, 7, 30);   /* fills the hole */
	assert_int_equal(pl.n, 3);
	put(&jb, 2, 7, 35);   /* duplicate of a played packet */
	put(&jb, 4, 7, 40);
	assert_int_equal(pl.n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pl.seq[i], i + 1);
	assert_int_equal(jb.st.packets, 6);
	assert_int_equal(jb.st.duplicates, 2);
	assert_int_equal(jb.st.out_of_order, 1);
	assert_int_equal(jb.st.late, 0);
	assert_int_equal(rec_jb_lost(&jb), 0);
	rec_jb_fini(&jb);
}

static void
test_loss_and_late(void **state)
{
	(void)state;
	struct played pl = { 0 };
	struct rec_jb jb;
	rec_jb_init(&jb, 200000, emit, &pl);
	put(&jb, 10, 7, 0);
	put(&jb, 12, 7, 40);  /* 11 missing */
	rec_jb_tick(&jb, 200000); /* 12 held for 160 ms: keep waiting */
	assert_int_equal(pl.n, 1);
	rec_jb_tick(&jb, 240000); /* 200 ms: 11 is given up */
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.seq[1], 12);
	put(&jb, 11, 7, 250); /* too late */
	assert_int_equal(pl.n, 2);
	assert_int_equal(jb.st.late, 1);
	put(&jb, 13, 7, 260);
	put(&jb, 15, 7, 300);
	rec_jb_flush(&jb);    /* end of stream: 14 is lost */
	assert_int_equal(pl.n, 4);
	assert_int_equal(pl.seq[3], 15);
	/* expected 10..15 = 6, unique 10,11(late),12,13,15 = 5 */
	assert_int_equal(rec_jb_lost(&jb), 1);
	rec_jb_fini(&jb);
}

static void
test_wrap(void **state)
{
	(void)state;
	struct played pl = { 0 };
	struct rec_jb jb;
	rec_jb_init(&jb, 200000, emit, &pl);
	uint16_t s = 65530;
	put(&jb, s, 9, 0);
	for (int i = 1; i < 12; i++) {
		if (i == 6)
			continue; /* 65536 -> 0 arrives after 1 */
		put(&jb, (uint16_t)(s + i), 9, i * 20);
	}
	put(&jb, (uint16_t)(s + 6), 9, 240);
	assert_int_equal(pl.n, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(pl.seq[i], (uint16_t)(s + i));
	assert_int_equal(rec_jb_lost(&jb), 0);
	assert_int_equal(jb.st.resets, 0);
	assert_int_equal(jb.st.out_of_order, 1);
	rec_jb_fini(&jb);
}

static void
test_jumps_and_ssrc(void **state)
{
	(void)state;
	struct played pl = { 0 };
	struct rec_jb jb;
	rec_jb_init(&jb, 200000, emit, &pl);
	put(&jb, 100, 1, 0);
	put(&jb, 102, 1, 20);        /* held behind 101 */
	put(&jb, 100 + 200, 1, 40);  /* beyond the window: 101 given up, 102 played */
	assert_int_equal(pl.n, 3);
	assert_int_equal(pl.seq[1], 102);
	assert_int_equal(pl.seq[2], 300);
	assert_int_equal(rec_jb_lost(&jb), 198); /* 101, 103..299 */
	put(&jb, 20000, 1, 60);      /* a restart: new run, not 19700 lost */
	put(&jb, 20001, 1, 80);
	put(&jb, 5, 2, 100);         /* new SSRC */
	put(&jb, 6, 2, 120);
	assert_int_equal(jb.st.resets, 2);
	assert_int_equal(pl.n, 7);
	assert_int_equal(rec_jb_lost(&jb), 198);
	rec_jb_fini(&jb);
}

static void
test_rtp_header(void **state)
{
	(void)state;
	/* V=2 P=1 X=1 CC=1, M=1 PT=8, seq 0x1234, ts 0x01020304, ssrc 0xdeadbeef, one CSRC,
	 * extension of 1 word, 3 payload bytes, 2 padding bytes */
	uint8_t p[] = { 0xb1, 0x88, 0x12, 0x34, 1, 2, 3, 4, 0xde, 0xad, 0xbe, 0xef,
		9, 9, 9, 9,
		0xbe, 0xde, 0x00, 0x01, 7, 7, 7, 7,
		0xaa, 0xbb, 0xcc, 0x00, 0x02 };
	struct rec_rtp r;
	assert_int_equal(rec_rtp_parse(p, sizeof(p), &r), 0);
	assert_int_equal(r.pt, 8);
	assert_int_equal(r.marker, 1);
	assert_int_equal(r.seq, 0x1234);
	assert_int_equal(r.ts, 0x01020304);
	assert_int_equal(r.ssrc, 0xdeadbeef);
	assert_int_equal(r.ncsrc, 1);
	assert_int_equal(r.len, 3);
	assert_int_equal(r.payload[0], 0xaa);
	/* every truncation is refused or stays inside */
	for (size_t n = 0; n < sizeof(p); n++) {
		uint8_t *b = malloc(n ? n : 1);
		memcpy(b, p, n);
		if (rec_rtp_parse(b, n, &r) == 0)
			assert_true(r.payload + r.len <= b + n);
		free(b);
	}
	p[sizeof(p) - 1] = 0x40; /* padding longer than the payload */
	assert_int_equal(rec_rtp_parse(p, sizeof(p), &r), -1);
	uint8_t v1[12] = { 0x40 };
	assert_int_equal(rec_rtp_parse(v1, sizeof(v1), &r), -1);

	struct rec_tel_event ev;
	uint8_t te[4] = { 11, 0x8a, 0x03, 0x20 };
	assert_int_equal(rec_rtp_tel_event(te, 4, &ev), 0);
	assert_int_equal(ev.event, 11);
	assert_true(ev.end);
	assert_int_equal(ev.volume, 10);
	assert_int_equal(ev.duration, 800);
	assert_int_equal(rec_rtp_event_char(ev.event), '#');
	assert_int_equal(rec_rtp_tel_event(te, 3, &ev), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_reorder_and_duplicates),
		cmocka_unit_test(test_loss_and_late),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_jumps_and_ssrc),
		cmocka_unit_test(test_rtp_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
