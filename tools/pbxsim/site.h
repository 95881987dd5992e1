/*
 * site.h - the simulated PBX: what a site file describes and how to look things up in it.
 *
 * A site file (README.md, "Site files") is an INI file with one section per object: [system],
 * [node N], [extension N], [trunk N], [trunkgroup N], [huntgroup N], [agent N], [ddi N],
 * [features], [dnd] and [record_a_call].  site_load() reads it, checks every value and every cross reference,
 * and returns a read-only struct site; nothing changes it afterwards, so the call engine, the
 * load generator and the OAI server may all hold pointers into it until site_free().
 *
 * Numbering.  Extensions (stations, phantoms, voice mail), hunt group pilots, trunks, trunk
 * groups and ACD agent IDs share one numbering plan: a number is used once.  The dial plan is
 * the part of it a station can dial: extension and pilot numbers, trunk-group access codes
 * and feature codes.  It must be prefix-free (no entry may begin another), as on a real PBX,
 * so site_dial() can decide what a digit string means without waiting.  Trunk, trunk-group
 * and agent numbers are not dialled.  DDI numbers are outside numbers and have their own
 * namespace.
 *
 * Errors name the file, the line, the section and the key, like libcommon/conf.c:
 *     "small.site:41: [huntgroup 2000] members: 1099 is not an extension"
 * The first error stops the load.
 *
 * All text (descriptions, names, DND messages) is printable ASCII without '|': the OAI link
 * sends it between '|' characters and has no escape for them.
 */
#ifndef PBXSIM_SITE_H
#define PBXSIM_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define SITE_NUM_MAX 9      /* internal numbers: 1..8 digits, plus NUL */
#define SITE_EXT_NUM_MAX 25 /* DDIs and outside numbers: 1..24 digits, plus NUL */
#define SITE_DIAL_MAX 49    /* a dialled string: up to 48 characters (oai.md §3.5) */
#define SITE_DESC_MAX 21    /* descriptions and route names: 20 characters */
#define SITE_USER_MAX 11    /* usernames: 10 characters */
#define SITE_DND_MAX 17     /* DND message and custom text: 16 characters (oai.md §4.4) */
#define SITE_VERSION_MAX 21 /* protocol and software versions */
#define SITE_DND_COUNT 20   /* DND messages are numbered 1..20 (oai.md §5.9 list 10) */
#define SITE_ERR_MAX 512    /* enough for any message site_load() writes */

/* Station device types, with their oai.md §5.6 Device_Type codes. */
#define SITE_EXT_TYPE_LIST(X)                                                   \
	X(KEYSET, "keyset", 0)                                                  \
	X(SINGLE_LINE, "single-line", 1)                                        \
	X(VOICEMAIL, "voicemail", 12)                                           \
	X(ACD_AGENT, "acd-agent", 23)                                           \
	X(BRI, "bri", 26)                                                       \
	X(MGCP, "mgcp", 31)                                                     \
	X(PHANTOM, "phantom", 34)                                               \
	X(SOFTPHONE, "softphone", 36)                                           \
	X(SIP, "sip", 38)

enum site_ext_type {
#define X(id, name, code) SITE_EXT_##id,
	SITE_EXT_TYPE_LIST(X)
#undef X
};

/* Trunk types, with their Device_Type codes. */
#define SITE_TRUNK_TYPE_LIST(X)                                                 \
	X(LOOP_START, "loop-start", 3)                                          \
	X(LOOP_START_CID, "loop-start-cid", 4)                                  \
	X(GROUND_START, "ground-start", 5)                                      \
	X(GROUND_START_CID, "ground-start-cid", 6)                              \
	X(DID, "did", 7)                                                        \
	X(EM, "e&m", 8)                                                         \
	X(ISDN, "isdn", 9)                                                      \
	X(MFC_R2, "mfc-r2", 28)                                                 \
	X(SIP, "sip", 33)

enum site_trunk_type {
#define X(id, name, code) SITE_TRUNK_##id,
	SITE_TRUNK_TYPE_LIST(X)
#undef X
};

/*
 * Hunt group types.  The wire knows only UCD (0), ACD without agent IDs (1) and ACD with
 * agent IDs (2), oai.md §5.7; linear, distributed and all-ring are the PBX's other hunt
 * methods and go out as 0.  How each type picks a member is in README.md ("Hunt groups").
 */
