/*
 * spool.c - the logger's journal on disk for the time PostgreSQL is away.
 *
 * While a write fails, every batch's raw events are appended here (records
 * "<boot_no> <envelope>"); the builder keeps its calls dirty and the status rows stay in
 * memory.  When PostgreSQL is back the spool is written in chunks (raw events are
 * idempotent), then the last transaction adds the calls, the status rows and the progress
 * mark, and the spool is emptied.  A spool left by a run that ended while spooling is fed to
 * the builder again at start (lg_spool_each): its events count as received.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "log.h"
#include "logger.h"

static void
alert(struct logger *lg, bool raised, const char *msg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "code", "logger.spooling");
	cJSON_AddBoolToObject(body, "raised", raised);
	cJSON_AddStringToObject(body, "severity", "warning");
	cJSON_AddStringToObject(body, "message", msg);
	hs_bus_publish(lg->svc->bus, "svc.alert", body);
}

int
lg_spool_open(struct logger *lg)
{
	const char *state = hs_conf_str(lg->svc->conf, "paths.state");
	char dir[600];

	snprintf(dir, sizeof(dir), "%s/logger", state != NULL ? state : "/var/lib/hookswitch");
	snprintf(lg->spool_path, sizeof(lg->spool_path), "%s/spool.jnl", dir);
	if (hs_fs_mkdir_p(dir, 0750) != 0)
		hs_log_warn("spool.dir", "path=%s errno=%d", dir, errno);
	if (hs_journal_open(&lg->spool, lg->spool_path, 0, 0) != HS_OK) {
		hs_log_error("spool.open", "path=%s", lg->spool_path);
		return -1;
	}
	lg->spool_seq = hs_journal_last(lg->spool);
	return 0;
}

void
lg_spool_close(struct logger *lg)
{
	if (lg->spool != NULL)
		hs_journal_close(lg->spool);
	lg->spool = NULL;
}

void
lg_spool_reset(struct logger *lg)
{
	lg_spool_close(lg);
	unlink(lg->spool_path);
	if (hs_journal_open(&lg->spool, lg->spool_path, 0, 0) != HS_OK)
		hs_log_error("spool.open", "path=%s", lg->spool_path);
	lg->spool_seq = 0;
	lg->spooled = 0;
	lg->spool_from_last_run = false;
}

void
lg_spool_batch(struct logger *lg)
{
	lg_spool_raw(lg, &lg->batch, hs_db_error(lg->svc->db));
}

void
lg_spool_raw(struct logger *lg, struct lg_rawbuf *b, const char *error)
{
	if (!lg->spooling) {
		char msg[160 + sizeof(lg->spool_path)];
		lg->spooling = true;
		lg->spool_since = hs_now_ms();
		hs_log_warn("spool.start", "error=%s path=%s", hs_logq(error), lg->spool_path);
		snprintf(msg, sizeof(msg), "PostgreSQL unreachable: call events spooled to %s",
		    lg->spool_path);
		alert(lg, true, msg);
	}
	for (size_t i = 0; i < b->n; i++) {
		char head[24];
		int hl = snprintf(head, sizeof(head), "%d ", b->raw[i].boot_no);
		size_t el = strlen(b->raw[i].envelope);
		char *rec = malloc((size_t)hl + el + 1);

		if (rec == NULL)
			abort();
		memcpy(rec, head, (size_t)hl);
		memcpy(rec + hl, b->raw[i].envelope, el + 1);
		if (hs_journal_append(lg->spool, ++lg->spool_seq, rec, (size_t)hl + el) != HS_OK)
			hs_log_error("spool.write", "path=%s seq=%llu note=%s", lg->spool_path,
			    (unsigned long long)lg->spool_seq,
			    hs_logq("could not write the spool; the events stay in cti-host's journal"));
		free(rec);
		lg->spooled++;
	}
	lg_rawbuf_clear(b);
}

/* One record: its boot number and the envelope, parsed.  NULL when it is not one. */
static cJSON *
record(const char *data, size_t len, int *boot_no, const char **text)
{
	const char *sp = memchr(data, ' ', len);
	cJSON *o;

