"""cti-host invokes Record-A-Call: against pbxsim and a real PostgreSQL, the extensions
listed in recorded_devices with method 'rac' (and enabled) get `_EF,<inv>,<ext>,<call>,!<code>`
once per call when they talk on it; the code is the site's, from `_QX` list 8.

What cti-host sent is read from pbxsim's own log (-v: every OAI frame in), so the checks hold
whatever pbxsim answers to _EF (a refusal while it does not simulate the command, a
confirmation once it does); cti-host's bus event recording.rac_invoked and its health are
checked against the same frames.
"""

import re
import time

from hslib import wait_for
from pbxsim import SITES, Pbxsim

EF_RE = re.compile(r'event=oai\.in .*?frame="?(_EF,[^"\s]*)')


def rac_site(tmp_path, code):
    """small.site with the Record-A-Call feature reprogrammed to code ("none" removes it)."""
    text = (SITES / "small.site").read_text()
    assert "\n[features]\n" in text
    text = text.replace("\n[features]\n", f"\n[features]\nrecord_a_call = {code}\n", 1)
    site = tmp_path / "rac.site"
    site.write_text(text)
    return site


def start(hs, tmp_path, code, rows=()):
    """pbxsim with the code, a server running cti-host (the watchdog migrates the database),
    then rows put in recorded_devices, then the PBX link up."""
    pbx = Pbxsim(tmp_path / "pbxsim", site=str(rac_site(tmp_path, code)), args=["-v"])
    pbx.start()
    hs.configure({"server.roles": "cti-host", "cti.keepalive": 1, "cti.reconnect_max": 2})
    hs.start_watchdog()
    hs.wait_ready()
    wait_for(lambda: hs.status()["services"][1]["state"] == "up", 20, what="cti-host up")
    ensure_notify_trigger(hs.db)
    for ext, method, enabled in rows:
        sql(hs.db, "INSERT INTO recorded_devices (extension, method, enabled) VALUES (%s, %s, %s)",
            ext, method, enabled)
    hs.set_pbx(pbx, wait_up=30)
    return pbx


def sql(db, text, *args):
    with db.connect() as c:
        c.execute(text, args)


def ensure_notify_trigger(db):
    """Migration 0008 makes recorded_devices NOTIFY hs_config; until it is in, the same
    trigger by hand."""
    with db.connect() as c:
        have = c.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = 'recorded_devices'::regclass"
                         " AND tgname = 'recorded_devices_notify'").fetchone()
        if not have:
            c.execute("CREATE TRIGGER recorded_devices_notify AFTER INSERT OR UPDATE OR DELETE"
                      " OR TRUNCATE ON recorded_devices FOR EACH STATEMENT"
                      " EXECUTE FUNCTION hs_notify_config()")


def sent_ef(pbx):
    """[(extension, call id, feature string)] of every _EF pbxsim received, in order."""
    out = []
    for line in pbx.out.read_text(errors="replace").splitlines():
        m = EF_RE.search(line)
        if m:
            f = m.group(1).split(",")
            out.append((f[2], f[3], f[4]))
    return out


def health(hs):
    return hs.ctl("health", "cti-host")["rac"]


def rac_events(hs):
    return [e["body"] for e in hs.ctl("events", "cti-host", 1)["events"]
            if e["type"] == "recording.rac_invoked"]


def talk(pbx, label, caller, callee, hold=0):
    """caller calls callee, callee answers (and holds and retrieves hold times), caller
    hangs up; returns the Call_ID."""
    cid = pbx.action(f"{label} = call {caller} {callee}")["call_id"]
    time.sleep(0.3)  # ringing: the caller is connected, nobody talks yet
    pbx.action(f"answer {callee} {label}")
    for _ in range(hold):
        time.sleep(0.3)
        pbx.action(f"hold {callee} {label}")
        time.sleep(0.3)
        pbx.action(f"retrieve {callee} {label}")
    time.sleep(0.3)
    pbx.action(f"hangup {caller} {label}")
    return cid


def settle_outcomes(hs, n):
    """Waits until n invocations were sent and each has its outcome (ok or failure)."""
    def done():
        h = health(hs)
        return h if h["invoked"] == n and h["ok"] + h["failed"] + h["timeouts"] == n else None
    return wait_for(done, 15, what=f"{n} Record-A-Call outcomes")


