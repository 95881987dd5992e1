/*
 * store_test.c - the logger's PostgreSQL side against a real server: a batch round-trips
 * (exact millisecond times, NULLs, users of parties), a batch written twice leaves the same
 * rows, children follow the call, progress never goes back, the gateway's tags survive,
 * awkward text survives the array literals, calls.list, rebuild, the open calls' events,
 * partitions, a failing batch leaves nothing, and a throughput figure.
 *
 * HS_TEST_DSN names the test cluster (test/run-unit); the tests share one scratch database
 * with the migrations applied, emptied before each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "migrate.h"
#include "store.h"
#include "testdb.h"

#define T0 1764091204512LL      /* 2025-11-25T17:20:04.512Z */
#define BOOT 0x3f2a9c0d11e4b7a2ULL

static struct hs_testdb pg;
static hs_db *db;
static PGconn *chk;              /* a second connection, for reading back */
static lg_store *st;

/* ---- database --------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	const char *src = getenv("HS_SRCDIR");
	char dir[1024], msg[512];
	int n;

	(void)state;
	hs_testdb_create(&pg, "store");
	assert_int_equal(hs_db_open(&db, pg.conninfo, NULL), HS_OK);
	if (hs_db_connect(db, 5000) != HS_OK)
		fail_msg("connect: %s", hs_db_error(db));
	snprintf(dir, sizeof(dir), "%s/migrations", src != NULL ? src : ".");
	if (hs_migrate_apply(db, dir, &n, msg, sizeof(msg)) != HS_OK)
		fail_msg("migrations: %s", msg);
	if (lg_store_open(&st, db) != HS_OK)
		fail_msg("lg_store_open: %s", hs_db_error(db));
	chk = hs_testdb_connect(pg.conninfo);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	lg_store_close(st);
	hs_db_close(db);
	if (chk != NULL)
		PQfinish(chk);
	hs_testdb_drop(&pg);
	return 0;
}

static int
empty(void **state)
{
	(void)state;
	hs_testdb_exec(chk, "TRUNCATE call_events_raw, calls, call_segments, segment_parties, "
	    "hold_intervals, account_code_entries, acd_status_events, dnd_status_events, "
	    "user_devices, devices CASCADE");
	hs_testdb_exec(chk, "TRUNCATE event_boots RESTART IDENTITY");
	hs_testdb_exec(chk, "DELETE FROM users WHERE username LIKE 'st\\_%%'");
	return 0;
}

/* The first row of a query as "a|b|c", SQL NULL as "~" (a static buffer). */
static const char *
row(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
row(const char *fmt, ...)
{
	static char buf[8192];
	char sql[4096];
	size_t o = 0;
	PGresult *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	r = PQexec(chk, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(chk));
	buf[0] = '\0';
	if (PQntuples(r) == 0) {
		PQclear(r);
		return "(none)";
	}
	for (int i = 0; i < PQnfields(r); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i > 0 ? "|" : "",
		    PQgetisnull(r, 0, i) ? "~" : PQgetvalue(r, 0, i));
	PQclear(r);
	return buf;
}

/* epoch ms of a timestamptz column, exactly */
#define MSOF(col) "(extract(epoch FROM " col ") * 1000)::bigint"

/* ---- fixtures --------------------------------------------------------------------------- */

#define CPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* A call of up to 3 segments with their children, in storage the test owns. */
struct fix {
	struct lg_call call;
	struct lg_segment segs[3];
	struct lg_party parties[3][3];
	struct lg_hold holds[3][2];
	struct lg_account accounts[3][2];
};

static void
party(struct lg_party *p, const char *dev, enum lg_kind kind, const char *agent,
    unsigned roles, int rang, long long join)
{
	memset(p, 0, sizeof(*p));
	CPY(p->device, dev);
	p->kind = kind;
	CPY(p->agent, agent);
	p->roles = roles;
	p->rang_order = rang;
	p->join_ms = join;
	if (roles & LG_P_ALERTED)
		p->alert_ms = join + 1;
	if (roles & LG_P_ANSWERED)
		p->answer_ms = join + 2002;
}

/*
 * An inbound trunk call (boot 1, opened by seq 100 at t0): rings 1000 (agent 3001) and is
 * answered there, held once; then segment 2, transferred to 1001, still talking.
 */
static void
fix_init(struct fix *f, int64_t seq, long long t0)
{
	struct lg_call *c = &f->call;
	struct lg_segment *g;

	memset(f, 0, sizeof(*f));
	c->call_id = LG_ID(1, seq);
	snprintf(c->pbx_call_id, sizeof(c->pbx_call_id), "%05lld", (long long)seq);
	c->state = LG_CONNECTED;
	c->external = true;
	c->direction = LG_DIR_IN;
	c->created_ms = t0;
	c->start_ms = t0 + 5;
	c->answer_ms = t0 + 2007;
	c->ring_ms = 2002;
	c->talk_ms = 9000;
	c->hold_ms = 1500;
	c->max_hold_ms = 1500;
	c->answered = true;
	CPY(c->originator, "9001");
	CPY(c->telephone_number, "01632960123");
	CPY(c->cli, "01632960123");
	c->cli_received = true;
	CPY(c->caller_name, "ACME Ltd");
	CPY(c->ddi, "5550100");
	c->ddi_received = true;
	CPY(c->dnis, "Sales line");
	CPY(c->trunk, "9001");
	CPY(c->trunks[0], "9001");
	c->ntrunks = 1;
	CPY(c->account_code, "77");
	CPY(c->hunt_group, "2000");
	CPY(c->answering_ext, "1000");
	CPY(c->answering_agent, "3001");
	CPY(c->first_rang_ext, "1000");
	CPY(c->first_rang_agent, "3001");
	CPY(c->last_rang_ext, "1001");
	CPY(c->transferred_from, "1000");
	CPY(c->transferred_from_agent, "3001");
	CPY(c->transferred_to, "1001");
	c->end.cause = -1;
	c->segs = f->segs;
	c->nsegs = 2;
	c->capsegs = 3;
	c->dirty = true;

	g = &f->segs[0];
	g->rec_id = LG_ID(1, seq);
	g->no = 1;
	CPY(g->pbx_call_id, c->pbx_call_id);
	g->external = true;
	g->direction = LG_DIR_IN;
	g->state = LG_ENDED;
	g->start_ms = t0 + 5;
	g->answer_ms = t0 + 2007;
	g->end_ms = t0 + 8007;
	g->ring_ms = 2002;
	g->talk_ms = 4500;
	g->hold_ms = 1500;
	g->max_hold_ms = 1500;
	g->answered = true;
	CPY(g->originator, "9001");
	CPY(g->target, "2000");
	CPY(g->hunt_group, "2000");
	CPY(g->answering_ext, "1000");
	CPY(g->answering_agent, "3001");
	CPY(g->transferred_to, "1001");
	CPY(g->trunk, "9001");
	CPY(g->cli, "01632960123");
	CPY(g->telephone_number, "01632960123");
	CPY(g->account_code, "77");
	CPY(g->end.event, "TR");
	g->end.cause = 38;
	CPY(g->end.cause_text, "transfer");
	CPY(g->end.reason, "transferred");
	g->parties = f->parties[0];
	g->nparties = 2;
	g->capparties = 3;
	party(&g->parties[0], "9001", LG_KIND_TRUNK, "", LG_P_ORIGINATOR, 0, t0 + 5);
	party(&g->parties[1], "1000", LG_KIND_EXTENSION, "3001",
	    LG_P_ALERTED | LG_P_ANSWERED | LG_P_HELD | LG_P_XFER_SOURCE, 1, t0 + 5);
	g->parties[1].release_ms = t0 + 8007;
	g->parties[1].ring_ms = 2002;
	g->parties[1].talk_ms = 4500;
	g->parties[1].hold_ms = 1500;
	g->holds = f->holds[0];
	g->nholds = 2;
	g->capholds = 2;
	CPY(g->holds[0].device, "1000");
	g->holds[0].kind = LG_HOLD_INDIVIDUAL;
	g->holds[0].start_ms = t0 + 3000;
	g->holds[0].end_ms = t0 + 4000;
	CPY(g->holds[1].device, "1000");
	g->holds[1].kind = LG_HOLD_TRANSFER;
	g->holds[1].start_ms = t0 + 7500;
	g->holds[1].end_ms = t0 + 8007;
	g->accounts = f->accounts[0];
	g->naccounts = 2;
	g->capaccounts = 2;
	CPY(g->accounts[0].code, "12");
	g->accounts[0].ms = t0 + 2500;
	CPY(g->accounts[1].code, "77");
	g->accounts[1].ms = t0 + 2600;

	g = &f->segs[1];
	g->rec_id = LG_ID(1, seq + 40);
	g->no = 2;
	CPY(g->pbx_call_id, c->pbx_call_id);
	g->external = true;
	g->direction = LG_DIR_IN;
	g->state = LG_CONNECTED;
	g->start_ms = t0 + 8007;
	g->answer_ms = t0 + 8507;
	g->ring_ms = 500;
	g->talk_ms = 4500;
	g->answered = true;
	CPY(g->target, "1001");
	CPY(g->answering_ext, "1001");
	CPY(g->transferred_from, "1000");
	CPY(g->transferred_from_agent, "3001");
	CPY(g->trunk, "9001");
	g->end.cause = -1;
	g->parties = f->parties[1];
	g->nparties = 2;
	g->capparties = 3;
	party(&g->parties[0], "9001", LG_KIND_TRUNK, "", 0, 0, t0 + 8007);
	party(&g->parties[1], "1001", LG_KIND_EXTENSION, "",
	    LG_P_ALERTED | LG_P_ANSWERED | LG_P_XFER_TARGET, 1, t0 + 8007);
	g->parties[1].active = true;
	g->holds = f->holds[1];
	g->nholds = 1;
	g->capholds = 2;
	CPY(g->holds[0].device, "1001");
	g->holds[0].kind = LG_HOLD_INDIVIDUAL;
	g->holds[0].start_ms = t0 + 10000;   /* still held: end NULL */
	g->accounts = f->accounts[1];
	g->naccounts = 1;
	g->capaccounts = 2;
	CPY(g->accounts[0].code, "88");
	g->accounts[0].ms = t0 + 9000;
}

/* Raw events and their owned text. */
struct rawset {
	struct lg_raw r[64];
	char env[64][256];
	size_t n;
};

static void
raw_add(struct rawset *rs, long long ms, int boot_no, uint64_t seq, const char *type,
    const char *callid)
{
	struct lg_raw *r = &rs->r[rs->n];

	assert_true(rs->n < 64);
	snprintf(rs->env[rs->n], sizeof(rs->env[0]), "{\"v\":1,\"type\":\"%s\",\"seq\":%llu,"
	    "\"body\":{\"call_id\":\"%s\"}}", type, (unsigned long long)seq,
	    callid != NULL ? callid : "");
	r->ms = ms;
	r->boot_no = boot_no;
	r->seq = seq;
	r->type = type;
	r->pbx_call_id = callid;
	r->envelope = rs->env[rs->n];
	rs->n++;
}

static void
status_rows(struct lg_status_row s[3])
{
	memset(s, 0, 3 * sizeof(s[0]));
	s[0].boot_no = 1;
	s[0].seq = 90;
	s[0].st.acd = true;
	s[0].st.n = 0;
	s[0].st.ms = T0 - 1000;
	CPY(s[0].st.who, "3001");
	CPY(s[0].st.name, "Agent One");
	CPY(s[0].st.device, "1000");
	CPY(s[0].st.status, "logged_on");
	CPY(s[0].st.hunt_group, "2000");
	s[1] = s[0];
	s[1].st.n = 1;
	CPY(s[1].st.status, "free");
	s[1].st.hunt_group[0] = '\0';
	s[2].boot_no = 1;
	s[2].seq = 91;
	s[2].st.acd = false;
	s[2].st.ms = T0 - 999;
	CPY(s[2].st.who, "1002");
	CPY(s[2].st.name, "Reception");
	s[2].st.dnd = true;
	CPY(s[2].st.dnd_message, "In a meeting");
	CPY(s[2].st.dnd_text, "back at 3");
}

static int
boot1(void)
{
	uint64_t applied;
	int boot_no;

	assert_int_equal(lg_store_boot(st, "cti-host", BOOT, &boot_no, &applied), HS_OK);
	assert_int_equal(applied, 0);
	return boot_no;
}

static void
write_ok(const struct lg_raw *raw, size_t nraw, struct lg_call *dirty,
    const struct lg_status_row *s, size_t ns, int boot_no, uint64_t applied)
{
	hs_err err = lg_store_write(st, raw, nraw, dirty, s, ns, boot_no, applied);

	if (err != HS_OK)
		fail_msg("lg_store_write: %s: %s", hs_err_name(err), hs_db_error(db));
}

/* The rows of every table the batch writes, as one string (a static buffer). */
static const char *
counts(void)
{
	return (row("SELECT (SELECT count(*) FROM call_events_raw), "
	    "(SELECT count(*) FROM calls), (SELECT count(*) FROM call_segments), "
	    "(SELECT count(*) FROM segment_parties), (SELECT count(*) FROM hold_intervals), "
	    "(SELECT count(*) FROM account_code_entries), "
	    "(SELECT count(*) FROM acd_status_events), "
	    "(SELECT count(*) FROM dnd_status_events)"));
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_boots(void **state)
{
	uint64_t applied, boot;
	int bn, bn2;

	(void)state;
	assert_int_equal(lg_store_last_boot(st, "cti-host", &boot, &bn, &applied), HS_OK);
	assert_true(boot == 0);
	bn = boot1();
	assert_int_equal(bn, 1);
	assert_string_equal(row("SELECT src, boot FROM event_boots"),
	    "cti-host|3f2a9c0d11e4b7a2");
	/* again: the same number, no identity value used up */
	assert_int_equal(lg_store_boot(st, "cti-host", BOOT, &bn2, &applied), HS_OK);
	assert_int_equal(bn2, 1);
	assert_int_equal(lg_store_boot(st, "cti-host", 0x1f, &bn2, &applied), HS_OK);
	assert_int_equal(bn2, 2);
	assert_string_equal(row("SELECT boot FROM event_boots WHERE boot_no = 2"),
	    "000000000000001f");

	write_ok(NULL, 0, NULL, NULL, 0, 1, 10);
	write_ok(NULL, 0, NULL, NULL, 0, 1, 5);     /* never lowered */
	assert_int_equal(lg_store_boot(st, "cti-host", BOOT, &bn, &applied), HS_OK);
	assert_int_equal(applied, 10);
	write_ok(NULL, 0, NULL, NULL, 0, 1, 11);
	assert_string_equal(row("SELECT applied_seq FROM event_boots WHERE boot_no = 1"), "11");

	/* the newest first_seen wins; ties go to the higher number */
	hs_testdb_exec(chk, "UPDATE event_boots SET first_seen = now() - interval '1 hour' "
	    "WHERE boot_no = 2");
	assert_int_equal(lg_store_last_boot(st, "cti-host", &boot, &bn, &applied), HS_OK);
	assert_true(boot == BOOT);
	assert_int_equal(bn, 1);
	assert_int_equal(applied, 11);
	hs_testdb_exec(chk, "UPDATE event_boots SET first_seen = now() + interval '1 hour' "
	    "WHERE boot_no = 2");
	assert_int_equal(lg_store_last_boot(st, "cti-host", &boot, &bn, &applied), HS_OK);
	assert_true(boot == 0x1f);
	assert_int_equal(bn, 2);
	assert_int_equal(applied, 0);
	assert_int_equal(lg_store_last_boot(st, "other", &boot, &bn, &applied), HS_OK);
	assert_true(boot == 0);
}

static void
test_roundtrip(void **state)
{
	struct lg_status_row s[3];
	struct rawset rs = { .n = 0 };
	struct fix f, copy;
	int bn;

	(void)state;
	bn = boot1();
	hs_testdb_exec(chk, "INSERT INTO users (id, username, password_hash) VALUES "
	    "(901, 'st_one', '$argon2id$x'), (902, 'st_two', '$argon2id$x')");
	hs_testdb_exec(chk, "INSERT INTO user_devices VALUES ('extension', '1000', 901), "
	    "('agent', '3001', 902), ('extension', '1001', 901)");
	raw_add(&rs, T0, bn, 100, "call.delivered", "00100");
	raw_add(&rs, T0 + 1, bn, 101, "agent.state", NULL);
	raw_add(&rs, T0 + 2, bn, 102, "call.established", "00100");
	fix_init(&f, 100, T0);
	status_rows(s);
	copy = f;
	write_ok(rs.r, rs.n, &f.call, s, 3, bn, 102);
	assert_memory_equal(&copy, &f, sizeof(f));   /* the builder's structs are untouched */

	assert_string_equal(row("SELECT string_agg(" MSOF("ts") " || ',' || boot_no || ',' || "
	    "seq || ',' || type || ',' || coalesce(pbx_call_id, '~'), ' ' ORDER BY seq) "
	    "FROM call_events_raw"),
	    "1764091204512,1,100,call.delivered,00100 1764091204513,1,101,agent.state,~ "
	    "1764091204514,1,102,call.established,00100");
	assert_string_equal(row("SELECT envelope FROM call_events_raw WHERE seq = 101"),
	    rs.env[1]);

	assert_string_equal(row("SELECT call_id, pbx_call_id, state, call_type, direction, "
	    "trunk_to_trunk, conference, " MSOF("created_ts") ", " MSOF("start_ts") ", "
	    MSOF("answer_ts") ", " MSOF("end_ts") ", ring_ms, talk_ms, hold_ms, max_hold_ms, "
	    "segment_count, answered, lost FROM calls"),
	    "1099511627876|00100|connected|external|in|f|f|1764091204512|1764091204517|"
	    "1764091206519|~|2002|9000|1500|1500|2|t|f");
	assert_string_equal(row("SELECT originator, originator_agent, telephone_number, cli, "
	    "cli_received, caller_name, dialled, ddi_digits, ddi_received, dnis, trunk, trunks, "
	    "account_code, hunt_group, answering_ext, answering_agent, first_rang_ext, "
	    "first_rang_agent, last_rang_ext, last_rang_agent FROM calls"),
	    "9001|~|01632960123|01632960123|t|ACME Ltd|~|5550100|t|Sales line|9001|{9001}|77|"
	    "2000|1000|3001|1000|3001|1001|~");
	assert_string_equal(row("SELECT transferred_from, transferred_from_agent, "
	    "transferred_to, transferred_to_agent, end_event, end_cause, end_cause_text, "
	    "end_reason, cleared_by, incomplete, tag1, notes, tags_updated_at FROM calls"),
	    "1000|3001|1001|~|~|~|~|~|~|f|~|~|~");

	assert_string_equal(row("SELECT string_agg(rec_id || ',' || call_id || ',' || "
	    "segment_no || ',' || pbx_call_id || ',' || consult || ',' || state || ',' || "
	    "call_type || ',' || direction || ',' || " MSOF("start_ts") " || ',' || "
	    "coalesce(" MSOF("end_ts") "::text, '~'), ' ' ORDER BY segment_no) "
	    "FROM call_segments"),
	    "1099511627876,1099511627876,1,00100,false,ended,external,in,1764091204517,"
	    "1764091212519 "
	    "1099511627916,1099511627876,2,00100,false,connected,external,in,1764091212519,~");
	assert_string_equal(row("SELECT ring_ms, talk_ms, hold_ms, max_hold_ms, answered, "
	    "originator, target, hunt_group, answering_ext, answering_agent, transferred_from, "
	    "transferred_to, diverted_from, divert_reason, trunk, cli, telephone_number, "
	    "account_code, end_event, end_cause, end_cause_text, end_reason, incomplete "
	    "FROM call_segments WHERE segment_no = 1"),
	    "2002|4500|1500|1500|t|9001|2000|2000|1000|3001|~|1001|~|~|9001|01632960123|"
	    "01632960123|77|TR|38|transfer|transferred|f");

	/* user: the agent's owner first, else the device's */
	assert_string_equal(row("SELECT string_agg(concat_ws(',', rec_id - 1099511627776, "
	    "device, device_kind, coalesce(agent_id, '~'), coalesce(user_id::text, '~'), "
	    "originator, alerted, answered, held, transfer_source, transfer_target, conference, "
	    "coalesce(rang_order::text, '~'), " MSOF("join_ts") ", "
	    "coalesce(" MSOF("alert_ts") "::text, '~'), "
	    "coalesce(" MSOF("answer_ts") "::text, '~'), "
	    "coalesce(" MSOF("release_ts") "::text, '~'), ring_ms, talk_ms, hold_ms), ' ' "
	    "ORDER BY rec_id, device) FROM segment_parties"),
	    "100,1000,extension,3001,902,f,t,t,t,t,f,f,1,1764091204517,1764091204518,"
	    "1764091206519,1764091212519,2002,4500,1500 "
	    "100,9001,trunk,~,~,t,f,f,f,f,f,f,~,1764091204517,~,~,~,0,0,0 "
	    "140,1001,extension,~,901,f,t,t,f,f,t,f,1,1764091212519,1764091212520,"
	    "1764091214521,~,0,0,0 "
	    "140,9001,trunk,~,~,f,f,f,f,f,f,f,~,1764091212519,~,~,~,0,0,0");
	assert_string_equal(row("SELECT string_agg(concat_ws(',', rec_id - 1099511627776, "
	    "device, " MSOF("start_ts") ", coalesce(" MSOF("end_ts") "::text, '~'), kind), ' ' "
	    "ORDER BY rec_id, start_ts) FROM hold_intervals"),
	    "100,1000,1764091207512,1764091208512,individual "
	    "100,1000,1764091212012,1764091212519,transfer "
	    "140,1001,1764091214512,~,individual");
	assert_string_equal(row("SELECT string_agg(concat_ws(',', rec_id - 1099511627776, n, "
	    "code, " MSOF("ts") "), ' ' ORDER BY rec_id, n) FROM account_code_entries"),
	    "100,1,12,1764091207012 100,2,77,1764091207112 140,1,88,1764091213512");

	assert_string_equal(row("SELECT string_agg(concat_ws(',', boot_no, seq, n, "
	    MSOF("ts") ", agent_id, agent_name, device, status, coalesce(hunt_group, '~'), "
	    "coalesce(dnd_message, '~'), coalesce(dnd_text, '~')), ' ' ORDER BY n) "
	    "FROM acd_status_events"),
	    "1,90,0,1764091203512,3001,Agent One,1000,logged_on,2000,~,~ "
	    "1,90,1,1764091203512,3001,Agent One,1000,free,~,~,~");
	assert_string_equal(row("SELECT boot_no, seq, " MSOF("ts") ", device, device_name, dnd, "
	    "dnd_message, dnd_msg_no, dnd_text FROM dnd_status_events"),
	    "1|91|1764091203513|1002|Reception|t|In a meeting|~|back at 3");
	assert_string_equal(row("SELECT applied_seq FROM event_boots WHERE boot_no = 1"), "102");
}

/* Every millisecond survives epoch ms -> timestamptz -> epoch ms. */
static void
test_exact_ms(void **state)
{
	static struct lg_raw r[1000];
	long long base = 1764091204000LL;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		/* every ms remainder, spread over the years 1970..2100 */
		r[i].ms = i == 0 ? 1 : (long long)i * 4102444799LL + i;
		r[i].boot_no = 1;
		r[i].seq = (uint64_t)i + 1;
		r[i].type = "t";
		r[i].envelope = "{}";
	}
	write_ok(r, 1000, NULL, NULL, 0, 1, 0);
	for (int i = 0; i < 1000; i++) {
		r[i].ms = base + i;
		r[i].seq = (uint64_t)i + 1001;
	}
	write_ok(r, 1000, NULL, NULL, 0, 1, 0);
	assert_string_equal(row("SELECT count(*) FROM call_events_raw WHERE " MSOF("ts")
	    " <> CASE WHEN seq = 1 THEN 1 WHEN seq <= 1000 THEN (seq - 1) * 4102444799 + seq - 1 "
	    "ELSE 1764091204000 + seq - 1001 END"), "0");
	assert_string_equal(row("SELECT count(*) FROM call_events_raw"), "2000");
}

static void
test_same_batch_twice(void **state)
{
	struct lg_status_row s[3];
	struct rawset rs = { .n = 0 };
	struct fix f;
	char *a, *b;

	(void)state;
	boot1();
	raw_add(&rs, T0, 1, 100, "call.delivered", "00100");
	raw_add(&rs, T0 + 2, 1, 102, "call.established", "00100");
	fix_init(&f, 100, T0);
	status_rows(s);
	write_ok(rs.r, rs.n, &f.call, s, 3, 1, 102);
	a = strdup(counts());
	assert_string_equal(a, "2|1|2|4|3|3|2|1");
	write_ok(rs.r, rs.n, &f.call, s, 3, 1, 102);
	b = strdup(counts());
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
test_children_replaced(void **state)
{
	struct fix f;
	struct lg_segment *g;

	(void)state;
	boot1();
	fix_init(&f, 100, T0);
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 1);
	assert_string_equal(counts(), "0|1|2|4|3|3|0|0");

	/* segment 1 loses its trunk party and a hold, segment 2 its account code, and a
	 * third segment appears */
	f.segs[0].parties[0] = f.segs[0].parties[1];
	f.segs[0].nparties = 1;
	f.segs[0].nholds = 1;
	f.segs[1].naccounts = 0;
	f.segs[1].state = LG_ENDED;
	f.segs[1].end_ms = T0 + 20000;
	g = &f.segs[2];
	*g = f.segs[1];
	g->rec_id = LG_ID(1, 170);
	g->no = 3;
	g->consult = true;
	g->state = LG_CONNECTED;
	g->end_ms = 0;
	g->parties = f.parties[2];
	g->nparties = 1;
	party(&g->parties[0], "1002", LG_KIND_EXTENSION, "", LG_P_ALERTED, 1, T0 + 20000);
	g->holds = f.holds[2];
	g->nholds = 0;
	g->accounts = f.accounts[2];
	g->naccounts = 0;
	f.call.nsegs = 3;
	f.call.state = LG_RINGING;
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 2);
	assert_string_equal(row("SELECT state, segment_count FROM calls"), "ringing|3");
	assert_string_equal(row("SELECT string_agg(segment_no || ':' || state || ':' || consult, "
	    "' ' ORDER BY segment_no) FROM call_segments"),
	    "1:ended:false 2:ended:false 3:connected:true");
	assert_string_equal(row("SELECT string_agg(rec_id - 1099511627776 || ':' || device, ' ' "
	    "ORDER BY rec_id, device) FROM segment_parties"),
	    "100:1000 140:1001 140:9001 170:1002");
	assert_string_equal(row("SELECT string_agg(rec_id - 1099511627776 || ':' || kind, ' ' "
	    "ORDER BY rec_id, start_ts) FROM hold_intervals"),
	    "100:individual 140:individual");
	assert_string_equal(row("SELECT string_agg(rec_id - 1099511627776 || ':' || code, ' ' "
	    "ORDER BY rec_id, n) FROM account_code_entries"), "100:12 100:77");

	/* segments renumbered and one dropped: no UNIQUE (call_id, segment_no) trouble */
	f.segs[0] = f.segs[2];
	f.segs[0].no = 1;
	f.segs[1].no = 2;
	f.call.nsegs = 2;
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 3);
	assert_string_equal(row("SELECT string_agg(rec_id - 1099511627776 || ':' || segment_no, "
	    "' ' ORDER BY segment_no) FROM call_segments"), "170:1 140:2");
	assert_string_equal(row("SELECT string_agg(rec_id - 1099511627776 || ':' || device, ' ' "
	    "ORDER BY rec_id, device) FROM segment_parties"),
	    "140:1001 140:9001 170:1002");

	/* no segments left at all */
	f.call.nsegs = 0;
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 4);
	assert_string_equal(counts(), "0|1|0|0|0|0|0|0");
}

