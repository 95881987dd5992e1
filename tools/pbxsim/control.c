/*
 * control.c - the control socket (-C PATH): tests act as phone users and read the
 * simulator's own view through it.
 *
 * A unix stream socket; each request is one line, each answer one JSON object on one line:
 *
 *   action LINE   runs a scenario action now: LINE is a scenario line without its time
 *                 ("c9 = call 1000 1001", "answer 1001 c9", "consult 1000 c9 1002",
 *                 "dnd 1003 on 2", "drop-link 5").  Answers {"ok":true,"call_id":ID,
 *                 "label":L} (call_id null for actions without a call; "pending":true when
 *                 `answer any` waits for a queued call to ring) or
 *                 {"ok":false,"error":TEXT,"outcome":N}
 *   state         {"devices":[...],"calls":[...],"agents":[...],"sessions":N}
 *   stats         counters: events, frames, commands, calls, sessions, actions
 *   sessions      the OAI sessions: id, peer, app, monitors, frames
 *   quit          answers {"ok":true}, then pbxsim stops
 *
 * Labels live as long as the process: a call made with "c9 = call ..." is c9 in every later
 * request of any client.  The parser is the scenario file's own (scenario_parse and
 * scenario_check): the lines that made calls are kept and parsed again in front of each new
 * line, so labels, consult numbering (c9.1, c9.2) and every check behave as in a file.
 * A label cannot be made twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pbxsim.h"

#define CTL_LINE_MAX 4096

struct label {
	char label[SCN_LABEL_MAX];
	char id[ENG_ID_MAX];
};

struct client {
	uv_pipe_t pipe;
	struct control *ctl;
	char buf[CTL_LINE_MAX];
	size_t len;
	bool closing;
	struct client *next;
};

struct control {
	struct pbxsim *p;
	uv_pipe_t listener;
	bool listening;
	char path[108];
	struct client *clients;
	struct label *labels;
	size_t nlabels, caplabels;
	char *hist;               /* the lines that made calls, each "0 LINE\n" */
	size_t histlen, histcap;
	int histlines;
	uint64_t actions, failed;
};

/* ---- writing ---------------------------------------------------------------------------- */

struct cwrite {
	uv_write_t req;
	struct control *ctl;
	bool quit;
	char data[];
};

static void
client_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	struct control *ctl = c->ctl;

	for (struct client **pp = &ctl->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c);
}

static void
client_close(struct client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->pipe, client_closed);
}

static void
written(uv_write_t *req, int status)
{
	struct cwrite *w = (struct cwrite *)req;

	(void)status;
	if (w->quit)
		pbxsim_stop(w->ctl->p, "quit on the control socket");
	free(w);
}

/* Sends o as one line and frees it. */
static void
reply(struct client *c, cJSON *o, bool quit)
{
	char *text = cJSON_PrintUnformatted(o);
	size_t n = text != NULL ? strlen(text) : 0;
	struct cwrite *w;
	uv_buf_t b;

	cJSON_Delete(o);
	if (text == NULL || c->closing || (w = malloc(sizeof(*w) + n + 1)) == NULL) {
		free(text);
		if (quit)
			pbxsim_stop(c->ctl->p, "quit on the control socket");
		return;
	}
	memcpy(w->data, text, n);
	w->data[n] = '\n';
	free(text);
	w->ctl = c->ctl;
	w->quit = quit;
	b = uv_buf_init(w->data, (unsigned)n + 1);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, written) != 0) {
		free(w);
		client_close(c);
		if (quit)
			pbxsim_stop(c->ctl->p, "quit on the control socket");
	}
}

static cJSON *
error(const char *fmt, const char *a, int outcome)
{
	cJSON *o = cJSON_CreateObject();
	char msg[SCN_ERR_MAX + 64];

	snprintf(msg, sizeof(msg), fmt, a);
	cJSON_AddBoolToObject(o, "ok", false);
	cJSON_AddStringToObject(o, "error", msg);
	if (outcome > 0) {
		const char *name = oai_enum_text(OAI_ENUM_OUTCOME, outcome);
		cJSON_AddNumberToObject(o, "outcome", outcome);
		if (name != NULL)
			cJSON_AddStringToObject(o, "outcome_name", name);
	}
	return o;
}

/* ---- requests --------------------------------------------------------------------------- */

static const char *
label_id(const struct control *ctl, const char *label)
{
	for (size_t i = 0; i < ctl->nlabels; i++)
		if (strcmp(ctl->labels[i].label, label) == 0)
			return ctl->labels[i].id;
	return NULL;
}

static void
label_add(struct control *ctl, const char *label, const char *id)
{
	if (ctl->nlabels == ctl->caplabels) {
		size_t cap = ctl->caplabels ? ctl->caplabels * 2 : 32;
		void *n = realloc(ctl->labels, cap * sizeof(*ctl->labels));
		if (n == NULL)
			return;
		ctl->labels = n;
		ctl->caplabels = cap;
	}
	snprintf(ctl->labels[ctl->nlabels].label, SCN_LABEL_MAX, "%s", label);
	snprintf(ctl->labels[ctl->nlabels].id, ENG_ID_MAX, "%s", id);
	ctl->nlabels++;
}

