/*
 * server_cmd.c - the commands a PBX answers on a System OAI session (oai.md 3): the
 * dispatch, the CF helpers every handler uses, and the call-control and feature commands.
 * Queries are in server_query.c, monitors and resyncs in server_mon.c.
 *
 * srv_command() checks the frame (a bad or blank InvokeID: outcome 41; missing or malformed
 * arguments: 1; an unknown or unsimulated command: 45), restarts the session's command
 * timer, and runs the handler from the table at the bottom with engine events held back, so
 * that every command gets exactly one CF and the CF comes before the events the command
 * causes.  Handlers that change calls only translate arguments and outcomes: the engine
 * decides.  _NA on a direct PBX: outcome 45 (Invalid_Command), as for any Gateway command.
 * _EF simulates one feature, Record-A-Call (sipvm.c); any other code is Invalid_Feature.
 *
 * Adding a command: a handler (srv_cmd_fn), its line in cmds[], and a line in README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server_int.h"
#include "sipvm.h"

/* ---- confirmations ---------------------------------------------------------------------- */

void
srv_cf_begin(struct srv_cf *c, struct session *s, enum oai_cmd cmd, const char *inv,
    int outcome, size_t hint)
{
	size_t cap;
	char *buf = srv_out(s->srv, hint + 512, &cap);

	c->s = s;
	c->cmd = cmd;
	c->outcome = outcome;
	oai_build_confirm(&c->b, buf, cap, cmd, s->seq, inv, outcome);
}

void
srv_cf_end(struct srv_cf *c)
{
	c->s->srv->st.commands++;
	if (c->outcome != 0)
		c->s->srv->st.commands_failed++;
	srv_send_build(c->s, &c->b);
}

void
srv_cf_simple(struct session *s, enum oai_cmd cmd, const char *inv, int outcome)
{
	struct srv_cf c;

	srv_cf_begin(&c, s, cmd, inv, outcome, 0);
	srv_cf_end(&c);
}

/* A refusal: logged with the reason (engine_error or why), then the CF. */
void
srv_refuse(struct session *s, enum oai_cmd cmd, const char *inv, int outcome, const char *why)
{
	const char *name = oai_enum_text(OAI_ENUM_OUTCOME, outcome);

	hs_log_info("oai.refused", "session=%u cmd=%s invoke=%s outcome=%d name=%s reason=%s",
	    s->id, oai_cmd_wire(cmd), hs_logq(inv), outcome, hs_logq(name != NULL ? name : "?"),
	    hs_logq(why));
	srv_cf_simple(s, cmd, inv, outcome);
}

const char *
srv_arg(const struct oai_msg *m, enum oai_field f)
{
	return oai_msg_str(m, f);
}

long
srv_num(const struct oai_msg *m, enum oai_field f, long def)
{
	long v;

	return oai_msg_int(m, f, &v) == OAI_OK ? v : def;
}

/* Sets a CF text field only when it has a value (blank, not "||"). */
void
srv_cf_text(struct srv_cf *c, enum oai_field f, const char *v)
{
	if (v != NULL && *v != '\0')
		oai_build_str(&c->b, f, v);
}


/* Most call commands: the engine's outcome, and a plain CF. */
void
srv_done(struct session *s, enum oai_cmd cmd, const char *inv, int rc)
{
	if (rc != 0)
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
	else
		srv_cf_simple(s, cmd, inv, 0);
}

bool
srv_need(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv,
    const enum oai_field *fields)
{
	for (; *fields != OAI_F_NONE; fields++)
		if (!oai_msg_has(m, *fields)) {
			char why[96];
			snprintf(why, sizeof(why), "%s is missing", oai_field_name(*fields));
			srv_refuse(s, cmd, inv, OAI_OUTCOME_GENERIC_UNSPECIFIED, why);
			return false;
		}
	return true;
}


/* ---- call control ----------------------------------------------------------------------- */

