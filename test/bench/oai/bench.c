/*
 * bench.c - decoding throughput of the OAI codec (proto/oai) on one core.
 *
 *   bench [-n N]     N events (default 1000000; smoke runs use a few thousand)
 *
 * A realistic stream is built first with the codec's own builder: the events of inbound calls
 * (DE, ES, HE, RE, TR, XC, CC), queued calls (QU) and agents changing state (LN, RY, NRY, WNR,
 * LF), with pipe-quoted caller, trunk and agent names.  Then it is timed as cti-host would
 * read it: fed to the frame reader in 4 KiB reads, every frame decoded, and the fields a call
 * model needs read back by id (Call_ID, the device, Local_Cnx_State, Event_Cause, a name).
 *
 * Prints one figure: events decoded per second, with the target beside it.  Exits 1 only when
 * a frame fails to decode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oai/oai.h"

#define TARGET 50000.0

static long n_events = 1000000;
static char *stream;
static size_t stream_len, stream_cap;

static void
die(const char *what, const struct oai_build *b)
{
	fprintf(stderr, "bench: %s: %s\n", what, oai_build_error(b));
	exit(1);
}

static void
add(struct oai_build *b)
{
	size_t len;

	if (oai_build_finish(b, &len) != OAI_OK)
		die("build", b);
	stream_len += len;
}

static struct oai_build *
ev(struct oai_build *b, enum oai_event code, long seq, const char *xref)
{
	if (stream_cap - stream_len < 512) {
		fprintf(stderr, "bench: stream buffer too small\n");
		exit(1);
	}
	oai_build_event(b, stream + stream_len, stream_cap - stream_len, code, (unsigned)seq,
	    NULL);
	oai_build_str(b, OAI_F_XREF, xref);
	return b;
}

static const char *const names[] = { "SMITH JOHN", "DOE, JANE", "MÜLLER, KARL", "O'BRIEN PAT",
	"NGUYEN, THI", "GARCIA, ANA" };

/* One inbound call answered at ext, held, retrieved, transferred and cleared: 11 events. */
static long
call(long seq, long id, int ext)
{
	struct oai_build b;
	char cid[24], tid[24], ex[16], ex2[16], cli[24];
	const char *name = names[id % 6];

	snprintf(cid, sizeof(cid), "%ld", id);
	snprintf(tid, sizeof(tid), "%ld", id + 1);
	snprintf(ex, sizeof(ex), "%d", ext);
	snprintf(ex2, sizeof(ex2), "%d", ext + 1);
	snprintf(cli, sizeof(cli), "602555%04ld", id % 10000);

	ev(&b, OAI_EV_QU, seq++, "000900");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_QUEUED_EXT, "5000");
	oai_build_str(&b, OAI_F_CALLING_EXT, "97001");
	oai_build_str(&b, OAI_F_CALLER_NAME, name);
	oai_build_str(&b, OAI_F_CALLER_NUM, cli);
	oai_build_str(&b, OAI_F_TRUNK_NAME, "MAIN LINE");
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_CALLING_DEV_TYPE, 'E');
	oai_build_str(&b, OAI_F_ORIG_CALLED_DEV, "5000");
	oai_build_int(&b, OAI_F_NUM_QUEUED, 1 + id % 4);
	oai_build_chr(&b, OAI_F_LCS, 'Q');
	oai_build_int(&b, OAI_F_CAUSE, 23);
	add(&b);

	ev(&b, OAI_EV_DE, seq++, "000101");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_ALERTING_EXT, ex);
	oai_build_chr(&b, OAI_F_ALERTING_DEV_TYPE, 'I');
	oai_build_str(&b, OAI_F_CALLING_EXT, "97001");
	oai_build_str(&b, OAI_F_CALLER_NAME, name);
	oai_build_str(&b, OAI_F_CALLER_NUM, cli);
	oai_build_str(&b, OAI_F_TRUNK_NAME, "MAIN LINE");
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_CALLING_DEV_TYPE, 'E');
	oai_build_str(&b, OAI_F_ORIG_CALLED_DEV, "5000");
	oai_build_chr(&b, OAI_F_LCS, 'A');
	oai_build_int(&b, OAI_F_CAUSE, 22);
	oai_build_str(&b, OAI_F_ACD_GROUP, "5000");
	add(&b);

	ev(&b, OAI_EV_ES, seq++, "000101");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_ANSWERING_EXT, ex);
	oai_build_chr(&b, OAI_F_ANSWERING_DEV_TYPE, 'I');
	oai_build_str(&b, OAI_F_CALLING_EXT, "97001");
	oai_build_str(&b, OAI_F_CALLER_NUM, cli);
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_CALLING_DEV_TYPE, 'E');
	oai_build_str(&b, OAI_F_ORIG_CALLED_DEV, "5000");
	oai_build_chr(&b, OAI_F_LCS, 'C');
	oai_build_int(&b, OAI_F_CAUSE, 35);
	add(&b);

	ev(&b, OAI_EV_HE, seq++, "000101");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_HOLD_EXT, ex);
	oai_build_chr(&b, OAI_F_LCS, 'H');
	oai_build_int(&b, OAI_F_CAUSE, 42);
	add(&b);

	ev(&b, OAI_EV_RE, seq++, "000101");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_RETRIEVING_EXT, ex);
	oai_build_chr(&b, OAI_F_LCS, 'C');
	oai_build_int(&b, OAI_F_CAUSE, 35);
	oai_build_str(&b, OAI_F_RETRIEVED_EXT, "97001");
	oai_build_str(&b, OAI_F_RETRIEVED_OUTSIDE_NUM, cli);
	oai_build_str(&b, OAI_F_RETRIEVED_TRUNK_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_RETRIEVED_DEV_TYPE, 'E');
	add(&b);

	ev(&b, OAI_EV_TR, seq++, "000101");
	oai_build_str(&b, OAI_F_TRANSFERRED_CALL_ID, cid);
	oai_build_str(&b, OAI_F_TRANSFERRING_EXT, ex);
	oai_build_str(&b, OAI_F_TRANSFERRED_EXT, "97001");
	oai_build_str(&b, OAI_F_ANNOUNCEMENT_CALL_ID, tid);
	oai_build_str(&b, OAI_F_DESTINATION_EXT, ex2);
	oai_build_str(&b, OAI_F_CALLER_NAME, name);
	oai_build_str(&b, OAI_F_CALLER_NUM, cli);
	oai_build_str(&b, OAI_F_TRUNK_NAME, "MAIN LINE");
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_LCS, 'N');
	oai_build_int(&b, OAI_F_CAUSE, 32);
	add(&b);

	ev(&b, OAI_EV_XC, seq++, "000101");
	oai_build_str(&b, OAI_F_CALL_ID, tid);
	oai_build_str(&b, OAI_F_CLEARED_EXT, ex);
	oai_build_str(&b, OAI_F_TERMINATING_EXT, ex);
	oai_build_chr(&b, OAI_F_LCS, 'N');
	oai_build_int(&b, OAI_F_CAUSE, 36);
	add(&b);

	ev(&b, OAI_EV_DE, seq++, "000102");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_ALERTING_EXT, ex2);
	oai_build_chr(&b, OAI_F_ALERTING_DEV_TYPE, 'I');
	oai_build_str(&b, OAI_F_CALLING_EXT, "97001");
	oai_build_str(&b, OAI_F_CALLER_NAME, name);
	oai_build_str(&b, OAI_F_CALLER_NUM, cli);
	oai_build_str(&b, OAI_F_TRUNK_NAME, "MAIN LINE");
	oai_build_str(&b, OAI_F_TRUNK_OUTSIDE_NUM, "8005551000");
	oai_build_chr(&b, OAI_F_CALLING_DEV_TYPE, 'E');
	oai_build_str(&b, OAI_F_ORIG_CALLED_DEV, ex2);
	oai_build_str(&b, OAI_F_LAST_REDIR_EXT, ex);
	oai_build_chr(&b, OAI_F_LCS, 'A');
	oai_build_int(&b, OAI_F_CAUSE, 32);
	add(&b);

	ev(&b, OAI_EV_XC, seq++, "000102");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_CLEARED_EXT, "97001");
	oai_build_str(&b, OAI_F_TERMINATING_EXT, "97001");
	oai_build_int(&b, OAI_F_CAUSE, 36);
	add(&b);

	ev(&b, OAI_EV_XC, seq++, "000102");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_str(&b, OAI_F_CLEARED_EXT, ex2);
	oai_build_str(&b, OAI_F_TERMINATING_EXT, "97001");
	oai_build_chr(&b, OAI_F_LCS, 'N');
	oai_build_int(&b, OAI_F_CAUSE, 36);
	add(&b);

	ev(&b, OAI_EV_CC, seq++, "000200");
	oai_build_str(&b, OAI_F_CALL_ID, cid);
	oai_build_int(&b, OAI_F_CAUSE, 36);
	add(&b);
	return seq;
}

