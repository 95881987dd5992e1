#!/usr/bin/env python3
"""Offline recording speed: hookswitch-recorder --read against tshark reading the same file.

A generator (plain struct, no scapy: it must write a million packets in seconds) writes one
pcap of N concurrent G.711 A-law calls between distinct address pairs: INVITE/200/ACK with
SDP on port 5060, then both directions every 20 ms for D seconds, then BYE.  The same file is
then read by
  - hookswitch-recorder --read FILE --out DIR --format wav (decode, jitter buffer, mix, WAV
    and JSON per call), then with --format null (everything but the audio writer) and with
    the default Opus output (both reported, not the ratio);
  - tshark -r FILE -q -z rtp,streams (tshark's own RTP stream analysis of the file), the peer
    reference the issue names;
and the wall times and their ratio are printed (target: the recorder >= 20x faster).
The recorder uses its default threads (one per CPU, calls shared out); tshark is
single-threaded.  The machine's load average is printed: other work on the 2 cores skews
the figures.

Before any figure counts, both outputs are checked: the recorder must report every call
written and every RTP packet seen, each metadata file the packets of both directions and
D seconds of audio; tshark must list 2N streams of the expected packet count.  A fast but
wrong run fails instead of printing a ratio.

--smoke: 4 calls of 3 s, to prove it works; the figures mean little then.

--rac N: the live endpoint instead.  hookswitch-recorder runs as a service (a config file of
its own, random ports, recorder.max_ports = N) and one sipp process places N concurrent
Record-A-Call calls at once (built-in uac_pcap: sipp's g711a.pcap and a '1', real time,
about 9 s); every call must be recorded with all 246 packets, none lost or late, and the
recorder's CPU time is printed.  Needs sipp.
--mirror N: live capture on a mirror port, the issue's figure (target N >= 2,000 on 2
cores).  The same generator writes N concurrent calls x --mirror-seconds; tcpreplay replays
the file at 1x (its own timestamps) into one end of a veth pair in a network namespace of
this run's own, and hookswitch-recorder, in that namespace, captures the other end
(recorder.mirror_interfaces) with the callers as Recorded Devices in a private PostgreSQL
and the callees' /16 as the PBX's Addresses.  Every call must be recorded with every packet
of both directions (0 lost), pcap_stats must count 0 drops, and tcpreplay must have sent
every packet.  Printed: packets/s replayed, the recorder's CPU, drops.  Needs root,
tcpreplay and iproute2.  The default run does both (offline with --calls, then --mirror
2000 for 20 s); --smoke does 4 offline calls and 20 mirrored ones.
HS_BINDIR=dir (see test/system/hslib.py) measures the binaries of another build.
"""
import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "system"))

from hslib import BINDIR, PgCluster, free_udp_block  # noqa: E402

RECORDER = BINDIR / "hookswitch-recorder"
CTL = BINDIR / "hookswitchctl"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"
TARGET = 20.0
MIRROR_TARGET = 2000


def alaw_encode(x):
    """G.711 A-law of one 16-bit sample (the generator's own, independent of the C code)."""
    seg_end = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
    v = x >> 3
    if v >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        v = -v - 1
    seg = next((i for i, e in enumerate(seg_end) if v <= e), 8)
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= ((v >> 1) if seg < 2 else (v >> seg)) & 0x0F
    return aval ^ mask


