/*
 * cti.h - hookswitch-cti-host: the OAI link to the PBX and the live state of the telephone
 * system (see README.md).
 *
 * Everything runs on the service's one libuv loop.  The link (link.c) owns the TCP session
 * and the command/confirmation bookkeeping; startup.c runs the start-up sequence of oai.md
 * 6.1 on every new session; state.c turns events into the model of devices, calls, agents
 * and hunt groups and asks publish.c to tell the bus; cmd.c answers bus commands by sending
 * OAI commands and waiting for their confirmations; rac.c decides, and rac_invoke.c sends,
 * the Record-A-Call invocations for the extensions recorded that way.
 */
#ifndef HS_CTI_H
#define HS_CTI_H

#include <stdbool.h>

#include "log.h"
#include "map.h"
#include "oai.h"
#include "service.h"

#define CTI_APP_NAME "Hookswitch"
#define CTI_CMD_TIMEOUT_MS 5000

/* ---- link ------------------------------------------------------------------------------- */

/*
 *   DOWN --connect--> CONNECTING --tcp up, login sent--> LOGIN --RS+RD--> SYNC
 *   SYNC --start-up sequence done--> UP
 *   any --error, EOF, dead keep-alive--> BACKOFF --timer--> CONNECTING
 *   any --no phone system configured--> DOWN
 */
enum cti_link_state {
	CTI_LINK_DOWN,
	CTI_LINK_CONNECTING,
	CTI_LINK_LOGIN,
	CTI_LINK_SYNC,
	CTI_LINK_UP,
	CTI_LINK_BACKOFF,
};

struct cti;

/* Runs once per command: m is the confirmation, or NULL on timeout or link loss. */
typedef void (*cti_cf_cb)(struct cti *cti, void *arg, const struct oai_msg *m);

struct cti_pending {
	unsigned invoke;
	enum oai_cmd cmd;
	long long deadline;
	cti_cf_cb cb;
	void *arg;
	struct cti_pending *next;
};

struct cti_link {
	enum cti_link_state state;
	long long since_ms;       /* epoch ms of the last state change */
	char last_error[256];

	char host[256];
	int port;
	char password[128];
	bool configured;

	uv_tcp_t *tcp;            /* per session (link.c struct session); NULL when none */
	struct oai_reader reader;
	uv_timer_t timer;         /* backoff and login timeout */
	uv_timer_t tick;          /* 250 ms: command timeouts, keep-alive */
	int backoff_ms;
	unsigned session;         /* incremented per TCP session */

	unsigned next_invoke;
	struct cti_pending *pending;
	long long next_nop_ms;
	int nop_unanswered;
	bool rs_seen;             /* RS 0 of this session arrived; waiting for RD */
	bool ct_gateway;
	char protocol_version[16];
	char software_version[32];

	unsigned long long frames_in, frames_out, bad_frames, unknown_codes;
	char unknown_seen[32][8]; /* unknown codes already logged */
	int nunknown_seen;
};

/* ---- Record-A-Call ---------------------------------------------------------------------- */

/* recorded_devices.extension is at most 32 characters (migration 0007). */
#define CTI_RAC_EXT_MAX 33
/* Recorded extensions one call can reach over its life (transfers, conferences); past that
 * no more are invoked for the call (a limit, not a retry). */
#define CTI_RAC_PER_CALL 16
/* oai.md 5.15: the default dialled code when _QX list 8 does not name the feature. */
#define CTI_RAC_DEFAULT_CODE "385"

/* The extensions recorded by Record-A-Call, sorted and unique, for bsearch. */
struct cti_rac_set {
	char (*ext)[CTI_RAC_EXT_MAX];
	size_t n;
};

/* The extensions a call has invoked Record-A-Call for (or taken as invoked). */
struct cti_rac_done {
	char ext[CTI_RAC_PER_CALL][CTI_RAC_EXT_MAX];
	int n;
};

enum cti_rac_decision {
	CTI_RAC_INVOKE,            /* send _EF now */
	CTI_RAC_ASSUME,            /* flag as invoked without sending (see rac.c) */
	CTI_RAC_NOT_CONNECTED,
	CTI_RAC_NOT_TALKING,       /* connected to a call still ringing (internal) */
	CTI_RAC_NOT_LISTED,
	CTI_RAC_ALREADY,
	CTI_RAC_LINK_DOWN,         /* not now: checked again when the link is up */
	CTI_RAC_FULL,              /* CTI_RAC_PER_CALL reached for this call */
};

