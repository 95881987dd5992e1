/*
 * admin.c - the security model's routes: users, business units, security profiles, user
 * roles, access filters, the Security Policy and API tokens.
 *
 * The request body goes to PostgreSQL whole, as one jsonb parameter, and the SQL picks the
 * fields (`$1::jsonb ->> 'name'`): one prepared statement per route, type errors in the input
 * become 22xxx errors (400 validation), constraint violations 409.  What PostgreSQL cannot
 * check - the password policy, and that nobody hands out rights they do not hold themselves -
 * is checked here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "passwd.h"
#include "server.h"

/* Permissions (CSV) of a role, or NULL after replying. */
static bool
role_perms(struct gw_req *r, const char *role_id, uint64_t *mask)
{
	const char *p[1] = { role_id };
	PGresult *res;
	char st[6];

	*mask = 0;
	if (role_id == NULL)
		return true;
	if (gw_db_q(r->db, "SELECT coalesce(string_agg(pp.permission, ','), '') FROM roles ro "
	    "JOIN profile_permissions pp ON pp.profile_id = ro.profile_id WHERE ro.id = $1::bigint",
	    1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return false;
	}
	*mask = gw_perm_mask(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

/* Nobody hands out, or acts on an account holding, rights they do not hold themselves. */
static bool
within_rights(struct gw_req *r, uint64_t mask, const char *what)
{
	if ((mask & ~r->user.perms) != 0) {
		gw_reply_error(r, 403, "forbidden", NULL,
		    "%s has rights you do not have yourself", what);
		return false;
	}
	return true;
}

static bool
user_within_rights(struct gw_req *r, const char *id)
{
	const char *p[1] = { id };
	PGresult *res;
	char st[6], role[24] = "";
	uint64_t mask;
	bool found;

	if (gw_db_q(r->db, "SELECT coalesce(role_id::text, '') FROM users WHERE id = $1::bigint",
	    1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return false;
	}
	if ((found = PQntuples(res) == 1))
		snprintf(role, sizeof(role), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!found) {
		gw_reply_error(r, 404, "not_found", NULL, "no such user");
		return false;
	}
	return role_perms(r, role[0] ? role : NULL, &mask) && within_rights(r, mask, "that user");
}

static bool
role_in_body_within_rights(struct gw_req *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, "role_id");
	char id[24];
	uint64_t mask;

	if (v == NULL || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsNumber(v)) {
		gw_reply_error(r, 400, "validation", "role_id", "role_id must be a number");
		return false;
	}
	snprintf(id, sizeof(id), "%lld", (long long)v->valuedouble);
	return role_perms(r, id, &mask) && within_rights(r, mask, "that role");
}

static bool
email_ok(struct gw_req *r)
{
	const char *e = gw_body_str(r, "email");

	if (e == NULL || e[0] == '\0')
		return true;
	if (strlen(e) > 254 || strchr(e, '@') == NULL || strpbrk(e, " \t\r\n<>,;\"") != NULL) {
		gw_reply_error(r, 400, "validation", "email", "not an email address");
		return false;
	}
	return true;
}

/* Runs one statement with the body as $1 (and extra params), replies the JSON row or the
 * error, audits action on success. */
static void
body_query(struct gw_req *r, const char *sql, int n, const char **extra, int status,
    const char *action, const char *target)
{
	PGresult *res = gw_run_body(r, sql, n, extra, NULL);

	if (res != NULL && gw_reply_row(r, res, status, "no such item") && action != NULL)
		gw_audit(r, action, target, cJSON_Duplicate(r->body, true));
}

/* ---- users ------------------------------------------------------------------------------- */

#define USER_OBJ                                                                               \
	"json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name, " \
	"'first_name', u.first_name, 'last_name', u.last_name, 'email', u.email, "              \
	"'business_unit_id', u.business_unit_id, 'role_id', u.role_id, 'enabled', u.enabled, "  \
	"'builtin', u.is_builtin, 'must_change_password', u.must_change_password, "             \
	"'locked', coalesce(u.locked_until > now(), false), 'last_login_at', u.last_login_at, "  \
	"'deleted_at', u.deleted_at, "                                                            \
	"'extensions', coalesce((SELECT json_agg(json_build_object('number', d.number, "        \
	"  'primary', d.is_primary) ORDER BY d.number) FROM user_devices d "                     \
	"  WHERE d.user_id = u.id AND d.kind = 'extension'), '[]'), "                             \
	"'agents', coalesce((SELECT json_agg(json_build_object('number', d.number, "            \
	"  'primary', d.is_primary) ORDER BY d.number) FROM user_devices d "                     \
	"  WHERE d.user_id = u.id AND d.kind = 'agent'), '[]'))"

static void
h_users_list(struct gw_req *r)
{
	char bu[24] = "", q[128] = "", del[8] = "false", off[24], lim[24];
	long long o, l;
	const char *p[5];

	if (!gw_paging(r, &o, &l))
		return;
	gw_query(r, "business_unit_id", bu, sizeof(bu));
	gw_query(r, "q", q, sizeof(q));
	gw_query(r, "deleted", del, sizeof(del));
	if (strcmp(del, "true") != 0 && strcmp(del, "false") != 0) {
		gw_reply_error(r, 400, "validation", "deleted", "deleted is true or false");
		return;
	}
	snprintf(off, sizeof(off), "%lld", o);
	snprintf(lim, sizeof(lim), "%lld", l);
	p[0] = bu[0] ? bu : NULL;
	p[1] = q[0] ? q : NULL;
	p[2] = del;
	p[3] = off;
	p[4] = lim;
	gw_reply_query(r,
	    "WITH f AS (SELECT u.* FROM users u WHERE ($1::bigint IS NULL OR u.business_unit_id = $1) "
	    "  AND ($2::text IS NULL OR strpos(lower(u.username || ' ' || u.first_name || ' ' || "
	    "    u.last_name || ' ' || u.display_name), lower($2)) > 0 OR EXISTS (SELECT 1 FROM "
	    "    user_devices d WHERE d.user_id = u.id AND strpos(d.number, $2) > 0)) "
	    "  AND (u.deleted_at IS NOT NULL) = $3::bool) "
	    "SELECT json_build_object('items', coalesce((SELECT json_agg(x.o ORDER BY x.k) FROM "
	    "  (SELECT " USER_OBJ " AS o, lower(u.username) AS k FROM f u "
	    "   ORDER BY lower(u.username) OFFSET $4::bigint LIMIT $5::bigint) x), '[]'), "
	    "  'total', (SELECT count(*) FROM f), 'offset', $4::bigint, 'limit', $5::bigint)",
	    5, p);
}

static void
h_user_get(struct gw_req *r)
{
	long long id;
	const char *p[1] = { r->param[0] };

	if (!gw_param_id(r, 0, &id))
		return;
	gw_reply_query(r, "SELECT " USER_OBJ " FROM users u WHERE u.id = $1::bigint", 1, p);
}

/* Replaces the user's extensions/agents with the body's lists (inside a transaction). */
static bool
put_devices(struct gw_req *r, const char *id, const char *b)
{
	char st[6];

	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? "extensions" : "agents";
		const char *q[3] = { id, b, key };
		if (!gw_body_has(r, key))
			continue;
		if (gw_db_q(r->db, "DELETE FROM user_devices WHERE user_id = $1::bigint AND kind = "
		    "CASE $2 WHEN 'extensions' THEN 'extension' ELSE 'agent' END", 2,
		    (const char *[]){ id, key }, NULL, st) != HS_OK ||
		    gw_db_q(r->db,
		    "INSERT INTO user_devices (kind, number, user_id, is_primary) "
		    "SELECT CASE $3 WHEN 'extensions' THEN 'extension' ELSE 'agent' END, "
		    "  e->>'number', $1::bigint, coalesce((e->>'primary')::bool, false) "
		    "FROM jsonb_array_elements($2::jsonb -> $3) e", 3, q, NULL, st) != HS_OK) {
			gw_db_rollback(r->db);
			gw_reply_db(r, st);
			return false;
		}
	}
	return true;
}

static void
h_user_create(struct gw_req *r)
{
	const char *pw = gw_body_str(r, "password"), *why, *p[2];
	struct gw_settings s;
	char hash[HS_PASSWD_HASH_MAX], *b, st[6], id[24];
	PGresult *res;

	if (gw_body_str(r, "username") == NULL) {
		gw_reply_error(r, 400, "validation", "username", "username is required");
		return;
	}
	if (pw == NULL) {
		gw_reply_error(r, 400, "validation", "password", "password is required");
		return;
	}
	gw_settings_get(r->gw, &s);
	if ((why = gw_password_check(&s, pw)) != NULL) {
		gw_reply_error(r, 400, "validation", "password", "%s", why);
		return;
	}
	if (!email_ok(r) || !role_in_body_within_rights(r))
		return;
	if (hs_passwd_hash(pw, hash, sizeof(hash)) != HS_OK || (b = gw_body_text(r)) == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "cannot hash the password");
		return;
	}
	p[0] = b;
	p[1] = hash;
	if (gw_db_begin(r->db) != HS_OK ||
	    gw_db_q(r->db,
	    "INSERT INTO users (username, display_name, first_name, last_name, email, "
	    "  password_hash, must_change_password, business_unit_id, role_id, enabled) "
	    "SELECT j->>'username', coalesce(j->>'display_name', trim(coalesce(j->>'first_name', '') "
	    "  || ' ' || coalesce(j->>'last_name', ''))), coalesce(j->>'first_name', ''), "
	    "  coalesce(j->>'last_name', ''), nullif(j->>'email', ''), $2, "
	    "  coalesce((j->>'must_change_password')::bool, true), "
	    "  coalesce((j->>'business_unit_id')::bigint, 1), (j->>'role_id')::bigint, "
	    "  coalesce((j->>'enabled')::bool, true) FROM (SELECT $1::jsonb AS j) b RETURNING id",
	    2, p, &res, st) != HS_OK) {
		free(b);
		gw_db_rollback(r->db);
		gw_reply_db(r, st);
		return;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!put_devices(r, id, b)) {
		free(b);
		return;
	}
	free(b);
	if (gw_db_commit(r->db) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	gw_audit(r, "user.create", gw_body_str(r, "username"), gw_body_redacted(r));
	p[0] = id;
	gw_reply_query_as(r, 201, "SELECT " USER_OBJ " FROM users u WHERE u.id = $1::bigint", 1, p);
}

static void
h_user_update(struct gw_req *r)
{
	long long idn;
	const char *pw = gw_body_str(r, "password"), *why, *p[3];
	struct gw_settings s;
	char hash[HS_PASSWD_HASH_MAX] = "", *b, st[6];
	PGresult *res;

	if (!gw_param_id(r, 0, &idn) || !user_within_rights(r, r->param[0]) || !email_ok(r) ||
	    !role_in_body_within_rights(r))
		return;
	if (pw != NULL) {
		gw_settings_get(r->gw, &s);
		if ((why = gw_password_check(&s, pw)) != NULL) {
			gw_reply_error(r, 400, "validation", "password", "%s", why);
			return;
		}
		if (hs_passwd_hash(pw, hash, sizeof(hash)) != HS_OK) {
			gw_reply_error(r, 500, "internal", NULL, "cannot hash the password");
			return;
		}
	}
	if ((b = gw_body_text(r)) == NULL)
		return;
	p[0] = b;
	p[1] = r->param[0];
	p[2] = hash[0] ? hash : NULL;
	/* Built-in accounts keep their name and cannot be disabled: the engineer must always be
	 * able to log in. */
	if (gw_db_begin(r->db) != HS_OK ||
	    gw_db_q(r->db,
	    "UPDATE users u SET "
	    "  username = CASE WHEN j ? 'username' AND NOT u.is_builtin THEN j->>'username' ELSE u.username END, "
	    "  display_name = CASE WHEN j ? 'display_name' THEN j->>'display_name' ELSE u.display_name END, "
	    "  first_name = CASE WHEN j ? 'first_name' THEN j->>'first_name' ELSE u.first_name END, "
	    "  last_name = CASE WHEN j ? 'last_name' THEN j->>'last_name' ELSE u.last_name END, "
	    "  email = CASE WHEN j ? 'email' THEN nullif(j->>'email', '') ELSE u.email END, "
	    "  business_unit_id = CASE WHEN j ? 'business_unit_id' "
	    "    THEN (j->>'business_unit_id')::bigint ELSE u.business_unit_id END, "
	    "  role_id = CASE WHEN j ? 'role_id' AND NOT u.is_builtin THEN (j->>'role_id')::bigint "
	    "    ELSE u.role_id END, "
	    "  enabled = CASE WHEN j ? 'enabled' AND NOT u.is_builtin THEN (j->>'enabled')::bool "
	    "    ELSE u.enabled END, "
	    "  password_hash = coalesce($3, u.password_hash), "
	    "  must_change_password = CASE WHEN $3 IS NOT NULL THEN true ELSE u.must_change_password END, "
	    "  failed_logins = CASE WHEN j ? 'unlock' THEN 0 ELSE u.failed_logins END, "
	    "  locked_until = CASE WHEN j ? 'unlock' THEN NULL ELSE u.locked_until END "
	    "FROM (SELECT $1::jsonb AS j) b WHERE u.id = $2::bigint AND u.deleted_at IS NULL "
	    "RETURNING u.id", 3, p, &res, st) != HS_OK) {
		free(b);
		gw_db_rollback(r->db);
		gw_reply_db(r, st);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		free(b);
		gw_db_rollback(r->db);
		gw_reply_error(r, 404, "not_found", NULL, "no such user (or it is deleted)");
		return;
	}
	PQclear(res);
	if (!put_devices(r, r->param[0], b)) {
		free(b);
		return;
	}
	free(b);
	if (gw_db_commit(r->db) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	gw_auth_forget(r->gw, idn);
	gw_audit(r, "user.update", r->param[0], gw_body_redacted(r));
	p[0] = r->param[0];
	gw_reply_query(r, "SELECT " USER_OBJ " FROM users u WHERE u.id = $1::bigint", 1, p);
}

static void
h_user_delete(struct gw_req *r)
{
	long long id;
	char perm[8] = "false", st[6];
	const char *p[1] = { r->param[0] };
	PGresult *res;
	bool permanent;

	if (!gw_param_id(r, 0, &id) || !user_within_rights(r, r->param[0]))
		return;
	gw_query(r, "permanent", perm, sizeof(perm));
	permanent = strcmp(perm, "true") == 0;
	if (id == r->user.id) {
		gw_reply_error(r, 409, "conflict", NULL, "you cannot delete your own account");
		return;
	}
	/* Soft delete (L14556): into Deleted Users, devices and role released, sessions ended;
	 * the call history keeps the user.  Permanent only from there. */
	if (gw_db_q(r->db, permanent ?
	    "DELETE FROM users WHERE id = $1::bigint AND deleted_at IS NOT NULL AND NOT is_builtin "
	    "RETURNING id" :
	    "WITH d AS (DELETE FROM user_devices WHERE user_id = $1::bigint), "
	    "s AS (DELETE FROM sessions WHERE user_id = $1::bigint) "
	    "UPDATE users SET deleted_at = now(), business_unit_id = 2, role_id = NULL, "
	    "  enabled = false WHERE id = $1::bigint AND deleted_at IS NULL AND NOT is_builtin "
	    "RETURNING id", 1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_reply_error(r, 409, "conflict", NULL, permanent ?
		    "only a deleted, not built-in user can be removed for good" :
		    "the user is built in or already deleted");
		return;
	}
	PQclear(res);
	gw_auth_forget(r->gw, id);
	gw_audit(r, permanent ? "user.purge" : "user.delete", r->param[0], NULL);
	gw_reply_empty(r, 204);
}

static void
h_user_reset_password(struct gw_req *r)
{
	long long id;
	const char *pw = gw_body_str(r, "new_password"), *why, *p[2];
	struct gw_settings s;
	char hash[HS_PASSWD_HASH_MAX], st[6];
	PGresult *res;

	if (!gw_param_id(r, 0, &id) || !user_within_rights(r, r->param[0]))
		return;
	if (pw == NULL) {
		gw_reply_error(r, 400, "validation", "new_password", "new_password is required");
		return;
	}
	gw_settings_get(r->gw, &s);
	if ((why = gw_password_check(&s, pw)) != NULL) {
		gw_reply_error(r, 400, "validation", "new_password", "%s", why);
		return;
	}
	if (hs_passwd_hash(pw, hash, sizeof(hash)) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "cannot hash the password");
		return;
	}
	p[0] = r->param[0];
	p[1] = hash;
	if (gw_db_q(r->db, "WITH s AS (DELETE FROM sessions WHERE user_id = $1::bigint) "
	    "UPDATE users SET password_hash = $2, must_change_password = true, failed_logins = 0, "
	    "locked_until = NULL, password_changed_at = now() WHERE id = $1::bigint "
	    "AND deleted_at IS NULL RETURNING id", 2, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_reply_error(r, 404, "not_found", NULL, "no such user");
		return;
	}
	PQclear(res);
	gw_auth_forget(r->gw, id);
	gw_audit(r, "user.password_reset_by_admin", r->param[0], NULL);
	gw_reply_empty(r, 204);
}

/* ---- business units ---------------------------------------------------------------------- */

#define BU_OBJ                                                                                 \
	"json_build_object('id', b.id, 'name', b.name, 'parent_id', b.parent_id, 'kind', b.kind, " \
	"'ou_link', b.ou_link, 'user_count', (SELECT count(*) FROM users u "                      \
	"  WHERE u.business_unit_id = b.id))"

static void
h_bus_list(struct gw_req *r)
{
	const char *p[1] = { gw_has_perm(r, GW_P_GENERAL_SYSTEM_BUSINESS_UNITS) ? "true" : "false" };

	gw_reply_query(r,
	    "SELECT json_build_object('items', coalesce(json_agg(" BU_OBJ " ORDER BY b.kind <> "
	    "'normal', lower(b.name)), '[]'), 'total', count(*)) FROM business_units b "
	    "WHERE b.kind = 'normal' OR $1::bool", 1, p);
}

static void
h_bu_get(struct gw_req *r)
{
	long long id;
	const char *p[1] = { r->param[0] };

	if (gw_param_id(r, 0, &id))
		gw_reply_query(r, "SELECT " BU_OBJ " FROM business_units b WHERE b.id = $1::bigint", 1, p);
}

static void
h_bu_create(struct gw_req *r)
{
	if (gw_body_str(r, "name") == NULL) {
		gw_reply_error(r, 400, "validation", "name", "name is required");
		return;
	}
	body_query(r,
	    "WITH b AS (INSERT INTO business_units (name, parent_id, ou_link) "
	    "  SELECT j->>'name', (j->>'parent_id')::bigint, coalesce(j->>'ou_link', '') "
	    "  FROM (SELECT $1::jsonb AS j) x "
	    "  WHERE (j->>'parent_id') IS NULL OR EXISTS (SELECT 1 FROM business_units p "
	    "    WHERE p.id = (j->>'parent_id')::bigint AND p.kind = 'normal') RETURNING *) "
	    "SELECT " BU_OBJ " FROM b", 0, NULL, 201, "business_unit.create", gw_body_str(r, "name"));
}

static void
h_bu_update(struct gw_req *r)
{
	long long id;
	const char *extra[1] = { r->param[0] };

	if (!gw_param_id(r, 0, &id))
		return;
	body_query(r,
	    "WITH b AS (UPDATE business_units b SET "
	    "  name = CASE WHEN j ? 'name' THEN j->>'name' ELSE b.name END, "
	    "  parent_id = CASE WHEN j ? 'parent_id' THEN (j->>'parent_id')::bigint ELSE b.parent_id END, "
	    "  ou_link = CASE WHEN j ? 'ou_link' THEN j->>'ou_link' ELSE b.ou_link END "
	    "  FROM (SELECT $1::jsonb AS j) x WHERE b.id = $2::bigint AND b.kind = 'normal' "
	    "  AND ((j->>'parent_id') IS NULL OR EXISTS (SELECT 1 FROM business_units p "
	    "    WHERE p.id = (j->>'parent_id')::bigint AND p.kind = 'normal')) RETURNING b.*) "
	    "SELECT " BU_OBJ " FROM b", 1, extra, 200, "business_unit.update", r->param[0]);
}

static void
h_bu_delete(struct gw_req *r)
{
	long long id;
	const char *p[1] = { r->param[0] };
	PGresult *res;
	char st[6];

	if (!gw_param_id(r, 0, &id))
		return;
	if (gw_db_q(r->db, "DELETE FROM business_units b WHERE b.id = $1::bigint AND b.kind = 'normal' "
	    "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.business_unit_id = b.id) "
	    "AND NOT EXISTS (SELECT 1 FROM business_units c WHERE c.parent_id = b.id) RETURNING id",
	    1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_reply_error(r, 409, "conflict", NULL,
		    "only an empty business unit (no users, no child units) can be deleted");
		return;
	}
	PQclear(res);
	gw_audit(r, "business_unit.delete", r->param[0], NULL);
	gw_reply_empty(r, 204);
}

/* ---- security profiles ------------------------------------------------------------------- */

#define PROFILE_OBJ                                                                            \
	"json_build_object('id', s.id, 'name', s.name, 'description', s.description, "          \
	"'builtin', s.builtin, 'editable', s.editable, 'permissions', coalesce((SELECT "         \
	"  json_agg(pp.permission ORDER BY pe.ord) FROM profile_permissions pp JOIN permissions "  \
	"  pe ON pe.name = pp.permission WHERE pp.profile_id = s.id), '[]'))"

static void
h_profiles_list(struct gw_req *r)
{
	gw_reply_query(r, "SELECT json_build_object('items', coalesce(json_agg(" PROFILE_OBJ
	    " ORDER BY s.id), '[]'), 'total', count(*)) FROM security_profiles s", 0, NULL);
}

static void
h_profile_get(struct gw_req *r)
{
	long long id;
	const char *p[1] = { r->param[0] };

	if (gw_param_id(r, 0, &id))
		gw_reply_query(r, "SELECT " PROFILE_OBJ " FROM security_profiles s "
		    "WHERE s.id = $1::bigint", 1, p);
}

/* Checks the body's permissions list: known names, none the caller lacks. */
static bool
perms_ok(struct gw_req *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r->body, "permissions"), *it;
	uint64_t mask = 0;

	if (a == NULL)
		return true;
	if (!cJSON_IsArray(a)) {
		gw_reply_error(r, 400, "validation", "permissions", "permissions is a list of names");
		return false;
	}
	cJSON_ArrayForEach(it, a) {
		int p = cJSON_IsString(it) ? gw_perm_find(it->valuestring) : -1;
		if (p < 0) {
			gw_reply_error(r, 400, "validation", "permissions", "unknown permission %s",
			    cJSON_IsString(it) ? it->valuestring : "(not a string)");
			return false;
		}
		mask |= 1ULL << p;
	}
	return within_rights(r, mask, "that profile");
}

/*
 * The tail of a write to a row with a list of link rows (a profile's permissions, a role's
 * access filters, a filter's business units): when the body has the list, links not in it
 * go and the new ones come; answers {"id"}.  cte is the written row's CTE, cast the item's.
 */
#define LINKS_REPLACE(cte, link, owner, item, key, cast)                                    \
	"d AS (DELETE FROM " link " WHERE " owner " IN (SELECT id FROM " cte ") "             \
	"  AND $1::jsonb ? '" key "' AND " item " NOT IN "                                    \
	"  (SELECT e" cast " FROM jsonb_array_elements_text($1::jsonb -> '" key "') e)), "    \
	"a AS (INSERT INTO " link " (" owner ", " item ") "                                    \
	"  SELECT " cte ".id, e" cast " FROM " cte ", jsonb_array_elements_text("              \
	"  coalesce($1::jsonb -> '" key "', '[]')) e ON CONFLICT DO NOTHING) "                 \
	"SELECT json_build_object('id', " cte ".id) FROM " cte

static void
h_profile_write(struct gw_req *r, bool create)
{
	long long id = 0;
	const char *extra[1] = { create ? "0" : r->param[0] };

	if (!create && !gw_param_id(r, 0, &id))
		return;
	if (create && gw_body_str(r, "name") == NULL) {
		gw_reply_error(r, 400, "validation", "name", "name is required");
		return;
	}
	if (!perms_ok(r))
		return;
	body_query(r, create ?
	    "WITH s AS (INSERT INTO security_profiles (name, description) "
	    "  SELECT j->>'name', coalesce(j->>'description', '') FROM (SELECT $1::jsonb AS j) x "
	    "  WHERE $2::bigint = 0 RETURNING *), "
	    LINKS_REPLACE("s", "profile_permissions", "profile_id", "permission", "permissions", "") :
	    "WITH s AS (UPDATE security_profiles s SET "
	    "  name = CASE WHEN j ? 'name' THEN j->>'name' ELSE s.name END, "
	    "  description = CASE WHEN j ? 'description' THEN j->>'description' ELSE s.description END "
	    "  FROM (SELECT $1::jsonb AS j) x WHERE s.id = $2::bigint AND s.editable RETURNING s.*), "
	    LINKS_REPLACE("s", "profile_permissions", "profile_id", "permission", "permissions", ""),
	    1, extra, create ? 201 : 200, create ? "profile.create" : "profile.update",
	    create ? gw_body_str(r, "name") : r->param[0]);
	gw_auth_forget(r->gw, 0);
}

static void
h_profile_create(struct gw_req *r)
{
	h_profile_write(r, true);
}

static void
h_profile_update(struct gw_req *r)
{
	h_profile_write(r, false);
}

/* DELETE for tables whose built-in rows stay: 404 when exists_sql finds no row, 409 when
 * sql deletes nothing (built-in) or the row is still used. */
static void
delete_row(struct gw_req *r, const char *exists_sql, const char *sql, const char *action,
    const char *why)
{
	long long id;
	const char *p[1] = { r->param[0] };
	PGresult *res;
	char st[6];
	int n;

	if (!gw_param_id(r, 0, &id))
		return;
	if (gw_db_q(r->db, exists_sql, 1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	n = PQntuples(res);
	PQclear(res);
	if (n == 0) {
		gw_reply_error(r, 404, "not_found", NULL, "no such item");
		return;
	}
	if (gw_db_q(r->db, sql, 1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	n = PQntuples(res);
	PQclear(res);
	if (n != 1) {
		gw_reply_error(r, 409, "conflict", NULL, "%s", why);
		return;
	}
	gw_auth_forget(r->gw, 0);
	gw_audit(r, action, r->param[0], NULL);
	gw_reply_empty(r, 204);
}

static void
h_profile_delete(struct gw_req *r)
{
	delete_row(r, "SELECT 1 FROM security_profiles WHERE id = $1::bigint",
	    "DELETE FROM security_profiles WHERE id = $1::bigint AND NOT builtin "
	    "RETURNING id", "profile.delete", "built-in profiles cannot be deleted");
}

/* ---- roles ------------------------------------------------------------------------------- */

#define ROLE_OBJ                                                                               \
	"json_build_object('id', ro.id, 'name', ro.name, 'description', ro.description, "       \
	"'profile_id', ro.profile_id, 'profile', (SELECT name FROM security_profiles s "         \
	"  WHERE s.id = ro.profile_id), 'access_scope', ro.access_scope, 'builtin', ro.builtin, " \
	"'access_filter_ids', coalesce((SELECT json_agg(filter_id ORDER BY filter_id) FROM "      \
	"  role_access_filters f WHERE f.role_id = ro.id), '[]'), "                               \
	"'user_count', (SELECT count(*) FROM users u WHERE u.role_id = ro.id))"

static void
h_roles_list(struct gw_req *r)
{
	gw_reply_query(r, "SELECT json_build_object('items', coalesce(json_agg(" ROLE_OBJ
	    " ORDER BY lower(ro.name)), '[]'), 'total', count(*)) FROM roles ro", 0, NULL);
}

static void
h_role_get(struct gw_req *r)
{
	long long id;
	const char *p[1] = { r->param[0] };

	if (gw_param_id(r, 0, &id))
		gw_reply_query(r, "SELECT " ROLE_OBJ " FROM roles ro WHERE ro.id = $1::bigint", 1, p);
}

static bool
profile_in_body_within_rights(struct gw_req *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, "profile_id");
	char id[24];
	const char *p[1] = { id };
	PGresult *res;
	char st[6];
	uint64_t mask;

	if (v == NULL)
		return true;
	if (!cJSON_IsNumber(v)) {
		gw_reply_error(r, 400, "validation", "profile_id", "profile_id must be a number");
		return false;
	}
	snprintf(id, sizeof(id), "%lld", (long long)v->valuedouble);
	if (gw_db_q(r->db, "SELECT coalesce(string_agg(permission, ','), '') FROM "
	    "profile_permissions WHERE profile_id = $1::bigint", 1, p, &res, st) != HS_OK) {
		gw_reply_db(r, st);
		return false;
	}
	mask = gw_perm_mask(PQgetvalue(res, 0, 0));
	PQclear(res);
	return within_rights(r, mask, "that profile");
}

static void
h_role_write(struct gw_req *r, bool create)
{
	long long id = 0;
	const char *extra[1] = { create ? "0" : r->param[0] };

	if (!create && !gw_param_id(r, 0, &id))
		return;
	if (create && (gw_body_str(r, "name") == NULL || !gw_body_has(r, "profile_id"))) {
		gw_reply_error(r, 400, "validation", gw_body_str(r, "name") == NULL ? "name" :
		    "profile_id", "name and profile_id are required");
		return;
	}
	if (!profile_in_body_within_rights(r))
		return;
	body_query(r, create ?
	    "WITH ro AS (INSERT INTO roles (name, description, profile_id, access_scope) "
	    "  SELECT j->>'name', coalesce(j->>'description', ''), (j->>'profile_id')::bigint, "
	    "  coalesce(j->>'access_scope', 'own') FROM (SELECT $1::jsonb AS j) x "
	    "  WHERE $2::bigint = 0 RETURNING *), "
	    LINKS_REPLACE("ro", "role_access_filters", "role_id", "filter_id", "access_filter_ids",
	    "::bigint") :
	    "WITH ro AS (UPDATE roles ro SET "
	    "  name = CASE WHEN j ? 'name' THEN j->>'name' ELSE ro.name END, "
	    "  description = CASE WHEN j ? 'description' THEN j->>'description' ELSE ro.description END, "
	    "  profile_id = CASE WHEN j ? 'profile_id' AND NOT ro.builtin "
	    "    THEN (j->>'profile_id')::bigint ELSE ro.profile_id END, "
	    "  access_scope = CASE WHEN j ? 'access_scope' THEN j->>'access_scope' ELSE ro.access_scope END "
	    "  FROM (SELECT $1::jsonb AS j) x WHERE ro.id = $2::bigint RETURNING ro.*), "
	    LINKS_REPLACE("ro", "role_access_filters", "role_id", "filter_id", "access_filter_ids",
	    "::bigint"),
	    1, extra, create ? 201 : 200, create ? "role.create" : "role.update",
	    create ? gw_body_str(r, "name") : r->param[0]);
	gw_auth_forget(r->gw, 0);
}

static void
h_role_create(struct gw_req *r)
{
	h_role_write(r, true);
}

static void
h_role_update(struct gw_req *r)
{
	h_role_write(r, false);
}

static void
h_role_delete(struct gw_req *r)
{
	delete_row(r, "SELECT 1 FROM roles WHERE id = $1::bigint",
	    "DELETE FROM roles WHERE id = $1::bigint AND NOT builtin RETURNING id",
	    "role.delete", "built-in roles cannot be deleted");
}

/* ---- access filters ---------------------------------------------------------------------- */

#define FILTER_OBJ                                                                             \
	"json_build_object('id', f.id, 'name', f.name, 'mode', f.mode, 'outside_number', "       \
	"f.outside_number, 'extensions', f.extensions, 'ddi', f.ddi, 'trunk', f.trunk, "          \
	"'call_type', f.call_type, 'min_duration', f.min_duration, 'max_duration', "              \
	"f.max_duration, 'agents', f.agents, 'hunt_groups', f.hunt_groups, 'account_code', "      \
	"f.account_code, 'business_unit_ids', coalesce((SELECT json_agg(business_unit_id ORDER BY " \
	"business_unit_id) FROM access_filter_units x WHERE x.filter_id = f.id), '[]'))"

/* "1001,1002-1008,1010": digits, ranges, commas. */
static bool
number_list_ok(const char *s)
{
	bool digit = false;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if ((*s == ',' || *s == '-') && digit)
			digit = false;
		else if (*s != ' ')
			return false;
	}
	return true;
}

static bool
filter_ok(struct gw_req *r)
{
	static const char *const lists[] = { "extensions", "agents", "hunt_groups" };

	for (int i = 0; i < 3; i++) {
		const char *v = gw_body_str(r, lists[i]);
		if (v != NULL && !number_list_ok(v)) {
			gw_reply_error(r, 400, "validation", lists[i],
			    "a list of numbers and ranges, e.g. 1001,1002-1008,1010");
			return false;
		}
	}
	return true;
}

static void
h_filters_list(struct gw_req *r)
{
	gw_reply_query(r, "SELECT json_build_object('items', coalesce(json_agg(" FILTER_OBJ
	    " ORDER BY lower(f.name)), '[]'), 'total', count(*)) FROM access_filters f", 0, NULL);
}

static void
h_filter_get(struct gw_req *r)
{
	long long id;
	const char *p[1] = { r->param[0] };

	if (gw_param_id(r, 0, &id))
		gw_reply_query(r, "SELECT " FILTER_OBJ " FROM access_filters f WHERE f.id = $1::bigint",
		    1, p);
}

#define FILTER_COLS(j, f)                                                                      \
	"outside_number = CASE WHEN " j " ? 'outside_number' THEN " j "->>'outside_number' ELSE " f ".outside_number END, " \
	"extensions = CASE WHEN " j " ? 'extensions' THEN " j "->>'extensions' ELSE " f ".extensions END, " \
	"ddi = CASE WHEN " j " ? 'ddi' THEN " j "->>'ddi' ELSE " f ".ddi END, "                       \
	"trunk = CASE WHEN " j " ? 'trunk' THEN " j "->>'trunk' ELSE " f ".trunk END, "               \
	"call_type = CASE WHEN " j " ? 'call_type' THEN " j "->>'call_type' ELSE " f ".call_type END, " \
	"min_duration = CASE WHEN " j " ? 'min_duration' THEN (" j "->>'min_duration')::int ELSE " f ".min_duration END, " \
	"max_duration = CASE WHEN " j " ? 'max_duration' THEN (" j "->>'max_duration')::int ELSE " f ".max_duration END, " \
	"agents = CASE WHEN " j " ? 'agents' THEN " j "->>'agents' ELSE " f ".agents END, "           \
	"hunt_groups = CASE WHEN " j " ? 'hunt_groups' THEN " j "->>'hunt_groups' ELSE " f ".hunt_groups END, " \
	"account_code = CASE WHEN " j " ? 'account_code' THEN " j "->>'account_code' ELSE " f ".account_code END "

static void
h_filter_write(struct gw_req *r, bool create)
{
	long long id = 0;
	const char *extra[1] = { create ? "0" : r->param[0] };

	if (!create && !gw_param_id(r, 0, &id))
		return;
	if (create && (gw_body_str(r, "name") == NULL || gw_body_str(r, "mode") == NULL)) {
		gw_reply_error(r, 400, "validation", gw_body_str(r, "name") == NULL ? "name" : "mode",
		    "name and mode (grant or deny) are required");
		return;
	}
	if (!filter_ok(r))
		return;
	body_query(r, create ?
	    "WITH f AS (INSERT INTO access_filters (name, mode, outside_number, extensions, ddi, "
	    "  trunk, call_type, min_duration, max_duration, agents, hunt_groups, account_code) "
	    "  SELECT j->>'name', j->>'mode', coalesce(j->>'outside_number', ''), "
	    "  coalesce(j->>'extensions', ''), coalesce(j->>'ddi', ''), coalesce(j->>'trunk', ''), "
	    "  coalesce(j->>'call_type', ''), (j->>'min_duration')::int, (j->>'max_duration')::int, "
	    "  coalesce(j->>'agents', ''), coalesce(j->>'hunt_groups', ''), "
	    "  coalesce(j->>'account_code', '') FROM (SELECT $1::jsonb AS j) x "
	    "  WHERE $2::bigint = 0 RETURNING *), "
	    LINKS_REPLACE("f", "access_filter_units", "filter_id", "business_unit_id",
	    "business_unit_ids", "::bigint") :
	    "WITH f AS (UPDATE access_filters f SET "
	    "  name = CASE WHEN j ? 'name' THEN j->>'name' ELSE f.name END, "
	    "  mode = CASE WHEN j ? 'mode' THEN j->>'mode' ELSE f.mode END, "
	    FILTER_COLS("j", "f")
	    "  FROM (SELECT $1::jsonb AS j) x WHERE f.id = $2::bigint RETURNING f.*), "
	    LINKS_REPLACE("f", "access_filter_units", "filter_id", "business_unit_id",
	    "business_unit_ids", "::bigint"),
	    1, extra, create ? 201 : 200, create ? "access_filter.create" : "access_filter.update",
	    create ? gw_body_str(r, "name") : r->param[0]);
	gw_auth_forget(r->gw, 0);
}

static void
h_filter_create(struct gw_req *r)
{
	h_filter_write(r, true);
}

static void
h_filter_update(struct gw_req *r)
{
	h_filter_write(r, false);
}

static void
h_filter_delete(struct gw_req *r)
{
	delete_row(r, "SELECT 1 FROM access_filters WHERE id = $1::bigint",
	    "DELETE FROM access_filters WHERE id = $1::bigint RETURNING id",
	    "access_filter.delete", "the filter could not be deleted");
}

/* ---- security policy --------------------------------------------------------------------- */

static void
h_policy_get(struct gw_req *r)
{
	struct gw_settings s;
	cJSON *o = cJSON_CreateObject();
	static const char *const strength[] = { "low", "secure", "high" };

	gw_settings_get(r->gw, &s);
	cJSON_AddStringToObject(o, "password_strength", strength[s.password_strength]);
	cJSON_AddNumberToObject(o, "expiry_days", s.password_expiry_days);
	cJSON_AddNumberToObject(o, "history", s.password_history);
	cJSON_AddBoolToObject(o, "lockout_enabled", s.lockout_enabled);
	cJSON_AddNumberToObject(o, "lockout_max_attempts", s.lockout_max_attempts);
	cJSON_AddNumberToObject(o, "lockout_minutes", s.lockout_minutes);
	gw_reply_json(r, 200, o);
}

static bool
policy_int(struct gw_req *r, const char *field, int lo, int hi, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, field);

	if (v == NULL)
		return true;
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (int)v->valuedouble) {
		gw_reply_error(r, 400, "validation", field, "%s must be an integer in %d..%d", field,
		    lo, hi);
		return false;
	}
	*out = (int)v->valuedouble;
	return true;
}

static void
h_policy_put(struct gw_req *r)
{
	static const char *const strength[] = { "low", "secure", "high" };
	struct gw_settings s;
	const char *str = gw_body_str(r, "password_strength");
	const cJSON *lock = cJSON_GetObjectItemCaseSensitive(r->body, "lockout_enabled");
	char v[6][16];
	const char *p[6];
	char st[6];

	gw_settings_get(r->gw, &s);
	if (str != NULL) {
		int i;
		for (i = 0; i < 3 && strcmp(str, strength[i]) != 0; i++)
			;
		if (i == 3) {
			gw_reply_error(r, 400, "validation", "password_strength",
			    "password_strength is low, secure or high");
			return;
		}
		s.password_strength = i;
	}
	if (lock != NULL && !cJSON_IsBool(lock)) {
		gw_reply_error(r, 400, "validation", "lockout_enabled", "lockout_enabled is a boolean");
		return;
	}
	if (lock != NULL)
		s.lockout_enabled = cJSON_IsTrue(lock);
	if (!policy_int(r, "expiry_days", 0, 3650, &s.password_expiry_days) ||
	    !policy_int(r, "history", 0, 100, &s.password_history) ||
	    !policy_int(r, "lockout_max_attempts", 1, 100, &s.lockout_max_attempts) ||
	    !policy_int(r, "lockout_minutes", 1, 100000, &s.lockout_minutes))
		return;
	snprintf(v[0], 16, "%s", strength[s.password_strength]);
	snprintf(v[1], 16, "%d", s.password_expiry_days);
	snprintf(v[2], 16, "%d", s.password_history);
	snprintf(v[3], 16, "%s", s.lockout_enabled ? "true" : "false");
	snprintf(v[4], 16, "%d", s.lockout_max_attempts);
	snprintf(v[5], 16, "%d", s.lockout_minutes);
	for (int i = 0; i < 6; i++)
		p[i] = v[i];
	if (gw_db_q(r->db,
	    "INSERT INTO settings (server_id, key, value) VALUES "
	    "(0, 'security.password_strength', $1), (0, 'security.password_expiry_days', $2), "
	    "(0, 'security.password_history', $3), (0, 'security.lockout_enabled', $4), "
	    "(0, 'security.lockout_max_attempts', $5), (0, 'security.lockout_minutes', $6) "
	    "ON CONFLICT (server_id, key) DO UPDATE SET value = EXCLUDED.value",
	    6, p, NULL, st) != HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	/* Applies here at once; other gateways follow the NOTIFY. */
	pthread_mutex_lock(&r->gw->mu);
	r->gw->settings.password_strength = s.password_strength;
	r->gw->settings.password_expiry_days = s.password_expiry_days;
	r->gw->settings.password_history = s.password_history;
	r->gw->settings.lockout_enabled = s.lockout_enabled;
	r->gw->settings.lockout_max_attempts = s.lockout_max_attempts;
	r->gw->settings.lockout_minutes = s.lockout_minutes;
	pthread_mutex_unlock(&r->gw->mu);
	gw_audit(r, "security_policy.update", NULL, cJSON_Duplicate(r->body, true));
	h_policy_get(r);
}

/* ---- API tokens -------------------------------------------------------------------------- */

static void
h_tokens_list(struct gw_req *r)
{
	gw_reply_query(r,
	    "SELECT json_build_object('items', coalesce(json_agg(json_build_object('id', t.id, "
	    "'name', t.name, 'prefix', t.prefix, 'user_id', t.user_id, 'username', u.username, "
	    "'created_at', t.created_at, 'expires_at', t.expires_at, 'last_used_at', "
	    "t.last_used_at, 'revoked_at', t.revoked_at) ORDER BY t.id), '[]'), 'total', count(*)) "
	    "FROM api_tokens t JOIN users u ON u.id = t.user_id", 0, NULL);
}

static void
h_token_create(struct gw_req *r)
{
	const cJSON *uid = cJSON_GetObjectItemCaseSensitive(r->body, "user_id");
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(r->body, "expires_days");
	char token[80], secret[64], kp[68], ids[24], me[24], d[16] = "", prefix[12];
	unsigned char key[32];
	const char *p[6];
	PGresult *res;
	char st[6];
	cJSON *o;

	if (gw_body_str(r, "name") == NULL) {
		gw_reply_error(r, 400, "validation", "name", "name is required");
		return;
	}
	if ((uid != NULL && !cJSON_IsNumber(uid)) || (days != NULL && (!cJSON_IsNumber(days) ||
	    days->valuedouble < 1 || days->valuedouble > 3650))) {
		gw_reply_error(r, 400, "validation", uid != NULL && !cJSON_IsNumber(uid) ? "user_id" :
		    "expires_days", "user_id is a number, expires_days 1..3650");
		return;
	}
	snprintf(ids, sizeof(ids), "%lld", uid != NULL ? (long long)uid->valuedouble : r->user.id);
	if (uid != NULL && !user_within_rights(r, ids))
		return;
	if (days != NULL)
		snprintf(d, sizeof(d), "%d", (int)days->valuedouble);
	if (!gw_random_token(secret, sizeof(secret), 32)) {
		gw_reply_error(r, 500, "internal", NULL, "no randomness");
		return;
	}
	snprintf(token, sizeof(token), "hs_%s", secret);
	snprintf(prefix, sizeof(prefix), "%.10s", token);
	gw_sha256(token, key);
	kp[0] = '\\';
	kp[1] = 'x';
	for (int i = 0; i < 32; i++)
		snprintf(kp + 2 + 2 * i, 3, "%02x", key[i]);
	snprintf(me, sizeof(me), "%lld", r->user.id);
	p[0] = gw_body_str(r, "name");
	p[1] = kp;
	p[2] = prefix;
	p[3] = ids;
	p[4] = me;
	p[5] = d[0] ? d : NULL;
	if (gw_db_q(r->db,
	    "INSERT INTO api_tokens (name, token_hash, prefix, user_id, created_by, expires_at) "
	    "SELECT $1, $2, $3, $4::bigint, $5::bigint, now() + make_interval(days => $6::int) "
	    "FROM users WHERE id = $4::bigint AND deleted_at IS NULL RETURNING id", 6, p, &res, st) !=
	    HS_OK) {
		gw_reply_db(r, st);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_reply_error(r, 400, "validation", "user_id", "no such user");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", atof(PQgetvalue(res, 0, 0)));
	PQclear(res);
	cJSON_AddStringToObject(o, "name", gw_body_str(r, "name"));
	cJSON_AddStringToObject(o, "token", token);
	cJSON_AddNumberToObject(o, "user_id", atof(ids));
	gw_audit(r, "api_token.create", gw_body_str(r, "name"), NULL);
	gw_reply_json(r, 201, o);
}

static void
h_token_revoke(struct gw_req *r)
{
	delete_row(r, "SELECT 1 FROM api_tokens WHERE id = $1::bigint",
	    "UPDATE api_tokens SET revoked_at = now() WHERE id = $1::bigint "
	    "AND revoked_at IS NULL RETURNING id", "api_token.revoke", "the token is already revoked");
}

const struct gw_route gw_routes_admin[] = {
	{ "GET", "/users", GW_P_CONFIG_USERS, h_users_list, 0 },
	{ "POST", "/users", GW_P_CONFIG_USERS, h_user_create, 0 },
	{ "GET", "/users/{}", GW_P_CONFIG_USERS, h_user_get, 0 },
	{ "PATCH", "/users/{}", GW_P_CONFIG_USERS, h_user_update, 0 },
	{ "DELETE", "/users/{}", GW_P_CONFIG_USERS, h_user_delete, 0 },
	{ "POST", "/users/{}/reset-password", GW_P_CONFIG_USERS, h_user_reset_password, 0 },
	{ "GET", "/business-units", GW_P_CONFIG_USERS, h_bus_list, 0 },
	{ "POST", "/business-units", GW_P_CONFIG_USERS, h_bu_create, 0 },
	{ "GET", "/business-units/{}", GW_P_CONFIG_USERS, h_bu_get, 0 },
	{ "PATCH", "/business-units/{}", GW_P_CONFIG_USERS, h_bu_update, 0 },
	{ "DELETE", "/business-units/{}", GW_P_CONFIG_USERS, h_bu_delete, 0 },
	{ "GET", "/security-profiles", GW_P_CONFIG_SECURITY, h_profiles_list, 0 },
	{ "POST", "/security-profiles", GW_P_CONFIG_SECURITY, h_profile_create, 0 },
	{ "GET", "/security-profiles/{}", GW_P_CONFIG_SECURITY, h_profile_get, 0 },
	{ "PATCH", "/security-profiles/{}", GW_P_CONFIG_SECURITY, h_profile_update, 0 },
	{ "DELETE", "/security-profiles/{}", GW_P_CONFIG_SECURITY, h_profile_delete, 0 },
	{ "GET", "/roles", GW_P_CONFIG_SECURITY, h_roles_list, 0 },
	{ "POST", "/roles", GW_P_CONFIG_SECURITY, h_role_create, 0 },
	{ "GET", "/roles/{}", GW_P_CONFIG_SECURITY, h_role_get, 0 },
	{ "PATCH", "/roles/{}", GW_P_CONFIG_SECURITY, h_role_update, 0 },
	{ "DELETE", "/roles/{}", GW_P_CONFIG_SECURITY, h_role_delete, 0 },
	{ "GET", "/access-filters", GW_P_CONFIG_SECURITY, h_filters_list, 0 },
	{ "POST", "/access-filters", GW_P_CONFIG_SECURITY, h_filter_create, 0 },
	{ "GET", "/access-filters/{}", GW_P_CONFIG_SECURITY, h_filter_get, 0 },
	{ "PATCH", "/access-filters/{}", GW_P_CONFIG_SECURITY, h_filter_update, 0 },
	{ "DELETE", "/access-filters/{}", GW_P_CONFIG_SECURITY, h_filter_delete, 0 },
	{ "GET", "/security-policy", GW_P_CONFIG_SECURITY, h_policy_get, 0 },
	{ "PUT", "/security-policy", GW_P_CONFIG_SECURITY, h_policy_put, 0 },
	{ "GET", "/api-tokens", GW_P_CONFIG_SECURITY, h_tokens_list, 0 },
	{ "POST", "/api-tokens", GW_P_CONFIG_SECURITY, h_token_create, 0 },
	{ "DELETE", "/api-tokens/{}", GW_P_CONFIG_SECURITY, h_token_revoke, 0 },
	{ NULL, NULL, 0, NULL, 0 },
};
