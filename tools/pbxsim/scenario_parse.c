/*
 * scenario_parse.c - scenario files into struct scenario (scenario_load, scenario_parse).
 *
 * A file is read line by line.  Each line is split into words (a "quoted string" is one
 * word, '=' is always a word of its own, '#' outside quotes ends the line), then parsed by
 * the function of its verb, which takes its words in order and fails on the first one that
 * does not fit, naming it.  Labels are resolved here, in file order, so a call must be
 * created before it is used, and `transfer`/`conference` without an explicit consult call
 * get the latest consult call of the held call.  Numbers are only checked for their form;
 * scenario_check.c checks them against a site.
 *
 * Called by main.c, the tests and the fuzz harness.  No global state.
 *
 * To add a verb: a line in SCN_VERB_LIST (scenario.h) with its fields in the table above
 * it, a parse function in verbs[] below, its checks in scenario_check.c, its line in
 * scenario_write() (scenario.c), and a section in README.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define SCN_FILE_MAX (64 << 20) /* generated loads can be large */
#define LINE_MAX_WORDS 24
#define WORD_MAX 128
#define EXCERPT_MAX 40

static const char *const verb_words[] = {
#define X(id, word) word,
	SCN_VERB_LIST(X)
#undef X
};

/* ---- parsing: words --------------------------------------------------------------------- */

struct word {
	char text[WORD_MAX];
	bool quoted;
};

struct parse {
	struct scenario *scn;
	const char *name;
	int line;
	int64_t prev_at;
	int end_line;            /* line of `end`, 0 = not seen */
	char *err;
	size_t errlen;
	hs_err rc;

	/* the line being parsed */
	struct word words[LINE_MAX_WORDS];
	int nwords, pos;
	const char *verb;
};

static void perr(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
perr(struct parse *p, const char *fmt, ...)
{
	char msg[SCN_ERR_MAX];
	va_list ap;

	if (p->rc != HS_OK)
		return;
	p->rc = HS_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->errlen > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, p->line, msg);
}

/* A word as quoted in a message: cut, control characters shown as '?'. */
static const char *
ex(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < len; s++) {
		if (n == EXCERPT_MAX) {
			snprintf(buf + n, len - n, "...");
			return buf;
		}
		buf[n++] = ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) ? '?' : *s;
	}
	buf[n] = '\0';
	return buf;
}
#define EX(s) ex((char[EXCERPT_MAX + 4]){0}, EXCERPT_MAX + 4, (s))

/* Splits one line into p->words; false (error set) on a bad line. */
static bool
split_line(struct parse *p, const char *s, size_t len)
{
	size_t i = 0;

	p->nwords = p->pos = 0;
	while (i < len) {
		struct word *w;
		size_t n = 0;
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (c < 0x20 || c > 0x7e) {
			perr(p, "character 0x%02x is not printable ASCII", c);
			return false;
		}
		if (p->nwords == LINE_MAX_WORDS) {
			perr(p, "more than %d words on a line", LINE_MAX_WORDS);
			return false;
		}
		w = &p->words[p->nwords++];
		w->quoted = false;
		if (c == '=') {
			snprintf(w->text, sizeof(w->text), "=");
			i++;
			continue;
		}
		if (c == '"') {
			w->quoted = true;
			for (i++; i < len && s[i] != '"'; i++) {
				unsigned char q = (unsigned char)s[i];
				if (q < 0x20 || q > 0x7e) {
					perr(p, "character 0x%02x is not printable ASCII", q);
					return false;
				}
				if (n + 1 >= sizeof(w->text)) {
					perr(p, "quoted text longer than %d characters", WORD_MAX - 1);
					return false;
				}
				w->text[n++] = (char)q;
			}
			if (i >= len) {
				perr(p, "missing closing '\"'");
				return false;
			}
			i++;
			w->text[n] = '\0';
			continue;
		}
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '=' &&
		    s[i] != '#' && s[i] != '"') {
			unsigned char q = (unsigned char)s[i];
			if (q < 0x20 || q > 0x7e) {
				perr(p, "character 0x%02x is not printable ASCII", q);
				return false;
			}
			if (n + 1 >= sizeof(w->text)) {
				perr(p, "word longer than %d characters", WORD_MAX - 1);
				return false;
			}
			w->text[n++] = (char)q;
			i++;
		}
		w->text[n] = '\0';
	}
	return true;
}

