"""Compliance pause/resume of a Record-A-Call recording, against sipp as the PBX.

  (a) `hookswitchctl recording pause <extension>` during a call and `... resume` 2 s later:
      the WAV is silence over exactly that span (to a packet: 30 ms in g711a.pcap) and equals sipp's
      g711a.pcap decoded everywhere else; the metadata lists the span (by "api") where the
      replies said; pausing twice is OK (idempotent); an unknown extension or Call-ID is
      ENOTFOUND; `--call SIPCALLID` finds the call too.
  (b) DTMF: with recorder.dtmf_pause = *1 and recorder.dtmf_resume = *2, sipp plays a pcap
      written here (g711a.pcap's audio with RFC 2833 '*' '1' at 1.5/1.8 s and '*' '2' at
      4.5/4.8 s in the same RTP stream): silence from the '1' to the '2' exactly (the offsets
      are the events' RTP timestamps), listed by "dtmf"; digits typed while paused are not
      listed.
  (c) the same DTMF call with the database (test_recorder_store.py's fixture): the
      recordings row carries the span in its paused column, status 'recorded'.

The recorder runs as in test_recorder_rac.py (its Recorder and sipp helpers, own ports and
folders: parallel-safe), unencrypted WAV so the audio can be read.
"""

import json
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hslib import BINDIR  # noqa: E402
from test_recorder_offline import SIPP_SHARE, g711a_reference, read_wav  # noqa: E402
from test_recorder_rac import (  # noqa: E402,F401 (recorder: fixture)
    FIXTURES, Recorder, need, recorder, sipp, wait_for_files)
from test_recorder_store import store  # noqa: E402,F401 (fixture: migrated database)

CTL = BINDIR / "hookswitchctl"
PKT = 240  # samples per packet of g711a.pcap (30 ms): the tolerance at a span's edges


def ctl(rec, *args):
    """hookswitchctl --json against rec's bus (no database: this server's own endpoint)."""
    conf = rec.dir / "ctl.conf"
    if not conf.exists():
        conf.write_text(rec.conf.read_text() +
                        "[db]\nconninfo = host=/nonexistent-hs-pause connect_timeout=1\n")
    p = subprocess.run([str(CTL), "-c", str(conf), "--json", *args], capture_output=True,
                       text=True, timeout=30)
    body = None
    if p.stdout.strip():
        body = json.loads(p.stdout)
    return p.returncode, body, p.stderr


def wait_active(rec, timeout=10):
    deadline = time.time() + timeout
    while True:
        rc, body, err = ctl(rec, "health", "recorder")
        if rc == 0 and body["rac"]["active"] >= 1:
            return
        assert time.time() < deadline, f"no active call: {rc} {body} {err}"
        time.sleep(0.05)


def check_audio(mono, spans, ref, holes=()):
    """mono is silence over each (start, end) sample span (edges: one packet of slack) and
    equals ref elsewhere, except at telephone-event packets (silence, the digits are out of
    band)."""
    assert len(mono) >= len(ref)
    for a, b in spans:
        inner = mono[a + PKT:b - PKT]
        assert inner and all(v == 0 for v in inner), f"not silent in [{a}, {b})"
    bad = []
    for k in range(len(ref)):
        if any(a - PKT <= k < b + PKT for a, b in spans) or any(a <= k < b for a, b in holes):
            continue
        if mono[k] != ref[k]:
            bad.append(k)
    assert not bad, f"{len(bad)} samples differ from g711a.pcap outside the pause, first {bad[:5]}"