static void
cmd_mc(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct eng_call_req r = {0};
	char id[ENG_ID_MAX];
	struct srv_cf c;
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_DIGITS);
	r.from = srv_arg(m, OAI_F_AFFECTED_EXT);
	r.digits = srv_arg(m, OAI_F_DIGITS);
	r.account = srv_arg(m, OAI_F_ACCOUNT_CODE);
	r.consult_of = srv_arg(m, OAI_F_TRANSFER_CALL_ID);
	if ((rc = engine_call(ENG(s), &r, id)) != 0) {
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_str(&c.b, OAI_F_CALL_ID, id);
	oai_build_str(&c.b, OAI_F_AFFECTED_EXT, r.from);
	srv_cf_end(&c);
}

/* _CS: a consultation call from a connected call (Call_ID goes on transfer hold). */
static void
cmd_cs(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct eng_call_req r = {0};
	char id[ENG_ID_MAX];
	struct srv_cf c;
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID, OAI_F_CALL_DESTINATION);
	r.from = srv_arg(m, OAI_F_AFFECTED_EXT);
	r.digits = srv_arg(m, OAI_F_CALL_DESTINATION);
	r.account = srv_arg(m, OAI_F_ACCOUNT_CODE);
	r.consult_of = srv_arg(m, OAI_F_CALL_ID);
	if ((rc = engine_call(ENG(s), &r, id)) != 0) {
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_str(&c.b, OAI_F_AFFECTED_EXT, r.from);
	oai_build_str(&c.b, OAI_F_CALL_ID, id);
	srv_cf_end(&c);
}

static void
cmd_ac(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID);
	srv_done(s, cmd, inv, engine_answer(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_CALL_ID)));
}

static void
cmd_cx(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID);
	srv_done(s, cmd, inv, engine_hangup(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_CALL_ID), srv_num(m, OAI_F_COMPLETE_TRANSFER, 0) == 1));
}

static void
cmd_cc(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID);
	srv_done(s, cmd, inv, engine_clear_call(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_CALL_ID)));
}

static void
cmd_hc(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID);
	srv_done(s, cmd, inv, engine_hold(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_CALL_ID), srv_num(m, OAI_F_HOLD_TYPE, 0) == 1 ?
	    OAI_CAUSE_HOLD_SYSTEM : OAI_CAUSE_HOLD_INDIVIDUAL));
}

static void
cmd_rv(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID);
	srv_done(s, cmd, inv, engine_retrieve(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_CALL_ID)));
}

/* _RC: clears the active call and retrieves the held one. */
static void
cmd_rc(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	const char *ext = srv_arg(m, OAI_F_AFFECTED_EXT);
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_CLEAR_CALL_ID, OAI_F_HELD_CALL_ID);
	if (!engine_has_call(ENG(s), srv_arg(m, OAI_F_HELD_CALL_ID))) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_CALL_IDENTIFIER, "no such held call");
		return;
	}
	rc = engine_hangup(ENG(s), ext, srv_arg(m, OAI_F_CLEAR_CALL_ID), false);
	if (rc == 0)
		rc = engine_retrieve(ENG(s), ext, srv_arg(m, OAI_F_HELD_CALL_ID));
	srv_done(s, cmd, inv, rc);
}

static void
cf_xfer(struct srv_cf *c, const struct eng_xfer *x, bool with_transferred)
{
	oai_build_str(&c->b, OAI_F_NEW_CALL_ID, x->call_id);
	oai_build_raw(&c->b, OAI_F_DESTINATION_EXT, x->dest);
	if (with_transferred)
		oai_build_str(&c->b, OAI_F_TRANSFERRED_EXT, x->transferred);
	srv_cf_text(c, OAI_F_CALLER_NAME, x->name);
	oai_build_str(&c->b, OAI_F_CALLER_NUM, x->cli);
	srv_cf_text(c, OAI_F_TRUNK_NAME, x->trunk_name);
	oai_build_str(&c->b, OAI_F_TRUNK_OUTSIDE_NUM, x->ddi);
}

