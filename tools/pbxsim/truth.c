/*
 * truth.c - the ground-truth writer: one JSON object per line (schema in README.md).
 *
 * A call is kept in memory from truth_call_begin() to truth_call_end(): its summary fields
 * in a struct, its events as a cJSON array in the order they were reported.  At its end the
 * summary and the events become one object, printed unformatted on one line, and the stream
 * is flushed (no fsync: a crash of the machine may lose the tail, a crash of the simulator
 * does not).  Active calls are on a list so truth_close() can write them as "unfinished".
 *
 * Entry points: the truth_* functions, called from the engine's loop (not thread-safe).
 * To add a summary field: TRUTH_FIELD_LIST in truth.h and README.md; an event kind: a
 * function that calls call_event() and README.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "truth.h"

#define MAX_HOLDS 8 /* devices holding one call at once; more are counted from the first */

struct open_hold {
	char *dev;
	int64_t at;
};

struct truth_call {
	truth *t;
	truth_call *prev, *next;
	uint64_t seq;
	char *id, *label, *parent;
	enum truth_kind kind, initial_kind;
	char *fields[TRUTH_F_COUNT];
	int64_t begin, ring, answer;   /* -1 = not yet */
	char *answered_by;
	struct open_hold holds[MAX_HOLDS];
	size_t nholds;
	int64_t hold_ms;
	cJSON *events;
};

struct truth {
	FILE *fp;
	bool close_fp;
	hs_err err;
	int saved_errno;
	uint64_t seq, ncalls, nevents, nrac;
	size_t nactive;
	truth_call *active;
};

static const char *const kind_names[] = {
#define X(id, name) name,
	TRUTH_KIND_LIST(X)
#undef X
};
static const char *const cause_names[] = {
#define X(id, name) name,
	TRUTH_CAUSE_LIST(X)
#undef X
};
static const char *const hold_names[] = {
#define X(id, name) name,
	TRUTH_HOLD_LIST(X)
#undef X
};
static const char *const xfer_names[] = {
#define X(id, name) name,
	TRUTH_XFER_LIST(X)
#undef X
};
static const char *const divert_names[] = {
#define X(id, name) name,
	TRUTH_DIVERT_LIST(X)
#undef X
};
static const char *const field_names[] = {
#define X(id, name) name,
	TRUTH_FIELD_LIST(X)
#undef X
};
static const char *const ev_names[] = {
#define X(id, name) name,
	TRUTH_EV_LIST(X)
#undef X
};

#define NAME(arr, i) ((size_t)(i) < sizeof(arr) / sizeof((arr)[0]) ? (arr)[i] : "?")

const char *
truth_kind_name(enum truth_kind kind)
{
	return NAME(kind_names, kind);
}

const char *
truth_cause_name(enum truth_cause cause)
{
	return NAME(cause_names, cause);
}

/* ---- writing ---------------------------------------------------------------------------- */

static void
set_err(truth *t, hs_err err)
{
	if (t->err == HS_OK) {
		t->err = err;
		t->saved_errno = err == HS_EIO ? errno : 0;
	}
}

/* Latin-1 to UTF-8 (OAI text is 8-bit Latin-1); NULL stays NULL.  Latches ENOMEM. */
static char *
text_dup(truth *t, const char *s)
{
	size_t n = 0;
	char *out, *p;

	if (s == NULL)
		return NULL;
	for (const unsigned char *q = (const unsigned char *)s; *q != '\0'; q++)
		n += *q >= 0x80 ? 2 : 1;
	if ((out = malloc(n + 1)) == NULL) {
		set_err(t, HS_ENOMEM);
		return NULL;
	}
	p = out;
	for (const unsigned char *q = (const unsigned char *)s; *q != '\0'; q++) {
		if (*q >= 0x80) {
			*p++ = (char)(0xc0 | (*q >> 6));
			*p++ = (char)(0x80 | (*q & 0x3f));
		} else {
			*p++ = (char)*q;
		}
	}
	*p = '\0';
	return out;
}

/* A copy kept until output, where add_text() converts it; NULL stays NULL.  Latches ENOMEM. */
static char *
keep(truth *t, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		set_err(t, HS_ENOMEM);
	return d;
}

