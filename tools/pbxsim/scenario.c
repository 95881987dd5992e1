/*
 * scenario.c - building, sorting and writing scenarios.
 *
 * The load generator (load.c) builds a scenario with scenario_new, scenario_add_call and
 * scenario_add_action, then scenario_sort; scenario_parse.c builds one from a file the same
 * way.  scenario_write() prints any scenario in file syntax, so that parsing what it wrote
 * gives the same actions back (scenario_test.c checks this on every shipped file and on a
 * generated load).
 *
 * No global state; one scenario must not be changed from two threads at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"


static const char *const verb_words[] = {
#define X(id, word) word,
	SCN_VERB_LIST(X)
#undef X
};

/* ---- building --------------------------------------------------------------------------- */

struct scenario *
scenario_new(const char *name)
{
	struct scenario *scn = calloc(1, sizeof(*scn));

	if (scn != NULL)
		snprintf(scn->name, sizeof(scn->name), "%s", name != NULL ? name : "");
	return scn;
}

void
scenario_free(struct scenario *scn)
{
	if (scn == NULL)
		return;
	free(scn->actions);
	free(scn->calls);
	free(scn);
}

int
scenario_add_call(struct scenario *scn, const char *label, int parent)
{
	struct scn_call *c;

	if (scn->ncalls == scn->cap_calls) {
		size_t cap = scn->cap_calls ? scn->cap_calls * 2 : 64;
		if ((c = realloc(scn->calls, cap * sizeof(*c))) == NULL)
			return -1;
		scn->calls = c;
		scn->cap_calls = cap;
	}
	c = &scn->calls[scn->ncalls];
	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label), "%s", label);
	c->parent = parent;
	if (parent >= 0)
		scn->calls[parent].nconsults++;
	return (int)scn->ncalls++;
}

struct scn_action *
scenario_add_action(struct scenario *scn, int64_t at, enum scn_verb verb)
{
	struct scn_action *a;

	if (scn->nactions == scn->cap_actions) {
		size_t cap = scn->cap_actions ? scn->cap_actions * 2 : 256;
		if ((a = realloc(scn->actions, cap * sizeof(*a))) == NULL)
			return NULL;
		scn->actions = a;
		scn->cap_actions = cap;
	}
	a = &scn->actions[scn->nactions++];
	memset(a, 0, sizeof(*a));
	a->at = at;
	a->verb = verb;
	a->call = a->other = -1;
	return a;
}

