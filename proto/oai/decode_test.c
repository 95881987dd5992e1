/*
 * decode_test.c - the decoder (decode.c): splitting and pipe quoting, classification, unknown
 * codes, typed access, and the exact error for each kind of bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

static char buf[70000];

/* ---- splitting -------------------------------------------------------------------------- */

/* oai.md 4.2: a comma inside bars is data. */
static void
test_comma_inside_bars(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,LN,,000101,105,2003,|Jones, Bob|,237");
	assert_int_equal(oai_msg_event(&m), OAI_EV_LN);
	assert_int_equal(oai_msg_nfields(&m), 8);
	assert_field(&m, OAI_F_DEVICE_EXT, "105");
	assert_field(&m, OAI_F_AGENT_ID, "2003");
	assert_field(&m, OAI_F_AGENT_DESC, "Jones, Bob");
	assert_field(&m, OAI_F_HUNT_GROUP, "237");
}

static void
test_empty_bars_are_an_empty_field(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,DND,,000101,105,||,|UNTIL 1PM|");
	assert_int_equal(oai_msg_nfields(&m), 7);
	assert_field(&m, OAI_F_DND_MESSAGE, "");
	assert_false(oai_msg_has(&m, OAI_F_DND_MESSAGE));
	assert_field(&m, OAI_F_DND_TEXT, "UNTIL 1PM");
}

static void
test_trailing_empty_fields_kept(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,RD,0,\r\n");
	assert_int_equal(oai_msg_nfields(&m), 4);
	assert_string_equal(oai_msg_field(&m, 3), "");
	assert_true(oai_msg_field(&m, 4) == NULL);
	t_decode_ok(&m, buf, sizeof(buf), "042,CC,,000200,4711,36,,\r\n");
	assert_int_equal(oai_msg_nfields(&m), 8);
	assert_field(&m, OAI_F_TRANSFERRED_CALL_ID, "");
	assert_field(&m, OAI_F_TRANSFER_DEST, "");
	t_decode_ok(&m, buf, sizeof(buf), "001,ZZ,,,,");
	assert_int_equal(oai_msg_nfields(&m), 6);
}

/* The splitting rule of oai.md 1.3 applies anywhere: bars are dropped, commas inside kept. */
static void
test_bars_inside_a_field(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,ZZ,,a|b,c|d,e,|x|||y|");
	assert_int_equal(oai_msg_nfields(&m), 6);
	assert_string_equal(oai_msg_field(&m, 3), "ab,cd");
	assert_string_equal(oai_msg_field(&m, 4), "e");
	assert_string_equal(oai_msg_field(&m, 5), "xy");
}

/* Receivers strip any trailing CR, LF and NUL (oai.md 1.2, 8.3). */
static void
test_terminators_stripped(void **state)
{
	static const char *const forms[] = { "001,HE,,000101,4711,1000,H,42",
		"001,HE,,000101,4711,1000,H,42\r", "001,HE,,000101,4711,1000,H,42\r\n",
		"001,HE,,000101,4711,1000,H,42\n", "001,HE,,000101,4711,1000,H,42\r\n\0" };
	struct oai_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = strlen(forms[i]) + (i == 4 ? 1 : 0);

		memcpy(buf, forms[i], n + 1);
		assert_int_equal(oai_decode(&m, buf, n), OAI_OK);
		assert_int_equal(oai_msg_nfields(&m), 8);
		assert_int_equal(t_int(&m, OAI_F_CAUSE), 42);
	}
}

/* Latin-1 bytes pass through untouched (oai.md 1.2). */
static void
test_latin1_passes_through(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,DND,,000101,105,|M\xdcLLER|,|caf\xe9|");
	assert_field(&m, OAI_F_DND_MESSAGE, "M\xdcLLER");
	assert_field(&m, OAI_F_DND_TEXT, "caf\xe9");
}

/* ---- classification --------------------------------------------------------------------- */

