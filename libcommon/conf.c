/*
 * conf.c - the configuration store: table defaults, then an INI file, then HOOKSWITCH_*
 * environment variables, every value checked against its entry in hs_conf_keys.
 *
 * The INI syntax is inih's.  inih does not hand line numbers to its handler, so the file is fed
 * through our own reader, which counts lines (one reader call is one line, and inih counts
 * the same way, so its error line numbers agree with ours).  The reader also refuses lines
 * too long for inih's buffer, which inih would otherwise silently split into two lines, and
 * checks section headers so an empty misspelt section is still reported.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "log.h"

#define ENV_PREFIX "HOOKSWITCH_"
#define ENV_PREFIX_LEN (sizeof(ENV_PREFIX) - 1)
#define KEY_MAX 128
#define EXCERPT_MAX 64 /* longest piece of a bad value quoted in an error message */

struct conf_val {
	char *text;   /* STR and ENUM: the value; others: the value written back canonically */
	long long num; /* INT, SIZE, TIME, BOOL */
	char *origin;
};

struct hs_conf {
	size_t nkeys;
	struct conf_val *vals;
	char error[1024];
};

/* State of one INI read, shared by the reader and the handler. */
struct conf_load {
	hs_conf *conf;
	FILE *fp;
	const char *name;
	int line;      /* lines read so far: the line inih is working on */
	int sect_line; /* line of the last section header */
	hs_err err;
	int err_line;
};

static void conf_fail(hs_conf *conf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
conf_fail(hs_conf *conf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(conf->error, sizeof(conf->error), fmt, ap);
	va_end(ap);
}

/* A bad value as shown in a message: cut, and with control characters made visible as '?',
 * since values from the environment may hold anything. */
static void
excerpt(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < len; s++) {
		if (n == EXCERPT_MAX) {
			snprintf(buf + n, len - n, "...");
			return;
		}
		buf[n++] = iscntrl((unsigned char)*s) ? '?' : *s;
	}
	buf[n] = '\0';
}

static long
conf_find(const char *key)
{
	for (long i = 0; hs_conf_keys[i].key != NULL; i++)
		if (strcmp(hs_conf_keys[i].key, key) == 0)
			return i;
	return -1;
}

/* Does some key start with "<section>."?  section need not be NUL-terminated. */
static bool
section_known(const char *section, size_t len)
{
	for (const struct hs_conf_def *d = hs_conf_keys; d->key != NULL; d++)
		if (strncmp(d->key, section, len) == 0 && d->key[len] == '.')
			return true;
	return false;
}

/* Does the variable name (without "HOOKSWITCH_", len bytes) belong to key? */
static bool
env_matches(const char *key, const char *name, size_t len)
{
	size_t i;

	for (i = 0; key[i] != '\0' && i < len; i++) {
		char want = key[i] == '.' ? '_' : (char)toupper((unsigned char)key[i]);
		if (name[i] != want)
			return false;
	}
	return key[i] == '\0' && i == len;
}

/* ---- value parsing ---------------------------------------------------------------------- */

/* Decimal integer with optional sign.  0 ok, -1 not a number, -2 does not fit. */
static int
parse_int(const char *s, long long *v)
{
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == ERANGE ? -2 : 0;
}

/* Digits with an optional K, M or G.  0 ok, -1 not a size, -2 does not fit. */
static int
parse_size(const char *s, long long *v)
{
	unsigned long long n = 0, mult = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (unsigned long long)(LLONG_MAX - 9) / 10)
			return -2;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': mult = 1ULL << 10; p++; break;
	case 'm': case 'M': mult = 1ULL << 20; p++; break;
	case 'g': case 'G': mult = 1ULL << 30; p++; break;
	default: return -1;
	}
	if (*p != '\0')
		return -1;
	if (n > (unsigned long long)LLONG_MAX / mult)
		return -2;
	*v = (long long)(n * mult);
	return 0;
}

