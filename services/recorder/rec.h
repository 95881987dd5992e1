/*
 * rec.h - the recorder's structs and the contracts between its modules.
 *
 * The offline engine (offline.c) reads a capture file (pcap_in.c), decodes link, IP and UDP
 * (net.c), follows SIP dialogs and their SDP (sip.c, sdp.c, dialog.c), orders each RTP
 * direction by sequence number (rtp.c, jitter.c), decodes the payload (g711.c, codec.c),
 * lays it on a wall-clock timeline and mixes both directions (mix.c), writes the audio
 * (wav.c: PCM and GSM 06.10 WAV; ogg.c: Opus in Ogg) and one JSON metadata file per call
 * (meta.c).  The parsers (net, sip, sdp, rtp, jitter, dialog) are pure: no I/O, no clock,
 * bounded on any input; test/fuzz/recorder_* fuzz them.
 *
 * Strings taken from a packet are struct rec_str views into that packet: valid only while the
 * packet is.  Whatever outlives a packet (dialog fields) is copied into fixed buffers and
 * truncated at their documented sizes.
 */
#ifndef HS_REC_H
#define HS_REC_H

#include <stddef.h>
#include <stdint.h>

/* All audio is laid out at 8 kHz (the RTP clock of G.711, G.722 and G.729). */
#define REC_RATE 8000

struct rec_str {
	const char *p;
	size_t n;
};

/* ---- net.c: link, IP, UDP and TCP ----------------------------------------------------- */

