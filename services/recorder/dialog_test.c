/*
 * dialog_test.c - the dialog tracker: offer/answer learns both RTP endpoints, a re-INVITE
 * from the callee moves its media, BYE from either side ends the dialog (and its endpoints
 * stop matching), CANCEL and a rejection end an unanswered dialog, stray messages are counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "rec.h"

struct seen {
	int created, ended;
	char reason[16];
	int64_t start, answer, end;
	char caller[64], callee[64], callee_tag[64];
	int media_changes;
};

static void
on_created(void *arg, struct rec_dialog *d)
{
	(void)d;
	((struct seen *)arg)->created++;
}

static void
on_ended(void *arg, struct rec_dialog *d)
{
	struct seen *s = arg;
	s->ended++;
	snprintf(s->reason, sizeof(s->reason), "%s", d->end_reason);
	s->start = d->start_us;
	s->answer = d->answer_us;
	s->end = d->end_us;
	snprintf(s->caller, sizeof(s->caller), "%s", d->caller.user);
	snprintf(s->callee, sizeof(s->callee), "%s", d->callee.user);
	snprintf(s->callee_tag, sizeof(s->callee_tag), "%s", d->callee.tag);
	s->media_changes = d->media_changes;
}

static void
sip(rec_dlg_table *t, const char *text, int64_t ts)
{
	struct rec_sip_msg m;
	assert_int_equal(rec_sip_parse(text, strlen(text), &m), 0);
	struct rec_udp u = { .ts_us = ts };
	rec_dlg_sip(t, &m, &u);
}

static char *
msg(const char *start, const char *from_tag, const char *to_tag, const char *cseq,
    const char *sdp_ip, int sdp_port)
{
	static char buf[2048];
	char body[256] = "";
	if (sdp_ip != NULL)
		snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
		    "t=0 0\r\nm=audio %d RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n",
		    sdp_ip, sdp_ip, sdp_port);
	snprintf(buf, sizeof(buf), "%s\r\nVia: SIP/2.0/UDP x\r\n"
	    "From: \"Alice\" <sip:201@pbx>;tag=%s\r\nTo: <sip:202@pbx>%s%s\r\n"
	    "Call-ID: call-1@pbx\r\nCSeq: %s\r\n%sContent-Length: %zu\r\n\r\n%s",
	    start, from_tag, to_tag ? ";tag=" : "", to_tag ? to_tag : "", cseq,
	    sdp_ip ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
	return buf;
}

static struct rec_dialog *
media(rec_dlg_table *t, const char *src, int sport, const char *dst, int dport,
    enum rec_side *side)
{
	struct rec_udp u = { 0 };
	u.src.family = u.dst.family = 4;
	inet_pton(AF_INET, src, u.src.ip);
	inet_pton(AF_INET, dst, u.dst.ip);
	u.src.port = (uint16_t)sport;
	u.dst.port = (uint16_t)dport;
	return rec_dlg_media(t, &u, side);
}

static void
test_call(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct rec_dlg_cb cb = { .created = on_created, .ended = on_ended, .arg = &s };
	rec_dlg_table *t = rec_dlg_new(&cb);
	enum rec_side side;
	sip(t, msg("INVITE sip:202@pbx SIP/2.0", "A", NULL, "1 INVITE", "10.0.0.1", 4000),
	    1000);
	assert_int_equal(s.created, 1);
	/* The caller's endpoint is known from the offer already. */
	assert_non_null(media(t, "10.0.0.2", 5000, "10.0.0.1", 4000, &side));
	assert_int_equal(side, REC_CALLEE);
	sip(t, msg("SIP/2.0 180 Ringing", "A", "B", "1 INVITE", NULL, 0), 2000);
	sip(t, msg("SIP/2.0 200 OK", "A", "B", "1 INVITE", "10.0.0.2", 5000), 3000);
	sip(t, msg("ACK sip:202@pbx SIP/2.0", "A", "B", "1 ACK", NULL, 0), 3100);
	struct rec_dialog *d = media(t, "10.0.0.1", 4000, "10.0.0.2", 5000, &side);
	assert_non_null(d);
	assert_int_equal(side, REC_CALLER);
	assert_int_equal(d->state, REC_DLG_CONFIRMED);
	/* symmetric RTP: matched by source when the destination is unknown */
	assert_ptr_equal(media(t, "10.0.0.2", 5000, "10.9.9.9", 1, &side), d);
	assert_int_equal(side, REC_CALLEE);
	assert_null(media(t, "10.0.0.3", 4000, "10.0.0.4", 4000, &side));

	/* re-INVITE from the callee moves its media */
	sip(t, msg("INVITE sip:201@pbx SIP/2.0", "B", "A", "10 INVITE", "10.0.0.2", 6000), 4000);
	sip(t, msg("SIP/2.0 200 OK", "B", "A", "10 INVITE", "10.0.0.1", 4000), 4100);
	assert_null(media(t, "10.0.0.9", 1, "10.0.0.2", 5000, &side));
	assert_ptr_equal(media(t, "10.0.0.1", 4000, "10.0.0.2", 6000, &side), d);
	assert_int_equal(side, REC_CALLER);
	assert_int_equal(s.created, 1);

	/* BYE from the callee */
	sip(t, msg("BYE sip:201@pbx SIP/2.0", "B", "A", "11 BYE", NULL, 0), 9000);
	assert_int_equal(s.ended, 1);
	assert_string_equal(s.reason, "bye");
	assert_int_equal(s.start, 1000);
	assert_int_equal(s.answer, 3000);
	assert_int_equal(s.end, 9000);
	assert_string_equal(s.caller, "201");
	assert_string_equal(s.callee, "202");
	assert_string_equal(s.callee_tag, "B");
	assert_int_equal(s.media_changes, 1);
	assert_null(media(t, "10.0.0.1", 4000, "10.0.0.2", 6000, &side));
	/* the 200 to the BYE belongs to no dialog any more */
	sip(t, msg("SIP/2.0 200 OK", "B", "A", "11 BYE", NULL, 0), 9001);
	assert_int_equal(rec_dlg_stats(t)->sip_orphan, 1);
	rec_dlg_free(t, 10000);
	assert_int_equal(s.ended, 1);
}

