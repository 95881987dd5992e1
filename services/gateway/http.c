/*
 * http.c - the web server: civetweb set-up, dispatch of /api/v1 to the route tables, the
 * checks every route goes through (log-in, CSRF, forced password change, permission), the
 * reply helpers.  The live view's WebSocket is ws.c.
 *
 * Every API reply carries Content-Length (so connections stay alive under load), no-store
 * caching and nosniff; static files get a Content-Security-Policy that allows only our own
 * scripts, which with JSON-only API replies keeps stored text inert in a browser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <civetweb.h>

#include "conf.h"
#include "db_pool.h"
#include "live.h"
#include "log.h"
#include "server.h"
#include "service.h"

#define API_PREFIX "/api/v1"
#define BODY_MAX (1024 * 1024)

struct gw_live *
gw_live_of(struct gw *gw)
{
	return gw->live;
}

const struct hs_svc *
gw_svc(struct gw *gw)
{
	return gw->svc;
}

/* ---- replies ----------------------------------------------------------------------------- */

/* Extra header lines for the next reply (Set-Cookie); per thread, as requests are. */
static _Thread_local char extra_hdr[4][600];
static _Thread_local int n_extra;

void
gw_reply_header(struct gw_req *r, const char *line)
{
	(void)r;
	if (n_extra < 4)
		snprintf(extra_hdr[n_extra++], sizeof(extra_hdr[0]), "%s", line);
}

/* The security headers of every reply, API or file (civetweb adds them to files). */
#define SECURITY_HEADERS \
	"X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"Content-Security-Policy: default-src 'self'; connect-src 'self' ws: wss:; " \
	"img-src 'self' data:; frame-ancestors 'none'"

/* Would civetweb keep this connection open after the reply?  Its own rule (should_keep_alive
 * in civetweb.c): never after a 401; with a Connection header only if it says keep-alive;
 * without one only for HTTP/1.1. */
static bool
keeps_alive(struct gw_req *r, int status)
{
	const char *h = mg_get_header(r->conn, "Connection");

	if (status == 401)
		return false;
	if (h != NULL)
		return strcasestr(h, "keep-alive") != NULL;
	return r->ri->http_version != NULL && strcmp(r->ri->http_version, "1.1") == 0;
}

/* The Date header's text, made again only when the second changes. */
static const char *
http_date(void)
{
	static _Thread_local char buf[40];
	static _Thread_local time_t made;
	time_t now = time(NULL);
	struct tm tm;

	if (now != made && gmtime_r(&now, &tm) != NULL) {
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		made = now;
	}
	return buf;
}

/*
 * The whole reply leaves in one write: civetweb's header API sends each header line on its
 * own, and small writes behind one another wait for the client's delayed ACK (40 ms each
 * on Linux) - the difference between hundreds and tens of thousands of requests a second.
 */
void
gw_reply_text(struct gw_req *r, int status, const char *json, size_t len)
{
	char head[4096], stack[16384], *buf = stack;
	size_t hlen = 0, blen = status == 204 ? 0 : len;

	if (r->replied)
		return;
	r->replied = true;
	r->status = status;
	hlen = (size_t)snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: %s\r\n%s"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n" SECURITY_HEADERS "\r\n",
	    status, mg_get_response_code_text(r->conn, status), http_date(),
	    keeps_alive(r, status) ? "keep-alive" : "close",
	    status != 204 ? "Content-Type: application/json; charset=utf-8\r\n" : "", blen);
	/* Room for all: the fixed part is under 1 KiB, extra lines are 4 of under 600 bytes. */
	for (int i = 0; i < n_extra; i++)
		hlen += (size_t)snprintf(head + hlen, sizeof(head) - hlen, "%s\r\n", extra_hdr[i]);
	n_extra = 0;
	memcpy(head + hlen, "\r\n", 2);
	hlen += 2;
	if (hlen + blen > sizeof(stack) && (buf = malloc(hlen + blen)) == NULL) {
		mg_write(r->conn, head, hlen); /* the body alone, then: out of memory is rare */
		mg_write(r->conn, json, blen);
		return;
	}
	memcpy(buf, head, hlen);
	if (blen > 0)
		memcpy(buf + hlen, json, blen);
	mg_write(r->conn, buf, hlen + blen);
	if (buf != stack)
		free(buf);
}

