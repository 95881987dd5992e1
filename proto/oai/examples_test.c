/*
 * examples_test.c - every worked example of oai.md section 7, decoded field by field and
 * encoded back to the same bytes: 7.1 at byte level, 7.2 monitor start, 7.3 the whole inbound
 * call, 7.4 keep-alive and targeted resync.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

static char buf[4096];
static char out[4096];

/* Runs the bytes through a reader and expects exactly one frame holding text. */
static void
read_one(const unsigned char *bytes, size_t n, const char *text)
{
	struct oai_reader r;
	struct oai_frame f;
	size_t used;

	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, bytes, n, &used, &f), 1);
	assert_int_equal(used, n);
	assert_int_equal(f.len, strlen(text));
	assert_memory_equal(f.data, text, f.len);
	oai_reader_fini(&r);
}

/* Checks a built frame against the bytes of oai.md. */
static void
finish_bytes(struct oai_build *b, const unsigned char *bytes, size_t n)
{
	size_t len;

	if (oai_build_finish(b, &len) != OAI_OK)
		fail_msg("%s", oai_build_error(b));
	assert_int_equal(len, n);
	assert_memory_equal(b->b_buf, bytes, n);
}

/* ---- 7.1 -------------------------------------------------------------------------------- */

static void
test_7_1_login(void **state)
{
	static const unsigned char login[] = { 0x0c, 0x00, 0x00, 0x00, 0x87, 0x00, 0x43, 0x54,
		0x49, 0x53, 0x65, 0x72, 0x76, 0x65, 0x72, 0x00 };
	struct oai_login l;
	struct oai_reader r;
	struct oai_frame f;
	char err[80];
	size_t len, used;

	(void)state;
	assert_int_equal(oai_login_encode(out, sizeof(out), OAI_LOGIN_OAI, "", "CTIServer", &len),
	    OAI_OK);
	assert_int_equal(len, sizeof(login));
	assert_memory_equal(out, login, sizeof(login));
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, login, sizeof(login), &used, &f), 1);
	assert_int_equal(oai_login_decode(&l, f.data, f.len, err, sizeof(err)), OAI_OK);
	assert_int_equal(l.type, 0x87);
	assert_string_equal(l.password, "");
	assert_string_equal(l.app, "CTIServer");
	oai_reader_fini(&r);
}

static const unsigned char rs_bytes[] = { 0x34, 0x00, 0x00, 0x00, 0x30, 0x30, 0x30, 0x2c, 0x52,
	0x53, 0x2c, 0x30, 0x2c, 0x30, 0x32, 0x3a, 0x30, 0x34, 0x2c, 0x30, 0x37, 0x30, 0x35, 0x31,
	0x35, 0x2c, 0x56, 0x31, 0x30, 0x2e, 0x32, 0x30, 0x2c, 0x56, 0x36, 0x2e, 0x30, 0x2e, 0x31,
	0x31, 0x2e, 0x31, 0x31, 0x33, 0x2c, 0x33, 0x2c, 0x30, 0x2c, 0x31, 0x2c, 0x33, 0x2c, 0x31,
	0x0d, 0x0a };

