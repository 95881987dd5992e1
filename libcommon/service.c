/*
 * service.c - the skeleton every Hookswitch service runs (see service.h for the steps).
 *
 * Putting the steps here once means a service's main.c is a descriptor and a call, and a
 * missing step (readiness, heartbeat, clean close) cannot differ between services.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "fs.h"
#include "journal.h"
#include "log.h"
#include "service.h"
#include "topo.h"

#define EX_CONFIG 78

static void
usage(const char *name, FILE *out)
{
	fprintf(out,
	    "usage: hookswitch-%s [-dnv] [-c config]\n"
	    "  -c PATH  configuration file (default %s, or $HOOKSWITCH_CONFIG)\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose: debug logging (with -n: print every setting)\n"
	    "  -d       log to stderr even when log.file is set\n",
	    name, HS_CONF_DEFAULT_PATH);
}

void
hs_service_endpoint(const hs_conf *conf, int svc_id, enum hs_endpoint_kind kind, char *buf,
    size_t len)
{
	hs_topo_endpoint(buf, len, svc_id, kind, NULL, hs_conf_str(conf, "bus.dir"), 0);
}

/* ------------------------------------------------------------------------------------ */
/* Built-in commands                                                                    */
/* ------------------------------------------------------------------------------------ */

static void
svc_cmd_health(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct hs_svc *svc = arg;
	struct hs_bus_stats st;
	cJSON *body = cJSON_CreateObject(), *bus;

	(void)msg;
	cJSON_AddStringToObject(body, "service", svc->name);
	cJSON_AddNumberToObject(body, "pid", getpid());
	cJSON_AddNumberToObject(body, "server", svc->server_id);
	cJSON_AddNumberToObject(body, "uptime_s", (double)(hs_mono_ms() - svc->started_ms) / 1e3);
	cJSON_AddStringToObject(body, "state", svc->stopping ? "stopping" : "ok");
	if (svc->def->no_duties != NULL)
		cJSON_AddStringToObject(body, "duties", svc->def->no_duties);
	if (svc->db != NULL)
		cJSON_AddBoolToObject(body, "db_connected", hs_db_connected(svc->db));
	hs_bus_get_stats(svc->bus, &st);
	bus = cJSON_AddObjectToObject(body, "bus");
	cJSON_AddNumberToObject(bus, "published", (double)st.published);
	cJSON_AddNumberToObject(bus, "received", (double)st.received);
	cJSON_AddNumberToObject(bus, "requests", (double)st.requests);
	cJSON_AddNumberToObject(bus, "bad_messages", (double)st.bad_messages);
	if (svc->def->health != NULL)
		svc->def->health(svc, body);
	hs_bus_reply(req, HS_OK, body, NULL);
}

#define REPLAY_MAX 10000
/* An answer must fit in one bus message (4 MiB) with room for the envelope: past this many
 * bytes of events the answer stops, and the asker asks again for the rest. */
#define REPLAY_MAX_BYTES (3u << 20)

struct replay_ctx {
	cJSON *arr;
	size_t bytes;
};

static void
replay_add(void *arg, uint64_t seq, const char *data, size_t len)
{
	struct replay_ctx *c = arg;
	cJSON *ev;
	char *copy;

	(void)seq;
	if (c->bytes + len > REPLAY_MAX_BYTES && cJSON_GetArraySize(c->arr) > 0)
		return;
	if (len < 2 || data[0] != '{' || data[len - 1] != '}')
		return; /* not a whole envelope: it would spoil the answer */
	c->bytes += len + 1;
	/* The journal holds envelopes as published: passed on as they are, not parsed and
	 * printed again (the asker parses them anyway). */
	if ((copy = strndup(data, len)) == NULL)
		return;
	if ((ev = cJSON_CreateRaw(copy)) != NULL)
		cJSON_AddItemToArray(c->arr, ev);
	free(copy);
}

/*
 * events.replay {"boot": "<16 hex>", "from": N, "to": M}: the events this service published
 * with from <= seq <= to (at most REPLAY_MAX, and at most REPLAY_MAX_BYTES of them: the
 * first ones of the range), from the journal of that boot (this one, or the one before a
 * restart).  ENOTFOUND when they are no longer kept.
 */
