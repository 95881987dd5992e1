/*
 * build.h - the call builder: cti-host's events in, calls and segments out.
 *
 * The builder is a pure state machine: it reads no clock, does no I/O and keeps no state
 * but what the events gave it, so the same events always build the same records.  That is
 * what makes replays, restarts and `calls rebuild` safe: ids come from the events
 * (LG_ID(boot_no, seq) of the event that opened the call or segment), times from the
 * publisher's timestamps.
 *
 * Model.  A logical call (struct lg_call, one calls row) is made of legs: the PBX call it
 * started as, plus every consultation call made for it (announced transfer, conference),
 * which the PBX numbers separately.  Each leg is a sequence of segments (call_segments
 * rows): a new segment when the call rings or is answered at a different device.  A segment
 * has parties (segment_parties rows) and hold intervals.
 *
 * The PBX sends one copy of each event per monitored device it concerns, so every handler
 * is idempotent: a copy that changes nothing is ignored.
 *
 * Output.  Each call touched by an event is marked dirty; the store writes the dirty calls'
 * full current state (upserts), then lg_build_written() clears the marks and frees the
 * calls that ended.  Nothing is lost if a write fails: the marks stay until one succeeds.
 */
#ifndef HS_LOGGER_BUILD_H
#define HS_LOGGER_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "map.h"

/* Record ids: the (boot_no, seq) of the event that opened the record. */
#define LG_ID(boot_no, seq) (((int64_t)(boot_no) << 40) | (int64_t)(seq))

#define LG_DEV 24   /* device numbers, agent ids, PBX call ids */
#define LG_TXT 64   /* numbers from the network, names */

enum lg_state { LG_DIALLING, LG_QUEUED, LG_RINGING, LG_CONNECTED, LG_HELD, LG_ENDED };
enum lg_kind { LG_KIND_EXTENSION, LG_KIND_TRUNK, LG_KIND_HUNT_GROUP, LG_KIND_OTHER };
enum lg_dir { LG_DIR_NA, LG_DIR_IN, LG_DIR_OUT };

/* segment_parties roles */
enum {
	LG_P_ORIGINATOR = 0x01,
	LG_P_ALERTED = 0x02,
	LG_P_ANSWERED = 0x04,
	LG_P_HELD = 0x08,
	LG_P_XFER_SOURCE = 0x10,
	LG_P_XFER_TARGET = 0x20,
	LG_P_CONFERENCE = 0x40,
};

struct lg_party {
	char device[LG_DEV];
	enum lg_kind kind;
	char agent[LG_DEV];        /* agent logged on at the device when it joined */
	unsigned roles;            /* LG_P_* */
	int rang_order;            /* 1.. among alerted parties of the segment; 0 = not alerted */
	bool active;               /* still on the segment (ringing, talking or holding) */
	long long join_ms, alert_ms, answer_ms, release_ms; /* 0 = not (yet) */
	long long ring_ms, talk_ms, hold_ms;               /* set when the segment is final */
};

enum lg_hold_kind { LG_HOLD_INDIVIDUAL, LG_HOLD_SYSTEM, LG_HOLD_TRANSFER, LG_HOLD_CONFERENCE };

struct lg_hold {
	char device[LG_DEV];
	enum lg_hold_kind kind;
	long long start_ms, end_ms; /* end 0 = still held */
};

struct lg_account {
	char code[32];
	long long ms;
};

struct lg_end {
	char event[8];             /* PBX event code that ended it: XC, CC, DI, TR, CO, FA... */
	int cause;                 /* its Event_Cause; -1 unknown */
	char cause_text[48];
	char reason[24];           /* normal, abandoned, busy, dnd, no-answer, diverted,
	                            * transferred, conferenced, failed, link-lost */
};

struct lg_segment {
	int64_t rec_id;
	int no;                    /* 1.. within the logical call */
	char pbx_call_id[LG_DEV];
	bool consult;
	enum lg_state state;
	bool external;             /* a trunk takes part */
	enum lg_dir direction;
	long long start_ms, answer_ms, end_ms;
	long long ring_ms, talk_ms, hold_ms, max_hold_ms; /* kept current (to "now" = last event) */
	bool answered;
	char originator[LG_DEV];
	char target[LG_DEV];
	char hunt_group[LG_DEV];
	char answering_ext[LG_DEV], answering_agent[LG_DEV];
	char transferred_from[LG_DEV], transferred_from_agent[LG_DEV];
	char transferred_to[LG_DEV], transferred_to_agent[LG_DEV];
	char diverted_from[LG_DEV], divert_reason[16];
	char trunk[LG_DEV];
	char cli[LG_TXT], telephone_number[LG_TXT];
	char account_code[32];
	struct lg_end end;
	bool incomplete;

	struct lg_party *parties;
	int nparties, capparties;
	struct lg_hold *holds;
	int nholds, capholds;
	struct lg_account *accounts;
	int naccounts, capaccounts;
};

struct lg_call;

/* One PBX call of a logical call. */
struct lg_leg {
	char pbx_call_id[LG_DEV];
	struct lg_call *call;
	bool consult;
	bool ended;
	int cur;                   /* index of its current segment in call->segs, -1 none */
	char originator[LG_DEV];
	/* what the next segment inherits (transfer, diversion) */
	char pending_from[LG_DEV], pending_from_agent[LG_DEV], pending_reason[16];
	bool pending_transfer;
	char holder38[LG_DEV];     /* device that put this leg on transfer hold (cause 38) */
	char pending_account[32];  /* entered before the first segment */
	long long pending_account_ms;
	char last_tr[3 * LG_DEV];  /* the last transfer applied: "from/to/consult" (copies) */
	bool any_answer;
	bool merged;               /* consult leg ended by a transfer or conference */
	char first_clear[LG_DEV];  /* who left first (Terminating_Ext / Cleared_Ext) */
	struct lg_end end;
	long long end_ms;
};

