/*
 * auth.c - who is asking: sessions, API tokens, log-in with the Security Policy's lockout,
 * password changes (policy, history, forced change of the built-in defaults) and reset links.
 *
 * Secrets (session cookies, API tokens, reset tokens) are 32 random bytes; only their SHA-256
 * is stored, so a copy of the database logs nobody in.  A request's identity is looked up in a
 * small in-process cache for up to AUTH_TTL_MS, then in PostgreSQL again: a revoked token, a
 * disabled user or a changed role takes effect within that time on every gateway of the
 * site, and at once on this one (gw_auth_forget).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <civetweb.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "mail.h"
#include "passwd.h"
#include "server.h"
#include "service.h"

#define AUTH_TTL_MS 2000

struct gw_auth_entry {
	struct gw_user user;
	long long checked_ms;
};

/* The manual prints these; they may never be chosen again (L14394, migration 0001). */
static const char *const public_passwords[] = { "Teleph0ny!", "M1t3l!Superv!sor", "Ext3ns10n" };

/* ---- permissions ------------------------------------------------------------------------- */

static const char *const perm_names[] = {
#define GW__PERM_NAME(id, name) name,
	GW_PERMS(GW__PERM_NAME)
#undef GW__PERM_NAME
};

_Static_assert(GW_P__COUNT <= 64, "permissions must fit a 64-bit mask");

const char *
gw_perm_name(int perm)
{
	return perm >= 0 && perm < GW_P__COUNT ? perm_names[perm] : "?";
}

int
gw_perm_find(const char *name)
{
	for (int i = 0; i < GW_P__COUNT; i++)
		if (strcmp(perm_names[i], name) == 0)
			return i;
	return -1;
}

uint64_t
gw_perm_mask(const char *csv)
{
	uint64_t m = 0;
	char name[64];

	while (csv != NULL && *csv != '\0') {
		size_t len = strcspn(csv, ",");
		int p;
		if (len < sizeof(name)) {
			memcpy(name, csv, len);
			name[len] = '\0';
			if ((p = gw_perm_find(name)) >= 0)
				m |= 1ULL << p;
		}
		csv += len + (csv[len] == ',');
	}
	return m;
}

/* ---- small crypto helpers ---------------------------------------------------------------- */

/* OpenSSL 3 looks a digest up by name on every use of EVP_sha256(); every request hashes
 * its session key, so the lookup is done once. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
gw_sha256(const char *s, unsigned char out[32])
{
	unsigned int len = 32;

	pthread_once(&sha256_once, sha256_fetch);
	EVP_Digest(s, strlen(s), out, &len, sha256_md != NULL ? sha256_md : EVP_sha256(), NULL);
}

bool
gw_random_token(char *out, size_t outlen, size_t nbytes)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[64];
	size_t o = 0;

	if (nbytes > sizeof(raw) || outlen < nbytes * 4 / 3 + 2 || RAND_bytes(raw, (int)nbytes) != 1)
		return false;
	for (size_t i = 0; i < nbytes; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (i + 1 < nbytes ? (unsigned)raw[i + 1] << 8 : 0) |
		    (i + 2 < nbytes ? raw[i + 2] : 0);
		size_t chars = i + 2 < nbytes ? 4 : i + 1 < nbytes ? 3 : 2;
		for (size_t k = 0; k < chars; k++)
			out[o++] = b64[(v >> (18 - 6 * k)) & 63];
	}
	out[o] = '\0';
	return true;
}

static void
hex32(const unsigned char k[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[k[i] >> 4];
		out[2 * i + 1] = digits[k[i] & 15];
	}
	out[64] = '\0';
}

/* bytea parameter in hex form: "\x<64 hex>". */
static void
bytea_param(const unsigned char k[32], char out[68])
{
	out[0] = '\\';
	out[1] = 'x';
	hex32(k, out + 2);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- password policy --------------------------------------------------------------------- */

const char *
gw_password_check(const struct gw_settings *s, const char *pw)
{
	size_t len = strlen(pw), chars = 0;
	bool lower = false, upper = false, digit = false, special = false;

	for (const unsigned char *p = (const unsigned char *)pw; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80)
			chars++; /* counts UTF-8 characters, not bytes */
		lower |= *p >= 'a' && *p <= 'z';
		upper |= *p >= 'A' && *p <= 'Z';
		digit |= *p >= '0' && *p <= '9';
		special |= *p != '\0' && strchr("#@?!$%^&*-=+", *p) != NULL;
	}
	special |= strstr(pw, "\xc2\xa3") != NULL; /* the manual's list has £ */
	if (len > 256)
		return "the password is longer than 256 bytes";
	for (size_t i = 0; i < sizeof(public_passwords) / sizeof(public_passwords[0]); i++)
		if (strcmp(pw, public_passwords[i]) == 0)
			return "that password is printed in the product's manual";
	switch (s->password_strength) {
	case 0:
		if (chars < 6)
			return "the password needs at least 6 characters (policy: Low Security)";
		break;
	case 1:
		if (chars < 8 || !lower || !upper || !digit)
			return "the password needs at least 8 characters with a lower-case letter, "
			       "an upper-case letter and a digit (policy: Secure)";
		break;
	default:
		if (chars < 10 || !lower || !upper || !digit || !special)
			return "the password needs at least 10 characters with a lower-case letter, "
			       "an upper-case letter, a digit and one of #@?!\xc2\xa3$%^&*-=+ "
			       "(policy: High Security)";
		break;
	}
	return NULL;
}

