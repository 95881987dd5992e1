#!/usr/bin/env python3
"""Gateway read throughput: requests/s of an authenticated GET /api/v1/live/extensions/{number}
(one extension's live state, session cookie), measured with wrk over loopback, against the
issue's target of 10,000 requests/s on 2 cores.

A private PostgreSQL cluster, pbxsim with demo.site (idle: its device inventory is what
cti-host imports, so the gateway's live copy holds demo.site's extensions) and a server with
the roles cti-host and gateway (plain HTTP) run for the duration.  The engineer logs in, makes
the forced first password change, and the session cookie authenticates wrk's requests.
Before any figure, curl checks that the request answers 200 with that extension's JSON with
the cookie and with an API token, and 401 without either (a storm of 401s or 404s would be a
fast, fake number); after each run, wrk's count of answers with a status above 399 and of
socket errors must be 0, and the gateway's own request counter must agree with wrk's.

As a peer reference in the same run, wrk fetches the gateway's static /index.html (civetweb's
file handler: no authentication, no route table).  The full run tries web.threads 2, 4 and 8
with wrk connection counts of half of web.threads and web.threads (civetweb gives each
connection a worker thread for its whole keep-alive life, so connections beyond web.threads
are not served at all while the others stay open: wrk would report the latency of the served
ones only; the bench shows this with threads + 2 raw keep-alive connections), each pair for
the API and then the static file, reports the best, and measures that configuration again
with an API token (Bearer) instead of the cookie.  --profile: two more API runs at the best
configuration, under perf stat (system calls, context switches and CPU per request) and
perf record (where the gateway's CPU goes along the request path).

The machine has 2 cores, shared by wrk, the gateway and everything else: beside each figure
are the cores (CPU seconds per second) used by the gateway, wrk, the rest of the server with
PostgreSQL, and by processes outside the bench ("outside": other work on the machine, which
makes the figures lower than on an idle machine).
--smoke: one 2 s run of each, to prove it works; the figures mean little then.
HS_BINDIR=dir (see test/system/hslib.py) measures the binaries of another build.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "system"))

import requests  # noqa: E402

from hslib import REPO_ROOT, Hookswitch, PgCluster, wait_for  # noqa: E402
from pbxsim import Pbxsim  # noqa: E402

HERE = Path(__file__).resolve().parent
SUMMARY_LUA = HERE / "summary.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
TARGET = 10_000  # requests/s, the target on 2 cores
ENGINEER_DEFAULT = "Teleph0ny!"
NEW_PW = "B3nch-Gateway-Pass"


def clk_tck():
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds a process (all its threads) used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / clk_tck()


def machine_busy():
    """Busy CPU seconds of the whole machine so far (every core), from /proc/stat."""
    f = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    v = [int(x) for x in f]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / clk_tck()


def descendants(pid):
    """pid and every process below it (the watchdog's services)."""
    kids = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            st = Path(f"/proc/{e}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(st[1]), []).append(int(e))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


class Gateway:
    """The server under test and how to reach its gateway."""

    def __init__(self, hs, pg_dir):
        self.hs = hs
        self.pg_dir = str(pg_dir)
        self.base = f"http://127.0.0.1:{hs.settings['web.http_port']}"
        self.cookie = None
        self.bearer = None

    def pid(self):
        return self.hs.service_pids()["gateway"]

    def health(self):
        return self.hs.ctl("health", "gateway")

    def wait_answering(self):
        wait_for(lambda: requests.get(self.base + "/api/v1/session", timeout=2).status_code == 401,
                 60, what="the gateway answering")

    def postgres_pids(self):
        try:
            pm = int(Path(self.pg_dir, "data", "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return descendants(pm)

    def login(self):
        """The engineer's session (after the forced first change) and an API token."""
        s = requests.Session()
        r = s.post(self.base + "/api/v1/session",
                   json={"username": "engineer", "password": ENGINEER_DEFAULT}, timeout=30)
        if r.status_code != 200:
            # a second log-in (the password was changed before)
            r = s.post(self.base + "/api/v1/session",
                       json={"username": "engineer", "password": NEW_PW}, timeout=30)
        r.raise_for_status()
        csrf = r.json()["csrf_token"]
        if r.json()["user"]["must_change_password"]:
            r = s.post(self.base + "/api/v1/session/password",
                       json={"current_password": ENGINEER_DEFAULT, "new_password": NEW_PW},
                       headers={"X-CSRF-Token": csrf}, timeout=30)
            if r.status_code != 204:
                raise AssertionError(f"password change: {r.status_code} {r.text}")
        self.cookie = s.cookies.get("hs_session")
        assert self.cookie, "no hs_session cookie after log-in"
        r = s.post(self.base + "/api/v1/api-tokens", json={"name": "bench"},
                   headers={"X-CSRF-Token": csrf}, timeout=30)
        if r.status_code not in (200, 201):
            raise AssertionError(f"api token: {r.status_code} {r.text}")
        self.bearer = r.json()["token"]

    def auth_header(self, kind="cookie"):
        return (f"Cookie: hs_session={self.cookie}" if kind == "cookie"
                else f"Authorization: Bearer {self.bearer}")

    def extensions(self):
        r = requests.get(self.base + "/api/v1/live/extensions",
                         headers=dict([self.auth_header().split(": ", 1)]), timeout=10)
        r.raise_for_status()
        return [it["number"] for it in r.json()["items"]]


def curl(url, header=None):
    """(status, body) of one GET with curl: the exact request wrk will repeat."""
    cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout
    body, _, code = out.rpartition("\n")
    return int(code), body


def check_requests(gw, number):
    """The requests wrk repeats answer what they should, or the bench stops here."""
    for kind in ("cookie", "bearer"):
        code, body = curl(f"{gw.base}/api/v1/live/extensions/{number}", gw.auth_header(kind))
        if code != 200:
            sys.exit(f"GET /api/v1/live/extensions/{number} ({kind}) answered {code}: {body}")
        item = json.loads(body)
        if item.get("number") != number or item.get("kind") != "extension":
            sys.exit(f"GET /api/v1/live/extensions/{number} answered {body}")
    code, body = curl(f"{gw.base}/api/v1/live/extensions/{number}")
    if code != 401:
        sys.exit(f"without credentials the route answered {code}, not 401: {body}")
    code, body = curl(f"{gw.base}/index.html")
    if code != 200 or "<html" not in body.lower():
        sys.exit(f"GET /index.html answered {code}: {body[:200]}")
    return len(json.dumps(item, separators=(",", ":")))


def wrk(gw, path, seconds, conns, wrk_threads, header=None, alongside=None):
    """One wrk run: its summary plus the CPU seconds wrk, the gateway, the rest of the server
    and PostgreSQL used meanwhile (as cores: CPU seconds / wall seconds).  alongside: a
    command (perf) started with wrk and waited for after it."""
    cmd = [WRK, f"-t{wrk_threads}", f"-c{conns}", f"-d{seconds}s", "--latency",
           "-s", str(SUMMARY_LUA)]
    if header:
        cmd += ["-H", header]
    cmd.append(gw.base + path)
    gpid = gw.pid()
    others = [p for p in descendants(gw.hs.watchdog_pid) if p != gpid]
    pg = gw.postgres_pids()
    req0 = gw.health()["requests"]
    g0, o0, p0 = cpu_seconds(gpid), sum(map(cpu_seconds, others)), sum(map(cpu_seconds, pg))
    m0 = machine_busy()
    r0 = os.times()
    perf = None
    if alongside:
        perf = subprocess.Popen(alongside, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
    t0 = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    wall = time.monotonic() - t0
    if perf is not None:
        _, err = perf.communicate(timeout=120)
        if perf.returncode != 0:
            sys.exit(f"{' '.join(alongside)} failed ({perf.returncode}): {err}")
    r1 = os.times()
    g1, o1, p1 = cpu_seconds(gpid), sum(map(cpu_seconds, others)), sum(map(cpu_seconds, pg))
    m1 = machine_busy()
    req1 = gw.health()["requests"]
    if out.returncode != 0:
        sys.exit(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    s = json.loads(line[6:])
    s["rps"] = s["requests"] / (s["duration_us"] / 1e6)
    s["gw_cpu"] = (g1 - g0) / wall
    s["wrk_cpu"] = ((r1.children_user - r0.children_user)
                    + (r1.children_system - r0.children_system)) / wall
    s["other_cpu"] = (o1 - o0) / wall
    s["pg_cpu"] = (p1 - p0) / wall
    s["machine_cpu"] = (m1 - m0) / wall
    # what processes outside the bench (other users of the machine) took meanwhile
    s["outside_cpu"] = max(0.0, s["machine_cpu"] - s["gw_cpu"] - s["wrk_cpu"] - s["other_cpu"]
                           - s["pg_cpu"])
    s["gw_counted"] = req1 - req0  # API requests the gateway served (health asks over the bus)
    s["raw"] = out.stdout
    return s


def check_run(s, what, api):
    """Fails the bench when the figure is not honest: answers other than 2xx (wrk counts the
    ones above 399), socket errors, or (for the API) a gateway count far from wrk's."""
    bad = s["non2xx"] + s["connect"] + s["read"] + s["write"] + s["timeout"]
    if bad:
        sys.exit(f"{what}: {s['non2xx']} non-2xx answers, socket errors connect {s['connect']} "
                 f"read {s['read']} write {s['write']} timeout {s['timeout']}\n{s['raw']}")
    # wrk stops counting answers still in flight at the end: at most one per connection
    if api and not (s["requests"] <= s["gw_counted"] <= s["requests"] + 2 * 1024):
        sys.exit(f"{what}: wrk counted {s['requests']} answers, the gateway "
                 f"{s['gw_counted']} API requests")


def served_at_once(gw, path, threads, extra=2, wait=2.0):
    """Opens threads + extra keep-alive connections, sends one request on each and counts the
    ones answered within `wait` seconds.  civetweb gives a connection a worker thread for its
    whole keep-alive life, so past web.threads connections wait (up to keep_alive_timeout)."""
    host, port = gw.base.split("//", 1)[1].rsplit(":", 1)
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{gw.auth_header()}\r\n\r\n").encode()
    socks, answered = [], 0
    try:
        for _ in range(threads + extra):
            s = socket.create_connection((host, int(port)), timeout=5)
            socks.append(s)
            s.sendall(req)
        deadline = time.monotonic() + wait
        for s in socks:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                answered += s.recv(64).startswith(b"HTTP/1.1 200")
            except OSError:
                pass
    finally:
        for s in socks:
            s.close()
    return answered, threads + extra


def fmt_row(threads, conns, kind, s):
    return (f"{threads:>7} {conns:>5}  {kind:<14} {s['rps']:>10.0f} {s['p50_us'] / 1000:>8.2f}"
            f" {s['p99_us'] / 1000:>8.2f} {s['non2xx']:>7}   gw {s['gw_cpu']:.2f}"
            f"  wrk {s['wrk_cpu']:.2f}  rest {s['other_cpu'] + s['pg_cpu']:.2f}"
            f"  outside {s['outside_cpu']:.2f}")


def set_threads(gw, threads):
    """web.threads = threads: rewrite the config and restart the gateway (it reads the file
    at start); wait until it answers and its live copy is filled again."""
    old = gw.pid()
    gw.hs.configure({"web.threads": threads})
    gw.hs.ctl("service", "restart", "gateway", json=False)
    wait_for(lambda: gw.pid() not in (old, None, 0) and
             any(x["name"] == "gateway" and x["state"] == "up"
                 for x in gw.hs.status()["services"]), 60, what="the gateway restarted")
    gw.wait_answering()
    wait_for(lambda: len(gw.extensions()) > 0, 60, what="the gateway's live copy")


# Where a request's time goes in the gateway: inclusive share of these functions (the ones
# the request path runs through, civetweb's socket calls and the kernel's side of them).
PATH_SYMBOLS = [
    ("api_handler", "http.c: the whole API request (dispatch, checks, handler, reply)"),
    ("route_find", "http.c: route table walk"),
    ("gw_auth_request", "auth.c: cookie -> user (SHA-256, hex key, cache)"),
    ("gw_sha256", "auth.c: SHA-256 of the secret"),
    ("EVP_MD_fetch", "  of which OpenSSL 3's digest fetch by name, per call"),
    ("hex32", "auth.c: hex of the key (snprintf %02x x 32)"),
    ("cache_get", "auth.c: cache lookup under gw->mu"),
    ("gw_live_get_json", "live.c: hash lookup + copy under the read lock"),
    ("gw_reply_text", "http.c: the reply (headers + body)"),
    ("mg_response_header_send", "civetweb: header lines, one send() each"),
    ("mg_write", "civetweb: every send() of the reply"),
    ("__x64_sys_sendto", "kernel: send (loopback TCP transmit + delivery to wrk)"),
    ("__x64_sys_recvfrom", "kernel: recv of the request"),
    ("__x64_sys_poll", "kernel: poll, a worker waiting for the next request"),
]
STAT_EVENTS = ["raw_syscalls:sys_enter", "syscalls:sys_enter_sendto",
               "syscalls:sys_enter_recvfrom", "syscalls:sys_enter_poll",
               "sched:sched_switch", "task-clock"]


def profile(gw, path, seconds, conns, wrk_threads, tmp):
    """Two more API runs at the given configuration: one under perf stat (system calls,
    context switches and CPU per request), one under perf record with DWARF call graphs (the
    gateway is built without frame pointers).  Returns the lines to print."""
    gpid, out = gw.pid(), []
    stat_file = tmp / "perf-stat.csv"
    st = wrk(gw, path, seconds, conns, wrk_threads, gw.auth_header(),
             alongside=["perf", "stat", "-x,", "-o", str(stat_file), "-e", ",".join(STAT_EVENTS),
                        "-p", str(gpid), "--", "sleep", str(seconds)])
    check_run(st, "API (perf stat)", True)
    counts = {}
    for ln in stat_file.read_text().splitlines():
        f = ln.split(",")
        if len(f) > 3 and not ln.startswith("#"):
            try:
                counts[f[2]] = float(f[0])
            except ValueError:
                pass
    n = max(1, st["gw_counted"])
    out.append(f"perf stat of the gateway during a run ({st['rps']:.0f} req/s): per request "
               f"{counts.get('raw_syscalls:sys_enter', 0) / n:.1f} system calls, of which "
               f"{counts.get('syscalls:sys_enter_sendto', 0) / n:.1f} send, "
               f"{counts.get('syscalls:sys_enter_recvfrom', 0) / n:.1f} recv, "
               f"{counts.get('syscalls:sys_enter_poll', 0) / n:.1f} poll; "
               f"{counts.get('sched:sched_switch', 0) / n:.2f} context switches; "
               f"{counts.get('task-clock', 0) * 1000 / n:.1f} us of CPU")
    data = tmp / "perf.data"
    rec_s = min(seconds, 8)
    pr = wrk(gw, path, rec_s, conns, wrk_threads, gw.auth_header(),
             alongside=["perf", "record", "-q", "--call-graph", "dwarf,8192", "-F", "1999",
                        "-o", str(data), "-p", str(gpid), "--", "sleep", str(rec_s)])
    check_run(pr, "API (perf record)", True)

    def report(*args):
        r = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none", *args],
                           capture_output=True, text=True, timeout=600)
        return [ln for ln in r.stdout.splitlines() if ln.strip() and not ln.startswith("#")]

    out.append(f"perf record (DWARF call graphs) during a run ({pr['rps']:.0f} req/s under "
               f"perf); share of the gateway's CPU samples, inclusive of callees:")
    incl = {}
    for ln in report("--children", "--sort", "sym"):
        f = ln.split()
        if len(f) >= 4 and f[0].endswith("%"):
            name = f[3]
            for sym, _ in PATH_SYMBOLS:
                if name == sym or name.startswith(sym + "@") or name == sym + ".part.0":
                    incl[sym] = max(incl.get(sym, 0.0), float(f[0].rstrip("%")))
    for sym, what in PATH_SYMBOLS:
        v = incl.get(sym)
        out.append(f"  {v if v is not None else 0:6.1f}%  {sym:<26} {what}"
                   + ("" if v is not None else "  (no sample)"))
    out.append("self time by shared object:")
    out.extend("  " + ln.strip() for ln in report("--no-children", "--sort", "dso",
                                                  "--percent-limit", "1")[:8])
    out.append("self time by symbol (top 15):")
    out.extend("  " + ln.strip() for ln in report("--no-children", "--sort", "dso,sym",
                                                  "--percent-limit", "0.5")[:15])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seconds", type=float, default=10, help="per wrk run")
    ap.add_argument("--threads", default="2,4,8", help="web.threads values to try")
    ap.add_argument("--connections", default="",
                    help="wrk connection counts to try (default: web.threads / 2 and web.threads;"
                         " more than web.threads are not served at once, see below)")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk -t (the machine has 2 cores)")
    ap.add_argument("--profile", action="store_true",
                    help="perf record the gateway during one more run at the best configuration")
    a = ap.parse_args()
    if a.smoke:
        a.seconds, a.threads, a.connections = 2, "4", "4"
    threads_list = [int(x) for x in a.threads.split(",")]

    def conns_for(threads):
        if a.connections:
            return [int(x) for x in a.connections.split(",")]
        return sorted({max(1, threads // 2), threads})
    seconds = max(1, int(round(a.seconds)))
    if a.profile and shutil.which("perf") is None:
        sys.exit("--profile needs perf (Debian package linux-perf)")

    cluster = PgCluster(tag="benchgw")
    tmp = Path(tempfile.mkdtemp(prefix="hs-bench-"))
    db = cluster.new_database("bench_gateway")
    # the static file: the web UI's index.html when it is built, else one of the same kind
    root = tmp / "www"
    root.mkdir()
    built = REPO_ROOT / "build" / "web-ui" / "index.html"
    if built.exists():
        shutil.copy(built, root / "index.html")
    else:
        (root / "index.html").write_text(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Hookswitch</title><link rel=\"stylesheet\" href=\"app.css\"></head>\n"
            "<body><div id=\"app\"></div><script type=\"module\" src=\"app.js\"></script>"
            "</body></html>\n")
    pbx = Pbxsim(tmp / "pbx", site="demo.site")  # idle: the inventory is all we need
    # plain HTTP on loopback: the figure is the gateway's, not TLS's
    hs = Hookswitch(db, tmp / "hs", {"server.roles": "cti-host,gateway", "log.level": "warn",
                                     "web.threads": threads_list[0], "web.root": str(root),
                                     "web.https_port": 0})
    failed = False
    try:
        pbx.start()
        hs.start_watchdog()
        hs.wait_ready()
        hs.set_pbx(pbx, "demo", wait_up=60)  # demo.site
        gw = Gateway(hs, cluster.dir)
        gw.wait_answering()
        gw.login()
        numbers = wait_for(gw.extensions, 60, what="extensions in the gateway's live copy")
        number = "1000" if "1000" in numbers else numbers[0]
        body_len = check_requests(gw, number)
        static_len = (root / "index.html").stat().st_size
        api_path = f"/api/v1/live/extensions/{number}"

        print(f"gateway GET {api_path} (session cookie) vs GET /index.html (static), wrk "
              f"-t{a.wrk_threads}, {seconds} s per run, {os.cpu_count()} cores shared by all;")
        print(f"demo.site: {len(numbers)} extensions live; answer bodies {body_len} B (JSON) "
              f"and {static_len} B (file)")
        print(f"{'threads':>7} {'conns':>5}  {'request':<14} {'req/s':>10} {'p50 ms':>8}"
              f" {'p99 ms':>8} {'non2xx':>7}   CPU cores used during the run")
        results = []
        current = threads_list[0]
        for threads in threads_list:
            if threads != current:
                set_threads(gw, threads)
                check_requests(gw, number)
                current = threads
            for conns in conns_for(threads):
                api = wrk(gw, api_path, seconds, conns, a.wrk_threads, gw.auth_header())
                check_run(api, f"API threads={threads} conns={conns}", True)
                print(fmt_row(threads, conns, "live ext", api), flush=True)
                st = wrk(gw, "/index.html", seconds, conns, a.wrk_threads)
                check_run(st, f"static threads={threads} conns={conns}", False)
                print(fmt_row(threads, conns, "/index.html", st), flush=True)
                results.append((threads, conns, api, st))

        bt, bc, best, peer = max(results, key=lambda x: x[2]["rps"])
        best_static = max(results, key=lambda x: x[3]["rps"])
        bearer = None
        if not a.smoke:
            if current != bt:
                set_threads(gw, bt)
                current = bt
            bearer = wrk(gw, api_path, seconds, bc, a.wrk_threads, gw.auth_header("bearer"))
            check_run(bearer, f"API bearer threads={bt} conns={bc}", True)
            print(fmt_row(bt, bc, "live (Bearer)", bearer), flush=True)

        print()
        print(f"{'best: live extension (cookie)':38} {best['rps']:10.0f} req/s   web.threads {bt},"
              f" {bc} connections; p50 {best['p50_us'] / 1000:.2f} ms, p99 "
              f"{best['p99_us'] / 1000:.2f} ms, non-2xx {best['non2xx']}")
        if bearer is not None:
            print(f"{'same with an API token (Bearer)':38} {bearer['rps']:10.0f} req/s   "
                  f"p50 {bearer['p50_us'] / 1000:.2f} ms, p99 {bearer['p99_us'] / 1000:.2f} ms, "
                  f"non-2xx {bearer['non2xx']}")
        print(f"{'peer: /index.html, same config':38} {peer['rps']:10.0f} req/s   ratio live / static "
              f"{best['rps'] / peer['rps']:.2f}")
        print(f"{'peer: /index.html, its best config':38} {best_static[3]['rps']:10.0f} req/s   "
              f"web.threads {best_static[0]}, {best_static[1]} connections")
        print(f"{'gateway CPU per live request':38} {best['gw_cpu'] / best['rps'] * 1e6:10.1f} us"
              f"   (static: {peer['gw_cpu'] / peer['rps'] * 1e6:.1f} us; wrk "
              f"{best['wrk_cpu'] / best['rps'] * 1e6:.1f} us per request)")
        ans, opened = served_at_once(gw, api_path, current)
        print(f"{'keep-alive clients answered at once':38} {ans:>10} of {opened}   web.threads "
              f"{current}: civetweb holds a worker per connection for its keep-alive life (up to 5 s idle)")
        if best["p50_us"] >= 30_000 and best["gw_cpu"] < 0.25:
            print(f"{'note':38} p50 >= 30 ms with an idle gateway: the ~40 ms of TCP delayed ACK"
                  f" against Nagle (the reply leaves in several send()s, TCP_NODELAY is off)")
        ratio = best["rps"] / TARGET
        print(f"{'ratio to the target of 10,000 req/s':38} {ratio:10.2f}   "
              f"{'met' if ratio >= 1 else 'NOT met'} (2 cores shared by wrk and the server)")

        if a.profile:
            print(f"\nprofile of the gateway at web.threads {current}, {bc} connections:")
            for ln in profile(gw, api_path, seconds, bc, a.wrk_threads, tmp):
                print(ln)
    except BaseException:
        failed = True
        raise
    finally:
        if failed:
            print(hs.log_tails(30), file=sys.stderr)
        hs.close()
        pbx.stop()
        db.close()
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
