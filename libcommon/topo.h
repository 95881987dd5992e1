/*
 * topo.h - the topology of Hookswitch, declared once: server roles, services, and where each
 * service's bus endpoints are.
 *
 * Read by the watchdog (which services a server's roles need, in which order), by
 * hookswitchctl (where to send a request) and by the README's tables.  To add a service: add
 * one HS_SERVICE_LIST line (its index is its position, which also fixes its tcp ports), and
 * name it in the roles that need it.
 */
#ifndef HS_TOPO_H
#define HS_TOPO_H

#include <stddef.h>

#include "err.h"

/*
 * Server roles (the manual's Servers Settings role checkboxes).  X(const, "name", help)
 */
#define HS_ROLE_LIST(X)                                                                    \
	X(WCF, "wcf", "core processes (watchdog); required on every server")              \
	X(DATABASE, "database", "database maintenance and backups; exactly one server")   \
	X(LICENSING, "licensing", "licence evaluation; exactly one server")               \
	X(WEBSITE, "website", "web admin site")                                           \
	X(GATEWAY, "gateway", "communications gateway: REST integration API")             \
	X(CTI_HOST, "cti-host", "CTI link to the PBX, PM client sessions")                \
	X(CALL_LOGGING, "call-logging", "call logging and historical reporting")          \
	X(REALTIME, "realtime", "real-time wallboards and dashboards")                    \
	X(SERVER_APPS, "server-apps", "server applications (hot desking, IP SMDR...)")    \
	X(MOBILE_GATEWAY, "mobile-gateway", "SIP proxy for mobile softphones")            \
	X(RECORDING, "recording", "call recording and archiving; needs call-logging")    \
	X(HANDSET, "handset", "Mitel 6900 handset support")

enum hs_role {
#define HS__ROLE_ENUM(c, n, h) HS_ROLE_##c,
	HS_ROLE_LIST(HS__ROLE_ENUM)
#undef HS__ROLE_ENUM
	HS_ROLE_COUNT
};
#define HS_ROLE_BIT(r) (1u << (r))
#define HS_ROLES_ALL ((1u << HS_ROLE_COUNT) - 1)

/*
 * Services in start order (a service starts after every service before it on the same server
 * is ready; stop is the reverse).  X(const, "name", roles needing it, duty)
 */
#define HS__R(x) HS_ROLE_BIT(HS_ROLE_##x)
#define HS_SERVICE_LIST(X)                                                                 \
	X(WATCHDOG, "watchdog", HS__R(WCF), "supervises the services of this server")     \
	X(CTI_HOST, "cti-host", HS__R(CTI_HOST) | HS__R(SERVER_APPS),                     \
	    "owns the OAI link to the PBX and the live state")                            \
	X(LOGGER, "logger", HS__R(CALL_LOGGING) | HS__R(RECORDING),                       \
	    "builds call records from PBX events")                                        \
	X(RECORDER, "recorder", HS__R(RECORDING), "records calls (RAC, port mirroring)")  \
	X(REPORTING, "reporting", HS__R(CALL_LOGGING), "runs and schedules reports")      \
	X(REALTIME, "realtime", HS__R(REALTIME), "wallboards and dashboards")             \
	X(HANDSET, "handset", HS__R(HANDSET), "6900 handset provisioning")                \
	X(SIP_PROXY, "sip-proxy", HS__R(MOBILE_GATEWAY), "SIP proxy for softphones")       \
	X(GATEWAY, "gateway", HS__R(WEBSITE) | HS__R(GATEWAY),                            \
	    "web admin site and REST API")

enum hs_service_id {
#define HS__SVC_ENUM(c, n, r, d) HS_SVC_##c,
	HS_SERVICE_LIST(HS__SVC_ENUM)
#undef HS__SVC_ENUM
	HS_SVC_COUNT
};

struct hs_service_def {
	int id;
	const char *name;
	unsigned roles; /* any of these roles makes a server run the service */
	const char *duty;
};

extern const struct hs_service_def hs_services[HS_SVC_COUNT];

const char *hs_role_name(int role);
const char *hs_role_help(int role);
/* -1 when unknown */
int hs_role_parse(const char *name);
/*
 * Parses a role list: words separated by commas or spaces, or "all".  On an unknown word
 * returns HS_EINVAL and names it in err.
 */
hs_err hs_roles_parse(const char *text, unsigned *mask, char *err, size_t errlen);
/* "wcf,cti-host,..." into buf */
void hs_roles_format(unsigned mask, char *buf, size_t len);

/* -1 when unknown */
int hs_service_lookup(const char *name);
/* Whether a server with these roles runs service id (the watchdog runs wherever wcf is). */
int hs_service_needed(int id, unsigned roles);

enum hs_endpoint_kind { HS_EP_PUB, HS_EP_REP };

/*
 * The endpoint of a service's socket.  host NULL means this server: "ipc://<dir>/<svc>.pub".
 * Otherwise "tcp://<host>:<port>", where port = tcp_base + 2 * id (+1 for REP).
 */
hs_err hs_topo_endpoint(char *buf, size_t len, int svc_id, enum hs_endpoint_kind kind,
    const char *host, const char *ipc_dir, int tcp_base);
/* The tcp port a service listens on for kind, tcp_base + 2 * id (+1 for REP). */
int hs_topo_tcp_port(int svc_id, enum hs_endpoint_kind kind, int tcp_base);

#endif