static void
test_7_1_power_up_resync(void **state)
{
	static const char text[] = "000,RS,0,02:04,070515,V10.20,V6.0.11.113,3,0,1,3,1\r\n";
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	assert_int_equal(sizeof(rs_bytes), 4 + 52);
	read_one(rs_bytes, sizeof(rs_bytes), text);
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(oai_msg_event(&m), OAI_EV_RS);
	assert_field(&m, OAI_F_SEQ, "000");
	assert_field(&m, OAI_F_RESYNC, "0");
	assert_field(&m, OAI_F_TIME, "02:04");
	assert_field(&m, OAI_F_DATE, "070515");
	assert_field(&m, OAI_F_PROTOCOL_VERSION, "V10.20");
	assert_field(&m, OAI_F_KSU_VERSION, "V6.0.11.113");
	assert_int_equal(t_int(&m, OAI_F_PREMIUM_STATUS), 3);
	assert_int_equal(t_int(&m, OAI_F_NODE), 0);
	assert_int_equal(t_int(&m, OAI_F_NETWORKING), 1);
	assert_int_equal(t_int(&m, OAI_F_COUNTRY), 3);
	assert_int_equal(t_int(&m, OAI_F_TCPIP), 1);
	/* A simulator builds the same bytes. */
	oai_build_event(&b, out, sizeof(out), OAI_EV_RS, 0, "0");
	oai_build_str(&b, OAI_F_TIME, "02:04");
	oai_build_str(&b, OAI_F_DATE, "070515");
	oai_build_str(&b, OAI_F_PROTOCOL_VERSION, "V10.20");
	oai_build_str(&b, OAI_F_KSU_VERSION, "V6.0.11.113");
	oai_build_int(&b, OAI_F_PREMIUM_STATUS, 3);
	oai_build_int(&b, OAI_F_NODE, 0);
	oai_build_int(&b, OAI_F_NETWORKING, 1);
	oai_build_int(&b, OAI_F_COUNTRY, 3);
	oai_build_int(&b, OAI_F_TCPIP, 1);
	finish_bytes(&b, rs_bytes, sizeof(rs_bytes));
}

static void
test_7_1_resync_ended(void **state)
{
	static const unsigned char bytes[] = { 0x0b, 0x00, 0x00, 0x00, 0x30, 0x30, 0x31, 0x2c,
		0x52, 0x44, 0x2c, 0x30, 0x2c, 0x0d, 0x0a };
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	read_one(bytes, sizeof(bytes), "001,RD,0,\r\n");
	t_decode_ok(&m, buf, sizeof(buf), "001,RD,0,\r\n");
	assert_int_equal(oai_msg_event(&m), OAI_EV_RD);
	assert_field(&m, OAI_F_RESYNC, "0");
	assert_field(&m, OAI_F_SPECIFIC_EXT, "");
	oai_build_event(&b, out, sizeof(out), OAI_EV_RD, 1, "0");
	finish_bytes(&b, bytes, sizeof(bytes));
}

static void
test_7_1_node_aware(void **state)
{
	static const unsigned char cmd[] = { 0x08, 0x00, 0x00, 0x00, 0x5f, 0x4e, 0x41, 0x2c, 0x31,
		0x2c, 0x31, 0x0d };
	static const unsigned char cf[] = { 0x12, 0x00, 0x00, 0x00, 0x30, 0x30, 0x32, 0x2c, 0x43,
		0x46, 0x2c, 0x5f, 0x4e, 0x41, 0x2c, 0x31, 0x2c, 0x30, 0x2c, 0x31, 0x0d, 0x0a };
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_NA, 1);
	oai_build_int(&b, OAI_F_SETTING, 1);
	finish_bytes(&b, cmd, sizeof(cmd));
	t_decode_ok(&m, buf, sizeof(buf), "_NA,1,1\r");
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_NA);
	assert_int_equal(t_int(&m, OAI_F_INVOKE_ID), 1);
	assert_int_equal(t_int(&m, OAI_F_SETTING), 1);

	read_one(cf, sizeof(cf), "002,CF,_NA,1,0,1\r\n");
	t_decode_ok(&m, buf, sizeof(buf), "002,CF,_NA,1,0,1\r\n");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_CONFIRM);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_NA);
	assert_field(&m, OAI_F_INVOKE_ID, "1");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), OAI_OUTCOME_SUCCESS);
	assert_int_equal(t_int(&m, OAI_F_SETTING), 1);
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_NA, 2, "1", 0);
	oai_build_int(&b, OAI_F_SETTING, 1);
	finish_bytes(&b, cf, sizeof(cf));
}

