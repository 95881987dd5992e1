"""The watchdog against a real PostgreSQL and real service processes, driven the way an
operator drives it: start it, kill things, look at `hookswitchctl` and the database."""

import os
import re
import shutil
import signal
import subprocess
import tarfile
import time

import pytest

from hslib import MIGRATIONS, WATCHDOG_BIN, clean_env, wait_for

ALL_SERVICES = [
    "cti-host", "logger", "recorder", "reporting", "realtime", "handset", "sip-proxy", "gateway",
]


def services(hs):
    return {s["name"]: s for s in hs.status()["services"]}


def wait_all_up(hs, names=ALL_SERVICES, timeout=30):
    def up():
        s = services(hs)
        return s if all(s[n]["state"] == "up" and s[n]["pid"] > 0 for n in names) else None

    return wait_for(up, timeout, what=f"{', '.join(names)} up")


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def schema_versions(db):
    with db.connect() as c:
        return c.execute("SELECT version, applied_at FROM schema_version ORDER BY version").fetchall()


def alerts(db, code=None):
    with db.connect() as c:
        q = "SELECT source, code, text, cleared_at, details FROM alerts"
        if code:
            return c.execute(q + " WHERE code = %s ORDER BY id", (code,)).fetchall()
        return c.execute(q + " ORDER BY id").fetchall()


def migration_count():
    return len([p for p in os.listdir(MIGRATIONS) if re.match(r"^\d+_[a-z0-9_]+\.sql$", p)])


# ---- start, migrate, stop ---------------------------------------------------------------------


def test_fresh_start_migrates_once_and_starts_all_roles(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    s = wait_all_up(hs_env)
    assert s["watchdog"]["state"] == "up"
    first = schema_versions(db)
    assert len(first) == migration_count()

    st = hs_env.status()
    assert st["db"] == {"state": "ok", "connected": True, "schema_version": first[-1][0]}
    # The watchdog registered this server with the configured roles.
    with db.connect() as c:
        (roles,) = c.execute("SELECT roles FROM servers WHERE id = 1").fetchone()
    assert "cti-host" in roles and "wcf" in roles

    pids = {n: s[n]["pid"] for n in ALL_SERVICES}
    assert hs_env.stop_watchdog() == 0
    assert not any(pid_alive(p) for p in pids.values()), "a service outlived the watchdog"

    # A second start applies nothing.
    hs_env.start_watchdog()
    hs_env.wait_ready()
    wait_all_up(hs_env)
    assert schema_versions(db) == first
    assert re.search(r"event=db\.migrated applied=0 ", hs_env.log_text("watchdog"))


def test_stop_is_reverse_start_order(hs_env):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    wait_all_up(hs_env)
    assert hs_env.stop_watchdog() == 0
    log = hs_env.log_text("watchdog")
    started = re.findall(r"event=service\.state service=(\S+) from=starting to=up", log)
    stopped = re.findall(r"event=service\.state service=(\S+) from=stopping to=down", log)
    assert started == ALL_SERVICES
    assert stopped == list(reversed(ALL_SERVICES))
    assert "event=watchdog.stopped" in log


def test_failed_migration_leaves_version_and_holds_services(hs_factory, db, tmp_path):
    mig = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, mig)
    bad = mig / "9000_broken.sql"
    bad.write_text("CREATE TABLE half_done (id int);\nCREATE TABEL oops (id int);\n")
    hs = hs_factory({"paths.migrations": str(mig)})
    hs.start_watchdog()
    st = hs.wait_ready()
    assert st["db"]["state"] == "migration_failed"
    assert "9000_broken.sql" in st["db"]["error"] and "TABEL" in st["db"]["error"]
    time.sleep(1)
    s = services(hs)
    assert all(s[n]["state"] == "down" and s[n]["pid"] == 0 for n in ALL_SERVICES)
    assert [v for v, _ in schema_versions(db)] == list(range(1, migration_count() + 1))
    with db.connect() as c:
        assert c.execute("SELECT to_regclass('half_done')").fetchone()[0] is None
    log = hs.log_text("watchdog")
    assert re.search(r"event=db\.migrate\.failed .*9000_broken\.sql.*services are not started", log)

    # The operator fixes the migration and asks again: services come up.
    bad.write_text("CREATE TABLE half_done (id int);\n")
    out = hs.ctl("db", "migrate")
    assert out["schema_version"] == 9000
    wait_all_up(hs)
    assert hs.ctl("db", "status")["pending"] == 0


# ---- supervision ------------------------------------------------------------------------------


