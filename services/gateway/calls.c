/*
 * calls.c - the logger's call records: the call list, one call, and the tags and notes the
 * gateway writes on a call.
 *
 * A call is what hookswitchctl's calls.list gives (services/logger/store.c): every column of
 * `calls` plus `segments`, each every column of `call_segments` plus `parties` and `holds`,
 * times as ISO-8601 UTC strings - except that ids (call_id, rec_id) are strings here, since
 * they exceed JavaScript's exact integers.
 *
 * Visibility (manual: "Access Scopes and Access Filters are evaluated per segment") is one
 * SQL predicate over a segment, VISIBLE below, with the CTEs VIS_WITH it reads; every route
 * uses both, with the user behind the request as $1..$4.  A call is shown when at least one
 * of its segments is visible, with its visible segments only.  A call that never rang has no
 * segment: it is judged as one pseudo-segment made of the call's own columns, whose only
 * party is the call's originator.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

/* ---- SQL fragments ------------------------------------------------------------------------ */

/* A timestamp as the bus writes it (services/logger/store.c). */
#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/*
 * The user behind the request, parameters of every statement here:
 *   $1 user id, $2 the user's business unit, $3 access scope (roles.access_scope), $4 role id.
 * vis_bu: the business units of the scope (business_unit: the user's; business_unit_master:
 * it and every descendant).  vis_u: the users whose segments the scope shows (own: the user;
 * business units: their members); vis_dev: their extensions and agent ids.  vis_f: the role's
 * access filters, criteria normalised - NULL when empty (an empty criterion matches
 * anything), number lists parsed into ranges, business units resolved into their users'
 * ids, extensions and agent ids.  vis_cand (scope own only): the calls with a segment that
 * has a party of the user (found through the indexes of segment_parties), the only calls own
 * can show without a grant filter.
 */
#define RANGES(col)                                                                            \
	"CASE WHEN btrim(" col ") <> '' THEN ARRAY(SELECT numrange("                            \
	"least(m[1]::numeric, coalesce(nullif(m[2], ''), m[1])::numeric), "                     \
	"greatest(m[1]::numeric, coalesce(nullif(m[2], ''), m[1])::numeric), '[]') "            \
	"FROM regexp_split_to_table(" col ", ',') e, "                                          \
	"regexp_match(e, '^ *([0-9]+) *(?:- *([0-9]*) *)?$') m WHERE m IS NOT NULL) END"

/* What the users of filter f's business units own: kind 'extension' or 'agent'. */
#define UNIT_DEVICES(kind)                                                                     \
	"ARRAY(SELECT d.number FROM access_filter_units x JOIN users u "                        \
	"ON u.business_unit_id = x.business_unit_id JOIN user_devices d ON d.user_id = u.id "   \
	"WHERE x.filter_id = f.id AND d.kind = '" kind "')"

