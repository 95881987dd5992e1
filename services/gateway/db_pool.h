/*
 * db_pool.h - opening and closing a worker thread's database connection (db.c).  The query
 * functions are in gateway.h, beside the request they serve.
 */
#ifndef HS_GW_DB_POOL_H
#define HS_GW_DB_POOL_H

struct gw_db;

/* Connects to conninfo; a failed connect still returns a handle (queries retry). NULL only
 * when out of memory. */
struct gw_db *gw_db_open(const char *conninfo);
void gw_db_close(struct gw_db *d);

#endif
