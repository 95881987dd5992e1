/*
 * map.h - a string-keyed hash table (open addressing, linear probing, tombstones).
 *
 * For in-memory models keyed by PBX numbers and call ids: thousands of entries, looked up on
 * every event.  Keys are copied; values are the caller's pointers (the map never frees them).
 * Iteration order is unspecified; deleting during iteration is allowed for the current item.
 */
#ifndef HS_MAP_H
#define HS_MAP_H

#include <stddef.h>

#include "err.h"

typedef struct hs_map hs_map;

hs_map *hs_map_new(void);
void hs_map_free(hs_map *m);
size_t hs_map_len(const hs_map *m);

void *hs_map_get(const hs_map *m, const char *key);
/* Inserts or replaces; HS_ENOMEM. */
hs_err hs_map_put(hs_map *m, const char *key, void *value);
/* Removes and returns the value (NULL when absent). */
void *hs_map_del(hs_map *m, const char *key);

/* Iteration: pos starts at 0; returns 0 at the end. */
int hs_map_next(const hs_map *m, size_t *pos, const char **key, void **value);

#endif
