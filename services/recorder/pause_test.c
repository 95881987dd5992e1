/*
 * pause_test.c - the compliance pause of a call's recording (session.c): the audio inside a
 * paused span is silence exactly, the rest is untouched, the file keeps its length, and the
 * spans are in the metadata; by rec_call_pause/rec_call_resume (the bus) and by
 * telephone-event digit sequences (opts->dtmf_pause/dtmf_resume).
 *
 * The call is fed 20 ms A-law packets (160 samples) arriving on time; the audio goes to a
 * memory writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "rec.h"

#define T0 1700000000000000LL
#define NPKT 100
#define PKT 160

/* ---- a writer that keeps the PCM in memory -------------------------------------------- */

static int16_t *mem_pcm;
static size_t mem_n;

static int
mem_open(struct rec_out *o, const char *path)
{
	(void)o;
	(void)path;
	free(mem_pcm);
	mem_pcm = NULL;
	mem_n = 0;
	return 0;
}

static int
mem_write(struct rec_out *o, const int16_t *pcm, size_t frames)
{
	mem_pcm = realloc(mem_pcm, (mem_n + frames) * sizeof(int16_t));
	memcpy(mem_pcm + mem_n, pcm, frames * sizeof(int16_t));
	mem_n += frames;
	o->frames += frames;
	return 0;
}

static int
mem_close(struct rec_out *o)
{
	(void)o;
	return 0;
}

static const struct rec_out_ops mem_ops = { "mem", "raw", 1, mem_open, mem_write, mem_close };

/* ---- a call --------------------------------------------------------------------------- */

struct fix {
	char dir[64];
	struct rec_opts o;
	struct rec_dialog dl;
	struct rec_call *c;
	uint16_t seq;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/hs-pause-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->o.format = &mem_ops;
	f->o.channels = 1;
	f->o.jitter_us = 200000;
	f->o.quiet = 1;
	snprintf(f->dl.call_id, sizeof(f->dl.call_id), "pause-1@test");
	f->dl.start_us = T0;
	static const char sdp[] = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8 101\r\n"
				  "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
	assert_int_equal(rec_sdp_parse(sdp, sizeof(sdp) - 1, &f->dl.sdp[0]), 0);
	f->dl.has_sdp[0] = 1;
	*state = f;
	return 0;
}

static void
open_call(struct fix *f)
{
	int werr;
	f->c = rec_call_open(&f->o, f->dir, &f->dl, T0, &werr);
	assert_non_null(f->c);
	assert_int_equal(werr, 0);
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	free(mem_pcm);
	mem_pcm = NULL;
	mem_n = 0;
	return 0;
}

/* Packet slot i (arrives at T0 + 20 ms * i, timestamp 160 * i): pt 8 audio, or pt 101. */
static void
send_pkt(struct fix *f, int i, uint8_t pt, const uint8_t *payload, size_t n)
{
	uint8_t buf[12 + PKT];
	buf[0] = 0x80;
	buf[1] = pt;
	buf[2] = (uint8_t)(f->seq >> 8);
	buf[3] = (uint8_t)f->seq;
	f->seq++;
	uint32_t ts = (uint32_t)(i * PKT);
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	memcpy(buf + 8, "\x12\x34\x56\x78", 4);
	memcpy(buf + 12, payload, n);
	struct rec_rtp r;
	assert_int_equal(rec_rtp_parse(buf, 12 + n, &r), 0);
	struct rec_udp u;
	memset(&u, 0, sizeof(u));
	u.ts_us = T0 + (int64_t)i * 20000;
	u.data = buf;
	u.len = 12 + n;
	rec_call_rtp(f->c, REC_CALLER, &u, &r);
}

static void
send_audio(struct fix *f, int i)
{
	uint8_t a[PKT];
	memset(a, 0x2a, sizeof(a));
	send_pkt(f, i, 8, a, sizeof(a));
}

static void
send_digit(struct fix *f, int i, uint8_t event)
{
	uint8_t e[4] = { event, 0x80 | 10, 0, PKT }; /* ended, 160 samples */
	send_pkt(f, i, 101, e, sizeof(e));
}

