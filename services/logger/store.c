/*
 * store.c - the logger's PostgreSQL side (store.h).
 *
 * Throughput.  A batch is up to a few thousand raw events and a few hundred calls; sending a
 * statement per row would make the round trips the bottleneck.  Instead each table gets one
 * prepared statement of the form
 *
 *	INSERT INTO t (a, b_ts, ...) SELECT u.a, to_timestamp(u.b_ts / 1000.0), ...
 *	FROM unnest($1::bigint[], $2::bigint[], ...) AS u(a, b_ts, ...) ON CONFLICT ...
 *
 * whose parameters are PostgreSQL array literals, one per column, built in growable
 * buffers (struct arr).  The statements are generated at open from the column tables below
 * (names and types only, never values), so a column's position in the SQL and in the code
 * that fills its array come from one list.
 *
 * Times travel as epoch milliseconds (bigint) and become timestamptz in SQL with
 * to_timestamp(ms / 1000.0): ms / 1000.0 is numeric (exact), and to_timestamp rounds the
 * double to the microsecond, which is exact for any millisecond in timestamptz's range (the
 * test checks the round trip).  0 in a *_ms field means "not (yet)": NULL.
 *
 * COPY.  Raw events go in by COPY in its binary format (raw_row).  The calls and
 * call_segments rows of calls never written before (write_new), and every party (through a
 * staging table, party_sql), go in by COPY too: the same fill code, with the arr helpers in
 * COPY mode (each value a field of COPY's text format, times as "YYYY-MM-DD HH:MM:SS.mmm+00"),
 * sent in pieces.  The COPYs into the tables themselves run under a savepoint; one that meets
 * a row already there (23505) is undone and those rows take the statements above, which never
 * fail on that.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"

#define FETCH_ROWS 1000     /* rows per FETCH of a streaming cursor */
#define MAX_COLS 48         /* the widest bulk statement (calls) */
#define STR_(x) #x
#define STR(x) STR_(x)
#define FAR_FUTURE_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z: "no upper bound" */

/* ---- array literals ------------------------------------------------------------------- */

/*
 * A growable string holding one array literal, {elem,elem,...}.  An allocation failure
 * sets oom and makes every later append a no-op, so the fill code checks once, at the end.
 */
struct arr {
	char *p;
	size_t len, cap;
	bool oom;
	/* COPY mode (copy_begin): the values go to row, as the fields of COPY's text format
	 * (first: the row's first column; ts: epoch ms written as a timestamptz) */
	struct arr *row;
	struct ts_cache *tc;
	bool first, ts;
};

/* The date and time of a second, formatted once for all the events of that second. */
struct ts_cache {
	long long sec;
	bool valid;
	char text[40];
	size_t len;
};

static void
arr_free(struct arr *a)
{
	free(a->p);
	memset(a, 0, sizeof(*a));
}

static bool
arr_reserve(struct arr *a, size_t more)
{
	size_t cap;
	char *p;

	if (a->oom)
		return false;
	if (a->len + more + 1 <= a->cap)
		return true;
	cap = a->cap > 0 ? a->cap : 256;
	while (cap < a->len + more + 1)
		cap *= 2;
	if ((p = realloc(a->p, cap)) == NULL) {
		a->oom = true;
		return false;
	}
	a->p = p;
	a->cap = cap;
	return true;
}

static void
arr_putn(struct arr *a, const char *s, size_t n)
{
	if (!arr_reserve(a, n))
		return;
	memcpy(a->p + a->len, s, n);
	a->len += n;
	a->p[a->len] = '\0';
}

static void
arr_puts(struct arr *a, const char *s)
{
	arr_putn(a, s, strlen(s));
}

static void
arr_putc(struct arr *a, char c)
{
	arr_putn(a, &c, 1);
}

