#!/usr/bin/env python3
"""Call logging throughput: how fast the logger turns cti-host's events into calls in
PostgreSQL, and how that compares with a raw COPY of the same rows.

pbxsim in load mode drives calls through cti-host first, with the logger off, so cti-host's
journal holds a backlog of N calls; then the server gets the call-logging role, the watchdog
starts the logger, and it catches up through events.replay as fast as it can: calls written /
catch-up time is its sustained rate (pbxsim and cti-host are no longer the limit).

Then, on the same cluster, every row the logger wrote for those calls (calls, call_segments,
segment_parties, hold_intervals, account_code_entries, and every raw event) is copied out and
COPY'd in one transaction into empty tables with the same columns, constraints and indexes:
calls / COPY time is the raw rate.  The ratio
logger / COPY is the price of building calls, with upserts, one transaction per batch.

The machine is shared: pbxsim, cti-host, the logger and PostgreSQL all run on it.
--smoke: a small backlog, to prove it works; the figures mean little then.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "system"))

from hslib import Hookswitch, PgCluster, wait_for  # noqa: E402
from pbxsim import Pbxsim  # noqa: E402

# (table, how its rows of the window's calls are selected); %(ids)s = the calls' ids
TABLES = [
    ("calls", "SELECT * FROM calls WHERE call_id = ANY(%(ids)s)"),
    ("call_segments", "SELECT * FROM call_segments WHERE call_id = ANY(%(ids)s)"),
    ("segment_parties", "SELECT p.* FROM segment_parties p JOIN call_segments s USING (rec_id) "
                        "WHERE s.call_id = ANY(%(ids)s)"),
    ("hold_intervals", "SELECT h.* FROM hold_intervals h JOIN call_segments s USING (rec_id) "
                       "WHERE s.call_id = ANY(%(ids)s)"),
    ("account_code_entries", "SELECT a.* FROM account_code_entries a JOIN call_segments s "
                             "USING (rec_id) WHERE s.call_id = ANY(%(ids)s)"),
    # every event the logger consumed (the database holds this run only): call events and
    # the agent and device events around them
    ("call_events_raw", "SELECT * FROM call_events_raw"),
]


def ended_calls(conn):
    return conn.execute("SELECT count(*) FROM calls WHERE state = 'ended'").fetchone()[0]


def applied(conn):
    return conn.execute("SELECT coalesce(sum(applied_seq), 0) FROM event_boots").fetchone()[0]


def cpu_seconds(pid):
    """User + system CPU seconds a process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_rate(db):
    """Every ended call's rows COPY'd into fresh tables: (calls, rows, seconds)."""
    with db.connect() as c:
        ids = [r[0] for r in c.execute("SELECT call_id FROM calls WHERE state = 'ended'")]
        data = {}
        for table, sql in TABLES:
            with c.cursor() as cur:
                # the same columns, defaults, constraints and indexes, logged like the real
                # ones: the floor of storing these rows
                cur.execute("CREATE SCHEMA IF NOT EXISTS bench")
                cur.execute(f"CREATE TABLE bench.{table} (LIKE {table} INCLUDING ALL)")
                cur.execute(f"CREATE TEMP TABLE src_{table} AS {sql}", {"ids": ids})
            buf = bytearray()
            with c.cursor().copy(f"COPY src_{table} TO STDOUT") as cp:
                for chunk in cp:
                    buf += chunk
            data[table] = bytes(buf)
        rows = sum(d.count(b"\n") for d in data.values())
        start = time.monotonic()
        with c.transaction():
            for table, _ in TABLES:
                with c.cursor().copy(f"COPY bench.{table} FROM STDIN") as cp:
                    cp.write(data[table])
        return len(ids), rows, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--calls", type=int, default=3000, help="backlog to build")
    ap.add_argument("--speed", type=int, default=300, help="pbxsim time factor")
    a = ap.parse_args()
    if a.smoke:
        a.calls = 200

    cluster = PgCluster(tag="bench")
    tmp = Path(tempfile.mkdtemp(prefix="hs-bench-"))
    db = cluster.new_database("bench")
    # demo.site has 8 trunks: past ~1,500 calls/h most outbound calls find them all busy
    cph = 1500
    sim_seconds = int(a.calls / cph * 3600) + 1
    pbx = Pbxsim(tmp / "pbx", site="demo.site",
                 args=["-L", cph, "-r", 1, "-t", sim_seconds, "-x", a.speed])
    hs = Hookswitch(db, tmp / "hs", {"server.roles": "cti-host", "log.level": "warn"})
    try:
        pbx.start()
        hs.start_watchdog()
        hs.wait_ready()
        hs.ctl("pbx", "set", "--host", "127.0.0.1", "--port", pbx.port, "--password",
               "demo", json=False)  # demo.site
        wait_for(lambda: hs.ctl("live")["link"]["state"] == "up", 60, what="link up")
        # the load runs out: wait until pbxsim makes no more calls and none is up
        seen = []

        def load_done():
            st = pbx.request("stats")
            seen.append(st.get("calls_total", 0))
            return len(seen) > 2 and seen[-1] == seen[-3] and st.get("calls_active", 1) == 0

        wait_for(load_done, sim_seconds / a.speed + 120, interval=1, what="backlog built")
        made = pbx.request("stats").get("calls_total", 0)
        events = hs.ctl("health", "cti-host")["events_in"]

        with db.connect() as c:
            c.execute("UPDATE servers SET roles = array_append(roles, 'call-logging') WHERE id = 1")
        # timed from the logger's readiness (its start is not its throughput) to the last
        # call written: the count stops moving
        t0 = time.monotonic()

        # The measuring must not load the machine it measures (2 cores, shared with the
        # logger, cti-host and PostgreSQL): the logger's pid comes with the status that shows
        # it up (no second hookswitchctl run once it is working), and the count is polled on
        # one connection (not a new backend forked every poll).
        lpid = []

        def logger_up():
            for x in hs.status()["services"]:
                if x["name"] == "logger" and x["state"] == "up":
                    lpid.append(x["pid"])
                    return True
            return False

        poll = db.connect()
        wait_for(logger_up, 60, interval=0.02, what="logger up")
        t_up = time.monotonic()
        # Every batch the logger commits moves event_boots.applied_seq in its transaction:
        # that one-row read every 10 ms sees each commit within 10 ms at no real cost, and
        # the ended calls are counted only when it moved.  (Counting every 50 ms saw the
        # end up to 50 ms late, a fifth of a 250 ms catch-up.)
        last, t_last, seq, t_seq = 0, t_up, None, t_up
        while time.monotonic() - t_seq < 2:
            time.sleep(0.01)
            now_seq = applied(poll)
            if now_seq == seq:
                continue
            seq, t_seq = now_seq, time.monotonic()
            n = ended_calls(poll)
            if n != last:
                last, t_last = n, t_seq
            if time.monotonic() - t0 > 600:
                sys.exit("the logger did not catch up in 10 minutes")
        poll.close()
        dt = max(t_last - t_up, 0.05)
        cpu = cpu_seconds(lpid[0])
        health = hs.ctl("health", "logger").get("logger", {})
        ncalls, rows, copy_s = copy_rate(db)
        rate = last / dt
        copy_cps = ncalls / copy_s if copy_s > 0 else 0.0
        print(f"logger catch-up, demo.site backlog: {made} calls made, {events} cti-host events")
        print(f"{'logger calls written (ended)':34} {rate:10.1f} calls/s"
              f"   ({last} calls in {dt:.2f} s from its readiness, {health.get('events', 0)} events"
              f" applied, {health.get('batches', 0)} batches)")
        print(f"{'':34} logger CPU {cpu:.2f} s, in batch writes {health.get('write_ms', 0)} ms,"
              f" waiting for replays {health.get('replay_ms', 0)} ms")
        print(f"{'raw COPY of the same rows':34} {copy_cps:10.1f} calls/s"
              f"   ({ncalls} calls, {rows} rows in {copy_s * 1000:.0f} ms)")
        print(f"{'ratio logger / COPY':34} {rate / copy_cps if copy_cps else 0:10.3f}")
        if last == 0:
            sys.exit("the logger wrote no call")
    finally:
        hs.close()
        pbx.stop()
        db.close()
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)  # pbxsim's and the server's files


if __name__ == "__main__":
    main()
