"""The web admin site in a real browser (headless Chromium through Selenium) against a real
server: the gateway serving build/web-ui, PostgreSQL, and for the live and call-list tests
cti-host and the logger on pbxsim.

What a user sees and can do: the forced first-login password change, a restricted user's
navigation and refused routes, the live extension tiles following a ringing phone within a
second, a cleared call in the Call List with its segments, names shown as text (never as
markup), a keyboard-only log-in, focus and title following a route change, and the list +
form screens (create, edit, error in place, two-step delete, read-only record).  Test
hooks: web-ui/README.md.
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
    hs.set_pbx(pbx)
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
    # the Role column names the role (GET /users gives role_id only: the name is GET /roles')
    assert [th.get_attribute("textContent") for th in
            driver.find_elements(By.CSS_SELECTOR, "#users-table thead th")][2] == "Role"
    role_cell = f'#users-table tr[data-username="{user}"] td:nth-of-type(2)'
    wait_text(driver, role_cell, lambda t: t == role, f"the role {role} in the user's row")
    # and the form shows the same role
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
    # every row of the table names its user's role as the API has it
    role_of = {u["username"]: u["role_id"] for u in eng.ok("GET", "/users")["items"]}
    role_name = {r["id"]: r["name"] for r in roles.values()}
    shown = {tr.get_attribute("data-username"): tr.find_elements(By.CSS_SELECTOR, "td")[1].text.strip()
             for tr in driver.find_elements(By.CSS_SELECTOR, "#users-table tr[data-username]")}
    assert shown[user] == role
    assert shown == {u: role_name.get(role_of[u], "") for u in shown}, shown

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


def keyboard_to(driver, element_id, back=False, limit=40):
    """Tabs (Shift+Tab with back) until element_id has focus, at most `limit` stops."""
    keys = (Keys.SHIFT, Keys.TAB) if back else (Keys.TAB,)
    for _ in range(limit):
        if active_id(driver) == element_id:
            return
        driver.switch_to.active_element.send_keys(*keys)
    assert active_id(driver) == element_id, f"{element_id} not reached by {'Shift+' if back else ''}Tab"


def wait_page_focused(driver, title):
    """After a route change: the new page's h1 has focus and names the page, as does the
    document's title."""
    wait(driver, lambda d: active_id(d) == "page-title"
         and d.switch_to.active_element.text.strip() == title, f"focus on the h1 {title!r}")
    h1 = driver.switch_to.active_element
    assert h1.tag_name == "h1" and h1.get_attribute("tabindex") == "-1"
    wait(driver, lambda d: d.title == f"{title} – Hookswitch", f"document.title of {title}")


# ---- 7 -----------------------------------------------------------------------------------


def test_route_change_moves_focus_to_the_page_heading(site, driver):
    ui_login(driver, site, ENGINEER, ENGINEER_DEFAULT, new_pw=NEW_PW)
    wait(driver, lambda d: d.title == "System Status – Hookswitch", "the home page's title")

    # Enter on a navigation link: the new page's heading has focus, the title follows
    keyboard_to(driver, "nav-roles")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver, lambda d: route(d) == "#/roles", "the roles route")
    wait_page_focused(driver, "Roles")
    # the heading is no Tab stop of its own: the next Tab goes on into the page
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert active_id(driver) == "role-new"

    # back to the navigation (it comes before main), and another page by keyboard
    keyboard_to(driver, "nav-users", back=True)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver, lambda d: route(d) == "#/users", "the users route")
    wait_page_focused(driver, "Users & Business Units")
    assert driver.find_element(By.CSS_SELECTOR, 'a[data-nav="users"]').get_attribute("aria-current") == "page"

    # a route change the browser makes (Back) does the same
    driver.back()
    wait(driver, lambda d: route(d) == "#/roles", "back on the roles route")
    wait_page_focused(driver, "Roles")
    # My account (outside the navigation list) too
    keyboard_to(driver, "nav-account", back=True)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_page_focused(driver, "My account")
    # a parameter change on the same page keeps the focus where it is
    keyboard_to(driver, "nav-calls", back=True)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_page_focused(driver, "Call List")
    find(driver, "#calls-number").click()
    assert active_id(driver) == "calls-number"
    driver.execute_script("location.hash = '#/calls?offset=50'")
    wait(driver, lambda d: route(d) == "#/calls?offset=50", "the calls route with an offset")
    time.sleep(0.5)  # give a (wrong) focus move the time to happen
    assert active_id(driver) == "calls-number"
    assert not console_errors(driver)


