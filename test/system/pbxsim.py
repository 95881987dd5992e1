"""tools/pbxsim driven from the system tests: a simulated MiVoice Office 250 on a free
loopback port, with its control socket for acting as the phone users and reading the PBX's
own view of the calls, and its ground-truth log."""

import json
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from hslib import BINDIR, REPO_ROOT, clean_env, tail, wait_for

PBXSIM_BIN = BINDIR / "hookswitch-pbxsim"
SITES = REPO_ROOT / "tools" / "pbxsim" / "sites"
SCENARIOS = REPO_ROOT / "tools" / "pbxsim" / "scenarios"


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Pbxsim:
    def __init__(self, workdir, site="small.site", args=(), port=None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.site = SITES / site if "/" not in str(site) else Path(site)
        self.port = port or free_port()
        # unix socket paths must stay short
        self.sockdir = Path(tempfile.mkdtemp(prefix="hs-pbx-", dir="/tmp"))
        self.control = self.sockdir / "ctl"
        self.truth = self.dir / "truth.jsonl"
        self.out = self.dir / "pbxsim.out"
        self.extra = list(args)
        self.proc = None

    def start(self):
        with open(self.out, "ab") as out:
            self.proc = subprocess.Popen(
                [str(PBXSIM_BIN), "-s", str(self.site), "-P", str(self.port), "-B", "127.0.0.1",
                 "-C", str(self.control), "-T", str(self.truth), *map(str, self.extra)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=clean_env(), start_new_session=True, cwd=self.dir)
        wait_for(lambda: self._alive() and self.control.exists(), 10, what="pbxsim control socket")
        return self

    def _alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"pbxsim exited {self.proc.returncode}:\n{tail(self.out)}")
        return True

    def request(self, line, timeout=10):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(self.control))
            s.sendall(line.encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        return json.loads(buf)

    def action(self, text, check=True):
        res = self.request(f"action {text}")
        if check and not res.get("ok"):
            raise AssertionError(f"pbxsim action {text!r}: {res}")
        return res

    def state(self):
        return self.request("state")

    def truth_records(self):
        if not self.truth.exists():
            return []
        return [json.loads(l) for l in self.truth.read_text().splitlines() if l.strip()]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in (self.control,):
            try:
                os.unlink(p)
            except OSError:
                pass
        try:
            os.rmdir(self.sockdir)
        except OSError:
            pass


class OaiClient:
    """A bare System OAI client (oai.md 1-3) for tests that send commands to pbxsim
    themselves: the login frame, length-prefixed frames, and command() returning the CF's
    fields.  Events that arrive before a CF are kept in self.events."""

    def __init__(self, port, password="", app="pytest", host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.events = []
        self.invoke = 0
        body = b"\x87" + password.encode("latin-1") + b"\x00" + app.encode("latin-1") + b"\x00"
        self.sock.sendall(len(body).to_bytes(4, "little") + body)
        deadline = time.time() + timeout
        while True:  # RS, then RD: the PBX's power-up resync (oai.md 2.2)
            f = self.read(deadline - time.time())
            if f[1] == "RD":
                break

    def _fill(self, n, timeout):
        self.sock.settimeout(max(timeout, 0.01))
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("pbxsim closed the OAI session")
            self.buf += chunk

    def read(self, timeout=10):
        """One message as its list of fields (pipe quoting is not undone)."""
        self._fill(4, timeout)
        n = int.from_bytes(self.buf[:4], "little")
        self._fill(4 + n, timeout)
        text = self.buf[4:4 + n].decode("latin-1").rstrip("\r\n\x00")
        self.buf = self.buf[4 + n:]
        return text.split(",")

    def command(self, code, *args, timeout=10):
        """Sends `code,<invoke>,args...` and returns the CF's fields from the outcome on
        ([outcome, extra...], outcome as an int)."""
        self.invoke += 1
        text = ",".join([code, str(self.invoke), *map(str, args)]) + "\r"
        data = text.encode("latin-1")
        self.sock.sendall(len(data).to_bytes(4, "little") + data)
        deadline = time.time() + timeout
        while True:
            f = self.read(deadline - time.time())
            if len(f) > 4 and f[1] == "CF" and f[2] == code and f[3] == str(self.invoke):
                return [int(f[4])] + f[5:]
            self.events.append(f)

    def close(self):
        self.sock.close()
