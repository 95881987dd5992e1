"""Helpers for the Hookswitch system tests: a private PostgreSQL cluster, per-test databases and
a running Hookswitch server (watchdog + services) driven through hookswitchctl.

Used by conftest.py; tests normally reach it through the fixtures `pg_cluster`, `db`,
`hs_env` and `hs_factory`, but may import it for `wait_for`, `Hookswitch` or `CtlError`.
"""

from __future__ import annotations

import itertools
import json as jsonlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
# HS_BINDIR: binaries of another build directory (make BUILD=...), e.g. a second work tree.
BINDIR = Path(os.environ.get("HS_BINDIR", REPO_ROOT / "build" / "bin")).resolve()
PGCLUSTER = REPO_ROOT / "tools" / "pgcluster"
MIGRATIONS = REPO_ROOT / "migrations"
WATCHDOG_BIN = BINDIR / "hookswitch-watchdog"
CTL_BIN = BINDIR / "hookswitchctl"


class CtlError(AssertionError):
    """hookswitchctl exited non-zero (with check=True)."""

    def __init__(self, cmd, proc: subprocess.CompletedProcess):
        self.cmd = cmd
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        super().__init__(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout.rstrip()}\n--- stderr\n{proc.stderr.rstrip()}"
        )


class StopWaiting(Exception):
    """Raised by a wait_for predicate to give up at once (e.g. the watchdog died)."""


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Calls predicate() until it returns a truthy value, which is returned.

    An exception from predicate counts as "not yet" (so e.g. a hookswitchctl call may fail
    while services start), except StopWaiting, which propagates.  After `timeout` seconds
    raises AssertionError naming `what` and the last value (or exception) seen.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = predicate()
        except StopWaiting:
            raise
        except Exception as e:  # noqa: BLE001 - any failure means "not yet"
            value = None
            last = e
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what}; last value: {last!r}"
            )
        time.sleep(interval)