void
gw_reply_json(struct gw_req *r, int status, cJSON *body)
{
	char *s;

	if (body == NULL) {
		gw_reply_text(r, status, "", 0);
		return;
	}
	s = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (s == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	gw_reply_text(r, status, s, strlen(s));
	free(s);
}

void
gw_reply_empty(struct gw_req *r, int status)
{
	gw_reply_text(r, status, "", 0);
}

void
gw_reply_error(struct gw_req *r, int status, const char *code, const char *field,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	if (field != NULL)
		cJSON_AddStringToObject(e, "field", field);
	gw_reply_json(r, status, root);
}

bool
gw_bad(struct gw_req *r, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gw_reply_error(r, 400, "validation", field, "%s", msg);
	return false;
}

bool
gw_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool
gw_v_str(struct gw_req *r, const char *f, bool required, bool nonempty, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, f);

	if (v == NULL)
		return !required || gw_bad(r, f, "%s is required", f);
	if (!cJSON_IsString(v))
		return gw_bad(r, f, "%s must be a string", f);
	if (nonempty && v->valuestring[0] == '\0')
		return gw_bad(r, f, "%s must not be empty", f);
	if (strlen(v->valuestring) > max)
		return gw_bad(r, f, "%s is longer than %zu bytes", f, max);
	if (gw_has_ctl(v->valuestring))
		return gw_bad(r, f, "%s must not contain control characters or line breaks", f);
	return true;
}

bool
gw_v_bool(struct gw_req *r, const char *f)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, f);

	return v == NULL || cJSON_IsBool(v) || gw_bad(r, f, "%s must be true or false", f);
}

void
gw_reply_db(struct gw_req *r, const char *sqlstate)
{
	if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0)
		gw_reply_error(r, 409, "conflict", NULL, "it already exists (the name is taken)");
	else if (sqlstate != NULL && strcmp(sqlstate, "23503") == 0)
		gw_reply_error(r, 409, "conflict", NULL,
		    "it refers to something that does not exist, or something still uses it");
	else if (sqlstate != NULL && (strncmp(sqlstate, "22", 2) == 0 ||
	    strcmp(sqlstate, "23514") == 0 || strcmp(sqlstate, "23502") == 0))
		gw_reply_error(r, 400, "validation", NULL, "a value is out of range or malformed");
	else
		gw_reply_error(r, 500, "internal", NULL, "database error");
}

void
gw_reply_query(struct gw_req *r, const char *sql, int n, const char *const *params)
{
	gw_reply_query_as(r, 200, sql, n, params);
}

PGresult *
gw_run(struct gw_req *r, const char *sql, int n, const char *const *params,
    const char *conflict)
{
	PGresult *res;
	char st[6];

	if (gw_db_q(r->db, sql, n, params, &res, st) == HS_OK)
		return res;
	if (conflict != NULL && strcmp(st, "23505") == 0)
		gw_reply_error(r, 409, "conflict", NULL, "%s", conflict);
	else
		gw_reply_db(r, st);
	return NULL;
}

PGresult *
gw_run_body(struct gw_req *r, const char *sql, int n, const char *const *extra,
    const char *conflict)
{
	const char *p[6];
	char *b = gw_body_text(r);
	PGresult *res;

	if (b == NULL)
		return NULL;
	p[0] = b;
	for (int i = 0; i < n && i < 5; i++)
		p[i + 1] = extra[i];
	res = gw_run(r, sql, (n < 5 ? n : 5) + 1, p, conflict);
	free(b);
	return res;
}

bool
gw_reply_row(struct gw_req *r, PGresult *res, int status, const char *what)
{
	bool found = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0);

	if (found)
		gw_reply_text(r, status, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	else
		gw_reply_error(r, 404, "not_found", NULL, "%s", what);
	PQclear(res);
	return found;
}

void
gw_reply_query_as(struct gw_req *r, int status, const char *sql, int n,
    const char *const *params)
{
	PGresult *res = gw_run(r, sql, n, params, NULL);

	if (res != NULL)
		gw_reply_row(r, res, status, "no such item");
}

/* ---- request helpers --------------------------------------------------------------------- */

char *
gw_body_text(struct gw_req *r)
{
	char *s = cJSON_PrintUnformatted(r->body);

	if (s == NULL)
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
	return s;
}