def test_pause_resume_by_command(recorder, tmp_path):
    rec = recorder()
    work = tmp_path / "sipp"
    (work / "pcap").mkdir(parents=True)
    for f in ("g711a.pcap", "dtmf_2833_1.pcap"):
        shutil.copy(SIPP_SHARE / f, work / "pcap" / f)
    # nothing recorded yet: ENOTFOUND (exit 1)
    rc, _, err = ctl(rec, "recording", "pause", "sipp")
    assert rc == 1 and "ENOTFOUND" in err, err

    p = sipp(work, rec, wait=False)
    try:
        wait_active(rec)
        time.sleep(1.0)
        rc, paused, err = ctl(rec, "recording", "pause", "sipp")
        assert rc == 0, err
        assert paused["paused"] is True and paused["changed"] is True
        assert paused["sip_call_id"] == f"1-{p.pid}@127.0.0.1"
        # idempotent: OK, the same span
        rc, again, err = ctl(rec, "recording", "pause", "--call", f"1-{p.pid}@127.0.0.1")
        assert rc == 0, err
        assert again["paused"] is True and again["changed"] is False
        assert again["at_ms"] == paused["at_ms"]
        # others are not found
        rc, _, err = ctl(rec, "recording", "pause", "4711")
        assert rc == 1 and "ENOTFOUND" in err, err
        rc, _, err = ctl(rec, "recording", "resume", "--call", "nope@nowhere")
        assert rc == 1 and "ENOTFOUND" in err, err
        time.sleep(2.0)
        rc, resumed, err = ctl(rec, "recording", "resume", "sipp")
        assert rc == 0, err
        assert resumed["paused"] is False and resumed["changed"] is True
        rc, again, err = ctl(rec, "recording", "resume", "sipp")
        assert rc == 0 and again["changed"] is False, err
    finally:
        p.err = p.communicate(timeout=60)[1]
    assert p.returncode == 0, f"sipp failed ({p.returncode}): {p.err}"
    wait_for_files(rec, 1)
    (m,) = rec.metas()
    (wav,) = rec.files("wav")
    start, end = paused["at_ms"], resumed["at_ms"]
    assert 1900 <= end - start <= 2500, (start, end)
    assert m["paused"] == [{"start_ms": start, "end_ms": end, "by": "api"}]
    (mono,) = read_wav(wav)
    assert len(mono) == m["samples"]
    ref, _ = g711a_reference()
    assert end * 8 < len(ref), "the pause should end inside g711a.pcap's audio"
    check_audio(mono, [(start * 8, end * 8)], ref)
    log = rec.log.read_text()
    assert "event=recording.paused" in log and "event=recording.resumed" in log


# ---- (b) DTMF --------------------------------------------------------------------------

DIGITS = [(50, 10), (60, 1), (150, 10), (160, 2)]  # (packet index in g711a.pcap, event)


def g711a_packets():
    """g711a.pcap's packets: (time, seq, ts, payload) sorted, and the first frame's headers."""
    d = (SIPP_SHARE / "g711a.pcap").read_bytes()
    off, pk, hdr = 24, [], None
    while off + 16 <= len(d):
        sec, usec, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        f = d[off + 16:off + 16 + cl]
        off += 16 + cl
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        rtp = ip[ihl + 8:]
        seq, ts = struct.unpack(">HI", rtp[2:8])
        pk.append((sec + usec / 1e6, seq, ts, rtp[12 + 4 * (rtp[0] & 15):]))
        if hdr is None:
            hdr = (f[:14], ip[:ihl], ip[ihl:ihl + 8])
    pk.sort(key=lambda p: p[1])
    return pk, hdr


