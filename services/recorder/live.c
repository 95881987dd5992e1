/*
 * live.c - the recorder as a service: reads the recorder.* settings, starts the
 * Record-A-Call endpoint (rac.c, a thread of its own running libre), logs each finished call
 * on the service loop and reports the endpoint in health.
 *
 * The endpoint's thread hands finished calls over with rac_done(): a mutex-protected list
 * and a uv_async_send(), so logging (and, later, publishing and the database) happens on
 * the libuv loop.  The bus commands recording.pause and recording.resume go the other way
 * (rac_control: the endpoint's mqueue) and their answers come back the same way as the
 * finished calls (a list under mu and the same uv_async), where the request is replied to.
 * A port that cannot be bound does not stop the service: health says why
 * and the endpoint is tried again every RAC_RETRY_MS.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "rec.h"
#include "service.h"
#include "store.h"

#define RAC_RETRY_MS 10000
#define DEVICES_EVERY_MS 10000 /* Recorded Devices are read again this often */

/* The service side of the endpoint: everything here runs on the libuv loop, except
 * rac_done(), which the endpoint's thread calls. */
struct recorder {
	struct hs_svc *svc;
	struct rac_conf cf;
	rac *rac;
	char listen_err[256];    /* why the endpoint is not listening, "" when it is */
	uv_async_t wake;
	uv_timer_t retry;
	pthread_mutex_t mu;
	struct done_item *head, **tail; /* finished calls, under mu */
	struct ctl_item *ctl_head, **ctl_tail; /* answered pause/resume requests, under mu */
	uint64_t reported;
	struct mirror_conf mcf;
	mirror *mirror;          /* capture on mirror ports, NULL when off or failed */
	char mirror_err[256];    /* why it is not capturing */
	uv_timer_t mirror_timer; /* Recorded Devices refresh, and retries of a failed start */
	hs_db *db;               /* Recorded Devices and the PBX's devices (read only) */
	int devices_recorded, devices_known; /* the last snapshot's sizes (-1: none yet) */
	struct rec_shelf_conf shelf_cf;
	struct rec_shelf *shelf;  /* sealing, database rows, linking, retention (recdb.c) */
};

struct done_item {
	struct done_item *next;
	struct rac_report rep;
};

struct ctl_item {
	struct ctl_item *next;
	struct rac_ctl ctl;
	int asked_mirror;        /* Record-A-Call had no such call: mirror capture was asked */
};

static struct recorder the_recorder;

/* The endpoint's thread answered a pause/resume: queue it for the loop. */
static void
ctl_done(void *arg, struct rac_ctl *ctl)
{
	struct recorder *rc = arg;
	struct ctl_item *it = (struct ctl_item *)((char *)ctl - offsetof(struct ctl_item, ctl));
	pthread_mutex_lock(&rc->mu);
	*rc->ctl_tail = it;
	rc->ctl_tail = &it->next;
	pthread_mutex_unlock(&rc->mu);
	uv_async_send(&rc->wake);
}

static void
ctl_reply(struct ctl_item *it)
{
	struct rac_ctl *c = &it->ctl;
	hs_bus_req *req = c->user;
	if (!c->found) {
		if (c->call_id[0])
			hs_bus_reply(req, HS_ENOTFOUND, NULL, "no call with SIP Call-ID %s is being "
			    "recorded", c->call_id);
		else
			hs_bus_reply(req, HS_ENOTFOUND, NULL, "no call of extension %s is being "
			    "recorded", c->extension);
		return;
	}
	cJSON *b = cJSON_CreateObject();
	cJSON_AddBoolToObject(b, "paused", c->paused);
	cJSON_AddNumberToObject(b, "at_ms", (double)c->at_ms);
	cJSON_AddStringToObject(b, "sip_call_id", c->found_call_id);
	cJSON_AddBoolToObject(b, "changed", c->changed);
	hs_bus_reply(req, HS_OK, b, "%s", c->changed ? (c->paused ? "paused" : "resumed") :
	    (c->paused ? "already paused" : "not paused"));
}

