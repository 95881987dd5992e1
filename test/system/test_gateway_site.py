"""The gateway's site routes, used as an administrator or an integrator would use them:
servers and their roles (and the watchdog following a role change), the phone system (and
cti-host following it to a PBX), devices, Email & SMTP, the system status page and its
alerts, the audit trail, and the HTTPS certificate.

A real server (watchdog + every service) against a real PostgreSQL; requests go over HTTP on
loopback.  What a request should have changed is checked where it lands: the database, the
running services, a real SMTP server, cti-host's link to a simulated PBX.
"""

import os
import re
import signal
import subprocess
import time

import requests

from hslib import free_port, wait_for
from test_gateway import NEW_PW, Api, Inbox, engineer, gw  # noqa: F401 - gw is a fixture
from test_watchdog import pid_alive

ALL_ROLES = ["wcf", "database", "licensing", "website", "gateway", "cti-host", "call-logging",
             "realtime", "server-apps", "mobile-gateway", "recording", "handset"]
CORE_SERVICES = ["cti-host", "logger", "recorder", "reporting", "realtime", "handset",
                 "sip-proxy", "gateway"]


def error(r, status, code=None, field=None):
    """Asserts an error answer of the contract and returns its error object."""
    assert r.status_code == status, (r.status_code, r.text)
    e = r.json()["error"]
    assert e["message"]
    if code is not None:
        assert e["code"] == code, e
    if field is not None:
        assert e.get("field") == field, e
    return e


def db_one(hs, sql, *args):
    with hs.db.connect() as c:
        return c.execute(sql, args or None).fetchone()


def db_all(hs, sql, *args):
    with hs.db.connect() as c:
        return c.execute(sql, args or None).fetchall()


def watchdog_services(hs):
    return {s["name"]: s for s in hs.status()["services"]}


def api_services(api):
    r = api.req("GET", "/system/status")
    assert r.status_code == 200, r.text
    return {s["name"]: s for s in r.json()["services"]}


def start_gateway(hs_factory, overrides=None):
    """As test_gateway's gw fixture, with config overrides."""
    hs = hs_factory(overrides)
    hs.start_watchdog()
    hs.wait_ready()
    base = f"http://127.0.0.1:{hs.settings['web.http_port']}/api/v1"
    wait_for(lambda: requests.get(base + "/session", timeout=2).status_code == 401, 30,
             what="the gateway answering")
    hs.base = base
    return hs


# ---- servers ----------------------------------------------------------------------------------


