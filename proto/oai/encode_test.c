/*
 * encode_test.c - the builder (encode.c): every command of oai.md 3.5 with its positional
 * arguments, what is written for unset, blank and text fields, sequence numbers, and each
 * error the builder reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

static char buf[4096];
static char out[4096];

/* ---- every command ---------------------------------------------------------------------- */

#define ITEM   OAI_F_NONE
#define NEXT   { ITEM, "+" }	/* start the next list item */
#define NOARGS { ITEM, "" }	/* a command without arguments */

struct arg {
	enum oai_field f;
	const char *v;
};

struct cmd_case {
	enum oai_cmd cmd;
	struct arg args[12];
	const char *want;
};

#define A(f, v) { OAI_F_##f, v }
static const struct cmd_case every_cmd[] = {
	{ OAI_CMD_AOC, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(PROHIBIT_CONNECT, "1"),
	    A(OVERRIDE_DND, "0") }, "_AOC,7,1000,4711,1,0" },
	{ OAI_CMD_AOC, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711") }, "_AOC,7,1000,4711" },
	{ OAI_CMD_AC, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711") }, "_AC,7,1000,4711" },
	{ OAI_CMD_CCB, { A(AFFECTED_EXT, "1000"), A(TARGET_EXT, "1001") }, "_CCB,7,1000,1001" },
	{ OAI_CMD_CCT, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"),
	    A(DISABLE_TRANSFER_RECALL, "1"), A(DISABLE_SYSTEM_FORWARDS, "0"),
	    A(CLEAR_OFFERING_TIMER, "1") }, "_CCT,7,1000,4711,1,0,1" },
	{ OAI_CMD_CE, { A(XREF, "000101"), A(FILTER, "A:00C0"), A(FILTER, "C:FFFC"),
	    A(FILTER, "F:00FC") }, "_CE,7,000101,A:00C0,C:FFFC,F:00FC" },
	{ OAI_CMD_CT, { A(AFFECTED_EXT, "97001"), A(CALL_ID, "4711"), A(TIMER, "1"),
	    A(NEW_DURATION, "30") }, "_CT,7,97001,4711,1,30" },
	{ OAI_CMD_CC, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711") }, "_CC,7,1000,4711" },
	{ OAI_CMD_CX, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(COMPLETE_TRANSFER, "1") },
	    "_CX,7,1000,4711,1" },
	{ OAI_CMD_CN, { A(AFFECTED_EXT, "1000"), A(HELD_CALL_ID, "4711"),
	    A(ACTIVE_CALL_ID, "4712") }, "_CN,7,1000,4711,4712" },
	{ OAI_CMD_CM, { A(AFFECTED_EXT, "1000"), NEXT, A(PARTY_CALL_ID, "4711"),
	    NEXT, A(PARTY_CALL_ID, "4712"), NEXT, A(PARTY_CALL_ID, "@001") },
	    "_CM,7,1000,3,4711,4712,@001" },
	{ OAI_CMD_CS, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(CALL_DESTINATION, "1001"),
	    A(ACCOUNT_CODE, ""), A(OVERRIDE_DND, "1") }, "_CS,7,1000,4711,1001,,1" },
	{ OAI_CMD_DF, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(DESTINATION_DEV, "5000"),
	    A(MAILBOX, "1000"), A(TOLL_STATION, "1000"), A(OVERRIDE_DND, "0"),
	    A(ACCOUNT_CODE, "12") }, "_DF,7,1000,4711,5000,1000,1000,0,12" },
	{ OAI_CMD_DCR, { A(AFFECTED_EXT, "1000"), A(DISPLAY_CONTROL_TYPE, "1"),
	    A(COUNTER_STATE, "1"), A(INIT_MINUTES, "2"), A(INIT_SECONDS, "30") },
	    "_DCR,7,1000,1,1,2,30" },
	{ OAI_CMD_DEC, { A(AFFECTED_EXT, "1000"), A(DISPLAY_CONTROL_TYPE, "1") },
	    "_DEC,7,1000,1" },
	{ OAI_CMD_DGT, { A(AFFECTED_EXT, "1000"), A(DISPLAY_CONTROL_TYPE, "1"),
	    A(GENERIC_TONE, "3"), A(TONE_STATUS, "1") }, "_DGT,7,1000,1,3,1" },
	{ OAI_CMD_DRC, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"),
	    A(DISPLAY_CONTROL_TYPE, "1") }, "_DRC,7,1000,4711,1" },
	{ OAI_CMD_DTD, { A(AFFECTED_EXT, "1000"), A(DISPLAY_CONTROL_TYPE, "1"),
	    A(INFO_DISPLAY, "Hello, world"), A(MENU_DISPLAY, "OK CANCEL"), A(DISPLAY_OPTION, "0"),
	    A(DISPLAY_TYPE, "1"), A(DISPLAY_ECHO, "0"), A(PROMPT_OPTION, "1"),
	    A(IMMEDIATE_PROMPT, "0") }, "_DTD,7,1000,1,|Hello, world|,|OK CANCEL|,0,1,0,1,0" },
	{ OAI_CMD_DPR, { A(AFFECTED_EXT, "1000"), A(DISPLAY_CONTROL_TYPE, "1"),
	    A(PROMPT_RESPONSES, "Yes,No"), A(CURSOR_STATUS, "1") }, "_DPR,7,1000,1,|Yes,No|,1" },
	{ OAI_CMD_DD, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(DND_MSG_INDEX, "3"),
	    A(CUSTOM_TEXT, "BACK AT 2") }, "_DD,7,1000,4711,3,|BACK AT 2|" },
	{ OAI_CMD_XE, { A(FORMAT_SETTING, "1") }, "_XE,7,1" },
	{ OAI_CMD_EF, { A(AFFECTED_EXT, "1000"), A(FEATURE_STRING, "!365") },
	    "_EF,7,1000,,!365" },
	{ OAI_CMD_HC, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(LEAVE_AT_DIALTONE, "1"),
	    A(HOLD_TYPE, "0") }, "_HC,7,1000,4711,,1,0" },
	{ OAI_CMD_HM, { A(HUNT_GROUP, "5000"), A(ANNOUNCEMENT_EXT, "5100"), A(CALL_ID, "4711") },
	    "_HM,7,5000,5100,4711" },
	{ OAI_CMD_MC, { A(AFFECTED_EXT, "1000"), A(DIGITS, "9P6025551212") },
	    "_MC,7,1000,9P6025551212" },
	{ OAI_CMD_MD, { A(AFFECTED_EXT, "97001"), A(CALL_ID, "4711"),
	    A(CALLER_NAME, "DOE, JANE"), A(CALLER_NUM, "6025550000"), A(TRUNK_NAME, "SALES"),
	    A(TRUNK_OUTSIDE_NUM, "8005551001"), A(ACCOUNT_CODE, "77") },
	    "_MD,7,97001,4711,|DOE, JANE|,6025550000,|SALES|,8005551001,77" },
	{ OAI_CMD_MS, { A(AFFECTED_ID, ""), A(MONITOR_TYPE, "11"), A(FILTER, "S:FFFF") },
	    "_MS,7,,11,S:FFFF" },
	{ OAI_CMD_MA, { A(AFFECTED_ID, "1000"), A(MONITOR_TYPE_ADV, "1"), A(FILTER, "A:FFFF") },
	    "_MA,7,1000,1,A:FFFF" },
	{ OAI_CMD_MP, { A(XREF, "000101") }, "_MP,7,000101" },
	{ OAI_CMD_MO, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(DESTINATION_DEV, "1001"),
	    A(OVERRIDE_DND, "1") }, "_MO,7,1000,4711,1001,,,1" },
	{ OAI_CMD_NO, { NOARGS }, "_NO,7" },
	{ OAI_CMD_OEC, { A(AFFECTED_EXT, "1000") }, "_OEC,7,1000" },
	{ OAI_CMD_ORC, { A(AFFECTED_EXT, "1000"), A(TIMEOUT, "15"), A(OFFER_TRANSFERRED, "1") },
	    "_ORC,7,1000,15,1" },
	{ OAI_CMD_PC, { A(AFFECTED_EXT, "1001"), A(CALL_ID, "4711"),
	    A(CURRENT_DEST_EXT, "1000") }, "_PC,7,1001,4711,1000" },
	{ OAI_CMD_PSP, { A(AFFECTED_EXT, "1000"), A(OLD_PASSWORD, "1234"),
	    A(NEW_PASSWORD, "4321") }, "_PSP,7,1000,1234,4321" },
	{ OAI_CMD_PSS, { A(AFFECTED_EXT, "1000"), A(BIN_NUMBER, "5"), A(CHANGE_TYPE, "1"),
	    A(DATA1, "96025551212"), A(DATA2, "Mom") }, "_PSS,7,1000,5,1,96025551212,Mom" },
	{ OAI_CMD_QA, { A(AFFECTED_EXT, "1000"), A(AGENT_ID, "2003"), A(HUNT_GROUP, "5000") },
	    "_QA,7,1000,2003,5000" },
	{ OAI_CMD_QC, { A(AFFECTED_EXT, "1000") }, "_QC,7,1000" },
	{ OAI_CMD_QI, { A(AFFECTED_EXT, "1000") }, "_QI,7,1000" },
	{ OAI_CMD_DQD, { A(AFFECTED_EXT, "1000") }, "_DQD,7,1000" },
	{ OAI_CMD_QD, { A(ARG, "1000") }, "_QD,7,1000" },
	{ OAI_CMD_QE, { A(XREF, "000101") }, "_QE,7,000101" },
	{ OAI_CMD_QF, { A(AFFECTED_EXT, "1000") }, "_QF,7,1000" },
	{ OAI_CMD_QH, { A(AFFECTED_EXT, "5000") }, "_QH,7,5000" },
	{ OAI_CMD_QX, { A(AFFECTED_EXT, ""), A(LIST_TYPE, "1"), A(ENTITY_MASK, "109"),
	    A(RESPONSE_MODE, "1"), A(RESPONSE_SIZE, "1") }, "_QX,7,,1,109,1,1" },
	{ OAI_CMD_QX, { A(AFFECTED_EXT, "2:"), A(LIST_TYPE, "8"), A(ENTITY_MASK, "3F"),
	    A(RESPONSE_MODE, "1"), A(RESPONSE_SIZE, "1") }, "_QX,7,2:,8,3F,1,1" },
	{ OAI_CMD_QL, { A(AFFECTED_EXT, ""), A(LIST_TYPE, "1"), A(RESPONSE_MODE, "1"),
	    A(RESPONSE_SIZE, "1") }, "_QL,7,,1,1,1" },
	{ OAI_CMD_QM, { A(AFFECTED_EXT, "1000") }, "_QM,7,1000" },
	{ OAI_CMD_QN, { A(AFFECTED_EXT, "1000") }, "_QN,7,1000" },
	{ OAI_CMD_QT, { A(AFFECTED_EXT, "1000") }, "_QT,7,1000" },
	{ OAI_CMD_QUD, { NOARGS }, "_QUD,7" },
	{ OAI_CMD_QUR, { A(ARG, "a"), A(ARG, "b") }, "_QUR,7,a,b" },
	{ OAI_CMD_RC, { A(AFFECTED_EXT, "1000"), A(CLEAR_CALL_ID, "4712"),
	    A(HELD_CALL_ID, "4711") }, "_RC,7,1000,4712,4711" },
	{ OAI_CMD_RCB, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711") }, "_RCB,7,1000,4711" },
	{ OAI_CMD_RP, { NOARGS }, "_RP,7" },
	{ OAI_CMD_RR, { NOARGS }, "_RR,7," },
	{ OAI_CMD_RT, { NOARGS }, "_RT,7" },
	{ OAI_CMD_RR_LEGACY, { A(SPECIFIC_EXT, "1000") }, "RR,1000" },
	{ OAI_CMD_RT_LEGACY, { NOARGS }, "RT" },
	{ OAI_CMD_RV, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711") }, "_RV,7,1000,4711" },
	{ OAI_CMD_SA, { A(AFFECTED_EXT, "1000"), A(AGENT_ID, "2003"), A(AGENT_STATE, "2") },
	    "_SA,7,1000,2003,2," },
	{ OAI_CMD_SD, { A(AFFECTED_EXT, "1000"), A(ON_OFF, "1"), A(DND_MSG_INDEX, "3"),
	    A(CUSTOM_TEXT, "UNTIL 2PM") }, "_SD,7,1000,1,3,|UNTIL 2PM|" },
	{ OAI_CMD_SF, { A(AFFECTED_EXT, "1000"), A(FORWARD_TYPE, "I"), A(FORWARD_DEST, "5000"),
	    A(ON_OFF, "1") }, "_SF,7,1000,I,5000,1" },
	{ OAI_CMD_SM, { A(AFFECTED_EXT, "1000"), A(ON_OFF, "1"), A(LEAVING_EXT, "1001"),
	    A(NUM_MESSAGES, "2"), A(MAILBOX, "1000") }, "_SM,7,1000,1,1001,2,1000" },
	{ OAI_CMD_ST, { A(ARG, "1") }, "_ST,7,1" },
	{ OAI_CMD_SUD, { NOARGS }, "_SUD,7" },
	{ OAI_CMD_SUI, { NOARGS }, "_SUI,7" },
	{ OAI_CMD_SV, { A(AFFECTED_EXT, "1000"), A(VOLUME, "5"), A(SAVE, "1") },
	    "_SV,7,1000,5,1" },
	{ OAI_CMD_SP, { A(AFFECTED_EXT, "1000") }, "_SP,7,1000" },
	{ OAI_CMD_TR, { A(AFFECTED_EXT, "1000"), A(HELD_CALL_ID, "4711"),
	    A(ANNOUNCEMENT_CALL_ID, "4712") }, "_TR,7,1000,4711,4712" },
	{ OAI_CMD_TO, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"), A(DESTINATION_NUM, "1001") },
	    "_TO,7,1000,4711,1001" },
	{ OAI_CMD_TO, { A(AFFECTED_EXT, "1000"), A(CALL_ID, "4711"),
	    A(DESTINATION_NUM, "96025551212"), A(OVERRIDE_DND, "0"),
	    A(CALLER_ID_NUM, "8005551000"), A(CALLER_ID_NAME, "Acme") },
	    "_TO,7,1000,4711,96025551212,,,0,8005551000,|Acme|" },
	{ OAI_CMD_TD, { A(AFFECTED_EXT, "1000"), A(TRANSIENT_DISPLAY_TYPE, "1"),
	    A(INFO_DISPLAY, "Call me") }, "_TD,7,1000,1,|Call me|" },
	{ OAI_CMD_VP, { A(AFFECTED_EXT, "1000"), A(PASSWORD_TYPE, "1"), A(PASSWORD, "1234") },
	    "_VP,7,1000,1,1234" },
	{ OAI_CMD_AP, { A(RESPONSE_ORDERED, "1"), A(EVENTS_DELAYED, "0") }, "_AP,7,1,0" },
	{ OAI_CMD_GAD, { A(CALL_ID, "4711"), A(TAG, "CRM"), A(BYTE_COUNT, "9"),
	    A(ATTACHMENT_DATA, "acct=1234") }, "_GAD,7,4711,CRM,9,|acct=1234|" },
	{ OAI_CMD_GDR, { A(REGISTRATION_FLAG, "1") }, "_GDR,7,1" },
	{ OAI_CMD_GDD, { A(CALL_ID, "4711"), A(TAG, "CRM") }, "_GDD,7,4711,CRM" },
	{ OAI_CMD_GMD, { A(CALL_ID, "4711"), A(TAG, "CRM"), A(BYTE_COUNT, "9"),
	    A(ATTACHMENT_DATA, "acct=5678") }, "_GMD,7,4711,CRM,9,|acct=5678|" },
	{ OAI_CMD_GQD, { A(CALL_ID, "4711"), A(TAG, "CRM") }, "_GQD,7,4711,CRM" },
	{ OAI_CMD_GRD, { A(CALL_ID, "4711"), A(TAG, "CRM") }, "_GRD,7,4711,CRM" },
	{ OAI_CMD_GSD, { A(TARGET_APP, "3"), A(BYTE_COUNT, "5"), A(DATA, "hello") },
	    "_GSD,7,3,5,|hello|" },
	{ OAI_CMD_UQA, { NOARGS }, "_UQA,7" },
	{ OAI_CMD_UQI, { A(INFO_TYPE, "1"), A(ITEM_NUMBER, "2") }, "_UQI,7,1,2" },
	{ OAI_CMD_UQS, { A(INFO_TYPE, "1"), A(ITEM_NUMBER, "2") }, "_UQS,7,1,2" },
	{ OAI_CMD_UQC, { NOARGS }, "_UQC,7" },
	{ OAI_CMD_UQV, { NOARGS }, "_UQV,7" },
	{ OAI_CMD_NA, { A(SETTING, "1") }, "_NA,7,1" },
	{ OAI_CMD_USS, { A(MODE, "1"), A(NODE_NUMBER, "2:") }, "_USS,7,1,2:" },
	{ OAI_CMD_UAE, { NOARGS }, "_UAE,7" },
	{ OAI_CMD_UQR, { NOARGS }, "_UQR,7" },
};
#undef A

/* Every code is built as listed, and decodes back to the same arguments. */
static void
test_every_command_encodes_positional_args(void **state)
{
	bool seen[OAI_CMD__COUNT] = { false };

	(void)state;
	for (size_t i = 0; i < sizeof(every_cmd) / sizeof(every_cmd[0]); i++) {
		const struct cmd_case *c = &every_cmd[i];
		struct oai_build b;
		struct oai_msg m;
		struct oai_iter it;

		seen[c->cmd] = true;
		oai_build_command(&b, out, sizeof(out), c->cmd, 7);
		for (const struct arg *a = c->args; a < c->args + 12 && (a->f || a->v); a++) {
			if (a->f == ITEM && strcmp(a->v, "+") == 0)
				oai_build_item(&b);
			else if (a->f != ITEM)
				oai_build_str(&b, a->f, a->v);
		}
		t_finish_is(&b, c->want);
		t_decode_ok(&m, buf, sizeof(buf), c->want);
		assert_int_equal(oai_msg_kind(&m), OAI_KIND_COMMAND);
		assert_int_equal(oai_msg_cmd(&m), c->cmd);
		for (const struct arg *a = c->args; a < c->args + 12 && (a->f || a->v); a++) {
			/* List values are checked through an iterator, in order. */
			if (a->f == ITEM || a->f == OAI_F_FILTER || a->f == OAI_F_PARTY_CALL_ID ||
			    a->f == OAI_F_ARG)
				continue;
			assert_string_equal(oai_msg_str(&m, a->f), a->v);
		}
		if (oai_msg_iter(&m, OAI_F_FILTER, &it) == OAI_OK ||
		    oai_msg_iter(&m, OAI_F_PARTY_CALL_ID, &it) == OAI_OK ||
		    oai_msg_iter(&m, OAI_F_ARG, &it) == OAI_OK) {
			const struct arg *a = c->args;

			while (oai_iter_next(&it)) {
				while (a->f == ITEM || !(a->f == OAI_F_FILTER ||
				    a->f == OAI_F_PARTY_CALL_ID || a->f == OAI_F_ARG))
					a++;
				assert_string_equal(oai_iter_str(&it, a->f), a->v);
				a++;
			}
		}
	}
	for (int cmd = 1; cmd < OAI_CMD__COUNT; cmd++)
		if (!seen[cmd])
			fail_msg("%s has no case in every_cmd", oai_cmd_wire(cmd));
}

/* ---- what is written -------------------------------------------------------------------- */

static void
test_text_fields_in_bars(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_DND, 1, NULL);
	oai_build_str(&b, OAI_F_XREF, "000101");
	oai_build_str(&b, OAI_F_DND_EXT, "105");
	oai_build_str(&b, OAI_F_DND_MESSAGE, "OUT, TO LUNCH");
	oai_build_str(&b, OAI_F_DND_TEXT, "");
	t_finish_is(&b, "001,DND,,000101,105,|OUT, TO LUNCH|,||");
	/* Unset is blank; raw is as given. */
	oai_build_event(&b, out, sizeof(out), OAI_EV_DND, 1, NULL);
	oai_build_str(&b, OAI_F_XREF, "000101");
	oai_build_raw(&b, OAI_F_DND_MESSAGE, "BARE");
	t_finish_is(&b, "001,DND,,000101,,BARE,");
	/* Numbers in a text field need no bars. */
	oai_build_event(&b, out, sizeof(out), OAI_EV_AG, 1, NULL);
	oai_build_int(&b, OAI_F_ALARM_TEXT, 5);
	oai_build_str(&b, OAI_F_ALARM_NUMBER, "003");
	t_finish_is(&b, "001,AG,,,,,,003,5,");
}

