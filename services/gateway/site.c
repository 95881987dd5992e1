/*
 * site.c - the site's routes: servers, the phone system and its devices, Email & SMTP, the
 * HTTPS certificate, the system status page, alerts and the audit trail.
 *
 * As in admin.c, a request body goes to PostgreSQL whole as one jsonb parameter and the SQL
 * picks the fields; the JSON answers are built by PostgreSQL.  Every field is checked here
 * first so that a bad one is a 400 naming it (PostgreSQL's own checks stay as the backstop:
 * gw_reply_db).  Nobody else needs telling about a change: the servers, phone_systems and
 * settings tables NOTIFY hs_config, and the watchdog and cti-host follow it.  Secrets (the
 * OAI and SMTP passwords) are write-only: answers and the audit trail only say whether one
 * is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <civetweb.h>

#include "bus.h"
#include "conf.h"
#include "live.h"
#include "log.h"
#include "mail.h"
#include "server.h"
#include "service.h"
#include "tls.h"
#include "topo.h"

#define WATCHDOG_TIMEOUT_MS 1000
#define MAIL_TIMEOUT_MS 20000

/* ---- helpers ----------------------------------------------------------------------------- */

/* A host name or IP address (or empty). */
static bool
v_host(struct gw_req *r, const char *f, bool required)
{
	const char *s;

	if (!gw_v_str(r, f, required, false, 253))
		return false;
	if ((s = gw_body_str(r, f)) == NULL)
		return true;
	for (const char *c = s; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_' || *c == ':'))
			return gw_bad(r, f, "%s must be a host name or an IP address", f);
	return true;
}

static bool
v_int(struct gw_req *r, const char *f, bool required, long long lo, long long hi,
    long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, f);

	if (v == NULL)
		return !required || gw_bad(r, f, "%s is required", f);
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo || v->valuedouble > (double)hi ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		return gw_bad(r, f, "%s must be an integer in %lld..%lld", f, lo, hi);
	if (out != NULL)
		*out = (long long)v->valuedouble;
	return true;
}

/* A query-string value: 1 present (and not empty), 0 absent; -1 after replying 400. */
static int
qget(struct gw_req *r, const char *name, char *buf, size_t len)
{
	int n;

	buf[0] = '\0';
	if (r->query == NULL)
		return 0;
	n = mg_get_var(r->query, strlen(r->query), name, buf, len);
	if (n == -1)
		return 0;
	if (n < 0) {
		gw_bad(r, name, "%s is too long", name);
		return -1;
	}
	return buf[0] != '\0';
}

/* A true/false query filter: *out "true", "false" or NULL (absent); false after replying. */
static bool
qbool(struct gw_req *r, const char *name, const char **out)
{
	char buf[8];
	int k = qget(r, name, buf, sizeof(buf));

	*out = NULL;
	if (k < 0)
		return false;
	if (k == 0)
		return true;
	if (strcmp(buf, "true") == 0)
		*out = "true";
	else if (strcmp(buf, "false") == 0)
		*out = "false";
	else
		return gw_bad(r, name, "%s is true or false", name);
	return true;
}

/* A timestamp query filter, checked by PostgreSQL; false after replying. */
static bool
qtime(struct gw_req *r, const char *name, char *buf, size_t len)
{
	const char *p[1] = { buf };
	PGresult *res;
	char st[6];
	int k = qget(r, name, buf, len);

	if (k <= 0)
		return k == 0;
	if (gw_db_q(r->db, "SELECT $1::timestamptz", 1, p, &res, st) != HS_OK) {
		if (strncmp(st, "22", 2) == 0)
			return gw_bad(r, name, "%s is not a timestamp (ISO 8601, e.g. "
			    "2026-11-25T16:00:00Z)", name);
		gw_reply_db(r, st);
		return false;
	}
	PQclear(res);
	return true;
}

/* A path id in 1..max; false after replying 404. */
static bool
param_small(struct gw_req *r, long long max)
{
	long long id;

	if (!gw_param_id(r, 0, &id))
		return false;
	if (id > max) {
		gw_reply_error(r, 404, "not_found", NULL, "no such item");
		return false;
	}
	return true;
}

/* ---- servers ----------------------------------------------------------------------------- */

#define SERVER_OBJ                                                                             \
	"json_build_object('id', s.id, 'name', s.name, 'host', s.host, "                          \
	"'roles', to_json(s.roles), "                                                             \
	"'created_at', s.created_at, 'updated_at', s.updated_at)"

static bool
v_roles(struct gw_req *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r->body, "roles"), *it, *jt;
	char known[256];
	size_t n = 0;

	if (a == NULL)
		return true;
	known[0] = '\0';
	for (int i = 0; i < HS_ROLE_COUNT; i++)
		n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "",
		    hs_role_name(i));
	if (!cJSON_IsArray(a))
		return gw_bad(r, "roles", "roles is a list of role names (%s)", known);
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it) || hs_role_parse(it->valuestring) < 0)
			return gw_bad(r, "roles", "unknown role %s%.40s%s; roles are: %s",
			    cJSON_IsString(it) ? "'" : "", cJSON_IsString(it) ? it->valuestring :
			    "(not a string)", cJSON_IsString(it) ? "'" : "", known);
		for (jt = a->child; jt != it; jt = jt->next)
			if (strcmp(jt->valuestring, it->valuestring) == 0)
				return gw_bad(r, "roles", "role '%s' is listed twice",
				    it->valuestring);
	}
	return true;
}

/* The roles of the server this gateway runs on must keep the site (website or gateway)
 * and the watchdog (wcf): taking them away here would lock the administrator out. */