def test_servers_list_create_update_delete(gw):
    eng = engineer(gw)
    # The watchdog registered this server with the configured roles (all of them).
    r = eng.req("GET", "/servers")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1 and [s["id"] for s in body["items"]] == [1]
    one = body["items"][0]
    assert sorted(one["roles"]) == sorted(ALL_ROLES)
    assert set(one) >= {"id", "name", "host", "roles", "created_at", "updated_at"}
    assert eng.req("GET", "/servers/1").json() == one

    # A second server that only records.
    r = eng.req("POST", "/servers", {"id": 2, "name": "Recorder", "host": "rec-1.example.com",
                                     "roles": ["recording"]})
    assert r.status_code == 201, r.text
    two = r.json()
    assert two["id"] == 2 and two["name"] == "Recorder" and two["roles"] == ["recording"]
    assert two["host"] == "rec-1.example.com"
    assert db_one(gw, "SELECT name, host, roles FROM servers WHERE id = 2") == \
        ("Recorder", "rec-1.example.com", ["recording"])
    assert eng.req("GET", "/servers").json()["total"] == 2

    # Refused input changes nothing and names the field.
    e = error(eng.req("POST", "/servers", {"name": "X", "roles": ["recording", "fax"]}),
              400, "validation", "roles")
    assert "fax" in e["message"]
    error(eng.req("POST", "/servers", {"name": "X", "roles": ["realtime", "realtime"]}),
          400, "validation", "roles")
    error(eng.req("POST", "/servers", {"name": "X", "roles": "realtime"}), 400, "validation",
          "roles")
    error(eng.req("POST", "/servers", {"roles": ["realtime"]}), 400, "validation", "name")
    error(eng.req("POST", "/servers", {"name": "X", "host": "bad host;rm"}), 400, "validation",
          "host")
    error(eng.req("POST", "/servers", {"name": "X", "id": 100}), 400, "validation", "id")
    error(eng.req("POST", "/servers", {"name": "Again", "id": 2}), 409, "conflict")
    assert db_one(gw, "SELECT count(*) FROM servers")[0] == 2

    # Without an id: the lowest free number.
    r = eng.req("POST", "/servers", {"name": "Wallboards", "roles": ["wcf", "realtime"]})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == 3 and r.json()["host"] == ""

    # Rename; the roles stay when not given; an id cannot change.
    r = eng.req("PATCH", "/servers/2", {"name": "Recorder (basement)"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Recorder (basement)" and r.json()["roles"] == ["recording"]
    assert db_one(gw, "SELECT name, roles FROM servers WHERE id = 2") == \
        ("Recorder (basement)", ["recording"])
    error(eng.req("PATCH", "/servers/2", {"id": 5}), 400, "validation", "id")
    error(eng.req("PATCH", "/servers/2", {"roles": ["nope"]}), 400, "validation", "roles")
    error(eng.req("PATCH", "/servers/2", {"name": "two\nlines"}), 400, "validation", "name")
    error(eng.req("PATCH", "/servers/42", {"name": "ghost"}), 404, "not_found")
    assert db_one(gw, "SELECT name FROM servers WHERE id = 2")[0] == "Recorder (basement)"

    # Deleting a server takes its setting overrides with it.
    with gw.db.connect() as c:
        c.execute("INSERT INTO settings (server_id, key, value) "
                  "VALUES (2, 'watchdog.drive_space_threshold_pct', '5')")
    assert eng.req("DELETE", "/servers/2").status_code == 204
    assert db_one(gw, "SELECT count(*) FROM servers WHERE id = 2")[0] == 0
    assert db_one(gw, "SELECT count(*) FROM settings WHERE server_id = 2")[0] == 0
    error(eng.req("GET", "/servers/2"), 404, "not_found")
    error(eng.req("DELETE", "/servers/2"), 404, "not_found")

    # The server this gateway runs on cannot be removed from under it.
    e = error(eng.req("DELETE", "/servers/1"), 409, "conflict")
    assert "server 1" in e["message"]
    assert db_one(gw, "SELECT count(*) FROM servers WHERE id = 1")[0] == 1
    assert gw.watchdog_running()


def test_no_free_server_number_is_404(gw):
    eng = engineer(gw)
    with gw.db.connect() as c:
        c.execute("INSERT INTO servers (id, name) SELECT g, 'Server ' || g "
                  "FROM generate_series(2, 99) g")
    r = eng.req("POST", "/servers", {"name": "One too many"})
    error(r, 404, "not_found")
    assert db_one(gw, "SELECT count(*) FROM servers")[0] == 99


def test_own_server_keeps_the_site_and_ids_are_checked(gw):
    """The server this gateway runs on cannot lose the website/gateway or wcf roles from here
    (the administrator would lock themselves out); an id too large for any number is 404."""
    eng = engineer(gw)
    me = gw.settings.get("server.id", 1)
    roles = eng.req("GET", f"/servers/{me}").json()["roles"]
    for drop in (("website", "gateway"), ("wcf",)):
        r = eng.req("PATCH", f"/servers/{me}", {"roles": [x for x in roles if x not in drop]})
        error(r, 409, "conflict")
    assert eng.req("GET", f"/servers/{me}").json()["roles"] == roles
    for bad in ("99999999999999999999999", "1e3", "+1", "%201", "0x10"):
        r = eng.req("GET", f"/users/{bad}")
        error(r, 404, "not_found")


def test_role_change_stops_and_starts_its_service(gw):
    """Dropping the recording role stops the recorder (and only it); giving it back starts it."""
    eng = engineer(gw)
    before = wait_for(lambda: (lambda s: s if all(s[n]["state"] == "up" for n in CORE_SERVICES)
                               else None)(watchdog_services(gw)), 30, what="all services up")
    old_recorder = before["recorder"]["pid"]
    assert old_recorder > 0
    roles = eng.req("GET", "/servers/1").json()["roles"]
    assert "recording" in roles

    r = eng.req("PATCH", "/servers/1", {"roles": [x for x in roles if x != "recording"]})
    assert r.status_code == 200, r.text
    assert "recording" not in r.json()["roles"]
    assert "recording" not in db_one(gw, "SELECT roles FROM servers WHERE id = 1")[0]

    def recorder_down():
        s = watchdog_services(gw)["recorder"]
        return s if s["state"] == "down" and s["pid"] == 0 else None

    down = wait_for(recorder_down, 10, what="recorder stopped")
    assert down["wanted"] is False
    wait_for(lambda: not pid_alive(old_recorder), 10, what="the old recorder process gone")
    # The logger stays: call-logging still needs it.  The status page shows the same.
    after = watchdog_services(gw)
    assert after["logger"]["state"] == "up" and after["logger"]["pid"] == before["logger"]["pid"]
    seen = api_services(eng)
    assert seen["recorder"]["state"] == "down" and seen["recorder"]["wanted"] is False
    assert seen["logger"]["state"] == "up"

    # The role comes back: so does the recorder.
    r = eng.req("PATCH", "/servers/1", {"roles": roles})
    assert r.status_code == 200, r.text

    def recorder_up():
        s = watchdog_services(gw)["recorder"]
        return s if s["state"] == "up" and s["pid"] not in (0, old_recorder) else None

    up = wait_for(recorder_up, 15, what="recorder started again")
    assert up["wanted"] is True
    assert api_services(eng)["recorder"]["state"] == "up"


# ---- phone systems ----------------------------------------------------------------------------


def test_phone_system_password_is_write_only(gw):
    eng = engineer(gw)
    secret = "Oai-S3cret-xyz"
    answers = []

    def call(method, path, body=None):
        r = eng.req(method, path, body)
        answers.append(r.text)
        return r

    # The site starts with its one (unconfigured) phone system.
    r = call("GET", "/phone-systems")
    assert r.status_code == 200 and r.json()["total"] == 1
    ps = r.json()["items"][0]
    assert ps["id"] == 1 and ps["type"] == "MiVoice Office 250" and ps["host"] == ""
    assert ps["password_set"] is False and "password" not in ps
    # One per site: a second one is refused.
    error(call("POST", "/phone-systems", {"host": "pbx.example.com"}), 409, "conflict")
    assert call("DELETE", "/phone-systems/1").status_code == 204
    assert call("GET", "/phone-systems").json()["total"] == 0
    error(call("GET", "/phone-systems/1"), 404, "not_found")

    r = call("POST", "/phone-systems", {"type": "MiVoice Office 250", "name": "Main PBX",
                                        "host": "192.0.2.10", "port": 4000,
                                        "password": secret})
    assert r.status_code == 201, r.text
    ps = r.json()
    assert ps["name"] == "Main PBX" and ps["host"] == "192.0.2.10" and ps["port"] == 4000
    assert ps["password_set"] is True and ps["enabled"] is True and "password" not in ps
    error(call("POST", "/phone-systems", {"host": "192.0.2.11", "password": secret}), 409,
          "conflict")
    assert db_one(gw, "SELECT host, port, password FROM phone_systems") == \
        ("192.0.2.10", 4000, secret)

    # Host and port change; the password stays when not given.
    r = call("PATCH", "/phone-systems/1", {"host": "pbx.example.com", "port": 4001})
    assert r.status_code == 200, r.text
    assert r.json()["host"] == "pbx.example.com" and r.json()["port"] == 4001
    assert r.json()["password_set"] is True
    assert db_one(gw, "SELECT host, port, password FROM phone_systems WHERE id = 1") == \
        ("pbx.example.com", 4001, secret)
    for bad in (0, 65536, "4000", 4000.5, None):
        error(call("PATCH", "/phone-systems/1", {"port": bad}), 400, "validation", "port")
    error(call("POST", "/phone-systems", {"port": 99999}), 400, "validation", "port")
    error(call("PATCH", "/phone-systems/1", {"host": "pbx example"}), 400, "validation", "host")
    error(call("PATCH", "/phone-systems/1", {"type": "Asterisk"}), 400, "validation", "type")
    error(call("PATCH", "/phone-systems/1", {"enabled": "yes"}), 400, "validation", "enabled")
    error(call("PATCH", "/phone-systems/2", {"host": "x"}), 404, "not_found")
    assert db_one(gw, "SELECT host, port FROM phone_systems WHERE id = 1") == \
        ("pbx.example.com", 4001)
    r = call("GET", "/phone-systems/1")
    assert r.status_code == 200 and r.json()["password_set"] is True

    # Clearing the password: no longer set.
    r = call("PATCH", "/phone-systems/1", {"password": ""})
    assert r.status_code == 200 and r.json()["password_set"] is False

    # The audit trail says a password changed, never what it is.
    r = call("GET", "/audit?action=phone_system.")
    assert r.status_code == 200
    acts = [e["action"] for e in r.json()["items"]]
    assert "phone_system.create" in acts and "phone_system.update" in acts
    assert "phone_system.delete" in acts
    created = next(e for e in r.json()["items"] if e["action"] == "phone_system.create")
    assert created["details"].get("password_changed") is True
    assert "password" not in created["details"]
    for text in answers:
        assert secret not in text
    details = db_all(gw, "SELECT details::text FROM audit_events WHERE details IS NOT NULL")
    assert not any(secret in d for (d,) in details)


def test_phone_system_through_the_api_brings_the_pbx_link_up(hs_factory, pbx):
    """The admin enters the PBX's address: cti-host connects and imports its devices."""
    hs = start_gateway(hs_factory, {"cti.keepalive": 1, "cti.reconnect_max": 2})
    eng = engineer(hs)
    wait_for(lambda: watchdog_services(hs)["cti-host"]["state"] == "up", 20, what="cti-host up")
    link = eng.req("GET", "/live/link").json()
    assert link["state"] != "up"

    # Entered with a wrong port first (a typo): no link.
    assert eng.req("DELETE", "/phone-systems/1").status_code == 204
    closed = free_port()
    r = eng.req("POST", "/phone-systems", {"name": "pbxsim", "host": "127.0.0.1",
                                           "port": closed, "password": "oaipass"})
    assert r.status_code == 201, r.text
    time.sleep(1)
    assert eng.req("GET", "/live/link").json()["state"] != "up"

    # Corrected: cti-host reconnects to the new address.
    r = eng.req("PATCH", "/phone-systems/1", {"port": pbx.port})
    assert r.status_code == 200, r.text

    def link_up():
        lk = eng.req("GET", "/live/link").json()
        return lk if lk["state"] == "up" else None

    lk = wait_for(link_up, 20, what="GET /live/link up")
    assert lk["cti_host"]["reachable"] is True
    assert hs.ctl("live")["link"]["port"] == pbx.port

    # The import: pbxsim's devices, through the API.
    def imported():
        d = eng.req("GET", "/devices", params={"limit": 1000}).json()
        return d if {"1000", "1019", "97001", "2000"} <= {x["number"] for x in d["items"]} \
            else None

    devs = wait_for(imported, 20, what="pbxsim's devices in GET /devices")
    byn = {d["number"]: d for d in devs["items"]}
    assert devs["total"] == len(devs["items"]) == \
        db_one(hs, "SELECT count(*) FROM devices WHERE removed_at IS NULL")[0]
    assert byn["97001"]["kind"] == "trunk" and byn["2000"]["kind"] == "hunt-group"
    assert byn["2000"]["hunt_group_type"] is not None
    assert byn["1001"]["description"] == "Smith, Anna"
    trunks = eng.req("GET", "/devices", params={"kind": "trunk"}).json()
    assert {d["number"] for d in trunks["items"]} >= {"97001", "97002", "97003", "97004"}
    assert all(d["kind"] == "trunk" for d in trunks["items"])
    r = eng.req("GET", "/devices", params={"q": "smith"})
    assert [d["number"] for d in r.json()["items"]] == ["1001"]
    # The link learned the PBX's versions and when it imported.
    ps = wait_for(lambda: (lambda p: p if p["last_import_at"] else None)(
        eng.req("GET", "/phone-systems/1").json()), 10, what="last_import_at")
    assert ps["software_version"] and ps["protocol_version"]
    # The status page shows the same link.
    st = eng.req("GET", "/system/status").json()
    assert st["pbx_link"]["state"] == "up"

    # Disabled: cti-host lets the link go; enabled again: it comes back.
    assert eng.req("PATCH", "/phone-systems/1", {"enabled": False}).status_code == 200
    wait_for(lambda: eng.req("GET", "/live/link").json()["state"] != "up", 15,
             what="link down after disabling")
    assert eng.req("PATCH", "/phone-systems/1", {"enabled": True}).status_code == 200
    wait_for(link_up, 20, what="link up again after enabling")


# ---- devices ----------------------------------------------------------------------------------


def seed_devices(hs):
    """What an import leaves: 60 extensions, 2 trunks, a hunt group, a removed extension."""
    with hs.db.connect() as c:
        for i in range(60):
            c.execute("INSERT INTO devices (number, kind, description, username) "
                      "VALUES (%s, 'extension', %s, %s)",
                      (str(1000 + i), f"Desk {i}", f"DESK{i}"))
        c.execute("INSERT INTO devices (number, kind, description) VALUES "
                  "('97001', 'trunk', 'ISDN 1'), ('97002', 'trunk', 'ISDN 2'), "
                  "('2000', 'hunt-group', 'Sales 100%'), ('1999', 'extension', 'Old desk')")
        c.execute("INSERT INTO hunt_groups (number, group_type) VALUES ('2000', 1)")
        c.execute("UPDATE devices SET removed_at = now() WHERE number = '1999'")


def test_devices_filters_and_paging(gw):
    eng = engineer(gw)
    seed_devices(gw)
    r = eng.req("GET", "/devices")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 63 and page["offset"] == 0 and page["limit"] == 50
    assert len(page["items"]) == 50
    # Numeric order: short numbers first, then by value.
    assert [d["number"] for d in page["items"][:3]] == ["1000", "1001", "1002"]
    rest = eng.req("GET", "/devices", params={"offset": 50, "limit": 50}).json()
    assert len(rest["items"]) == 13 and rest["offset"] == 50
    numbers = [d["number"] for d in page["items"] + rest["items"]]
    assert len(set(numbers)) == 63 and "1999" not in numbers
    assert numbers[-3:] == ["2000", "97001", "97002"]
    small = eng.req("GET", "/devices", params={"offset": 10, "limit": 5}).json()
    assert [d["number"] for d in small["items"]] == [str(n) for n in range(1010, 1015)]
    assert small["total"] == 63

    # kind
    trunks = eng.req("GET", "/devices", params={"kind": "trunk"}).json()
    assert trunks["total"] == 2 and {d["number"] for d in trunks["items"]} == {"97001", "97002"}
    hg = eng.req("GET", "/devices", params={"kind": "hunt-group"}).json()
    assert hg["total"] == 1 and hg["items"][0]["hunt_group_type"] == 1
    assert eng.req("GET", "/devices", params={"kind": "voicemail"}).json()["total"] == 0
    error(eng.req("GET", "/devices", params={"kind": "fax"}), 400, "validation", "kind")

    # q: number or description, case-insensitive, literal
    assert eng.req("GET", "/devices", params={"q": "desk 1"}).json()["total"] == 11  # 1, 10-19
    assert [d["number"] for d in eng.req("GET", "/devices", params={"q": "9700"})
            .json()["items"]] == ["97001", "97002"]
    assert [d["number"] for d in eng.req("GET", "/devices", params={"q": "%"})
            .json()["items"]] == ["2000"]  # the only description with a percent sign
    for payload in ("' OR 1=1 --", "_", "%%%", "\\", "'; DROP TABLE devices; --", "*"):
        r = eng.req("GET", "/devices", params={"q": payload})
        assert r.status_code == 200, (payload, r.text)
        assert r.json()["total"] == 0 and r.json()["items"] == [], payload
    assert eng.req("GET", "/devices", params={"q": "isdn", "kind": "trunk"}).json()["total"] == 2
    assert eng.req("GET", "/devices", params={"q": "isdn", "kind": "extension"}) \
        .json()["total"] == 0

    # removed devices only on request
    r = eng.req("GET", "/devices", params={"include_removed": "true", "q": "old"}).json()
    assert [d["number"] for d in r["items"]] == ["1999"] and r["items"][0]["removed_at"]
    error(eng.req("GET", "/devices", params={"include_removed": "maybe"}), 400, "validation",
          "include_removed")

    # paging limits
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "ten"}):
        assert eng.req("GET", "/devices", params=bad).status_code == 400, bad
    assert len(eng.req("GET", "/devices", params={"limit": 1000}).json()["items"]) == 63
    assert db_one(gw, "SELECT count(*) FROM devices")[0] == 64