# ---- 8 -----------------------------------------------------------------------------------


def status_says(driver, text):
    wait_text(driver, "#app-status", lambda t: text in t, f"the status {text!r}")


def test_crud_screens(site, driver):
    """The list + form screens (Access Filters, Security Profiles, Servers, Phone Systems):
    create, edit, an error in place, the two-step delete, a read-only record."""
    ui_login(driver, site, ENGINEER, ENGINEER_DEFAULT, new_pw=NEW_PW)
    eng = Api(site.api)
    assert eng.login(ENGINEER, NEW_PW).status_code == 200

    def filters():
        return {f["name"]: f for f in eng.ok("GET", "/access-filters")["items"]}

    go(driver, "filters")
    wait_text(driver, "#page-title", lambda t: t == "Access Filters", "the Access Filters page")
    click(driver, "#filter-new")
    assert text_of(driver, "#h-filter-form") == "New access filter"
    type_into(driver, "#filter-name", "Sales only")
    select_by_text(driver, "#filter-mode", "Deny (hide matching calls)")
    type_into(driver, "#filter-extensions", "10x1")
    click(driver, "#filter-save")
    # the API's error, in place, the form still open with what was typed
    err = wait_text(driver, "#filter-extensions-error", bool, "the extensions' error")
    assert "numbers and ranges" in err
    assert find(driver, "#filter-extensions").get_attribute("aria-invalid") == "true"
    assert "Sales only" not in filters()
    type_into(driver, "#filter-extensions", "1001-1005")
    click(driver, "#filter-save")
    status_says(driver, "Access filter Sales only saved.")
    wait(driver, lambda d: absent(d, "#filter-form"), "the form closed")
    made = filters()["Sales only"]
    assert made["mode"] == "deny" and made["extensions"] == "1001-1005"
    row = find(driver, f'#filters-table tr[data-filter-id="{made["id"]}"]')
    assert "Deny" in row.text and "1001-1005" in row.text

    # edit: the form holds the record; the row is marked; a rename lands in the list
    click(driver, f'#filter-edit-{made["id"]}')
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#filter-name").get_attribute("value")
         == "Sales only", "the filter's form")
    assert text_of(driver, "#h-filter-form") == "Edit filter Sales only"
    assert "selected" in row.get_attribute("class")
    assert find(driver, "#filter-extensions").get_attribute("value") == "1001-1005"
    type_into(driver, "#filter-name", "Sales floor")
    click(driver, "#filter-save")
    status_says(driver, "Access filter Sales floor saved.")
    wait(driver, lambda d: "Sales floor" in d.find_element(
        By.CSS_SELECTOR, f'#filters-table tr[data-filter-id="{made["id"]}"]').text, "the new name listed")
    assert filters()["Sales floor"]["id"] == made["id"]

    # delete in two steps: Escape takes the question back, Confirm deletes
    click(driver, f'#filter-edit-{made["id"]}')
    click(driver, "#filter-delete")
    find(driver, "#filter-delete-confirm")
    assert active_id(driver) == "filter-delete-confirm"
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    find(driver, "#filter-delete")
    assert absent(driver, "#filter-delete-confirm")
    assert "Sales floor" in filters()
    click(driver, "#filter-delete")
    click(driver, "#filter-delete-confirm")
    status_says(driver, "Access filter Sales floor deleted.")
    wait(driver, lambda d: absent(d, f'#filters-table tr[data-filter-id="{made["id"]}"]'), "the row gone")
    assert absent(driver, "#filter-form") and "Sales floor" not in filters()

    # a built-in read-only profile: "View", no save, no delete, Close
    go(driver, "profiles")
    admin = [p for p in eng.ok("GET", "/security-profiles")["items"] if p.get("editable") is False]
    assert admin, "no read-only profile"
    view = find(driver, f'#profile-edit-{admin[0]["id"]}')
    assert view.text.startswith("View")
    view.click()
    form = find(driver, '#profile-form[data-readonly="true"]')
    find(driver, "#profile-readonly")
    assert absent(driver, "#profile-save") and absent(driver, "#profile-delete")
    assert not find(driver, "#profile-name").is_enabled()
    assert text_of(driver, "#profile-cancel") == "Close"
    assert form.find_element(By.CSS_SELECTOR, "#h-profile-form").text == f'Profile {admin[0]["name"]}'
    click(driver, "#profile-cancel")
    wait(driver, lambda d: absent(d, "#profile-form"), "the profile closed")
    # a custom profile: created with one permission, then deleted
    click(driver, "#profile-new")
    type_into(driver, "#profile-name", "Listeners")
    click(driver, "#perm-general-web_access")
    click(driver, "#profile-save")
    status_says(driver, "Profile Listeners saved.")
    mine = [p for p in eng.ok("GET", "/security-profiles")["items"] if p["name"] == "Listeners"]
    assert len(mine) == 1 and mine[0]["permissions"] == ["general.web_access"]
    click(driver, f'#profile-edit-{mine[0]["id"]}')
    assert find(driver, "#perm-general-web_access").is_selected()
    click(driver, "#profile-delete")
    click(driver, "#profile-delete-confirm")
    status_says(driver, "Profile Listeners deleted.")
    wait(driver, lambda d: absent(d, f'#profiles-table tr[data-profile-id="{mine[0]["id"]}"]'),
         "the profile's row gone")

    # Servers: this server listed; its id is fixed in its form; the certificate form stays
    go(driver, "servers")
    find(driver, '#servers-table tr[data-server-id="1"]')
    find(driver, "#tls-form")
    click(driver, "#server-edit-1")
    assert not find(driver, "#server-id").is_enabled()
    assert find(driver, "#server-role-website").is_selected()
    assert text_of(driver, "#server-delete") == "Remove server"
    click(driver, "#server-cancel")
    wait(driver, lambda d: absent(d, "#server-form"), "the server form closed")
    click(driver, "#server-new")
    assert text_of(driver, "#h-server-form") == "Add server"
    assert find(driver, "#server-id").get_attribute("value") == "2"  # the first free id
    click(driver, "#server-cancel")

    # Phone Systems: the extra header link, and a new record's defaults
    go(driver, "phone-systems")
    find(driver, "#ps-devices")
    click(driver, "#ps-new")
    assert text_of(driver, "#h-ps-form") == "Add phone system"
    assert find(driver, "#ps-port").get_attribute("value") == "4000"
    assert text_of(driver, "#ps-save") == "Add" and absent(driver, "#ps-delete")
    click(driver, "#ps-cancel")
    wait(driver, lambda d: absent(d, "#ps-form"), "the phone system form closed")
    assert not console_errors(driver)


