"""The logger against pbxsim's ground truth: every call pbxsim made is in PostgreSQL once, with
the segments, durations and outcomes the rules in services/logger/README.md give for what
pbxsim says happened (logger_truth.py derives them from the truth file)."""

import pytest

from hslib import wait_for
from logger_truth import segments
from pbxsim import SCENARIOS, Pbxsim

FACTOR = 5         # scenario time runs 5x faster than real time
TOL_MS = 80        # real ms: 0.4 s of scenario time, so durations agree to the second
                   # (event latency on a loaded 2-core machine reaches tens of ms)


def start(hs, pbx):
    hs.configure({"server.roles": "cti-host,call-logging", "cti.keepalive": 1,
                  "cti.reconnect_max": 2})
    hs.start_watchdog()
    hs.wait_ready()
    wait_for(lambda: all(s["state"] == "up" for s in hs.status()["services"] if s["wanted"]), 30,
             what="services up")
    hs.set_pbx(pbx)


def truth_calls(pbx):
    return [r for r in pbx.truth_records() if r["rec"] == "call"]


def db_rows(db, sql, *args):
    with db.connect() as c:
        cur = c.execute(sql, args)
        cols = [d.name for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def ms(a, b):
    return round((b - a).total_seconds() * 1000)


def run_scenario(hs_env, tmp_path, name):
    pbx = Pbxsim(tmp_path / "pbxsim", args=["-S", SCENARIOS / name, "-x", FACTOR, "-E"])
    pbx.start()
    try:
        start(hs_env, pbx)
        wait_for(lambda: any(r["rec"] == "stop" for r in pbx.truth_records()), 120, interval=0.5, what="scenario done")
        calls = truth_calls(pbx)
        ended = [c for c in calls if c["cause"] != "unfinished"]
        wait_for(lambda: db_rows(hs_env.db, "SELECT count(*) AS n FROM calls WHERE state = 'ended'")[0]["n"]
                 >= len({c["id"] for c in ended if c["parent"] is None}), 30, interval=0.3,
                 what="calls written")
        return pbx, calls
    except Exception:
        pbx.stop()
        raise


def check_against_truth(db, calls):
    for call in calls:
        if call["cause"] == "unfinished":
            continue
        want = segments(call)
        got = db_rows(db, "SELECT * FROM call_segments WHERE pbx_call_id = %s ORDER BY segment_no",
                      call["id"])
        assert len(got) == len(want), (call["label"], want, got)
        for w, g in zip(want, got):
            for k, gk in (("ring", "ring_ms"), ("talk", "talk_ms"), ("hold", "hold_ms")):
                assert abs(g[gk] - w[k]) <= TOL_MS, (call["label"], g["segment_no"], k, w[k], g[gk])
            assert (g["answering_ext"] or None) == w["answered_by"], (call["label"], w, g)
            assert g["target"] == w["target"], (call["label"], w, g)
            assert g["end_ts"] is not None and g["state"] == "ended"
        if call["parent"] is not None:
            continue
        rows = db_rows(db, "SELECT * FROM calls WHERE pbx_call_id = %s", call["id"])
        assert len(rows) == 1, (call["label"], rows)
        row = rows[0]
        assert row["answered"] == call["answered"], (call["label"], row)
        assert row["lost"] == (call["kind"] == "inbound" and not call["answered"])
        want_type = "internal" if call["kind"] == "internal" else "external"
        assert row["call_type"] == want_type, (call["label"], row)
        want_dir = {"internal": "na", "inbound": "in", "outbound": "out",
                    "trunk-to-trunk": "in"}[call["kind"]]
        assert row["direction"] == want_dir, (call["label"], row)
        assert row["trunk_to_trunk"] == (call["kind"] == "trunk-to-trunk")
        main = [s for s in want]
        for k, col in (("ring", "ring_ms"), ("talk", "talk_ms"), ("hold", "hold_ms")):
            assert abs(row[col] - sum(s[k] for s in main)) <= TOL_MS * max(1, len(main)), \
                (call["label"], k, row[col], [s[k] for s in main])
        assert row["hold_ms"] == pytest.approx(call["hold_ms"], abs=TOL_MS * 2) or call["answered"] is False
        assert row["segment_count"] >= len(want)
        if call["kind"] == "inbound":
            assert row["cli"] == call["cli"] and row["ddi_digits"] == call["ddi"]
            assert row["cli_received"] == (call["cli"] is not None)
        if call["account"]:
            assert row["account_code"] == call["account"]
        reason = {"normal": "normal", "abandoned": "abandoned", "busy": "busy", "dnd": "dnd",
                  "trunks-busy": "trunks-busy", "no-answer": "no-answer"}.get(call["cause"])
        if reason:
            assert row["end_reason"] == reason, (call["label"], call["cause"], row)
    # exactly once: no call twice
    dup = db_rows(db, "SELECT pbx_call_id, count(*) AS n FROM calls GROUP BY 1 HAVING count(*) > 1")
    assert dup == []


@pytest.mark.parametrize("scenario", ["internal.scn", "outbound.scn", "abandoned.scn",
                                      "hold.scn", "oai_7_3.scn", "inbound_queue.scn",
                                      "transfer.scn", "conference.scn", "trunk_to_trunk.scn",
                                      "dnd_forward.scn"])
def test_scenario_matches_truth(hs_env, tmp_path, scenario):
    pbx, calls = run_scenario(hs_env, tmp_path, scenario)
    try:
        check_against_truth(hs_env.db, calls)
    finally:
        pbx.stop()


def test_load_with_logger_kills_and_database_restart(hs_env, pg_cluster, tmp_path):
    """pbxsim's load mode (over 10,000 calls), the logger SIGKILLed twice (once while it
    spools) and PostgreSQL restarted twice while it runs: every call of the ground truth is in
    the database once."""
    import os
    import signal
    import time

    from hslib import pgcluster

    pbx = Pbxsim(tmp_path / "pbxsim", site="demo.site",
                 args=["-L", 40000, "-t", 3600, "-r", 7, "-x", 40, "-E"])
    pbx.start()
    try:
        hs_env.configure({"server.roles": "cti-host,call-logging", "cti.keepalive": 1,
                          "cti.reconnect_max": 2})
        hs_env.start_watchdog()
        hs_env.wait_ready()
        wait_for(lambda: all(s["state"] == "up" for s in hs_env.status()["services"] if s["wanted"]),
                 30, what="services up")
        hs_env.set_pbx(pbx, "demo")
        t0 = time.monotonic()

        def logger_pid():
            return hs_env.service_pids().get("logger")

        def kill_logger():
            pid = logger_pid()
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: logger_pid() not in (None, pid), 30, what="logger restarted")

        time.sleep(15)
        kill_logger()
        time.sleep(10)
        pgcluster("stop", pg_cluster.dir)
        time.sleep(5)                       # the logger spools meanwhile, then drains
        pgcluster("start", pg_cluster.dir)
        time.sleep(10)
        pgcluster("stop", pg_cluster.dir)
        time.sleep(3)
        kill_logger()                       # killed while spooling: the next run finds it
        pgcluster("start", pg_cluster.dir)
        wait_for(lambda: any(r["rec"] == "stop" for r in pbx.truth_records()), 300, interval=1,
                 what="load done")
        truth = [r for r in pbx.truth_records() if r["rec"] == "call" and r["parent"] is None]
        assert len(truth) >= 10000, len(truth)
        want = {r["id"] for r in truth}

        def logged():
            return {r["pbx_call_id"]: r["n"] for r in
                    db_rows(hs_env.db, "SELECT pbx_call_id, count(*) AS n FROM calls GROUP BY 1")}

        try:
            wait_for(lambda: want <= set(logged()), 120, interval=1, what="every call logged")
        except AssertionError:
            missing = sorted(want - set(logged()), key=int)
            calls = {r["id"]: r for r in truth}
            raise AssertionError(f"{len(missing)} calls not logged, e.g. "
                                 f"{[calls[m] for m in missing[:3]]}") from None
        got = logged()
        assert {k: n for k, n in got.items() if n != 1} == {}
        assert set(got) - want == set(), "calls pbxsim never made"
        ended = {r["id"] for r in truth if r["cause"] != "unfinished"}

        def still_open():
            return ended & {r["pbx_call_id"] for r in db_rows(
                hs_env.db, "SELECT pbx_call_id FROM calls WHERE state <> 'ended'")}

        wait_for(lambda: not still_open(), 60, interval=1, what="ended calls closed")
        # It spooled while PostgreSQL was down and drained the spool; the run after the kill
        # found the spool of the killed one; the watchdog raised an alert for the spooling
        # (written once PostgreSQL was back) and cleared it.
        log = hs_env.log_text("logger")
        assert "event=spool.drained" in log and "event=spool.found" in log
        def spool_alerts():
            return db_rows(hs_env.db, "SELECT * FROM alerts WHERE code = 'logger.spooling'")

        assert spool_alerts() and all(a["source"] == "logger" for a in spool_alerts())
        wait_for(lambda: all(a["cleared_at"] is not None for a in spool_alerts()), 20,
                 what="spool alert cleared")
        print(f"load: {len(truth)} calls in {time.monotonic() - t0:.0f} s")
    finally:
        pbx.stop()


