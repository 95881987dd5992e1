/*
 * server_mon.c - monitors and resyncs (oai.md 2.3-2.5, 3.6, 5.5): _MS, _MP, _RR, legacy RR,
 * _RP, _RT, _NO and _NA.
 *
 * Monitors are the session's (server_int.h).  _MS answers in the direct-PBX form (unpadded
 * count, xrefs numbered from 1 per session, lowest free first) unless the site is a CT
 * Gateway (4-digit count, 6-digit xrefs).  Granted filters are the requested masks ANDed
 * with A:00FC C:FFFE F:1FFF S:00FE, the grants seen on a real 10.20 system; the defaults
 * when a class is not asked are A:00FC C:FFFC F:00FC S:00FC.  The masks select nothing:
 * which bit is which event is not known (oai.md 8.5).  Snapshots (_RR, _MS types 5 and 6)
 * carry the InvokeID as Resync_Code and end with RD; they run to their end in one go, so
 * no live event can come between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server_int.h"

/* ---- monitors and resync ---------------------------------------------------------------- */

struct snapctx {
	struct session *s;
};

static void
snap_cb(void *arg, const struct eng_event *ev)
{
	struct snapctx *x = arg;
	struct srv_mon *mon = srv_mon_find(x->s, SRV_MON_DEVICE, ev->device);

	if (mon != NULL)
		srv_send_event(x->s, ev, mon->xref);
}

void
srv_snapshot(struct session *s, const char *dev, const char *code)
{
	struct snapctx x = { .s = s };

	engine_snapshot(ENG(s), dev, code, snap_cb, &x);
}

static enum srv_mon_class
mon_class(long type)
{
	switch (type) {
	case OAI_MONITOR_CALL: return SRV_MON_CALL;
	case OAI_MONITOR_CALLS_VIA_DEVICE: return SRV_MON_VIA;
	case OAI_MONITOR_AGENT_ID: return SRV_MON_AGENT;
	case OAI_MONITOR_CALL_TERMINATION: return SRV_MON_TERM;
	case OAI_MONITOR_SYSTEM: return SRV_MON_SYSTEM;
	default: return SRV_MON_DEVICE;
	}
}

/* The next free xref of the session. */
static unsigned
new_xref(struct session *s)
{
	unsigned max = SITE(s)->gateway ? SRV_XREF_MAX_GATEWAY : SRV_XREF_MAX_DIRECT;

	for (unsigned tries = 0; tries < max; tries++) {
		bool used = false;
		s->next_xref = s->next_xref % max + 1;
		for (size_t i = 0; i < s->nmons && !used; i++)
			used = s->mons[i].xref == s->next_xref;
		if (!used)
			return s->next_xref;
	}
	return 0;
}

struct keys {
	char (*k)[SITE_EXT_NUM_MAX];
	size_t n, cap;
};

static void
keys_add(struct keys *k, const char *key)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		void *nk = realloc(k->k, cap * sizeof(*k->k));
		if (nk == NULL)
			return;
		k->k = nk;
		k->cap = cap;
	}
	snprintf(k->k[k->n++], sizeof(k->k[0]), "%s", key);
}

/* What a _MS of type t on aff watches; an outcome when it cannot. */
static int
ms_keys(struct session *s, long t, const char *aff, struct keys *k)
{
	const struct site *site = SITE(s);
	int node = srv_node_of(aff);

	switch (t) {
	case OAI_MONITOR_CALL:
		if (!engine_has_call(ENG(s), aff))
			return OAI_OUTCOME_INVALID_CALL_IDENTIFIER;
		keys_add(k, aff);
		return 0;
	case OAI_MONITOR_DEVICE:
	case OAI_MONITOR_DEVICE_RESYNC:
		if (!engine_has_device(ENG(s), aff) && site_trunkgroup(site, aff) == NULL)
			return OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER;
		keys_add(k, aff);
		return 0;
	case OAI_MONITOR_CALLS_VIA_DEVICE:
		if (site_huntgroup(site, aff) == NULL)
			return OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER;
		keys_add(k, aff);
		return 0;
	case OAI_MONITOR_ALL_STATIONS:
	case OAI_MONITOR_ALL_STATIONS_RESYNC:
		for (size_t i = 0; i < site->nexts; i++)
			if (!node || site->exts[i].node->number == node)
				keys_add(k, site->exts[i].number);
		return 0;
	case OAI_MONITOR_ALL_TRUNKS:
		for (size_t i = 0; i < site->ntrunks; i++)
			if (!node || site->trunks[i].node->number == node)
				keys_add(k, site->trunks[i].number);
		return 0;
	case OAI_MONITOR_ALL_VOICE_MAIL:
		for (size_t i = 0; i < site->nexts; i++)
			if (site->exts[i].type == SITE_EXT_VOICEMAIL &&
			    (!node || site->exts[i].node->number == node))
				keys_add(k, site->exts[i].number);
		return 0;
	case OAI_MONITOR_AGENT_ID:
		if (site_agent(site, aff) == NULL)
			return OAI_OUTCOME_INVALID_AGENT_ID;
		keys_add(k, aff);
		return 0;
	case OAI_MONITOR_CALL_TERMINATION:
		keys_add(k, "");
		return 0;
	case OAI_MONITOR_SYSTEM:
		if (site->gateway) {
			for (size_t i = 0; i < site->nnodes; i++) {
				char key[16];
				if (node && site->nodes[i].number != node)
					continue;
				snprintf(key, sizeof(key), "%d:", site->nodes[i].number);
				keys_add(k, key);
			}
		} else {
			keys_add(k, "");
		}
		return 0;
	default:
		return OAI_OUTCOME_INVALID_DEVICE_MONITOR;
	}
}