static void
cmd_pause_resume(void *arg, hs_bus_req *req, const hs_env *msg, int pause)
{
	struct hs_svc *svc = arg;
	struct recorder *rc = svc->priv;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg->body, "sip_call_id");
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(msg->body, "extension");
	int has_id = cJSON_IsString(id) && id->valuestring[0];
	int has_ext = cJSON_IsString(ext) && ext->valuestring[0];
	if (has_id == has_ext) {
		hs_bus_reply(req, HS_EINVAL, NULL, "give either sip_call_id or extension (strings)");
		return;
	}
	const char *v = has_id ? id->valuestring : ext->valuestring;
	if (strlen(v) >= (has_id ? (size_t)REC_CALLID_MAX : (size_t)REC_NAME_MAX)) {
		hs_bus_reply(req, HS_EINVAL, NULL, "%s too long", has_id ? "sip_call_id" :
		    "extension");
		return;
	}
	struct ctl_item *it = calloc(1, sizeof(*it));
	if (it == NULL) {
		hs_bus_reply(req, HS_ENOMEM, NULL, "out of memory");
		return;
	}
	it->ctl.pause = pause;
	snprintf(has_id ? it->ctl.call_id : it->ctl.extension, has_id ? sizeof(it->ctl.call_id) :
	    sizeof(it->ctl.extension), "%s", v);
	it->ctl.done = ctl_done;
	it->ctl.arg = rc;
	it->ctl.user = req;
	/* Record-A-Call first, then mirror capture (on_wake asks it when RAC had none). */
	if (rc != NULL && rac_control(rc->rac, &it->ctl) == 0)
		return;
	if (rc != NULL && mirror_control(rc->mirror, &it->ctl) == 0) {
		it->asked_mirror = 1;
		return;
	}
	ctl_reply(it); /* neither is running: no call is being recorded */
	free(it);
}

static void
cmd_pause(void *arg, hs_bus_req *req, const hs_env *msg)
{
	cmd_pause_resume(arg, req, msg, 1);
}

static void
cmd_resume(void *arg, hs_bus_req *req, const hs_env *msg)
{
	cmd_pause_resume(arg, req, msg, 0);
}

const struct hs_bus_cmd rec_live_cmds[] = {
	{ "recording.pause", HS_CMD_MUTATING, cmd_pause,
	    "{sip_call_id} or {extension}: silence the call's recording from now" },
	{ "recording.resume", HS_CMD_MUTATING, cmd_resume,
	    "{sip_call_id} or {extension}: record the call's audio again" },
	{ NULL, 0, NULL, NULL },
};

static void
rac_done(void *arg, const struct rac_report *rep)
{
	struct recorder *rc = arg;
	struct done_item *it = malloc(sizeof(*it));
	if (it == NULL)
		return;
	it->next = NULL;
	it->rep = *rep;
	pthread_mutex_lock(&rc->mu);
	*rc->tail = it;
	rc->tail = &it->next;
	pthread_mutex_unlock(&rc->mu);
	uv_async_send(&rc->wake);
}