/* Events carry every field of their layout (oai.md 7.3), blank or not. */
static void
test_events_write_every_field(void **state)
{
	struct oai_build b;
	struct oai_msg m;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_DE, 5, "");
	oai_build_str(&b, OAI_F_XREF, "000101");
	t_finish_is(&b, "005,DE,,000101,,,,,,,,,,,,,,,,");
	t_decode_ok(&m, buf, sizeof(buf), "005,DE,,000101,,,,,,,,,,,,,,,,");
	assert_int_equal(oai_msg_nfields(&m), 20);
	oai_build_event(&b, out, sizeof(out), OAI_EV_CO, 5, "");
	t_finish_is(&b, "005,CO,,,,,,,0,,");
}

static void
test_optional_arguments_up_to_the_last_set(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_HC, 8);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, "1000");
	oai_build_str(&b, OAI_F_CALL_ID, "4711");
	oai_build_int(&b, OAI_F_HOLD_TYPE, 1);
	t_finish_is(&b, "_HC,8,1000,4711,,,1");
	/* Required ones are written even when unset. */
	oai_build_command(&b, out, sizeof(out), OAI_CMD_HC, 8);
	t_finish_is(&b, "_HC,8,,");
	/* CF extras: none unless set. */
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_TR, 9, "25", OAI_OUTCOME_NO_HELD_CALL);
	t_finish_is(&b, "009,CF,_TR,25,17");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_TR, 9, "25", 0);
	oai_build_str(&b, OAI_F_DESTINATION_EXT, "1001");
	t_finish_is(&b, "009,CF,_TR,25,0,,1001");
}

