/* map_test.c - the string-keyed hash table against a brute-force model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "map.h"

static void
test_put_get_del(void **state)
{
	hs_map *m = hs_map_new();
	int a = 1, b = 2;

	(void)state;
	assert_null(hs_map_get(m, "1000"));
	assert_int_equal(hs_map_put(m, "1000", &a), HS_OK);
	assert_int_equal(hs_map_put(m, "1001", &b), HS_OK);
	assert_ptr_equal(hs_map_get(m, "1000"), &a);
	assert_int_equal(hs_map_put(m, "1000", &b), HS_OK); /* replace */
	assert_ptr_equal(hs_map_get(m, "1000"), &b);
	assert_int_equal(hs_map_len(m), 2);
	assert_ptr_equal(hs_map_del(m, "1000"), &b);
	assert_null(hs_map_del(m, "1000"));
	assert_null(hs_map_get(m, "1000"));
	assert_ptr_equal(hs_map_get(m, "1001"), &b);
	assert_int_equal(hs_map_len(m), 1);
	hs_map_free(m);
}

/* Random puts and deletes (churn like call ids) checked against a plain array. */
static void
test_churn_matches_model(void **state)
{
	enum { KEYS = 3000 };
	static int present[KEYS];
	static int vals[KEYS];
	hs_map *m = hs_map_new();
	unsigned long long x = 88172645463325252ULL;
	char key[16];
	size_t n = 0, pos = 0, seen = 0;
	const char *k;
	void *v;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int id = (int)(x % KEYS);
		snprintf(key, sizeof(key), "c%d", id);
		if (x & 1024) {
			assert_int_equal(hs_map_put(m, key, &vals[id]), HS_OK);
			n += !present[id];
			present[id] = 1;
		} else {
			assert_ptr_equal(hs_map_del(m, key), present[id] ? &vals[id] : NULL);
			n -= present[id];
			present[id] = 0;
		}
		assert_int_equal(hs_map_len(m), n);
	}
	for (int id = 0; id < KEYS; id++) {
		snprintf(key, sizeof(key), "c%d", id);
		assert_ptr_equal(hs_map_get(m, key), present[id] ? &vals[id] : NULL);
	}
	while (hs_map_next(m, &pos, &k, &v)) {
		int id = atoi(k + 1);
		assert_true(present[id]);
		assert_ptr_equal(v, &vals[id]);
		seen++;
	}
	assert_int_equal(seen, n);
	hs_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_churn_matches_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
