/*
 * net.c - from a captured frame to a UDP datagram, a TCP segment or an IP fragment.
 *
 * rec_net_decode_full() peels the link header (Ethernet with up to two VLAN tags, Linux
 * cooked v1/v2, BSD loopback, raw IP), then IPv4 or IPv6 (walking the IPv6 extension
 * headers), and returns a view into the frame: the UDP payload with its addresses, the TCP
 * payload with its sequence number and flags (SIP over TCP: sipstream.c), or the payload of
 * an IP fragment with what reassembly needs (id, offset, more-fragments, protocol: reasm.c).
 * rec_net_transport() reads the UDP or TCP header of a datagram that reassembly rebuilt.
 * Every length is checked against the captured bytes: a truncated or lying header gives
 * REC_NET_MALFORMED, never a read past the frame.
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "rec.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static enum rec_net_kind
l4(int proto, const uint8_t *p, size_t len, struct rec_net *out)
{
	if (proto == 6) {
		if (len < 20)
			return REC_NET_MALFORMED;
		size_t doff = (size_t)(p[12] >> 4) * 4;
		if (doff < 20 || doff > len)
			return REC_NET_MALFORMED;
		out->u.src.port = rd16(p);
		out->u.dst.port = rd16(p + 2);
		out->tcp_seq = (uint32_t)rd16(p + 4) << 16 | rd16(p + 6);
		out->tcp_flags = p[13] & (REC_TCP_FIN | REC_TCP_SYN | REC_TCP_RST);
		out->u.data = p + doff;
		out->u.len = len - doff;
		return REC_NET_TCP;
	}
	if (proto != 17)
		return REC_NET_OTHER;
	if (len < 8)
		return REC_NET_MALFORMED;
	size_t ulen = rd16(p + 4);
	if (ulen < 8)
		return REC_NET_MALFORMED;
	/* A snap length may cut the datagram: keep what was captured. */
	if (ulen > len)
		ulen = len;
	out->u.src.port = rd16(p);
	out->u.dst.port = rd16(p + 2);
	out->u.data = p + 8;
	out->u.len = ulen - 8;
	return REC_NET_UDP;
}

/* The headers after the IPv6 fixed header (or after a fragment header, in a reassembled
 * datagram), then the transport.  A fragment header is reported with its fields unless
 * in_frag says this is already the inside of one (nested fragments are nonsense). */
static enum rec_net_kind
ipv6_next(int next, const uint8_t *q, size_t left, struct rec_net *out, int in_frag)
{
	/* At most 8 extension headers: enough for anything real, bounded for anything else. */
	for (int i = 0; i < 8; i++) {
		switch (next) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 60: { /* destination options */
			if (left < 8)
				return REC_NET_MALFORMED;
			size_t hl = ((size_t)q[1] + 1) * 8;
			if (hl > left)
				return REC_NET_MALFORMED;
			next = q[0];
			q += hl;
			left -= hl;
			continue;
		}
		case 44: {
			if (in_frag || left < 8)
				return REC_NET_MALFORMED;
			uint16_t fo = rd16(q + 2);
			out->frag_proto = q[0];
			out->frag_off = (uint32_t)(fo & 0xfff8);
			out->frag_more = fo & 1;
			out->frag_id = (uint32_t)rd16(q + 4) << 16 | rd16(q + 6);
			out->u.data = q + 8;
			out->u.len = left - 8;
			return REC_NET_FRAGMENT;
		}
		default:
			return l4(next, q, left, out);
		}
	}
	return REC_NET_MALFORMED;
}

static enum rec_net_kind
ipv4(const uint8_t *p, size_t len, struct rec_net *out)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return REC_NET_MALFORMED;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	size_t tot = rd16(p + 2);
	if (ihl < 20 || ihl > len || tot < ihl)
		return REC_NET_MALFORMED;
	if (tot > len)
		tot = len; /* cut by the snap length */
	out->u.src.family = out->u.dst.family = 4;
	memcpy(out->u.src.ip, p + 12, 4);
	memcpy(out->u.dst.ip, p + 16, 4);
	uint16_t frag = rd16(p + 6);
	if ((frag & 0x2000) || (frag & 0x1fff)) {
		out->frag_proto = p[9];
		out->frag_off = (uint32_t)(frag & 0x1fff) * 8;
		out->frag_more = (frag & 0x2000) != 0;
		out->frag_id = rd16(p + 4);
		out->u.data = p + ihl;
		out->u.len = tot - ihl;
		return REC_NET_FRAGMENT;
	}
	return l4(p[9], p + ihl, tot - ihl, out);
}

