/*
 * recording_admin.c - which calls are recorded: Recorded Devices and the Exclusion and
 * Inclusion lists (tables recorded_devices and recording_rules, migrations/
 * 0007_recording_rules.sql).
 *
 * Permissions.  Recorded Devices are part of a recording server's set-up in the manual
 * (Site Settings -> Servers -> Call Recording), so they take config.servers, as the server
 * routes do.  Each list has the manual's own permission (config.exclusion_list,
 * config.inclusion_list); that is why the lists are two route families, /exclusion-list and
 * /inclusion-list, rather than one with the list in the body: every route names the one
 * permission it needs, and reading needs the same one as writing, as elsewhere.
 *
 * As in site.c, every field is checked here first so that a bad one is a 400 naming it; the
 * tables' CHECKs and unique indexes stay as the backstop (gw_reply_db).  A unique violation
 * is answered 409 naming what holds the value (the device with that IP address, the entry
 * already in the list).  Nobody needs telling about a change: the recorder re-reads both
 * tables on its own timer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define DESC_MAX 255   /* bytes of a description */
#define VALUE_MAX 64   /* characters of a list entry's value (the table's CHECK) */

/* ---- helpers ----------------------------------------------------------------------------- */

/* Characters, not bytes: PostgreSQL's length() counts characters of UTF-8 text. */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A body string that must be one of names[] (NULL-ended); *out is it, or NULL when absent. */
static bool
v_enum(struct gw_req *r, const char *f, bool required, const char *const *names,
    const char *hint, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, f);

	*out = NULL;
	if (v == NULL)
		return !required || gw_bad(r, f, "%s is required: %s", f, hint);
	for (int i = 0; cJSON_IsString(v) && names[i] != NULL; i++)
		if (strcmp(v->valuestring, names[i]) == 0) {
			*out = names[i];
			return true;
		}
	return gw_bad(r, f, "%s must be %s", f, hint);
}

/* A directory number as the PBX writes it (the tables' CHECK). */
static bool
is_number(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 32 && strspn(s, "0123456789*#") == n;
}

/* ---- recorded devices -------------------------------------------------------------------- */

static const char *const methods[] = { "rac", "mirror", NULL };
#define METHOD_HINT "\"rac\" (Record-A-Call) or \"mirror\" (IP/SIP RTP extension, port mirroring)"

#define RD_OBJ                                                                                 \
	"json_build_object('extension', d.extension, 'method', d.method, 'ip', host(d.ip), "     \
	"'description', d.description, 'enabled', d.enabled, 'updated_at', d.updated_at)"

/* The path's extension; false after replying 404 (a malformed one names no device). */
static bool
param_ext(struct gw_req *r)
{
	if (r->nparam < 1 || !is_number(r->param[0])) {
		gw_reply_error(r, 404, "not_found", NULL, "no such recorded device");
		return false;
	}
	return true;
}

/*
 * The body's ip: *ip is the address, or NULL for none (absent, null or "").  Only an
 * address: the unique index compares inet values, and "10.0.0.1/24" would pass PostgreSQL
 * as a network yet name no phone.
 */
static bool
v_ip(struct gw_req *r, const char **ip)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, "ip");
	unsigned char buf[sizeof(struct in6_addr)];

	*ip = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v))
		return gw_bad(r, "ip", "ip must be an IP address as text, or null");
	if (v->valuestring[0] == '\0')
		return true;
	if (strlen(v->valuestring) > 45 || (inet_pton(AF_INET, v->valuestring, buf) != 1 &&
	    inet_pton(AF_INET6, v->valuestring, buf) != 1))
		return gw_bad(r, "ip", "ip '%.60s' is not an IP address (e.g. 192.168.1.50 or "
		    "2001:db8::50)", v->valuestring);
	*ip = v->valuestring;
	return true;
}

/* An IP address belongs to a device captured on the mirror port (a MiNET phone is known by
 * its address there); Record-A-Call devices have none: the PBX sends the call. */