# ---- Email & SMTP -----------------------------------------------------------------------------


def test_email_settings_and_test_message(gw):
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from aiosmtpd.controller import Controller

    eng = engineer(gw)
    r = eng.req("GET", "/settings/email")
    assert r.status_code == 200, r.text
    assert r.json() == {"server": "", "port": 25, "auth": False, "username": "",
                        "password_set": False, "ssl": False, "from": "",
                        "from_name": "Hookswitch", "alarm_interval_minutes": 60}
    saved = dict(db_all(gw, "SELECT key, value FROM settings WHERE key LIKE 'smtp.%'"))
    # Nothing to send with yet.
    error(eng.req("POST", "/settings/email/test", {"to": "admin@example.com"}), 409, "conflict")

    # A header injection through the display name is refused, nothing saved.
    for bad in ("Hookswitch\r\nBcc: victim@example.com", "Hook\nswitch", "Hook\rswitch"):
        error(eng.req("PUT", "/settings/email", {"server": "127.0.0.1", "from": "pbx@example.com",
                                                 "from_name": bad}), 400, "validation",
              "from_name")
    error(eng.req("PUT", "/settings/email", {"port": 0}), 400, "validation", "port")
    error(eng.req("PUT", "/settings/email", {"server": "smtp host"}), 400, "validation",
          "server")
    error(eng.req("PUT", "/settings/email", {"alarm_interval_minutes": 0}), 400, "validation",
          "alarm_interval_minutes")
    assert dict(db_all(gw, "SELECT key, value FROM settings WHERE key LIKE 'smtp.%'")) == saved

    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        secret = "Smtp-S3cret-pw"
        r = eng.req("PUT", "/settings/email", {
            "server": "127.0.0.1", "port": port, "from": "pbx@example.com",
            "from_name": "Hookswitch Ünïcode", "username": "mailer", "password": secret,
            "alarm_interval_minutes": 15})
        assert r.status_code == 200, r.text
        want = {"server": "127.0.0.1", "port": port, "auth": False, "username": "mailer",
                "password_set": True, "ssl": False, "from": "pbx@example.com",
                "from_name": "Hookswitch Ünïcode", "alarm_interval_minutes": 15}
        assert r.json() == want and secret not in r.text
        got = eng.req("GET", "/settings/email")
        assert got.json() == want and secret not in got.text
        stored = dict(db_all(gw, "SELECT key, value FROM settings WHERE server_id = 0 "
                                 "AND key LIKE 'smtp.%'"))
        assert stored["smtp.server"] == "127.0.0.1" and stored["smtp.port"] == str(port)
        # Fields not given stay.
        r = eng.req("PUT", "/settings/email", {"alarm_interval_minutes": 30})
        assert r.status_code == 200 and r.json() == {**want, "alarm_interval_minutes": 30}

        error(eng.req("POST", "/settings/email/test", {}), 400, "validation", "to")
        error(eng.req("POST", "/settings/email/test", {"to": "a@example.com\r\nRCPT TO:<b@x>"}),
              400, "validation", "to")
        error(eng.req("POST", "/settings/email/test", {"to": "not-an-address"}), 400,
              "validation", "to")
        # Log-in on, without a user name: refused as a whole.
        error(eng.req("PUT", "/settings/email", {"auth": True, "username": ""}), 400,
              "validation", "username")
        assert eng.req("GET", "/settings/email").json()["auth"] is False
        r = eng.req("POST", "/settings/email/test", {"to": "admin@example.com"})
        assert r.status_code == 204, r.text
        wait_for(lambda: inbox.messages, 10, what="the test message")
        env = inbox.messages[0]
        assert env.rcpt_tos == ["admin@example.com"] and env.mail_from == "pbx@example.com"
        msg = message_from_bytes(env.content)
        assert str(make_header(decode_header(msg["Subject"]))) == "Hookswitch test message"
        assert "Hookswitch Ünïcode" in str(make_header(decode_header(msg["From"])))
        assert "engineer" in msg.get_payload(decode=True).decode()
    finally:
        smtp.stop()

    # The server gone: the send fails and says so.
    closed = free_port()
    assert eng.req("PUT", "/settings/email", {"port": closed}).status_code == 200
    error(eng.req("POST", "/settings/email/test", {"to": "admin@example.com"}), 502, "smtp")
    # The password can be cleared; it is never shown.
    r = eng.req("PUT", "/settings/email", {"password": ""})
    assert r.status_code == 200 and r.json()["password_set"] is False
    assert db_one(gw, "SELECT value FROM settings WHERE key = 'smtp.password'")[0] == ""
    rows = db_all(gw, "SELECT target, details->>'sent' FROM audit_events "
                      "WHERE action = 'email_settings.test' ORDER BY id")
    assert rows == [("admin@example.com", "true"), ("admin@example.com", "false")]
    upd = db_all(gw, "SELECT details FROM audit_events WHERE action = 'email_settings.update' "
                     "ORDER BY id")
    assert upd[0][0].get("password_changed") is True and "password" not in upd[0][0]