/* The next word, or NULL at the end of the line. */
static const struct word *
next_word(struct parse *p)
{
	return p->pos < p->nwords ? &p->words[p->pos++] : NULL;
}

static const struct word *
peek_word(struct parse *p)
{
	return p->pos < p->nwords ? &p->words[p->pos] : NULL;
}

/* The next word, which must be there and be plain (not quoted). */
static const char *
need(struct parse *p, const char *what)
{
	const struct word *w = next_word(p);

	if (w == NULL) {
		perr(p, "%s: missing %s", p->verb, what);
		return NULL;
	}
	if (w->quoted) {
		perr(p, "%s: expected %s, got \"%s\"", p->verb, what, EX(w->text));
		return NULL;
	}
	return w->text;
}

static bool
at_end(struct parse *p)
{
	const struct word *w = next_word(p);

	if (w != NULL) {
		perr(p, "%s: unexpected %s%s%s", p->verb, w->quoted ? "\"" : "'", EX(w->text),
		    w->quoted ? "\"" : "'");
		return false;
	}
	return true;
}

/* ---- parsing: values -------------------------------------------------------------------- */

static bool
digits_only(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "12", "12.5", "0.125": seconds with up to 3 decimals, into ms.  false when not one. */
static bool
parse_secs(const char *s, int64_t *ms)
{
	int64_t v = 0;
	int frac = 0, scale = 1000;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > 1000000000) /* callers check their own bounds, well below this */
			return false;
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		for (; isdigit((unsigned char)*s); s++) {
			if (scale == 1)
				return false; /* more than 3 decimals */
			scale /= 10;
			frac += (*s - '0') * scale;
		}
	}
	if (*s != '\0')
		return false;
	*ms = v * 1000 + frac;
	return true;
}

/* A dialled string as _MC takes it: 0-9 * # P ! - ( ), at most 48 characters. */
static bool
dial_ok(const char *s)
{
	if (*s == '\0' || strlen(s) >= SITE_DIAL_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!strchr("0123456789*#P!-()", *s))
			return false;
	return true;
}

static bool
take_number(struct parse *p, char *dst, const char *what)
{
	const char *w = need(p, what);

	if (w == NULL)
		return false;
	if (!digits_only(w, 1, SITE_NUM_MAX - 1)) {
		perr(p, "%s: %s '%s' is not a number of 1 to %d digits", p->verb, what, EX(w),
		    SITE_NUM_MAX - 1);
		return false;
	}
	snprintf(dst, SITE_NUM_MAX, "%s", w);
	return true;
}

static bool
take_dialled(struct parse *p, char *dst, const char *what)
{
	const char *w = need(p, what);

	if (w == NULL)
		return false;
	if (!dial_ok(w)) {
		perr(p, "%s: '%s' is not a dialled number (0-9 * # P ! - ( ), up to %d "
		    "characters)", p->verb, EX(w), SITE_DIAL_MAX - 1);
		return false;
	}
	snprintf(dst, SITE_DIAL_MAX, "%s", w);
	return true;
}

static int
take_call(struct parse *p)
{
	const char *w = need(p, "a call label");
	int c;

	if (w == NULL)
		return -1;
	if ((c = scenario_find_call(p->scn, w)) < 0)
		perr(p, "%s: unknown call '%s'", p->verb, EX(w));
	return c;
}

#define P_DEV (1u << SCN_PARTY_DEV)
#define P_FAR (1u << SCN_PARTY_FAR)
#define P_ANY (1u << SCN_PARTY_ANY)
#define P_CALLER (1u << SCN_PARTY_CALLER)
#define P_ANSWERER (1u << SCN_PARTY_ANSWERER)

