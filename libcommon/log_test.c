/*
 * log_test.c - unit tests of the logger and the rotated sinks (log.c).
 *
 * Every test writes into its own mkdtemp folder under /tmp, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define TS_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

struct dir {
	char path[64];
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
dir_setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/hs_log_test.XXXXXX");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int
dir_teardown(void **state)
{
	struct dir *d = *state;
	int rc;

	hs_log_close();
	hs_log_set_level(HS_LOG_INFO);
	rc = nftw(d->path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(d);
	return rc;
}

static const char *
in_dir(void **state, const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", ((struct dir *)*state)->path, name);
	return path;
}

/* Whole file as a string (NULL if absent); *lenp gets its size. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long len;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)len;
	return buf;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static bool
matches(const char *re, const char *s)
{
	regex_t rx;
	int rc;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	return rc == 0;
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- line format and levels ------------------------------------------------------------- */

static void
line_format(void **state)
{
	const char *path = in_dir(state, "svc.log");
	char re[512], *text;
	struct tm tm = {0};
	time_t now = time(NULL), then;

	assert_int_equal(hs_log_open("testsvc", path, 0, 0), HS_OK);
	hs_log_info("test.event", "a=%d b=%s", 1, hs_logq("x y"));
	hs_log_close();
	text = slurp(path, NULL);
	assert_non_null(text);
	snprintf(re, sizeof(re), "^ts=" TS_RE " level=info svc=testsvc pid=%ld "
	    "event=test\\.event a=1 b=\"x y\"\n$", (long)getpid());
	assert_true(matches(re, text));
	/* The time stamp is UTC and now. */
	assert_non_null(strptime(text + 3, "%Y-%m-%dT%H:%M:%S", &tm));
	then = timegm(&tm);
	assert_true(then >= now - 5 && then <= now + 5);
	free(text);
}

static void
line_without_fields(void **state)
{
	const char *path = in_dir(state, "svc.log");
	char re[256], *text;

	assert_int_equal(hs_log_open("t", path, 0, 0), HS_OK);
	hs_log_warn("only.event", "%s", "");
	hs_log_close();
	text = slurp(path, NULL);
	snprintf(re, sizeof(re), "^ts=" TS_RE " level=warn svc=t pid=%ld event=only\\.event\n$",
	    (long)getpid());
	assert_true(matches(re, text));
	free(text);
}

static void
level_filtering(void **state)
{
	const char *path = in_dir(state, "svc.log");
	char *text;

	assert_int_equal(hs_log_open("t", path, 0, 0), HS_OK);
	hs_log_set_level(HS_LOG_WARN);
	assert_int_equal(hs_log_get_level(), HS_LOG_WARN);
	hs_log_debug("e.debug", "n=%d", 1);
	hs_log_info("e.info", "n=%d", 2);
	hs_log_warn("e.warn", "n=%d", 3);
	hs_log_error("e.error", "n=%d", 4);
	hs_log_close();
	text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 2);
	assert_non_null(strstr(text, "level=warn"));
	assert_non_null(strstr(text, "level=error"));
	assert_null(strstr(text, "e.info"));
	assert_null(strstr(text, "e.debug"));
	free(text);
}

static void
level_names_and_parsing(void **state)
{
	(void)state;
	assert_int_equal(hs_log_level_parse("debug"), HS_LOG_DEBUG);
	assert_int_equal(hs_log_level_parse("info"), HS_LOG_INFO);
	assert_int_equal(hs_log_level_parse("warn"), HS_LOG_WARN);
	assert_int_equal(hs_log_level_parse("ERROR"), HS_LOG_ERROR);
	assert_int_equal(hs_log_level_parse("verbose"), -1);
	assert_int_equal(hs_log_level_parse(NULL), -1);
	assert_string_equal(hs_log_level_name(HS_LOG_DEBUG), "debug");
	assert_string_equal(hs_log_level_name(HS_LOG_ERROR), "error");
	assert_string_equal(hs_log_level_name(42), "unknown");
}

