/*
 * oai.h - codec of the System OAI link to a MiVoice Office 250 / CT Gateway (oai.md).
 *
 * Pure C: no I/O, no event loop, no allocation per message.  Used by hookswitch-cti-host (the
 * client: encodes commands, decodes events and confirmations) and by hookswitch-pbxsim (the
 * PBX: decodes commands, encodes events and confirmations).  The vocabulary (codes, fields,
 * schemas, enumerations) is declared once in oai_defs.h.
 *
 * Entry points, in the order a link uses them:
 *   oai_reader_init/feed/reset/fini   split the TCP byte stream into frames (4-byte LE length
 *                                     prefix, then exactly that many bytes; oai.md 1.1)
 *   oai_login_encode/decode           the binary login frame (oai.md 2.1)
 *   oai_decode                        one frame -> struct oai_msg: classified (command, CF,
 *                                     event, unknown), split on commas outside |bars|, every
 *                                     field checked against its schema type
 *   oai_msg_*, oai_iter_*             typed access by field id, lists by iterator
 *   oai_build_*                       fill fields by id, then write one canonical frame
 *
 * Invariants:
 *   - Errors are negative OAI_E* codes, 0 is success (oai_strerror).  Reader errors and
 *     OAI_EGARBAGE mean the stream cannot be trusted: reset the link (oai_err_fatal).  Other
 *     decode errors concern one message: log it, drop it, keep the link.
 *   - oai_decode works in place: it rewrites the frame's bytes (separators become NULs, bars
 *     are removed) and the message points into them.  The frame needs len + 1 writable bytes;
 *     frames from oai_reader_feed always have them.  A message is valid until its frame
 *     buffer is reused, i.e. until the next oai_reader_feed on that reader.
 *   - A decoded message never allocates; struct oai_msg can live on the stack.  The reader
 *     allocates its frame buffer once, at init, bounded by its maximum frame size.
 *   - Unknown codes are not errors: they decode as OAI_KIND_UNKNOWN with every field
 *     reachable by index (and the header fields by id).
 *   - The builder copies numbers and list items, but references the strings given for other
 *     fields until oai_build_finish (an item's strings: until the next oai_build_item).
 *
 * Adding a code or a field: see the top of oai_defs.h.
 */
#ifndef OAI_H
#define OAI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oai_defs.h"

/* ---- errors ----------------------------------------------------------------------------- */

#define OAI_ERR_LIST(X)                                                                        \
	X(OK, 0, "success")                                                                    \
	X(EINVAL, -1, "invalid argument")                                                      \
	X(ENOMEM, -2, "out of memory")                                                         \
	X(ENOSPC, -3, "output buffer too small")                                               \
	X(ETOOBIG, -4, "frame longer than the maximum")                                        \
	X(EEMPTY, -5, "empty frame")                                                           \
	X(EGARBAGE, -6, "not an OAI message")                                                  \
	X(ESHORT, -7, "too few fields")                                                        \
	X(EFIELD, -8, "malformed field")                                                       \
	X(ENOFIELD, -9, "no such field in this message")                                       \
	X(EBLANK, -10, "field is blank or absent")                                             \
	X(ELOGIN, -11, "malformed login frame")

enum oai_err {
#define OAI__X(name, value, text) OAI_##name = (value),
	OAI_ERR_LIST(OAI__X)
#undef OAI__X
};

/* "EFIELD"; "EUNKNOWN" for a value outside the list. */
const char *oai_err_name(int err);
/* "malformed field" */
const char *oai_strerror(int err);
/* True when the link must be reset: the byte stream cannot be trusted any more. */
bool oai_err_fatal(int err);

/* ---- vocabulary lookups (oai_defs.h) ---------------------------------------------------- */

const char *oai_field_name(enum oai_field f);		/* "Call_ID"; NULL if out of range */
enum oai_type oai_field_type(enum oai_field f);
const char *oai_event_wire(enum oai_event ev);		/* "DE" */
const char *oai_event_text(enum oai_event ev);		/* "Delivered" */
enum oai_category oai_event_category(enum oai_event ev);
enum oai_event oai_event_lookup(const char *wire);	/* OAI_EV_NONE when unknown */
const char *oai_cmd_wire(enum oai_cmd cmd);		/* "_MC" */
const char *oai_cmd_text(enum oai_cmd cmd);		/* "Make Call" */
enum oai_cmd oai_cmd_lookup(const char *wire);		/* OAI_CMD_NONE when unknown */
/* Identifier and meaning of a value: (OAI_ENUM_CAUSE, 36) -> "NORMAL_CLEAR", "Normal Clear". */
const char *oai_enum_name(enum oai_enum e, int value);	/* NULL when unknown */
const char *oai_enum_text(enum oai_enum e, int value);	/* NULL when unknown */
/* Name and type of a _QX entity field: (OAI_QXL_STATION, 8) -> "Device_Type". */
const char *oai_qx_field_name(int list, unsigned bit);	/* NULL when unknown */
enum oai_type oai_qx_field_type(int list, unsigned bit);	/* OAI_T_FREE when unknown */

