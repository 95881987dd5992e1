/*
 * supervise.c - starting, watching, restarting and stopping the services of this server.
 *
 * Entry points (all on the loop thread): wd_supervise_init() at start, wd_reconcile() after
 * anything that changes what should run (roles, a child's state), wd_tick_hangs() every
 * 500 ms, wd_stop_all() on SIGTERM, wd_restart_child() from the service.restart command.
 *
 * Invariants: at most one child is STARTING at a time, and children start in topo.h order,
 * so a service starts only after the ones before it are ready (or have failed and wait in
 * BACKOFF: one broken service must not hold back the rest).  Shutdown goes in reverse order,
 * one child at a time.  Every handle of a spawn (process, output pipe, readiness pipe) is
 * allocated per spawn and freed in its close callback, so a restart never reuses a handle that
 * is still closing.
 *
 * A child's stdout and stderr go to one pipe; complete lines are written to the child's
 * rotated log file, so crash messages and sanitizer reports are kept with its log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watchdog.h"

extern char **environ;

static const char *const state_names[] = {
	[WD_DOWN] = "down",
	[WD_STARTING] = "starting",
	[WD_UP] = "up",
	[WD_BACKOFF] = "backoff",
	[WD_STOPPING] = "stopping",
};

const char *
wd_state_name(enum wd_state s)
{
	return state_names[s];
}

int
wd_backoff_next(int prev_s, long long ran_ms, int stable_after_s, int max_s)
{
	if (prev_s <= 0 || ran_ms >= (long long)stable_after_s * 1000)
		return 1 < max_s ? 1 : max_s;
	return prev_s > max_s / 2 ? max_s : prev_s * 2;
}

static long long
conf_int(struct wd *wd, const char *key)
{
	return hs_conf_int(wd->svc->conf, key);
}

static void
child_enter(struct wd_child *c, enum wd_state to, const char *reason)
{
	struct wd *wd = c->wd;
	cJSON *body;

	if (c->state == to)
		return;
	hs_log_info("service.state", "service=%s from=%s to=%s pid=%d reason=%s", c->name,
	    wd_state_name(c->state), wd_state_name(to), c->pid, hs_logq(reason));
	c->state = to;
	c->since_ms = hs_mono_ms();
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "service", c->name);
	cJSON_AddStringToObject(body, "state", wd_state_name(to));
	cJSON_AddNumberToObject(body, "pid", c->pid);
	cJSON_AddStringToObject(body, "reason", reason);
	hs_bus_publish(wd->svc->bus, "watchdog.service.state", body);
}

/* ------------------------------------------------------------------------------------ */
/* Output and readiness pipes                                                           */
/* ------------------------------------------------------------------------------------ */

static void
free_handle_cb(uv_handle_t *h)
{
	free(h);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char scratch[65536];

	(void)h;
	(void)suggested;
	/* Reads are handled synchronously before the next read, so one buffer serves all. */
	buf->base = scratch;
	buf->len = sizeof(scratch);
}

static void
child_flush_output(struct wd_child *c, int all)
{
	char *start = c->outbuf, *nl;
	size_t left = c->outlen;

	if (c->sink == NULL) {
		c->outlen = 0;
		return;
	}
	while ((nl = memchr(start, '\n', left)) != NULL) {
		size_t n = (size_t)(nl - start) + 1;
		hs_log_sink_write(c->sink, start, n);
		start += n;
		left -= n;
	}
	if (left > 0 && (all || left == sizeof(c->outbuf))) {
		/* A line longer than the buffer, or the last one without a newline. */
		hs_log_sink_write(c->sink, start, left);
		hs_log_sink_write(c->sink, "\n", 1);
		left = 0;
	}
	memmove(c->outbuf, start, left);
	c->outlen = left;
}

static void
out_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct wd_child *c = s->data;

	if (n < 0) {
		child_flush_output(c, 1);
		if (c->outp == (uv_pipe_t *)s)
			c->outp = NULL;
		uv_close((uv_handle_t *)s, free_handle_cb);
		return;
	}
	for (ssize_t off = 0; off < n;) {
		size_t room = sizeof(c->outbuf) - c->outlen;
		size_t take = (size_t)(n - off) < room ? (size_t)(n - off) : room;
		memcpy(c->outbuf + c->outlen, buf->base + off, take);
		c->outlen += take;
		off += (ssize_t)take;
		child_flush_output(c, 0);
	}
}