/* ---- the cache --------------------------------------------------------------------------- */

void
gw_auth_init(struct gw *gw)
{
	gw->auth_cache = hs_map_new();
}

void
gw_auth_fini(struct gw *gw)
{
	size_t pos = 0;
	const char *k;
	void *v;

	while (hs_map_next(gw->auth_cache, &pos, &k, &v))
		free(v);
	hs_map_free(gw->auth_cache);
	gw->auth_cache = NULL;
}

void
gw_auth_forget(struct gw *gw, long long user_id)
{
	size_t pos = 0;
	const char *k;
	void *v;

	pthread_mutex_lock(&gw->mu);
	while (hs_map_next(gw->auth_cache, &pos, &k, &v)) {
		struct gw_auth_entry *e = v;
		if (user_id == 0 || e->user.id == user_id) {
			hs_map_del(gw->auth_cache, k);
			free(e);
		}
	}
	pthread_mutex_unlock(&gw->mu);
}

static void
forget_key(struct gw *gw, const char *ckey)
{
	pthread_mutex_lock(&gw->mu);
	free(hs_map_del(gw->auth_cache, ckey));
	pthread_mutex_unlock(&gw->mu);
}

static bool
cache_get(struct gw *gw, const char *ckey, struct gw_user *u)
{
	struct gw_auth_entry *e;
	bool hit = false;

	pthread_mutex_lock(&gw->mu);
	if ((e = hs_map_get(gw->auth_cache, ckey)) != NULL && now_ms() - e->checked_ms < AUTH_TTL_MS) {
		*u = e->user;
		hit = true;
	}
	pthread_mutex_unlock(&gw->mu);
	return hit;
}

static void
cache_put(struct gw *gw, const char *ckey, const struct gw_user *u)
{
	struct gw_auth_entry *e;

	pthread_mutex_lock(&gw->mu);
	if ((e = hs_map_get(gw->auth_cache, ckey)) == NULL && (e = malloc(sizeof(*e))) != NULL &&
	    hs_map_put(gw->auth_cache, ckey, e) != HS_OK) {
		free(e);
		e = NULL;
	}
	if (e != NULL) {
		e->user = *u;
		e->checked_ms = now_ms();
	}
	pthread_mutex_unlock(&gw->mu);
}

