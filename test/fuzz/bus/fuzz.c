/*
 * fuzz.c - libFuzzer harness of the bus envelope decoder (hs_env_decode), the parser every
 * message from another service, process or server goes through.  A decoded envelope is
 * encoded again and must decode to the same fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hs_env e, again;
	char err[160], *buf;
	size_t len;

	if (hs_env_decode((const char *)data, size, &e, err, sizeof(err)) != HS_OK)
		return 0;
	buf = hs_env_encode(&e, data[0] != '{', &len);
	if (buf == NULL)
		abort();
	if (hs_env_decode(buf, len, &again, err, sizeof(err)) != HS_OK)
		abort();
	if (strcmp(e.type, again.type) != 0 || strcmp(e.src, again.src) != 0 ||
	    e.seq != again.seq || e.boot != again.boot || e.server != again.server ||
	    e.status != again.status || strcmp(e.re, again.re) != 0)
		abort();
	hs_env_clear(&again);
	hs_env_clear(&e);
	free(buf);
	return 0;
}
