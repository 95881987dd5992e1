/*
 * hookswitch-logger - call logging: turns cti-host's events into durable, exact call
 * records (README.md).
 */
#include <malloc.h>
#include <stdlib.h>

#include "log.h"
#include "logger.h"

static int
logger_init(struct hs_svc *svc)
{
	struct logger *lg = calloc(1, sizeof(*lg));

	if (lg == NULL)
		return -1;
	lg->svc = svc;
	svc->priv = lg;
	return lg_ingest_start(lg);
}

static void
logger_fini(struct hs_svc *svc)
{
	struct logger *lg = svc->priv;

	if (lg == NULL)
		return;
	lg_rebuild_stop(lg);
	lg_ingest_stop(lg);
	free(lg);
	svc->priv = NULL;
}

static void
logger_health(struct hs_svc *svc, cJSON *body)
{
	if (svc->priv != NULL)
		lg_ingest_health(svc->priv, body);
}

static const struct hs_service logger_service = {
	.id = HS_SVC_LOGGER,
	.flags = HS_SERVICE_NEEDS_DB,
	.cmds = lg_cmds,
	.init = logger_init,
	.fini = logger_fini,
	.health = logger_health,
};

int
main(int argc, char **argv)
{
	/*
	 * Each batch allocates a few large buffers (a replay answer of up to 4 MiB and its JSON
	 * tree, the COPY text, the array literals) and frees them again.  glibc would map and
	 * unmap each large one (every page faulted in afresh, each time) and give the heap's
	 * top back after each batch: kept instead, the next batch reuses the same memory.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	return hs_service_main(&logger_service, argc, argv);
}