static enum gw_scope
scope_parse(const char *s)
{
	static const char *const names[] = { "none", "own", "business_unit",
		"business_unit_master", "site", "organisation" };

	for (int i = 0; i < 6; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum gw_scope)i;
	return GW_SCOPE_NONE;
}

/* The user columns both lookups answer, in this order. */
#define USER_COLS                                                                              \
	"u.id, u.username, u.business_unit_id, coalesce(r.id, 0), "                           \
	"coalesce(r.access_scope, 'none'), "                                                   \
	"coalesce((SELECT string_agg(permission, ',') FROM profile_permissions "             \
	"          WHERE profile_id = r.profile_id), ''), "                                     \
	"u.must_change_password OR coalesce(u.password_expires_at < now(), false)"

static void
user_from_row(PGresult *res, struct gw_user *u)
{
	u->id = atoll(PQgetvalue(res, 0, 0));
	snprintf(u->username, sizeof(u->username), "%s", PQgetvalue(res, 0, 1));
	u->business_unit_id = atoll(PQgetvalue(res, 0, 2));
	u->role_id = atoll(PQgetvalue(res, 0, 3));
	u->scope = scope_parse(PQgetvalue(res, 0, 4));
	u->perms = gw_perm_mask(PQgetvalue(res, 0, 5));
	u->must_change = PQgetvalue(res, 0, 6)[0] == 't';
}

static bool
lookup_session(struct gw_req *r, const unsigned char key[32], struct gw_user *u)
{
	struct gw_settings s;
	char kp[68], idle[16];
	const char *p[2] = { kp, idle };
	PGresult *res;
	bool ok;

	gw_settings_get(r->gw, &s);
	bytea_param(key, kp);
	snprintf(idle, sizeof(idle), "%d", s.session_idle_minutes);
	/* Touching last_seen_at is the idle timeout; once per cache period is enough. */
	if (gw_db_q(r->db,
	    "WITH s AS (UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1 "
	    "  AND expires_at > now() AND last_seen_at > now() - make_interval(mins => $2::int) "
	    "  RETURNING user_id, csrf_token) "
	    "SELECT " USER_COLS ", s.csrf_token FROM s JOIN users u ON u.id = s.user_id "
	    "LEFT JOIN roles r ON r.id = u.role_id WHERE u.enabled AND u.deleted_at IS NULL",
	    2, p, &res, NULL) != HS_OK)
		return false;
	if ((ok = PQntuples(res) == 1)) {
		user_from_row(res, u);
		snprintf(u->csrf, sizeof(u->csrf), "%s", PQgetvalue(res, 0, 7));
	}
	PQclear(res);
	return ok;
}

static bool
lookup_token(struct gw_req *r, const unsigned char key[32], struct gw_user *u)
{
	char kp[68];
	const char *p[1] = { kp };
	PGresult *res;
	bool ok;

	bytea_param(key, kp);
	if (gw_db_q(r->db,
	    "WITH t AS (UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 "
	    "  AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) "
	    "  RETURNING user_id) "
	    "SELECT " USER_COLS " FROM t JOIN users u ON u.id = t.user_id "
	    "LEFT JOIN roles r ON r.id = u.role_id WHERE u.enabled AND u.deleted_at IS NULL",
	    1, p, &res, NULL) != HS_OK)
		return false;
	if ((ok = PQntuples(res) == 1)) {
		user_from_row(res, u);
		u->must_change = false; /* a token is an integration, not a person at a screen */
		u->bearer = true;
	}
	PQclear(res);
	return ok;
}

/* The session cookie's value, or NULL. */
static const char *
session_cookie(struct gw_req *r, char *buf, size_t len)
{
	const char *h = mg_get_header(r->conn, "Cookie");

	if (h == NULL || mg_get_cookie(h, "hs_session", buf, len) <= 0)
		return NULL;
	return buf;
}