static void
test_classify_by_index_1(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "_TR,25,1000,4711,4712,0\r");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_COMMAND);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_TR);
	assert_int_equal(oai_msg_event(&m), OAI_EV_NONE);
	assert_string_equal(oai_msg_code(&m), "_TR");
	t_decode_ok(&m, buf, sizeof(buf), "032,CF,_TR,25,0,4711,1001,97001,,,,");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_CONFIRM);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_TR);
	assert_string_equal(oai_msg_code(&m), "_TR");
	/* The event TR and the command _TR do not clash (oai.md 1.4). */
	t_decode_ok(&m, buf, sizeof(buf),
	    "033,TR,,000101,4711,1000,97001,4712,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,"
	    "8005551000,N,32");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_EVENT);
	assert_int_equal(oai_msg_event(&m), OAI_EV_TR);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_NONE);
	assert_string_equal(oai_msg_code(&m), "TR");
	t_decode_ok(&m, buf, sizeof(buf), "009,CS,,1,1,,2");
	assert_int_equal(oai_msg_event(&m), OAI_EV_CS);
	t_decode_ok(&m, buf, sizeof(buf), "_CS,3,1000,4711,1001,\r");
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_CS);
}

static void
test_header_fields(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "015,DND,7,000101,1000,,");
	assert_field(&m, OAI_F_SEQ, "015");
	assert_field(&m, OAI_F_CODE, "DND");
	assert_field(&m, OAI_F_RESYNC, "7");
	assert_field(&m, OAI_F_XREF, "000101");
	assert_int_equal(oai_msg_int(&m, OAI_F_INVOKE_ID, &(long){ 0 }), OAI_ENOFIELD);
	t_decode_ok(&m, buf, sizeof(buf), "044,CF,_RR,27,0,1000");
	assert_field(&m, OAI_F_SEQ, "044");
	assert_field(&m, OAI_F_INVOKE_ID, "27");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), 0);
	assert_int_equal(oai_msg_int(&m, OAI_F_RESYNC, &(long){ 0 }), OAI_ENOFIELD);
	t_decode_ok(&m, buf, sizeof(buf), "_RR,27,1000");
	assert_int_equal(t_int(&m, OAI_F_INVOKE_ID), 27);
	assert_field(&m, OAI_F_SEQ, "");
}

/* Legacy RR/RT have no InvokeID (oai.md 1.4, 2.5). */
static void
test_legacy_resync_commands(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "RR,1000\r");
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_RR_LEGACY);
	assert_field(&m, OAI_F_SPECIFIC_EXT, "1000");
	assert_int_equal(oai_msg_int(&m, OAI_F_INVOKE_ID, &(long){ 0 }), OAI_ENOFIELD);
	t_decode_ok(&m, buf, sizeof(buf), "RT\r");
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_RT_LEGACY);
	assert_field(&m, OAI_F_SPECIFIC_EXT, "");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "RR\r"), OAI_ESHORT);
}

/* The resync layout of FE is its own event (oai.md 4.4). */
static void
test_fe_live_and_resync(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,FE,,000101,1000,125,1");
	assert_int_equal(oai_msg_event(&m), OAI_EV_FE);
	assert_int_equal(t_int(&m, OAI_F_LOGICAL_NUMBER), 125);
	assert_int_equal(t_int(&m, OAI_F_ON_OFF), 1);
	t_decode_ok(&m, buf, sizeof(buf), "016,FE,7,000101,1000,00F3");
	assert_int_equal(oai_msg_event(&m), OAI_EV_FE_MASK);
	assert_string_equal(oai_msg_code(&m), "FE");
	assert_int_equal(t_int(&m, OAI_F_FEATURE_STATUS_MASK), 0xF3);
	assert_int_equal(oai_msg_int(&m, OAI_F_ON_OFF, &(long){ 0 }), OAI_ENOFIELD);
}

/* ---- unknown codes ---------------------------------------------------------------------- */

static void
test_unknown_event_kept_raw(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "077,ZQ,,000101,a,|b, c|,\r\n");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_UNKNOWN);
	assert_int_equal(oai_msg_event(&m), OAI_EV_NONE);
	assert_string_equal(oai_msg_code(&m), "ZQ");
	assert_int_equal(oai_msg_nfields(&m), 7);
	assert_string_equal(oai_msg_field(&m, 4), "a");
	assert_string_equal(oai_msg_field(&m, 5), "b, c");
	assert_string_equal(oai_msg_field(&m, 6), "");
	/* Routed like any event: its monitor and sequence. */
	assert_field(&m, OAI_F_XREF, "000101");
	assert_field(&m, OAI_F_SEQ, "077");
	assert_field(&m, OAI_F_CALL_ID, "");
}

