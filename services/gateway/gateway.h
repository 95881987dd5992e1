/*
 * gateway.h - what the gateway's modules share: the request, the user behind it, the route
 * table entries and the reply helpers.
 *
 * Threads: civetweb runs each HTTP request on one of web.threads worker threads; the
 * service's libuv loop (bus, live state, configuration NOTIFY) runs on the main thread.  A
 * request handler therefore never touches the loop: it has its own database connection
 * (struct gw_db, one per worker thread), reads the live state through live.h's locked
 * copies and sends cti-host commands with blocking bus calls.
 */
#ifndef HS_GW_GATEWAY_H
#define HS_GW_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "err.h"

struct mg_connection;
struct mg_request_info;
struct hs_svc;
struct gw_live;

/* ---- permissions (migrations/0004_security.sql, table permissions) ---------------------- */

#define GW_PERMS(X)                                                                     \
	X(GENERAL_WEB_ACCESS, "general.web_access")                                     \
	X(GENERAL_TASKS, "general.tasks")                                               \
	X(GENERAL_SYSTEM_STATUS, "general.system_status")                               \
	X(GENERAL_AUDIT_TRAIL, "general.audit_trail")                                   \
	X(GENERAL_SYSTEM_BUSINESS_UNITS, "general.system_business_units")               \
	X(GENERAL_VIEW_SHARED_FILTERS, "general.view_shared_filters")                   \
	X(GENERAL_MODIFY_SHARED_FILTERS, "general.modify_shared_filters")               \
	X(RECORDINGS_PLAY, "recordings.play")                                           \
	X(RECORDINGS_SAVE, "recordings.save")                                           \
	X(RECORDINGS_EMAIL, "recordings.email")                                         \
	X(RECORDINGS_SILENT_MONITOR, "recordings.silent_monitor")                       \
	X(RECORDINGS_MODIFY_CALL_DETAILS, "recordings.modify_call_details")             \
	X(RECORDINGS_LIVE_VIEW, "recordings.live_view")                                 \
	X(REPORTING_RUN, "reporting.run")                                               \
	X(REPORTING_SCHEDULE, "reporting.schedule")                                     \
	X(REPORTING_REALTIME, "reporting.realtime")                                     \
	X(REPORTING_WALLBOARD, "reporting.wallboard")                                   \
	X(REPORTING_DASHBOARD, "reporting.dashboard")                                   \
	X(REALTIME_CALL_CONTROL, "realtime.call_control")                               \
	X(PMO_WEB_ACCESS, "pmo.web_access")                                             \
	X(PMO_CAMPAIGNS, "pmo.campaigns")                                               \
	X(PMO_DISPOSITIONS, "pmo.dispositions")                                         \
	X(PMO_IMPORTS, "pmo.imports")                                                   \
	X(PMO_EXPORTS, "pmo.exports")                                                   \
	X(PMO_REPORTS, "pmo.reports")                                                   \
	X(PMO_SCHEDULES, "pmo.schedules")                                               \
	X(PMO_BARRED_NUMBERS, "pmo.barred_numbers")                                     \
	X(PMO_SYSTEM_SETTINGS, "pmo.system_settings")                                   \
	X(CONFIG_CONTACT_DIRECTORIES, "config.contact_directories")                     \
	X(CONFIG_SERVER_APPLICATIONS, "config.server_applications")                     \
	X(CONFIG_PHONE_MANAGER, "config.phone_manager")                                 \
	X(CONFIG_MACROS, "config.macros")                                               \
	X(CONFIG_CALL_BANNER_PROFILES, "config.call_banner_profiles")                   \
	X(CONFIG_CLIENT_TOOLBARS, "config.client_toolbars")                             \
	X(CONFIG_CALL_CATEGORIZATION, "config.call_categorization")                     \
	X(CONFIG_PHONE_SYSTEMS, "config.phone_systems")                                 \
	X(CONFIG_EXCLUSION_LIST, "config.exclusion_list")                               \
	X(CONFIG_INCLUSION_LIST, "config.inclusion_list")                               \
	X(CONFIG_CALL_REPORTING, "config.call_reporting")                               \
	X(CONFIG_DIAL_PLAN, "config.dial_plan")                                         \
	X(CONFIG_CUSTOM_TAGS, "config.custom_tags")                                     \
	X(CONFIG_EMAIL, "config.email")                                                 \
	X(CONFIG_DATABASE_MAINTENANCE, "config.database_maintenance")                   \
	X(CONFIG_SECURITY, "config.security")                                           \
	X(CONFIG_USERS, "config.users")                                                 \
	X(CONFIG_COMPLIANCE_MUTING, "config.compliance_muting")                         \
	X(CONFIG_SERVERS, "config.servers")                                             \
	X(CONFIG_LICENSE, "config.license")

