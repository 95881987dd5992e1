"""Which calls are recorded, as an administrator sets it: Recorded Devices (/recorded-devices,
config.servers) and the Exclusion and Inclusion lists (/exclusion-list, /inclusion-list, each
with its own permission), over the REST API and in the web admin site.

A real server (watchdog + services) against a real PostgreSQL; requests go over HTTP on
loopback as a browser or an integration sends them, and what a request should have changed is
checked in the tables the recorder reads (recorded_devices, recording_rules) and in the audit
trail.  The browser test drives headless Chromium on the site the gateway serves from the
build (browser.py).
"""

import pytest
import requests

from browser import (ENGINEER, ENGINEER_DEFAULT, NEW_PW, absent, click, console_errors, find,
                     go, new_driver, quit_driver, select_by_text, start_server, text_of,
                     type_into, ui_login, wait, wait_text)
from browser import Api as BrowserApi
from test_gateway import Api, engineer, gw  # noqa: F401 - gw is a fixture


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


def db_all(hs, sql, *args):
    with hs.db.connect() as c:
        return c.execute(sql, args or None).fetchall()


def audit(hs, prefix):
    return db_all(hs, "SELECT action, target, details FROM audit_events "
                      "WHERE action LIKE %s ORDER BY id", prefix + "%")


def devices_in_db(hs):
    return db_all(hs, "SELECT extension, method, host(ip), description, enabled "
                      "FROM recorded_devices ORDER BY extension")


def rules_in_db(hs):
    return db_all(hs, "SELECT list, match_type, value, description FROM recording_rules "
                      "ORDER BY id")


# ---- recorded devices -------------------------------------------------------------------------