static bool
keeps_this_site(struct gw_req *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r->body, "roles"), *it;
	bool web = false, wcf = false;

	if (a == NULL)
		return true;
	cJSON_ArrayForEach(it, a) {
		int role = hs_role_parse(it->valuestring); /* v_roles checked the names */
		web |= role == HS_ROLE_WEBSITE || role == HS_ROLE_GATEWAY;
		wcf |= role == HS_ROLE_WCF;
	}
	if (web && wcf)
		return true;
	gw_reply_error(r, 409, "conflict", "roles",
	    "server %s is the one this web site runs on: it must keep the %s role",
	    r->param[0], !wcf ? "wcf" : "website or gateway");
	return false;
}

static bool
server_body_ok(struct gw_req *r, bool create)
{
	return v_int(r, "id", false, 1, 99, NULL) &&
	    gw_v_str(r, "name", create, true, 128) && v_host(r, "host", false) && v_roles(r);
}

static void
h_servers_list(struct gw_req *r)
{
	gw_reply_query(r, "SELECT json_build_object('items', coalesce(json_agg(" SERVER_OBJ
	    " ORDER BY s.id), '[]'), 'total', count(*)) FROM servers s", 0, NULL);
}

static void
h_server_get(struct gw_req *r)
{
	const char *p[1] = { r->param[0] };

	if (param_small(r, 99))
		gw_reply_query(r, "SELECT " SERVER_OBJ " FROM servers s WHERE s.id = $1::smallint",
		    1, p);
}

static void
h_server_create(struct gw_req *r)
{
	PGresult *res;
	char id[8];

	if (!server_body_ok(r, true))
		return;
	/* Without an id: the lowest free server number. */
	if ((res = gw_run_body(r,
	    "WITH s AS (INSERT INTO servers (id, name, host, roles) "
	    "  SELECT n.id, j->>'name', coalesce(j->>'host', ''), "
	    "  ARRAY(SELECT jsonb_array_elements_text(j->'roles')) "
	    "  FROM (SELECT $1::jsonb AS j) x, LATERAL (SELECT coalesce((j->>'id')::smallint, "
	    "    (SELECT min(g) FROM generate_series(1, 99) g "
	    "     WHERE g NOT IN (SELECT id FROM servers))) AS id) n "
	    "  WHERE n.id IS NOT NULL RETURNING *) "
	    "SELECT " SERVER_OBJ ", s.id FROM s", 0, NULL,
	    "there is already a server with that id")) == NULL)
		return;
	snprintf(id, sizeof(id), "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 1) : "");
	if (gw_reply_row(r, res, 201, "no server number is free"))
		gw_audit(r, "server.create", id, cJSON_Duplicate(r->body, true));
}

static void
h_server_update(struct gw_req *r)
{
	const char *extra[1] = { r->param[0] };
	long long id;
	PGresult *res;

	if (!param_small(r, 99) || !server_body_ok(r, false))
		return;
	if (gw_body_has(r, "id") && v_int(r, "id", false, 1, 99, &id) &&
	    id != atoll(r->param[0])) {
		gw_bad(r, "id", "a server's id cannot be changed");
		return;
	}
	if (atoll(r->param[0]) == gw_svc(r->gw)->server_id && !keeps_this_site(r))
		return;
	if ((res = gw_run_body(r,
	    "WITH s AS (UPDATE servers s SET "
	    "  name = CASE WHEN j ? 'name' THEN j->>'name' ELSE s.name END, "
	    "  host = CASE WHEN j ? 'host' THEN j->>'host' ELSE s.host END, "
	    "  roles = CASE WHEN j ? 'roles' "
	    "    THEN ARRAY(SELECT jsonb_array_elements_text(j->'roles')) ELSE s.roles END "
	    "  FROM (SELECT $1::jsonb AS j) x WHERE s.id = $2::smallint RETURNING s.*) "
	    "SELECT " SERVER_OBJ " FROM s", 1, extra, NULL)) == NULL)
		return;
	if (gw_reply_row(r, res, 200, "no such server"))
		gw_audit(r, "server.update", r->param[0], cJSON_Duplicate(r->body, true));
}

static void
h_server_delete(struct gw_req *r)
{
	const char *p[1] = { r->param[0] };
	PGresult *res;
	bool found;

	if (!param_small(r, 99))
		return;
	if (atoll(r->param[0]) == gw_svc(r->gw)->server_id) {
		gw_reply_error(r, 409, "conflict", NULL,
		    "server %s is the one this gateway runs on; it cannot be removed from here",
		    r->param[0]);
		return;
	}
	/* Its setting overrides go with it (settings has no foreign key: 0 is not a server). */
	if ((res = gw_run(r, "WITH s AS (DELETE FROM servers WHERE id = $1::smallint RETURNING id), "
	    "o AS (DELETE FROM settings WHERE server_id IN (SELECT id FROM s)) "
	    "SELECT id FROM s", 1, p, NULL)) == NULL)
		return;
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no server %s", r->param[0]);
		return;
	}
	gw_audit(r, "server.delete", r->param[0], NULL);
	gw_reply_empty(r, 204);
}

/* ---- phone systems ----------------------------------------------------------------------- */

#define PS_TYPE "MiVoice Office 250"

#define PS_OBJ                                                                                 \
	"json_build_object('id', p.id, 'type', CASE p.type WHEN 'mivoice-office-250' THEN '"      \
	PS_TYPE "' ELSE p.type END, 'name', p.name, 'host', p.host, 'port', p.port, "            \
	"'enabled', p.enabled, 'password_set', p.password <> '', 'ct_gateway', p.ct_gateway, "   \
	"'protocol_version', p.protocol_version, 'software_version', p.software_version, "       \
	"'last_import_at', p.last_import_at, 'created_at', p.created_at, 'updated_at', "         \
	"p.updated_at)"