void
srv_cmd_ms(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	const char *aff = srv_arg(m, OAI_F_AFFECTED_ID);
	long t = srv_num(m, OAI_F_MONITOR_TYPE, OAI_MONITOR_DEVICE);
	enum srv_mon_class cls = mon_class(t);
	struct keys k = {0};
	unsigned fa, fc, ff, fs, req;
	size_t *idx, nidx = 0;
	int outcome;
	struct srv_cf c;
	char xs[16], cnt[16];

	if ((outcome = ms_keys(s, t, aff, &k)) != 0) {
		free(k.k);
		srv_refuse(s, cmd, inv, outcome, "cannot monitor that");
		return;
	}
	/* Grants (oai.md 5.5): observed maximum masks, defaults when a class is not asked. */
	fa = oai_msg_filter(m, 'A', &req) == OAI_OK ? req & 0x00FC : 0x00FC;
	fc = oai_msg_filter(m, 'C', &req) == OAI_OK ? req & 0xFFFE : 0xFFFC;
	ff = oai_msg_filter(m, 'F', &req) == OAI_OK ? req & 0x1FFF : 0x00FC;
	fs = oai_msg_filter(m, 'S', &req) == OAI_OK ? req & 0x00FE : 0x00FC;
	if ((idx = calloc(k.n ? k.n : 1, sizeof(*idx))) == NULL) {
		free(k.k);
		srv_refuse(s, cmd, inv, OAI_OUTCOME_RESOURCE_AVAILABILITY, "out of memory");
		return;
	}
	for (size_t i = 0; i < k.n; i++) {
		struct srv_mon *mon = srv_mon_find(s, cls, k.k[i]);
		if (mon == NULL) {
			unsigned x;
			if (s->nmons >= SRV_MON_MAX || (x = new_xref(s)) == 0) {
				outcome = OAI_OUTCOME_MONITOR_LIMIT;
				break;
			}
			if (s->nmons == s->capmons) {
				size_t cap = s->capmons ? s->capmons * 2 : 64;
				void *nm = realloc(s->mons, cap * sizeof(*s->mons));
				if (nm == NULL) {
					outcome = OAI_OUTCOME_RESOURCE_AVAILABILITY;
					break;
				}
				s->mons = nm;
				s->capmons = cap;
			}
			mon = &s->mons[s->nmons++];
			memset(mon, 0, sizeof(*mon));
			mon->xref = x;
			mon->cls = cls;
			snprintf(mon->key, sizeof(mon->key), "%s", k.k[i]);
		}
		mon->type = (int)t;
		mon->fa = fa;
		mon->fc = fc;
		mon->ff = ff;
		mon->fs = fs;
		idx[nidx++] = (size_t)(mon - s->mons);
	}
	srv_cf_begin(&c, s, cmd, inv, outcome, nidx * (SITE_EXT_NUM_MAX + 16));
	if (SITE(s)->gateway) {
		snprintf(cnt, sizeof(cnt), "%04zu", nidx);
		oai_build_str(&c.b, OAI_F_MON_COUNT, cnt);
	} else if (nidx == 0) {
		oai_build_str(&c.b, OAI_F_MON_COUNT, "0");
	}
	for (size_t i = 0; i < nidx; i++) {
		const struct srv_mon *mon = &s->mons[idx[i]];
		oai_build_item(&c.b);
		oai_build_str(&c.b, OAI_F_XREF, srv_xref_str(s->srv, mon->xref, xs, sizeof(xs)));
		oai_build_str(&c.b, OAI_F_AFFECTED_ID, mon->key);
	}
	if (cls == SRV_MON_SYSTEM) {
		oai_build_filter(&c.b, 'S', fs);
	} else {
		oai_build_filter(&c.b, 'A', fa);
		oai_build_filter(&c.b, 'C', fc);
		oai_build_filter(&c.b, 'F', ff);
	}
	srv_cf_end(&c);
	if (outcome != 0)
		hs_log_info("oai.refused", "session=%u cmd=_MS invoke=%s outcome=%d monitors=%zu",
		    s->id, hs_logq(inv), outcome, s->nmons);
	/* With resync: the snapshot of what was just monitored, then RD (oai.md 7.2). */
	if (t == OAI_MONITOR_DEVICE_RESYNC || t == OAI_MONITOR_ALL_STATIONS_RESYNC) {
		for (size_t i = 0; i < nidx; i++)
			srv_snapshot(s, s->mons[idx[i]].key, inv);
		srv_send_rd(s, inv, t == OAI_MONITOR_DEVICE_RESYNC ? aff : "");
	}
	free(idx);
	free(k.k);
}