def test_recorded_devices_crud(gw):
    eng = engineer(gw)
    r = eng.req("GET", "/recorded-devices")
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "total": 0, "offset": 0, "limit": 50}

    # Record-A-Call: no address; a MiNET phone on the mirror port: its address
    r = eng.req("POST", "/recorded-devices", {"extension": "1001", "method": "rac",
                                              "description": "Reception"})
    assert r.status_code == 201, r.text
    rac = r.json()
    assert {k: rac[k] for k in ("extension", "method", "ip", "description", "enabled")} == \
        {"extension": "1001", "method": "rac", "ip": None, "description": "Reception",
         "enabled": True}
    assert rac["updated_at"]
    r = eng.req("POST", "/recorded-devices", {"extension": "1002", "method": "mirror",
                                              "ip": "192.168.1.52", "enabled": False})
    assert r.status_code == 201, r.text
    assert r.json()["ip"] == "192.168.1.52" and r.json()["enabled"] is False
    # a mirrored SIP phone is known by its signalling: no address needed
    r = eng.req("POST", "/recorded-devices", {"extension": "10", "method": "mirror"})
    assert r.status_code == 201 and r.json()["ip"] is None, r.text
    assert devices_in_db(gw) == [("10", "mirror", None, "", True),
                                 ("1001", "rac", None, "Reception", True),
                                 ("1002", "mirror", "192.168.1.52", "", False)]

    # listed as the devices list orders numbers; filters and paging
    body = eng.req("GET", "/recorded-devices").json()
    assert [d["extension"] for d in body["items"]] == ["10", "1001", "1002"]
    assert body["total"] == 3
    assert eng.req("GET", "/recorded-devices/1001").json() == rac
    assert [d["extension"] for d in
            eng.req("GET", "/recorded-devices?method=mirror").json()["items"]] == ["10", "1002"]
    assert [d["extension"] for d in
            eng.req("GET", "/recorded-devices?q=recep").json()["items"]] == ["1001"]
    page = eng.req("GET", "/recorded-devices?offset=1&limit=1").json()
    assert [d["extension"] for d in page["items"]] == ["1001"] and page["total"] == 3
    error(eng.req("GET", "/recorded-devices?method=tap"), 400, "validation", "method")
    error(eng.req("GET", "/recorded-devices?limit=0"), 400, "validation", "limit")

    # bad input: 400 naming the field, nothing written
    bad = [
        ({"method": "rac"}, "extension"),
        ({"extension": "10a1", "method": "rac"}, "extension"),
        ({"extension": 1003, "method": "rac"}, "extension"),
        ({"extension": "1" * 33, "method": "rac"}, "extension"),
        ({"extension": "1003"}, "method"),
        ({"extension": "1003", "method": "tap"}, "method"),
        ({"extension": "1003", "method": "mirror", "ip": "192.168.1.300"}, "ip"),
        ({"extension": "1003", "method": "mirror", "ip": "192.168.1.0/24"}, "ip"),
        ({"extension": "1003", "method": "mirror", "ip": "phone-3.example.com"}, "ip"),
        ({"extension": "1003", "method": "mirror", "ip": 3232235827}, "ip"),
        ({"extension": "1003", "method": "rac", "ip": "192.168.1.53"}, "ip"),
        ({"extension": "1003", "method": "rac", "description": "two\nlines"}, "description"),
        ({"extension": "1003", "method": "rac", "description": "x" * 256}, "description"),
        ({"extension": "1003", "method": "rac", "enabled": "yes"}, "enabled"),
    ]
    for b, field in bad:
        e = error(eng.req("POST", "/recorded-devices", b), 400, "validation", field)
        if field == "ip" and b.get("method") == "mirror":
            assert "not an IP address" in e["message"] or "text" in e["message"], e
    assert "only for the mirror method" in error(
        eng.req("POST", "/recorded-devices", bad[10][0]), 400)["message"]
    error(eng.req("POST", "/recorded-devices", None, data="{not json",
                  headers={"Content-Type": "application/json"}), 400, "invalid_json")
    assert len(devices_in_db(gw)) == 3

    # one device per IP address; an extension is recorded once
    e = error(eng.req("POST", "/recorded-devices", {"extension": "1003", "method": "mirror",
                                                    "ip": "192.168.1.52"}), 409, "conflict", "ip")
    assert "1002" in e["message"] and "192.168.1.52" in e["message"]
    e = error(eng.req("POST", "/recorded-devices", {"extension": "1001", "method": "mirror"}),
              409, "conflict", "extension")
    assert "1001" in e["message"]
    # IPv6 is an address too; the same address written differently is the same address
    r = eng.req("POST", "/recorded-devices", {"extension": "1004", "method": "mirror",
                                              "ip": "2001:db8::4"})
    assert r.status_code == 201 and r.json()["ip"] == "2001:db8::4", r.text
    error(eng.req("POST", "/recorded-devices", {"extension": "1005", "method": "mirror",
                                                "ip": "2001:0db8:0:0::4"}), 409, "conflict", "ip")

    # change: fields given change, the others stay
    r = eng.req("PATCH", "/recorded-devices/1002", {"description": "Sales desk", "enabled": True})
    assert r.status_code == 200, r.text
    assert r.json()["ip"] == "192.168.1.52" and r.json()["description"] == "Sales desk"
    error(eng.req("PATCH", "/recorded-devices/1002", {"ip": "192.168.1.999"}), 400,
          "validation", "ip")
    error(eng.req("PATCH", "/recorded-devices/1002", {"ip": "2001:db8::4"}), 409, "conflict",
          "ip")
    error(eng.req("PATCH", "/recorded-devices/1001", {"ip": "192.168.1.51"}), 400,
          "validation", "ip")   # 1001 records by Record-A-Call
    error(eng.req("PATCH", "/recorded-devices/1001", {"extension": "1009"}), 400,
          "validation", "extension")
    error(eng.req("PATCH", "/recorded-devices/1001", {"method": "tap"}), 400, "validation",
          "method")
    # to the mirror with an address, and back to Record-A-Call: the address goes
    r = eng.req("PATCH", "/recorded-devices/1001", {"method": "mirror", "ip": "192.168.1.51"})
    assert r.status_code == 200 and r.json()["ip"] == "192.168.1.51", r.text
    r = eng.req("PATCH", "/recorded-devices/1001", {"method": "rac"})
    assert r.status_code == 200 and r.json()["ip"] is None and r.json()["method"] == "rac"
    error(eng.req("PATCH", "/recorded-devices/1009", {"description": "x"}), 404, "not_found")
    error(eng.req("GET", "/recorded-devices/1009"), 404, "not_found")
    error(eng.req("GET", "/recorded-devices/10a"), 404, "not_found")

    # a feature code style number: * and # in the path, # encoded
    r = eng.req("POST", "/recorded-devices", {"extension": "*55#", "method": "rac"})
    assert r.status_code == 201, r.text
    assert eng.req("GET", "/recorded-devices/*55%23").json()["extension"] == "*55#"
    assert eng.req("DELETE", "/recorded-devices/*55%23").status_code == 204

    # remove
    assert eng.req("DELETE", "/recorded-devices/10").status_code == 204
    error(eng.req("DELETE", "/recorded-devices/10"), 404, "not_found")
    assert [d[0] for d in devices_in_db(gw)] == ["1001", "1002", "1004"]

    # CSRF: the cookie alone changes nothing
    error(eng.req("POST", "/recorded-devices", {"extension": "1006", "method": "rac"},
                  csrf=False), 403, "csrf")
    error(eng.req("DELETE", "/recorded-devices/1001", csrf=False), 403, "csrf")
    assert [d[0] for d in devices_in_db(gw)] == ["1001", "1002", "1004"]

    # the audit trail has each change, by whom
    acts = [(a, t) for a, t, _ in audit(gw, "recorded_device.")]
    assert ("recorded_device.create", "1001") in acts
    assert ("recorded_device.update", "1002") in acts
    assert ("recorded_device.delete", "10") in acts
    assert len([a for a in acts if a[0] == "recorded_device.create"]) == 5
    assert db_all(gw, "SELECT DISTINCT username FROM audit_events WHERE action LIKE %s",
                  "recorded_device.%") == [("engineer",)]