static void
copy_ts(struct arr *a, long long ms, struct ts_cache *tc)
{
	char frac[16];
	int n;

	if (!tc->valid || tc->sec != ms / 1000) {
		time_t t = (time_t)(ms / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		tc->len = strftime(tc->text, sizeof(tc->text), "%Y-%m-%d %H:%M:%S", &tm);
		tc->sec = ms / 1000;
		tc->valid = true;
	}
	arr_putn(a, tc->text, tc->len);
	n = snprintf(frac, sizeof(frac), ".%03d+00", (int)(ms % 1000));
	arr_putn(a, frac, (size_t)n);
}

/* COPY mode: starts a field of a->row (a tab before it, or a newline before a row). */
static struct arr *
copy_field(struct arr *a)
{
	struct arr *r = a->row;

	if (!a->first)
		arr_putc(r, '\t');
	else if (r->len > 0)
		arr_putc(r, '\n');
	return r;
}

/* Starts an empty literal; the buffer is kept from the last use. */
static void
arr_begin(struct arr *a)
{
	a->len = 0;
	a->oom = false;
	arr_putc(a, '{');
}

static void
arr_end(struct arr *a)
{
	arr_putc(a, '}');
}

/* The separator before an element: every element but the first. */
static void
arr_sep(struct arr *a)
{
	if (a->len > 1)
		arr_putc(a, ',');
}

static void
arr_null(struct arr *a)
{
	if (a->row != NULL) {
		arr_putn(copy_field(a), "\\N", 2);
		return;
	}
	arr_sep(a);
	arr_puts(a, "NULL");
}

static void
arr_int(struct arr *a, long long v)
{
	char buf[24];

	if (a->row != NULL) {
		struct arr *r = copy_field(a);

		if (a->ts)
			copy_ts(r, v, a->tc);
		else
			arr_putn(r, buf, (size_t)snprintf(buf, sizeof(buf), "%lld", v));
		return;
	}
	arr_sep(a);
	arr_putn(a, buf, (size_t)snprintf(buf, sizeof(buf), "%lld", v));
}

static void
arr_u64(struct arr *a, uint64_t v)
{
	char buf[24];

	if (a->row != NULL) {
		arr_putn(copy_field(a), buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
		return;
	}
	arr_sep(a);
	arr_putn(a, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

static void
arr_bool(struct arr *a, bool v)
{
	if (a->row != NULL) {
		arr_putc(copy_field(a), v ? 't' : 'f');
		return;
	}
	arr_sep(a);
	arr_putc(a, v ? 't' : 'f');
}

/* A time in epoch ms; 0 is "not set". */
static void
arr_ts(struct arr *a, long long ms)
{
	if (ms == 0)
		arr_null(a);
	else
		arr_int(a, ms);
}

/* Length of the valid UTF-8 sequence s starts with, 0 when it starts none. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0; /* overlong, surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0; /* overlong, above U+10FFFF */
		return 4;
	}
	return 0;
}

/*
 * Text, escaped for an array literal element (" and \ get a backslash) or for COPY's text
 * format (\, tab, newline, carriage return as \\ \t \n \r).  The PBX passes Latin-1 bytes
 * through (proto/oai/oai.md 1.2) and PostgreSQL refuses invalid UTF-8, which would fail the
 * batch again on every retry and stop the logger; so a byte that starts no valid UTF-8
 * sequence is taken as the Latin-1 character it most likely is.
 */
static void
arr_escaped(struct arr *a, const char *s, bool copy)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		const unsigned char *run = p;
		size_t n;

		/* the common case, plain characters, is copied in runs (in COPY's text format a
		 * double quote is one of them: JSON is full of them) */
		if (copy)
			while (*p >= 0x20 && *p < 0x80 && *p != '\\')
				p++;
		else
			while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
				p++;
		arr_putn(a, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '\\' || (*p == '"' && !copy)) {
			arr_putc(a, '\\');
			arr_putc(a, (char)*p++);
		} else if (copy && (*p == '\t' || *p == '\n' || *p == '\r')) {
			arr_putc(a, '\\');
			arr_putc(a, *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r');
			p++;
		} else if ((n = utf8_len(p)) > 0) {
			arr_putn(a, (const char *)p, n);
			p += n;
		} else {
			arr_putc(a, (char)(0xc0 | *p >> 6));
			arr_putc(a, (char)(0x80 | (*p & 0x3f)));
			p++;
		}
	}
}

/* An array literal element. */
static void
arr_text(struct arr *a, const char *s)
{
	if (a->row != NULL) {
		arr_escaped(copy_field(a), s, true);
		return;
	}
	arr_sep(a);
	arr_putc(a, '"');
	arr_escaped(a, s, false);
	arr_putc(a, '"');
}

/* An optional field of the structs, where "" means "not known": NULL. */
static void
arr_opt(struct arr *a, const char *s)
{
	if (s == NULL || *s == '\0')
		arr_null(a);
	else
		arr_text(a, s);
}

/* ---- bulk statements ------------------------------------------------------------------ */

/*
 * A column of a bulk statement: its name in the table and how it travels.  type is the
 * element type of its array, except "ts" (epoch ms as bigint, made timestamptz in SQL) and
 * "text[]" (one array literal per row inside a text array: unnest would flatten a
 * two-dimensional one).
 */
struct col {
	const char *name;
	const char *type;
};

struct bulk {
	const char *stmt;
	const char *table;
	const struct col *cols;
	int ncols;
	const char *extra_col, *extra_expr; /* a column computed in SQL, or NULL */
	const char *conflict;               /* ON CONFLICT target, "" for any */
	bool update;                        /* DO UPDATE every column but the key, else
	                                     * DO NOTHING */
	const char *set_extra;              /* appended to the SET list */
};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Every column the builder owns; tag1..tag5, notes, tags_updated_at are the gateway's. */
static const struct col call_cols[] = {
	{ "call_id", "bigint" }, { "pbx_call_id", "text" }, { "state", "text" },
	{ "call_type", "text" }, { "direction", "text" }, { "trunk_to_trunk", "boolean" },
	{ "conference", "boolean" }, { "created_ts", "ts" }, { "start_ts", "ts" },
	{ "answer_ts", "ts" }, { "end_ts", "ts" }, { "ring_ms", "bigint" },
	{ "talk_ms", "bigint" }, { "hold_ms", "bigint" }, { "max_hold_ms", "bigint" },
	{ "segment_count", "integer" }, { "answered", "boolean" }, { "lost", "boolean" },
	{ "originator", "text" }, { "originator_agent", "text" },
	{ "telephone_number", "text" }, { "cli", "text" }, { "cli_received", "boolean" },
	{ "caller_name", "text" }, { "dialled", "text" }, { "ddi_digits", "text" },
	{ "ddi_received", "boolean" }, { "dnis", "text" }, { "trunk", "text" },
	{ "trunks", "text[]" }, { "account_code", "text" }, { "hunt_group", "text" },
	{ "answering_ext", "text" }, { "answering_agent", "text" },
	{ "first_rang_ext", "text" }, { "first_rang_agent", "text" },
	{ "last_rang_ext", "text" }, { "last_rang_agent", "text" },
	{ "transferred_from", "text" }, { "transferred_from_agent", "text" },
	{ "transferred_to", "text" }, { "transferred_to_agent", "text" },
	{ "end_event", "text" }, { "end_cause", "integer" }, { "end_cause_text", "text" },
	{ "end_reason", "text" }, { "cleared_by", "text" }, { "incomplete", "boolean" },
};

/* The first three are also the key the stale-segment DELETE compares (lg_seg_del). */
static const struct col seg_cols[] = {
	{ "rec_id", "bigint" }, { "call_id", "bigint" }, { "segment_no", "integer" },
	{ "pbx_call_id", "text" }, { "consult", "boolean" }, { "state", "text" },
	{ "call_type", "text" }, { "direction", "text" }, { "start_ts", "ts" },
	{ "answer_ts", "ts" }, { "end_ts", "ts" }, { "ring_ms", "bigint" },
	{ "talk_ms", "bigint" }, { "hold_ms", "bigint" }, { "max_hold_ms", "bigint" },
	{ "answered", "boolean" }, { "originator", "text" }, { "target", "text" },
	{ "hunt_group", "text" }, { "answering_ext", "text" }, { "answering_agent", "text" },
	{ "transferred_from", "text" }, { "transferred_from_agent", "text" },
	{ "transferred_to", "text" }, { "transferred_to_agent", "text" },
	{ "diverted_from", "text" }, { "divert_reason", "text" }, { "trunk", "text" },
	{ "cli", "text" }, { "telephone_number", "text" }, { "account_code", "text" },
	{ "end_event", "text" }, { "end_cause", "integer" }, { "end_cause_text", "text" },
	{ "end_reason", "text" }, { "incomplete", "boolean" },
};

static const struct col party_cols[] = {
	{ "rec_id", "bigint" }, { "device", "text" }, { "device_kind", "text" },
	{ "agent_id", "text" }, { "originator", "boolean" }, { "alerted", "boolean" },
	{ "answered", "boolean" }, { "held", "boolean" }, { "transfer_source", "boolean" },
	{ "transfer_target", "boolean" }, { "conference", "boolean" },
	{ "rang_order", "integer" }, { "join_ts", "ts" }, { "alert_ts", "ts" },
	{ "answer_ts", "ts" }, { "release_ts", "ts" }, { "ring_ms", "bigint" },
	{ "talk_ms", "bigint" }, { "hold_ms", "bigint" },
};

/* A party's user: the owner of the agent logged on there, else of the device. */
#define PARTY_USER                                                                        \
	"coalesce((SELECT d.user_id FROM user_devices d WHERE d.kind = 'agent' AND "       \
	"d.number = u.agent_id), (SELECT d.user_id FROM user_devices d WHERE "             \
	"d.kind = 'extension' AND d.number = u.device))"

static const struct col hold_cols[] = {
	{ "rec_id", "bigint" }, { "device", "text" }, { "start_ts", "ts" },
	{ "end_ts", "ts" }, { "kind", "text" },
};

static const struct col account_cols[] = {
	{ "rec_id", "bigint" }, { "n", "integer" }, { "code", "text" }, { "ts", "ts" },
};

static const struct col acd_cols[] = {
	{ "boot_no", "integer" }, { "seq", "bigint" }, { "n", "smallint" }, { "ts", "ts" },
	{ "agent_id", "text" }, { "agent_name", "text" }, { "device", "text" },
	{ "status", "text" }, { "hunt_group", "text" }, { "dnd_message", "text" },
	{ "dnd_text", "text" },
};

static const struct col dnd_cols[] = {
	{ "boot_no", "integer" }, { "seq", "bigint" }, { "ts", "ts" }, { "device", "text" },
	{ "device_name", "text" }, { "dnd", "boolean" }, { "dnd_message", "text" },
	{ "dnd_text", "text" },
};

enum { B_CALL, B_SEG, B_PARTY, B_HOLD, B_ACCOUNT, B_ACD, B_DND, B_COUNT };

/*
 * Children (parties, holds, account codes) are deleted and inserted again, so duplicates
 * inside one batch can only come from the builder; DO NOTHING keeps the first rather than
 * failing the batch on every retry.
 */
static const struct bulk bulks[B_COUNT] = {
	[B_CALL] = { "lg_call", "calls", call_cols, NCOLS(call_cols), NULL, NULL, "(call_id)",
	    true, "updated_at = now()" },
	[B_SEG] = { "lg_seg", "call_segments", seg_cols, NCOLS(seg_cols), NULL, NULL,
	    "(rec_id)", true, NULL },
	[B_PARTY] = { "lg_party", "segment_parties", party_cols, NCOLS(party_cols), "user_id",
	    PARTY_USER, "", false, NULL },
	[B_HOLD] = { "lg_hold", "hold_intervals", hold_cols, NCOLS(hold_cols), NULL, NULL, "",
	    false, NULL },
	[B_ACCOUNT] = { "lg_account", "account_code_entries", account_cols,
	    NCOLS(account_cols), NULL, NULL, "", false, NULL },
	[B_ACD] = { "lg_acd", "acd_status_events", acd_cols, NCOLS(acd_cols), NULL, NULL, "",
	    false, NULL },
	[B_DND] = { "lg_dnd", "dnd_status_events", dnd_cols, NCOLS(dnd_cols), NULL, NULL, "",
	    false, NULL },
};

/* The INSERT ... SELECT FROM unnest(...) of b (see the top of the file); NULL on OOM. */
static char *
bulk_sql(const struct bulk *b)
{
	struct arr q = { 0 };
	char num[16];
	int i;

	arr_puts(&q, "INSERT INTO ");
	arr_puts(&q, b->table);
	arr_puts(&q, " (");
	for (i = 0; i < b->ncols; i++) {
		arr_puts(&q, i > 0 ? ", " : "");
		arr_puts(&q, b->cols[i].name);
	}
	if (b->extra_col != NULL) {
		arr_puts(&q, ", ");
		arr_puts(&q, b->extra_col);
	}
	arr_puts(&q, ") SELECT ");
	for (i = 0; i < b->ncols; i++) {
		const struct col *c = &b->cols[i];

		arr_puts(&q, i > 0 ? ", " : "");
		if (strcmp(c->type, "ts") == 0) {
			arr_puts(&q, "to_timestamp(u.");
			arr_puts(&q, c->name);
			arr_puts(&q, " / 1000.0)");
		} else {
			arr_puts(&q, "u.");
			arr_puts(&q, c->name);
			if (strcmp(c->type, "text[]") == 0)
				arr_puts(&q, "::text[]");
		}
	}
	if (b->extra_expr != NULL) {
		arr_puts(&q, ", ");
		arr_puts(&q, b->extra_expr);
	}
	arr_puts(&q, " FROM unnest(");
	for (i = 0; i < b->ncols; i++) {
		const char *t = b->cols[i].type;

		if (strcmp(t, "ts") == 0)
			t = "bigint";
		else if (strcmp(t, "text[]") == 0)
			t = "text";
		snprintf(num, sizeof(num), "%s$%d::", i > 0 ? ", " : "", i + 1);
		arr_puts(&q, num);
		arr_puts(&q, t);
		arr_puts(&q, "[]");
	}
	arr_puts(&q, ") AS u(");
	for (i = 0; i < b->ncols; i++) {
		arr_puts(&q, i > 0 ? ", " : "");
		arr_puts(&q, b->cols[i].name);
	}
	arr_puts(&q, ") ON CONFLICT");
	if (*b->conflict != '\0') {
		arr_putc(&q, ' ');
		arr_puts(&q, b->conflict);
	}
	if (!b->update) {
		arr_puts(&q, " DO NOTHING");
	} else {
		arr_puts(&q, " DO UPDATE SET ");
		for (i = 1; i < b->ncols; i++) {
			arr_puts(&q, i > 1 ? ", " : "");
			arr_puts(&q, b->cols[i].name);
			arr_puts(&q, " = EXCLUDED.");
			arr_puts(&q, b->cols[i].name);
		}
		if (b->set_extra != NULL) {
			arr_puts(&q, ", ");
			arr_puts(&q, b->set_extra);
		}
	}
	if (q.oom) {
		free(q.p);
		return NULL;
	}
	return q.p;
}

/* ---- the other statements --------------------------------------------------------------- */

/* timestamptz -> the bus's time format, 2026-11-25T17:20:04.512Z, whatever the session's
 * TimeZone. */
#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define MS(x) "to_timestamp(" x "::bigint / 1000.0)"

static const struct {
	const char *name, *sql;
} statements[] = {
	/* Segments of the dirty calls that are no longer what the builder holds (gone,
	 * renumbered or moved to another call): deleted with their children, so the upsert
	 * never trips over UNIQUE (call_id, segment_no).  $1 the dirty calls, $2..$4 the
	 * rec_id, call_id, segment_no arrays of their current segments. */
	{ "lg_seg_del",
	    "DELETE FROM call_segments s WHERE (s.call_id = ANY($1::bigint[]) OR "
	    "s.rec_id = ANY($2::bigint[])) AND NOT EXISTS (SELECT 1 FROM "
	    "unnest($2::bigint[], $3::bigint[], $4::integer[]) AS u(rec_id, call_id, segment_no) "
	    "WHERE u.rec_id = s.rec_id AND u.call_id = s.call_id AND "
	    "u.segment_no = s.segment_no)" },
	/* The children of the current segments, inserted again right after. */
	{ "lg_child_del",
	    "WITH p AS (DELETE FROM segment_parties WHERE rec_id = ANY($1::bigint[])), "
	    "h AS (DELETE FROM hold_intervals WHERE rec_id = ANY($1::bigint[])) "
	    "DELETE FROM account_code_entries WHERE rec_id = ANY($1::bigint[])" },
	/* Calls another dirty call absorbed (a consultation call first logged on its own): their
	 * segments move to the absorbing call, under the same rec_id.  $1 the absorbed ids, $2
	 * the dirty calls, which are never deleted. */
	{ "lg_absorb_del",
	    "DELETE FROM calls WHERE call_id = ANY($1::bigint[]) AND "
	    "call_id <> ALL($2::bigint[])" },
	{ "lg_progress",
	    "UPDATE event_boots SET applied_seq = greatest(applied_seq, $2::bigint) "
	    "WHERE boot_no = $1::integer" },
	/* Looks before inserting: an INSERT that conflicts still uses up an identity value,
	 * and boot numbers are only 23 bits.  Empty when a concurrent insert won the race. */
	{ "lg_boot",
	    "WITH sel AS (SELECT boot_no, applied_seq FROM event_boots "
	    "WHERE src = $1::text AND boot = $2::text), "
	    "ins AS (INSERT INTO event_boots (src, boot) SELECT $1::text, $2::text "
	    "WHERE NOT EXISTS (SELECT 1 FROM sel) ON CONFLICT (src, boot) DO NOTHING "
	    "RETURNING boot_no, applied_seq) "
	    "SELECT boot_no, applied_seq FROM sel UNION ALL SELECT boot_no, applied_seq FROM ins" },
	{ "lg_last_boot",
	    "SELECT boot, boot_no, applied_seq FROM event_boots WHERE src = $1::text "
	    "ORDER BY first_seen DESC, boot_no DESC LIMIT 1" },
	{ "lg_partitions",
	    "SELECT hs_partition_ensure('call_events_raw', " MS("$1") "), "
	    "hs_partition_ensure('call_events_raw', " MS("$1") " + interval '1 month')" },
	/* The raw journal is streamed through the cursor lg_cur (see stream()). */
	{ "lg_open_cur",
	    "DECLARE lg_cur NO SCROLL CURSOR WITH HOLD FOR "
	    "WITH o AS (SELECT call_id, created_ts FROM calls WHERE state <> 'ended'), "
	    /* PBX call ids are reused: an event belongs to an open call only from its start */
	    "ids AS (SELECT c.pbx_call_id, o.created_ts FROM o JOIN calls c USING (call_id) "
	    "UNION SELECT s.pbx_call_id, o.created_ts FROM o JOIN call_segments s "
	    "USING (call_id)) "
	    "SELECT r.boot_no, r.seq, r.envelope FROM call_events_raw r "
	    "WHERE r.ts >= (SELECT min(created_ts) FROM o) AND "
	    "(r.type IN ('agent.state', 'device.state') OR EXISTS (SELECT 1 FROM ids "
	    "WHERE ids.pbx_call_id = r.pbx_call_id AND r.ts >= ids.created_ts)) "
	    "ORDER BY r.boot_no, r.seq" },
	{ "lg_rebuild_del",
	    "WITH d AS (DELETE FROM calls WHERE start_ts >= " MS("$1") " AND start_ts < "
	    MS("$2") " RETURNING end_ts) "
	    "SELECT count(*), coalesce(bool_or(end_ts IS NULL), false), "
	    "(extract(epoch FROM max(end_ts)) * 1000)::bigint FROM d" },
	{ "lg_rebuild_cur",
	    "DECLARE lg_cur NO SCROLL CURSOR WITH HOLD FOR "
	    "SELECT boot_no, seq, envelope FROM call_events_raw "
	    "WHERE ts >= " MS("$1") " AND ts <= " MS("$2") " ORDER BY boot_no, seq" },
	{ "lg_fetch", "FETCH " STR(FETCH_ROWS) " FROM lg_cur" },
	{ "lg_close", "CLOSE lg_cur" },
	{ "lg_kinds", "SELECT number, kind FROM devices WHERE removed_at IS NULL" },
	/*
	 * calls.list: one JSON text.  Each row is to_jsonb(row) with its times rewritten in
	 * the bus's format; limit + 1 calls are read so "truncated" is known.
	 */
	{ "lg_list",
	    "WITH c AS (SELECT * FROM calls c WHERE c.start_ts >= " MS("$1") " AND "
	    "c.start_ts < " MS("$2") " AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM "
	    "call_segments s JOIN segment_parties p ON p.rec_id = s.rec_id "
	    "WHERE s.call_id = c.call_id AND p.device = $3::text)) "
	    "ORDER BY c.start_ts, c.call_id LIMIT $4::integer + 1), "
	    "page AS (SELECT * FROM c ORDER BY start_ts, call_id LIMIT $4::integer) "
	    "SELECT jsonb_build_object('calls', coalesce((SELECT jsonb_agg("
	    "to_jsonb(page) || jsonb_build_object("
	    "'created_ts', " TS("page.created_ts") ", 'start_ts', " TS("page.start_ts") ", "
	    "'answer_ts', " TS("page.answer_ts") ", 'end_ts', " TS("page.end_ts") ", "
	    "'tags_updated_at', " TS("page.tags_updated_at") ", "
	    "'updated_at', " TS("page.updated_at") ", "
	    "'segments', coalesce((SELECT jsonb_agg(to_jsonb(s) || jsonb_build_object("
	    "'start_ts', " TS("s.start_ts") ", 'answer_ts', " TS("s.answer_ts") ", "
	    "'end_ts', " TS("s.end_ts") ", "
	    "'parties', coalesce((SELECT jsonb_agg(to_jsonb(p) || jsonb_build_object("
	    "'join_ts', " TS("p.join_ts") ", 'alert_ts', " TS("p.alert_ts") ", "
	    "'answer_ts', " TS("p.answer_ts") ", 'release_ts', " TS("p.release_ts") ") "
	    "ORDER BY p.rang_order NULLS LAST, p.device) "
	    "FROM segment_parties p WHERE p.rec_id = s.rec_id), '[]'), "
	    "'holds', coalesce((SELECT jsonb_agg(to_jsonb(h) || jsonb_build_object("
	    "'start_ts', " TS("h.start_ts") ", 'end_ts', " TS("h.end_ts") ") "
	    "ORDER BY h.start_ts, h.device) "
	    "FROM hold_intervals h WHERE h.rec_id = s.rec_id), '[]')) "
	    "ORDER BY s.segment_no) FROM call_segments s WHERE s.call_id = page.call_id), "
	    "'[]')) ORDER BY page.start_ts, page.call_id) FROM page), '[]'), "
	    "'truncated', (SELECT count(*) FROM c) > $4::integer)::text" },
};

/*
 * Parties are a batch's most numerous rows after the raw events, and their user is resolved
 * in SQL (PARTY_USER), so they cannot be COPY'd straight into segment_parties.  They are
 * COPY'd into a session-local staging table instead (created on first use, emptied by every
 * commit or rollback), and go on from there with one INSERT ... SELECT: what the upsert of
 * arrays did (the same columns and values, user_id resolved when the row is written, DO
 * NOTHING on a duplicate, the first kept: the staging table is read in the order it was
 * filled), without parsing nineteen array literals and converting every time from numeric.
 * The statement names a temporary table, so it cannot be prepared at connect: it is text.
 */
#define PARTY_STAGE "lg_party_stage"

static char *
party_sql(void)
{
	const struct bulk *b = &bulks[B_PARTY];
	struct arr q = { 0 };

	arr_puts(&q, "INSERT INTO segment_parties (");
	for (int i = 0; i < b->ncols; i++) {
		arr_puts(&q, i > 0 ? ", " : "");
		arr_puts(&q, b->cols[i].name);
	}
	arr_puts(&q, ", user_id) SELECT ");
	for (int i = 0; i < b->ncols; i++) {
		arr_puts(&q, i > 0 ? ", u." : "u.");
		arr_puts(&q, b->cols[i].name);
	}
	arr_puts(&q, ", " PARTY_USER " FROM " PARTY_STAGE " u ON CONFLICT DO NOTHING");
	if (q.oom) {
		arr_free(&q);
		return NULL;
	}
	return q.p;
}

/* ---- the store ---------------------------------------------------------------------------- */

struct lg_store {
	hs_db *db;
	struct arr cols[MAX_COLS]; /* the columns of the bulk statement being filled */
	struct arr callids;        /* the dirty calls' ids, for lg_seg_del */
	struct arr absorbed;       /* the calls they absorbed, for lg_absorb_del */
	struct arr tmp;            /* a call's trunks, before they become one element */
	struct arr copy;           /* COPY text of new calls or segments (copy_begin) */
	struct ts_cache tc;
	char *copy_sql[B_COUNT];   /* COPY t (columns) FROM STDIN, for B_CALL and B_SEG; for
	                            * B_PARTY into the staging table (write_parties) */
	char *party_sql;           /* the staging table's rows into segment_parties */
	const char *params[MAX_COLS];
	bool cursor_open;          /* lg_cur exists (stream()) */
};

hs_err
lg_store_open(lg_store **sp, hs_db *db)
{
	lg_store *s;
	hs_err err;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return HS_ENOMEM;
	s->db = db;
	for (int i = 0; i < B_COUNT; i++) {
		char *sql;

		if (bulks[i].ncols > MAX_COLS) {
			err = HS_EINTERNAL;
			goto fail;
		}
		if (i == B_PARTY)
			continue; /* parties go through a staging table (write_parties) */
		if ((sql = bulk_sql(&bulks[i])) == NULL) {
			err = HS_ENOMEM;
			goto fail;
		}
		err = hs_db_prepare(db, bulks[i].stmt, sql);
		free(sql);
		if (err != HS_OK)
			goto fail;
	}
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++)
		if ((err = hs_db_prepare(db, statements[i].name, statements[i].sql)) != HS_OK)
			goto fail;
	for (int b = B_CALL; b <= B_PARTY; b++) {
		struct arr q = { 0 };

		if (b == B_PARTY) {
			/* into the staging table, made on first use (party_sql) */
			arr_puts(&q, "CREATE TEMP TABLE IF NOT EXISTS " PARTY_STAGE
			    " (LIKE segment_parties) ON COMMIT DELETE ROWS; COPY " PARTY_STAGE);
		} else {
			arr_puts(&q, "COPY ");
			arr_puts(&q, bulks[b].table);
		}
		arr_puts(&q, " (");
		for (int i = 0; i < bulks[b].ncols; i++) {
			arr_puts(&q, i > 0 ? ", " : "");
			arr_puts(&q, bulks[b].cols[i].name);
		}
		arr_puts(&q, ") FROM STDIN");
		if (q.oom) {
			arr_free(&q);
			err = HS_ENOMEM;
			goto fail;
		}
		s->copy_sql[b] = q.p;
	}
	if ((s->party_sql = party_sql()) == NULL) {
		err = HS_ENOMEM;
		goto fail;
	}
	*sp = s;
	return HS_OK;
fail:
	lg_store_close(s);
	return err;
}