/* ---- framing (oai.md 1.1, 2.1) ---------------------------------------------------------- */

#define OAI_PREFIX_LEN	      4
#define OAI_FRAME_MAX_DEFAULT 65536u
#define OAI_LOGIN_OAI	      0x87 /* System OAI login */
#define OAI_LOGIN_SMDR	      0x84 /* SMDR access */

/* Terminator after the text: commands end in CR, PBX messages in CR LF (oai.md 1.2). */
enum oai_term { OAI_TERM_NONE, OAI_TERM_CR, OAI_TERM_CRLF };

struct oai_frame {
	char *data;	/* the bytes after the prefix; data[len] is a NUL */
	size_t len;	/* the prefix's value */
};

/* Incremental frame reader.  Fields are private. */
struct oai_reader {
	char *r_buf;		/* max + 1 bytes, allocated at init */
	size_t r_max;		/* largest accepted length prefix */
	size_t r_need;		/* length of the frame being read */
	size_t r_have;		/* bytes of it read so far */
	unsigned char r_pre[OAI_PREFIX_LEN];
	unsigned r_npre;	/* prefix bytes read so far */
	int r_err;		/* sticky error, cleared by reset */
	char r_errmsg[128];
};

/* max_frame 0 means OAI_FRAME_MAX_DEFAULT.  OAI_ENOMEM, OAI_EINVAL. */
int oai_reader_init(struct oai_reader *r, size_t max_frame);
void oai_reader_fini(struct oai_reader *r);
/* Forgets any partial frame and a sticky error: call on every new TCP session. */
void oai_reader_reset(struct oai_reader *r);
/*
 * Consumes bytes from data until a frame is complete.  Returns 1 with *frame set (valid until
 * the next feed or reset), 0 when all of data was consumed without completing one, or a fatal
 * error (OAI_ETOOBIG, OAI_EEMPTY) that stays until oai_reader_reset.  *used is always the
 * number of bytes consumed; call again with the rest.
 */
int oai_reader_feed(struct oai_reader *r, const void *data, size_t len, size_t *used,
    struct oai_frame *frame);
/* The last error as a sentence: "length prefix 741421104 (30 30 31 2c) over the maximum ...". */
const char *oai_reader_error(const struct oai_reader *r);

/* Writes prefix + text + terminator into out; *outlen is the frame length.  OAI_ENOSPC. */
int oai_frame_write(void *out, size_t cap, const void *text, size_t len, enum oai_term term,
    size_t *outlen);

struct oai_login {
	unsigned type;		/* OAI_LOGIN_OAI or OAI_LOGIN_SMDR */
	const char *password;	/* inside the frame, NUL-terminated */
	const char *app;	/* the application name, likewise */
};

/* Writes the whole login frame, prefix included.  OAI_EINVAL (type), OAI_ENOSPC. */
int oai_login_encode(void *out, size_t cap, unsigned type, const char *password,
    const char *app, size_t *outlen);
/* Reads a login frame's payload (after the prefix).  OAI_ELOGIN names what is wrong. */
int oai_login_decode(struct oai_login *login, const char *frame, size_t len, char *err,
    size_t errlen);

/* ---- decoding --------------------------------------------------------------------------- */

enum oai_kind {
	OAI_KIND_NONE,		/* nothing decoded yet, or garbage */
	OAI_KIND_COMMAND,	/* _XX,<InvokeID>,...  (or legacy RR/RT)  client -> PBX */
	OAI_KIND_CONFIRM,	/* <seq>,CF,_XX,<InvokeID>,<Outcome>,... PBX -> client */
	OAI_KIND_EVENT,		/* <seq>,<EV>,<Resync_Code>,...          PBX -> client */
	OAI_KIND_UNKNOWN	/* well-formed, but its code is not in oai_defs.h */
};