static void
hist_add(struct control *ctl, const char *line)
{
	size_t n = strlen(line) + 4;

	if (ctl->histlen + n + 1 > ctl->histcap) {
		size_t cap = (ctl->histcap + n + 1) * 2;
		char *h = realloc(ctl->hist, cap);
		if (h == NULL)
			return;
		ctl->hist = h;
		ctl->histcap = cap;
	}
	ctl->histlen += (size_t)snprintf(ctl->hist + ctl->histlen, ctl->histcap - ctl->histlen,
	    "0 %s\n", line);
	ctl->histlines++;
}

/* "control:7: call: ..." -> "call: ...": the line number means nothing to the client. */
static const char *
strip_where(const char *err)
{
	const char *p = strchr(err, ':');

	if (p != NULL && strncmp(err, "control:", 8) == 0 && (p = strchr(p + 1, ':')) != NULL)
		return p[1] == ' ' ? p + 2 : p + 1;
	return err;
}

static cJSON *
do_action(struct control *ctl, const char *line)
{
	struct pbxsim *p = ctl->p;
	struct scenario *scn = NULL;
	const struct scn_action *a;
	char err[SCN_ERR_MAX], id[ENG_ID_MAX], (*ids)[ENG_ID_MAX];
	char *text;
	size_t len = ctl->histlen + strlen(line) + 8;
	bool pending, creates;
	cJSON *o;
	int rc;

	if (strchr(line, '\n') != NULL || *line == '\0')
		return error("%s", "action: give one scenario line without its time", 0);
	if ((text = malloc(len)) == NULL)
		return error("%s", "out of memory", 0);
	memcpy(text, ctl->hist != NULL ? ctl->hist : "", ctl->histlen);
	len = ctl->histlen + (size_t)snprintf(text + ctl->histlen, len - ctl->histlen, "0 %s\n",
	    line);
	rc = scenario_parse(text, len, "control", &scn, err, sizeof(err));
	free(text);
	if (rc != HS_OK)
		return error("%s", strip_where(err), 0);
	if (scenario_check(scn, p->site, err, sizeof(err)) != HS_OK) {
		scenario_free(scn);
		return error("%s", strip_where(err), 0);
	}
	/* A blank or comment-only line adds no action: the last one would be history's. */
	if (scn->nactions == 0 || scn->actions[scn->nactions - 1].line != ctl->histlines + 1) {
		scenario_free(scn);
		return error("%s", "action: nothing to do", 0);
	}
	a = &scn->actions[scn->nactions - 1];
	if ((ids = calloc(scn->ncalls ? scn->ncalls : 1, sizeof(*ids))) == NULL) {
		scenario_free(scn);
		return error("%s", "out of memory", 0);
	}
	for (size_t i = 0; i < scn->ncalls; i++) {
		const char *known = label_id(ctl, scn->calls[i].label);
		if (known != NULL)
			snprintf(ids[i], ENG_ID_MAX, "%s", known);
	}
	creates = a->verb == SCN_CALL || a->verb == SCN_INBOUND || a->verb == SCN_CONSULT;
	ctl->actions++;
	rc = runner_exec(p, scn, a, ids, id, &pending, err, sizeof(err));
	if (rc != 0) {
		ctl->failed++;
		o = error("%s", err, rc > 0 ? rc : 0);
	} else {
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		if (id[0] != '\0')
			cJSON_AddStringToObject(o, "call_id", id);
		else
			cJSON_AddNullToObject(o, "call_id");
		if (a->call >= 0)
			cJSON_AddStringToObject(o, "label", scn->calls[a->call].label);
		if (pending) {
			cJSON_AddBoolToObject(o, "pending", true);
			runner_wait_answer(p->run, id, scn->calls[a->call].label);
		}
		if (creates) {
			label_add(ctl, scn->calls[a->call].label, id);
			hist_add(ctl, line);
		}
	}
	free(ids);
	scenario_free(scn);
	return o;
}