#define SITE_HG_TYPE_LIST(X)                                                    \
	X(LINEAR, "linear")                                                     \
	X(DISTRIBUTED, "distributed")                                           \
	X(ALL_RING, "all-ring")                                                 \
	X(UCD, "ucd")                                                           \
	X(ACD, "acd")

enum site_hg_type {
#define X(id, name) SITE_HG_##id,
	SITE_HG_TYPE_LIST(X)
#undef X
};

/* Manual forwarding (oai.md §5.11 has only I, B and N on the wire; the codec maps these). */
#define SITE_FWD_LIST(X)                                                        \
	X(OFF, "off")                                                           \
	X(ALL, "all")                                                           \
	X(BUSY, "busy")                                                         \
	X(NO_ANSWER, "no-answer")                                               \
	X(BUSY_NO_ANSWER, "busy-no-answer")

enum site_fwd {
#define X(id, name) SITE_FWD_##id,
	SITE_FWD_LIST(X)
#undef X
};

/* Agent states (oai.md §5.8).  OFF = logged out. */
#define SITE_AGENT_STATE_LIST(X)                                                \
	X(OFF, "off")                                                           \
	X(READY, "ready")                                                       \
	X(NOT_READY, "notready")                                                \
	X(WRAPUP, "wrapup")

enum site_agent_state {
#define X(id, name) SITE_AGENT_##id,
	SITE_AGENT_STATE_LIST(X)
#undef X
};

/*
 * Feature codes, defaults from oai.md §5.15.  X(id, key, default code, flags): key is the
 * name in the [features] section, SITE_FEAT_ARG marks features dialled with an argument
 * after the code (an extension, agent ID, account code...), SITE_FEAT_TOGGLE the toggles
 * (_QX list 8 Is_Toggleable).
 */
