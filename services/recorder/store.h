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
};

struct rec_shelf *rec_shelf_new(struct hs_svc *svc, const struct rec_shelf_conf *cf);
/* A finished Record-A-Call recording (on the loop): seal, queue the row, store it. */
void rec_shelf_written(struct rec_shelf *sh, const struct rac_report *r);
void rec_shelf_health(struct rec_shelf *sh, struct cJSON *o);
void rec_shelf_free(struct rec_shelf *sh);

#endif