void
lg_store_close(lg_store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < MAX_COLS; i++)
		arr_free(&s->cols[i]);
	arr_free(&s->callids);
	arr_free(&s->absorbed);
	arr_free(&s->tmp);
	arr_free(&s->copy);
	for (int i = 0; i < B_COUNT; i++)
		free(s->copy_sql[i]);
	free(s->party_sql);
	free(s);
}

/* Starts filling the columns of bulk statement b. */
static struct arr *
bulk_begin(lg_store *s, int b)
{
	for (int i = 0; i < bulks[b].ncols; i++)
		arr_begin(&s->cols[i]);
	return s->cols;
}

/* Closes the arrays of b.  end is one past the last column the fill code wrote to, for the
 * check that it wrote one value per column (NULL: no rows). */
static hs_err
bulk_close(lg_store *s, int b, const struct arr *end)
{
	int n = bulks[b].ncols;

	if (end != NULL && end != s->cols + n)
		return HS_EINTERNAL;
	for (int i = 0; i < n; i++) {
		arr_end(&s->cols[i]);
		if (s->cols[i].oom)
			return HS_ENOMEM;
		s->params[i] = s->cols[i].p;
	}
	return HS_OK;
}

static hs_err
bulk_run(lg_store *s, int b)
{
	return hs_db_exec(s->db, bulks[b].stmt, bulks[b].ncols, s->params, NULL);
}