static bool
ip_fits_method(struct gw_req *r, const char *ip, const char *method)
{
	if (ip != NULL && strcmp(method, "mirror") != 0)
		return gw_bad(r, "ip", "an IP address is only for the mirror method (IP/SIP RTP "
		    "extension); a Record-A-Call device has none");
	return true;
}

/* After a unique violation on recorded_devices: 409 naming what holds the value. */
static void
rd_conflict(struct gw_req *r, const char *ext, const char *ip)
{
	const char *p[2] = { ext, ip };
	PGresult *res;
	char holder[40] = "";
	bool ext_taken = false;

	if (gw_db_q(r->db, "SELECT (SELECT extension FROM recorded_devices WHERE ip = $2::inet "
	    "  AND extension <> $1 LIMIT 1), EXISTS (SELECT 1 FROM recorded_devices "
	    "  WHERE extension = $1)", 2, p, &res, NULL) == HS_OK) {
		snprintf(holder, sizeof(holder), "%s", PQgetvalue(res, 0, 0));
		ext_taken = PQgetvalue(res, 0, 1)[0] == 't';
		PQclear(res);
	}
	if (holder[0] != '\0')
		gw_reply_error(r, 409, "conflict", "ip", "IP address %s is already used by recorded "
		    "device %s (one device per IP address)", ip, holder);
	else if (ext_taken && strcmp(r->method, "POST") == 0)
		gw_reply_error(r, 409, "conflict", "extension", "extension %s is already a "
		    "recorded device: change it with PATCH /recorded-devices/%s", ext, ext);
	else
		gw_reply_error(r, 409, "conflict", NULL, "it already exists");
}

/* Runs sql with the body as $1 and extra (at most 3) after it: 1 with *res, 0 after
 * replying (no body), -1 with the SQLSTATE in st for the caller to answer. */
static int
body_q(struct gw_req *r, const char *sql, int n, const char **extra, PGresult **res,
    char st[6])
{
	const char *p[4];
	char *b = gw_body_text(r);
	hs_err e;

	if (b == NULL)
		return 0;
	p[0] = b;
	for (int i = 0; i < n && i < 3; i++)
		p[i + 1] = extra[i];
	e = gw_db_q(r->db, sql, (n < 3 ? n : 3) + 1, p, res, st);
	free(b);
	return e == HS_OK ? 1 : -1;
}

/* Runs a write of recorded_devices answering RD_OBJ; replies (409 for a taken extension or
 * address) and audits.  Params: $1 the body, then extra. */
static void
rd_write(struct gw_req *r, const char *sql, int n, const char **extra, int status,
    const char *action, const char *ext, const char *ip)
{
	char st[6];
	PGresult *res;
	int q = body_q(r, sql, n, extra, &res, st);

	if (q == 0)
		return;
	if (q < 0) {
		if (strcmp(st, "23505") == 0)
			rd_conflict(r, ext, ip);
		else
			gw_reply_db(r, st);
		return;
	}
	if (gw_reply_row(r, res, status, "no such recorded device"))
		gw_audit(r, action, ext, cJSON_Duplicate(r->body, true));
}

static void
h_rd_list(struct gw_req *r)
{
	char method[16] = "", q[64] = "", off[24], lim[24];
	const char *p[4];
	long long o, l;

	if (!gw_paging(r, &o, &l))
		return;
	if (gw_query(r, "method", method, sizeof(method)) && method[0] != '\0' &&
	    strcmp(method, "rac") != 0 && strcmp(method, "mirror") != 0) {
		gw_bad(r, "method", "method is rac or mirror");
		return;
	}
	gw_query(r, "q", q, sizeof(q));
	snprintf(off, sizeof(off), "%lld", o);
	snprintf(lim, sizeof(lim), "%lld", l);
	p[0] = method[0] ? method : NULL;
	p[1] = q[0] ? q : NULL;
	p[2] = off;
	p[3] = lim;
	/* The order of the devices list: numeric numbers first, shorter before longer. */
	gw_reply_query(r,
	    "WITH f AS (SELECT * FROM recorded_devices d WHERE ($1::text IS NULL OR d.method = $1) "
	    "  AND ($2::text IS NULL OR strpos(d.extension, $2) > 0 "
	    "    OR strpos(lower(d.description), lower($2)) > 0)) "
	    "SELECT json_build_object('items', coalesce((SELECT json_agg(x.o ORDER BY x.n, x.l, "
	    "  x.extension) FROM (SELECT " RD_OBJ " AS o, d.extension !~ '^[0-9]+$' AS n, "
	    "  length(d.extension) AS l, d.extension FROM f d "
	    "  ORDER BY 2, 3, 4 OFFSET $3::bigint LIMIT $4::bigint) x), '[]'), "
	    "  'total', (SELECT count(*) FROM f), 'offset', $3::bigint, 'limit', $4::bigint)",
	    4, p);
}

