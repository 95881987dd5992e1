/*
 * devices_test.c - which mirrored calls are recorded (devices.c): the phone is the end
 * that is not the PBX, it must be a recorded device, exclude-internal drops calls to the
 * PBX's own extensions, MiNET phones are found by a unique address; and the packet filter
 * text built from the settings (mirror.c).
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
addr(const char *s, int port)
{
	struct rec_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.ip) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, s, a.ip) == 1)
		a.family = 6;
	else
		fail_msg("bad test address %s", s);
	a.port = (uint16_t)port;
	return a;
}

static struct rec_dialog
dialog(const char *src, const char *dst, const char *from, const char *to)
{
	struct rec_dialog d;
	memset(&d, 0, sizeof(d));
	d.invite_src = addr(src, 5060);
	d.invite_dst = addr(dst, 5060);
	snprintf(d.caller.user, sizeof(d.caller.user), "%s", from);
	snprintf(d.callee.user, sizeof(d.callee.user), "%s", to);
	return d;
}

struct fx {
	struct rac_acl pbx;
	struct rec_devset *ds;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[128];
	assert_int_equal(rac_acl_parse(&f->pbx, "10.0.0.1, 10.0.1.0/24", err, sizeof(err)), 0);
	f->ds = rec_devset_new();
	assert_non_null(f->ds);
	assert_int_equal(rec_devset_add_recorded(f->ds, "1001", NULL), 0);
	assert_int_equal(rec_devset_add_recorded(f->ds, "1002", ""), 0);
	assert_int_equal(rec_devset_add_recorded(f->ds, "2001", "192.168.5.5"), 0);
	for (const char *n = "1001\0" "1002\0" "1003\0" "2001\0"; *n; n += strlen(n) + 1)
		assert_int_equal(rec_devset_add_known(f->ds, n), 0);
	assert_int_equal(rec_devset_ready(f->ds), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	rec_devset_free(f->ds);
	free(f);
	return 0;
}

static enum rec_mirror_verdict
verdict(struct fx *f, const char *src, const char *dst, const char *from, const char *to,
    int excl, char *ext)
{
	struct rec_dialog d = dialog(src, dst, from, to);
	return rec_mirror_identify(&f->pbx, f->ds, &d, excl, ext, REC_NAME_MAX);
}

static void
phone_is_the_end_that_is_not_the_pbx(void **state)
{
	struct fx *f = *state;
	char ext[REC_NAME_MAX];
	/* the phone calls out: it sent the INVITE to the PBX, it is the caller */
	assert_int_equal(verdict(f, "192.168.1.20", "10.0.0.1", "1001", "0123456", 0, ext),
	    REC_MIRROR_RECORD);
	assert_string_equal(ext, "1001");
	/* the PBX rings the phone (from a PS-1 address inside the prefix): the callee */
	assert_int_equal(verdict(f, "10.0.1.7", "192.168.1.21", "0123456", "1002", 0, ext),
	    REC_MIRROR_RECORD);
	assert_string_equal(ext, "1002");
	/* the caller's number is a recorded extension, but the phone is the callee */
	assert_int_equal(verdict(f, "10.0.0.1", "192.168.1.21", "1001", "1009", 0, ext),
	    REC_MIRROR_NOT_RECORDED);
}

static void
trunks_and_strangers_are_nobodys(void **state)
{
	struct fx *f = *state;
	char ext[REC_NAME_MAX];
	/* PBX to PBX (a SIP trunk's far end configured as a PBX address, a node link) */
	assert_int_equal(verdict(f, "10.0.0.1", "10.0.1.9", "1001", "1002", 0, ext),
	    REC_MIRROR_NOT_PBX);
	/* neither end is the PBX */
	assert_int_equal(verdict(f, "192.168.1.20", "192.168.1.21", "1001", "1002", 0, ext),
	    REC_MIRROR_NOT_PBX);
	/* an IPv6 phone to an IPv4 PBX list: the phone side is still found */
	assert_int_equal(verdict(f, "2001:db8::5", "10.0.0.1", "1001", "0800", 0, ext),
	    REC_MIRROR_RECORD);
}

static void
exclude_internal_only_for_the_pbx_own_extensions(void **state)
{
	struct fx *f = *state;
	char ext[REC_NAME_MAX];
	assert_int_equal(verdict(f, "192.168.1.20", "10.0.0.1", "1001", "1003", 1, ext),
	    REC_MIRROR_INTERNAL);
	assert_string_equal(ext, "1001");
	assert_int_equal(verdict(f, "192.168.1.20", "10.0.0.1", "1001", "1003", 0, ext),
	    REC_MIRROR_RECORD);
	/* an outside number: external, recorded */
	assert_int_equal(verdict(f, "192.168.1.20", "10.0.0.1", "1001", "01632960000", 1, ext),
	    REC_MIRROR_RECORD);
	/* unknown far party (anonymous): not provably internal, recorded */
	assert_int_equal(verdict(f, "10.0.0.1", "192.168.1.20", "", "1001", 1, ext),
	    REC_MIRROR_RECORD);
}