static void
cmd_tr(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct eng_xfer x;
	struct srv_cf c;
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_HELD_CALL_ID, OAI_F_ANNOUNCEMENT_CALL_ID);
	rc = engine_transfer(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT), srv_arg(m, OAI_F_HELD_CALL_ID),
	    srv_arg(m, OAI_F_ANNOUNCEMENT_CALL_ID), &x);
	if (rc != 0) {
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	cf_xfer(&c, &x, true);
	srv_cf_end(&c);
}

static void
cmd_to(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct eng_xfer x;
	struct srv_cf c;
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_CALL_ID, OAI_F_DESTINATION_NUM);
	rc = engine_transfer_blind(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_CALL_ID),
	    srv_arg(m, OAI_F_DESTINATION_NUM), &x);
	if (rc != 0) {
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	cf_xfer(&c, &x, false);
	srv_cf_end(&c);
}

static void
cmd_cn(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct eng_conf x;
	struct srv_cf c;
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_HELD_CALL_ID, OAI_F_ACTIVE_CALL_ID);
	rc = engine_conference(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_arg(m, OAI_F_HELD_CALL_ID),
	    srv_arg(m, OAI_F_ACTIVE_CALL_ID), &x);
	if (rc != 0) {
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_str(&c.b, OAI_F_CONF_CONTROLLER_EXT, srv_arg(m, OAI_F_AFFECTED_EXT));
	oai_build_str(&c.b, OAI_F_CNF_CALL_ID, x.call_id);
	for (size_t i = 0; i < x.n; i++) {
		oai_build_item(&c.b);
		oai_build_str(&c.b, OAI_F_PARTY_EXT, x.ext[i]);
		oai_build_str(&c.b, OAI_F_PARTY_CALL_ID, x.call_id);
	}
	srv_cf_end(&c);
}

/* ---- features --------------------------------------------------------------------------- */

static void
cmd_sd(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	NEED(OAI_F_AFFECTED_EXT);
	srv_done(s, cmd, inv, engine_dnd(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    srv_num(m, OAI_F_ON_OFF, 1) != 0, (int)srv_num(m, OAI_F_DND_MSG_INDEX, 1),
	    srv_arg(m, OAI_F_CUSTOM_TEXT)));
}

static void
cmd_sf(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	int fwd = SITE_FWD_OFF;

	NEED(OAI_F_AFFECTED_EXT);
	if (srv_num(m, OAI_F_ON_OFF, 1) != 0 && oai_msg_has(m, OAI_F_FORWARD_DEST)) {
		if ((fwd = engine_fwd_parse_letter(oai_msg_chr(m, OAI_F_FORWARD_TYPE))) < 0) {
			srv_refuse(s, cmd, inv, OAI_OUTCOME_VALUE_OUT_OF_RANGE,
			    "Forward_Type is not I, B, N or D");
			return;
		}
	}
	srv_done(s, cmd, inv, engine_forward(ENG(s), srv_arg(m, OAI_F_AFFECTED_EXT),
	    (enum site_fwd)fwd, srv_arg(m, OAI_F_FORWARD_DEST)));
}

static void
cmd_sa(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	static const int ops[] = { SCN_AGENT_LOGOFF, SCN_AGENT_LOGON, SCN_AGENT_READY,
		SCN_AGENT_NOTREADY, SCN_AGENT_READY, SCN_AGENT_WRAPUP };
	const char *ext = srv_arg(m, OAI_F_AFFECTED_EXT), *agent = srv_arg(m, OAI_F_AGENT_ID);
	long st = srv_num(m, OAI_F_AGENT_STATE, -1);

	NEED(OAI_F_AFFECTED_EXT, OAI_F_AGENT_STATE);
	if (st < 0 || st > 5) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_VALUE_OUT_OF_RANGE, "Agent_State is not 0-5");
		return;
	}
	srv_done(s, cmd, inv, engine_agent(ENG(s), *agent != '\0' ? agent : ext,
	    (enum scn_agent_op)ops[st], ext));
}