static void
test_cancel_reject_eof(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct rec_dlg_cb cb = { .created = on_created, .ended = on_ended, .arg = &s };
	rec_dlg_table *t = rec_dlg_new(&cb);
	sip(t, msg("INVITE sip:202@pbx SIP/2.0", "A", NULL, "1 INVITE", "10.0.0.1", 4000), 1);
	sip(t, msg("CANCEL sip:202@pbx SIP/2.0", "A", NULL, "1 CANCEL", NULL, 0), 2);
	assert_int_equal(s.ended, 1);
	assert_string_equal(s.reason, "cancel");
	sip(t, msg("INVITE sip:202@pbx SIP/2.0", "A2", NULL, "1 INVITE", "10.0.0.1", 4000), 3);
	sip(t, msg("SIP/2.0 486 Busy Here", "A2", "B", "1 INVITE", NULL, 0), 4);
	assert_int_equal(s.ended, 2);
	assert_string_equal(s.reason, "rejected");
	sip(t, msg("INVITE sip:202@pbx SIP/2.0", "A3", NULL, "1 INVITE", "10.0.0.1", 4000), 5);
	sip(t, msg("SIP/2.0 200 OK", "A3", "B", "1 INVITE", "10.0.0.2", 5000), 6);
	/* CANCEL after the answer does not end the call */
	sip(t, msg("CANCEL sip:202@pbx SIP/2.0", "A3", NULL, "1 CANCEL", NULL, 0), 7);
	assert_int_equal(s.ended, 2);
	rec_dlg_free(t, 99);
	assert_int_equal(s.ended, 3);
	assert_string_equal(s.reason, "eof");
	assert_int_equal(s.end, 99);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_cancel_reject_eof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