static void
test_7_1_monitor_all_stations(void **state)
{
	unsigned char bytes[4 + 30];
	struct oai_msg m;
	struct oai_build b;
	unsigned mask;

	(void)state;
	memcpy(bytes, "\x1e\x00\x00\x00_MS,2,,3,A:FFFF,C:FFFF,F:FFFF\r", sizeof(bytes));
	oai_build_command(&b, out, sizeof(out), OAI_CMD_MS, 2);
	oai_build_str(&b, OAI_F_AFFECTED_ID, "");
	oai_build_int(&b, OAI_F_MONITOR_TYPE, OAI_MONITOR_ALL_STATIONS);
	oai_build_filter(&b, 'A', 0xFFFF);
	oai_build_filter(&b, 'C', 0xFFFF);
	oai_build_filter(&b, 'F', 0xFFFF);
	finish_bytes(&b, bytes, sizeof(bytes));
	t_decode_ok(&m, buf, sizeof(buf), "_MS,2,,3,A:FFFF,C:FFFF,F:FFFF\r");
	assert_field(&m, OAI_F_AFFECTED_ID, "");
	assert_int_equal(t_int(&m, OAI_F_MONITOR_TYPE), 3);
	assert_int_equal(oai_msg_filter(&m, 'C', &mask), OAI_OK);
	assert_int_equal(mask, 0xFFFF);
}

/* ---- 7.2 -------------------------------------------------------------------------------- */

static void
check_ms_cf(const char *text, const char *xref, const char *ext, unsigned a, unsigned c,
    unsigned f)
{
	struct oai_msg m;
	struct oai_iter it;
	unsigned mask;

	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_MS);
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), 0);
	assert_int_equal(t_int(&m, OAI_F_MON_COUNT), 1);
	assert_int_equal(oai_msg_iter(&m, OAI_F_XREF, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 1);
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_XREF), xref);
	assert_string_equal(oai_iter_str(&it, OAI_F_AFFECTED_ID), ext);
	assert_false(oai_iter_next(&it));
	assert_int_equal(oai_msg_filter(&m, 'A', &mask), OAI_OK);
	assert_int_equal(mask, a);
	assert_int_equal(oai_msg_filter(&m, 'C', &mask), OAI_OK);
	assert_int_equal(mask, c);
	assert_int_equal(oai_msg_filter(&m, 'F', &mask), OAI_OK);
	assert_int_equal(mask, f);
	t_copy_is(&m, text);
}

static void
test_7_2_monitor_start(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_MS, 5);
	oai_build_str(&b, OAI_F_AFFECTED_ID, "1000");
	oai_build_int(&b, OAI_F_MONITOR_TYPE, OAI_MONITOR_DEVICE);
	oai_build_filter(&b, 'A', 0xFFFF);
	oai_build_filter(&b, 'C', 0xFFFF);
	oai_build_filter(&b, 'F', 0xFFFF);
	t_finish_is(&b, "_MS,5,1000,1,A:FFFF,C:FFFF,F:FFFF");
	check_ms_cf("012,CF,_MS,5,0,0001,000101,1000,A:00FC,C:FFFE,F:1FFF", "000101", "1000",
	    0x00FC, 0xFFFE, 0x1FFF);
	check_ms_cf("012,CF,_MS,5,0,1,101,1000,A:00FC,C:FFFC,F:00FC", "101", "1000", 0x00FC,
	    0xFFFC, 0x00FC);
	t_same_after_copy("_MS,6,1001,1,A:FFFF,C:FFFF,F:FFFF");
	check_ms_cf("013,CF,_MS,6,0,0001,000102,1001,A:00FC,C:FFFE,F:1FFF", "000102", "1001",
	    0x00FC, 0xFFFE, 0x1FFF);
	/* Failures carry the outcome only. */
	t_decode_ok(&m, buf, sizeof(buf), "013,CF,_MS,5,9");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER);
	t_copy_is(&m, "013,CF,_MS,5,9");
	t_decode_ok(&m, buf, sizeof(buf), "013,CF,_MS,5,28");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), OAI_OUTCOME_MONITOR_LIMIT);
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MS, 13, "5", OAI_OUTCOME_MONITOR_LIMIT);
	t_finish_is(&b, "013,CF,_MS,5,28");
}