#define VIS_WITH                                                                               \
	"WITH RECURSIVE vis_bu(id) AS ("                                                        \
	"  SELECT $2::bigint WHERE $3::text IN ('business_unit', 'business_unit_master') "      \
	"  UNION SELECT b.id FROM business_units b JOIN vis_bu ON b.parent_id = vis_bu.id "     \
	"  WHERE $3::text = 'business_unit_master'), "                                          \
	"vis_u(id) AS (SELECT $1::bigint WHERE $3::text = 'own' "                               \
	"  UNION SELECT u.id FROM users u WHERE u.business_unit_id IN (SELECT id FROM vis_bu)), " \
	"vis_dev AS (SELECT d.kind, d.number FROM user_devices d "                              \
	"  WHERE d.user_id IN (SELECT id FROM vis_u)), "                                        \
	"vis_cand(call_id) AS ("                                                                \
	"  SELECT s.call_id FROM segment_parties p JOIN call_segments s ON s.rec_id = p.rec_id " \
	"  WHERE $3::text = 'own' AND p.user_id = $1::bigint "                                  \
	"  UNION SELECT s.call_id FROM user_devices d JOIN segment_parties p ON p.device = d.number " \
	"  JOIN call_segments s ON s.rec_id = p.rec_id "                                        \
	"  WHERE $3::text = 'own' AND d.user_id = $1::bigint AND d.kind = 'extension' "         \
	"  UNION SELECT s.call_id FROM user_devices d JOIN segment_parties p ON p.agent_id = d.number " \
	"  JOIN call_segments s ON s.rec_id = p.rec_id "                                        \
	"  WHERE $3::text = 'own' AND d.user_id = $1::bigint AND d.kind = 'agent'), "           \
	"vis_f AS (SELECT f.id, f.mode, "                                                       \
	"  nullif(btrim(f.outside_number), '') AS outside, "                                    \
	"  replace(replace(btrim(f.outside_number), '\\', '\\\\'), '_', '\\_') AS outside_like, " \
	"  " RANGES("f.extensions") " AS ext_r, "                                               \
	"  nullif(btrim(f.ddi), '') AS ddi, nullif(btrim(f.trunk), '') AS trunk, "              \
	"  CASE f.call_type WHEN 'inbound' THEN 'in' WHEN 'outbound' THEN 'out' "               \
	"    WHEN 'internal' THEN 'na' END AS direction, "                                      \
	"  f.min_duration * 1000::bigint AS min_ms, f.max_duration * 1000::bigint AS max_ms, "  \
	"  " RANGES("f.agents") " AS agent_r, " RANGES("f.hunt_groups") " AS hg_r, "            \
	"  nullif(btrim(f.account_code), '') AS account_code, "                                 \
	"  EXISTS (SELECT 1 FROM access_filter_units x WHERE x.filter_id = f.id) AS has_units, " \
	"  ARRAY(SELECT u.id FROM access_filter_units x JOIN users u "                          \
	"    ON u.business_unit_id = x.business_unit_id WHERE x.filter_id = f.id) AS unit_users, " \
	"  " UNIT_DEVICES("extension") " AS unit_ext, " UNIT_DEVICES("agent") " AS unit_agents " \
	"  FROM role_access_filters ra JOIN access_filters f ON f.id = ra.filter_id "          \
	"  WHERE ra.role_id = $4::bigint) "

/* The parties of segment s of call c, as relation p (device, device_kind, agent_id,
 * user_id); the pseudo-segment of a call without segments (rec_id NULL) has its originator. */
#define PARTIES                                                                                \
	"(SELECT sp.device, sp.device_kind, sp.agent_id, sp.user_id FROM segment_parties sp "   \
	"  WHERE sp.rec_id = s.rec_id "                                                         \
	" UNION ALL SELECT c.originator, CASE c.direction WHEN 'in' THEN 'trunk' "              \
	"  ELSE 'extension' END, c.originator_agent, NULL::bigint "                             \
	"  WHERE s.rec_id IS NULL AND c.originator IS NOT NULL) p"

/* Number x (text) lies in one of ranges r (numrange[]); non-numeric text never does. */
#define IN_RANGES(x, r)                                                                        \
	"EXISTS (SELECT 1 FROM unnest(" r ") rg WHERE "                                         \
	"CASE WHEN " x " ~ '^[0-9]{1,40}$' THEN " x "::numeric END <@ rg)"

/* Access filter f (a vis_f row) matches segment s of call c: every non-empty criterion does. */
#define FILTER_MATCHES                                                                         \
	"(f.outside IS NULL OR (c.call_type = 'external' AND (s.cli LIKE f.outside_like "        \
	"  OR c.cli LIKE f.outside_like OR c.dialled LIKE f.outside_like))) "                   \
	"AND (f.ext_r IS NULL OR EXISTS (SELECT 1 FROM " PARTIES " WHERE p.device_kind "        \
	"  IN ('extension', 'other') AND " IN_RANGES("p.device", "f.ext_r") ")) "              \
	"AND (f.ddi IS NULL OR c.ddi_digits = f.ddi) "                                          \
	"AND (f.trunk IS NULL OR s.trunk = f.trunk OR f.trunk = ANY (c.trunks)) "               \
	"AND (f.direction IS NULL OR c.direction = f.direction) "                               \
	"AND (f.min_ms IS NULL OR s.talk_ms + s.hold_ms >= f.min_ms) "                          \
	"AND (f.max_ms IS NULL OR s.talk_ms + s.hold_ms <= f.max_ms) "                          \
	"AND (f.agent_r IS NULL OR EXISTS (SELECT 1 FROM " PARTIES " WHERE "                    \
	"  " IN_RANGES("p.agent_id", "f.agent_r") ")) "                                        \
	"AND (f.hg_r IS NULL OR " IN_RANGES("s.hunt_group", "f.hg_r") " OR EXISTS (SELECT 1 "   \
	"  FROM " PARTIES " WHERE p.device_kind = 'hunt-group' AND "                            \
	"  " IN_RANGES("p.device", "f.hg_r") ")) "                                             \
	"AND (f.account_code IS NULL OR s.account_code = f.account_code OR EXISTS (SELECT 1 "   \
	"  FROM account_code_entries a WHERE a.rec_id = s.rec_id AND a.code = f.account_code)) " \
	"AND (NOT f.has_units OR EXISTS (SELECT 1 FROM " PARTIES " WHERE "                      \
	"  p.user_id = ANY (f.unit_users) OR p.device = ANY (f.unit_ext) "                      \
	"  OR p.agent_id = ANY (f.unit_agents)))"

