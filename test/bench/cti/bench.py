#!/usr/bin/env python3
"""End-to-end throughput of the PBX link: pbxsim in load mode, sped up, drives OAI events into
cti-host, which decodes them, updates its live model and publishes them on the bus (journaled).

Prints events/s as the PBX sent them and as cti-host took them in and published them, over a
measured window.  A private PostgreSQL cluster and a watchdog with only the cti-host role run
for the duration.  --smoke: a few seconds, to prove it works; the figure means little then.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "system"))

from hslib import Hookswitch, PgCluster  # noqa: E402
from pbxsim import Pbxsim  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--calls-per-hour", type=int, default=4200)
    ap.add_argument("--speed", type=int, default=2000, help="pbxsim time factor")
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    if a.smoke:
        a.seconds, a.speed = 3, 100

    cluster = PgCluster(tag="bench")
    tmp = Path(tempfile.mkdtemp(prefix="hs-bench-"))
    db = cluster.new_database("bench")
    # Enough simulated time to keep the PBX busy through the whole window.
    sim_seconds = int((a.seconds + 30) * a.speed)
    pbx = Pbxsim(tmp / "pbx", site="demo.site",
                 args=["-L", a.calls_per_hour, "-r", 1, "-t", sim_seconds, "-x", a.speed])
    hs = Hookswitch(db, tmp / "hs", {"server.roles": "cti-host", "log.level": "warn"})
    try:
        pbx.start()
        hs.start_watchdog()
        hs.wait_ready()
        hs.set_pbx(pbx, "demo", wait_up=60)  # demo.site

        def sample():
            h = hs.ctl("health", "cti-host")
            return time.monotonic(), h["events_in"], h["bus"]["published"], pbx.request("stats")

        t0, in0, pub0, s0 = sample()
        time.sleep(a.seconds)
        t1, in1, pub1, s1 = sample()
        dt = t1 - t0
        sent = s1.get("events_sent", 0) - s0.get("events_sent", 0)
        print(f"cti-host end to end, demo.site, {a.calls_per_hour} calls/h x{a.speed} "
              f"({a.calls_per_hour * a.speed / 3600:.0f} calls/s), {dt:.1f} s window")
        print(f"{'pbxsim events sent':34} {sent / dt:10.0f} events/s")
        print(f"{'cti-host events decoded+applied':34} {(in1 - in0) / dt:10.0f} events/s"
              f"   (ratio to sent {((in1 - in0) / sent) if sent else 0:.2f})")
        print(f"{'cti-host bus events published':34} {(pub1 - pub0) / dt:10.0f} events/s")
        print(f"{'link state at the end':34} {hs.ctl('live')['link']['state']}")
    finally:
        hs.close()
        pbx.stop()
        db.close()
        cluster.close()


if __name__ == "__main__":
    main()