static void
test_7_2_monitor_with_resync(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_MS, 7);
	oai_build_str(&b, OAI_F_AFFECTED_ID, "1000");
	oai_build_int(&b, OAI_F_MONITOR_TYPE, OAI_MONITOR_DEVICE_RESYNC);
	t_finish_is(&b, "_MS,7,1000,5");
	t_same_after_copy("014,CF,_MS,7,0,0001,000101,1000,A:00FC,C:FFFE,F:1FFF");

	t_decode_ok(&m, buf, sizeof(buf), "015,DND,7,000101,1000,,");
	assert_int_equal(oai_msg_event(&m), OAI_EV_DND);
	assert_field(&m, OAI_F_RESYNC, "7");
	assert_field(&m, OAI_F_XREF, "000101");
	assert_field(&m, OAI_F_DND_EXT, "1000");
	assert_false(oai_msg_has(&m, OAI_F_DND_MESSAGE));	/* blank: DND is off */
	assert_field(&m, OAI_F_DND_TEXT, "");
	oai_build_event(&b, out, sizeof(out), OAI_EV_DND, 15, "7");
	oai_build_str(&b, OAI_F_XREF, "000101");
	oai_build_str(&b, OAI_F_DND_EXT, "1000");
	t_finish_is(&b, "015,DND,7,000101,1000,,");

	t_decode_ok(&m, buf, sizeof(buf), "016,FW,7,000101,1000,,,N");
	assert_int_equal(oai_msg_event(&m), OAI_EV_FW);
	assert_field(&m, OAI_F_FORWARDING_EXT, "1000");
	assert_field(&m, OAI_F_DESTINATION_EXT, "");
	assert_field(&m, OAI_F_OUTSIDE_NUM, "");
	assert_int_equal(oai_msg_chr(&m, OAI_F_FORWARD_TYPE), OAI_FORWARD_NONE);
	oai_build_event(&b, out, sizeof(out), OAI_EV_FW, 16, "7");
	oai_build_str(&b, OAI_F_XREF, "000101");
	oai_build_str(&b, OAI_F_FORWARDING_EXT, "1000");
	oai_build_chr(&b, OAI_F_FORWARD_TYPE, 'N');
	t_finish_is(&b, "016,FW,7,000101,1000,,,N");

	t_decode_ok(&m, buf, sizeof(buf), "017,RD,7,1000");
	assert_int_equal(oai_msg_event(&m), OAI_EV_RD);
	assert_field(&m, OAI_F_SPECIFIC_EXT, "1000");
	t_copy_is(&m, "017,RD,7,1000");
}

/* ---- 7.3 -------------------------------------------------------------------------------- */

/* Every line of the inbound call as the PBX and the client send it. */
static const char *const call73[] = {
	"020,DE,,000101,4711,1000,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,E,"
	"1000,,,A,22,",
	"_AC,20,1000,4711",
	"020,CF,_AC,20,0",
	"021,ES,,000101,4711,1000,,I,97001,6025551212,8005551000,E,1000,,C,35",
	"_HC,21,1000,4711",
	"022,CF,_HC,21,0",
	"023,HE,,000101,4711,1000,H,42",
	"_RV,22,1000,4711",
	"024,CF,_RV,22,0",
	"025,RE,,000101,4711,1000,C,35,97001,6025551212,8005551000,E",
	"_HC,23,1000,4711",
	"026,CF,_HC,23,0",
	"027,HE,,000101,4711,1000,H,42",
	"_MC,24,1000,1001,,0,4711,,0,,||,,0",
	"028,CF,_MC,24,0,4712,1000",
	"029,OR,,000101,4712,1000,,I,1001,,C,22",
	"030,DE,,000102,4712,1001,,I,1000,,,,,I,1001,,,A,40,",
	"031,DE,,000101,4712,1001,,I,1000,,,,,I,1001,,,C,40,",
	"_TR,25,1000,4711,4712,0",
	"032,CF,_TR,25,0,4711,1001,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000",
	"033,TR,,000101,4711,1000,97001,4712,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	"N,32",
	"034,XC,,000101,4712,1000,1000,N,36",
	"035,TR,,000102,4711,1000,97001,4712,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	"A,32",
	"036,XC,,000102,4712,1000,1000,,36",
	"037,XC,,000102,4712,1001,1000,N,36",
	"038,DE,,000102,4711,1001,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,E,1001,"
	"1000,,A,32,",
	"039,ES,,000102,4711,1001,,I,97001,6025551212,8005551000,E,1001,1000,C,35",
	"040,XC,,000102,4711,97001,97001,,36",
	"041,XC,,000102,4711,1001,97001,N,36",
	"042,CC,,000200,4711,36,,",
	"043,ET,,000101,4711,1000,95",
};