enum gw_perm {
#define GW__PERM_ENUM(id, name) GW_P_##id,
	GW_PERMS(GW__PERM_ENUM)
#undef GW__PERM_ENUM
	GW_P__COUNT
};

/* A route's requirement besides a permission. */
enum {
	GW_PERM_NONE = -1, /* no log-in needed (login, password reset) */
	GW_PERM_ANY = -2,  /* any logged-in user */
};

const char *gw_perm_name(int perm);
/* The bit of a permission name, or -1. */
int gw_perm_find(const char *name);
/* Parses "a,b,c" into a mask (unknown names ignored). */
uint64_t gw_perm_mask(const char *csv);

/* ---- database (one connection per worker thread) ----------------------------------------- */

struct gw_db;
/* Runs SQL with text parameters as a prepared statement (prepared once per connection, keyed
 * by the SQL text), reconnecting once if the connection broke.  On HS_OK *res is the result
 * (caller PQclears; res may be NULL).  On HS_EDB, sqlstate (>= 6 bytes, may be NULL) holds the
 * SQLSTATE and the message is logged. */
hs_err gw_db_q(struct gw_db *d, const char *sql, int n, const char *const *params,
    PGresult **res, char *sqlstate);
hs_err gw_db_begin(struct gw_db *d);
hs_err gw_db_commit(struct gw_db *d);
void gw_db_rollback(struct gw_db *d);
const char *gw_db_error(const struct gw_db *d);

/* ---- the request ------------------------------------------------------------------------- */

enum gw_scope { GW_SCOPE_NONE, GW_SCOPE_OWN, GW_SCOPE_BU, GW_SCOPE_BU_MASTER, GW_SCOPE_SITE,
	GW_SCOPE_ORG };

struct gw_user {
	long long id;
	char username[132];
	long long business_unit_id;
	long long role_id;   /* 0: none */
	enum gw_scope scope;
	uint64_t perms;
	bool must_change;    /* only the password change (and session routes) are allowed */
	bool bearer;         /* authenticated by an API token, not a session cookie */
	char csrf[48];
	unsigned char key[32]; /* sha256 of the session or token secret */
};

struct gw;

struct gw_req {
	struct gw *gw;
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	struct gw_db *db;
	const char *method;
	const char *path;           /* below /api/v1, e.g. "/users/17" */
	const char *query;          /* may be NULL */
	char param[4][128];         /* {x} segments of the matched route, in order */
	int nparam;
	bool authed;
	struct gw_user user;
	char client_ip[64];
	bool https;
	cJSON *body;                /* parsed JSON body (object) of POST/PUT/PATCH, or NULL */
	int status;                 /* what was sent, for the access log */
	bool replied;
};

/* A route: method + pattern ("/users/{}" - {} matches one segment) + what it needs. */
struct gw_route {
	const char *method;
	const char *pattern;
	int perm;                   /* GW_P_*, GW_PERM_NONE or GW_PERM_ANY */
	void (*fn)(struct gw_req *r);
	int flags;
};
enum {
	GW_R_PWCHANGE = 0x1, /* allowed while the password must be changed */
	GW_R_NOCSRF = 0x2,   /* a state-changing route that needs no CSRF token (login) */
	GW_R_SCOPE = 0x4,    /* also needs an access scope other than none (call data) */
};