def test_backlog_caught_up_through_replays(hs_env, tmp_path):
    """The logger starts after cti-host has published a backlog of more than a thousand calls
    (more than one events.replay answer holds): it catches up through replays, every call
    of the ground truth logged once."""
    import time

    pbx = Pbxsim(tmp_path / "pbxsim", site="demo.site",
                 args=["-L", 1500, "-t", 3600, "-r", 3, "-x", 300])
    pbx.start()
    try:
        hs_env.configure({"server.roles": "cti-host", "cti.keepalive": 1})
        hs_env.start_watchdog()
        hs_env.wait_ready()
        hs_env.set_pbx(pbx, "demo")
        seen = []

        def load_done():
            st = pbx.request("stats")
            seen.append(st["calls_total"])
            return len(seen) > 2 and seen[-1] == seen[-3] and st["calls_active"] == 0

        wait_for(load_done, 120, interval=1, what="load done")
        events = hs_env.ctl("health", "cti-host")["bus"]["published"]
        assert events > 10000   # several answers of at most 10,000 events / 3 MiB
        with hs_env.db.connect() as c:
            c.execute("UPDATE servers SET roles = array_append(roles, 'call-logging') WHERE id = 1")
        want = {r["id"] for r in pbx.truth_records() if r["rec"] == "call" and r["parent"] is None}
        assert len(want) > 1000

        def logged():
            return {r["pbx_call_id"]: r["n"] for r in db_rows(
                hs_env.db, "SELECT pbx_call_id, count(*) AS n FROM calls GROUP BY 1")}

        t0 = time.monotonic()
        wait_for(lambda: set(logged()) == want, 120, interval=0.5, what="backlog logged")
        assert all(n == 1 for n in logged().values())
        assert db_rows(hs_env.db, "SELECT count(*) AS n FROM calls WHERE state <> 'ended'")[0]["n"] == 0
        print(f"backlog: {len(want)} calls logged in {time.monotonic() - t0:.1f} s")
        assert "event=replay.done" in hs_env.log_text("logger")
    finally:
        pbx.stop()


