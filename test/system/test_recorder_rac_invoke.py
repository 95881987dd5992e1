"""Record-A-Call end to end, as on a site: a device listed in Recorded Devices with the
Record-A-Call method is recorded because cti-host invokes the feature on the PBX.

The whole chain runs as in production, under the watchdog (roles cti-host, call-logging,
recording) with a real PostgreSQL; pbxsim is the PBX, with a [record_a_call] section whose
SIP voice mail peer is the recorder's endpoint:

  admin adds 1001 (rac) -> NOTIFY -> cti-host; 1000 calls 1001, 1001 answers ->
  cti-host sends _EF 1001 <call> !<code> -> pbxsim INVITEs the recorder and streams G.711
  until 1001 leaves the call -> the recorder writes the file and its row -> the row is
  linked to the logger's segment of 1001.

Checked against pbxsim's ground truth (its `rac` record: what it sent on the wire): the
recording has exactly the packets and samples pbxsim sent, from 1001, linked to that call's
segment at 1001; 1000 (not listed), 1002 (listed for mirror capture) and 1003 (listed rac,
disabled) are never invoked; a hold and retrieve does not invoke twice; a device listed while
the system runs is recorded from its next call, without a restart.
"""

import time
from pathlib import Path

import pytest

from hslib import free_udp_block, wait_for
from pbxsim import SITES, Pbxsim

RAC_EXT = "2590"


def rows(db, sql, *args):
    with db.connect() as c:
        cur = c.execute(sql, args)
        cols = [d.name for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def execute(db, sql, *args):
    with db.connect() as c:
        c.execute(sql, args)
        c.commit()


def rac_truth(pbx):
    return [r for r in pbx.truth_records() if r.get("rec") == "rac"]


@pytest.fixture
def stack(hs_env, tmp_path):
    """pbxsim (small.site + the RAC application) and a server running cti-host, the logger
    and the recorder; yields (hs, pbx) with the PBX link up."""
    rtp = free_udp_block(40)
    hs_env.configure({
        "server.roles": "cti-host,call-logging,recording",
        "cti.keepalive": 1, "cti.reconnect_max": 2,
        "recorder.sip_allowed": "127.0.0.1",
        "recorder.rtp_port_min": rtp, "recorder.rtp_port_max": rtp + 39,
        "recorder.format": "wav", "recorder.encrypt": "false",
        "recorder.link_interval": 1,
    })
    site = tmp_path / "rac.site"
    site.write_text((SITES / "small.site").read_text() +
                    f"\n[record_a_call]\nextension = {RAC_EXT}\n"
                    f"peer = 127.0.0.1:{hs_env.settings['recorder.sip_port']}\n")
    pbx = Pbxsim(tmp_path / "pbxsim", site=str(site))
    pbx.start()
    try:
        hs_env.start_watchdog()
        hs_env.wait_ready()
        wait_for(lambda: all(s["state"] == "up" for s in hs_env.status()["services"]
                             if s["wanted"]), 30, what="services up")
        hs_env.set_pbx(pbx, wait_up=30)
        yield hs_env, pbx
    finally:
        pbx.stop()


LABELS = iter(range(1, 1000))


def talk(pbx, caller, callee, seconds, hold=False):
    """caller calls callee, callee answers, they talk, caller hangs up; returns the Call_ID."""
    c = f"c{next(LABELS)}"
    cid = pbx.action(f"{c} = call {caller} {callee}")["call_id"]
    pbx.action(f"answer {callee} {c}")
    if hold:
        time.sleep(seconds / 2)
        pbx.action(f"hold {callee} {c}")
        time.sleep(0.5)
        pbx.action(f"retrieve {callee} {c}")
        time.sleep(seconds / 2)
    else:
        time.sleep(seconds)
    pbx.action(f"hangup {caller} {c}")
    return cid


def test_recorded_device_invokes_record_a_call(stack):
    hs, pbx = stack
    db = hs.db
    execute(db, "INSERT INTO recorded_devices (extension, method, ip) VALUES"
                " ('1001', 'rac', NULL), ('1002', 'mirror', '127.0.0.9')")
    execute(db, "INSERT INTO recorded_devices (extension, method, enabled) VALUES"
                " ('1003', 'rac', false)")
    # the NOTIFY reaches cti-host; its health shows the set
    wait_for(lambda: hs.ctl("health", "cti-host")["rac"]["devices"] == 1, 10,
             what="cti-host sees one Record-A-Call device")

    cid = talk(pbx, "1000", "1001", 3.0, hold=True)
    talk(pbx, "1000", "1002", 1.0)
    talk(pbx, "1002", "1003", 1.0)

    wait_for(lambda: len(rac_truth(pbx)) >= 1, 15, what="pbxsim's rac record")
    time.sleep(1.0)  # a second invocation, if any, would have shown by now
    (leg,) = rac_truth(pbx)
    assert leg["extension"] == "1001" and leg["call"] == cid, leg
    assert leg["status"] == "recorded" and leg["sip_status"] == 200, leg
    assert leg["packets"] >= 100 and leg["samples"] == leg["packets"] * 160, leg

    def linked():
        r = rows(db, "SELECT * FROM recordings WHERE extension = '1001'")
        return r if r and r[0]["rec_id"] is not None else None
    (rec,) = wait_for(linked, 30, interval=0.3, what="the recording, linked")
    assert rec["source"] == "rac" and rec["status"] == "recorded"
    assert rec["sip_call_id"] == leg["sip_call_id"]
    meta = rec["metadata"]
    assert sum(d["packets"] for d in meta["directions"]) == leg["packets"], meta
    assert sum(d["lost"] for d in meta["directions"]) == 0, meta
    assert meta["samples"] == leg["samples"], (meta["samples"], leg)
    # linked to the segment of this call answered at 1001
    (seg,) = rows(db, "SELECT answering_ext, pbx_call_id FROM call_segments WHERE rec_id = %s",
                  rec["rec_id"])
    assert seg["answering_ext"] == "1001" and seg["pbx_call_id"] == cid, seg
    # nobody else was recorded
    assert rows(db, "SELECT extension FROM recordings WHERE extension <> '1001'") == []

    # listed while running: recorded from its next call
    execute(db, "UPDATE recorded_devices SET enabled = true WHERE extension = '1003'")
    wait_for(lambda: hs.ctl("health", "cti-host")["rac"]["devices"] == 2, 10,
             what="cti-host sees 1003")
    cid2 = talk(pbx, "1002", "1003", 1.5)
    wait_for(lambda: len(rac_truth(pbx)) == 2, 15, what="the second rac record")
    leg2 = rac_truth(pbx)[1]
    assert leg2["extension"] == "1003" and leg2["call"] == cid2, leg2
    wait_for(lambda: rows(db, "SELECT 1 FROM recordings WHERE extension = '1003'"
                              " AND rec_id IS NOT NULL"), 30, interval=0.3,
             what="1003's recording, linked")