/* A consultation call first logged on its own, then found to be a leg of another call:
 * its row goes, its segment moves under the same rec_id. */
static void
test_absorbed(void **state)
{
	struct fix a, b;

	(void)state;
	boot1();
	fix_init(&a, 100, T0);
	fix_init(&b, 300, T0 + 5000);
	b.call.nsegs = 1;
	a.call.next_dirty = &b.call;
	write_ok(NULL, 0, &a.call, NULL, 0, 1, 1);
	assert_string_equal(counts(), "0|2|3|6|5|5|0|0");

	a.call.next_dirty = NULL;
	a.segs[2] = b.segs[0];
	a.segs[2].no = 3;
	a.segs[2].consult = true;
	a.call.nsegs = 3;
	a.call.absorbed[0] = b.call.call_id;
	a.call.nabsorbed = 1;
	write_ok(NULL, 0, &a.call, NULL, 0, 1, 2);
	assert_string_equal(row("SELECT string_agg(call_id::text, ' ') FROM calls"),
	    "1099511627876");
	assert_string_equal(row("SELECT string_agg(rec_id - 1099511627776 || ':' || segment_no "
	    "|| ':' || (call_id - 1099511627776), ' ' ORDER BY segment_no) FROM call_segments"),
	    "100:1:100 140:2:100 300:3:100");
	assert_string_equal(counts(), "0|1|3|6|5|5|0|0");
}

