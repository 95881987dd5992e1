/*
 * confirm_test.c - the command-specific CF payloads of oai.md 3.6: _MS xref lists (with 2, 0
 * and 242 monitors, and the system monitor), _QX entities, _QH triplets, _NO node pairs, and
 * the _NA, _MC, _TR, _TO, _QL, _QA, _SP and _CN results; decoded, then built back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

static char buf[70000];
static char out[70000];

/* ---- _MS -------------------------------------------------------------------------------- */

static void
test_ms_two_monitors(void **state)
{
	static const char text[] = "005,CF,_MS,9,0,0002,000101,1000,000102,1001,A:00FC,C:FFFE,"
				   "F:1FFF";
	static const char *const want[2][2] = { { "000101", "1000" }, { "000102", "1001" } };
	struct oai_msg m;
	struct oai_iter it;
	struct oai_build b;
	unsigned mask;
	int i = 0;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(t_int(&m, OAI_F_MON_COUNT), 2);
	assert_field(&m, OAI_F_MON_COUNT, "0002");
	assert_int_equal(oai_msg_iter(&m, OAI_F_AFFECTED_ID, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 2);
	while (oai_iter_next(&it)) {
		assert_string_equal(oai_iter_str(&it, OAI_F_XREF), want[i][0]);
		assert_string_equal(oai_iter_str(&it, OAI_F_AFFECTED_ID), want[i][1]);
		i++;
	}
	assert_int_equal(i, 2);
	assert_int_equal(oai_msg_filter(&m, 'C', &mask), OAI_OK);
	assert_int_equal(mask, 0xFFFE);

	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MS, 5, "9", 0);
	oai_build_str(&b, OAI_F_MON_COUNT, "0002");	/* the Gateway pads it to 4 digits */
	for (i = 0; i < 2; i++) {
		oai_build_item(&b);
		oai_build_str(&b, OAI_F_XREF, want[i][0]);
		oai_build_str(&b, OAI_F_AFFECTED_ID, want[i][1]);
	}
	oai_build_filter(&b, 'A', 0x00FC);
	oai_build_filter(&b, 'C', 0xFFFE);
	oai_build_filter(&b, 'F', 0x1FFF);
	t_finish_is(&b, text);
}

/* "N = 0 means no further fields" (oai.md 3.6). */
static void
test_ms_zero_monitors(void **state)
{
	struct oai_msg m;
	struct oai_iter it;
	struct oai_build b;
	unsigned mask;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "005,CF,_MS,9,0,0");
	assert_int_equal(t_int(&m, OAI_F_MON_COUNT), 0);
	assert_int_equal(oai_msg_iter(&m, OAI_F_XREF, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 0);
	assert_false(oai_iter_next(&it));
	assert_int_equal(oai_msg_filter(&m, 'A', &mask), OAI_EBLANK);
	t_copy_is(&m, "005,CF,_MS,9,0,0");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MS, 5, "9", 0);
	oai_build_int(&b, OAI_F_MON_COUNT, 0);
	t_finish_is(&b, "005,CF,_MS,9,0,0");
	/* Items added, count not set: the count is theirs. */
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MS, 5, "9", 0);
	oai_build_item(&b);
	oai_build_str(&b, OAI_F_XREF, "7");
	oai_build_str(&b, OAI_F_AFFECTED_ID, "1000");
	t_finish_is(&b, "005,CF,_MS,9,0,1,7,1000");
}

/* oai.md 3.6, captured from a Gateway: all stations, 242 monitors. */
static void
test_ms_all_stations_captured(void **state)
{
	static char text[8000];
	struct oai_msg m;
	struct oai_iter it;
	struct oai_build b;
	size_t n;
	unsigned i = 0;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "003,CF,_MS,2,0,0242");
	for (unsigned k = 0; k < 242; k++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ",%06u,%u", 1 + k, 1521 + k);
	snprintf(text + n, sizeof(text) - n, ",A:00FC,C:FFFE,F:1FFF");
	assert_non_null(strstr(text, ",000076,1596,000077,1597,"));
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(oai_msg_iter(&m, OAI_F_XREF, &it), OAI_OK);
	while (oai_iter_next(&it))
		i++;
	assert_int_equal(i, 242);
	t_copy_is(&m, text);

	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MS, 3, "2", 0);
	oai_build_str(&b, OAI_F_MON_COUNT, "0242");
	for (unsigned k = 0; k < 242; k++) {
		oai_build_item(&b);
		oai_build_int(&b, OAI_F_AFFECTED_ID, 1521 + k);
		/* Item strings are referenced until the next oai_build_item writes the item. */
		snprintf(buf, 16, "%06u", 1 + k);
		oai_build_str(&b, OAI_F_XREF, buf);
	}
	oai_build_filter(&b, 'A', 0x00FC);
	oai_build_filter(&b, 'C', 0xFFFE);
	oai_build_filter(&b, 'F', 0x1FFF);
	t_finish_is(&b, text);
}