static bool
ps_body_ok(struct gw_req *r)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->body, "type");

	if (t != NULL && !(cJSON_IsString(t) && (strcmp(t->valuestring, PS_TYPE) == 0 ||
	    strcmp(t->valuestring, "mivoice-office-250") == 0)))
		return gw_bad(r, "type", "type must be \"" PS_TYPE "\"");
	return v_int(r, "id", false, 1, 1, NULL) &&
	    gw_v_str(r, "name", false, true, 128) && v_host(r, "host", false) &&
	    v_int(r, "port", false, 1, 65535, NULL) && gw_v_str(r, "password", false, false, 255) &&
	    gw_v_bool(r, "enabled");
}

static void
h_ps_list(struct gw_req *r)
{
	gw_reply_query(r, "SELECT json_build_object('items', coalesce(json_agg(" PS_OBJ
	    " ORDER BY p.id), '[]'), 'total', count(*)) FROM phone_systems p", 0, NULL);
}

static void
h_ps_get(struct gw_req *r)
{
	const char *p[1] = { r->param[0] };

	if (param_small(r, 32767))
		gw_reply_query(r, "SELECT " PS_OBJ " FROM phone_systems p "
		    "WHERE p.id = $1::smallint", 1, p);
}

static void
h_ps_create(struct gw_req *r)
{
	PGresult *res;

	if (!ps_body_ok(r))
		return;
	if ((res = gw_run_body(r,
	    "WITH p AS (INSERT INTO phone_systems (id, type, name, host, port, password, enabled) "
	    "  SELECT coalesce((j->>'id')::smallint, 1), 'mivoice-office-250', "
	    "  coalesce(j->>'name', 'PBX'), coalesce(j->>'host', ''), coalesce((j->>'port')::int, "
	    "  4000), coalesce(j->>'password', ''), coalesce((j->>'enabled')::bool, true) "
	    "  FROM (SELECT $1::jsonb AS j) x RETURNING *) "
	    "SELECT " PS_OBJ " FROM p", 0, NULL,
	    "there is already a phone system (one per site): change it with PATCH "
	    "/phone-systems/1")) == NULL)
		return;
	if (gw_reply_row(r, res, 201, "not created"))
		gw_audit(r, "phone_system.create", "1", gw_body_redacted(r));
}

static void
h_ps_update(struct gw_req *r)
{
	const char *extra[1] = { r->param[0] };
	PGresult *res;

	if (!param_small(r, 32767) || !ps_body_ok(r))
		return;
	if ((res = gw_run_body(r,
	    "WITH p AS (UPDATE phone_systems p SET "
	    "  name = CASE WHEN j ? 'name' THEN j->>'name' ELSE p.name END, "
	    "  host = CASE WHEN j ? 'host' THEN j->>'host' ELSE p.host END, "
	    "  port = CASE WHEN j ? 'port' THEN (j->>'port')::int ELSE p.port END, "
	    "  password = CASE WHEN j ? 'password' THEN j->>'password' ELSE p.password END, "
	    "  enabled = CASE WHEN j ? 'enabled' THEN (j->>'enabled')::bool ELSE p.enabled END "
	    "  FROM (SELECT $1::jsonb AS j) x WHERE p.id = $2::smallint RETURNING p.*) "
	    "SELECT " PS_OBJ " FROM p", 1, extra, NULL)) == NULL)
		return;
	if (gw_reply_row(r, res, 200, "no such phone system"))
		gw_audit(r, "phone_system.update", r->param[0], gw_body_redacted(r));
}

static void
h_ps_delete(struct gw_req *r)
{
	const char *p[1] = { r->param[0] };
	PGresult *res;
	bool found;

	if (!param_small(r, 32767))
		return;
	if ((res = gw_run(r, "DELETE FROM phone_systems WHERE id = $1::smallint RETURNING id", 1, p,
	    NULL)) == NULL)
		return;
	found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no phone system %s", r->param[0]);
		return;
	}
	gw_audit(r, "phone_system.delete", r->param[0], NULL);
	gw_reply_empty(r, 204);
}

/* ---- devices ----------------------------------------------------------------------------- */

