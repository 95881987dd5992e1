/*
 * store.h - recordings at rest: the per-server key, AES-256-GCM file encryption and the
 * HMAC-SHA256 signature stored in the database (manual: "Encrypt recordings",
 * "Authentication").
 *
 * store.c is pure file and crypto code (OpenSSL libcrypto, no database, no loop), so the
 * recorder service and hookswitchctl (the Makefile links it into both) share
 * one implementation, and store_test.c drives it directly.
 *
 * Stored file (".hsrec"):
 *
 *   offset 0   "HSREC1"            magic (6 bytes)
 *          6   key id              8 ASCII hex digits: sha256(key)[0..4]
 *         14   nonce               12 random bytes (96-bit GCM IV)
 *         26   ciphertext          as long as the clear file
 *     end-16   tag                 GCM tag (16 bytes)
 *
 * The 26 header bytes are GCM additional data, so a changed key id or nonce fails the tag
 * as surely as a changed ciphertext byte.  Files are read and written in REC_STORE_CHUNK
 * pieces: memory does not grow with the recording.
 *
 * Signature: HMAC-SHA256 over every byte of the stored file, keyed with
 * HKDF-SHA256(key, salt "", info "hookswitch recording signature v1").  It is kept in the
 * recordings row (not beside the file), so a file replaced by someone who can write the
 * storage but not the database is caught before anything is decrypted.
 */
#ifndef HS_REC_STORE_H
#define HS_REC_STORE_H

#include <stddef.h>
#include <stdint.h>

#define REC_KEY_LEN 32
#define REC_KEY_ID_LEN 8            /* hex digits */
#define REC_STORE_MAGIC "HSREC1"
#define REC_STORE_MAGIC_LEN 6
#define REC_STORE_NONCE_LEN 12
#define REC_STORE_TAG_LEN 16
#define REC_STORE_HDR_LEN (REC_STORE_MAGIC_LEN + REC_KEY_ID_LEN + REC_STORE_NONCE_LEN)
#define REC_STORE_CHUNK 65536
#define REC_SHA256_LEN 32
#define REC_SIG_LEN 32
#define REC_STORE_EXT ".hsrec"

struct rec_key {
	uint8_t key[REC_KEY_LEN];
	uint8_t sign_key[REC_SIG_LEN];          /* HKDF of key: signs, never encrypts */
	char id[REC_KEY_ID_LEN + 1];            /* hex */
};

/* ---- keystore.c --------------------------------------------------------------------- */

/*
 * Loads the key file (exactly REC_KEY_LEN raw bytes).  When it does not exist and create
 * is set, makes it: its folder 0700, the file 0600 with RAND_bytes, written to a temporary
 * name and linked into place (two starts racing both end with the same key).  A key file
 * that others may read is refused.  Returns 0, or -1 with the reason in err.
 */
int rec_key_load(const char *path, int create, struct rec_key *k, char *err, size_t errlen);
/* Fills id and sign_key from key (used by rec_key_load and the tests). */
int rec_key_derive(struct rec_key *k);
/* Wipes the key material. */
void rec_key_clear(struct rec_key *k);

/* ---- store.c ------------------------------------------------------------------------ */

/* What rec_store_seal tells about the file it wrote. */
struct rec_sealed {
	uint64_t size;                  /* bytes of the stored file */
	uint8_t sha256[REC_SHA256_LEN]; /* of the stored file */
	uint8_t sig[REC_SIG_LEN];       /* HMAC-SHA256 (signing key) of the stored file */
};

/*
 * Stores clear file src as dst: encrypted (encrypt != 0) or copied, through "<dst>.tmp",
 * fsync and rename, then removes src.  Fills *out.  Returns 0, or -1 with the reason in
 * err (src is then left as it was and nothing is at dst).
 */
int rec_store_seal(const struct rec_key *k, const char *src, const char *dst, int encrypt,
    struct rec_sealed *out, char *err, size_t errlen);

/* Hashes and signs path as stored (rec_store_seal's numbers for an existing file). */
int rec_store_sign_file(const struct rec_key *k, const char *path, struct rec_sealed *out,
    char *err, size_t errlen);

