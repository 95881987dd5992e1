"""hookswitch-recorder as a service: the Record-A-Call SIP endpoint against a real peer.

sipp plays the PBX: it sends the INVITE (the built-in uac_pcap scenario, or the scenarios in
fixtures/recorder/ for digest authentication and CANCEL), then sipp's own g711a.pcap and an
RFC 2833 '1' as RTP, then BYE.  The recorder runs straight from build/bin with a config file
of its own (no database, no watchdog: the service needs neither), on random free ports and
temporary folders, so tests run in parallel.  Checked:
  - the recorded audio equals g711a.pcap's A-law payload decoded by CPython's audioop,
    sample for sample; the metadata has the call's Call-ID, From, To, the PBX's address,
    start/answer/end and the telephone-event;
  - 9 concurrent calls: 8 recorded, the 9th gets 486 Busy Here with a Warning that says why;
  - a source outside recorder.sip_allowed gets 403; no credentials get a 401 challenge,
    wrong ones 403 and nothing is recorded, right ones are recorded;
  - OPTIONS gets 200; CANCEL before the answer gets 487 and leaves no file;
  - malformed SIP datagrams leave the process alive and answering;
  - SIGTERM during a call writes that call (end_reason "shutdown") and exits 0.
"""

import glob
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_recorder_offline import (  # noqa: E402
    RECORDER, SIPP_SHARE, find, free_udp_block, g711a_reference, read_wav)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "recorder"
G711A_PACKETS = 236 + 10  # g711a.pcap, then dtmf_2833_1.pcap


def need():
    if shutil.which("sipp") is None:
        pytest.fail("missing sipp (tools/install-deps installs sip-tester)", pytrace=False)
    if not os.access(RECORDER, os.X_OK):
        pytest.fail(f"missing {RECORDER}: run make first", pytrace=False)


