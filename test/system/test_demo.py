"""make demo, as a new user meets it: tools/demo run starts PostgreSQL, the watchdog with every
role and pbxsim making calls, and prints the web address and the logins; at that address the
engineer's first log-in forces the password change, and pbxsim's traffic shows in the live
view and the call list.  Then tools/demo stop stops it all.

The demo runs in a state folder of its own (HS_DEMO_VAR) on free ports, so that it
neither meets a demo a developer left running nor other tests."""
import os
import re
import shutil
import subprocess
import tempfile
import threading

import requests

from hslib import REPO_ROOT, StopWaiting, clean_env, wait_for
from pbxsim import free_port
from test_gateway import Api

DEMO = REPO_ROOT / "tools" / "demo"
ENGINEER_DEFAULT = "Teleph0ny!"
NEW_PW = "Demo-Fresh-Passw0rd"


def test_demo_prints_the_site_and_the_first_login_works():
    var = tempfile.mkdtemp(prefix="hs-demo-", dir="/tmp")  # short: bus sockets live there
    os.chmod(var, 0o755)  # PostgreSQL runs as its own user and needs to reach var/pg
    env = clean_env()
    env.update(HS_DEMO_VAR=var, HS_DEMO_HTTP_PORT=str(free_port()),
               HS_DEMO_HTTPS_PORT=str(free_port()),
               HS_DEMO_PBX_PORT=str(free_port()))
    proc = subprocess.Popen([str(DEMO), "run"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT,
                            start_new_session=True)
    out = []
    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        def banner():
            if proc.poll() is not None:
                raise StopWaiting("tools/demo run exited %s:\n%s" % (proc.returncode,
                                                                    "".join(out)))
            text = "".join(out)
            return text if "Stop:" in text else None
        text = wait_for(banner, 150, what="the demo's banner")
        m = re.search(r"\(also (http://localhost:\d+/)\)", text)
        assert m, text
        site = m.group(1)
        assert "https://" in text and "engineer   / Teleph0ny!" in text
        assert re.search(r"pbxsim on 127\.0\.0\.1:%s" % env["HS_DEMO_PBX_PORT"], text)

        page = requests.get(site, timeout=10)
        assert page.status_code == 200 and "<script" in page.text  # the web UI
        api = Api(site + "api/v1")
        r = api.login("engineer", ENGINEER_DEFAULT)
        assert r.status_code == 200 and r.json()["user"]["must_change_password"] is True
        r = api.req("GET", "/live/extensions")
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "password_change_required"
        r = api.req("POST", "/session/password", {"current_password": ENGINEER_DEFAULT,
                                                   "new_password": NEW_PW})
        assert r.status_code == 204, r.text

        # pbxsim's traffic: extensions in calls in the live view, then calls in the list
        def busy_tiles():
            items = api.req("GET", "/live/extensions").json()["items"]
            return len(items) >= 20 and [e for e in items if e["state"] != "idle"]
        wait_for(busy_tiles, 90, what="an extension in a call in the live view")

        def calls():
            return api.req("GET", "/calls?limit=5").json()["total"] > 0
        wait_for(calls, 120, what="a call in the call list")
    finally:
        stop = subprocess.run([str(DEMO), "stop"], env=env, cwd=REPO_ROOT, timeout=180,
                              capture_output=True, text=True)
        try:
            proc.wait(timeout=180)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
            shutil.rmtree(var, ignore_errors=True)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert proc.returncode == 0, "".join(out[-40:])
