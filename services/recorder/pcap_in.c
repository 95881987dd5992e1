/*
 * pcap_in.c - capture files.  Classic pcap files (µs or ns timestamps, either byte order)
 * are mapped into memory and walked directly: no copy per packet, which is a good part of
 * the offline engine's time on big files.  Everything else (pcapng above all) goes through
 * libpcap's pcap_open_offline.  Timestamps come as µs since the epoch.  The link type is a
 * LINKTYPE_* value (from the file) or libpcap's DLT_* value; net.c takes both (they differ
 * only for raw IP).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "rec.h"

/* A record larger than this is corruption (libpcap's own limit for most link types). */
#define MAX_RECORD (256 * 1024)

struct rec_pcap {
	pcap_t *p;         /* libpcap, or NULL for the mapped path */
	int linktype;
	/* mapped classic pcap */
	const uint8_t *map;
	size_t size, off;
	int swap, nsec;
};

static uint32_t
rd32(const struct rec_pcap *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static int
try_map(struct rec_pcap *r, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24) {
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	const uint8_t *b = m;
	uint32_t magic;
	memcpy(&magic, b, 4);
	switch (magic) {
	case 0xa1b2c3d4:
		r->swap = 0, r->nsec = 0;
		break;
	case 0xa1b23c4d:
		r->swap = 0, r->nsec = 1;
		break;
	case 0xd4c3b2a1:
		r->swap = 1, r->nsec = 0;
		break;
	case 0x4d3cb2a1:
		r->swap = 1, r->nsec = 1;
		break;
	default:
		munmap(m, (size_t)st.st_size);
		return -1; /* pcapng or not a capture: libpcap decides */
	}
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	r->map = b;
	r->size = (size_t)st.st_size;
	r->off = 24;
	r->linktype = (int)(rd32(r, b + 20) & 0xffff);
	return 0;
}

rec_pcap *
rec_pcap_open(const char *path, char *err, size_t errlen)
{
	rec_pcap *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (try_map(r, path) == 0)
		return r;
	char eb[PCAP_ERRBUF_SIZE] = "";
	r->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (r->p == NULL) {
		snprintf(err, errlen, "%s", eb);
		free(r);
		return NULL;
	}
	r->linktype = pcap_datalink(r->p);
	return r;
}

int
rec_pcap_next(rec_pcap *r, int *linktype, int64_t *ts_us, const uint8_t **data, size_t *len,
    char *err, size_t errlen)
{
	if (r->p == NULL) {
		if (r->off == r->size)
			return 0;
		if (r->size - r->off < 16) {
			snprintf(err, errlen, "truncated record header at offset %zu", r->off);
			return -1;
		}
		const uint8_t *h = r->map + r->off;
		uint32_t incl = rd32(r, h + 8);
		if (incl > MAX_RECORD) {
			snprintf(err, errlen, "record of %u bytes at offset %zu", incl, r->off);
			return -1;
		}
		if (r->size - r->off - 16 < incl) {
			snprintf(err, errlen, "truncated record at offset %zu", r->off);
			return -1;
		}
		uint32_t frac = rd32(r, h + 4);
		*ts_us = (int64_t)rd32(r, h) * 1000000 + (r->nsec ? frac / 1000 : frac);
		*linktype = r->linktype;
		*data = h + 16;
		*len = incl;
		r->off += 16 + (size_t)incl;
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(r->p, &h, &d);
	if (rc == 1) {
		*linktype = r->linktype;
		*ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		*data = d;
		*len = h->caplen;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, errlen, "%s", pcap_geterr(r->p));
	return -1;
}

void
rec_pcap_close(rec_pcap *r)
{
	if (r == NULL)
		return;
	if (r->p != NULL)
		pcap_close(r->p);
	else
		munmap((void *)r->map, r->size);
	free(r);
}