def tail(path, lines=60) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return f"({path}: {e.strerror})"
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def clean_env(extra=None) -> dict:
    """The environment for Hookswitch programs: no stray HOOKSWITCH_* overrides (an unknown
    one is an error, a known one would silently beat the test's config file), no systemd
    notify socket, no libpq defaults."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOOKSWITCH_", "PG"))
        and k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID")
    }
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
    return env


# ---- PostgreSQL -----------------------------------------------------------------------------


def pgcluster(*args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(PGCLUSTER), *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"tools/pgcluster {' '.join(map(str, args))} failed ({proc.returncode}):\n"
            f"{proc.stderr.strip()}"
        )
    return proc


class PgCluster:
    """A private cluster in a fresh short directory under /tmp (the socket path must stay
    short), initialised with --fast and started."""

    def __init__(self, tag="pg"):
        tag = re.sub(r"[^A-Za-z0-9]", "", tag)[:12] or "pg"
        self.dir = Path(tempfile.mkdtemp(prefix=f"hs-{tag}-", dir="/tmp"))
        self._names = itertools.count(1)
        self._admin_dsn = None
        try:
            pgcluster("init", "--fast", self.dir)
            pgcluster("start", self.dir)
        except BaseException:
            pgcluster("stop", self.dir, check=False)
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    @property
    def log_path(self) -> Path:
        return self.dir / "postgres.log"

    def dsn(self, dbname) -> str:
        """Creates dbname if missing; returns its conninfo."""
        return pgcluster("dsn", self.dir, dbname).stdout.strip()

    def admin_dsn(self) -> str:
        if self._admin_dsn is None:
            self._admin_dsn = self.dsn("postgres")
        return self._admin_dsn

    def new_database(self, hint="") -> "Database":
        """A fresh empty database with a unique name (hint, e.g. the test name, makes it
        recognisable in postgres.log)."""
        hint = re.sub(r"[^a-z0-9]+", "_", hint.lower()).strip("_")[:40]
        name = f"t{next(self._names):04d}_{hint}".rstrip("_")
        return Database(self, name, self.dsn(name))

    def drop_database(self, name):
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def log_lines_for(self, dbname, lines=40) -> str:
        """The last postgres.log lines about database dbname (the log prefix names it)."""
        try:
            text = self.log_path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return ""
        tag = f"@{dbname} "
        return "\n".join([ln for ln in text.splitlines() if tag in ln][-lines:])

    def close(self, keep=False):
        try:
            pgcluster("stop", self.dir)
        finally:
            if not keep:
                shutil.rmtree(self.dir, ignore_errors=True)


class Database:
    """One database of the test cluster: .name, .dsn, .connect()."""

    def __init__(self, cluster: PgCluster, name: str, dsn: str):
        self.cluster = cluster
        self.name = name
        self.dsn = dsn
        self._conns = []

    def connect(self, **kwargs) -> psycopg.Connection:
        """A new autocommit connection; closed at the end of the test."""
        kwargs.setdefault("autocommit", True)
        conn = psycopg.connect(self.dsn, **kwargs)
        self._conns.append(conn)
        return conn

    def close(self, drop=True):
        for c in self._conns:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self._conns.clear()
        if drop:
            self.cluster.drop_database(self.name)

    def __repr__(self):
        return f"Database({self.name!r})"


# ---- Hookswitch -----------------------------------------------------------------------------


def check_binaries():
    missing = [str(p.relative_to(REPO_ROOT)) for p in (WATCHDOG_BIN, CTL_BIN) if not os.access(p, os.X_OK)]
    if missing:
        raise FileNotFoundError(
            f"missing {', '.join(missing)}: run make first (the system tests use the binaries in build/bin)"
        )


def free_udp_block(n=4) -> int:
    """n consecutive free UDP ports on 127.0.0.1, starting even (RTP habit)."""
    import random
    import socket

    for _ in range(200):
        first = random.randrange(20000, 60000 - n, 2)
        socks = []
        try:
            for port in range(first, first + n):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free UDP ports")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    s = str(v)
    if "\n" in s:
        raise ValueError(f"config value with a newline: {s!r}")
    return s


def _proc_stat(pid):
    """(comm, pgid, sid) of pid, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    # comm is in parentheses and may hold spaces or ')': split after the last ')'
    comm = data[data.index("(") + 1 : data.rindex(")")]
    fields = data[data.rindex(")") + 2 :].split()
    # fields[0] is state, [1] ppid, [2] pgrp, [3] session
    if fields[0] == "Z":
        return None
    return comm, int(fields[2]), int(fields[3])


def _proc_cmdline(pid) -> list:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _proc_exe(pid) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