# ---- exclusion and inclusion lists ------------------------------------------------------------


def test_exclusion_and_inclusion_lists(gw):
    eng = engineer(gw)
    for lst in ("exclusion", "inclusion"):
        assert eng.req("GET", f"/{lst}-list").json() == {"items": [], "total": 0}

    # the manual's example: exclude a senior director by their endpoint
    r = eng.req("POST", "/exclusion-list", {"match_type": "endpoint", "value": "1005",
                                            "description": "Senior director"})
    assert r.status_code == 201, r.text
    director = r.json()
    assert {k: director[k] for k in ("list", "match_type", "value", "description")} == \
        {"list": "exclusion", "match_type": "endpoint", "value": "1005",
         "description": "Senior director"}
    assert director["id"] > 0 and director["created_at"]
    made = [director]
    for b in ({"match_type": "account_code", "value": "PRIV-9"},
              {"match_type": "outside_number", "value": "+44800"},
              {"match_type": "ddi", "value": "01632960"},
              {"match_type": "agent", "value": "3001", "list": "exclusion"},
              {"match_type": "hunt_group", "value": "2000"}):
        r = eng.req("POST", "/exclusion-list", b)
        assert r.status_code == 201, (b, r.text)
        made.append(r.json())
    # the same entry on the other list is another entry
    r = eng.req("POST", "/inclusion-list", {"match_type": "endpoint", "value": "1005"})
    assert r.status_code == 201, r.text
    incl = r.json()
    assert incl["list"] == "inclusion"

    body = eng.req("GET", "/exclusion-list").json()
    assert body["total"] == 6 and [e["id"] for e in body["items"]] == [e["id"] for e in made]
    assert eng.req("GET", "/inclusion-list").json()["items"] == [incl]
    assert eng.req("GET", f"/exclusion-list/{director['id']}").json() == director
    # an entry is reached through its own list only
    error(eng.req("GET", f"/inclusion-list/{director['id']}"), 404, "not_found")
    error(eng.req("PATCH", f"/inclusion-list/{director['id']}", {"value": "1"}), 404)
    error(eng.req("DELETE", f"/exclusion-list/{incl['id']}"), 404, "not_found")
    error(eng.req("GET", "/exclusion-list/abc"), 404, "not_found")

    # bad input: 400 naming the field
    bad = [
        ({"value": "1005"}, "match_type"),
        ({"match_type": "caller", "value": "1005"}, "match_type"),
        ({"match_type": "endpoint"}, "value"),
        ({"match_type": "endpoint", "value": ""}, "value"),
        ({"match_type": "endpoint", "value": "   "}, "value"),
        ({"match_type": "endpoint", "value": 1005}, "value"),
        ({"match_type": "endpoint", "value": "ext 1005"}, "value"),
        ({"match_type": "ddi", "value": "+441632"}, "value"),
        ({"match_type": "account_code", "value": "A" * 65}, "value"),
        ({"match_type": "account_code", "value": "tab\there"}, "value"),
        ({"match_type": "endpoint", "value": "1006", "description": "a\nb"}, "description"),
        ({"match_type": "endpoint", "value": "1006", "list": "inclusion"}, "list"),
    ]
    for b, field in bad:
        error(eng.req("POST", "/exclusion-list", b), 400, "validation", field)
    # 64 characters is the most, counted as characters
    r = eng.req("POST", "/exclusion-list", {"match_type": "account_code", "value": "é" * 64})
    assert r.status_code == 201, r.text
    assert eng.req("DELETE", f"/exclusion-list/{r.json()['id']}").status_code == 204
    assert len(rules_in_db(gw)) == 7

    # a type and value once per list
    e = error(eng.req("POST", "/exclusion-list", {"match_type": "endpoint", "value": "1005"}),
              409, "conflict", "value")
    assert "exclusion" in e["message"] and "1005" in e["message"]

    # change: a new value is checked against the type the entry keeps, and the reverse
    r = eng.req("PATCH", f"/exclusion-list/{director['id']}", {"value": "1006"})
    assert r.status_code == 200 and r.json()["value"] == "1006", r.text
    assert r.json()["description"] == "Senior director"
    acct = made[1]
    error(eng.req("PATCH", f"/exclusion-list/{acct['id']}", {"match_type": "endpoint"}), 400,
          "validation", "value")   # "PRIV-9" is no extension
    r = eng.req("PATCH", f"/exclusion-list/{acct['id']}", {"match_type": "endpoint",
                                                           "value": "1007"})
    assert r.status_code == 200 and r.json()["match_type"] == "endpoint", r.text
    error(eng.req("PATCH", f"/exclusion-list/{acct['id']}", {"value": "1006"}), 409,
          "conflict", "value")
    error(eng.req("PATCH", f"/exclusion-list/{acct['id']}", {"list": "inclusion"}), 400,
          "validation", "list")
    error(eng.req("PATCH", "/exclusion-list/999999", {"value": "1"}), 404, "not_found")

    # remove
    assert eng.req("DELETE", f"/exclusion-list/{made[2]['id']}").status_code == 204
    error(eng.req("DELETE", f"/exclusion-list/{made[2]['id']}"), 404, "not_found")
    assert rules_in_db(gw) == [
        ("exclusion", "endpoint", "1006", "Senior director"),
        ("exclusion", "endpoint", "1007", ""),
        ("exclusion", "ddi", "01632960", ""),
        ("exclusion", "agent", "3001", ""),
        ("exclusion", "hunt_group", "2000", ""),
        ("inclusion", "endpoint", "1005", ""),
    ]

    # CSRF
    error(eng.req("POST", "/inclusion-list", {"match_type": "agent", "value": "3002"},
                  csrf=False), 403, "csrf")
    assert len(rules_in_db(gw)) == 6

    acts = audit(gw, "recording_rule.")
    assert [a for a, _, _ in acts].count("recording_rule.create") == 8
    assert ("recording_rule.update", str(director["id"])) in [(a, t) for a, t, _ in acts]
    deleted = [d for a, t, d in acts if a == "recording_rule.delete" and t == str(made[2]["id"])]
    assert deleted and deleted[0]["list"] == "exclusion"
    assert all(d["list"] in ("exclusion", "inclusion") for _, _, d in acts)