static void
h_rd_get(struct gw_req *r)
{
	const char *p[1] = { r->param[0] };
	PGresult *res;

	if (!param_ext(r))
		return;
	if ((res = gw_run(r, "SELECT " RD_OBJ " FROM recorded_devices d WHERE d.extension = $1",
	    1, p, NULL)) != NULL)
		gw_reply_row(r, res, 200, "no such recorded device");
}

static void
h_rd_create(struct gw_req *r)
{
	const char *ext = gw_body_str(r, "extension"), *method, *ip;

	if (!gw_body_has(r, "extension")) {
		gw_bad(r, "extension", "extension is required");
		return;
	}
	if (ext == NULL || !is_number(ext)) {
		gw_bad(r, "extension", "extension must be a directory number: 1 to 32 of 0-9, * and #");
		return;
	}
	if (!v_enum(r, "method", true, methods, METHOD_HINT, &method) || !v_ip(r, &ip) ||
	    !ip_fits_method(r, ip, method) ||
	    !gw_v_str(r, "description", false, false, DESC_MAX) || !gw_v_bool(r, "enabled"))
		return;
	rd_write(r,
	    "WITH d AS (INSERT INTO recorded_devices (extension, method, ip, description, enabled) "
	    "  SELECT j->>'extension', j->>'method', nullif(j->>'ip', '')::inet, "
	    "  coalesce(j->>'description', ''), coalesce((j->>'enabled')::bool, true) "
	    "  FROM (SELECT $1::jsonb AS j) x RETURNING *) "
	    "SELECT " RD_OBJ " FROM d", 0, NULL, 201, "recorded_device.create", ext, ip);
}

static void
h_rd_update(struct gw_req *r)
{
	const char *p[1] = { r->param[0] }, *method, *ip, *extra[2];
	char cur_method[16], cur_ip[64];
	PGresult *res;
	bool found;

	if (!param_ext(r))
		return;
	if (gw_body_has(r, "extension") && (gw_body_str(r, "extension") == NULL ||
	    strcmp(gw_body_str(r, "extension"), r->param[0]) != 0)) {
		gw_bad(r, "extension", "a recorded device's extension cannot be changed: remove it "
		    "and add the other one");
		return;
	}
	if (!v_enum(r, "method", false, methods, METHOD_HINT, &method) || !v_ip(r, &ip) ||
	    !gw_v_str(r, "description", false, false, DESC_MAX) || !gw_v_bool(r, "enabled"))
		return;
	/* Whether ip and method fit each other depends on the one the body leaves as it is. */
	if ((res = gw_run(r, "SELECT method, coalesce(host(ip), '') FROM recorded_devices "
	    "WHERE extension = $1", 1, p, NULL)) == NULL)
		return;
	if ((found = PQntuples(res) == 1)) {
		snprintf(cur_method, sizeof(cur_method), "%s", PQgetvalue(res, 0, 0));
		snprintf(cur_ip, sizeof(cur_ip), "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no recorded device %s", r->param[0]);
		return;
	}
	if (method == NULL)
		method = cur_method;
	/* Without ip in the body the address stays, unless the device moves to Record-A-Call,
	 * where an address means nothing: it goes. */
	if (!gw_body_has(r, "ip"))
		ip = strcmp(method, "mirror") == 0 && cur_ip[0] != '\0' ? cur_ip : NULL;
	if (!ip_fits_method(r, ip, method))
		return;
	extra[0] = r->param[0];
	extra[1] = ip;
	rd_write(r,
	    "WITH d AS (UPDATE recorded_devices d SET "
	    "  method = CASE WHEN j ? 'method' THEN j->>'method' ELSE d.method END, "
	    "  ip = $3::inet, "
	    "  description = CASE WHEN j ? 'description' THEN j->>'description' "
	    "    ELSE d.description END, "
	    "  enabled = CASE WHEN j ? 'enabled' THEN (j->>'enabled')::bool ELSE d.enabled END "
	    "  FROM (SELECT $1::jsonb AS j) x WHERE d.extension = $2 RETURNING d.*) "
	    "SELECT " RD_OBJ " FROM d", 2, extra, 200, "recorded_device.update", r->param[0], ip);
}

