"""IP/SIP extension recording: live capture of mirrored traffic (libpcap on lo).

The recorder service captures on lo with the manual's four settings: Mirror Ports
(mirror_interfaces = lo), Packet Filters (the PBX's SIP port, RTP ranges), Addresses (a
loopback address of this test's own that plays the PBX) and Recorded Devices (the
recorded_devices table).  Real peers: sipp plays the PBX (UAS) and the phone (UAC, From =
the extension, playing sipp's g711a.pcap), or the other way round; a MiNET phone is a
socket sending RTP from an address of its own, with no SIP at all.  Checked:
  - a phone's call to the PBX is recorded for that extension: one recordings row (source
    mirror), its audio equals g711a.pcap sample for sample, metadata packets = 246;
  - the PBX's call to a phone is recorded for the callee;
  - a device not in Recorded Devices, and a call between two phones that bypasses the PBX,
    are not recorded; neither is an internal call with exclude_internal;
  - over mirror_max_calls: first come, first served - the second concurrent call gets a
    row 'not_recorded_limit' and no file; a call after the first ended is recorded again;
  - a MiNET phone is recorded by its address, ended when its RTP stops;
  - Exclusion / Inclusion lists on the linked logger segment: an excluded endpoint is
    discarded (file gone, row 'discarded' with the rule, a 'deleted' event), an inclusion
    overrides it, and exclude_internal overrides the inclusion.
Every test uses its own 127.x.y.0/24 addresses so parallel tests never see each other's
calls as their own.  Needs root (capture) and sipp.
"""

import json
import os
import random
import socket
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_recorder_offline import find, free_udp_block, g711a_reference, read_wav  # noqa: E402
from test_recorder_rac import Recorder, need, pcap_dir  # noqa: E402,F401 (pcap_dir: fixture)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402

BINDIR = Path(os.environ.get("HS_BINDIR", Path(__file__).resolve().parents[2] / "build" / "bin"))
CTL = BINDIR / "hookswitchctl"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "recorder"


class Net:
    """This test's own loopback /24: .1 is the PBX, .2, .3 ... phones."""

    def __init__(self):
        self.prefix = f"127.{random.randint(20, 250)}.{random.randint(1, 250)}"
        self.pbx = self.ip(1)
        self.pbx_sip = free_udp_block(1)

    def ip(self, n):
        return f"{self.prefix}.{n}"


