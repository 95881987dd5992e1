/*
 * store.h - the logger's PostgreSQL side: one transaction per batch writes the raw events,
 * the current state of every dirty call, the status rows and the progress mark together, so
 * after a crash the database holds either all of a batch or none of it.
 *
 * Every write is an upsert on the records' natural keys (ids derived from the events), so a
 * batch written twice (a replay, a restart, a rebuild) leaves the same rows.  Rows are sent
 * as arrays (one prepared INSERT ... SELECT FROM unnest($1::bigint[], ...) per table), which
 * keeps a batch to a handful of round trips.
 */
#ifndef HS_LOGGER_STORE_H
#define HS_LOGGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "build.h"
#include "db.h"
#include "err.h"

typedef struct lg_store lg_store;

/* One raw event, as received (call_events_raw). */
struct lg_raw {
	long long ms;              /* envelope ts */
	int boot_no;
	uint64_t seq;
	const char *type;          /* topic */
	const char *pbx_call_id;   /* body.call_id of call events, else NULL */
	const char *envelope;      /* the whole envelope, JSON */
};

/* One status row with the event it came from. */
struct lg_status_row {
	int boot_no;
	uint64_t seq;
	struct lg_status st;
};

/* Prepares the statements (again after a reconnect: hs_db does that). */
hs_err lg_store_open(lg_store **sp, hs_db *db);
void lg_store_close(lg_store *s);

/* The boot number of publisher (src, boot) — registered on first sight — and how far the
 * logger applied it (0 for a new boot). */
hs_err lg_store_boot(lg_store *s, const char *src, uint64_t boot, int *boot_no,
    uint64_t *applied_seq);

/* The newest boot of src the logger applied, with its number and progress; *boot = 0 when
 * there is none. */
hs_err lg_store_last_boot(lg_store *s, const char *src, uint64_t *boot, int *boot_no,
    uint64_t *applied_seq);

/*
 * Writes one batch in one transaction: raw events (duplicates ignored), every call of the
 * dirty list (calls, call_segments, segment_parties, hold_intervals, account_code_entries;
 * children of a call are replaced by its current ones), status rows (duplicates ignored),
 * and event_boots.applied_seq = applied for boot_no (never lowered).  HS_EDB on failure,
 * with everything rolled back.
 */
hs_err lg_store_write(lg_store *s, const struct lg_raw *raw, size_t nraw, struct lg_call *dirty,
    const struct lg_status_row *st, size_t nst, int boot_no, uint64_t applied);

/* Makes sure the raw journal has partitions for the month of ms and the next one. */
hs_err lg_store_partitions(lg_store *s, long long ms);

/* Raw events, in stream order (boot_no, seq), handed to fn. */
typedef void (*lg_raw_fn)(void *arg, int boot_no, uint64_t seq, const char *envelope);

/* The raw events behind the calls still open in the database (state <> 'ended'): every raw
 * event of their PBX call ids from their created_ts on, and every agent.state and
 * device.state event since the oldest of them (agents logged on at a device matter for the
 * parties).  Used at start to rebuild the builder's open calls. */
hs_err lg_store_open_events(lg_store *s, lg_raw_fn fn, void *arg);

/* Rebuild: deletes the calls that started in [from_ms, to_ms) (their children cascade) and
 * opens a cursor over every raw event from from_ms - margin_ms on, in stream order, until
 * to_ms plus the time the last of those calls stayed open.  *deleted gets the number of
 * calls deleted.  lg_store_rebuild_next then hands fn the next rows (a thousand), *done
 * after the last; the caller writes with lg_store_write in between. */
hs_err lg_store_rebuild_begin(lg_store *s, long long from_ms, long long to_ms,
    long long margin_ms, long long *deleted);
hs_err lg_store_rebuild_next(lg_store *s, lg_raw_fn fn, void *arg, bool *done);

/* calls.list: the calls that started in [from_ms, to_ms), with segments, parties and holds,
 * as JSON (proto/bus.md); device, when not NULL, keeps calls one of whose parties it was. */
hs_err lg_store_list(lg_store *s, long long from_ms, long long to_ms, const char *device,
    int limit, cJSON **out);

/* The known kinds of devices (the devices table), for lg_build_device_kind. */
typedef void (*lg_kind_fn)(void *arg, const char *device, enum lg_kind kind);
hs_err lg_store_device_kinds(lg_store *s, lg_kind_fn fn, void *arg);

#endif
