/* journal_test.c - the sequenced journal: append, replay from ring and from disk, rotation,
 * reopening, gaps that are no longer kept, torn and corrupt files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "log.h"

struct fx {
	char dir[64], path[128];
	uint64_t got[4096];
	char last_data[128];
	int n;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hsjnl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cti-host.jnl", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
collect(void *arg, uint64_t seq, const char *data, size_t len)
{
	struct fx *f = arg;
	char want[64];

	snprintf(want, sizeof(want), "{\"n\":%llu}", (unsigned long long)seq);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	f->got[f->n++] = seq;
}

static void
append_range(hs_journal *j, uint64_t from, uint64_t to)
{
	char buf[64];

	for (uint64_t s = from; s <= to; s++) {
		int n = snprintf(buf, sizeof(buf), "{\"n\":%llu}", (unsigned long long)s);
		assert_int_equal(hs_journal_append(j, s, buf, (size_t)n), HS_OK);
	}
}

static void
expect_replay(hs_journal *j, struct fx *f, uint64_t from, uint64_t to, uint64_t want_from,
    uint64_t want_to)
{
	f->n = 0;
	assert_int_equal(hs_journal_replay(j, from, to, collect, f), HS_OK);
	assert_int_equal(f->n, (int)(want_to - want_from + 1));
	for (int i = 0; i < f->n; i++)
		assert_true(f->got[i] == want_from + (uint64_t)i);
}

static void
test_replay_from_ring_and_disk(void **state)
{
	struct fx *f = *state;
	hs_journal *j;

	assert_int_equal(hs_journal_open(&j, f->path, 10, 0), HS_OK);
	append_range(j, 1, 100);
	expect_replay(j, f, 95, 98, 95, 98);   /* ring */
	expect_replay(j, f, 3, 40, 3, 40);     /* disk */
	expect_replay(j, f, 90, 500, 90, 100); /* clipped at the last */
	f->n = 0;
	assert_int_equal(hs_journal_replay(j, 101, 200, collect, f), HS_OK);
	assert_int_equal(f->n, 0);
	assert_true(hs_journal_last(j) == 100 && hs_journal_first(j) == 1);
	hs_journal_close(j);
}

static void
test_append_rules(void **state)
{
	struct fx *f = *state;
	hs_journal *j;

	assert_int_equal(hs_journal_open(&j, f->path, 4, 0), HS_OK);
	append_range(j, 5, 5);
	assert_int_equal(hs_journal_append(j, 5, "x", 1), HS_EINVAL);  /* not increasing */
	assert_int_equal(hs_journal_append(j, 3, "x", 1), HS_EINVAL);
	assert_int_equal(hs_journal_append(j, 6, "a\nb", 3), HS_EINVAL); /* newline */
	append_range(j, 9, 9); /* gaps in the publisher's numbering are allowed */
	hs_journal_close(j);
}

static void
test_rotation_keeps_two_files_and_reports_lost_range(void **state)
{
	struct fx *f = *state;
	char old[160];
	hs_journal *j;

	/* Each record is ~12 bytes: 400 bytes per file is ~33 records. */
	assert_int_equal(hs_journal_open(&j, f->path, 0, 400), HS_OK);
	append_range(j, 1, 200);
	snprintf(old, sizeof(old), "%s.1", f->path);
	assert_int_equal(access(old, F_OK), 0);
	assert_true(hs_journal_first(j) > 100); /* the oldest ones are gone */
	assert_int_equal(hs_journal_replay(j, 1, 10, collect, f), HS_ENOTFOUND);
	assert_int_equal(f->n, 0);
	expect_replay(j, f, hs_journal_first(j), 200, hs_journal_first(j), 200);
	hs_journal_close(j);
}

static void
test_reopen_continues(void **state)
{
	struct fx *f = *state;
	hs_journal *j;

	assert_int_equal(hs_journal_open(&j, f->path, 8, 0), HS_OK);
	append_range(j, 1, 50);
	hs_journal_close(j);
	assert_int_equal(hs_journal_open(&j, f->path, 8, 0), HS_OK);
	assert_true(hs_journal_last(j) == 50);
	assert_int_equal(hs_journal_append(j, 50, "x", 1), HS_EINVAL);
	append_range(j, 51, 60);
	expect_replay(j, f, 1, 60, 1, 60);
	expect_replay(j, f, 55, 60, 55, 60);
	hs_journal_close(j);
}

static void
test_torn_tail_ignored_corrupt_file_refused(void **state)
{
	struct fx *f = *state;
	hs_journal *j;
	FILE *fp;

	assert_int_equal(hs_journal_open(&j, f->path, 0, 0), HS_OK);
	append_range(j, 1, 3);
	hs_journal_close(j);
	fp = fopen(f->path, "a");
	fputs("4 {\"n\":4", fp); /* a crash mid-write */
	fclose(fp);
	assert_int_equal(hs_journal_open(&j, f->path, 0, 0), HS_OK);
	assert_true(hs_journal_last(j) == 3);
	append_range(j, 4, 5); /* the torn record was cut: 4 starts a fresh line */
	expect_replay(j, f, 1, 5, 1, 5);
	hs_journal_close(j);

	fp = fopen(f->path, "w");
	fputs("1 {}\nthis is not a journal\n2 {}\n", fp);
	fclose(fp);
	assert_int_equal(hs_journal_open(&j, f->path, 0, 0), HS_EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_from_ring_and_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_keeps_two_files_and_reports_lost_range,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_ignored_corrupt_file_refused, setup,
		    teardown),
	};

	hs_log_set_level(HS_LOG_ERROR + 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