static cJSON *
do_stats(struct control *ctl)
{
	struct pbxsim *p = ctl->p;
	struct engine_stats es = engine_stats(p->eng);
	struct server_stats ss = server_stats(p->srv);
	uint64_t failed, actions = runner_actions(p->run, &failed);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", true);
	cJSON_AddNumberToObject(o, "sessions", server_sessions(p->srv));
	cJSON_AddNumberToObject(o, "events", (double)es.events);
	cJSON_AddNumberToObject(o, "events_sent", (double)ss.events_sent);
	cJSON_AddNumberToObject(o, "frames_in", (double)ss.frames_in);
	cJSON_AddNumberToObject(o, "frames_out", (double)ss.frames_out);
	cJSON_AddNumberToObject(o, "bad_frames", (double)ss.bad_frames);
	cJSON_AddNumberToObject(o, "commands", (double)ss.commands);
	cJSON_AddNumberToObject(o, "commands_failed", (double)ss.commands_failed);
	cJSON_AddNumberToObject(o, "logins", (double)ss.logins);
	cJSON_AddNumberToObject(o, "logins_refused", (double)ss.logins_refused);
	cJSON_AddNumberToObject(o, "calls_active", (double)es.calls_active);
	cJSON_AddNumberToObject(o, "calls_total", (double)es.calls_total);
	cJSON_AddNumberToObject(o, "scenario_actions", (double)actions);
	cJSON_AddNumberToObject(o, "scenario_actions_failed", (double)failed);
	cJSON_AddNumberToObject(o, "control_actions", (double)ctl->actions);
	cJSON_AddNumberToObject(o, "control_actions_failed", (double)ctl->failed);
	return o;
}

static void
request(struct client *c, char *line)
{
	struct control *ctl = c->ctl;
	char *rest;
	cJSON *o;

	while (*line == ' ' || *line == '\t')
		line++;
	rest = line + strcspn(line, " \t");
	if (*rest != '\0')
		*rest++ = '\0';
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*line == '\0')
		return;
	hs_log_debug("control.request", "verb=%s rest=%s", hs_logq(line), hs_logq(rest));
	if (strcmp(line, "action") == 0) {
		reply(c, do_action(ctl, rest), false);
	} else if (strcmp(line, "state") == 0) {
		o = engine_state_json(ctl->p->eng);
		cJSON_AddNumberToObject(o, "sessions", server_sessions(ctl->p->srv));
		reply(c, o, false);
	} else if (strcmp(line, "stats") == 0) {
		reply(c, do_stats(ctl), false);
	} else if (strcmp(line, "sessions") == 0) {
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddItemToObject(o, "sessions", server_sessions_json(ctl->p->srv));
		reply(c, o, false);
	} else if (strcmp(line, "quit") == 0) {
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		reply(c, o, true);
	} else {
		reply(c, error("unknown request '%s' (action, state, stats, sessions, quit)", line,
		    0), false);
	}
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct client *c = h->data;

	(void)suggested;
	buf->base = c->buf + c->len;
	buf->len = sizeof(c->buf) - c->len;
}

static void
read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct client *c = st->data;
	char *nl;

	(void)buf;
	if (n < 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	while (!c->closing && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
		size_t k = (size_t)(nl - c->buf);
		*nl = '\0';
		if (k > 0 && c->buf[k - 1] == '\r')
			c->buf[k - 1] = '\0';
		request(c, c->buf);
		memmove(c->buf, nl + 1, c->len - k - 1);
		c->len -= k + 1;
	}
	if (c->len == sizeof(c->buf)) {
		reply(c, error("%s", "request longer than 4 KiB", 0), false);
		client_close(c);
	}
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct control *ctl = l->data;
	struct client *c;

	if (status < 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->ctl = ctl;
	uv_pipe_init(ctl->p->uv, &c->pipe, 0);
	c->pipe.data = c;
	c->next = ctl->clients;
	ctl->clients = c;
	if (uv_accept(l, (uv_stream_t *)&c->pipe) != 0) {
		client_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
}

/* ---- life cycle ------------------------------------------------------------------------- */

hs_err
control_start(struct pbxsim *p, const char *path)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct stat st;
	int rv;

	if (ctl == NULL)
		return HS_ENOMEM;
	ctl->p = p;
	p->ctl = ctl;
	if (strlen(path) >= sizeof(ctl->path)) {
		hs_log_error("control.listen", "path=%s err=%s", hs_logq(path),
		    hs_logq("path too long for a unix socket"));
		return HS_EINVAL;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path); /* a stale socket of an earlier run */
	uv_pipe_init(p->uv, &ctl->listener, 0);
	ctl->listener.data = ctl;
	ctl->listening = true;
	if ((rv = uv_pipe_bind(&ctl->listener, path)) != 0 ||
	    (rv = uv_listen((uv_stream_t *)&ctl->listener, 8, on_connection)) != 0) {
		hs_log_error("control.listen", "path=%s err=%s", hs_logq(path),
		    hs_logq(uv_strerror(rv)));
		return HS_EIO;
	}
	chmod(path, 0660);
	hs_log_info("control.listen", "path=%s", hs_logq(path));
	return HS_OK;
}

void
control_stop(struct control *ctl)
{
	if (ctl == NULL || !ctl->listening)
		return;
	ctl->listening = false;
	uv_close((uv_handle_t *)&ctl->listener, NULL);
	for (struct client *c = ctl->clients; c != NULL; c = c->next)
		client_close(c);
	unlink(ctl->path);
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	free(ctl->labels);
	free(ctl->hist);
	free(ctl);
}