/*
 * THE visibility predicate: segment s (columns rec_id, trunk, cli, hunt_group, account_code,
 * talk_ms, hold_ms) of call c (a calls row) is visible to the user of VIS_WITH.
 *   - a matching deny filter hides it (deny wins);
 *   - else a matching grant filter shows it;
 *   - else the access scope decides: site and organisation everything (one site for now);
 *     own / business_unit / business_unit_master when a party belongs to a user of vis_u
 *     (tagged with them when logged, or their extension or agent id now); none nothing.
 * bool_and(mode = 'grant') over the matching filters is false with any deny among them, true
 * with grants only, NULL with none: then the scope.
 */
#define VISIBLE                                                                                \
	"coalesce((SELECT bool_and(f.mode = 'grant') FROM vis_f f WHERE " FILTER_MATCHES "), "   \
	"  $3::text IN ('site', 'organisation') OR EXISTS (SELECT 1 FROM " PARTIES " WHERE "    \
	"  p.user_id IN (SELECT id FROM vis_u) "                                                \
	"  OR p.device IN (SELECT number FROM vis_dev WHERE kind = 'extension') "              \
	"  OR p.agent_id IN (SELECT number FROM vis_dev WHERE kind = 'agent')))"

/* The segments of call c that visibility judges: its own, or a pseudo-segment of the call's
 * columns when it has none. */
#define SEGMENTS_OF_C                                                                          \
	"(SELECT cs.rec_id, cs.trunk, cs.cli, cs.hunt_group, cs.account_code, cs.talk_ms, "     \
	"  cs.hold_ms FROM call_segments cs WHERE cs.call_id = c.call_id "                      \
	" UNION ALL SELECT NULL::bigint, c.trunk, c.cli, c.hunt_group, c.account_code, "        \
	"  c.talk_ms, c.hold_ms WHERE NOT EXISTS (SELECT 1 FROM call_segments x "               \
	"  WHERE x.call_id = c.call_id)) s"

/* Call c has a visible segment. */
#define CALL_VISIBLE "EXISTS (SELECT 1 FROM " SEGMENTS_OF_C " WHERE " VISIBLE ")"

/* The same for a whole list of calls, only faster: site/organisation without filters sees
 * every call; own without a grant filter only the calls of vis_cand (or one without
 * segments: its originator decides).  A business unit can be most of the site: its calls are
 * checked one by one, like those of filtered roles (a list with from/to stays quick).  CASE,
 * so that the planner cannot run the costly test before the cheap ones. */
#define CALLS_VISIBLE                                                                          \
	"CASE WHEN $3::text IN ('site', 'organisation') AND NOT EXISTS (SELECT 1 FROM vis_f) "  \
	"  THEN true "                                                                          \
	"  WHEN $3::text <> 'own' OR c.segment_count = 0 "                                      \
	"  OR EXISTS (SELECT 1 FROM vis_f WHERE mode = 'grant') "                               \
	"  OR c.call_id IN (SELECT call_id FROM vis_cand) THEN " CALL_VISIBLE " "               \
	"  ELSE false END"