/* What is known of a party when it is checked. */
struct cti_rac_ctx {
	bool link_up;
	bool talking;              /* the call was answered, or went out on a trunk */
	bool snapshot;             /* the event is part of a resync snapshot */
	bool first_session;        /* ... of this process's first session with the PBX */
};

struct cti_rac {
	struct cti_rac_set set;
	bool loaded;               /* the set was read at least once */
	bool load_failed;          /* the last read failed (logged once until one works) */
	char code[16];             /* the site's dialled code, from _QX list 8 or the default */
	bool code_from_pbx;
	bool default_logged;
	unsigned sessions_up;      /* sessions that completed their start-up */
	unsigned long long sent, ok, failed, timeouts, assumed;
};

/* ---- live state ------------------------------------------------------------------------- */

enum cti_dev_kind {
	CTI_DEV_EXTENSION,
	CTI_DEV_HUNT_GROUP,
	CTI_DEV_TRUNK,
	CTI_DEV_OTHER,
};

struct cti_party {
	char device[24];
	char lcs;                 /* oai.md 5.4: N I A C H F Q */
	long long since_ms;       /* when it entered lcs, as cti-host saw it */
};

#define CTI_MAX_PARTIES 10

struct cti_call {
	char id[24];
	long long started_ms;
	struct cti_party parties[CTI_MAX_PARTIES];
	int nparties;
	char direction[12];       /* internal, inbound, outbound, external */
	char caller[64], caller_name[64], dialled[64], trunk[24], trunk_name[64], ddi[64];
	char account[32], hunt_group[24];
	bool answered;
	bool stale;               /* not yet seen in the resync of this session */
	struct cti_rac_done rac;  /* extensions Record-A-Call was invoked for on this call */
};

struct cti_device {
	char number[24];
	enum cti_dev_kind kind;
	int oai_type;             /* oai.md 5.6 */
	char name[64];
	bool online;
	bool dnd;
	char dnd_message[40], dnd_text[40];
	char fwd_type[4], fwd_dest[40];
	char agent[24];           /* agent id logged on here */
	int queued;               /* hunt groups: calls waiting */
	int group_type;           /* hunt groups: oai.md 5.7 */
	char state[16];           /* idle, dialling, ringing, connected, held, queued, failed */
};

enum cti_agent_state {
	CTI_AGENT_LOGGED_OFF,
	CTI_AGENT_READY,
	CTI_AGENT_NOT_READY,
	CTI_AGENT_WRAP_UP,
};

struct cti_agent {
	char id[24];
	char description[64];
	char device[24];
	enum cti_agent_state state;
	char groups[8][24];
	int ngroups;
};

/* A PBX node (one, or several behind a CT Gateway), from _QX list 18. */
struct cti_node {
	int node;
	char description[64];
	char protocol_version[16];
	char software_version[32];
};

#define CTI_MAX_NODES 32

struct cti {
	struct hs_svc *svc;
	struct cti_link link;
	bool started;             /* the start-up sequence of this session completed */

	hs_map *devices;          /* number -> struct cti_device */
	hs_map *calls;            /* call id -> struct cti_call */
	hs_map *agents;           /* agent id -> struct cti_agent */
	hs_map *xrefs;            /* monitor cross-reference id -> device number (strdup) */
	struct cti_node nodes[CTI_MAX_NODES];
	int nnodes;
	struct cti_rac rac;

	unsigned long long events_in;
};

/* link.c */
void cti_link_init(struct cti *cti);
void cti_link_fini(struct cti *cti);
void cti_link_configure(struct cti *cti, const char *host, int port, const char *password);
void cti_link_reset(struct cti *cti, const char *why);
/* The start-up sequence completed: the link is up. */
void cti_link_up(struct cti *cti);
const char *cti_link_state_name(enum cti_link_state s);
/* Starts a command frame: oai_build_command with the next InvokeID (returned). */
unsigned cti_link_command(struct cti *cti, struct oai_build *b, char *buf, size_t cap,
    enum oai_cmd cmd);