#define SITE_FEAT_ARG 0x1
#define SITE_FEAT_TOGGLE 0x2
#define SITE_FEATURE_LIST(X)                                                    \
	X(REVERSE_TRANSFER, "reverse_transfer", "4", SITE_FEAT_ARG)             \
	X(CONFERENCE, "conference", "5", 0)                                     \
	X(QUEUE_REQUEST, "queue_request", "6", 0)                               \
	X(TIME_DATE, "time_date", "300", 0)                                     \
	X(CHANGE_LANGUAGE, "change_language", "301", 0)                         \
	X(LCD_CONTRAST, "lcd_contrast", "303", 0)                               \
	X(ROUTING_OFF, "routing_off", "304", 0)                                 \
	X(REMINDER, "reminder", "305", SITE_FEAT_ARG)                           \
	X(REMINDER_CANCEL, "reminder_cancel", "306", 0)                         \
	X(DIRECTORY, "directory", "307", 0)                                     \
	X(ENH_SPEAKERPHONE, "enhanced_speakerphone", "310", 0)                  \
	X(GROUP_LISTEN, "group_listen", "312", SITE_FEAT_TOGGLE)                \
	X(BACKGROUND_MUSIC, "background_music", "313", SITE_FEAT_TOGGLE)        \
	X(MUTE, "mute", "314", SITE_FEAT_TOGGLE)                                \
	X(HEADSET_ENABLE, "headset_enable", "315", 0)                           \
	X(HEADSET_DISABLE, "headset_disable", "316", 0)                         \
	X(HEADSET, "headset", "317", SITE_FEAT_TOGGLE)                          \
	X(HANDSFREE, "handsfree", "319", SITE_FEAT_TOGGLE)                      \
	X(AUDIO_DIAGNOSTICS, "audio_diagnostics", "320", 0)                     \
	X(STATION_MONITOR, "station_monitor", "321", SITE_FEAT_ARG)             \
	X(HUNT_REMOVE, "hunt_remove", "322", 0)                                 \
	X(HUNT_REPLACE, "hunt_replace", "323", 0)                               \
	X(HUNT_TOGGLE, "hunt_toggle", "324", SITE_FEAT_TOGGLE)                  \
	X(PAGE, "page", "325", SITE_FEAT_TOGGLE)                                \
	X(ACD_LOGIN, "acd_login", "326", SITE_FEAT_ARG)                         \
	X(ACD_LOGOUT, "acd_logout", "327", 0)                                   \
	X(ACD_TOGGLE, "acd_toggle", "328", SITE_FEAT_ARG | SITE_FEAT_TOGGLE)    \
	X(ACD_WRAPUP_END, "acd_wrapup_end", "329", 0)                           \
	X(CO_HOOKFLASH, "co_hookflash", "330", 0)                               \
	X(REDIRECT, "redirect", "331", SITE_FEAT_ARG)                           \
	X(DOOR_RELAY, "door_relay", "332", 0)                                   \
	X(HOLD_SYSTEM, "hold_system", "335", 0)                                 \
	X(HOLD_INDIVIDUAL, "hold_individual", "336", 0)                         \
	X(DATA, "data", "340", 0)                                               \
	X(TRANSFER_RING, "transfer_ring", "345", SITE_FEAT_ARG)                 \
	X(TRANSFER_HOLD, "transfer_hold", "346", SITE_FEAT_ARG)                 \
	X(HOT_DESK, "hot_desk", "348", SITE_FEAT_ARG | SITE_FEAT_TOGGLE)        \
	X(AUTO_TRUNK_ANSWER, "auto_trunk_answer", "350", 0)                     \
	X(ANSWER, "answer", "351", 0)                                           \
	X(SYSTEM_FORWARD_ON, "system_forward_on", "352", 0)                     \
	X(SYSTEM_FORWARD_OFF, "system_forward_off", "353", 0)                   \
	X(SYSTEM_FORWARD, "system_forward", "354", SITE_FEAT_TOGGLE)            \
	X(FORWARD_ALL, "forward_all", "355", SITE_FEAT_ARG)                     \
	X(FORWARD_NO_ANSWER, "forward_no_answer", "356", SITE_FEAT_ARG)         \
	X(FORWARD_BUSY, "forward_busy", "357", SITE_FEAT_ARG)                   \
	X(FORWARD_BUSY_NO_ANSWER, "forward_busy_no_answer", "358", SITE_FEAT_ARG) \
	X(REMOTE_PROGRAMMING, "remote_programming", "359", 0)                   \
	X(AUTO_CO_ACCESS, "auto_co_access", "360", SITE_FEAT_TOGGLE)            \
	X(AUTO_IC_ACCESS, "auto_ic_access", "361", SITE_FEAT_TOGGLE)            \
	X(DEE_OFF, "dynamic_ext_express_off", "362", 0)                         \
	X(DEE_ON, "dynamic_ext_express_on", "363", 0)                           \
	X(DEE, "dynamic_ext_express", "364", SITE_FEAT_TOGGLE)                  \
	X(MESSAGE, "message", "365", SITE_FEAT_ARG)                             \
	X(MESSAGE_CANCEL, "message_cancel", "366", SITE_FEAT_ARG)               \
	X(MESSAGE_SILENT, "message_silent", "367", SITE_FEAT_ARG)               \
	X(MESSAGE_CANCEL_CURRENT, "message_cancel_current", "368", 0)           \
	X(DND_ON, "dnd_on", "370", SITE_FEAT_ARG)                               \
	X(DND_OFF, "dnd_off", "371", 0)                                         \
	X(DND, "dnd", "372", SITE_FEAT_ARG | SITE_FEAT_TOGGLE)                  \
	X(DND_OVERRIDE, "dnd_override", "373", 0)                               \
	X(AGENT_HELP, "agent_help", "375", 0)                                   \
	X(AGENT_HELP_REJECT, "agent_help_reject", "376", 0)                     \
	X(RING_INTERCOM_ALWAYS, "ring_intercom_always", "377", SITE_FEAT_TOGGLE) \
	X(OUTSIDE_NAME, "display_outside_name", "379", SITE_FEAT_TOGGLE)        \
	X(REDIAL, "redial", "380", 0)                                           \
	X(SYSTEM_SPEED_DIAL, "system_speed_dial", "381", SITE_FEAT_ARG)         \
	X(STATION_SPEED_DIAL, "station_speed_dial", "382", SITE_FEAT_ARG)       \
	X(STATION_SPEED_DIAL_PROGRAM, "station_speed_dial_program", "383", SITE_FEAT_ARG) \
	X(RECORD_A_CALL, "record_a_call", "385", 0)                             \
	X(BARGE_IN, "barge_in", "386", SITE_FEAT_ARG)                           \
	X(STEAL, "steal", "387", SITE_FEAT_ARG)                                 \
	X(DEE_HANDOFF, "dynamic_ext_express_handoff", "388", 0)                 \
	X(ACCOUNT_CODE, "account_code", "390", SITE_FEAT_ARG)                   \
	X(ACCOUNT_CODE_ALL, "account_code_all", "391", SITE_FEAT_ARG)           \
	X(PHONE_PASSWORD, "phone_password", "392", SITE_FEAT_ARG)               \
	X(BIT_RATE, "bit_rate", "393", 0)                                       \
	X(DEFAULT_PHONE, "default_phone", "394", 0)                             \
	X(FEATURE_KEY_DEFAULT, "feature_key_default", "395", 0)                 \
	X(REVIEW_KEYS, "review_keys", "396", 0)                                 \
	X(PROGRAM_KEYS, "program_keys", "397", 0)                               \
	X(RING_TONE, "ring_tone", "398", 0)                                     \
	X(SWITCH_KEYMAP, "switch_keymap", "399", 0)

