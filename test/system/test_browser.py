"""The web admin site in a real browser (headless Chromium through Selenium) against a real
server: the gateway serving build/web-ui, PostgreSQL, and for the live and call-list tests
cti-host and the logger on pbxsim.

What a user sees and can do: the forced first-login password change, a restricted user's
navigation and refused routes, the live extension tiles following a ringing phone within a
second, a cleared call in the Call List with its segments, names shown as text (never as
markup), and a keyboard-only log-in.  Test hooks: web-ui/README.md.
"""

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser import (ALL_NAV, ENGINEER, ENGINEER_DEFAULT, NEW_PW, ROLES_PBX, Api, absent,
                     api_with_browser_cookies, change_password_form, click, console_errors,
                     engineer_api, find, go, login_form, nav_keys, new_driver, open_site,
                     quit_driver, route, select_by_text, start_server, text_of, type_into,
                     ui_login, ui_logout, wait, wait_in_shell, wait_text)
from hslib import wait_for

RINGING_LIMIT_S = 1.0
CALLER, CALLEE = "1002", "1003"   # extensions of tools/pbxsim/sites/small.site


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


@pytest.fixture
def pbx_site(hs_factory, pbx):
    """The site with cti-host and the logger on pbxsim's small site: the PBX link up and the
    gateway's live state holding the extensions."""
    hs = start_server(hs_factory, ROLES_PBX, {"cti.keepalive": 1, "cti.reconnect_max": 2})
    wait_for(lambda: all(s["state"] == "up" for s in hs.status()["services"] if s["wanted"]), 30,
             what="services up")
    hs.ctl("pbx", "set", "--host", "127.0.0.1", "--port", pbx.port, "--password", "oaipass",
           json=False)
    wait_for(lambda: hs.ctl("live")["link"]["state"] == "up", 20, what="PBX link up")
    api = engineer_api(hs)
    hs.engineer = api

    def gateway_has_extensions():
        r = api.req("GET", "/live/extensions")
        states = {e["number"]: e["state"] for e in r.json()["items"]} if r.status_code == 200 else {}
        return states.get(CALLER) == "idle" and states.get(CALLEE) == "idle"

    wait_for(gateway_has_extensions, 20, what="the gateway's live extensions")
    hs.pbx = pbx
    return hs


def tile_state(driver, number):
    return driver.find_element(By.CSS_SELECTOR, f'#ext-tiles li[data-device="{number}"]') \
        .get_attribute("data-state")


def wait_tile(driver, number, state, timeout=10, poll=0.05):
    wait(driver, lambda d: tile_state(d, number) == state,
         f"tile {number} {state}", timeout, poll)


# ---- 1 -----------------------------------------------------------------------------------


def test_first_login_forces_password_change(site, driver):
    open_site(driver, site)
    find(driver, "#login-username")
    assert text_of(driver, "#page-title") == "Log in"
    # a wrong password: the API's message, still on the login screen
    login_form(driver, ENGINEER, "wrong-password")
    err = wait_text(driver, "#login-error", bool, "the login error")
    assert err == Api(site.api).login(ENGINEER, "wrong-password").json()["error"]["message"]
    assert absent(driver, "#logout")

    login_form(driver, ENGINEER, ENGINEER_DEFAULT)
    find(driver, "#pw-current")
    assert text_of(driver, "#page-title") == "Change your password"
    assert route(driver).startswith("#/password")
    assert absent(driver, "nav.sidenav") and absent(driver, "#logout")  # nothing else yet

    # a weak password: the API's own error text, in place
    weak = "short"
    probe = Api(site.api)
    assert probe.login(ENGINEER, ENGINEER_DEFAULT).status_code == 200
    r = probe.req("POST", "/session/password",
                  {"current_password": ENGINEER_DEFAULT, "new_password": weak})
    assert r.status_code == 400, r.text
    api_message = r.json()["error"]["message"]
    change_password_form(driver, ENGINEER_DEFAULT, weak)
    shown = wait_text(driver, "#pw-error", bool, "the weak password's error")
    assert shown == api_message
    assert absent(driver, "nav.sidenav")

    # a good one: into the app, with the whole navigation
    change_password_form(driver, ENGINEER_DEFAULT, NEW_PW)
    wait_in_shell(driver)
    wait(driver, lambda d: set(ALL_NAV) <= nav_keys(d), "the full navigation")
    assert nav_keys(driver) == set(ALL_NAV)
    for key in ("users", "roles", "status", "extensions", "calls"):
        assert driver.find_element(By.CSS_SELECTOR, f'a[data-nav="{key}"]').is_displayed(), key
    assert text_of(driver, "#user-name") == "Engineer"
    assert route(driver) == "#/status"  # the engineer's home: the first entry
    # the change is real: the old password is refused, the new one works without a change
    assert Api(site.api).login(ENGINEER, ENGINEER_DEFAULT).status_code == 401
    r = Api(site.api).login(ENGINEER, NEW_PW)
    assert r.status_code == 200 and r.json()["user"]["must_change_password"] is False