/* Adds key: s (Latin-1 text, converted) or null.  Latches ENOMEM. */
static void
add_text(truth *t, cJSON *obj, const char *key, const char *s)
{
	char *u = text_dup(t, s);
	cJSON *item = s == NULL ? cJSON_CreateNull() : u != NULL ? cJSON_CreateString(u) : NULL;

	free(u);
	if (item == NULL || !cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		set_err(t, HS_ENOMEM);
	}
}

/* Adds key: ms, or null when ms < 0.  Epoch ms fit a double exactly (< 2^53). */
static void
add_time(truth *t, cJSON *obj, const char *key, int64_t ms)
{
	cJSON *item = ms < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)ms);

	if (item == NULL || !cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		set_err(t, HS_ENOMEM);
	}
}

static void
add_num(truth *t, cJSON *obj, const char *key, double v)
{
	if (cJSON_AddNumberToObject(obj, key, v) == NULL)
		set_err(t, HS_ENOMEM);
}

static void
add_bool(truth *t, cJSON *obj, const char *key, bool v)
{
	if (cJSON_AddBoolToObject(obj, key, v) == NULL)
		set_err(t, HS_ENOMEM);
}

/* Prints obj as one line and flushes; frees obj. */
static hs_err
emit(truth *t, cJSON *obj)
{
	char *line;

	if (t->err == HS_OK && obj != NULL) {
		if ((line = cJSON_PrintUnformatted(obj)) == NULL) {
			set_err(t, HS_ENOMEM);
		} else {
			if (fputs(line, t->fp) == EOF || fputc('\n', t->fp) == EOF ||
			    fflush(t->fp) == EOF)
				set_err(t, HS_EIO);
			free(line);
		}
	}
	cJSON_Delete(obj);
	return t->err;
}

static cJSON *
record(truth *t, const char *rec)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj == NULL) {
		set_err(t, HS_ENOMEM);
		return NULL;
	}
	add_text(t, obj, "rec", rec);
	return obj;
}

/* ---- the file --------------------------------------------------------------------------- */

hs_err
truth_open_stream(truth **tp, FILE *fp, bool close_fp, const struct truth_meta *meta)
{
	truth *t;
	cJSON *obj;
	char seed[24];

	*tp = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		if (close_fp)
			fclose(fp);
		return HS_ENOMEM;
	}
	t->fp = fp;
	t->close_fp = close_fp;
	if ((obj = record(t, "start")) != NULL) {
		add_num(t, obj, "schema", TRUTH_SCHEMA);
		add_time(t, obj, "at", meta->at);
		add_text(t, obj, "site", meta->site);
		add_text(t, obj, "scenario", meta->scenario);
		/* A 64-bit seed does not fit a JSON number exactly: text. */
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)meta->seed);
		add_text(t, obj, "seed", meta->has_seed ? seed : NULL);
	}
	if (emit(t, obj) != HS_OK) {
		hs_err err = t->err;
		if (close_fp)
			fclose(fp);
		free(t);
		return err;
	}
	*tp = t;
	return HS_OK;
}

hs_err
truth_open(truth **tp, const char *path, const struct truth_meta *meta)
{
	FILE *fp;

	*tp = NULL;
	if (strcmp(path, "-") == 0)
		return truth_open_stream(tp, stdout, false, meta);
	if ((fp = fopen(path, "we")) == NULL)
		return hs_err_from_errno(errno) == HS_ENOTFOUND ? HS_ENOTFOUND : HS_EIO;
	return truth_open_stream(tp, fp, true, meta);
}

hs_err
truth_error(const truth *t, int *saved_errno)
{
	if (saved_errno != NULL)
		*saved_errno = t->saved_errno;
	return t->err;
}

size_t
truth_active(const truth *t)
{
	return t->nactive;
}