enum site_feat {
#define X(id, key, code, flags) SITE_FEAT_##id,
	SITE_FEATURE_LIST(X)
#undef X
	SITE_FEAT_COUNT
};

struct site_node {
	int number;                         /* Network_Node_Number, 1.. */
	char description[SITE_DESC_MAX];
	char protocol[SITE_VERSION_MAX];    /* RS Protocol_Version, "V10.20" */
	char software[SITE_VERSION_MAX];    /* RS KSU_SW_Version, "V6.0.11.113" */
	int premium;                        /* RS Premium_Feature_Status 0..3 */
	int country;                        /* RS Country_Code 1..5 */
	bool networking;
	bool tcpip;
	int line;                           /* of the section header */
};

struct site_ext {
	char number[SITE_NUM_MAX];
	char description[SITE_DESC_MAX];
	char username[SITE_USER_MAX];
	enum site_ext_type type;
	int physical;                       /* Physical_Device_Type, reported as given */
	const struct site_node *node;
	bool admin, attendant;
	int dnd;                            /* initial DND message number, 0 = off */
	char dnd_text[SITE_DND_MAX];        /* initial custom DND text */
	enum site_fwd fwd;                  /* initial manual forward */
	char fwd_dest[SITE_DIAL_MAX];       /* its destination as dialled */
	const struct site_huntgroup **groups; /* hunt groups the station is a member of */
	size_t ngroups;
	int line;
};

struct site_trunkgroup;

struct site_trunk {
	char number[SITE_NUM_MAX];
	char description[SITE_DESC_MAX];
	char username[SITE_USER_MAX];
	enum site_trunk_type type;
	const struct site_node *node;
	const struct site_trunkgroup *group; /* NULL when in none */
	int line;
};

struct site_trunkgroup {
	char number[SITE_NUM_MAX];
	char description[SITE_DESC_MAX];
	char username[SITE_USER_MAX];
	char access[SITE_NUM_MAX];          /* outbound access code; "" = inbound only */
	const struct site_node *node;
	const struct site_trunk **members;  /* in seizure order */
	size_t nmembers;
	int line;
};

struct site_agent;

struct site_huntgroup {
	char number[SITE_NUM_MAX];          /* the pilot */
	char description[SITE_DESC_MAX];
	char username[SITE_USER_MAX];
	enum site_hg_type type;
	const struct site_node *node;
	const struct site_ext **members;    /* stations, in hunt order (not with agents) */
	size_t nmembers;
	const struct site_agent **agents;   /* ACD agent IDs (acd only) */
	size_t nagents;
	bool queue;                         /* calls camp on when no member is free */
	int ring_timeout;                   /* s at one member before the next (linear, distributed) */
	int overflow_timeout;               /* s in the group before overflow; 0 = never */
	char overflow[SITE_NUM_MAX];        /* "" = none; an extension or pilot number */
	int wrapup;                         /* s of automatic wrap-up after an ACD call */
	int line;
};

