/*
 * watchdog.h - the watchdog's state, shared by its modules.
 *
 * The watchdog migrates the database, then starts the services this server's roles need, in
 * topo.h order, one at a time (each after the one before is ready), watches them by process
 * exit and by heartbeat, restarts them with backoff and writes an alert for every restart.
 * On SIGTERM it stops them in reverse order.  It also checks free disk space, turns the
 * svc.alert events of its services into alerts, checks that calls are being logged during
 * working hours (on a logger server) and archives the day's logs.  Its status is the fleet
 * view hookswitchctl prints.
 */
#ifndef HS_WATCHDOG_H
#define HS_WATCHDOG_H

#include <stdbool.h>
#include <time.h>

#include "log.h"
#include "map.h"
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

	unsigned bad_alerts;    /* svc.alert events refused (the first one is logged) */
};

struct wd_disk {
	char mount[256];
	char fstype[32];
	double free_pct;
	unsigned long long free_bytes, total_bytes;
	bool low;               /* an open disk.low alert exists */
};

/*
 * "Check database activity": the settings, parsed.  Times are minutes after local midnight;
 * from_min > to_min is a period that runs past midnight (22:00-06:00), and it belongs to the
 * day it starts on.  to_min may be 1440 ("24:00").
 */
struct wd_activity_cfg {
	double threshold_s;     /* watchdog.db_activity_minutes * 60; 0 = off */
	int from_min, to_min;   /* watchdog.working_hours */
	unsigned days;          /* watchdog.working_days: bit tm_wday (0 = Sunday) */
};

struct wd_activity {
	bool loaded;            /* the settings were read at least once */
	bool valid;             /* ... and parsed; false keeps the check off */
	struct wd_activity_cfg cfg;
	char raw[3][128];       /* the settings as last read, to log a change (or an error) once */
	bool prepared;          /* the calls query is prepared (the calls table exists) */
	bool checking;          /* on, this server runs the logger, database migrated */
	bool raised;            /* an open watchdog.db_activity alert exists */
	bool query_failed;      /* the last calls query failed (logged once until it works) */
	bool have_call;         /* last_call is known (some call is logged) */
	double last_call;       /* epoch seconds of the newest calls.start_ts */
	uint64_t interval_ms;   /* of the running timer; 0 when stopped */
	uv_timer_t timer;
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

	hs_map *svc_alerts;     /* "<source> <code>" of each open svc.alert alert (svcalert.c) */
	struct wd_activity activity;
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
/* The value of a setting (this server's, else the site-wide one) into buf: 1 when found, 0
 * when there is no row, -1 on a database error (hs_db_error has it). */
int wd_db_setting_text(struct wd *wd, const char *key, char *buf, size_t len);
/*
 * Raises an alert: publishes watchdog.alert and writes an alerts row, or queues it while the
 * database is away.  key (may be NULL) tells apart alerts of one code (the mount of disk.low)
 * and goes into details.  wd_alert_details takes the details object (owned; NULL = {}) and
 * the text as is.  Text longer than the row's 511 bytes is cut at a character boundary.
 */
void wd_alert(struct wd *wd, const char *severity, const char *source, const char *code,
    const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void wd_alert_details(struct wd *wd, const char *severity, const char *source,
    const char *code, cJSON *details, const char *text);
/* Clears the open alerts of (source, code, key): sets cleared_at.  Queued behind the alerts
 * still waiting for the database, so a clear never overtakes the alert it clears. */
void wd_alert_clear(struct wd *wd, const char *source, const char *code, const char *key);
void wd_db_flush_alerts(struct wd *wd);
/* The alerts not yet written (raised or cleared while the database was away). */
int wd_db_queued_alerts(void);
/* (source, code) of each open alert that came from svc.alert: cb per row.  -1 on error. */
int wd_db_open_svc_alerts(struct wd *wd, void (*cb)(struct wd *, const char *source,
    const char *code));

/* disk.c */
void wd_disk_init(struct wd *wd);
void wd_disk_check(struct wd *wd);
int wd_db_open_alert_keys(struct wd *wd, const char *code, char keys[][256], int max);

/* svcalert.c - svc.alert events of the supervised services become alerts */
struct wd_svc_alert {
	bool raised;
	char code[64];          /* lower.dot.case, as the alerts table's CHECK wants */
	char severity[16];      /* info, warning, error, critical ("" when clearing) */
	char message[512];      /* valid UTF-8, cut to 511 bytes ("" when clearing) */
};
/* Checks a svc.alert body; HS_EINVAL with the reason in err. */
hs_err wd_svc_alert_parse(const cJSON *body, struct wd_svc_alert *a, char *err,
    size_t errlen);
/*
 * Acts on one svc.alert event from service `source`: raises the alert (once while it stays
 * raised) or clears it.  HS_EINVAL (reason in err) for a bad body, HS_EBUSY when too many
 * alerts are open; nothing is done then.
 */
hs_err wd_svc_alert_apply(struct wd *wd, const char *source, const hs_env *ev, char *err,
    size_t errlen);
/* Learns the svc.alert alerts still open from before a restart (at start). */
void wd_svc_alert_load(struct wd *wd);
void wd_svc_alert_fini(struct wd *wd);

/* activity.c - "Check database activity" */
hs_err wd_threshold_parse(const char *s, double *minutes, char *err, size_t errlen);
hs_err wd_hours_parse(const char *s, int *from_min, int *to_min, char *err, size_t errlen);
hs_err wd_days_parse(const char *s, unsigned *days, char *err, size_t errlen);
/* "mon,tue,wed" from a day mask, Monday first; "none" for no day. */
void wd_days_format(unsigned days, char *buf, size_t len);
/* Whether local time `now` is inside working hours on a working day; if so *start (may be
 * NULL) is when that working period began (with 00:00-24:00, the first of the consecutive
 * working days up to today). */
bool wd_working_period(const struct wd_activity_cfg *cfg, time_t now, time_t *start);
/* The decision: on, inside a working period that began at least the threshold ago, and the
 * newest call (have_call false: none at all) is older than the threshold. */
bool wd_activity_should_alert(const struct wd_activity_cfg *cfg, double now, bool have_call,
    double last_call);
void wd_activity_init(struct wd *wd);
/* Re-reads the settings and roles' effect, reschedules the check and runs it now. */
void wd_activity_reload(struct wd *wd);
void wd_activity_check(struct wd *wd);
void wd_activity_status(struct wd *wd, cJSON *body);
void wd_activity_fini(struct wd *wd);

/* logarchive.c */
void wd_archive_tick(struct wd *wd);
/* Starts archiving; req (may be NULL) is answered when done.  HS_EBUSY while one runs. */
hs_err wd_archive_now(struct wd *wd, hs_bus_req *req);

/* cmd.c */
extern const struct hs_bus_cmd wd_cmds[];

#endif
