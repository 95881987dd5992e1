"""cti-host against pbxsim and a real PostgreSQL: the link comes up and imports the PBX's
devices, the live state follows the calls the simulated phone users make, call control
commands reach the PBX, and link faults recover without leaving calls open."""

import time

import pytest

from hslib import wait_for

EXTENSIONS = [str(n) for n in range(1000, 1020)]


def live(hs):
    return hs.ctl("live")


def link_state(hs):
    return live(hs)["link"]["state"]


def connect(hs, pbx, password="oaipass"):
    hs.configure({"server.roles": "cti-host", "cti.keepalive": 1, "cti.reconnect_max": 2})
    hs.start_watchdog()
    hs.wait_ready()
    wait_for(lambda: hs.status()["services"][1]["state"] == "up", 20, what="cti-host up")
    hs.set_pbx(pbx, password)


def wait_link_up(hs, timeout=20):
    return wait_for(lambda: link_state(hs) == "up", timeout, what="PBX link up")


def calls_by_id(snapshot, devices=EXTENSIONS):
    """{call_id: {device: state}} for the extensions' parties."""
    out = {}
    for c in snapshot["calls"]:
        parties = {p["device"]: p["state"] for p in c["parties"] if p["device"] in devices}
        if parties:
            out[c["call_id"]] = parties
    return out


def device_states(snapshot, devices=EXTENSIONS):
    return {d["device"]: d["state"] for d in snapshot["devices"] if d["device"] in devices}


def events(hs, call_id=None):
    evs = hs.ctl("events", "cti-host", 1)["events"]
    if call_id is None:
        return evs
    return [e for e in evs if e["body"].get("call_id") == call_id]


def test_link_up_imports_devices(hs_env, db, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    snap = live(hs_env)
    assert snap["link"]["host"] == "127.0.0.1" and snap["link"]["port"] == pbx.port
    assert hs_env.status()["pbx_link"]["state"] == "up"  # hookswitchctl status shows it
    assert set(EXTENSIONS) <= {d["device"] for d in snap["devices"]}
    with db.connect() as c:
        kinds = dict(c.execute("SELECT number, kind FROM devices WHERE removed_at IS NULL"))
        agents = [r[0] for r in c.execute("SELECT agent_id FROM acd_agents ORDER BY 1")]
        groups = dict(c.execute("SELECT number, group_type FROM hunt_groups"))
        nodes = c.execute("SELECT node, description, is_default FROM pbx_nodes").fetchall()
    assert kinds["1000"] in ("extension", "sip-extension") and kinds["97001"] == "trunk"
    assert kinds["2000"] == "hunt-group" and "2000" in groups
    assert agents == ["3001", "3002", "3003", "3004"]
    assert len(nodes) == 1 and nodes[0][0] == 1 and nodes[0][1] and nodes[0][2] is True
    # The link state is a published event too.
    assert any(e["type"] == "link.state" and e["body"]["state"] == "up" for e in events(hs_env))


def test_internal_call_seen_live_and_published(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    cid = pbx.action("c1 = call 1002 1003")["call_id"]
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid) == {"1002": "connected", "1003": "alerting"},
             10, what="ringing call in the snapshot")
    assert device_states(live(hs_env))["1003"] == "ringing"
    pbx.action(f"answer 1003 c1")
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid) == {"1002": "connected", "1003": "connected"},
             10, what="answered call")
    assert calls_by_id(live(hs_env)) == calls_by_id(pbx.state())
    pbx.action("hangup 1002 c1")
    wait_for(lambda: cid not in calls_by_id(live(hs_env)), 10, what="call gone")
    st = device_states(live(hs_env))
    assert st["1002"] == "idle" and st["1003"] == "idle"
    kinds = [e["type"] for e in events(hs_env, cid)]
    assert "call.delivered" in kinds and "call.established" in kinds
    assert kinds[-1] == "call.cleared"
    seqs = [e["seq"] for e in events(hs_env)]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))