struct site_agent {
	char id[SITE_NUM_MAX];
	char description[SITE_DESC_MAX];
	const struct site_ext *login;       /* station logged on at start, NULL = logged out */
	enum site_agent_state state;        /* at start; OFF when login is NULL */
	const struct site_huntgroup **groups;
	size_t ngroups;
	int line;
};

struct site_ddi {
	char number[SITE_EXT_NUM_MAX];      /* as the trunk delivers it (Trunk_Outside_Number) */
	char name[SITE_DESC_MAX];           /* route name, sent as Trunk_Name */
	char destination[SITE_NUM_MAX];     /* extension or pilot */
	int line;
};

/* Record-A-Call codecs (the SDP offer's one payload type). */
#define SITE_RAC_CODEC_LIST(X)                                                  \
	X(PCMA, "pcma", 8)                                                      \
	X(PCMU, "pcmu", 0)

enum site_rac_codec {
#define X(id, name, pt) SITE_RAC_##id,
	SITE_RAC_CODEC_LIST(X)
#undef X
};

/*
 * [record_a_call]: the Record-A-Call application, a SIP voice mail the PBX calls to record
 * a call (sipvm.c).  Its extension is not a device of the engine (not monitored, not
 * dialled): it is only checked to be free in the numbering plan and the dial plan.
 */
struct site_rac {
	bool enabled;                       /* the section is there */
	char extension[SITE_NUM_MAX];       /* the application's number: the INVITE's user */
	char peer[64];                      /* "host:port" as given, for messages */
	char host[48];                      /* the peer's address, without brackets */
	int port;
	int family;                         /* 4 or 6 */
	char username[65];                  /* digest credentials, "" = none */
	char password[65];
	enum site_rac_codec codec;
	int line;                           /* of the section header */
};

struct site_entry;
struct site_dialent;

struct site_feature {
	enum site_feat id;
	const char *key;                    /* "dnd_on" */
	char code[SITE_NUM_MAX];            /* dialled code; "" = removed from the dial plan */
	int flags;                          /* SITE_FEAT_* */
};

struct site {
	char name[64];                      /* [system] name, else the file name */
	char path[256];                     /* file name as given to site_load */
	char oai_password[33];
	int oai_max_ports;
	int oai_port;
	bool gateway;                       /* behave as a CT Gateway (6-digit xrefs, _NA) */
	int noanswer_timeout;               /* s a station rings before forward on no answer */
	char voicemail[SITE_NUM_MAX];       /* voice-mail pilot, "" = none */

	struct site_node *nodes;
	size_t nnodes;
	struct site_ext *exts;
	size_t nexts;
	struct site_trunk *trunks;
	size_t ntrunks;
	struct site_trunkgroup *trunkgroups;
	size_t ntrunkgroups;
	struct site_huntgroup *huntgroups;
	size_t nhuntgroups;
	struct site_agent *agents;
	size_t nagents;
	struct site_ddi *ddis;
	size_t nddis;
	struct site_feature features[SITE_FEAT_COUNT];
	char dnd[SITE_DND_COUNT][SITE_DND_MAX]; /* dnd[i] is message i + 1 */
	int ndnd;
	struct site_rac rac;                /* [record_a_call]; rac.enabled false = none */

	/* Private to site*.c (site_int.h): the numbering plan and the dial plan, sorted. */
	struct site_entry *index;
	size_t nindex;
	struct site_dialent *dialplan;
	size_t ndialplan;
};

/* What a number is.  SITE_NONE: not in the numbering plan. */
enum site_kind {
	SITE_NONE,
	SITE_EXTENSION,
	SITE_HUNTGROUP,
	SITE_TRUNK,
	SITE_TRUNKGROUP,
	SITE_AGENT,
};

struct site_ref {
	enum site_kind kind;
	union {
		const struct site_ext *ext;
		const struct site_huntgroup *hg;
		const struct site_trunk *trunk;
		const struct site_trunkgroup *tg;
		const struct site_agent *agent;
	} u;
};

/* What a dialled string means (site_dial). */
enum site_dial_kind {
	SITE_DIAL_INVALID,    /* matches nothing in the dial plan, or bad characters */
	SITE_DIAL_INCOMPLETE, /* a proper beginning of a dial-plan entry: more digits needed */
	SITE_DIAL_EXTENSION,  /* a station, phantom or voice mail (ext->type says which) */
	SITE_DIAL_HUNTGROUP,  /* a hunt group pilot */
	SITE_DIAL_OUTSIDE,    /* a trunk-group access code and an outside number */
	SITE_DIAL_FEATURE,    /* a feature code, with its argument if it takes one */
};

