/*
 * hookswitch-reporting - reporting.
 *
 * Not built yet: this service starts, joins the bus, answers health requests and says in its
 * log that it has no duties.  It does nothing else, so nothing may rely on it yet.
 */
#include "service.h"
#include "topo.h"

static const struct hs_service reporting_service = {
	.id = HS_SVC_REPORTING,
	.no_duties = "none yet: reporting is not implemented in this build",
};

int
main(int argc, char **argv)
{
	return hs_service_main(&reporting_service, argc, argv);
}
