/*
 * json_test.c - lg_json_print prints what cJSON_PrintUnformatted prints, byte for byte: the
 * raw journal's envelopes must not depend on which of the two made them (a replayed event
 * and a live one are the same row).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logger.h"

static struct lg_text text;

/* Prints item both ways and compares. */
static void
same(const cJSON *item)
{
	char *want = cJSON_PrintUnformatted(item);
	const char *got = lg_json_print(&text, item);

	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(text.len, strlen(want));
	free(want);
}

static void
same_text(const char *json)
{
	cJSON *o = cJSON_Parse(json);

	assert_non_null(o);
	same(o);
	cJSON_Delete(o);
}

static void
test_envelope(void **state)
{
	(void)state;
	same_text("{\"v\":1,\"src\":\"cti-host\",\"boot\":\"3f2a9c0d11e4b7a2\",\"seq\":123456,"
	    "\"ts\":\"2026-11-25T17:20:04.512Z\",\"type\":\"call.delivered\",\"body\":{"
	    "\"call_id\":\"0012\",\"device\":\"2001\",\"Calling_Ext\":\"2002\","
	    "\"Alerting_Outside_Number\":\"\",\"cause\":22,\"parties\":[\"2001\",\"2002\"],"
	    "\"answered\":false,\"held\":true,\"note\":null,\"nested\":{\"a\":[],\"b\":{}}}}");
	same_text("{}");
	same_text("[]");
	same_text("[[],[[]],{\"\":\"\"}]");
}

static void
test_strings(void **state)
{
	char all[256];
	cJSON *o = cJSON_CreateObject();

	(void)state;
	/* every byte but NUL: controls, quotes, backslashes, UTF-8 and lone Latin-1 bytes */
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	cJSON_AddStringToObject(o, "all", all);
	cJSON_AddStringToObject(o, "k\"e\\y\n", "v\"a\\l\t\x01\x1f");
	cJSON_AddStringToObject(o, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e");
	cJSON_AddStringToObject(o, "latin1", "Jos\xe9 M\xfcller");
	cJSON_AddStringToObject(o, "empty", "");
	cJSON_AddStringToObject(o, "tail\\", "\\");
	same(o);
	/* a long one, past the buffer's first size */
	{
		char *big = malloc(100000);

		assert_non_null(big);
		for (int i = 0; i < 99999; i++)
			big[i] = (char)('a' + i % 26);
		big[99999] = '\0';
		cJSON_AddStringToObject(o, "big", big);
		free(big);
		same(o);
	}
	cJSON_Delete(o);
}

static void
test_numbers(void **state)
{
	static const double v[] = {
		0, 1, -1, 42, 1e14, 999999999999999, 1e15, -1e15, 1e16, 123456789012345678.0,
		0.5, -0.25, 0.1, 1.0 / 3, 2.0 / 3, 1e-7, 1e300, -1e-300, 4.9e-324, 1.7976931348623157e308,
		3.14159265358979, 1099511627776.0 * 8191 + 1e6, 9007199254740993.0, -0.0,
	};
	cJSON *a = cJSON_CreateArray();

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(NAN));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(INFINITY));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-INFINITY));
	same(a);
	cJSON_Delete(a);
	same_text("[1.0,1e2,-0,0.000001,12345678901234567890,1.5e-10,2E+3]");
}

static void
test_literals(void **state)
{
	cJSON *o = cJSON_CreateObject();

	(void)state;
	cJSON_AddTrueToObject(o, "t");
	cJSON_AddFalseToObject(o, "f");
	cJSON_AddNullToObject(o, "n");
	cJSON_AddRawToObject(o, "raw", "{\"x\":[1,2]}");
	same(o);
	cJSON_Delete(o);
}

/* The buffer is reused: a short text after a long one is still exactly the short one. */
static void
test_reuse(void **state)
{
	(void)state;
	same_text("{\"a\":\"a long string, longer than what follows\",\"b\":[1,2,3,4,5,6]}");
	same_text("{\"a\":1}");
	same_text("\"x\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_reuse),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	lg_text_free(&text);
	return rc;
}
