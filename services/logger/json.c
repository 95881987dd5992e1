/*
 * json.c - an envelope of a replay answer back to text, for the raw journal.
 *
 * The bus hands the logger a replay answer parsed; each event's envelope is stored as text.
 * cJSON_PrintUnformatted did that, and was a good part of the logger's CPU time: every
 * number goes through snprintf("%1.15g") and sscanf back, every string through a
 * length-counting pass, and each print mallocs its buffer.  This prints the same text
 * (byte for byte: the same escapes, the same number formats) into one reusable buffer, with
 * a fast path for the integers that nearly every number of an envelope is.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logger.h"

/* Makes room for n more bytes and a terminating NUL: put's slow path. */
static bool
grow(struct lg_text *t, size_t n)
{
	size_t cap = t->cap > 0 ? t->cap : 1024;
	char *p;

	while (cap < t->len + n + 1)
		cap *= 2;
	if ((p = realloc(t->p, cap)) == NULL)
		return false;
	t->p = p;
	t->cap = cap;
	return true;
}

/* An envelope is some hundred short pieces (keys, punctuation, values): each is a check and
 * a copy inline, and the text is NUL-terminated once, at the end (lg_json_print). */
static inline bool
put(struct lg_text *t, const char *s, size_t n)
{
	if (t->cap - t->len < n + 1 && !grow(t, n))
		return false;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	return true;
}

static inline bool
put_char(struct lg_text *t, char c)
{
	if (t->cap - t->len < 2 && !grow(t, 1))
		return false;
	t->p[t->len++] = c;
	return true;
}

/* As cJSON's print_string_ptr: " \ \b \f \n \r \t escaped, other controls as \u00xx. */
static bool
put_string(struct lg_text *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	const unsigned char *run = p;
	size_t n;

	while (*p > 31 && *p != '"' && *p != '\\')
		p++;
	n = (size_t)(p - run);
	if (*p == '\0') {
		/* the usual case, nothing to escape: the quotes and the text in one go */
		if (t->cap - t->len < n + 3 && !grow(t, n + 2))
			return false;
		t->p[t->len] = '"';
		memcpy(t->p + t->len + 1, run, n);
		t->p[t->len + 1 + n] = '"';
		t->len += n + 2;
		return true;
	}
	if (!put_char(t, '"') || !put(t, (const char *)run, n))
		return false;
	while (*p != '\0') {
		char esc[8];

		run = p;
		while (*p > 31 && *p != '"' && *p != '\\')
			p++;
		if (p > run && !put(t, (const char *)run, (size_t)(p - run)))
			return false;
		if (*p == '\0')
			break;
		switch (*p) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default: snprintf(esc, sizeof(esc), "\\u%04x", *p); break;
		}
		if (!put(t, esc, strlen(esc)))
			return false;
		p++;
	}
	return put_char(t, '"');
}

/* As cJSON's print_number (1.7.15): %1.15g, or %1.17g when that does not read back as
 * (nearly) the same double; NaN and infinities null.  For an integer below 1e15, %1.15g
 * prints its plain digits: those are made here without stdio. */
static bool
put_number(struct lg_text *t, const cJSON *it)
{
	double d = it->valuedouble, back = 0;
	char buf[32];
	int n;

	if (isnan(d) || isinf(d))
		return put(t, "null", 4);
	if (d == floor(d) && fabs(d) < 1e15 && !(d == 0 && signbit(d))) {
		long long v = (long long)d;
		unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
		char *e = buf + sizeof(buf), *q = e;

		do
			*--q = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (v < 0)
			*--q = '-';
		return put(t, q, (size_t)(e - q));
	}
	n = snprintf(buf, sizeof(buf), "%1.15g", d);
	if (sscanf(buf, "%lg", &back) != 1 ||
	    fabs(back - d) > (fabs(back) > fabs(d) ? fabs(back) : fabs(d)) * DBL_EPSILON)
		n = snprintf(buf, sizeof(buf), "%1.17g", d);
	return n > 0 && (size_t)n < sizeof(buf) && put(t, buf, (size_t)n);
}

static bool
put_value(struct lg_text *t, const cJSON *it)
{
	const cJSON *c;
	bool first = true;

	switch (it->type & 0xff) {
	case cJSON_NULL:
		return put(t, "null", 4);
	case cJSON_False:
		return put(t, "false", 5);
	case cJSON_True:
		return put(t, "true", 4);
	case cJSON_Number:
		return put_number(t, it);
	case cJSON_Raw:
		return it->valuestring != NULL && put(t, it->valuestring, strlen(it->valuestring));
	case cJSON_String:
		return put_string(t, it->valuestring);
	case cJSON_Array:
		if (!put_char(t, '['))
			return false;
		for (c = it->child; c != NULL; c = c->next, first = false)
			if ((!first && !put_char(t, ',')) || !put_value(t, c))
				return false;
		return put_char(t, ']');
	case cJSON_Object:
		if (!put_char(t, '{'))
			return false;
		for (c = it->child; c != NULL; c = c->next, first = false)
			if ((!first && !put_char(t, ',')) || !put_string(t, c->string) ||
			    !put_char(t, ':') || !put_value(t, c))
				return false;
		return put_char(t, '}');
	default:
		return false;
	}
}

const char *
lg_json_print(struct lg_text *t, const cJSON *item)
{
	t->len = 0;
	if (item == NULL || !put_value(t, item))
		return NULL;
	t->p[t->len] = '\0'; /* put leaves room for it */
	return t->p;
}

void
lg_text_free(struct lg_text *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}