def csum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ip_udp(src, dst, sport, dport, payload):
    ulen = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + struct.pack("!HHHH", sport, dport, ulen, 0) + payload


ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def generate(path, calls, seconds, quantum_us=1):
    """Writes the pcap; returns the RTP packets per direction.  The packets of a 20 ms tick
    are spread evenly over it, their times rounded down to quantum_us (the mirror run uses
    1 ms: tcpreplay then sends each millisecond's packets back to back, as a switch's mirror
    port delivers them, instead of timing every packet on its own)."""
    tone = bytes(alaw_encode(int(6000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(8000))
    ticks = int(seconds * 50)
    t0 = 1_700_000_000 * 1_000_000
    pairs = []
    for i in range(calls):
        a = bytes([10, 1, i >> 8 & 255, i & 255])
        b = bytes([10, 2, i >> 8 & 255, i & 255])
        pairs.append((a, b))

    def sip(start, i, ftag, ttag, cseq, body=""):
        to = "<sip:2000@pbx>" + (f";tag={ttag}" if ttag else "")
        ct = "Content-Type: application/sdp\r\n" if body else ""
        return (f"{start}\r\nVia: SIP/2.0/UDP 10.1.0.1:5060;branch=z9hG4bK{i}x{cseq[0]}\r\n"
                f"From: <sip:{1000 + i}@pbx>;tag={ftag}\r\nTo: {to}\r\nCall-ID: bench-{i}@gen\r\n"
                f"CSeq: {cseq}\r\nMax-Forwards: 70\r\n{ct}Content-Length: {len(body)}\r\n\r\n{body}"
                ).encode()

    def sdp(ip, port):
        dotted = ".".join(str(x) for x in ip)
        return (f"v=0\r\no=- 1 1 IN IP4 {dotted}\r\ns=-\r\nc=IN IP4 {dotted}\r\nt=0 0\r\n"
                f"m=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")

    with open(path, "wb", buffering=1 << 22) as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def rec(ts_us, frame):
            f.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(frame), len(frame)))
            f.write(frame)

        for i, (a, b) in enumerate(pairs):
            ts = t0 - 1_000_000 + i * 10
            rec(ts, ETH + ip_udp(a, b, 5060, 5060, sip("INVITE sip:2000@pbx SIP/2.0", i, "a", None, "1 INVITE", sdp(a, 40000))))
            rec(ts + 5, ETH + ip_udp(b, a, 5060, 5060, sip("SIP/2.0 200 OK", i, "a", "b", "1 INVITE", sdp(b, 50000))))
            rec(ts + 7, ETH + ip_udp(a, b, 5060, 5060, sip("ACK sip:2000@pbx SIP/2.0", i, "a", "b", "1 ACK")))
        # RTP frames from templates: only seq, timestamp and payload change.
        tmpl = []
        for i, (a, b) in enumerate(pairs):
            for d, (src, dst, sp, dp) in enumerate(((a, b, 40000, 50000), (b, a, 50000, 40000))):
                head = ETH + ip_udp(src, dst, sp, dp, b"\x00" * 172)[:28]
                tmpl.append((bytearray(head + b"\x80\x08" + b"\x00" * 10 + b"\x00" * 160),
                             0x10000000 + i * 2 + d))
        step = 20_000 // max(1, len(tmpl))
        for k in range(ticks):
            chunk = []
            base = t0 + k * 20_000
            off = (k * 160) % (8000 - 160)
            pl = tone[off:off + 160]
            for j, (fr, ssrc) in enumerate(tmpl):
                struct.pack_into("!HII", fr, 44, k & 0xFFFF, k * 160, ssrc)
                fr[54:214] = pl
                ts = base + (j * step) // quantum_us * quantum_us
                chunk.append(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, 214, 214))
                chunk.append(bytes(fr))
            f.write(b"".join(chunk))
        end = t0 + ticks * 20_000 + 10_000
        for i, (a, b) in enumerate(pairs):
            rec(end + i * 10, ETH + ip_udp(a, b, 5060, 5060, sip("BYE sip:2000@pbx SIP/2.0", i, "a", "b", "2 BYE")))
    return ticks


def run_recorder(cap, out, fmt):
    t = time.perf_counter()
    p = subprocess.run([str(RECORDER), "--read", str(cap), "--out", str(out), "--format", fmt],
                       capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"recorder failed ({p.returncode}): {p.stderr}")
    return dt, json.loads(p.stdout)


def check_recorder(summary, out, calls, ticks):
    if summary["calls_written"] != calls or summary["rtp"] != calls * 2 * ticks:
        sys.exit(f"recorder result wrong: {summary}")
    metas = list(Path(out).glob("*.json"))
    if len(metas) != calls:
        sys.exit(f"{len(metas)} metadata files for {calls} calls")
    for mp in metas:
        m = json.loads(mp.read_text())
        pk = [d["packets"] for d in m["directions"]]
        lost = [d["lost"] for d in m["directions"]]
        if pk != [ticks, ticks] or lost != [0, 0] or abs(m["samples"] - ticks * 160) > 160:
            sys.exit(f"{mp.name}: packets {pk} lost {lost} samples {m['samples']}")