static void
no_addresses_means_whichever_party_is_recorded(void **state)
{
	struct fx *f = *state;
	struct rac_acl none = { 0 };
	char ext[REC_NAME_MAX];
	struct rec_dialog d = dialog("192.168.1.20", "192.168.1.30", "0123", "1002");
	assert_int_equal(rec_mirror_identify(&none, f->ds, &d, 0, ext, sizeof(ext)),
	    REC_MIRROR_RECORD);
	assert_string_equal(ext, "1002");
	d = dialog("192.168.1.20", "192.168.1.30", "0123", "0456");
	assert_int_equal(rec_mirror_identify(&none, f->ds, &d, 0, ext, sizeof(ext)),
	    REC_MIRROR_NOT_RECORDED);
	/* no snapshot yet (database never reached): nothing is recorded */
	d = dialog("192.168.1.20", "10.0.0.1", "1001", "0456");
	assert_int_equal(rec_mirror_identify(&f->pbx, NULL, &d, 0, ext, sizeof(ext)),
	    REC_MIRROR_NOT_RECORDED);
}

static void
minet_phones_by_unique_address(void **state)
{
	struct fx *f = *state;
	struct rec_addr a = addr("192.168.5.5", 40000);
	assert_string_equal(rec_devset_by_ip(f->ds, &a), "2001");
	a = addr("192.168.5.6", 40000);
	assert_null(rec_devset_by_ip(f->ds, &a));
	/* a second device on the same address: ambiguous, attributed to neither */
	assert_int_equal(rec_devset_add_recorded(f->ds, "2002", "192.168.5.5"), 0);
	struct rec_addr v6 = addr("2001:db8::9", 0);
	assert_int_equal(rec_devset_add_recorded(f->ds, "2004", "2001:db8::9"), 0);
	/* many others, so the search has something to search */
	for (int i = 0; i < 300; i++) {
		char ext[16], ip[32];
		snprintf(ext, sizeof(ext), "3%03d", i);
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 200, i % 200 + 1);
		assert_int_equal(rec_devset_add_recorded(f->ds, ext, ip), 0);
	}
	assert_null(rec_devset_by_ip(f->ds, &v6)); /* added since ready(): not searched yet */
	assert_int_equal(rec_devset_ready(f->ds), 1);
	a = addr("192.168.5.5", 1);
	assert_null(rec_devset_by_ip(f->ds, &a));
	assert_string_equal(rec_devset_by_ip(f->ds, &v6), "2004");
	a = addr("10.9.1.57", 6000);
	assert_string_equal(rec_devset_by_ip(f->ds, &a), "3256");
	a = addr("10.9.1.101", 6000);
	assert_null(rec_devset_by_ip(f->ds, &a));
	/* bad input */
	assert_int_equal(rec_devset_add_recorded(f->ds, "2003", "not-an-ip"), -1);
	assert_int_equal(rec_devset_add_recorded(f->ds, "", NULL), -1);
}

static void
filter_from_settings(void **state)
{
	(void)state;
	struct mirror_conf cf;
	char out[2048], err[200];
	memset(&cf, 0, sizeof(cf));
	snprintf(cf.sip_ports, sizeof(cf.sip_ports), "5060, 5062-5070");
	snprintf(cf.rtp_ports, sizeof(cf.rtp_ports), "6000-6999");
	snprintf(cf.pbx, sizeof(cf.pbx), "10.0.0.1, 10.0.1.0/24");
	assert_int_equal(mirror_filter(&cf, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "(host 10.0.0.1 or net 10.0.1.0/24) and (((udp or tcp) and "
	    "(port 5060 or portrange 5062-5070)) or (udp and (portrange 6000-6999)) or "
	    "(ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44))");
	cf.pbx[0] = 0;
	assert_int_equal(mirror_filter(&cf, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "((udp or tcp) and (port 5060 or portrange 5062-5070)) or "
	    "(udp and (portrange 6000-6999)) or (ip and ip[6:2] & 0x1fff != 0) or "
	    "(ip6 and ip6[6] = 44)");
	const char *bad[] = { "", "0", "70000", "6000-5000", "60x", "5060;", NULL };
	for (int i = 0; bad[i] != NULL; i++) {
		snprintf(cf.rtp_ports, sizeof(cf.rtp_ports), "%s", bad[i]);
		assert_int_equal(mirror_filter(&cf, out, sizeof(out), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "recorder.mirror_rtp_ports"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(phone_is_the_end_that_is_not_the_pbx, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(trunks_and_strangers_are_nobodys, setup, teardown),
		cmocka_unit_test_setup_teardown(exclude_internal_only_for_the_pbx_own_extensions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(no_addresses_means_whichever_party_is_recorded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(minet_phones_by_unique_address, setup, teardown),
		cmocka_unit_test(filter_from_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
