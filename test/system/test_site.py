"""Several servers sharing one database, and the database going away: what a site with a
separate call-logging and real-time server, or a PostgreSQL restart, looks like."""

import os
import random
import signal
import socket

from hslib import PgCluster, pgcluster, wait_for
from test_watchdog import alerts, services, wait_all_up


def loopback_pair():
    """Two loopback aliases (all of 127/8 is local on Linux) and a tcp_base whose 18 bus
    ports are free on both: two "hosts" on one machine, safe beside parallel tests."""
    for _ in range(50):
        net = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"
        hosts = (f"{net}.2", f"{net}.3")
        base = random.randrange(20000, 60000, 20)
        try:
            socks = []
            for h in hosts:
                for p in range(base, base + 18):
                    s = socket.socket()
                    s.bind((h, p))
                    socks.append(s)
        except OSError:
            continue
        finally:
            for s in locals().get("socks", []):
                s.close()
        return hosts, base
    raise AssertionError("no free loopback ports")


def test_two_servers_split_roles_and_reach_each_other(hs_factory, db):
    (host_a, host_b), base = loopback_pair()
    common = {"bus.tcp": True, "bus.tcp_base": base}
    a = hs_factory({**common, "server.id": 1, "server.roles": "call-logging",
                    "server.host": host_a}, name="a")
    b = hs_factory({**common, "server.id": 2, "server.roles": "realtime",
                    "server.host": host_b}, name="b")
    a.start_watchdog()
    a.wait_ready()
    b.start_watchdog()
    b.wait_ready()
    wait_all_up(a, ["logger", "reporting"])
    wait_all_up(b, ["realtime"])

    with db.connect() as c:
        rows = c.execute("SELECT id, host, roles FROM servers ORDER BY id").fetchall()
    assert rows == [(1, host_a, ["wcf", "call-logging"]), (2, host_b, ["wcf", "realtime"])]
    assert services(a)["realtime"]["pid"] == 0 and services(b)["logger"]["pid"] == 0

    # From server 1, the realtime service is found on server 2 and answers over tcp.
    h = a.ctl("health", "realtime")
    assert h["server"] == 2 and h["pid"] == services(b)["realtime"]["pid"]
    # Server 2's watchdog, asked from server 1.
    st = a.ctl("--server", "2", "status")
    assert st["server"] == 2 and st["roles"] == "wcf,realtime"
    # No server runs the handset service.
    a.ctl("health", "handset", check=False)
    assert a.last_ctl.returncode == 1
    assert "no server of the site runs handset" in a.last_ctl.stderr


def test_database_restart_loses_no_alert(hs_factory):
    cluster = PgCluster(tag="restart")
    database = None
    hs = None
    try:
        database = cluster.new_database("restart")
        hs = hs_factory({"watchdog.hang_timeout": 3}, db=database)
        hs.start_watchdog()
        hs.wait_ready()
        # reporting needs no database to run (the logger waits for one at start: it resumes
        # from its progress mark there), so it can come back while PostgreSQL is down.
        pid = wait_all_up(hs)["reporting"]["pid"]

        pgcluster("stop", cluster.dir)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: services(hs)["reporting"]["state"] == "up"
                 and services(hs)["reporting"]["pid"] != pid, 10, what="reporting back")
        assert "event=alert.queued code=service.restarted" in hs.log_text("watchdog")

        pgcluster("start", cluster.dir)
        rows = wait_for(lambda: alerts(database, "service.restarted"), 20,
                        what="queued alert written after the database returned")
        assert len(rows) == 1 and rows[0][0] == "reporting"
        wait_for(lambda: hs.status()["db"]["connected"], 10, what="watchdog reconnected")
        # LISTEN was re-issued: a role change still applies live.
        with database.connect() as c:
            c.execute("UPDATE servers SET roles = ARRAY['wcf','call-logging'] WHERE id = 1")
        wait_for(lambda: services(hs)["gateway"]["state"] == "down", 10,
                 what="gateway stopped after the role change")
    finally:
        if hs is not None:
            hs.close()
        if database is not None:
            database.close()
        cluster.close()