static void
test_tags_survive(void **state)
{
	struct fix f;

	(void)state;
	boot1();
	fix_init(&f, 100, T0);
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 1);
	hs_testdb_exec(chk, "UPDATE calls SET tag1 = 'vip', tag5 = 'x', notes = 'call back', "
	    "tags_updated_at = '2025-11-26T00:00:00Z', updated_at = '2000-01-01'");
	f.call.state = LG_ENDED;
	f.call.end_ms = T0 + 20000;
	CPY(f.call.end.event, "CC");
	f.call.end.cause = 16;
	CPY(f.call.end.reason, "normal");
	CPY(f.call.cleared_by, "9001");
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 2);
	assert_string_equal(row("SELECT state, " MSOF("end_ts") ", end_event, end_cause, "
	    "end_cause_text, end_reason, cleared_by, tag1, tag2, tag5, notes, "
	    MSOF("tags_updated_at") ", updated_at > '2001-01-01' FROM calls"),
	    "ended|1764091224512|CC|16|~|normal|9001|vip|~|x|call back|1764115200000|t");
}

/* Quotes, backslashes, commas, braces, the word NULL, spaces, UTF-8, and Latin-1 bytes. */
static void
test_escaping(void **state)
{
	static const char *const awkward[] = {
		"say \"hi\"", "back\\slash\\", "a,b", "{x}", "}{", "NULL", " lead and trail ",
		"Zoë 電話 😀", "", "\\\"", "tab\there",
	};
	size_t n = sizeof(awkward) / sizeof(awkward[0]);
	struct lg_raw r[16];
	struct lg_status_row s[3];
	struct fix f;

	(void)state;
	boot1();
	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < n; i++) {
		r[i].ms = T0 + (long long)i;
		r[i].boot_no = 1;
		r[i].seq = i + 1;
		r[i].type = awkward[i];
		r[i].envelope = awkward[i];
	}
	write_ok(r, n, NULL, NULL, 0, 1, 1);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(row("SELECT envelope FROM call_events_raw WHERE seq = %zu",
		    i + 1), awkward[i]);
		assert_string_equal(row("SELECT type FROM call_events_raw WHERE seq = %zu", i + 1),
		    awkward[i]);
	}

	/* Latin-1 from the PBX becomes UTF-8 instead of failing the batch */
	r[0].seq = 100;
	r[0].envelope = "M\xfcller \xe9t\xe9 \xc3";
	write_ok(r, 1, NULL, NULL, 0, 1, 2);
	assert_string_equal(row("SELECT envelope FROM call_events_raw WHERE seq = 100"),
	    "Müller été Ã");

	fix_init(&f, 100, T0);
	CPY(f.call.caller_name, "O'Brien, \"Pat\" {x} \\ Zoë");
	CPY(f.call.trunks[0], "9,0\"1}");
	CPY(f.call.trunks[1], "9{0\\2");
	CPY(f.call.trunks[2], "NULL");
	f.call.ntrunks = 3;
	status_rows(s);
	CPY(s[0].st.name, "Ägent \"One\", {x}");
	CPY(s[2].st.dnd_text, "back\\at,3}");
	write_ok(NULL, 0, &f.call, s, 3, 1, 3);
	assert_string_equal(row("SELECT caller_name, array_length(trunks, 1), trunks[1], "
	    "trunks[2], trunks[3], trunks[3] IS NULL FROM calls"),
	    "O'Brien, \"Pat\" {x} \\ Zoë|3|9,0\"1}|9{0\\2|NULL|f");
	assert_string_equal(row("SELECT agent_name FROM acd_status_events WHERE n = 0"),
	    "Ägent \"One\", {x}");
	assert_string_equal(row("SELECT dnd_text FROM dnd_status_events"), "back\\at,3}");

	f.call.ntrunks = 0;
	write_ok(NULL, 0, &f.call, NULL, 0, 1, 4);
	assert_string_equal(row("SELECT trunks FROM calls"), "{}");
}