/* Call c (a calls row) as jsonb, with its visible segments only. */
#define CALL_OBJ                                                                               \
	"(to_jsonb(c) || jsonb_build_object('call_id', c.call_id::text, "                       \
	"'created_ts', " TS("c.created_ts") ", 'start_ts', " TS("c.start_ts") ", "              \
	"'answer_ts', " TS("c.answer_ts") ", 'end_ts', " TS("c.end_ts") ", "                    \
	"'tags_updated_at', " TS("c.tags_updated_at") ", 'updated_at', " TS("c.updated_at") ", " \
	"'segments', coalesce((SELECT jsonb_agg(to_jsonb(s) || jsonb_build_object("            \
	"  'rec_id', s.rec_id::text, 'call_id', s.call_id::text, "                              \
	"  'start_ts', " TS("s.start_ts") ", 'answer_ts', " TS("s.answer_ts") ", "              \
	"  'end_ts', " TS("s.end_ts") ", "                                                      \
	"  'parties', coalesce((SELECT jsonb_agg(to_jsonb(pa) || jsonb_build_object("          \
	"    'rec_id', pa.rec_id::text, 'join_ts', " TS("pa.join_ts") ", "                      \
	"    'alert_ts', " TS("pa.alert_ts") ", 'answer_ts', " TS("pa.answer_ts") ", "          \
	"    'release_ts', " TS("pa.release_ts") ") ORDER BY pa.rang_order NULLS LAST, pa.device) " \
	"    FROM segment_parties pa WHERE pa.rec_id = s.rec_id), '[]'), "                      \
	"  'holds', coalesce((SELECT jsonb_agg(to_jsonb(h) || jsonb_build_object("             \
	"    'rec_id', h.rec_id::text, 'start_ts', " TS("h.start_ts") ", "                      \
	"    'end_ts', " TS("h.end_ts") ") ORDER BY h.start_ts, h.device) "                     \
	"    FROM hold_intervals h WHERE h.rec_id = s.rec_id), '[]')) ORDER BY s.segment_no) "  \
	"  FROM call_segments s WHERE s.call_id = c.call_id AND " VISIBLE "), '[]')))"

/* ---- request helpers ---------------------------------------------------------------------- */

static const char *const scope_names[] = { "none", "own", "business_unit",
	"business_unit_master", "site", "organisation" };

/* The user's $1..$4 as text parameters. */
struct vis_params {
	char uid[24], bu[24], role[24];
};

/* Fills p[0..3]; the strings live in v. */
static void
vis_params(const struct gw_req *r, struct vis_params *v, const char **p)
{
	unsigned s = (unsigned)r->user.scope;

	snprintf(v->uid, sizeof(v->uid), "%lld", r->user.id);
	snprintf(v->bu, sizeof(v->bu), "%lld", r->user.business_unit_id);
	snprintf(v->role, sizeof(v->role), "%lld", r->user.role_id);
	p[0] = v->uid;
	p[1] = v->bu;
	p[2] = s < sizeof(scope_names) / sizeof(scope_names[0]) ? scope_names[s] : "none";
	p[3] = v->role;
}

/* The call id of the path: a positive decimal bigint, else 404. */
static bool
call_id_param(struct gw_req *r)
{
	const char *s = r->nparam > 0 ? r->param[0] : "";
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno == ERANGE || v <= 0) {
		gw_reply_error(r, 404, "not_found", NULL, "no such call");
		return false;
	}
	return true;
}

/* A query argument: 0 absent or empty, 1 in buf, -1 after replying 400 (longer than buf). */
static int
arg(struct gw_req *r, const char *name, char *buf, size_t len)
{
	size_t qlen;
	char *tmp;
	bool there;

	if (gw_query(r, name, buf, len))
		return buf[0] != '\0';
	buf[0] = '\0';
	/* absent, or too long for buf: a buffer as long as the query string tells them apart */
	if (r->query == NULL || (qlen = strlen(r->query)) < len)
		return 0;
	if ((tmp = malloc(qlen + 1)) == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return -1;
	}
	there = gw_query(r, name, tmp, qlen + 1);
	free(tmp);
	if (!there)
		return 0;
	gw_reply_error(r, 400, "validation", name, "%s is too long", name);
	return -1;
}

static int
digits(const char **s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v;
}