def test_rac_once_per_call_listed_only_and_live_reload(hs_env, db, tmp_path):
    pbx = start(hs_env, tmp_path, "384",
                [("1001", "rac", True), ("1002", "mirror", True), ("1003", "rac", False)])
    h = wait_for(lambda: (lambda r: r if r["devices"] == 1 else None)(health(hs_env)), 10,
                 what="one Record-A-Call device")
    # The code is the site's, found by name in _QX list 8.
    assert h["feature_code"] == "384" and h["feature_code_source"] == "pbx", h
    assert h["devices_loaded"] is True

    # 1001 answers, holds and retrieves twice: one invocation, for 1001 on that call.
    c1 = talk(pbx, "a1", "1000", "1001", hold=2)
    # mirror, disabled rac and unlisted extensions: none.
    talk(pbx, "a2", "1000", "1002")
    talk(pbx, "a3", "1002", "1003")
    talk(pbx, "a4", "1004", "1007")
    wait_for(lambda: sent_ef(pbx), 10, what="an _EF at pbxsim")
    settle_outcomes(hs_env, 1)
    time.sleep(1.0)  # a second invocation, if any, would have come by now
    assert sent_ef(pbx) == [("1001", c1, "!384")]

    # The outcome is logged, counted and published, whatever pbxsim answers.
    h = health(hs_env)
    assert h["invoked"] == 1 and h["ok"] + h["failed"] == 1, h
    (ev,) = rac_events(hs_env)
    assert ev["extension"] == "1001" and ev["call_id"] == c1 and ev["feature_code"] == "384"
    log = hs_env.log_text("cti-host")
    if ev["status"] == "ok":
        assert h["ok"] == 1 and "event=rac.invoked ext=1001 call_id=" + c1 in log
    else:
        assert h["failed"] == 1 and "event=rac.invoke_failed ext=1001 call_id=" + c1 in log
        assert f"error={ev['status']}" in log

    # Rows changed while running take effect without a restart (NOTIFY hs_config).
    pid = hs_env.service_pids()["cti-host"]
    sql(db, "INSERT INTO recorded_devices (extension, method) VALUES ('1006', 'rac')")
    sql(db, "UPDATE recorded_devices SET enabled = true WHERE extension = '1003'")
    wait_for(lambda: health(hs_env)["devices"] == 3, 10, what="three Record-A-Call devices")
    c5 = talk(pbx, "b1", "1004", "1006")
    c3 = talk(pbx, "b2", "1002", "1003", hold=1)
    settle_outcomes(hs_env, 3)

    # A call moving to another recorded extension: invoked for that one, on the same call.
    c6 = pbx.action("t1 = call 1000 1001")["call_id"]
    pbx.action("answer 1001 t1")
    wait_for(lambda: ("1001", c6, "!384") in sent_ef(pbx), 10, what="_EF for 1001 on t1")
    pbx.action("transfer 1001 t1 to 1006")
    pbx.action("answer 1006 t1")
    wait_for(lambda: ("1006", c6, "!384") in sent_ef(pbx), 10, what="_EF for 1006 on t1")
    pbx.action("hold 1006 t1")
    pbx.action("retrieve 1006 t1")
    pbx.action("hangup 1000 t1")
    settle_outcomes(hs_env, 5)
    time.sleep(1.0)
    assert sent_ef(pbx) == [("1001", c1, "!384"), ("1006", c5, "!384"), ("1003", c3, "!384"),
                            ("1001", c6, "!384"), ("1006", c6, "!384")]
    pairs = [(e["extension"], e["call_id"]) for e in rac_events(hs_env)]
    assert sorted(pairs) == sorted([(x, c) for x, c, _ in sent_ef(pbx)])

    # Removed: no more invocations.
    sql(db, "DELETE FROM recorded_devices WHERE extension IN ('1001', '1006', '1003')")
    wait_for(lambda: health(hs_env)["devices"] == 0, 10, what="no Record-A-Call devices")
    talk(pbx, "d1", "1000", "1001")
    time.sleep(1.0)
    assert len(sent_ef(pbx)) == 5
    assert hs_env.service_pids()["cti-host"] == pid  # no restart on the way


def test_rac_default_code_without_the_feature_in_the_list(hs_env, db, tmp_path):
    pbx = start(hs_env, tmp_path, "none", [("1006", "rac", True)])
    h = health(hs_env)
    assert h["feature_code"] == "385" and h["feature_code_source"] == "default", h
    assert "event=rac.feature_code code=385 source=default" in hs_env.log_text("cti-host")
    # Read at start too: a restarted cti-host has the set without any NOTIFY.
    pid = hs_env.service_pids()["cti-host"]
    hs_env.ctl("service", "restart", "cti-host")
    wait_for(lambda: hs_env.service_pids()["cti-host"] not in (pid, None, 0), 20,
             what="cti-host restarted")
    wait_for(lambda: hs_env.ctl("live")["link"]["state"] == "up", 30, what="PBX link up")
    assert health(hs_env)["devices"] == 1
    cid = talk(pbx, "e1", "1007", "1006")
    wait_for(lambda: sent_ef(pbx), 10, what="an _EF at pbxsim")
    settle_outcomes(hs_env, 1)
    assert sent_ef(pbx) == [("1006", cid, "!385")]
    # The link stays up whatever the PBX answered.
    assert hs_env.ctl("live")["link"]["state"] == "up"
