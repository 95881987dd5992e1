/*
 * rac_invoke.c - Record-A-Call applied to the live model: after every call event state.c asks
 * for the call's connected parties to be checked (rac.c decides), and an extension of the
 * Record-A-Call set gets `_EF,<inv>,<ext>,<call>,!<code>`, the site's Record-A-Call code
 * found by the start-up step (_QX list 8), or the default 385.  The PBX then sends the call's
 * audio to the recorder's SIP endpoint.
 *
 * One try per (call, extension): the flag is set before the command goes out, so a refusal,
 * a timeout or a lost link is logged, counted and published (recording.rac_invoked) and never
 * retried; a PBX that does not know _EF costs one command per recorded call, no more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

struct rac_req {
	char ext[CTI_RAC_EXT_MAX];
	char call_id[24];
	char code[16];
	unsigned session;
};

static void
publish(struct cti *cti, const struct rac_req *r, const char *status, long outcome)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "extension", r->ext);
	cJSON_AddStringToObject(body, "call_id", r->call_id);
	cJSON_AddStringToObject(body, "status", status);
	cJSON_AddStringToObject(body, "feature_code", r->code);
	if (outcome > 0)
		cJSON_AddNumberToObject(body, "outcome", outcome);
	cti_publish(cti, "recording.rac_invoked", body);
}

static void
ef_done(struct cti *cti, void *arg, const struct oai_msg *m)
{
	struct rac_req *r = arg;
	long outcome = -1;

	if (m == NULL) {
		/* close_session moves to a new session number before it fails what was pending. */
		bool lost = r->session != cti->link.session;
		const char *status = lost ? "link_lost" : "timeout";
		if (lost)
			cti->rac.failed++;
		else
			cti->rac.timeouts++;
		hs_log_warn("rac.invoke_failed", "ext=%s call_id=%s code=%s error=%s", r->ext,
		    r->call_id, r->code, status);
		publish(cti, r, status, 0);
		free(r);
		return;
	}
	oai_msg_int(m, OAI_F_OUTCOME, &outcome);
	if (outcome == 0) {
		cti->rac.ok++;
		hs_log_info("rac.invoked", "ext=%s call_id=%s code=%s", r->ext, r->call_id, r->code);
		publish(cti, r, "ok", 0);
	} else {
		const char *name = oai_enum_text(OAI_ENUM_OUTCOME, (int)outcome);
		cti->rac.failed++;
		hs_log_warn("rac.invoke_failed", "ext=%s call_id=%s code=%s outcome=%ld error=%s",
		    r->ext, r->call_id, r->code, outcome, name != NULL ? name : "unknown");
		publish(cti, r, name != NULL ? name : "unknown", outcome);
	}
	free(r);
}

static void
invoke(struct cti *cti, const struct cti_call *c, const char *ext)
{
	struct oai_build b;
	char buf[256], fs[24];
	struct rac_req *r;
	unsigned inv;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return;
	snprintf(r->ext, sizeof(r->ext), "%s", ext);
	snprintf(r->call_id, sizeof(r->call_id), "%s", c->id);
	snprintf(r->code, sizeof(r->code), "%s", cti->rac.code);
	r->session = cti->link.session;
	cti->rac.sent++;
	if (cti_rac_feature_string(cti->rac.code, fs, sizeof(fs)) != 0) {
		/* Not reachable with a code rac.c accepted; kept so a bad one never goes out. */
		cti->rac.failed++;
		hs_log_warn("rac.invoke_failed", "ext=%s call_id=%s code=%s error=bad_code", ext,
		    c->id, hs_logq(cti->rac.code));
		publish(cti, r, "bad_code", 0);
		free(r);
		return;
	}
	inv = cti_link_command(cti, &b, buf, sizeof(buf), OAI_CMD_EF);
	oai_build_str(&b, OAI_F_AFFECTED_EXT, ext);
	oai_build_str(&b, OAI_F_CALL_ID, c->id);
	oai_build_str(&b, OAI_F_FEATURE_STRING, fs);
	if (cti_link_submit(cti, &b, inv, OAI_CMD_EF, CTI_CMD_TIMEOUT_MS, ef_done, r) != 0) {
		cti->rac.failed++;
		hs_log_warn("rac.invoke_failed", "ext=%s call_id=%s code=%s error=send_failed", ext,
		    c->id, r->code);
		publish(cti, r, "send_failed", 0);
		free(r);
		return;
	}
	hs_log_debug("rac.invoke", "ext=%s call_id=%s code=%s invoke=%u", ext, c->id, r->code, inv);
}