static hs_err
bulk_exec(lg_store *s, int b, const struct arr *end)
{
	hs_err err = bulk_close(s, b, end);

	return err != HS_OK ? err : bulk_run(s, b);
}

/*
 * New calls (struct lg_call.stored false: never written) are most of a batch's calls while
 * catching up, and for them an upsert does more than it needs (array literals parsed and
 * unnested, a conflict check per row): their calls and call_segments rows go in by COPY
 * instead, the same values through the same fill code (the arr helpers in COPY mode).  A
 * row that is there after all (written by an earlier run, or a rebuild) makes the COPY fail:
 * then everything goes through the upserts, as before.
 */
enum { SEL_ALL, SEL_OLD, SEL_NEW };

static bool
is_new(const struct lg_call *c)
{
	/* an absorbing call's segments may be rows of the call it absorbed */
	return !c->stored && c->nabsorbed == 0;
}

static bool
selected(const struct lg_call *c, int sel)
{
	return sel == SEL_ALL || (sel == SEL_NEW) == is_new(c);
}

/* Starts filling the columns of bulk statement b as rows of a COPY, in s->copy. */
static struct arr *
copy_begin(lg_store *s, int b)
{
	s->copy.len = 0;
	s->copy.oom = false;
	s->tc.valid = false;
	for (int i = 0; i < bulks[b].ncols; i++) {
		struct arr *a = &s->cols[i];

		a->row = &s->copy;
		a->tc = &s->tc;
		a->first = i == 0;
		a->ts = strcmp(bulks[b].cols[i].type, "ts") == 0;
	}
	return s->cols;
}

