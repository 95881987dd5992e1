"""Shared fixtures of the Hookswitch system tests (real processes, real PostgreSQL).

    pg_cluster   session (one per xdist worker): a private cluster under /tmp, --fast
    db           per test: a fresh empty database; .name, .dsn, .connect() (autocommit)
    hs_factory   per test: hs_factory(overrides=None, db=None, name=None) -> hslib.Hookswitch,
                 for tests that need several servers or databases
    hs_env       per test: hs_factory() with the overrides of @pytest.mark.hs_config({...})

Every Hookswitch made here is torn down after the test: watchdog stopped (SIGTERM, then its
process group and any leftover process it started are killed).  When a test fails, the tails
of its logs and the database's postgres.log lines are added to the report.

Set HS_KEEP_TMP=1 to keep the cluster directory after the session.
"""

import os
import pwd
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hslib  # noqa: E402
from hslib import Hookswitch, PgCluster  # noqa: E402,F401


def _worker_id():
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pg_cluster():
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("hookswitch")
        except KeyError:
            pytest.fail(
                "user hookswitch is missing (run tools/install-deps): PostgreSQL cannot run as root",
                pytrace=False,
            )
    try:
        cluster = PgCluster(tag=_worker_id())
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield cluster
    cluster.close(keep=os.environ.get("HS_KEEP_TMP") == "1")


@pytest.fixture
def db(pg_cluster, request):
    database = pg_cluster.new_database(request.node.name)
    request.node._hs_db = database
    yield database
    database.close(drop=True)


@pytest.fixture
def hs_factory(db, tmp_path, request):
    made = []
    request.node._hs_instances = made

    def make(overrides=None, db=db, name=None):
        name = name or ("hs" if not made else f"hs{len(made) + 1}")
        try:
            h = Hookswitch(db, tmp_path / name, overrides, name=name)
        except FileNotFoundError as e:
            pytest.fail(str(e), pytrace=False)
        made.append(h)
        return h

    yield make
    for h in reversed(made):
        h.close()


@pytest.fixture
def pbx(tmp_path, request):
    """A running pbxsim on the small site (tools/pbxsim/sites/small.site)."""
    from pbxsim import Pbxsim

    sim = Pbxsim(tmp_path / "pbxsim")
    request.node._hs_pbx = sim
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def hs_env(hs_factory, request):
    overrides = {}
    marker = request.node.get_closest_marker("hs_config")
    if marker is not None:
        for arg in marker.args:
            overrides.update(arg)
    return hs_factory(overrides)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    for h in getattr(item, "_hs_instances", ()):
        try:
            text = h.log_tails()
        except Exception as e:  # noqa: BLE001 - the report must not fail
            text = f"(could not read the logs: {e!r})"
        rep.sections.append((f"hookswitch {h.name}: logs ({rep.when})", text))
    sim = getattr(item, "_hs_pbx", None)
    if sim is not None:
        rep.sections.append((f"pbxsim ({rep.when})", hslib.tail(sim.out, 80)))
    database = getattr(item, "_hs_db", None)
    if database is not None:
        text = database.cluster.log_lines_for(database.name)
        if text:
            rep.sections.append((f"postgres.log: {database.name} ({rep.when})", text))
