/*
 * rac_policy.c - the pure parts of the Record-A-Call endpoint (rac.c): who may call
 * (recorder.sip_allowed), which RTP port a call gets (recorder.rtp_port_min/max) and the
 * digest nonces of the 401 challenge.  No I/O, no clock, no libre loop: rac_policy_test.c
 * tests them directly.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re_types.h>
#include <re_md5.h>

#include "rec.h"

/* ---- allowed addresses ---------------------------------------------------------------- */

static int
acl_entry_parse(struct rac_acl_entry *e, const char *tok, char *err, size_t errlen)
{
	char ip[64];
	const char *slash = strchr(tok, '/');
	size_t n = slash ? (size_t)(slash - tok) : strlen(tok);
	if (n == 0 || n >= sizeof(ip)) {
		snprintf(err, errlen, "bad address '%s'", tok);
		return -1;
	}
	memcpy(ip, tok, n);
	ip[n] = 0;
	memset(e, 0, sizeof(*e));
	int maxbits;
	if (inet_pton(AF_INET, ip, e->ip) == 1) {
		e->family = 4;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, ip, e->ip) == 1) {
		e->family = 6;
		maxbits = 128;
	} else {
		snprintf(err, errlen, "bad address '%s'", tok);
		return -1;
	}
	e->bits = (uint8_t)maxbits;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (slash[1] == 0 || *end != 0 || b < 0 || b > maxbits) {
			snprintf(err, errlen, "bad prefix length in '%s'", tok);
			return -1;
		}
		e->bits = (uint8_t)b;
	}
	return 0;
}

int
rac_acl_parse(struct rac_acl *acl, const char *text, char *err, size_t errlen)
{
	memset(acl, 0, sizeof(*acl));
	const char *p = text ? text : "";
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == 0)
			return 0;
		const char *s = p;
		while (*p && *p != ',' && !isspace((unsigned char)*p))
			p++;
		char tok[80];
		size_t n = (size_t)(p - s);
		if (n >= sizeof(tok)) {
			snprintf(err, errlen, "address too long: '%.*s'", (int)n, s);
			return -1;
		}
		memcpy(tok, s, n);
		tok[n] = 0;
		if (acl->n >= RAC_ACL_MAX) {
			snprintf(err, errlen, "more than %d allowed addresses", RAC_ACL_MAX);
			return -1;
		}
		if (acl_entry_parse(&acl->e[acl->n], tok, err, errlen) != 0)
			return -1;
		acl->n++;
	}
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

int
rac_acl_allows(const struct rac_acl *acl, const struct rec_addr *a)
{
	if (acl->n == 0)
		return 1;
	/* An IPv4-mapped IPv6 address (a dual-stack socket) is the IPv4 address. */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t fam = a->family;
	const uint8_t *ip = a->ip;
	if (fam == 6 && memcmp(a->ip, mapped, 12) == 0) {
		fam = 4;
		ip = a->ip + 12;
	}
	for (int i = 0; i < acl->n; i++) {
		const struct rac_acl_entry *e = &acl->e[i];
		if (e->family == fam && prefix_match(e->ip, ip, e->bits))
			return 1;
	}
	return 0;
}

/* ---- RTP ports ------------------------------------------------------------------------ */

int
rac_ports_init(struct rac_ports *p, int min, int max)
{
	memset(p, 0, sizeof(*p));
	if (min < 1024 || max > 65535 || min > max)
		return -1;
	p->min = (uint16_t)(min + (min & 1)); /* RTP on even ports (RTCP would be the odd one) */
	p->max = (uint16_t)max;
	if (p->min > p->max)
		return -1;
	p->next = p->min;
	return 0;
}

int
rac_ports_count(const struct rac_ports *p)
{
	return p->max < p->min ? 0 : (p->max - p->min) / 2 + 1;
}

static int
port_used(const struct rac_ports *p, int port)
{
	return p->used[port / 8] & (1u << (port % 8));
}

int
rac_ports_take(struct rac_ports *p)
{
	int n = rac_ports_count(p);
	int port = p->next;
	for (int i = 0; i < n; i++) {
		int cand = port;
		port += 2;
		if (port > p->max)
			port = p->min;
		if (!port_used(p, cand)) {
			p->used[cand / 8] |= (uint8_t)(1u << (cand % 8));
			p->next = (uint16_t)port; /* round robin: a freed port rests a while */
			p->inuse++;
			return cand;
		}
	}
	return -1;
}

void
rac_ports_give(struct rac_ports *p, int port)
{
	if (port < p->min || port > p->max || (port & 1) || !port_used(p, port))
		return;
	p->used[port / 8] &= (uint8_t)~(1u << (port % 8));
	p->inuse--;
}

/* ---- digest nonces -------------------------------------------------------------------- */

/* nonce = 8 hex digits of the issue time (s) + 32 of MD5(secret, time): no state is kept,
 * a nonce is checked by recomputing it, and it expires after max_age seconds. */
static void
nonce_mac(const uint8_t secret[RAC_SECRET_LEN], uint32_t t, char out[33])
{
	uint8_t buf[RAC_SECRET_LEN + 4], md[16];
	memcpy(buf, secret, RAC_SECRET_LEN);
	buf[RAC_SECRET_LEN] = (uint8_t)(t >> 24);
	buf[RAC_SECRET_LEN + 1] = (uint8_t)(t >> 16);
	buf[RAC_SECRET_LEN + 2] = (uint8_t)(t >> 8);
	buf[RAC_SECRET_LEN + 3] = (uint8_t)t;
	md5(buf, sizeof(buf), md);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void
rac_nonce_make(const uint8_t secret[RAC_SECRET_LEN], int64_t now_s, char out[RAC_NONCE_LEN + 1])
{
	uint32_t t = (uint32_t)now_s;
	snprintf(out, 9, "%08x", t);
	nonce_mac(secret, t, out + 8);
}

int
rac_nonce_check(const uint8_t secret[RAC_SECRET_LEN], const char *nonce, size_t len,
    int64_t now_s, int max_age_s)
{
	if (len != RAC_NONCE_LEN)
		return -1;
	char hex[9], mac[33];
	memcpy(hex, nonce, 8);
	hex[8] = 0;
	for (int i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return -1;
	uint32_t t = (uint32_t)strtoul(hex, NULL, 16);
	nonce_mac(secret, t, mac);
	if (memcmp(mac, nonce + 8, 32) != 0)
		return -1;
	int64_t age = (int64_t)(uint32_t)((uint32_t)now_s - t);
	if (age > max_age_s)
		return 1;
	return 0;
}