# ---- 2 -----------------------------------------------------------------------------------


def test_engineer_creates_restricted_user(site, driver):
    role, user, first_pw, own_pw = "Reporters", "rita", "Rita-First-Pass1", "Rita-Own-Pass-22"
    ui_login(driver, site, ENGINEER, ENGINEER_DEFAULT, new_pw=NEW_PW)

    # a role with the Reporting Only profile, through the Roles screen
    go(driver, "roles")
    click(driver, "#role-new")
    type_into(driver, "#role-name", role)
    type_into(driver, "#role-description", "Call list only")
    select_by_text(driver, "#role-profile", "Reporting Only")
    select_by_text(driver, "#role-scope", "Own calls")
    click(driver, "#role-save")
    wait(driver, lambda d: any(role in tr.text for tr in
                               d.find_elements(By.CSS_SELECTOR, "#roles-table tr[data-role-id]")),
         f"role {role} listed")
    assert absent(driver, "#role-form")

    # a user with that role, through the Users screen
    go(driver, "users")
    click(driver, "#user-new")
    type_into(driver, "#user-username", user)
    type_into(driver, "#user-first-name", "Rita")
    type_into(driver, "#user-last-name", "Reader")
    type_into(driver, "#user-password", first_pw)
    select_by_text(driver, "#user-role", role)
    click(driver, "#user-save")
    row = find(driver, f'#users-table tr[data-username="{user}"]')
    assert "Rita Reader" in row.text and "must change password" in row.text
    # the role as the form shows it (the table's Role column is blank: GET /users gives
    # role_id only, and Users.tsx shows u.role)
    click(driver, f'#user-edit-{row.get_attribute("data-user-id")}')
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#user-username")
         .get_attribute("value") == user, "the user's form")
    wait(driver, lambda d: Select(d.find_element(By.CSS_SELECTOR, "#user-role"))
         .first_selected_option.text == role, "the user's role in the form")
    click(driver, "#user-cancel")

    # what the UI made, seen through the API
    eng = Api(site.api)
    assert eng.login(ENGINEER, NEW_PW).status_code == 200
    roles = {r["name"]: r for r in eng.ok("GET", "/roles")["items"]}
    profiles = {p["id"]: p["name"] for p in eng.ok("GET", "/security-profiles")["items"]}
    assert profiles[roles[role]["profile_id"]] == "Reporting Only"
    assert roles[role]["access_scope"] == "own"

    # the new user: forced change first, then only what the profile allows
    ui_logout(driver)
    login_form(driver, user, first_pw)
    find(driver, "#pw-current")
    change_password_form(driver, first_pw, own_pw)
    wait_in_shell(driver)
    assert text_of(driver, "#user-name") == "Rita Reader"
    wait(driver, lambda d: nav_keys(d) == {"calls"}, "the navigation of Reporting Only")
    for key in ALL_NAV:
        if key != "calls":
            assert absent(driver, f'a[data-nav="{key}"]'), key
    assert not absent(driver, 'a[data-nav="account"]')
    wait(driver, lambda d: route(d).startswith("#/calls"), "the user's home page")
    find(driver, "#calls-search")

    # a forbidden route by hash: no Users screen, no request for users, back to the home page
    driver.execute_script("performance.clearResourceTimings()")
    driver.get(site.url + "/#/users")
    wait(driver, lambda d: route(d).startswith("#/calls"), "the refused route replaced")
    find(driver, "#calls-search")
    assert text_of(driver, "#page-title") == "Call List"
    assert absent(driver, "#users-table") and absent(driver, "#user-new")
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert not [u for u in fetched if "/api/v1/users" in u or "/api/v1/business-units" in u], fetched

    # and the API itself refuses the session the browser holds
    mine = api_with_browser_cookies(site, driver)
    me = mine.req("GET", "/session")
    assert me.status_code == 200 and me.json()["user"]["username"] == user
    assert sorted(me.json()["user"]["permissions"]) == \
        ["general.web_access", "reporting.run", "reporting.schedule"]
    for path in ("/users", "/business-units", "/roles", "/live/extensions", "/system/status"):
        r = mine.req("GET", path)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (path, r.text)
    assert mine.req("GET", "/calls").status_code == 200


