/*
 * rac.c - the Record-A-Call decisions, without I/O (rac_invoke.c applies them): the set of
 * extensions recorded by Record-A-Call, the per-call list of extensions it was invoked for,
 * whether a connected party gets an invocation now, and the feature's name and string.
 *
 * The rule (spec 05, "Invocation"; manual 9.1.5.1): an extension of the set that is talking
 * on a call gets the feature once per call.  Talking is its Local_Cnx_State C on a call that
 * was answered; a caller hearing an internal extension ring is C too, but there is nothing to
 * record yet (and hunt-group calls are recorded from their answer, the manual says).  An
 * outbound call is taken as talking from the moment it reaches a trunk: many trunks never
 * signal the far end's answer (oai.md 6.2, NT).  Hold and retrieve, or any later event that shows
 * it connected again, must not invoke again: the flag is per (call, extension) and stays when
 * the party leaves, so a call transferred away and back is not invoked twice either.  A call
 * moving to another recorded extension is a new pair and is invoked.
 *
 * A party first seen connected in the resync snapshot of the process's first session is
 * taken as invoked without sending: that call was up before this process knew of it, and a
 * cti-host that ran before us may well have invoked it already; once per call wins over
 * recording a call we cannot know the state of.  In a later session (the link dropped, this
 * process kept its calls) a snapshot call that has no flag was never invoked, and is, once
 * the link is up again.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

static int
ext_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void
cti_rac_set_free(struct cti_rac_set *s)
{
	free(s->ext);
	s->ext = NULL;
	s->n = 0;
}

hs_err
cti_rac_set_assign(struct cti_rac_set *s, const char *const *exts, size_t n)
{
	char (*v)[CTI_RAC_EXT_MAX] = NULL;
	size_t k = 0;

	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL)
		return HS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (exts[i] == NULL || exts[i][0] == '\0' || strlen(exts[i]) >= CTI_RAC_EXT_MAX)
			continue;
		snprintf(v[k++], sizeof(*v), "%s", exts[i]);
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), ext_cmp);
	/* Unique, so the size in health is the number of devices. */
	if (k > 1) {
		size_t w = 1;
		for (size_t r = 1; r < k; r++)
			if (strcmp(v[r], v[w - 1]) != 0)
				memcpy(v[w++], v[r], sizeof(*v));
		k = w;
	}
	free(s->ext);
	s->ext = v;
	s->n = k;
	return HS_OK;
}

bool
cti_rac_set_has(const struct cti_rac_set *s, const char *ext)
{
	if (s->n == 0 || ext == NULL || *ext == '\0' || strlen(ext) >= CTI_RAC_EXT_MAX)
		return false;
	return bsearch(ext, s->ext, s->n, sizeof(*s->ext), ext_cmp) != NULL;
}

bool
cti_rac_done_has(const struct cti_rac_done *d, const char *ext)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->ext[i], ext) == 0)
			return true;
	return false;
}

bool
cti_rac_done_add(struct cti_rac_done *d, const char *ext)
{
	if (cti_rac_done_has(d, ext))
		return true;
	if (d->n >= CTI_RAC_PER_CALL)
		return false;
	snprintf(d->ext[d->n++], sizeof(d->ext[0]), "%s", ext);
	return true;
}

enum cti_rac_decision
cti_rac_decide(const struct cti_rac_set *s, const struct cti_rac_done *d, const char *ext,
    char lcs, const struct cti_rac_ctx *ctx)
{
	if (lcs != 'C')
		return CTI_RAC_NOT_CONNECTED;
	if (!ctx->talking)
		return CTI_RAC_NOT_TALKING;
	if (!cti_rac_set_has(s, ext))
		return CTI_RAC_NOT_LISTED;
	if (cti_rac_done_has(d, ext))
		return CTI_RAC_ALREADY;
	if (d->n >= CTI_RAC_PER_CALL)
		return CTI_RAC_FULL;
	if (ctx->snapshot && ctx->first_session)
		return CTI_RAC_ASSUME;
	if (!ctx->link_up)
		return CTI_RAC_LINK_DOWN;
	return CTI_RAC_INVOKE;
}

const char *
cti_rac_decision_name(enum cti_rac_decision d)
{
	switch (d) {
	case CTI_RAC_INVOKE: return "invoke";
	case CTI_RAC_ASSUME: return "assume";
	case CTI_RAC_NOT_CONNECTED: return "not_connected";
	case CTI_RAC_NOT_TALKING: return "not_talking";
	case CTI_RAC_NOT_LISTED: return "not_listed";
	case CTI_RAC_ALREADY: return "already";
	case CTI_RAC_LINK_DOWN: return "link_down";
	case CTI_RAC_FULL: return "full";
	}
	return "?";
}

void
cti_rac_feature_norm(const char *name, char *out, size_t cap)
{
	size_t k = 0;

	if (cap == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)(name != NULL ? name : ""); *p; p++) {
		/* ASCII only: the PBX's names are Latin-1, and no feature is told apart by an
		 * accent. */
		if (*p >= 0x80 || !isalnum(*p))
			continue;
		if (k + 1 >= cap)
			break;
		out[k++] = (char)tolower(*p);
	}
	out[k] = '\0';
}

bool
cti_rac_feature_is_rac(const char *name)
{
	char n[64];

	cti_rac_feature_norm(name, n, sizeof(n));
	return strcmp(n, "recordacall") == 0;
}

bool
cti_rac_code_ok(const char *code)
{
	size_t n = code != NULL ? strlen(code) : 0;

	return n >= 1 && n <= 8 && strspn(code, "0123456789*#") == n;
}

int
cti_rac_feature_string(const char *code, char *out, size_t cap)
{
	int n;

	if (!cti_rac_code_ok(code))
		return -1;
	/* The party is talking: a feature code dialled mid-call takes the '!' (oai.md 5.15). */
	n = snprintf(out, cap, "!%s", code);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

void
cti_rac_merge(struct cti_call *into, const struct cti_call *from)
{
	/* A conference goes on with the parties of both calls: who was recorded on the merged
	 * call is still recorded, so it is not invoked a second time on the conference. */
	for (int i = 0; i < from->rac.n; i++)
		cti_rac_done_add(&into->rac, from->rac.ext[i]);
}