/* A failing statement rolls back the whole batch and the connection stays usable. */
static void
test_failure_rolls_back(void **state)
{
	struct lg_status_row s[3];
	struct rawset rs = { .n = 0 };
	struct fix f;

	(void)state;
	boot1();
	raw_add(&rs, T0, 1, 100, "call.delivered", "00100");
	fix_init(&f, 100, T0);
	status_rows(s);
	CPY(s[1].st.status, "bogus");       /* violates the CHECK of acd_status_events */
	assert_int_equal(lg_store_write(st, rs.r, rs.n, &f.call, s, 3, 1, 100), HS_EDB);
	assert_non_null(strstr(hs_db_error(db), "check"));
	assert_string_equal(counts(), "0|0|0|0|0|0|0|0");
	assert_string_equal(row("SELECT applied_seq FROM event_boots"), "0");

	CPY(s[1].st.status, "free");
	write_ok(rs.r, rs.n, &f.call, s, 3, 1, 100);
	assert_string_equal(counts(), "1|1|2|4|3|3|2|1");
}

/* calls.list: shape, order, times, device filter, truncation. */
static void
test_list(void **state)
{
	struct fix a, b, c;
	cJSON *out, *calls, *c0, *seg, *p;
	char *text;

	(void)state;
	boot1();
	fix_init(&a, 100, T0);
	fix_init(&b, 300, T0 + 60000);
	fix_init(&c, 500, T0 + 120000);
	CPY(c.segs[0].parties[1].device, "1005");
	CPY(c.segs[1].parties[1].device, "1006");
	/* rang_order NULLS LAST, then device */
	a.segs[0].parties[2] = a.segs[0].parties[0];
	CPY(a.segs[0].parties[2].device, "8000");
	a.segs[0].nparties = 3;
	a.call.next_dirty = &b.call;
	b.call.next_dirty = &c.call;
	write_ok(NULL, 0, &a.call, NULL, 0, 1, 1);
	hs_testdb_exec(chk, "UPDATE calls SET tag1 = 'vip' WHERE call_id = %lld",
	    (long long)a.call.call_id);

	assert_int_equal(lg_store_list(st, T0, T0 + 3600000, NULL, 10, &out), HS_OK);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(out, "truncated")));
	calls = cJSON_GetObjectItem(out, "calls");
	assert_int_equal(cJSON_GetArraySize(calls), 3);
	c0 = cJSON_GetArrayItem(calls, 0);
	assert_true(cJSON_GetObjectItem(c0, "call_id")->valuedouble == 1099511627876.0);
	assert_string_equal(cJSON_GetObjectItem(c0, "start_ts")->valuestring,
	    "2025-11-25T17:20:04.517Z");
	assert_string_equal(cJSON_GetObjectItem(c0, "created_ts")->valuestring,
	    "2025-11-25T17:20:04.512Z");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c0, "end_ts")));
	assert_string_equal(cJSON_GetObjectItem(c0, "tag1")->valuestring, "vip");
	assert_string_equal(cJSON_GetObjectItem(c0, "direction")->valuestring, "in");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "trunks"), 0)->valuestring,
	    "9001");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c0, "segments")), 2);
	seg = cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "segments"), 0);
	assert_int_equal(cJSON_GetObjectItem(seg, "segment_no")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(seg, "end_ts")->valuestring,
	    "2025-11-25T17:20:12.519Z");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(seg, "parties")), 3);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(seg, "parties"), 0);
	assert_string_equal(cJSON_GetObjectItem(p, "device")->valuestring, "1000");
	assert_int_equal(cJSON_GetObjectItem(p, "rang_order")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(p, "alert_ts")->valuestring,
	    "2025-11-25T17:20:04.518Z");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "held")));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(seg,
	    "parties"), 1), "device")->valuestring, "8000");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(seg,
	    "parties"), 2), "device")->valuestring, "9001");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(seg, "holds")), 2);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(seg, "holds"), 1);
	assert_string_equal(cJSON_GetObjectItem(p, "kind")->valuestring, "transfer");
	assert_string_equal(cJSON_GetObjectItem(p, "start_ts")->valuestring,
	    "2025-11-25T17:20:12.012Z");
	seg = cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "segments"), 1);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(seg, "holds"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "end_ts")));
	assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(calls, 1), "call_id")->valuedouble ==
	    (double)b.call.call_id);
	text = cJSON_PrintUnformatted(out);
	assert_non_null(strstr(text, "\"start_ts\":\"2025-11-25T17:22:04.517Z\""));
	free(text);
	cJSON_Delete(out);

	/* limit: truncated */
	assert_int_equal(lg_store_list(st, T0, T0 + 3600000, NULL, 2, &out), HS_OK);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(out, "truncated")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "calls")), 2);
	cJSON_Delete(out);
	assert_int_equal(lg_store_list(st, T0, T0 + 3600000, NULL, 3, &out), HS_OK);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(out, "truncated")));
	cJSON_Delete(out);

	/* the range is [from, to) on start_ts */
	assert_int_equal(lg_store_list(st, T0 + 6, T0 + 60005, NULL, 10, &out), HS_OK);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "calls")), 0);
	cJSON_Delete(out);
	assert_int_equal(lg_store_list(st, T0 + 5, T0 + 60006, NULL, 10, &out), HS_OK);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "calls")), 2);
	cJSON_Delete(out);

	/* a device keeps the calls it took part in, in any segment */
	assert_int_equal(lg_store_list(st, T0, T0 + 3600000, "1006", 10, &out), HS_OK);
	calls = cJSON_GetObjectItem(out, "calls");
	assert_int_equal(cJSON_GetArraySize(calls), 1);
	assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(calls, 0), "call_id")->valuedouble ==
	    (double)c.call.call_id);
	cJSON_Delete(out);
	assert_int_equal(lg_store_list(st, T0, T0 + 3600000, "1000", 10, &out), HS_OK);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "calls")), 2);
	cJSON_Delete(out);

	assert_int_equal(lg_store_list(st, 0, 1000, NULL, 10, &out), HS_OK);
	text = cJSON_PrintUnformatted(out);
	assert_string_equal(text, "{\"calls\":[],\"truncated\":false}");
	free(text);
	cJSON_Delete(out);
	assert_int_equal(lg_store_list(st, 0, 1000, NULL, -1, &out), HS_EINVAL);
}

