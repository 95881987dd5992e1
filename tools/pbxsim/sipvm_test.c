/*
 * sipvm_test.c - unit tests of the pure parts of the Record-A-Call legs (sipvm.c): the
 * G.711 encoders against a reference decoder and known code words, the packet clock, the
 * tone, and the SDP answer reader on good and hostile answers.  The SIP side runs against
 * the real recorder in test/system/test_pbxsim_rac.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipvm.h"

/* The classic G.711 decoders (the inverse of what sipvm encodes). */
static int
alaw_dec(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0xF) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

static int
ulaw_dec(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = ((u & 0xF) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static void
g711_known_values(void **state)
{
	(void)state;
	assert_int_equal(sipvm_alaw(0), 0xD5);
	assert_int_equal(sipvm_alaw(-1), 0x55);
	assert_int_equal(sipvm_alaw(32767), 0xAA);
	assert_int_equal(sipvm_alaw(-32768), 0x2A);
	assert_int_equal(sipvm_ulaw(0), 0xFF);
	assert_int_equal(sipvm_ulaw(32767), 0x80);
	assert_int_equal(sipvm_ulaw(-32768), 0x00);
	assert_int_equal(sipvm_ulaw(-1), 0x7E);
}

/* Every code word survives decode then encode, and every 16-bit input lands on the
 * nearest step: the error is within half a segment step of that segment. */
static void
g711_round_trip(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		assert_int_equal(sipvm_alaw((int16_t)alaw_dec((uint8_t)c)), c);
		if (c != 0x7F) /* µ-law has two zeros; 0 encodes as 0xFF */
			assert_int_equal(sipvm_ulaw((int16_t)ulaw_dec((uint8_t)c)), c);
	}
	for (int x = -32768; x <= 32767; x++) {
		int ea = abs(alaw_dec(sipvm_alaw((int16_t)x)) - x);
		int eu = abs(ulaw_dec(sipvm_ulaw((int16_t)x)) - x);
		int mag = abs(x);
		/* A-law: half a step is at most mag / 32; µ-law (biased segments) mag / 16 */
		if (ea > 8 && ea > mag / 32 + 1)
			fail_msg("A-law %d -> %d", x, alaw_dec(sipvm_alaw((int16_t)x)));
		if (mag < 32124 && eu > 4 && eu > mag / 16 + 8)
			fail_msg("u-law %d -> %d", x, ulaw_dec(sipvm_ulaw((int16_t)x)));
	}
}

static void
packet_clock(void **state)
{
	const int64_t t0 = 1000000;

	(void)state;
	assert_int_equal(sipvm_due(t0, t0 - 1, 20), 0);
	assert_int_equal(sipvm_due(t0, t0, 20), 1);          /* packet 0 at once */
	assert_int_equal(sipvm_due(t0, t0 + 19999, 20), 1);
	assert_int_equal(sipvm_due(t0, t0 + 20000, 20), 2);
	/* a tick 95 ms late owes 5 packets more, not one */
	assert_int_equal(sipvm_due(t0, t0 + 20000 + 95000, 20), 2 + 4);
	/* an hour: exact, no drift from rounding */
	assert_int_equal(sipvm_due(t0, t0 + 3600LL * 1000000, 20), 180001);
	assert_int_equal(sipvm_when(t0, 0, 20), t0);
	assert_int_equal(sipvm_when(t0, 180000, 20), t0 + 3600LL * 1000000);
	/* what a tick sends: everything due, then the next one's time is in the future */
	for (int64_t now = t0; now < t0 + 1000000; now += 7777) {
		uint64_t due = sipvm_due(t0, now, 20);
		assert_true(sipvm_when(t0, due, 20) > now);
		assert_true(due == 0 || sipvm_when(t0, due - 1, 20) <= now);
	}
	assert_int_equal(sipvm_due(t0, t0 + 5000, 0), 0);
}

static void
tone(void **state)
{
	uint8_t a[SIPVM_SAMPLES], b[SIPVM_SAMPLES], u[SIPVM_SAMPLES];
	long energy = 0;
	int crossings = 0, prev = 0;

	(void)state;
	sipvm_tone(1, SITE_RAC_PCMA, a);
	sipvm_tone(1, SITE_RAC_PCMA, b);
	assert_memory_equal(a, b, sizeof(a));          /* deterministic */
	sipvm_tone(2, SITE_RAC_PCMA, b);
	assert_memory_not_equal(a, b, sizeof(a));      /* one frequency per leg */
	sipvm_tone(1, SITE_RAC_PCMU, u);
	for (int i = 0; i < SIPVM_SAMPLES; i++) {
		int s = alaw_dec(a[i]);
		energy += (long)s * s;
		if (i > 0 && (s < 0) != (prev < 0))
			crossings++;
		prev = s;
		/* the two codecs carry the same signal */
		assert_true(abs(ulaw_dec(u[i]) - s) < 400);
	}
	/* 450 Hz over 20 ms: 9 periods, 18 zero crossings; RMS about 4600 */
	assert_in_range(crossings, 17, 18);
	assert_true(energy / SIPVM_SAMPLES > 3000L * 3000L);
}

static void
sdp_answer(void **state)
{
	static const char good[] =
	    "v=0\r\no=recorder 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	    "m=audio 30002 RTP/AVP 8 101\r\nc=IN IP4 192.0.2.9\r\na=rtpmap:8 PCMA/8000\r\n"
	    "a=recvonly\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 198.51.100.1\r\n";
	static const char session_c[] =
	    "v=0\nc=IN IP6 2001:db8::1\nm=audio 40000 RTP/AVP 0\n";
	static const char *const bad[] = {
		"",
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 30002 RTP/AVP 0\r\n",   /* not our pt */
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 8\r\n",       /* refused */
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 70000 RTP/AVP 8\r\n",
		"v=0\r\nm=audio 30002 RTP/AVP 8\r\n",                           /* no c= */
		"v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 30002 RTP/AVP 8\r\n",
		"v=0\r\nc=IN IP4 recorder.example\r\nm=audio 30002 RTP/AVP 8\r\n",
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=video 30002 RTP/AVP 8\r\n",   /* no audio */
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio\r\n",
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 30002\r\n",
		"v=0\r\nc=IN\r\nm=audio 30002 RTP/AVP 8\r\n",
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 30002 RTP/AVP 8x\r\n",
	};
	char addr[64], big[9000];
	int port;

	(void)state;
	assert_int_equal(sipvm_sdp_answer(good, strlen(good), 8, addr, sizeof(addr), &port), 0);
	assert_string_equal(addr, "192.0.2.9");                /* media c= wins */
	assert_int_equal(port, 30002);
	assert_int_equal(sipvm_sdp_answer(session_c, strlen(session_c), 0, addr, sizeof(addr),
	    &port), 0);
	assert_string_equal(addr, "2001:db8::1");
	assert_int_equal(port, 40000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sipvm_sdp_answer(bad[i], strlen(bad[i]), 8, addr, sizeof(addr), &port) == 0)
			fail_msg("bad answer %zu accepted", i);
	/* no NUL, no line end, too long: refused without reading past len */
	memset(big, 'm', sizeof(big));
	assert_int_equal(sipvm_sdp_answer(big, sizeof(big), 8, addr, sizeof(addr), &port), -1);
	assert_int_equal(sipvm_sdp_answer(good, 40, 8, addr, sizeof(addr), &port), -1);
	assert_int_equal(sipvm_sdp_answer(NULL, 0, 8, addr, sizeof(addr), &port), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(g711_known_values),
		cmocka_unit_test(g711_round_trip),
		cmocka_unit_test(packet_clock),
		cmocka_unit_test(tone),
		cmocka_unit_test(sdp_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