hs_err
truth_close(truth *t, int64_t at)
{
	cJSON *obj;
	hs_err err;

	if (t == NULL)
		return HS_EINVAL;
	while (t->active != NULL)
		truth_call_end(t->active, at, NULL, TRUTH_CAUSE_UNFINISHED);
	if ((obj = record(t, "stop")) != NULL) {
		add_time(t, obj, "at", at);
		add_num(t, obj, "calls", (double)t->ncalls);
		add_num(t, obj, "events", (double)t->nevents);
		add_num(t, obj, "rac", (double)t->nrac);
	}
	emit(t, obj);
	if (t->close_fp && fclose(t->fp) == EOF)
		set_err(t, HS_EIO);
	else if (!t->close_fp && fflush(t->fp) == EOF)
		set_err(t, HS_EIO);
	err = t->err;
	free(t);
	return err;
}

/* ---- calls ------------------------------------------------------------------------------ */

truth_call *
truth_call_begin(truth *t, int64_t at, const struct truth_call_info *info)
{
	truth_call *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->events = cJSON_CreateArray()) == NULL) {
		free(c);
		set_err(t, HS_ENOMEM);
		return NULL;
	}
	c->t = t;
	c->seq = ++t->seq;
	c->id = keep(t, info->id);
	c->label = keep(t, info->label);
	c->parent = keep(t, info->parent);
	c->kind = c->initial_kind = info->kind;
	for (int i = 0; i < TRUTH_F_COUNT; i++)
		c->fields[i] = keep(t, info->fields[i]);
	c->begin = at;
	c->ring = c->answer = -1;
	c->next = t->active;
	if (t->active != NULL)
		t->active->prev = c;
	t->active = c;
	t->nactive++;
	return c;
}

hs_err
truth_call_set(truth_call *c, enum truth_field f, const char *value)
{
	if (c == NULL || (unsigned)f >= TRUTH_F_COUNT)
		return HS_EINVAL;
	free(c->fields[f]);
	c->fields[f] = keep(c->t, value);
	return c->t->err;
}

hs_err
truth_call_kind(truth_call *c, enum truth_kind kind)
{
	if (c == NULL)
		return HS_EINVAL;
	c->kind = kind;
	return c->t->err;
}

/* A new event object {"at":..,"ev":name} appended to the call's events; NULL on ENOMEM. */
static cJSON *
call_event(truth_call *c, int64_t at, const char *name)
{
	cJSON *ev = cJSON_CreateObject();

	if (ev == NULL || !cJSON_AddItemToArray(c->events, ev)) {
		cJSON_Delete(ev);
		set_err(c->t, HS_ENOMEM);
		return NULL;
	}
	add_time(c->t, ev, "at", at);
	add_text(c->t, ev, "ev", name);
	return ev;
}

hs_err
truth_call_ring(truth_call *c, int64_t at, const char *dev, const char *group)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "ring")) != NULL) {
		add_text(c->t, ev, "dev", dev);
		if (group != NULL)
			add_text(c->t, ev, "group", group);
	}
	if (c->ring < 0)
		c->ring = at;
	if (group != NULL && c->fields[TRUTH_F_HUNTGROUP] == NULL)
		c->fields[TRUTH_F_HUNTGROUP] = keep(c->t, group);
	return c->t->err;
}

hs_err
truth_call_queue(truth_call *c, int64_t at, const char *group, int position)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "queue")) != NULL) {
		add_text(c->t, ev, "group", group);
		add_num(c->t, ev, "position", position);
	}
	if (group != NULL && c->fields[TRUTH_F_HUNTGROUP] == NULL)
		c->fields[TRUTH_F_HUNTGROUP] = keep(c->t, group);
	return c->t->err;
}

hs_err
truth_call_answer(truth_call *c, int64_t at, const char *dev, const char *agent)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "answer")) != NULL) {
		add_text(c->t, ev, "dev", dev);
		if (agent != NULL)
			add_text(c->t, ev, "agent", agent);
	}
	if (c->answer < 0) {
		c->answer = at;
		c->answered_by = keep(c->t, dev);
		if (agent != NULL && c->fields[TRUTH_F_AGENT] == NULL)
			c->fields[TRUTH_F_AGENT] = keep(c->t, agent);
	}
	return c->t->err;
}