static void
h_devices_list(struct gw_req *r)
{
	static const char *const kinds[] = { "extension", "sip-extension", "phantom",
		"hunt-group", "trunk", "trunk-group", "voicemail", "page", "other" };
	char kind[32], q[256], off[24], lim[24];
	const char *removed, *p[5];
	long long o, l;
	int k = 0;
	size_t i;

	if (!gw_paging(r, &o, &l) || (k = qget(r, "kind", kind, sizeof(kind))) < 0 ||
	    qget(r, "q", q, sizeof(q)) < 0 || !qbool(r, "include_removed", &removed))
		return;
	for (i = 0; k > 0 && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			break;
	if (k > 0 && i == sizeof(kinds) / sizeof(kinds[0])) {
		gw_bad(r, "kind", "kind is one of extension, sip-extension, phantom, hunt-group, "
		    "trunk, trunk-group, voicemail, page, other");
		return;
	}
	snprintf(off, sizeof(off), "%lld", o);
	snprintf(lim, sizeof(lim), "%lld", l);
	p[0] = kind[0] ? kind : NULL;
	p[1] = q[0] ? q : NULL;
	p[2] = removed != NULL ? removed : "false";
	p[3] = off;
	p[4] = lim;
	gw_reply_query(r,
	    "WITH f AS (SELECT d.*, h.group_type FROM devices d "
	    "  LEFT JOIN hunt_groups h ON h.number = d.number "
	    "  WHERE ($1::text IS NULL OR d.kind = $1) "
	    "  AND ($2::text IS NULL OR strpos(lower(d.number), lower($2)) > 0 "
	    "    OR strpos(lower(d.description), lower($2)) > 0) "
	    "  AND ($3::bool OR d.removed_at IS NULL)) "
	    "SELECT json_build_object('items', coalesce((SELECT json_agg(x.o ORDER BY x.n, x.l, "
	    "  x.number) FROM (SELECT json_build_object('number', d.number, 'node', d.node, "
	    "  'kind', d.kind, 'description', d.description, 'username', d.username, "
	    "  'oai_device_type', d.oai_device_type, 'physical_type', d.physical_type, "
	    "  'hunt_group_type', d.group_type, 'monitoring_disabled', d.monitoring_disabled, "
	    "  'treat_not_answering', d.treat_not_answering, 'treat_not_rung', d.treat_not_rung, "
	    "  'manually_added', d.manually_added, 'removed_at', d.removed_at, 'imported_at', "
	    "  d.imported_at, 'updated_at', d.updated_at) AS o, d.number !~ '^[0-9]+$' AS n, "
	    "  length(d.number) AS l, d.number FROM f d "
	    "  ORDER BY 2, 3, 4 OFFSET $4::bigint LIMIT $5::bigint) x), '[]'), "
	    "  'total', (SELECT count(*) FROM f), 'offset', $4::bigint, 'limit', $5::bigint)",
	    5, p);
}

/* ---- Email & SMTP ------------------------------------------------------------------------ */

#define EMAIL_OBJ_SQL                                                                          \
	"SELECT json_build_object('server', coalesce(s->>'server', ''), "                         \
	"'port', CASE WHEN s->>'port' ~ '^[0-9]{1,5}$' THEN (s->>'port')::int ELSE 25 END, "      \
	"'auth', coalesce(s->>'auth' = 'true', false), 'username', coalesce(s->>'username', ''), " \
	"'password_set', coalesce(s->>'password', '') <> '', "                                    \
	"'ssl', coalesce(s->>'ssl' = 'true', false), 'from', coalesce(s->>'from', ''), "          \
	"'from_name', coalesce(s->>'from_name', ''), 'alarm_interval_minutes', "                  \
	"CASE WHEN s->>'alarm_interval_minutes' ~ '^[0-9]{1,9}$' "                                \
	"  THEN (s->>'alarm_interval_minutes')::int ELSE 60 END) "                                \
	"FROM (SELECT coalesce(jsonb_object_agg(substr(key, 6), value), '{}') AS s FROM settings " \
	"  WHERE server_id = 0 AND left(key, 5) = 'smtp.') x"

bool
gw_mail_conf_read(struct gw_db *db, struct gw_mail_conf *c)
{
	PGresult *res;

	memset(c, 0, sizeof(*c));
	c->port = GW_MAIL_DEFAULT_PORT;
	c->timeout_ms = MAIL_TIMEOUT_MS;
	if (gw_db_q(db, "SELECT substr(key, 6), value FROM settings WHERE server_id = 0 "
	    "AND left(key, 5) = 'smtp.'", 0, NULL, &res, NULL) != HS_OK)
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *k = PQgetvalue(res, i, 0), *v = PQgetvalue(res, i, 1);
		if (strcmp(k, "server") == 0)
			snprintf(c->server, sizeof(c->server), "%s", v);
		else if (strcmp(k, "port") == 0)
			c->port = atoi(v);
		else if (strcmp(k, "auth") == 0)
			c->auth = strcmp(v, "true") == 0;
		else if (strcmp(k, "username") == 0)
			snprintf(c->username, sizeof(c->username), "%s", v);
		else if (strcmp(k, "password") == 0)
			snprintf(c->password, sizeof(c->password), "%s", v);
		else if (strcmp(k, "ssl") == 0)
			c->ssl = strcmp(v, "true") == 0;
		else if (strcmp(k, "from") == 0)
			snprintf(c->from, sizeof(c->from), "%s", v);
		else if (strcmp(k, "from_name") == 0)
			snprintf(c->from_name, sizeof(c->from_name), "%s", v);
	}
	PQclear(res);
	return true;
}

/* The saved SMTP settings; false after replying. */
static bool
mail_conf_load(struct gw_req *r, struct gw_mail_conf *c)
{
	if (gw_mail_conf_read(r->db, c))
		return true;
	gw_reply_error(r, 500, "internal", NULL, "cannot read the email settings");
	return false;
}

/* The field a gw_mail_conf_check/gw_mail_send message ("from: ...") names, or NULL. */
static const char *
mail_err_field(const char *err)
{
	static const char *const f[] = { "server", "port", "username", "password", "from_name",
		"from", "to" };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t n = strlen(f[i]);
		if (strncmp(err, f[i], n) == 0 && err[n] == ':')
			return f[i];
	}
	return NULL;
}

static void
h_email_get(struct gw_req *r)
{
	gw_reply_query(r, EMAIL_OBJ_SQL, 0, NULL);
}

