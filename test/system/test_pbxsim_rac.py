"""pbxsim's Record-A-Call: `_EF` with the site's Record-A-Call code on a connected station
makes pbxsim call its SIP voice mail ([record_a_call]) and stream G.711 until the station
leaves the call.  The peer is the real recorder's Record-A-Call endpoint, standalone (a
config file of its own, no database, no watchdog, as test_recorder_rac.py runs it), on free
ports and temporary folders, so the tests run in parallel.

Checked against pbxsim's ground truth (its `rac` line: what it sent on the wire):
  - one recording per leg, with exactly the packets and samples pbxsim sent, no loss, the
    leg's SIP Call-ID, From = the recorded station, To = the RAC application's number, and
    audio that is the leg's tone (not silence);
  - `_EF` twice for the same (call, station) records once; the NAKs: wrong feature code 10,
    idle or ringing station 16, no such device 9, a trunk 3, no such call 8, a station not in
    the call 14, a site without [record_a_call] 22;
  - digest credentials from the site answer the recorder's 401; wrong ones end as rejected
    403; the recorder's 486 (all ports in use) ends a leg as rejected 486;
  - pbxsim stopping (SIGTERM) ends a running leg with a BYE and writes its line.
"""

import math
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hslib import wait_for  # noqa: E402
from pbxsim import SITES, OaiClient, Pbxsim  # noqa: E402
from test_recorder_offline import read_wav  # noqa: E402
from test_recorder_rac import recorder  # noqa: E402,F401 (fixture)

RAC_EXT = "2590"


@pytest.fixture
def pbxsim(tmp_path):
    made = []

    def make(rec=None, **rac):
        site = tmp_path / f"rac{len(made)}.site"
        text = (SITES / "small.site").read_text()
        if rec is not None:
            text += f"\n[record_a_call]\nextension = {RAC_EXT}\npeer = 127.0.0.1:{rec.sip_port}\n"
            text += "".join(f"{k} = {v}\n" for k, v in rac.items())
        site.write_text(text)
        p = Pbxsim(tmp_path / f"pbxsim{len(made)}", site=str(site))
        made.append(p)
        p.start()
        p.oai = OaiClient(p.port, password="oaipass")
        return p

    yield make
    for p in made:
        p.oai.close()
        p.stop()


def rac_lines(pbx):
    return [r for r in pbx.truth_records() if r.get("rec") == "rac"]


def connected_call(pbx, label, caller, callee):
    cid = pbx.action(f"{label} = call {caller} {callee}")["call_id"]
    pbx.action(f"answer {callee} {label}")
    return cid


def wait_recordings(rec, n, timeout=15):
    wait_for(lambda: len(rec.files("json")) >= n, timeout, what=f"{n} recording(s)")
    time.sleep(0.3)
    assert len(rec.files("json")) == n, rec.files("json")
    return rec.metas()


def tone_hz(samples):
    """The frequency of a steady tone, from its zero crossings."""
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / 8000)


def test_rac_records_until_the_station_leaves(recorder, pbxsim):
    rec = recorder()
    pbx = pbxsim(rec)
    cid = connected_call(pbx, "c1", "1000", "1001")
    # blank Call_ID: the station's active call; "!" as a connected station dials it
    assert pbx.oai.command("_EF", "1001", "", "!385") == [0]
    # the same (call, station) again, by Call_ID and without "!": confirmed, nothing more
    assert pbx.oai.command("_EF", "1001", cid, "385") == [0]
    time.sleep(3.0)
    pbx.action("hangup 1000 c1")
    wait_for(lambda: rac_lines(pbx), 10, what="pbxsim's rac line")
    (leg,) = rac_lines(pbx)
    assert leg["call"] == cid and leg["extension"] == "1001", leg
    assert leg["status"] == "recorded" and leg["sip_status"] == 200, leg
    assert leg["invoked"] <= leg["answered"] <= leg["ended"] == leg["at"], leg
    # 20 ms packets for the ~3 s the station stayed after the answer
    assert 140 <= leg["packets"] <= 170, leg
    assert leg["samples"] == leg["packets"] * 160, leg

    (m,) = wait_recordings(rec, 1)
    assert m["call_id"] == leg["sip_call_id"], (m["call_id"], leg)
    assert m["source"] == "rac" and m["end_reason"] == "bye", m
    assert m["from"]["user"] == "1001" and m["to"]["user"] == RAC_EXT, (m["from"], m["to"])
    assert m["codecs"] == ["PCMA"], m["codecs"]
    assert sum(d["packets"] for d in m["directions"]) == leg["packets"], m["directions"]
    assert sum(d["lost"] for d in m["directions"]) == 0, m["directions"]
    assert m["samples"] == leg["samples"], (m["samples"], leg)
    # the audio is leg 1's tone, 450 Hz, well above silence
    (wav,) = rec.files("wav")
    (mono,) = read_wav(wav)
    assert len(mono) == leg["samples"]
    rms = math.sqrt(sum(s * s for s in mono) / len(mono))
    assert rms > 3000, rms
    assert abs(tone_hz(mono) - 450) < 5, tone_hz(mono)
    # nothing else was sent: one leg, and no OAI event for the RAC application
    assert not any(RAC_EXT in ",".join(e) for e in pbx.oai.events), pbx.oai.events