	if (sp == NULL)
		return NULL;
	*boot_no = atoi(data);
	*text = sp + 1;
	if ((o = cJSON_ParseWithLength(sp + 1, len - (size_t)(sp + 1 - data))) == NULL ||
	    !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

struct drain {
	struct logger *lg;
	struct lg_rawbuf chunk;
	hs_err err;
};

static void
drain_one(void *arg, uint64_t seq, const char *data, size_t len)
{
	struct drain *d = arg;
	const char *text;
	char *env;
	int boot_no;
	cJSON *o = record(data, len, &boot_no, &text);

	(void)seq;
	if (o == NULL || d->err != HS_OK) {
		cJSON_Delete(o);
		return;
	}
	if ((env = strndup(text, len - (size_t)(text - data))) == NULL)
		abort();
	lg_rawbuf_add(&d->chunk, lg_ts_ms(cJSON_GetStringValue(cJSON_GetObjectItem(o, "ts"))),
	    boot_no, (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "seq")),
	    cJSON_GetStringValue(cJSON_GetObjectItem(o, "type")),
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "body"), "call_id")),
	    env);
	free(env);
	cJSON_Delete(o);
	if (d->chunk.n >= LG_BATCH_MAX) {
		d->err = lg_store_write(d->lg->store, d->chunk.raw, d->chunk.n, NULL, NULL, 0, 0, 0);
		lg_rawbuf_clear(&d->chunk);
	}
}

int
lg_spool_drain(struct logger *lg)
{
	struct drain d = { .lg = lg, .err = HS_OK };
	struct lg_call *dirty;

	/* the writer holds nothing while spooling; made sure of, as this uses the loop's
	 * connection */
	lg_writer_wait(lg);
	/* what arrived since the last flush goes behind the rest, in order */
	lg_spool_batch(lg);
	if (!hs_db_connected(lg->svc->db) && hs_db_exec_sql(lg->svc->db, "SELECT 1", NULL) != HS_OK)
		return -1;
	if (lg->spool_seq > 0 &&
	    hs_journal_replay(lg->spool, 1, lg->spool_seq, drain_one, &d) != HS_OK)
		hs_log_error("spool.read", "path=%s", lg->spool_path);
	if (d.err == HS_OK) {
		dirty = lg_build_dirty(lg->b);
		d.err = lg_store_write(lg->store, d.chunk.raw, d.chunk.n, dirty, lg->st, lg->nst,
		    lg->boot_no, lg->applied);
		if (d.err == HS_OK) {
			lg->calls_written += lg_count_calls(dirty);
			lg_build_written(lg->b);
			lg->nst = 0;
		}
	}
	lg_rawbuf_free(&d.chunk);
	if (d.err != HS_OK)
		return -1;
	lg_spool_done(lg);
	return 0;
}

void
lg_spool_done(struct logger *lg)
{
	hs_log_info("spool.drained", "events=%llu after_ms=%lld",
	    (unsigned long long)lg->spooled, hs_now_ms() - lg->spool_since);
	lg_spool_reset(lg);
	lg->spooling = false;
	alert(lg, false, "PostgreSQL reachable again: spooled call events written");
}

struct each {
	lg_spool_fn fn;
	void *arg;
};

static void
each_one(void *arg, uint64_t seq, const char *data, size_t len)
{
	struct each *e = arg;
	const char *text;
	char *env;
	int boot_no;
	cJSON *o = record(data, len, &boot_no, &text);

	(void)seq;
	if (o == NULL)
		return;
	if ((env = strndup(text, len - (size_t)(text - data))) == NULL)
		abort();
	e->fn(e->arg, o, env);
	free(env);
	cJSON_Delete(o);
}

void
lg_spool_each(struct logger *lg, lg_spool_fn fn, void *arg)
{
	struct each e = { fn, arg };

	if (lg->spool_seq > 0 && hs_journal_replay(lg->spool, 1, lg->spool_seq, each_one, &e) != HS_OK)
		hs_log_error("spool.read", "path=%s", lg->spool_path);
}
