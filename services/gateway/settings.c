/*
 * settings.c - the site settings the gateway enforces (Security Policy, sessions, links),
 * read from the settings table at start and again on every hs_config NOTIFY, so a policy
 * change applies to the next log-in without a restart.  A value that does not parse keeps
 * the default and is logged: a typo by hand in the table must not open the door.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "service.h"

void
gw_settings_defaults(struct gw_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->password_strength = 1;
	s->lockout_enabled = true;
	s->lockout_max_attempts = 5;
	s->lockout_minutes = 15;
	s->session_idle_minutes = 60;
	s->session_max_hours = 12;
	s->reset_link_minutes = 30;
}

static bool
int_in(const char *key, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
		hs_log_error("gateway.settings", "key=%s value=%s ignored: not an integer in %d..%d",
		    key, hs_logq(v), lo, hi);
		return false;
	}
	*out = (int)n;
	return true;
}

static void
apply(struct gw_settings *s, const char *k, const char *v)
{
	int n;

	if (strcmp(k, "security.password_strength") == 0) {
		if (strcmp(v, "low") == 0)
			s->password_strength = 0;
		else if (strcmp(v, "secure") == 0)
			s->password_strength = 1;
		else if (strcmp(v, "high") == 0)
			s->password_strength = 2;
		else
			hs_log_error("gateway.settings", "key=%s value=%s ignored", k, hs_logq(v));
	} else if (strcmp(k, "security.password_expiry_days") == 0) {
		if (int_in(k, v, 0, 3650, &n))
			s->password_expiry_days = n;
	} else if (strcmp(k, "security.password_history") == 0) {
		if (int_in(k, v, 0, 100, &n))
			s->password_history = n;
	} else if (strcmp(k, "security.lockout_enabled") == 0) {
		s->lockout_enabled = strcmp(v, "false") != 0;
	} else if (strcmp(k, "security.lockout_max_attempts") == 0) {
		if (int_in(k, v, 1, 100, &n))
			s->lockout_max_attempts = n;
	} else if (strcmp(k, "security.lockout_minutes") == 0) {
		if (int_in(k, v, 1, 100000, &n))
			s->lockout_minutes = n;
	} else if (strcmp(k, "web.session_idle_minutes") == 0) {
		if (int_in(k, v, 1, 100000, &n))
			s->session_idle_minutes = n;
	} else if (strcmp(k, "web.session_max_hours") == 0) {
		if (int_in(k, v, 1, 10000, &n))
			s->session_max_hours = n;
	} else if (strcmp(k, "web.redirect_https") == 0) {
		s->redirect_https = strcmp(v, "true") == 0;
	} else if (strcmp(k, "web.reset_link_minutes") == 0) {
		if (int_in(k, v, 1, 10080, &n))
			s->reset_link_minutes = n;
	} else if (strcmp(k, "web.public_url") == 0) {
		snprintf(s->public_url, sizeof(s->public_url), "%s", v);
	}
}

void
gw_settings_load(struct gw *gw)
{
	struct gw_settings s;
	char sid[8];
	const char *p[1] = { sid };
	PGresult *res = NULL;

	gw_settings_defaults(&s);
	snprintf(sid, sizeof(sid), "%d", gw->svc->server_id);
	/* site-wide rows first, then this server's overrides */
	if (hs_db_prepare(gw->svc->db, "gw_settings",
	    "SELECT key, value FROM settings WHERE server_id IN (0, $1::smallint) "
	    "AND (key LIKE 'security.%' OR key LIKE 'web.%') ORDER BY server_id") != HS_OK ||
	    hs_db_exec(gw->svc->db, "gw_settings", 1, p, &res) != HS_OK) {
		hs_log_error("gateway.settings", "cannot read settings: %s",
		    hs_logq(hs_db_error(gw->svc->db)));
		return; /* keep what we had */
	}
	for (int i = 0; i < PQntuples(res); i++)
		apply(&s, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);
	if (s.public_url[0] == '\0') {
		const char *host = hs_conf_str(gw->svc->conf, "server.host");
		char name[256];
		if (host[0] == '\0' && gethostname(name, sizeof(name)) == 0)
			host = name;
		if (gw->https_port > 0)
			snprintf(s.public_url, sizeof(s.public_url), "https://%s:%d", host, gw->https_port);
		else
			snprintf(s.public_url, sizeof(s.public_url), "http://%s:%d", host, gw->http_port);
	}
	pthread_mutex_lock(&gw->mu);
	gw->settings = s;
	pthread_mutex_unlock(&gw->mu);
}

void
gw_settings_get(struct gw *gw, struct gw_settings *out)
{
	pthread_mutex_lock(&gw->mu);
	*out = gw->settings;
	pthread_mutex_unlock(&gw->mu);
}