@pytest.mark.hs_config({"watchdog.hang_timeout": 3})
def test_sigkill_is_restarted_with_an_alert(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    before = wait_all_up(hs_env)["logger"]
    t0 = time.monotonic()
    os.kill(before["pid"], signal.SIGKILL)

    def restarted():
        s = services(hs_env)["logger"]
        return s if s["state"] == "up" and s["pid"] not in (0, before["pid"]) else None

    after = wait_for(restarted, 10, what="logger restarted")
    assert time.monotonic() - t0 < 5  # first backoff is 1 s
    assert after["restarts"] == before["restarts"] + 1
    assert "signal 9" in after["last_exit"]
    rows = alerts(db, "service.restarted")
    assert len(rows) == 1 and rows[0][0] == "logger" and "signal 9" in rows[0][2]
    listed = hs_env.ctl("alerts")
    assert any(a["code"] == "service.restarted" and a["source"] == "logger" for a in listed)
    # Acknowledged alerts leave the open list.
    hs_env.ctl("alerts", "ack", listed[0]["id"])
    assert all(a["id"] != listed[0]["id"] for a in hs_env.ctl("alerts"))


@pytest.mark.hs_config({"watchdog.hang_timeout": 3})
def test_sigstop_hung_service_is_detected_and_restarted(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    before = wait_all_up(hs_env)["realtime"]
    os.kill(before["pid"], signal.SIGSTOP)
    try:
        def restarted():
            s = services(hs_env)["realtime"]
            return s if s["state"] == "up" and s["pid"] not in (0, before["pid"]) else None

        after = wait_for(restarted, 15, what="hung realtime restarted")
    finally:
        if pid_alive(before["pid"]):
            os.kill(before["pid"], signal.SIGKILL)
    assert "hung: no heartbeat" in after["last_exit"]
    assert not pid_alive(before["pid"])
    rows = alerts(db, "service.restarted")
    assert [r[0] for r in rows] == ["realtime"] and "hung" in rows[0][2]
    assert "event=service.hung service=realtime" in hs_env.log_text("watchdog")


@pytest.mark.hs_config({"watchdog.backoff_max": 4, "watchdog.stable_after": 30})
def test_backoff_doubles_for_a_crash_loop(hs_env):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    wait_all_up(hs_env)
    delays = []
    for _ in range(4):
        pid = services(hs_env)["handset"]["pid"]
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: services(hs_env)["handset"]["state"] == "backoff", 5, what="backoff")
        delays.append(services(hs_env)["handset"]["backoff_s"])
        wait_for(lambda: services(hs_env)["handset"]["state"] == "up", 10, what="handset up")
    assert delays == [1, 2, 4, 4]


def test_service_restart_command(hs_env):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    old = wait_all_up(hs_env)["gateway"]["pid"]
    hs_env.ctl("service", "restart", "gateway")
    wait_for(lambda: services(hs_env)["gateway"]["pid"] not in (0, old)
             and services(hs_env)["gateway"]["state"] == "up", 10, what="gateway restarted")
    bad = hs_env.ctl("service", "restart", "nosuch", check=False)
    assert hs_env.last_ctl.returncode == 1 and bad["error"] == "ENOTFOUND"


# ---- roles --------------------------------------------------------------------------------


@pytest.mark.hs_config({"server.roles": "call-logging"})
def test_roles_choose_services_and_role_changes_apply_live(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    wait_all_up(hs_env, ["logger", "reporting"])
    time.sleep(0.5)
    s = services(hs_env)
    running = sorted(n for n in ALL_SERVICES if s[n]["pid"] > 0)
    assert running == ["logger", "reporting"]
    assert not s["gateway"]["wanted"]

    # The admin adds the realtime role and removes call-logging: applied without a restart.
    with db.connect() as c:
        c.execute("UPDATE servers SET roles = ARRAY['wcf','realtime'] WHERE id = 1")
    wait_all_up(hs_env, ["realtime"])
    wait_for(lambda: all(services(hs_env)[n]["state"] == "down" for n in ("logger", "reporting")),
             10, what="logger and reporting stopped")


# ---- disk and logs ------------------------------------------------------------------------


def test_disk_threshold_raises_and_clears_alert(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    with db.connect() as c:
        c.execute("INSERT INTO settings (server_id, key, value) "
                  "VALUES (1, 'watchdog.drive_space_threshold_pct', '100')")
    rows = wait_for(lambda: alerts(db, "disk.low"), 10, what="disk.low alert")
    root = [r for r in rows if r[4].get("key") == "/"]
    assert root and "below the 100% threshold" in root[0][2]
    st = hs_env.status()
    assert st["disk_threshold_pct"] == 100 and all(d["low"] for d in st["disks"])
    with db.connect() as c:
        c.execute("UPDATE settings SET value = '0' WHERE server_id = 1 "
                  "AND key = 'watchdog.drive_space_threshold_pct'")
    wait_for(lambda: all(r[3] is not None for r in alerts(db, "disk.low")), 10,
             what="disk.low alerts cleared")
    assert len(alerts(db, "disk.low")) == len(rows)  # cleared, not raised again


@pytest.mark.hs_config({"log.archive_keep": 2})
def test_logs_archive_packs_rotated_logs_and_keeps_n(hs_env):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    wait_all_up(hs_env)
    archives = []
    for i in range(3):
        out = hs_env.ctl("logs", "archive")
        archives.append(out["path"])
        with tarfile.open(out["path"]) as t:
            names = t.getnames()
        assert "watchdog.log.1" in names
        if i == 0:  # every service has logged since it started
            assert out["files"] == 9 and "logger.log.1" in names
        assert not any(p.name.endswith(".log.1") for p in hs_env.log_dir.iterdir())
        time.sleep(1.1)  # archive names carry the second
    left = sorted(p.name for p in (hs_env.log_dir / "archive").iterdir())
    assert left == sorted(os.path.basename(a) for a in archives[1:])
    # Live logs go on being written after the rotation.
    hs_env.ctl("service", "restart", "logger")
    wait_for(lambda: "event=service.start" in hs_env.log_path("logger").read_text(), 10,
             what="logger writes to its new log")


# ---- configuration and CLI ----------------------------------------------------------------


def test_bad_config_names_file_line_and_key(hs_env):
    hs_env.conf_path.write_text("[server]\nid = 1\n\n[watchdog]\nhang_timeout = soon\n")
    p = subprocess.run([str(WATCHDOG_BIN), "-n", "-c", str(hs_env.conf_path)],
                       capture_output=True, text=True, env=clean_env(), timeout=10)
    assert p.returncode == 78
    assert f"{hs_env.conf_path}:5: watchdog.hang_timeout: 'soon' is not an integer" in p.stderr
    hs_env.write_config()
    p = subprocess.run([str(WATCHDOG_BIN), "-n", "-c", str(hs_env.conf_path)],
                       capture_output=True, text=True, env=clean_env(), timeout=10)
    assert p.returncode == 0 and "configuration OK" in p.stdout
    p = subprocess.run([str(WATCHDOG_BIN), "-n", "-c", str(hs_env.conf_path)],
                       capture_output=True, text=True, timeout=10,
                       env=clean_env({"HOOKSWITCH_SERVER_IDD": "2"}))
    assert p.returncode == 78 and "HOOKSWITCH_SERVER_IDD" in p.stderr


def test_ctl_exit_codes_and_health(hs_env):
    hs_env.ctl("status", check=False)
    assert hs_env.last_ctl.returncode == 111  # nothing running
    assert "cannot reach watchdog" in hs_env.last_ctl.stderr
    hs_env.ctl("no", "such", "command", check=False)
    assert hs_env.last_ctl.returncode == 100
    hs_env.start_watchdog()
    hs_env.wait_ready()
    wait_all_up(hs_env)
    h = hs_env.ctl("health", "reporting")
    assert h["service"] == "reporting" and h["duties"].startswith("none yet")
    text = hs_env.ctl("status", json=False).stdout
    assert re.search(r"^logger\s+up\s+\d+", text, re.M)


def test_second_watchdog_on_same_server_refuses(hs_env, hs_factory, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    p = subprocess.run([str(WATCHDOG_BIN), "-d", "-c", str(hs_env.conf_path)],
                       capture_output=True, text=True, env=clean_env(), timeout=30)
    assert p.returncode == 1
    assert "another instance is running" in p.stderr
    assert hs_env.watchdog_running()


def test_builtin_accounts_hashed_and_must_change(hs_env, db):
    argon2 = pytest.importorskip("argon2")
    hs_env.start_watchdog()
    hs_env.wait_ready()
    with db.connect() as c:
        rows = dict((u, (h, m)) for u, h, m in c.execute(
            "SELECT username, password_hash, must_change_password FROM users WHERE is_builtin"))
    assert set(rows) == {"engineer", "supervisor"}
    ph = argon2.PasswordHasher()
    for user, default in (("engineer", "Teleph0ny!"), ("supervisor", "M1t3l!Superv!sor")):
        h, must = rows[user]
        assert h.startswith("$argon2id$") and default not in h
        assert ph.verify(h, default) and must is True