#define OAI_MSG_INDEX 48 /* fields indexed directly; later ones are reached by walking */
#define OAI_MSG_SLOTS 32 /* longest schema, markers included */
#define OAI_ITER_MAX  24 /* widest list item (a _QX entity: key + 23 mask bits) */

/* A decoded message.  Fields are private: read them through oai_msg_* and oai_iter_*. */
struct oai_msg {
	char *m_field[OAI_MSG_INDEX];	/* first fields, in the frame */
	char *m_slot[OAI_MSG_SLOTS];	/* schema element k -> its field; NULL when absent */
	const uint16_t *m_sch;		/* schema (oai_defs.h) */
	char *m_grp;			/* first field of the group's items, of the rest */
	char *m_rest;
	unsigned m_nfields;
	unsigned m_nsch;
	unsigned m_ngrp;		/* group items */
	unsigned m_gwidth;		/* fields per group item */
	unsigned m_gpos;		/* schema position of the group marker, 0 = none */
	unsigned m_nrest;		/* rest items */
	unsigned m_rpos;		/* schema position of the rest marker, 0 = none */
	uint64_t m_quoted;		/* bit i: field i (i < 64) had |bars| */
	uint32_t m_qxmask;		/* _QX: Entity_Field_Mask */
	int m_qxlist;			/* _QX: List_Type */
	unsigned char m_kind;		/* enum oai_kind */
	unsigned char m_shape;		/* the kind its header has (an UNKNOWN's too) */
	int m_code;			/* enum oai_event or enum oai_cmd */
	char m_err[192];
};

/*
 * Decodes one frame (the bytes after the prefix) in place; buf needs len + 1 bytes.  Trailing
 * CR, LF and NUL are ignored.  Returns 0 or:
 *   OAI_EEMPTY, OAI_EGARBAGE  not a message at all (fatal: reset the link)
 *   OAI_ESHORT, OAI_EFIELD    a known code with too few fields or a bad value; kind and code
 *                             are still set, so a PBX can answer the command with an outcome
 * oai_msg_error() names the code, the field index and name, and the offending value.
 */
int oai_decode(struct oai_msg *m, char *buf, size_t len);
const char *oai_msg_error(const struct oai_msg *m);

enum oai_kind oai_msg_kind(const struct oai_msg *m);
enum oai_event oai_msg_event(const struct oai_msg *m);	/* OAI_EV_NONE unless an event */
enum oai_cmd oai_msg_cmd(const struct oai_msg *m);	/* command, or the CF's command */
const char *oai_msg_code(const struct oai_msg *m);	/* "DE", "_MS" (also for a CF) */

/*
 * Typed access by field id.  The header fields (OAI_F_SEQ, OAI_F_CODE, OAI_F_RESYNC,
 * OAI_F_INVOKE_ID, OAI_F_OUTCOME) resolve for every message whose shape has them.
 *   oai_msg_str   the text, bars removed; "" when blank, absent or not in this message
 *   oai_msg_has   the message has the field and it is not blank
 *   oai_msg_int   0, OAI_ENOFIELD, OAI_EBLANK, or OAI_EFIELD (not a number); hex fields
 *                 parse as hex
 *   oai_msg_chr   first character, 0 when blank or absent (enum oai_lcs, enum oai_party)
 */
const char *oai_msg_str(const struct oai_msg *m, enum oai_field f);
bool oai_msg_has(const struct oai_msg *m, enum oai_field f);
int oai_msg_int(const struct oai_msg *m, enum oai_field f, long *v);
int oai_msg_chr(const struct oai_msg *m, enum oai_field f);
/* Field by index (oai.md numbering), for any kind; NULL past the end. */
unsigned oai_msg_nfields(const struct oai_msg *m);
const char *oai_msg_field(const struct oai_msg *m, unsigned i);
/* The mask of filter item "A:hhhh" (cls 'A', 'C', 'F' or 'S').  OAI_ENOFIELD, OAI_EBLANK. */
int oai_msg_filter(const struct oai_msg *m, char cls, unsigned *mask);

/* Iterator over a list: a group (CO parties, _MS monitors, _QX entities...) or the rest. */
struct oai_iter {
	const struct oai_msg *it_m;
	const uint16_t *it_ids;		/* item field ids in the schema */
	char *it_next;			/* first field of the next item */
	unsigned it_i, it_n, it_w;
	bool it_qx;
	char *it_f[OAI_ITER_MAX];	/* the current item's fields */
};

/*
 * Starts iterating the list that holds field f (any field of a group item, the rest's field,
 * or OAI_F_ENTITY_KEY for _QX).  OAI_ENOFIELD when the message has no such list.
 */