# ---- system status and alerts -----------------------------------------------------------------


def test_system_status_and_alert_acknowledgement(gw):
    eng = engineer(gw)
    wait_for(lambda: all(s["state"] == "up" for n, s in api_services(eng).items()
                         if n in CORE_SERVICES), 30, what="every service up on the status page")
    r = eng.req("GET", "/system/status")
    assert r.status_code == 200, r.text
    st = r.json()
    assert st["server_id"] == 1 and st["watchdog"]["reachable"] is True
    svcs = {s["name"]: s for s in st["services"]}
    for name in ["watchdog", *CORE_SERVICES]:
        assert svcs[name]["state"] == "up", (name, svcs.get(name))
    assert svcs["gateway"]["pid"] > 0 and "since" in svcs["gateway"]
    assert st["alerts"]["unacknowledged"] == 0 and st["alerts"]["latest"] == []
    assert st["pbx_link"] is not None and "state" in st["pbx_link"]
    assert st["disks"]
    for d in st["disks"]:
        assert d["total_bytes"] > 0 and 0 <= d["free_bytes"] <= d["total_bytes"]
        assert 0 <= d["free_pct"] <= 100 and d["used_for"]
    used = {u for d in st["disks"] for u in d["used_for"]}
    assert {"state", "logs"} <= used

    # A service dies: the watchdog restarts it and raises an alert the admin sees.
    victim = gw.service_pids()["handset"]
    os.kill(victim, signal.SIGKILL)

    def alert_listed():
        items = eng.req("GET", "/alerts", params={"acknowledged": "false"}).json()["items"]
        return [a for a in items if a["code"] == "service.restarted" and a["source"] == "handset"]

    alert = wait_for(alert_listed, 15, what="a service.restarted alert in GET /alerts")[0]
    assert alert["acknowledged_at"] is None and alert["server_id"] == 1
    assert "signal 9" in alert["text"]
    wait_for(lambda: api_services(eng)["handset"]["pid"] not in (0, victim)
             and api_services(eng)["handset"]["state"] == "up", 15, what="handset restarted")
    st = eng.req("GET", "/system/status").json()
    assert st["alerts"]["unacknowledged"] >= 1
    assert alert["id"] in [a["id"] for a in st["alerts"]["latest"]]

    r = eng.req("POST", f"/alerts/{alert['id']}/acknowledge")
    assert r.status_code == 200, r.text
    acked = r.json()
    assert acked["id"] == alert["id"] and acked["acknowledged_by"] == "engineer"
    assert acked["acknowledged_at"]
    e = error(eng.req("POST", f"/alerts/{alert['id']}/acknowledge"), 409, "conflict")
    assert "engineer" in e["message"]
    error(eng.req("POST", "/alerts/999999/acknowledge"), 404, "not_found")
    by, at = db_one(gw, "SELECT acknowledged_by, acknowledged_at FROM alerts WHERE id = %s",
                    alert["id"])
    assert by == "engineer" and at is not None
    # The lists follow.
    assert alert["id"] not in [a["id"] for a in eng.req(
        "GET", "/alerts", params={"acknowledged": "false"}).json()["items"]]
    assert alert["id"] in [a["id"] for a in eng.req(
        "GET", "/alerts", params={"acknowledged": "true"}).json()["items"]]
    error(eng.req("GET", "/alerts", params={"cleared": "perhaps"}), 400, "validation", "cleared")
    rows = db_all(gw, "SELECT username, target, details->>'code' FROM audit_events "
                      "WHERE action = 'alert.acknowledge'")
    assert rows == [("engineer", str(alert["id"]), "service.restarted")]


