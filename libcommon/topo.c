/*
 * topo.c - the role and service tables of topo.h, and endpoint naming.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "topo.h"

const struct hs_service_def hs_services[HS_SVC_COUNT] = {
#define HS__SVC_DEF(c, n, r, d) [HS_SVC_##c] = { HS_SVC_##c, n, r, d },
	HS_SERVICE_LIST(HS__SVC_DEF)
#undef HS__SVC_DEF
};

static const struct {
	const char *name, *help;
} roles[HS_ROLE_COUNT] = {
#define HS__ROLE_DEF(c, n, h) [HS_ROLE_##c] = { n, h },
	HS_ROLE_LIST(HS__ROLE_DEF)
#undef HS__ROLE_DEF
};

const char *
hs_role_name(int role)
{
	return role >= 0 && role < HS_ROLE_COUNT ? roles[role].name : "?";
}

const char *
hs_role_help(int role)
{
	return role >= 0 && role < HS_ROLE_COUNT ? roles[role].help : "";
}

int
hs_role_parse(const char *name)
{
	for (int i = 0; i < HS_ROLE_COUNT; i++)
		if (strcasecmp(name, roles[i].name) == 0)
			return i;
	return -1;
}

hs_err
hs_roles_parse(const char *text, unsigned *mask, char *err, size_t errlen)
{
	char word[64];
	const char *p = text;
	unsigned m = 0;

	for (;;) {
		size_t n;

		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		n = strcspn(p, ", \t");
		if (n >= sizeof(word)) {
			snprintf(err, errlen, "role name too long: '%.*s...'", 16, p);
			return HS_EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		p += n;
		if (strcasecmp(word, "all") == 0) {
			m |= HS_ROLES_ALL;
			continue;
		}
		int r = hs_role_parse(word);
		if (r < 0) {
			snprintf(err, errlen, "unknown role '%s'", word);
			return HS_EINVAL;
		}
		m |= HS_ROLE_BIT(r);
	}
	*mask = m;
	return HS_OK;
}

void
hs_roles_format(unsigned mask, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < HS_ROLE_COUNT; i++) {
		if (!(mask & HS_ROLE_BIT(i)))
			continue;
		int n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", roles[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}

int
hs_service_lookup(const char *name)
{
	for (int i = 0; i < HS_SVC_COUNT; i++)
		if (strcmp(name, hs_services[i].name) == 0)
			return i;
	return -1;
}

int
hs_service_needed(int id, unsigned roles_mask)
{
	if (id < 0 || id >= HS_SVC_COUNT)
		return 0;
	return (hs_services[id].roles & roles_mask) != 0;
}

int
hs_topo_tcp_port(int svc_id, enum hs_endpoint_kind kind, int tcp_base)
{
	return tcp_base + 2 * svc_id + (kind == HS_EP_REP);
}

hs_err
hs_topo_endpoint(char *buf, size_t len, int svc_id, enum hs_endpoint_kind kind,
    const char *host, const char *ipc_dir, int tcp_base)
{
	int n;

	if (svc_id < 0 || svc_id >= HS_SVC_COUNT)
		return HS_EINVAL;
	if (host == NULL)
		n = snprintf(buf, len, "ipc://%s/%s.%s", ipc_dir, hs_services[svc_id].name,
		    kind == HS_EP_PUB ? "pub" : "rep");
	else
		n = snprintf(buf, len, "tcp://%s:%d", host,
		    hs_topo_tcp_port(svc_id, kind, tcp_base));
	if (n < 0 || (size_t)n >= len)
		return HS_EINVAL;
	return HS_OK;
}