enum rec_verify {
	REC_VERIFY_OK = 0,
	REC_VERIFY_IO = -1,        /* cannot read (err says why) */
	REC_VERIFY_MODIFIED = -2,  /* signature or tag mismatch: the file was modified */
	REC_VERIFY_WRONG_KEY = -3, /* the file names another key id */
	REC_VERIFY_FORMAT = -4,    /* not an HSREC1 file (short, bad magic) */
};

/* Checks path against the stored signature (constant time).  REC_VERIFY_OK or an error. */
enum rec_verify rec_store_verify(const struct rec_key *k, const char *path,
    const uint8_t sig[REC_SIG_LEN], char *err, size_t errlen);

/*
 * Writes the clear audio of stored file src to dst.  encrypted: decrypts and checks the
 * GCM tag; otherwise copies.  dst appears only when everything checked out ("<dst>.tmp"
 * and rename; the temporary file is removed on any failure).  sig may be NULL (no
 * signature check), else it is checked first and nothing is written on a mismatch.
 */
enum rec_verify rec_store_open_to(const struct rec_key *k, const char *src, int encrypted,
    const uint8_t *sig, const char *dst, char *err, size_t errlen);

/* Lower-case hex of n bytes into out (2n + 1). */
void rec_hex(const uint8_t *b, size_t n, char *out);
/* Parses 2n hex digits into b; 0 or -1. */
int rec_unhex(const char *s, uint8_t *b, size_t n);
const char *rec_verify_str(enum rec_verify v);

/* ---- store_db.c: the recordings table (recorder and hookswitchctl) ---------------------- */

typedef struct hs_db hs_db;

/* Links recording id (NULL: every unlinked one of the last 7 days) to the logger's
 * segment it overlaps most; *linked counts the rows linked.  0, or -1 (hs_db_error). */
int rec_db_link(hs_db *db, const char *id, int *linked);
/* Retention: removes the files (and .json/.dat sidecars) of this server's recordings that
 * started more than days ago, marks each row deleted_at/deleted_reason and writes a
 * 'deleted' recording_events row per file.  A file that cannot be removed keeps its row
 * (counted in *failed, tried again next run).  0, or -1 with the database's error. */
int rec_db_purge(hs_db *db, const char *root, int server_id, int days, const char *actor,
    const char *reason, int *deleted, int *failed, char *err, size_t errlen);
/* Where recordings and the key live, as the recorder and hookswitchctl both read them from
 * the configuration: recorder.path (default <paths.state>/recordings) and recorder.key_file
 * (default <paths.state>/keys/recording.key). */
typedef struct hs_conf hs_conf;
void rec_store_root(const hs_conf *conf, char *buf, size_t len);
void rec_store_key_file(const hs_conf *conf, char *buf, size_t len);
/* The sidecars' base of a stored path: "d/x.wav.hsrec" -> "d/x". */
void rec_side_base(const char *path, char *out, size_t len);
/*
 * Archive copies (migration 0006): a row's archive_paths are destination roots, each
 * holding the file at <dir>/<path>.  rec_archive_dirs reads them from the JSON array the
 * queries give (array_to_json(archive_paths)); returns how many (at most max), -1 when the
 * text is not an array of strings.
 */
#define REC_ARCHIVE_MAX 5
#define REC_ARCHIVE_PATH_LEN 512
int rec_archive_dirs(const char *json, char dirs[][REC_ARCHIVE_PATH_LEN], int max);
/*
 * Where a stored recording is now: <root>/<rel> when that exists, else the first
 * <dirs[i]>/<rel> that does.  Writes the path to out; returns 0 (local), i + 1 (archive
 * copy i), or -1 (nowhere: out is then the local path, for the error message).
 */
int rec_locate(const char *root, const char *rel, char dirs[][REC_ARCHIVE_PATH_LEN], int n,
    char *out, size_t len);

/* ---- recdb.c: the service side (seal after the call, queue, insert, link, retention) ---- */

struct hs_svc;
struct rac_report;
struct rec_shelf;
struct cJSON;

struct rec_shelf_conf {
	char root[512];        /* recording root (recorder.path) */
	char key_file[512];
	char pending_dir[512]; /* rows waiting for the database */
	int encrypt;
	int dat_sidecar;
	int retention_days;    /* 0: keep for ever */
	int link_interval_s;
	int exclude_internal;  /* recorder.exclude_internal, for the lists (rules.c) */
	/* archiving (archive.c): recorder.archive_paths, none = off */
	char archive_paths[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN];
	int narchive;
	int archive_delay_h;   /* recorder.archive_delay_hours: 0 = every completed recording */
	int archive_interval_s;
};

