"""Live state and call control through the REST API, with cti-host on a real OAI link to
pbxsim: what an integrator or the live view does - make a call, see it ring and connect,
answer, hold, retrieve, clear, set DND, forwarding and agent state - and the PBX's refusals
as clear 4xx errors.  The call then appears, exact, in the call list the logger wrote."""
import pytest
import requests

from hslib import wait_for
from test_gateway import Api, engineer

A, B, C = "1000", "1001", "1002"


@pytest.fixture
def live(hs_factory, pbx):
    hs = hs_factory({"server.roles": "wcf,database,website,cti-host,call-logging",
                     "cti.keepalive": 1, "cti.reconnect_max": 2})
    hs.start_watchdog()
    hs.wait_ready()
    hs.base = f"http://127.0.0.1:{hs.settings['web.http_port']}/api/v1"
    wait_for(lambda: requests.get(hs.base + "/session", timeout=2).status_code == 401, 30,
             what="the gateway answering")
    api = engineer(hs)
    # the phone system through the API, as the admin site's Phone System page does
    link = {"host": "127.0.0.1", "port": pbx.port, "password": "oaipass"}
    r = api.req("POST", "/phone-systems", link)
    if r.status_code == 409:  # the site has one already: change it
        r = api.req("PATCH", "/phone-systems/1", link)
    assert r.status_code in (200, 201), r.text
    wait_for(lambda: api.req("GET", "/live/link").json().get("state") == "up", 30,
             what="the PBX link up, as the gateway sees it")
    wait_for(lambda: ext(api, A) and ext(api, A)["state"] == "idle", 20, what="live extensions")
    hs.api, hs.pbx = api, pbx
    return hs


def ext(api, number):
    r = api.req("GET", f"/live/extensions/{number}")
    return r.json() if r.status_code == 200 else None


def part(api, number, call_id):
    """This extension's part in the call (its state), or None."""
    e = ext(api, number) or {}
    return next((c["state"] for c in e.get("calls", []) if c["call_id"] == call_id), None)


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def test_call_control_round_trip_and_the_call_record(live):
    api = live.api
    made = ok(api.req("POST", "/live/calls", {"from": A, "to": B}))
    cid = str(made["call_id"])
    wait_for(lambda: part(api, B, cid) == "alerting", 10, what=f"{B} ringing")
    assert ext(api, B)["state"] == "ringing"
    ok(api.req("POST", f"/live/calls/{cid}/answer", {"device": B}))
    wait_for(lambda: part(api, A, cid) == "connected" and part(api, B, cid) == "connected", 10,
             what="answered")
    ok(api.req("POST", f"/live/calls/{cid}/hold", {"device": A}))
    wait_for(lambda: part(api, A, cid) == "held", 10, what="held")
    ok(api.req("POST", f"/live/calls/{cid}/retrieve", {"device": A}))
    wait_for(lambda: part(api, A, cid) == "connected", 10, what="retrieved")
    # the PBX's own view agrees with the gateway's
    pbx_calls = {str(c["call_id"]): c for c in live.pbx.state()["calls"]}
    assert cid in pbx_calls
    ok(api.req("POST", f"/live/calls/{cid}/clear", {"device": A}))
    wait_for(lambda: ext(api, A)["state"] == "idle" and ext(api, B)["state"] == "idle", 10,
             what="both idle")

    # the logger's record of it, through the call list: answered, internal, one segment
    def listed():
        items = api.req("GET", f"/calls?device={B}").json()["items"]
        return [c for c in items if c["end_ts"] is not None] or None
    call = wait_for(listed, 15, what="the call in the call list")[0]
    assert call["answered"] is True and call["direction"] == "na"
    devices = {p["device"] for s in call["segments"] for p in s["parties"]}
    assert {A, B} <= devices


def test_refusals_are_clear_client_errors(live):
    api = live.api
    for body, field in (({"to": B}, "from"), ({"from": A}, "to")):
        r = api.req("POST", "/live/calls", body)
        assert r.status_code == 400 and r.json()["error"]["field"] == field
    r = api.req("POST", "/live/calls/999999/answer", {"device": B})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text
    r = api.req("POST", "/live/calls/1/wiggle", {"device": B})
    assert r.status_code == 404
    r = api.req("POST", "/live/calls/12,34/answer", {"device": B})
    assert r.status_code == 400, r.text  # never reaches the PBX: a comma shifts OAI fields
    assert api.req("GET", "/live/extensions/4999").status_code == 404

    # A busy: B rings from A, then C calls A, whose line is in use
    cid = str(ok(api.req("POST", "/live/calls", {"from": A, "to": B}))["call_id"])
    wait_for(lambda: part(api, B, cid) == "alerting", 10, what=f"{B} ringing")
    r = api.req("POST", "/live/calls", {"from": A, "to": C})
    assert r.status_code == 409 and r.json()["error"]["code"] == "busy", r.text
    ok(api.req("POST", f"/live/calls/{cid}/clear", {"device": A}))
    wait_for(lambda: ext(api, A)["state"] == "idle", 10, what=f"{A} idle")

    # every attempt is in the audit trail with its outcome
    audit = api.req("GET", "/audit?action=call.&limit=100").json()["items"]
    outcomes = [e["details"].get("outcome") for e in audit if e["action"] == "call.make"]
    assert "EBUSY" in outcomes and "OK" in outcomes