int oai_msg_iter(const struct oai_msg *m, enum oai_field f, struct oai_iter *it);
/* Number of items. */
unsigned oai_iter_len(const struct oai_iter *it);
/* Moves to the next item; false after the last. */
bool oai_iter_next(struct oai_iter *it);
const char *oai_iter_str(const struct oai_iter *it, enum oai_field f);
int oai_iter_int(const struct oai_iter *it, enum oai_field f, long *v);
/* _QX entity field for mask bit `bit`; NULL when the mask does not have it. */
const char *oai_iter_qx(const struct oai_iter *it, unsigned bit);

/* ---- encoding --------------------------------------------------------------------------- */

/*
 * Builder of one frame.  Start it with one of the oai_build_<kind> calls, set fields by id in
 * any order, add list items, then oai_build_finish.  Setter errors are sticky and reported by
 * oai_build_finish, so call sites need not check each one.
 *
 * What is written (oai.md 3.1, 4.1):
 *   - events: seq as 3 digits (seq % 1000), every schema field, blank when unset;
 *   - commands and CFs: the fields before OAI_S_OPT always, later ones up to the last set;
 *   - TEXT fields in |bars| when set (set to "" gives "||"); oai_build_raw writes as given;
 *   - a group's count field is the number of items unless set explicitly (e.g. "0002"), in
 *     which case it must agree; a _QX entity needs Entity_Field_Mask set first.
 */
struct oai_build {
	char *b_buf;			/* the caller's buffer: prefix, text, terminator */
	size_t b_cap;
	size_t b_items;			/* bytes of list items, written at b_buf + 4 */
	const uint16_t *b_sch;		/* schema (oai_defs.h) */
	unsigned b_nsch;
	unsigned char b_kind;		/* enum oai_kind */
	int b_code;
	char b_seq[12];			/* events and CFs */
	const char *b_hstr;		/* Resync_Code (event) or InvokeID (CF) */
	char b_num1[24];		/* InvokeID (command) or Outcome (CF) */
	const char *b_val[OAI_MSG_SLOTS];
	unsigned char b_set[OAI_MSG_SLOTS];	/* 0 unset, else how to write it */
	char b_num[OAI_MSG_SLOTS][24];
	unsigned b_gpos, b_rpos;	/* schema positions of the group and rest markers */
	unsigned b_ngrp, b_nrest;
	uint32_t b_qxmask;
	int b_qxlist;
	bool b_open;			/* an item is being filled */
	const char *b_ival[OAI_ITER_MAX];
	unsigned char b_iset[OAI_ITER_MAX];
	char b_inum[OAI_ITER_MAX][24];
	int b_err;
	char b_errmsg[160];
};

/* resync NULL or "" for a live event. */
void oai_build_event(struct oai_build *b, char *buf, size_t cap, enum oai_event ev,
    unsigned seq, const char *resync);
/* invoke is echoed as given (the command's InvokeID text). */
void oai_build_confirm(struct oai_build *b, char *buf, size_t cap, enum oai_cmd cmd,
    unsigned seq, const char *invoke, int outcome);
/* invoke is ignored for the legacy RR and RT. */
void oai_build_command(struct oai_build *b, char *buf, size_t cap, enum oai_cmd cmd,
    unsigned invoke);
/* Starts a frame that re-encodes m (same kind, code, header and fields). */
void oai_build_copy(struct oai_build *b, char *buf, size_t cap, const struct oai_msg *m);

void oai_build_str(struct oai_build *b, enum oai_field f, const char *s);
void oai_build_int(struct oai_build *b, enum oai_field f, long v);
void oai_build_chr(struct oai_build *b, enum oai_field f, int c);
void oai_build_raw(struct oai_build *b, enum oai_field f, const char *s);
/* Starts the next item of the message's group (CO party, _MS monitor, _QX entity...). */
void oai_build_item(struct oai_build *b);
/* Sets the current _QX entity's field for mask bit `bit`. */
void oai_build_qx(struct oai_build *b, unsigned bit, const char *s);
/* Adds filter item "A:00FC" to the Filter_List. */
void oai_build_filter(struct oai_build *b, char cls, unsigned mask);
/* Writes the frame; *len is its length, prefix and terminator included. */
int oai_build_finish(struct oai_build *b, size_t *len);
const char *oai_build_error(const struct oai_build *b);

/* Next sequence number after seq, wrapping after 999 [A]. */
unsigned oai_seq_next(unsigned seq);

#endif