static void
format_size(char *buf, size_t len, long long v)
{
	static const char suffix[] = "GMK";

	for (int i = 0; i < 3; i++) {
		long long unit = 1LL << (10 * (3 - i));
		if (v != 0 && v % unit == 0) {
			snprintf(buf, len, "%lld%c", v / unit, suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%lld", v);
}

static int
parse_bool(const char *s, long long *v)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

/* HH:MM (H:MM tolerated) -> minutes after midnight. */
static int
parse_time(const char *s, long long *v)
{
	int h = 0, m, i = 0;

	while (i < 2 && isdigit((unsigned char)s[i]))
		h = h * 10 + (s[i++] - '0');
	if (i == 0 || s[i] != ':' || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) || s[i + 3] != '\0')
		return -1;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (h > 23 || m > 59)
		return -1;
	*v = h * 60 + m;
	return 0;
}

/* The word of choices equal to s ignoring case, copied so the stored value is canonical. */
static char *
parse_enum(const char *choices, const char *s)
{
	size_t len = strlen(s);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t wlen = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (wlen == len && wlen > 0 && strncasecmp(p, s, len) == 0)
			return strndup(p, wlen);
		p = bar != NULL ? bar + 1 : NULL;
	}
	return NULL;
}

/*
 * Checks text against def and fills *num and *textp (malloc'd canonical text).  Returns
 * HS_ECONFIG with the reason in why, or HS_ENOMEM.
 */
static hs_err
conf_parse(const struct hs_conf_def *def, const char *s, long long *num, char **textp,
    char *why, size_t whylen)
{
	char ex[EXCERPT_MAX + 4], lo[32], hi[32], buf[32];
	int rc;

	excerpt(ex, sizeof(ex), s);
	*num = 0;
	*textp = NULL;
	switch (def->type) {
	case HS_CONF_STR:
		*textp = strdup(s);
		break;
	case HS_CONF_INT:
		if ((rc = parse_int(s, num)) == -1) {
			snprintf(why, whylen, "'%s' is not an integer", ex);
			return HS_ECONFIG;
		}
		if (rc == -2 || *num < def->min || *num > def->max) {
			snprintf(why, whylen, "%s is out of range %lld..%lld", ex, def->min,
			    def->max);
			return HS_ECONFIG;
		}
		snprintf(buf, sizeof(buf), "%lld", *num);
		*textp = strdup(buf);
		break;
	case HS_CONF_SIZE:
		if ((rc = parse_size(s, num)) == -1) {
			snprintf(why, whylen,
			    "'%s' is not a size (bytes, or a number with K, M or G)", ex);
			return HS_ECONFIG;
		}
		if (rc == -2 || *num < def->min || *num > def->max) {
			format_size(lo, sizeof(lo), def->min);
			format_size(hi, sizeof(hi), def->max);
			snprintf(why, whylen, "%s is out of range %s..%s", ex, lo, hi);
			return HS_ECONFIG;
		}
		format_size(buf, sizeof(buf), *num);
		*textp = strdup(buf);
		break;
	case HS_CONF_BOOL:
		if (parse_bool(s, num) != 0) {
			snprintf(why, whylen,
			    "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", ex);
			return HS_ECONFIG;
		}
		*textp = strdup(*num ? "true" : "false");
		break;
	case HS_CONF_TIME:
		if (parse_time(s, num) != 0) {
			snprintf(why, whylen, "'%s' is not a time of day (HH:MM, 00:00..23:59)",
			    ex);
			return HS_ECONFIG;
		}
		snprintf(buf, sizeof(buf), "%02lld:%02lld", *num / 60, *num % 60);
		*textp = strdup(buf);
		break;
	case HS_CONF_ENUM:
		errno = 0;
		if ((*textp = parse_enum(def->choices, s)) == NULL) {
			if (errno == ENOMEM)
				return HS_ENOMEM;
			snprintf(why, whylen, "'%s' is not one of %s", ex,
			    def->choices != NULL ? def->choices : "(no choices)");
			return HS_ECONFIG;
		}
		break;
	default:
		snprintf(why, whylen, "key has unknown type %d", (int)def->type);
		return HS_EINTERNAL;
	}
	return *textp != NULL ? HS_OK : HS_ENOMEM;
}

/* Sets key i from value (trimmed), remembering origin; on error conf->error says why. */
static hs_err
conf_assign(hs_conf *conf, long i, const char *value, const char *origin)
{
	const struct hs_conf_def *def = &hs_conf_keys[i];
	struct conf_val *v = &conf->vals[i];
	char why[256], *trimmed, *text, *org;
	size_t len;
	long long num;
	hs_err err;

	while (isspace((unsigned char)*value))
		value++;
	len = strlen(value);
	while (len > 0 && isspace((unsigned char)value[len - 1]))
		len--;
	if ((trimmed = strndup(value, len)) == NULL)
		goto nomem;
	err = conf_parse(def, trimmed, &num, &text, why, sizeof(why));
	free(trimmed);
	if (err == HS_ENOMEM)
		goto nomem;
	if (err != HS_OK) {
		conf_fail(conf, "%s: %s: %s", origin, def->key, why);
		return err;
	}
	if ((org = strdup(origin)) == NULL) {
		free(text);
		goto nomem;
	}
	free(v->text);
	free(v->origin);
	v->text = text;
	v->num = num;
	v->origin = org;
	return HS_OK;
nomem:
	conf_fail(conf, "%s: %s: out of memory", origin, def->key);
	return HS_ENOMEM;
}

/* ---- public API ------------------------------------------------------------------------- */

hs_conf *
hs_conf_new(void)
{
	hs_conf *conf;
	size_t n = 0;

	while (hs_conf_keys[n].key != NULL)
		n++;
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	if ((conf->vals = calloc(n ? n : 1, sizeof(*conf->vals))) == NULL) {
		free(conf);
		return NULL;
	}
	conf->nkeys = n;
	for (size_t i = 0; i < n; i++) {
		const struct hs_conf_def *def = &hs_conf_keys[i];
		/* The table is code: a bad entry is a bug, caught on any program's start. */
		if (strchr(def->key, '.') == NULL || conf_find(def->key) != (long)i)
			hs_fatal("conf.bad_table", "key=%s reason=%s", hs_logq(def->key),
			    hs_logq("key without a section, or declared twice"));
		hs_err err = conf_assign(conf, (long)i, def->def != NULL ? def->def : "",
		    "default");
		if (err == HS_ENOMEM) {
			hs_conf_free(conf);
			return NULL;
		}
		if (err != HS_OK)
			hs_fatal("conf.bad_default", "key=%s error=%s", hs_logq(def->key),
			    hs_logq(conf->error));
	}
	return conf;
}

void
hs_conf_free(hs_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nkeys; i++) {
		free(conf->vals[i].text);
		free(conf->vals[i].origin);
	}
	free(conf->vals);
	free(conf);
}