# ---- who may -----------------------------------------------------------------------------------


def user_with(gw, eng, name, perms):
    """A user logged in through the API whose profile holds exactly perms."""
    r = eng.req("POST", "/security-profiles", {"name": name, "permissions": perms})
    assert r.status_code == 201, r.text
    r = eng.req("POST", "/roles", {"name": name, "profile_id": r.json()["id"],
                                   "access_scope": "none"})
    assert r.status_code == 201, r.text
    r = eng.req("POST", "/users", {"username": name.lower(), "password": "Rec0rding-Admin!",
                                   "role_id": r.json()["id"], "must_change_password": False})
    assert r.status_code == 201, r.text
    api = Api(gw.base)
    assert api.login(name.lower(), "Rec0rding-Admin!").status_code == 200
    return api


def test_recording_admin_needs_its_permissions(gw):
    eng = engineer(gw)
    assert eng.req("POST", "/recorded-devices", {"extension": "1001", "method": "rac"}) \
        .status_code == 201
    excl = eng.req("POST", "/exclusion-list", {"match_type": "agent", "value": "3001"}).json()
    incl = eng.req("POST", "/inclusion-list", {"match_type": "agent", "value": "3002"}).json()

    # the supervisor profile manages users, not the recorder: 403 on every route
    sup = user_with(gw, eng, "Supervisors", ["general.web_access", "config.users",
                                             "recordings.play"])
    for method, path, body in (
            ("GET", "/recorded-devices", None),
            ("POST", "/recorded-devices", {"extension": "1002", "method": "rac"}),
            ("GET", "/recorded-devices/1001", None),
            ("PATCH", "/recorded-devices/1001", {"enabled": False}),
            ("DELETE", "/recorded-devices/1001", None),
            ("GET", "/exclusion-list", None),
            ("POST", "/exclusion-list", {"match_type": "agent", "value": "3003"}),
            ("PATCH", f"/exclusion-list/{excl['id']}", {"value": "3004"}),
            ("DELETE", f"/exclusion-list/{excl['id']}", None),
            ("GET", "/inclusion-list", None),
            ("DELETE", f"/inclusion-list/{incl['id']}", None)):
        e = error(sup.req(method, path, body), 403, "forbidden")
        assert "config." in e["message"]
    # each list has its own permission
    lists = user_with(gw, eng, "Listkeepers", ["general.web_access", "config.exclusion_list"])
    assert lists.req("GET", "/exclusion-list").json()["total"] == 1
    r = lists.req("POST", "/exclusion-list", {"match_type": "agent", "value": "3005"})
    assert r.status_code == 201, r.text
    e = error(lists.req("GET", "/inclusion-list"), 403, "forbidden")
    assert "config.inclusion_list" in e["message"]
    e = error(lists.req("GET", "/recorded-devices"), 403, "forbidden")
    assert "config.servers" in e["message"]
    # nobody logged in
    for path in ("/recorded-devices", "/exclusion-list", "/inclusion-list/1"):
        error(requests.get(gw.base + path, timeout=10), 401, "unauthenticated")
    # nothing changed but the one allowed write
    assert devices_in_db(gw) == [("1001", "rac", None, "", True)]
    assert [r[2] for r in rules_in_db(gw)] == ["3001", "3002", "3005"]

    # an API token: Bearer needs no CSRF token
    tok = eng.req("POST", "/api-tokens", {"name": "provisioning"}).json()
    bearer = requests.Session()
    bearer.headers["Authorization"] = "Bearer " + tok["token"]
    r = bearer.post(gw.base + "/recorded-devices", json={"extension": "1002", "method": "mirror",
                                                         "ip": "10.1.2.3"}, timeout=10)
    assert r.status_code == 201, r.text


