"""Checks of the system-test fixtures themselves (no Hookswitch binaries needed)."""

import os

import hslib

_seen = {}


def test_db_is_empty_and_writable(db):
    with db.connect() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
        assert tables == 0
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO t VALUES (1, 'x')")
    # autocommit: a second connection sees the row
    with db.connect() as conn:
        assert conn.execute("SELECT v FROM t WHERE id = 1").fetchone()[0] == "x"
        assert conn.execute("SELECT current_database()").fetchone()[0] == db.name
        assert conn.execute("SHOW server_encoding").fetchone()[0] == "UTF8"
    assert f"dbname={db.name}" in db.dsn
    assert "host=/tmp/" in db.dsn


def test_two_tests_get_different_databases_a(db):
    _check_distinct("a", db)


def test_two_tests_get_different_databases_b(db):
    _check_distinct("b", db)


def _check_distinct(me, db):
    # The tests may run on different xdist workers (different clusters) or on the same one in
    # either order: record this database in the cluster and compare with the other's, if seen.
    with db.connect() as conn:
        conn.execute("CREATE TABLE mark (who text)")
        conn.execute("INSERT INTO mark VALUES (%s)", (me,))
        assert conn.execute("SELECT who FROM mark").fetchall() == [(me,)]
    _seen[me] = (db.cluster.dir, db.name)
    other = _seen.get("b" if me == "a" else "a")
    if other is not None:
        assert other != (db.cluster.dir, db.name)
        if other[0] == db.cluster.dir:
            # the other test's database was dropped at its teardown
            with hslib.psycopg.connect(db.cluster.admin_dsn(), autocommit=True) as conn:
                names = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
            assert other[1] not in names


def test_pg_cluster_socket_is_short(pg_cluster):
    sock = pg_cluster.dir / "run" / ".s.PGSQL.5432"
    assert sock.is_socket()
    assert len(str(sock)) < 100
    assert os.path.dirname(str(pg_cluster.dir)) == "/tmp"


def test_wait_for_reports_what_and_last_value():
    values = iter(range(1000))
    try:
        hslib.wait_for(lambda: next(values) < 0, timeout=0.3, interval=0.05, what="a negative number")
    except AssertionError as e:
        assert "a negative number" in str(e)
        assert "last value: False" in str(e)
    else:
        raise AssertionError("wait_for did not time out")
    assert hslib.wait_for(lambda: next(values) > 3, timeout=5, interval=0.01) is True
