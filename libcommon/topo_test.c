/* topo_test.c - roles, services and endpoints (topo.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "topo.h"

static void
test_roles_parse_and_format(void **state)
{
	char err[64], buf[256];
	unsigned m;

	(void)state;
	assert_int_equal(hs_roles_parse("wcf, cti-host,call-logging", &m, err, sizeof(err)),
	    HS_OK);
	assert_int_equal(m, HS_ROLE_BIT(HS_ROLE_WCF) | HS_ROLE_BIT(HS_ROLE_CTI_HOST) |
		HS_ROLE_BIT(HS_ROLE_CALL_LOGGING));
	hs_roles_format(m, buf, sizeof(buf));
	assert_string_equal(buf, "wcf,cti-host,call-logging");
	assert_int_equal(hs_roles_parse("all", &m, err, sizeof(err)), HS_OK);
	assert_int_equal(m, HS_ROLES_ALL);
	assert_int_equal(hs_roles_parse("", &m, err, sizeof(err)), HS_OK);
	assert_int_equal(m, 0);
	assert_int_equal(hs_roles_parse("wcf,telepathy", &m, err, sizeof(err)), HS_EINVAL);
	assert_string_equal(err, "unknown role 'telepathy'");
}

static void
test_services_for_roles(void **state)
{
	unsigned logging = HS_ROLE_BIT(HS_ROLE_WCF) | HS_ROLE_BIT(HS_ROLE_CALL_LOGGING);

	(void)state;
	assert_true(hs_service_needed(HS_SVC_WATCHDOG, logging));
	assert_true(hs_service_needed(HS_SVC_LOGGER, logging));
	assert_true(hs_service_needed(HS_SVC_REPORTING, logging));
	assert_false(hs_service_needed(HS_SVC_RECORDER, logging));
	assert_false(hs_service_needed(HS_SVC_GATEWAY, logging));
	/* recording needs the logger too (the manual: recording requires call logging). */
	assert_true(hs_service_needed(HS_SVC_LOGGER, HS_ROLE_BIT(HS_ROLE_RECORDING)));
	/* every service is needed by some role */
	for (int i = 0; i < HS_SVC_COUNT; i++)
		assert_true(hs_service_needed(i, HS_ROLES_ALL));
	assert_int_equal(hs_service_lookup("sip-proxy"), HS_SVC_SIP_PROXY);
	assert_int_equal(hs_service_lookup("nope"), -1);
}

static void
test_endpoints(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(hs_topo_endpoint(buf, sizeof(buf), HS_SVC_LOGGER, HS_EP_PUB, NULL,
			     "/run/hookswitch", 8210),
	    HS_OK);
	assert_string_equal(buf, "ipc:///run/hookswitch/logger.pub");
	assert_int_equal(hs_topo_endpoint(buf, sizeof(buf), HS_SVC_LOGGER, HS_EP_REP,
			     "10.0.0.2", "/run/hookswitch", 8210),
	    HS_OK);
	assert_string_equal(buf, "tcp://10.0.0.2:8215");
	assert_int_equal(hs_topo_tcp_port(HS_SVC_WATCHDOG, HS_EP_PUB, 8210), 8210);
	assert_int_equal(hs_topo_endpoint(buf, 8, HS_SVC_LOGGER, HS_EP_PUB, NULL, "/x", 0),
	    HS_EINVAL);
	assert_int_equal(hs_topo_endpoint(buf, sizeof(buf), 99, HS_EP_PUB, NULL, "/x", 0),
	    HS_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_parse_and_format),
		cmocka_unit_test(test_services_for_roles),
		cmocka_unit_test(test_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