static void
svc_cmd_replay(void *arg, hs_bus_req *req, const hs_env *msg)
{
	struct hs_svc *svc = arg;
	cJSON *jb = cJSON_GetObjectItemCaseSensitive(msg->body, "boot");
	cJSON *jf = cJSON_GetObjectItemCaseSensitive(msg->body, "from");
	cJSON *jt = cJSON_GetObjectItemCaseSensitive(msg->body, "to");
	uint64_t boot = hs_bus_boot(svc->bus), from, to;
	hs_journal *j = svc->journal, *old = NULL;
	cJSON *body;
	struct replay_ctx rc = { 0 };
	hs_err rv;

	if (j == NULL) {
		hs_bus_reply(req, HS_ENOTSUP, NULL, "%s keeps no event journal", svc->name);
		return;
	}
	if (!cJSON_IsNumber(jf) || jf->valuedouble < 1) {
		hs_bus_reply(req, HS_EINVAL, NULL, "field 'from' (sequence number >= 1) is required");
		return;
	}
	from = (uint64_t)jf->valuedouble;
	to = cJSON_IsNumber(jt) ? (uint64_t)jt->valuedouble : UINT64_MAX;
	if (to - from >= REPLAY_MAX)
		to = from + REPLAY_MAX - 1;
	if (cJSON_IsString(jb) && strtoull(jb->valuestring, NULL, 16) != boot) {
		char path[700];
		snprintf(path, sizeof(path), "%s/events-%s.jnl", svc->journal_dir,
		    jb->valuestring);
		if (strlen(jb->valuestring) != 16 || strchr(jb->valuestring, '/') != NULL ||
		    access(path, R_OK) != 0 || hs_journal_open(&old, path, 0, 0) != HS_OK) {
			hs_bus_reply(req, HS_ENOTFOUND, NULL, "no journal of boot %s",
			    jb->valuestring);
			return;
		}
		j = old;
		boot = strtoull(jb->valuestring, NULL, 16);
	}
	body = cJSON_CreateObject();
	{
		char b[17];
		snprintf(b, sizeof(b), "%016llx", (unsigned long long)boot);
		cJSON_AddStringToObject(body, "boot", b);
	}
	cJSON_AddNumberToObject(body, "first", (double)hs_journal_first(j));
	cJSON_AddNumberToObject(body, "last", (double)hs_journal_last(j));
	rc.arr = cJSON_AddArrayToObject(body, "events");
	rv = hs_journal_replay(j, from, to, replay_add, &rc);
	if (old != NULL)
		hs_journal_close(old);
	if (rv != HS_OK) {
		cJSON_Delete(body);
		hs_bus_reply(req, rv, NULL, "events from %llu on are %s",
		    (unsigned long long)from,
		    rv == HS_ENOTFOUND ? "no longer kept" : "unreadable");
		return;
	}
	hs_bus_reply(req, HS_OK, body, NULL);
}

static const struct hs_bus_cmd builtin_cmds[] = {
	{ "health", HS_CMD_READONLY, svc_cmd_health, "liveness, uptime and bus counters" },
	{ "events.replay", HS_CMD_READONLY, svc_cmd_replay,
	    "published events by sequence number: {\"boot\", \"from\", \"to\"}" },
};

/* The built-ins followed by the service's own commands, NULL-terminated. */
static struct hs_bus_cmd *
merge_cmds(const struct hs_bus_cmd *own)
{
	size_t nb = sizeof(builtin_cmds) / sizeof(builtin_cmds[0]), no = 0;
	struct hs_bus_cmd *all;

	while (own != NULL && own[no].name != NULL)
		no++;
	if ((all = calloc(nb + no + 1, sizeof(*all))) == NULL)
		return NULL;
	memcpy(all, builtin_cmds, sizeof(builtin_cmds));
	if (no > 0)
		memcpy(all + nb, own, no * sizeof(*own));
	return all;
}

/* ------------------------------------------------------------------------------------ */
/* Life cycle                                                                           */
/* ------------------------------------------------------------------------------------ */