/* A party word: a number, or one of the words allowed by mask. */
static bool
take_party(struct parse *p, struct scn_action *a, unsigned mask)
{
	static const char *const hint[] = {
		[SCN_PARTY_FAR] = "far", [SCN_PARTY_ANY] = "any",
		[SCN_PARTY_CALLER] = "caller", [SCN_PARTY_ANSWERER] = "answerer",
	};
	char allowed[96] = "a number";
	const char *w = need(p, "who acts");

	if (w == NULL)
		return false;
	for (int i = SCN_PARTY_FAR; i <= SCN_PARTY_ANSWERER; i++) {
		if (strcmp(w, hint[i]) != 0)
			continue;
		if (!(mask & (1u << i)))
			break;
		a->party = (enum scn_party)i;
		return true;
	}
	if (digits_only(w, 1, SITE_NUM_MAX - 1)) {
		a->party = SCN_PARTY_DEV;
		snprintf(a->dev, sizeof(a->dev), "%s", w);
		return true;
	}
	for (int i = SCN_PARTY_FAR; i <= SCN_PARTY_ANSWERER; i++)
		if (mask & (1u << i)) {
			strcat(allowed, ", ");
			strcat(allowed, hint[i]);
		}
	perr(p, "%s: '%s' cannot act here (%s)", p->verb, EX(w), allowed);
	return false;
}

/* Optional "account CODE"; true when fine (present or not). */
static bool
take_account(struct parse *p, struct scn_action *a)
{
	const struct word *w = peek_word(p);
	const char *code;

	if (w == NULL || w->quoted || strcmp(w->text, "account") != 0)
		return true;
	p->pos++;
	if ((code = need(p, "an account code")) == NULL)
		return false;
	if (!digits_only(code, 1, SCN_ACCOUNT_MAX - 1)) {
		perr(p, "%s: '%s' is not an account code (1 to %d digits)", p->verb, EX(code),
		    SCN_ACCOUNT_MAX - 1);
		return false;
	}
	snprintf(a->account, sizeof(a->account), "%s", code);
	return true;
}

/* Text to be sent between '|' on the wire. */
static bool
text_ok(struct parse *p, const char *what, const char *s, size_t max)
{
	if (strchr(s, '|') != NULL) {
		perr(p, "%s: %s may not contain '|'", p->verb, what);
		return false;
	}
	if (strlen(s) > max) {
		perr(p, "%s: %s is longer than %zu characters", p->verb, what, max);
		return false;
	}
	return true;
}

/* The latest consult call made from call c before this line, or -1. */
static int
latest_consult(const struct scenario *scn, int c)
{
	for (size_t i = scn->ncalls; i-- > 0;)
		if (scn->calls[i].parent == c)
			return (int)i;
	return -1;
}

/* ---- parsing: verbs --------------------------------------------------------------------- */

static bool
parse_call(struct parse *p, struct scn_action *a)
{
	a->party = SCN_PARTY_DEV;
	return take_number(p, a->dev, "the calling extension") &&
	    take_dialled(p, a->digits, "the dialled number") && take_account(p, a) && at_end(p);
}

static bool
parse_inbound(struct parse *p, struct scn_action *a)
{
	const struct word *w;
	const char *v;
	bool from = false, name = false;

	/* "T97001" reads as trunk 97001, as the trunk is often written. */
	if ((w = peek_word(p)) != NULL && !w->quoted && w->text[0] == 'T' &&
	    digits_only(w->text + 1, 1, SITE_NUM_MAX - 1))
		memmove(p->words[p->pos].text, w->text + 1, strlen(w->text));
	if (!take_number(p, a->dev, "the trunk"))
		return false;
	if ((v = need(p, "the DDI")) == NULL)
		return false;
	if (!digits_only(v, 1, SITE_EXT_NUM_MAX - 1)) {
		perr(p, "inbound: '%s' is not a DDI number (1 to %d digits)", EX(v),
		    SITE_EXT_NUM_MAX - 1);
		return false;
	}
	snprintf(a->digits, sizeof(a->digits), "%s", v);
	while ((w = next_word(p)) != NULL) {
		if (!w->quoted && ((strcmp(w->text, "from") == 0 && from) ||
		    (strcmp(w->text, "name") == 0 && name))) {
			perr(p, "inbound: '%s' given twice", w->text);
			return false;
		}
		if (!w->quoted && strcmp(w->text, "from") == 0) {
			from = true;
			if ((v = need(p, "the caller's number")) == NULL)
				return false;
			if (!digits_only(v + (v[0] == '+'), 1, SCN_CLI_MAX - 2)) {
				perr(p, "inbound: '%s' is not a caller number (an optional '+', "
				    "then 1 to %d digits)", EX(v), SCN_CLI_MAX - 2);
				return false;
			}
			snprintf(a->cli, sizeof(a->cli), "%s", v);
		} else if (!w->quoted && strcmp(w->text, "name") == 0) {
			name = true;
			if ((w = next_word(p)) == NULL) {
				perr(p, "inbound: missing the caller's name");
				return false;
			}
			if (!text_ok(p, "the name", w->text, SCN_NAME_MAX - 1))
				return false;
			snprintf(a->name, sizeof(a->name), "%s", w->text);
		} else {
			perr(p, "inbound: unexpected %s%s%s", w->quoted ? "\"" : "'", EX(w->text),
			    w->quoted ? "\"" : "'");
			return false;
		}
	}
	return true;
}