/*
 * inih reader: one call, one line.  inih's line buffer is fixed when the library is built
 * (size bytes); a longer line would come back in pieces that inih takes for separate lines,
 * so it is refused here instead.  Returning NULL ends the parse, which is how an error found
 * here or in the handler stops the read.
 */
static char *
conf_reader(char *buf, int size, void *arg)
{
	struct conf_load *ctx = arg;
	int c = EOF, n = 0, max = size - 2; /* room for '\n' and '\0' */
	bool nul = false;
	char *p;

	if (ctx->err != HS_OK || max < 1)
		return NULL;
	while ((c = getc(ctx->fp)) != EOF && c != '\n') {
		if (c == '\0')
			nul = true;
		if (n < max)
			buf[n] = (char)c;
		n++;
	}
	if (c == EOF && ferror(ctx->fp)) {
		conf_fail(ctx->conf, "%s:%d: read error: %s", ctx->name, ctx->line + 1,
		    strerror(errno));
		ctx->err = HS_ECONFIG;
		ctx->err_line = ctx->line + 1;
		return NULL;
	}
	if (c == EOF && n == 0)
		return NULL;
	ctx->line++;
	if (n > max || nul) {
		if (n > max)
			conf_fail(ctx->conf, "%s:%d: line longer than %d characters", ctx->name,
			    ctx->line, max);
		else
			conf_fail(ctx->conf, "%s:%d: NUL character in line", ctx->name,
			    ctx->line);
		ctx->err = HS_ECONFIG;
		ctx->err_line = ctx->line;
		return NULL;
	}
	if (c == '\n')
		buf[n++] = '\n';
	buf[n] = '\0';

	/* Section headers are checked here, where a section without keys is seen too. */
	p = buf;
	if (ctx->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '[') {
		char *end = strchr(p + 1, ']');
		ctx->sect_line = ctx->line;
		if (end != NULL && !section_known(p + 1, (size_t)(end - p - 1))) {
			int len = (int)(end - p - 1);
			conf_fail(ctx->conf, "%s:%d: unknown section [%.*s%s]", ctx->name,
			    ctx->line, len > EXCERPT_MAX ? EXCERPT_MAX : len, p + 1,
			    len > EXCERPT_MAX ? "..." : "");
			ctx->err = HS_ECONFIG;
			ctx->err_line = ctx->line;
			return NULL;
		}
	}
	return buf;
}