/* oai.md 3.6, captured: the system monitor on two nodes. */
static void
test_ms_system_monitor(void **state)
{
	static const char text[] = "004,CF,_MS,3,0,0002,000243,1:,000244,2:,S:00FE";
	struct oai_msg m;
	struct oai_iter it;
	unsigned mask;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(oai_msg_iter(&m, OAI_F_XREF, &it), OAI_OK);
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_XREF), "000243");
	assert_string_equal(oai_iter_str(&it, OAI_F_AFFECTED_ID), "1:");
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_AFFECTED_ID), "2:");
	assert_false(oai_iter_next(&it));
	assert_int_equal(oai_msg_filter(&m, 'S', &mask), OAI_OK);
	assert_int_equal(mask, 0x00FE);
	assert_int_equal(oai_msg_filter(&m, 'A', &mask), OAI_EBLANK);
	t_copy_is(&m, text);
}

/* ---- _QX -------------------------------------------------------------------------------- */

/* Stations with mask 109: Username (bit 0), Is_An_Administrator (3), Device_Type (8). */
static void
test_qx_station_entities(void **state)
{
	static const char text[] = "006,CF,_QX,5,0,1,109,1,3,1000,|Smith, Ann|,1,0,1001,|Bob|,"
				   "0,0,1002,||,0,1";
	static const char *const want[3][4] = { { "1000", "Smith, Ann", "1", "0" },
		{ "1001", "Bob", "0", "0" }, { "1002", "", "0", "1" } };
	struct oai_msg m;
	struct oai_iter it;
	struct oai_build b;
	int i = 0;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(t_int(&m, OAI_F_LIST_TYPE), OAI_QXL_STATION);
	assert_int_equal(t_int(&m, OAI_F_ENTITY_MASK), 0x109);
	assert_int_equal(t_int(&m, OAI_F_MSG_INDICATOR), 1);
	assert_int_equal(t_int(&m, OAI_F_ENTITY_COUNT), 3);
	assert_int_equal(oai_msg_iter(&m, OAI_F_ENTITY_KEY, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 3);
	while (oai_iter_next(&it)) {
		assert_string_equal(oai_iter_str(&it, OAI_F_ENTITY_KEY), want[i][0]);
		assert_string_equal(oai_iter_qx(&it, 0), want[i][1]);
		assert_string_equal(oai_iter_qx(&it, 3), want[i][2]);
		assert_string_equal(oai_iter_qx(&it, 8), want[i][3]);
		/* Bits not in the mask are not there. */
		assert_null(oai_iter_qx(&it, 1));
		assert_null(oai_iter_qx(&it, 31));
		i++;
	}
	assert_int_equal(i, 3);
	assert_string_equal(oai_qx_field_name(OAI_QXL_STATION, 8), "Device_Type");
	t_copy_is(&m, text);

	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_QX, 6, "5", 0);
	oai_build_int(&b, OAI_F_LIST_TYPE, OAI_QXL_STATION);
	oai_build_int(&b, OAI_F_ENTITY_MASK, OAI_QXM_STATION_USERNAME | OAI_QXM_STATION_IS_ADMIN |
	    OAI_QXM_STATION_DEVICE_TYPE);
	oai_build_int(&b, OAI_F_MSG_INDICATOR, 1);
	for (i = 0; i < 3; i++) {
		oai_build_item(&b);
		oai_build_str(&b, OAI_F_ENTITY_KEY, want[i][0]);
		oai_build_qx(&b, 8, want[i][3]);	/* any order */
		oai_build_qx(&b, 0, want[i][1]);	/* TEXT: in bars */
		oai_build_qx(&b, 3, want[i][2]);
	}
	t_finish_is(&b, text);
}