/* Ends COPY mode; end is as for bulk_close (NULL: no rows). */
static hs_err
copy_end(lg_store *s, int b, const struct arr *end)
{
	for (int i = 0; i < bulks[b].ncols; i++)
		s->cols[i].row = NULL;
	if (end != NULL && end != s->cols + bulks[b].ncols)
		return HS_EINTERNAL;
	if (end != NULL)
		arr_putc(&s->copy, '\n');
	return s->copy.oom ? HS_ENOMEM : HS_OK;
}

/* Sends text (COPY's text format) to `sql`, a COPY ... FROM STDIN, in pieces.  On failure
 * the reason is in *sqlstate (unique_violation is 23505). */
static hs_err
copy_send(lg_store *s, const char *sql, const char *text, size_t len, char *sqlstate,
    size_t statelen)
{
	PGconn *conn = hs_db_conn(s->db);
	PGresult *res = PQexec(conn, sql);
	hs_err rv = HS_OK;

	snprintf(sqlstate, statelen, "%s", "");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		return HS_EDB;
	}
	PQclear(res);
	for (size_t off = 0; off < len && rv == HS_OK; off += (256 << 10)) {
		size_t n = len - off < (256 << 10) ? len - off : (256 << 10);

		if (PQputCopyData(conn, text + off, (int)n) != 1)
			rv = HS_EDB;
	}
	if (PQputCopyEnd(conn, NULL) != 1 && rv == HS_OK)
		rv = HS_EDB;
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			snprintf(sqlstate, statelen, "%s", st != NULL ? st : "");
			if (rv == HS_OK)
				rv = HS_EDB;
		}
		PQclear(res);
	}
	return rv;
}

/* ---- writing a batch -------------------------------------------------------------------- */


#define COPY_CHUNK (256 << 10) /* COPY data is sent in pieces of about this size */

/* PostgreSQL's epoch (2000-01-01 UTC) in Unix milliseconds: timestamptz's binary form is
 * microseconds since then. */
#define PG_EPOCH_MS 946684800000LL

static void
put_be(struct arr *a, uint64_t v, int bytes)
{
	char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (char)(v >> (8 * (bytes - 1 - i)));
	arr_putn(a, b, (size_t)bytes);
}

/* A text field of COPY's binary format: its length, then s as arr_escaped would make it
 * valid UTF-8 (a stray Latin-1 byte becomes its character), nothing escaped. */
static void
bin_text(struct arr *a, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t at = a->len, n;

	put_be(a, 0, 4); /* the length, filled in below */
	while (*p != '\0') {
		const unsigned char *run = p;

		while (*p != '\0' && *p < 0x80)
			p++;
		arr_putn(a, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if ((n = utf8_len(p)) > 0) {
			arr_putn(a, (const char *)p, n);
			p += n;
		} else {
			arr_putc(a, (char)(0xc0 | *p >> 6));
			arr_putc(a, (char)(0x80 | (*p & 0x3f)));
			p++;
		}
	}
	if (!a->oom) {
		n = a->len - at - 4;
		for (int i = 0; i < 4; i++)
			a->p[at + (size_t)i] = (char)(n >> (8 * (3 - i)));
	}
}

/*
 * One raw event as a row of COPY's binary format, appended to a.  Binary, not text: the
 * envelope (most of the bytes) is neither escaped here nor scanned for escapes and
 * delimiters by the server, and the time is a number, not a date to parse: the same values,
 * at about a tenth less of the server's time for this, a batch's largest statement.
 */
static void
raw_row(struct arr *a, const struct lg_raw *r)
{
	put_be(a, 6, 2); /* fields */
	put_be(a, 8, 4);
	put_be(a, (uint64_t)((r->ms - PG_EPOCH_MS) * 1000), 8);
	put_be(a, 4, 4);
	put_be(a, (uint64_t)(uint32_t)r->boot_no, 4);
	put_be(a, 8, 4);
	put_be(a, r->seq, 8);
	bin_text(a, r->type != NULL ? r->type : "");
	if (r->pbx_call_id != NULL && r->pbx_call_id[0] != '\0')
		bin_text(a, r->pbx_call_id);
	else
		put_be(a, UINT32_MAX, 4); /* -1: NULL */
	bin_text(a, r->envelope != NULL ? r->envelope : "");
}

/*
 * COPYs the raw events to `sql` (a COPY ... FROM STDIN (FORMAT binary)).  The rows are made
 * and sent in pieces, so PostgreSQL reads one while the next is made, and no buffer (ours or
 * libpq's) grows to the size of the batch.  On failure the reason is in *sqlstate
 * (unique_violation is 23505).
 */
static hs_err
copy_raw(lg_store *s, const char *sql, const struct lg_raw *raw, size_t nraw, char *sqlstate,
    size_t len)
{
	PGconn *conn = hs_db_conn(s->db);
	PGresult *res = PQexec(conn, sql);
	struct arr *a = &s->tmp;
	hs_err rv = HS_OK;

	snprintf(sqlstate, len, "%s", "");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		return HS_EDB;
	}
	PQclear(res);
	a->len = 0;
	a->oom = false;
	/* the binary format's header: signature, flags, no extension */
	arr_putn(a, "PGCOPY\n\377\r\n\0", 11);
	put_be(a, 0, 4);
	put_be(a, 0, 4);
	for (size_t i = 0; i < nraw && rv == HS_OK; i++) {
		raw_row(a, &raw[i]);
		if (i + 1 == nraw)
			put_be(a, UINT16_MAX, 2); /* the trailer, -1 */
		if (a->oom)
			rv = HS_ENOMEM;
		else if ((a->len >= COPY_CHUNK || i + 1 == nraw) &&
		    PQputCopyData(conn, a->p, (int)a->len) != 1)
			rv = HS_EDB;
		else if (a->len >= COPY_CHUNK || i + 1 == nraw)
			a->len = 0;
	}
	if (PQputCopyEnd(conn, rv == HS_ENOMEM ? "out of memory" : NULL) != 1 && rv == HS_OK)
		rv = HS_EDB;
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			snprintf(sqlstate, len, "%s", st != NULL ? st : "");
			if (rv == HS_OK)
				rv = HS_EDB;
		}
		PQclear(res);
	}
	return rv;
}

/*
 * Raw events are most of a batch's bytes, so they go in by COPY (in its binary format: no
 * quoting or escaping of the JSON at all).  Normally none of them is there yet, so
 * they are COPY'd straight in, under a savepoint; if some are (a replay of a batch written
 * before a crash, a spool drained in chunks), the savepoint is undone and they go through a
 * session-local staging table and INSERT ... ON CONFLICT DO NOTHING.  The statements carry
 * no values: no SQL is built from data.
 */
static hs_err
write_raw(lg_store *s, const struct lg_raw *raw, size_t nraw)
{
	char state[8];
	hs_err err;

	if (nraw == 0)
		return HS_OK;
	if (hs_db_exec_sql(s->db, "SAVEPOINT lg_raw", NULL) != HS_OK)
		return HS_EDB;
	if ((err = copy_raw(s, "COPY call_events_raw (ts, boot_no, seq, type, pbx_call_id, "
	    "envelope) FROM STDIN (FORMAT binary)", raw, nraw, state, sizeof(state))) == HS_OK)
		return hs_db_exec_sql(s->db, "RELEASE SAVEPOINT lg_raw", NULL);
	if (err == HS_ENOMEM)
		return err;
	if (strcmp(state, "23505") != 0) {
		hs_log_warn("store.copy", "error=%s",
		    hs_logq(PQerrorMessage(hs_db_conn(s->db))));
		return HS_EDB;
	}
	if (hs_db_exec_sql(s->db, "ROLLBACK TO SAVEPOINT lg_raw; "
	    "CREATE TEMP TABLE IF NOT EXISTS lg_raw_stage (LIKE call_events_raw) "
	    "ON COMMIT DELETE ROWS", NULL) != HS_OK)
		return HS_EDB;
	if ((err = copy_raw(s, "COPY lg_raw_stage (ts, boot_no, seq, type, pbx_call_id, "
	    "envelope) FROM STDIN (FORMAT binary)", raw, nraw, state, sizeof(state))) != HS_OK) {
		if (err != HS_ENOMEM)
			hs_log_warn("store.copy", "error=%s",
			    hs_logq(PQerrorMessage(hs_db_conn(s->db))));
		return err;
	}
	return hs_db_exec_sql(s->db, "INSERT INTO call_events_raw SELECT * FROM lg_raw_stage "
	    "ON CONFLICT DO NOTHING; TRUNCATE lg_raw_stage", NULL);
}

