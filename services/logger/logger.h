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

#define LG_BATCH_MAX 10000         /* raw events per transaction */
#define LG_FLUSH_MS 50             /* a partial batch waits at most this long */
#define LG_REPLAY_TIMEOUT_MS 10000
#define LG_REPLAY_PAGE 1500        /* events asked for per events.replay */
#define LG_HANDOVER_MIN 500        /* a batch this big goes as soon as the writer can take it */

/* An event waiting to be applied (received during a replay, or read from the spool). */
struct lg_pending {
	uint64_t boot, seq;
	char *type, *ts, *envelope;
	cJSON *body;
	struct lg_pending *next;
};

/* Raw events with their own copies of the strings (a batch, a chunk of the spool).  The
 * strings are packed into blocks that a clear keeps for the next batch: the loop makes no
 * allocation per event (a malloc and a free of about a kilobyte each, which also made glibc
 * sweep its small free chunks, those of the replay answers' cJSON trees, again and again). */
struct lg_rawblock;
struct lg_rawbuf {
	struct lg_raw *raw;
	size_t n, cap;
	struct lg_rawblock *blocks; /* every block, in order */
	struct lg_rawblock *cur;    /* the one being filled */
};

struct lg_rebuild;
struct lg_writer;

/* A reusable text buffer (json.c). */
struct lg_text {
	char *p;
	size_t len, cap;
};

struct logger {
	struct hs_svc *svc;
	struct lg_rebuild *rebuild;  /* a calls.rebuild running, or NULL */
	lg_builder *b;
	lg_store *store;
	hs_bus_sub *sub;
	char cti_pub[512], cti_rep[512];

	/* the stream */
	uint64_t boot;             /* cti-host boot being followed (0: none yet) */
	int boot_no;
	uint64_t applied;          /* last seq applied to the builder */
	bool replaying;            /* an events.replay is in flight */
	bool replay_retry;         /* the last one failed: ask again on the next tick */
	uint64_t replay_boot, replay_to;
	uint64_t replay_win;       /* the end of the page asked for (<= replay_to) */
	struct lg_pending *queue, *queue_tail;
	size_t nqueue;

	struct lg_text envelope;   /* a replayed envelope as text (lg_json_print) */

	/* the batch */
	struct lg_writer *writer;  /* writes one batch while the next is built (writer.c) */
	bool flush_pending;        /* a flush waits for the writer */
	struct lg_rawbuf batch;
	struct lg_status_row *st;
	size_t nst, capst;
	uv_timer_t flush;
	uv_timer_t tick;           /* 1 s: partitions, progress, retries */
	long long partitions_ms;   /* when the raw journal's partitions were last made sure of */

	/* PostgreSQL away */
	hs_journal *spool;
	char spool_path[600];
	uint64_t spool_seq;        /* journal record numbers of the spool */
	uint64_t spooled;          /* events in the spool now */
	bool spooling;
	bool spool_from_last_run;  /* queued at start; removed once they are written */
	long long spool_since;

	/* counters */
	unsigned long long events, calls_written, batches, write_errors, bad_events, gaps,
	    lost_events;
	unsigned long long progress_sent; /* calls_written + applied at the last logger.progress */
	long long write_ms, replay_ms;  /* time spent in batch writes, waiting for replays */
	long long replay_asked;         /* hs_mono_ms of the replay in flight */
};

/* json.c: item as cJSON_PrintUnformatted prints it, into t (NULL when out of memory). */
const char *lg_json_print(struct lg_text *t, const cJSON *item);
void lg_text_free(struct lg_text *t);

/* ingest.c */
void lg_rawbuf_add(struct lg_rawbuf *rb, long long ms, int boot_no, uint64_t seq,
    const char *type, const char *call_id, const char *envelope);
void lg_rawbuf_clear(struct lg_rawbuf *rb);
void lg_rawbuf_free(struct lg_rawbuf *rb);
/* The calls of a list through next_dirty. */
size_t lg_count_calls(const struct lg_call *c);
/* lg_kind_fn for lg_store_device_kinds: teaches the builder arg a device's kind. */
void lg_learn_kind(void *builder, const char *device, enum lg_kind kind);
int lg_ingest_start(struct logger *lg);
/* Hands the batch to the writer when it is idle, else marks it pending (done when the writer
 * finishes); spools it while PostgreSQL is away. */
void lg_flush_soon(struct logger *lg);
void lg_ingest_stop(struct logger *lg);
void lg_ingest_health(struct logger *lg, cJSON *body);
/* Applies one envelope of the stream (used by the spool drain, start-up and rebuild). */
long long lg_ts_ms(const char *ts);

/*
 * writer.c: a thread with a connection of its own writes each batch (lg_store_write) while
 * the loop builds the next.  One batch at a time, in order; the loop learns the outcome
 * (lg_writer_reap, from the thread's wake-up or lg_writer_wait) before it hands over the
 * next one, and on failure the batch's raw events go to the spool first, its status rows go
 * back in front of lg->st, and its calls were never unmarked.
 */
int lg_writer_start(struct logger *lg);
void lg_writer_stop(struct logger *lg);
/* The writer holds a batch (handed over, outcome not yet taken). */
bool lg_writer_busy(const struct logger *lg);
/* The writer could take a batch at once: idle, or done with the last one (whose outcome
 * lg_writer_wait takes without waiting). */
bool lg_writer_ready(const struct logger *lg);
/* Hands over lg->batch, lg->st and a copy of the dirty calls; the writer must be idle. */
void lg_writer_submit(struct logger *lg);
/* Waits for the batch the writer holds, if any, and takes its outcome. */
void lg_writer_wait(struct logger *lg);

/* spool.c: the raw events of batches PostgreSQL could not take, on disk, in order. */
int lg_spool_open(struct logger *lg);
void lg_spool_close(struct logger *lg);
/* Appends the batch's raw events (and empties it); the first time, says so (log, svc.alert). */
void lg_spool_batch(struct logger *lg);
/* The same for the raw events of rb; error is what the failed write said. */
void lg_spool_raw(struct logger *lg, struct lg_rawbuf *rb, const char *error);
/* Writes the spool, then the builder's dirty calls, the status rows and the progress mark;
 * on success empties the spool and clears the alert.  Returns 0 when done. */
int lg_spool_drain(struct logger *lg);
/* Hands every spooled envelope to fn (start-up: the last run ended while spooling). */
typedef void (*lg_spool_fn)(void *arg, const cJSON *envelope, const char *text);
void lg_spool_each(struct logger *lg, lg_spool_fn fn, void *arg);
/* Empties the spool. */
void lg_spool_reset(struct logger *lg);
/* Everything spooled is in the database: empties the spool, clears the alert. */
void lg_spool_done(struct logger *lg);

/* cmd.c */
extern const struct hs_bus_cmd lg_cmds[];
/* Stops a rebuild that is running (at shutdown). */
void lg_rebuild_stop(struct logger *lg);

#endif