static void
notify_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct wd_child *c = s->data;

	if (n < 0) {
		if (c->notifyp == (uv_pipe_t *)s)
			c->notifyp = NULL;
		uv_close((uv_handle_t *)s, free_handle_cb);
		return;
	}
	if (memchr(buf->base, '\n', (size_t)n) != NULL && c->state == WD_STARTING) {
		c->last_hb_ms = hs_mono_ms();
		child_enter(c, WD_UP, "ready");
		wd_reconcile(c->wd);
	}
}

static uv_pipe_t *
pipe_open_read(struct wd *wd, int fd, uv_read_cb cb, struct wd_child *c)
{
	uv_pipe_t *p = malloc(sizeof(*p));

	if (p == NULL) {
		close(fd);
		return NULL;
	}
	uv_pipe_init(wd->svc->uv, p, 0);
	p->data = c;
	if (uv_pipe_open(p, fd) != 0 || uv_read_start((uv_stream_t *)p, alloc_cb, cb) != 0) {
		uv_close((uv_handle_t *)p, free_handle_cb);
		return NULL;
	}
	return p;
}

/* ------------------------------------------------------------------------------------ */
/* Spawn and exit                                                                       */
/* ------------------------------------------------------------------------------------ */

static void child_start(struct wd_child *c);

static void
child_timer_cb(uv_timer_t *t)
{
	struct wd_child *c = t->data;

	switch (c->state) {
	case WD_BACKOFF:
		if (c->want_up)
			child_start(c);
		else
			child_enter(c, WD_DOWN, "no longer wanted");
		wd_reconcile(c->wd);
		break;
	case WD_STOPPING:
		snprintf(c->kill_reason, sizeof(c->kill_reason), "did not stop within %lld s",
		    conf_int(c->wd, "watchdog.stop_timeout"));
		hs_log_warn("service.kill", "service=%s pid=%d reason=%s", c->name, c->pid,
		    hs_logq(c->kill_reason));
		if (c->pid > 0)
			kill(c->pid, SIGKILL);
		break;
	default:
		break;
	}
}

static void
proc_close_cb(uv_handle_t *h)
{
	struct wd_child *c = h->data;

	if (c != NULL)
		c->proc_open = false;
	free(h);
}

static void
child_on_exit(uv_process_t *p, int64_t status, int sig)
{
	struct wd_child *c = p->data;
	struct wd *wd = c->wd;
	long long ran_ms = hs_mono_ms() - c->started_ms;
	char how[64];

	uv_close((uv_handle_t *)p, proc_close_cb);
	c->last_exit_status = (int)status;
	c->last_exit_signal = sig;
	if (sig != 0)
		snprintf(how, sizeof(how), "killed by signal %d (%s)", sig, strsignal(sig));
	else
		snprintf(how, sizeof(how), "exited with status %d", (int)status);
	snprintf(c->last_exit, sizeof(c->last_exit), "%s after %lld s%s%s%s", how,
	    ran_ms / 1000, c->kill_reason[0] ? " (" : "", c->kill_reason,
	    c->kill_reason[0] ? ")" : "");
	hs_log_info("service.exit", "service=%s pid=%d status=%d signal=%d ran_ms=%lld what=%s",
	    c->name, c->pid, (int)status, sig, ran_ms, hs_logq(c->last_exit));
	c->pid = 0;
	c->kill_reason[0] = '\0';
	uv_timer_stop(&c->timer);

	if (c->state == WD_STOPPING || !c->want_up) {
		child_enter(c, WD_DOWN, c->last_exit);
		if (wd->draining)
			wd_stop_all(wd);
		else
			wd_reconcile(wd);
		return;
	}

	/* It died on its own, or we killed it as hung: restart after the backoff. */
	c->backoff_s = wd_backoff_next(c->backoff_s, ran_ms,
	    (int)conf_int(wd, "watchdog.stable_after"), (int)conf_int(wd, "watchdog.backoff_max"));
	c->restarts++;
	wd_alert(wd, "warning", c->name, "service.restarted", NULL,
	    "%s %s; restarting in %d s (restart %d)", c->name, c->last_exit, c->backoff_s,
	    c->restarts);
	child_enter(c, WD_BACKOFF, c->last_exit);
	uv_timer_start(&c->timer, child_timer_cb, (uint64_t)c->backoff_s * 1000, 0);
	wd_reconcile(wd);
}

