/*
 * devices.c - which mirrored calls are recorded, and for which device (manual: Recorded
 * Devices, Addresses, "Exclude internal calls"; remote SIP extensions are known by their
 * signalling, MiNET phones by a unique IP address).
 *
 * A snapshot (struct rec_devset) of the recorded devices and of the PBX's device numbers is
 * built on the service loop from the database and handed whole to the capture thread,
 * which only reads it: no locks on the packet path.  The decision is pure so the tests can
 * walk its table.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "rec.h"

struct devip {
	struct rec_addr a;      /* port 0 */
	char ext[REC_NAME_MAX];
};

struct rec_devset {
	hs_map *recorded;       /* extension -> (void *)1: recorded by mirror capture */
	hs_map *known;          /* the PBX's extension numbers (internal parties) */
	struct devip *ip;       /* MiNET phones: address -> extension, sorted by ready() */
	int nip, capip;
	int sorted;
};

static char one = 1;

struct rec_devset *
rec_devset_new(void)
{
	struct rec_devset *ds = calloc(1, sizeof(*ds));
	if (ds == NULL)
		return NULL;
	ds->recorded = hs_map_new();
	ds->known = hs_map_new();
	if (ds->recorded == NULL || ds->known == NULL) {
		rec_devset_free(ds);
		return NULL;
	}
	return ds;
}

void
rec_devset_free(struct rec_devset *ds)
{
	if (ds == NULL)
		return;
	hs_map_free(ds->recorded);
	hs_map_free(ds->known);
	free(ds->ip);
	free(ds);
}

static int
parse_ip(const char *s, struct rec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->ip) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->ip) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

int
rec_devset_add_recorded(struct rec_devset *ds, const char *ext, const char *ip)
{
	if (ext == NULL || ext[0] == 0 || strlen(ext) >= REC_NAME_MAX)
		return -1;
	if (hs_map_put(ds->recorded, ext, &one) != HS_OK)
		return -1;
	if (ip == NULL || ip[0] == 0)
		return 0;
	struct rec_addr a;
	if (parse_ip(ip, &a) != 0)
		return -1;
	if (ds->nip == ds->capip) {
		int ncap = ds->capip ? ds->capip * 2 : 16;
		struct devip *n = realloc(ds->ip, (size_t)ncap * sizeof(*n));
		if (n == NULL)
			return -1;
		ds->ip = n;
		ds->capip = ncap;
	}
	ds->ip[ds->nip].a = a;
	snprintf(ds->ip[ds->nip].ext, sizeof(ds->ip[ds->nip].ext), "%s", ext);
	ds->nip++;
	ds->sorted = 0;
	return 0;
}

static int
ip_cmp(const void *x, const void *y)
{
	const struct rec_addr *a = &((const struct devip *)x)->a, *b = &((const struct devip *)y)->a;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->ip, b->ip, sizeof(a->ip));
}

int
rec_devset_ready(struct rec_devset *ds)
{
	/* Sorted for a binary search per unmatched RTP packet; an address claimed twice (the
	 * manual: one device per IP address) is attributed to neither. */
	qsort(ds->ip, (size_t)ds->nip, sizeof(*ds->ip), ip_cmp);
	int ambiguous = 0;
	for (int i = 1; i < ds->nip; i++) {
		if (ip_cmp(&ds->ip[i - 1], &ds->ip[i]) == 0) {
			ambiguous += ds->ip[i - 1].ext[0] != 0;
			ds->ip[i - 1].ext[0] = ds->ip[i].ext[0] = 0;
		}
	}
	ds->sorted = 1;
	return ambiguous;
}

int
rec_devset_add_known(struct rec_devset *ds, const char *number)
{
	if (number == NULL || number[0] == 0)
		return -1;
	return hs_map_put(ds->known, number, &one) == HS_OK ? 0 : -1;
}

int
rec_devset_recorded(const struct rec_devset *ds, const char *ext)
{
	return ds != NULL && ext[0] && hs_map_get(ds->recorded, ext) != NULL;
}

const char *
rec_devset_by_ip(const struct rec_devset *ds, const struct rec_addr *a)
{
	if (ds == NULL || !ds->sorted)
		return NULL;
	struct devip k;
	memset(&k, 0, sizeof(k));
	k.a.family = a->family;
	memcpy(k.a.ip, a->ip, sizeof(k.a.ip));
	const struct devip *d = bsearch(&k, ds->ip, (size_t)ds->nip, sizeof(*ds->ip), ip_cmp);
	return d != NULL && d->ext[0] ? d->ext : NULL;
}

const char *
rec_mirror_verdict_name(enum rec_mirror_verdict v)
{
	switch (v) {
	case REC_MIRROR_RECORD:
		return "record";
	case REC_MIRROR_NOT_PBX:
		return "not_pbx";
	case REC_MIRROR_NOT_RECORDED:
		return "device_not_recorded";
	case REC_MIRROR_INTERNAL:
		return "internal";
	}
	return "?";
}

enum rec_mirror_verdict
rec_mirror_identify(const struct rac_acl *pbx, const struct rec_devset *ds,
    const struct rec_dialog *dl, int exclude_internal, char *ext, size_t len)
{
	ext[0] = 0;
	/* Which side is the phone: the one that is not the PBX.  A dialog between two PBX
	 * addresses, or between two strangers, is nobody's extension (SIP trunks are not
	 * recorded: manual, IP/SIP Extension). */
	const struct rec_party_info *phone, *other;
	if (pbx->n == 0) {
		/* No Addresses configured: whichever party is a recorded device. */
		if (rec_devset_recorded(ds, dl->caller.user)) {
			phone = &dl->caller;
			other = &dl->callee;
		} else {
			phone = &dl->callee;
			other = &dl->caller;
		}
	} else {
		int src_pbx = rac_acl_allows(pbx, &dl->invite_src);
		int dst_pbx = rac_acl_allows(pbx, &dl->invite_dst);
		if (src_pbx == dst_pbx)
			return REC_MIRROR_NOT_PBX;
		phone = dst_pbx ? &dl->caller : &dl->callee;
		other = dst_pbx ? &dl->callee : &dl->caller;
	}
	if (!rec_devset_recorded(ds, phone->user))
		return REC_MIRROR_NOT_RECORDED;
	snprintf(ext, len, "%s", phone->user);
	/* Internal: the far party is one of the PBX's own extensions, so no trunk is
	 * involved.  Only decidable here when the PBX names the far party in the signalling;
	 * the lists run again on the logger's segment (rules.c). */
	if (exclude_internal && other->user[0] && hs_map_get(ds->known, other->user) != NULL)
		return REC_MIRROR_INTERNAL;
	return REC_MIRROR_RECORD;
}
