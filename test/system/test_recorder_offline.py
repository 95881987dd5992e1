"""hookswitch-recorder --read: the offline recording engine against real peers and oracles.

Real call: sipp (UAC, built-in scenario uac_pcap) calls sipp (UAS, -rtp_echo) on loopback;
the UAC plays sipp's own g711a.pcap and then an RFC 2833 digit '1' (dtmf_2833_1.pcap), the
UAS echoes the RTP back.  tcpdump captures it on lo, filtered by this test's random ports.
Then the recorder's output is checked against:
  - the A-law payload of g711a.pcap, decoded by CPython's audioop and laid out by RTP
    timestamp: the caller's channel must equal it sample for sample;
  - tshark's `-z rtp,streams`: packets and loss per direction;
  - the mono file = the saturating sum of the two channels;
  - GSM 06.10 WAV and Ogg/Opus files whose sizes agree with the metadata.
The same call with SIP over TCP (sipp -t t1; RTP stays UDP) must give the same recording.
Crafted capture (scapy): loss, reordering, duplicates, a late packet, a sequence wrap, a
pause, an SSRC change with a timestamp jump, malformed RTP and SIP, a fragment, TCP, ARP and
unmatched RTP: the process exits 0, every counter is exact and every packet's audio sits at
its wall-clock position.  Crafted calls whose INVITE (> 1500 bytes) is sent as IPv4 or IPv6
fragments, out of order: recorded with the INVITE's metadata.

No database, no running Hookswitch: the offline tool needs neither.  Needs sipp, tcpdump,
tshark and python3-scapy (tools/install-deps); run as root (tcpdump on lo).
"""

import glob
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import warnings
import wave
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hslib import BINDIR, free_udp_block  # noqa: E402,F401 - free_udp_block: the RAC tests import it here

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402  (deprecated in 3.11, present until 3.13: the oracle)

RECORDER = BINDIR / "hookswitch-recorder"
SIPP_SHARE = Path("/usr/share/sip-tester")


def need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)} (tools/install-deps installs them)", pytrace=False)
    if not os.access(RECORDER, os.X_OK):
        pytest.fail(f"missing {RECORDER}: run make first", pytrace=False)


def run_recorder(cap, out, *args):
    p = subprocess.run(
        [str(RECORDER), "--read", str(cap), "--out", str(out), *args],
        capture_output=True, text=True, timeout=60,
    )
    assert p.returncode == 0, f"recorder exit {p.returncode}: {p.stderr}"
    summary = json.loads(p.stdout)
    metas = [json.loads(Path(f).read_text()) for f in sorted(glob.glob(f"{out}/*.json"))]
    return summary, metas


def read_wav(path):
    with wave.open(str(path)) as w:
        n, ch = w.getnframes(), w.getnchannels()
        assert w.getframerate() == 8000 and w.getsampwidth() == 2
        data = w.readframes(n)
    s = struct.unpack(f"<{n * ch}h", data)
    return [list(s[c::ch]) for c in range(ch)]


def g711a_reference():
    """sipp's g711a.pcap: its A-law payload by RTP timestamp, decoded by audioop."""
    d = (SIPP_SHARE / "g711a.pcap").read_bytes()
    assert struct.unpack("<I", d[:4])[0] == 0xA1B2C3D4 and struct.unpack("<I", d[20:24])[0] == 1
    off, pk = 24, []
    while off + 16 <= len(d):
        _, _, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        f = d[off + 16:off + 16 + cl]
        off += 16 + cl
        ip = f[14:]
        rtp = ip[(ip[0] & 15) * 4 + 8:]
        seq, ts = struct.unpack(">HI", rtp[2:8])
        pk.append((seq, ts, rtp[12 + 4 * (rtp[0] & 15):]))
    pk.sort()
    ts0 = pk[0][1]
    end = max(ts - ts0 + len(p) for _, ts, p in pk)
    alaw = bytearray(b"\xd5" * end)  # A-law silence, should a gap exist
    for _, ts, p in pk:
        alaw[ts - ts0:ts - ts0 + len(p)] = p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lin = audioop.alaw2lin(bytes(alaw), 2)
    return list(struct.unpack(f"<{end}h", lin)), len(pk)