# ---- audit trail ------------------------------------------------------------------------------


def test_audit_trail_of_server_changes(gw):
    eng = engineer(gw)
    assert eng.req("POST", "/servers", {"id": 7, "name": "Seven", "roles": ["realtime"]}) \
        .status_code == 201
    assert eng.req("PATCH", "/servers/7", {"name": "Seven (wallboards)"}).status_code == 200
    assert eng.req("DELETE", "/servers/7").status_code == 204
    # refused requests leave no trace
    assert eng.req("DELETE", "/servers/1").status_code == 409
    assert eng.req("POST", "/servers", {"name": "x", "roles": ["nope"]}).status_code == 400

    r = eng.req("GET", "/audit", params={"action": "server."})
    assert r.status_code == 200, r.text
    page = r.json()
    items = page["items"]
    assert [e["action"] for e in items] == ["server.delete", "server.update", "server.create"]
    assert page["total"] == 3
    uid = db_one(gw, "SELECT id FROM users WHERE username = 'engineer'")[0]
    for e in items:
        assert e["username"] == "engineer" and e["user_id"] == uid and e["target"] == "7"
        assert e["client_ip"] == "127.0.0.1" and e["server_id"] == 1
    assert items[1]["details"] == {"name": "Seven (wallboards)"}
    assert items[2]["details"]["roles"] == ["realtime"]
    # "server." is a prefix, not a pattern: server_x or servers would not match
    assert eng.req("GET", "/audit", params={"action": "server.%"}).json()["total"] == 0
    assert eng.req("GET", "/audit", params={"user": "engineer", "action": "server."}) \
        .json()["total"] == 3
    assert eng.req("GET", "/audit", params={"user": "supervisor", "action": "server."}) \
        .json()["total"] == 0

    # from is inclusive, to exclusive
    ts = {e["action"]: e["ts"] for e in items}
    r = eng.req("GET", "/audit", params={"action": "server.", "from": ts["server.update"]})
    assert r.status_code == 200, r.text
    assert [e["action"] for e in r.json()["items"]] == ["server.delete", "server.update"]
    r = eng.req("GET", "/audit", params={"action": "server.", "to": ts["server.update"]})
    assert [e["action"] for e in r.json()["items"]] == ["server.create"]
    r = eng.req("GET", "/audit", params={"action": "server.", "from": ts["server.create"],
                                         "to": ts["server.delete"]})
    assert [e["action"] for e in r.json()["items"]] == ["server.update", "server.create"]
    r = eng.req("GET", "/audit", params={"from": "2000-01-01T00:00:00Z",
                                         "to": "2000-01-02T00:00:00Z"})
    assert r.status_code == 200 and r.json()["total"] == 0
    r = eng.req("GET", "/audit", params={"from": "2999-01-01T00:00:00Z"})
    assert r.status_code == 200 and r.json()["total"] == 0
    for bad in ("yesterday-ish", "2026-13-45T00:00:00Z", "'; DROP TABLE audit_events; --"):
        error(eng.req("GET", "/audit", params={"from": bad}), 400, "validation", "from")
    error(eng.req("GET", "/audit", params={"to": "soon"}), 400, "validation", "to")
    # paging
    allev = eng.req("GET", "/audit", params={"limit": 1000}).json()
    assert allev["total"] == db_one(gw, "SELECT count(*) FROM audit_events")[0]
    p2 = eng.req("GET", "/audit", params={"action": "server.", "offset": 1, "limit": 1}).json()
    assert [e["action"] for e in p2["items"]] == ["server.update"] and p2["total"] == 3