struct svc_runtime {
	struct hs_svc svc;
	uv_timer_t heartbeat;
	struct hs_bus_cmd *cmds;
	int fini_done;
};

static void
svc_heartbeat(uv_timer_t *t)
{
	struct hs_svc *svc = t->data;
	cJSON *body = cJSON_CreateObject();

	cJSON_AddNumberToObject(body, "pid", getpid());
	cJSON_AddNumberToObject(body, "uptime_s", (double)(hs_mono_ms() - svc->started_ms) / 1e3);
	hs_bus_publish(svc->bus, "svc.heartbeat", body);
}

static void
svc_teardown(struct svc_runtime *rt)
{
	struct hs_svc *svc = &rt->svc;

	if (rt->fini_done)
		return;
	rt->fini_done = 1;
	svc->stopping = 1;
	hs_loop_unwatch_signals(svc->loop);
	if (!uv_is_closing((uv_handle_t *)&rt->heartbeat))
		uv_close((uv_handle_t *)&rt->heartbeat, NULL);
	if (svc->def->fini != NULL)
		svc->def->fini(svc);
	if (svc->bus != NULL) {
		hs_bus_publish(svc->bus, "svc.stopping", NULL);
		hs_bus_close(svc->bus);
		svc->bus = NULL;
	}
	if (svc->journal != NULL) {
		hs_journal_close(svc->journal);
		svc->journal = NULL;
	}
	if (svc->db != NULL) {
		hs_db_close(svc->db);
		svc->db = NULL;
	}
}

static void
svc_on_stop(void *arg, int signum)
{
	struct svc_runtime *rt = arg;

	(void)signum;
	sd_notify(0, "STOPPING=1");
	if (rt->svc.def->drain != NULL && !rt->svc.stopping) {
		rt->svc.stopping = 1;
		rt->svc.def->drain(&rt->svc);
		return;
	}
	svc_teardown(rt);
}

void
hs_service_stop(struct hs_svc *svc)
{
	hs_log_info("service.stop", "reason=%s", hs_logq("requested by the service"));
	svc_teardown((struct svc_runtime *)svc);
}

/* Under the watchdog: die with it, and refuse to run if it is already gone. */
static void
svc_bind_to_supervisor(void)
{
	const char *s = getenv("HOOKSWITCH_SUPERVISOR_PID");

	if (s == NULL || *s == '\0')
		return;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != (pid_t)atoi(s)) {
		fprintf(stderr, "supervisor %s is gone; exiting\n", s);
		exit(1);
	}
}

/* Tells the supervisor we can serve: the watchdog's notify fd, and systemd if present. */
static void
svc_announce_ready(void)
{
	const char *fdstr = getenv("HOOKSWITCH_NOTIFY_FD");

	if (fdstr != NULL && *fdstr != '\0') {
		int fd = atoi(fdstr);
		if (fd > 2) {
			if (write(fd, "\n", 1) != 1)
				hs_log_warn("service.notify", "fd=%d err=%s", fd,
				    hs_logq(strerror(errno)));
			close(fd);
		}
		unsetenv("HOOKSWITCH_NOTIFY_FD");
	}
	sd_notify(0, "READY=1");
}

/* Keeps this boot's journal and the one before; older ones go. */
static void
svc_prune_journals(const char *dir, const char *keep_a, const char *keep_b)
{
	struct dirent *de;
	char path[700];
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "events-", 7) != 0 || strcmp(de->d_name, keep_a) == 0 ||
		    strcmp(de->d_name, keep_b) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static int