static void
h_rd_delete(struct gw_req *r)
{
	const char *p[1] = { r->param[0] };
	PGresult *res;
	bool found;

	if (!param_ext(r))
		return;
	if ((res = gw_run(r, "DELETE FROM recorded_devices WHERE extension = $1 "
	    "RETURNING extension", 1, p, NULL)) == NULL)
		return;
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no recorded device %s", r->param[0]);
		return;
	}
	gw_audit(r, "recorded_device.delete", r->param[0], NULL);
	gw_reply_empty(r, 204);
}

/* ---- exclusion and inclusion lists ------------------------------------------------------- */

static const char *const match_types[] = { "account_code", "agent", "ddi", "outside_number",
	"endpoint", "hunt_group", NULL };
#define MATCH_HINT "one of account_code, agent, ddi, outside_number, endpoint, hunt_group"

#define RULE_OBJ                                                                               \
	"json_build_object('id', x.id, 'list', x.list, 'match_type', x.match_type, "             \
	"'value', x.value, 'description', x.description, 'created_at', x.created_at)"

/* Which list the route is about: the two families share these handlers, and the route
 * table (which also chose the permission) only lets the two prefixes through. */
static const char *
list_of(const struct gw_req *r)
{
	return strncmp(r->path, "/exclusion-list", 15) == 0 ? "exclusion" : "inclusion";
}

/*
 * An entry's value against its type.  The recorder matches "contains" on the call's field,
 * so a value that cannot occur there is a typing mistake worth a 400: numbers (extensions,
 * agents, hunt groups, DDI digits, outside numbers) are digits, * and # (outside numbers
 * may start with +); account codes are whatever the PBX lets a caller enter, so only text
 * rules apply to them.
 */
static bool
value_ok(struct gw_req *r, const char *type, const char *v)
{
	size_t n = strlen(v);

	if (strspn(v, " ") == n)
		return gw_bad(r, "value", "value must not be empty");
	if (utf8_len(v) > VALUE_MAX)
		return gw_bad(r, "value", "value is longer than %d characters", VALUE_MAX);
	if (gw_has_ctl(v))
		return gw_bad(r, "value", "value must not contain control characters or line breaks");
	if (strcmp(type, "account_code") == 0)
		return true;
	if (strcmp(type, "outside_number") == 0 && v[0] == '+') {
		v++;
		n--;
	}
	if (n == 0 || strspn(v, "0123456789*#") != n)
		return gw_bad(r, "value", "the value of %s %s entry is a number: digits, * and #%s",
		    type[0] == 'a' || type[0] == 'e' ? "an" : "a", type,
		    strcmp(type, "outside_number") == 0 ? " (a leading + too)" : "");
	return true;
}

/* A list given in the body must be the path's: an entry does not move between lists. */
static bool
list_fits(struct gw_req *r)
{
	const char *l = gw_body_str(r, "list");

	if (gw_body_has(r, "list") && (l == NULL || strcmp(l, list_of(r)) != 0))
		return gw_bad(r, "list", "this is the %s list: an entry cannot move to another list "
		    "(remove it here and add it there)", list_of(r));
	return true;
}