static bool
parse_consult(struct parse *p, struct scn_action *a)
{
	if (!take_party(p, a, P_DEV | P_CALLER | P_ANSWERER))
		return false;
	if ((a->other = take_call(p)) < 0)
		return false;
	return take_dialled(p, a->digits, "the dialled number") && take_account(p, a) &&
	    at_end(p);
}

static bool
parse_answer(struct parse *p, struct scn_action *a)
{
	return take_party(p, a, P_DEV | P_FAR | P_ANY) && (a->call = take_call(p)) >= 0 &&
	    at_end(p);
}

static bool
parse_hangup(struct parse *p, struct scn_action *a)
{
	return take_party(p, a, P_DEV | P_FAR | P_CALLER | P_ANSWERER) &&
	    (a->call = take_call(p)) >= 0 && at_end(p);
}

static bool
parse_abandon(struct parse *p, struct scn_action *a)
{
	return (a->call = take_call(p)) >= 0 && at_end(p);
}

static bool
parse_hold(struct parse *p, struct scn_action *a)
{
	return take_party(p, a, P_DEV | P_CALLER | P_ANSWERER) &&
	    (a->call = take_call(p)) >= 0 && at_end(p);
}

/* transfer/conference PARTY CALL [CONSULT] | transfer PARTY CALL to DIGITS */
static bool
parse_join(struct parse *p, struct scn_action *a)
{
	const struct word *w;

	if (!take_party(p, a, P_DEV | P_CALLER | P_ANSWERER) || (a->call = take_call(p)) < 0)
		return false;
	w = peek_word(p);
	if (w != NULL && !w->quoted && strcmp(w->text, "to") == 0) {
		if (a->verb != SCN_TRANSFER) {
			perr(p, "%s: takes no 'to' (it joins the call with its consult call)",
			    p->verb);
			return false;
		}
		p->pos++;
		return take_dialled(p, a->digits, "the destination") && at_end(p);
	}
	if (w != NULL) {
		if ((a->other = take_call(p)) < 0)
			return false;
		if (p->scn->calls[a->other].parent != a->call) {
			perr(p, "%s: %s is not a consult call of %s", p->verb,
			    p->scn->calls[a->other].label, p->scn->calls[a->call].label);
			return false;
		}
		return at_end(p);
	}
	if ((a->other = latest_consult(p->scn, a->call)) < 0) {
		perr(p, "%s: %s has no consult call (consult first%s)", p->verb,
		    p->scn->calls[a->call].label,
		    a->verb == SCN_TRANSFER ? ", or transfer ... to NUMBER" : "");
		return false;
	}
	return true;
}