static void
test_sequence_numbers(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_RD, 7, "0");
	t_finish_is(&b, "007,RD,0,");
	oai_build_event(&b, out, sizeof(out), OAI_EV_RD, 1000, "0");
	t_finish_is(&b, "000,RD,0,");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_NO, 1234, "1", 0);
	t_finish_is(&b, "234,CF,_NO,1,0");
}

static void
test_numbers_and_letters(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_QX, 4);
	oai_build_int(&b, OAI_F_LIST_TYPE, OAI_QXL_STATION);
	oai_build_int(&b, OAI_F_ENTITY_MASK, 0x1ff);	/* hex field: written in hex */
	oai_build_int(&b, OAI_F_RESPONSE_MODE, 1);
	oai_build_int(&b, OAI_F_RESPONSE_SIZE, 1);
	t_finish_is(&b, "_QX,4,,1,1FF,1,1");
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 23, NULL);
	oai_build_chr(&b, OAI_F_LCS, OAI_LCS_HELD);
	oai_build_chr(&b, OAI_F_CALL_ID, 0);			/* 0: blank */
	oai_build_int(&b, OAI_F_CAUSE, OAI_CAUSE_HOLD_FOR_TRANSFER);
	t_finish_is(&b, "023,HE,,,,,H,38");
}

