/*
 * map.c - string-keyed hash table (map.h).  FNV-1a hashing, power-of-two capacity kept at
 * most 3/4 full counting tombstones, so probes stay short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

#define TOMB ((char *)1)

struct slot {
	char *key; /* NULL empty, TOMB deleted */
	void *value;
	uint32_t hash;
};

struct hs_map {
	struct slot *slots;
	size_t cap, len, used; /* used: live + tombstones */
};

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

hs_map *
hs_map_new(void)
{
	hs_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cap = 16;
	if ((m->slots = calloc(m->cap, sizeof(*m->slots))) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
hs_map_free(hs_map *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL && m->slots[i].key != TOMB)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
}

size_t
hs_map_len(const hs_map *m)
{
	return m->len;
}

/* The slot holding key, or NULL. */
static struct slot *
find(const hs_map *m, const char *key, uint32_t h)
{
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];
		if (s->key == NULL)
			return NULL;
		if (s->key != TOMB && s->hash == h && strcmp(s->key, key) == 0)
			return s;
	}
}

static hs_err
grow(hs_map *m)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap, cap = m->len * 4 >= m->cap ? m->cap * 2 : m->cap;

	if ((m->slots = calloc(cap, sizeof(*m->slots))) == NULL) {
		m->slots = old;
		return HS_ENOMEM;
	}
	m->cap = cap;
	m->used = m->len;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key == NULL || old[i].key == TOMB)
			continue;
		size_t j = old[i].hash & (cap - 1);
		while (m->slots[j].key != NULL)
			j = (j + 1) & (cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
	return HS_OK;
}

void *
hs_map_get(const hs_map *m, const char *key)
{
	struct slot *s = find(m, key, hash(key));

	return s != NULL ? s->value : NULL;
}

hs_err
hs_map_put(hs_map *m, const char *key, void *value)
{
	uint32_t h = hash(key);
	struct slot *s = find(m, key, h);
	size_t i;

	if (s != NULL) {
		s->value = value;
		return HS_OK;
	}
	if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != HS_OK)
		return HS_ENOMEM;
	for (i = h & (m->cap - 1); m->slots[i].key != NULL && m->slots[i].key != TOMB;
	     i = (i + 1) & (m->cap - 1))
		;
	{
		int fresh = m->slots[i].key == NULL; /* not a reused tombstone */
		char *copy = strdup(key);

		if (copy == NULL)
			return HS_ENOMEM;
		m->slots[i].key = copy;
		m->used += fresh;
	}
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->len++;
	return HS_OK;
}

void *
hs_map_del(hs_map *m, const char *key)
{
	struct slot *s = find(m, key, hash(key));
	void *v;

	if (s == NULL)
		return NULL;
	v = s->value;
	free(s->key);
	s->key = TOMB;
	s->value = NULL;
	m->len--;
	return v;
}

int
hs_map_next(const hs_map *m, size_t *pos, const char **key, void **value)
{
	for (; *pos < m->cap; (*pos)++) {
		struct slot *s = &m->slots[*pos];
		if (s->key != NULL && s->key != TOMB) {
			*key = s->key;
			*value = s->value;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}