static bool
parse_dnd(struct parse *p, struct scn_action *a)
{
	const struct word *w;
	const char *v;

	if (!take_number(p, a->dev, "the extension") || (v = need(p, "on or off")) == NULL)
		return false;
	if (strcmp(v, "off") == 0)
		return at_end(p);
	if (strcmp(v, "on") != 0) {
		perr(p, "dnd: '%s' is not on or off", EX(v));
		return false;
	}
	a->on = true;
	if ((w = peek_word(p)) != NULL && !w->quoted) {
		p->pos++;
		if (!digits_only(w->text, 1, 2) || atoi(w->text) < 1 ||
		    atoi(w->text) > SITE_DND_COUNT) {
			perr(p, "dnd: '%s' is not a message number 1..%d", EX(w->text),
			    SITE_DND_COUNT);
			return false;
		}
		a->dnd_msg = atoi(w->text);
	}
	if ((w = peek_word(p)) != NULL && w->quoted) {
		p->pos++;
		if (!text_ok(p, "the DND text", w->text, SITE_DND_MAX - 1))
			return false;
		snprintf(a->text, sizeof(a->text), "%s", w->text);
	}
	return at_end(p);
}

static bool
parse_forward(struct parse *p, struct scn_action *a)
{
	const char *v;
	int f;

	if (!take_number(p, a->dev, "the extension") ||
	    (v = need(p, "the forward type")) == NULL)
		return false;
	if ((f = site_fwd_parse(v)) < 0) {
		perr(p, "forward: '%s' is not one of off|all|busy|no-answer|busy-no-answer",
		    EX(v));
		return false;
	}
	a->fwd = (enum site_fwd)f;
	if (f == SITE_FWD_OFF)
		return at_end(p);
	return take_dialled(p, a->digits, "the destination") && at_end(p);
}

static bool
parse_agent(struct parse *p, struct scn_action *a)
{
	static const char *const ops[] = {"logon", "logoff", "ready", "notready", "wrapup"};
	const char *v;

	if (!take_number(p, a->dev, "the agent ID") || (v = need(p, "what the agent does")) == NULL)
		return false;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(v, ops[i]) == 0) {
			a->agent_op = (enum scn_agent_op)i;
			/* An agent ID logs on at a station; an ACD member station needs none. */
			if (a->agent_op == SCN_AGENT_LOGON && peek_word(p) != NULL &&
			    !take_number(p, a->station, "the station"))
				return false;
			return at_end(p);
		}
	perr(p, "agent: '%s' is not one of logon|logoff|ready|notready|wrapup", EX(v));
	return false;
}

static bool
parse_duration(struct parse *p, struct scn_action *a, bool required)
{
	const struct word *w = peek_word(p);

	if (w == NULL && !required)
		return true;
	const char *v = need(p, "a duration in seconds");
	if (v == NULL)
		return false;
	if (!parse_secs(v, &a->dur) || a->dur > SCN_TIME_MAX_MS) {
		perr(p, "%s: '%s' is not a duration in seconds (up to ten days)", p->verb, EX(v));
		return false;
	}
	return at_end(p);
}

static bool
parse_drop_link(struct parse *p, struct scn_action *a)
{
	return parse_duration(p, a, false);
}

static bool
parse_stall(struct parse *p, struct scn_action *a)
{
	return parse_duration(p, a, true);
}

static bool
parse_garbage(struct parse *p, struct scn_action *a)
{
	const struct word *w = peek_word(p);

	if (w == NULL)
		return true;
	for (int g = SCN_GARBAGE_FRAME; g <= SCN_GARBAGE_FIELDS; g++)
		if (!w->quoted && strcmp(w->text, scn_garbage_name((enum scn_garbage)g)) == 0) {
			a->garbage = (enum scn_garbage)g;
			p->pos++;
			return at_end(p);
		}
	perr(p, "garbage: '%s' is not one of frame|length|fields", EX(w->text));
	return false;
}

static bool
parse_nothing(struct parse *p, struct scn_action *a)
{
	(void)a;
	return at_end(p);
}