/* The start-up queries of oai.md 6.1: agents (list 17) and features (list 8, mask 3F). */
static void
test_qx_agents_and_features(void **state)
{
	struct oai_msg m;
	struct oai_iter it;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "007,CF,_QX,4,0,17,1,1,2,5610,|Agent One|,5488,||");
	assert_int_equal(oai_msg_iter(&m, OAI_F_ENTITY_KEY, &it), OAI_OK);
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_ENTITY_KEY), "5610");
	assert_string_equal(oai_iter_qx(&it, 0), "Agent One");
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_qx(&it, 0), "");
	t_same_after_copy("007,CF,_QX,4,0,17,1,1,2,5610,|Agent One|,5488,||");

	t_decode_ok(&m, buf, sizeof(buf),
	    "008,CF,_QX,7,0,8,3F,1,1,370,101,|Do-Not-Disturb|,0,0,0,1");
	assert_int_equal(oai_msg_iter(&m, OAI_F_ENTITY_KEY, &it), OAI_OK);
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_ENTITY_KEY), "370");
	assert_string_equal(oai_iter_qx(&it, 0), "101");
	assert_string_equal(oai_iter_qx(&it, 1), "Do-Not-Disturb");
	assert_string_equal(oai_iter_qx(&it, 5), "1");
}

/* oai.md 8.21: the library divides by zero here. */
static void
test_qx_zero_entities(void **state)
{
	struct oai_msg m;
	struct oai_iter it;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "009,CF,_QX,8,0,10,1,1,0");
	assert_int_equal(oai_msg_iter(&m, OAI_F_ENTITY_KEY, &it), OAI_OK);
	assert_false(oai_iter_next(&it));
	t_copy_is(&m, "009,CF,_QX,8,0,10,1,1,0");
}

static void
test_qx_width_mismatch(void **state)
{
	struct oai_msg m;

	(void)state;
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "006,CF,_QX,5,0,1,109,1,2,1000,|A|,1,0,"
	    "1001,|B|,0,0,extra"), OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "CF _QX: Entity_Count 2 with 4 fields per entity "
	    "(mask 109) needs 8 fields, 9 follow");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "006,CF,_QX,5,0,1,109,1,2,1000,|A|,1,0"),
	    OAI_ESHORT);
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "006,CF,_QX,5,0,1,109,1,1,1000,|A|,x,0"),
	    OAI_EFIELD);
	assert_string_equal(oai_msg_error(&m), "CF _QX: field 11 (Is_An_Administrator of item 1) "
	    "\"x\": not a decimal number");
}

static void
test_qx_builder_errors(void **state)
{
	struct oai_build b;
	size_t len;

	(void)state;
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_QX, 6, "5", 0);
	oai_build_item(&b);
	assert_int_equal(oai_build_finish(&b, &len), OAI_EINVAL);
	assert_string_equal(oai_build_error(&b), "CF _QX: set Entity_Field_Mask before adding "
	    "entities");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_QX, 6, "5", 0);
	oai_build_int(&b, OAI_F_LIST_TYPE, 1);
	oai_build_int(&b, OAI_F_ENTITY_MASK, 1);
	oai_build_item(&b);
	oai_build_qx(&b, 2, "x");
	assert_int_equal(oai_build_finish(&b, &len), OAI_EINVAL);
	assert_string_equal(oai_build_error(&b), "CF _QX: bit 2 is not in Entity_Field_Mask 1");
	/* Entities written so far used the old mask: changing it would corrupt the CF. */
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_QX, 6, "5", 0);
	oai_build_int(&b, OAI_F_ENTITY_MASK, 1);
	oai_build_item(&b);
	oai_build_int(&b, OAI_F_ENTITY_MASK, 3);
	assert_int_equal(oai_build_finish(&b, &len), OAI_EINVAL);
	assert_string_equal(oai_build_error(&b), "CF _QX: Entity_Field_Mask changed after entities "
	    "were added");
}

/* ---- _QH -------------------------------------------------------------------------------- */

/* oai.md 3.6, captured triplets: logged out (blank device), ready, not ready. */
static void
test_qh_triplets(void **state)
{
	static const char text[] = "010,CF,_QH,9,0,3,5610,,0,5488,1883,1,5054,1876,2,0,2";
	static const char *const want[3][3] = { { "5610", "", "0" }, { "5488", "1883", "1" },
		{ "5054", "1876", "2" } };
	struct oai_msg m;
	struct oai_iter it;
	struct oai_build b;
	int i = 0;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), text);
	assert_int_equal(t_int(&m, OAI_F_NUM_ENTRIES), 3);
	assert_int_equal(oai_msg_iter(&m, OAI_F_AGENT_MODE, &it), OAI_OK);
	while (oai_iter_next(&it)) {
		long mode = -1;

		assert_string_equal(oai_iter_str(&it, OAI_F_AGENT_ID), want[i][0]);
		assert_string_equal(oai_iter_str(&it, OAI_F_DEVICE_EXT), want[i][1]);
		assert_int_equal(oai_iter_int(&it, OAI_F_AGENT_MODE, &mode), OAI_OK);
		assert_int_equal(mode, i);
		i++;
	}
	assert_int_equal(i, 3);
	/* The fields after the list. */
	assert_int_equal(t_int(&m, OAI_F_IN_INIT_STATE), 0);
	assert_int_equal(t_int(&m, OAI_F_HUNT_GROUP_TYPE), OAI_HUNT_ACD_AGENT_IDS);

	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_QH, 10, "9", 0);
	oai_build_int(&b, OAI_F_HUNT_GROUP_TYPE, OAI_HUNT_ACD_AGENT_IDS);
	oai_build_int(&b, OAI_F_IN_INIT_STATE, 0);
	for (i = 0; i < 3; i++) {
		oai_build_item(&b);
		oai_build_str(&b, OAI_F_AGENT_ID, want[i][0]);
		oai_build_str(&b, OAI_F_DEVICE_EXT, want[i][1]);
		oai_build_int(&b, OAI_F_AGENT_MODE, i);
	}
	t_finish_is(&b, text);
}