bool
gw_auth_request(struct gw_req *r)
{
	const char *h = mg_get_header(r->conn, "Authorization");
	char secret[128], ckey[68];
	struct gw_user u;
	bool bearer = false;

	memset(&u, 0, sizeof(u));
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		snprintf(secret, sizeof(secret), "%s", h + 7);
		bearer = true;
	} else if (session_cookie(r, secret, sizeof(secret)) == NULL) {
		return false;
	}
	gw_sha256(secret, u.key);
	ckey[0] = bearer ? 't' : 's';
	hex32(u.key, ckey + 1);
	if (!cache_get(r->gw, ckey, &u)) {
		if (!(bearer ? lookup_token(r, u.key, &u) : lookup_session(r, u.key, &u))) {
			forget_key(r->gw, ckey);
			return false;
		}
		gw_sha256(secret, u.key);
		cache_put(r->gw, ckey, &u);
	}
	r->user = u;
	r->authed = true;
	return true;
}

/* ---- audit ------------------------------------------------------------------------------- */

static void
audit_as(struct gw_req *r, long long user_id, const char *username, const char *action,
    const char *target, cJSON *details)
{
	char uid[24], sid[8], *d = details != NULL ? cJSON_PrintUnformatted(details) : NULL;
	const char *p[7] = { user_id > 0 ? uid : NULL, username, action, target, d,
		r->client_ip[0] ? r->client_ip : NULL, sid };

	snprintf(uid, sizeof(uid), "%lld", user_id);
	snprintf(sid, sizeof(sid), "%d", gw_svc(r->gw)->server_id);
	if (gw_db_q(r->db,
	    "INSERT INTO audit_events (user_id, username, action, target, details, client_ip, "
	    "server_id) VALUES ($1, $2, $3, $4, $5::jsonb, $6::inet, $7)",
	    7, p, NULL, NULL) != HS_OK)
		hs_log_error("gateway.audit", "action=%s lost: %s", action,
		    hs_logq(gw_db_error(r->db)));
	free(d);
	cJSON_Delete(details);
}

void
gw_audit(struct gw_req *r, const char *action, const char *target, cJSON *details)
{
	audit_as(r, r->authed ? r->user.id : 0, r->authed ? r->user.username : NULL, action,
	    target, details);
}

/* ---- routes ------------------------------------------------------------------------------ */

#define USER_JSON_SQL                                                                          \
	"SELECT json_build_object('id', u.id, 'username', u.username, 'display_name', "        \
	"  u.display_name, 'first_name', u.first_name, 'last_name', u.last_name, 'email', "     \
	"  u.email, 'business_unit_id', u.business_unit_id, 'role_id', u.role_id, 'role', "    \
	"  r.name, 'profile', p.name, 'access_scope', coalesce(r.access_scope, 'none'), "       \
	"  'permissions', coalesce((SELECT json_agg(permission ORDER BY permission) "           \
	"    FROM profile_permissions WHERE profile_id = r.profile_id), '[]'), "               \
	"  'must_change_password', u.must_change_password "                                     \
	"    OR coalesce(u.password_expires_at < now(), false)) "                               \
	"FROM users u LEFT JOIN roles r ON r.id = u.role_id "                                  \
	"LEFT JOIN security_profiles p ON p.id = r.profile_id WHERE u.id = $1"

/* {user, csrf_token} for user id. */
static void
reply_session(struct gw_req *r, int status, long long id, const char *csrf)
{
	char ids[24];
	const char *p[1] = { ids };
	PGresult *res;
	cJSON *root, *user;

	snprintf(ids, sizeof(ids), "%lld", id);
	if (gw_db_q(r->db, USER_JSON_SQL, 1, p, &res, NULL) != HS_OK || PQntuples(res) != 1) {
		if (res != NULL)
			PQclear(res);
		gw_reply_error(r, 500, "internal", NULL, "cannot read the user");
		return;
	}
	user = cJSON_Parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "user", user);
	cJSON_AddStringToObject(root, "csrf_token", csrf);
	gw_reply_json(r, status, root);
}