static void
test_7_3_every_line_decodes_and_re_encodes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(call73) / sizeof(call73[0]); i++)
		t_same_after_copy(call73[i]);
}

static void
test_7_3_ringing(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), call73[0]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_DE);
	assert_field(&m, OAI_F_SEQ, "020");
	assert_field(&m, OAI_F_RESYNC, "");
	assert_field(&m, OAI_F_XREF, "000101");
	assert_field(&m, OAI_F_CALL_ID, "4711");
	assert_field(&m, OAI_F_ALERTING_EXT, "1000");
	assert_field(&m, OAI_F_ALERTING_OUTSIDE_NUM, "");
	assert_int_equal(oai_msg_chr(&m, OAI_F_ALERTING_DEV_TYPE), OAI_PARTY_INTERNAL);
	assert_field(&m, OAI_F_CALLING_EXT, "97001");
	assert_field(&m, OAI_F_CALLER_NAME, "SMITH JOHN");
	assert_field(&m, OAI_F_CALLER_NUM, "6025551212");
	assert_field(&m, OAI_F_TRUNK_NAME, "MAIN LINE");
	assert_field(&m, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_CALLING_DEV_TYPE), OAI_PARTY_EXTERNAL);
	assert_field(&m, OAI_F_ORIG_CALLED_DEV, "1000");
	assert_field(&m, OAI_F_LAST_REDIR_EXT, "");
	assert_field(&m, OAI_F_ACCOUNT_CODE, "");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_ALERTING);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_NEW_CALL);
	assert_field(&m, OAI_F_ACD_GROUP, "");

	oai_build_event(&b, out, sizeof(out), OAI_EV_DE, 20, NULL);
	oai_build_str(&b, OAI_F_CAUSE, "22");
	oai_build_chr(&b, OAI_F_LCS, OAI_LCS_ALERTING);
	oai_build_str(&b, OAI_F_XREF, "000101");
	oai_build_str(&b, OAI_F_CALL_ID, "4711");
	oai_build_str(&b, OAI_F_ALERTING_EXT, "1000");
	oai_build_chr(&b, OAI_F_ALERTING_DEV_TYPE, OAI_PARTY_INTERNAL);
	oai_build_str(&b, OAI_F_CALLING_EXT, "97001");
	oai_build_str(&b, OAI_F_CALLER_NAME, "SMITH JOHN");
	oai_build_str(&b, OAI_F_CALLER_NUM, "6025551212");
	oai_build_str(&b, OAI_F_TRUNK_NAME, "MAIN LINE");
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_CALLING_DEV_TYPE, OAI_PARTY_EXTERNAL);
	oai_build_str(&b, OAI_F_ORIG_CALLED_DEV, "1000");
	t_finish_is(&b, call73[0]);
}