SNAPSHOT = {
    "calls": "SELECT * FROM calls ORDER BY call_id",
    "call_segments": "SELECT * FROM call_segments ORDER BY rec_id",
    "segment_parties": "SELECT * FROM segment_parties ORDER BY rec_id, device",
    "hold_intervals": "SELECT * FROM hold_intervals ORDER BY rec_id, device, start_ts",
}


def snapshot(db):
    out = {}
    for table, sql in SNAPSHOT.items():
        rows = db_rows(db, sql)
        for r in rows:
            r.pop("updated_at", None)
        out[table] = rows
    return out


def test_calls_list_and_rebuild_with_hookswitchctl(hs_env, tmp_path):
    """An engineer lists the calls with hookswitchctl, breaks them the way a wrong rule would,
    and `calls rebuild` gives back exactly what the live logger built."""
    pbx, calls = run_scenario(hs_env, tmp_path, "transfer.scn")
    try:
        listed = hs_env.ctl("calls", "list", "--from", "-1h", "--to", "now")
        rows = db_rows(hs_env.db, "SELECT call_id, pbx_call_id, segment_count FROM calls "
                                  "ORDER BY start_ts, call_id")
        assert [(c["call_id"], c["pbx_call_id"]) for c in listed["calls"]] == \
            [(r["call_id"], r["pbx_call_id"]) for r in rows]
        assert [len(c["segments"]) for c in listed["calls"]] == [r["segment_count"] for r in rows]
        assert listed["truncated"] is False
        one = hs_env.ctl("calls", "list", "--from", "-1h", "--limit", 1)
        assert len(one["calls"]) == 1 and one["truncated"] is True
        plain = hs_env.ctl("calls", "list", "--from", "today", json=False)
        assert f"{len(rows)} calls" in plain.stdout

        before = snapshot(hs_env.db)
        with hs_env.db.connect() as c:
            c.execute("UPDATE calls SET ring_ms = 0, answered = NOT answered")
            c.execute("DELETE FROM call_segments WHERE segment_no = 2")
        assert snapshot(hs_env.db) != before
        res = hs_env.ctl("calls", "rebuild", "--from", "-1h", "--to", "now")
        assert res["calls_deleted"] == len(rows) and res["calls_built"] == len(rows)
        assert snapshot(hs_env.db) == before
    finally:
        pbx.stop()