static void
set_cookie(struct gw_req *r, const char *value, bool clear)
{
	char line[400];

	snprintf(line, sizeof(line), "Set-Cookie: hs_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	    value, r->https ? "; Secure" : "", clear ? "; Max-Age=0" : "");
	gw_reply_header(r, line);
}

static void
h_login(struct gw_req *r)
{
	const char *name = gw_body_str(r, "username"), *pw = gw_body_str(r, "password");
	const char *p[5];
	struct gw_settings s;
	char token[64], csrf[64], kp[68], ids[24], max[16], mins[16], lock[8], hrs[16];
	unsigned char key[32];
	PGresult *res;
	long long id;
	bool verified, enabled, web;
	double locked_for;

	if (name == NULL || pw == NULL || name[0] == '\0') {
		gw_reply_error(r, 400, "validation", name == NULL ? "username" : "password",
		    "username and password are required");
		return;
	}
	gw_settings_get(r->gw, &s);
	p[0] = name;
	if (gw_db_q(r->db,
	    "SELECT u.id, u.password_hash, u.enabled AND u.deleted_at IS NULL, "
	    "  coalesce(extract(epoch FROM u.locked_until - now()), 0), "
	    "  EXISTS (SELECT 1 FROM roles ro JOIN profile_permissions pp "
	    "    ON pp.profile_id = ro.profile_id WHERE ro.id = u.role_id "
	    "    AND pp.permission = 'general.web_access') "
	    "FROM users u WHERE lower(u.username) = lower($1)", 1, p, &res, NULL) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		/* Same work as a real account, so timing does not tell which names exist. */
		(void)hs_passwd_verify("$argon2id$v=19$m=65536,t=3,p=1$SBuCjJz9BCsJOUtkT4yF/Q$"
		    "WPPngBLcPNyCBzTKKTcO2sSYw2e1FXxqnEWX21IYx+s", pw);
		audit_as(r, 0, name, "user.login_failed", name, NULL);
		gw_reply_error(r, 401, "invalid_credentials", NULL, "wrong username or password");
		return;
	}
	id = atoll(PQgetvalue(res, 0, 0));
	enabled = PQgetvalue(res, 0, 2)[0] == 't';
	locked_for = atof(PQgetvalue(res, 0, 3));
	web = PQgetvalue(res, 0, 4)[0] == 't';
	if (locked_for > 0 && s.lockout_enabled) {
		cJSON *err, *root = cJSON_CreateObject();
		PQclear(res);
		err = cJSON_AddObjectToObject(root, "error");
		cJSON_AddStringToObject(err, "code", "account_locked");
		cJSON_AddStringToObject(err, "message",
		    "too many failed log-ins: the account is locked for a while");
		cJSON_AddNumberToObject(err, "retry_after", (double)(long long)(locked_for + 1));
		audit_as(r, id, name, "user.login_locked", name, NULL);
		gw_reply_json(r, 403, root);
		return;
	}
	verified = hs_passwd_verify(PQgetvalue(res, 0, 1), pw);
	PQclear(res);
	snprintf(ids, sizeof(ids), "%lld", id);
	if (!verified) {
		snprintf(lock, sizeof(lock), "%s", s.lockout_enabled ? "true" : "false");
		snprintf(max, sizeof(max), "%d", s.lockout_max_attempts);
		snprintf(mins, sizeof(mins), "%d", s.lockout_minutes);
		p[0] = ids;
		p[1] = lock;
		p[2] = max;
		p[3] = mins;
		(void)gw_db_q(r->db,
		    "UPDATE users SET failed_logins = failed_logins + 1, locked_until = CASE "
		    "  WHEN $2::bool AND failed_logins + 1 >= $3::int "
		    "  THEN now() + make_interval(mins => $4::int) ELSE locked_until END "
		    "WHERE id = $1", 4, p, NULL, NULL);
		audit_as(r, id, name, "user.login_failed", name, NULL);
		gw_reply_error(r, 401, "invalid_credentials", NULL, "wrong username or password");
		return;
	}
	if (!enabled || !web) {
		audit_as(r, id, name, "user.login_denied", name, NULL);
		gw_reply_error(r, 403, "forbidden", NULL,
		    enabled ? "this account has no web access (its role does not allow it)"
			    : "this account is disabled");
		return;
	}
	if (!gw_random_token(token, sizeof(token), 32) || !gw_random_token(csrf, sizeof(csrf), 24)) {
		gw_reply_error(r, 500, "internal", NULL, "no randomness");
		return;
	}
	gw_sha256(token, key);
	bytea_param(key, kp);
	snprintf(hrs, sizeof(hrs), "%d", s.session_max_hours);
	p[0] = kp;
	p[1] = ids;
	p[2] = csrf;
	p[3] = hrs;
	p[4] = r->client_ip[0] ? r->client_ip : NULL;
	if (gw_db_q(r->db,
	    "WITH ok AS (UPDATE users SET failed_logins = 0, locked_until = NULL, "
	    "  last_login_at = now() WHERE id = $2::bigint) "
	    "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, client_ip) "
	    "VALUES ($1, $2::bigint, $3, now() + make_interval(hours => $4::int), $5::inet)",
	    5, p, NULL, NULL) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "cannot create the session");
		return;
	}
	/* The audit row's user is the one who logged in. */
	audit_as(r, id, name, "user.login", name, NULL);
	set_cookie(r, token, false);
	reply_session(r, 200, id, csrf);
}

