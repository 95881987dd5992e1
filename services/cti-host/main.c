/*
 * hookswitch-cti-host - OAI link to the PBX.
 *
 * Not built yet: this service starts, joins the bus, answers health requests and says in its
 * log that it has no duties.  It does nothing else, so nothing may rely on it yet.
 */
#include "service.h"
#include "topo.h"

static const struct hs_service cti_host_service = {
	.id = HS_SVC_CTI_HOST,
	.no_duties = "none yet: OAI link to the PBX is not implemented in this build",
};

int
main(int argc, char **argv)
{
	return hs_service_main(&cti_host_service, argc, argv);
}