/* A stable merge sort by time: qsort is not stable, and equal times keep their order. */
static void
merge_sort(struct scn_action *a, struct scn_action *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(a, tmp, mid);
	merge_sort(a + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = a[j].at < a[i].at ? a[j++] : a[i++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

/* The verbs whose action creates its call. */
static bool
creates_call(enum scn_verb verb)
{
	return verb == SCN_CALL || verb == SCN_INBOUND || verb == SCN_CONSULT;
}

/*
 * Renumbers the calls in the order the (sorted) actions create them, which is the order
 * parsing the written file gives, so a built scenario and its reading back are equal.  Out
 * of memory, the numbering stays as it was, which is still consistent.
 */
static void
renumber_calls(struct scenario *scn)
{
	size_t n = scn->ncalls, k = 0;
	int *map = malloc((n + 1) * sizeof(*map));
	struct scn_call *calls = malloc((n + 1) * sizeof(*calls));

	if (map == NULL || calls == NULL) {
		free(map);
		free(calls);
		return;
	}
	for (size_t i = 0; i < n; i++)
		map[i] = -1;
	for (size_t i = 0; i < scn->nactions; i++) {
		int c = scn->actions[i].call;
		if (creates_call(scn->actions[i].verb) && c >= 0 && (size_t)c < n && map[c] < 0)
			map[c] = (int)k++;
	}
	for (size_t i = 0; i < n; i++) /* calls no action creates keep their order, last */
		if (map[i] < 0)
			map[i] = (int)k++;
	for (size_t i = 0; i < n; i++) {
		calls[map[i]] = scn->calls[i];
		if (scn->calls[i].parent >= 0)
			calls[map[i]].parent = map[scn->calls[i].parent];
	}
	for (size_t i = 0; i < scn->nactions; i++) {
		struct scn_action *a = &scn->actions[i];
		if (a->call >= 0 && (size_t)a->call < n)
			a->call = map[a->call];
		if (a->other >= 0 && (size_t)a->other < n)
			a->other = map[a->other];
	}
	memcpy(scn->calls, calls, n * sizeof(*calls));
	free(map);
	free(calls);
}

void
scenario_sort(struct scenario *scn)
{
	struct scn_action *tmp;
	bool sorted = true;

	for (size_t i = 1; i < scn->nactions && sorted; i++)
		sorted = scn->actions[i - 1].at <= scn->actions[i].at;
	if (!sorted && (tmp = malloc(scn->nactions * sizeof(*tmp))) != NULL) {
		merge_sort(scn->actions, tmp, scn->nactions);
		free(tmp);
	} else if (!sorted) {
		/* Out of memory: an insertion sort needs none. */
		for (size_t i = 1; i < scn->nactions; i++) {
			struct scn_action x = scn->actions[i];
			size_t j = i;
			for (; j > 0 && scn->actions[j - 1].at > x.at; j--)
				scn->actions[j] = scn->actions[j - 1];
			scn->actions[j] = x;
		}
	}
	renumber_calls(scn);
	scn->end = scn->nactions > 0 ? scn->actions[scn->nactions - 1].at : 0;
}

int
scenario_find_call(const struct scenario *scn, const char *label)
{
	for (size_t i = 0; i < scn->ncalls; i++)
		if (strcmp(scn->calls[i].label, label) == 0)
			return (int)i;
	return -1;
}

const char *
scn_verb_name(enum scn_verb verb)
{
	return (unsigned)verb < SCN_VERB_COUNT ? verb_words[verb] : "?";
}

const char *
scn_party_name(enum scn_party party)
{
	static const char *const names[] = {"", "", "far", "any", "caller", "answerer"};

	return (unsigned)party < sizeof(names) / sizeof(names[0]) ? names[party] : "?";
}

const char *
scn_agent_op_name(enum scn_agent_op op)
{
	static const char *const names[] = {"logon", "logoff", "ready", "notready", "wrapup"};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

const char *
scn_garbage_name(enum scn_garbage g)
{
	static const char *const names[] = {"frame", "length", "fields"};

	return (unsigned)g < sizeof(names) / sizeof(names[0]) ? names[g] : "?";
}

/* ---- writing --------------------------------------------------------------------------- */

/* Writes ms as seconds, without trailing zeros: 12000 -> "12", 12500 -> "12.5". */
const char *
scn__fmt_secs(char *buf, size_t len, int64_t ms)
{
	int n = snprintf(buf, len, "%lld.%03lld", (long long)(ms / 1000),
	    (long long)(ms % 1000));

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static const char *
party_text(const struct scn_action *a)
{
	return a->party == SCN_PARTY_DEV ? a->dev : scn_party_name(a->party);
}

static const char *
label_of(const struct scenario *scn, int c)
{
	return c >= 0 && (size_t)c < scn->ncalls ? scn->calls[c].label : "?";
}

/* One action as a line of a scenario file, without the time. */
static void
write_action(const struct scenario *scn, const struct scn_action *a, FILE *fp)
{
	const char *call = label_of(scn, a->call), *other = label_of(scn, a->other);
	char dur[32];

	switch (a->verb) {
	case SCN_CALL:
		fprintf(fp, "%s = call %s %s", call, a->dev, a->digits);
		break;
	case SCN_INBOUND:
		fprintf(fp, "%s = inbound %s %s", call, a->dev, a->digits);
		if (a->cli[0] != '\0')
			fprintf(fp, " from %s", a->cli);
		if (a->name[0] != '\0')
			fprintf(fp, " name \"%s\"", a->name);
		break;
	case SCN_CONSULT:
		fprintf(fp, "%s = consult %s %s %s", call, party_text(a), other, a->digits);
		break;
	case SCN_ABANDON:
		fprintf(fp, "abandon %s", call);
		break;
	case SCN_ANSWER:
	case SCN_HANGUP:
	case SCN_HOLD:
	case SCN_RETRIEVE:
		fprintf(fp, "%s %s %s", scn_verb_name(a->verb), party_text(a), call);
		break;
	case SCN_TRANSFER:
	case SCN_CONFERENCE:
		fprintf(fp, "%s %s %s", scn_verb_name(a->verb), party_text(a), call);
		if (a->digits[0] != '\0')
			fprintf(fp, " to %s", a->digits);
		else
			fprintf(fp, " %s", other);
		break;
	case SCN_DND:
		fprintf(fp, "dnd %s %s", a->dev, a->on ? "on" : "off");
		if (a->on && a->dnd_msg > 0)
			fprintf(fp, " %d", a->dnd_msg);
		if (a->on && a->text[0] != '\0')
			fprintf(fp, " \"%s\"", a->text);
		break;
	case SCN_FORWARD:
		fprintf(fp, "forward %s %s", a->dev, site_fwd_name(a->fwd));
		if (a->fwd != SITE_FWD_OFF)
			fprintf(fp, " %s", a->digits);
		break;
	case SCN_AGENT:
		fprintf(fp, "agent %s %s", a->dev, scn_agent_op_name(a->agent_op));
		if (a->agent_op == SCN_AGENT_LOGON && a->station[0] != '\0')
			fprintf(fp, " %s", a->station);
		break;
	case SCN_DROP_LINK:
		fprintf(fp, "drop-link");
		if (a->dur > 0)
			fprintf(fp, " %s", scn__fmt_secs(dur, sizeof(dur), a->dur));
		break;
	case SCN_GARBAGE:
		fprintf(fp, "garbage %s", scn_garbage_name(a->garbage));
		break;
	case SCN_STALL:
		fprintf(fp, "stall %s", scn__fmt_secs(dur, sizeof(dur), a->dur));
		break;
	case SCN_RESTART:
	case SCN_END:
	default:
		fprintf(fp, "%s", scn_verb_name(a->verb));
		break;
	}
	if ((a->verb == SCN_CALL || a->verb == SCN_CONSULT) && a->account[0] != '\0')
		fprintf(fp, " account %s", a->account);
}

hs_err
scenario_write(const struct scenario *scn, FILE *fp, const char *comment)
{
	char t[32];

	while (comment != NULL && *comment != '\0') {
		const char *nl = strchr(comment, '\n');
		int n = nl != NULL ? (int)(nl - comment) : (int)strlen(comment);
		fprintf(fp, "# %.*s\n", n, comment);
		comment += n + (nl != NULL);
	}
	for (size_t i = 0; i < scn->nactions; i++) {
		const struct scn_action *a = &scn->actions[i];
		fprintf(fp, "%-10s ", scn__fmt_secs(t, sizeof(t), a->at));
		write_action(scn, a, fp);
		fputc('\n', fp);
	}
	return ferror(fp) ? HS_EIO : HS_OK;
}