class Recorder:
    """One hookswitch-recorder service on 127.0.0.1 with its own ports and folders."""

    def __init__(self, tmp_path, **settings):
        self.dir = Path(tmp_path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.bus = Path(tempfile.mkdtemp(prefix="hs-rac-", dir="/tmp"))
        self.state = self.dir / "state"
        self.sip_port = free_udp_block(1)
        self.rtp_min = free_udp_block(40)
        rec = {
            "sip_listen": "127.0.0.1",
            "sip_port": self.sip_port,
            "sip_allowed": "127.0.0.1",
            "rtp_port_min": self.rtp_min,
            "rtp_port_max": self.rtp_min + 39,
            "format": "wav",
            # these tests read the audio as recorded; test_recorder_store.py covers sealing
            "encrypt": "false",
        }
        rec.update(settings)
        lines = ["[bus]", f"dir = {self.bus}", "[paths]", f"state = {self.state}",
                 "[recorder]"] + [f"{k} = {v}" for k, v in rec.items()]
        self.conf = self.dir / "recorder.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.log = self.dir / "recorder.log"
        self.proc = subprocess.Popen([str(RECORDER), "-c", str(self.conf), "-d"],
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        while "event=rac.listening" not in self.log.read_text():
            assert self.proc.poll() is None, f"recorder exited: {self.log.read_text()}"
            assert time.time() < deadline, f"recorder not listening: {self.log.read_text()}"
            time.sleep(0.05)

    def files(self, ext):
        return sorted(glob.glob(f"{self.state}/recordings/*/*/*/*.{ext}"))

    def metas(self):
        return [json.loads(Path(f).read_text()) for f in self.files("json")]

    def stop(self):
        """SIGTERM; the service must exit 0 (every handle closed, the SIP thread joined)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"recorder did not stop on SIGTERM: {self.log.read_text()[-3000:]}")
        shutil.rmtree(self.bus, ignore_errors=True)
        return self.proc.returncode


@pytest.fixture
def recorder(tmp_path):
    need()
    made = []

    def make(**settings):
        r = Recorder(tmp_path / f"rec{len(made)}", **settings)
        made.append(r)
        return r

    yield make
    for r in made:
        rc = r.stop()
        assert rc == 0, f"recorder exit {rc}: {r.log.read_text()[-3000:]}"


@pytest.fixture(scope="module")
def pcap_dir(tmp_path_factory):
    """A folder with pcap/*.pcap, where sipp runs (its scenarios name pcap/g711a.pcap)."""
    d = tmp_path_factory.mktemp("sipp")
    (d / "pcap").mkdir()
    for f in ("g711a.pcap", "dtmf_2833_1.pcap"):
        shutil.copy(SIPP_SHARE / f, d / "pcap" / f)
    return d


def sipp(cwd, rec, *args, local_ip="127.0.0.1", scenario=("-sn", "uac_pcap"), wait=True):
    """sipp as the PBX calling rec once; returns the Popen (waited for when wait)."""
    sip_port = free_udp_block(1)
    media = free_udp_block(4)
    p = subprocess.Popen(
        ["sipp", *scenario, f"127.0.0.1:{rec.sip_port}", "-i", local_ip, "-p", str(sip_port),
         "-mp", str(media), "-m", "1", "-nostdin", "-timeout", "40", *args],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    p.sip_port = sip_port
    if wait:
        p.err = p.communicate(timeout=60)[1]
    return p


# ---- raw SIP over UDP, for what sipp cannot say or check ---------------------------------

def sip_exchange(rec, text, src_ip="127.0.0.1", timeout=3.0):
    """Sends one datagram to the recorder; returns the first reply's text, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src_ip, 0))
        s.settimeout(timeout)
        port = s.getsockname()[1]
        data = text.replace("{port}", str(port)) if isinstance(text, str) else text
        s.sendto(data.encode() if isinstance(data, str) else data, ("127.0.0.1", rec.sip_port))
        try:
            return s.recv(65535).decode(errors="replace")
        except socket.timeout:
            return None


def request(method, rec, body="", ctype="application/sdp", call_id=None, src_ip="127.0.0.1",
            extra=""):
    cid = call_id or f"{random.getrandbits(64):x}@test"
    head = (f"{method} sip:recorder@127.0.0.1:{rec.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {src_ip}:{{port}};branch=z9hG4bK{random.getrandbits(48):x}\r\n"
            f"From: \"PBX\" <sip:pbx@{src_ip}>;tag={random.getrandbits(32):x}\r\n"
            f"To: <sip:recorder@127.0.0.1>\r\n"
            f"Call-ID: {cid}\r\n"
            f"CSeq: 1 {method}\r\n"
            f"Contact: <sip:pbx@{src_ip}:{{port}}>\r\n"
            f"Max-Forwards: 70\r\n{extra}")
    if body:
        head += f"Content-Type: {ctype}\r\n"
    return head + f"Content-Length: {len(body)}\r\n\r\n" + body


def sdp(codecs="8 101", maps=("a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000"),
        port=40000):
    return ("v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {codecs}\r\n" + "".join(m + "\r\n" for m in maps))


def status_of(reply):
    assert reply is not None, "no reply"
    return int(reply.split(" ", 2)[1])


def header(reply, name):
    for line in reply.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return None


def assert_is_g711a(path):
    (mono,) = read_wav(path)
    ref, _ = g711a_reference()
    o = find(mono, ref, 800)
    assert o is not None, f"{path}: the recorded audio differs from g711a.pcap's payload"
    assert o == 0, f"{path}: the audio starts {o} samples late"
    return mono


# ---- tests ---------------------------------------------------------------------------------

def test_rac_call_sample_for_sample(recorder, pcap_dir):
    rec = recorder()
    assert status_of(sip_exchange(rec, request("OPTIONS", rec))) == 200
    p = sipp(pcap_dir, rec)
    assert p.returncode == 0, f"sipp failed ({p.returncode}): {p.err}"
    wait_for_files(rec, 1)
    (m,) = rec.metas()
    (wav,) = rec.files("wav")
    # the dated layout: <paths.state>/recordings/YYYY/MM/DD/, from the INVITE's time (UTC)
    day = m["start"][:10].replace("-", "/")
    assert wav.startswith(f"{rec.state}/recordings/{day}/")
    assert Path(wav).name == m["file"]

    mono = assert_is_g711a(wav)
    assert len(mono) == m["samples"]
    ref, _ = g711a_reference()
    assert all(v == 0 for v in mono[len(ref):])  # the digit is out of band: silence

    # The call as the PBX (sipp) sent it.  sipp's Call-ID is <call number>-<pid>@<ip>.
    assert m["call_id"] == f"1-{p.pid}@127.0.0.1"
    assert m["source"] == "rac" and m["rac_address"] == f"127.0.0.1:{p.sip_port}"
    assert m["from"]["user"] == "sipp" and m["from"]["display"] == "sipp"
    assert m["from"]["tag"] == f"{p.pid}SIPpTag091"
    assert m["to"]["user"] == "service"
    assert m["sip_from"] == f"sipp <sip:sipp@127.0.0.1:{p.sip_port}>;tag={p.pid}SIPpTag091"
    assert m["sip_to"] == f"service <sip:service@127.0.0.1:{rec.sip_port}>"
    assert m["start"] <= m["answer"] <= m["audio_start"] <= m["end"]
    assert m["end_reason"] == "bye"
    assert m["codecs"] == ["PCMA"] and m["format"] == "wav" and m["channels"] == 1
    caller, callee = m["directions"]
    assert caller["packets"] == G711A_PACKETS and caller["lost"] == 0 and caller["late"] == 0
    assert caller["dst"] .startswith("127.0.0.1:")
    assert rec.rtp_min <= int(caller["dst"].rsplit(":", 1)[1]) <= rec.rtp_min + 39
    assert callee["packets"] == 0
    # RFC 2833: sipp's '1' after the audio, listed (pause/resume is a later step)
    (ev,) = m["telephone_events"]
    assert ev["from"] == "caller" and ev["digit"] == "1" and ev["ended"]
    assert len(ref) / 8 <= ev["offset_ms"] <= len(ref) / 8 + 3000
    assert "event=recording.written" in rec.log.read_text()


def wait_for_files(rec, n, timeout=10):
    deadline = time.time() + timeout
    while len(rec.files("json")) < n:
        assert time.time() < deadline, f"{len(rec.files('json'))} recordings, wanted {n}"
        time.sleep(0.1)
    time.sleep(0.2)
    assert len(rec.files("json")) == n, rec.files("json")


def test_rac_port_limit(recorder, pcap_dir):
    rec = recorder()  # recorder.max_ports defaults to 8, the manual's limit
    calls = [sipp(pcap_dir, rec, wait=False) for _ in range(9)]
    time.sleep(2)
    # While the 8 are being recorded, one more is refused, saying why.
    reply = sip_exchange(rec, request("INVITE", rec, sdp()))
    assert status_of(reply) == 486, reply
    assert reply.startswith("SIP/2.0 486 Busy Here")
    assert "All 8 Record-A-Call ports are in use" in header(reply, "Warning")
    for p in calls:
        p.err = p.communicate(timeout=60)[1]
    ok = [p for p in calls if p.returncode == 0]
    refused = [p for p in calls if p.returncode != 0]
    assert len(ok) == 8 and len(refused) == 1, [(p.returncode, p.err[-500:]) for p in calls]
    assert "SIP/2.0 486 Busy Here" in refused[0].err, refused[0].err
    assert "All 8 Record-A-Call ports are in use (recorder.max_ports)" in refused[0].err
    wait_for_files(rec, 8)
    metas = rec.metas()
    assert sorted(m["call_id"] for m in metas) == sorted(f"1-{p.pid}@127.0.0.1" for p in ok)
    for m in metas:
        assert m["directions"][0]["packets"] == G711A_PACKETS and m["directions"][0]["lost"] == 0
    for wav in rec.files("wav"):
        assert_is_g711a(wav)
    # the ports are free again
    assert status_of(sip_exchange(rec, request("OPTIONS", rec))) == 200


def test_rac_source_not_allowed(recorder, pcap_dir):
    rec = recorder(sip_allowed="127.0.0.1")
    p = sipp(pcap_dir, rec, local_ip="127.0.0.2")
    assert p.returncode != 0
    assert "SIP/2.0 403 Forbidden" in p.err, p.err
    assert "Source address not allowed" in p.err
    reply = sip_exchange(rec, request("OPTIONS", rec, src_ip="127.0.0.2"), src_ip="127.0.0.2")
    assert status_of(reply) == 403
    # a CIDR that holds it lets it in
    rec2 = recorder(sip_allowed="10.0.0.0/8, 127.0.0.0/30")
    reply = sip_exchange(rec2, request("OPTIONS", rec2, src_ip="127.0.0.2"), src_ip="127.0.0.2")
    assert status_of(reply) == 200
    time.sleep(0.3)
    assert rec.files("json") == [] and rec.files("wav") == []


def test_rac_digest_auth(recorder, pcap_dir):
    rec = recorder(sip_user="pbx", sip_password="s3cret-Pass")
    # no credentials: a challenge
    reply = sip_exchange(rec, request("INVITE", rec, sdp()))
    assert status_of(reply) == 401, reply
    chall = header(reply, "WWW-Authenticate")
    assert chall.startswith("Digest ") and 'realm="hookswitch"' in chall and "nonce=" in chall
    # a forged nonce: challenged again, not accepted
    bad = ('Authorization: Digest username="pbx", realm="hookswitch", nonce="' + "0" * 40 +
           f'", uri="sip:recorder@127.0.0.1:{rec.sip_port}", response="' + "0" * 32 + '"\r\n')
    reply = sip_exchange(rec, request("INVITE", rec, sdp(), extra=bad))
    assert status_of(reply) == 401, reply
    # wrong password: 403 and nothing recorded
    p = sipp(pcap_dir, rec, "-au", "pbx", "-ap", "wrong",
             scenario=("-sf", str(FIXTURES / "rac_uac_auth.xml")))
    assert p.returncode != 0
    assert "SIP/2.0 403 Forbidden" in p.err, p.err
    assert "Wrong user name or password" in p.err
    p = sipp(pcap_dir, rec, "-au", "intruder", "-ap", "s3cret-Pass",
             scenario=("-sf", str(FIXTURES / "rac_uac_auth.xml")))
    assert p.returncode != 0 and "SIP/2.0 403 Forbidden" in p.err, p.err
    time.sleep(0.3)
    assert rec.files("json") == [] and rec.files("wav") == []
    assert "event=rac.auth_failed" in rec.log.read_text()
    # the right one: recorded
    p = sipp(pcap_dir, rec, "-au", "pbx", "-ap", "s3cret-Pass",
             scenario=("-sf", str(FIXTURES / "rac_uac_auth.xml")))
    assert p.returncode == 0, p.err
    wait_for_files(rec, 1)
    (m,) = rec.metas()
    assert m["call_id"] == f"1-{p.pid}@127.0.0.1" and m["end_reason"] == "bye"
    assert_is_g711a(rec.files("wav")[0])


def test_rac_options_cancel_and_bad_offers(recorder, pcap_dir):
    rec = recorder(answer_delay_ms=3000)
    reply = sip_exchange(rec, request("OPTIONS", rec))
    assert status_of(reply) == 200
    assert "INVITE" in header(reply, "Allow") and "BYE" in header(reply, "Allow")
    # CANCEL before the answer: 487 to the INVITE (the scenario expects 180, 200, 487)
    p = sipp(pcap_dir, rec, scenario=("-sf", str(FIXTURES / "rac_cancel.xml")))
    assert p.returncode == 0, p.err
    # offers the endpoint cannot take: 488 with a Warning
    reply = sip_exchange(rec, request("INVITE", rec, sdp("18", ["a=rtpmap:18 G729/8000"])))
    assert status_of(reply) == 488 and header(reply, "Warning").startswith("305 "), reply
    reply = sip_exchange(rec, request("INVITE", rec, ""))
    assert status_of(reply) == 488, reply
    reply = sip_exchange(rec, request("INVITE", rec, "v=0\r\ns=-\r\n"))
    assert status_of(reply) == 488, reply
    # other methods outside a dialog
    assert status_of(sip_exchange(rec, request("REGISTER", rec))) == 405
    assert status_of(sip_exchange(rec, request("BYE", rec))) == 481
    time.sleep(0.5)
    assert rec.files("json") == [] and rec.files("wav") == []
    log = rec.log.read_text()
    assert "event=recording.none" in log and "end=cancel" in log


def test_rac_malformed_sip_survives(recorder):
    rec = recorder()
    good = request("OPTIONS", rec)
    junk = [
        b"",
        b"\x00" * 100,
        bytes(random.getrandbits(8) for _ in range(1400)),
        b"INVITE\r\n\r\n",
        b"INVITE sip:x SIP/2.0\r\n\r\n",
        good[:60].encode(),
        good.replace("Call-ID", "X-Call").encode(),
        good.replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS").encode(),
        good.replace("Content-Length: 0", "Content-Length: 99999").encode(),
        good.replace("Content-Length: 0", "Content-Length: -5").encode(),
        good.replace("Via: SIP/2.0/UDP", "Via: SIP/9.9/QQQ").encode(),
        request("INVITE", rec, sdp()).replace("m=audio 40000", "m=audio 99999999").encode(),
        request("INVITE", rec, sdp()).replace("\r\n", "\n").encode(),
        request("INVITE", rec, "v=0\r\n" + "a=x\r\n" * 2000).encode(),
        ("OPTIONS sip:x SIP/2.0\r\n" + "X-Long: " + "a" * 60000 + "\r\n\r\n").encode(),
        b"SIP/2.0 200 OK\r\nCall-ID: nobody\r\nCSeq: 1 INVITE\r\n\r\n",
        b"\x80\x08\x00\x01" + b"\x00" * 168,  # RTP at the SIP port
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        for d in junk:
            s.sendto(d.replace(b"{port}", str(port).encode()), ("127.0.0.1", rec.sip_port))
    time.sleep(0.5)
    assert rec.proc.poll() is None, rec.log.read_text()
    assert status_of(sip_exchange(rec, request("OPTIONS", rec))) == 200
    # and still takes a call
    reply = sip_exchange(rec, request("INVITE", rec, sdp()))
    assert status_of(reply) == 200 and "m=audio" in reply
    assert header(reply, "Content-Type") == "application/sdp"


def test_rac_answer_sdp(recorder):
    rec = recorder()
    # µ-law only, 40 ms packets: answered in kind, receive only
    reply = sip_exchange(rec, request("INVITE", rec, sdp("0", ["a=rtpmap:0 PCMU/8000",
                                                               "a=ptime:40"])))
    assert status_of(reply) == 200, reply
    body = reply.split("\r\n\r\n", 1)[1]
    assert "c=IN IP4 127.0.0.1" in body
    m = [line for line in body.split("\r\n") if line.startswith("m=audio ")]
    assert len(m) == 1 and m[0].endswith("RTP/AVP 0")
    port = int(m[0].split()[1])
    assert rec.rtp_min <= port <= rec.rtp_min + 39 and port % 2 == 0
    assert "a=rtpmap:0 PCMU/8000" in body and "a=ptime:40" in body and "a=recvonly" in body
    # A-law preferred when offered first; the telephone-event is kept
    reply = sip_exchange(rec, request("INVITE", rec, sdp("8 0 101", [
        "a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000"])))
    body = reply.split("\r\n\r\n", 1)[1]
    assert "RTP/AVP 8 101" in body and "a=ptime:20" in body
    assert "a=rtpmap:101 telephone-event/8000" in body


def test_rac_shutdown_during_call(recorder, pcap_dir):
    rec = recorder()
    p = sipp(pcap_dir, rec, wait=False)
    deadline = time.time() + 10
    while not glob.glob(f"{rec.state}/recordings/*/*/*/*.wav"):
        assert time.time() < deadline, "the recording did not start"
        time.sleep(0.1)
    time.sleep(2)
    assert rec.stop() == 0, rec.log.read_text()
    p.communicate(timeout=60)
    (m,) = rec.metas()
    assert m["end_reason"] == "shutdown"
    assert 1.0 < m["duration_s"] < 6.0
    (mono,) = read_wav(rec.files("wav")[0])
    ref, _ = g711a_reference()
    n = len(mono) - 400  # the last packets may be in flight when the stop comes
    assert mono[:n] == ref[:n]


def test_rac_rtp_timeout_sends_bye(recorder):
    """A PBX that stops sending RTP and never says BYE: after recorder.rtp_timeout the
    recorder ends the call itself, with a BYE, and writes what it got."""
    rec = recorder(rtp_timeout=2)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp:
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        rtp.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        cid = f"{random.getrandbits(64):x}@test"
        inv = request("INVITE", rec, sdp("8", ["a=rtpmap:8 PCMA/8000"],
                                         port=rtp.getsockname()[1]), call_id=cid)
        s.sendto(inv.replace("{port}", str(port)).encode(), ("127.0.0.1", rec.sip_port))
        reply = s.recv(65535).decode()
        while status_of(reply) < 200:
            reply = s.recv(65535).decode()
        assert status_of(reply) == 200, reply
        to = header(reply, "To")
        contact = header(reply, "Contact").strip("<>")
        frm = header(reply, "From")
        body = reply.split("\r\n\r\n", 1)[1]
        mport = int(next(line for line in body.split("\r\n") if line.startswith("m=audio"))
                    .split()[1])
        ack = (f"ACK {contact} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKa{port}\r\n"
               f"From: {frm}\r\nTo: {to}\r\nCall-ID: {cid}\r\nCSeq: 1 ACK\r\n"
               "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        s.sendto(ack.encode(), ("127.0.0.1", rec.sip_port))
        # one second of A-law (50 packets of 20 ms), then nothing
        for i in range(50):
            pkt = struct.pack(">BBHII", 0x80, 8, 1000 + i, 160 * i, 0x1234) + bytes([0x55]) * 160
            rtp.sendto(pkt, ("127.0.0.1", mport))
            time.sleep(0.02)
        t0 = time.time()
        bye = s.recv(65535).decode()
        waited = time.time() - t0
        assert bye.startswith("BYE "), bye
        assert header(bye, "Call-ID") == cid
        assert 1.0 < waited < 4.0, waited
        # answer the BYE
        lines = [ln for ln in bye.split("\r\n") if ln.split(":")[0].lower() in
                 ("via", "from", "to", "call-id", "cseq")]
        s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(lines) +
                  "\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", rec.sip_port))
    wait_for_files(rec, 1)
    (m,) = rec.metas()
    assert m["call_id"] == cid and m["end_reason"] == "rtp_timeout"
    assert m["directions"][0]["packets"] == 50 and m["directions"][0]["lost"] == 0
    (mono,) = read_wav(rec.files("wav")[0])
    assert len(mono) == 50 * 160 and set(mono) == {-8}  # A-law 0x55 is -8


def test_rac_health(recorder):
    rec = recorder(max_ports=2)
    assert status_of(sip_exchange(rec, request("INVITE", rec, sdp()))) == 200
    assert status_of(sip_exchange(rec, request("INVITE", rec, sdp()))) == 200
    reply = sip_exchange(rec, request("INVITE", rec, sdp()))
    assert status_of(reply) == 486
    assert "All 2 Record-A-Call ports are in use" in header(reply, "Warning")
    p = subprocess.run([str(RECORDER.parent / "hookswitchctl"), "-c", str(rec.conf), "--json",
                        "health", "recorder"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    h = json.loads(p.stdout)
    h = h.get("body", h)
    r = h["rac"]
    assert r["listening"] is True and r["port"] == rec.sip_port and r["max_ports"] == 2
    assert r["active"] == 2 and r["invites"] == 3 and r["busy"] == 1 and r["answered"] == 2
