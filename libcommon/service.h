/*
 * service.h - the one skeleton every Hookswitch service runs.
 *
 * hs_service_main() does the same steps in the same order for every service, so each main.c
 * holds only a descriptor:
 *   1. parse -c PATH (config), -n (check config and exit), -v (verbose: debug level),
 *      -d (foreground/debug: log to stderr), -h;
 *   2. load and validate the configuration (file, then environment);
 *   3. start logging;
 *   4. open the loop, connect to PostgreSQL if the service needs it (waiting up to
 *      db.connect_timeout), open the bus (PUB and REP under bus.dir, tcp too with bus.tcp)
 *      and serve the built-in commands (health, help) plus the service's own;
 *   5. call the service's init, then announce readiness: a newline on the fd named by
 *      HOOKSWITCH_NOTIFY_FD (how the watchdog learns it) and sd_notify READY=1 (systemd);
 *   6. publish svc.heartbeat every bus.heartbeat_ms from the loop, so a hung loop shows;
 *   7. on SIGTERM/SIGINT: call drain (if any; it calls hs_service_stop when done), then fini,
 *      close bus and db, and check the loop closes with 0.
 * A service started by the watchdog (HOOKSWITCH_SUPERVISOR_PID set) asks the kernel for
 * SIGTERM when the watchdog dies, so no orphan keeps an endpoint bound.
 * Exit codes: 0 clean stop, 1 runtime failure, 78 configuration error (EX_CONFIG).
 */
#ifndef HS_SERVICE_H
#define HS_SERVICE_H

#include "bus.h"
#include "conf.h"
#include "db.h"
#include "loop.h"
#include "topo.h"

enum {
	HS_SERVICE_NEEDS_DB = 0x1,
	/* Log to <log.dir>/<name>.log unless log.file is set or -d is given (the watchdog, whose
	 * children's output it writes there itself). */
	HS_SERVICE_LOG_TO_DIR = 0x2,
	/* Journal every published event under <paths.state>/<name>/ and answer
	 * events.replay, so a subscriber that missed sequence numbers can fetch them. */
	HS_SERVICE_JOURNAL = 0x4,
};

struct hs_svc;

struct hs_service {
	int id;           /* HS_SVC_* from topo.h; gives the name and endpoints */
	int flags;        /* HS_SERVICE_* */
	/* A service with no duties yet says so here; it is logged at start and shown in health. */
	const char *no_duties;
	const struct hs_bus_cmd *cmds; /* may be NULL; handlers get the hs_svc as arg */
	/* Called before readiness; non-zero aborts the start (exit 1). */
	int (*init)(struct hs_svc *svc);
	/* Called first on SIGTERM when set: the service winds down asynchronously (the watchdog
	 * stops its children) with bus and db still open, then calls hs_service_stop(). */
	void (*drain)(struct hs_svc *svc);
	/* Called once when stopping, before bus and db are closed. */
	void (*fini)(struct hs_svc *svc);
	/* Extra fields for the health reply (may be NULL). */
	void (*health)(struct hs_svc *svc, cJSON *body);
};

struct hs_svc {
	const struct hs_service *def;
	const char *name;
	hs_conf *conf;
	const char *config_path; /* as given by -c or HOOKSWITCH_CONFIG; NULL for the default */
	hs_loop *loop;
	uv_loop_t *uv;
	hs_bus *bus;
	hs_db *db;         /* NULL unless HS_SERVICE_NEEDS_DB */
	struct hs_journal *journal; /* NULL unless HS_SERVICE_JOURNAL */
	char journal_dir[512];
	int server_id;
	long long started_ms;
	int stopping;
	void *priv;        /* the service's own state */
};

int hs_service_main(const struct hs_service *def, int argc, char **argv);

/* Stops the service: fini, close bus and db; the loop then runs out.  Called by drain when
 * it is done, or by a service after a fatal runtime error. */
void hs_service_stop(struct hs_svc *svc);

/* The bus endpoint of service id on this host, per bus.dir. */
void hs_service_endpoint(const hs_conf *conf, int svc_id, enum hs_endpoint_kind kind,
    char *buf, size_t len);

#endif