def test_every_screen_fits_a_tablet(site, driver):
    """On a tablet in portrait (768 x 1024 CSS pixels) every screen of the navigation fits the
    width (wide tables scroll inside their own box, the page never sideways), the navigation
    stays on screen, and links and buttons are big enough to hit with a finger (24 px: WCAG
    2.2 target size, minimum)."""
    driver.set_window_size(768, 1024)
    inner = driver.execute_script("return window.innerWidth")
    assert inner <= 768
    ui_login(driver, site, ENGINEER, ENGINEER_DEFAULT, new_pw=NEW_PW)
    keys = sorted(nav_keys(driver))
    assert set(ALL_NAV) <= set(keys), keys
    small = []
    for key in keys:
        go(driver, key)
        find(driver, "#page-title")
        time.sleep(0.2)  # the page's list arrives
        width = driver.execute_script(
            "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert width <= inner, f"{key}: the page is {width} px wide on a {inner} px screen"
        link = driver.find_element(By.CSS_SELECTOR, f'nav.sidenav a[data-nav="{key}"]')
        rect = driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                     "return [r.left, r.right, r.height];", link)
        assert rect[0] >= 0 and rect[1] <= inner, f"{key}: nav link off screen {rect}"
        small += driver.execute_script("""
            return [...document.querySelectorAll('main button, main a[href], nav a[href]')]
              .filter(e => e.offsetParent !== null)
              .map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])
              .filter(([t, h]) => h < 24);""")
    assert not small, f"touch targets under 24 px high: {small[:10]}"
    assert not console_errors(driver)