static void
h_session_get(struct gw_req *r)
{
	reply_session(r, 200, r->user.id, r->user.bearer ? "" : r->user.csrf);
}

static void
h_logout(struct gw_req *r)
{
	char kp[68], ckey[68];
	const char *p[1] = { kp };

	if (!r->user.bearer) {
		bytea_param(r->user.key, kp);
		(void)gw_db_q(r->db, "DELETE FROM sessions WHERE token_hash = $1", 1, p, NULL, NULL);
		ckey[0] = 's';
		hex32(r->user.key, ckey + 1);
		forget_key(r->gw, ckey);
		set_cookie(r, "", true);
	}
	gw_audit(r, "user.logout", r->user.username, NULL);
	gw_reply_empty(r, 204);
}

/* Sets user id's password to pw after the policy and history checks; replies on failure.
 * keep_session (may be NULL): the one session of the user that stays. */
static bool
set_password(struct gw_req *r, long long id, const char *pw, const unsigned char *keep_session,
    bool must_change)
{
	struct gw_settings s;
	const char *why, *p[5];
	char hash[HS_PASSWD_HASH_MAX], ids[24], days[16], kp[68] = "";
	PGresult *res;
	int n;

	gw_settings_get(r->gw, &s);
	if ((why = gw_password_check(&s, pw)) != NULL) {
		gw_reply_error(r, 400, "validation", "new_password", "%s", why);
		return false;
	}
	snprintf(ids, sizeof(ids), "%lld", id);
	p[0] = ids;
	snprintf(days, sizeof(days), "%d", s.password_history);
	p[1] = days;
	/* The current hash always, and the last `history` ones when reuse is prevented. */
	if (gw_db_q(r->db,
	    "SELECT password_hash, username FROM users WHERE id = $1 UNION ALL "
	    "(SELECT password_hash, '' FROM password_history WHERE user_id = $1 "
	    " ORDER BY changed_at DESC LIMIT $2::int)", 2, p, &res, NULL) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return false;
	}
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		if (hs_passwd_verify(PQgetvalue(res, i, 0), pw)) {
			PQclear(res);
			gw_reply_error(r, 400, "validation", "new_password",
			    "the password was used before; choose another");
			return false;
		}
	if (n > 0 && strcasecmp(PQgetvalue(res, 0, 1), pw) == 0) {
		PQclear(res);
		gw_reply_error(r, 400, "validation", "new_password",
		    "the password may not be the username");
		return false;
	}
	PQclear(res);
	if (hs_passwd_hash(pw, hash, sizeof(hash)) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "cannot hash the password");
		return false;
	}
	snprintf(days, sizeof(days), "%d", s.password_expiry_days);
	if (keep_session != NULL)
		bytea_param(keep_session, kp);
	p[0] = ids;
	p[1] = hash;
	p[2] = days;
	p[3] = must_change ? "true" : "false";
	p[4] = kp[0] ? kp : NULL;
	if (gw_db_q(r->db,
	    "WITH h AS (INSERT INTO password_history (user_id, password_hash) "
	    "  SELECT id, password_hash FROM users WHERE id = $1::bigint), "
	    "u AS (UPDATE users SET password_hash = $2, must_change_password = $4::bool, "
	    "  password_changed_at = now(), failed_logins = 0, locked_until = NULL, "
	    "  password_expires_at = CASE WHEN $3::int > 0 "
	    "    THEN now() + make_interval(days => $3::int) END WHERE id = $1::bigint) "
	    "DELETE FROM sessions WHERE user_id = $1::bigint "
	    "  AND ($5::bytea IS NULL OR token_hash <> $5::bytea)", 5, p, NULL, NULL) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "cannot store the password");
		return false;
	}
	gw_auth_forget(r->gw, id);
	return true;
}

