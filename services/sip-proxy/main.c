/*
 * hookswitch-sip-proxy - SIP proxy for softphones.
 *
 * Not built yet: this service starts, joins the bus, answers health requests and says in its
 * log that it has no duties.  It does nothing else, so nothing may rely on it yet.
 */
#include "service.h"
#include "topo.h"

static const struct hs_service sip_proxy_service = {
	.id = HS_SVC_SIP_PROXY,
	.no_duties = "none yet: SIP proxy for softphones is not implemented in this build",
};

int
main(int argc, char **argv)
{
	return hs_service_main(&sip_proxy_service, argc, argv);
}