def find(hay, needle, max_offset):
    for o in range(max_offset):
        if list(hay[o:o + len(needle)]) == needle:
            return o
    return None


# ---- the real call -------------------------------------------------------------------------

def free_sip_port():
    """A port free for both UDP and TCP on 127.0.0.1 (sipp -t t1 listens on TCP)."""
    for _ in range(100):
        port = free_udp_block(1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free SIP port")


def sipp_call(d, tcp=False):
    """sipp UAC (uac_pcap) -> sipp UAS (-rtp_echo) on lo, captured by tcpdump into d."""
    need("sipp", "tcpdump", "tshark")
    if os.geteuid() != 0:
        pytest.fail("tcpdump on lo needs root", pytrace=False)
    (d / "pcap").mkdir()
    for f in ("g711a.pcap", "dtmf_2833_1.pcap"):
        shutil.copy(SIPP_SHARE / f, d / "pcap" / f)
    sip_uas, sip_uac = free_sip_port(), free_sip_port()
    mp_uas, mp_uac = free_udp_block(4), free_udp_block(4)
    cap = d / "cap.pcap"
    media = f"portrange {mp_uas}-{mp_uas + 3} or portrange {mp_uac}-{mp_uac + 3}"
    if tcp:
        # The UAC connects from a port of its own choosing: the UAS's port names the stream.
        filt = f"(tcp and port {sip_uas}) or (udp and ({media}))"
    else:
        filt = f"udp and (port {sip_uas} or port {sip_uac} or {media})"
    transport = ["-t", "t1"] if tcp else []
    tcpdump_err = open(d / "tcpdump.err", "w")
    # --immediate-mode: without it libpcap hands packets over in blocks, and the last block
    # (the BYE) can still be in the ring when tcpdump is stopped.
    td = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-n", "-s", "0",
                           "-w", str(cap), filt],
                          stdout=subprocess.DEVNULL, stderr=tcpdump_err)
    uas = None
    try:
        deadline = time.time() + 10
        while "listening on" not in (d / "tcpdump.err").read_text():
            assert td.poll() is None, (d / "tcpdump.err").read_text()
            assert time.time() < deadline, "tcpdump did not start"
            time.sleep(0.05)
        uas = subprocess.Popen(
            ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(sip_uas), "-mp", str(mp_uas),
             *transport, "-rtp_echo", "-m", "1", "-nostdin", "-timeout", "40"],
            cwd=d, stdout=subprocess.DEVNULL, stderr=open(d / "uas.err", "w"))
        time.sleep(0.3)
        uac = subprocess.run(
            ["sipp", "-sn", "uac_pcap", f"127.0.0.1:{sip_uas}", "-i", "127.0.0.1",
             "-p", str(sip_uac), "-mp", str(mp_uac), *transport, "-m", "1", "-nostdin",
             "-timeout", "40"],
            cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60)
        assert uac.returncode == 0, f"sipp UAC failed ({uac.returncode}): {uac.stderr}"
        uas.wait(timeout=20)
        time.sleep(0.5)  # the last packets reach the capture
    finally:
        if uas is not None and uas.poll() is None:
            uas.kill()
            uas.wait()
        td.send_signal(signal.SIGINT)
        td.wait(timeout=10)
        tcpdump_err.close()
    return {"cap": cap, "dir": d, "mp_uas": mp_uas, "mp_uac": mp_uac, "sip_uas": sip_uas}


@pytest.fixture(scope="module")
def sipp_capture(tmp_path_factory):
    return sipp_call(tmp_path_factory.mktemp("sipp"))


@pytest.fixture(scope="module")
def sipp_tcp_capture(tmp_path_factory):
    return sipp_call(tmp_path_factory.mktemp("sipp_tcp"), tcp=True)


STREAM_LINE = re.compile(
    r"^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]{8})\s+(.*?)"
    r"\s+(\d+)\s+(-?\d+)\s+\(")