cJSON *
gw_body_redacted(const struct gw_req *r)
{
	cJSON *d = cJSON_Duplicate(r->body, true);
	static const char *const secret[] = { "password", "new_password", "current_password" };
	bool any = false;

	for (size_t i = 0; d != NULL && i < sizeof(secret) / sizeof(secret[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(d, secret[i]) != NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(d, secret[i]);
			any = true;
		}
	if (any)
		cJSON_AddBoolToObject(d, "password_changed", true);
	return d;
}

bool
gw_query(const struct gw_req *r, const char *name, char *buf, size_t len)
{
	char tmp[1024];

	/* mg_get_var empties its buffer when the name is absent: keep the caller's default */
	if (r->query == NULL || mg_get_var(r->query, strlen(r->query), name, tmp, sizeof(tmp)) < 0)
		return false;
	snprintf(buf, len, "%s", tmp);
	return true;
}

bool
gw_paging(struct gw_req *r, long long *offset, long long *limit)
{
	char buf[32], *end;

	*offset = 0;
	*limit = 50;
	if (gw_query(r, "offset", buf, sizeof(buf))) {
		*offset = strtoll(buf, &end, 10);
		if (*end != '\0' || *offset < 0) {
			gw_reply_error(r, 400, "validation", "offset", "offset must be >= 0");
			return false;
		}
	}
	if (gw_query(r, "limit", buf, sizeof(buf))) {
		*limit = strtoll(buf, &end, 10);
		if (*end != '\0' || *limit < 1 || *limit > 1000) {
			gw_reply_error(r, 400, "validation", "limit", "limit must be 1..1000");
			return false;
		}
	}
	return true;
}

const char *
gw_body_str(const struct gw_req *r, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool
gw_body_has(const struct gw_req *r, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(r->body, name) != NULL;
}

bool
gw_param_id(struct gw_req *r, int i, long long *id)
{
	char *end;

	errno = 0;
	*id = i < r->nparam ? strtoll(r->param[i], &end, 10) : 0;
	/* Digits only: the text goes to SQL as it is, and must mean what was checked here. */
	if (i >= r->nparam || *end != '\0' || *id <= 0 || errno == ERANGE ||
	    r->param[i][strspn(r->param[i], "0123456789")] != '\0') {
		gw_reply_error(r, 404, "not_found", NULL, "no such item");
		return false;
	}
	return true;
}

bool
gw_has_perm(const struct gw_req *r, int perm)
{
	return perm >= 0 && perm < 64 && (r->user.perms & (1ULL << perm)) != 0;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

/* The API's own description, read once at start (openapi.json beside this file). */
static char *openapi_doc;
static size_t openapi_len;

static void
h_openapi(struct gw_req *r)
{
	if (openapi_doc == NULL)
		gw_reply_error(r, 404, "not_found", NULL, "openapi.json was not found at start");
	else
		gw_reply_text(r, 200, openapi_doc, openapi_len);
}

static const struct gw_route gw_routes_core[] = {
	{ "GET", "/openapi.json", GW_PERM_NONE, h_openapi, 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

static void
openapi_load(void)
{
	FILE *f = fopen(HS_DATADIR "/services/gateway/openapi.json", "rb");
	long n;

	if (f == NULL) {
		hs_log_warn("gateway.openapi", "path=%s missing",
		    HS_DATADIR "/services/gateway/openapi.json");
		return;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (openapi_doc = malloc((size_t)n)) != NULL) {
		openapi_len = fread(openapi_doc, 1, (size_t)n, f);
	}
	fclose(f);
}

static const struct gw_route *const route_tables[] = {
	gw_routes_core, gw_routes_auth, gw_routes_admin, gw_routes_site, gw_routes_live, gw_routes_calls,
	gw_routes_recording,
};

/* Matches path against pattern ("{}" = one segment); fills the parameters. */
static bool
route_match(const char *pattern, const char *path, struct gw_req *r)
{
	int n = 0;

	while (*pattern != '\0' && *path != '\0') {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t len = strcspn(path, "/");
			if (len == 0 || len >= sizeof(r->param[0]) || n == 4)
				return false;
			memcpy(r->param[n], path, len);
			r->param[n++][len] = '\0';
			path += len;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	if (*pattern != '\0' || *path != '\0')
		return false;
	r->nparam = n;
	return true;
}

static const struct gw_route *
route_find(struct gw_req *r, bool *path_known)
{
	*path_known = false;
	for (size_t t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]); t++)
		for (const struct gw_route *rt = route_tables[t]; rt->method != NULL; rt++) {
			if (!route_match(rt->pattern, r->path, r))
				continue;
			*path_known = true;
			if (strcmp(rt->method, r->method) == 0)
				return rt;
		}
	return NULL;
}

static bool
is_mutating(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* Reads and parses the body; false after replying. */
static bool
read_body(struct gw_req *r)
{
	long long clen = r->ri->content_length;
	char *buf;
	size_t got = 0;
	int n;

	if (clen > BODY_MAX) {
		gw_reply_error(r, 413, "too_large", NULL, "the body is larger than 1 MiB");
		return false;
	}
	if ((buf = malloc(BODY_MAX + 1)) == NULL) {
		gw_reply_error(r, 500, "internal", NULL, "out of memory");
		return false;
	}
	while (got < BODY_MAX && (n = mg_read(r->conn, buf + got, BODY_MAX - got)) > 0)
		got += (size_t)n;
	if (got == BODY_MAX && mg_read(r->conn, buf, 1) > 0) {
		free(buf);
		gw_reply_error(r, 413, "too_large", NULL, "the body is larger than 1 MiB");
		return false;
	}
	buf[got] = '\0';
	if (strspn(buf, " \t\r\n") == got) {
		r->body = cJSON_CreateObject();
	} else {
		const char *end = NULL;
		r->body = cJSON_ParseWithOpts(buf, &end, false);
		/* one object and only white space after it (a NUL inside ends the text early) */
		if (!cJSON_IsObject(r->body) || end == NULL ||
		    strspn(end, " \t\r\n") != got - (size_t)(end - buf)) {
			cJSON_Delete(r->body);
			r->body = NULL;
			free(buf);
			gw_reply_error(r, 400, "invalid_json", NULL,
			    "the body must be one JSON object");
			return false;
		}
	}
	free(buf);
	return true;
}

static bool
consttime_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The checks every route goes through; false after replying. */
static bool
admit(struct gw_req *r, const struct gw_route *rt)
{
	const char *tok;

	if (rt->perm == GW_PERM_NONE)
		return true;
	if (!gw_auth_request(r)) {
		gw_reply_error(r, 401, "unauthenticated", NULL, "log in first");
		return false;
	}
	if (is_mutating(r->method) && !r->user.bearer && !(rt->flags & GW_R_NOCSRF)) {
		tok = mg_get_header(r->conn, "X-CSRF-Token");
		if (tok == NULL || !consttime_eq(tok, r->user.csrf)) {
			gw_reply_error(r, 403, "csrf", NULL,
			    "missing or wrong X-CSRF-Token header");
			return false;
		}
	}
	if (r->user.must_change && !(rt->flags & GW_R_PWCHANGE)) {
		gw_reply_error(r, 403, "password_change_required", NULL,
		    "change your password first");
		return false;
	}
	if (rt->perm >= 0 && !gw_has_perm(r, rt->perm)) {
		gw_reply_error(r, 403, "forbidden", NULL, "you need the %s permission",
		    gw_perm_name(rt->perm));
		return false;
	}
	if ((rt->flags & GW_R_SCOPE) && r->user.scope == GW_SCOPE_NONE) {
		gw_reply_error(r, 403, "forbidden", NULL, "your role has no access scope");
		return false;
	}
	return true;
}

static int
api_handler(struct mg_connection *conn, void *cbdata)
{
	struct gw *gw = cbdata;
	struct gw_req r;
	const struct gw_route *rt;
	bool known;

	memset(&r, 0, sizeof(r));
	n_extra = 0;
	r.gw = gw;
	r.conn = conn;
	r.ri = mg_get_request_info(conn);
	r.db = mg_get_thread_pointer(conn);
	r.method = r.ri->request_method;
	r.path = r.ri->local_uri + strlen(API_PREFIX);
	r.query = r.ri->query_string;
	r.https = r.ri->is_ssl != 0;
	snprintf(r.client_ip, sizeof(r.client_ip), "%s", r.ri->remote_addr);
	__atomic_add_fetch(&gw->requests, 1, __ATOMIC_RELAXED);

	if (r.db == NULL) {
		gw_reply_error(&r, 503, "internal", NULL, "no database connection");
	} else if ((rt = route_find(&r, &known)) == NULL) {
		if (known)
			gw_reply_error(&r, 405, "method_not_allowed", NULL, "%s is not allowed here",
			    r.method);
		else
			gw_reply_error(&r, 404, "not_found", NULL, "no such route");
	} else if (admit(&r, rt) &&
	    (!(strcmp(r.method, "POST") == 0 || strcmp(r.method, "PUT") == 0 ||
	    strcmp(r.method, "PATCH") == 0) || read_body(&r))) {
		if (r.body == NULL)
			r.body = cJSON_CreateObject();
		rt->fn(&r);
		if (!r.replied)
			gw_reply_error(&r, 500, "internal", NULL, "no reply");
	}
	if (r.status >= 500)
		__atomic_add_fetch(&gw->errors5xx, 1, __ATOMIC_RELAXED);
	hs_log_debug("gateway.request", "method=%s path=%s status=%d user=%s ip=%s", r.method,
	    hs_logq(r.ri->local_uri), r.status, hs_logq(r.authed ? r.user.username : ""),
	    r.client_ip);
	if (r.db != NULL)
		gw_db_rollback(r.db); /* a handler that failed half way leaves no open transaction */
	cJSON_Delete(r.body);
	return r.status;
}

/* ---- server ------------------------------------------------------------------------------ */

static void *
thread_init(const struct mg_context *ctx, int type)
{
	struct gw *gw = mg_get_user_data(ctx);

	return type == 1 ? gw_db_open(gw->conninfo) : NULL; /* 1: a worker thread */
}

static void
thread_exit(const struct mg_context *ctx, int type, void *ptr)
{
	(void)ctx;
	if (type == 1)
		gw_db_close(ptr);
}

static int
log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	hs_log_warn("gateway.civetweb", "%s", hs_logq(message));
	return 1;
}

hs_err
gw_http_start(struct gw *gw)
{
	const hs_conf *c = gw->svc->conf;
	struct gw_settings s;
	struct mg_callbacks cb;
	char ports[256] = "", threads[16];
	const char *listen = hs_conf_str(c, "web.listen");
	int n = 0;

	gw_settings_get(gw, &s);
	if (gw->http_port > 0)
		n += snprintf(ports + n, sizeof(ports) - (size_t)n, "%s:%d%s", listen, gw->http_port,
		    s.redirect_https && gw->https_port > 0 ? "r" : "");
	if (gw->https_port > 0)
		n += snprintf(ports + n, sizeof(ports) - (size_t)n, "%s%s:%ds", n ? "," : "", listen,
		    gw->https_port);
	if (n == 0) {
		hs_log_error("gateway.config", "web.http_port and web.https_port are both 0");
		return HS_ECONFIG;
	}
	int nthreads = (int)hs_conf_int(c, "web.threads");
	snprintf(threads, sizeof(threads), "%d", nthreads);
	/* A quarter of the workers (at least two) stay free of live views for HTTP. */
	gw->max_ws = nthreads - (nthreads / 4 > 2 ? nthreads / 4 : 2);
	if (gw->max_ws < 1)
		gw->max_ws = 1;
	const char *opts[] = {
		"listening_ports", ports,
		"num_threads", threads,
		"document_root", hs_conf_str(c, "web.root"),
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "5000", /* an idle connection holds a worker */
		"request_timeout_ms", "30000",
		"enable_directory_listing", "no",
		"ssl_certificate", gw->tls_pem,
		"ssl_protocol_version", "4", /* TLS 1.2 and later */
		"tcp_nodelay", "1",
		"additional_header", SECURITY_HEADERS,
		NULL, NULL,
	};
	if (gw->https_port == 0) {
		/* no certificate option without an https port: civetweb would load it anyway */
		for (int i = 0; opts[i] != NULL; i += 2)
			if (strcmp(opts[i], "ssl_certificate") == 0 ||
			    strcmp(opts[i], "ssl_protocol_version") == 0)
				opts[i + 1] = strcmp(opts[i], "ssl_certificate") == 0 ? "" : "0";
	}
	openapi_load();
	memset(&cb, 0, sizeof(cb));
	cb.init_thread = thread_init;
	cb.exit_thread = thread_exit;
	cb.log_message = log_message;
	mg_init_library(gw->https_port > 0 ? MG_FEATURES_TLS | MG_FEATURES_WEBSOCKET :
	    MG_FEATURES_WEBSOCKET);
	if ((gw->mg = mg_start(&cb, gw, opts)) == NULL) {
		hs_log_error("gateway.listen", "cannot start the web server on %s", hs_logq(ports));
		return HS_EBUSY;
	}
	mg_set_request_handler(gw->mg, API_PREFIX "/", api_handler, gw);
	gw_ws_register(gw, API_PREFIX "/live/ws");
	hs_log_info("gateway.listen", "ports=%s root=%s threads=%s", hs_logq(ports),
	    hs_logq(hs_conf_str(c, "web.root")), threads);
	return HS_OK;
}

void
gw_http_stop(struct gw *gw)
{
	if (gw->mg != NULL) {
		mg_stop(gw->mg);
		gw->mg = NULL;
		mg_exit_library();
	}
	free(openapi_doc);
	openapi_doc = NULL;
}