void
cti_rac_check_call(struct cti *cti, struct cti_call *c, bool snapshot)
{
	struct cti_rac_ctx ctx = {
		.link_up = cti->link.state == CTI_LINK_UP,
		.talking = c != NULL &&
		    (c->answered || strcmp(c->direction, "outbound") == 0),
		.snapshot = snapshot,
		.first_session = cti->rac.sessions_up == 0,
	};

	if (c == NULL || cti->rac.set.n == 0)
		return;
	for (int i = 0; i < c->nparties; i++) {
		const char *ext = c->parties[i].device;

		switch (cti_rac_decide(&cti->rac.set, &c->rac, ext, c->parties[i].lcs, &ctx)) {
		case CTI_RAC_INVOKE:
			cti_rac_done_add(&c->rac, ext);
			invoke(cti, c, ext);
			break;
		case CTI_RAC_ASSUME:
			cti_rac_done_add(&c->rac, ext);
			cti->rac.assumed++;
			hs_log_info("rac.assumed", "ext=%s call_id=%s note=%s", ext, c->id,
			    hs_logq("connected before this process started; taken as invoked"));
			break;
		case CTI_RAC_FULL:
			hs_log_warn("rac.skipped", "ext=%s call_id=%s note=%s", ext, c->id,
			    hs_logq("too many recorded extensions on one call"));
			/* Flag nothing: logged at each event of the call, which is rare enough. */
			break;
		default:
			break;
		}
	}
}

void
cti_rac_sweep(struct cti *cti)
{
	size_t pos = 0;
	const char *key;
	void *v;

	if (cti->link.state != CTI_LINK_UP || cti->rac.set.n == 0 || cti->calls == NULL)
		return;
	while (hs_map_next(cti->calls, &pos, &key, &v))
		cti_rac_check_call(cti, v, false);
}

void
cti_rac_link_up(struct cti *cti)
{
	cti->rac.sessions_up++;
	cti_rac_sweep(cti);
}

void
cti_rac_features(struct cti *cti, const struct oai_msg *m)
{
	struct cti_rac *rac = &cti->rac;
	const char *found = NULL, *name = NULL, *why = "no answer to _QX list 8";
	struct oai_iter it;
	long outcome = -1;

	if (m != NULL && oai_msg_int(m, OAI_F_OUTCOME, &outcome) == OAI_OK && outcome != 0)
		why = "_QX list 8 refused";
	else if (m != NULL)
		why = "no Record-A-Call in _QX list 8";
	if (m != NULL && outcome == 0 && oai_msg_iter(m, OAI_F_ENTITY_KEY, &it) == OAI_OK) {
		while (found == NULL && oai_iter_next(&it)) {
			const char *key = oai_iter_str(&it, OAI_F_ENTITY_KEY);
			const char *n = oai_iter_qx(&it, 1);
			if (n != NULL && cti_rac_feature_is_rac(n) && cti_rac_code_ok(key)) {
				found = key;
				name = n;
			}
		}
	}
	if (found != NULL) {
		if (!rac->code_from_pbx || strcmp(rac->code, found) != 0)
			hs_log_info("rac.feature_code", "code=%s name=%s source=pbx", found,
			    hs_logq(name));
		snprintf(rac->code, sizeof(rac->code), "%s", found);
		rac->code_from_pbx = true;
		return;
	}
	snprintf(rac->code, sizeof(rac->code), "%s", CTI_RAC_DEFAULT_CODE);
	rac->code_from_pbx = false;
	if (!rac->default_logged) {
		rac->default_logged = true;
		hs_log_warn("rac.feature_code", "code=%s source=default outcome=%ld note=%s",
		    CTI_RAC_DEFAULT_CODE, outcome, hs_logq(why));
	}
}

cJSON *
cti_rac_json(const struct cti *cti)
{
	const struct cti_rac *rac = &cti->rac;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "devices", (double)rac->set.n);
	cJSON_AddBoolToObject(o, "devices_loaded", rac->loaded && !rac->load_failed);
	cJSON_AddStringToObject(o, "feature_code", rac->code);
	cJSON_AddStringToObject(o, "feature_code_source", rac->code_from_pbx ? "pbx" : "default");
	cJSON_AddNumberToObject(o, "invoked", (double)rac->sent);
	cJSON_AddNumberToObject(o, "ok", (double)rac->ok);
	cJSON_AddNumberToObject(o, "failed", (double)rac->failed);
	cJSON_AddNumberToObject(o, "timeouts", (double)rac->timeouts);
	cJSON_AddNumberToObject(o, "assumed", (double)rac->assumed);
	return o;
}

void
cti_rac_init(struct cti *cti)
{
	memset(&cti->rac, 0, sizeof(cti->rac));
	snprintf(cti->rac.code, sizeof(cti->rac.code), "%s", CTI_RAC_DEFAULT_CODE);
}

void
cti_rac_fini(struct cti *cti)
{
	cti_rac_set_free(&cti->rac.set);
}