struct seen {
	int n;
	int boot_no[4000];
	uint64_t seq[4000];
	bool bad_env;
	struct lg_call *write_at_100;  /* written by the callback, as a rebuild does */
	hs_err write_err;
};

static void
collect(void *arg, int boot_no, uint64_t seq, const char *envelope)
{
	struct seen *s = arg;
	char want[64];

	assert_true(s->n < 4000);
	snprintf(want, sizeof(want), "\"seq\":%llu,", (unsigned long long)seq);
	if (strstr(envelope, want) == NULL)
		s->bad_env = true;
	s->boot_no[s->n] = boot_no;
	s->seq[s->n] = seq;
	s->n++;
	if (s->n == 100 && s->write_at_100 != NULL)
		s->write_err = lg_store_write(st, NULL, 0, s->write_at_100, NULL, 0, 0, 0);
}

/* Rebuild: only the calls that started in range go; events stream in (boot_no, seq) order,
 * from the margin before the range to the end of the last deleted call, across FETCHes. */

/* The whole rebuild stream, a chunk at a time as the logger reads it. */
static hs_err
rebuild_all(long long from, long long to, long long margin, long long *deleted, lg_raw_fn fn,
    void *arg)
{
	bool done = false;
	hs_err err = lg_store_rebuild_begin(st, from, to, margin, deleted);

	while (err == HS_OK && !done)
		err = lg_store_rebuild_next(st, fn, arg, &done);
	return err;
}