static int
conf_handler(void *arg, const char *section, const char *name, const char *value)
{
	struct conf_load *ctx = arg;
	char key[KEY_MAX], *origin;
	hs_err err;
	long i;

	if (ctx->err != HS_OK)
		return 0;
	ctx->err = HS_ECONFIG;
	ctx->err_line = ctx->line;
	if (*section == '\0') {
		conf_fail(ctx->conf, "%s:%d: key '%s' is outside any section", ctx->name,
		    ctx->line, name);
		return 0;
	}
	if (!section_known(section, strlen(section))) {
		/* Normally caught by the reader already; kept for inih's own view of it. */
		conf_fail(ctx->conf, "%s:%d: unknown section [%s]", ctx->name, ctx->sect_line,
		    section);
		ctx->err_line = ctx->sect_line;
		return 0;
	}
	if (*name == '\0') {
		conf_fail(ctx->conf, "%s:%d: missing key name", ctx->name, ctx->line);
		return 0;
	}
	snprintf(key, sizeof(key), "%s.%s", section, name);
	if ((i = conf_find(key)) < 0) {
		conf_fail(ctx->conf, "%s:%d: unknown key '%s' in section [%s]", ctx->name,
		    ctx->line, name, section);
		return 0;
	}
	if (asprintf(&origin, "%s:%d", ctx->name, ctx->line) < 0) {
		conf_fail(ctx->conf, "%s:%d: out of memory", ctx->name, ctx->line);
		ctx->err = HS_ENOMEM;
		return 0;
	}
	err = conf_assign(ctx->conf, i, value != NULL ? value : "", origin);
	free(origin);
	if (err != HS_OK) {
		ctx->err = err;
		return 0;
	}
	ctx->err = HS_OK;
	ctx->err_line = 0;
	return 1;
}

hs_err
hs__conf_load_stream(hs_conf *conf, FILE *fp, const char *name)
{
	struct conf_load ctx = {.conf = conf, .fp = fp, .name = name, .err = HS_OK};
	int rc;

	/*
	 * Debian's inih takes these at run time.  Continuation lines would turn an indented
	 * "key = value" into more text for the previous key, and parsing on past a syntax error
	 * would apply the lines after it; neither is wanted in a configuration file.
	 */
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	rc = ini_parse_stream(conf_reader, &ctx, conf_handler, &ctx);
	if (ctx.err != HS_OK && (rc <= 0 || rc >= ctx.err_line))
		return ctx.err;
	if (rc > 0) {
		conf_fail(conf, "%s:%d: syntax error", name, rc);
		return HS_ECONFIG;
	}
	if (rc < 0) {
		conf_fail(conf, "%s: out of memory", name);
		return HS_ENOMEM;
	}
	return HS_OK;
}

hs_err
hs_conf_load(hs_conf *conf, const char *path)
{
	bool optional = path == NULL;
	hs_err err;
	FILE *fp;

	if (path == NULL)
		path = HS_CONF_DEFAULT_PATH;
	if ((fp = fopen(path, "re")) == NULL) {
		int e = errno;
		if (e == ENOENT && optional)
			return HS_OK;
		conf_fail(conf, "%s: cannot open: %s", path, strerror(e));
		return e == ENOENT ? HS_ENOTFOUND : HS_ECONFIG;
	}
	err = hs__conf_load_stream(conf, fp, path);
	fclose(fp);
	return err;
}