def write_dtmf_pcap(path):
    """g711a.pcap with telephone-events (pt 101) in place of the audio of the packets from
    each DIGITS index (3 packets: 1, 2, 3 packet durations, the last the end one, sent 3
    times; the event's timestamp is its first packet's), at the original times, continuous
    sequence numbers, one SSRC.  Returns the sample ranges the events replace."""
    pk, (eth, iph, udph) = g711a_packets()
    ts0 = pk[0][2]
    sport, dport = struct.unpack(">HH", udph[:4])
    events, holes = {}, []
    for idx, ev in DIGITS:
        for k in range(3):
            n = len(pk[idx][3])
            events[idx + k] = (ev, n * (k + 1), k == 2, pk[idx][2])
            holes.append((pk[idx + k][2] - ts0, pk[idx + k][2] - ts0 + n))
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    seq = 1000

    def add(t, rtp):
        udp = struct.pack(">HHHH", sport, dport, 8 + len(rtp), 0) + rtp
        ip = bytearray(iph)
        ip[2:4] = struct.pack(">H", len(ip) + len(udp))
        ip[10:12] = b"\0\0"
        s = sum(struct.unpack(f">{len(ip) // 2}H", bytes(ip)))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        ip[10:12] = struct.pack(">H", ~s & 0xFFFF)
        frame = eth + bytes(ip) + udp
        sec = int(t)
        out.append(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)), len(frame),
                               len(frame)))
        out.append(frame)

    for i, (t, _, ts, payload) in enumerate(pk):
        if i in events:
            ev, dur, end, ets = events[i]
            body = struct.pack(">BBH", ev, (0x80 if end else 0) | 10, dur)
            for r in range(3 if end else 1):
                mark = 0x80 if ets == ts else 0
                add(t + r * 0.001, struct.pack(">BBHII", 0x80, mark | 101, seq & 0xFFFF,
                                               ets, 0x5EED1234) + body)
                seq += 1
        else:
            add(t, struct.pack(">BBHII", 0x80, 8, seq & 0xFFFF, ts, 0x5EED1234) + payload)
            seq += 1
    path.write_bytes(b"".join(out))
    return holes


def test_pause_resume_by_dtmf(recorder, tmp_path):
    rec = recorder(dtmf_pause="*1", dtmf_resume="*2")
    work = tmp_path / "sipp"
    (work / "pcap").mkdir(parents=True)
    holes = write_dtmf_pcap(work / "pcap" / "pause_dtmf.pcap")
    pk, _ = g711a_packets()
    at = [(pk[i][2] - pk[0][2]) // 8 for i, _ in DIGITS]  # each digit's offset, ms
    p = sipp(work, rec, scenario=("-sf", str(FIXTURES / "rac_dtmf_pause.xml")))
    assert p.returncode == 0, f"sipp failed ({p.returncode}): {p.err}"
    wait_for_files(rec, 1)
    (m,) = rec.metas()
    (wav,) = rec.files("wav")
    # "*1" is complete at the '1' (index 60), "*2" at the '2' (index 160): exact, the
    # offsets come from the events' RTP timestamps
    assert m["paused"] == [{"start_ms": at[1], "end_ms": at[3], "by": "dtmf"}], m["paused"]
    digits = [(e["digit"], e["offset_ms"]) for e in m["telephone_events"]]
    assert digits == [("*", at[0]), ("1", at[1])], digits  # typed while paused: not listed
    (mono,) = read_wav(wav)
    assert len(mono) == m["samples"]
    ref, _ = g711a_reference()
    a, b = at[1] * 8, at[3] * 8
    assert all(v == 0 for v in mono[a:b])
    check_audio(mono, [(a, b)], ref, holes=holes)
    assert mono[a - 1 - 3 * 240] != 0 and mono[b + 3 * 240] != 0


def test_paused_column_in_recordings_row(store, db, tmp_path):
    rec = store(dtmf_pause="*1", dtmf_resume="*2")
    work = tmp_path / "sipp"
    (work / "pcap").mkdir(parents=True)
    write_dtmf_pcap(work / "pcap" / "pause_dtmf.pcap")
    pk, _ = g711a_packets()
    at = [(pk[i][2] - pk[0][2]) // 8 for i, _ in DIGITS]
    p = sipp(work, rec, scenario=("-sf", str(FIXTURES / "rac_dtmf_pause.xml")))
    assert p.returncode == 0, f"sipp failed ({p.returncode}): {p.err}"
    deadline = time.time() + 15
    while True:
        with db.connect() as c:
            r = c.execute("SELECT status, paused FROM recordings").fetchall()
        if r or time.time() > deadline:
            break
        time.sleep(0.1)
    assert len(r) == 1, rec.log.read_text()[-3000:]
    status, paused = r[0]
    assert status == "recorded"
    assert paused == [{"start_ms": at[1], "end_ms": at[3], "by": "dtmf"}]