/* A built frame goes through the reader and decodes to what was set. */
static void
test_built_frame_reads_back(void **state)
{
	struct oai_build b;
	struct oai_reader r;
	struct oai_frame f;
	struct oai_msg m;
	size_t len, used;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_LN, 1, NULL);
	oai_build_str(&b, OAI_F_XREF, "000101");
	oai_build_str(&b, OAI_F_DEVICE_EXT, "105");
	oai_build_str(&b, OAI_F_AGENT_ID, "2003");
	oai_build_str(&b, OAI_F_AGENT_DESC, "Jones, Bob");
	oai_build_str(&b, OAI_F_HUNT_GROUP, "237");
	assert_int_equal(oai_build_finish(&b, &len), OAI_OK);
	assert_int_equal(oai_reader_init(&r, 0), OAI_OK);
	assert_int_equal(oai_reader_feed(&r, out, len, &used, &f), 1);
	assert_int_equal(used, len);
	assert_int_equal(oai_decode(&m, f.data, f.len), OAI_OK);
	assert_field(&m, OAI_F_AGENT_DESC, "Jones, Bob");
	assert_field(&m, OAI_F_HUNT_GROUP, "237");
	oai_reader_fini(&r);
}

/* ---- errors ----------------------------------------------------------------------------- */

/* Builds with one bad setter and expects the error and its sentence. */
#define EXPECT_ERR(b, rc, msg)                                                                 \
	do {                                                                                   \
		size_t len_;                                                                   \
		assert_int_equal(oai_build_finish((b), &len_), (rc));                          \
		assert_string_equal(oai_build_error(b), (msg));                                \
		assert_int_equal(len_, 0);                                                     \
	} while (0)