static void
h_email_put(struct gw_req *r)
{
	static const char *const strs[] = { "server", "username", "password", "from",
		"from_name" };
	static const size_t maxlen[] = { 253, 255, 255, 254, 127 };
	static const char *const bools[] = { "auth", "ssl" };
	struct gw_mail_conf c, chk;
	cJSON *set = cJSON_CreateObject(), *audit;
	long long port = -1, interval = -1;
	const char *p[1];
	char *text, err[300], num[24];
	PGresult *res;

	if (set == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	/* Each field on its own first, then the whole as it will be once saved. */
	for (size_t i = 0; i < 5; i++)
		if (!gw_v_str(r, strs[i], false, false, maxlen[i]))
			goto out;
	if (!v_host(r, "server", false) || !gw_v_bool(r, "auth") || !gw_v_bool(r, "ssl") ||
	    !v_int(r, "port", false, 1, 65535, &port) ||
	    !v_int(r, "alarm_interval_minutes", false, 1, 10080, &interval) ||
	    !mail_conf_load(r, &c))
		goto out;
	for (size_t i = 0; i < 5; i++) {
		const char *v = gw_body_str(r, strs[i]);
		if (v == NULL)
			continue;
		cJSON_AddStringToObject(set, strs[i], v);
		if (i == 0)
			snprintf(c.server, sizeof(c.server), "%s", v);
		else if (i == 1)
			snprintf(c.username, sizeof(c.username), "%s", v);
		else if (i == 2)
			snprintf(c.password, sizeof(c.password), "%s", v);
		else if (i == 3)
			snprintf(c.from, sizeof(c.from), "%s", v);
		else
			snprintf(c.from_name, sizeof(c.from_name), "%s", v);
	}
	for (size_t i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, bools[i]);
		if (v == NULL)
			continue;
		cJSON_AddStringToObject(set, bools[i], cJSON_IsTrue(v) ? "true" : "false");
		if (i == 0)
			c.auth = cJSON_IsTrue(v);
		else
			c.ssl = cJSON_IsTrue(v);
	}
	if (port > 0) {
		snprintf(num, sizeof(num), "%lld", port);
		cJSON_AddStringToObject(set, "port", num);
		c.port = (int)port;
	}
	if (interval > 0) {
		snprintf(num, sizeof(num), "%lld", interval);
		cJSON_AddStringToObject(set, "alarm_interval_minutes", num);
	}
	/* With a server, everything needed to send must be right; without one (mail off), a
	 * sender given must still be an address. */
	chk = c;
	if (chk.server[0] == '\0' && chk.from[0] != '\0') {
		snprintf(chk.server, sizeof(chk.server), "localhost");
		chk.auth = false;
	}
	if (chk.server[0] != '\0' &&
	    gw_mail_conf_check(&chk, err, sizeof(err)) != HS_OK) {
		gw_bad(r, mail_err_field(err), "%s", err);
		goto out;
	}
	if ((text = cJSON_PrintUnformatted(set)) == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		goto out;
	}
	p[0] = text;
	res = gw_run(r, "INSERT INTO settings (server_id, key, value) "
	    "SELECT 0, 'smtp.' || key, value FROM jsonb_each_text($1::jsonb) "
	    "ON CONFLICT (server_id, key) DO UPDATE SET value = EXCLUDED.value", 1, p, NULL);
	free(text);
	if (res == NULL)
		goto out;
	PQclear(res);
	audit = cJSON_Duplicate(set, true);
	if (cJSON_GetObjectItemCaseSensitive(audit, "password") != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(audit, "password");
		cJSON_AddBoolToObject(audit, "password_changed", true);
	}
	gw_audit(r, "email_settings.update", NULL, audit);
	gw_reply_query(r, EMAIL_OBJ_SQL, 0, NULL);
out:
	cJSON_Delete(set);
}

static void
h_email_test(struct gw_req *r)
{
	struct gw_mail_conf c;
	const char *to = gw_body_str(r, "to");
	char err[512], body[600], ts[32];
	const char *field;
	time_t now = time(NULL);
	struct tm tm;
	cJSON *audit;
	hs_err e;

	if (!gw_v_str(r, "to", true, true, 254) || !mail_conf_load(r, &c))
		return;
	if (c.server[0] == '\0' || c.from[0] == '\0') {
		gw_reply_error(r, 409, "conflict", NULL,
		    "set the SMTP server and the sender address (from) first");
		return;
	}
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(body, sizeof(body),
	    "This is a test message from Hookswitch (server %d), sent at %s at the request of "
	    "%s.\n\nIf you can read it, the Email & SMTP settings work.\n",
	    gw_svc(r->gw)->server_id, ts, r->user.username);
	e = gw_mail_send(&c, to, "Hookswitch test message", body, err, sizeof(err));
	if (e != HS_EINVAL) { /* a message was sent, or tried */
		audit = cJSON_CreateObject();
		cJSON_AddBoolToObject(audit, "sent", e == HS_OK);
		gw_audit(r, "email_settings.test", to, audit);
	}
	if (e == HS_OK) {
		gw_reply_empty(r, 204);
		return;
	}
	field = mail_err_field(err);
	if (e == HS_EINVAL && field != NULL && strcmp(field, "to") == 0)
		gw_reply_error(r, 400, "validation", "to", "%s", err);
	else if (e == HS_EINVAL)
		gw_reply_error(r, 409, "conflict", field,
		    "the saved SMTP settings are not usable: %s", err);
	else
		gw_reply_error(r, 502, "smtp", NULL, "%s", err);
}

/* ---- HTTPS certificate ------------------------------------------------------------------- */

/* A certificate was installed since this process started: civetweb still serves the old one
 * (it reads its certificate at start only). */
static bool tls_installed;

static void
h_tls_get(struct gw_req *r)
{
	cJSON *info = NULL;
	hs_err e = gw_tls_info(r->gw->tls_dir, &info);

	if (e == HS_ENOTFOUND) {
		gw_reply_error(r, 404, "not_found", NULL, "there is no certificate (HTTPS is off)");
		return;
	}
	if (e != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL,
		    "the certificate on disk cannot be read (%s)", hs_err_name(e));
		return;
	}
	cJSON_AddBoolToObject(info, "https_enabled", r->gw->https_port > 0);
	cJSON_AddBoolToObject(info, "restart_required",
	    __atomic_load_n(&tls_installed, __ATOMIC_RELAXED));
	gw_reply_json(r, 200, info);
}