static void
h_password(struct gw_req *r)
{
	const char *cur = gw_body_str(r, "current_password"), *pw = gw_body_str(r, "new_password");
	char ids[24];
	const char *p[1] = { ids };
	PGresult *res;
	bool ok;

	if (cur == NULL || pw == NULL) {
		gw_reply_error(r, 400, "validation", cur == NULL ? "current_password" : "new_password",
		    "current_password and new_password are required");
		return;
	}
	snprintf(ids, sizeof(ids), "%lld", r->user.id);
	if (gw_db_q(r->db, "SELECT password_hash FROM users WHERE id = $1", 1, p, &res, NULL) !=
	    HS_OK || PQntuples(res) != 1) {
		if (res != NULL)
			PQclear(res);
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	ok = hs_passwd_verify(PQgetvalue(res, 0, 0), cur);
	PQclear(res);
	if (!ok) {
		gw_audit(r, "user.password_change_failed", r->user.username, NULL);
		gw_reply_error(r, 400, "validation", "current_password",
		    "the current password is wrong");
		return;
	}
	if (!set_password(r, r->user.id, pw, r->user.bearer ? NULL : r->user.key, false))
		return;
	gw_audit(r, "user.password_changed", r->user.username, NULL);
	gw_reply_empty(r, 204);
}

/* ---- password reset by a one-time link --------------------------------------------------- */

static void
h_reset_request(struct gw_req *r)
{
	const char *name = gw_body_str(r, "username"), *p[3];
	struct gw_settings s;
	struct gw_mail_conf mc;
	char token[64], kp[68], mins[16], link[512], body[1024], err[256], ids[24];
	unsigned char key[32];
	PGresult *res;

	if (name == NULL || name[0] == '\0') {
		gw_reply_error(r, 400, "validation", "username", "username is required");
		return;
	}
	/* The answer is the same whether or not the account exists or has an email. */
	p[0] = name;
	if (gw_db_q(r->db, "SELECT id, email FROM users WHERE lower(username) = lower($1) "
	    "AND enabled AND deleted_at IS NULL AND coalesce(email, '') <> ''", 1, p, &res, NULL) !=
	    HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	if (PQntuples(res) == 1) {
		char email[320];
		snprintf(ids, sizeof(ids), "%s", PQgetvalue(res, 0, 0));
		snprintf(email, sizeof(email), "%s", PQgetvalue(res, 0, 1));
		gw_settings_get(r->gw, &s);
		if (!gw_mail_conf_read(r->db, &mc) || mc.server[0] == '\0' || mc.from[0] == '\0') {
			hs_log_warn("gateway.reset", "user=%s no SMTP server configured", hs_logq(name));
		} else if (gw_random_token(token, sizeof(token), 32)) {
			gw_sha256(token, key);
			bytea_param(key, kp);
			snprintf(mins, sizeof(mins), "%d", s.reset_link_minutes);
			p[0] = kp;
			p[1] = ids;
			p[2] = mins;
			if (gw_db_q(r->db, "INSERT INTO password_resets (token_hash, user_id, expires_at) "
			    "VALUES ($1, $2::bigint, now() + make_interval(mins => $3::int))", 3, p,
			    NULL, NULL) == HS_OK) {
				snprintf(link, sizeof(link), "%s/#/reset?token=%s", s.public_url, token);
				snprintf(body, sizeof(body),
				    "A password reset was asked for the Hookswitch account \"%s\".\n\n"
				    "To choose a new password, open this link within %d minutes:\n\n%s\n\n"
				    "The link works once.  If you did not ask for it, ignore this email: "
				    "your password stays as it is.\n", name, s.reset_link_minutes, link);
				if (gw_mail_send(&mc, email, "Hookswitch password reset", body, err,
				    sizeof(err)) != HS_OK)
					hs_log_warn("gateway.reset", "user=%s mail failed: %s",
					    hs_logq(name), hs_logq(err));
				audit_as(r, atoll(ids), name, "user.password_reset_requested", name, NULL);
			}
		}
	}
	PQclear(res);
	gw_reply_empty(r, 202);
}

static void
h_reset_confirm(struct gw_req *r)
{
	const char *token = gw_body_str(r, "token"), *pw = gw_body_str(r, "new_password");
	const char *p[1];
	char kp[68], name[132];
	unsigned char key[32];
	PGresult *res;
	long long id;

	if (token == NULL || pw == NULL) {
		gw_reply_error(r, 400, "validation", token == NULL ? "token" : "new_password",
		    "token and new_password are required");
		return;
	}
	gw_sha256(token, key);
	bytea_param(key, kp);
	p[0] = kp;
	/* Used up at once, even if the new password is then refused: a link works once. */
	if (gw_db_q(r->db,
	    "UPDATE password_resets pr SET used_at = now() FROM users u "
	    "WHERE pr.token_hash = $1 AND pr.used_at IS NULL AND pr.expires_at > now() "
	    "AND u.id = pr.user_id AND u.enabled AND u.deleted_at IS NULL "
	    "RETURNING u.id, u.username", 1, p, &res, NULL) != HS_OK) {
		gw_reply_error(r, 500, "internal", NULL, "database error");
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_reply_error(r, 400, "validation", "token", "the link is unknown, used or expired");
		return;
	}
	id = atoll(PQgetvalue(res, 0, 0));
	snprintf(name, sizeof(name), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!set_password(r, id, pw, NULL, false))
		return;
	audit_as(r, id, name, "user.password_reset", name, NULL);
	gw_reply_empty(r, 204);
}

static void
h_permissions(struct gw_req *r)
{
	gw_reply_query(r,
	    "SELECT json_build_object('items', coalesce(json_agg(json_build_object('name', name, "
	    "'group', grp, 'label', label) ORDER BY ord), '[]')) FROM permissions", 0, NULL);
}

const struct gw_route gw_routes_auth[] = {
	{ "POST", "/session", GW_PERM_NONE, h_login, GW_R_NOCSRF },
	{ "GET", "/session", GW_PERM_ANY, h_session_get, GW_R_PWCHANGE },
	{ "DELETE", "/session", GW_PERM_ANY, h_logout, GW_R_PWCHANGE },
	{ "POST", "/session/password", GW_PERM_ANY, h_password, GW_R_PWCHANGE },
	{ "POST", "/password-reset", GW_PERM_NONE, h_reset_request, GW_R_NOCSRF },
	{ "POST", "/password-reset/confirm", GW_PERM_NONE, h_reset_confirm, GW_R_NOCSRF },
	{ "GET", "/permissions", GW_PERM_ANY, h_permissions, 0 },
	{ NULL, NULL, 0, NULL, 0 },
};