void
srv_cmd_mp(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	unsigned long x = strtoul(srv_arg(m, OAI_F_XREF), NULL, 10);

	NEED(OAI_F_XREF);
	for (size_t i = 0; i < s->nmons; i++)
		if (s->mons[i].xref == x) {
			s->mons[i] = s->mons[--s->nmons];
			srv_cf_simple(s, cmd, inv, 0);
			return;
		}
	srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_XREF, "no such monitor");
}

void
srv_cmd_rr(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	const char *ext = srv_arg(m, OAI_F_AFFECTED_EXT);
	struct srv_cf c;

	if (*ext != '\0' && !engine_has_device(ENG(s), ext)) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_DEVICE_IDENTIFIER, "no such device");
		return;
	}
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_str(&c.b, OAI_F_AFFECTED_EXT, ext);
	srv_cf_end(&c);
	if (*ext == '\0') {
		/* Monitors cannot change during the snapshot: it runs to its end here. */
		for (size_t i = 0; i < s->nmons; i++)
			if (s->mons[i].cls == SRV_MON_DEVICE)
				srv_snapshot(s, s->mons[i].key, inv);
	} else {
		srv_snapshot(s, ext, inv);
	}
	srv_send_rd(s, inv, ext);
	if (*ext == '\0')
		srv_first_ready(s->srv);
}

void
srv_cmd_no(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	const struct site *site = SITE(s);
	struct srv_cf c;
	char node[64][16]; /* alive until the CF is written: the builder keeps the strings */

	(void)m;
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	if (site->gateway && s->node_aware)
		for (size_t i = 0; i < site->nnodes && i < 64; i++) {
			snprintf(node[i], sizeof(node[i]), "%d", site->nodes[i].number);
			oai_build_item(&c.b);
			oai_build_str(&c.b, OAI_F_NODE_NUMBER, node[i]);
			oai_build_int(&c.b, OAI_F_NODE_STATUS, 1);
		}
	srv_cf_end(&c);
}

void
srv_cmd_na(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	struct srv_cf c;
	long v = srv_num(m, OAI_F_SETTING, -1);

	if (!SITE(s)->gateway) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_INVALID_COMMAND, "_NA is a CT Gateway command; "
		    "this is a bare PBX");
		return;
	}
	if (v != 0 && v != 1) {
		srv_refuse(s, cmd, inv, OAI_OUTCOME_VALUE_OUT_OF_RANGE, "Setting is not 0 or 1");
		return;
	}
	s->node_aware = v == 1;
	srv_cf_begin(&c, s, cmd, inv, 0, 0);
	oai_build_int(&c.b, OAI_F_SETTING, v);
	srv_cf_end(&c);
}

void
srv_cmd_rp(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	(void)m;
	srv_cf_simple(s, cmd, inv, 0);
	srv_forget_monitors(s);
	srv_send_rs(s, "0");
	srv_send_rd(s, "0", "");
}

void
srv_cmd_rt(struct session *s, const struct oai_msg *m, enum oai_cmd cmd, const char *inv)
{
	(void)m;
	srv_cf_simple(s, cmd, inv, 0);
	srv_send_rs(s, "1");
}