static void
test_qh_personal_router(void **state)
{
	struct oai_msg m;
	struct oai_iter it;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "010,CF,_QH,9,0,0,0,3");
	assert_int_equal(oai_msg_iter(&m, OAI_F_AGENT_ID, &it), OAI_OK);
	assert_false(oai_iter_next(&it));
	assert_int_equal(t_int(&m, OAI_F_HUNT_GROUP_TYPE), OAI_HUNT_PERSONAL_ROUTER);
	t_copy_is(&m, "010,CF,_QH,9,0,0,0,3");
}

/* ---- _NO -------------------------------------------------------------------------------- */

static void
test_no_node_pairs(void **state)
{
	struct oai_msg m;
	struct oai_iter it;
	long st;

	(void)state;
	/* Node 2 is down; the node number may come as "2:" (oai.md 7.4, 8.10). */
	t_decode_ok(&m, buf, sizeof(buf), "043,CF,_NO,26,0,3,1,1,2:,0,3,1");
	assert_int_equal(oai_msg_iter(&m, OAI_F_NODE_STATUS, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 3);
	assert_true(oai_iter_next(&it));
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_NODE_NUMBER), "2:");
	assert_int_equal(oai_iter_int(&it, OAI_F_NODE_STATUS, &st), OAI_OK);
	assert_int_equal(st, 0);
	assert_int_equal(oai_iter_int(&it, OAI_F_XREF, &st), OAI_ENOFIELD);
	t_copy_is(&m, "043,CF,_NO,26,0,3,1,1,2:,0,3,1");
}

/* ---- fixed payloads --------------------------------------------------------------------- */

static void
test_fixed_payloads(void **state)
{
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "002,CF,_NA,1,0,1");
	assert_int_equal(t_int(&m, OAI_F_SETTING), 1);
	/* _NA: Setting only when the Outcome is 0. */
	t_decode_ok(&m, buf, sizeof(buf), "002,CF,_NA,1,45");
	assert_false(oai_msg_has(&m, OAI_F_SETTING));
	t_decode_ok(&m, buf, sizeof(buf), "028,CF,_MC,24,0,4712,1000");
	assert_field(&m, OAI_F_CALL_ID, "4712");
	assert_field(&m, OAI_F_AFFECTED_EXT, "1000");
	t_decode_ok(&m, buf, sizeof(buf), "044,CF,_RR,27,0,");
	assert_field(&m, OAI_F_AFFECTED_EXT, "");
	t_decode_ok(&m, buf, sizeof(buf), "050,CF,_QF,3,0,I,1001");
	assert_int_equal(oai_msg_chr(&m, OAI_F_FORWARD_TYPE), OAI_FORWARD_ALL);
	assert_field(&m, OAI_F_DESTINATION_EXT, "1001");
	t_decode_ok(&m, buf, sizeof(buf), "051,CF,_QC,4,0,1");
	assert_int_equal(t_int(&m, OAI_F_COUNTRY), 1);
	t_decode_ok(&m, buf, sizeof(buf), "052,CF,_UQV,5,0,V3.0,R,V10.20");
	assert_field(&m, OAI_F_PROTOCOL_VERSION, "V10.20");
	t_decode_ok(&m, buf, sizeof(buf), "053,CF,_QI,6,0,1000,0,1,|Front Desk|,|jdoe|,0,0,,00FF,"
	    "00FF,5000,1");
	assert_field(&m, OAI_F_DESCRIPTION, "Front Desk");
	assert_field(&m, OAI_F_USERNAME, "jdoe");
	t_same_after_copy("053,CF,_QI,6,0,1000,0,1,|Front Desk|,|jdoe|,0,0,,00FF,00FF,5000,1");
}

