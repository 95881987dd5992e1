/*
 * rac_policy_test.c - the Record-A-Call endpoint's pure parts: allowed addresses (CIDR,
 * IPv4-mapped IPv6, bad lists), the RTP port pool (even ports, round robin, exhaustion,
 * giving back) and the stateless digest nonces (valid, stale, forged, wrong length).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rec.h"

static struct rec_addr
addr(const char *s)
{
	struct rec_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.ip) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, s, a.ip) == 1)
		a.family = 6;
	else
		fail_msg("bad test address %s", s);
	return a;
}

static int
allows(const struct rac_acl *acl, const char *s)
{
	struct rec_addr a = addr(s);
	return rac_acl_allows(acl, &a);
}

static void
test_acl_empty_allows_anyone(void **state)
{
	(void)state;
	struct rac_acl acl;
	char err[128];
	assert_int_equal(rac_acl_parse(&acl, "", err, sizeof(err)), 0);
	assert_int_equal(acl.n, 0);
	assert_true(allows(&acl, "192.0.2.1"));
	assert_true(allows(&acl, "2001:db8::1"));
	assert_int_equal(rac_acl_parse(&acl, " , ,", err, sizeof(err)), 0);
	assert_int_equal(acl.n, 0);
}

static void
test_acl_addresses_and_prefixes(void **state)
{
	(void)state;
	struct rac_acl acl;
	char err[128];
	assert_int_equal(rac_acl_parse(&acl, "127.0.0.1, 10.1.0.0/16 192.168.7.128/25,"
	    "2001:db8::/32", err, sizeof(err)), 0);
	assert_int_equal(acl.n, 4);
	assert_true(allows(&acl, "127.0.0.1"));
	assert_false(allows(&acl, "127.0.0.2"));
	assert_true(allows(&acl, "10.1.255.3"));
	assert_false(allows(&acl, "10.2.0.1"));
	assert_true(allows(&acl, "192.168.7.200"));
	assert_false(allows(&acl, "192.168.7.127"));
	assert_true(allows(&acl, "2001:db8:ffff::5"));
	assert_false(allows(&acl, "2001:db9::5"));
	/* a dual-stack socket's view of 127.0.0.1 */
	assert_true(allows(&acl, "::ffff:127.0.0.1"));
	assert_false(allows(&acl, "::ffff:127.0.0.2"));
	/* an IPv4 entry never matches a plain IPv6 address */
	assert_false(allows(&acl, "::7f00:1"));
}

static void
test_acl_prefix_edges(void **state)
{
	(void)state;
	struct rac_acl acl;
	char err[128];
	assert_int_equal(rac_acl_parse(&acl, "0.0.0.0/0", err, sizeof(err)), 0);
	assert_true(allows(&acl, "203.0.113.9"));
	assert_false(allows(&acl, "::1"));
	assert_int_equal(rac_acl_parse(&acl, "198.51.100.7/32,::1/128", err, sizeof(err)), 0);
	assert_true(allows(&acl, "198.51.100.7"));
	assert_false(allows(&acl, "198.51.100.6"));
	assert_true(allows(&acl, "::1"));
	assert_int_equal(rac_acl_parse(&acl, "172.16.0.0/12", err, sizeof(err)), 0);
	assert_true(allows(&acl, "172.31.255.255"));
	assert_false(allows(&acl, "172.32.0.0"));
}

static void
test_acl_rejects_bad_lists(void **state)
{
	(void)state;
	struct rac_acl acl;
	char err[128];
	static const char *const bad[] = { "127.0.0.256", "host.example", "10.0.0.0/33",
		"10.0.0.0/", "10.0.0.0/x", "::1/129", "/8", "1.2.3.4/-1",
		"1.2.3.4/8/9" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(rac_acl_parse(&acl, bad[i], err, sizeof(err)), -1);
		assert_true(err[0] != 0);
	}
	char many[RAC_ACL_MAX * 12 + 16] = "";
	for (int i = 0; i <= RAC_ACL_MAX; i++) {
		char one[16];
		snprintf(one, sizeof(one), "10.0.0.%d,", i);
		strcat(many, one);
	}
	assert_int_equal(rac_acl_parse(&acl, many, err, sizeof(err)), -1);
}