static void
test_rebuild(void **state)
{
	static struct lg_raw r[2600];
	static char env[2600][64];
	struct fix a, b, c, d, e;
	struct seen *seen = calloc(1, sizeof(*seen));
	long long deleted;
	int k = 0;

	(void)state;
	assert_non_null(seen);
	boot1();
	fix_init(&a, 100, T0);                 /* before the range */
	fix_init(&b, 300, T0 + 100000);        /* in range, ends at +140000 */
	fix_init(&c, 500, T0 + 150000);        /* in range, ends at +700000 */
	fix_init(&d, 700, T0 + 200000);        /* from the range's end on */
	b.call.end_ms = T0 + 140000;
	c.call.end_ms = T0 + 700000;
	a.call.next_dirty = &b.call;
	b.call.next_dirty = &c.call;
	c.call.next_dirty = &d.call;
	/* events every second from T0 - 100 s to T0 + 1000 s, boot 2 before boot 1 in time */
	for (long long t = -100; t < 1000; t++, k++) {
		int bn = t < 0 ? 2 : 1;

		r[k].ms = T0 + t * 1000;
		r[k].boot_no = bn;
		r[k].seq = (uint64_t)(t + 1000);
		r[k].type = "call.delivered";
		snprintf(env[k], sizeof(env[k]), "{\"seq\":%llu,\"b\":%d}",
		    (unsigned long long)r[k].seq, bn);
		r[k].envelope = env[k];
	}
	write_ok(r, (size_t)k, &a.call, NULL, 0, 1, 1);
	hs_testdb_exec(chk, "UPDATE calls SET end_ts = to_timestamp(%lld / 1000.0) "
	    "WHERE call_id = %lld", T0 + 700000, (long long)c.call.call_id);

	/* the callback writes a rebuilt call while the stream goes on */
	fix_init(&e, 333, T0 + 100001);
	seen->write_at_100 = &e.call;
	seen->write_err = HS_EINTERNAL;
	if (rebuild_all(T0 + 100000, T0 + 200000, 50000, &deleted, collect,
	    seen) != HS_OK)
		fail_msg("rebuild: %s", hs_db_error(db));
	assert_int_equal(deleted, 2);
	assert_int_equal(seen->write_err, HS_OK);
	assert_string_equal(row("SELECT string_agg((call_id - 1099511627776)::text, ' ' "
	    "ORDER BY call_id) FROM calls"), "100 333 700");
	assert_string_equal(row("SELECT count(*) FROM call_segments"), "6");
	/* T0 + 50 s .. T0 + 700 s inclusive: seq 1050..1700 (all boot 1) */
	assert_int_equal(seen->n, 651);
	assert_false(seen->bad_env);
	for (int i = 0; i < seen->n; i++) {
		assert_int_equal(seen->boot_no[i], 1);
		assert_int_equal(seen->seq[i], 1050 + (uint64_t)i);
	}

	/* a call still open in range: to the end of the journal; the margin reaches boot 2,
	 * which comes after boot 1 in stream order */
	memset(seen, 0, sizeof(*seen));
	hs_testdb_exec(chk, "UPDATE calls SET end_ts = NULL WHERE call_id = %lld",
	    (long long)d.call.call_id);
	assert_int_equal(rebuild_all(T0 + 200000, T0 + 300000, 250000,
	    &deleted, collect, seen), HS_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(seen->n, 1000 + 50);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(seen->boot_no[i], 1);
		assert_int_equal(seen->seq[i], 1000 + (uint64_t)i);
	}
	for (int i = 0; i < 50; i++) {
		assert_int_equal(seen->boot_no[1000 + i], 2);
		assert_int_equal(seen->seq[1000 + i], 950 + (uint64_t)i);
	}

	/* nothing in range: [from - margin, to] */
	memset(seen, 0, sizeof(*seen));
	assert_int_equal(rebuild_all(T0 + 400000, T0 + 402000, 1000, &deleted,
	    collect, seen), HS_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(seen->n, 4);
	assert_int_equal(seen->seq[0], 1399);
	assert_int_equal(seen->seq[3], 1402);
	free(seen);
}

/* At start: the events behind the calls still open. */
static void
test_open_events(void **state)
{
	struct rawset rs = { .n = 0 };
	struct seen *seen = calloc(1, sizeof(*seen));
	struct fix a, b, c;

	(void)state;
	assert_non_null(seen);
	boot1();
	fix_init(&a, 100, T0);               /* open: PBX ids 00100, and its consult leg 00777 */
	fix_init(&b, 300, T0 + 5000);        /* open: 00300 */
	fix_init(&c, 500, T0 - 50000);       /* ended */
	CPY(a.segs[1].pbx_call_id, "00777");
	c.call.state = LG_ENDED;
	a.call.next_dirty = &b.call;
	b.call.next_dirty = &c.call;
	raw_add(&rs, T0 - 90000, 1, 1, "call.delivered", "00100"); /* an earlier use of 00100 */
	raw_add(&rs, T0 - 50000, 1, 2, "call.delivered", "00500");
	raw_add(&rs, T0 - 40000, 1, 3, "agent.state", NULL);       /* before the oldest */
	raw_add(&rs, T0, 1, 4, "call.delivered", "00100");
	raw_add(&rs, T0 + 10, 1, 5, "device.state", NULL);
	raw_add(&rs, T0 + 20, 1, 6, "huntgroup.queue", NULL);
	raw_add(&rs, T0 + 30, 1, 7, "call.delivered", "00300");     /* before 00300's call */
	raw_add(&rs, T0 + 5000, 1, 8, "call.delivered", "00300");
	raw_add(&rs, T0 + 6000, 1, 9, "call.established", "00777");
	raw_add(&rs, T0 + 7000, 1, 10, "agent.state", NULL);
	raw_add(&rs, T0 + 8000, 1, 11, "call.ended", "00500");
	raw_add(&rs, T0 + 1, 2, 1, "call.held", "00100");           /* boot 2: after boot 1 */
	write_ok(rs.r, rs.n, &a.call, NULL, 0, 1, 11);
	assert_int_equal(lg_store_open_events(st, collect, seen), HS_OK);
	assert_int_equal(seen->n, 6);
	assert_false(seen->bad_env);
	assert_int_equal(seen->seq[0], 4);
	assert_int_equal(seen->seq[1], 5);
	assert_int_equal(seen->seq[2], 8);
	assert_int_equal(seen->seq[3], 9);
	assert_int_equal(seen->seq[4], 10);
	assert_int_equal(seen->seq[5], 1);
	assert_int_equal(seen->boot_no[5], 2);
	free(seen);
}

static void
test_partitions(void **state)
{
	struct lg_raw r[2];
	long long march = 1930953600000LL;   /* 2031-03-11T00:00:00Z */

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].ms = march;
	r[0].boot_no = 1;
	r[0].seq = 1;
	r[0].type = "call.delivered";
	r[0].envelope = "{}";
	r[1] = r[0];
	r[1].ms = march + 31LL * 86400000;  /* April */
	r[1].seq = 2;
	write_ok(r, 2, NULL, NULL, 0, 1, 0);
	assert_string_equal(row("SELECT string_agg(tableoid::regclass::text, ' ' ORDER BY seq) "
	    "FROM call_events_raw"), "call_events_raw_default call_events_raw_default");

	if (lg_store_partitions(st, march) != HS_OK)
		fail_msg("partitions: %s", hs_db_error(db));
	assert_string_equal(row("SELECT string_agg(c.relname, ' ' ORDER BY c.relname) "
	    "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
	    "WHERE i.inhparent = 'call_events_raw'::regclass AND c.relname LIKE '%%2031%%'"),
	    "call_events_raw_2031m03 call_events_raw_2031m04");
	assert_string_equal(row("SELECT string_agg(tableoid::regclass::text, ' ' ORDER BY seq) "
	    "FROM call_events_raw"), "call_events_raw_2031m03 call_events_raw_2031m04");
	assert_string_equal(row("SELECT count(*) FROM call_events_raw_default"), "0");
	/* again: nothing to do; and the end of a month reaches the next one */
	assert_int_equal(lg_store_partitions(st, march), HS_OK);
	assert_int_equal(lg_store_partitions(st, 1932767999999LL), HS_OK); /* 03-31 23:59:59.999 */
	assert_string_equal(row("SELECT count(*) FROM pg_inherits "
	    "WHERE inhparent = 'call_events_raw'::regclass AND inhrelid::regclass::text "
	    "LIKE '%%2031%%'"), "2");
	/* new rows go straight to the month */
	r[0].seq = 3;
	write_ok(r, 1, NULL, NULL, 0, 1, 0);
	assert_string_equal(row("SELECT tableoid::regclass FROM call_events_raw WHERE seq = 3"),
	    "call_events_raw_2031m03");
}