static void
raw_newline_does_not_split_line(void **state)
{
	const char *path = in_dir(state, "svc.log");
	char *text;

	assert_int_equal(hs_log_open("t", path, 0, 0), HS_OK);
	hs_log_info("e", "msg=%s", "two\nlines");
	hs_log_close();
	text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "msg=two lines\n"));
	free(text);
}

static void
long_line_is_cut(void **state)
{
	const char *path = in_dir(state, "svc.log");
	char *big = malloc(20000), *text;
	size_t len;

	assert_non_null(big);
	memset(big, 'v', 19999);
	big[19999] = '\0';
	assert_int_equal(hs_log_open("t", path, 0, 0), HS_OK);
	hs_log_info("e", "v=%s", big);
	hs_log_close();
	text = slurp(path, &len);
	assert_int_equal(count_lines(text), 1);
	assert_true(len <= 8192);
	assert_string_equal(text + len - 4, "...\n");
	free(text);
	free(big);
}

static void
timestamp_format(void **state)
{
	char buf[25];

	(void)state;
	hs_log_timestamp(buf, sizeof(buf));
	assert_int_equal(strlen(buf), 24);
	assert_true(matches("^" TS_RE "$", buf));
}

static void
open_failure_is_eio(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(hs_log_open("t", "/nonexistent-hs-dir/x.log", 0, 0), HS_EIO);
	assert_int_equal(errno, ENOENT);
}

static void *
log_thread(void *arg)
{
	for (int i = 0; i < 500; i++)
		hs_log_info("thread.line", "thread=%d i=%d pad=%s", *(int *)arg, i,
		    "0123456789012345678901234567890123456789");
	return NULL;
}