static cJSON *
close_call(struct fix *f)
{
	int errs;
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.json", f->c->folder, f->c->base);
	f->dl.end_us = T0 + NPKT * 20000;
	f->dl.end_reason = "bye";
	rec_call_close(f->c, &f->dl, &errs);
	f->c = NULL;
	assert_int_equal(errs, 0);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char text[65536];
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = 0;
	cJSON *m = cJSON_Parse(text);
	assert_non_null(m);
	return m;
}

/* Samples [a, b) are all 0, every other one is the decoded A-law 0x2a (except holes). */
static void
assert_silent_exactly(size_t a, size_t b, const int *holes, int nholes)
{
	int16_t v = rec_alaw_decode(0x2a);
	assert_int_not_equal(v, 0);
	assert_int_equal(mem_n, NPKT * PKT); /* the length is unchanged */
	for (size_t k = 0; k < mem_n; k++) {
		int hole = 0;
		for (int h = 0; h < nholes; h++)
			hole |= k / PKT == (size_t)holes[h];
		if (k >= a && k < b)
			assert_int_equal(mem_pcm[k], 0);
		else if (!hole)
			assert_int_equal(mem_pcm[k], v);
	}
}

static void
assert_span(const cJSON *m, int idx, double start_ms, double end_ms, const char *by)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(m, "paused");
	const cJSON *p = cJSON_GetArrayItem(ps, idx);
	assert_non_null(p);
	assert_true(cJSON_GetObjectItemCaseSensitive(p, "start_ms")->valuedouble == start_ms);
	assert_true(cJSON_GetObjectItemCaseSensitive(p, "end_ms")->valuedouble == end_ms);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(p, "by")->valuestring, by);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void
test_api_pause_resume(void **state)
{
	struct fix *f = *state;
	int64_t at;
	open_call(f);
	/* 30 packets in (600 ms placed), pause at 500 ms: what is held past it is silenced. */
	for (int i = 0; i < 30; i++)
		send_audio(f, i);
	assert_int_equal(rec_call_pause(f->c, T0 + 500000, "api", &at), 0);
	assert_int_equal(at, 500);
	assert_int_equal(f->c->paused, 1);
	/* idempotent: the same span */
	assert_int_equal(rec_call_pause(f->c, T0 + 560000, "api", &at), 1);
	assert_int_equal(at, 500);
	for (int i = 30; i < 50; i++)
		send_audio(f, i);
	assert_int_equal(rec_call_resume(f->c, T0 + 1000000, &at), 0);
	assert_int_equal(at, 1000);
	assert_int_equal(rec_call_resume(f->c, T0 + 1010000, &at), 1);
	for (int i = 50; i < NPKT; i++)
		send_audio(f, i);
	cJSON *m = close_call(f);
	assert_silent_exactly(4000, 8000, NULL, 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "paused")), 1);
	assert_span(m, 0, 500, 1000, "api");
	assert_true(cJSON_GetObjectItemCaseSensitive(m, "samples")->valuedouble == NPKT * PKT);
	cJSON_Delete(m);
}

/* The sender runs ahead of the resume's clock: audio already placed past it went in
 * silenced, and the span says so (it ends where the held audio ends, not at the clock). */
static void
test_resume_behind_placed_audio(void **state)
{
	struct fix *f = *state;
	int64_t at;
	open_call(f);
	for (int i = 0; i < 25; i++)
		send_audio(f, i);
	assert_int_equal(rec_call_pause(f->c, T0 + 500000, "api", &at), 0);
	for (int i = 25; i < 60; i++) /* placed up to 1200 ms */
		send_audio(f, i);
	assert_int_equal(rec_call_resume(f->c, T0 + 1000000, &at), 0);
	assert_int_equal(at, 1200);
	for (int i = 60; i < NPKT; i++)
		send_audio(f, i);
	cJSON *m = close_call(f);
	assert_silent_exactly(4000, 9600, NULL, 0);
	assert_span(m, 0, 500, 1200, "api");
	cJSON_Delete(m);
}

