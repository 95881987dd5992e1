/*
 * locate.h - where a service of the site is reached, from the servers table.
 *
 * Servers 1-99 share one database; each row says which roles a server runs, and topo.h says
 * which services a role needs.  A service that runs on this server is reached over its ipc
 * endpoint in bus.dir; one that runs elsewhere over tcp on the host of the lowest-numbered
 * server that runs it (bus.tcp must be on there).  Used by hookswitchctl and by services
 * that talk to services of other servers.
 */
#ifndef HS_LOCATE_H
#define HS_LOCATE_H

#include <stddef.h>

#include "conf.h"
#include "db.h"
#include "topo.h"

/*
 * Writes the endpoint of service svc_id into buf.  Errors: HS_ENOTFOUND (no server runs it;
 * the reason in err), HS_EINVAL (that server has no host), HS_EDB.
 */
hs_err hs_locate_service(hs_db *db, const hs_conf *conf, int svc_id,
    enum hs_endpoint_kind kind, char *buf, size_t len, char *err, size_t errlen);

/* The endpoint of service svc_id on server server_id (its watchdog, say): ipc when it is
 * this server, else tcp to its host. */
hs_err hs_locate_on_server(hs_db *db, const hs_conf *conf, int server_id, int svc_id,
    enum hs_endpoint_kind kind, char *buf, size_t len, char *err, size_t errlen);

#endif