# ---- HTTPS certificate ------------------------------------------------------------------------


def make_pair(tmp_path, name, cn):
    key, crt = tmp_path / f"{name}.key", tmp_path / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", f"/CN={cn}",
                    "-addext", f"subjectAltName=DNS:{cn}", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True, timeout=30)
    return crt.read_text(), key.read_text()


def fingerprint(pem_text, tmp_path):
    p = tmp_path / "fp.pem"
    p.write_text(pem_text)
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(p)],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1].upper()


def served_fingerprint(hs, tmp_path):
    """The SHA-256 fingerprint of the certificate the gateway's HTTPS port presents."""
    out = subprocess.run(["openssl", "s_client", "-connect",
                          f"127.0.0.1:{hs.settings['web.https_port']}", "-servername", "localhost"],
                         input="", capture_output=True, text=True, timeout=20).stdout
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    assert m, f"no certificate from the HTTPS port:\n{out[-2000:]}"
    return fingerprint(m.group(0), tmp_path)


def test_tls_certificate_upload(hs_factory, tmp_path):
    hs = start_gateway(hs_factory, {"web.https_port": free_port()})
    eng = engineer(hs)
    # HTTPS on: the gateway made itself a certificate at its first start, and serves it.
    r = eng.req("GET", "/tls/certificate")
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["self_signed"] is True and first["https_enabled"] is True
    assert first["restart_required"] is False and first["expired"] is False
    assert served_fingerprint(hs, tmp_path) == first["sha256"].upper()
    crt, key = make_pair(tmp_path, "a", "pbx-a.example.com")
    crt_b, key_b = make_pair(tmp_path, "b", "pbx-b.example.com")

    # A key that is not the certificate's: refused, nothing installed.
    e = error(eng.req("PUT", "/tls/certificate", {"certificate_pem": crt, "key_pem": key_b}),
              400, "validation", "key_pem")
    assert "match" in e["message"]
    error(eng.req("PUT", "/tls/certificate", {"certificate_pem": "hello", "key_pem": key}),
          400, "validation", "certificate_pem")
    error(eng.req("PUT", "/tls/certificate", {"certificate_pem": crt, "key_pem": "junk"}),
          400, "validation", "key_pem")
    error(eng.req("PUT", "/tls/certificate", {"certificate_pem": crt}), 400, "validation",
          "key_pem")
    error(eng.req("PUT", "/tls/certificate", {"key_pem": key}), 400, "validation",
          "certificate_pem")
    r = eng.req("GET", "/tls/certificate")
    assert r.json()["sha256"] == first["sha256"] and r.json()["restart_required"] is False

    r = eng.req("PUT", "/tls/certificate", {"certificate_pem": crt, "key_pem": key})
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["subject"] == "CN=pbx-a.example.com" and info["self_signed"] is True
    assert info["issuer"] == "CN=pbx-a.example.com"
    assert info["restart_required"] is True and info["https_enabled"] is True
    assert info["expired"] is False and "DNS:pbx-a.example.com" in info["subject_alt_names"]
    assert info["sha256"].upper() == fingerprint(crt, tmp_path)
    assert "PRIVATE" not in r.text
    r = eng.req("GET", "/tls/certificate")
    assert r.status_code == 200 and r.json()["subject"] == "CN=pbx-a.example.com"
    assert r.json()["sha256"] == info["sha256"] and r.json()["restart_required"] is True
    # Until the gateway restarts, the old one is still served.
    assert served_fingerprint(hs, tmp_path) == first["sha256"].upper()

    # Replaced by another; a refused upload afterwards keeps it.
    r = eng.req("PUT", "/tls/certificate", {"certificate_pem": crt_b, "key_pem": key_b})
    assert r.status_code == 200 and r.json()["subject"] == "CN=pbx-b.example.com"
    assert eng.req("PUT", "/tls/certificate", {"certificate_pem": crt_b, "key_pem": key}) \
        .status_code == 400
    got = eng.req("GET", "/tls/certificate").json()
    assert got["subject"] == "CN=pbx-b.example.com"
    assert got["sha256"].upper() == fingerprint(crt_b, tmp_path)
    # On disk, in the gateway's folder: no key file readable by others.
    tls_dir = hs.dir / "state" / "gateway" / "tls"
    for p in tls_dir.iterdir():
        if "PRIVATE KEY" in p.read_text():
            assert p.stat().st_mode & 0o077 == 0, (p, oct(p.stat().st_mode))
    rows = db_all(hs, "SELECT details FROM audit_events WHERE action = 'tls_certificate.install' "
                      "ORDER BY id")
    assert [d["subject"] for (d,) in rows] == ["CN=pbx-a.example.com", "CN=pbx-b.example.com"]
    assert not any("PRIVATE" in str(d) for (d,) in rows)

    # After a restart the gateway serves the uploaded certificate.
    old = hs.service_pids()["gateway"]
    hs.ctl("service", "restart", "gateway")
    wait_for(lambda: (lambda s: s["pid"] not in (0, old) and s["state"] == "up")(
        watchdog_services(hs)["gateway"]), 15, what="gateway restarted")
    wait_for(lambda: served_fingerprint(hs, tmp_path) == got["sha256"].upper(), 15,
             what="the new certificate served")
    api = Api(hs.base)
    wait_for(lambda: api.login("engineer", NEW_PW).status_code == 200, 15, what="log-in")
    after = api.req("GET", "/tls/certificate").json()
    assert after["sha256"] == got["sha256"] and after["restart_required"] is False