static void
test_7_3_answer_hold_retrieve(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_AC, 20);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	oai_build_str(&b, OAI_F_CALL_ID, "4711");
	t_finish_is(&b, "_AC,20,1000,4711");

	t_decode_ok(&m, buf, sizeof(buf), call73[3]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_ES);
	assert_field(&m, OAI_F_ANSWERING_EXT, "1000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_ANSWERING_DEV_TYPE), 'I');
	assert_field(&m, OAI_F_CALLING_EXT, "97001");
	assert_field(&m, OAI_F_CALLER_NUM, "6025551212");
	assert_field(&m, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_CALLING_DEV_TYPE), 'E');
	assert_field(&m, OAI_F_ORIG_CALLED_DEV, "1000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_CONNECTED);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_ANSWERED);
	/* ES has no caller or trunk name (oai.md 8.12). */
	assert_int_equal(oai_msg_int(&m, OAI_F_CALLER_NAME, &(long){ 0 }), OAI_ENOFIELD);

	oai_build_command(&b, out, sizeof(out), OAI_CMD_HC, 21);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	oai_build_str(&b, OAI_F_CALL_ID, "4711");
	t_finish_is(&b, "_HC,21,1000,4711");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_HC, 22, "21", 0);
	t_finish_is(&b, "022,CF,_HC,21,0");

	t_decode_ok(&m, buf, sizeof(buf), call73[6]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_HE);
	assert_field(&m, OAI_F_HOLD_EXT, "1000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_HELD);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_HOLD_INDIVIDUAL);

	t_decode_ok(&m, buf, sizeof(buf), call73[9]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_RE);
	assert_field(&m, OAI_F_RETRIEVING_EXT, "1000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_CONNECTED);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_ANSWERED);
	assert_field(&m, OAI_F_RETRIEVED_EXT, "97001");
	assert_field(&m, OAI_F_RETRIEVED_OUTSIDE_NUM, "6025551212");
	assert_field(&m, OAI_F_RETRIEVED_TRUNK_NUM, "8005551000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_RETRIEVED_DEV_TYPE), 'E');
}

static void
test_7_3_announcement_call(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	/* The library's full 11-slot form, with an empty |Caller_ID_Name|. */
	oai_build_command(&b, out, sizeof(out), OAI_CMD_MC, 24);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	oai_build_str(&b, OAI_F_DIGITS, "1001");
	oai_build_str(&b, OAI_F_ACCOUNT_CODE, "");
	oai_build_int(&b, OAI_F_IS_CALL_RETURN, 0);
	oai_build_str(&b, OAI_F_TRANSFER_CALL_ID, "4711");
	oai_build_str(&b, OAI_F_MAILBOX, "");
	oai_build_int(&b, OAI_F_OVERRIDE_DND, 0);
	oai_build_str(&b, OAI_F_CALLER_ID_NUM, "");
	oai_build_str(&b, OAI_F_CALLER_ID_NAME, "");
	oai_build_int(&b, OAI_F_HUMAN_ANSWER, 0);
	t_finish_is(&b, call73[13]);
	t_decode_ok(&m, buf, sizeof(buf), call73[13]);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_MC);
	assert_field(&m, OAI_F_AFFECTED_EXT, "1000");
	assert_field(&m, OAI_F_DIGITS, "1001");
	assert_field(&m, OAI_F_TRANSFER_CALL_ID, "4711");
	assert_field(&m, OAI_F_CALLER_ID_NAME, "");
	assert_int_equal(t_int(&m, OAI_F_HUMAN_ANSWER), 0);

	t_decode_ok(&m, buf, sizeof(buf), call73[14]);
	assert_field(&m, OAI_F_CALL_ID, "4712");
	assert_field(&m, OAI_F_AFFECTED_EXT, "1000");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MC, 28, "24", 0);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	oai_build_str(&b, OAI_F_CALL_ID, "4712");
	t_finish_is(&b, call73[14]);

	t_decode_ok(&m, buf, sizeof(buf), call73[15]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_OR);
	assert_field(&m, OAI_F_CALLING_EXT, "1000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_CALLING_DEV_TYPE), 'I');
	assert_field(&m, OAI_F_DIALED_NUM, "1001");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), 'C');
	assert_int_equal(t_int(&m, OAI_F_CAUSE), 22);

	t_decode_ok(&m, buf, sizeof(buf), call73[16]);
	assert_field(&m, OAI_F_XREF, "000102");
	assert_field(&m, OAI_F_ALERTING_EXT, "1001");
	assert_field(&m, OAI_F_CALLING_EXT, "1000");
	assert_field(&m, OAI_F_CALLER_NAME, "");
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_TRANSFER_ANNOUNCEMENT);
	t_decode_ok(&m, buf, sizeof(buf), call73[17]);
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), 'C');	/* the caller's view */
}