static const struct {
	bool (*parse)(struct parse *, struct scn_action *);
	bool creates; /* takes "LABEL =" (required for call and inbound) */
} verbs[SCN_VERB_COUNT] = {
	[SCN_CALL] = {parse_call, true},
	[SCN_INBOUND] = {parse_inbound, true},
	[SCN_CONSULT] = {parse_consult, true},
	[SCN_ANSWER] = {parse_answer, false},
	[SCN_HANGUP] = {parse_hangup, false},
	[SCN_ABANDON] = {parse_abandon, false},
	[SCN_HOLD] = {parse_hold, false},
	[SCN_RETRIEVE] = {parse_hold, false},
	[SCN_TRANSFER] = {parse_join, false},
	[SCN_CONFERENCE] = {parse_join, false},
	[SCN_DND] = {parse_dnd, false},
	[SCN_FORWARD] = {parse_forward, false},
	[SCN_AGENT] = {parse_agent, false},
	[SCN_DROP_LINK] = {parse_drop_link, false},
	[SCN_RESTART] = {parse_nothing, false},
	[SCN_GARBAGE] = {parse_garbage, false},
	[SCN_STALL] = {parse_stall, false},
	[SCN_END] = {parse_nothing, false},
};

static bool
is_keyword(const char *s)
{
	static const char *const words[] = {"far", "any", "caller", "answerer", "to", "from",
		"name", "account", "on", "off"};

	for (size_t i = 0; i < SCN_VERB_COUNT; i++)
		if (strcmp(s, verb_words[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

static bool
label_ok(struct parse *p, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SCN_LABEL_MAX || !isalpha((unsigned char)s[0])) {
		perr(p, "'%s' is not a label (a letter, then letters, digits, '_' or '.'; up to "
		    "%d characters)", EX(s), SCN_LABEL_MAX - 1);
		return false;
	}
	for (const char *q = s; *q != '\0'; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '.') {
			perr(p, "'%s' is not a label (a letter, then letters, digits, '_' or '.'; "
			    "up to %d characters)", EX(s), SCN_LABEL_MAX - 1);
			return false;
		}
	if (is_keyword(s)) {
		perr(p, "'%s' is a keyword and cannot be a label", s);
		return false;
	}
	return true;
}

/* Parses the words of one non-empty line into one action. */
static void
parse_line(struct parse *p)
{
	char tbuf[32], pbuf[32];
	const struct word *w = &p->words[0], *label = NULL, *vw;
	struct scn_action *a;
	int64_t at;
	int v = -1, created = -1;

	if (w->quoted || !parse_secs(w->text + (w->text[0] == '+'), &at)) {
		perr(p, "'%s' is not a time (seconds such as 12 or 12.5, or +2 for 2 s after the "
		    "previous line)", EX(w->text));
		return;
	}
	if (w->text[0] == '+')
		at += p->prev_at;
	if (at > SCN_TIME_MAX_MS) {
		perr(p, "time %s is later than ten days", EX(w->text));
		return;
	}
	if (at < p->prev_at) {
		perr(p, "time %s is before the previous line's %s", scn__fmt_secs(tbuf, sizeof(tbuf), at),
		    scn__fmt_secs(pbuf, sizeof(pbuf), p->prev_at));
		return;
	}
	if (p->end_line != 0) {
		perr(p, "nothing may follow 'end' (line %d)", p->end_line);
		return;
	}
	p->pos = 1;
	if (p->nwords >= 2 && !p->words[1].quoted && p->nwords >= 3 &&
	    strcmp(p->words[2].text, "=") == 0 && !p->words[2].quoted) {
		label = &p->words[1];
		p->pos = 3;
	} else if (p->nwords >= 2 && strcmp(p->words[1].text, "=") == 0) {
		perr(p, "missing label before '='");
		return;
	}
	if ((vw = next_word(p)) == NULL) {
		perr(p, label != NULL ? "missing action after '%s ='" : "missing action after the "
		    "time%s", label != NULL ? EX(label->text) : "");
		return;
	}
	for (int i = 0; i < SCN_VERB_COUNT; i++)
		if (!vw->quoted && strcmp(vw->text, verb_words[i]) == 0)
			v = i;
	if (v < 0) {
		perr(p, "unknown action '%s'", EX(vw->text));
		return;
	}
	p->verb = verb_words[v];
	if (label != NULL && !verbs[v].creates) {
		perr(p, "%s: takes no label ('%s =')", p->verb, EX(label->text));
		return;
	}
	if (label == NULL && (v == SCN_CALL || v == SCN_INBOUND)) {
		perr(p, "%s: needs a label for the new call, as in: c1 = %s ...", p->verb, p->verb);
		return;
	}
	if (label != NULL) {
		int old;
		if (!label_ok(p, label->text))
			return;
		if ((old = scenario_find_call(p->scn, label->text)) >= 0) {
			perr(p, "call '%s' is already defined at line %d", label->text,
			    p->scn->calls[old].line);
			return;
		}
	}
	if ((a = scenario_add_action(p->scn, at, (enum scn_verb)v)) == NULL)
		goto nomem;
	a->line = p->line;
	if (!verbs[v].parse(p, a))
		return;
	p->prev_at = at;
	if (v == SCN_END)
		p->end_line = p->line;
	if (!verbs[v].creates)
		return;

	/* The new call, added after parsing so it cannot refer to itself. */
	char autolabel[SCN_LABEL_MAX + 16];
	if (label == NULL) {
		const struct scn_call *parent = &p->scn->calls[a->other];
		snprintf(autolabel, sizeof(autolabel), "%s.%d", parent->label,
		    parent->nconsults + 1);
		if (strlen(autolabel) >= SCN_LABEL_MAX ||
		    scenario_find_call(p->scn, autolabel) >= 0) {
			perr(p, "consult: the automatic label '%s' %s; give one ('c2 = consult ...')",
			    EX(autolabel), strlen(autolabel) >= SCN_LABEL_MAX ? "is too long" :
			    "is taken");
			return;
		}
	}
	created = scenario_add_call(p->scn, label != NULL ? label->text : autolabel,
	    v == SCN_CONSULT ? a->other : -1);
	if (created < 0)
		goto nomem;
	p->scn->calls[created].line = p->line;
	a->call = created; /* a is still good: calls and actions are separate arrays */
	return;
nomem:
	if (p->rc == HS_OK) {
		p->rc = HS_ENOMEM;
		snprintf(p->err, p->errlen, "%s:%d: out of memory", p->name, p->line);
	}
}

hs_err
scenario_parse(const char *text, size_t len, const char *name, struct scenario **scnp,
    char *err, size_t errlen)
{
	struct parse p = {.name = name, .err = err, .errlen = errlen, .rc = HS_OK};
	size_t pos = 0;

	*scnp = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((p.scn = scenario_new(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return HS_ENOMEM;
	}
	while (pos < len && p.rc == HS_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		p.line++;
		if (memchr(text + pos, '\0', n) != NULL)
			perr(&p, "NUL character in line");
		else if (split_line(&p, text + pos, n) && p.nwords > 0)
			parse_line(&p);
		pos += n + (nl != NULL);
	}
	if (p.rc != HS_OK) {
		scenario_free(p.scn);
		return p.rc;
	}
	p.scn->end = p.scn->nactions > 0 ? p.scn->actions[p.scn->nactions - 1].at : 0;
	*scnp = p.scn;
	return HS_OK;
}

hs_err
scenario_load(const char *path, struct scenario **scnp, char *err, size_t errlen)
{
	FILE *fp;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	hs_err rc;
	int e;

	*scnp = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return e == ENOENT ? HS_ENOTFOUND : HS_EIO;
	}
	for (;;) {
		if (n == cap) {
			char *nb;
			cap = cap ? cap * 2 : 65536;
			if (cap > SCN_FILE_MAX + 1)
				cap = SCN_FILE_MAX + 1;
			if (n == cap || (nb = realloc(buf, cap)) == NULL) {
				fclose(fp);
				free(buf);
				if (n == cap) {
					snprintf(err, errlen, "%s: larger than %d bytes", path,
					    SCN_FILE_MAX);
					return HS_ECONFIG;
				}
				snprintf(err, errlen, "%s: out of memory", path);
				return HS_ENOMEM;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = HS_EIO;
	} else if (n > SCN_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, SCN_FILE_MAX);
		rc = HS_ECONFIG;
	} else {
		rc = scenario_parse(buf != NULL ? buf : "", n, path, scnp, err, errlen);
	}
	fclose(fp);
	free(buf);
	return rc;
}
