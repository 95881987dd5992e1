/*
 * server.h - the gateway's process state and the calls between its core modules (main.c,
 * http.c, auth.c, settings.c).  Route modules use gateway.h only.
 */
#ifndef HS_GW_SERVER_H
#define HS_GW_SERVER_H

#include <pthread.h>
#include <stdbool.h>

#include "gateway.h"
#include "map.h"

/* Site settings the gateway enforces (settings table, re-read on every hs_config NOTIFY). */
struct gw_settings {
	int password_strength;   /* 0 low, 1 secure, 2 high */
	int password_expiry_days;
	int password_history;
	bool lockout_enabled;
	int lockout_max_attempts;
	int lockout_minutes;
	int session_idle_minutes;
	int session_max_hours;
	bool redirect_https;
	int reset_link_minutes;
	char public_url[256];
};

struct gw {
	struct hs_svc *svc;
	struct mg_context *mg;
	struct gw_live *live;
	char conninfo[1024];
	char tls_dir[512];
	char tls_pem[600];
	int http_port, https_port;

	pthread_mutex_t mu;          /* guards settings and the auth cache */
	struct gw_settings settings;
	hs_map *auth_cache;          /* hex sha256 of a cookie/token -> struct gw_auth_entry */

	pthread_mutex_t ws_mu;       /* guards the WebSocket clients */
	struct gw_ws *ws;
	int n_ws, max_ws;            /* WebSocket clients now, and the cap (ws.c, http.c) */

	unsigned long long requests, errors5xx;
};

/* settings.c */
void gw_settings_defaults(struct gw_settings *s);
/* Reads the settings table (on the loop thread, with the service's connection). */
void gw_settings_load(struct gw *gw);
void gw_settings_get(struct gw *gw, struct gw_settings *out);

/* http.c */
hs_err gw_http_start(struct gw *gw);
void gw_http_stop(struct gw *gw);

/* ws.c: the live view's WebSocket at path (on gw->mg). */
void gw_ws_register(struct gw *gw, const char *path);
/* Loop thread: queues a change for every live view; never waits for a client. */
void gw_ws_broadcast(struct gw *gw, const char *msg, size_t len);
int gw_ws_count(struct gw *gw);

/* site.c: the saved SMTP settings (settings smtp.*); false when they cannot be read. */
struct gw_mail_conf;
bool gw_mail_conf_read(struct gw_db *db, struct gw_mail_conf *c);

/* auth.c */
/* Fills r->user from the session cookie or the bearer token; false when neither is valid. */
bool gw_auth_request(struct gw_req *r);
void gw_auth_init(struct gw *gw);
void gw_auth_fini(struct gw *gw);
/* Random bytes as base64url text (no padding) into out (>= 4 * n / 3 + 2 bytes). */
bool gw_random_token(char *out, size_t outlen, size_t nbytes);
void gw_sha256(const char *s, unsigned char out[32]);
/* Password policy: NULL when pw satisfies s, else the reason. */
const char *gw_password_check(const struct gw_settings *s, const char *pw);

#endif