#define LG_MAX_LEGS 8

struct lg_call {
	int64_t call_id;
	char pbx_call_id[LG_DEV];
	enum lg_state state;
	bool external, trunk_to_trunk, conference;
	enum lg_dir direction;
	long long created_ms, start_ms, answer_ms, end_ms;
	long long ring_ms, talk_ms, hold_ms, max_hold_ms;
	bool answered, lost;
	int segment_count;
	char originator[LG_DEV], originator_agent[LG_DEV];
	char telephone_number[LG_TXT], cli[LG_TXT], caller_name[LG_TXT], dialled[LG_TXT];
	bool cli_received, ddi_received;
	char ddi[LG_TXT], dnis[LG_TXT];
	char trunk[LG_DEV];
	char trunks[8][LG_DEV];
	int ntrunks;
	char account_code[32];
	char hunt_group[LG_DEV];
	char answering_ext[LG_DEV], answering_agent[LG_DEV];
	char first_rang_ext[LG_DEV], first_rang_agent[LG_DEV];
	char last_rang_ext[LG_DEV], last_rang_agent[LG_DEV];
	char transferred_from[LG_DEV], transferred_from_agent[LG_DEV];
	char transferred_to[LG_DEV], transferred_to_agent[LG_DEV];
	struct lg_end end;
	char cleared_by[LG_DEV];
	bool incomplete;

	struct lg_leg legs[LG_MAX_LEGS];
	int nlegs;
	struct lg_segment *segs;
	int nsegs, capsegs;

	/* Calls this one absorbed (a consultation call first logged on its own): the store
	 * deletes their rows. */
	int64_t absorbed[LG_MAX_LEGS];
	int nabsorbed;

	bool dirty;
	uint64_t dirty_gen;        /* lg_build_cut generation of the last mark */
	uint64_t snap_gen;         /* generation of the last lg_build_snapshot that copied it */
	bool stored;               /* a write of it succeeded, or it was read back at start: the
	                            * database has rows of it.  Else, as a rule, it has none
	                            * (the store COPYs it, and falls back to upserts if not) */
	bool ended;                /* every leg ended: freed after it is written */
	struct lg_call *next_dirty;
};

/* An ACD or DND status change found in the stream (acd_status_events, dnd_status_events). */
struct lg_status {
	bool acd;                  /* else DND */
	int n;                     /* row number within the event */
	long long ms;
	char who[LG_DEV];          /* agent id (ACD) or device (DND) */
	char name[LG_TXT];         /* agent description or device name */
	char device[LG_DEV];       /* ACD: the station */
	char status[16];           /* ACD: logged_on, free, busy, wrap, dnd_on, dnd_off, logged_out */
	char hunt_group[LG_DEV];
	bool dnd;                  /* DND: on */
	char dnd_message[40], dnd_text[40];
};

typedef struct lg_builder lg_builder;

/* Status rows are handed out as they are found, in event order. */
typedef void (*lg_status_fn)(void *arg, int boot_no, uint64_t seq, const struct lg_status *st);

lg_builder *lg_build_new(lg_status_fn status_fn, void *arg);
void lg_build_free(lg_builder *b);

/* Teaches the builder a device's kind (from the devices table); events teach it too. */
void lg_build_device_kind(lg_builder *b, const char *device, enum lg_kind kind);

/*
 * Applies one event of the publisher's stream: type is the topic, ms the envelope time,
 * body the envelope body.  Returns 0, or -1 when the body is not usable (missing fields);
 * the caller logs that once and goes on (the raw event is kept anyway).
 */
int lg_build_event(lg_builder *b, int boot_no, uint64_t seq, long long ms, const char *type,
    const cJSON *body);

/* The dirty calls, as a list through next_dirty (NULL when none). */
struct lg_call *lg_build_dirty(lg_builder *b);
/* The dirty calls were written: clears the marks and frees those that ended. */
void lg_build_written(lg_builder *b);
/*
 * Writing while building goes on (the logger's writer thread): lg_build_snapshot copies the
 * dirty calls (refreshed; records only, no legs) as a list through next_dirty, *n of them,
 * for the store; lg_build_cut then returns the generation of the marks it holds.  When that
 * write succeeded, lg_build_written_upto(gen) clears the marks of the calls not marked again
 * since, and frees those that ended; when it failed, every mark simply stays.
 */
struct lg_call *lg_build_snapshot(lg_builder *b, size_t *n);
void lg_build_snapshot_free(struct lg_call *list);
uint64_t lg_build_cut(lg_builder *b);
void lg_build_written_upto(lg_builder *b, uint64_t gen);
/* Every call the builder holds is in the database (rebuilt from it at start). */
void lg_build_mark_stored(lg_builder *b);

/* Open (not ended) calls, and every call ended but not yet written. */
size_t lg_build_open(const lg_builder *b);

/* Closes every open call as incomplete at the time of the last event (events are known to
 * be lost): end reason "incomplete", reason as the cause text. */
void lg_build_close_all(lg_builder *b, const char *reason);

const char *lg_state_name(enum lg_state s);
const char *lg_kind_name(enum lg_kind k);
const char *lg_dir_name(enum lg_dir d);
const char *lg_hold_kind_name(enum lg_hold_kind k);

#endif