static void
test_values_that_would_not_survive(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_command(&b, out, sizeof(out), OAI_CMD_CC, 1);
	oai_build_str(&b, OAI_F_CALL_ID, "47,11");
	EXPECT_ERR(&b, OAI_EINVAL, "_CC: Call_ID \"47,11\" holds a comma (only TEXT fields may)");
	oai_build_command(&b, out, sizeof(out), OAI_CMD_SD, 1);
	oai_build_str(&b, OAI_F_CUSTOM_TEXT, "a|b");
	EXPECT_ERR(&b, OAI_EINVAL, "_SD: Custom_Text \"a|b\" holds a |");
	oai_build_command(&b, out, sizeof(out), OAI_CMD_SD, 1);
	oai_build_str(&b, OAI_F_CUSTOM_TEXT, "a\rb");
	EXPECT_ERR(&b, OAI_EINVAL, "_SD: Custom_Text \"a\rb\" holds a line break");
	oai_build_command(&b, out, sizeof(out), OAI_CMD_SD, 1);
	oai_build_raw(&b, OAI_F_CUSTOM_TEXT, "a\nb");
	EXPECT_ERR(&b, OAI_EINVAL, "_SD: Custom_Text \"a\nb\" holds a line break");
}

static void
test_values_of_the_wrong_type(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_str(&b, OAI_F_CAUSE, "2x");
	EXPECT_ERR(&b, OAI_EINVAL, "HE: Event_Cause \"2x\" not a decimal number");
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_chr(&b, OAI_F_LCS, 'X');
	EXPECT_ERR(&b, OAI_EINVAL, "HE: Local_Cnx_State \"X\" not a Local_Cnx_State (N, I, A, C, "
	    "H, F, Q)");
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_int(&b, OAI_F_CAUSE, -1);
	EXPECT_ERR(&b, OAI_EINVAL, "HE: negative value -1 for Event_Cause");
	oai_build_command(&b, out, sizeof(out), OAI_CMD_MS, 1);
	oai_build_filter(&b, 'Z', 1);
	EXPECT_ERR(&b, OAI_EINVAL,
	    "_MS: Filter_List \"Z:0001\" not a filter item (A:, C:, F: or S: "
	    "and 1-4 hex digits)");
	oai_build_command(&b, out, sizeof(out), OAI_CMD_MS, 1);
	oai_build_filter(&b, 'A', 0x10000);
	EXPECT_ERR(&b, OAI_EINVAL, "_MS: filter mask 10000 wider than 16 bits");
}