static enum rec_net_kind
ipv6(const uint8_t *p, size_t len, struct rec_net *out)
{
	if (len < 40 || (p[0] >> 4) != 6)
		return REC_NET_MALFORMED;
	size_t plen = rd16(p + 4);
	if (plen > len - 40)
		plen = len - 40;
	out->u.src.family = out->u.dst.family = 6;
	memcpy(out->u.src.ip, p + 8, 16);
	memcpy(out->u.dst.ip, p + 24, 16);
	return ipv6_next(p[6], p + 40, plen, out, 0);
}

static enum rec_net_kind
by_ethertype(unsigned type, const uint8_t *p, size_t len, struct rec_net *out)
{
	if (type == 0x0800)
		return ipv4(p, len, out);
	if (type == 0x86dd)
		return ipv6(p, len, out);
	return REC_NET_OTHER;
}

static enum rec_net_kind
raw_ip(const uint8_t *p, size_t len, struct rec_net *out)
{
	if (len < 1)
		return REC_NET_MALFORMED;
	if ((p[0] >> 4) == 4)
		return ipv4(p, len, out);
	if ((p[0] >> 4) == 6)
		return ipv6(p, len, out);
	return REC_NET_OTHER;
}

enum rec_net_kind
rec_net_decode_full(int linktype, const uint8_t *p, size_t len, struct rec_net *out)
{
	memset(out, 0, sizeof(*out));
	switch (linktype) {
	case REC_LINK_ETHERNET: {
		if (len < 14)
			return REC_NET_MALFORMED;
		unsigned type = rd16(p + 12);
		size_t off = 14;
		for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
			if (len < off + 4)
				return REC_NET_MALFORMED;
			type = rd16(p + off + 2);
			off += 4;
		}
		return by_ethertype(type, p + off, len - off, out);
	}
	case REC_LINK_SLL:
		if (len < 16)
			return REC_NET_MALFORMED;
		return by_ethertype(rd16(p + 14), p + 16, len - 16, out);
	case REC_LINK_SLL2:
		if (len < 20)
			return REC_NET_MALFORMED;
		return by_ethertype(rd16(p), p + 20, len - 20, out);
	case REC_LINK_NULL:
	case REC_LINK_LOOP: {
		if (len < 4)
			return REC_NET_MALFORMED;
		/* NULL is in the writer's byte order, LOOP in network order: AF_INET is 2 in
		 * both; the IPv6 values differ per BSD (24, 28, 30). */
		uint32_t af = rd32le(p);
		if (af > 0xffff)
			af = (uint32_t)rd16(p + 2) | (uint32_t)rd16(p) << 16;
		if (af == 2)
			return ipv4(p + 4, len - 4, out);
		if (af == 24 || af == 28 || af == 30 || af == 10)
			return ipv6(p + 4, len - 4, out);
		return REC_NET_OTHER;
	}
	case REC_LINK_RAW:
	case 12: /* DLT_RAW as some systems write it */
	case 14:
		return raw_ip(p, len, out);
	case REC_LINK_IPV4:
		return ipv4(p, len, out);
	case REC_LINK_IPV6:
		return ipv6(p, len, out);
	default:
		return REC_NET_OTHER;
	}
}

enum rec_net_kind
rec_net_decode(int linktype, const uint8_t *p, size_t len, struct rec_udp *out)
{
	struct rec_net n;
	enum rec_net_kind k = rec_net_decode_full(linktype, p, len, &n);
	/* out->ts_us is the caller's: kept. */
	out->src = n.u.src;
	out->dst = n.u.dst;
	out->data = n.u.data;
	out->len = n.u.len;
	return k;
}

enum rec_net_kind
rec_net_transport(int family, int proto, const uint8_t *p, size_t len, struct rec_net *out)
{
	out->u.src.port = out->u.dst.port = 0;
	out->u.data = NULL;
	out->u.len = 0;
	out->tcp_seq = 0;
	out->tcp_flags = 0;
	if (family == 6)
		return ipv6_next(proto, p, len, out, 1);
	return l4(proto, p, len, out);
}

int
rec_addr_eq(const struct rec_addr *a, const struct rec_addr *b)
{
	if (a->family != b->family || a->port != b->port)
		return 0;
	/* Fixed-size compares the compiler inlines: this runs for every RTP packet. */
	uint64_t x[2], y[2];
	if (a->family == 4) {
		uint32_t u, v;
		memcpy(&u, a->ip, 4);
		memcpy(&v, b->ip, 4);
		return u == v;
	}
	memcpy(x, a->ip, 16);
	memcpy(y, b->ip, 16);
	return x[0] == y[0] && x[1] == y[1];
}

void
rec_addr_fmt(const struct rec_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family == 4)
		inet_ntop(AF_INET, a->ip, ip, sizeof(ip));
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->ip, ip, sizeof(ip));
	if (a->family == 6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
}