/* An agent logging on, going ready, not ready, wrapping up and logging off: 5 events. */
static long
agent(long seq, long id)
{
	static const enum oai_event codes[] = { OAI_EV_LN, OAI_EV_RY, OAI_EV_NRY, OAI_EV_WNR,
		OAI_EV_LF };
	struct oai_build b;
	char aid[24], ext[24];

	snprintf(aid, sizeof(aid), "%ld", 2000 + id % 500);
	snprintf(ext, sizeof(ext), "%ld", 1000 + id % 300);
	for (int i = 0; i < 5; i++) {
		ev(&b, codes[i], seq++, "000900");
		oai_build_str(&b, OAI_F_DEVICE_EXT, ext);
		oai_build_str(&b, OAI_F_AGENT_ID, aid);
		if (codes[i] == OAI_EV_LN || codes[i] == OAI_EV_LF) {
			oai_build_str(&b, OAI_F_AGENT_DESC, names[(id + 3) % 6]);
			oai_build_str(&b, OAI_F_HUNT_GROUP, "5000");
		}
		add(&b);
	}
	return seq;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct oai_reader r;
	long seq = 0, id = 4711, decoded = 0, checksum = 0;
	double t0, t;
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n_events = atol(optarg);
		else {
			fprintf(stderr, "usage: bench [-n events]\n");
			return 100;
		}
	if (n_events < 16)
		n_events = 16;
	/* ~130 bytes per event on the wire. */
	stream_cap = (size_t)n_events * 200 + 4096;
	if ((stream = malloc(stream_cap)) == NULL || oai_reader_init(&r, 0) != OAI_OK) {
		fprintf(stderr, "bench: out of memory\n");
		return 111;
	}
	while (seq < n_events) {
		seq = call(seq, id, 1000 + (int)(id % 300));
		seq = agent(seq, id);
		id += 2;
	}

	t0 = now();
	for (size_t off = 0; off < stream_len;) {
		size_t rd = stream_len - off < 4096 ? stream_len - off : 4096, p = 0;

		while (p < rd) {
			struct oai_frame f;
			struct oai_msg m;
			size_t used;
			int rc = oai_reader_feed(&r, stream + off + p, rd - p, &used, &f);

			p += used;
			if (rc < 0 || (rc == 1 && oai_decode(&m, f.data, f.len) != OAI_OK)) {
				fprintf(stderr, "bench: %s\n", rc < 0 ? oai_reader_error(&r) :
				    oai_msg_error(&m));
				return 1;
			}
			if (rc == 0)
				break;
			decoded++;
			/* What a call model reads from each event. */
			checksum += (long)strlen(oai_msg_str(&m, OAI_F_CALL_ID));
			checksum += oai_msg_chr(&m, OAI_F_LCS);
			checksum += (long)strlen(oai_msg_str(&m, OAI_F_CALLER_NAME));
			checksum += (long)strlen(oai_msg_str(&m, OAI_F_XREF));
			long cause = 0;
			if (oai_msg_int(&m, OAI_F_CAUSE, &cause) == OAI_OK)
				checksum += cause;
		}
		off += rd;
	}
	t = now() - t0;
	if (decoded != seq) {
		fprintf(stderr, "bench: decoded %ld of %ld events\n", decoded, seq);
		return 1;
	}
	printf("oai benchmark, %ld events (DE ES HE RE TR XC CC QU LN RY NRY WNR LF), %.1f MB, "
	    "4 KiB reads, one core\n", decoded, (double)stream_len / 1e6);
	printf("%-34s %10.0f events/s   (target %.0f, %.0fx; %.0f ns/event; check %ld)\n",
	    "oai.decode reader+decode+access", (double)decoded / t, TARGET,
	    (double)decoded / t / TARGET, t * 1e9 / (double)decoded, checksum % 1000);
	/* A figure is not a failure: smoke runs are too short to mean much (test/bench/Makefile). */
	if ((double)decoded / t < TARGET)
		printf("below the target of %.0f events/s\n", TARGET);
	oai_reader_fini(&r);
	free(stream);
	return 0;
}