svc_open_journal(struct hs_svc *svc)
{
	char path[700], name[64], prev[64] = "", link[700];
	ssize_t n;

	snprintf(svc->journal_dir, sizeof(svc->journal_dir), "%s/%s",
	    hs_conf_str(svc->conf, "paths.state"), svc->name);
	if (hs_fs_mkdir_p(svc->journal_dir, 0750) != 0) {
		hs_log_error("service.journal", "dir=%s err=%s", hs_logq(svc->journal_dir),
		    hs_logq(strerror(errno)));
		return -1;
	}
	snprintf(name, sizeof(name), "events-%016llx.jnl",
	    (unsigned long long)hs_bus_boot(svc->bus));
	snprintf(path, sizeof(path), "%s/%s", svc->journal_dir, name);
	/* "current" names the journal of the running boot; what it named before is the
	 * previous boot's, kept for subscribers that catch up after our restart. */
	snprintf(link, sizeof(link), "%s/current", svc->journal_dir);
	if ((n = readlink(link, prev, sizeof(prev) - 1)) > 0)
		prev[n] = '\0';
	else
		prev[0] = '\0';
	unlink(link);
	if (symlink(name, link) != 0)
		hs_log_warn("service.journal", "link=%s err=%s", hs_logq(link),
		    hs_logq(strerror(errno)));
	svc_prune_journals(svc->journal_dir, name, prev);
	if (hs_journal_open(&svc->journal, path, 4096, 64u << 20) != HS_OK)
		return -1;
	hs_bus_set_journal(svc->bus, svc->journal);
	return 0;
}

static int
svc_open_bus(struct svc_runtime *rt)
{
	struct hs_svc *svc = &rt->svc;
	char pub[512], rep[512];
	hs_err rv;

	if (hs_fs_mkdir_p(hs_conf_str(svc->conf, "bus.dir"), 0750) != 0) {
		hs_log_error("service.bus", "dir=%s err=%s",
		    hs_logq(hs_conf_str(svc->conf, "bus.dir")), hs_logq(strerror(errno)));
		return -1;
	}
	hs_service_endpoint(svc->conf, svc->def->id, HS_EP_PUB, pub, sizeof(pub));
	hs_service_endpoint(svc->conf, svc->def->id, HS_EP_REP, rep, sizeof(rep));
	rv = hs_bus_open(&svc->bus, svc->uv, svc->name, svc->server_id, pub, rep);
	if (rv != HS_OK) {
		hs_log_error("service.bus", "pub=%s rep=%s err=%s note=%s", hs_logq(pub),
		    hs_logq(rep), hs_err_name(rv),
		    hs_logq(rv == HS_EBUSY ? "another instance is running" : "cannot bind"));
		return -1;
	}
	if (hs_conf_bool(svc->conf, "bus.tcp")) {
		/* On this server's own address when it has one, so several servers can share a
		 * machine (loopback aliases in tests); everywhere otherwise. */
		const char *host = hs_conf_str(svc->conf, "server.host");
		int base = (int)hs_conf_int(svc->conf, "bus.tcp_base");
		char url[300];
		for (int k = HS_EP_PUB; k <= HS_EP_REP; k++) {
			hs_topo_endpoint(url, sizeof(url), svc->def->id, k,
			    *host != '\0' ? host : "0.0.0.0", NULL, base);
			if (hs_bus_listen_extra(svc->bus, k == HS_EP_REP, url) != HS_OK)
				return -1;
		}
	}
	if ((svc->def->flags & HS_SERVICE_JOURNAL) && svc_open_journal(svc) != 0)
		return -1;
	if ((rt->cmds = merge_cmds(svc->def->cmds)) == NULL)
		return -1;
	hs_bus_serve(svc->bus, rt->cmds, svc);
	return 0;
}