/* Finishes and sends the frame; cb runs once with the CF, or NULL after timeout_ms.
 * Returns 0, or -1 (link not up or frame error; cb does not run). */
int cti_link_submit(struct cti *cti, struct oai_build *b, unsigned invoke, enum oai_cmd cmd,
    int timeout_ms, cti_cf_cb cb, void *arg);

/* startup.c */
void cti_startup_begin(struct cti *cti);
void cti_startup_rd(struct cti *cti, const struct oai_msg *m);
void cti_startup_fini(void);

/* state.c */
void cti_state_init(struct cti *cti);
void cti_state_fini(struct cti *cti);
void cti_state_event(struct cti *cti, const struct oai_msg *m);
void cti_state_link_lost(struct cti *cti, const char *why);
void cti_state_resync_begin(struct cti *cti);
void cti_state_resync_done(struct cti *cti);
void cti_state_agent_mode(struct cti *cti, const char *group, const char *agent_id,
    const char *device, int mode);
struct cti_device *cti_state_device(struct cti *cti, const char *number);
cJSON *cti_state_snapshot(struct cti *cti);
cJSON *cti_device_json(const struct cti_device *d);
cJSON *cti_call_json(const struct cti_call *c);
const char *cti_agent_state_name(enum cti_agent_state s);

/* rac.c: pure decisions, no I/O */
void cti_rac_set_free(struct cti_rac_set *s);
/* Replaces the set's contents with exts (any order, duplicates and blanks dropped). */
hs_err cti_rac_set_assign(struct cti_rac_set *s, const char *const *exts, size_t n);
bool cti_rac_set_has(const struct cti_rac_set *s, const char *ext);
bool cti_rac_done_has(const struct cti_rac_done *d, const char *ext);
/* Flags ext; false when the call's list is full. */
bool cti_rac_done_add(struct cti_rac_done *d, const char *ext);
enum cti_rac_decision cti_rac_decide(const struct cti_rac_set *s, const struct cti_rac_done *d,
    const char *ext, char lcs, const struct cti_rac_ctx *ctx);
const char *cti_rac_decision_name(enum cti_rac_decision d);
/* Lower-case letters and digits of name, the rest dropped: "Record-A-Call" -> "recordacall". */
void cti_rac_feature_norm(const char *name, char *out, size_t cap);
bool cti_rac_feature_is_rac(const char *name);
/* A dialled feature code as the PBX lists it: 1-8 of 0-9 * #. */
bool cti_rac_code_ok(const char *code);
/* The _EF Extension/Feature_String for a connected party: "!" + code.  -1 on a bad code or
 * a short buffer. */
int cti_rac_feature_string(const char *code, char *out, size_t cap);

/* rac_invoke.c: the decisions applied to the live model, the _EF and its outcome */
void cti_rac_init(struct cti *cti);
void cti_rac_fini(struct cti *cti);
/* After a call event: checks every connected party of c. */
void cti_rac_check_call(struct cti *cti, struct cti_call *c, bool snapshot);
/* The set changed: checks every call (parties connected now and not yet invoked). */
void cti_rac_sweep(struct cti *cti);
/* A session completed its start-up: what waited for the link is invoked now. */
void cti_rac_link_up(struct cti *cti);
/* A conference merged call from into call into: from's flags carry over. */
void cti_rac_merge(struct cti_call *into, const struct cti_call *from);
/* The start-up step: _QX list 8 answered (m NULL on no answer). */
void cti_rac_features(struct cti *cti, const struct oai_msg *m);
cJSON *cti_rac_json(const struct cti *cti);

/* publish.c */
void cti_publish(struct cti *cti, const char *topic, cJSON *body);
void cti_publish_link(struct cti *cti);
cJSON *cti_link_json(const struct cti *cti);

/* cmd.c */
extern const struct hs_bus_cmd cti_cmds[];

/* db.c */
int cti_db_prepare(struct cti *cti);
int cti_db_load_phone_system(struct cti *cti);
int cti_db_save_devices(struct cti *cti);
void cti_db_save_link_info(struct cti *cti);
/* Reads the Record-A-Call extensions; on failure keeps the last set (logged once). */
int cti_db_load_rac(struct cti *cti);

#endif