static void
test_list_payloads(void **state)
{
	struct oai_msg m;
	struct oai_iter it;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "054,CF,_QA,7,0,2,2003,5000,1,2004,5000,3");
	assert_int_equal(oai_msg_iter(&m, OAI_F_HUNT_GROUP, &it), OAI_OK);
	assert_true(oai_iter_next(&it));
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_AGENT_ID), "2004");
	assert_string_equal(oai_iter_str(&it, OAI_F_AGENT_MODE), "3");
	t_decode_ok(&m, buf, sizeof(buf), "055,CF,_SP,8,0,2,4711,C,4712,H");
	assert_int_equal(oai_msg_iter(&m, OAI_F_LCS, &it), OAI_OK);
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_CALL_ID), "4711");
	assert_true(oai_iter_next(&it));
	assert_string_equal(oai_iter_str(&it, OAI_F_LCS), "H");
	assert_int_equal(t_decode(&m, buf, sizeof(buf), "055,CF,_SP,8,0,1,4711,X"), OAI_EFIELD);
	t_decode_ok(&m, buf, sizeof(buf), "056,CF,_CN,9,0,1000,4713,3,1000,4713,1001,4713,97001,"
	    "4713");
	assert_field(&m, OAI_F_CNF_CALL_ID, "4713");
	assert_int_equal(oai_msg_iter(&m, OAI_F_PARTY_EXT, &it), OAI_OK);
	assert_int_equal(oai_iter_len(&it), 3);
	t_same_after_copy("056,CF,_CN,9,0,1000,4713,3,1000,4713,1001,4713,97001,4713");
	t_same_after_copy("057,CF,_QM,10,0,1,1000,|VM|,10:30,070515,5000,2");
	t_same_after_copy("058,CF,_UQA,11,0,2,a,b,c");
}

/* _QL puts List_Type before the Outcome (oai.md 3.5). */
static void
test_ql_outcome_after_list_type(void **state)
{
	struct oai_msg m;
	struct oai_build b;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "060,CF,_QL,12,1,0,1,2,1000,1001");
	assert_int_equal(t_int(&m, OAI_F_LIST_TYPE), 1);
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), 0);
	assert_int_equal(t_int(&m, OAI_F_ENTITY_COUNT), 2);
	t_decode_ok(&m, buf, sizeof(buf), "060,CF,_QL,12,1,33");
	assert_int_equal(t_int(&m, OAI_F_OUTCOME), 33);
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_QL, 60, "12", 0);
	oai_build_int(&b, OAI_F_LIST_TYPE, 1);
	oai_build_int(&b, OAI_F_MSG_INDICATOR, 1);
	oai_build_int(&b, OAI_F_ENTITY_COUNT, 2);
	oai_build_str(&b, OAI_F_ENTITY, "1000");
	oai_build_str(&b, OAI_F_ENTITY, "1001");
	t_finish_is(&b, "060,CF,_QL,12,1,0,1,2,1000,1001");
	t_same_after_copy("060,CF,_QL,12,1,0,1,2,1000,1001");
}

static void
test_to_cf_re_encodes_both_layouts(void **state)
{
	(void)state;
	t_same_after_copy("032,CF,_TO,25,0,4711,1001,|SMITH JOHN|,6025551212,|MAIN LINE|,"
	    "8005551000");
	t_same_after_copy("032,CF,_TO,25,0,4711,1001,97001,|SMITH JOHN|,6025551212,|MAIN LINE|,"
	    "8005551000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ms_two_monitors),
		cmocka_unit_test(test_ms_zero_monitors),
		cmocka_unit_test(test_ms_all_stations_captured),
		cmocka_unit_test(test_ms_system_monitor),
		cmocka_unit_test(test_qx_station_entities),
		cmocka_unit_test(test_qx_agents_and_features),
		cmocka_unit_test(test_qx_zero_entities),
		cmocka_unit_test(test_qx_width_mismatch),
		cmocka_unit_test(test_qx_builder_errors),
		cmocka_unit_test(test_qh_triplets),
		cmocka_unit_test(test_qh_personal_router),
		cmocka_unit_test(test_no_node_pairs),
		cmocka_unit_test(test_fixed_payloads),
		cmocka_unit_test(test_list_payloads),
		cmocka_unit_test(test_ql_outcome_after_list_type),
		cmocka_unit_test(test_to_cf_re_encodes_both_layouts),
	};

	return cmocka_run_group_tests_name("oai confirmations (oai.md 3.6)", tests, NULL, NULL);
}
