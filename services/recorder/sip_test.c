/*
 * sip_test.c - the SIP and SDP readers: requests and responses, compact and folded headers,
 * name-addr forms, Content-Length, and malformed input refused without reading past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rec.h"

static int
str_is(struct rec_str s, const char *lit)
{
	return rec_str_eq(s, lit);
}

static const char invite[] =
    "INVITE sip:1001@192.0.2.10:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK1\r\n"
    "From: \"Alice <Sales>\" <sip:alice@example.com>;tag=abc123\r\n"
    "To: <sip:1001@example.com>\r\n"
    "Call-ID: a84b4c76e66710@pc33\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.20>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 20\r\n"
    "\r\n"
    "v=0\r\no=- 1 1 IN IP4 x"
    "trailing garbage";

static void
test_request(void **state)
{
	(void)state;
	struct rec_sip_msg m;
	assert_int_equal(rec_sip_parse(invite, strlen(invite), &m), 0);
	assert_true(m.is_request);
	assert_true(str_is(m.method, "INVITE"));
	assert_true(str_is(m.call_id, "a84b4c76e66710@pc33"));
	assert_int_equal(m.cseq, 314159);
	assert_true(str_is(m.cseq_method, "INVITE"));
	assert_true(str_is(m.from.display, "Alice <Sales>"));
	assert_true(str_is(m.from.user, "alice"));
	assert_true(str_is(m.from.host, "example.com"));
	assert_true(str_is(m.from.tag, "abc123"));
	assert_true(str_is(m.to.user, "1001"));
	assert_int_equal(m.to.tag.n, 0);
	assert_true(str_is(m.contact, "<sip:alice@192.0.2.20>"));
	assert_int_equal(m.content_length, 20);
	assert_int_equal(m.body.n, 20);
	assert_memory_equal(m.body.p, "v=0\r\no=- 1 1 IN IP4 x", 20);
	assert_false(m.truncated);
}

static void
test_response_compact_folded(void **state)
{
	(void)state;
	const char *r =
	    "SIP/2.0 200 OK\n"
	    "v: SIP/2.0/UDP h;branch=z9hG4bK2\n"
	    "f: sip:+4930123@gw.example;tag=x1\n"
	    "t: Bob\n <sip:bob@b.example:5070;transport=udp>;tag=y2\n"
	    "i: cid-1\n"
	    "CSEQ: 7   INVITE\n"
	    "m: <sip:bob@10.0.0.2>\n"
	    "c: application/sdp\n"
	    "l: 100\n"
	    "\n"
	    "v=0\n";
	struct rec_sip_msg m;
	assert_int_equal(rec_sip_parse(r, strlen(r), &m), 0);
	assert_false(m.is_request);
	assert_int_equal(m.status, 200);
	assert_true(str_is(m.method, "INVITE"));
	assert_true(str_is(m.from.user, "+4930123"));
	assert_true(str_is(m.from.tag, "x1"));
	assert_true(str_is(m.to.display, "Bob"));
	assert_true(str_is(m.to.user, "bob"));
	assert_true(str_is(m.to.host, "b.example"));
	assert_true(str_is(m.to.tag, "y2"));
	assert_true(str_is(m.call_id, "cid-1"));
	assert_int_equal(m.cseq, 7);
	assert_true(m.truncated); /* l: 100 but 4 bytes follow */
	assert_int_equal(m.body.n, 4);
}

static void
test_party_forms(void **state)
{
	(void)state;
	struct rec_sip_party p;
	const char *v = "tel:+1-201-555-0123;tag=t";
	assert_int_equal(rec_sip_parse_party((struct rec_str){ v, strlen(v) }, &p), 0);
	assert_true(str_is(p.user, "+1-201-555-0123"));
	assert_true(str_is(p.tag, "t"));
	v = "<sip:user:secret@[2001:db8::1]:5060;lr>;tag=z";
	assert_int_equal(rec_sip_parse_party((struct rec_str){ v, strlen(v) }, &p), 0);
	assert_true(str_is(p.user, "user"));
	assert_true(str_is(p.host, "[2001:db8::1]"));
	assert_true(str_is(p.tag, "z"));
	v = "\"unterminated <sip:a@b>";
	assert_int_equal(rec_sip_parse_party((struct rec_str){ v, strlen(v) }, &p), -1);
	v = "Name <sip:a@b";
	assert_int_equal(rec_sip_parse_party((struct rec_str){ v, strlen(v) }, &p), -1);
}

