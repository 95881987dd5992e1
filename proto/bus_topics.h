/*
 * bus_topics.h - every bus topic and command of Hookswitch, declared once.
 *
 * X(const, "wire.name", "publisher or server", "meaning").  proto/bus.md holds a JSON example
 * for each entry, and libcommon/topics_test.c fails when an entry lacks one or an example has
 * no entry.  Bump HS_BUS_VERSION (bus.h) when an envelope or a payload changes incompatibly.
 */
#ifndef HS_BUS_TOPICS_H
#define HS_BUS_TOPICS_H

/* Events (PUB/SUB).  Subscribe by prefix: "svc." gets every svc.* topic. */
#define HS_TOPIC_LIST(X)                                                                   \
	X(SVC_HEARTBEAT, "svc.heartbeat", "every service",                                \
	    "the service's loop is alive; sent every bus.heartbeat_ms")                   \
	X(SVC_STOPPING, "svc.stopping", "every service", "the service is shutting down")  \
	X(WATCHDOG_SERVICE_STATE, "watchdog.service.state", "watchdog",                   \
	    "a supervised service changed state (starting, up, backoff, stopping, down)") \
	X(WATCHDOG_ALERT, "watchdog.alert", "watchdog", "an alert row was written")

/* Commands (REQ/REP).  X(const, "wire.name", "served by", "meaning") */
#define HS_COMMAND_LIST(X)                                                                 \
	X(HELP, "help", "every service", "lists the service's commands")                  \
	X(HEALTH, "health", "every service", "liveness, uptime and bus counters")         \
	X(STATUS, "status", "watchdog",                                                   \
	    "each supervised service: state, pid, uptime, restarts; database; disks")     \
	X(SERVICE_RESTART, "service.restart", "watchdog", "restarts one service now")     \
	X(DB_MIGRATE, "db.migrate", "watchdog",                                           \
	    "applies pending migrations, then starts services if they were held back")    \
	X(LOGS_ARCHIVE, "logs.archive", "watchdog", "archives the logs now")

enum hs_topic {
#define HS__TOPIC_ENUM(c, n, p, m) HS_TOPIC_##c,
	HS_TOPIC_LIST(HS__TOPIC_ENUM)
#undef HS__TOPIC_ENUM
	HS_TOPIC_COUNT
};

enum hs_command {
#define HS__CMD_ENUM(c, n, p, m) HS_COMMAND_##c,
	HS_COMMAND_LIST(HS__CMD_ENUM)
#undef HS__CMD_ENUM
	HS_COMMAND_COUNT
};

#endif