def tshark_streams(cap, *args):
    """tshark -z rtp,streams as dicts (the payload column may list several types)."""
    p = subprocess.run(["tshark", "-r", str(cap), "-q", "-z", "rtp,streams", *args],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    streams = []
    for line in p.stdout.splitlines():
        mt = STREAM_LINE.match(line)
        if mt is None:
            continue
        sip_, sport, dip, dport, ssrc, payload, pkts, lost = mt.groups()
        streams.append({
            "src": f"{sip_}:{sport}", "dst": f"{dip}:{dport}", "ssrc": ssrc.lower(),
            "payload": payload, "packets": int(pkts), "lost": int(lost),
        })
    return streams


def check_sipp_recording(sipp_capture, tmp_path, sip_args=()):
    """The recording of a sipp_call capture against g711a.pcap and tshark; the summary."""
    summary, metas = run_recorder(sipp_capture["cap"], tmp_path, "--format", "wav",
                                  "--channels", "2")
    assert summary["calls"] == 1 and summary["calls_written"] == 1, summary
    assert summary["unmatched"] == 0 and summary["sip_bad"] == 0, summary
    (m,) = metas
    assert m["from"]["user"] == "sipp" and m["to"]["user"] == "service"
    assert m["from"]["tag"] and m["to"]["tag"]
    assert m["end_reason"] == "bye"
    assert m["start"] <= m["answer"] <= m["audio_start"] <= m["end"]
    assert m["codecs"] == ["PCMA"]
    assert m["channels"] == 2 and m["sample_rate"] == 8000 and m["paused"] == []
    # the Call-ID as tshark reads it from the INVITE
    ids = subprocess.run(["tshark", "-r", str(sipp_capture["cap"]), *sip_args,
                          "-Y", "sip.Method == INVITE", "-T", "fields", "-e", "sip.Call-ID"],
                         capture_output=True, text=True, timeout=60).stdout.split()
    assert ids == [m["call_id"]]
    caller, callee = m["directions"]
    assert caller["from"] == "caller" and caller["dst"].endswith(f":{sipp_capture['mp_uas']}")
    assert callee["from"] == "callee" and callee["dst"].endswith(f":{sipp_capture['mp_uac']}")

    left, right = read_wav(tmp_path / m["file"])
    assert len(left) == m["samples"]
    ref, npk = g711a_reference()
    # The caller's channel is sipp's payload, sample for sample, starting at (or a packet
    # after) the first sample; the echo is the same audio, a little later.
    o = find(left, ref, 800)
    assert o is not None, "the caller's audio differs from g711a.pcap's payload"
    assert o == 0
    oe = find(right, ref, 2000)
    assert oe is not None, "the echoed audio differs from g711a.pcap's payload"
    # After the audio: silence (the digit is out of band), then the end of the file.
    assert all(v == 0 for v in left[len(ref):])

    # RFC 2833: one '1' from the caller (and its echo), after the audio, about 8 s in
    digits = [(e["from"], e["digit"]) for e in m["telephone_events"]]
    assert ("caller", "1") in digits
    ev = next(e for e in m["telephone_events"] if e["from"] == "caller")
    assert ev["ended"] and ev["duration_ms"] > 0
    assert len(ref) / 8 <= ev["offset_ms"] <= len(ref) / 8 + 3000
    assert m["samples"] >= (ev["offset_ms"] + ev["duration_ms"]) * 8 - 8

    # Packets and loss per direction: tshark is the oracle.  tshark's loss counts
    # duplicates as negative loss; ours keeps them apart: tshark lost = lost - duplicates.
    streams = tshark_streams(sipp_capture["cap"])
    assert streams, "tshark found no RTP streams"
    for d in (caller, callee):
        mine = [s for s in streams if s["src"] == d["src"] and s["dst"] == d["dst"]]
        assert mine, (d, streams)
        assert sum(s["packets"] for s in mine) == d["packets"], (d, mine)
        assert sum(s["lost"] for s in mine) == d["lost"] - d["duplicates"], (d, mine)
        assert sorted(s["ssrc"] for s in mine) == sorted(d["ssrc"])
        audio = [s for s in mine if s["payload"].lower() == "g711a"]
        assert audio and audio[0]["packets"] == npk
    assert caller["lost"] == 0 and caller["late"] == 0
    return summary


def test_sipp_call_sample_for_sample(sipp_capture, tmp_path):
    summary = check_sipp_recording(sipp_capture, tmp_path)
    assert summary["tcp_sip"] == 0 and summary["reassembled"] == 0, summary


def test_sipp_call_over_tcp(sipp_tcp_capture, sipp_capture, tmp_path):
    """SIP over TCP (one connection, RTP on UDP): the same recording as over UDP."""
    summary = check_sipp_recording(sipp_tcp_capture, tmp_path / "tcp",
                                   ("-d", f"tcp.port=={sipp_tcp_capture['sip_uas']},sip"))
    # INVITE, 100?, 180, 200, ACK, BYE, 200: every SIP message came out of the stream.
    assert summary["tcp"] > 0 and summary["tcp_gaps"] == 0, summary
    assert summary["tcp_sip"] >= 6 and summary["sip"] == summary["tcp_sip"], summary
    # The audio is the UDP call's, sample for sample (both are g711a.pcap from sample 0).
    _, (mu,) = run_recorder(sipp_capture["cap"], tmp_path / "udp", "--format", "wav",
                            "--channels", "2")
    (mt,) = [json.loads(Path(f).read_text()) for f in glob.glob(f"{tmp_path}/tcp/*.json")]
    left_t, _ = read_wav(tmp_path / "tcp" / mt["file"])
    left_u, _ = read_wav(tmp_path / "udp" / mu["file"])
    ref, _ = g711a_reference()
    assert left_t[:len(ref)] == left_u[:len(ref)] == ref
    for k in ("codecs", "channels", "end_reason"):
        assert mt[k] == mu[k], k
    assert [d["packets"] for d in mt["directions"]] == [d["packets"] for d in mu["directions"]]




def test_sipp_call_mono_is_the_sum(sipp_capture, tmp_path):
    st, (stereo,) = run_recorder(sipp_capture["cap"], tmp_path / "s", "--format", "wav",
                                 "--channels", "2")
    mt, (mono,) = run_recorder(sipp_capture["cap"], tmp_path / "m", "--format", "wav")
    left, right = read_wav(tmp_path / "s" / stereo["file"])
    (mixed,) = read_wav(tmp_path / "m" / mono["file"])
    assert mono["channels"] == 1 and len(mixed) == len(left)
    want = [max(-32768, min(32767, a + b)) for a, b in zip(left, right)]
    assert mixed == want


def test_sipp_call_gsm_and_opus(sipp_capture, tmp_path):
    _, (g,) = run_recorder(sipp_capture["cap"], tmp_path / "g", "--format", "gsm")
    b = (tmp_path / "g" / g["file"]).read_bytes()
    assert g["file"].endswith(".wav") and g["format"] == "gsm"
    assert b[:4] == b"RIFF" and b[8:16] == b"WAVEfmt "
    tag, ch, rate, avg, align = struct.unpack("<HHIIH", b[20:34])
    assert (tag, ch, rate, avg, align) == (0x31, 1, 8000, 1625, 65)
    assert b[40:44] == b"fact" and struct.unpack("<I", b[48:52])[0] == g["samples"]
    blocks = (g["samples"] + 319) // 320
    assert b[52:56] == b"data" and struct.unpack("<I", b[56:60])[0] == blocks * 65
    assert len(b) == 60 + blocks * 65 + (blocks & 1)

    _, (o,) = run_recorder(sipp_capture["cap"], tmp_path / "o")  # the default format
    assert o["format"] == "opus" and o["file"].endswith(".opus")
    b = (tmp_path / "o" / o["file"]).read_bytes()
    assert b[:4] == b"OggS" and b[28:36] == b"OpusHead"
    preskip = struct.unpack("<H", b[38:40])[0]
    last = b.rfind(b"OggS")
    granule = struct.unpack("<Q", b[last + 6:last + 14])[0]
    assert granule - preskip == o["samples"] * 6  # 48 kHz granules for 8 kHz samples
    assert o["samples"] == g["samples"]


# ---- crafted impairments ------------------------------------------------------------------

def crafted_capture(path):
    """A call with known impairments; returns what the recorder must report."""
    from scapy.all import ARP, IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: PLC0415

    A, B = "10.1.0.1", "10.1.0.2"
    SA, SB, MA, MB = 5060, 5062, 40000, 50000
    base = 1_700_000_000.0
    pk = []

    def add(t, pkt):
        pkt.time = base + t
        pk.append(pkt)

    def udp(t, src, sport, dst, dport, payload):
        add(t, Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload))

    def sdp(ip, port):
        return (f"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
                f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                f"a=rtpmap:101 telephone-event/8000\r\n")

    def sip(start, frm_tag, to_tag, cseq, body="", callid="crafted-1@test"):
        to = "<sip:2002@pbx>" + (f";tag={to_tag}" if to_tag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        return (f"{start}\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK{cseq.split()[0]}\r\n"
                f"From: \"Ann Example\" <sip:2001@pbx>;tag={frm_tag}\r\nTo: {to}\r\n"
                f"Call-ID: {callid}\r\nCSeq: {cseq}\r\n{ct}Content-Length: {len(body)}\r\n"
                f"\r\n{body}").encode()

    udp(0.0, A, SA, B, SB, sip("INVITE sip:2002@pbx SIP/2.0", "a1", None, "1 INVITE",
                               sdp(A, MA)))
    udp(0.5, B, SB, A, SA, sip("SIP/2.0 200 OK", "a1", "b1", "1 INVITE", sdp(B, MB)))
    udp(0.51, A, SA, B, SB, sip("ACK sip:2002@pbx SIP/2.0", "a1", "b1", "1 ACK"))

    def rtp(seq, ts, ssrc, payload, pt=0, first=0x80):
        return bytes([first, pt]) + struct.pack(">HII", seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload

    def code(k, side):
        return 0x10 + (k * 7 + side * 13) % 0x60  # µ-law codes far from zero

    # Caller -> callee: 500 packets of 20 ms from t=1.0, seq crossing 65535.
    lost = {100, 101, 102, 103, 104}
    late = 400
    dups = {300: 2}
    seq0 = 65300
    caller_sent = 0
    for k in range(500):
        if k in lost:
            continue
        t = 1.0 + k * 0.02
        if k == 200:
            t += 0.02  # 200 and 201 swap places
        elif k == 201:
            t -= 0.02
        elif k == late:
            t += 0.5
        p = rtp(seq0 + k, 1000 + k * 160, 0x11111111, bytes([code(k, 0)]) * 160)
        for _ in range(1 + dups.get(k, 0)):
            udp(t, A, MA, B, MB, p)
            caller_sent += 1

    # Callee -> caller: 500 packets from t=1.005; silent (no packets, as with silence
    # suppression: sequence numbers go on, timestamps jump) for k 150..249; from k=300 a new SSRC whose timestamps start elsewhere.  An RFC
    # 2833 '5' replaces the audio of k=50..52 (the events' timestamp is the event's start),
    # its end packet sent twice as senders do.
    callee_sent = 0
    events = {50: (160, 0), 51: (320, 0), 52: (480, 1)}
    for k in range(500):
        if 150 <= k < 250:
            continue
        t = 1.005 + k * 0.02
        if k in events:
            dur, end = events[k]
            ev = bytes([5, (0x80 if end else 0) | 10]) + struct.pack(">H", dur)
            p = rtp(7 + k, 50000 + 50 * 160, 0x22222222, ev, pt=101)
            for _ in range(1 + end):
                udp(t, B, MB, A, MA, p)
                callee_sent += 1
            continue
        if k < 300:
            p = rtp(7 + k - (100 if k >= 250 else 0), 50000 + k * 160, 0x22222222,
                    bytes([code(k, 1)]) * 160)
        else:
            p = rtp(9000 + k, 3_000_000_000 + k * 160, 0x33333333, bytes([code(k, 1)]) * 160)
        udp(t, B, MB, A, MA, p)
        callee_sent += 1
    # Broken things, all of which must be counted and survived:
    udp(2.001, A, MA, B, MB, b"\x80\x00\x01")                             # RTP too short
    udp(2.002, A, MA, B, MB, rtp(1, 1, 0x11111111, b"\x00\x00\x09", first=0xA0))  # bad padding
    udp(2.003, A, SA, B, SB, b"INVITE sip:x SIP/2.0\r\n\r\n")              # SIP without headers
    udp(2.004, A, SA, B, SB, b"BYE sip:x SIP/2.0\r\nCall-ID: nope\r\nCSeq: 9 BYE\r\n"
        b"From: <sip:a@b>;tag=z\r\nTo: <sip:c@d>\r\n\r\n")                  # orphan BYE
    add(2.005, Ether() / IP(src=A, dst=B, flags="MF", frag=0) / UDP(sport=1, dport=2) / Raw(b"x" * 64))
    add(2.006, Ether() / IP(src=A, dst=B) / TCP(sport=5060, dport=5060) / Raw(b"INVITE"))
    add(2.007, Ether() / ARP())
    # an RTCP sender report multiplexed on the caller's RTP port (RFC 5761): not audio
    udp(2.008, A, MA, B, MB, bytes([0x80, 200, 0, 6]) + struct.pack(">I", 0x11111111) + bytes(20))
    for i in range(3):                                                    # nobody's RTP
        udp(2.01 + i * 0.02, "10.9.9.9", 7000, "10.9.9.8", 7002, rtp(i, i * 160, 5, b"\xff" * 160))
    add(2.1, Ether() / IP(src=A, dst=B, proto=0) / Raw(b"\x45\x00"))     # IP, not UDP or TCP
    udp(11.0, B, SB, A, SA, sip("BYE sip:2001@pbx SIP/2.0", "b1", "a1", "2 BYE"))
    pk.sort(key=lambda p: p.time)
    wrpcap(str(path), pk)
    return {
        "caller_sent": caller_sent, "callee_sent": callee_sent, "events": set(events),
        "lost": lost, "late": late, "code": code, "base": base,
    }


def test_crafted_impairments(tmp_path):
    need("tshark")
    cap = tmp_path / "crafted.pcap"
    want = crafted_capture(cap)
    summary, metas = run_recorder(cap, tmp_path / "out", "--format", "wav", "--channels", "2")
    assert summary["calls"] == 1 and summary["calls_written"] == 1, summary
    assert summary["fragments"] == 1 and summary["tcp"] == 1 and summary["other"] >= 1, summary
    # The lone first fragment never completes; the TCP segment is no whole SIP message.
    assert summary["reassembled"] == 0 and summary["frag_incomplete"] == 1, summary
    assert summary["tcp_sip"] == 0, summary
    assert summary["packets"] == sum(summary[k] for k in ("udp", "tcp", "other", "fragments",
                                                          "malformed")), summary
    assert summary["sip_bad"] == 1 and summary["rtp_bad"] == 2, summary
    assert summary["unmatched"] == 3 and summary["rtcp"] == 1, summary
    (m,) = metas
    assert m["call_id"] == "crafted-1@test"
    assert m["from"] == {"user": "2001", "display": "Ann Example", "host": "pbx", "tag": "a1"}
    assert m["to"]["user"] == "2002" and m["to"]["tag"] == "b1"
    assert m["start"] == "2023-11-14T22:13:20.000Z" and m["answer"] == "2023-11-14T22:13:20.500Z"
    assert m["end"] == "2023-11-14T22:13:31.000Z" and m["end_reason"] == "bye"
    assert m["audio_start"] == "2023-11-14T22:13:21.000Z"
    caller, callee = m["directions"]
    assert caller["packets"] == want["caller_sent"]
    assert caller["lost"] == 5 and caller["duplicates"] == 2 and caller["late"] == 1
    assert caller["out_of_order"] >= 1 and caller["sequence_resets"] == 0
    assert callee["packets"] == want["callee_sent"]
    assert callee["lost"] == 0 and callee["duplicates"] == 1 and callee["late"] == 0
    assert callee["ssrc"] == ["0x22222222", "0x33333333"] and callee["timestamp_resyncs"] == 0
    # Wall clock: the caller's last packet (k=499) ends at 10.000 s, the callee's at 10.005 s.
    assert m["samples"] == 80040 and abs(m["duration_s"] - 10.005) < 1e-9

    left, right = read_wav(tmp_path / "out" / m["file"])
    code = want["code"]
    ulaw = lambda c: struct.unpack("<h", audioop.ulaw2lin(bytes([c]), 2))[0]  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for k in range(500):
            seg = left[k * 160:(k + 1) * 160]
            if k in want["lost"] or k == want["late"]:
                assert seg == [0] * 160, f"caller packet {k}: expected silence"
            else:
                assert seg == [ulaw(code(k, 0))] * 160, f"caller packet {k} misplaced"
            seg = right[40 + k * 160:40 + (k + 1) * 160]
            if 150 <= k < 250 or k in want["events"]:
                assert seg == [0] * 160, f"callee at {k}: expected silence"
            else:
                assert seg == [ulaw(code(k, 1))] * 160, f"callee packet {k} misplaced"
    (ev,) = m["telephone_events"]
    assert ev["from"] == "callee" and ev["digit"] == "5" and ev["ended"]
    assert ev["duration_ms"] == 60 and ev["offset_ms"] == (40 + 50 * 160) // 8

    # tshark agrees on the packet counts of the same file (RTP decoded on the SDP's ports).
    streams = tshark_streams(cap, "-d", "udp.port==40000,rtp", "-d", "udp.port==50000,rtp")
    tot = {}
    for st in streams:
        port = st["dst"].rsplit(":", 1)[1]
        tot[port] = tot.get(port, 0) + st["packets"]
    assert tot.get("40000", 0) == callee["packets"], (tot, callee)
    # The bad-padding packet is RTP to tshark (it does not check padding): one more.
    assert tot.get("50000", 0) == caller["packets"] + 1, (tot, caller)


def test_threads_same_output(sipp_capture, tmp_path):
    """Calls are shared out over threads; the files must not depend on how many."""
    cap = tmp_path / "two.pcap"
    crafted_capture(cap)
    outs = {}
    for n in (1, 3):
        for src in (cap, sipp_capture["cap"]):
            summary, metas = run_recorder(src, tmp_path / f"t{n}", "--format", "gsm",
                                          "--threads", str(n))
        files = sorted(Path(tmp_path / f"t{n}").iterdir())
        assert len(files) == 4
        outs[n] = {f.name: f.read_bytes() for f in files}
    assert outs[1] == outs[3]


def test_bad_input_files(tmp_path):
    need()
    p = subprocess.run([str(RECORDER), "--read", str(tmp_path / "missing.pcap"), "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, timeout=30)
    assert p.returncode == 111 and "missing.pcap" in p.stderr
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"\x00" * 100)
    p = subprocess.run([str(RECORDER), "--read", str(junk)], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 111
    p = subprocess.run([str(RECORDER), "--read", str(junk), "--format", "mp3"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 100 and "usage" in p.stderr


# ---- fragmented INVITEs --------------------------------------------------------------------

def fragmented_call(path, v6):
    """A call whose INVITE (> 1500 bytes: many headers, a large SDP) is sent as IP fragments
    in a shuffled order, the rest of it unfragmented; returns what the recorder must find."""
    from scapy.all import (IP, UDP, Ether, IPv6, IPv6ExtHdrFragment, Raw,  # noqa: PLC0415
                           fragment, fragment6, wrpcap)

    if v6:
        A, B, IN = "2001:db8::1", "2001:db8::2", "IP6"
    else:
        A, B, IN = "10.2.0.1", "10.2.0.2", "IP4"
    MA, MB = 41000, 51000
    base = 1_700_000_100.0
    pk = []

    def eth():
        # Fixed addresses: scapy would otherwise look for the neighbours (seconds each).
        return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")

    def ip(src, dst):
        return IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)

    def add(t, pkt):
        pkt.time = base + t
        pk.append(pkt)

    def udp(t, src, sport, dst, dport, payload):
        add(t, eth() / ip(src, dst) / UDP(sport=sport, dport=dport) / Raw(payload))

    def sdp(addr, port, big=False):
        extra = "".join(f"a=x-filler-{i}:{'z' * 40}\r\n" for i in range(30)) if big else ""
        return (f"v=0\r\no=- 1 1 IN {IN} {addr}\r\ns=-\r\nc=IN {IN} {addr}\r\nt=0 0\r\n"
                f"m=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n{extra}")

    callid = f"frag-{'v6' if v6 else 'v4'}@test"

    def sip(start, to_tag, cseq, body="", many=False):
        to = "<sip:3002@pbx>" + (f";tag={to_tag}" if to_tag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        hdrs = "".join(f"X-Padding-{i}: {'p' * 50}\r\n" for i in range(12)) if many else ""
        return (f"{start}\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK{cseq.split()[0]}\r\n"
                f"From: \"Bob Frag\" <sip:3001@pbx>;tag=f1\r\nTo: {to}\r\n"
                f"Call-ID: {callid}\r\nCSeq: {cseq}\r\n{hdrs}{ct}"
                f"Content-Length: {len(body)}\r\n\r\n{body}").encode()

    invite = sip("INVITE sip:3002@pbx SIP/2.0", None, "1 INVITE", sdp(A, MA, big=True),
                 many=True)
    assert len(invite) > 2500
    whole = eth() / ip(A, B) / UDP(sport=5060, dport=5060) / Raw(invite)
    if v6:
        frags = fragment6(eth() / IPv6(src=A, dst=B) / IPv6ExtHdrFragment(id=0x1234abcd) /
                          UDP(sport=5060, dport=5060) / Raw(invite), 1000)
    else:
        frags = [eth() / f for f in fragment(whole[IP], fragsize=1000)]
    assert len(frags) >= 3
    # Shuffled, never in order, one sent twice (a mirror's duplicate).
    order = list(range(len(frags)))
    random.Random(7).shuffle(order)
    if order == sorted(order):
        order.reverse()
    order.append(order[0])
    for i, k in enumerate(order):
        add(0.001 * i, frags[k].copy())
    t_invite = 0.001 * (len(order) - 2)  # the fragment that completes it

    udp(0.5, B, 5060, A, 5060, sip("SIP/2.0 200 OK", "t9", "1 INVITE", sdp(B, MB)))
    udp(0.51, A, 5060, B, 5060, sip("ACK sip:3002@pbx SIP/2.0", "t9", "1 ACK"))
    for k in range(100):
        for src, sp, dst, dp, ssrc in ((A, MA, B, MB, 0xAAAA0001), (B, MB, A, MA, 0xBBBB0002)):
            rtp = bytes([0x80, 8]) + struct.pack(">HII", k, k * 160, ssrc) + b"\xd5" * 160
            udp(1.0 + k * 0.02, src, sp, dst, dp, rtp)
    udp(4.0, B, 5060, A, 5060, sip("BYE sip:3001@pbx SIP/2.0", "t9", "2 BYE"))
    pk.sort(key=lambda p: p.time)
    wrpcap(str(path), pk)
    return {"callid": callid, "frames": len(order), "base": base, "t_invite": t_invite,
            "addr": f"[{A}]:{MA}" if v6 else f"{A}:{MA}"}


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_fragmented_invite(tmp_path, v6):
    need()
    cap = tmp_path / "frag.pcap"
    want = fragmented_call(cap, v6)
    summary, metas = run_recorder(cap, tmp_path / "out", "--format", "wav")
    assert summary["fragments"] == want["frames"], summary
    # One datagram rebuilt; the duplicate fragment of it came later and waits alone.
    assert summary["reassembled"] == 1 and summary["frag_incomplete"] == 1, summary
    assert summary["sip"] == 4 and summary["sip_bad"] == 0, summary
    assert summary["calls"] == 1 and summary["calls_written"] == 1, summary
    (m,) = metas
    assert m["call_id"] == want["callid"]
    assert m["from"] == {"user": "3001", "display": "Bob Frag", "host": "pbx", "tag": "f1"}
    assert m["to"]["user"] == "3002" and m["to"]["tag"] == "t9"
    start = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(want["base"]))
    assert m["start"] == f"{start}.{round(want['t_invite'] * 1000):03d}Z", m["start"]
    assert m["answer"] == f"{start}.500Z" and m["end_reason"] == "bye"
    assert m["end"] == time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(want["base"] + 4))
    caller, callee = m["directions"]
    assert caller["src"] == want["addr"] and caller["packets"] == 100
    assert callee["packets"] == 100 and caller["lost"] == callee["lost"] == 0
    assert m["codecs"] == ["PCMA"]
