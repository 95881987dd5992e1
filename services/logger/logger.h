/*
 * logger.h - hookswitch-logger: cti-host's events into durable call records (README.md).
 *
 * ingest.c follows cti-host's event stream: sequence numbers, gaps fetched with
 * events.replay, batches written by store.c in one transaction each, a spool on disk while
 * PostgreSQL is away.  build.c turns the events into calls.  cmd.c answers calls.list and
 * calls.rebuild.
 */
#ifndef HS_LOGGER_H
#define HS_LOGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "build.h"
#include "journal.h"
#include "service.h"
#include "store.h"

#define LG_BATCH_MAX 2000          /* raw events per transaction */
#define LG_FLUSH_MS 50             /* a partial batch waits at most this long */
#define LG_REPLAY_TIMEOUT_MS 10000

/* An event waiting to be applied (received during a replay, or read from the spool). */
struct lg_pending {
	uint64_t boot, seq;
	char *type, *ts, *envelope;
	cJSON *body;
	struct lg_pending *next;
};

struct logger {
	struct hs_svc *svc;
	lg_builder *b;
	lg_store *store;
	hs_bus_sub *sub;
	char cti_pub[512], cti_rep[512];

	/* the stream */
	uint64_t boot;             /* cti-host boot being followed (0: none yet) */
	int boot_no;
	uint64_t applied;          /* last seq applied to the builder */
	bool replaying;            /* an events.replay is in flight */
	uint64_t replay_boot, replay_to;
	struct lg_pending *queue, *queue_tail;
	size_t nqueue;

	/* the batch */
	struct lg_raw *raw;
	char **raw_text;           /* owned strings of raw[] */
	size_t nraw, capraw;
	struct lg_status_row *st;
	size_t nst, capst;
	uv_timer_t flush;
	uv_timer_t tick;           /* 1 s: partitions, progress, retry a spool drain */

	/* PostgreSQL away */
	hs_journal *spool;
	char spool_path[600];
	uint64_t spool_seq;        /* journal record numbers of the spool */
	uint64_t spooled;          /* events in the spool now */
	bool spooling;
	long long spool_since;

	/* counters */
	unsigned long long events, calls_written, batches, write_errors, bad_events, gaps,
	    lost_events;
	long long last_write_ms;
};

/* ingest.c */
int lg_ingest_start(struct logger *lg);
void lg_ingest_stop(struct logger *lg);
void lg_ingest_health(struct logger *lg, cJSON *body);
/* Applies one envelope of the stream (used by the spool drain, start-up and rebuild). */
long long lg_ts_ms(const char *ts);

/* cmd.c */
extern const struct hs_bus_cmd lg_cmds[];

#endif