static void
on_wake(uv_async_t *h)
{
	struct recorder *rc = h->data;
	pthread_mutex_lock(&rc->mu);
	struct done_item *it = rc->head;
	rc->head = NULL;
	rc->tail = &rc->head;
	struct ctl_item *ci = rc->ctl_head;
	rc->ctl_head = NULL;
	rc->ctl_tail = &rc->ctl_head;
	pthread_mutex_unlock(&rc->mu);
	while (ci != NULL) {
		struct ctl_item *next = ci->next;
		ci->next = NULL;
		if (!ci->ctl.found && !ci->asked_mirror && mirror_control(rc->mirror, &ci->ctl) == 0) {
			ci->asked_mirror = 1; /* comes back through ctl_done */
		} else {
			ctl_reply(ci);
			free(ci);
		}
		ci = next;
	}
	while (it != NULL) {
		struct done_item *next = it->next;
		const struct rac_report *r = &it->rep;
		rc->reported++;
		if (r->status != NULL && strncmp(r->status, "not_recorded", 12) == 0) {
			hs_log_info("recording.not_recorded", "call_id=%s source=%s extension=%s "
			    "status=%s", hs_logq(r->call_id), r->kind, hs_logq(r->extension),
			    r->status);
			rec_shelf_refused(rc->shelf, r);
		} else if (r->written)
			hs_log_info("recording.written", "call_id=%s kind=%s source=%s file=%s "
			    "end=%s packets=%llu", hs_logq(r->call_id), r->kind, r->source,
			    hs_logq(r->file), r->end_reason, (unsigned long long)r->packets);
		else
			hs_log_info("recording.none", "call_id=%s source=%s end=%s packets=%llu "
			    "errors=%d", hs_logq(r->call_id), r->source, r->end_reason,
			    (unsigned long long)r->packets, r->errors);
		if (r->written) /* seal, database row, link (recdb.c) */
			rec_shelf_written(rc->shelf, r);
		free(it);
		it = next;
	}
}

static void
rac_try_start(struct recorder *rc)
{
	char err[256];
	rc->rac = rac_start(&rc->cf, rac_done, rc, err, sizeof(err));
	if (rc->rac != NULL) {
		rc->listen_err[0] = 0;
		hs_log_info("rac.listening", "addr=%s port=%d max_ports=%d auth=%s allowed=%d "
		    "path=%s", rc->cf.listen, rc->cf.port, rc->cf.max_ports,
		    rc->cf.password[0] ? "digest" : "none", rc->cf.acl.n, hs_logq(rc->cf.path));
		uv_timer_stop(&rc->retry);
		return;
	}
	/* A busy port does not stop the service: it says why in health and tries again. */
	if (strcmp(err, rc->listen_err) != 0)
		hs_log_error("rac.listen_failed", "err=%s retry_ms=%d", hs_logq(err),
		    RAC_RETRY_MS);
	snprintf(rc->listen_err, sizeof(rc->listen_err), "%s", err);
}

static void
on_retry(uv_timer_t *t)
{
	rac_try_start(t->data);
}

/* ---- mirror capture ------------------------------------------------------------------ */

/* Recorded devices first (recorded = true), then the PBX's own extension numbers. */
static const char *const devices_sql =
    "SELECT extension, coalesce(host(ip), ''), true FROM recorded_devices"
    " WHERE enabled AND method = 'mirror'"
    " UNION ALL SELECT number, '', false FROM devices WHERE removed_at IS NULL"
    " AND kind IN ('extension', 'sip-extension', 'phantom', 'voicemail')";

/* Reads Recorded Devices (mirror) and the PBX's extension numbers into a snapshot for the
 * capture thread.  Database down: the thread keeps its last snapshot. */
static void
devices_load(struct recorder *rc)
{
	PGresult *res = NULL;
	if (rc->db == NULL || (!hs_db_connected(rc->db) && hs_db_connect(rc->db, 0) != HS_OK))
		return;
	struct rec_devset *ds = rec_devset_new();
	if (ds == NULL)
		return;
	int nrec = 0;
	if (hs_db_exec(rc->db, "rec_devices", 0, NULL, &res) != HS_OK)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *ext = PQgetvalue(res, i, 0), *ip = PQgetvalue(res, i, 1);
		if (PQgetvalue(res, i, 2)[0] == 't') {
			if (rec_devset_add_recorded(ds, ext, ip) != 0)
				hs_log_warn("mirror.device_ignored", "extension=%s ip=%s note=%s",
				    hs_logq(ext), hs_logq(ip), hs_logq("not an address"));
			nrec++;
		} else {
			rec_devset_add_known(ds, ext);
		}
	}
	if (rec_devset_ready(ds) > 0)
		hs_log_warn("mirror.device_ignored", "note=%s", hs_logq("an IP address is given to "
		    "several recorded devices: calls from it are attributed to none"));
	mirror_set_devices(rc->mirror, ds);
	int known = PQntuples(res) - nrec;
	if (nrec != rc->devices_recorded || known != rc->devices_known)
		hs_log_info("mirror.devices", "recorded=%d known=%d", nrec, known);
	rc->devices_recorded = nrec;
	rc->devices_known = known;
	PQclear(res);
	return;