/* Route tables of the modules, each ended by a NULL method. */
extern const struct gw_route gw_routes_auth[];
extern const struct gw_route gw_routes_admin[];
extern const struct gw_route gw_routes_site[];
extern const struct gw_route gw_routes_live[];
extern const struct gw_route gw_routes_calls[];
extern const struct gw_route gw_routes_recording[];

/* ---- replies ----------------------------------------------------------------------------- */

/* Sends body (owned; NULL sends no body) with status. */
void gw_reply_json(struct gw_req *r, int status, cJSON *body);
/* Sends JSON text as is. */
void gw_reply_text(struct gw_req *r, int status, const char *json, size_t len);
void gw_reply_empty(struct gw_req *r, int status);
/* {"error": {"code", "message", "field"?}}; field may be NULL. */
void gw_reply_error(struct gw_req *r, int status, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A 400 "validation" error naming field; returns false so validators can `return gw_bad()`. */
bool gw_bad(struct gw_req *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Does s hold a control character (line breaks included)? */
bool gw_has_ctl(const char *s);
/* Body field checks (a false return has replied 400 naming the field).  A string: absent
 * is fine unless required; never null, a control character or longer than max bytes. */
bool gw_v_str(struct gw_req *r, const char *f, bool required, bool nonempty, size_t max);
/* A boolean, or absent. */
bool gw_v_bool(struct gw_req *r, const char *f);
/* 500 for a failed query, or 409/400 when the SQLSTATE says the input was at fault. */
void gw_reply_db(struct gw_req *r, const char *sqlstate);
/* Runs a statement; NULL after replying: 409 with the text conflict for a unique violation
 * when conflict is given, else as gw_reply_db. */
PGresult *gw_run(struct gw_req *r, const char *sql, int n, const char *const *params,
    const char *conflict);
/* gw_run with the request body as $1 (jsonb) and extra (at most 5) as $2...; */
PGresult *gw_run_body(struct gw_req *r, const char *sql, int n, const char *const *extra,
    const char *conflict);
/* Sends column 0 of row 0 (JSON text) with status, or 404 what when there is none; clears
 * res.  True when it was found. */
bool gw_reply_row(struct gw_req *r, PGresult *res, int status, const char *what);
/* Runs a query answering one row of one JSON text column and sends it (404 when no row). */
void gw_reply_query(struct gw_req *r, const char *sql, int n, const char *const *params);
void gw_reply_query_as(struct gw_req *r, int status, const char *sql, int n,
    const char *const *params);
/* Adds a header line to the next reply ("Set-Cookie: ..."), at most 4. */
void gw_reply_header(struct gw_req *r, const char *line);

/* ---- request helpers --------------------------------------------------------------------- */

/* Query-string value of name into buf; false when absent. */
bool gw_query(const struct gw_req *r, const char *name, char *buf, size_t len);
/* offset/limit of a list route (defaults 0/50, limit at most 1000); false after replying 400. */
bool gw_paging(struct gw_req *r, long long *offset, long long *limit);
/* The body as text for a jsonb parameter (malloc'd); NULL after replying 500. */
char *gw_body_text(struct gw_req *r);
/* A copy of the body for the audit trail, without passwords ("password_changed": true). */
cJSON *gw_body_redacted(const struct gw_req *r);
/* Body fields. gw_body_str: NULL when absent or not a string. */
const char *gw_body_str(const struct gw_req *r, const char *name);
bool gw_body_has(const struct gw_req *r, const char *name);
/* A path parameter as a positive id; false after replying 404. */
bool gw_param_id(struct gw_req *r, int i, long long *id);
bool gw_has_perm(const struct gw_req *r, int perm);

/* Appends a row to audit_events for the acting user. */
void gw_audit(struct gw_req *r, const char *action, const char *target, cJSON *details);

/* ---- the service ------------------------------------------------------------------------- */

/* Drops cached sessions/tokens of user (0: all), after a log-out, a password change, a role
 * change... so the next request re-reads them. */
void gw_auth_forget(struct gw *gw, long long user_id);
/* The live model (live.h), for the live routes and the WebSocket. */
struct gw_live *gw_live_of(struct gw *gw);
/* The service (config, server id); read-only from worker threads. */
const struct hs_svc *gw_svc(struct gw *gw);

#endif