hs_err
truth_call_hold(truth_call *c, int64_t at, const char *dev, enum truth_hold kind)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "hold")) != NULL) {
		add_text(c->t, ev, "dev", dev);
		add_text(c->t, ev, "kind", NAME(hold_names, kind));
	}
	/* A device holding again before retrieving keeps its first hold. */
	for (size_t i = 0; i < c->nholds; i++)
		if (dev != NULL && strcmp(c->holds[i].dev, dev) == 0)
			return c->t->err;
	if (c->nholds < MAX_HOLDS && dev != NULL) {
		if ((c->holds[c->nholds].dev = keep(c->t, dev)) != NULL)
			c->holds[c->nholds++].at = at;
	}
	return c->t->err;
}

/* Closes the hold of dev (every open hold when dev is NULL) at `at`. */
static void
close_holds(truth_call *c, int64_t at, const char *dev)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nholds; i++) {
		if (dev == NULL || strcmp(c->holds[i].dev, dev) == 0) {
			if (at > c->holds[i].at)
				c->hold_ms += at - c->holds[i].at;
			free(c->holds[i].dev);
		} else {
			c->holds[k++] = c->holds[i];
		}
	}
	c->nholds = k;
}

hs_err
truth_call_retrieve(truth_call *c, int64_t at, const char *dev)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "retrieve")) != NULL)
		add_text(c->t, ev, "dev", dev);
	/* Retrieved from another station (system hold): the only open hold ends. */
	size_t before = c->nholds;
	if (dev != NULL)
		close_holds(c, at, dev);
	if (c->nholds == before && c->nholds == 1)
		close_holds(c, at, NULL);
	return c->t->err;
}

hs_err
truth_call_divert(truth_call *c, int64_t at, const char *from, const char *to,
    enum truth_divert reason)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "divert")) != NULL) {
		add_text(c->t, ev, "from", from);
		add_text(c->t, ev, "to", to);
		add_text(c->t, ev, "reason", NAME(divert_names, reason));
	}
	return c->t->err;
}

hs_err
truth_call_transfer(truth_call *c, int64_t at, enum truth_xfer type, const char *by,
    const char *party, const char *to, const char *consult)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "transfer")) != NULL) {
		add_text(c->t, ev, "type", NAME(xfer_names, type));
		add_text(c->t, ev, "by", by);
		add_text(c->t, ev, "party", party);
		add_text(c->t, ev, "to", to);
		add_text(c->t, ev, "consult", consult);
	}
	/* The transferring party's hold of this call ends with the transfer. */
	if (by != NULL)
		close_holds(c, at, by);
	return c->t->err;
}

hs_err
truth_call_conference(truth_call *c, int64_t at, const char *by,
    const char *const *parties, size_t n, const char *merged)
{
	cJSON *ev, *arr;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, "conference")) != NULL) {
		add_text(c->t, ev, "by", by);
		if ((arr = cJSON_AddArrayToObject(ev, "parties")) == NULL)
			set_err(c->t, HS_ENOMEM);
		for (size_t i = 0; arr != NULL && i < n; i++) {
			char *u = text_dup(c->t, parties[i]);
			cJSON *s = u != NULL ? cJSON_CreateString(u) : NULL;
			free(u);
			if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
				cJSON_Delete(s);
				set_err(c->t, HS_ENOMEM);
			}
		}
		add_text(c->t, ev, "merged", merged);
	}
	if (by != NULL)
		close_holds(c, at, by);
	return c->t->err;
}

static hs_err
party_event(truth_call *c, int64_t at, const char *name, const char *dev)
{
	cJSON *ev;

	if (c == NULL)
		return HS_EINVAL;
	if ((ev = call_event(c, at, name)) != NULL)
		add_text(c->t, ev, "dev", dev);
	return c->t->err;
}

hs_err
truth_call_join(truth_call *c, int64_t at, const char *dev)
{
	return party_event(c, at, "join", dev);
}

hs_err
truth_call_leave(truth_call *c, int64_t at, const char *dev)
{
	if (c != NULL && dev != NULL)
		close_holds(c, at, dev);
	return party_event(c, at, "leave", dev);
}

static void
call_free(truth_call *c)
{
	free(c->id);
	free(c->label);
	free(c->parent);
	free(c->answered_by);
	for (int i = 0; i < TRUTH_F_COUNT; i++)
		free(c->fields[i]);
	for (size_t i = 0; i < c->nholds; i++)
		free(c->holds[i].dev);
	cJSON_Delete(c->events);
	free(c);
}