/* A CF for a command this codec does not know still completes the pending command. */
static void
test_unknown_command_and_cf(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "_ZZ,9,1,2\r");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_UNKNOWN);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_NONE);
	assert_string_equal(oai_msg_code(&m), "_ZZ");
	assert_int_equal(t_int(&m, OAI_F_INVOKE_ID), 9);
	t_decode_ok(&m, buf, sizeof(buf), "050,CF,_ZZ,9,45");
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_UNKNOWN);
	assert_string_equal(oai_msg_code(&m), "_ZZ");
	assert_int_equal(t_int(&m, OAI_F_INVOKE_ID), 9);
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), OAI_OUTCOME_INVALID_COMMAND);
}

/* ---- typed access ----------------------------------------------------------------------- */

static void
test_access_semantics(void **state)
{
	struct oai_msg m;
	long v = 0;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf),
	    "020,DE,,000101,4711,1000,,I,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,8005551000,"
	    "E,1000,,,A,22,");
	/* Not a field of DE: */
	assert_int_equal(oai_msg_int(&m, OAI_F_DIGITS, &v), OAI_ENOFIELD);
	assert_field(&m, OAI_F_DIGITS, "");
	assert_false(oai_msg_has(&m, OAI_F_DIGITS));
	assert_int_equal(oai_msg_chr(&m, OAI_F_DIGITS), 0);
	/* A field of DE, blank here: */
	assert_int_equal(oai_msg_int(&m, OAI_F_ACD_GROUP, &v), OAI_EBLANK);
	assert_true(oai_msg_field(&m, 19) != NULL);
	/* Numbers, letters, text: */
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_NEW_CALL);
	assert_int_equal(t_int(&m, OAI_F_CALL_ID), 4711);
	assert_int_equal(oai_msg_int(&m, OAI_F_CALLER_NAME, &v), OAI_EFIELD);
	assert_int_equal(oai_msg_chr(&m, OAI_F_LCS), OAI_LCS_ALERTING);
	assert_int_equal(oai_msg_chr(&m, OAI_F_ALERTING_DEV_TYPE), OAI_PARTY_INTERNAL);
	assert_int_equal(oai_msg_chr(&m, OAI_F_CALLING_DEV_TYPE), OAI_PARTY_EXTERNAL);
	assert_int_equal(oai_msg_chr(&m, OAI_F_ACCOUNT_CODE), OAI_LCS_BLANK);
	assert_true(oai_msg_has(&m, OAI_F_CALLER_NAME));
	/* Only index 19 exists after 18; oai_msg_field is by index. */
	assert_string_equal(oai_msg_field(&m, 9), "SMITH JOHN");
}

/* oai.md 5.1: causes may come without their leading zero. */
static void
test_cause_with_and_without_leading_zero(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,FA,,000101,4711,1001,1001,F,03");
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_BUSY);
	t_decode_ok(&m, buf, sizeof(buf), "001,FA,,000101,4711,1001,1001,F,3");
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_BUSY);
	t_decode_ok(&m, buf, sizeof(buf), "001,SI,,000101,4711,1000,I,04,1001");
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_CALL_BACK);
	assert_field(&m, OAI_F_CALLBACK_TARGET_EXT, "1001");
}

/* Fields that later protocol versions added, or conditional ones, may be missing. */
static void
test_optional_trailing_fields(void **state)
{
	struct oai_msg m;

	(void)state;
	/* DE before 07.00: no ACD/UCD_Group. */
	t_decode_ok(&m, buf, sizeof(buf),
	    "001,DE,,000101,4711,1000,,I,1001,,,,,I,1001,,,A,22");
	assert_false(oai_msg_has(&m, OAI_F_ACD_GROUP));
	assert_int_equal(oai_msg_int(&m, OAI_F_ACD_GROUP, &(long){ 0 }), OAI_EBLANK);
	/* CC before 08.00 and SI without a callback. */
	t_decode_ok(&m, buf, sizeof(buf), "001,CC,,000200,4711,36");
	assert_field(&m, OAI_F_TRANSFER_DEST, "");
	t_decode_ok(&m, buf, sizeof(buf), "001,SI,,000101,4711,1000,I,22");
	/* Failure CFs carry no extras. */
	t_decode_ok(&m, buf, sizeof(buf), "013,CF,_MS,5,9");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER);
	assert_int_equal(oai_msg_int(&m, OAI_F_MON_COUNT, &(long){ 0 }), OAI_EBLANK);
}