static void
threads_write_whole_lines(void **state)
{
	const char *path = in_dir(state, "svc.log");
	pthread_t th[4];
	int ids[4];
	char *text, *line, *save = NULL;

	assert_int_equal(hs_log_open("t", path, 0, 0), HS_OK);
	for (int i = 0; i < 4; i++) {
		ids[i] = i;
		assert_int_equal(pthread_create(&th[i], NULL, log_thread, &ids[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	hs_log_close();
	text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 2000);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		assert_true(matches("^ts=" TS_RE " level=info svc=t pid=[0-9]+ "
		    "event=thread\\.line thread=[0-3] i=[0-9]+ "
		    "pad=0123456789012345678901234567890123456789$", line));
	free(text);
}

/* Runs hs_fatal in a child: it must log at error level and abort. */
static void
fatal_logs_and_aborts(void **state)
{
	const char *path = in_dir(state, "fatal.log");
	int status;
	char *text;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, STDERR_FILENO);
		if (hs_log_open("t", path, 0, 0) != HS_OK)
			_exit(2);
		hs_fatal("test.fatal", "why=%s", hs_logq("broken invariant"));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	text = slurp(path, NULL);
	assert_non_null(text);
	assert_true(matches("level=error svc=t pid=[0-9]+ event=test\\.fatal "
	    "why=\"broken invariant\"\n$", text));
	free(text);
}

/* ---- hs_logq ---------------------------------------------------------------------------- */

static void
logq_plain_values_unchanged(void **state)
{
	(void)state;
	assert_string_equal(hs_logq("plain"), "plain");
	assert_string_equal(hs_logq("/var/log/x.log"), "/var/log/x.log");
	assert_string_equal(hs_logq("back\\slash"), "back\\slash");
	assert_string_equal(hs_logq("caf\xc3\xa9"), "caf\xc3\xa9");
}

static void
logq_empty_and_null(void **state)
{
	(void)state;
	assert_string_equal(hs_logq(NULL), "\"\"");
	assert_string_equal(hs_logq(""), "\"\"");
}

static void
logq_quotes_and_escapes(void **state)
{
	(void)state;
	assert_string_equal(hs_logq("a b"), "\"a b\"");
	assert_string_equal(hs_logq("k=v"), "\"k=v\"");
	assert_string_equal(hs_logq("say \"hi\""), "\"say \\\"hi\\\"\"");
	assert_string_equal(hs_logq("a\\b c"), "\"a\\\\b c\"");
	assert_string_equal(hs_logq("x\ny\tz"), "\"x\\ny\\tz\"");
	assert_string_equal(hs_logq("\x01\r\x7f"), "\"\\x01\\x0d\\x7f\"");
}

static void
logq_long_values_cut(void **state)
{
	char big[3000];
	const char *q;
	size_t len;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q = hs_logq(big);
	len = strlen(q);
	assert_int_equal(len, 1023);
	assert_string_equal(q + len - 3, "...");

	big[10] = ' ';
	q = hs_logq(big);
	len = strlen(q);
	assert_true(len <= 1023 && len > 1000);
	assert_int_equal(q[0], '"');
	assert_string_equal(q + len - 4, "...\"");

	/* Escapes are never cut in half. */
	memset(big, '\n', sizeof(big) - 1);
	q = hs_logq(big);
	len = strlen(q);
	assert_true(len <= 1023);
	assert_string_equal(q + len - 6, "\\n...\"");

	/* Exactly filling the buffer is not a cut. */
	memset(big, 'b', 1020);
	big[0] = ' ';
	big[1020] = '\0';
	q = hs_logq(big);
	assert_int_equal(strlen(q), 1022);
	assert_null(strstr(q, "..."));
}

static void
logq_ring_of_eight(void **state)
{
	const char *q[9];
	char in[16];

	(void)state;
	for (int i = 0; i < 8; i++) {
		snprintf(in, sizeof(in), "v %d", i);
		q[i] = hs_logq(in);
	}
	for (int i = 0; i < 8; i++) {
		snprintf(in, sizeof(in), "\"v %d\"", i);
		assert_string_equal(q[i], in);
	}
	q[8] = hs_logq("ninth value");
	assert_ptr_equal(q[8], q[0]);
}

/* ---- sinks ------------------------------------------------------------------------------ */

#define LINE_LEN 50

static void
make_line(char *buf, int i)
{
	/* Fixed length, so the counts below are exact. */
	snprintf(buf, LINE_LEN + 1, "line %05u %s\n", (unsigned)i % 100000u,
	    "00000000000000000000000000000000000000");
	assert_int_equal(strlen(buf), LINE_LEN);
}

/* Checks every line of text is whole and the numbers run on from *next. */
static size_t
check_lines(const char *text, int *next)
{
	size_t n = 0;
	char want[LINE_LEN + 1];

	for (const char *p = text; *p != '\0'; p += LINE_LEN, n++) {
		make_line(want, *next);
		assert_memory_equal(p, want, LINE_LEN);
		(*next)++;
	}
	return n;
}

static void
sink_rotates_at_size(void **state)
{
	const char *base = in_dir(state, "svc.log");
	char path[160], line[LINE_LEN + 1];
	hs_log_sink *sink;
	int next = -1, total = 200;
	size_t lines = 0;

	assert_int_equal(hs_log_sink_open(&sink, base, 1000, 3), HS_OK);
	for (int i = 0; i < total; i++) {
		make_line(line, i);
		hs_log_sink_write(sink, line, LINE_LEN);
	}
	hs_log_sink_close(sink);

	snprintf(path, sizeof(path), "%s.4", base);
	assert_false(exists(path));
	/* Oldest first: NAME.3, NAME.2, NAME.1, NAME hold the last lines, in order. */
	for (int i = 3; i >= 0; i--) {
		size_t len;
		char *text;

		if (i > 0)
			snprintf(path, sizeof(path), "%s.%d", base, i);
		else
			snprintf(path, sizeof(path), "%s", base);
		text = slurp(path, &len);
		assert_non_null(text);
		assert_true(len <= 1000);
		assert_int_equal(len % LINE_LEN, 0);
		if (i > 0)
			assert_int_equal(len, 1000); /* filled before rotating */
		if (next < 0)
			next = atoi(text + 5);
		lines += check_lines(text, &next);
		free(text);
	}
	assert_int_equal(next, total);
	assert_int_equal(lines, 3 * 20 + (total % 20 ? total % 20 : 20));
}

static void
sink_splits_chunks_at_line_ends(void **state)
{
	const char *base = in_dir(state, "svc.log");
	char path[160], chunk[40 * LINE_LEN + 1], *text;
	hs_log_sink *sink;
	int next = 0;
	size_t len;

	for (int i = 0; i < 40; i++)
		make_line(chunk + i * LINE_LEN, i);
	assert_int_equal(hs_log_sink_open(&sink, base, 1020, 5), HS_OK);
	hs_log_sink_write(sink, chunk, 40 * LINE_LEN);
	hs_log_sink_close(sink);
	snprintf(path, sizeof(path), "%s.1", base);
	text = slurp(path, &len);
	assert_int_equal(len, 1000);
	check_lines(text, &next);
	free(text);
	text = slurp(base, &len);
	assert_int_equal(len, 1000);
	check_lines(text, &next);
	free(text);
	assert_int_equal(next, 40);
	snprintf(path, sizeof(path), "%s.2", base);
	assert_false(exists(path));
}

static void
sink_zero_max_size_never_rotates(void **state)
{
	const char *base = in_dir(state, "svc.log");
	char path[160], line[LINE_LEN + 1];
	hs_log_sink *sink;
	size_t len;
	char *text;

	assert_int_equal(hs_log_sink_open(&sink, base, 0, 3), HS_OK);
	for (int i = 0; i < 100; i++) {
		make_line(line, i);
		hs_log_sink_write(sink, line, LINE_LEN);
	}
	hs_log_sink_close(sink);
	text = slurp(base, &len);
	assert_int_equal(len, 100 * LINE_LEN);
	free(text);
	snprintf(path, sizeof(path), "%s.1", base);
	assert_false(exists(path));
}

static void
sink_oversized_line_gets_own_file(void **state)
{
	const char *base = in_dir(state, "svc.log");
	char path[160], big[1501], line[LINE_LEN + 1];
	hs_log_sink *sink;
	size_t len;
	char *text;

	memset(big, 'x', 1499);
	big[1499] = '\n';
	big[1500] = '\0';
	assert_int_equal(hs_log_sink_open(&sink, base, 1000, 3), HS_OK);
	make_line(line, 1);
	hs_log_sink_write(sink, line, LINE_LEN);
	hs_log_sink_write(sink, big, 1500);
	make_line(line, 2);
	hs_log_sink_write(sink, line, LINE_LEN);
	hs_log_sink_close(sink);

	snprintf(path, sizeof(path), "%s.2", base);
	text = slurp(path, &len);
	assert_int_equal(len, LINE_LEN);
	free(text);
	snprintf(path, sizeof(path), "%s.1", base);
	text = slurp(path, &len);
	assert_int_equal(len, 1500);
	free(text);
	text = slurp(base, &len);
	assert_int_equal(len, LINE_LEN);
	free(text);
}

static void
sink_counts_existing_file(void **state)
{
	const char *base = in_dir(state, "svc.log");
	char path[160], line[LINE_LEN + 1];
	hs_log_sink *sink;
	FILE *fp = fopen(base, "w");
	size_t len;
	char *text;

	assert_non_null(fp);
	for (int i = 0; i < 19; i++) {
		make_line(line, i);
		fputs(line, fp);
	}
	fclose(fp);
	assert_int_equal(hs_log_sink_open(&sink, base, 1000, 3), HS_OK);
	make_line(line, 19);
	hs_log_sink_write(sink, line, LINE_LEN); /* 1000 exactly: fits */
	make_line(line, 20);
	hs_log_sink_write(sink, line, LINE_LEN); /* rotates first */
	hs_log_sink_close(sink);
	snprintf(path, sizeof(path), "%s.1", base);
	text = slurp(path, &len);
	assert_int_equal(len, 1000);
	free(text);
	text = slurp(base, &len);
	assert_int_equal(len, LINE_LEN);
	assert_int_equal(atoi(text + 5), 20);
	free(text);
}

static void
sink_rotate_on_demand(void **state)
{
	const char *base = in_dir(state, "svc.log");
	char path[160], line[LINE_LEN + 1];
	hs_log_sink *sink;
	size_t len;
	char *text;

	assert_int_equal(hs_log_sink_open(&sink, base, 0, 2), HS_OK);
	make_line(line, 1);
	hs_log_sink_write(sink, line, LINE_LEN);
	hs_log_sink_rotate(sink);
	hs_log_sink_rotate(sink); /* the new file is empty: nothing to move aside */
	make_line(line, 2);
	hs_log_sink_write(sink, line, LINE_LEN);
	hs_log_sink_close(sink);
	snprintf(path, sizeof(path), "%s.1", base);
	text = slurp(path, &len);
	assert_int_equal(atoi(text + 5), 1);
	free(text);
	text = slurp(base, &len);
	assert_int_equal(atoi(text + 5), 2);
	free(text);
	snprintf(path, sizeof(path), "%s.2", base);
	assert_false(exists(path));
}

static void
sink_open_failure(void **state)
{
	static char dummy;
	hs_log_sink *sink = (hs_log_sink *)(void *)&dummy;

	(void)state;
	assert_int_equal(hs_log_sink_open(&sink, "/nonexistent-hs-dir/x.log", 0, 1), HS_EIO);
	assert_int_equal(errno, ENOENT);
	assert_null(sink);
}

/* With its folder gone the sink tells once on stderr, then writes again once it is back. */
static void
sink_error_reported_once_and_retried(void **state)
{
	char sub[128], base[160], errpath[160], line[LINE_LEN + 1], *text;
	hs_log_sink *sink;
	int saved, fd;

	snprintf(sub, sizeof(sub), "%s", in_dir(state, "sub"));
	snprintf(base, sizeof(base), "%s/x.log", sub);
	snprintf(errpath, sizeof(errpath), "%s", in_dir(state, "stderr"));
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(hs_log_sink_open(&sink, base, 60, 1), HS_OK);
	make_line(line, 1);
	hs_log_sink_write(sink, line, LINE_LEN);
	assert_int_equal(unlink(base), 0);
	assert_int_equal(rmdir(sub), 0);

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	make_line(line, 2);
	hs_log_sink_write(sink, line, LINE_LEN); /* rotation cannot reopen */
	make_line(line, 3);
	hs_log_sink_write(sink, line, LINE_LEN); /* still failing: quiet */
	dup2(saved, STDERR_FILENO);
	close(saved);

	text = slurp(errpath, NULL);
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "level=error"));
	assert_non_null(strstr(text, "event=log.sink_error"));
	free(text);

	assert_int_equal(mkdir(sub, 0700), 0);
	make_line(line, 4);
	hs_log_sink_write(sink, line, LINE_LEN);
	hs_log_sink_close(sink);
	text = slurp(base, NULL);
	assert_non_null(text);
	assert_int_equal(atoi(text + 5), 4);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, dir_setup, dir_teardown)
		T(line_format),
		T(line_without_fields),
		T(level_filtering),
		T(level_names_and_parsing),
		T(raw_newline_does_not_split_line),
		T(long_line_is_cut),
		T(timestamp_format),
		T(open_failure_is_eio),
		T(threads_write_whole_lines),
		T(fatal_logs_and_aborts),
		T(logq_plain_values_unchanged),
		T(logq_empty_and_null),
		T(logq_quotes_and_escapes),
		T(logq_long_values_cut),
		T(logq_ring_of_eight),
		T(sink_rotates_at_size),
		T(sink_splits_chunks_at_line_ends),
		T(sink_zero_max_size_never_rotates),
		T(sink_oversized_line_gets_own_file),
		T(sink_counts_existing_file),
		T(sink_rotate_on_demand),
		T(sink_open_failure),
		T(sink_error_reported_once_and_retried),
#undef T
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