static void
test_fields_the_message_does_not_have(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_str(&b, OAI_F_DIGITS, "1");
	EXPECT_ERR(&b, OAI_EINVAL, "HE has no field Digit_String");
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_str(&b, OAI_F__COUNT, "1");
	snprintf(buf, sizeof(buf), "HE: unknown field id %d", OAI_F__COUNT);
	EXPECT_ERR(&b, OAI_EINVAL, buf);
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_item(&b);
	EXPECT_ERR(&b, OAI_EINVAL, "HE has no list of items");
}

static void
test_list_misuse(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_CO, 1, NULL);
	oai_build_str(&b, OAI_F_PARTY_EXT, "1000");
	EXPECT_ERR(&b, OAI_EINVAL, "CO: Party_Ext set before oai_build_item");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_MS, 1, "2", 0);
	oai_build_filter(&b, 'A', 1);
	oai_build_item(&b);
	EXPECT_ERR(&b, OAI_EINVAL, "_MS: items must come before the Filter_List list");
	oai_build_event(&b, out, sizeof(out), OAI_EV_CO, 1, NULL);
	oai_build_int(&b, OAI_F_NUM_PARTIES, 3);
	oai_build_item(&b);
	EXPECT_ERR(&b, OAI_EINVAL, "CO: Number_Of_Parties is 3 but 1 items were added");
}