# ---- the web admin site -------------------------------------------------------------------------


@pytest.fixture
def driver():
    d = new_driver()
    try:
        yield d
    finally:
        quit_driver(d)


@pytest.fixture
def site(hs_factory):
    """The web admin site alone (gateway + database), nobody logged in yet."""
    return start_server(hs_factory)


def status_says(driver, text):
    wait_text(driver, "#app-status", lambda t: text in t, f"the status {text!r}")


def test_engineer_records_a_device_and_excludes_an_endpoint(site, driver):
    ui_login(driver, site, ENGINEER, ENGINEER_DEFAULT, new_pw=NEW_PW)
    eng = BrowserApi(site.api)
    assert eng.login(ENGINEER, NEW_PW).status_code == 200
    eng.ok("POST", "/recorded-devices", {"extension": "1002", "method": "mirror",
                                         "ip": "192.168.1.52"})

    # Recorded Devices: a MiNET phone on the mirror port, first with a taken address
    go(driver, "recorded-devices")
    wait_text(driver, "#page-title", lambda t: t == "Recorded Devices",
              "the Recorded Devices page")
    find(driver, '#recorded-devices-table tr[data-recorded-device-id="1002"]')
    click(driver, "#rd-new")
    assert text_of(driver, "#h-rd-form") == "Add recorded device"
    assert absent(driver, "#rd-ip")  # Record-A-Call by default: no address
    type_into(driver, "#rd-extension", "1003")
    select_by_text(driver, "#rd-method", "IP/SIP RTP extension (mirror port)")
    type_into(driver, "#rd-ip", "192.168.1.52")
    type_into(driver, "#rd-description", "Sales desk")
    click(driver, "#rd-save")
    # the API's 409, in place under the address, the form still open
    err = wait_text(driver, "#rd-ip-error", bool, "the address's error")
    assert "192.168.1.52" in err and "1002" in err
    assert find(driver, "#rd-ip").get_attribute("aria-invalid") == "true"
    # a malformed address: the API's 400 in place
    type_into(driver, "#rd-ip", "192.168.1.530")
    click(driver, "#rd-save")
    wait_text(driver, "#rd-ip-error", lambda t: "not an IP address" in t, "the 400 in place")
    type_into(driver, "#rd-ip", "192.168.1.53")
    click(driver, "#rd-save")
    status_says(driver, "Recorded device 1003 saved.")
    wait(driver, lambda d: absent(d, "#rd-form"), "the form closed")
    row = find(driver, '#recorded-devices-table tr[data-recorded-device-id="1003"]')
    assert "192.168.1.53" in row.text and "Sales desk" in row.text and "Mirror port" in row.text
    assert devices_in_db(site) == [("1002", "mirror", "192.168.1.52", "", True),
                                   ("1003", "mirror", "192.168.1.53", "Sales desk", True)]
    # edit: the extension is fixed
    click(driver, "#rd-edit-1003")
    assert not find(driver, "#rd-extension").is_enabled()
    assert find(driver, "#rd-ip").get_attribute("value") == "192.168.1.53"
    click(driver, "#rd-cancel")
    wait(driver, lambda d: absent(d, "#rd-form"), "the form closed")

    # Exclusion List: the manual's senior director, by endpoint
    go(driver, "exclusion-list")
    wait_text(driver, "#page-title", lambda t: t == "Exclusion List", "the Exclusion List page")
    click(driver, "#exclusion-new")
    select_by_text(driver, "#exclusion-type", "Endpoint")
    type_into(driver, "#exclusion-value", "director")
    type_into(driver, "#exclusion-description", "Senior director")
    click(driver, "#exclusion-save")
    wait_text(driver, "#exclusion-value-error", lambda t: "number" in t, "the value's error")
    type_into(driver, "#exclusion-value", "1005")
    click(driver, "#exclusion-save")
    status_says(driver, "Exclusion list entry Endpoint 1005 saved.")
    wait(driver, lambda d: absent(d, "#exclusion-form"), "the form closed")
    rules = eng.ok("GET", "/exclusion-list")["items"]
    assert [(e["match_type"], e["value"], e["description"]) for e in rules] == \
        [("endpoint", "1005", "Senior director")]
    row = find(driver, f'#exclusions-table tr[data-exclusion-id="{rules[0]["id"]}"]')
    assert "Endpoint" in row.text and "1005" in row.text and "Senior director" in row.text
    assert rules_in_db(site) == [("exclusion", "endpoint", "1005", "Senior director")]

    # the Inclusion List is its own screen, empty
    go(driver, "inclusion-list")
    wait_text(driver, "#page-title", lambda t: t == "Inclusion List", "the Inclusion List page")
    wait_text(driver, "#main", lambda t: "No entries" in t, "the empty inclusion list")
    assert not console_errors(driver)