static void
h_tls_put(struct gw_req *r)
{
	const char *crt = gw_body_str(r, "certificate_pem"), *key = gw_body_str(r, "key_pem");
	char err[300];
	cJSON *info = NULL, *d;
	hs_err e;

	if (crt == NULL || crt[0] == '\0') {
		gw_bad(r, "certificate_pem", "certificate_pem (PEM text) is required");
		return;
	}
	if (key == NULL || key[0] == '\0') {
		gw_bad(r, "key_pem", "key_pem (PEM text, not encrypted) is required");
		return;
	}
	e = gw_tls_install(r->gw->tls_dir, crt, key, err, sizeof(err));
	if (e == HS_EINVAL) {
		gw_bad(r, strncmp(err, "key", 3) == 0 ? "key_pem" : "certificate_pem", "%s", err);
		return;
	}
	if (e != HS_OK) {
		hs_log_error("gateway.tls", "dir=%s install failed: %s", hs_logq(r->gw->tls_dir),
		    hs_logq(err));
		gw_reply_error(r, 500, "internal", NULL, "the certificate could not be saved: %s",
		    err);
		return;
	}
	__atomic_store_n(&tls_installed, true, __ATOMIC_RELAXED);
	if (gw_tls_info(r->gw->tls_dir, &info) != HS_OK || info == NULL) {
		gw_reply_error(r, 500, "internal", NULL,
		    "the certificate was saved but cannot be read");
		return;
	}
	d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "subject",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(info, "subject"), true));
	cJSON_AddItemToObject(d, "not_after",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(info, "not_after"), true));
	cJSON_AddItemToObject(d, "sha256",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(info, "sha256"), true));
	gw_audit(r, "tls_certificate.install", NULL, d);
	hs_log_info("gateway.tls", "certificate installed by=%s; served after a restart",
	    hs_logq(r->user.username));
	cJSON_AddBoolToObject(info, "https_enabled", r->gw->https_port > 0);
	cJSON_AddBoolToObject(info, "restart_required", true);
	gw_reply_json(r, 200, info);
}

/* ---- system status ----------------------------------------------------------------------- */

#define ALERT_OBJ                                                                              \
	"json_build_object('id', a.id, 'ts', a.ts, 'server_id', a.server_id, 'severity', "       \
	"a.severity, 'source', a.source, 'code', a.code, 'text', a.text, 'details', a.details, "  \
	"'acknowledged_at', a.acknowledged_at, 'acknowledged_by', a.acknowledged_by, "            \
	"'cleared_at', a.cleared_at)"

/* Services as this server's watchdog reports them; "watchdog" says whether it answered. */
static void
status_services(struct gw_req *r, cJSON *out)
{
	const struct hs_svc *svc = gw_svc(r->gw);
	cJSON *wd, *services, *it;
	char url[600];
	hs_env rep;
	hs_err e;
	time_t now = time(NULL);

	hs_service_endpoint(svc->conf, HS_SVC_WATCHDOG, HS_EP_REP, url, sizeof(url));
	e = hs_bus_call(url, "gateway", "status", NULL, WATCHDOG_TIMEOUT_MS, &rep);
	if (e != HS_OK || rep.status != HS_OK || !cJSON_IsObject(rep.body)) {
		cJSON_AddItemToObject(out, "services", cJSON_CreateArray());
		wd = cJSON_AddObjectToObject(out, "watchdog");
		cJSON_AddBoolToObject(wd, "reachable", false);
		cJSON_AddStringToObject(wd, "reason", e != HS_OK ? hs_err_name(e) :
		    rep.message[0] ? rep.message : hs_err_name(rep.status));
		if (e == HS_OK)
			hs_env_clear(&rep);
		return;
	}
	services = cJSON_DetachItemFromObjectCaseSensitive(rep.body, "services");
	if (!cJSON_IsArray(services)) {
		cJSON_Delete(services);
		services = cJSON_CreateArray();
	}
	/* since: when a running service entered its run, from its uptime. */
	cJSON_ArrayForEach(it, services) {
		const cJSON *up = cJSON_GetObjectItemCaseSensitive(it, "uptime_s");
		if (cJSON_IsNumber(up) && up->valuedouble > 0) {
			time_t t = now - (time_t)up->valuedouble;
			struct tm tm;
			char ts[32];
			gmtime_r(&t, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			cJSON_AddStringToObject(it, "since", ts);
		}
	}
	cJSON_AddItemToObject(out, "services", services);
	/* The rest of its answer (server, roles, db, db_activity...) but its disk list: ours
	 * below is the folders Hookswitch uses. */
	cJSON_DeleteItemFromObjectCaseSensitive(rep.body, "disks");
	wd = rep.body;
	rep.body = NULL;
	cJSON_AddBoolToObject(wd, "reachable", true);
	cJSON_AddItemToObject(out, "watchdog", wd);
	hs_env_clear(&rep);
}

/* Free space of the folders the configuration names, one entry per file system. */
static void
status_disks(struct gw_req *r, cJSON *out, const char *db_dir, double threshold)
{
	const hs_conf *c = gw_svc(r->gw)->conf;
	const char *paths[] = { hs_conf_str(c, "paths.state"), hs_conf_str(c, "log.dir"),
		hs_conf_str(c, "log.archive_dir"), r->gw->tls_dir, db_dir };
	const char *what[] = { "state", "logs", "log_archive", "tls", "database" };
	const int n = (int)(sizeof(paths) / sizeof(paths[0]));
	dev_t devs[sizeof(paths) / sizeof(paths[0])];
	cJSON *entries[sizeof(paths) / sizeof(paths[0])];
	cJSON *arr = cJSON_AddArrayToObject(out, "disks");
	int k = 0;

	for (int i = 0; i < n; i++) {
		struct statvfs vs;
		struct stat st;
		int j;

		if (paths[i] == NULL || paths[i][0] == '\0' || stat(paths[i], &st) != 0 ||
		    statvfs(paths[i], &vs) != 0 || vs.f_blocks == 0)
			continue;
		for (j = 0; j < k && devs[j] != st.st_dev; j++)
			;
		if (j < k) {
			cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(entries[j],
			    "used_for"), cJSON_CreateString(what[i]));
			continue;
		}
		double total = (double)vs.f_blocks * (double)vs.f_frsize;
		double avail = (double)vs.f_bavail * (double)vs.f_frsize;
		double pct = (double)(long long)(1000.0 * (double)vs.f_bavail /
		    (double)vs.f_blocks + 0.5) / 10.0;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "path", paths[i]);
		cJSON_AddItemToObject(e, "used_for", cJSON_CreateStringArray(&what[i], 1));
		cJSON_AddNumberToObject(e, "total_bytes", total);
		cJSON_AddNumberToObject(e, "free_bytes", avail);
		cJSON_AddNumberToObject(e, "free_pct", pct);
		if (threshold >= 0)
			cJSON_AddBoolToObject(e, "low", pct < threshold);
		cJSON_AddItemToArray(arr, e);
		devs[k] = st.st_dev;
		entries[k++] = e;
	}
}

