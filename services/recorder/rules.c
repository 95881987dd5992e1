/*
 * rules.c - the Exclusion and Inclusion lists and "Exclude internal calls" (manual 9.1.5.3,
 * 9.1.5.4), applied to each recording once it is linked to the logger's segment.
 *
 * Why after the call: most of what the lists match (account codes, the agent, the hunt
 * group, the DDI) is only known once the PBX has said it, often mid-call, and the logger's
 * segment is the one place where all of it is exact.  So a recording is made first and
 * discarded when a rule says so (the manual: the lists "discard recordings"); mirror
 * capture already skips calls it can tell are internal when they start (devices.c).
 *
 * Precedence (manual: the inclusion list overrides every rule except Exclude internal):
 *
 *     exclude_internal and the segment is internal   -> discard (final)
 *     an inclusion entry matches                     -> keep
 *     an exclusion entry matches                     -> discard
 *     otherwise                                      -> keep
 *
 * An entry matches when the call's field of its type contains its value (the manual: "what
 * this information must contain").  A field may hold several values (every agent and
 * account code of the segment), separated by REC_FACT_SEP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "store.h"

static const char *const match_names[REC_MATCH_N] = {
	"account_code", "agent", "ddi", "outside_number", "endpoint", "hunt_group",
};

int
rec_match_parse(const char *name)
{
	for (int i = 0; i < REC_MATCH_N; i++)
		if (strcmp(name, match_names[i]) == 0)
			return i;
	return -1;
}

const char *
rec_match_name(int type)
{
	return type >= 0 && type < REC_MATCH_N ? match_names[type] : "?";
}

static int
contains(const char *values, const char *needle)
{
	if (values == NULL)
		return 0;
	for (const char *p = values; *p;) {
		const char *e = strchr(p, REC_FACT_SEP);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		size_t k = strlen(needle);
		for (size_t i = 0; k <= n && i + k <= n; i++)
			if (memcmp(p + i, needle, k) == 0)
				return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int
rec_rules_decide(const struct rec_rule *rules, int n, int exclude_internal,
    const struct rec_facts *f, char *why, size_t len)
{
	if (exclude_internal && f->internal) {
		snprintf(why, len, "internal call (recorder.exclude_internal)");
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (rules[i].inclusion && contains(f->v[rules[i].type], rules[i].value)) {
			snprintf(why, len, "inclusion list: %s contains \"%s\"",
			    rec_match_name(rules[i].type), rules[i].value);
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		if (!rules[i].inclusion && contains(f->v[rules[i].type], rules[i].value)) {
			snprintf(why, len, "exclusion list: %s contains \"%s\"",
			    rec_match_name(rules[i].type), rules[i].value);
			return 0;
		}
	}
	snprintf(why, len, "no rule");
	return 1;
}

/* ---- the database ----------------------------------------------------------------------- */

static const char *const rules_sql =
    "SELECT list = 'inclusion', match_type, value FROM recording_rules ORDER BY id";

/* Linked recordings of this server not checked yet, with the facts of their segment.
 * Columns 3-8 are the REC_MATCH_* fields, values joined by chr(31). */
static const char *const pending_sql =
    "SELECT r.id, r.path, coalesce(array_to_json(r.archive_paths)::text, ''),"
    " s.call_type = 'internal',"
    " concat_ws(chr(31), s.account_code, c.account_code, (SELECT string_agg(a.code, chr(31))"
    "  FROM account_code_entries a WHERE a.rec_id = s.rec_id)),"
    " concat_ws(chr(31), r.agent, s.answering_agent, (SELECT string_agg(p.agent_id, chr(31))"
    "  FROM segment_parties p WHERE p.rec_id = s.rec_id)),"
    " concat_ws(chr(31), c.ddi_digits, c.dnis),"
    " concat_ws(chr(31), s.cli, s.telephone_number, c.cli, c.telephone_number),"
    " concat_ws(chr(31), r.extension, (SELECT string_agg(p.device, chr(31))"
    "  FROM segment_parties p WHERE p.rec_id = s.rec_id AND p.device_kind = 'extension')),"
    " concat_ws(chr(31), s.hunt_group, c.hunt_group)"
    " FROM recordings r JOIN call_segments s ON s.rec_id = r.rec_id"
    " JOIN calls c ON c.call_id = s.call_id"
    " WHERE r.server_id = $1::smallint AND r.rules_checked_at IS NULL"
    " AND r.deleted_at IS NULL AND r.status = 'recorded' AND r.rec_id IS NOT NULL"
    " ORDER BY r.id LIMIT 500";

static const char *const keep_sql =
    "UPDATE recordings SET rules_checked_at = now() WHERE id = $1::bigint";

