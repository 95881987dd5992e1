/*
 * watchdog.h - the watchdog's state, shared by its modules.
 *
 * The watchdog migrates the database, then starts the services this server's roles need, in
 * topo.h order, one at a time (each after the one before is ready), watches them by process
 * exit and by heartbeat, restarts them with backoff and writes an alert for every restart.
 * On SIGTERM it stops them in reverse order.  It also checks free disk space and archives
 * the day's logs.  Its status is the fleet view hookswitchctl prints.
 */
#ifndef HS_WATCHDOG_H
#define HS_WATCHDOG_H

#include <stdbool.h>

#include "log.h"
#include "service.h"
#include "topo.h"

/*
 * A supervised service moves through these states; wd_child_enter() is the only place that
 * changes state, and it logs "from -> to" with the reason.
 *
 *   DOWN --start--> STARTING --ready--> UP --exit/hang--> BACKOFF --timer--> STARTING
 *   STARTING/UP --stop--> STOPPING --exit--> DOWN
 *   STARTING --exit/no ready in time--> BACKOFF
 */
enum wd_state {
	WD_DOWN,
	WD_STARTING,
	WD_UP,
	WD_BACKOFF,
	WD_STOPPING,
};

struct wd;

struct wd_child {
	struct wd *wd;
	int id;                 /* HS_SVC_* */
	const char *name;
	bool want_up;           /* this server's roles need it, and we are not shutting down */
	enum wd_state state;

	uv_process_t proc;
	bool proc_open;         /* proc handle initialised and not yet closed */
	uv_pipe_t *outp;        /* the child's stdout+stderr; NULL when closed */
	uv_pipe_t *notifyp;     /* readiness: the child writes a newline; NULL when closed */
	char outbuf[8192];      /* partial line of output */
	size_t outlen;
	hs_log_sink *sink;      /* <log.dir>/<name>.log */
	uv_timer_t timer;       /* backoff delay, start timeout, stop timeout */

	int pid;
	long long since_ms;     /* monotonic: entered the current state */
	long long started_ms;   /* monotonic: last spawn */
	long long started_wall; /* epoch ms: last spawn */
	long long last_hb_ms;   /* monotonic: last heartbeat */
	hs_bus_sub *hb_sub;

	int restarts;           /* since the watchdog started */
	int backoff_s;          /* delay before the next restart */
	char kill_reason[96];   /* why we killed it ("hung: ..."), for the exit record */
	int last_exit_status;
	int last_exit_signal;
	char last_exit[160];    /* "exited 1 after 3 s", "killed by signal 9 (hung: ...)" */
};

struct wd_disk {
	char mount[256];
	char fstype[32];
	double free_pct;
	unsigned long long free_bytes, total_bytes;
	bool low;               /* an open disk.low alert exists */
};

enum wd_db_state {
	WD_DB_OK,
	WD_DB_MIGRATION_FAILED,
};

struct wd {
	struct hs_svc *svc;
	unsigned roles;
	char roles_text[256];
	enum wd_db_state db_state;
	char db_error[512];
	int schema_version;
	bool draining;

	struct wd_child child[HS_SVC_COUNT];  /* [HS_SVC_WATCHDOG] is unused */

	uv_timer_t tick;        /* 1 s: hang checks, archive schedule */
	uv_timer_t disk_timer;
	struct wd_disk disks[32];
	int ndisks;
	double disk_threshold_pct;

	int archive_last_yday;  /* day of year the logs were last archived */
	uv_process_t archive_proc;
	bool archive_running;
	char archive_path[4200];
	char archive_list[1024]; /* file listing the archived files, for the delete step */
	int archive_nfiles;
	hs_bus_req *archive_req; /* logs.archive request waiting for the result */
};

/* supervise.c */
void wd_supervise_init(struct wd *wd);
void wd_supervise_fini(struct wd *wd);
void wd_reconcile(struct wd *wd);
void wd_tick_hangs(struct wd *wd);
void wd_stop_all(struct wd *wd);
void wd_restart_child(struct wd_child *c, const char *reason);
const char *wd_state_name(enum wd_state s);
/* Backoff policy: the delay before restart n, given how long the service ran. */
int wd_backoff_next(int prev_s, long long ran_ms, int stable_after_s, int max_s);

/* dbstate.c */
int wd_db_migrate(struct wd *wd);
int wd_db_prepare(struct wd *wd);
int wd_db_load_roles(struct wd *wd);
double wd_db_setting_double(struct wd *wd, const char *key, double def);
void wd_alert(struct wd *wd, const char *severity, const char *source, const char *code,
    const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void wd_alert_clear(struct wd *wd, const char *code, const char *key);
void wd_db_flush_alerts(struct wd *wd);

/* disk.c */
void wd_disk_init(struct wd *wd);
void wd_disk_check(struct wd *wd);
int wd_db_open_alert_keys(struct wd *wd, const char *code, char keys[][256], int max);

/* logarchive.c */
void wd_archive_tick(struct wd *wd);
/* Starts archiving; req (may be NULL) is answered when done.  HS_EBUSY while one runs. */
hs_err wd_archive_now(struct wd *wd, hs_bus_req *req);

/* cmd.c */
extern const struct hs_bus_cmd wd_cmds[];

#endif