fail:
	hs_log_warn("mirror.devices_failed", "err=%s", hs_logq(hs_db_error(rc->db)));
	PQclear(res);
	rec_devset_free(ds);
}

static void
mirror_try_start(struct recorder *rc)
{
	char err[256];
	rc->mirror = mirror_start(&rc->mcf, rac_done, rc, err, sizeof(err));
	if (rc->mirror == NULL) {
		if (strcmp(err, rc->mirror_err) != 0)
			hs_log_error("mirror.start_failed", "ifaces=%s err=%s retry_ms=%d",
			    hs_logq(rc->mcf.ifaces), hs_logq(err), RAC_RETRY_MS);
		snprintf(rc->mirror_err, sizeof(rc->mirror_err), "%s", err);
		return;
	}
	rc->mirror_err[0] = 0;
	devices_load(rc);
}

static void
on_mirror_timer(uv_timer_t *t)
{
	struct recorder *rc = t->data;
	if (rc->mirror == NULL)
		mirror_try_start(rc);
	else
		devices_load(rc);
}

static int
mirror_conf_read(struct recorder *rc, const hs_conf *conf)
{
	struct mirror_conf *m = &rc->mcf;
	char err[200];
	snprintf(m->ifaces, sizeof(m->ifaces), "%s", hs_conf_str(conf,
	    "recorder.mirror_interfaces"));
	snprintf(m->sip_ports, sizeof(m->sip_ports), "%s", hs_conf_str(conf,
	    "recorder.mirror_sip_ports"));
	snprintf(m->rtp_ports, sizeof(m->rtp_ports), "%s", hs_conf_str(conf,
	    "recorder.mirror_rtp_ports"));
	snprintf(m->pbx, sizeof(m->pbx), "%s", hs_conf_str(conf, "recorder.pbx_addresses"));
	if (rac_acl_parse(&m->pbx_acl, m->pbx, err, sizeof(err)) != 0) {
		hs_log_error("config.invalid", "key=recorder.pbx_addresses err=%s", hs_logq(err));
		return -1;
	}
	m->max_calls = (int)hs_conf_int(conf, "recorder.mirror_max_calls");
	m->idle_s = (int)hs_conf_int(conf, "recorder.mirror_idle");
	m->buffer_mb = (int)hs_conf_int(conf, "recorder.mirror_buffer_mb");
	m->exclude_internal = hs_conf_bool(conf, "recorder.exclude_internal");
	snprintf(m->path, sizeof(m->path), "%s", rc->cf.path);
	m->opts = rc->cf.opts;
	if (m->ifaces[0]) {
		char filter[2048];
		if (mirror_filter(m, filter, sizeof(filter), err, sizeof(err)) != 0) {
			hs_log_error("config.invalid", "key=recorder.mirror err=%s", hs_logq(err));
			return -1;
		}
		if (m->pbx_acl.n == 0)
			hs_log_warn("mirror.open", "note=%s", hs_logq("recorder.pbx_addresses is "
			    "empty: every SIP dialog of a recorded device is recorded, and MiNET "
			    "phones are not"));
	}
	return 0;
}

