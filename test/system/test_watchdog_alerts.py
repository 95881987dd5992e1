"""The watchdog's "Check database activity" against a real PostgreSQL: the settings as an admin
sets them (site-wide rows, a per-server override), calls as the logger would write them, the
alerts table as the dashboard reads it.

Thresholds of a few seconds (watchdog.db_activity_minutes = 0.05) keep the tests short; the
watchdog then checks every 1.5 s.  Working hours 00:00-24:00 on every day cover any time the
test runs at.  svc.alert (alerts raised by the services themselves) is covered by
services/watchdog/svcalert_test.c until a service publishes it.
"""

import itertools
import time

import pytest

from hslib import wait_for

CODE = "watchdog.db_activity"
ALWAYS = {"watchdog.working_hours": "00:00-24:00", "watchdog.working_days": "mon,tue,wed,thu,fri,sat,sun"}
_call_ids = itertools.count(1)


def activity_alerts(db):
    with db.connect() as c:
        return c.execute(
            "SELECT source, severity, text, cleared_at FROM alerts WHERE code = %s ORDER BY id",
            (CODE,),
        ).fetchall()


def open_alerts(db):
    return [r for r in activity_alerts(db) if r[3] is None]


def set_settings(db, values, server_id=0):
    """Upserts settings rows in one transaction (one NOTIFY to the watchdog)."""
    with db.connect() as c:
        with c.transaction():
            for key, value in values.items():
                c.execute(
                    "INSERT INTO settings (server_id, key, value) VALUES (%s, %s, %s) "
                    "ON CONFLICT (server_id, key) DO UPDATE SET value = EXCLUDED.value",
                    (server_id, key, value),
                )


def log_call(db):
    """A call row as the logger writes one, starting now."""
    n = next(_call_ids)
    with db.connect() as c:
        c.execute(
            "INSERT INTO calls (call_id, pbx_call_id, state, call_type, direction, created_ts, start_ts) "
            "VALUES (%s, %s, 'ended', 'internal', 'na', now(), now())",
            (n, f"pbx-{n}"),
        )


def activity_status(hs):
    return hs.status()["db_activity"]


def test_no_calls_raises_alert_and_a_call_clears_it(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    # Off by default (migration 0003 inserts 0 minutes).
    assert activity_status(hs_env)["checking"] is False

    set_settings(db, ALWAYS)
    set_settings(db, {"watchdog.db_activity_minutes": "0.05"}, server_id=1)  # this server only
    rows = wait_for(lambda: open_alerts(db), 10, what="watchdog.db_activity alert")
    assert len(rows) == 1
    source, severity, text, _ = rows[0]
    assert (source, severity) == ("watchdog", "warning")
    assert "no call has been logged" in text and "0.05 min" in text
    st = activity_status(hs_env)
    assert st["checking"] is True and st["alert"] is True and st["threshold_min"] == 0.05
    assert st["working_hours"] == "00:00-24:00"

    # Still no call: checked again and again, but one row.
    time.sleep(3.5)
    assert len(activity_alerts(db)) == 1

    log_call(db)
    wait_for(lambda: not open_alerts(db), 5, what="alert cleared by a new call")
    assert len(activity_alerts(db)) == 1
    assert activity_status(hs_env)["alert"] is False

    # The call ages past the threshold: a new alert, saying since when.
    rows = wait_for(lambda: open_alerts(db), 10, what="alert raised again")
    assert len(activity_alerts(db)) == 2
    assert "no call logged since" in rows[0][2] and "0.05 min" in rows[0][2]

    # Turned off: cleared.
    set_settings(db, {"watchdog.db_activity_minutes": "0"}, server_id=1)
    wait_for(lambda: not open_alerts(db), 5, what="alert cleared when the check is off")
    assert activity_status(hs_env)["checking"] is False
    assert "event=db_activity.check state=off" in hs_env.log_text("watchdog")


def test_outside_working_hours_clears(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    set_settings(db, {**ALWAYS, "watchdog.db_activity_minutes": "0.05"})
    wait_for(lambda: open_alerts(db), 10, what="watchdog.db_activity alert")
    # No working day any more: outside working hours, so the alert goes.
    set_settings(db, {"watchdog.working_days": ""})
    wait_for(lambda: not open_alerts(db), 5, what="alert cleared outside working hours")
    time.sleep(2)
    assert len(activity_alerts(db)) == 1
    assert activity_status(hs_env)["working_days"] == "none"


def test_invalid_setting_is_logged_once_and_keeps_the_check_off(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    set_settings(db, {**ALWAYS, "watchdog.working_hours": "soon", "watchdog.db_activity_minutes": "0.05"})
    line = "event=setting.invalid key=watchdog.working_hours value=soon"
    wait_for(lambda: line in hs_env.log_text("watchdog"), 10, what="setting.invalid logged")
    # Another settings change re-reads them: the same bad value is not logged again.
    set_settings(db, {"reporter.short_call_s": "21"})
    set_settings(db, {"watchdog.db_activity_minutes": "nan"}, server_id=1)
    wait_for(lambda: "key=watchdog.db_activity_minutes value=nan" in hs_env.log_text("watchdog"), 10,
             what="second invalid setting logged")
    time.sleep(1)
    log = hs_env.log_text("watchdog")
    assert log.count(line) == 1
    st = activity_status(hs_env)
    assert st["valid"] is False and st["checking"] is False
    assert activity_alerts(db) == []
    assert hs_env.watchdog_running()

    # Fixed: the check runs.
    with db.connect() as c:
        c.execute("DELETE FROM settings WHERE server_id = 1 AND key = 'watchdog.db_activity_minutes'")
    set_settings(db, {"watchdog.working_hours": "00:00-24:00"})
    wait_for(lambda: open_alerts(db), 10, what="alert once the settings are fixed")


@pytest.mark.hs_config({"server.roles": "realtime"})
def test_only_a_logger_server_checks(hs_env, db):
    hs_env.start_watchdog()
    hs_env.wait_ready()
    set_settings(db, {**ALWAYS, "watchdog.db_activity_minutes": "0.05"})
    time.sleep(4)  # more than the threshold and two check intervals
    assert activity_alerts(db) == []
    assert activity_status(hs_env)["checking"] is False

    # The admin gives this server the call-logging role: it runs the logger and checks.
    with db.connect() as c:
        c.execute("UPDATE servers SET roles = ARRAY['wcf','realtime','call-logging'] WHERE id = 1")
    wait_for(lambda: open_alerts(db), 10, what="alert once the server runs the logger")
    with db.connect() as c:
        c.execute("UPDATE servers SET roles = ARRAY['wcf','realtime'] WHERE id = 1")
    wait_for(lambda: not open_alerts(db), 10, what="alert cleared when the logger role goes")