static void
test_header_errors(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV__COUNT, 1, NULL);
	snprintf(buf, sizeof(buf), "unknown event %d", OAI_EV__COUNT);
	EXPECT_ERR(&b, OAI_EINVAL, buf);
	oai_build_command(&b, out, sizeof(out), OAI_CMD_NONE, 1);
	EXPECT_ERR(&b, OAI_EINVAL, "unknown command 0");
	oai_build_event(&b, out, sizeof(out), OAI_EV_RD, 1, "x");
	EXPECT_ERR(&b, OAI_EINVAL, "RD: Resync_Code \"x\" is not a number");
	oai_build_event(&b, out, sizeof(out), OAI_EV_FE, 1, "7");
	EXPECT_ERR(&b, OAI_EINVAL,
	    "FE with a Resync_Code has the mask layout: use OAI_EV_FE_MASK");
	oai_build_event(&b, out, sizeof(out), OAI_EV_FE_MASK, 1, "");
	EXPECT_ERR(&b, OAI_EINVAL, "OAI_EV_FE_MASK needs a Resync_Code: use OAI_EV_FE when live");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_NA, 1, "a", 0);
	EXPECT_ERR(&b, OAI_EINVAL, "CF _NA: InvokeID \"a\" is not a number");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_NA, 1, "1", -5);
	EXPECT_ERR(&b, OAI_EINVAL, "CF _NA: negative Outcome -5");
	oai_build_confirm(&b, out, sizeof(out), OAI_CMD_RR_LEGACY, 1, "1", 0);
	EXPECT_ERR(&b, OAI_EINVAL, "RR has no InvokeID and no CF");
}

