/*
 * fuzz.c - libFuzzer harness of the logger's call builder (services/logger/build.c): the
 * code that reads every cti-host event body.  Input: bus envelopes, one per line
 * ({"type": ..., "body": {...}}); each is applied with the line number as its sequence
 * number and 100 ms apart.  After every few events the dirty calls are taken and released,
 * as the logger does after a write, and every ended segment must keep the invariant the
 * reports rely on: ring + talk + hold = end - start.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../../../services/logger/build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(lg_builder *b)
{
	for (struct lg_call *c = lg_build_dirty(b); c != NULL; c = c->next_dirty) {
		for (int i = 0; i < c->nsegs; i++) {
			const struct lg_segment *s = &c->segs[i];
			if (s->state != LG_ENDED)
				continue;
			if (s->ring_ms < 0 || s->talk_ms < 0 || s->hold_ms < 0 ||
			    (s->end_ms >= s->start_ms &&
			     s->ring_ms + s->talk_ms + s->hold_ms != s->end_ms - s->start_ms)) {
				fprintf(stderr, "call %s seg %d: ring %lld talk %lld hold %lld, "
				    "start %lld answer %lld end %lld\n", c->pbx_call_id, s->no,
				    s->ring_ms, s->talk_ms, s->hold_ms, s->start_ms, s->answer_ms,
				    s->end_ms);
				abort();
			}
		}
	}
	lg_build_written(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lg_builder *b = lg_build_new(NULL, NULL);
	const char *p = (const char *)data, *end = p + size;
	uint64_t seq = 0;

	if (b == NULL)
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *o = cJSON_ParseWithLength(p, len);

		seq++;
		if (o != NULL) {
			const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(o, "type"));
			if (type != NULL)
				lg_build_event(b, 1, seq, 1764086400000LL + (long long)seq * 100, type,
				    cJSON_GetObjectItem(o, "body"));
			cJSON_Delete(o);
		}
		if (seq % 8 == 0)
			check(b);
		p += len + 1;
	}
	lg_build_close_all(b, "end of input");
	check(b);
	lg_build_free(b);
	return 0;
}