/* Who ended a call or segment: NULL columns until it ends, and for an unknown cause. */
static void
put_end(struct arr **ap, const struct lg_end *e)
{
	struct arr *a = *ap;

	arr_opt(a++, e->event);
	if (e->event[0] != '\0' && e->cause >= 0)
		arr_int(a++, e->cause);
	else
		arr_null(a++);
	arr_opt(a++, e->cause_text);
	arr_opt(a++, e->reason);
	*ap = a;
}

/* The trunks of c as one array literal, in s->tmp. */
static const char *
trunks_literal(lg_store *s, const struct lg_call *c)
{
	arr_begin(&s->tmp);
	for (int i = 0; i < c->ntrunks && i < (int)(sizeof(c->trunks) / sizeof(c->trunks[0]));
	    i++)
		arr_text(&s->tmp, c->trunks[i]);
	arr_end(&s->tmp);
	return s->tmp.oom ? NULL : s->tmp.p;
}

/* The calls rows of the dirty calls sel picks: upserted, or with SEL_NEW made the COPY text
 * in s->copy (for write_new to send). */
static hs_err
write_calls(lg_store *s, const struct lg_call *dirty, int sel)
{
	struct arr *a = s->cols;
	int nabsorbed = 0;
	size_t n = 0;
	hs_err err;

	if (sel == SEL_NEW)
		copy_begin(s, B_CALL);
	else
		bulk_begin(s, B_CALL);
	arr_begin(&s->callids);
	arr_begin(&s->absorbed);
	for (const struct lg_call *c = dirty; c != NULL; c = c->next_dirty) {
		/* only an inbound external call has received a CLI and DDI, or not */
		bool inbound = c->external && c->direction == LG_DIR_IN;
		const char *trunks;

		if (!selected(c, sel))
			continue;
		n++;
		if ((trunks = trunks_literal(s, c)) == NULL)
			return HS_ENOMEM;
		arr_int(&s->callids, c->call_id);
		for (int i = 0; i < c->nabsorbed && i < LG_MAX_LEGS; i++, nabsorbed++)
			arr_int(&s->absorbed, c->absorbed[i]);
		a = s->cols;
		arr_int(a++, c->call_id);
		arr_text(a++, c->pbx_call_id);
		arr_text(a++, lg_state_name(c->state));
		arr_text(a++, c->external ? "external" : "internal");
		arr_text(a++, lg_dir_name(c->direction));
		arr_bool(a++, c->trunk_to_trunk);
		arr_bool(a++, c->conference);
		arr_int(a++, c->created_ms);
		arr_int(a++, c->start_ms != 0 ? c->start_ms : c->created_ms);
		arr_ts(a++, c->answer_ms);
		arr_ts(a++, c->end_ms);
		arr_int(a++, c->ring_ms);
		arr_int(a++, c->talk_ms);
		arr_int(a++, c->hold_ms);
		arr_int(a++, c->max_hold_ms);
		arr_int(a++, c->nsegs);
		arr_bool(a++, c->answered);
		arr_bool(a++, c->lost);
		arr_opt(a++, c->originator);
		arr_opt(a++, c->originator_agent);
		arr_opt(a++, c->telephone_number);
		arr_opt(a++, c->cli);
		if (inbound)
			arr_bool(a++, c->cli_received);
		else
			arr_null(a++);
		arr_opt(a++, c->caller_name);
		arr_opt(a++, c->dialled);
		arr_opt(a++, c->ddi);
		if (inbound)
			arr_bool(a++, c->ddi_received);
		else
			arr_null(a++);
		arr_opt(a++, c->dnis);
		arr_opt(a++, c->trunk);
		arr_text(a++, trunks);
		arr_opt(a++, c->account_code);
		arr_opt(a++, c->hunt_group);
		arr_opt(a++, c->answering_ext);
		arr_opt(a++, c->answering_agent);
		arr_opt(a++, c->first_rang_ext);
		arr_opt(a++, c->first_rang_agent);
		arr_opt(a++, c->last_rang_ext);
		arr_opt(a++, c->last_rang_agent);
		arr_opt(a++, c->transferred_from);
		arr_opt(a++, c->transferred_from_agent);
		arr_opt(a++, c->transferred_to);
		arr_opt(a++, c->transferred_to_agent);
		put_end(&a, &c->end);
		arr_opt(a++, c->cleared_by);
		arr_bool(a++, c->incomplete);
	}
	arr_end(&s->callids);
	arr_end(&s->absorbed);
	if (sel == SEL_NEW)
		return copy_end(s, B_CALL, n > 0 ? a : NULL);
	if (s->callids.oom || s->absorbed.oom)
		return HS_ENOMEM;
	if (nabsorbed > 0) {
		const char *p[2] = { s->absorbed.p, s->callids.p };

		if ((err = hs_db_exec(s->db, "lg_absorb_del", 2, p, NULL)) != HS_OK)
			return err;
	}
	return bulk_exec(s, B_CALL, a);
}

/* The segments of the dirty calls sel picks (stale ones deleted first) and the deletion of
 * their children; *nsegs gets their number.  With SEL_NEW: their COPY text, in s->copy. */
static hs_err
write_segments(lg_store *s, const struct lg_call *dirty, size_t *nsegs, int sel)
{
	struct arr *a = s->cols;
	const char *p[4];
	hs_err err;

	*nsegs = 0;
	if (sel == SEL_NEW)
		copy_begin(s, B_SEG);
	else
		bulk_begin(s, B_SEG);
	for (const struct lg_call *c = dirty; c != NULL; c = c->next_dirty) {
		if (!selected(c, sel))
			continue;
		for (int i = 0; i < c->nsegs; i++, (*nsegs)++) {
			const struct lg_segment *g = &c->segs[i];

			a = s->cols;
			arr_int(a++, g->rec_id);
			arr_int(a++, c->call_id);
			arr_int(a++, g->no);
			arr_text(a++, g->pbx_call_id);
			arr_bool(a++, g->consult);
			arr_text(a++, lg_state_name(g->state));
			arr_text(a++, g->external ? "external" : "internal");
			arr_text(a++, lg_dir_name(g->direction));
			arr_int(a++, g->start_ms != 0 ? g->start_ms : c->start_ms);
			arr_ts(a++, g->answer_ms);
			arr_ts(a++, g->end_ms);
			arr_int(a++, g->ring_ms);
			arr_int(a++, g->talk_ms);
			arr_int(a++, g->hold_ms);
			arr_int(a++, g->max_hold_ms);
			arr_bool(a++, g->answered);
			arr_opt(a++, g->originator);
			arr_opt(a++, g->target);
			arr_opt(a++, g->hunt_group);
			arr_opt(a++, g->answering_ext);
			arr_opt(a++, g->answering_agent);
			arr_opt(a++, g->transferred_from);
			arr_opt(a++, g->transferred_from_agent);
			arr_opt(a++, g->transferred_to);
			arr_opt(a++, g->transferred_to_agent);
			arr_opt(a++, g->diverted_from);
			arr_opt(a++, g->divert_reason);
			arr_opt(a++, g->trunk);
			arr_opt(a++, g->cli);
			arr_opt(a++, g->telephone_number);
			arr_opt(a++, g->account_code);
			put_end(&a, &g->end);
			arr_bool(a++, g->incomplete);
		}
	}
	if (sel == SEL_NEW)
		return copy_end(s, B_SEG, *nsegs > 0 ? a : NULL);
	if ((err = bulk_close(s, B_SEG, *nsegs > 0 ? a : NULL)) != HS_OK)
		return err;
	/* The stale segments go first; lg_seg_del reads the first three columns. */
	p[0] = s->callids.p;
	p[1] = s->params[0];
	p[2] = s->params[1];
	p[3] = s->params[2];
	if ((err = hs_db_exec(s->db, "lg_seg_del", 4, p, NULL)) != HS_OK || *nsegs == 0)
		return err;
	if ((err = bulk_run(s, B_SEG)) != HS_OK)
		return err;
	/* ... and the children of the segments written are replaced */
	return hs_db_exec(s->db, "lg_child_del", 1, p + 1, NULL);
}