static void
test_buffer_too_small(void **state)
{
	struct oai_build b;
	char small[16];

	(void)state;
	oai_build_event(&b, small, sizeof(small), OAI_EV_RD, 1, "0");
	t_finish_is(&b, "001,RD,0,");	/* 4 + 9 + 2 = 15 bytes fit */
	oai_build_event(&b, small, sizeof(small), OAI_EV_RD, 1, "0");
	oai_build_str(&b, OAI_F_SPECIFIC_EXT, "12");
	EXPECT_ERR(&b, OAI_ENOSPC, "RD: 16-byte buffer too small for a 17-byte message");
	oai_build_confirm(&b, small, sizeof(small), OAI_CMD_MS, 1, "2", 0);
	for (int i = 0; i < 4; i++) {
		oai_build_item(&b);
		oai_build_str(&b, OAI_F_XREF, "000101");
	}
	EXPECT_ERR(&b, OAI_ENOSPC, "_MS: 16-byte buffer too small for the list");
	oai_build_event(&b, small, 3, OAI_EV_RD, 1, "0");
	EXPECT_ERR(&b, OAI_ENOSPC, "no room for the length prefix");
}

/* The first error is the one reported; later calls change nothing. */
static void
test_errors_are_sticky(void **state)
{
	struct oai_build b;

	(void)state;
	oai_build_event(&b, out, sizeof(out), OAI_EV_HE, 1, NULL);
	oai_build_str(&b, OAI_F_CAUSE, "x");
	oai_build_str(&b, OAI_F_LCS, "y");
	oai_build_item(&b);
	EXPECT_ERR(&b, OAI_EINVAL, "HE: Event_Cause \"x\" not a decimal number");
}

static void
test_copy_of_unknown_code(void **state)
{
	struct oai_build b;
	struct oai_msg m;

	(void)state;
	t_decode_ok(&m, buf, sizeof(buf), "001,ZZ,,1");
	oai_build_copy(&b, out, sizeof(out), &m);
	EXPECT_ERR(&b, OAI_EINVAL, "only known codes can be re-encoded");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_encodes_positional_args),
		cmocka_unit_test(test_text_fields_in_bars),
		cmocka_unit_test(test_events_write_every_field),
		cmocka_unit_test(test_optional_arguments_up_to_the_last_set),
		cmocka_unit_test(test_sequence_numbers),
		cmocka_unit_test(test_numbers_and_letters),
		cmocka_unit_test(test_built_frame_reads_back),
		cmocka_unit_test(test_values_that_would_not_survive),
		cmocka_unit_test(test_values_of_the_wrong_type),
		cmocka_unit_test(test_fields_the_message_does_not_have),
		cmocka_unit_test(test_list_misuse),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_errors_are_sticky),
		cmocka_unit_test(test_copy_of_unknown_code),
	};

	return cmocka_run_group_tests_name("oai encode", tests, NULL, NULL);
}