/* Newer versions may add trailing fields: they stay reachable by index. */
static void
test_extra_trailing_fields_tolerated(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,HE,,000101,4711,1000,H,42,new,|x, y|");
	assert_int_equal(oai_msg_nfields(&m), 10);
	assert_int_equal(t_int(&m, OAI_F_CAUSE), OAI_CAUSE_HOLD_INDIVIDUAL);
	assert_string_equal(oai_msg_field(&m, 9), "x, y");
}

/* oai.md 8.11: the 10.20 _TO CF has 11 fields, the 9.0 one 12 (with Transferred_Ext). */
static void
test_to_cf_both_layouts(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "032,CF,_TO,25,0,4711,1001,|SMITH JOHN|,6025551212,"
	    "|MAIN LINE|,8005551000");
	assert_field(&m, OAI_F_DESTINATION_EXT, "1001");
	assert_field(&m, OAI_F_CALLER_NAME, "SMITH JOHN");
	assert_field(&m, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	assert_int_equal(oai_msg_int(&m, OAI_F_TRANSFERRED_EXT, &(long){ 0 }), OAI_ENOFIELD);
	t_decode_ok(&m, buf, sizeof(buf), "032,CF,_TO,25,0,4711,1001,97001,|SMITH JOHN|,"
	    "6025551212,|MAIN LINE|,8005551000");
	assert_field(&m, OAI_F_DESTINATION_EXT, "1001");
	assert_field(&m, OAI_F_TRANSFERRED_EXT, "97001");
	assert_field(&m, OAI_F_CALLER_NAME, "SMITH JOHN");
	assert_field(&m, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
}

/* Beyond the directly indexed fields everything still works, by walking. */
static void
test_many_fields(void **state)
{
	static char text[20000];
	struct oai_msg m;
	struct oai_iter it;
	size_t n;
	unsigned i = 0;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "003,CF,_MS,2,0,0242");
	for (unsigned k = 1; k <= 242; k++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ",%06u,%u", 75 + k, 1760 + k);
	snprintf(text + n, sizeof(text) - n, ",A:00FC,C:FFFE,F:1FFF\r\n");
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(oai_msg_nfields(&m), 6 + 484 + 3);
	assert_string_equal(oai_msg_field(&m, 6 + 2 * 241), "000317");
	assert_string_equal(oai_msg_field(&m, 492), "F:1FFF");
	assert_true(oai_msg_field(&m, 493) == NULL);
	assert_int_equal(oai_msg_iter(&m, OAI_F_XREF, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 242);
	while (oai_iter_next(&it)) {
		char x[8], e[8];

		i++;
		snprintf(x, sizeof(x), "%06u", 75 + i);
		snprintf(e, sizeof(e), "%u", 1760 + i);
		assert_string_equal(oai_iter_str(&it, OAI_F_XREF), x);
		assert_string_equal(oai_iter_str(&it, OAI_F_AFFECTED_ID), e);
	}
	assert_int_equal(i, 242);
	unsigned mask = 0;
	assert_int_equal(oai_msg_filter(&m, 'F', &mask), OAI_OK);
	assert_int_equal(mask, 0x1FFF);
}

static void
test_filter_access(void **state)
{
	struct oai_msg m;
	unsigned mask = 0;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "_MS,2,,3,A:FFFF,,F:00F0\r");
	assert_int_equal(oai_msg_filter(&m, 'A', &mask), OAI_OK);
	assert_int_equal(mask, 0xFFFF);
	assert_int_equal(oai_msg_filter(&m, 'F', &mask), OAI_OK);
	assert_int_equal(mask, 0x00F0);
	assert_int_equal(oai_msg_filter(&m, 'C', &mask), OAI_EBLANK);
	assert_int_equal(oai_msg_filter(&m, 'S', &mask), OAI_EBLANK);
	t_decode_ok(&m, buf, sizeof(buf), "_MS,7,1000,5\r");
	assert_int_equal(oai_msg_filter(&m, 'A', &mask), OAI_EBLANK);
	t_decode_ok(&m, buf, sizeof(buf), "001,HE,,000101,4711,1000,H,42");
	assert_int_equal(oai_msg_filter(&m, 'A', &mask), OAI_ENOFIELD);
}