/* The parties of every segment of the dirty calls, through the staging table (party_sql). */
static hs_err
write_parties(lg_store *s, const struct lg_call *dirty)
{
	struct arr *a = s->cols;
	char state[8];
	size_t n = 0;
	hs_err err;

	copy_begin(s, B_PARTY);
	for (const struct lg_call *c = dirty; c != NULL; c = c->next_dirty) {
		for (int i = 0; i < c->nsegs; i++) {
			const struct lg_segment *g = &c->segs[i];

			for (int j = 0; j < g->nparties; j++, n++) {
				const struct lg_party *pt = &g->parties[j];

				a = s->cols;
				arr_int(a++, g->rec_id);
				arr_text(a++, pt->device);
				arr_text(a++, lg_kind_name(pt->kind));
				arr_opt(a++, pt->agent);
				arr_bool(a++, pt->roles & LG_P_ORIGINATOR);
				arr_bool(a++, pt->roles & LG_P_ALERTED);
				arr_bool(a++, pt->roles & LG_P_ANSWERED);
				arr_bool(a++, pt->roles & LG_P_HELD);
				arr_bool(a++, pt->roles & LG_P_XFER_SOURCE);
				arr_bool(a++, pt->roles & LG_P_XFER_TARGET);
				arr_bool(a++, pt->roles & LG_P_CONFERENCE);
				if (pt->rang_order > 0)
					arr_int(a++, pt->rang_order);
				else
					arr_null(a++);
				arr_int(a++, pt->join_ms != 0 ? pt->join_ms : g->start_ms);
				arr_ts(a++, pt->alert_ms);
				arr_ts(a++, pt->answer_ms);
				arr_ts(a++, pt->release_ms);
				arr_int(a++, pt->ring_ms);
				arr_int(a++, pt->talk_ms);
				arr_int(a++, pt->hold_ms);
			}
		}
	}
	if ((err = copy_end(s, B_PARTY, n > 0 ? a : NULL)) != HS_OK || n == 0)
		return err;
	if ((err = copy_send(s, s->copy_sql[B_PARTY], s->copy.p, s->copy.len, state,
	    sizeof(state))) != HS_OK) {
		if (err == HS_EDB)
			hs_log_warn("store.copy", "error=%s",
			    hs_logq(PQerrorMessage(hs_db_conn(s->db))));
		return err;
	}
	return hs_db_exec_sql(s->db, s->party_sql, NULL);
}

static hs_err
write_holds(lg_store *s, const struct lg_call *dirty)
{
	struct arr *a = s->cols;
	size_t n = 0;

	bulk_begin(s, B_HOLD);
	for (const struct lg_call *c = dirty; c != NULL; c = c->next_dirty) {
		for (int i = 0; i < c->nsegs; i++) {
			const struct lg_segment *g = &c->segs[i];

			for (int j = 0; j < g->nholds; j++, n++) {
				const struct lg_hold *h = &g->holds[j];

				a = s->cols;
				arr_int(a++, g->rec_id);
				arr_text(a++, h->device);
				arr_int(a++, h->start_ms);
				arr_ts(a++, h->end_ms);
				arr_text(a++, lg_hold_kind_name(h->kind));
			}
		}
	}
	return n > 0 ? bulk_exec(s, B_HOLD, a) : HS_OK;
}

static hs_err
write_accounts(lg_store *s, const struct lg_call *dirty)
{
	struct arr *a = s->cols;
	size_t n = 0;

	bulk_begin(s, B_ACCOUNT);
	for (const struct lg_call *c = dirty; c != NULL; c = c->next_dirty) {
		for (int i = 0; i < c->nsegs; i++) {
			const struct lg_segment *g = &c->segs[i];

			for (int j = 0; j < g->naccounts; j++, n++) {
				a = s->cols;
				arr_int(a++, g->rec_id);
				arr_int(a++, j + 1);
				arr_text(a++, g->accounts[j].code);
				arr_int(a++, g->accounts[j].ms);
			}
		}
	}
	return n > 0 ? bulk_exec(s, B_ACCOUNT, a) : HS_OK;
}

/* The ACD rows (acd) or the DND rows (!acd) of st. */
static hs_err
write_status(lg_store *s, const struct lg_status_row *st, size_t nst, bool acd)
{
	int b = acd ? B_ACD : B_DND;
	struct arr *a = s->cols;
	size_t n = 0;

	bulk_begin(s, b);
	for (size_t i = 0; i < nst; i++) {
		const struct lg_status *r = &st[i].st;

		if (r->acd != acd)
			continue;
		n++;
		a = s->cols;
		arr_int(a++, st[i].boot_no);
		arr_u64(a++, st[i].seq);
		if (acd)
			arr_int(a++, r->n);
		arr_int(a++, r->ms);
		arr_text(a++, r->who);
		arr_opt(a++, r->name);
		if (acd) {
			arr_opt(a++, r->device);
			arr_text(a++, r->status);
			arr_opt(a++, r->hunt_group);
		} else {
			arr_bool(a++, r->dnd);
		}
		arr_opt(a++, r->dnd_message);
		arr_opt(a++, r->dnd_text);
	}
	return n > 0 ? bulk_exec(s, b, a) : HS_OK;
}

/* The calls and call_segments rows of the new dirty calls, by COPY under a savepoint.
 * *done is false when one was there already: the savepoint is undone, and they go with the
 * rest through the upserts. */
static hs_err
write_new(lg_store *s, const struct lg_call *dirty, bool *done)
{
	char state[8];
	size_t n;
	hs_err err;

	*done = false;
	if (hs_db_exec_sql(s->db, "SAVEPOINT lg_new", NULL) != HS_OK)
		return HS_EDB;
	if ((err = write_calls(s, dirty, SEL_NEW)) != HS_OK ||
	    (err = copy_send(s, s->copy_sql[B_CALL], s->copy.p, s->copy.len, state,
		sizeof(state))) != HS_OK ||
	    (err = write_segments(s, dirty, &n, SEL_NEW)) != HS_OK ||
	    (n > 0 && (err = copy_send(s, s->copy_sql[B_SEG], s->copy.p, s->copy.len, state,
		sizeof(state))) != HS_OK)) {
		if (err != HS_EDB || strcmp(state, "23505") != 0) {
			if (err == HS_EDB)
				hs_log_warn("store.copy", "error=%s",
				    hs_logq(PQerrorMessage(hs_db_conn(s->db))));
			return err;
		}
		return hs_db_exec_sql(s->db, "ROLLBACK TO SAVEPOINT lg_new", NULL);
	}
	*done = true;
	return hs_db_exec_sql(s->db, "RELEASE SAVEPOINT lg_new", NULL);
}

hs_err
lg_store_write(lg_store *s, const struct lg_raw *raw, size_t nraw, struct lg_call *dirty,
    const struct lg_status_row *st, size_t nst, int boot_no, uint64_t applied)
{
	char bno[16], seq[24];
	const char *p[2] = { bno, seq };
	size_t nsegs = 0, nnew = 0, nold = 0, newsegs = 0;
	int sel = SEL_ALL;
	hs_err err;

	if ((err = hs_db_begin(s->db)) != HS_OK)
		return err;
	if ((err = write_raw(s, raw, nraw)) != HS_OK)
		goto fail;
	for (const struct lg_call *c = dirty; c != NULL; c = c->next_dirty) {
		if (is_new(c)) {
			nnew++;
			newsegs += (size_t)c->nsegs;
		} else {
			nold++;
		}
	}
	if (nnew > 0) {
		bool done;

		if ((err = write_new(s, dirty, &done)) != HS_OK)
			goto fail;
		if (done)
			sel = SEL_OLD;
	}
	if (dirty != NULL) {
		if ((sel == SEL_ALL || nold > 0) &&
		    ((err = write_calls(s, dirty, sel)) != HS_OK ||
		    (err = write_segments(s, dirty, &nsegs, sel)) != HS_OK))
			goto fail;
		if (sel == SEL_OLD)
			nsegs += newsegs;
		/* children: of every segment (those of the upserted ones were deleted) */
		if (nsegs > 0 && ((err = write_parties(s, dirty)) != HS_OK ||
		    (err = write_holds(s, dirty)) != HS_OK ||
		    (err = write_accounts(s, dirty)) != HS_OK))
			goto fail;
	}
	if ((err = write_status(s, st, nst, true)) != HS_OK ||
	    (err = write_status(s, st, nst, false)) != HS_OK)
		goto fail;
	snprintf(bno, sizeof(bno), "%d", boot_no);
	snprintf(seq, sizeof(seq), "%" PRIu64, applied);
	if ((err = hs_db_exec(s->db, "lg_progress", 2, p, NULL)) != HS_OK ||
	    (err = hs_db_commit(s->db)) != HS_OK)
		goto fail;
	return HS_OK;
fail:
	hs_db_rollback(s->db);
	return err;
}