/* Runs a write of recording_rules answering RULE_OBJ and its id; replies (409 for an entry
 * already in the list) and audits. */
static void
rule_write(struct gw_req *r, const char *sql, int n, const char **extra, int status,
    const char *action, const char *type, const char *value)
{
	char st[6], id[24];
	cJSON *d;
	PGresult *res;
	int q = body_q(r, sql, n, extra, &res, st);

	if (q == 0)
		return;
	if (q < 0) {
		if (strcmp(st, "23505") == 0)
			gw_reply_error(r, 409, "conflict", "value", "the %s list already has the %s "
			    "entry \"%s\"", list_of(r), type, value);
		else
			gw_reply_db(r, st);
		return;
	}
	snprintf(id, sizeof(id), "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 1) : "");
	if (!gw_reply_row(r, res, status, "no such list entry"))
		return;
	d = cJSON_Duplicate(r->body, true);
	cJSON_DeleteItemFromObjectCaseSensitive(d, "list");
	cJSON_AddStringToObject(d, "list", list_of(r));
	gw_audit(r, action, id, d);
}

static void
h_rules_list(struct gw_req *r)
{
	const char *p[1] = { list_of(r) };

	gw_reply_query(r, "SELECT json_build_object('items', coalesce(json_agg(" RULE_OBJ
	    " ORDER BY x.id), '[]'), 'total', count(*)) FROM recording_rules x "
	    "WHERE x.list = $1", 1, p);
}

static void
h_rule_get(struct gw_req *r)
{
	const char *p[2] = { r->param[0], list_of(r) };
	long long id;
	PGresult *res;

	if (!gw_param_id(r, 0, &id))
		return;
	if ((res = gw_run(r, "SELECT " RULE_OBJ " FROM recording_rules x "
	    "WHERE x.id = $1::bigint AND x.list = $2", 2, p, NULL)) != NULL)
		gw_reply_row(r, res, 200, "no such list entry");
}

static void
h_rule_create(struct gw_req *r)
{
	const char *type, *value = gw_body_str(r, "value"), *extra[1] = { list_of(r) };

	if (!list_fits(r) || !v_enum(r, "match_type", true, match_types, MATCH_HINT, &type))
		return;
	if (value == NULL) {
		if (gw_body_has(r, "value"))
			gw_bad(r, "value", "value must be a string");
		else
			gw_bad(r, "value", "value is required: what the call's %s must contain", type);
		return;
	}
	if (!value_ok(r, type, value) || !gw_v_str(r, "description", false, false, DESC_MAX))
		return;
	rule_write(r,
	    "WITH x AS (INSERT INTO recording_rules (list, match_type, value, description) "
	    "  SELECT $2, j->>'match_type', j->>'value', coalesce(j->>'description', '') "
	    "  FROM (SELECT $1::jsonb AS j) b RETURNING *) "
	    "SELECT " RULE_OBJ ", x.id FROM x", 1, extra, 201, "recording_rule.create", type,
	    value);
}

static void
h_rule_update(struct gw_req *r)
{
	const char *p[2] = { r->param[0], list_of(r) }, *type, *value = gw_body_str(r, "value");
	char cur_type[32], cur_value[VALUE_MAX * 4 + 1];
	long long id;
	PGresult *res;
	bool found;

	if (!gw_param_id(r, 0, &id) || !list_fits(r) ||
	    !v_enum(r, "match_type", false, match_types, MATCH_HINT, &type) ||
	    !gw_v_str(r, "description", false, false, DESC_MAX))
		return;
	if (gw_body_has(r, "value") && value == NULL) {
		gw_bad(r, "value", "value must be a string");
		return;
	}
	/* A new type is checked against the value the entry keeps, and the other way round. */
	if ((res = gw_run(r, "SELECT match_type, value FROM recording_rules "
	    "WHERE id = $1::bigint AND list = $2", 2, p, NULL)) == NULL)
		return;
	if ((found = PQntuples(res) == 1)) {
		snprintf(cur_type, sizeof(cur_type), "%s", PQgetvalue(res, 0, 0));
		snprintf(cur_value, sizeof(cur_value), "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no entry %s in the %s list",
		    r->param[0], list_of(r));
		return;
	}
	if (type == NULL)
		type = cur_type;
	if (value == NULL)
		value = cur_value;
	if (!value_ok(r, type, value))
		return;
	rule_write(r,
	    "WITH x AS (UPDATE recording_rules x SET "
	    "  match_type = CASE WHEN j ? 'match_type' THEN j->>'match_type' ELSE x.match_type END, "
	    "  value = CASE WHEN j ? 'value' THEN j->>'value' ELSE x.value END, "
	    "  description = CASE WHEN j ? 'description' THEN j->>'description' "
	    "    ELSE x.description END "
	    "  FROM (SELECT $1::jsonb AS j) b WHERE x.id = $2::bigint AND x.list = $3 "
	    "  RETURNING x.*) "
	    "SELECT " RULE_OBJ ", x.id FROM x", 2, p, 200, "recording_rule.update", type, value);
}

static void
h_rule_delete(struct gw_req *r)
{
	const char *p[2] = { r->param[0], list_of(r) };
	long long id;
	PGresult *res;
	cJSON *d;
	bool found;

	if (!gw_param_id(r, 0, &id))
		return;
	if ((res = gw_run(r, "DELETE FROM recording_rules WHERE id = $1::bigint AND list = $2 "
	    "RETURNING id", 2, p, NULL)) == NULL)
		return;
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no entry %s in the %s list",
		    r->param[0], list_of(r));
		return;
	}
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "list", list_of(r));
	gw_audit(r, "recording_rule.delete", r->param[0], d);
	gw_reply_empty(r, 204);
}

