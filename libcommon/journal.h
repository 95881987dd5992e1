/*
 * journal.h - an append-only journal of sequenced records, with an in-memory ring for fast
 * replay and a size-capped file on disk behind it.
 *
 * A publisher (cti-host) appends every event it publishes under its sequence number; a
 * subscriber that sees a gap in the sequence asks for the missing range and gets it from the
 * ring, or from the file when the ring no longer holds it.  Later, the logger uses the same
 * journal to spool records while PostgreSQL is away.
 *
 * On disk: NAME holds lines "<seq> <data>\n" (data must not contain a newline; JSON
 * envelopes do not).  When NAME would pass max_bytes it is renamed NAME.1 (replacing the
 * previous NAME.1) and a new NAME is started, so between max_bytes and 2 * max_bytes of
 * history is kept.  Reopening an existing journal continues after its last sequence number.
 *
 * Writes are buffered by the kernel, not fsync'd per record: a journal survives a crash of
 * its process, not of the machine (hs_journal_sync makes it durable when that matters).
 * Not thread-safe: one loop thread owns a journal.
 */
#ifndef HS_JOURNAL_H
#define HS_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct hs_journal hs_journal;

typedef void (*hs_journal_fn)(void *arg, uint64_t seq, const char *data, size_t len);

/* Opens or creates path.  ring: records kept in memory (0 = none).  max_bytes: file size at
 * which it rotates (0 = never).  HS_EIO when the file cannot be opened, HS_EPROTO when an
 * existing file is not a journal (its first bad line is named in the log). */
hs_err hs_journal_open(hs_journal **jp, const char *path, size_t ring, size_t max_bytes);
void hs_journal_close(hs_journal *j);

/* Appends a record.  seq must be greater than the last one (HS_EINVAL otherwise); data must
 * not contain '\n' (HS_EINVAL).  HS_EIO when the write fails (the record is still in the
 * ring). */
hs_err hs_journal_append(hs_journal *j, uint64_t seq, const char *data, size_t len);

/* Calls fn for every record with from <= seq <= to, in order.  HS_ENOTFOUND when records of
 * the range are older than what the journal keeps (fn is then not called at all), so the
 * caller knows the replay is incomplete rather than getting part of it silently. */
hs_err hs_journal_replay(hs_journal *j, uint64_t from, uint64_t to, hs_journal_fn fn,
    void *arg);

/* The last sequence number appended (0 for an empty journal) and the oldest still kept. */
uint64_t hs_journal_last(const hs_journal *j);
uint64_t hs_journal_first(const hs_journal *j);

/* fdatasync of the current file. */
hs_err hs_journal_sync(hs_journal *j);

#endif