static const char *
bindir(struct wd *wd, char *buf, size_t len)
{
	const char *d = hs_conf_str(wd->svc->conf, "paths.bindir");
	ssize_t n;
	char *slash;

	if (*d != '\0')
		return d;
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return ".";
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) != NULL)
		*slash = '\0';
	return buf;
}

/* environ without our own variables, plus the ones the child needs. */
static char **
child_env(struct wd *wd, char *notify, char *sup, char *cfg, size_t len)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 4, sizeof(*env))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "HOOKSWITCH_NOTIFY_FD=", 21) != 0 &&
		    strncmp(environ[i], "HOOKSWITCH_SUPERVISOR_PID=", 26) != 0 &&
		    strncmp(environ[i], "HOOKSWITCH_CONFIG=", 18) != 0 &&
		    strncmp(environ[i], "NOTIFY_SOCKET=", 14) != 0)
			env[k++] = environ[i];
	snprintf(notify, len, "HOOKSWITCH_NOTIFY_FD=3");
	snprintf(sup, len, "HOOKSWITCH_SUPERVISOR_PID=%d", getpid());
	env[k++] = notify;
	env[k++] = sup;
	if (wd->svc->config_path != NULL) {
		snprintf(cfg, len, "HOOKSWITCH_CONFIG=%s", wd->svc->config_path);
		env[k++] = cfg;
	}
	env[k] = NULL;
	return env;
}

static void
child_start(struct wd_child *c)
{
	struct wd *wd = c->wd;
	char dirbuf[PATH_MAX], path[PATH_MAX + 64], notify[64], sup[64], cfg[PATH_MAX + 32];
	char *args[2];
	char **env;
	int outp[2], notp[2], rv;
	uv_process_options_t opt;
	uv_stdio_container_t stdio[4];
	uv_process_t *proc;

	snprintf(path, sizeof(path), "%s/hookswitch-%s", bindir(wd, dirbuf, sizeof(dirbuf)),
	    c->name);
	if (pipe2(outp, O_CLOEXEC) != 0)
		goto fail_errno;
	if (pipe2(notp, O_CLOEXEC) != 0) {
		close(outp[0]);
		close(outp[1]);
		goto fail_errno;
	}
	env = child_env(wd, notify, sup, cfg, sizeof(cfg));
	proc = calloc(1, sizeof(*proc));
	if (env == NULL || proc == NULL) {
		free(env);
		free(proc);
		close(outp[0]);
		close(outp[1]);
		close(notp[0]);
		close(notp[1]);
		errno = ENOMEM;
		goto fail_errno;
	}
	args[0] = path;
	args[1] = NULL;
	memset(&opt, 0, sizeof(opt));
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = outp[1];
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = outp[1];
	stdio[3].flags = UV_INHERIT_FD;
	stdio[3].data.fd = notp[1];
	opt.file = path;
	opt.args = args;
	opt.env = env;
	opt.exit_cb = child_on_exit;
	opt.stdio = stdio;
	opt.stdio_count = 4;
	proc->data = c;
	rv = uv_spawn(wd->svc->uv, proc, &opt);
	free(env);
	close(outp[1]);
	close(notp[1]);
	if (rv != 0) {
		close(outp[0]);
		close(notp[0]);
		/* A failed uv_spawn still initialised the handle: close it. */
		proc->data = NULL;
		uv_close((uv_handle_t *)proc, free_handle_cb);
		c->started_ms = hs_mono_ms();
		snprintf(c->last_exit, sizeof(c->last_exit), "could not start %s: %s", path,
		    uv_strerror(rv));
		hs_log_error("service.spawn", "service=%s path=%s err=%s", c->name, hs_logq(path),
		    hs_logq(uv_strerror(rv)));
		c->backoff_s = wd_backoff_next(c->backoff_s, 0,
		    (int)conf_int(wd, "watchdog.stable_after"),
		    (int)conf_int(wd, "watchdog.backoff_max"));
		c->restarts++;
		wd_alert(wd, "error", c->name, "service.restarted", NULL,
		    "%s; retrying in %d s (restart %d)", c->last_exit, c->backoff_s, c->restarts);
		child_enter(c, WD_BACKOFF, c->last_exit);
		uv_timer_start(&c->timer, child_timer_cb, (uint64_t)c->backoff_s * 1000, 0);
		return;
	}
	c->proc_open = true;
	c->pid = proc->pid;
	c->started_ms = hs_mono_ms();
	c->started_wall = hs_now_ms();
	c->outlen = 0;
	c->outp = pipe_open_read(wd, outp[0], out_read_cb, c);
	c->notifyp = pipe_open_read(wd, notp[0], notify_read_cb, c);
	child_enter(c, WD_STARTING, "spawned");
	return;
fail_errno:
	hs_log_error("service.spawn", "service=%s err=%s", c->name, hs_logq(strerror(errno)));
}