static void
test_7_3_transfer(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_TR, 25);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	oai_build_str(&b, OAI_F_HELD_CALL_ID, "4711");
	oai_build_str(&b, OAI_F_ANNOUNCEMENT_CALL_ID, "4712");
	oai_build_int(&b, OAI_F_TRANSFER_TYPE, 0);
	t_finish_is(&b, call73[18]);

	t_decode_ok(&m, buf, sizeof(buf), call73[19]);
	assert_field(&m, OAI_F_NEW_CALL_ID, "4711");
	assert_field(&m, OAI_F_DESTINATION_EXT, "1001");
	assert_field(&m, OAI_F_TRANSFERRED_EXT, "97001");
	assert_field(&m, OAI_F_CALLER_NAME, "SMITH JOHN");
	assert_field(&m, OAI_F_CALLER_NUM, "6025551212");
	assert_field(&m, OAI_F_TRUNK_NAME, "MAIN LINE");
	assert_field(&m, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_TR, 32, "25", 0);
	oai_build_str(&b, OAI_F_NEW_CALL_ID, "4711");
	oai_build_str(&b, OAI_F_DESTINATION_EXT, "1001");
	oai_build_str(&b, OAI_F_TRANSFERRED_EXT, "97001");
	oai_build_str(&b, OAI_F_CALLER_NAME, "SMITH JOHN");
	oai_build_str(&b, OAI_F_CALLER_NUM, "6025551212");
	oai_build_str(&b, OAI_F_TRUNK_NAME, "MAIN LINE");
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	t_finish_is(&b, call73[19]);

	t_decode_ok(&m, buf, sizeof(buf), call73[20]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_TR);
	assert_field(&m, OAI_F_TRANSFERRED_CALL_ID, "4711");
	assert_field(&m, OAI_F_TRANSFERRING_EXT, "1000");
	assert_field(&m, OAI_F_TRANSFERRED_EXT, "97001");
	assert_field(&m, OAI_F_ANNOUNCEMENT_CALL_ID, "4712");
	assert_field(&m, OAI_F_DESTINATION_EXT, "1001");
	assert_field(&m, OAI_F_CALLER_NAME, "SMITH JOHN");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_NULL);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_TRANSFER);

	t_decode_ok(&m, buf, sizeof(buf), call73[21]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_XC);
	assert_field(&m, OAI_F_CALL_ID, "4712");
	assert_field(&m, OAI_F_CLEARED_EXT, "1000");
	assert_field(&m, OAI_F_TERMINATING_EXT, "1000");
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_NULL);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_NORMAL_CLEAR);
	/* A third party's view: blank LCS. */
	t_decode_ok(&m, buf, sizeof(buf), call73[23]);
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_BLANK);

	t_decode_ok(&m, buf, sizeof(buf), call73[25]);
	assert_field(&m, OAI_F_ORIG_CALLED_DEV, "1001");
	assert_field(&m, OAI_F_LAST_REDIR_EXT, "1000");
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_TRANSFER);
	t_decode_ok(&m, buf, sizeof(buf), call73[26]);
	assert_field(&m, OAI_F_LAST_REDIR_EXT, "1000");
}

static void
test_7_3_clearing(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), call73[27]);
	assert_field(&m, OAI_F_CLEARED_EXT, "97001");
	assert_field(&m, OAI_F_TERMINATING_EXT, "97001");
	t_decode_ok(&m, buf, sizeof(buf), call73[29]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_CC);
	assert_field(&m, OAI_F_XREF, "000200");
	assert_field(&m, OAI_F_CALL_ID, "4711");
	assert_int_equal(t_int(&m, OAI_F_CAUSE), 36);
	assert_false(oai_msg_has(&m, OAI_F_TRANSFERRED_CALL_ID));
	oai_build_event(&b, out, sizeof(out), OAI_EV_CC, 42, "");
	oai_build_str(&b, OAI_F_XREF, "000200");
	oai_build_str(&b, OAI_F_CALL_ID, "4711");
	oai_build_int(&b, OAI_F_CAUSE, OAI_CAUSE_NORMAL_CLEAR);
	t_finish_is(&b, call73[29]);
	t_decode_ok(&m, buf, sizeof(buf), call73[30]);
	assert_int_equal(oai_msg_event(&m), OAI_EV_ET);
	assert_int_equal(t_int(&m, OAI_F_ELAPSED), 95);
}

/* ---- 7.4 -------------------------------------------------------------------------------- */

