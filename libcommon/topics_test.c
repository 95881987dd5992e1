/*
 * topics_test.c - proto/bus.md and proto/bus_topics.h must agree: every declared topic and
 * command has a section with an example, every section is declared, and every example
 * decodes as a valid envelope of its own kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "bus_topics.h"

static const char *const topics[] = {
#define X(c, n, p, m) n,
	HS_TOPIC_LIST(X)
#undef X
};

static const char *const commands[] = {
#define X(c, n, p, m) n,
	HS_COMMAND_LIST(X)
#undef X
};

static char *
read_doc(void)
{
	const char *src = getenv("HS_SRCDIR");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/proto/bus.md", src != NULL ? src : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* The text of section "## <title>" up to the next "## ". */
static char *
section(const char *doc, const char *title)
{
	char head[64];
	const char *s, *e;

	snprintf(head, sizeof(head), "\n## %s\n", title);
	s = strstr(doc, head);
	assert_non_null(s);
	s += strlen(head);
	e = strstr(s, "\n## ");
	return strndup(s, e != NULL ? (size_t)(e - s) : strlen(s));
}

/* Checks one "### name" subsection: declared, has a ```json example that decodes. */
static void
check_entries(const char *sec, const char *const *names, size_t n, int is_event)
{
	size_t found = 0;

	for (const char *p = strstr(sec, "\n### "); p != NULL; p = strstr(p + 1, "\n### ")) {
		char name[64], *ex, err[160], *end;
		const char *nl = strchr(p + 5, '\n'), *fence, *next;
		hs_env e;
		size_t i;

		snprintf(name, sizeof(name), "%.*s", (int)(nl - (p + 5)), p + 5);
		for (i = 0; i < n && strcmp(names[i], name) != 0; i++)
			;
		if (i == n)
			fail_msg("proto/bus.md documents '%s', which bus_topics.h does not declare",
			    name);
		found++;
		next = strstr(p + 1, "\n### ");
		fence = strstr(p, "```json\n");
		if (fence == NULL || (next != NULL && fence > next))
			fail_msg("proto/bus.md: '%s' has no ```json example", name);
		ex = strdup(fence + 8);
		end = strstr(ex, "\n```");
		assert_non_null(end);
		*end = '\0';
		if (is_event) {
			assert_int_equal(strncmp(ex, name, strlen(name)), 0);
			assert_int_equal(ex[strlen(name)], '\n');
		}
		if (hs_env_decode(ex, strlen(ex), &e, err, sizeof(err)) != HS_OK)
			fail_msg("proto/bus.md: example of '%s' does not decode: %s", name, err);
		if (is_event)
			assert_string_equal(e.type, name);
		else if (strcmp(e.type, "reply") == 0)
			assert_string_equal(e.re, name);
		else
			assert_string_equal(e.type, name);
		hs_env_clear(&e);
		free(ex);
	}
	if (found != n) {
		for (size_t i = 0; i < n; i++) {
			char head[80];
			snprintf(head, sizeof(head), "\n### %s\n", names[i]);
			if (strstr(sec, head) == NULL)
				fail_msg("'%s' is declared in bus_topics.h but not in proto/bus.md",
				    names[i]);
		}
	}
}

static void
test_topics_documented(void **state)
{
	char *doc = read_doc(), *sec = section(doc, "Topics");

	(void)state;
	check_entries(sec, topics, sizeof(topics) / sizeof(topics[0]), 1);
	free(sec);
	free(doc);
}

static void
test_commands_documented(void **state)
{
	char *doc = read_doc(), *sec = section(doc, "Commands");

	(void)state;
	check_entries(sec, commands, sizeof(commands) / sizeof(commands[0]), 0);
	free(sec);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topics_documented),
		cmocka_unit_test(test_commands_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
