/*
 * meta.c - the JSON metadata file written beside each recording (schema in README.md).
 * Times are capture times in ISO 8601 UTC with milliseconds; offsets are milliseconds from
 * the first sample of the audio file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "rec.h"

void
rec_iso8601(int64_t us, char *buf, size_t len)
{
	time_t s = (time_t)(us / 1000000);
	int ms = (int)((us % 1000000) / 1000);
	if (us < 0) {
		s = 0;
		ms = 0;
	}
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static void
add_time(cJSON *o, const char *k, int64_t us)
{
	char b[40];
	if (us == 0) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	rec_iso8601(us, b, sizeof(b));
	cJSON_AddStringToObject(o, k, b);
}

static cJSON *
party(const struct rec_party_info *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "user", p->user);
	cJSON_AddStringToObject(o, "display", p->display);
	cJSON_AddStringToObject(o, "host", p->host);
	cJSON_AddStringToObject(o, "tag", p->tag);
	return o;
}

static const char *const side_name[2] = { "caller", "callee" };

static cJSON *
direction(const struct rec_call *c, int s)
{
	const struct rec_dir *d = &c->dir[s];
	const struct rec_jb_stats *st = &d->jb.st;
	cJSON *o = cJSON_CreateObject();
	char b[64];
	cJSON_AddStringToObject(o, "from", side_name[s]);
	if (d->has_addr) {
		rec_addr_fmt(&d->src, b, sizeof(b));
		cJSON_AddStringToObject(o, "src", b);
		rec_addr_fmt(&d->dst, b, sizeof(b));
		cJSON_AddStringToObject(o, "dst", b);
	} else {
		cJSON_AddNullToObject(o, "src");
		cJSON_AddNullToObject(o, "dst");
	}
	cJSON *ss = cJSON_AddArrayToObject(o, "ssrc");
	for (int i = 0; i < d->nssrc; i++) {
		snprintf(b, sizeof(b), "0x%08x", d->ssrcs[i]);
		cJSON_AddItemToArray(ss, cJSON_CreateString(b));
	}
	cJSON *cs = cJSON_AddArrayToObject(o, "codecs");
	for (int i = 0; i < d->ncodecs; i++)
		cJSON_AddItemToArray(cs, cJSON_CreateString(rec_codec_name(d->codecs[i])));
	cJSON_AddNumberToObject(o, "packets", (double)st->packets);
	cJSON_AddNumberToObject(o, "lost", (double)rec_jb_lost(&d->jb));
	cJSON_AddNumberToObject(o, "duplicates", (double)st->duplicates);
	cJSON_AddNumberToObject(o, "out_of_order", (double)st->out_of_order);
	cJSON_AddNumberToObject(o, "late", (double)st->late);
	cJSON_AddNumberToObject(o, "played", (double)st->played);
	cJSON_AddNumberToObject(o, "sequence_resets", (double)st->resets);
	cJSON_AddNumberToObject(o, "timestamp_resyncs", (double)d->resyncs);
	cJSON_AddNumberToObject(o, "undecodable", (double)d->undecodable);
	return o;
}

int
rec_meta_write(const struct rec_call *c, const char *path)
{
	const struct rec_dialog *d = &c->dlg_copy;
	cJSON *o = cJSON_CreateObject();
	if (o == NULL) {
		errno = ENOMEM;
		return -1;
	}
	cJSON_AddStringToObject(o, "call_id", d->call_id);
	if (c->rac_source[0]) {
		/* Record-A-Call: the PBX that added us to the call, and its From/To as sent. */
		cJSON_AddStringToObject(o, "source", "rac");
		cJSON_AddStringToObject(o, "rac_address", c->rac_source);
		cJSON_AddStringToObject(o, "sip_from", c->rac_from);
		cJSON_AddStringToObject(o, "sip_to", c->rac_to);
	} else {
		/* Live capture on a mirror port names the device it recorded; --read records
		 * every call of the file. */
		cJSON_AddStringToObject(o, "source", d->extension[0] ? "mirror" : "capture");
	}
	if (d->extension[0])
		cJSON_AddStringToObject(o, "extension", d->extension);
	cJSON_AddItemToObject(o, "from", party(&d->caller));
	cJSON_AddItemToObject(o, "to", party(&d->callee));
	add_time(o, "start", d->start_us);
	add_time(o, "answer", d->answer_us);
	add_time(o, "end", d->end_us);
	cJSON_AddStringToObject(o, "end_reason", d->end_reason ? d->end_reason : "eof");
	add_time(o, "audio_start", c->t0_us);
	cJSON *codecs = cJSON_AddArrayToObject(o, "codecs");
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < c->dir[s].ncodecs; i++) {
			const char *n = rec_codec_name(c->dir[s].codecs[i]);
			int dup = 0;
			cJSON *it;
			cJSON_ArrayForEach(it, codecs)
				dup |= strcmp(it->valuestring, n) == 0;
			if (!dup)
				cJSON_AddItemToArray(codecs, cJSON_CreateString(n));
		}
	}
	cJSON_AddStringToObject(o, "format", c->opts->format->name);
	cJSON_AddStringToObject(o, "file", c->audio_name);
	cJSON_AddNumberToObject(o, "channels", c->mix.channels);
	cJSON_AddNumberToObject(o, "sample_rate", REC_RATE);
	cJSON_AddNumberToObject(o, "samples", (double)c->out.frames);
	cJSON_AddNumberToObject(o, "duration_s", (double)c->out.frames / REC_RATE);
	cJSON_AddNumberToObject(o, "media_changes", d->media_changes);
	cJSON *dirs = cJSON_AddArrayToObject(o, "directions");
	for (int s = 0; s < 2; s++)
		cJSON_AddItemToArray(dirs, direction(c, s));
	cJSON *evs = cJSON_AddArrayToObject(o, "telephone_events");
	for (int i = 0; i < c->nevents; i++) {
		const struct rec_dtmf *e = &c->events[i];
		cJSON *ev = cJSON_CreateObject();
		char digit[2] = { e->digit, 0 };
		cJSON_AddStringToObject(ev, "from", side_name[e->side]);
		cJSON_AddStringToObject(ev, "digit", digit);
		cJSON_AddNumberToObject(ev, "offset_ms", (double)e->offset_ms);
		cJSON_AddNumberToObject(ev, "duration_ms", (double)e->duration_ms);
		cJSON_AddBoolToObject(ev, "ended", e->ended);
		cJSON_AddItemToArray(evs, ev);
	}
	/* Compliance pauses: silence in the file over [start_ms, end_ms). */
	cJSON *ps = cJSON_AddArrayToObject(o, "paused");
	for (int i = 0; i < c->npauses; i++) {
		const struct rec_pause *p = &c->pauses[i];
		int64_t end = p->end >= 0 ? p->end : (int64_t)c->out.frames;
		cJSON *po = cJSON_CreateObject();
		cJSON_AddNumberToObject(po, "start_ms", (double)(p->start * 1000 / REC_RATE));
		cJSON_AddNumberToObject(po, "end_ms", (double)(end * 1000 / REC_RATE));
		cJSON_AddStringToObject(po, "by", p->by != NULL ? p->by : "api");
		cJSON_AddItemToArray(ps, po);
	}
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	FILE *f = fopen(path, "w");
	int rc = -1;
	if (f != NULL) {
		rc = fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(text);
	return rc;
}
