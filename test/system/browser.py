"""Helpers for the browser tests of the web admin site (test_browser.py): a headless Chromium
driven by Selenium, a Hookswitch server whose gateway serves the built web UI, a small
browser-like API client, and the waits and steps the tests share (log in, forced password
change, reading the navigation).

The UI's stable test hooks are listed in web-ui/README.md ("Test hooks").  Everything waits
explicitly (WebDriverWait); a wait that times out says what it waited for and what the page
showed then (route, title, alert region, inline errors).
"""

from __future__ import annotations

import shutil
import tempfile
import time

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from hslib import BINDIR, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WEB_ROOT = BINDIR.parent / "web-ui"   # what `make` builds (build/web-ui next to build/bin)

ENGINEER = "engineer"
ENGINEER_DEFAULT = "Teleph0ny!"        # the manual's default (migrations/0001_foundation.sql)
NEW_PW = "Corr3ct-Horse-Battery"

# Every navigation entry (web-ui/src/nav.ts); the engineer (Admin profile) sees them all.
ALL_NAV = ["status", "extensions", "calls", "audit", "users", "roles", "profiles", "filters",
           "policy", "tokens", "phone-systems", "devices", "servers", "recorded-devices",
           "exclusion-list", "inclusion-list", "email"]

WAIT = 10  # default explicit wait, seconds

# Roles of the server under test: the web admin site alone, or with the PBX side.
ROLES_WEB = "website"
ROLES_PBX = "website,cti-host,call-logging"


# ---- the server -----------------------------------------------------------------------------


class Api:
    """A browser-like API client: cookie jar, the session's CSRF token on unsafe methods."""

    def __init__(self, base):
        self.base = base  # .../api/v1
        self.s = requests.Session()
        self.csrf = None

    def req(self, method, path, body=None, **kw):
        # No keep-alive: the gateway's civetweb gives each connection a worker thread for as
        # long as it stays open (30 s idle), so an idle test client would hold one.
        headers = {"Connection": "close", **(kw.pop("headers", None) or {})}
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        return self.s.request(method, self.base + path, json=body, headers=headers, timeout=20,
                              **kw)

    def login(self, user, pw):
        r = self.req("POST", "/session", {"username": user, "password": pw})
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
        return r

    def ok(self, method, path, body=None, status=(200, 201, 204), **kw):
        r = self.req(method, path, body, **kw)
        assert r.status_code in status, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


def start_server(hs_factory, roles=ROLES_WEB, overrides=None):
    """A Hookswitch with the gateway serving build/web-ui on its own loopback port; returns
    it with .url (the site, no trailing slash) and .api (the API base)."""
    if not (WEB_ROOT / "index.html").exists() or not (WEB_ROOT / "app.js").exists():
        pytest.fail(f"{WEB_ROOT} has no built web UI: run make first", pytrace=False)
    # web.threads: the shipped default (hslib's 4 is too few for a browser: civetweb keeps a
    # worker per open connection, idle keep-alive ones and the live WebSocket included)
    settings = {"server.roles": roles, "web.root": str(WEB_ROOT), "web.threads": 8}
    settings.update(overrides or {})
    hs = hs_factory(settings)
    hs.start_watchdog()
    hs.wait_ready()
    hs.url = f"http://127.0.0.1:{hs.settings['web.http_port']}"
    hs.api = hs.url + "/api/v1"
    wait_for(lambda: requests.get(hs.api + "/session", timeout=2).status_code == 401, 30,
             what="the gateway answering")
    return hs


def engineer_api(hs, change_to=NEW_PW):
    """An API session of the engineer, the first-login change done (when change_to)."""
    api = Api(hs.api)
    r = api.login(ENGINEER, ENGINEER_DEFAULT)
    assert r.status_code == 200, r.text
    if change_to:
        api.ok("POST", "/session/password",
               {"current_password": ENGINEER_DEFAULT, "new_password": change_to})
    return api


def api_with_browser_cookies(hs, driver):
    """An API client carrying the browser's session cookie (hs_session is HttpOnly, but
    WebDriver sees it) and the page's CSRF token."""
    api = Api(hs.api)
    for c in driver.get_cookies():
        api.s.cookies.set(c["name"], c["value"], domain=c.get("domain", ""), path=c.get("path", "/"))
    return api


# ---- the browser ----------------------------------------------------------------------------