/*
 * An ISO 8601 time: YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|(+|-)HH[:]MM|(+|-)HH], written
 * to out in a form PostgreSQL reads as timestamptz whatever its settings (no zone: UTC).  A
 * '+' of the offset that arrived as ' ' (an unencoded '+' in a query string) is taken as '+'.
 */
static bool
iso_time(const char *in, char *out, size_t len)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *s = in, *frac = "";
	int y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, fl = 0;
	char sign = '+';

	if ((y = digits(&s, 4)) < 1 || *s++ != '-' || (mo = digits(&s, 2)) < 1 || mo > 12 ||
	    *s++ != '-' || (d = digits(&s, 2)) < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return false;
	if (*s == 'T' || *s == 't' || (*s == ' ' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] == ':')) {
		s++;
		if ((h = digits(&s, 2)) < 0 || h > 23 || *s++ != ':' || (mi = digits(&s, 2)) < 0 ||
		    mi > 59)
			return false;
		if (*s == ':') {
			s++;
			if ((sec = digits(&s, 2)) < 0 || sec > 59)
				return false;
			if (*s == '.' || *s == ',') {
				frac = ++s;
				while (*s >= '0' && *s <= '9')
					s++;
				if ((fl = (int)(s - frac)) < 1 || fl > 9)
					return false;
			}
		}
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-' || *s == ' ') {
			sign = *s == '-' ? '-' : '+';
			s++;
			if ((zh = digits(&s, 2)) < 0 || zh > 14)
				return false;
			if (*s == ':')
				s++;
			if (*s != '\0' && ((zm = digits(&s, 2)) < 0 || zm > 59))
				return false;
		}
	}
	if (*s != '\0')
		return false;
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%.*s%c%02d:%02d", y, mo, d, h, mi, sec,
	    fl > 0 ? "." : "", fl, frac, sign, zh, zm);
	return true;
}

/* A time argument; 0 absent, 1 in out, -1 after replying 400. */
static int
time_arg(struct gw_req *r, const char *name, char *out, size_t len)
{
	char buf[64];
	int a = arg(r, name, buf, sizeof(buf));

	if (a == 1 && !iso_time(buf, out, len)) {
		gw_reply_error(r, 400, "validation", name,
		    "%s is not an ISO 8601 time (e.g. 2026-11-25T09:00:00Z)", name);
		return -1;
	}
	return a;
}

/* ---- database ---------------------------------------------------------------------------- */

/* The statements here are large (the visibility predicate is in them several times): with
 * PostgreSQL's JIT on, planning a list over many calls crosses jit_above_cost and compiling
 * takes seconds - more than running it.  So each runs in a transaction with jit off. */
static bool
tx_begin(struct gw_req *r)
{
	char st[6];

	if (gw_db_begin(r->db) != HS_OK ||
	    gw_db_q(r->db, "SELECT set_config('jit', 'off', true)", 0, NULL, NULL, st) != HS_OK) {
		gw_db_rollback(r->db);
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return false;
	}
	return true;
}

/* Runs a read-only query answering one JSON text (404 when no row), as tx_begin says. */
static void
reply_read(struct gw_req *r, const char *sql, int n, const char *const *params)
{
	if (!tx_begin(r))
		return;
	gw_reply_query(r, sql, n, params);
	gw_db_rollback(r->db);
}

/* ---- routes ------------------------------------------------------------------------------- */