/* ---- boots and partitions --------------------------------------------------------------- */

hs_err
lg_store_boot(lg_store *s, const char *src, uint64_t boot, int *boot_no,
    uint64_t *applied_seq)
{
	char hex[17];
	const char *p[2] = { src, hex };
	PGresult *r;
	hs_err err;

	snprintf(hex, sizeof(hex), "%016" PRIx64, boot);
	/* a second try finds the row a concurrent insert made */
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((err = hs_db_exec(s->db, "lg_boot", 2, p, &r)) != HS_OK)
			return err;
		if (PQntuples(r) == 1) {
			*boot_no = atoi(PQgetvalue(r, 0, 0));
			*applied_seq = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
			PQclear(r);
			return HS_OK;
		}
		PQclear(r);
	}
	return HS_EDB;
}

hs_err
lg_store_last_boot(lg_store *s, const char *src, uint64_t *boot, int *boot_no,
    uint64_t *applied_seq)
{
	const char *p[1] = { src };
	PGresult *r;
	hs_err err;

	*boot = 0;
	*boot_no = 0;
	*applied_seq = 0;
	if ((err = hs_db_exec(s->db, "lg_last_boot", 1, p, &r)) != HS_OK)
		return err;
	if (PQntuples(r) == 1) {
		*boot = strtoull(PQgetvalue(r, 0, 0), NULL, 16);
		*boot_no = atoi(PQgetvalue(r, 0, 1));
		*applied_seq = strtoull(PQgetvalue(r, 0, 2), NULL, 10);
	}
	PQclear(r);
	return HS_OK;
}

hs_err
lg_store_partitions(lg_store *s, long long ms)
{
	char t[24];
	const char *p[1] = { t };

	snprintf(t, sizeof(t), "%lld", ms);
	return hs_db_exec(s->db, "lg_partitions", 1, p, NULL);
}

/* ---- streaming the raw journal ---------------------------------------------------------- */

/*
 * Runs the DECLARE statement decl and hands fn every row of lg_cur, FETCH_ROWS at a time,
 * so memory stays bounded however large the range.
 *
 * The cursor is WITH HOLD: its transaction commits at once (the server keeps the result,
 * spilling to disk if large), and the FETCHes run outside any transaction.  So fn may use
 * the connection, as a rebuild does: it writes the calls it finished with lg_store_write
 * while the stream goes on.
 */
static hs_err
cursor_declare(lg_store *s, const char *decl, int nparams, const char *const *params)
{
	hs_err err;

	/* A held cursor outlives transactions: one left by a stream that failed is closed
	 * now, not then, so hs_db_error() still told that failure.  (A reconnect dropped it
	 * already: the CLOSE then fails, harmlessly.) */
	if (s->cursor_open) {
		(void)hs_db_exec(s->db, "lg_close", 0, NULL, NULL);
		s->cursor_open = false;
	}
	if ((err = hs_db_begin(s->db)) != HS_OK)
		return err;
	if ((err = hs_db_exec(s->db, decl, nparams, params, NULL)) != HS_OK ||
	    (err = hs_db_commit(s->db)) != HS_OK) {
		hs_db_rollback(s->db);
		return err;
	}
	s->cursor_open = true;
	return HS_OK;
}

/* The next FETCH_ROWS rows of the cursor to fn; *done (and the cursor closed) after the
 * last. */
static hs_err
cursor_fetch(lg_store *s, lg_raw_fn fn, void *arg, bool *done)
{
	PGresult *r;
	hs_err err;
	int n;

	*done = false;
	if ((err = hs_db_exec(s->db, "lg_fetch", 0, NULL, &r)) != HS_OK)
		return err;
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		fn(arg, atoi(PQgetvalue(r, i, 0)), strtoull(PQgetvalue(r, i, 1), NULL, 10),
		    PQgetvalue(r, i, 2));
	PQclear(r);
	if (n == FETCH_ROWS)
		return HS_OK;
	*done = true;
	if ((err = hs_db_exec(s->db, "lg_close", 0, NULL, NULL)) != HS_OK)
		return err;
	s->cursor_open = false;
	return HS_OK;
}

static hs_err
stream(lg_store *s, const char *decl, int nparams, const char *const *params, lg_raw_fn fn,
    void *arg)
{
	bool done = false;
	hs_err err = cursor_declare(s, decl, nparams, params);

	while (err == HS_OK && !done)
		err = cursor_fetch(s, fn, arg, &done);
	return err;
}

hs_err
lg_store_open_events(lg_store *s, lg_raw_fn fn, void *arg)
{
	return stream(s, "lg_open_cur", 0, NULL, fn, arg);
}

/*
 * The DELETE commits on its own before streaming: the caller writes the rebuilt calls with
 * lg_store_write, in transactions of its own, as it goes (stream() allows that).  The
 * stream runs to the end of the latest deleted call (to_ms at least), or to the end of the
 * journal when one of them never ended.
 */
hs_err
lg_store_rebuild_begin(lg_store *s, long long from_ms, long long to_ms,
    long long margin_ms, long long *deleted)
{
	char lo[24], hi[24];
	const char *p[2] = { lo, hi };
	long long until = to_ms;
	PGresult *r;
	hs_err err;

	*deleted = 0;
	snprintf(lo, sizeof(lo), "%lld", from_ms);
	snprintf(hi, sizeof(hi), "%lld", to_ms);
	if ((err = hs_db_begin(s->db)) != HS_OK)
		return err;
	if ((err = hs_db_exec(s->db, "lg_rebuild_del", 2, p, &r)) != HS_OK) {
		hs_db_rollback(s->db);
		return err;
	}
	*deleted = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	if (strcmp(PQgetvalue(r, 0, 1), "t") == 0)
		until = FAR_FUTURE_MS;
	else if (!PQgetisnull(r, 0, 2) && strtoll(PQgetvalue(r, 0, 2), NULL, 10) > until)
		until = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	if ((err = hs_db_commit(s->db)) != HS_OK) {
		*deleted = 0;
		hs_db_rollback(s->db);
		return err;
	}
	snprintf(lo, sizeof(lo), "%lld", from_ms - margin_ms);
	snprintf(hi, sizeof(hi), "%lld", until);
	return cursor_declare(s, "lg_rebuild_cur", 2, p);
}

hs_err
lg_store_rebuild_next(lg_store *s, lg_raw_fn fn, void *arg, bool *done)
{
	return cursor_fetch(s, fn, arg, done);
}

/* ---- reading ---------------------------------------------------------------------------- */

hs_err
lg_store_list(lg_store *s, long long from_ms, long long to_ms, const char *device,
    int limit, cJSON **out)
{
	char lo[24], hi[24], lim[16];
	const char *p[4] = { lo, hi, device, lim };
	PGresult *r;
	hs_err err;

	*out = NULL;
	if (limit < 0)
		return HS_EINVAL;
	snprintf(lo, sizeof(lo), "%lld", from_ms);
	snprintf(hi, sizeof(hi), "%lld", to_ms);
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((err = hs_db_exec(s->db, "lg_list", 4, p, &r)) != HS_OK)
		return err;
	/* PostgreSQL made the text, so a failure can only be memory */
	*out = PQntuples(r) == 1 ? cJSON_Parse(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return *out != NULL ? HS_OK : HS_ENOMEM;
}

static enum lg_kind
kind_of(const char *k)
{
	if (strcmp(k, "trunk") == 0)
		return LG_KIND_TRUNK;
	if (strcmp(k, "hunt-group") == 0)
		return LG_KIND_HUNT_GROUP;
	if (strcmp(k, "extension") == 0 || strcmp(k, "sip-extension") == 0 ||
	    strcmp(k, "phantom") == 0 || strcmp(k, "voicemail") == 0)
		return LG_KIND_EXTENSION;
	return LG_KIND_OTHER;
}

hs_err
lg_store_device_kinds(lg_store *s, lg_kind_fn fn, void *arg)
{
	PGresult *r;
	hs_err err;

	if ((err = hs_db_exec(s->db, "lg_kinds", 0, NULL, &r)) != HS_OK)
		return err;
	for (int i = 0; i < PQntuples(r); i++)
		fn(arg, PQgetvalue(r, i, 0), kind_of(PQgetvalue(r, i, 1)));
	PQclear(r);
	return HS_OK;
}