int
hs_service_main(const struct hs_service *def, int argc, char **argv)
{
	struct svc_runtime rt;
	struct hs_svc *svc = &rt.svc;
	const char *path = getenv("HOOKSWITCH_CONFIG");
	int check = 0, verbose = 0, foreground = 0, c, rv = 1;

	memset(&rt, 0, sizeof(rt));
	svc->def = def;
	svc->name = hs_services[def->id].name;
	if (path != NULL && *path == '\0')
		path = NULL;
	while ((c = getopt(argc, argv, "c:dhnvT:")) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': foreground = 1; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'T': break; /* trace categories: accepted, none defined yet */
		case 'h': usage(svc->name, stdout); return 0;
		default: usage(svc->name, stderr); return 100;
		}
	}
	if (optind != argc) {
		usage(svc->name, stderr);
		return 100;
	}

	if ((svc->conf = hs_conf_new()) == NULL)
		return 1;
	if (hs_conf_load(svc->conf, path) != HS_OK ||
	    hs_conf_apply_env(svc->conf, NULL) != HS_OK) {
		fprintf(stderr, "hookswitch-%s: %s\n", svc->name, hs_conf_error(svc->conf));
		hs_conf_free(svc->conf);
		return EX_CONFIG;
	}
	if (check) {
		if (verbose)
			hs_conf_dump(svc->conf, stdout);
		printf("hookswitch-%s: configuration OK\n", svc->name);
		hs_conf_free(svc->conf);
		return 0;
	}
	svc->server_id = (int)hs_conf_int(svc->conf, "server.id");
	svc->config_path = path;
	svc_bind_to_supervisor();

	{
		const char *lf = foreground ? "" : hs_conf_str(svc->conf, "log.file");
		char dirlog[1024];

		if (!foreground && *lf == '\0' && (def->flags & HS_SERVICE_LOG_TO_DIR)) {
			const char *dir = hs_conf_str(svc->conf, "log.dir");
			if (hs_fs_mkdir_p(dir, 0750) != 0) {
				fprintf(stderr, "hookswitch-%s: cannot create log.dir %s: %s\n",
				    svc->name, dir, strerror(errno));
				hs_conf_free(svc->conf);
				return 1;
			}
			snprintf(dirlog, sizeof(dirlog), "%s/%s.log", dir, svc->name);
			lf = dirlog;
		}
		if (hs_log_open(svc->name, lf, (size_t)hs_conf_int(svc->conf, "log.max_size"),
			(int)hs_conf_int(svc->conf, "log.keep")) != HS_OK) {
			fprintf(stderr, "hookswitch-%s: cannot open log file %s: %s\n", svc->name,
			    lf, strerror(errno));
			hs_conf_free(svc->conf);
			return 1;
		}
		hs_log_set_level(verbose ? HS_LOG_DEBUG :
					   hs_log_level_parse(hs_conf_str(svc->conf, "log.level")));
	}
	svc->started_ms = hs_mono_ms();
	hs_log_info("service.start", "server=%d config=%s", svc->server_id,
	    hs_logq(path != NULL ? path : HS_CONF_DEFAULT_PATH));

	if (hs_loop_init(&svc->loop, svc_on_stop, &rt) != HS_OK)
		goto out_conf;
	svc->uv = hs_loop_uv(svc->loop);
	uv_timer_init(svc->uv, &rt.heartbeat);
	rt.heartbeat.data = svc;

	if (def->flags & HS_SERVICE_NEEDS_DB) {
		int wait = (int)hs_conf_int(svc->conf, "db.connect_timeout") * 1000;
		if (hs_db_open(&svc->db, hs_conf_str(svc->conf, "db.conninfo"), svc->uv) != HS_OK)
			goto out_teardown;
		if (hs_db_connect(svc->db, wait) != HS_OK) {
			hs_log_error("service.db", "err=%s note=%s", hs_logq(hs_db_error(svc->db)),
			    hs_logq("PostgreSQL not reachable within db.connect_timeout"));
			goto out_teardown;
		}
	}
	if (svc_open_bus(&rt) != 0)
		goto out_teardown;
	if (def->init != NULL && def->init(svc) != 0) {
		hs_log_error("service.init", "note=%s", hs_logq("start-up failed; stopping"));
		goto out_teardown;
	}
	if (svc->stopping)
		goto out_teardown;
	if (def->no_duties != NULL)
		hs_log_info("service.idle", "duties=%s", hs_logq(def->no_duties));
	uv_timer_start(&rt.heartbeat, svc_heartbeat, 0,
	    (uint64_t)hs_conf_int(svc->conf, "bus.heartbeat_ms"));
	svc_announce_ready();
	hs_log_info("service.ready", "ms=%lld", hs_mono_ms() - svc->started_ms);
	hs_loop_run(svc->loop);
	rv = 0;
out_teardown:
	svc_teardown(&rt);
	if (hs_loop_close(svc->loop) != 0)
		rv = 1;
out_conf:
	free(rt.cmds);
	hs_log_info("service.exit", "code=%d", rv);
	hs_conf_free(svc->conf);
	hs_log_close();
	return rv;
}
