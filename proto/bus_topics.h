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
	X(SVC_ALERT, "svc.alert", "every service", "a condition for an administrator was raised or cleared; the watchdog keeps it as an alert row") \
	X(WATCHDOG_SERVICE_STATE, "watchdog.service.state", "watchdog",                   \
	    "a supervised service changed state (starting, up, backoff, stopping, down)") \
	X(WATCHDOG_ALERT, "watchdog.alert", "watchdog", "an alert row was written") \
	X(LINK_STATE, "link.state", "cti-host", "the PBX link changed state (down, connecting, login, sync, up, backoff), with the last error") \
	X(DEVICE_STATE, "device.state", "cti-host", "a device's state, DND, forwarding, online status or logged-on agent changed") \
	X(HUNTGROUP_QUEUE, "huntgroup.queue", "cti-host", "the calls waiting in a hunt group changed") \
	X(AGENT_STATE, "agent.state", "cti-host", "an ACD agent logged on or off, or became ready, not ready or in wrap-up") \
	X(CALL_INITIATED, "call.initiated", "cti-host", "SI events") \
	X(CALL_ORIGINATED, "call.originated", "cti-host", "OR events") \
	X(CALL_NETWORK_REACHED, "call.network_reached", "cti-host", "NT events") \
	X(CALL_QUEUED, "call.queued", "cti-host", "QU events") \
	X(CALL_OFFERED, "call.offered", "cti-host", "OF events") \
	X(CALL_DELIVERED, "call.delivered", "cti-host", "DE events") \
	X(CALL_DIVERTED, "call.diverted", "cti-host", "DI events") \
	X(CALL_ESTABLISHED, "call.established", "cti-host", "ES/ER events") \
	X(CALL_HELD, "call.held", "cti-host", "HE events") \
	X(CALL_RETRIEVED, "call.retrieved", "cti-host", "RE events") \
	X(CALL_TRANSFERRED, "call.transferred", "cti-host", "TR events") \
	X(CALL_CONFERENCED, "call.conferenced", "cti-host", "CO events") \
	X(CALL_FAILED, "call.failed", "cti-host", "FA events") \
	X(CALL_CONNECTION_CLEARED, "call.connection_cleared", "cti-host", "XC events") \
	X(CALL_ENDED, "call.ended", "cti-host", "CC events") \
	X(CALL_CLEARED, "call.cleared", "cti-host", "a call left the live model") \
	X(LOGGER_PROGRESS, "logger.progress", "logger", "how far the database is written; at most once a second while writing") \
	X(RECORDING_STORED, "recording.stored", "recorder", "a recording was sealed (encrypted, signed) and its recordings row written") \
	X(RECORDING_RAC_INVOKED, "recording.rac_invoked", "cti-host", "Record-A-Call was invoked (_EF) for a recorded extension on a call, with the PBX's answer")

/* Commands (REQ/REP).  X(const, "wire.name", "served by", "meaning") */
#define HS_COMMAND_LIST(X)                                                                 \
	X(HELP, "help", "every service", "lists the service's commands")                  \
	X(HEALTH, "health", "every service", "liveness, uptime and bus counters")         \
	X(STATUS, "status", "watchdog",                                                   \
	    "each supervised service: state, pid, uptime, restarts; database; disks")     \
	X(SERVICE_RESTART, "service.restart", "watchdog", "restarts one service now")     \
	X(DB_MIGRATE, "db.migrate", "watchdog",                                           \
	    "applies pending migrations, then starts services if they were held back")    \
	X(LOGS_ARCHIVE, "logs.archive", "watchdog", "archives the logs now") \
	X(EVENTS_REPLAY, "events.replay", "cti-host and every journaling service", "published events by sequence number, from the journal") \
	X(LIVE_SNAPSHOT, "live.snapshot", "cti-host", "the link, every device, call and agent now") \
	X(CALL_MAKE, "call.make", "cti-host", "{from, to, account_code?} -> _MC") \
	X(CALL_ANSWER, "call.answer", "cti-host", "{device, call_id} -> _AC") \
	X(CALL_HOLD, "call.hold", "cti-host", "{device, call_id} -> _HC") \
	X(CALL_RETRIEVE, "call.retrieve", "cti-host", "{device, call_id} -> _RV") \
	X(CALL_CLEAR, "call.clear", "cti-host", "{device, call_id} -> _CX") \
	X(CALL_DROP, "call.drop", "cti-host", "{device, call_id} -> _CC") \
	X(CALL_CONSULT, "call.consult", "cti-host", "{device, held_call_id, to} -> _MC carrying the held call") \
	X(CALL_TRANSFER, "call.transfer", "cti-host", "blind -> _TO, or announced -> _TR") \
	X(CALL_CONFERENCE, "call.conference", "cti-host", "{device, held_call_id, active_call_id} -> _CN") \
	X(DEVICE_DND, "device.dnd", "cti-host", "{device, on, message_index?, text?} -> _SD") \
	X(DEVICE_FORWARD, "device.forward", "cti-host", "{device, type (I all, B busy, N no answer), destination, on} -> _SF") \
	X(AGENT_SET, "agent.set", "cti-host", "{device, agent_id, state (logon, logoff, ready, not_ready, wrap_up), g") \
	X(LINK_RECONNECT, "link.reconnect", "cti-host", "drops the PBX session and reconnects") \
	X(CALLS_LIST, "calls.list", "logger", "{from, to, limit?, device?} -> the calls that started in [from, to), with segments") \
	X(CALLS_REBUILD, "calls.rebuild", "logger", "{from, to} -> rebuilds the calls that started in [from, to) from the raw journal") \
	X(RECORDING_PAUSE, "recording.pause", "recorder", "{sip_call_id} or {extension} -> the call's recording is silence from now (compliance pause)") \
	X(RECORDING_RESUME, "recording.resume", "recorder", "{sip_call_id} or {extension} -> the paused recording records again")

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