/*
 * _EF Extension Feature: only Record-A-Call is simulated (the one feature a CTI application
 * invokes over OAI that needs a peer of its own: the SIP voice mail of [record_a_call]).
 * Checks, in order: the feature string is the site's Record-A-Call code, with or without
 * the leading '!' of a connected station (else 10 Invalid_Feature); the site has the
 * application (else 22 Generic_System_Resource_Availability: a PBX without it); the station
 * is connected in the call (engine_connected: 9, 3, 8, 14 or 16).  Then CF 0, and a leg
 * starts unless this (call, station) is already recorded (CF 0 all the same).  No events:
 * the Record-A-Call application is not a monitored device.
 */
static void
cmd_ef(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct pbxsim *p = s->srv->p;
	const struct site_feature *rac = site_feature(p->site, SITE_FEAT_RECORD_A_CALL);
	const char *ext = srv_arg(m, OAI_F_AFFECTED_EXT), *feat = srv_arg(m, OAI_F_FEATURE_STRING);
	char id[ENG_ID_MAX], why[96];
	int rc;

	NEED(OAI_F_AFFECTED_EXT, OAI_F_FEATURE_STRING);
	if (*feat == '!')
		feat++;
	if (rac == NULL || rac->code[0] == '\0' || strcmp(feat, rac->code) != 0) {
		snprintf(why, sizeof(why), "feature '%.48s' is not simulated (only Record-A-Call, "
		    "code %s)", feat, rac != NULL && rac->code[0] != '\0' ? rac->code : "none");
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_FEATURE, why);
		return;
	}
	if (p->vm == NULL) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_RESOURCE_AVAILABILITY,
		    "no Record-A-Call application (the site has no [record_a_call])");
		return;
	}
	if ((rc = engine_connected(ENG(s), ext, srv_arg(m, OAI_F_CALL_ID), id)) != 0) {
		srv_refuse(s, cmd, inv, rc, engine_error(ENG(s)));
		return;
	}
	if ((rc = sipvm_invoke(p->vm, id, ext, hs_now_ms())) < 0) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_RESOURCE_AVAILABILITY,
		    "the Record-A-Call application is stopping");
		return;
	}
	hs_log_info("rac.invoke", "session=%u call=%s extension=%s already=%s", s->id,
	    hs_logq(id), hs_logq(ext), rc == 1 ? "yes" : "no");
	srv_cf_simple(s, cmd, inv, 0);
}

/* ---- dispatch --------------------------------------------------------------------------- */

static const struct {
	enum oai_cmd cmd;
	srv_cmd_fn *fn;
} cmds[] = {
	{ OAI_CMD_MC, cmd_mc }, { OAI_CMD_CS, cmd_cs }, { OAI_CMD_AC, cmd_ac },
	{ OAI_CMD_CX, cmd_cx }, { OAI_CMD_CC, cmd_cc }, { OAI_CMD_HC, cmd_hc },
	{ OAI_CMD_RV, cmd_rv }, { OAI_CMD_RC, cmd_rc }, { OAI_CMD_TR, cmd_tr },
	{ OAI_CMD_TO, cmd_to }, { OAI_CMD_CN, cmd_cn }, { OAI_CMD_SD, cmd_sd },
	{ OAI_CMD_SF, cmd_sf }, { OAI_CMD_SA, cmd_sa }, { OAI_CMD_QH, srv_cmd_qh },
	{ OAI_CMD_QX, srv_cmd_qx }, { OAI_CMD_QF, srv_cmd_qf }, { OAI_CMD_SP, srv_cmd_sp },
	{ OAI_CMD_QA, srv_cmd_qa }, { OAI_CMD_QC, srv_cmd_qc }, { OAI_CMD_QT, srv_cmd_qt },
	{ OAI_CMD_MS, srv_cmd_ms }, { OAI_CMD_MP, srv_cmd_mp }, { OAI_CMD_RR, srv_cmd_rr },
	{ OAI_CMD_NO, srv_cmd_no }, { OAI_CMD_NA, srv_cmd_na }, { OAI_CMD_RP, srv_cmd_rp },
	{ OAI_CMD_RT, srv_cmd_rt }, { OAI_CMD_EF, cmd_ef },
};