static void
child_stop(struct wd_child *c, const char *why)
{
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
	child_enter(c, WD_STOPPING, why);
	uv_timer_start(&c->timer, child_timer_cb,
	    (uint64_t)conf_int(c->wd, "watchdog.stop_timeout") * 1000, 0);
}

/* ------------------------------------------------------------------------------------ */
/* Heartbeats and hangs                                                                 */
/* ------------------------------------------------------------------------------------ */

/* A bad svc.alert is a bug in the service: say so once, not on every repeat. */
static void
child_bad_alert(struct wd_child *c, const hs_env *ev, const char *why)
{
	char *body;

	c->bad_alerts++;
	if (c->bad_alerts > 1 && hs_log_get_level() > HS_LOG_DEBUG)
		return;
	body = cJSON_PrintUnformatted(ev->body);
	hs_log(c->bad_alerts == 1 ? HS_LOG_WARN : HS_LOG_DEBUG, "svc_alert.ignored",
	    "service=%s seq=%llu count=%u reason=%s body=%s note=%s", c->name,
	    (unsigned long long)ev->seq, c->bad_alerts, hs_logq(why), hs_logq(body),
	    hs_logq("only the first one is logged"));
	free(body);
}

/* Events of a supervised service ("svc." prefix): heartbeats and the alerts it raises. */
static void
child_on_event(void *arg, const hs_env *ev)
{
	struct wd_child *c = arg;
	char err[160];

	if (strcmp(ev->type, "svc.heartbeat") == 0)
		c->last_hb_ms = hs_mono_ms();
	else if (strcmp(ev->type, "svc.alert") == 0 &&
	    wd_svc_alert_apply(c->wd, c->name, ev, err, sizeof(err)) != HS_OK)
		child_bad_alert(c, ev, err);
}

void
wd_tick_hangs(struct wd *wd)
{
	long long now = hs_mono_ms();
	long long hang = conf_int(wd, "watchdog.hang_timeout") * 1000;
	long long start_limit = hang + conf_int(wd, "db.connect_timeout") * 1000;

	for (int i = 1; i < HS_SVC_COUNT; i++) {
		struct wd_child *c = &wd->child[i];

		if (c->pid <= 0 || c->kill_reason[0] != '\0')
			continue;
		if (c->state == WD_UP && now - c->last_hb_ms > hang)
			snprintf(c->kill_reason, sizeof(c->kill_reason),
			    "hung: no heartbeat for %lld s", (now - c->last_hb_ms) / 1000);
		else if (c->state == WD_STARTING && now - c->since_ms > start_limit)
			snprintf(c->kill_reason, sizeof(c->kill_reason),
			    "hung: not ready after %lld s", (now - c->since_ms) / 1000);
		else
			continue;
		hs_log_warn("service.hung", "service=%s pid=%d reason=%s", c->name, c->pid,
		    hs_logq(c->kill_reason));
		kill(c->pid, SIGKILL);
	}
}

/* ------------------------------------------------------------------------------------ */
/* What should run                                                                      */
/* ------------------------------------------------------------------------------------ */

