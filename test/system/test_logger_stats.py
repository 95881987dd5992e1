"""Statistics from the logger's tables: one fixed scenario, and for a sample of each statistic
group of the manual (services/logger/README.md maps them to columns) the SQL a report runs,
checked against values computed by hand from the scenario below.

The scenario runs FACTOR times faster than written; durations are scaled back to scenario
seconds and compared to 0.4 s.  Settings are the defaults of migration 0003 (short call 20 s, service
level 10 s: the manual's Call Reporter defaults)."""

import pytest

from hslib import wait_for
from pbxsim import Pbxsim
from test_logger import FACTOR, db_rows, start

SCENARIO = """
0    c1 = inbound 97001 01632960300 from 07700900123 name "SMITH JOHN"
12   answer 1000 c1
30   hold 1000 c1
40   retrieve 1000 c1
82   hangup far c1
90   c2 = inbound 97002 01632960300 from 07700900124
115  abandon c2
120  c3 = inbound 97003 01632960300
125  answer 1000 c3
128  hangup far c3
130  c4 = call 1002 9-07700900999 account 1234
137  answer far c4
197  hangup 1002 c4
200  dnd 1003 on 3
215  dnd 1003 off
220  c5 = inbound 97001 01632960100 from 07700900125
223  answer any c5
233  hangup far c5
250  end
"""
# By hand:
#   c1 in, ext 1000: ring 12, hold 10, talk 60 (82 s)       c2 in, rings 1000, lost after 25 s, CLI
#   c3 in, ext 1000: ring 5, talk 3, no CLI (short)         c4 out, 1002: ring 7, talk 60, code 1234
#   c5 in, Sales 2000 -> an agent: ring 3, talk 10 (short), then 10 s wrap-up
#   1003 in DND 15 s

SEC = 1000 / FACTOR   # one scenario second in real ms
TOL = 0.4             # scenario seconds


def one(db, sql, *args):
    rows = db_rows(db, sql, *args)
    assert len(rows) == 1
    return rows[0]


@pytest.fixture(scope="module")
def stats_db(tmp_path_factory, pg_cluster):
    # one run for every assertion of this module
    from hslib import Hookswitch

    tmp = tmp_path_factory.mktemp("stats")
    scn = tmp / "stats.scn"
    scn.write_text(SCENARIO)
    db = pg_cluster.new_database("logger_stats")
    hs = Hookswitch(db, tmp / "hs")
    pbx = Pbxsim(tmp / "pbxsim", args=["-S", scn, "-x", FACTOR, "-E"])
    pbx.start()
    try:
        start(hs, pbx)
        wait_for(lambda: any(r["rec"] == "stop" for r in pbx.truth_records()), 120,
                 interval=0.5, what="scenario done")
        wait_for(lambda: one(db, "SELECT count(*) AS n FROM calls WHERE state = 'ended'")["n"] == 5,
                 30, interval=0.3, what="five calls written")
        wait_for(lambda: one(db, "SELECT count(*) AS n FROM dnd_status_events "
                                 "WHERE device = '1003'")["n"] == 2, 10, what="DND rows")
        yield db
    finally:
        pbx.stop()
        hs.close()
        db.close()


def secs(ms):
    return float(ms) / SEC


def test_call_totals(stats_db):
    # Call Totals: Calls Handled / Answered / Lost / With CLI / Recoverable, all calls
    r = one(stats_db, """
        SELECT count(*) AS handled,
               count(*) FILTER (WHERE answered) AS answered,
               count(*) FILTER (WHERE lost) AS lost,
               count(*) FILTER (WHERE direction = 'in' AND call_type = 'external') AS in_ext,
               count(*) FILTER (WHERE cli_received) AS with_cli,
               count(*) FILTER (WHERE lost AND cli_received) AS recoverable
          FROM calls""")
    assert r == {"handled": 5, "answered": 4, "lost": 1, "in_ext": 4, "with_cli": 3,
                 "recoverable": 1}


def test_call_totals_percent(stats_db):
    # % Calls Lost = Calls Lost / Calls In External; % Short Calls = Short / Answered
    r = one(stats_db, """
        SELECT round(100.0 * count(*) FILTER (WHERE lost)
                     / nullif(count(*) FILTER (WHERE direction = 'in' AND call_type = 'external'), 0), 2) AS pct_lost,
               round(100.0 * count(*) FILTER (WHERE answered AND talk_ms + hold_ms <
                       (SELECT value::int * 1000 FROM settings WHERE server_id = 0
                         AND key = 'reporter.short_call_s') * %s / 1000.0)
                     / nullif(count(*) FILTER (WHERE answered), 0), 2) AS pct_short
          FROM calls""", SEC)
    assert float(r["pct_lost"]) == 25.00
    assert float(r["pct_short"]) == 50.00