static void
test_iter_on_a_message_without_list(void **state)
{
	struct oai_msg m;
	struct oai_iter it;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,HE,,000101,4711,1000,H,42");
	assert_int_equal(oai_msg_iter(&m, OAI_F_PARTY_EXT, &it), OAI_ENOFIELD);
	assert_false(oai_iter_next(&it));
	/* A list the message is too short to reach is an empty list. */
	t_decode_ok(&m, buf, sizeof(buf), "013,CF,_MS,5,9");
	assert_int_equal(oai_msg_iter(&m, OAI_F_XREF, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 0);
	assert_false(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_XREF), "");
}

/* ---- bad input -------------------------------------------------------------------------- */

static void
test_garbage_is_fatal(void **state)
{
	static const char *const bad[] = { "hello", "001", "001,D E,,1", "001,CF,xx,1,0",
		"001,CF", "_M S,1", "-1,DE,,1", "|001|x,DE", "\x87", "_,1" };
	struct oai_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = t_decode(&m, buf, sizeof(buf), bad[i]);

		if (rc != OAI_EGARBAGE)
			fail_msg("\"%s\": %s (%s)", bad[i], oai_err_name(rc), oai_msg_error(&m));
		assert_true(oai_err_fatal(rc));
		assert_int_equal(oai_msg_kind(&m), OAI_KIND_NONE);
		assert_int_equal(oai_msg_nfields(&m), 0);
		assert_field(&m, OAI_F_SEQ, "");
	}
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "hello"), OAI_EGARBAGE);
	assert_string_equal(oai_msg_error(&m),
	    "not an OAI message: field 0 \"hello\" is neither a "
	    "sequence number nor a command code");
}

/* The PBX's decoder seeing a login frame where a command should be. */
static void
test_binary_is_garbage(void **state)
{
	static const char login[] = "\x87\0CTIServer\0";
	struct oai_msg m;

	(void)state;
	memcpy(buf, login, sizeof(login));
	assert_int_equal(oai_decode(&m, buf, 12), OAI_EGARBAGE);
	assert_string_equal(oai_msg_error(&m), "not an OAI message: NUL byte at offset 1");
	memcpy(buf, "001,HE,\0,1", 10);
	assert_int_equal(oai_decode(&m, buf, 10), OAI_EGARBAGE);
}

static void
test_empty_message(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "\r\n"), OAI_EEMPTY);
	assert_int_equal(oai_decode(&m, buf, 0), OAI_EEMPTY);
	assert_true(oai_err_fatal(OAI_EEMPTY));
}

static void
test_too_few_fields(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "001,DE,,000101,4711"), OAI_ESHORT);
	assert_string_equal(oai_msg_error(&m), "DE: 5 fields; field 5 (Alerting_Internal_Ext) is "
	    "missing");
	assert_false(oai_err_fatal(OAI_ESHORT));
	/* The caller still knows what it was. */
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_EVENT);
	assert_int_equal(oai_msg_event(&m), OAI_EV_DE);
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "001,RD"), OAI_ESHORT);
	assert_string_equal(oai_msg_error(&m), "RD: 2 fields; field 2 (Resync_Code) is missing");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "_MC,5,1000\r"), OAI_ESHORT);
	assert_string_equal(oai_msg_error(&m),
	    "_MC: 3 fields; field 3 (Digit_String) is missing");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "_MC\r"), OAI_ESHORT);
	assert_string_equal(oai_msg_error(&m), "_MC: 1 field; field 1 (InvokeID) is missing");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "001,CF,_MS,5"), OAI_ESHORT);
	assert_string_equal(oai_msg_error(&m), "CF _MS: 4 fields; field 4 (Outcome) is missing");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "001,CO,,000101,1000,1,2,1000,2,1000,1"),
	    OAI_ESHORT);
	assert_string_equal(oai_msg_error(&m),
	    "CO: Number_Of_Parties is 2, but 2 fields follow for items of 2");
}

static void
test_bad_field_values(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf),
	    "020,DE,,000101,4711,1000,,I,97001,,,,,E,1000,,,A,2x,"), OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "DE: field 18 (Event_Cause) \"2x\": not a decimal "
	    "number");
	assert_false(oai_err_fatal(OAI_EFIELD));
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "023,HE,,000101,4711,1000,Z,42"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "HE: field 6 (Local_Cnx_State) \"Z\": not a "
	    "Local_Cnx_State (N, I, A, C, H, F, Q)");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "023,HE,x,000101,4711,1000,H,42"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "HE: field 2 (Resync_Code) \"x\": not a number");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "023,HE,,00a101,4711,1000,H,42"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "HE: field 3 (Mon_Cross_Ref_ID) \"00a101\": not a "
	    "decimal number");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "001,OL,,000101,10\x01" "0,1,0,0"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "OL: field 4 (Extension) \"10\\x010\": not an "
	    "extension");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "_MS,2,,3,A:FFFF,X:1\r"), OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "_MS: field 5 (Filter_List) \"X:1\": not a filter "
	    "item (A:, C:, F: or S: and 1-4 hex digits)");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "001,CO,,000101,1000,1,2,1000,2,1000,1,"
	    "x9,2,C,41"), OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m),
	    "CO: field 11 (Party_Ext of item 2) \"x9\": not an "
	    "extension");
}

