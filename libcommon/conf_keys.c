/*
 * conf_keys.c - the table of every Hookswitch setting.
 *
 * This is the only place a setting is declared: the INI reader, the HOOKSWITCH_* environment
 * overrides, `-n -v` and the settings reference all walk this table.  Defaults are written as
 * they would be in the file and go through the same checks as a user's value when
 * hs_conf_new() runs, so a bad default is caught on the first start of any program.
 */
#include "conf.h"

#ifndef HS_DATADIR
#define HS_DATADIR "/usr/share/hookswitch"
#endif

#define KIB 1024LL
#define GIB (1024LL * 1024 * 1024)

const struct hs_conf_def hs_conf_keys[] = {
	/* [server] */
	{"server.id", HS_CONF_INT, "1", 1, 99, NULL,
	    "this server's id in the servers table"},
	{"server.name", HS_CONF_STR, "", 0, 0, NULL,
	    "display name used when this server registers itself (empty: host name)"},
	{"server.host", HS_CONF_STR, "", 0, 0, NULL,
	    "address other servers use to reach this one (empty: host name)"},
	{"server.roles", HS_CONF_STR, "all", 0, 0, NULL,
	    "roles used when this server registers itself in the servers table on first "
	    "start; afterwards the table is authoritative"},

	/* [db] */
	{"db.conninfo", HS_CONF_STR, "dbname=hookswitch", 0, 0, NULL,
	    "libpq connection string"},
	{"db.connect_timeout", HS_CONF_INT, "30", 0, 3600, NULL,
	    "seconds a service waits for PostgreSQL at start"},

	/* [log] */
	{"log.level", HS_CONF_ENUM, "info", 0, 0, "debug|info|warn|error",
	    "lowest level of the lines logged"},
	{"log.file", HS_CONF_STR, "", 0, 0, NULL,
	    "log file of a service run by hand (empty: stderr)"},
	{"log.dir", HS_CONF_STR, "/var/log/hookswitch", 0, 0, NULL,
	    "folder of the per-service logs the watchdog writes"},
	{"log.max_size", HS_CONF_SIZE, "10M", 64 * KIB, 4 * GIB, NULL,
	    "size at which a log file is rotated (manual: Max log file size)"},
	{"log.keep", HS_CONF_INT, "5", 1, 100, NULL,
	    "rotated files kept per log"},
	{"log.archive_dir", HS_CONF_STR, "", 0, 0, NULL,
	    "folder of daily log archives (empty: <log.dir>/archive)"},
	{"log.archive_time", HS_CONF_TIME, "01:00", 0, 0, NULL,
	    "time of day the watchdog archives the logs"},
	{"log.archive_keep", HS_CONF_INT, "7", 1, 365, NULL,
	    "number of archives kept"},

	/* [bus] */
	{"bus.dir", HS_CONF_STR, "/run/hookswitch", 0, 0, NULL,
	    "folder of the ipc endpoints"},
	{"bus.tcp", HS_CONF_BOOL, "false", 0, 0, NULL,
	    "also listen on tcp for services on other servers"},
	{"bus.tcp_base", HS_CONF_INT, "8210", 1024, 65000, NULL,
	    "first tcp port of the bus (see README port table)"},
	{"bus.heartbeat_ms", HS_CONF_INT, "1000", 100, 60000, NULL,
	    "interval of svc.heartbeat events"},

	/* [paths] */
	{"paths.migrations", HS_CONF_STR, HS_DATADIR "/migrations", 0, 0, NULL,
	    "folder of the NNNN_name.sql migrations"},
	{"paths.bindir", HS_CONF_STR, "", 0, 0, NULL,
	    "folder of the service executables (empty: the watchdog's own folder)"},
	{"paths.state", HS_CONF_STR, "/var/lib/hookswitch", 0, 0, NULL,
	    "folder of the services' local state (event journals)"},

	/* [watchdog] */
	{"watchdog.hang_timeout", HS_CONF_INT, "10", 2, 600, NULL,
	    "seconds without a heartbeat after which a service is hung and is restarted"},
	{"watchdog.backoff_max", HS_CONF_INT, "60", 1, 3600, NULL,
	    "longest wait before a restart, seconds"},
	{"watchdog.stable_after", HS_CONF_INT, "60", 1, 86400, NULL,
	    "seconds of running after which the restart backoff resets to 1 s"},
	{"watchdog.stop_timeout", HS_CONF_INT, "10", 1, 600, NULL,
	    "seconds a service gets to stop on SIGTERM before SIGKILL"},
	{"watchdog.disk_check_interval", HS_CONF_INT, "60", 1, 86400, NULL,
	    "seconds between free-space checks"},

	/* [cti] */
	{"cti.keepalive", HS_CONF_INT, "30", 1, 240, NULL,
	    "seconds between OAI keep-alives (_NO); two unanswered end the session"},
	{"cti.reconnect_max", HS_CONF_INT, "30", 1, 600, NULL,
	    "longest wait between attempts to reconnect to the PBX, seconds"},

	/* [web] - the gateway (web site and REST API) of this server */
	{"web.listen", HS_CONF_STR, "0.0.0.0", 0, 0, NULL,
	    "address the web server binds (0.0.0.0: every IPv4 address)"},
	{"web.http_port", HS_CONF_INT, "8080", 0, 65535, NULL,
	    "HTTP port (0: no HTTP)"},
	{"web.https_port", HS_CONF_INT, "8443", 0, 65535, NULL,
	    "HTTPS port (0: no HTTPS)"},
	{"web.threads", HS_CONF_INT, "32", 1, 256, NULL,
	    "worker threads of the web server: each serves one connection at a time (a live view "
	    "holds one for its life) and opens a database connection when it first needs one"},
	{"web.root", HS_CONF_STR, HS_DATADIR "/build/web-ui", 0, 0, NULL,
	    "folder of the web UI's built files"},
	{"web.tls_dir", HS_CONF_STR, "", 0, 0, NULL,
	    "folder of the TLS certificate and key (empty: <paths.state>/gateway/tls); a "
	    "self-signed pair is made there at first start"},

	/* [recorder] - call recording: the Record-A-Call SIP endpoint (manual: SIP voice mail
	 * ports the PBX adds to a call) */
	{"recorder.sip_listen", HS_CONF_STR, "0.0.0.0", 0, 0, NULL,
	    "address the Record-A-Call SIP endpoint binds (0.0.0.0: every IPv4 address)"},
	{"recorder.sip_port", HS_CONF_INT, "5060", 0, 65535, NULL,
	    "UDP port of the Record-A-Call SIP endpoint (0: no endpoint)"},
	{"recorder.sip_allowed", HS_CONF_STR, "127.0.0.1, ::1", 0, 0, NULL,
	    "addresses or CIDR prefixes (comma separated) allowed to send INVITEs; others get "
	    "403.  Only this host until the PBX's address is added (empty: any host)"},
	{"recorder.sip_user", HS_CONF_STR, "", 0, 0, NULL,
	    "user name the PBX authenticates with (digest) when recorder.sip_password is set"},
	{"recorder.sip_password", HS_CONF_STR, "", 0, 0, NULL,
	    "password of inbound digest authentication (empty: INVITEs are not challenged)"},
	{"recorder.max_ports", HS_CONF_INT, "8", 1, 2000, NULL,
	    "calls recorded at once by Record-A-Call (the manual's limit is 8); more get 486 "
	    "Busy Here"},
	{"recorder.rtp_port_min", HS_CONF_INT, "16384", 1024, 65535, NULL,
	    "lowest UDP port of the recorded RTP (even ports are used)"},
	{"recorder.rtp_port_max", HS_CONF_INT, "16999", 1024, 65535, NULL,
	    "highest UDP port of the recorded RTP"},
	{"recorder.answer_delay_ms", HS_CONF_INT, "0", 0, 60000, NULL,
	    "ring (180) this long before answering an INVITE (0: answer at once)"},
	{"recorder.rtp_timeout", HS_CONF_INT, "120", 0, 86400, NULL,
	    "seconds without RTP after which a Record-A-Call call is ended with a BYE (0: never)"},
	{"recorder.path", HS_CONF_STR, "", 0, 0, NULL,
	    "folder of the recordings, as YYYY/MM/DD/ (UTC) below it (empty: "
	    "<paths.state>/recordings)"},
	{"recorder.format", HS_CONF_ENUM, "opus", 0, 0, "opus|gsm|wav",
	    "stored audio format: Opus in Ogg, GSM 06.10 WAV (the manual's) or 16-bit PCM WAV"},
	{"recorder.jitter_ms", HS_CONF_INT, "200", 0, 10000, NULL,
	    "how long a hole in the RTP sequence is waited for before it counts as lost"},
	/* IP/SIP extension recording: capture on mirror ports (manual: RTP/SIP Interfaces,
	 * Mirror Ports, Packet Filters, Addresses; the devices are in recorded_devices). */
	{"recorder.mirror_interfaces", HS_CONF_STR, "", 0, 0, NULL,
	    "network interfaces that receive the switch's mirrored PBX traffic (comma "
	    "separated; capture needs CAP_NET_RAW); empty: no capture"},
	{"recorder.mirror_sip_ports", HS_CONF_STR, "5060", 0, 0, NULL,
	    "packet filter: SIP ports (UDP and TCP), e.g. 5060, 5062-5070"},
	{"recorder.mirror_rtp_ports", HS_CONF_STR, "1024-65535", 0, 0, NULL,
	    "packet filter: UDP port ranges that carry RTP, e.g. 6000-6999"},
	{"recorder.pbx_addresses", HS_CONF_STR, "", 0, 0, NULL,
	    "addresses (or CIDR prefixes) of the PBX: base, PS-1, PEC cards, MiVBG internal; "
	    "tells the phone from the PBX in captured calls"},
	{"recorder.mirror_max_calls", HS_CONF_INT, "100", 1, 100000, NULL,
	    "calls recorded from mirror ports at once (licences); a call over it is not "
	    "recorded (its row says not_recorded_limit)"},
	{"recorder.mirror_idle", HS_CONF_INT, "30", 2, 86400, NULL,
	    "seconds without RTP after which a captured MiNET call (no SIP) counts as ended; "
	    "SIP calls end with their BYE (or after an hour without SIP or RTP)"},
	{"recorder.mirror_buffer_mb", HS_CONF_INT, "64", 1, 2048, NULL,
	    "kernel capture ring per mirror interface, in MiB"},
	{"recorder.exclude_internal", HS_CONF_BOOL, "false", 0, 0, NULL,
	    "do not record calls that involve no trunk (manual: Exclude internal calls; the "
	    "inclusion list does not override it)"},
	{"recorder.key_file", HS_CONF_STR, "", 0, 0, NULL,
	    "the recording key (32 random bytes, mode 0600, made at first start; never in the "
	    "database); empty: <paths.state>/keys/recording.key"},
	{"recorder.encrypt", HS_CONF_BOOL, "true", 0, 0, NULL,
	    "encrypt each recording (AES-256-GCM) when its call ends; signed either way"},
	{"recorder.dat_sidecar", HS_CONF_BOOL, "false", 0, 0, NULL,
	    "write a DAT text file ([Key:Value] lines, the manual's keys) beside each recording"},
	{"recorder.retention_days", HS_CONF_INT, "0", 0, 36500, NULL,
	    "delete recordings (files, and mark their rows) older than this many days, checked "
	    "daily (0: keep for ever)"},
	{"recorder.link_interval", HS_CONF_INT, "60", 0, 86400, NULL,
	    "seconds between runs of the matcher that links recordings to the logger's calls "
	    "(0: only right after each recording)"},
	{"recorder.dtmf_pause", HS_CONF_STR, "", 0, 0, NULL,
	    "RFC 2833 digits that pause a Record-A-Call recording (compliance pause), e.g. *1; "
	    "empty: off"},
	{"recorder.dtmf_resume", HS_CONF_STR, "", 0, 0, NULL,
	    "RFC 2833 digits that resume a paused recording, e.g. *2; empty: off"},
	{"recorder.archive_paths", HS_CONF_STR, "", 0, 0, NULL,
	    "call archiving: up to 5 folders (comma separated, e.g. mounted network shares) "
	    "each recording and its sidecars are moved to (copied to all, checked, then "
	    "removed locally); empty: no archiving"},
	{"recorder.archive_delay_hours", HS_CONF_INT, "0", 0, 876000, NULL,
	    "archive only recordings whose call ended more than this many hours ago (0: every "
	    "completed recording)"},
	{"recorder.archive_interval", HS_CONF_INT, "60", 1, 86400, NULL,
	    "seconds between archive sweeps"},

	{NULL, HS_CONF_STR, NULL, 0, 0, NULL, NULL},
};