def run_tshark(cap, calls, ticks):
    t = time.perf_counter()
    p = subprocess.run(["tshark", "-r", str(cap), "-q", "-z", "rtp,streams"],
                       capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"tshark failed: {p.stderr}")
    rows = [ln for ln in p.stdout.splitlines() if re.search(r"0x[0-9A-Fa-f]{8}", ln)]
    good = [ln for ln in rows if re.search(rf"\s{ticks}\s+0 \(0\.0%\)", ln)]
    if len(rows) != 2 * calls or len(good) != 2 * calls:
        sys.exit(f"tshark listed {len(rows)} streams ({len(good)} complete), want {2 * calls}")
    return dt


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_rac(calls, fmt):
    """N concurrent Record-A-Call calls from sipp, recorded live: 0 packets lost."""
    if shutil.which("sipp") is None:
        sys.exit("missing sipp (tools/install-deps installs sip-tester)")
    with tempfile.TemporaryDirectory(prefix="hs_bench_rac_", dir="/tmp") as tmp:
        tmp = Path(tmp)
        (tmp / "pcap").mkdir()
        for f in ("g711a.pcap", "dtmf_2833_1.pcap"):
            shutil.copy(Path("/usr/share/sip-tester") / f, tmp / "pcap" / f)
        sip_port, rtp_min = free_udp_block(1), free_udp_block(2 * calls + 20)
        (tmp / "bus").mkdir()
        conf = tmp / "rec.conf"
        conf.write_text(f"[bus]\ndir = {tmp}/bus\n[paths]\nstate = {tmp}/state\n[recorder]\n"
                        f"sip_listen = 127.0.0.1\nsip_port = {sip_port}\nsip_allowed = 127.0.0.1\n"
                        f"max_ports = {calls}\nrtp_port_min = {rtp_min}\n"
                        f"rtp_port_max = {rtp_min + 2 * calls + 19}\nformat = {fmt}\n")
        log = tmp / "rec.log"
        rec = subprocess.Popen([str(RECORDER), "-c", str(conf), "-d"], stdout=open(log, "w"),
                               stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 10
            while "rac.listening" not in log.read_text():
                if rec.poll() is not None or time.time() > deadline:
                    sys.exit(f"recorder did not start: {log.read_text()}")
                time.sleep(0.05)
            print(f"load average before: {os.getloadavg()[0]:.2f}")
            cpu0 = cpu_seconds(rec.pid)
            t = time.perf_counter()
            p = subprocess.run(["sipp", "-sn", "uac_pcap", f"127.0.0.1:{sip_port}", "-i", "127.0.0.1",
                                "-p", str(free_udp_block(1)), "-mp", str(free_udp_block(4 * calls + 4)),
                                "-m", str(calls), "-l", str(calls), "-r", str(calls), "-rp", "1000",
                                "-nostdin", "-timeout", "120"],
                               cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - t
            if p.returncode != 0:
                sys.exit(f"sipp failed ({p.returncode}): {p.stderr[-2000:]}")
            deadline = time.time() + 20
            while len(list((tmp / "state").glob("recordings/*/*/*/*.json"))) < calls:
                if time.time() > deadline:
                    sys.exit("not every call was recorded")
                time.sleep(0.1)
            cpu = cpu_seconds(rec.pid) - cpu0
        finally:
            rec.terminate()
            rec.wait(timeout=30)
        metas = [json.loads(f.read_text()) for f in (tmp / "state").glob("recordings/*/*/*/*.json")]
        pk = [m["directions"][0]["packets"] for m in metas]
        lost = sum(m["directions"][0]["lost"] + m["directions"][0]["late"] for m in metas)
        if len(metas) != calls or any(x != 246 for x in pk) or lost:
            sys.exit(f"RAC result wrong: {len(metas)} recordings, packets {sorted(set(pk))}, "
                     f"lost+late {lost}")
        print(f"Record-A-Call: {calls} concurrent sipp calls ({fmt}), {sum(pk)} RTP packets in "
              f"{wall:.1f} s: all recorded, 0 lost, 0 late; recorder CPU {cpu:.2f} s "
              f"({100 * cpu / wall:.0f}% of one core)")


def sh(*cmd, check=True):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(str(c) for c in cmd)}: {p.stderr.strip()}")
    return p


def bench_mirror(calls, seconds):
    """N concurrent calls replayed at 1x onto a veth and captured live: 0 drops."""
    for tool in ("tcpreplay", "ip"):
        if shutil.which(tool) is None:
            sys.exit(f"missing {tool} (tools/install-deps installs it)")
    if os.geteuid() != 0:
        sys.exit("--mirror needs root (network namespace, capture)")
    ns = f"hsbench{os.getpid()}"
    cluster = PgCluster(tag="benchmir")
    tmp = Path(tempfile.mkdtemp(prefix="hs_bench_mir_", dir="/tmp"))
    rec = None
    try:
        cap = tmp / "calls.pcap"
        ticks = generate(cap, calls, seconds, quantum_us=1000)
        packets = calls * (3 + 1 + 2 * ticks)
        span = 1.0 + seconds + 0.01 + calls * 10e-6  # the INVITEs 1 s before, the BYEs after
        db = cluster.new_database("mirror")
        env = dict(os.environ, HOOKSWITCH_DB_CONNINFO=db.dsn, HOOKSWITCH_SERVER_ID="1",
                   HOOKSWITCH_PATHS_MIGRATIONS=str(MIGRATIONS))
        p = subprocess.run([str(CTL), "db", "migrate"], env=env, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"migrate: {p.stdout}{p.stderr}")
        with db.connect() as c:  # the generator's callers are 1000 + i
            c.execute("INSERT INTO recorded_devices (extension, method)"
                      " SELECT (1000 + g)::text, 'mirror' FROM generate_series(0, %s) g",
                      (calls - 1,))
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "add", "hsa", "type", "veth", "peer", "name", "hsb")
        for dev in ("lo", "hsa", "hsb"):
            sh("ip", "-n", ns, "link", "set", dev, "up")
        (tmp / "bus").mkdir()
        conf = tmp / "rec.conf"
        conf.write_text(f"[bus]\ndir = {tmp}/bus\n[paths]\nstate = {tmp}/state\n[recorder]\n"
                        "sip_port = 0\nmirror_interfaces = hsb\npbx_addresses = 10.2.0.0/16\n"
                        "mirror_sip_ports = 5060\nmirror_rtp_ports = 40000, 50000\n"
                        f"mirror_max_calls = {calls}\nformat = wav\nencrypt = false\n"
                        "mirror_buffer_mb = 256\n")
        log = tmp / "rec.log"
        rec = subprocess.Popen(["ip", "netns", "exec", ns, str(RECORDER), "-c", str(conf)],
                               env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while f"recorded={calls} " not in log.read_text():  # mirror.devices: the list is in
            if rec.poll() is not None or time.time() > deadline:
                sys.exit(f"recorder did not start capturing: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        pid = int(re.search(r"pid=(\d+)", log.read_text()).group(1))
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        cpu0 = cpu_seconds(pid)
        t = time.perf_counter()
        # tcpreplay's timestamp mode times every packet and falls behind past ~150,000
        # packets/s here (0.87x); its packets-per-second mode holds the rate, so the file is
        # sent at its own average rate, a millisecond's packets at a time: 1x on average.
        rate = int(packets / span)
        rp = sh("ip", "netns", "exec", ns, "tcpreplay", "-i", "hsa", "--preload-pcap",
                "-p", rate, f"--pps-multi={max(1, rate // 1000)}", str(cap))
        actual = re.search(r"sent in ([0-9.]+) seconds", rp.stdout)
        wall = float(actual.group(1)) if actual else time.perf_counter() - t  # not the preload
        sent = re.search(r"Successful packets:\s+(\d+)", rp.stdout)
        failed = re.search(r"Failed packets:\s+(\d+)", rp.stdout)
        if not sent or int(sent.group(1)) != packets or int(failed.group(1)) != 0:
            sys.exit(f"tcpreplay did not send every packet: {rp.stdout}")
        out = tmp / "state" / "recordings"
        deadline = time.time() + 60 + calls / 50
        while len(list(out.glob("*/*/*/*.json"))) < calls:
            if time.time() > deadline:
                sys.exit(f"{len(list(out.glob('*/*/*/*.json')))} of {calls} calls recorded: "
                         f"{log.read_text()[-3000:]}")
            time.sleep(0.2)
        cpu = cpu_seconds(pid) - cpu0
        hp = subprocess.run(["ip", "netns", "exec", ns, str(CTL), "-c", str(conf), "--json",
                             "health", "recorder"], capture_output=True, text=True,
                            env=dict(env, HOOKSWITCH_DB_CONNINFO="host=/nonexistent"))
        h = json.loads(hp.stdout)
        m = h.get("body", h)["mirror"]
        bad = []
        for mp in out.glob("*/*/*/*.json"):
            meta = json.loads(mp.read_text())
            pk = [d["packets"] for d in meta["directions"]]
            lost = [d["lost"] + d["late"] for d in meta["directions"]]
            if pk != [ticks, ticks] or lost != [0, 0]:
                bad.append(f"{mp.name}: packets {pk} lost {lost}")
        drops = m["dropped"] + m["if_dropped"]
        print(f"mirror: {calls} concurrent G.711 calls x {seconds:g} s ({span:.1f} s of capture)"
              f" replayed by tcpreplay: {packets} packets in {wall:.1f} s ({packets / wall:,.0f}"
              f" packets/s, {span / wall:.2f}x)")
        print(f"mirror: recorded {len(list(out.glob('*/*/*/*.json')))} calls, {len(bad)} with "
              f"missing packets, kernel drops {m['dropped']}, interface drops {m['if_dropped']}; "
              f"recorder CPU {cpu:.1f} s ({100 * cpu / wall:.0f}% of one core)")
        if bad or drops:
            sys.exit("mirror: packets lost: " + "; ".join(bad[:5]))
        print(f"mirror: {calls} concurrent calls, 0 dropped (target >= {MIRROR_TARGET})"
              f"{'' if calls >= MIRROR_TARGET else ' (smaller run)'}")
    finally:
        if rec is not None and rec.poll() is None:
            rec.terminate()
            try:
                rec.wait(timeout=60)
            except subprocess.TimeoutExpired:
                rec.kill()
        sh("ip", "netns", "del", ns, check=False)
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--rac", type=int, metavar="N", help="N concurrent live Record-A-Call calls")
    ap.add_argument("--rac-format", default="wav", choices=("wav", "gsm", "opus"))
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--mirror", type=int, metavar="N", help="N concurrent calls captured live")
    ap.add_argument("--mirror-seconds", type=float, default=20.0)
    args = ap.parse_args()
    if args.smoke:
        args.calls, args.seconds = 4, 3.0
        args.mirror, args.mirror_seconds = args.mirror or 20, 3.0
    if not os.access(RECORDER, os.X_OK):
        sys.exit(f"missing {RECORDER}: run make first")
    if args.rac:
        bench_rac(args.rac, args.rac_format)
        return
    if args.mirror and "--mirror" in sys.argv:
        bench_mirror(args.mirror, args.mirror_seconds)
        return
    if shutil.which("tshark") is None:
        sys.exit("missing tshark (tools/install-deps installs it)")
    with tempfile.TemporaryDirectory(prefix="hs_bench_rec_") as tmp:
        cap = Path(tmp) / "calls.pcap"
        t = time.perf_counter()
        ticks = generate(cap, args.calls, args.seconds)
        gen = time.perf_counter() - t
        packets = args.calls * (3 + 1 + 2 * ticks)
        size = cap.stat().st_size
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print(f"capture: {args.calls} concurrent G.711 calls x {args.seconds:g} s, {packets} packets,"
              f" {size / 1e6:.1f} MB (generated in {gen:.1f} s)")
        t_rec, summary = run_recorder(cap, Path(tmp) / "wav", "wav")
        check_recorder(summary, Path(tmp) / "wav", args.calls, ticks)
        shutil.rmtree(Path(tmp) / "wav")
        t_null, summary = run_recorder(cap, Path(tmp) / "null", "null")
        if summary["calls_written"] != args.calls or summary["rtp"] != args.calls * 2 * ticks:
            sys.exit(f"recorder result wrong (null): {summary}")
        shutil.rmtree(Path(tmp) / "null")
        t_opus, summary = run_recorder(cap, Path(tmp) / "opus", "opus")
        check_recorder(summary, Path(tmp) / "opus", args.calls, ticks)
        shutil.rmtree(Path(tmp) / "opus")
        t_ts = run_tshark(cap, args.calls, ticks)
        audio = args.calls * args.seconds
        print(f"hookswitch-recorder --format wav : {t_rec:7.2f} s  ({packets / t_rec:,.0f} packets/s,"
              f" {audio / t_rec:,.0f}x real time per call-second)")
        print(f"hookswitch-recorder --format null: {t_null:7.2f} s  (no audio written: the engine alone)")
        print(f"hookswitch-recorder --format opus: {t_opus:7.2f} s  ({packets / t_opus:,.0f} packets/s)")
        print(f"tshark -q -z rtp,streams         : {t_ts:7.2f} s  ({packets / t_ts:,.0f} packets/s)")
        ratio = t_ts / t_rec
        print(f"ratio tshark / recorder (wav): {ratio:.1f}x (target >= {TARGET:g}x)"
              f"{'' if ratio >= TARGET or args.smoke else '  BELOW TARGET'}")
        print(f"ratio tshark / recorder (opus): {t_ts / t_opus:.1f}x")
    bench_mirror(args.mirror or MIRROR_TARGET, args.mirror_seconds)


if __name__ == "__main__":
    main()