static bool
digits(const char *v)
{
	if (v == NULL || *v == '\0')
		return false;
	for (; *v != '\0'; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

/* A CF for a command the codec does not know: written by hand, as the builder needs a
 * known code. */
static void
cf_unknown(struct session *s, const char *code, const char *inv)
{
	char text[96], buf[128];
	size_t len;

	s->srv->st.commands++;
	s->srv->st.commands_failed++;
	hs_log_info("oai.refused", "session=%u cmd=%s invoke=%s outcome=%d reason=%s", s->id,
	    hs_logq(code), hs_logq(inv), OAI_OUTCOME_INVALID_COMMAND, hs_logq("unknown command"));
	snprintf(text, sizeof(text), "%03u,CF,%.16s,%.16s,%d", s->seq % 1000, code, inv,
	    OAI_OUTCOME_INVALID_COMMAND);
	if (oai_frame_write(buf, sizeof(buf), text, strlen(text), OAI_TERM_CRLF, &len) == OAI_OK) {
		srv_write(s, buf, len);
		s->seq = oai_seq_next(s->seq);
	}
}

void
srv_command(struct session *s, struct oai_msg *m, int rc)
{
	enum oai_cmd cmd = oai_msg_cmd(m);
	const char *raw_inv = oai_msg_field(m, 1);
	const char *inv = digits(raw_inv) ? raw_inv : "";

	/* Legacy resync (no InvokeID, no CF): RS 1, the snapshot, RD 1 (oai.md 2.5). */
	if (cmd == OAI_CMD_RR_LEGACY || cmd == OAI_CMD_RT_LEGACY) {
		const char *ext = oai_msg_str(m, OAI_F_SPECIFIC_EXT);
		srv_ka_restart(s);
		srv_defer(s->srv, true);
		srv_send_rs(s, "1");
		if (cmd == OAI_CMD_RR_LEGACY) {
			for (size_t i = 0; i < s->nmons; i++)
				if (s->mons[i].cls == SRV_MON_DEVICE &&
				    (*ext == '\0' || strcmp(ext, s->mons[i].key) == 0))
					srv_snapshot(s, s->mons[i].key, "1");
			srv_send_rd(s, "1", ext);
			if (*ext == '\0')
				srv_first_ready(s->srv);
		}
		srv_defer(s->srv, false);
		return;
	}
	if (oai_msg_kind(m) == OAI_KIND_UNKNOWN) {
		srv_ka_restart(s);
		cf_unknown(s, oai_msg_code(m), inv);
		return;
	}
	if (*inv == '\0') {
		hs_log_info("oai.refused", "session=%u cmd=%s invoke=%s outcome=%d reason=%s",
		    s->id, oai_cmd_wire(cmd), hs_logq(raw_inv), OAI_OUTCOME_INVALID_INVOKE_ID,
		    hs_logq("blank or invalid InvokeID"));
		srv_cf_simple(s, cmd, "", OAI_OUTCOME_INVALID_INVOKE_ID);
		return;
	}
	if (rc != OAI_OK) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_GENERIC_UNSPECIFIED, oai_msg_error(m));
		return;
	}
	srv_ka_restart(s);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i].cmd != cmd)
			continue;
		srv_defer(s->srv, true);
		cmds[i].fn(s, m, cmd, inv);
		srv_defer(s->srv, false);
		return;
	}
	srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_COMMAND, "command not simulated");
}