static int
recorder_conf(struct recorder *rc, const hs_conf *conf)
{
	struct rac_conf *cf = &rc->cf;
	char err[200];
	snprintf(cf->listen, sizeof(cf->listen), "%s", hs_conf_str(conf, "recorder.sip_listen"));
	cf->port = (int)hs_conf_int(conf, "recorder.sip_port");
	if (rac_acl_parse(&cf->acl, hs_conf_str(conf, "recorder.sip_allowed"), err,
	    sizeof(err)) != 0) {
		hs_log_error("config.invalid", "key=recorder.sip_allowed err=%s", hs_logq(err));
		return -1;
	}
	snprintf(cf->user, sizeof(cf->user), "%s", hs_conf_str(conf, "recorder.sip_user"));
	snprintf(cf->password, sizeof(cf->password), "%s",
	    hs_conf_str(conf, "recorder.sip_password"));
	cf->max_ports = (int)hs_conf_int(conf, "recorder.max_ports");
	cf->rtp_min = (int)hs_conf_int(conf, "recorder.rtp_port_min");
	cf->rtp_max = (int)hs_conf_int(conf, "recorder.rtp_port_max");
	cf->answer_delay_ms = (int)hs_conf_int(conf, "recorder.answer_delay_ms");
	cf->rtp_timeout_s = (int)hs_conf_int(conf, "recorder.rtp_timeout");
	rec_store_root(conf, cf->path, sizeof(cf->path));
	cf->opts.format = rec_out_find(hs_conf_str(conf, "recorder.format"));
	cf->opts.channels = 1;
	cf->opts.jitter_us = hs_conf_int(conf, "recorder.jitter_ms") * 1000;
	cf->opts.quiet = 1;
	const char *dk[2] = { "recorder.dtmf_pause", "recorder.dtmf_resume" };
	char *dv[2] = { cf->opts.dtmf_pause, cf->opts.dtmf_resume };
	for (int i = 0; i < 2; i++) {
		const char *v = hs_conf_str(conf, dk[i]);
		size_t n = strspn(v, "0123456789*#ABCDabcd");
		if (v[n] != 0 || n >= sizeof(cf->opts.dtmf_pause)) {
			hs_log_error("config.invalid", "key=%s err=%s", dk[i],
			    hs_logq("digits 0-9 * # A-D, at most 15"));
			return -1;
		}
		for (size_t k = 0; k <= n; k++)
			dv[i][k] = (char)(v[k] >= 'a' && v[k] <= 'd' ? v[k] - 32 : v[k]);
	}
	if (cf->opts.dtmf_pause[0] && strcmp(cf->opts.dtmf_pause, cf->opts.dtmf_resume) == 0)
		hs_log_info("rac.dtmf", "note=%s", hs_logq("recorder.dtmf_pause and dtmf_resume "
		    "are the same: the sequence toggles"));
	if (cf->opts.dtmf_pause[0] && !cf->opts.dtmf_resume[0])
		hs_log_warn("rac.dtmf", "note=%s", hs_logq("recorder.dtmf_resume is empty: a DTMF "
		    "pause lasts until a recording.resume or the end of the call"));
	if (cf->opts.format == NULL)
		return -1;
	struct rec_shelf_conf *sc = &rc->shelf_cf;
	snprintf(sc->root, sizeof(sc->root), "%s", cf->path);
	rec_store_key_file(conf, sc->key_file, sizeof(sc->key_file));
	snprintf(sc->pending_dir, sizeof(sc->pending_dir), "%s/recorder/pending",
	    hs_conf_str(conf, "paths.state"));
	sc->encrypt = hs_conf_bool(conf, "recorder.encrypt");
	sc->dat_sidecar = hs_conf_bool(conf, "recorder.dat_sidecar");
	sc->retention_days = (int)hs_conf_int(conf, "recorder.retention_days");
	sc->link_interval_s = (int)hs_conf_int(conf, "recorder.link_interval");
	sc->exclude_internal = hs_conf_bool(conf, "recorder.exclude_internal");
	sc->archive_delay_h = (int)hs_conf_int(conf, "recorder.archive_delay_hours");
	sc->archive_interval_s = (int)hs_conf_int(conf, "recorder.archive_interval");
	sc->narchive = rec_archive_parse(hs_conf_str(conf, "recorder.archive_paths"),
	    sc->archive_paths, err, sizeof(err));
	if (sc->narchive < 0) {
		hs_log_error("config.invalid", "key=recorder.archive_paths err=%s", hs_logq(err));
		return -1;
	}
	if (cf->password[0] && !cf->user[0]) {
		hs_log_error("config.invalid", "key=recorder.sip_user err=%s",
		    hs_logq("a password needs a user name"));
		return -1;
	}
	if (cf->rtp_min > cf->rtp_max) {
		hs_log_error("config.invalid", "key=recorder.rtp_port_min err=%s",
		    hs_logq("above recorder.rtp_port_max"));
		return -1;
	}
	if (cf->acl.n == 0 && !cf->password[0])
		hs_log_warn("rac.open", "note=%s", hs_logq("recorder.sip_allowed is empty and no "
		    "recorder.sip_password is set: any host may add the recorder to a call"));
	return mirror_conf_read(rc, conf);
}