static void
test_7_4_keep_alive(void **state)
{
	struct oai_msg m;
	struct oai_build b;
	struct oai_iter it;
	static const char *const nodes[2][2] = { { "1", "1" }, { "2", "1" } };
	int i = 0;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_NO, 26);
	t_finish_is(&b, "_NO,26");
	t_decode_ok(&m, buf, sizeof(buf), "_NO,26\r");
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_NO);
	assert_int_equal(oai_msg_nfields(&m), 2);

	t_decode_ok(&m, buf, sizeof(buf), "043,CF,_NO,26,0,2,1,1,2,1");
	assert_int_equal(t_int(&m, OAI_F_NUM_NODES), 2);
	assert_int_equal(oai_msg_iter(&m, OAI_F_NODE_NUMBER, &it), OAI_OK);
	while (oai_iter_next(&it)) {
		long st = -1;

		assert_string_equal(oai_iter_str(&it, OAI_F_NODE_NUMBER), nodes[i][0]);
		assert_int_equal(oai_iter_int(&it, OAI_F_NODE_STATUS, &st), OAI_OK);
		assert_int_equal(st, 1);
		i++;
	}
	assert_int_equal(i, 2);
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_NO, 43, "26", 0);
	for (i = 0; i < 2; i++) {
		oai_build_item(&b);
		oai_build_str(&b, OAI_F_NODE_NUMBER, nodes[i][0]);
		oai_build_str(&b, OAI_F_NODE_STATUS, nodes[i][1]);
	}
	t_finish_is(&b, "043,CF,_NO,26,0,2,1,1,2,1");

	/* A plain PBX. */
	t_decode_ok(&m, buf, sizeof(buf), "043,CF,_NO,26,0");
	assert_int_equal(oai_msg_int(&m, OAI_F_NUM_NODES, &(long){ 0 }), OAI_EBLANK);
	assert_int_equal(oai_msg_iter(&m, OAI_F_NODE_NUMBER, &it), OAI_OK);
	assert_false(oai_iter_next(&it));
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_NO, 43, "26", 0);
	t_finish_is(&b, "043,CF,_NO,26,0");
}

static void
test_7_4_targeted_resync(void **state)
{
	static const char *const lines[] = { "_RR,27,1000", "044,CF,_RR,27,0,1000",
		"045,DND,27,000101,1000,,", "046,FW,27,000101,1000,,,N", "047,RD,27,1000" };
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_RR, 27);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	t_finish_is(&b, lines[0]);
	t_decode_ok(&m, buf, sizeof(buf), lines[1]);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_RR);
	assert_field(&m, OAI_F_AFFECTED_EXT, "1000");
	/* The resync's events carry the _RR's InvokeID as their Resync_Code (oai.md 2.5). */
	for (int i = 2; i < 5; i++) {
		t_decode_ok(&m, buf, sizeof(buf), lines[i]);
		assert_int_equal(t_int(&m, OAI_F_RESYNC), 27);
	}
	for (int i = 0; i < 5; i++)
		t_same_after_copy(lines[i]);
	/* A blank extension still produces its comma (oai.md 3.1). */
	oai_build_command(&b, out, sizeof(out), OAI_CMD_RR, 12);
	t_finish_is(&b, "_RR,12,");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_7_1_login),
		cmocka_unit_test(test_7_1_power_up_resync),
		cmocka_unit_test(test_7_1_resync_ended),
		cmocka_unit_test(test_7_1_node_aware),
		cmocka_unit_test(test_7_1_monitor_all_stations),
		cmocka_unit_test(test_7_2_monitor_start),
		cmocka_unit_test(test_7_2_monitor_with_resync),
		cmocka_unit_test(test_7_3_every_line_decodes_and_re_encodes),
		cmocka_unit_test(test_7_3_ringing),
		cmocka_unit_test(test_7_3_answer_hold_retrieve),
		cmocka_unit_test(test_7_3_announcement_call),
		cmocka_unit_test(test_7_3_transfer),
		cmocka_unit_test(test_7_3_clearing),
		cmocka_unit_test(test_7_4_keep_alive),
		cmocka_unit_test(test_7_4_targeted_resync),
	};

	return cmocka_run_group_tests_name("oai examples (oai.md 7)", tests, NULL, NULL);
}