void
wd_reconcile(struct wd *wd)
{
	if (wd->draining)
		return;
	/* Roles removed: stop what is no longer wanted, last first. */
	for (int i = HS_SVC_COUNT - 1; i >= 1; i--) {
		struct wd_child *c = &wd->child[i];
		c->want_up = wd->db_state == WD_DB_OK && hs_service_needed(i, wd->roles);
		if (c->want_up)
			continue;
		if (c->state == WD_STARTING || c->state == WD_UP)
			child_stop(c, "not needed by this server's roles");
		else if (c->state == WD_BACKOFF) {
			uv_timer_stop(&c->timer);
			child_enter(c, WD_DOWN, "not needed by this server's roles");
		}
	}
	/* Start what is wanted, in order, one at a time. */
	for (int i = 1; i < HS_SVC_COUNT; i++) {
		struct wd_child *c = &wd->child[i];
		if (!c->want_up)
			continue;
		if (c->state == WD_STARTING)
			return;
		if (c->state == WD_DOWN && !c->proc_open) {
			child_start(c);
			if (c->state == WD_STARTING)
				return;
		}
	}
}

void
wd_restart_child(struct wd_child *c, const char *reason)
{
	if (c->state == WD_BACKOFF) {
		uv_timer_stop(&c->timer);
		child_start(c);
		return;
	}
	if (c->pid > 0) {
		/* child_on_exit sees an unplanned exit and restarts it after the backoff. */
		snprintf(c->kill_reason, sizeof(c->kill_reason), "%s", reason);
		kill(c->pid, SIGTERM);
	}
}

void
wd_stop_all(struct wd *wd)
{
	wd->draining = true;
	for (int i = HS_SVC_COUNT - 1; i >= 1; i--) {
		struct wd_child *c = &wd->child[i];

		c->want_up = false;
		switch (c->state) {
		case WD_DOWN:
			continue;
		case WD_BACKOFF:
			uv_timer_stop(&c->timer);
			child_enter(c, WD_DOWN, "watchdog stopping");
			continue;
		case WD_STOPPING:
			return; /* wait for its exit */
		case WD_STARTING:
		case WD_UP:
			child_stop(c, "watchdog stopping");
			return;
		}
	}
	hs_log_info("watchdog.stopped", "note=%s", hs_logq("all services are down"));
	hs_service_stop(wd->svc);
}

void
wd_supervise_init(struct wd *wd)
{
	const char *dir = hs_conf_str(wd->svc->conf, "log.dir");
	char path[PATH_MAX], url[512];

	for (int i = 1; i < HS_SVC_COUNT; i++) {
		struct wd_child *c = &wd->child[i];

		c->wd = wd;
		c->id = i;
		c->name = hs_services[i].name;
		c->state = WD_DOWN;
		uv_timer_init(wd->svc->uv, &c->timer);
		c->timer.data = c;
		snprintf(path, sizeof(path), "%s/%s.log", dir, c->name);
		if (hs_log_sink_open(&c->sink, path, (size_t)conf_int(wd, "log.max_size"),
			(int)conf_int(wd, "log.keep")) != HS_OK)
			hs_log_error("service.log", "service=%s path=%s err=%s", c->name,
			    hs_logq(path), hs_logq(strerror(errno)));
		hs_service_endpoint(wd->svc->conf, i, HS_EP_PUB, url, sizeof(url));
		hs_bus_subscribe(wd->svc->bus, url, "svc.", child_on_event, c, &c->hb_sub);
	}
}

/* After the last child is down: close what is left of them. */
void
wd_supervise_fini(struct wd *wd)
{
	for (int i = 1; i < HS_SVC_COUNT; i++) {
		struct wd_child *c = &wd->child[i];

		if (c->wd == NULL)
			continue;
		uv_close((uv_handle_t *)&c->timer, NULL);
		if (c->outp != NULL) {
			child_flush_output(c, 1);
			uv_close((uv_handle_t *)c->outp, free_handle_cb);
			c->outp = NULL;
		}
		if (c->notifyp != NULL) {
			uv_close((uv_handle_t *)c->notifyp, free_handle_cb);
			c->notifyp = NULL;
		}
		if (c->sink != NULL)
			hs_log_sink_close(c->sink);
		c->sink = NULL;
	}
}