int
rec_live_init(struct hs_svc *svc)
{
	struct recorder *rc = &the_recorder;
	svc->priv = rc;
	rc->svc = svc;
	pthread_mutex_init(&rc->mu, NULL);
	rc->head = NULL;
	rc->tail = &rc->head;
	rc->ctl_head = NULL;
	rc->ctl_tail = &rc->ctl_head;
	if (recorder_conf(rc, svc->conf) != 0)
		return -1;
	if ((rc->shelf = rec_shelf_new(svc, &rc->shelf_cf)) == NULL)
		return -1;
	if (uv_async_init(svc->uv, &rc->wake, on_wake) != 0)
		return -1;
	rc->wake.data = rc;
	uv_timer_init(svc->uv, &rc->retry);
	rc->retry.data = rc;
	uv_timer_init(svc->uv, &rc->mirror_timer);
	rc->mirror_timer.data = rc;
	rc->devices_recorded = rc->devices_known = -1;
	if (rc->mcf.ifaces[0]) {
		if (hs_db_open(&rc->db, hs_conf_str(svc->conf, "db.conninfo"), svc->uv) != HS_OK ||
		    hs_db_prepare(rc->db, "rec_devices", devices_sql) != HS_OK)
			hs_log_warn("mirror.db", "err=%s", hs_logq(rc->db ? hs_db_error(rc->db) :
			    "out of memory"));
		mirror_try_start(rc);
		uv_timer_start(&rc->mirror_timer, on_mirror_timer, DEVICES_EVERY_MS,
		    DEVICES_EVERY_MS);
	} else {
		snprintf(rc->mirror_err, sizeof(rc->mirror_err),
		    "off (recorder.mirror_interfaces is empty)");
	}
	if (rc->cf.port == 0) {
		snprintf(rc->listen_err, sizeof(rc->listen_err), "disabled (recorder.sip_port = 0)");
		hs_log_info("rac.disabled", "note=%s", hs_logq("recorder.sip_port is 0"));
		return 0;
	}
	rac_try_start(rc);
	if (rc->rac == NULL)
		uv_timer_start(&rc->retry, on_retry, RAC_RETRY_MS, RAC_RETRY_MS);
	return 0;
}

void
rec_live_fini(struct hs_svc *svc)
{
	struct recorder *rc = svc->priv;
	if (rc == NULL)
		return;
	/* The calls in progress are written and sent a BYE; their reports are logged here. */
	rac_stop(rc->rac);
	rc->rac = NULL;
	mirror_stop(rc->mirror);
	rc->mirror = NULL;
	if (rc->wake.data != NULL) {
		on_wake(&rc->wake);
		uv_close((uv_handle_t *)&rc->wake, NULL);
		uv_timer_stop(&rc->retry);
		uv_close((uv_handle_t *)&rc->retry, NULL);
		uv_timer_stop(&rc->mirror_timer);
		uv_close((uv_handle_t *)&rc->mirror_timer, NULL);
	}
	if (rc->db != NULL)
		hs_db_close(rc->db);
	rc->db = NULL;
	rec_shelf_free(rc->shelf);
	rc->shelf = NULL;
	svc->priv = NULL;
}