# ---- 3 -----------------------------------------------------------------------------------


def test_live_tile_turns_ringing_within_a_second(pbx_site, driver):
    pbx = pbx_site.pbx
    ui_login(driver, pbx_site, ENGINEER, NEW_PW)
    go(driver, "extensions")
    find(driver, f'#ext-tiles li[data-device="{CALLEE}"]')
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#live-status")
         .get_attribute("data-ws") == "open", "the live WebSocket open")
    wait_tile(driver, CALLER, "idle")
    wait_tile(driver, CALLEE, "idle")
    assert find(driver, "#live-link").get_attribute("data-state") == "up"

    pbx.action(f"c1 = call {CALLER} {CALLEE}")
    t0 = time.monotonic()
    wait_tile(driver, CALLEE, "ringing", timeout=5, poll=0.02)
    latency = time.monotonic() - t0
    print(f"\ntile {CALLEE} ringing {latency * 1000:.0f} ms after pbxsim's call returned")
    assert latency < RINGING_LIMIT_S, f"ringing shown after {latency:.3f} s"
    tile = driver.find_element(By.CSS_SELECTOR, f'#ext-tiles li[data-device="{CALLEE}"]')
    assert "Ringing" in tile.text  # never colour alone
    assert tile_state(driver, CALLER) != "idle"

    pbx.action(f"answer {CALLEE} c1")
    wait_tile(driver, CALLEE, "connected")
    wait_tile(driver, CALLER, "connected")
    pbx.action(f"hangup {CALLER} c1")
    wait_tile(driver, CALLEE, "idle")
    wait_tile(driver, CALLER, "idle")
    assert find(driver, "#live-status").get_attribute("data-ws") == "open"
    assert not console_errors(driver)


# ---- 4 -----------------------------------------------------------------------------------


def test_call_list_shows_call_after_it_clears(pbx_site, driver):
    pbx = pbx_site.pbx
    ui_login(driver, pbx_site, ENGINEER, NEW_PW)
    go(driver, "calls")
    find(driver, "#calls-search")

    cid = pbx.action(f"c1 = call {CALLER} {CALLEE}")["call_id"]
    pbx.action(f"answer {CALLEE} c1")
    wait_for(lambda: pbx_site.engineer.req("GET", f"/live/extensions/{CALLEE}")
             .json()["state"] == "connected", 10, what="the call answered")
    pbx.action(f"hangup {CALLER} c1")
    t0 = time.monotonic()

    def listed(d):
        rows = d.find_elements(By.CSS_SELECTOR, "#calls-table tr[data-call-id]")
        if rows:
            return rows
        d.find_element(By.CSS_SELECTOR, "#calls-search").click()  # search again
        return False

    # the poll interval leaves each search time to answer before the next one
    rows = wait(driver, listed, "the cleared call in the Call List", timeout=15, poll=0.25)
    print(f"\ncall listed {time.monotonic() - t0:.2f} s after it cleared")
    assert len(rows) == 1
    call_id = rows[0].get_attribute("data-call-id")
    with pbx_site.db.connect() as c:
        rec = c.execute("SELECT call_id::text, state, answered, originator FROM calls "
                        "WHERE pbx_call_id = %s", (cid,)).fetchall()
    assert [r[0] for r in rec] == [call_id], rec
    cells = [td.text.strip() for td in rows[0].find_elements(By.CSS_SELECTOR, "td")]
    # (expand) Start Direction From To Answered Ring Talk Segments
    assert cells[2:6] == ["Internal", CALLER, CALLEE, "Yes"], cells

    button = find(driver, f"#call-expand-{call_id}")
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"#call-expand-{call_id}")
         .get_attribute("aria-expanded") == "true", "the row open")
    find(driver, f"#call-detail-{call_id}")
    segs = wait(driver, lambda d: d.find_elements(
        By.CSS_SELECTOR, f"#call-segments-{call_id} tr[data-segment]"), "the call's segments")
    assert [s.get_attribute("data-segment") for s in segs] == ["1"]
    seg = [td.text.strip() for td in segs[0].find_elements(By.CSS_SELECTOR, "td")]
    # # Start Device Agent Hunt-group Answered Ring Talk Hold How-it-ended
    assert seg[2] == CALLEE and seg[5] == "Yes", seg
    with pbx_site.db.connect() as c:
        state = c.execute("SELECT state FROM calls WHERE call_id = %s::bigint", (call_id,)).fetchone()
    assert state == ("ended",)


