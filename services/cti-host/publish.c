/*
 * publish.c - cti-host's events onto the bus.  The bus numbers them and the service journal
 * keeps them (HS_SERVICE_JOURNAL), so a subscriber that sees a gap in the sequence numbers
 * fetches the missing ones with events.replay.
 */
#include <time.h>

#include "cti.h"

void
cti_publish(struct cti *cti, const char *topic, cJSON *body)
{
	if (cti->svc->bus == NULL) {
		cJSON_Delete(body);
		return;
	}
	hs_bus_publish(cti->svc->bus, topic, body);
}

cJSON *
cti_link_json(const struct cti *cti)
{
	const struct cti_link *l = &cti->link;
	cJSON *o = cJSON_CreateObject();
	char since[32];

	{
		time_t t = (time_t)(l->since_ms / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	cJSON_AddStringToObject(o, "state", cti_link_state_name(l->state));
	cJSON_AddStringToObject(o, "since", since);
	cJSON_AddStringToObject(o, "host", l->host);
	cJSON_AddNumberToObject(o, "port", l->port);
	if (l->last_error[0] != '\0')
		cJSON_AddStringToObject(o, "last_error", l->last_error);
	if (l->protocol_version[0] != '\0') {
		cJSON_AddStringToObject(o, "protocol_version", l->protocol_version);
		cJSON_AddStringToObject(o, "software_version", l->software_version);
		cJSON_AddBoolToObject(o, "ct_gateway", l->ct_gateway);
	}
	cJSON_AddNumberToObject(o, "frames_in", (double)l->frames_in);
	cJSON_AddNumberToObject(o, "frames_out", (double)l->frames_out);
	cJSON_AddNumberToObject(o, "bad_frames", (double)l->bad_frames);
	cJSON_AddNumberToObject(o, "unknown_codes", (double)l->unknown_codes);
	return o;
}

void
cti_publish_link(struct cti *cti)
{
	cti_publish(cti, "link.state", cti_link_json(cti));
}
