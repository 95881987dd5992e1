/*
 * journal.c - sequenced append-only journal (journal.h).
 *
 * Layout in memory: a circular array of the last `ring` records.  On disk: NAME (current) and
 * NAME.1 (the previous file).  first_cur / first_old are the first sequence numbers in NAME
 * and NAME.1 (0 when that file is empty or absent), so a replay knows without reading which
 * file to start in and whether the range is still kept at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"

struct rec {
	uint64_t seq;
	char *data;
	size_t len;
};

struct hs_journal {
	char *path, *path_old;
	int fd;
	size_t size, max_bytes;
	uint64_t last, first_cur, first_old;

	struct rec *ring;
	size_t ring_cap, ring_len, ring_head; /* head: index of the oldest record */

	/* Where every IDX_EVERY-th record appended to the current file starts, so a replay
	 * reads from near its first record instead of from the top of the file. */
	struct idx { uint64_t seq; off_t off; } *idx;
	size_t nidx, capidx;
};

#define IDX_EVERY 256

static void
ring_push(hs_journal *j, uint64_t seq, const char *data, size_t len)
{
	struct rec *r;
	char *copy;

	if (j->ring_cap == 0 || (copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, data, len);
	copy[len] = '\0';
	if (j->ring_len == j->ring_cap) {
		r = &j->ring[j->ring_head];
		free(r->data);
		j->ring_head = (j->ring_head + 1) % j->ring_cap;
		j->ring_len--;
	}
	r = &j->ring[(j->ring_head + j->ring_len) % j->ring_cap];
	r->seq = seq;
	r->data = copy;
	r->len = len;
	j->ring_len++;
}

static void
idx_add(hs_journal *j, uint64_t seq, off_t off)
{
	if (j->nidx == j->capidx) {
		size_t cap = j->capidx ? j->capidx * 2 : 64;
		struct idx *n = realloc(j->idx, cap * sizeof(*n));
		if (n == NULL)
			return; /* replays then just read from further up */
		j->idx = n;
		j->capidx = cap;
	}
	j->idx[j->nidx].seq = seq;
	j->idx[j->nidx].off = off;
	j->nidx++;
}

/* The offset in the current file to read from for records from `from` on. */
static off_t
idx_start(const hs_journal *j, uint64_t from)
{
	size_t lo = 0, hi = j->nidx;

	/* the last entry with seq <= from */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (j->idx[mid].seq <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? 0 : j->idx[lo - 1].off;
}

/* Splits "<seq> <data>" in place; 0 when the line is not a record. */
static int
parse_line(char *line, size_t n, uint64_t *seq, char **data, size_t *len)
{
	char *sp, *end;

	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if ((sp = memchr(line, ' ', n)) == NULL || sp == line)
		return 0;
	errno = 0;
	*seq = strtoull(line, &end, 10);
	if (errno != 0 || end != sp || *seq == 0)
		return 0;
	*data = sp + 1;
	*len = n - (size_t)(sp + 1 - line);
	return 1;
}

/*
 * Reads one file: calls fn for records in [from, to] (fn may be NULL), reports its first and
 * last sequence numbers.  HS_EPROTO for a line that is not a record, except a torn last
 * line (a crash mid-write), which is ignored.
 */
static hs_err
scan_file(const char *path, off_t start, uint64_t from, uint64_t to, hs_journal_fn fn,
    void *arg, uint64_t *first, uint64_t *last, hs_journal *load, off_t *good_end)
{
	char *line = NULL, *data;
	size_t cap = 0, len;
	ssize_t n;
	uint64_t seq, prev = 0;
	long lineno = 0;
	hs_err rv = HS_OK;
	FILE *f;

	*first = *last = 0;
	if (good_end != NULL)
		*good_end = 0;
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? HS_OK : HS_EIO;
	if (start > 0 && fseeko(f, start, SEEK_SET) != 0) {
		fclose(f);
		return HS_EIO;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n')
			break; /* torn tail: a crash mid-write; the caller cuts it off */
		if (!parse_line(line, (size_t)n, &seq, &data, &len) || seq <= prev) {
			hs_log_error("journal.corrupt", "path=%s line=%ld", hs_logq(path), lineno);
			rv = HS_EPROTO;
			break;
		}
		prev = seq;
		if (seq > to && load == NULL && good_end == NULL)
			break; /* a replay: nothing further is wanted */
		if (*first == 0)
			*first = seq;
		*last = seq;
		if (fn != NULL && seq >= from && seq <= to)
			fn(arg, seq, data, len);
		if (load != NULL)
			ring_push(load, seq, data, len);
		if (good_end != NULL)
			*good_end += n;
	}
	free(line);
	fclose(f);
	return rv;
}

static hs_err
open_current(hs_journal *j)
{
	struct stat sb;

	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (j->fd < 0 || fstat(j->fd, &sb) != 0) {
		hs_log_error("journal.open", "path=%s err=%s", hs_logq(j->path),
		    hs_logq(strerror(errno)));
		return HS_EIO;
	}
	j->size = (size_t)sb.st_size;
	return HS_OK;
}

hs_err
hs_journal_open(hs_journal **jp, const char *path, size_t ring, size_t max_bytes)
{
	hs_journal *j = calloc(1, sizeof(*j));
	uint64_t f, l;
	off_t good;
	hs_err rv;

	if (j == NULL)
		return HS_ENOMEM;
	j->fd = -1;
	j->max_bytes = max_bytes;
	j->ring_cap = ring;
	if ((j->path = strdup(path)) == NULL || asprintf(&j->path_old, "%s.1", path) < 0 ||
	    (ring > 0 && (j->ring = calloc(ring, sizeof(*j->ring))) == NULL)) {
		j->path_old = NULL;
		hs_journal_close(j);
		return HS_ENOMEM;
	}
	/* Continue where an earlier run stopped: find the kept range, refill the ring. */
	if ((rv = scan_file(j->path_old, 0, 0, 0, NULL, NULL, &f, &l, j, NULL)) != HS_OK)
		goto fail;
	j->first_old = f;
	j->last = l;
	if ((rv = scan_file(j->path, 0, 0, 0, NULL, NULL, &f, &l, j, &good)) != HS_OK)
		goto fail;
	j->first_cur = f;
	if (l != 0)
		j->last = l;
	if ((rv = open_current(j)) != HS_OK)
		goto fail;
	if ((off_t)j->size > good) {
		/* Cut a torn last record, so the next one starts on a line of its own. */
		hs_log_warn("journal.torn", "path=%s bytes=%lld", hs_logq(path),
		    (long long)((off_t)j->size - good));
		if (ftruncate(j->fd, good) != 0) {
			rv = HS_EIO;
			goto fail;
		}
		j->size = (size_t)good;
	}
	*jp = j;
	return HS_OK;
fail:
	hs_journal_close(j);
	return rv;
}

void
hs_journal_close(hs_journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->ring_len; i++)
		free(j->ring[(j->ring_head + i) % j->ring_cap].data);
	free(j->ring);
	free(j->idx);
	free(j->path);
	free(j->path_old);
	free(j);
}

static hs_err
rotate(hs_journal *j)
{
	close(j->fd);
	j->fd = -1;
	if (rename(j->path, j->path_old) != 0) {
		hs_log_error("journal.rotate", "path=%s err=%s", hs_logq(j->path),
		    hs_logq(strerror(errno)));
		open_current(j);
		return HS_EIO;
	}
	j->first_old = j->first_cur;
	j->first_cur = 0;
	j->nidx = 0; /* offsets were of the file now renamed */
	return open_current(j);
}

hs_err
hs_journal_append(hs_journal *j, uint64_t seq, const char *data, size_t len)
{
	char prefix[24];
	struct iovec iov[3];
	size_t total;
	ssize_t n;
	int pl;

	if (seq <= j->last || memchr(data, '\n', len) != NULL)
		return HS_EINVAL;
	pl = snprintf(prefix, sizeof(prefix), "%llu ", (unsigned long long)seq);
	total = (size_t)pl + len + 1;
	ring_push(j, seq, data, len);
	j->last = seq;
	if (j->max_bytes > 0 && j->size > 0 && j->size + total > j->max_bytes)
		rotate(j);
	if (j->fd < 0 && open_current(j) != HS_OK)
		return HS_EIO;
	iov[0].iov_base = prefix;
	iov[0].iov_len = (size_t)pl;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	iov[2].iov_base = "\n";
	iov[2].iov_len = 1;
	/* One writev on an O_APPEND fd: a record is never interleaved or split by us. */
	n = writev(j->fd, iov, 3);
	if (n != (ssize_t)total) {
		hs_log_error("journal.write", "path=%s seq=%llu err=%s", hs_logq(j->path),
		    (unsigned long long)seq, hs_logq(n < 0 ? strerror(errno) : "short write"));
		return HS_EIO;
	}
	if (j->first_cur == 0)
		j->first_cur = seq;
	if (j->nidx == 0 || seq - j->idx[j->nidx - 1].seq >= IDX_EVERY)
		idx_add(j, seq, (off_t)j->size);
	j->size += total;
	return HS_OK;
}

uint64_t
hs_journal_last(const hs_journal *j)
{
	return j->last;
}

uint64_t
hs_journal_first(const hs_journal *j)
{
	uint64_t f = j->first_old != 0 ? j->first_old : j->first_cur;

	if (j->ring_len > 0 && (f == 0 || j->ring[j->ring_head].seq < f))
		f = j->ring[j->ring_head].seq; /* records only in memory after a failed write */
	return f;
}

hs_err
hs_journal_replay(hs_journal *j, uint64_t from, uint64_t to, hs_journal_fn fn, void *arg)
{
	uint64_t first = hs_journal_first(j), f, l;
	hs_err rv;

	if (to > j->last)
		to = j->last;
	if (from > to)
		return HS_OK;
	if (first == 0 || from < first)
		return HS_ENOTFOUND;
	if (j->ring_len > 0 && j->ring[j->ring_head].seq <= from) {
		for (size_t i = 0; i < j->ring_len; i++) {
			struct rec *r = &j->ring[(j->ring_head + i) % j->ring_cap];
			if (r->seq > to)
				break;
			if (r->seq >= from)
				fn(arg, r->seq, r->data, r->len);
		}
		return HS_OK;
	}
	if (j->first_old != 0 && from < j->first_cur) {
		rv = scan_file(j->path_old, 0, from, to, fn, arg, &f, &l, NULL, NULL);
		if (rv != HS_OK)
			return rv;
	}
	return scan_file(j->path, idx_start(j, from), from, to, fn, arg, &f, &l, NULL, NULL);
}

hs_err
hs_journal_sync(hs_journal *j)
{
	if (j->fd < 0 || fdatasync(j->fd) != 0)
		return HS_EIO;
	return HS_OK;
}