def test_dnd_forward_and_agent_state(live):
    api = live.api
    ok(api.req("PUT", f"/live/extensions/{C}/dnd", {"on": True, "text": "BACK AT 3"}))
    wait_for(lambda: ext(api, C)["dnd"] is True, 10, what="DND on")
    ok(api.req("PUT", f"/live/extensions/{C}/dnd", {"on": False}))
    wait_for(lambda: ext(api, C)["dnd"] is False, 10, what="DND off")
    r = api.req("PUT", f"/live/extensions/{C}/dnd", {})
    assert r.status_code == 400 and r.json()["error"]["field"] == "on"

    ok(api.req("PUT", "/live/extensions/1006/forward", {"on": True, "type": "I", "to": "1007"}))
    wait_for(lambda: (ext(api, "1006").get("forward") or {}).get("destination") == "1007", 10,
             what="forward set")
    ok(api.req("PUT", "/live/extensions/1006/forward", {"on": False}))
    wait_for(lambda: "forward" not in ext(api, "1006"), 10, what="forward off")

    ok(api.req("PUT", "/live/agents/3003/state", {"state": "logon", "device": "1012"}))

    def agent():
        r = api.req("GET", "/live/agents/3003")
        return r.json() if r.status_code == 200 else {}
    wait_for(lambda: agent().get("state") == "ready" and agent().get("device") == "1012", 10,
             what="agent 3003 ready at 1012")
    ok(api.req("PUT", "/live/agents/3003/state", {"state": "logoff", "device": "1012"}))
    wait_for(lambda: agent().get("state") == "logged_off", 10, what="agent logged off")


def test_call_control_needs_its_permission(live):
    """A user whose profile has real-time views but not call control sees, and cannot act."""
    api = live.api
    prof = ok(api.req("POST", "/security-profiles", {
        "name": "Watch only", "permissions": ["general.web_access", "reporting.realtime"]}),
        201)["id"]
    role = ok(api.req("POST", "/roles", {"name": "Watcher", "profile_id": prof,
                                         "access_scope": "site"}), 201)["id"]
    ok(api.req("POST", "/users", {"username": "watcher", "password": "Watch-Only-Pass1",
                                  "role_id": role, "must_change_password": False}), 201)
    w = Api(live.base)
    assert w.login("watcher", "Watch-Only-Pass1").status_code == 200
    assert ext(w, A)["number"] == A
    r = w.req("POST", "/live/calls", {"from": A, "to": B})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert ext(api, B)["state"] == "idle"  # nothing reached the PBX


def test_call_timers_survive_a_gateway_restart(live):
    """The live view's "since" of a call comes from cti-host: a gateway that restarts (or a
    browser that opens the view mid-call) shows the same start of ringing, not none."""
    import os
    import signal

    api = live.api
    cid = str(ok(api.req("POST", "/live/calls", {"from": A, "to": B}))["call_id"])
    wait_for(lambda: part(api, B, cid) == "alerting", 10, what=f"{B} ringing")
    since = next(c for c in ext(api, B)["calls"] if c["call_id"] == cid)["since"]
    assert since.endswith("Z")
    gw = next(s for s in live.status()["services"] if s["name"] == "gateway")
    os.kill(gw["pid"], signal.SIGKILL)
    wait_for(lambda: next(s for s in live.status()["services"] if s["name"] == "gateway")
             ["pid"] not in (0, gw["pid"]), 30, what="the gateway restarted")
    # the session lives in the database: the same browser carries on
    wait_for(lambda: part(api, B, cid) == "alerting", 30, what="the call in the new live copy")
    again = next(c for c in ext(api, B)["calls"] if c["call_id"] == cid)["since"]
    assert again == since
    ok(api.req("POST", f"/live/calls/{cid}/clear", {"device": A}))

