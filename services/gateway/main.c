/*
 * hookswitch-gateway - web site and REST API.
 *
 * Not built yet: this service starts, joins the bus, answers health requests and says in its
 * log that it has no duties.  It does nothing else, so nothing may rely on it yet.
 */
#include "service.h"
#include "topo.h"

static const struct hs_service gateway_service = {
	.id = HS_SVC_GATEWAY,
	.no_duties = "none yet: web site and REST API is not implemented in this build",
};

int
main(int argc, char **argv)
{
	return hs_service_main(&gateway_service, argc, argv);
}