static void
h_system_status(struct gw_req *r)
{
	cJSON *out = cJSON_CreateObject(), *db = NULL, *v;
	char sid[8], *link, dbdir[1024] = "";
	const char *p[1] = { sid };
	double threshold = -1;
	PGresult *res;
	size_t len = 0;

	if (out == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	snprintf(sid, sizeof(sid), "%d", gw_svc(r->gw)->server_id);
	cJSON_AddNumberToObject(out, "server_id", gw_svc(r->gw)->server_id);
	status_services(r, out);

	link = gw_live_link_json(gw_live_of(r->gw), &len);
	v = link != NULL ? cJSON_ParseWithLength(link, len) : NULL;
	cJSON_AddItemToObject(out, "pbx_link", v != NULL ? v : cJSON_CreateNull());
	free(link);

	/* The alerts, the drive space threshold the watchdog uses and, when PostgreSQL runs here
	 * and lets us see it, its data folder. */
	if (gw_db_q(r->db,
	    "SELECT json_build_object('unacknowledged', (SELECT count(*) FROM alerts "
	    "  WHERE acknowledged_at IS NULL), 'active', (SELECT count(*) FROM alerts "
	    "  WHERE cleared_at IS NULL), 'latest', coalesce((SELECT json_agg(" ALERT_OBJ
	    "  ORDER BY a.ts DESC, a.id DESC) FROM (SELECT * FROM alerts "
	    "  ORDER BY ts DESC, id DESC LIMIT 10) a), '[]')), "
	    "(SELECT value FROM settings WHERE key = 'watchdog.drive_space_threshold_pct' "
	    "  AND server_id IN (0, $1::smallint) ORDER BY server_id DESC LIMIT 1), "
	    "(SELECT setting FROM pg_settings WHERE name = 'data_directory' "
	    "  AND (inet_server_addr() IS NULL OR inet_server_addr() <<= '127.0.0.0/8' "
	    "  OR inet_server_addr() = '::1'))", 1, p, &res, NULL) == HS_OK) {
		db = cJSON_Parse(PQgetvalue(res, 0, 0));
		if (!PQgetisnull(res, 0, 1))
			threshold = atof(PQgetvalue(res, 0, 1));
		snprintf(dbdir, sizeof(dbdir), "%s", PQgetvalue(res, 0, 2));
		PQclear(res);
	}
	status_disks(r, out, dbdir, threshold);
	if (db != NULL) {
		cJSON_AddItemToObject(out, "alerts", db);
	} else {
		v = cJSON_AddObjectToObject(out, "alerts");
		cJSON_AddNullToObject(v, "unacknowledged");
		cJSON_AddItemToObject(v, "latest", cJSON_CreateArray());
		cJSON_AddStringToObject(v, "error", "the database did not answer");
	}
	gw_reply_json(r, 200, out);
}

/* ---- alerts ------------------------------------------------------------------------------ */

static void
h_alerts_list(struct gw_req *r)
{
	char off[24], lim[24];
	const char *p[4];
	long long o, l;

	if (!gw_paging(r, &o, &l) || !qbool(r, "acknowledged", &p[0]) ||
	    !qbool(r, "cleared", &p[1]))
		return;
	snprintf(off, sizeof(off), "%lld", o);
	snprintf(lim, sizeof(lim), "%lld", l);
	p[2] = off;
	p[3] = lim;
	gw_reply_query(r,
	    "WITH f AS (SELECT * FROM alerts a "
	    "  WHERE ($1::bool IS NULL OR (a.acknowledged_at IS NOT NULL) = $1) "
	    "  AND ($2::bool IS NULL OR (a.cleared_at IS NOT NULL) = $2)) "
	    "SELECT json_build_object('items', coalesce((SELECT json_agg(" ALERT_OBJ
	    "  ORDER BY a.ts DESC, a.id DESC) FROM (SELECT * FROM f ORDER BY ts DESC, id DESC "
	    "  OFFSET $3::bigint LIMIT $4::bigint) a), '[]'), "
	    "  'total', (SELECT count(*) FROM f), 'offset', $3::bigint, 'limit', $4::bigint)",
	    4, p);
}

static void
h_alert_ack(struct gw_req *r)
{
	long long id;
	const char *p[2] = { r->param[0], r->user.username };
	PGresult *res;
	char by[140] = "", at[40] = "", code[64] = "";
	bool exists;

	if (!gw_param_id(r, 0, &id))
		return;
	/* The outer SELECT sees the row as it was before the update. */
	if ((res = gw_run(r,
	    "WITH a AS (UPDATE alerts a SET acknowledged_at = now(), acknowledged_by = $2 "
	    "  WHERE a.id = $1::bigint AND a.acknowledged_at IS NULL RETURNING a.*) "
	    "SELECT (SELECT " ALERT_OBJ " FROM a), (SELECT a.code FROM a), "
	    "  o.id IS NOT NULL, o.acknowledged_by, to_json(o.acknowledged_at) #>> '{}' "
	    "FROM (SELECT 1) one LEFT JOIN alerts o ON o.id = $1::bigint", 2, p, NULL)) == NULL)
		return;
	exists = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	snprintf(code, sizeof(code), "%s", PQgetvalue(res, 0, 1));
	snprintf(by, sizeof(by), "%s", PQgetvalue(res, 0, 3));
	snprintf(at, sizeof(at), "%s", PQgetvalue(res, 0, 4));
	if (!PQgetisnull(res, 0, 0)) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "code", code);
		gw_audit(r, "alert.acknowledge", r->param[0], d);
		gw_reply_row(r, res, 200, "no such alert");
		return;
	}
	PQclear(res);
	if (!exists)
		gw_reply_error(r, 404, "not_found", NULL, "no alert %s", r->param[0]);
	else
		gw_reply_error(r, 409, "conflict", NULL, "alert %s was already acknowledged%s%s "
		    "at %s", r->param[0], by[0] ? " by " : "", by, at);
}