static const char *const discard_sql =
    "WITH u AS (UPDATE recordings SET status = 'discarded', discard_reason = $2,"
    " rules_checked_at = now(), deleted_at = now(), deleted_reason = 'discarded'"
    " WHERE id = $1::bigint AND deleted_at IS NULL RETURNING id, path)"
    " INSERT INTO recording_events (recording_id, action, actor, details)"
    " SELECT id, 'deleted', 'recorder', jsonb_build_object('reason', 'discarded',"
    "  'rule', $2::text, 'path', path) FROM u RETURNING recording_id";

/* Removes <dir>/<path> and its .json/.dat sidecars; 0, or -1 when the audio could not be
 * removed (a missing file is gone already). */
static int
remove_copy(const char *dir, const char *path)
{
	char f[1100], base[700];
	snprintf(f, sizeof(f), "%s/%s", dir, path);
	int rc = unlink(f) == 0 || errno == ENOENT ? 0 : -1;
	rec_side_base(path, base, sizeof(base));
	snprintf(f, sizeof(f), "%s/%s.json", dir, base);
	unlink(f);
	snprintf(f, sizeof(f), "%s/%s.dat", dir, base);
	unlink(f);
	return rc;
}

int
rec_db_apply_rules(hs_db *db, const char *root, int server_id, int exclude_internal,
    int *kept, int *discarded, char *err, size_t errlen)
{
	PGresult *res = NULL, *rr = NULL;
	struct rec_rule *rules = NULL;
	int nrules = 0;
	*kept = *discarded = 0;
	if (hs_db_prepare(db, "rec_rules", rules_sql) != HS_OK ||
	    hs_db_prepare(db, "rec_rules_pending", pending_sql) != HS_OK ||
	    hs_db_prepare(db, "rec_rules_keep", keep_sql) != HS_OK ||
	    hs_db_prepare(db, "rec_rules_discard", discard_sql) != HS_OK ||
	    hs_db_exec(db, "rec_rules", 0, NULL, &rr) != HS_OK)
		goto dberr;
	int nr = PQntuples(rr);
	if (nr > 0 && (rules = calloc((size_t)nr, sizeof(*rules))) == NULL) {
		snprintf(err, errlen, "out of memory");
		PQclear(rr);
		return -1;
	}
	for (int i = 0; i < nr; i++) {
		int t = rec_match_parse(PQgetvalue(rr, i, 1));
		if (t < 0)
			continue; /* the table's CHECK keeps this from happening */
		rules[nrules].inclusion = PQgetvalue(rr, i, 0)[0] == 't';
		rules[nrules].type = t;
		snprintf(rules[nrules].value, sizeof(rules[nrules].value), "%s",
		    PQgetvalue(rr, i, 2));
		nrules++;
	}
	PQclear(rr);
	char sid[16];
	snprintf(sid, sizeof(sid), "%d", server_id);
	const char *p1[1] = { sid };
	if (hs_db_exec(db, "rec_rules_pending", 1, p1, &res) != HS_OK)
		goto dberr;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, 0), *path = PQgetvalue(res, i, 1);
		struct rec_facts f;
		f.internal = PQgetvalue(res, i, 3)[0] == 't';
		for (int k = 0; k < REC_MATCH_N; k++)
			f.v[k] = PQgetvalue(res, i, 4 + k);
		char why[200];
		if (rec_rules_decide(rules, nrules, exclude_internal, &f, why, sizeof(why))) {
			const char *q[1] = { id };
			if (hs_db_exec(db, "rec_rules_keep", 1, q, NULL) != HS_OK)
				goto dberr;
			(*kept)++;
			continue;
		}
		/* The files first: a row that says discarded must not leave audio behind.  A
		 * file that cannot be removed keeps its row unchecked, tried again next run. */
		int bad = remove_copy(root, path);
		char dirs[REC_ARCHIVE_MAX][REC_ARCHIVE_PATH_LEN];
		int nd = PQgetvalue(res, i, 2)[0] ? rec_archive_dirs(PQgetvalue(res, i, 2), dirs,
		    REC_ARCHIVE_MAX) : 0;
		for (int k = 0; k < nd; k++)
			bad |= remove_copy(dirs[k], path);
		if (bad) {
			hs_log_error("recording.discard_failed", "id=%s path=%s err=%s", id,
			    hs_logq(path), hs_logq(strerror(errno)));
			continue;
		}
		const char *q[2] = { id, why };
		if (hs_db_exec(db, "rec_rules_discard", 2, q, NULL) != HS_OK)
			goto dberr;
		hs_log_info("recording.discarded", "id=%s path=%s rule=%s", id, hs_logq(path),
		    hs_logq(why));
		(*discarded)++;
	}
	PQclear(res);
	free(rules);
	return 0;
dberr:
	snprintf(err, errlen, "%s", hs_db_error(db));
	PQclear(res);
	free(rules);
	return -1;
}