static void
h_calls_list(struct gw_req *r)
{
	char from[64], to[64], device[40], number[72], dir[16], ans[8], off[24], lim[24];
	int a_from, a_to, a_dev, a_num, a_dir, a_ans;
	struct vis_params v;
	const char *p[12];
	long long o, l;

	if (!gw_paging(r, &o, &l) || (a_from = time_arg(r, "from", from, sizeof(from))) < 0 ||
	    (a_to = time_arg(r, "to", to, sizeof(to))) < 0 ||
	    (a_dev = arg(r, "device", device, sizeof(device))) < 0 ||
	    (a_num = arg(r, "number", number, sizeof(number))) < 0 ||
	    (a_dir = arg(r, "direction", dir, sizeof(dir))) < 0 ||
	    (a_ans = arg(r, "answered", ans, sizeof(ans))) < 0)
		return;
	if (a_dir && strcmp(dir, "internal") == 0)
		snprintf(dir, sizeof(dir), "na");
	if (a_dir && strcmp(dir, "in") != 0 && strcmp(dir, "out") != 0 && strcmp(dir, "na") != 0) {
		gw_reply_error(r, 400, "validation", "direction",
		    "direction is in, out or na (internal)");
		return;
	}
	if (a_ans && strcmp(ans, "true") != 0 && strcmp(ans, "false") != 0) {
		gw_reply_error(r, 400, "validation", "answered", "answered is true or false");
		return;
	}
	snprintf(off, sizeof(off), "%lld", o);
	snprintf(lim, sizeof(lim), "%lld", l);
	vis_params(r, &v, p);
	p[4] = a_from ? from : NULL;
	p[5] = a_to ? to : NULL;
	p[6] = a_dev ? device : NULL;
	p[7] = a_num ? number : NULL;
	p[8] = a_dir ? dir : NULL;
	p[9] = a_ans ? ans : NULL;
	p[10] = off;
	p[11] = lim;
	/* The device filter looks at the parties of visible segments only: a hidden segment
	 * does not give away that the device took part. */
	reply_read(r, VIS_WITH ", "
	    "hits AS (SELECT c.call_id, c.start_ts FROM calls c "
	    "  WHERE c.start_ts >= coalesce($5::timestamptz, '-infinity') "
	    "  AND c.start_ts < coalesce($6::timestamptz, 'infinity') "
	    "  AND ($8::text IS NULL OR strpos(c.cli, $8) > 0 OR strpos(c.telephone_number, $8) > 0 "
	    "    OR strpos(c.dialled, $8) > 0 OR strpos(c.ddi_digits, $8) > 0) "
	    "  AND ($9::text IS NULL OR c.direction = $9::text) "
	    "  AND ($10::bool IS NULL OR c.answered = $10::bool) "
	    "  AND " CALLS_VISIBLE " AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM " SEGMENTS_OF_C
	    "    WHERE " VISIBLE " AND EXISTS (SELECT 1 FROM " PARTIES " WHERE p.device = $7::text)))) "
	    "SELECT json_build_object('items', coalesce((SELECT json_agg(x.o ORDER BY x.start_ts "
	    "  DESC, x.call_id DESC) FROM (SELECT " CALL_OBJ " AS o, c.start_ts, c.call_id "
	    "  FROM (SELECT h.call_id FROM hits h ORDER BY h.start_ts DESC, h.call_id DESC "
	    "  OFFSET $11::bigint LIMIT $12::bigint) pg JOIN calls c ON c.call_id = pg.call_id) x), "
	    "  '[]'), "
	    "  'total', (SELECT count(*) FROM hits), 'offset', $11::bigint, 'limit', $12::bigint)",
	    12, p);
}

static void
h_call_get(struct gw_req *r)
{
	struct vis_params v;
	const char *p[5];

	if (!call_id_param(r))
		return;
	vis_params(r, &v, p);
	p[4] = r->param[0];
	reply_read(r, VIS_WITH "SELECT " CALL_OBJ "::text FROM calls c "
	    "WHERE c.call_id = $5::bigint AND " CALL_VISIBLE, 5, p);
}

/* The fields of PATCH /calls/{id}/tags. */
static const char *const tag_fields[] = { "tag1", "tag2", "tag3", "tag4", "tag5", "notes" };
#define TAG_MAX_CHARS 1000

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool
tags_body_ok(struct gw_req *r)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, r->body) {
		size_t i;

		for (i = 0; i < sizeof(tag_fields) / sizeof(tag_fields[0]); i++)
			if (it->string != NULL && strcmp(it->string, tag_fields[i]) == 0)
				break;
		if (i == sizeof(tag_fields) / sizeof(tag_fields[0])) {
			gw_reply_error(r, 400, "validation", it->string,
			    "unknown field (tag1..tag5 and notes can be set)");
			return false;
		}
		if (!cJSON_IsNull(it) && !cJSON_IsString(it)) {
			gw_reply_error(r, 400, "validation", it->string, "%s is a string or null",
			    it->string);
			return false;
		}
		if (cJSON_IsString(it) && utf8_chars(it->valuestring) > TAG_MAX_CHARS) {
			gw_reply_error(r, 400, "validation", it->string,
			    "%s is longer than %d characters", it->string, TAG_MAX_CHARS);
			return false;
		}
	}
	return true;
}