/* ---- audit trail ------------------------------------------------------------------------- */

static void
h_audit_list(struct gw_req *r)
{
	char user[160], action[160], from[64], to[64], off[24], lim[24];
	const char *p[6];
	long long o, l;

	if (!gw_paging(r, &o, &l) || qget(r, "user", user, sizeof(user)) < 0 ||
	    qget(r, "action", action, sizeof(action)) < 0 ||
	    !qtime(r, "from", from, sizeof(from)) || !qtime(r, "to", to, sizeof(to)))
		return;
	snprintf(off, sizeof(off), "%lld", o);
	snprintf(lim, sizeof(lim), "%lld", l);
	p[0] = user[0] ? user : NULL;
	p[1] = action[0] ? action : NULL;
	p[2] = from[0] ? from : NULL;
	p[3] = to[0] ? to : NULL;
	p[4] = off;
	p[5] = lim;
	gw_reply_query(r,
	    "WITH f AS (SELECT * FROM audit_events e WHERE ($1::text IS NULL OR e.username = $1) "
	    "  AND ($2::text IS NULL OR left(e.action, length($2)) = $2) "
	    "  AND ($3::timestamptz IS NULL OR e.ts >= $3) "
	    "  AND ($4::timestamptz IS NULL OR e.ts < $4)) "
	    "SELECT json_build_object('items', coalesce((SELECT json_agg(json_build_object("
	    "  'id', e.id, 'ts', e.ts, 'user_id', e.user_id, 'username', e.username, "
	    "  'action', e.action, 'target', e.target, 'details', e.details, "
	    "  'client_ip', host(e.client_ip), 'server_id', e.server_id) "
	    "  ORDER BY e.ts DESC, e.id DESC) FROM (SELECT * FROM f ORDER BY ts DESC, id DESC "
	    "  OFFSET $5::bigint LIMIT $6::bigint) e), '[]'), "
	    "  'total', (SELECT count(*) FROM f), 'offset', $5::bigint, 'limit', $6::bigint)",
	    6, p);
}

const struct gw_route gw_routes_site[] = {
	{ "GET", "/servers", GW_P_CONFIG_SERVERS, h_servers_list, 0 },
	{ "POST", "/servers", GW_P_CONFIG_SERVERS, h_server_create, 0 },
	{ "GET", "/servers/{}", GW_P_CONFIG_SERVERS, h_server_get, 0 },
	{ "PATCH", "/servers/{}", GW_P_CONFIG_SERVERS, h_server_update, 0 },
	{ "DELETE", "/servers/{}", GW_P_CONFIG_SERVERS, h_server_delete, 0 },
	{ "GET", "/phone-systems", GW_P_CONFIG_PHONE_SYSTEMS, h_ps_list, 0 },
	{ "POST", "/phone-systems", GW_P_CONFIG_PHONE_SYSTEMS, h_ps_create, 0 },
	{ "GET", "/phone-systems/{}", GW_P_CONFIG_PHONE_SYSTEMS, h_ps_get, 0 },
	{ "PATCH", "/phone-systems/{}", GW_P_CONFIG_PHONE_SYSTEMS, h_ps_update, 0 },
	{ "DELETE", "/phone-systems/{}", GW_P_CONFIG_PHONE_SYSTEMS, h_ps_delete, 0 },
	{ "GET", "/devices", GW_P_CONFIG_PHONE_SYSTEMS, h_devices_list, 0 },
	{ "GET", "/settings/email", GW_P_CONFIG_EMAIL, h_email_get, 0 },
	{ "PUT", "/settings/email", GW_P_CONFIG_EMAIL, h_email_put, 0 },
	{ "POST", "/settings/email/test", GW_P_CONFIG_EMAIL, h_email_test, 0 },
	{ "GET", "/tls/certificate", GW_P_CONFIG_SERVERS, h_tls_get, 0 },
	{ "PUT", "/tls/certificate", GW_P_CONFIG_SERVERS, h_tls_put, 0 },
	{ "GET", "/system/status", GW_P_GENERAL_SYSTEM_STATUS, h_system_status, 0 },
	{ "GET", "/alerts", GW_P_GENERAL_SYSTEM_STATUS, h_alerts_list, 0 },
	{ "POST", "/alerts/{}/acknowledge", GW_P_GENERAL_SYSTEM_STATUS, h_alert_ack, 0 },
	{ "GET", "/audit", GW_P_GENERAL_AUDIT_TRAIL, h_audit_list, 0 },
	{ NULL, NULL, 0, NULL, 0 },
};