const struct gw_route gw_routes_recording[] = {
	{ "GET", "/recorded-devices", GW_P_CONFIG_SERVERS, h_rd_list, 0 },
	{ "POST", "/recorded-devices", GW_P_CONFIG_SERVERS, h_rd_create, 0 },
	{ "GET", "/recorded-devices/{}", GW_P_CONFIG_SERVERS, h_rd_get, 0 },
	{ "PATCH", "/recorded-devices/{}", GW_P_CONFIG_SERVERS, h_rd_update, 0 },
	{ "DELETE", "/recorded-devices/{}", GW_P_CONFIG_SERVERS, h_rd_delete, 0 },
	{ "GET", "/exclusion-list", GW_P_CONFIG_EXCLUSION_LIST, h_rules_list, 0 },
	{ "POST", "/exclusion-list", GW_P_CONFIG_EXCLUSION_LIST, h_rule_create, 0 },
	{ "GET", "/exclusion-list/{}", GW_P_CONFIG_EXCLUSION_LIST, h_rule_get, 0 },
	{ "PATCH", "/exclusion-list/{}", GW_P_CONFIG_EXCLUSION_LIST, h_rule_update, 0 },
	{ "DELETE", "/exclusion-list/{}", GW_P_CONFIG_EXCLUSION_LIST, h_rule_delete, 0 },
	{ "GET", "/inclusion-list", GW_P_CONFIG_INCLUSION_LIST, h_rules_list, 0 },
	{ "POST", "/inclusion-list", GW_P_CONFIG_INCLUSION_LIST, h_rule_create, 0 },
	{ "GET", "/inclusion-list/{}", GW_P_CONFIG_INCLUSION_LIST, h_rule_get, 0 },
	{ "PATCH", "/inclusion-list/{}", GW_P_CONFIG_INCLUSION_LIST, h_rule_update, 0 },
	{ "DELETE", "/inclusion-list/{}", GW_P_CONFIG_INCLUSION_LIST, h_rule_delete, 0 },
	{ NULL, NULL, 0, NULL, 0 },
};