hs_err
hs_conf_apply_env(hs_conf *conf, char *const *envp)
{
	if (envp == NULL)
		envp = environ;
	for (; *envp != NULL; envp++) {
		const char *var = *envp, *eq, *name;
		char origin[KEY_MAX + 16];
		size_t len;
		long i;
		hs_err err;

		if (strncmp(var, ENV_PREFIX, ENV_PREFIX_LEN) != 0 ||
		    (eq = strchr(var, '=')) == NULL)
			continue;
		name = var + ENV_PREFIX_LEN;
		len = (size_t)(eq - name);
		/* Set by the watchdog for its children, not settings. */
		if ((len == 9 && strncmp(name, "NOTIFY_FD", 9) == 0) ||
		    (len == 14 && strncmp(name, "SUPERVISOR_PID", 14) == 0) ||
		    (len == 6 && strncmp(name, "CONFIG", 6) == 0))
			continue;
		for (i = 0; hs_conf_keys[i].key != NULL; i++)
			if (env_matches(hs_conf_keys[i].key, name, len))
				break;
		snprintf(origin, sizeof(origin), "env %.*s",
		    (int)(eq - var > KEY_MAX ? KEY_MAX : eq - var), var);
		if (hs_conf_keys[i].key == NULL) {
			conf_fail(conf, "%s: unknown variable (a setting section.name is "
			    "HOOKSWITCH_SECTION_NAME)", origin);
			return HS_ECONFIG;
		}
		if ((err = conf_assign(conf, i, eq + 1, origin)) != HS_OK)
			return err;
	}
	return HS_OK;
}

hs_err
hs_conf_set(hs_conf *conf, const char *key, const char *value, const char *origin)
{
	long i;

	if (origin == NULL)
		origin = "set";
	if (key == NULL || (i = conf_find(key)) < 0) {
		conf_fail(conf, "%s: unknown key '%s'", origin, key != NULL ? key : "(null)");
		return HS_ECONFIG;
	}
	if (value == NULL) {
		conf_fail(conf, "%s: %s: no value", origin, key);
		return HS_EINVAL;
	}
	return conf_assign(conf, i, value, origin);
}

const char *
hs_conf_error(const hs_conf *conf)
{
	return conf->error;
}

/* The value of key, which must be of one of the types in mask (bits 1 << type). */
static const struct conf_val *
conf_get(const hs_conf *conf, const char *key, unsigned mask, const char *getter)
{
	long i = key != NULL ? conf_find(key) : -1;

	if (i < 0)
		hs_fatal("conf.unknown_key", "key=%s getter=%s", hs_logq(key), getter);
	if (!(mask & (1u << hs_conf_keys[i].type)))
		hs_fatal("conf.wrong_type", "key=%s getter=%s type=%d", hs_logq(key), getter,
		    (int)hs_conf_keys[i].type);
	return &conf->vals[i];
}

const char *
hs_conf_str(const hs_conf *conf, const char *key)
{
	return conf_get(conf, key, 1u << HS_CONF_STR | 1u << HS_CONF_ENUM, "str")->text;
}

long long
hs_conf_int(const hs_conf *conf, const char *key)
{
	return conf_get(conf, key,
	    1u << HS_CONF_INT | 1u << HS_CONF_SIZE | 1u << HS_CONF_TIME | 1u << HS_CONF_BOOL,
	    "int")->num;
}

bool
hs_conf_bool(const hs_conf *conf, const char *key)
{
	return conf_get(conf, key, 1u << HS_CONF_BOOL, "bool")->num != 0;
}

const char *
hs_conf_origin(const hs_conf *conf, const char *key)
{
	return conf_get(conf, key, ~0u, "origin")->origin;
}

void
hs_conf_dump(const hs_conf *conf, FILE *out)
{
	for (size_t i = 0; i < conf->nkeys; i++)
		fprintf(out, "%s = %s  # %s\n", hs_conf_keys[i].key, conf->vals[i].text,
		    conf->vals[i].origin);
}
