/*
 * hookswitch-recorder - call recording.
 *
 * Not built yet: this service starts, joins the bus, answers health requests and says in its
 * log that it has no duties.  It does nothing else, so nothing may rely on it yet.
 */
#include "service.h"
#include "topo.h"

static const struct hs_service recorder_service = {
	.id = HS_SVC_RECORDER,
	.no_duties = "none yet: call recording is not implemented in this build",
};

int
main(int argc, char **argv)
{
	return hs_service_main(&recorder_service, argc, argv);
}