static void
test_closed_while_paused(void **state)
{
	struct fix *f = *state;
	open_call(f);
	for (int i = 0; i < 75; i++)
		send_audio(f, i);
	assert_int_equal(rec_call_pause(f->c, T0 + 1500000, "api", NULL), 0);
	for (int i = 75; i < NPKT; i++)
		send_audio(f, i);
	cJSON *m = close_call(f);
	assert_silent_exactly(12000, NPKT * PKT, NULL, 0);
	assert_span(m, 0, 1500, 2000, "api");
	cJSON_Delete(m);
}

static void
test_two_spans(void **state)
{
	struct fix *f = *state;
	open_call(f);
	/* paused before the first packet is placed: from sample 0 */
	assert_int_equal(rec_call_pause(f->c, T0, "api", NULL), 0);
	for (int i = 0; i < NPKT; i++) {
		send_audio(f, i);
		if (i == 9)
			rec_call_resume(f->c, T0 + 200000, NULL);
		if (i == 59)
			rec_call_pause(f->c, T0 + 1200000, "api", NULL);
		if (i == 69)
			rec_call_resume(f->c, T0 + 1400000, NULL);
	}
	cJSON *m = close_call(f);
	int16_t v = rec_alaw_decode(0x2a);
	assert_int_equal(mem_n, NPKT * PKT);
	for (size_t k = 0; k < mem_n; k++) {
		int in = k < 1600 || (k >= 9600 && k < 11200);
		assert_int_equal(mem_pcm[k], in ? 0 : v);
	}
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "paused")), 2);
	assert_span(m, 0, 0, 200, "api");
	assert_span(m, 1, 1200, 1400, "api");
	cJSON_Delete(m);
}

static void
test_dtmf_sequences(void **state)
{
	struct fix *f = *state;
	snprintf(f->o.dtmf_pause, sizeof(f->o.dtmf_pause), "*1");
	snprintf(f->o.dtmf_resume, sizeof(f->o.dtmf_resume), "*2");
	open_call(f);
	/* '1' alone, '*' '3': nothing; '*' '1' at slot 20 pauses at 400 ms; '*' '2' at slot 70
	 * resumes at 1400 ms. */
	static const struct {
		int slot;
		uint8_t ev;
	} digits[] = { { 4, 1 }, { 6, 10 }, { 8, 3 }, { 15, 10 }, { 20, 1 }, { 40, 5 },
		{ 60, 10 }, { 70, 2 } };
	int holes[8];
	for (int k = 0; k < 8; k++)
		holes[k] = digits[k].slot;
	for (int i = 0; i < NPKT; i++) {
		int ev = -1;
		for (int k = 0; k < 8; k++)
			if (digits[k].slot == i)
				ev = digits[k].ev;
		if (ev >= 0) {
			send_digit(f, i, (uint8_t)ev);
			send_digit(f, i, (uint8_t)ev); /* the end packet, repeated */
		} else {
			send_audio(f, i);
		}
	}
	cJSON *m = close_call(f);
	assert_silent_exactly(3200, 11200, holes, 8);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "paused")), 1);
	assert_span(m, 0, 400, 1400, "dtmf");
	/* the digits that start while paused are not listed */
	const cJSON *evs = cJSON_GetObjectItemCaseSensitive(m, "telephone_events");
	assert_int_equal(cJSON_GetArraySize(evs), 5);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(evs, 4),
	    "digit")->valuestring, "1");
	assert_true(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(evs, 4),
	    "offset_ms")->valuedouble == 400);
	cJSON_Delete(m);
}

static void
test_dtmf_off(void **state)
{
	struct fix *f = *state;
	open_call(f);
	for (int i = 0; i < NPKT; i++) {
		if (i == 10 || i == 20)
			send_digit(f, i, i == 10 ? 10 : 1);
		else
			send_audio(f, i);
	}
	cJSON *m = close_call(f);
	int holes[2] = { 10, 20 };
	assert_silent_exactly(0, 0, holes, 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "paused")), 0);
	cJSON_Delete(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_behind_placed_audio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_while_paused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_spans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtmf_sequences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtmf_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
