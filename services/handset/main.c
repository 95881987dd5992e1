/*
 * hookswitch-handset - 6900 handset support.
 *
 * Not built yet: this service starts, joins the bus, answers health requests and says in its
 * log that it has no duties.  It does nothing else, so nothing may rely on it yet.
 */
#include "service.h"
#include "topo.h"

static const struct hs_service handset_service = {
	.id = HS_SVC_HANDSET,
	.no_duties = "none yet: 6900 handset support is not implemented in this build",
};

int
main(int argc, char **argv)
{
	return hs_service_main(&handset_service, argc, argv);
}