hs_err
truth_call_end(truth_call *c, int64_t at, const char *cleared_by, enum truth_cause cause)
{
	truth *t;
	cJSON *obj;
	bool unfinished = cause == TRUTH_CAUSE_UNFINISHED;

	if (c == NULL)
		return HS_EINVAL;
	t = c->t;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->active = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	t->nactive--;
	close_holds(c, at, NULL);

	if ((obj = record(t, "call")) != NULL) {
		add_num(t, obj, "seq", (double)c->seq);
		add_text(t, obj, "id", c->id);
		add_text(t, obj, "label", c->label);
		add_text(t, obj, "parent", c->parent);
		add_text(t, obj, "kind", NAME(kind_names, c->kind));
		add_text(t, obj, "initial_kind", NAME(kind_names, c->initial_kind));
		for (int i = 0; i < TRUTH_F_COUNT; i++)
			add_text(t, obj, field_names[i], c->fields[i]);
		add_time(t, obj, "begin", c->begin);
		add_time(t, obj, "ring", c->ring);
		add_time(t, obj, "answer", c->answer);
		add_text(t, obj, "answered_by", c->answered_by);
		add_bool(t, obj, "answered", c->answer >= 0);
		add_time(t, obj, "end", unfinished ? -1 : at);
		add_text(t, obj, "cleared_by", cleared_by);
		add_text(t, obj, "cause", NAME(cause_names, cause));
		add_num(t, obj, "hold_ms", (double)c->hold_ms);
		if (cJSON_AddItemToObject(obj, "events", c->events))
			c->events = NULL;
		else
			set_err(t, HS_ENOMEM);
	}
	t->ncalls++;
	emit(t, obj);
	call_free(c);
	return t->err;
}

/* ---- other records ---------------------------------------------------------------------- */

hs_err
truth_event(truth *t, const struct truth_event *ev)
{
	cJSON *obj;

	if (t == NULL || ev == NULL)
		return HS_EINVAL;
	if ((obj = record(t, "event")) == NULL)
		return t->err;
	add_time(t, obj, "at", ev->at);
	add_text(t, obj, "type", NAME(ev_names, ev->type));
	switch (ev->type) {
	case TRUTH_EV_DND:
		add_text(t, obj, "dev", ev->dev);
		add_bool(t, obj, "on", ev->on);
		if (ev->on) {
			add_num(t, obj, "message", ev->dnd_msg);
			add_text(t, obj, "text", ev->text);
			add_text(t, obj, "dnd_text", ev->dnd_text);
		}
		break;
	case TRUTH_EV_FORWARD:
		add_text(t, obj, "dev", ev->dev);
		add_text(t, obj, "fwd", site_fwd_name(ev->fwd));
		add_text(t, obj, "dest", ev->fwd == SITE_FWD_OFF ? NULL : ev->dest);
		break;
	case TRUTH_EV_AGENT:
		add_text(t, obj, "agent", ev->agent);
		add_text(t, obj, "dev", ev->dev);
		add_text(t, obj, "state", site_agent_state_name(ev->state));
		add_text(t, obj, "group", ev->group);
		break;
	case TRUTH_EV_LINK:
		add_text(t, obj, "what", ev->what);
		add_num(t, obj, "dur_ms", (double)ev->dur);
		break;
	}
	t->nevents++;
	return emit(t, obj);
}

hs_err
truth_rac(truth *t, const struct truth_rac *r)
{
	cJSON *obj;

	if (t == NULL || r == NULL)
		return HS_EINVAL;
	if ((obj = record(t, "rac")) == NULL)
		return t->err;
	add_time(t, obj, "at", r->ended);
	add_text(t, obj, "call", r->call);
	add_text(t, obj, "extension", r->extension);
	add_text(t, obj, "sip_call_id", r->sip_call_id);
	add_time(t, obj, "invoked", r->invoked);
	add_time(t, obj, "answered", r->answered);
	add_time(t, obj, "ended", r->ended);
	add_text(t, obj, "status", r->status);
	add_num(t, obj, "sip_status", r->sip_status);
	add_num(t, obj, "packets", (double)r->packets);
	add_num(t, obj, "samples", (double)r->samples);
	t->nrac++;
	return emit(t, obj);
}