static void
mirror_health(struct recorder *rc, cJSON *body)
{
	cJSON *o = cJSON_AddObjectToObject(body, "mirror");
	cJSON_AddBoolToObject(o, "capturing", rc->mirror != NULL);
	if (rc->mirror == NULL) {
		cJSON_AddStringToObject(o, "error", rc->mirror_err);
		return;
	}
	struct mirror_stats st;
	mirror_stats_get(rc->mirror, &st);
	cJSON_AddStringToObject(o, "interfaces", rc->mcf.ifaces);
	cJSON_AddNumberToObject(o, "max_calls", rc->mcf.max_calls);
	cJSON_AddNumberToObject(o, "active", st.active);
	cJSON_AddNumberToObject(o, "packets", (double)st.packets);
	cJSON_AddNumberToObject(o, "dropped", (double)st.dropped);
	cJSON_AddNumberToObject(o, "if_dropped", (double)st.if_dropped);
	cJSON_AddNumberToObject(o, "recorded", (double)st.recorded);
	cJSON_AddNumberToObject(o, "refused_limit", (double)st.refused_limit);
	cJSON_AddNumberToObject(o, "not_recorded_device", (double)st.not_recorded_device);
	cJSON_AddNumberToObject(o, "internal", (double)st.internal);
	cJSON_AddNumberToObject(o, "not_pbx", (double)st.not_pbx);
	cJSON_AddNumberToObject(o, "minet", (double)st.minet);
	cJSON_AddNumberToObject(o, "rtp", (double)st.engine.rtp);
	cJSON_AddNumberToObject(o, "sip", (double)st.engine.sip);
	cJSON_AddNumberToObject(o, "unmatched", (double)st.engine.unmatched);
	cJSON_AddNumberToObject(o, "write_errors", (double)st.engine.write_errors);
}

void
rec_live_health(struct hs_svc *svc, struct cJSON *body)
{
	struct recorder *rc = svc->priv;
	cJSON *o = cJSON_AddObjectToObject(body, "rac");
	if (rc == NULL)
		return;
	rec_shelf_health(rc->shelf, body);
	mirror_health(rc, body);
	cJSON_AddBoolToObject(o, "listening", rc->rac != NULL);
	if (rc->rac == NULL) {
		cJSON_AddStringToObject(o, "error", rc->listen_err);
		return;
	}
	struct rac_stats st;
	rac_stats_get(rc->rac, &st);
	cJSON_AddStringToObject(o, "listen", rc->cf.listen);
	cJSON_AddNumberToObject(o, "port", rc->cf.port);
	cJSON_AddNumberToObject(o, "max_ports", rc->cf.max_ports);
	cJSON_AddNumberToObject(o, "active", st.active);
	cJSON_AddNumberToObject(o, "invites", (double)st.invites);
	cJSON_AddNumberToObject(o, "answered", (double)st.answered);
	cJSON_AddNumberToObject(o, "recorded", (double)st.recorded);
	cJSON_AddNumberToObject(o, "no_media", (double)st.no_media);
	cJSON_AddNumberToObject(o, "busy", (double)st.busy);
	cJSON_AddNumberToObject(o, "forbidden", (double)st.forbidden);
	cJSON_AddNumberToObject(o, "auth_challenged", (double)st.auth_challenged);
	cJSON_AddNumberToObject(o, "auth_failed", (double)st.auth_failed);
	cJSON_AddNumberToObject(o, "not_acceptable", (double)st.not_acceptable);
	cJSON_AddNumberToObject(o, "options", (double)st.options);
	cJSON_AddNumberToObject(o, "write_errors", (double)st.write_errors);
}