def test_call_control_through_hookswitchctl(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    made = hs_env.ctl("call", "make", "1000", "1001")
    cid = made["call_id"]
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid, {}).get("1001") == "alerting", 10,
             what="1001 rings")
    hs_env.ctl("call", "answer", "1001", cid)
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid) == {"1000": "connected", "1001": "connected"},
             10, what="answered")
    hs_env.ctl("call", "hold", "1000", cid)
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid, {}).get("1000") == "held", 10, what="held")
    hs_env.ctl("call", "retrieve", "1000", cid)
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid, {}).get("1000") == "connected", 10,
             what="retrieved")
    assert calls_by_id(live(hs_env)) == calls_by_id(pbx.state())
    hs_env.ctl("call", "clear", "1000", cid)
    wait_for(lambda: cid not in calls_by_id(live(hs_env)), 10, what="cleared")
    # The PBX's refusals come back as clear errors.
    bad = hs_env.ctl("call", "answer", "1001", "999999", check=False)
    assert hs_env.last_ctl.returncode == 1 and bad["error"] == "ENOTFOUND"
    assert "outcome" in bad["message"]
    # Bad input never reaches the PBX: a comma would shift the OAI fields.
    bad = hs_env.ctl("call", "answer", "1001", "12,34", check=False)
    assert hs_env.last_ctl.returncode == 1 and bad["error"] == "EINVAL"
    assert "call_id" in bad["message"]
    # DND and forwarding.
    hs_env.ctl("dnd", "on", "1004", "BACK AT 3")
    wait_for(lambda: [d for d in live(hs_env)["devices"] if d["device"] == "1004"][0]["dnd"], 10,
             what="DND on")
    hs_env.ctl("dnd", "off", "1004")
    wait_for(lambda: not [d for d in live(hs_env)["devices"] if d["device"] == "1004"][0]["dnd"],
             10, what="DND off")