def test_extension_times(stats_db):
    # Grouped by extension 1000 (calls presented to it: c1, c2, c3): Calls In Ans,
    # Avg Ring Time = (12 + 25 + 5) / 3, Max Hold Time, Total Talk Time
    r = one(stats_db, """
        SELECT count(DISTINCT s.call_id) FILTER (WHERE p.answered) AS in_ans,
               avg(s.ring_ms) AS avg_ring, max(s.max_hold_ms) AS max_hold,
               sum(s.talk_ms) AS talk
          FROM segment_parties p JOIN call_segments s USING (rec_id)
         WHERE p.device = '1000' AND p.alerted""")
    assert r["in_ans"] == 2
    assert secs(r["avg_ring"]) == pytest.approx(14, abs=TOL)
    assert secs(r["max_hold"]) == pytest.approx(10, abs=TOL)
    assert secs(r["talk"]) == pytest.approx(63, abs=TOL)


def test_service_level(stats_db):
    # % Answered <= 10s of inbound external calls (ring time before the answer)
    r = one(stats_db, """
        SELECT round(100.0 * count(*) FILTER (WHERE answered AND ring_ms <= 10 * %s)
                     / nullif(count(*), 0), 2) AS pct
          FROM calls WHERE direction = 'in' AND call_type = 'external'""", SEC)
    assert float(r["pct"]) == 50.00


def test_lost_ring_time(stats_db):
    # Total Ring Time (Lost), Lost <= 30s, Lost <= 20s
    r = one(stats_db, """
        SELECT sum(ring_ms) AS ring,
               count(*) FILTER (WHERE ring_ms <= 30 * %s) AS le30,
               count(*) FILTER (WHERE ring_ms <= 20 * %s) AS le20
          FROM calls WHERE lost""", SEC, SEC)
    assert secs(r["ring"]) == pytest.approx(25, abs=TOL)
    assert (r["le30"], r["le20"]) == (1, 0)


def test_account_codes_and_outbound(stats_db):
    r = one(stats_db, """
        SELECT count(*) AS n, sum(ring_ms) AS ring, sum(talk_ms) AS talk
          FROM calls WHERE account_code = '1234' AND direction = 'out'""")
    assert r["n"] == 1
    assert secs(r["ring"]) == pytest.approx(7, abs=TOL)
    assert secs(r["talk"]) == pytest.approx(60, abs=TOL)


def test_hunt_group(stats_db):
    r = one(stats_db, """
        SELECT count(*) AS presented, count(*) FILTER (WHERE answered) AS answered,
               sum(ring_ms) AS ring
          FROM call_segments WHERE hunt_group = '2000'""")
    assert (r["presented"], r["answered"]) == (1, 1)
    assert secs(r["ring"]) == pytest.approx(3, abs=TOL)


def test_acd_wrapup_time(stats_db):
    # ACD Times: Time In Wrapup = time from each 'wrap' row to the agent's next row
    r = one(stats_db, """
        SELECT sum(extract(epoch FROM nxt - ts) * 1000) AS wrap_ms, count(*) AS times
          FROM (SELECT status, ts, lead(ts) OVER (PARTITION BY agent_id ORDER BY ts, seq, n) AS nxt
                  FROM acd_status_events) e
         WHERE status = 'wrap' AND nxt IS NOT NULL""")
    assert r["times"] == 1
    assert secs(float(r["wrap_ms"])) == pytest.approx(10, abs=TOL)


def test_dnd_time(stats_db):
    # DND Times: Time In DND for 1003 = on -> next row
    r = one(stats_db, """
        SELECT sum(extract(epoch FROM nxt - ts) * 1000) AS dnd_ms, count(*) AS times
          FROM (SELECT dnd, ts, lead(ts) OVER (PARTITION BY device ORDER BY ts, seq) AS nxt
                  FROM dnd_status_events WHERE device = '1003') e
         WHERE dnd AND nxt IS NOT NULL""")
    assert r["times"] == 1
    assert secs(float(r["dnd_ms"])) == pytest.approx(15, abs=TOL)