#define TAG_SET(t) t " = CASE WHEN b.j ? '" t "' THEN b.j->>'" t "' ELSE c." t " END, "

static void
h_call_tags(struct gw_req *r)
{
	struct vis_params v;
	const char *p[6];
	char *body, st[6];
	PGresult *res;
	cJSON *changed;

	if (!gw_has_perm(r, GW_P_GENERAL_WEB_ACCESS)) {
		gw_reply_error(r, 403, "forbidden", NULL, "you need the %s permission",
		    gw_perm_name(GW_P_GENERAL_WEB_ACCESS));
		return;
	}
	if (!call_id_param(r) || !tags_body_ok(r))
		return;
	if ((body = cJSON_PrintUnformatted(r->body)) == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	vis_params(r, &v, p);
	p[4] = r->param[0];
	p[5] = body;
	/* One statement: lock the call if visible, update it, answer what changed and the call
	 * as it is now (u holds the new row; its segments are untouched). */
	if (!tx_begin(r)) {
		free(body);
		return;
	}
	if (gw_db_q(r->db, VIS_WITH ", "
	    "o AS (SELECT c.* FROM calls c WHERE c.call_id = $5::bigint AND " CALL_VISIBLE " "
	    "  FOR UPDATE OF c), "
	    "u AS (UPDATE calls c SET " TAG_SET("tag1") TAG_SET("tag2") TAG_SET("tag3")
	    TAG_SET("tag4") TAG_SET("tag5") TAG_SET("notes")
	    "  tags_updated_at = CASE WHEN EXISTS (SELECT 1 FROM jsonb_object_keys(b.j) k "
	    "    WHERE b.j->>k IS DISTINCT FROM to_jsonb(c)->>k) THEN now() "
	    "    ELSE c.tags_updated_at END "
	    "  FROM o, (SELECT $6::jsonb AS j) b WHERE c.call_id = o.call_id RETURNING c.*) "
	    "SELECT (SELECT coalesce(jsonb_object_agg(k, jsonb_build_object('from', ov, 'to', nv)), "
	    "  '{}') FROM (VALUES ('tag1', o.tag1, c.tag1), ('tag2', o.tag2, c.tag2), "
	    "  ('tag3', o.tag3, c.tag3), ('tag4', o.tag4, c.tag4), ('tag5', o.tag5, c.tag5), "
	    "  ('notes', o.notes, c.notes)) t(k, ov, nv) WHERE ov IS DISTINCT FROM nv)::text, "
	    "  " CALL_OBJ "::text FROM u c JOIN o ON o.call_id = c.call_id",
	    6, p, &res, st) != HS_OK) {
		free(body);
		gw_db_rollback(r->db);
		gw_reply_db(r, st);
		return;
	}
	free(body);
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_db_rollback(r->db);
		gw_reply_error(r, 404, "not_found", NULL, "no such call");
		return;
	}
	if (gw_db_commit(r->db) != HS_OK) {
		PQclear(res);
		gw_db_rollback(r->db);
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	/* After the commit, as admin.c does: an audit row that fails is logged, not fatal (and
	 * cannot abort the change's transaction). */
	changed = cJSON_Parse(PQgetvalue(res, 0, 0));
	if (cJSON_GetArraySize(changed) > 0) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "call_id", r->param[0]);
		cJSON_AddItemToObject(d, "changed", changed);
		gw_audit(r, "call.tags", r->param[0], d);
	} else {
		cJSON_Delete(changed);
	}
	gw_reply_text(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
	PQclear(res);
}

const struct gw_route gw_routes_calls[] = {
	{ "GET", "/calls", GW_P_GENERAL_WEB_ACCESS, h_calls_list, GW_R_SCOPE },
	{ "GET", "/calls/{}", GW_P_GENERAL_WEB_ACCESS, h_call_get, GW_R_SCOPE },
	{ "PATCH", "/calls/{}/tags", GW_P_RECORDINGS_MODIFY_CALL_DETAILS, h_call_tags, GW_R_SCOPE },
	{ NULL, NULL, 0, NULL, 0 },
};
