/*
 * locate.c - service endpoints from the servers table (locate.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "locate.h"

#define LOCATE_SQL "SELECT id, host, array_to_string(roles, ',') FROM servers ORDER BY id"

static hs_err
locate_rows(hs_db *db, PGresult **res)
{
	hs_err rv = hs_db_prepare(db, "hs_locate_servers", LOCATE_SQL);

	if (rv != HS_OK)
		return rv;
	return hs_db_exec(db, "hs_locate_servers", 0, NULL, res);
}

static hs_err
endpoint_of_row(PGresult *res, int row, const hs_conf *conf, int svc_id,
    enum hs_endpoint_kind kind, char *buf, size_t len, char *err, size_t errlen)
{
	int id = atoi(PQgetvalue(res, row, 0));
	const char *host = PQgetvalue(res, row, 1);

	if (id == hs_conf_int(conf, "server.id"))
		return hs_topo_endpoint(buf, len, svc_id, kind, NULL, hs_conf_str(conf, "bus.dir"),
		    0);
	if (*host == '\0') {
		snprintf(err, errlen, "server %d runs %s but has no host address", id,
		    hs_services[svc_id].name);
		return HS_EINVAL;
	}
	return hs_topo_endpoint(buf, len, svc_id, kind, host, NULL,
	    (int)hs_conf_int(conf, "bus.tcp_base"));
}

hs_err
hs_locate_service(hs_db *db, const hs_conf *conf, int svc_id, enum hs_endpoint_kind kind,
    char *buf, size_t len, char *err, size_t errlen)
{
	int own = (int)hs_conf_int(conf, "server.id"), pick = -1;
	PGresult *res;
	hs_err rv;

	if (svc_id < 0 || svc_id >= HS_SVC_COUNT)
		return HS_EINVAL;
	if ((rv = locate_rows(db, &res)) != HS_OK) {
		snprintf(err, errlen, "%s", hs_db_error(db));
		return rv;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		unsigned roles;
		char why[64];

		if (hs_roles_parse(PQgetvalue(res, i, 2), &roles, why, sizeof(why)) != HS_OK)
			continue;
		roles |= HS_ROLE_BIT(HS_ROLE_WCF);
		if (!hs_service_needed(svc_id, roles))
			continue;
		if (atoi(PQgetvalue(res, i, 0)) == own) {
			pick = i; /* here beats anywhere else */
			break;
		}
		if (pick < 0)
			pick = i;
	}
	if (pick < 0) {
		snprintf(err, errlen, "no server of the site runs %s", hs_services[svc_id].name);
		PQclear(res);
		return HS_ENOTFOUND;
	}
	rv = endpoint_of_row(res, pick, conf, svc_id, kind, buf, len, err, errlen);
	PQclear(res);
	return rv;
}

hs_err
hs_locate_on_server(hs_db *db, const hs_conf *conf, int server_id, int svc_id,
    enum hs_endpoint_kind kind, char *buf, size_t len, char *err, size_t errlen)
{
	PGresult *res;
	hs_err rv;

	if (server_id == hs_conf_int(conf, "server.id"))
		return hs_topo_endpoint(buf, len, svc_id, kind, NULL, hs_conf_str(conf, "bus.dir"),
		    0);
	if ((rv = locate_rows(db, &res)) != HS_OK) {
		snprintf(err, errlen, "%s", hs_db_error(db));
		return rv;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		if (atoi(PQgetvalue(res, i, 0)) == server_id) {
			rv = endpoint_of_row(res, i, conf, svc_id, kind, buf, len, err, errlen);
			PQclear(res);
			return rv;
		}
	}
	PQclear(res);
	snprintf(err, errlen, "no server %d in the servers table", server_id);
	return HS_ENOTFOUND;
}