struct rec_addr {
	uint8_t family; /* 4, 6; 0 = none */
	uint8_t ip[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;
};

struct rec_udp {
	int64_t ts_us; /* capture time, µs since the epoch */
	struct rec_addr src, dst;
	const uint8_t *data;
	size_t len;
};

enum rec_net_kind {
	REC_NET_UDP,       /* a UDP datagram */
	REC_NET_TCP,       /* a TCP segment (SIP over TCP: sipstream.c) */
	REC_NET_OTHER,     /* another protocol or link type: skipped */
	REC_NET_FRAGMENT,  /* an IPv4/IPv6 fragment (reassembly: reasm.c) */
	REC_NET_MALFORMED, /* truncated or inconsistent headers */
};

/* Link types (pcap LINKTYPE_* values) net.c understands. */
enum {
	REC_LINK_NULL = 0,
	REC_LINK_ETHERNET = 1,
	REC_LINK_RAW = 101,
	REC_LINK_LOOP = 108,
	REC_LINK_SLL = 113,
	REC_LINK_IPV4 = 228,
	REC_LINK_IPV6 = 229,
	REC_LINK_SLL2 = 276,
};

/* TCP flags kept in struct rec_net (their bits in the TCP header). */
#define REC_TCP_FIN 0x01
#define REC_TCP_SYN 0x02
#define REC_TCP_RST 0x04

/* A decoded frame.  u always has the IP addresses; what else is set depends on the kind:
 *   UDP:      u's ports, u.data/u.len the UDP payload;
 *   TCP:      u's ports, u.data/u.len the segment's payload, tcp_seq, tcp_flags;
 *   FRAGMENT: u.data/u.len the fragment's bytes (after the IPv4 header or the IPv6 fragment
 *             header), frag_* (ports are 0: they are in the first fragment's bytes).
 * Views into the frame.  u.ts_us is left 0: the caller's to set. */
struct rec_net {
	struct rec_udp u;
	uint32_t tcp_seq;
	uint8_t tcp_flags;   /* REC_TCP_* */
	uint8_t frag_proto;  /* protocol of the whole datagram (IPv6: the fragment's next header) */
	uint8_t frag_more;   /* more fragments follow */
	uint32_t frag_id;    /* IPv4: 16 bits, IPv6: 32 */
	uint32_t frag_off;   /* in bytes */
};

enum rec_net_kind rec_net_decode_full(int linktype, const uint8_t *pkt, size_t len,
    struct rec_net *out);
/* The UDP view of rec_net_decode_full (out->ts_us is kept): what RTP-only callers need. */
enum rec_net_kind rec_net_decode(int linktype, const uint8_t *pkt, size_t len,
    struct rec_udp *out);
/* The transport header of a reassembled datagram (IPv6: extension headers first): out's
 * addresses are kept, the rest is set as by rec_net_decode_full.  Never FRAGMENT. */
enum rec_net_kind rec_net_transport(int family, int proto, const uint8_t *p, size_t len,
    struct rec_net *out);
int rec_addr_eq(const struct rec_addr *a, const struct rec_addr *b);
/* "192.0.2.1:5060" or "[2001:db8::1]:5060" */
void rec_addr_fmt(const struct rec_addr *a, char *buf, size_t len);

/* ---- reasm.c: IPv4 and IPv6 fragment reassembly (pure: times are capture times) ------- */

#define REC_REASM_MAX_DGRAMS 256       /* datagrams in progress; the oldest gives way */
#define REC_REASM_MAX_BYTES 65535      /* payload of one datagram */
#define REC_REASM_MAX_RANGES 64        /* disjoint pieces held of one datagram */
#define REC_REASM_TIMEOUT_US 30000000  /* since its first fragment (RFC 791's 15 s..2 min) */

struct rec_reasm_stats {
	uint64_t fragments;   /* offered */
	uint64_t reassembled; /* datagrams completed */
	uint64_t timed_out;   /* datagrams given up after the timeout, or left at the end */
	uint64_t dropped;     /* datagrams dropped: inconsistent overlap or length, too big,
	                       * too many pieces, or pushed out by REC_REASM_MAX_DGRAMS */
	uint64_t duplicates;  /* fragments whose bytes were all held already (same bytes) */
};

typedef struct rec_reasm rec_reasm;

rec_reasm *rec_reasm_new(void);
/* Frees everything; what is still pending counts as timed out. */
void rec_reasm_free(rec_reasm *r);
/* Offers fragment f (rec_net_decode_full's FRAGMENT: addresses, frag_*, u.data/u.len)
 * captured at ts_us.  Returns 1 when it completed its datagram: *data and *len give the
 * datagram's payload (transport header first), valid until the next call on r; 0 when it
 * is held; -1 when it (and its datagram) was dropped.  Expires datagrams older than the
 * timeout first. */
int rec_reasm_put(rec_reasm *r, const struct rec_net *f, int64_t ts_us,
    const uint8_t **data, size_t *len);
/* Gives up the datagrams whose first fragment came before now_us - REC_REASM_TIMEOUT_US. */
void rec_reasm_expire(rec_reasm *r, int64_t now_us);
const struct rec_reasm_stats *rec_reasm_stats(const rec_reasm *r);
/* Datagrams in progress and the bytes they hold (buffers): for tests and invariants. */
int rec_reasm_pending(const rec_reasm *r);
size_t rec_reasm_bytes(const rec_reasm *r);

/* ---- sipstream.c: SIP messages from TCP streams (pure: times are capture times) ------- */

#define REC_SS_MAX_FLOWS 1024          /* directions followed; the least recently active
                                        * gives way */
#define REC_SS_MAX_MSG 65536           /* one message (headers + body) */
#define REC_SS_MAX_OOO 32              /* segments held beyond a hole, per direction */
#define REC_SS_MAX_OOO_BYTES 65536     /* their bytes */
#define REC_SS_GAP_US 2000000          /* how long a hole is waited for */
#define REC_SS_IDLE_US 300000000       /* a direction silent this long is forgotten */
#define REC_SS_SIP_PORT 5060

struct rec_ss_stats {
	uint64_t segments;    /* offered */
	uint64_t messages;    /* SIP messages handed on */
	uint64_t flows;       /* directions opened */
	uint64_t evicted;     /* directions pushed out by REC_SS_MAX_FLOWS */
	uint64_t retransmits; /* segments (or parts) whose bytes were already had */
	uint64_t gaps;        /* holes given up: resynchronised on the next start line */
	uint64_t skipped;     /* bytes thrown away looking for a start line */
	uint64_t oversize;    /* messages over REC_SS_MAX_MSG (dropped) */
};

typedef struct rec_ss rec_ss;
/* Called with each whole SIP message: src/dst (with ports) of its direction, ts_us of the
 * segment that completed it, data/len the message (valid during the call). */
typedef void (*rec_ss_msg_fn)(void *arg, const struct rec_udp *msg);

rec_ss *rec_ss_new(rec_ss_msg_fn fn, void *arg);
void rec_ss_free(rec_ss *s);
/* Offers one TCP segment (rec_net_decode_full's TCP), captured at seg->u.ts_us.  A
 * direction is followed from a SYN to or from port REC_SS_SIP_PORT, or from a segment whose
 * payload starts with a SIP start line; FIN (once the bytes before it are in), RST and
 * REC_SS_IDLE_US end it. */
void rec_ss_segment(rec_ss *s, const struct rec_net *seg);
/* Gives up holes older than REC_SS_GAP_US and directions idle for REC_SS_IDLE_US. */
void rec_ss_expire(rec_ss *s, int64_t now_us);
const struct rec_ss_stats *rec_ss_stats(const rec_ss *s);
/* Directions followed and the bytes they hold: for tests and invariants. */
int rec_ss_flows(const rec_ss *s);
size_t rec_ss_bytes(const rec_ss *s);

/* ---- sip.c: SIP messages ------------------------------------------------------------- */

struct rec_sip_party {
	struct rec_str display; /* unquoted, may be empty */
	struct rec_str user;    /* user part of the URI, may be empty */
	struct rec_str host;
	struct rec_str tag;
};

struct rec_sip_msg {
	int is_request;
	struct rec_str method; /* request: the method; response: the CSeq method */
	int status;            /* response only */
	struct rec_str call_id;
	uint32_t cseq;
	struct rec_str cseq_method;
	struct rec_sip_party from, to;
	struct rec_str contact;
	struct rec_str content_type;
	long content_length; /* -1 when absent */
	struct rec_str body;
	int truncated;       /* Content-Length promised more than the datagram holds */
};

/* 0 on success; -1 when buf is not a SIP message or a required header (Call-ID, CSeq, From,
 * To) is missing or broken. */
int rec_sip_parse(const char *buf, size_t len, struct rec_sip_msg *m);
/* Parses a From/To/Contact value: [display] <uri>;params or uri;params. 0 or -1. */
int rec_sip_parse_party(struct rec_str v, struct rec_sip_party *p);
/* Quick test: does the datagram start like a SIP request or response line? */
int rec_sip_looks_like(const uint8_t *buf, size_t len);
int rec_str_eq(struct rec_str s, const char *lit);
/* s as a decimal number of at most 10 digits, no sign or spaces; 0, or -1 when it is not one
 * or above max. */
int rec_str_uint(struct rec_str s, unsigned long max, unsigned long *out);
int rec_str_ieq(struct rec_str s, const char *lit);

/* ---- sdp.c: SDP offers and answers --------------------------------------------------- */

#define REC_SDP_MAX_FMT 16

enum rec_sdp_dir {
	REC_SDP_SENDRECV,
	REC_SDP_SENDONLY,
	REC_SDP_RECVONLY,
	REC_SDP_INACTIVE,
};

struct rec_sdp_map {
	uint8_t pt;
	char enc[16];  /* encoding name as written: PCMA, telephone-event, ... */
	uint32_t rate;
};

struct rec_sdp {
	int has_audio;          /* an m=audio line was found (the first one is used) */
	struct rec_addr audio;  /* where this side receives audio (c= + m= port) */
	enum rec_sdp_dir dir;
	int nfmt;
	uint8_t fmt[REC_SDP_MAX_FMT];
	int nmap;
	struct rec_sdp_map map[REC_SDP_MAX_FMT];
};

/* 0 on success (has_audio may be 0), -1 when the text is not SDP (no v= line first). */
int rec_sdp_parse(const char *buf, size_t len, struct rec_sdp *s);
const char *rec_sdp_dir_name(enum rec_sdp_dir d);

/* ---- rtp.c: RTP headers and RFC 4733 telephone-events -------------------------------- */

struct rec_rtp {
	uint8_t pt;
	uint8_t marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t ncsrc;
	const uint8_t *payload;
	size_t len;
};

/* 0, or -1 when not RTP version 2 or the lengths are inconsistent. */
int rec_rtp_parse(const uint8_t *buf, size_t len, struct rec_rtp *r);

struct rec_tel_event {
	uint8_t event;    /* 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash */
	uint8_t end;
	uint8_t volume;
	uint16_t duration; /* RTP clock units */
};

int rec_rtp_tel_event(const uint8_t *payload, size_t len, struct rec_tel_event *ev);
/* '0'..'9', '*', '#', 'A'..'D', '!' (flash), '?' otherwise. */
char rec_rtp_event_char(uint8_t event);

/* ---- jitter.c: per-direction reordering by sequence number --------------------------- */

#define REC_JB_SLOTS 64

struct rec_jb_pkt {
	uint64_t eseq;  /* extended sequence number */
	int64_t cap_us; /* capture time */
	struct rec_rtp rtp; /* rtp.payload points at the buffer's own copy */
};

struct rec_jb_stats {
	uint64_t packets;      /* every packet offered */
	uint64_t duplicates;   /* same sequence number seen again (held or already played) */
	uint64_t out_of_order; /* arrived after a higher sequence number, still played */
	uint64_t late;         /* arrived after its place was given up: not played */
	uint64_t played;       /* handed to emit */
	uint64_t resets;       /* SSRC change or a jump beyond REC_JB_MAX_JUMP */
	uint64_t first_eseq, max_eseq; /* of the current SSRC run */
	uint64_t expected_before; /* expected packets of earlier SSRC runs */
	uint64_t unique_before;   /* unique packets of earlier SSRC runs */
	uint64_t unique;          /* unique packets of the current run */
};

typedef void (*rec_jb_emit_fn)(void *arg, const struct rec_jb_pkt *p);

struct rec_jb {
	int started;
	uint32_t ssrc;
	uint64_t next;        /* next extended sequence number to play */
	uint64_t max_eseq;
	int64_t depth_us;     /* how long a hole is waited for */
	int nheld;
	struct rec_jb_pkt slot[REC_JB_SLOTS];
	uint8_t *buf[REC_JB_SLOTS];
	size_t cap[REC_JB_SLOTS];
	uint8_t used[REC_JB_SLOTS];
	uint64_t played_bits[2]; /* played seqs in [next - 128, next) */
	struct rec_jb_stats st;
	rec_jb_emit_fn emit;
	void *arg;
};

void rec_jb_init(struct rec_jb *jb, int64_t depth_us, rec_jb_emit_fn emit, void *arg);
void rec_jb_fini(struct rec_jb *jb);
/* Offers one packet captured at now_us; plays what can be played. */
void rec_jb_put(struct rec_jb *jb, const struct rec_rtp *r, int64_t now_us);
/* Gives up holes older than depth (held packets captured before now_us - depth). */
void rec_jb_tick(struct rec_jb *jb, int64_t now_us);
/* Plays everything held, skipping holes (end of stream). */
void rec_jb_flush(struct rec_jb *jb);
/* Lost = expected - unique received, over all SSRC runs; never negative. */
uint64_t rec_jb_lost(const struct rec_jb *jb);

/* ---- g711.c ---------------------------------------------------------------------------- */

int16_t rec_alaw_decode(uint8_t a);
int16_t rec_ulaw_decode(uint8_t u);
uint8_t rec_alaw_encode(int16_t pcm);
uint8_t rec_ulaw_encode(int16_t pcm);

/* ---- codec.c: payload type to PCM ----------------------------------------------------- */

enum rec_codec {
	REC_CODEC_NONE,
	REC_CODEC_PCMU,
	REC_CODEC_PCMA,
	REC_CODEC_G722,
	REC_CODEC_G729,
	REC_CODEC_TEL_EVENT,
	REC_CODEC_CN,
	REC_CODEC_UNKNOWN,
};

struct rec_dec; /* decoder state of one direction (codec contexts made on first use) */

const char *rec_codec_name(enum rec_codec c);
/* The codec of payload type pt, given the rtpmaps of both sides (either may be NULL). */
enum rec_codec rec_codec_of(uint8_t pt, const struct rec_sdp *a, const struct rec_sdp *b);
struct rec_dec *rec_dec_new(void);
void rec_dec_free(struct rec_dec *d);
/* Decodes one payload to 8 kHz PCM into out (room for max samples); returns the samples
 * written, 0 for an unusable payload (it then counts as silence). */
size_t rec_dec_decode(struct rec_dec *d, enum rec_codec c, const uint8_t *p, size_t n,
    int16_t *out, size_t max);

/* ---- mix.c: the two directions on one timeline ---------------------------------------- */

#define REC_MIX_RING 65536 /* samples per direction kept before they are written (8.2 s) */

struct rec_out;

struct rec_mix {
	int channels;           /* 1: mixed (saturating); 2: caller left, callee right */
	uint64_t flushed;       /* samples written to out */
	uint64_t hi;            /* highest sample position written + 1 */
	int16_t *ring[2];
	int16_t *tmp;
	struct rec_out *out;
	int err;
};

int rec_mix_init(struct rec_mix *m, int channels, struct rec_out *out);
void rec_mix_fini(struct rec_mix *m);
/* Writes n samples of direction dir at position pos; the part before what was already
 * written out is dropped (returns the samples dropped). */
size_t rec_mix_put(struct rec_mix *m, int dir, uint64_t pos, const int16_t *pcm, size_t n);
/* Where n samples of direction dir at pos go, for a decoder to write them in place: the
 * first skip samples are dropped (already written out), the rest fill p[0] (n[0]) then
 * p[1] (n[1], the ring's wrap).  Returns the samples dropped, as rec_mix_put. */
struct rec_mix_span {
	size_t skip;
	int16_t *p[2];
	size_t n[2];
};
size_t rec_mix_reserve(struct rec_mix *m, int dir, uint64_t pos, size_t n,
    struct rec_mix_span *sp);
/* Writes out everything before pos (silence where nothing was put). */
int rec_mix_flush_to(struct rec_mix *m, uint64_t pos);
/* The audio lasts at least until pos (silence unless written): a telephone-event's span. */
void rec_mix_extend(struct rec_mix *m, uint64_t pos);
static inline int16_t
rec_sat16(int32_t v)
{
	return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v;
}

/* ---- wav.c, ogg.c: audio writers (an ops table per format) --------------------------- */

struct rec_out_ops {
	const char *name;   /* --format value */
	const char *ext;    /* file name extension */
	int max_channels;
	int (*open)(struct rec_out *o, const char *path);
	int (*write)(struct rec_out *o, const int16_t *pcm, size_t frames);
	int (*close)(struct rec_out *o);
};

struct rec_out {
	const struct rec_out_ops *ops;
	int channels;
	uint64_t frames;   /* frames written */
	void *priv;
};

extern const struct rec_out_ops rec_out_wav, rec_out_gsm, rec_out_opus, rec_out_null;
const struct rec_out_ops *rec_out_find(const char *name);
/* Writes a 44-byte PCM WAV header (little endian) for the given frames into hdr. */
void rec_wav_pcm_header(uint8_t hdr[44], int channels, uint64_t frames);

/* ---- dialog.c: SIP dialogs and the RTP endpoints they announce ------------------------ */

#define REC_CALLID_MAX 128
#define REC_NAME_MAX 64

enum rec_dlg_state {
	REC_DLG_CALLING,    /* INVITE seen */
	REC_DLG_EARLY,      /* 1xx with a To tag */
	REC_DLG_CONFIRMED,  /* 2xx to the INVITE */
	REC_DLG_TERMINATED, /* BYE, CANCEL or a final failure */
};

enum rec_side { REC_CALLER = 0, REC_CALLEE = 1 };

struct rec_party_info {
	char user[REC_NAME_MAX];
	char display[REC_NAME_MAX];
	char host[REC_NAME_MAX];
	char tag[REC_NAME_MAX];
};

struct rec_dialog {
	char call_id[REC_CALLID_MAX];
	enum rec_dlg_state state;
	struct rec_party_info caller, callee;
	int64_t start_us, answer_us, end_us; /* 0 = not seen */
	const char *end_reason;              /* "bye", "cancel", "rejected", "eof" */
	int final_status;                    /* of the initial INVITE, 0 until one is seen */
	struct rec_sdp sdp[2];               /* latest offer/answer of each side */
	int has_sdp[2];
	struct rec_addr media[2];            /* endpoint each side receives RTP on */
	int media_changes;                   /* re-INVITEs (or updates) that moved media */
	uint32_t sdp_gen;                    /* bumped whenever sdp[] changes */
	void *user;                          /* the recording, owned by the engine */
	uint64_t order;                      /* creation order */
	struct rec_addr invite_src, invite_dst; /* of the INVITE that created it */
	int64_t last_us;                     /* last SIP message or RTP packet */
	char extension[REC_NAME_MAX];        /* the recorded device (mirror capture) */
	int synthetic;                       /* made by rec_dlg_synth (no SIP) */
};

typedef struct rec_dlg_table rec_dlg_table;

struct rec_dlg_cb {
	/* A dialog was created (an initial INVITE). */
	void (*created)(void *arg, struct rec_dialog *d);
	/* A dialog ended; it is freed when this returns. */
	void (*ended)(void *arg, struct rec_dialog *d);
	void *arg;
};

struct rec_dlg_stats {
	uint64_t sip;        /* SIP messages handled */
	uint64_t sip_bad;    /* datagrams that looked like SIP but did not parse */
	uint64_t sip_orphan; /* messages of no known dialog (not an INVITE) */
	uint64_t sdp_bad;
	uint64_t dialogs;
	uint64_t dialogs_dropped; /* over REC_DLG_MAX */
};

#define REC_DLG_MAX 100000

rec_dlg_table *rec_dlg_new(const struct rec_dlg_cb *cb);
/* Ends every open dialog (reason "eof") and frees the table. */
void rec_dlg_free(rec_dlg_table *t, int64_t now_us);
/* Handles one SIP message carried by u. */
void rec_dlg_sip(rec_dlg_table *t, const struct rec_sip_msg *m, const struct rec_udp *u);
/* The dialog whose media endpoint the datagram is sent to (or, symmetric RTP, sent from);
 * *from_side is the side that sent it.  NULL when no dialog announced it. */
struct rec_dialog *rec_dlg_media(rec_dlg_table *t, const struct rec_udp *u,
    enum rec_side *from_side);
/* Iteration over the open dialogs: pos starts at 0; NULL at the end. */
struct rec_dialog *rec_dlg_next(const rec_dlg_table *t, size_t *pos);
/* Ends (reason) every dialog that saw neither SIP nor RTP since now_us - idle_us (those
 * made by rec_dlg_synth: synth_idle_us): live capture cannot wait for the end of the file
 * to close a call whose BYE it missed, and a call without SIP ends when its RTP stops. */
void rec_dlg_expire(rec_dlg_table *t, int64_t now_us, int64_t idle_us, int64_t synth_idle_us,
    const char *reason);
/* A dialog without SIP (a MiNET phone's RTP, told apart by its address): confirmed at ts,
 * the caller receiving on a, the callee on b.  NULL when the Call-ID is taken or memory or
 * REC_DLG_MAX runs out.  The caller fills in the party names. */
struct rec_dialog *rec_dlg_synth(rec_dlg_table *t, const char *call_id,
    const struct rec_addr *a, const struct rec_addr *b, int64_t ts_us);
const struct rec_dlg_stats *rec_dlg_stats(const rec_dlg_table *t);
const char *rec_dlg_state_name(enum rec_dlg_state s);

/* ---- pcap_in.c: capture files --------------------------------------------------------- */

typedef struct rec_pcap rec_pcap;

/* Opens a pcap or pcapng file; NULL with a message in err. */
rec_pcap *rec_pcap_open(const char *path, char *err, size_t errlen);
/* Next packet: 1 (filled), 0 at the end, -1 on a read error (message in err). */
int rec_pcap_next(rec_pcap *p, int *linktype, int64_t *ts_us, const uint8_t **data,
    size_t *len, char *err, size_t errlen);
void rec_pcap_close(rec_pcap *p);

/* ---- meta.c: per-call JSON ------------------------------------------------------------ */

struct rec_call;
/* Writes the metadata of a finished call to path; 0 or -1 (errno). */
int rec_meta_write(const struct rec_call *c, const char *path);
/* "2024-05-01T12:00:00.123Z" */
void rec_iso8601(int64_t us, char *buf, size_t len);

/* ---- offline.c: the --read engine ------------------------------------------------------ */

struct rec_opts {
	const char *read;       /* capture file */
	const char *out_dir;
	const struct rec_out_ops *format;
	int channels;           /* 1 or 2 */
	int64_t jitter_us;      /* how long a hole is waited for (default 200 ms) */
	int threads;            /* calls are shared out over this many threads */
	int quiet;
	/* Compliance pause by RFC 4733 digits (Record-A-Call: recorder.dtmf_pause/_resume):
	 * the sequence that pauses / resumes the recording, "" = off. */
	char dtmf_pause[16];
	char dtmf_resume[16];
};

#define REC_MAX_THREADS 8

#define REC_MAX_EVENTS 256
#define REC_MAX_CODECS 4

struct rec_dtmf {
	int side;
	char digit;
	int64_t offset_ms;  /* in the audio file */
	int64_t duration_ms;
	uint32_t ts;        /* RTP timestamp of the event (identifies it) */
	int ended;
};

#define REC_MAX_PAUSES 64

/* A compliance pause: samples [start, end) of the file are silence. */
struct rec_pause {
	int64_t start;      /* sample */
	int64_t end;        /* sample; -1 while the pause lasts */
	const char *by;     /* "api" or "dtmf" (static strings) */
};

struct rec_dir {
	struct rec_jb jb;
	struct rec_dec *dec;
	struct rec_call *call;
	int side;
	int anchored;
	uint32_t ssrc;
	uint32_t last_ts;
	int64_t last_ets;   /* extended timestamp of the last played packet */
	int64_t anchor_pos; /* timeline position of anchor_ets */
	int64_t anchor_ets;
	uint64_t resyncs;   /* timestamp jumps re-anchored on the capture clock */
	uint64_t dropped_samples;
	uint64_t undecodable;
	struct rec_addr src, dst;
	int has_addr;
	uint32_t ssrcs[4];
	int nssrc;
	enum rec_codec codecs[REC_MAX_CODECS];
	int ncodecs;
	int cache_pt;       /* payload type -> codec of the last packet, while sdp_gen holds */
	enum rec_codec cache_codec;
	uint32_t cache_gen;
};

struct rec_call {
	struct rec_dialog *dlg;
	const struct rec_opts *opts;
	struct rec_dir dir[2];
	struct rec_mix mix;
	struct rec_out out;
	int out_open;
	int64_t t0_us;          /* capture time of sample 0 (first RTP packet); 0 = no media */
	int64_t last_us;
	char folder[512];       /* where the files go */
	char base[256];         /* file name without extension */
	char audio_name[300];
	struct rec_dtmf events[REC_MAX_EVENTS];
	int nevents;
	struct rec_pause pauses[REC_MAX_PAUSES];
	int npauses;
	int paused;             /* the last span is open */
	char digits[16];        /* the latest telephone-event digits (both directions) */
	int ev_seen[2];         /* per side: the timestamp of its latest event, for digits[] */
	uint32_t ev_ts[2];
	struct rec_dialog dlg_copy; /* the dialog as it ended (the table frees its own) */
	/* Record-A-Call only (empty offline): the PBX's SIP address, and the raw From/To. */
	char rac_source[64];
	char rac_from[256], rac_to[256];
};

/* ---- session.c: one call's recording (offline.c and rac.c) ----------------------------- */

/* Opens the recording of dl (read until the close) whose sample 0 is t0_us, its files in
 * dir.  NULL when out of memory; *write_error is 1 when the audio file could not be created
 * (the call is still followed, and its metadata written). */
struct rec_call *rec_call_open(const struct rec_opts *o, const char *dir,
    struct rec_dialog *dl, int64_t t0_us, int *write_error);
/* One RTP packet of direction side (REC_CALLER, REC_CALLEE), u giving its addresses and its
 * arrival (capture) time. */
void rec_call_rtp(struct rec_call *c, int side, const struct rec_udp *u,
    const struct rec_rtp *r);
/* Ends the call as dl says (copied): plays what is held, writes the audio and the metadata,
 * frees c.  Returns 1 when both files were written; *errors counts write failures. */
int rec_call_close(struct rec_call *c, const struct rec_dialog *dl, int *errors);
/* Compliance pause: from at_us (arrival-clock time, like the packets') until the resume the
 * recording is silence (the file keeps its length).  by is "api" or "dtmf".  Returns 0 when
 * it paused now, 1 when it already was paused (nothing changes); *at_ms (may be NULL) is the
 * span's start in the file.  Audio already placed past that point is silenced too. */
int rec_call_pause(struct rec_call *c, int64_t at_us, const char *by, int64_t *at_ms);
/* Ends the pause at at_us: 0 resumed now, 1 was not paused; *at_ms the offset (or now). */
int rec_call_resume(struct rec_call *c, int64_t at_us, int64_t *at_ms);
/* A recording's day folder: <root>/YYYY/MM/DD of us (UTC, like the file names). */
void rec_day_folder(const char *root, int64_t us, char *buf, size_t len);
/* mkdir -p (mode 0750); 0 or -1 (errno). */
int rec_mkdir_p(const char *path);

struct rec_offline_stats {
	/* Per frame: packets = udp + tcp + other + fragments + malformed. */
	uint64_t packets, udp, tcp, other, fragments, malformed;
	/* Datagrams rebuilt from fragments (then handled as UDP or TCP), fragmented datagrams
	 * given up (timed out or left at the end, or dropped: rec_reasm_stats), SIP messages
	 * taken from TCP streams, TCP holes resynchronised. */
	uint64_t reassembled, frag_incomplete, tcp_sip, tcp_gaps;
	uint64_t sip, sip_bad, rtp, rtp_bad, rtcp, unmatched, calls, calls_written, calls_no_media;
	uint64_t write_errors;
};

int rec_offline_run(const struct rec_opts *o, struct rec_offline_stats *st);

/* ---- engine.c: captured packets to recordings (offline.c, mirror.c) -------------------- */

enum {
	REC_ADMIT_SKIP,     /* not recorded, nothing said */
	REC_ADMIT_RECORD,
	REC_ADMIT_REPORT,   /* not recorded, cb.done is told at its end (refused = 1) */
};

/* What cb.done learns about a dialog that ended. */
struct rec_engine_done {
	int recorded;       /* a recording was opened (then closed by the engine) */
	int refused;        /* admit said REC_ADMIT_REPORT */
	int open_failed;    /* admitted, but the recording could not be opened */
	int written;        /* audio and metadata written */
	int errors;
	uint64_t packets;   /* RTP packets of both directions */
	int64_t t0_us;      /* sample 0 */
	char file[600];     /* the audio file */
};

struct rec_engine;

struct rec_engine_cb {
	/* The first RTP packet of dl arrived at ts_us: REC_ADMIT_*.  dir holds o->out_dir;
	 * admit may put the folder for this call's files there.  Asked once per dialog. */
	int (*admit)(void *arg, struct rec_dialog *dl, int64_t ts_us, char *dir, size_t len);
	/* dl ended (not called for REC_ADMIT_SKIP dialogs). */
	void (*done)(void *arg, const struct rec_dialog *dl, const struct rec_engine_done *d);
	/* A datagram that looks like RTP but no dialog announced: return 1 after making one
	 * for it (rec_dlg_synth on g->t), 0 to count it unmatched.  May be NULL. */
	int (*unmatched)(void *arg, struct rec_engine *g, const struct rec_udp *u);
	void *arg;
};

struct rec_engine {
	const struct rec_opts *o;
	struct rec_engine_cb cb;
	struct rec_offline_stats st;
	rec_dlg_table *t;
	int64_t now_us;     /* newest capture time seen */
	int part, nparts;   /* this engine records the dialogs with order % nparts == part */
	rec_reasm *ra;      /* IP fragments in progress */
	rec_ss *ss;         /* TCP directions carrying SIP */
};

int rec_engine_init(struct rec_engine *g, const struct rec_opts *o,
    const struct rec_engine_cb *cb, int part, int nparts);
/* One captured frame of link type linktype. */
void rec_engine_packet(struct rec_engine *g, int linktype, int64_t ts_us,
    const uint8_t *data, size_t len);
/* One UDP datagram (or a SIP message taken from a TCP stream). */
void rec_engine_udp(struct rec_engine *g, const struct rec_udp *u);
/* Ends the dialogs idle since now_us - idle_us, those without SIP since now_us -
 * synth_idle_us (end_reason "timeout"); also old fragments and TCP flows. */
void rec_engine_expire(struct rec_engine *g, int64_t now_us, int64_t idle_us,
    int64_t synth_idle_us);
/* Ends every open dialog ("eof") and frees the tracker. */
void rec_engine_fini(struct rec_engine *g);
/* The recording in progress of SIP Call-ID call_id, or else (call_id "") the latest one of
 * extension (the recorded device, else the caller); NULL when none.  *dlp its dialog. */
struct rec_call *rec_engine_find(struct rec_engine *g, const char *call_id,
    const char *extension, struct rec_dialog **dlp);

/* ---- rac_policy.c: who may call, RTP ports, digest nonces (pure) ----------------------- */

#define RAC_ACL_MAX 64

struct rac_acl_entry {
	uint8_t family; /* 4 or 6 */
	uint8_t ip[16];
	uint8_t bits;   /* prefix length */
};

struct rac_acl {
	int n;          /* 0: anyone may call */
	struct rac_acl_entry e[RAC_ACL_MAX];
};

/* Addresses and CIDR prefixes separated by commas or spaces ("" allows anyone); 0, or -1
 * with a message in err. */
int rac_acl_parse(struct rac_acl *acl, const char *text, char *err, size_t errlen);
/* 1 when a (an IPv4-mapped IPv6 address counts as IPv4) matches an entry, or the list is
 * empty. */
int rac_acl_allows(const struct rac_acl *acl, const struct rec_addr *a);

struct rac_ports {
	uint16_t min, max;  /* even ports in [min, max] */
	uint16_t next;      /* where the round-robin search starts */
	int inuse;
	uint8_t used[65536 / 8];
};

/* 0, or -1 when the range is empty or outside [1024, 65535]; min is rounded up to even. */
int rac_ports_init(struct rac_ports *p, int min, int max);
int rac_ports_count(const struct rac_ports *p);
/* A free even port (round robin, so a port just freed is not reused at once), or -1. */
int rac_ports_take(struct rac_ports *p);
void rac_ports_give(struct rac_ports *p, int port);

#define RAC_SECRET_LEN 16
#define RAC_NONCE_LEN 40

void rac_nonce_make(const uint8_t secret[RAC_SECRET_LEN], int64_t now_s,
    char out[RAC_NONCE_LEN + 1]);
/* 0 valid, 1 valid but older than max_age_s (stale), -1 not ours. */
int rac_nonce_check(const uint8_t secret[RAC_SECRET_LEN], const char *nonce, size_t len,
    int64_t now_s, int max_age_s);

/* ---- devices.c: which mirrored calls are recorded, for which device ------------------- */

struct rec_devset;
struct rec_devset *rec_devset_new(void);
void rec_devset_free(struct rec_devset *ds);
/* A device recorded by mirror capture; ip ("" or NULL: none) for a MiNET phone known by its
 * address.  0 or -1 (a bad address). */
int rec_devset_add_recorded(struct rec_devset *ds, const char *ext, const char *ip);
/* Done adding: sorts the addresses for rec_devset_by_ip; an address claimed by two devices
 * is attributed to neither.  Returns how many addresses were ambiguous. */
int rec_devset_ready(struct rec_devset *ds);
/* One of the PBX's own extension numbers (a party that makes a call internal). */
int rec_devset_add_known(struct rec_devset *ds, const char *number);
int rec_devset_recorded(const struct rec_devset *ds, const char *ext);
/* The recorded MiNET phone at address a (port ignored), or NULL (also before ready()). */
const char *rec_devset_by_ip(const struct rec_devset *ds, const struct rec_addr *a);

enum rec_mirror_verdict {
	REC_MIRROR_RECORD,
	REC_MIRROR_NOT_PBX,       /* neither or both ends are the PBX (trunks, other traffic) */
	REC_MIRROR_NOT_RECORDED,  /* the phone is not in Recorded Devices */
	REC_MIRROR_INTERNAL,      /* exclude_internal and the far party is a PBX extension */
};

/* Which party of dl is the phone (the end that is not in pbx), whether it is recorded;
 * its number goes to ext (also for INTERNAL). */
enum rec_mirror_verdict rec_mirror_identify(const struct rac_acl *pbx,
    const struct rec_devset *ds, const struct rec_dialog *dl, int exclude_internal,
    char *ext, size_t len);
const char *rec_mirror_verdict_name(enum rec_mirror_verdict v);

/* ---- rac.c: the Record-A-Call SIP endpoint (libre, in a thread of its own) -------------- */

struct rac_conf {
	char listen[64];
	int port;
	struct rac_acl acl;
	char user[64];
	char password[128];
	int max_ports;
	int rtp_min, rtp_max;
	int answer_delay_ms;
	int rtp_timeout_s;              /* 0: calls never end for want of RTP */
	char path[512];                 /* the recordings' root: <path>/YYYY/MM/DD/ */
	struct rec_opts opts;           /* format, channels, jitter */
};

/* What the endpoint (or mirror capture) tells the service loop about a finished call
 * (rac_done_fn). */
struct rac_report {
	char call_id[REC_CALLID_MAX];
	char source[64];                /* the SIP peer's address */
	char file[600];                 /* audio file, "" when nothing was recorded */
	const char *kind;               /* "rac" or "mirror" (the recordings row's source) */
	const char *status;             /* recorded, not_recorded_limit, not_recorded_error */
	char extension[REC_NAME_MAX];   /* the recorded device ("": the From user) */
	int64_t start_us, end_us;       /* for rows without a file */
	const char *end_reason;         /* bye, cancel, timeout, rtp_timeout, shutdown, error */
	int written;                    /* audio and metadata written */
	int errors;
	uint64_t packets;
};

struct rac_stats {
	uint64_t invites, answered, recorded, no_media, busy, forbidden, auth_challenged,
	    auth_failed, not_acceptable, options, write_errors;
	int active;
};

/* A compliance pause/resume asked of the endpoint (bus commands recording.pause/resume).
 * Filled by the caller; answered in the endpoint's thread, which then calls done (it must
 * only queue it). */
struct rac_ctl {
	int pause;                      /* 1 pause, 0 resume */
	char call_id[REC_CALLID_MAX];   /* the SIP Call-ID, or "" */
	char extension[REC_NAME_MAX];   /* or the From user of the call */
	/* answer */
	int found;                      /* 0: no such active call */
	int paused;                     /* paused after the request */
	int changed;                    /* 0: it already was in that state */
	int64_t at_ms;                  /* offset of the pause/resume in the file */
	char found_call_id[REC_CALLID_MAX];
	void (*done)(void *arg, struct rac_ctl *ctl);
	void *arg;
	void *user;                     /* the caller's (the bus request) */
};

typedef struct rac rac;
/* Called in the endpoint's thread for each finished call: must only queue it. */
typedef void (*rac_done_fn)(void *arg, const struct rac_report *r);

/* Starts the endpoint's thread and waits until it listens: NULL with a message in err. */
rac *rac_start(const struct rac_conf *cf, rac_done_fn done, void *arg, char *err,
    size_t errlen);
/* Ends the calls in progress (their recordings are written, a BYE is sent), stops and joins
 * the thread. */
void rac_stop(rac *r);
void rac_stats_get(rac *r, struct rac_stats *st);
/* Hands ctl to the endpoint's thread: 0 (ctl->done will be called there), or -1 (not
 * running: ctl is untouched and done is not called). */
int rac_control(rac *r, struct rac_ctl *ctl);

/* ---- mirror.c: live capture on mirror ports ------------------------------------------- */

struct mirror_conf {
	char ifaces[256];               /* recorder.mirror_interfaces, comma separated */
	char sip_ports[128];            /* recorder.mirror_sip_ports: "5060, 5062-5070" */
	char rtp_ports[128];            /* recorder.mirror_rtp_ports */
	char pbx[512];                  /* recorder.pbx_addresses as written */
	struct rac_acl pbx_acl;         /* ... parsed */
	int max_calls;                  /* recorded at once (licences) */
	int idle_s;                     /* a call without SIP or RTP this long has ended */
	int buffer_mb;                  /* kernel ring per interface */
	int exclude_internal;
	char path[512];                 /* the recordings' root */
	struct rec_opts opts;
};

struct mirror_stats {
	uint64_t packets;               /* frames the filter let through */
	uint64_t dropped, if_dropped;   /* the kernel's and the interfaces' (pcap_stats) */
	uint64_t recorded, refused_limit, not_recorded_device, internal, not_pbx, minet;
	uint64_t read_errors;
	int active;
	struct rec_offline_stats engine;
};

typedef struct mirror mirror;
/* The BPF program text for cf; 0, or -1 with err. */
int mirror_filter(const struct mirror_conf *cf, char *out, size_t len, char *err,
    size_t errlen);
/* Opens the interfaces and starts the capture thread; NULL with err.  done is called in
 * that thread for each finished call (it must only queue it). */
mirror *mirror_start(const struct mirror_conf *cf, rac_done_fn done, void *arg, char *err,
    size_t errlen);
/* Writes the calls in progress (end_reason "shutdown"), stops and joins the thread. */
void mirror_stop(mirror *m);
void mirror_stats_get(mirror *m, struct mirror_stats *st);
/* Hands a new Recorded Devices snapshot to the thread (taken at its next turn; owned). */
void mirror_set_devices(mirror *m, struct rec_devset *ds);
/* A compliance pause/resume for a captured call (by Call-ID, or the recorded extension):
 * answered in the capture thread through ctl->done, like rac_control.  0, or -1 (ctl
 * untouched, done not called). */
int mirror_control(mirror *m, struct rac_ctl *ctl);

/* ---- live.c: the service (recorder.* settings, the endpoint, health) -------------------- */

struct hs_svc;
struct cJSON;
int rec_live_init(struct hs_svc *svc);
void rec_live_fini(struct hs_svc *svc);
void rec_live_health(struct hs_svc *svc, struct cJSON *body);
/* live.c also defines rec_live_cmds[] (recording.pause, recording.resume): a struct
 * hs_bus_cmd table main.c's service descriptor serves (declared there, where bus.h is). */

#endif