def test_link_drop_resyncs_and_closes_ended_calls(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    ids = []
    for i, (a, b) in enumerate([("1000", "1001"), ("1002", "1003"), ("1004", "1006"),
                                ("1007", "1008"), ("1014", "1015")]):
        ids.append(pbx.action(f"k{i} = call {a} {b}")["call_id"])
        pbx.action(f"answer {b} k{i}")
    wait_for(lambda: len(calls_by_id(live(hs_env))) == 5, 10, what="five calls live")
    pbx.action("drop-link 2")
    wait_for(lambda: link_state(hs_env) != "up", 10, what="link down")
    # Two calls end while nobody is watching.
    pbx.action("hangup 1000 k0")
    pbx.action("hangup 1002 k1")
    wait_link_up(hs_env, 30)
    wait_for(lambda: calls_by_id(live(hs_env)) == calls_by_id(pbx.state()), 10,
             what="snapshot equals the PBX's state")
    assert set(calls_by_id(live(hs_env))) == set(ids[2:])
    cleared = [e for e in events(hs_env) if e["type"] == "call.cleared"]
    reasons = {e["body"]["call_id"]: e["body"]["reason"] for e in cleared}
    assert reasons.get(ids[0]) == reasons.get(ids[1]) == "ended while the PBX link was down"


def test_wrong_password_then_fixed(hs_env, pbx):
    connect(hs_env, pbx, password="wrong")
    wait_for(lambda: live(hs_env)["link"].get("last_error"), 20, what="a login error")
    assert link_state(hs_env) != "up"
    assert hs_env.ctl("health", "cti-host")["state"] == "ok"
    hs_env.ctl("pbx", "set", "--password", "oaipass", json=False)
    wait_link_up(hs_env, 30)


@pytest.mark.parametrize("kind,logged,resets", [
    ("frame", "garbage from the PBX", True),       # well framed, not OAI: reset the link
    ("length", "bad framing from the PBX", True),  # a 16 MiB prefix: oversize, reset
    ("fields", "event=oai.unknown code=ZZ", False),  # a short DE and an unknown code: kept
])
def test_garbage_from_pbx_recovers(hs_env, pbx, kind, logged, resets):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    before = hs_env.service_pids()["cti-host"]
    def connects():
        return sum(1 for e in events(hs_env)
                   if e["type"] == "link.state" and e["body"]["state"] == "connecting")

    sessions = connects()
    pbx.action(f"garbage {kind}")
    wait_for(lambda: logged in hs_env.log_text("cti-host"), 10, what=f"log line {logged!r}")
    wait_link_up(hs_env, 30)
    assert hs_env.service_pids()["cti-host"] == before  # the process survived
    if kind == "fields":
        assert "event=oai.bad_frame" in hs_env.log_text("cti-host")
        pbx.action("garbage fields")
        time.sleep(0.5)
        # The unknown code is logged once, however often it comes.
        assert hs_env.log_text("cti-host").count("event=oai.unknown code=ZZ") == 1
    assert (connects() > sessions) == resets
    # Calls still work over the (new) session.
    cid = pbx.action("g1 = call 1002 1003")["call_id"]
    wait_for(lambda: cid in calls_by_id(live(hs_env)), 10, what="a new call seen")


# ---- one scenario family each: the published sequence and the final state -----------------


def seq(hs, cid):
    """(topic, monitored device, LCS) of every event cti-host published about call cid."""
    return [(e["type"], e["body"].get("device"), e["body"].get("lcs")) for e in events(hs, cid)]


def settle(hs, pbx):
    """Waits until cti-host's calls and device states equal the PBX's own."""
    return wait_for(lambda: calls_by_id(live(hs)) == calls_by_id(pbx.state())
                    and device_states(live(hs)) == device_states(pbx.state()), 10,
                    what="cti-host's snapshot equals pbxsim's state")


def last_call(hs, cid):
    """The call as the last event about it described it."""
    return [e for e in events(hs, cid) if "call" in e["body"]][-1]["body"]["call"]


def test_family_internal_exact_sequence(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    cid = pbx.action("c1 = call 1002 1003")["call_id"]
    settle(hs_env, pbx)
    pbx.action("answer 1003 c1")
    settle(hs_env, pbx)
    pbx.action("hangup 1002 c1")
    settle(hs_env, pbx)
    # Under each station's monitor, as oai.md 6.2 and 7.3: ringing, answered, 1002 leaves
    # (seen by both), then 1003's connection drops.
    assert seq(hs_env, cid) == [
        ("call.delivered", "1003", "A"), ("call.delivered", "1002", "C"),
        ("call.established", "1003", "C"), ("call.established", "1002", "C"),
        ("call.connection_cleared", "1002", "N"), ("call.connection_cleared", "1003", None),
        ("call.connection_cleared", "1003", "N"), ("call.cleared", None, None)]
    c = events(hs_env, cid)[-1]["body"]
    assert c["reason"] == "cleared" and c["call"]["direction"] == "internal"
    assert c["call"]["answered"] is True


def test_family_inbound_ddi_hunt_group_agents(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    pbx.action("agent 3001 logon 1010")
    wait_for(lambda: any(a["agent_id"] == "3001" and a["state"] == "ready"
                         for a in live(hs_env)["agents"]), 10, what="agent 3001 ready")
    cid = pbx.action('i1 = inbound 97001 01632960100 from 07700900123 name "J Smith"')["call_id"]
    settle(hs_env, pbx)
    pbx.action("answer any i1")
    settle(hs_env, pbx)
    call = last_call(hs_env, cid)
    assert call["direction"] == "inbound" and call["caller"] == "07700900123"
    assert call["caller_name"] == "J Smith" and call["ddi"] == "01632960100"
    assert call["trunk"] == "97001" and call["hunt_group"] == "2000"
    assert calls_by_id(live(hs_env))[cid] == {"1010": "connected"}
    pbx.action("hangup far i1")
    settle(hs_env, pbx)
    # The trunk's monitor (all trunks) sees the call originate; then it rings and is answered
    # at the agent's station; the caller (trunk) leaves first (oai.md 7.3).
    assert seq(hs_env, cid) == [
        ("call.originated", "97001", "C"),
        ("call.delivered", "1010", "A"), ("call.delivered", "97001", "C"),
        ("call.established", "1010", "C"), ("call.established", "97001", "C"),
        ("call.connection_cleared", "97001", "N"), ("call.connection_cleared", "1010", None),
        ("call.connection_cleared", "1010", "N"), ("call.cleared", None, None)]


def test_family_outbound_trunk_account_code(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    cid = pbx.action("o1 = call 1004 9-07700900999 account 1234")["call_id"]
    settle(hs_env, pbx)
    pbx.action("answer far o1")
    settle(hs_env, pbx)
    call = last_call(hs_env, cid)
    assert call["direction"] == "outbound" and call["trunk"] == "97001"
    assert call["dialled"].endswith("07700900999")
    pbx.action("hangup 1004 o1")
    settle(hs_env, pbx)
    assert seq(hs_env, cid) == [
        ("call.network_reached", "1004", "C"), ("call.network_reached", "97001", "C"),
        ("call.delivered", "97001", "C"), ("call.delivered", "1004", "C"),
        ("call.established", "97001", "C"), ("call.established", "1004", "C"),
        ("call.connection_cleared", "1004", "N"), ("call.connection_cleared", "97001", None),
        ("call.connection_cleared", "97001", "N"), ("call.cleared", None, None)]
    assert cid not in calls_by_id(live(hs_env))


def test_family_transfers_through_commands(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    # Announced: 1000 holds the caller, consults 1002, completes.
    cid = pbx.action("c1 = call 1007 1000")["call_id"]
    pbx.action("answer 1000 c1")
    settle(hs_env, pbx)
    hs_env.ctl("call", "hold", "1000", cid)
    consult = hs_env.ctl("call", "consult", "1000", cid, "1002")["call_id"]
    settle(hs_env, pbx)
    # Completed while 1002 still rings: transfer to ring.
    hs_env.ctl("call", "transfer", "1000", cid, consult)
    settle(hs_env, pbx)
    assert "call.transferred" in [t for t, _, _ in seq(hs_env, cid)]
    assert "1000" not in calls_by_id(live(hs_env)).get(cid, {})
    # Blind: 1006's call goes to 1008 in one step.
    cid2 = pbx.action("c2 = call 1006 1004")["call_id"]
    pbx.action("answer 1004 c2")
    settle(hs_env, pbx)
    hs_env.ctl("call", "transfer", "1004", cid2, "to", "1008")
    settle(hs_env, pbx)
    parties = calls_by_id(live(hs_env)).get(cid2, {})
    assert "1004" not in parties


def test_family_conference(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    pbx.action("c1 = call 1007 1000")
    pbx.action("answer 1000 c1")
    pbx.action("c2 = consult 1000 c1 1002")
    pbx.action("answer 1002 c2")
    settle(hs_env, pbx)
    pbx.action("conference 1000 c1 c2")
    settle(hs_env, pbx)
    conf = [c for c in calls_by_id(live(hs_env)).values() if len(c) == 3]
    assert conf and conf[0] == {"1000": "connected", "1002": "connected", "1007": "connected"}
    assert any(e["type"] == "call.conferenced" for e in events(hs_env))


def test_family_dnd_forward_agent_commands(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    hs_env.ctl("forward", "on", "1006", "I", "1007")
    wait_for(lambda: [d for d in live(hs_env)["devices"] if d["device"] == "1006"][0]
             .get("forward", {}).get("destination") == "1007", 10, what="forward set")
    hs_env.ctl("forward", "off", "1006")
    wait_for(lambda: "forward" not in [d for d in live(hs_env)["devices"]
                                       if d["device"] == "1006"][0], 10, what="forward off")
    hs_env.ctl("agent", "1012", "3003", "logon")
    wait_for(lambda: any(a["agent_id"] == "3003" and a["state"] == "ready"
                         and a["device"] == "1012" for a in live(hs_env)["agents"]), 10,
             what="agent logged on and ready")
    hs_env.ctl("agent", "1012", "3003", "wrap_up")
    wait_for(lambda: any(a["agent_id"] == "3003" and a["state"] == "wrap_up"
                         for a in live(hs_env)["agents"]), 10, what="wrap-up")
    hs_env.ctl("agent", "1012", "3003", "logoff")
    wait_for(lambda: any(a["agent_id"] == "3003" and a["state"] == "logged_off"
                         for a in live(hs_env)["agents"]), 10, what="logged off")
    states = [e["body"]["state"] for e in events(hs_env)
              if e["type"] == "agent.state" and e["body"]["agent_id"] == "3003"]
    assert states[-3:] == ["ready", "wrap_up", "logged_off"]


def test_family_hunt_group_queue(hs_env, pbx):
    connect(hs_env, pbx)
    wait_link_up(hs_env)
    # Sales (ACD 2000) has no ready agent once 3001 and 3002 log off: the caller waits.
    pbx.action("agent 3001 logoff")
    pbx.action("agent 3002 logoff")
    wait_for(lambda: {a["agent_id"]: a["state"] for a in live(hs_env)["agents"]}.get("3002")
             == "logged_off", 10, what="agents logged off")
    cid = pbx.action("q1 = inbound 97002 01632960100 from 07700900124")["call_id"]
    wait_for(lambda: [d for d in live(hs_env)["devices"] if d["device"] == "2000"][0]
             .get("queued") == 1, 10, what="one call queued at 2000")
    queue = [e["body"] for e in events(hs_env) if e["type"] == "huntgroup.queue"]
    assert queue[-1]["group"] == "2000" and queue[-1]["calls"][0]["call_id"] == cid
    settle(hs_env, pbx)
    # An agent logs on: the call leaves the queue and rings there.
    pbx.action("agent 3002 logon 1011")
    pbx.action("answer any q1")
    wait_for(lambda: calls_by_id(live(hs_env)).get(cid) == {"1011": "connected"}, 10,
             what="answered by the agent")
    assert [e["body"] for e in events(hs_env) if e["type"] == "huntgroup.queue"][-1]["queued"] == 0
    assert "call.queued" in [t for t, _, _ in seq(hs_env, cid)]
    settle(hs_env, pbx)
