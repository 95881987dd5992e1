/*
 * conf.h - Hookswitch configuration: one INI file, environment overrides, one table of keys.
 *
 * Every setting any Hookswitch program reads is declared once, in the table in conf_keys.c
 * (key "section.name", type, default, bounds, help).  The INI reader, the environment
 * overrides, `-n` (check only) and the generated settings reference all read that table, so a
 * key cannot exist in one place and not another.
 *
 * Precedence: table default < INI file < environment.  The environment variable for key
 * "log.max_size" is HOOKSWITCH_LOG_MAX_SIZE (upper case, '.' -> '_').
 *
 * Errors name where the bad value came from: "/etc/hookswitch/hookswitch.conf:12: server.id:
 * 'abc' is not an integer".  The first error stops loading and is kept for hs_conf_error().
 *
 * Not thread-safe; services load the configuration once on the loop thread before they start.
 */
#ifndef HS_CONF_H
#define HS_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

#define HS_CONF_DEFAULT_PATH "/etc/hookswitch/hookswitch.conf"

typedef enum hs_conf_type {
	HS_CONF_STR,
	HS_CONF_INT,  /* decimal integer within [min, max] */
	HS_CONF_BOOL, /* true/false, yes/no, on/off, 1/0 */
	HS_CONF_SIZE, /* bytes, with an optional K, M or G suffix (powers of 1024) */
	HS_CONF_ENUM, /* one of the words in choices, "a|b|c" */
	HS_CONF_TIME, /* time of day, HH:MM, stored as minutes after midnight */
} hs_conf_type;

struct hs_conf_def {
	const char *key; /* "section.name" */
	hs_conf_type type;
	const char *def; /* default, written as it would be in the file */
	long long min, max; /* bounds for INT and SIZE */
	const char *choices; /* for ENUM */
	const char *help;
};

/* The table (conf_keys.c), terminated by an entry whose key is NULL. */
extern const struct hs_conf_def hs_conf_keys[];

typedef struct hs_conf hs_conf;

/* A configuration holding every key at its default.  NULL only when out of memory. */
hs_conf *hs_conf_new(void);
void hs_conf_free(hs_conf *conf);

/*
 * Reads an INI file.  path NULL means HS_CONF_DEFAULT_PATH, which may be absent (defaults
 * stand); an explicitly named file must exist.  Returns HS_ECONFIG (syntax, unknown section or
 * key, bad value) or HS_ENOTFOUND (named file missing), with the reason in hs_conf_error().
 */
hs_err hs_conf_load(hs_conf *conf, const char *path);

/* Applies HOOKSWITCH_* variables of envp (environ when NULL).  Unknown HOOKSWITCH_ names
 * are an error, so a typo in a unit file is caught, not ignored. */
hs_err hs_conf_apply_env(hs_conf *conf, char *const *envp);

/* Sets one key from text; origin names the source in error messages ("cli", "file:3"). */
hs_err hs_conf_set(hs_conf *conf, const char *key, const char *value, const char *origin);

const char *hs_conf_error(const hs_conf *conf);

/* Typed getters.  Asking for a key that is not in the table, or with the wrong type, is a
 * programming error and aborts. */
const char *hs_conf_str(const hs_conf *conf, const char *key);
long long hs_conf_int(const hs_conf *conf, const char *key); /* INT, SIZE, TIME, BOOL */
bool hs_conf_bool(const hs_conf *conf, const char *key);
/* Where the current value came from: "default", "<file>:<line>" or "env HOOKSWITCH_...". */
const char *hs_conf_origin(const hs_conf *conf, const char *key);

/* Writes every key as "key = value  # origin" (used by `-n -v`). */
void hs_conf_dump(const hs_conf *conf, FILE *out);

/* For tests and the fuzz harness: reads INI text from fp as hs_conf_load() reads a file,
 * naming it `name` in error messages. */
hs_err hs__conf_load_stream(hs_conf *conf, FILE *fp, const char *name);

#endif