struct site_dial {
	enum site_dial_kind kind;
	char digits[SITE_DIAL_MAX];         /* normalised: '-', ' ', '(', ')', ';' removed */
	const struct site_ext *ext;
	const struct site_huntgroup *hg;
	const struct site_trunkgroup *tg;
	const struct site_feature *feature;
	const char *outside;                /* OUTSIDE: into digits, after the access code */
	const char *arg;                    /* FEATURE: into digits, after the code ("" if none) */
	const char *why;                    /* INVALID: a short reason, for messages */
};

/* ---- site.c ----------------------------------------------------------------------------- */

/*
 * Reads and checks a site file.  On success *sitep is the site (free it with site_free).
 * On failure *sitep is NULL, err holds "file:line: [section] key: reason" and the result is
 * HS_ECONFIG (bad content), HS_ENOTFOUND (no such file), HS_EIO or HS_ENOMEM.
 */
hs_err site_load(const char *path, struct site **sitep, char *err, size_t errlen);
/* The same from memory (tests and fuzzing); name stands for the file in messages. */
hs_err site_load_mem(const char *text, size_t len, const char *name, struct site **sitep,
    char *err, size_t errlen);
void site_free(struct site *site);

/* ---- site_lookup.c ---------------------------------------------------------------------- */

/* Any number of the numbering plan (not DDIs, access codes or feature codes). */
struct site_ref site_lookup(const struct site *site, const char *number);
const struct site_ext *site_ext(const struct site *site, const char *number);
const struct site_huntgroup *site_huntgroup(const struct site *site, const char *pilot);
const struct site_trunk *site_trunk(const struct site *site, const char *number);
const struct site_trunkgroup *site_trunkgroup(const struct site *site, const char *number);
const struct site_agent *site_agent(const struct site *site, const char *id);
const struct site_ddi *site_ddi(const struct site *site, const char *number);
/* The trunk group whose access code is exactly code. */
const struct site_trunkgroup *site_trunkgroup_by_access(const struct site *site,
    const char *code);
const struct site_feature *site_feature(const struct site *site, enum site_feat id);
/* Node by Network_Node_Number. */
const struct site_node *site_node(const struct site *site, int number);
/* Where a DDI call goes: the extension or hunt group it names (exactly one is set). */
void site_ddi_route(const struct site *site, const struct site_ddi *ddi,
    const struct site_ext **ext, const struct site_huntgroup **hg);

/*
 * Classifies a dialled string as a station would dial it (an `_MC` Digit_String): ignores
 * '-', ' ', '(', ')' and ';', allows a leading '!' before a feature code, then matches the
 * prefix-free dial plan.  Fills *out (always) and returns out->kind.
 */
enum site_dial_kind site_dial(const struct site *site, const char *dialled,
    struct site_dial *out);

/* Wire codes and names. */
int site_ext_type_code(enum site_ext_type type);          /* Device_Type, §5.6 */
const char *site_ext_type_name(enum site_ext_type type);
int site_trunk_type_code(enum site_trunk_type type);
const char *site_trunk_type_name(enum site_trunk_type type);
int site_hg_oai_type(const struct site_huntgroup *hg);    /* Hunt_Group_Type, §5.7 */
const char *site_hg_type_name(enum site_hg_type type);
const char *site_fwd_name(enum site_fwd fwd);
const char *site_agent_state_name(enum site_agent_state state);
const char *site_kind_name(enum site_kind kind);
const char *site_dial_kind_name(enum site_dial_kind kind);
const char *site_rac_codec_name(enum site_rac_codec codec);
int site_rac_codec_pt(enum site_rac_codec codec);          /* RTP payload type */
/* Parses a name of the lists above; -1 when unknown. */
int site_fwd_parse(const char *name);
int site_agent_state_parse(const char *name);
/* True for stations that can go off-hook and place calls (not phantom, not voice mail). */
bool site_ext_can_call(const struct site_ext *ext);

#endif
