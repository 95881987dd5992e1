"""The call list through the API, per user: GET /calls and /calls/{id} give each user exactly
the calls and segments their role's access scope and filters allow (fixtures/
calls_visibility.sql describes the users, roles, filters and calls, and holds the expected
answer as the table fixture_calls_visibility), with the list's filters and paging, and tags
set through the API come back on the call.
"""
from pathlib import Path

import pytest
import requests

from hslib import wait_for
from test_gateway import Api, engineer

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "calls_visibility.sql"
PW = "Fixture-Passw0rd!"
DAY = "from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z"
C = "91000000000000%02d"


@pytest.fixture
def site(hs_factory):
    hs = hs_factory({"server.roles": "wcf,website,gateway,database"})
    hs.start_watchdog()
    hs.wait_ready()
    hs.base = f"http://127.0.0.1:{hs.settings['web.http_port']}/api/v1"
    wait_for(lambda: requests.get(hs.base + "/session", timeout=2).status_code == 401, 30,
             what="the gateway answering")
    eng = engineer(hs)  # the built-in account: its first change done through the API
    with hs.db.connect() as c:
        c.execute(FIXTURE.read_text())
        expected = {}
        for user, call, recs in c.execute(
                "SELECT username, call_id, rec_ids FROM fixture_calls_visibility"):
            expected.setdefault(user, {})[call] = sorted(recs)
        users = [r[0] for r in c.execute(
            "SELECT username FROM users WHERE id BETWEEN 201 AND 213 ORDER BY id")]
    hs.expected, hs.users, hs.eng = expected, users, eng
    return hs


def login(hs, user):
    if user == "engineer":
        return hs.eng
    api = Api(hs.base)
    r = api.login(user, PW)
    assert r.status_code == 200, (user, r.text)
    return api


def seen(api, query=""):
    r = api.req("GET", f"/calls?{DAY}&limit=1000{query}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return {c["call_id"]: sorted(s["rec_id"] for s in c["segments"]) for c in body["items"]}


def test_every_user_sees_exactly_their_calls_and_segments(site):
    assert len(site.users) == 13
    for user in ["engineer"] + site.users:
        api = login(site, user)
        if user == "leo":  # access scope none
            r = api.req("GET", f"/calls?{DAY}")
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
            continue
        want = site.expected.get(user, {})
        assert seen(api) == want, user
        # one by one: a visible call with the same segments, a hidden one is 404
        for n in range(1, 9):
            r = api.req("GET", f"/calls/{C % n}")
            if C % n in want:
                assert r.status_code == 200, (user, n, r.text)
                assert sorted(s["rec_id"] for s in r.json()["segments"]) == want[C % n]
            else:
                assert r.status_code == 404, (user, n, r.status_code)


def test_list_filters_and_paging_within_scope(site):
    ids = lambda d: sorted(int(k[-2:]) for k in d)  # noqa: E731
    alice, dave, frank = (login(site, u) for u in ("alice", "dave", "frank"))
    hank = login(site, "hank")
    assert seen(alice, "&device=1002") == {}  # 1002 only on a segment hidden from her
    assert ids(seen(dave, "&device=1002")) == [1, 3, 5]
    assert ids(seen(frank, "&number=0900")) == [2]
    assert ids(seen(frank, "&direction=internal")) == [3, 5, 6, 7, 8]
    assert ids(seen(frank, "&answered=false")) == [5]
    r = frank.req("GET", "/calls?from=2026-11-25T09:30:00Z&to=2026-11-25T10:00:00Z")
    assert [c["call_id"][-2:] for c in r.json()["items"]] == ["06", "05", "04"]
    assert seen(hank, "&number=0900") == {}
    # paging: newest first, total counts all matches
    pages = [frank.req("GET", f"/calls?{DAY}&offset={o}&limit=3").json() for o in (0, 3, 6)]
    assert [p["total"] for p in pages] == [8, 8, 8]
    order = [c["call_id"][-2:] for p in pages for c in p["items"]]
    assert order == ["08", "07", "06", "05", "04", "03", "02", "01"]
    for bad in ("direction=sideways", "answered=maybe", "from=yesterday", "limit=-1",
                "to=2026-13-01T00:00:00Z"):
        r = frank.req("GET", f"/calls?{bad}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation", bad


def test_tags_and_notes_need_the_right_and_the_scope(site):
    alice = login(site, "alice")  # Supervisor profile: may modify call details; scope own
    tags = {"tag1": "CUST-0042", "notes": "<b>GDPR</b> request'; DROP TABLE calls; --"}
    r = alice.req("PATCH", f"/calls/{C % 2}/tags", tags)
    assert r.status_code == 200, r.text
    got = alice.req("GET", f"/calls/{C % 2}").json()
    assert got["tag1"] == "CUST-0042" and got["notes"] == tags["notes"]
    assert got["tags_updated_at"] is not None
    # a call outside her scope is not there for her, and is left alone
    r = alice.req("PATCH", f"/calls/{C % 4}/tags", {"tag1": "X"})
    assert r.status_code == 404
    assert site.eng.req("GET", f"/calls/{C % 4}").json()["tag1"] in ("", None)