static void
test_malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"INVITE\r\n",
		"INVITE sip:a@b HTTP/1.1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>\r\n"
		"To: <sip:b@c>\r\n\r\n",
		"SIP/2.0 2000 OK\r\n",
		"SIP/2.0 099 Low\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nFrom: a\r\nTo: b\r\n\r\n",
		/* no Call-ID */
		"BYE sip:a@b SIP/2.0\r\nCSeq: 1 BYE\r\nFrom: <sip:a@b>\r\nTo: <sip:b@c>\r\n\r\n",
		/* CSeq without a method */
		"BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1\r\nFrom: <sip:a@b>\r\n"
		"To: <sip:b@c>\r\n\r\n",
		/* CSeq number too large */
		"BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 99999999999 BYE\r\nFrom: <sip:a@b>\r\n"
		"To: <sip:b@c>\r\n\r\n",
		/* Content-Length not a number */
		"BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nFrom: <sip:a@b>\r\n"
		"To: <sip:b@c>\r\nContent-Length: -5\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* An exact-size heap copy lets ASan catch any read past the end. */
		size_t n = strlen(bad[i]);
		char *b = malloc(n ? n : 1);
		memcpy(b, bad[i], n);
		struct rec_sip_msg m;
		assert_int_equal(rec_sip_parse(b, n, &m), -1);
		free(b);
	}
	/* Every prefix of a valid message parses or is refused, within bounds. */
	size_t n = strlen(invite);
	for (size_t k = 0; k <= n; k++) {
		char *b = malloc(k ? k : 1);
		memcpy(b, invite, k);
		struct rec_sip_msg m;
		(void)rec_sip_parse(b, k, &m);
		free(b);
	}
	assert_true(rec_sip_looks_like((const uint8_t *)"SIP/2.0 180 Ringing", 19));
	assert_true(rec_sip_looks_like((const uint8_t *)"OPTIONS sip:x", 13));
	assert_false(rec_sip_looks_like((const uint8_t *)"\x80\x08\x00\x01", 4));
	assert_false(rec_sip_looks_like((const uint8_t *)"INVITE", 6));
}

static const char sdp[] =
    "v=0\r\n"
    "o=- 1 2 IN IP4 192.0.2.1\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.1\r\n"
    "t=0 0\r\n"
    "a=sendrecv\r\n"
    "m=video 5000 RTP/AVP 96\r\n"
    "c=IN IP4 192.0.2.99\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "m=audio 40000 RTP/AVP 8 0 18 101\r\n"
    "c=IN IP4 192.0.2.7/127\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=sendonly\r\n"
    "m=audio 40002 RTP/AVP 0\r\n";

static void
test_sdp(void **state)
{
	(void)state;
	struct rec_sdp s;
	assert_int_equal(rec_sdp_parse(sdp, strlen(sdp), &s), 0);
	assert_true(s.has_audio);
	assert_int_equal(s.audio.family, 4);
	assert_int_equal(s.audio.port, 40000);
	assert_memory_equal(s.audio.ip, "\xc0\x00\x02\x07", 4);
	assert_int_equal(s.dir, REC_SDP_SENDONLY);
	assert_int_equal(s.nfmt, 4);
	assert_int_equal(s.fmt[2], 18);
	assert_int_equal(s.nmap, 2);
	assert_string_equal(s.map[1].enc, "telephone-event");
	assert_int_equal(s.map[1].pt, 101);
	assert_int_equal(s.map[1].rate, 8000);
	assert_int_equal(rec_codec_of(101, &s, NULL), REC_CODEC_TEL_EVENT);
	assert_int_equal(rec_codec_of(18, &s, NULL), REC_CODEC_G729);
	assert_int_equal(rec_codec_of(99, &s, NULL), REC_CODEC_UNKNOWN);

	/* Session-level c= and direction; IPv6. */
	const char *s2 = "v=0\nc=IN IP6 2001:db8::5\na=inactive\nm=audio 7078 RTP/AVP 9\n";
	assert_int_equal(rec_sdp_parse(s2, strlen(s2), &s), 0);
	assert_int_equal(s.audio.family, 6);
	assert_int_equal(s.audio.port, 7078);
	assert_int_equal(s.dir, REC_SDP_INACTIVE);
	assert_int_equal(rec_codec_of(9, &s, NULL), REC_CODEC_G722);

	/* Not SDP; and broken lines are ignored, not fatal. */
	assert_int_equal(rec_sdp_parse("x=1\n", 4, &s), -1);
	const char *s3 = "v=0\nc=IN IP4 999.1.1.1\nm=audio 99999 RTP/AVP 0\na=rtpmap:\n"
	    "a=rtpmap:300 X/1\nm=audio 4000 RTP/AVP 0\n";
	assert_int_equal(rec_sdp_parse(s3, strlen(s3), &s), 0);
	assert_true(s.has_audio);
	assert_int_equal(s.audio.port, 4000);
	assert_int_equal(s.audio.family, 0); /* no valid c= */
	assert_int_equal(s.nmap, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_response_compact_folded),
		cmocka_unit_test(test_party_forms),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sdp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