static void
kind_cb(void *arg, const char *device, enum lg_kind kind)
{
	char *out = arg;

	snprintf(out + strlen(out), 256 - strlen(out), "%s:%d ", device, (int)kind);
}

static void
test_device_kinds(void **state)
{
	char out[256] = "";

	(void)state;
	hs_testdb_exec(chk, "INSERT INTO devices (number, kind) VALUES ('1000', 'extension'), "
	    "('1001', 'sip-extension'), ('1002', 'phantom'), ('1003', 'voicemail'), "
	    "('2000', 'hunt-group'), ('9001', 'trunk'), ('9100', 'trunk-group'), "
	    "('5000', 'page'), ('5001', 'other')");
	hs_testdb_exec(chk, "INSERT INTO devices (number, kind, removed_at) "
	    "VALUES ('1009', 'extension', now())");
	assert_int_equal(lg_store_device_kinds(st, kind_cb, out), HS_OK);
	assert_non_null(strstr(out, "1000:0 "));
	assert_non_null(strstr(out, "1001:0 "));
	assert_non_null(strstr(out, "1002:0 "));
	assert_non_null(strstr(out, "1003:0 "));
	assert_non_null(strstr(out, "2000:2 "));
	assert_non_null(strstr(out, "9001:1 "));
	assert_non_null(strstr(out, "9100:3 "));
	assert_non_null(strstr(out, "5000:3 "));
	assert_non_null(strstr(out, "5001:3 "));
	assert_null(strstr(out, "1009"));
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Throughput: batches of 2000 raw events and 300 calls of 3 segments (2 parties, a hold
 * and an account code each), as the logger writes them under load.  Prints the figure;
 * the assertion is only a floor far below it, against a pathological regression.
 */
static void
test_throughput(void **state)
{
	enum { NRAW = 2000, NCALLS = 300, NBATCH = 5 };
	static struct lg_raw r[NRAW];
	static char env[NRAW][300];
	static struct fix f[NCALLS];
	long long t, total_ms = 0, rows = 0;

	(void)state;
	boot1();
	for (int b = 0; b < NBATCH; b++) {
		for (int i = 0; i < NRAW; i++) {
			uint64_t seq = (uint64_t)b * NRAW + (uint64_t)i + 1;

			r[i].ms = T0 + (long long)seq * 10;
			r[i].boot_no = 1;
			r[i].seq = seq;
			r[i].type = "call.delivered";
			r[i].pbx_call_id = "00100";
			snprintf(env[i], sizeof(env[i]), "{\"v\":1,\"type\":\"call.delivered\","
			    "\"src\":\"cti-host\",\"server\":1,\"boot\":\"3f2a9c0d11e4b7a2\","
			    "\"seq\":%llu,\"ts\":\"2025-11-25T17:20:04.512Z\",\"body\":{\"call_id\":"
			    "\"00100\",\"device\":\"1000\",\"calling\":\"01632960123\","
			    "\"called\":\"1000\",\"cause\":22,\"name\":\"ACME Ltd\"}}",
			    (unsigned long long)seq);
			r[i].envelope = env[i];
		}
		for (int i = 0; i < NCALLS; i++) {
			fix_init(&f[i], (int64_t)(b * NRAW + i * 6 + 1), T0 + i * 100);
			f[i].segs[2] = f[i].segs[1];
			f[i].segs[2].rec_id = f[i].call.call_id + 3;
			f[i].segs[2].no = 3;
			f[i].call.nsegs = 3;
			for (int j = 0; j < 3; j++) {
				f[i].segs[j].nholds = 1;
				f[i].segs[j].naccounts = 1;
			}
			f[i].call.next_dirty = i + 1 < NCALLS ? &f[i + 1].call : NULL;
		}
		t = now_ms();
		write_ok(r, NRAW, &f[0].call, NULL, 0, 1, (uint64_t)(b + 1) * NRAW);
		total_ms += now_ms() - t;
		rows += NRAW + NCALLS * (1 + 3 * (1 + 2 + 1 + 1));
	}
	print_message("      store: %d batches, %lld rows in %lld ms: %lld rows/s, "
	    "%lld raw events/s\n", NBATCH, rows, total_ms,
	    rows * 1000 / (total_ms > 0 ? total_ms : 1),
	    (long long)NBATCH * NRAW * 1000 / (total_ms > 0 ? total_ms : 1));
	assert_string_equal(counts(), "10000|1500|4500|9000|4500|4500|0|0");
	assert_true((long long)NBATCH * NRAW * 1000 / (total_ms > 0 ? total_ms : 1) > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_boots, empty),
		cmocka_unit_test_setup(test_roundtrip, empty),
		cmocka_unit_test_setup(test_exact_ms, empty),
		cmocka_unit_test_setup(test_same_batch_twice, empty),
		cmocka_unit_test_setup(test_children_replaced, empty),
		cmocka_unit_test_setup(test_absorbed, empty),
		cmocka_unit_test_setup(test_tags_survive, empty),
		cmocka_unit_test_setup(test_escaping, empty),
		cmocka_unit_test_setup(test_failure_rolls_back, empty),
		cmocka_unit_test_setup(test_list, empty),
		cmocka_unit_test_setup(test_rebuild, empty),
		cmocka_unit_test_setup(test_open_events, empty),
		cmocka_unit_test_setup(test_partitions, empty),
		cmocka_unit_test_setup(test_device_kinds, empty),
		cmocka_unit_test_setup(test_throughput, empty),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
