/*
 * fuzz.c - libFuzzer harness of the configuration reader.
 *
 * Each input is read as a configuration file into a fresh hs_conf, through the same reader
 * and handler as a real file (hs__conf_load_stream over fmemopen, so no temp file per run),
 * then every value is read back through the getters and dumped, which also checks that a
 * failed load leaves a consistent configuration behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void
read_back(const hs_conf *conf)
{
	for (const struct hs_conf_def *d = hs_conf_keys; d->key != NULL; d++) {
		long long v;

		switch (d->type) {
		case HS_CONF_STR:
		case HS_CONF_ENUM:
			if (hs_conf_str(conf, d->key) == NULL)
				abort();
			break;
		case HS_CONF_BOOL:
			if (hs_conf_int(conf, d->key) != hs_conf_bool(conf, d->key))
				abort();
			break;
		case HS_CONF_INT:
		case HS_CONF_SIZE:
			/* A value outside its bounds must never get in. */
			v = hs_conf_int(conf, d->key);
			if (v < d->min || v > d->max)
				abort();
			break;
		case HS_CONF_TIME:
			v = hs_conf_int(conf, d->key);
			if (v < 0 || v >= 24 * 60)
				abort();
			break;
		}
		if (hs_conf_origin(conf, d->key) == NULL)
			abort();
	}
	hs_conf_dump(conf, devnull);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hs_conf *conf;
	FILE *fp;
	void *copy;
	hs_err err;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((conf = hs_conf_new()) == NULL)
		abort();
	/* fmemopen wants a writable buffer of at least one byte. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	if (size > 0 && (fp = fmemopen(copy, size, "r")) != NULL) {
		err = hs__conf_load_stream(conf, fp, "fuzz.conf");
		fclose(fp);
		/* Every failure must say why, naming the input. */
		if (err != HS_OK && strncmp(hs_conf_error(conf), "fuzz.conf", 9) != 0)
			abort();
		if (err != HS_OK && err != HS_ECONFIG && err != HS_ENOMEM)
			abort();
	}
	read_back(conf);
	free(copy);
	hs_conf_free(conf);
	return 0;
}