static void
test_ports_even_round_robin(void **state)
{
	(void)state;
	struct rac_ports p;
	assert_int_equal(rac_ports_init(&p, 20001, 20008), 0);
	assert_int_equal(rac_ports_count(&p), 4); /* 20002 20004 20006 20008 */
	assert_int_equal(rac_ports_take(&p), 20002);
	assert_int_equal(rac_ports_take(&p), 20004);
	rac_ports_give(&p, 20002);
	/* round robin: the port just given back is not the next one */
	assert_int_equal(rac_ports_take(&p), 20006);
	assert_int_equal(rac_ports_take(&p), 20008);
	assert_int_equal(rac_ports_take(&p), 20002);
	assert_int_equal(p.inuse, 4);
	assert_int_equal(rac_ports_take(&p), -1); /* exhausted */
	rac_ports_give(&p, 20006);
	assert_int_equal(rac_ports_take(&p), 20006);
	/* giving back what is not ours, odd, or twice changes nothing */
	rac_ports_give(&p, 20003);
	rac_ports_give(&p, 30000);
	assert_int_equal(p.inuse, 4);
	rac_ports_give(&p, 20004);
	rac_ports_give(&p, 20004);
	assert_int_equal(p.inuse, 3);
}

static void
test_ports_bad_ranges(void **state)
{
	(void)state;
	struct rac_ports p;
	assert_int_equal(rac_ports_init(&p, 1000, 2000), -1);
	assert_int_equal(rac_ports_init(&p, 3000, 2000), -1);
	assert_int_equal(rac_ports_init(&p, 3001, 3001), -1); /* no even port */
	assert_int_equal(rac_ports_init(&p, 65534, 65535), 0);
	assert_int_equal(rac_ports_count(&p), 1);
	assert_int_equal(rac_ports_take(&p), 65534);
	assert_int_equal(rac_ports_take(&p), -1);
}

static void
test_nonce(void **state)
{
	(void)state;
	uint8_t secret[RAC_SECRET_LEN], other[RAC_SECRET_LEN];
	memset(secret, 7, sizeof(secret));
	memset(other, 8, sizeof(other));
	char n[RAC_NONCE_LEN + 1];
	rac_nonce_make(secret, 1795600000, n);
	assert_int_equal(strlen(n), RAC_NONCE_LEN);
	assert_int_equal(rac_nonce_check(secret, n, strlen(n), 1795600000, 300), 0);
	assert_int_equal(rac_nonce_check(secret, n, strlen(n), 1795600300, 300), 0);
	assert_int_equal(rac_nonce_check(secret, n, strlen(n), 1795600301, 300), 1); /* stale */
	assert_int_equal(rac_nonce_check(other, n, strlen(n), 1795600000, 300), -1);
	assert_int_equal(rac_nonce_check(secret, n, strlen(n) - 1, 1795600000, 300), -1);
	char forged[RAC_NONCE_LEN + 1];
	memcpy(forged, n, sizeof(forged));
	forged[0] = forged[0] == 'f' ? 'e' : 'f'; /* another time, same MAC */
	assert_int_equal(rac_nonce_check(secret, forged, RAC_NONCE_LEN, 1795600000, 300), -1);
	memcpy(forged, n, sizeof(forged));
	forged[3] = 'g'; /* not hex */
	assert_int_equal(rac_nonce_check(secret, forged, RAC_NONCE_LEN, 1795600000, 300), -1);
	char n2[RAC_NONCE_LEN + 1];
	rac_nonce_make(secret, 1795600001, n2);
	assert_string_not_equal(n, n2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_empty_allows_anyone),
		cmocka_unit_test(test_acl_addresses_and_prefixes),
		cmocka_unit_test(test_acl_prefix_edges),
		cmocka_unit_test(test_acl_rejects_bad_lists),
		cmocka_unit_test(test_ports_even_round_robin),
		cmocka_unit_test(test_ports_bad_ranges),
		cmocka_unit_test(test_nonce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