def new_driver():
    """Headless Chromium 1280x900 with a private profile directory; .profile_dir is removed
    by quit_driver."""
    profile = tempfile.mkdtemp(prefix="hs-chrome-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--no-first-run", "--disable-extensions", "--disable-background-networking",
              "--window-size=1280,900", f"--user-data-dir={profile}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    except WebDriverException:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.set_window_size(1280, 900)
    driver.profile_dir = profile
    return driver


def quit_driver(driver):
    try:
        driver.quit()
    finally:
        shutil.rmtree(driver.profile_dir, ignore_errors=True)


def console_errors(driver):
    """Script errors in the browser console since the last call.  Failed requests are left
    out: the UI asks GET /session before anyone logs in, and Chromium logs its 401."""
    try:
        return [e["message"] for e in driver.get_log("browser")
                if e.get("level") == "SEVERE" and "Failed to load resource" not in e["message"]]
    except WebDriverException:
        return []


def _text(driver, css):
    try:
        return driver.find_element(By.CSS_SELECTOR, css).text.strip()
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def page_state(driver) -> str:
    """What the page shows now, for failure messages."""
    try:
        url = driver.current_url
    except WebDriverException as e:
        return f"(no page: {e.msg})"
    parts = [f"url={url}", f"title={_text(driver, '#page-title')!r}"]
    for css in ("#app-alert", "#login-error", "#pw-error"):
        t = _text(driver, css)
        if t:
            parts.append(f"{css}={t!r}")
    body = _text(driver, "body") or ""
    parts.append(f"body[:300]={body[:300]!r}")
    return " ".join(parts)


def wait(driver, cond, what, timeout=WAIT, poll=0.05):
    """WebDriverWait(cond) that fails with `what` and the page's state."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=poll,
                             ignored_exceptions=(NoSuchElementException,
                                                 StaleElementReferenceException)).until(cond)
    except Exception as e:  # TimeoutException, or the driver died
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; "
                             f"{page_state(driver)}") from e


def find(driver, css, timeout=WAIT, visible=True):
    """The element for css once present (and displayed)."""
    def ready(d):
        el = d.find_element(By.CSS_SELECTOR, css)
        return el if (not visible or el.is_displayed()) else False
    return wait(driver, ready, f"element {css}", timeout)


def absent(driver, css):
    return not driver.find_elements(By.CSS_SELECTOR, css)


def clickable(driver, css, timeout=WAIT):
    def ready(d):
        el = d.find_element(By.CSS_SELECTOR, css)
        return el if el.is_displayed() and el.is_enabled() else False
    return wait(driver, ready, f"{css} enabled", timeout)


def click(driver, css, timeout=WAIT):
    clickable(driver, css, timeout).click()


def type_into(driver, css, text):
    el = find(driver, css)
    el.clear()
    el.send_keys(text)
    return el


def select_by_text(driver, css, label):
    el = find(driver, css)
    wait(driver, lambda d: any(o.text.strip() == label for o in Select(el).options),
         f"option {label!r} in {css}")
    Select(el).select_by_visible_text(label)


def text_of(driver, css, timeout=WAIT):
    return find(driver, css, timeout).text.strip()


def wait_text(driver, css, pred, what, timeout=WAIT):
    """Waits until pred(text of css) holds; returns the text."""
    def ok(d):
        t = d.find_element(By.CSS_SELECTOR, css).text.strip()
        return t if pred(t) else False
    return wait(driver, ok, what, timeout)


def route(driver) -> str:
    return driver.execute_script("return location.hash")


def nav_keys(driver) -> set:
    """The data-nav values of the main navigation (the side nav; "My account" apart)."""
    return {a.get_attribute("data-nav")
            for a in driver.find_elements(By.CSS_SELECTOR, "nav.sidenav a[data-nav]")}


# ---- steps ----------------------------------------------------------------------------------


def open_site(driver, hs, hash_route=""):
    driver.get(hs.url + "/" + (("#" + hash_route) if hash_route else ""))


def login_form(driver, user, pw):
    """Fills and submits the login form (which must be on screen)."""
    type_into(driver, "#login-username", user)
    type_into(driver, "#login-password", pw)
    click(driver, "#login-submit")


def change_password_form(driver, current, new, confirm=None):
    """Fills and submits the forced-change / My account form (which must be on screen)."""
    type_into(driver, "#pw-current", current)
    type_into(driver, "#pw-new", new)
    type_into(driver, "#pw-confirm", new if confirm is None else confirm)
    click(driver, "#pw-submit")


def wait_in_shell(driver, timeout=WAIT):
    """Waits for the logged-in frame (top bar with the user's name and the log-out button)."""
    find(driver, "#logout", timeout)
    return find(driver, "#user-name", timeout)


def ui_login(driver, hs, user, pw, new_pw=None):
    """Logs in through the login screen; with new_pw, does the forced change too.  Ends in
    the shell."""
    open_site(driver, hs)
    find(driver, "#login-username")
    login_form(driver, user, pw)
    if new_pw is not None:
        find(driver, "#pw-current")
        change_password_form(driver, pw, new_pw)
    wait_in_shell(driver)


def ui_logout(driver):
    click(driver, "#logout")
    find(driver, "#login-username")


def go(driver, key, timeout=WAIT):
    """Clicks the navigation entry `key` and waits until its page is current."""
    click(driver, f'nav.sidenav a[data-nav="{key}"]')
    wait(driver, lambda d: d.find_element(
        By.CSS_SELECTOR, f'nav.sidenav a[data-nav="{key}"]').get_attribute("aria-current") == "page"
         and route(d).startswith(f"#/{key}"), f"the {key} page", timeout)


def measure(fn):
    """(result, seconds) of fn()."""
    t0 = time.monotonic()
    res = fn()
    return res, time.monotonic() - t0