def test_rac_ef_refusals(recorder, pbxsim):
    rec = recorder()
    pbx = pbxsim(rec)
    cid = connected_call(pbx, "c1", "1000", "1001")
    ring = pbx.action("c2 = call 1002 1003")["call_id"]
    ef = pbx.oai.command
    assert ef("_EF", "1001", cid, "!386") == [10]       # another feature code
    assert ef("_EF", "1001", cid, "") == [1]            # no feature string
    assert ef("_EF", "1004", "", "!385") == [16]        # idle: connected to no call
    assert ef("_EF", "1003", ring, "!385") == [16]      # ringing, not connected
    assert ef("_EF", "1002", "", "!385") == [16]        # the caller of a ringing call
    assert ef("_EF", "9999", "", "!385") == [9]         # no such device
    assert ef("_EF", "97001", "", "!385") == [3]        # a trunk
    assert ef("_EF", "2500", "", "!385") == [3]         # voice mail
    assert ef("_EF", "1001", "99999", "!385") == [8]    # no such call
    assert ef("_EF", "1004", cid, "!385") == [14]       # not in that call
    time.sleep(0.5)
    assert rac_lines(pbx) == [] and rec.files("json") == []


def test_rac_without_the_application(pbxsim):
    pbx = pbxsim(None)
    connected_call(pbx, "c1", "1000", "1001")
    assert pbx.oai.command("_EF", "1001", "", "!385") == [22]
    assert pbx.oai.command("_EF", "1001", "", "!386") == [10]


def test_rac_digest_and_refusals(recorder, pbxsim):
    rec = recorder(sip_user="pbx", sip_password="s3cret-Pass", max_ports=1)
    good = pbxsim(rec, username="pbx", password="s3cret-Pass", codec="pcmu")
    bad = pbxsim(rec, username="pbx", password="wrong")
    c1 = connected_call(good, "c1", "1000", "1001")
    assert good.oai.command("_EF", "1001", "", "!385") == [0]
    time.sleep(1.0)
    # the recorder's one port is in use: 486
    c2 = connected_call(good, "c2", "1002", "1003")
    assert good.oai.command("_EF", "1003", c2, "!385") == [0]
    wait_for(lambda: len(rac_lines(good)) == 1, 10, what="the refused leg")
    (busy,) = rac_lines(good)
    assert busy["call"] == c2 and busy["status"] == "rejected" and busy["sip_status"] == 486
    assert busy["answered"] is None and busy["packets"] == 0 and busy["samples"] == 0, busy
    # wrong password: 403
    connected_call(bad, "c1", "1002", "1003")
    assert bad.oai.command("_EF", "1003", "", "!385") == [0]
    wait_for(lambda: rac_lines(bad), 10, what="the wrong-password leg")
    (wrong,) = rac_lines(bad)
    assert wrong["status"] == "rejected" and wrong["sip_status"] == 403, wrong
    # the first leg is still recording; a hangup by the other party ends it
    good.action("hangup 1000 c1")
    wait_for(lambda: len(rac_lines(good)) == 2, 10, what="the recorded leg")
    leg = rac_lines(good)[1]
    assert leg["call"] == c1 and leg["status"] == "recorded", leg
    (m,) = wait_recordings(rec, 1)
    assert m["codecs"] == ["PCMU"] and m["call_id"] == leg["sip_call_id"], m
    assert sum(d["packets"] for d in m["directions"]) == leg["packets"]
    assert m["samples"] == leg["samples"]


def test_rac_ends_when_pbxsim_stops(recorder, pbxsim):
    rec = recorder()
    pbx = pbxsim(rec)
    cid = connected_call(pbx, "c1", "1000", "1001")
    assert pbx.oai.command("_EF", "1001", cid, "!385") == [0]
    time.sleep(1.5)
    pbx.oai.close()
    pbx.proc.terminate()
    assert pbx.proc.wait(15) == 0
    recs = pbx.truth_records()
    (leg,) = [r for r in recs if r["rec"] == "rac"]
    assert recs[-1]["rec"] == "stop" and recs[-1]["rac"] == 1
    assert leg["status"] == "recorded" and leg["packets"] > 50, leg
    (m,) = wait_recordings(rec, 1)
    assert m["end_reason"] == "bye"
    assert sum(d["packets"] for d in m["directions"]) == leg["packets"]
    assert m["samples"] == leg["samples"]