class Hookswitch:
    """One Hookswitch server under test: its config file, watchdog process and logs.

    The config (tmp_path/hookswitch.conf) points at the test database, log.dir under tmp_path
    and bus.dir in a short mkdtemp under /tmp (ipc socket paths must stay short).  overrides
    maps "section.name" to a value (None removes the key, so its default applies).
    """

    def __init__(self, db: Database, tmp_path, overrides=None, name="hs"):
        check_binaries()
        self.db = db
        self.name = name
        self.dir = Path(tmp_path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.dir / "log"
        self.log_dir.mkdir(exist_ok=True)
        self.bus_dir = Path(tempfile.mkdtemp(prefix="hs-bus-", dir="/tmp"))
        self.conf_path = self.dir / "hookswitch.conf"
        self.watchdog_out = self.dir / "watchdog.out"
        self.proc = None
        self.last_ctl = None
        self._pgids = set()
        self._seen_pids = set()
        self.settings = {
            "server.id": 1,
            "server.roles": "all",
            "db.conninfo": db.dsn,
            "db.connect_timeout": 10,
            "log.level": "info",
            "log.dir": str(self.log_dir),
            "bus.dir": str(self.bus_dir),
            "paths.migrations": str(MIGRATIONS),
            "paths.bindir": str(BINDIR),
            "paths.state": str(self.dir / "state"),
            # the gateway: loopback only, ports of our own so parallel tests do not collide
            "web.listen": "127.0.0.1",
            "web.http_port": free_port(),
            "web.https_port": free_port(),
            "web.threads": 4,
            # the recorder's Record-A-Call endpoint: loopback, a port of our own
            "recorder.sip_listen": "127.0.0.1",
            "recorder.sip_port": free_port(),
        }
        self.configure(overrides or {})

    # -- configuration --

    def configure(self, overrides=None, **kw):
        """Applies overrides ({"watchdog.hang_timeout": 3}, None removes a key) and rewrites
        the config file.  A running watchdog does not see the change until restarted."""
        changes = dict(overrides or {})
        changes.update(kw)
        for key, value in changes.items():
            if key.count(".") != 1:
                raise ValueError(f"config key {key!r} is not section.name")
            if value is None:
                self.settings.pop(key, None)
            else:
                self.settings[key] = value
        self.write_config()

    def write_config(self):
        sections = {}
        for key, value in self.settings.items():
            section, name = key.split(".", 1)
            sections.setdefault(section, []).append((name, _ini_value(value)))
        lines = ["# written by test/system/hslib.py"]
        for section, items in sections.items():
            lines.append(f"\n[{section}]")
            lines.extend(f"{n} = {v}" for n, v in items)
        self.conf_path.write_text("\n".join(lines) + "\n")

    # -- processes --

    def start_watchdog(self, extra_env=None, args=()) -> subprocess.Popen:
        """Starts build/bin/hookswitch-watchdog -c CONF in its own session; stdout and stderr
        are appended to watchdog.out.  Does not wait for readiness (see wait_ready)."""
        if self.proc is not None and self.proc.poll() is None:
            raise AssertionError(f"watchdog already running (pid {self.proc.pid})")
        with open(self.watchdog_out, "ab") as out:
            self.proc = subprocess.Popen(
                [str(WATCHDOG_BIN), "-c", str(self.conf_path), *map(str, args)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                env=clean_env(extra_env),
                start_new_session=True,
            )
        self._pgids.add(self.proc.pid)
        return self.proc

    @property
    def watchdog_pid(self):
        return self.proc.pid if self.proc is not None else None

    def watchdog_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop_watchdog(self, timeout=30):
        """SIGTERM to the watchdog (it stops its services in order), waits; returns its exit
        code (None if it was never started).  Raises AssertionError, after killing the whole
        process group, when it does not exit within timeout seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill_all()
                raise AssertionError(
                    f"watchdog (pid {self.proc.pid}) did not exit within {timeout:g} s of SIGTERM; killed"
                ) from None
        return self.proc.returncode

    def _our_processes(self):
        """Live processes this object started: members of the watchdog's session or process
        group, pids seen in status, and hookswitch binaries whose command line names our
        config file."""
        ours = []
        conf = str(self.conf_path)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid == os.getpid():
                continue
            st = _proc_stat(pid)
            if st is None:
                continue
            comm, pgid, sid = st
            if pgid in self._pgids or sid in self._pgids:
                ours.append(pid)
                continue
            exe = _proc_exe(pid)
            is_hs = exe.startswith(str(BINDIR) + "/") or comm.startswith("hookswitch")
            if is_hs and (pid in self._seen_pids or conf in _proc_cmdline(pid)):
                ours.append(pid)
        return ours

    def kill_all(self):
        """SIGKILLs the watchdog's process group and any leftover process it started."""
        for pgid in self._pgids:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for _ in range(3):
            left = self._our_processes()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def leftover_processes(self):
        """[(pid, cmdline)] of processes still alive that this object started."""
        return [(pid, " ".join(_proc_cmdline(pid))) for pid in self._our_processes()]

    def close(self, graceful=True):
        """Teardown: stop the watchdog (gracefully first), kill whatever is left, remove the
        bus directory.  Safe to call twice."""
        try:
            if graceful and self.watchdog_running():
                try:
                    self.stop_watchdog(timeout=15)
                except AssertionError:
                    pass
        finally:
            self.kill_all()
            shutil.rmtree(self.bus_dir, ignore_errors=True)

    # -- hookswitchctl --

    def ctl_cmd(self, *args, json=True):
        return [str(CTL_BIN), "-c", str(self.conf_path), *(["--json"] if json else []), *map(str, args)]

    def ctl(self, *args, json=True, check=True, timeout=30, extra_env=None, input=None):
        """Runs build/bin/hookswitchctl -c CONF [--json] ARGS.

        json=True: returns the parsed stdout (None when it is not JSON and check is False).
        json=False: returns the CompletedProcess (text).  check=True raises CtlError on a
        non-zero exit.  The last CompletedProcess is kept in self.last_ctl either way.
        """
        cmd = self.ctl_cmd(*args, json=json)
        proc = subprocess.run(
            cmd,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
            env=clean_env(extra_env),
        )
        self.last_ctl = proc
        if check and proc.returncode != 0:
            raise CtlError(cmd, proc)
        if not json:
            return proc
        try:
            return jsonlib.loads(proc.stdout)
        except ValueError:
            if check:
                raise AssertionError(
                    f"{' '.join(cmd)}: stdout is not JSON:\n{proc.stdout!r}\n--- stderr\n{proc.stderr}"
                ) from None
            return None

    def status(self):
        return self.ctl("status")

    def service_pids(self) -> dict:
        """{service name: pid} from `hookswitchctl status`."""
        pids = {s["name"]: s["pid"] for s in self.ctl("status")["services"]}
        self._seen_pids.update(p for p in pids.values() if isinstance(p, int) and p > 0)
        return pids

    def set_pbx(self, pbx, password="oaipass", wait_up=0):
        """Points cti-host at pbxsim as an admin would (hookswitchctl pbx set); password is the
        site file's oai_password (small.site: oaipass, demo.site: demo).  With wait_up > 0,
        waits that many seconds for the link to come up."""
        self.ctl("pbx", "set", "--host", "127.0.0.1", "--port", pbx.port, "--password",
                 password, json=False)
        if wait_up:
            wait_for(lambda: self.ctl("live")["link"]["state"] == "up", wait_up,
                     what="PBX link up")

    def wait_ready(self, timeout=60):
        """Waits until `hookswitchctl status` exits 0; returns its JSON.  Fails early, with the
        watchdog's output, when the watchdog exits meanwhile."""

        def ready():
            if self.proc is not None and self.proc.poll() is not None:
                raise StopWaiting()
            res = self.ctl("status", check=False, timeout=10)
            if self.last_ctl.returncode != 0:
                return None
            return res if res is not None else True

        try:
            res = wait_for(ready, timeout, interval=0.2, what="hookswitchctl status to exit 0")
        except StopWaiting:
            raise AssertionError(
                f"watchdog exited with {self.proc.returncode} before becoming ready\n"
                f"{tail(self.watchdog_out, 30)}"
            ) from None
        except AssertionError as e:
            last = self.last_ctl
            detail = f"\nlast status: rc {last.returncode}\n{last.stdout}{last.stderr}" if last else ""
            raise AssertionError(f"{e}{detail}") from None
        try:
            self.service_pids()
        except (AssertionError, KeyError, TypeError):
            pass
        return res

    # -- waiting and logs --

    @staticmethod
    def wait_for(predicate, timeout, interval=0.1, what="condition"):
        return wait_for(predicate, timeout, interval=interval, what=what)

    def log_path(self, service) -> Path:
        return self.log_dir / f"{service}.log"

    def log_text(self, service) -> str:
        """log.dir/<service>.log (current file only, not rotated ones) followed by the
        watchdog's own stderr file; missing files read as empty."""
        parts = []
        for p in (self.log_path(service), self.watchdog_out):
            try:
                parts.append(p.read_bytes().decode("utf-8", errors="replace"))
            except FileNotFoundError:
                pass
        return "".join(parts)

    def log_tails(self, lines=60) -> str:
        """The tails of every log file and of watchdog.out, for failure reports."""
        out = [f"== config {self.conf_path}\n{self.conf_path.read_text() if self.conf_path.exists() else '(none)'}"]
        files = sorted(self.log_dir.glob("*.log")) if self.log_dir.exists() else []
        for p in [self.watchdog_out, *files]:
            if p.exists():
                out.append(f"== {p} (last {lines} lines)\n{tail(p, lines)}")
        if self.proc is not None:
            rc = self.proc.poll()
            out.append(f"== watchdog pid {self.proc.pid}: {'running' if rc is None else f'exited {rc}'}")
        return "\n".join(out)