static void
test_bad_header_values(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "_MC,a1,1000,1001\r"), OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "_MC: field 1 (InvokeID) \"a1\": not a number");
	/* Enough for a PBX to answer Invalid_InvokeID (41). */
	assert_int_equal(oai_msg_kind(&m), OAI_KIND_COMMAND);
	assert_int_equal(oai_msg_cmd(&m), OAI_CMD_MC);
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "_NO,\r"), OAI_EFIELD);
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "002,CF,_NA,1,ok"), OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "CF _NA: field 4 (Outcome) \"ok\": not a number");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "002,CF,_NA,x,0"), OAI_EFIELD);
	/* A CF may echo a blank InvokeID (outcome 41). */
	t_decode_ok(&m, buf, sizeof(buf), "002,CF,_NA,,41");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), OAI_OUTCOME_INVALID_INVOKE_ID);
}

static void
test_unterminated_bar(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf),
	    "001,LN,,000101,105,2003,|Jones, Bob,237"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m),
	    "LN: field 6 (Agent_Description) \"Jones, Bob,237\": "
	    "unterminated |text|");
	/* Raw messages keep whatever they hold. */
	t_decode_ok(&m, buf, sizeof(buf), "001,ZZ,,|a,b");
	assert_string_equal(oai_msg_field(&m, 3), "a,b");
}

static void
test_long_values_are_cut_in_errors(void **state)
{
	static char text[400];
	struct oai_msg m;

	(void)state;
	snprintf(text, sizeof(text), "001,HE,,000101,4711,1000,H,%0200d", 7);
	text[strlen(text) - 1] = 'x';
	assert_int_equal(t_decode(&m, buf, sizeof(buf), text), OAI_EFIELD);
	assert_non_null(strstr(oai_msg_error(&m), "0000...\": not a decimal number"));
}

static void
test_count_out_of_range(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "003,CF,_MS,2,0,99999999999999999999"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "CF _MS: field 5 (Number_Of_Monitors) "
	    "\"99999999999999999999\": count out of range");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "003,CF,_MS,2,0,5,000101,1000"),
	    OAI_ESHORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comma_inside_bars),
		cmocka_unit_test(test_empty_bars_are_an_empty_field),
		cmocka_unit_test(test_trailing_empty_fields_kept),
		cmocka_unit_test(test_bars_inside_a_field),
		cmocka_unit_test(test_terminators_stripped),
		cmocka_unit_test(test_latin1_passes_through),
		cmocka_unit_test(test_classify_by_index_1),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_legacy_resync_commands),
		cmocka_unit_test(test_fe_live_and_resync),
		cmocka_unit_test(test_unknown_event_kept_raw),
		cmocka_unit_test(test_unknown_command_and_cf),
		cmocka_unit_test(test_access_semantics),
		cmocka_unit_test(test_cause_with_and_without_leading_zero),
		cmocka_unit_test(test_optional_trailing_fields),
		cmocka_unit_test(test_extra_trailing_fields_tolerated),
		cmocka_unit_test(test_to_cf_both_layouts),
		cmocka_unit_test(test_many_fields),
		cmocka_unit_test(test_filter_access),
		cmocka_unit_test(test_iter_on_a_message_without_list),
		cmocka_unit_test(test_garbage_is_fatal),
		cmocka_unit_test(test_binary_is_garbage),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_too_few_fields),
		cmocka_unit_test(test_bad_field_values),
		cmocka_unit_test(test_bad_header_values),
		cmocka_unit_test(test_unterminated_bar),
		cmocka_unit_test(test_long_values_are_cut_in_errors),
		cmocka_unit_test(test_count_out_of_range),
	};

	return cmocka_run_group_tests_name("oai decode", tests, NULL, NULL);
}