# ---- 5 -----------------------------------------------------------------------------------


def test_xss_names_render_as_text(site, driver):
    name = '<img src=x onerror="window.__xss=1">'
    unit = "<script>window.__xss=2</script>"
    eng = engineer_api(site)
    bu = eng.ok("POST", "/business-units", {"name": unit})
    eng.ok("POST", "/users", {"username": "xss", "password": "Some-Pass-123", "first_name": name,
                              "display_name": name, "business_unit_id": bu["id"]})
    ui_login(driver, site, ENGINEER, NEW_PW)
    go(driver, "users")
    # the unit (the first normal unit, selected at start) shows its name as typed
    node = find(driver, f'li[role=treeitem][data-bu-id="{bu["id"]}"]')
    assert unit in node.text
    wait_text(driver, "#h-users", lambda t: t == f"Users in {unit}", "the unit's users heading")
    row = find(driver, '#users-table tr[data-username="xss"]')
    assert name in row.text
    # no element was made from the data (the CSP would also stop an inline handler, so the
    # flag alone does not prove the text stayed text)
    assert driver.execute_script("return window.__xss") is None
    assert driver.execute_script(
        "return document.querySelectorAll('#app img, #app script').length") == 0
    assert absent(driver, "#users-table img") and absent(driver, "[onerror]")
    # also in the form the row opens
    click(driver, f'#user-edit-{row.get_attribute("data-user-id")}')
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#user-display-name")
         .get_attribute("value") == name, "the display name in the form")
    assert driver.execute_script("return window.__xss") is None


# ---- 6 -----------------------------------------------------------------------------------


def active_id(driver):
    return driver.switch_to.active_element.get_attribute("id")


def tab_to(driver, element_id):
    """Focus on element_id: it has it already, or the next Tab gives it (a screen the app
    draws after the first keeps no autofocus: HTML runs autofocus once per document)."""
    if active_id(driver) != element_id:
        driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_id(driver) == element_id


def test_keyboard_login(site, driver):
    open_site(driver, site)
    find(driver, "#login-username")
    wait(driver, lambda d: active_id(d) == "login-username", "focus on the username (autofocus)")
    driver.switch_to.active_element.send_keys(ENGINEER, Keys.TAB)
    assert active_id(driver) == "login-password"
    driver.switch_to.active_element.send_keys(ENGINEER_DEFAULT, Keys.TAB)
    assert active_id(driver) == "login-submit"
    driver.switch_to.active_element.send_keys(Keys.ENTER)

    # the forced change, by keyboard too: Enter in the last field submits
    find(driver, "#pw-current")
    tab_to(driver, "pw-current")
    driver.switch_to.active_element.send_keys(ENGINEER_DEFAULT, Keys.TAB)
    assert active_id(driver) == "pw-new"
    driver.switch_to.active_element.send_keys(NEW_PW, Keys.TAB)
    assert active_id(driver) == "pw-confirm"
    driver.switch_to.active_element.send_keys(NEW_PW, Keys.ENTER)
    wait_in_shell(driver)
    assert "users" in nav_keys(driver)
    # in the app the first Tab stop is the skip link, and it takes focus to the page
    tab_to(driver, "skip-link")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert active_id(driver) == "main"

    # log out and in again (Enter on the focused Log out button), typing and Enter only
    click_by_keyboard(driver, "logout")
    find(driver, "#login-username")
    tab_to(driver, "login-username")
    driver.switch_to.active_element.send_keys(ENGINEER, Keys.TAB, NEW_PW, Keys.ENTER)
    wait_in_shell(driver)
    assert text_of(driver, "#user-name") == "Engineer"


def click_by_keyboard(driver, element_id, limit=40):
    """Tabs forward until element_id has focus (at most `limit` stops), then presses Enter."""
    for _ in range(limit):
        if active_id(driver) == element_id:
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_id(driver) == element_id, f"{element_id} not reached by Tab"
    driver.switch_to.active_element.send_keys(Keys.ENTER)