struct rec_shelf *rec_shelf_new(struct hs_svc *svc, const struct rec_shelf_conf *cf);
/* A finished Record-A-Call recording (on the loop): seal, queue the row, store it. */
void rec_shelf_written(struct rec_shelf *sh, const struct rac_report *r);
/* A call that was not recorded (r->status: not_recorded_limit, not_recorded_error): a row
 * without a file. */
void rec_shelf_refused(struct rec_shelf *sh, const struct rac_report *r);
void rec_shelf_health(struct rec_shelf *sh, struct cJSON *o);
void rec_shelf_free(struct rec_shelf *sh);

/* ---- archive.c: moving recordings to the archive destinations ------------------------- */

/*
 * Parses recorder.archive_paths: up to REC_ARCHIVE_MAX absolute folders, comma separated,
 * blanks around each trimmed, a trailing '/' dropped; empty text is no destination
 * (archiving off).  Refused: more than REC_ARCHIVE_MAX, a relative path, one named twice,
 * one too long.  Returns the count, or -1 with the reason in err.
 */
int rec_archive_parse(const char *list, char dirs[][REC_ARCHIVE_PATH_LEN], char *err,
    size_t errlen);
/* Checks that dir is a folder we can write to (it is not created: a missing network share
 * must not be replaced by a local folder): a probe file is written, fsynced and removed.
 * 0, or -1 with the reason in err. */
int rec_archive_check_dest(const char *dir, char *err, size_t errlen);
/*
 * Copies file src to dst through "<dst>.tmp", fsync, rename and a fsync of dst's folder
 * (whose missing parents are made, 0750), then reads dst back and hashes it into sha
 * (SHA-256 of the bytes as they are on disk now, not of what was written).  0, or -1 with
 * the reason in err (dst.tmp removed).
 */
int rec_archive_copy(const char *src, const char *dst, uint8_t sha[REC_SHA256_LEN],
    char *err, size_t errlen);

struct rec_archive;
struct uv_loop_s;
/* Starts the sweep timer (NULL when cf has no destination).  db is the shelf's
 * connection: the archive never closes it, and is freed before it. */
struct rec_archive *rec_archive_new(struct uv_loop_s *uv, hs_db *db, int server_id,
    const struct rec_shelf_conf *cf);
void rec_archive_health(struct rec_archive *a, struct cJSON *o);
/* Stops: a batch in progress is abandoned at its next file (its rows stay unarchived, the
 * local files stay, the copies made are removed); the memory goes when the loop has
 * finished with it. */
void rec_archive_free(struct rec_archive *a);

/* ---- rules.c: Exclusion / Inclusion lists, Exclude internal calls ----------------------- */

enum {
	REC_MATCH_ACCOUNT_CODE, REC_MATCH_AGENT, REC_MATCH_DDI, REC_MATCH_OUTSIDE_NUMBER,
	REC_MATCH_ENDPOINT, REC_MATCH_HUNT_GROUP, REC_MATCH_N,
};
#define REC_FACT_SEP '\x1f'

struct rec_rule {
	int inclusion;          /* 1 inclusion list, 0 exclusion list */
	int type;               /* REC_MATCH_* */
	char value[65];         /* matches a field that contains it */
};

/* What a segment says, per match type: values separated by REC_FACT_SEP ("" none). */
struct rec_facts {
	int internal;           /* no trunk took part */
	const char *v[REC_MATCH_N];
};

/* "account_code" ... "hunt_group" -> REC_MATCH_*, -1 unknown. */
int rec_match_parse(const char *name);
const char *rec_match_name(int type);
/* 1 keep, 0 discard (the manual's precedence); why says which rule decided. */
int rec_rules_decide(const struct rec_rule *rules, int n, int exclude_internal,
    const struct rec_facts *f, char *why, size_t len);
/* Applies the lists to this server's linked recordings not checked yet: a discarded one
 * loses its files (local and archived) and its row says status 'discarded', why, and a
 * 'deleted' event.  0, or -1 with the database's error in err. */
int rec_db_apply_rules(hs_db *db, const char *root, int server_id, int exclude_internal,
    int *kept, int *discarded, char *err, size_t errlen);

#endif