@pytest.fixture
def mirror(db, tmp_path, monkeypatch):
    """make(devices, **settings) -> (Recorder, Net): a migrated database with the given
    recorded devices, and a recorder capturing on lo for this test's PBX address."""
    need()
    if os.geteuid() != 0:
        pytest.fail("capture on lo needs root", pytrace=False)
    monkeypatch.setenv("HOOKSWITCH_DB_CONNINFO", db.dsn)
    monkeypatch.setenv("HOOKSWITCH_SERVER_ID", "1")
    monkeypatch.setenv("HOOKSWITCH_PATHS_MIGRATIONS", str(MIGRATIONS))
    monkeypatch.setenv("HOOKSWITCH_RECORDER_LINK_INTERVAL", "1")
    p = subprocess.run([str(CTL), "db", "migrate"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    made = []

    def make(devices=(), pbx_hosts=(1,), **settings):
        net = Net()
        with db.connect() as c:
            for ext, ip in devices:
                c.execute("INSERT INTO recorded_devices (extension, method, ip) VALUES"
                          " (%s, 'mirror', %s)", (ext, ip))
        s = {"mirror_interfaces": "lo",
             "pbx_addresses": ", ".join(net.ip(n) for n in pbx_hosts),
             "mirror_sip_ports": str(net.pbx_sip), "mirror_rtp_ports": "1024-65535",
             "mirror_idle": "2"}
        s.update(settings)
        r = Recorder(tmp_path / f"rec{len(made)}", **s)
        made.append(r)
        deadline = time.time() + 10
        while "event=mirror.capturing" not in r.log.read_text():
            assert "mirror.start_failed" not in r.log.read_text(), r.log.read_text()
            assert time.time() < deadline, r.log.read_text()
            time.sleep(0.05)
        time.sleep(0.3)  # the first Recorded Devices snapshot (read right after the start)
        return r, net

    yield make
    for r in made:
        assert r.stop() == 0, r.log.read_text()[-3000:]


def rows(db, sql, *args):
    with db.connect() as c:
        return c.execute(sql, args).fetchall()


def wait_rows(db, n, timeout=20, where="true"):
    deadline = time.time() + timeout
    while True:
        r = rows(db, "SELECT id, source, extension, status, path, sip_call_id, metadata"
                     f" FROM recordings WHERE {where} ORDER BY id")
        if len(r) >= n or time.time() > deadline:
            return r
        time.sleep(0.1)


def ctl(rec, *args):
    """hookswitchctl --json with no database: it asks this server's recorder (the test's
    servers table is empty).  (exit code, body, stderr)"""
    env = dict(os.environ, HOOKSWITCH_DB_CONNINFO="host=/nonexistent dbname=none")
    p = subprocess.run([str(CTL), "-c", str(rec.conf), "--json", *args],
                       capture_output=True, text=True, timeout=30, env=env)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None, p.stderr


def health(rec):
    rc, body, err = ctl(rec, "health", "recorder")
    assert rc == 0, err
    return body.get("body", body)["mirror"]


def pbx_uas(cwd, net, wait=False):
    """sipp as the PBX answering one call (no RTP back: the recording is the phone's)."""
    return subprocess.Popen(
        ["sipp", "-sn", "uas", "-i", net.pbx, "-p", str(net.pbx_sip),
         "-mp", str(free_udp_block(4)), "-m", "1", "-nostdin", "-timeout", "30"],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def phone_call(cwd, net, phone_ip, ext, to="2000", port=None):
    """sipp as a phone calling the PBX, From = ext, playing g711a.pcap."""
    return subprocess.Popen(
        ["sipp", "-sf", str(FIXTURES / "mirror_uac.xml"), f"{net.pbx}:{port or net.pbx_sip}",
         "-i", phone_ip, "-p", str(free_udp_block(1)), "-mp", str(free_udp_block(4)),
         "-m", "1", "-nostdin", "-timeout", "30", "-key", "ext", ext, "-s", to],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(*procs):
    for p in procs:
        err = p.communicate(timeout=60)[1]
        assert p.returncode == 0, err


def audio_of(rec, path):
    (mono,) = read_wav(rec.state / "recordings" / path)
    return mono


def test_phone_to_pbx_recorded(mirror, db, pcap_dir):
    rec, net = mirror(devices=[("1001", None)], encrypt="false")
    uas = pbx_uas(pcap_dir, net)
    time.sleep(0.3)
    finish(phone_call(pcap_dir, net, net.ip(2), "1001"), uas)
    r = wait_rows(db, 1)
    assert len(r) == 1, json.dumps(health(rec)) + rec.log.read_text()[-3000:]
    _, source, ext, status, path, call_id, meta = r[0]
    assert (source, ext, status) == ("mirror", "1001", "recorded")
    assert meta["source"] == "mirror" and meta["extension"] == "1001"
    assert meta["end_reason"] == "bye" and meta["from"]["user"] == "1001"
    # the phone's direction: every packet of g711a.pcap and the RFC 2833 '1'
    assert meta["directions"][0]["packets"] == 246 and meta["directions"][0]["lost"] == 0, json.dumps(meta)
    assert [e["digit"] for e in meta["telephone_events"]] == ["1"]
    ref, _ = g711a_reference()
    assert find(audio_of(rec, path), ref, 800) == 0, "the audio differs from g711a.pcap"
    h = health(rec)
    assert h["capturing"] and h["recorded"] == 1 and h["active"] == 0 and h["dropped"] == 0


def test_pbx_to_phone_recorded_for_callee(mirror, db, pcap_dir):
    rec, net = mirror(devices=[("1001", None)], encrypt="false")
    phone_sip = free_udp_block(1)
    uas = subprocess.Popen(
        ["sipp", "-sn", "uas", "-i", net.ip(2), "-p", str(phone_sip),
         "-mp", str(free_udp_block(4)), "-m", "1", "-nostdin", "-timeout", "30"],
        cwd=pcap_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    # the PBX sends from its SIP port (in the packet filter): an outside caller to 1001
    uac = subprocess.Popen(
        ["sipp", "-sf", str(FIXTURES / "mirror_uac.xml"), f"{net.ip(2)}:{phone_sip}",
         "-i", net.pbx, "-p", str(net.pbx_sip), "-mp", str(free_udp_block(4)), "-m", "1",
         "-nostdin", "-timeout", "30", "-key", "ext", "0123456789", "-s", "1001"],
        cwd=pcap_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    finish(uac, uas)
    r = wait_rows(db, 1)
    assert len(r) == 1, rec.log.read_text()[-3000:]
    assert r[0][1:4] == ("mirror", "1001", "recorded")
    assert r[0][6]["to"]["user"] == "1001"
    ref, _ = g711a_reference()
    assert find(audio_of(rec, r[0][4]), ref, 800) == 0


def test_not_recorded_device_trunkless_and_internal(mirror, db, pcap_dir):
    # .1 and .3 are both the PBX (say a base server and a PS-1)
    rec, net = mirror(devices=[("1001", None), ("1002", None)], pbx_hosts=(1, 3),
                      exclude_internal="true")
    with db.connect() as c:  # the PBX's own extensions, as cti-host imports them
        for n in ("1001", "1002", "1005"):
            c.execute("INSERT INTO devices (number, kind) VALUES (%s, 'extension')", (n,))
    # 1005 is an extension but not a recorded device
    uas = pbx_uas(pcap_dir, net)
    time.sleep(0.3)
    finish(phone_call(pcap_dir, net, net.ip(2), "1005"), uas)
    # 1001 calls 1002 (both PBX extensions): internal, excluded
    uas = pbx_uas(pcap_dir, net)
    time.sleep(0.3)
    finish(phone_call(pcap_dir, net, net.ip(2), "1001", to="1002"), uas)
    # PBX to PBX (a node link or a SIP trunk): nobody's extension, though From is 1001
    other = subprocess.Popen(
        ["sipp", "-sn", "uas", "-i", net.ip(3), "-p", str(net.pbx_sip),
         "-mp", str(free_udp_block(4)), "-m", "1", "-nostdin", "-timeout", "30"],
        cwd=pcap_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    node = Net()
    node.pbx, node.pbx_sip = net.ip(3), net.pbx_sip
    finish(phone_call(pcap_dir, node, net.pbx, "1001", to="9"), other)
    time.sleep(1.5)
    h = health(rec)
    assert (h["not_recorded_device"], h["internal"], h["not_pbx"], h["recorded"]) == \
        (1, 1, 1, 0), h
    assert wait_rows(db, 1, timeout=1) == []
    assert rec.files("wav") + rec.files("hsrec") == []


def test_limit_first_come_first_served(mirror, db, pcap_dir):
    rec, net = mirror(devices=[("1001", None), ("1002", None)], mirror_max_calls="1",
                      encrypt="false")
    uas = subprocess.Popen(
        ["sipp", "-sn", "uas", "-i", net.pbx, "-p", str(net.pbx_sip),
         "-mp", str(free_udp_block(4)), "-m", "3", "-nostdin", "-timeout", "60"],
        cwd=pcap_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    first = phone_call(pcap_dir, net, net.ip(2), "1001")
    time.sleep(1.5)
    second = phone_call(pcap_dir, net, net.ip(3), "1002")  # while 1001 holds the licence
    finish(first, second)
    third = phone_call(pcap_dir, net, net.ip(3), "1002")  # the licence is free again
    finish(third, uas)
    r = wait_rows(db, 3)
    assert len(r) == 3, json.dumps(health(rec)) + rec.log.read_text()[-3000:]
    got = sorted((ext, status, path is not None) for _, _, ext, status, path, _, _ in r)
    assert got == [("1001", "recorded", True), ("1002", "not_recorded_limit", False),
                   ("1002", "recorded", True)]
    # the refused call's row still tells when it was and which call
    refused = rows(db, "SELECT sip_call_id, duration_ms, start_ts < end_ts FROM recordings"
                       " WHERE status = 'not_recorded_limit'")
    assert refused[0][0].endswith(f"@{net.ip(3)}") and refused[0][1] > 5000 and refused[0][2]
    assert len(rec.files("wav")) == 2
    h = health(rec)
    assert (h["recorded"], h["refused_limit"], h["active"]) == (2, 1, 0)


def minet_packets(n):
    """n RTP packets (seq, ts, A-law payload) of g711a.pcap's audio, 20 ms each, and that
    audio as 16-bit samples."""
    ref, _ = g711a_reference()
    lin = struct.pack(f"<{n * 160}h", *ref[:n * 160])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        alaw = audioop.lin2alaw(lin, 2)
    pkts = [(1000 + i, 5000 + 160 * i, alaw[160 * i:160 * (i + 1)]) for i in range(n)]
    return pkts, ref[:n * 160]


def test_minet_phone_by_address(mirror, db):
    """No SIP: RTP between the PBX and a recorded MiNET phone's address is its call."""
    rec, net = mirror(devices=[("1003", None)], encrypt="false")
    with db.connect() as c:
        c.execute("UPDATE recorded_devices SET ip = %s WHERE extension = '1003'", (net.ip(4),))
    time.sleep(11)  # Recorded Devices are read again every 10 s
    pkts, ref = minet_packets(150)
    port = free_udp_block(2)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((net.ip(4), port))
        t0 = time.time()
        for i, (seq, ts, payload) in enumerate(pkts):
            hdr = struct.pack(">BBHII", 0x80, 8, seq, ts, 0x1234abcd)
            s.sendto(hdr + payload, (net.pbx, port + 2))
            time.sleep(max(0, t0 + (i + 1) * 0.02 - time.time()))
    r = wait_rows(db, 1, timeout=15)  # ended by mirror_idle (2 s) without RTP
    assert len(r) == 1, json.dumps(health(rec)) + rec.log.read_text()[-3000:]
    _, source, ext, status, path, call_id, meta = r[0]
    assert (source, ext, status) == ("mirror", "1003", "recorded")
    assert call_id.startswith(f"minet-{net.ip(4)}:{port}-") and meta["end_reason"] == "timeout"
    assert meta["directions"][0]["packets"] == 150 and meta["directions"][0]["lost"] == 0
    assert find(audio_of(rec, path), ref, 800) == 0
    assert health(rec)["minet"] == 1


def test_exclusion_and_inclusion_lists(mirror, db, pcap_dir):
    rec, net = mirror(devices=[("1001", None)], encrypt="false")
    with db.connect() as c:  # the logger's segment of 1001: an inbound external call
        c.execute("INSERT INTO calls (call_id, pbx_call_id, state, call_type, direction,"
                  " created_ts, start_ts, cli, hunt_group) VALUES (91, 'M1', 'connected',"
                  " 'external', 'in', now() - interval '1 minute', now() - interval '1 minute',"
                  " '0123456789', '5000')")
        c.execute("INSERT INTO call_segments (rec_id, call_id, segment_no, pbx_call_id, state,"
                  " call_type, direction, start_ts, cli, hunt_group) VALUES (92, 91, 1, 'M1',"
                  " 'connected', 'external', 'in', now() - interval '1 minute', '0123456789',"
                  " '5000')")
        c.execute("INSERT INTO segment_parties (rec_id, device, device_kind, join_ts) VALUES"
                  " (92, '1001', 'extension', now() - interval '1 minute')")
        c.execute("INSERT INTO recording_rules (list, match_type, value, description) VALUES"
                  " ('exclusion', 'endpoint', '1001', 'a director')")
    uas = pbx_uas(pcap_dir, net)
    time.sleep(0.3)
    finish(phone_call(pcap_dir, net, net.ip(2), "1001"), uas)

    def discarded():
        return rows(db, "SELECT id, status, discard_reason, deleted_reason, path, rec_id"
                        " FROM recordings WHERE rules_checked_at IS NOT NULL ORDER BY id")
    deadline = time.time() + 20
    while not discarded() and time.time() < deadline:
        time.sleep(0.2)
    d = discarded()
    assert len(d) == 1, rec.log.read_text()[-3000:]
    rid, status, why, deleted, path, rec_id = d[0]
    assert (status, deleted, rec_id) == ("discarded", "discarded", 92)
    assert why == 'exclusion list: endpoint contains "1001"'
    assert not (rec.state / "recordings" / path).exists()
    assert not (rec.state / "recordings" / path.replace(".wav", ".json")).exists()
    ev = rows(db, "SELECT details->>'rule' FROM recording_events WHERE recording_id = %s"
                  " AND action = 'deleted'", rid)
    assert ev == [(why,)]

    # an inclusion entry on the caller's number overrides the exclusion
    with db.connect() as c:
        c.execute("INSERT INTO recording_rules (list, match_type, value) VALUES"
                  " ('inclusion', 'outside_number', '012345')")
    uas = pbx_uas(pcap_dir, net)
    time.sleep(0.3)
    finish(phone_call(pcap_dir, net, net.ip(2), "1001"), uas)
    deadline = time.time() + 20
    while len(discarded()) < 2 and time.time() < deadline:
        time.sleep(0.2)
    d = discarded()
    assert len(d) == 2, rec.log.read_text()[-3000:]
    assert d[1][1:4] == ("recorded", None, None)
    assert (rec.state / "recordings" / d[1][4]).exists()


def test_pause_resume_captured_call(mirror, db, pcap_dir):
    """recording.pause/resume reach a captured call by its extension (Record-A-Call has
    none); the span is silence and the rest is g711a.pcap."""
    from test_recorder_pause import check_audio
    rec, net = mirror(devices=[("1001", None)], encrypt="false")
    rc, _, err = ctl(rec, "recording", "pause", "1001")
    assert rc == 1 and "ENOTFOUND" in err, err
    uas = pbx_uas(pcap_dir, net)
    time.sleep(0.3)
    p = phone_call(pcap_dir, net, net.ip(2), "1001")
    deadline = time.time() + 10
    while health(rec)["active"] < 1:
        assert time.time() < deadline, rec.log.read_text()[-2000:]
        time.sleep(0.05)
    time.sleep(1.0)
    rc, paused, err = ctl(rec, "recording", "pause", "1001")
    assert rc == 0 and paused["paused"] and paused["changed"], err
    assert paused["sip_call_id"].endswith(f"@{net.ip(2)}")
    time.sleep(2.0)
    rc, resumed, err = ctl(rec, "recording", "resume", "--call", paused["sip_call_id"])
    assert rc == 0 and resumed["changed"] and not resumed["paused"], err
    finish(p, uas)
    r = wait_rows(db, 1)
    assert len(r) == 1, rec.log.read_text()[-3000:]
    start, end = paused["at_ms"], resumed["at_ms"]
    assert 1900 <= end - start <= 2500, (start, end)
    assert r[0][6]["paused"] == [{"start_ms": start, "end_ms": end, "by": "api"}]
    ref, _ = g711a_reference()
    check_audio(audio_of(rec, r[0][4]), [(start * 8, end * 8)], ref)
