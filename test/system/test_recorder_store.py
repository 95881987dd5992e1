"""Recordings at rest: encrypted, signed, in the database, exported, verified, purged.

The recorder runs as in test_recorder_rac.py (its Recorder and sipp helpers), with a fresh
database of the session's private PostgreSQL cluster (conftest's db fixture) given through
HOOKSWITCH_* variables; the migrations are applied with `hookswitchctl db migrate`.
Checked:
  - a Record-A-Call call gives one recordings row with a 32-byte signature and sha256,
    key id, path; the stored file is not plaintext (no RIFF/OggS) and no clear file stays;
  - `recordings export` gives exactly the audio of sipp's g711a.pcap (sample for sample);
  - one flipped byte: verify and export exit 1 with "signature mismatch: file was
    modified" and write nothing;
  - the recording is linked to a logger segment of the recorded extension that overlaps;
  - `recordings purge --older-than 30` deletes exactly the rows (and files) started more
    than 30 days ago, marks them and writes one 'deleted' event each.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_recorder_offline import find, g711a_reference, read_wav  # noqa: E402
from test_recorder_rac import (  # noqa: E402
    Recorder, need, pcap_dir, sipp, wait_for_files)  # noqa: F401 (pcap_dir: fixture)

BINDIR = Path(os.environ.get("HS_BINDIR", Path(__file__).resolve().parents[2] / "build" / "bin"))
CTL = BINDIR / "hookswitchctl"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture
def store(db, tmp_path, monkeypatch):
    """A migrated database and the environment that points the recorder and ctl at it."""
    need()
    monkeypatch.setenv("HOOKSWITCH_DB_CONNINFO", db.dsn)
    monkeypatch.setenv("HOOKSWITCH_SERVER_ID", "1")
    monkeypatch.setenv("HOOKSWITCH_PATHS_MIGRATIONS", str(MIGRATIONS))
    monkeypatch.setenv("HOOKSWITCH_RECORDER_LINK_INTERVAL", "1")
    made = []

    def make(**settings):
        settings.setdefault("encrypt", "true")  # the shipped default (the RAC tests turn it off)
        r = Recorder(tmp_path / f"rec{len(made)}", **settings)
        made.append(r)
        return r

    p = subprocess.run([str(CTL), "db", "migrate"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    yield make
    for r in made:
        assert r.stop() == 0, r.log.read_text()[-3000:]


def ctl(rec, *args, check=True):
    p = subprocess.run([str(CTL), "-c", str(rec.conf), *args], capture_output=True,
                       text=True, timeout=60)
    if check:
        assert p.returncode == 0, f"{args}: {p.returncode} {p.stdout} {p.stderr}"
    return p


def rows(db, sql, *args):
    with db.connect() as c:
        return c.execute(sql, args).fetchall()


def wait_row(db, n=1, timeout=15):
    import time
    deadline = time.time() + timeout
    while True:
        r = rows(db, "SELECT id, path, length(signature), length(sha256), key_id, encrypted,"
                     " extension, call_id, rec_id, size FROM recordings ORDER BY id")
        if len(r) >= n or time.time() > deadline:
            return r
        time.sleep(0.1)


def test_store_export_tamper_purge(store, db, pcap_dir):
    rec = store()
    # a logger segment of the recorded extension ("sipp", sipp's From user), open now
    with db.connect() as c:
        c.execute("INSERT INTO calls (call_id, pbx_call_id, state, call_type, direction,"
                  " created_ts, start_ts) VALUES (77, 'X1', 'connected', 'internal', 'na',"
                  " now() - interval '1 minute', now() - interval '1 minute')")
        c.execute("INSERT INTO call_segments (rec_id, call_id, segment_no, pbx_call_id, state,"
                  " call_type, direction, start_ts) VALUES (78, 77, 1, 'X1', 'connected',"
                  " 'internal', 'na', now() - interval '1 minute')")
        c.execute("INSERT INTO segment_parties (rec_id, device, device_kind, join_ts) VALUES"
                  " (78, 'sipp', 'extension', now() - interval '1 minute')")
    p = sipp(pcap_dir, rec)
    assert p.returncode == 0, p.err
    wait_for_files(rec, 1)
    r = wait_row(db)
    assert len(r) == 1, rec.log.read_text()[-3000:]
    rid, path, siglen, shalen, key_id, enc, ext, call_id, rec_id, size = r[0]
    assert (siglen, shalen, enc, ext) == (32, 32, True, "sipp")
    assert len(key_id) == 8
    stored = rec.state / "recordings" / path
    assert path.endswith(".wav.hsrec") and stored.stat().st_size == size
    head = stored.read_bytes()[:64]
    assert head.startswith(b"HSREC1") and b"RIFF" not in head and b"OggS" not in head
    assert rec.files("wav") == [], "the clear file must be removed"
    key = rec.state / "keys" / "recording.key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.stat().st_size == 32
    # linked right after the insert
    assert (call_id, rec_id) == (77, 78)

    # list, verify, export: the exact audio
    lst = ctl(rec, "--json", "recordings", "list")
    assert f'"id":\t{rid}' in lst.stdout or f'"id": {rid}' in lst.stdout, lst.stdout
    assert "signature ok" in ctl(rec, "recordings", "verify", str(rid)).stdout
    out = rec.dir / "export.wav"
    ctl(rec, "recordings", "export", str(rid), str(out))
    (mono,) = read_wav(out)
    ref, _ = g711a_reference()
    assert find(mono, ref, 800) == 0

    # one flipped byte in the middle: refused, nothing written
    b = bytearray(stored.read_bytes())
    b[len(b) // 2] ^= 1
    stored.write_bytes(bytes(b))
    out2 = rec.dir / "export2.wav"
    for args in (("verify", str(rid)), ("export", str(rid), str(out2))):
        p = ctl(rec, "recordings", *args, check=False)
        assert p.returncode == 1, (args, p.stdout, p.stderr)
        assert "signature mismatch: file was modified" in p.stderr
    assert not out2.exists() and not Path(str(out2) + ".tmp").exists()
    assert rows(db, "SELECT count(*) FROM recording_events WHERE action = 'verify_failed'")[0][0] == 2

    # retention: three more rows on the same file layout, two of them old
    with db.connect() as c:
        for i, age in enumerate((40, 31, 5)):
            rel = f"old/{i}.wav.hsrec"
            (rec.state / "recordings" / "old").mkdir(exist_ok=True)
            (rec.state / "recordings" / rel).write_bytes(b"x")
            (rec.state / "recordings" / f"old/{i}.json").write_text("{}")
            c.execute("INSERT INTO recordings (server_id, source, start_ts, end_ts, duration_ms,"
                      " format, path, size, sha256, signature, key_id, encrypted) VALUES"
                      " (1, 'rac', now() - %s * interval '1 day',"
                      " now() - %s * interval '1 day', 0, 'wav', %s, 1,"
                      " decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'),"
                      " 'abcd0123', true)", (age, age, rel))
    p = ctl(rec, "recordings", "purge", "--older-than", "30")
    assert "deleted 2 recordings" in p.stdout, p.stdout
    gone = rows(db, "SELECT path, deleted_reason FROM recordings WHERE deleted_at IS NOT NULL"
                    " ORDER BY path")
    assert gone == [("old/0.wav.hsrec", "retention"), ("old/1.wav.hsrec", "retention")]
    assert not (rec.state / "recordings" / "old/0.wav.hsrec").exists()
    assert not (rec.state / "recordings" / "old/0.json").exists()
    assert not (rec.state / "recordings" / "old/1.wav.hsrec").exists()
    assert (rec.state / "recordings" / "old/2.wav.hsrec").exists()
    assert stored.exists()
    ev = rows(db, "SELECT count(*) FROM recording_events WHERE action = 'deleted'")[0][0]
    assert ev == 2
    # a second run deletes nothing more
    assert "deleted 0 recordings" in ctl(rec, "recordings", "purge", "--older-than", "30").stdout


def test_db_down_rows_queued_then_stored(store, db, pcap_dir, monkeypatch):
    """The database unreachable while recording: the row waits in the queue, nothing lost."""
    monkeypatch.setenv("HOOKSWITCH_DB_CONNINFO", "host=/nonexistent dbname=none")
    rec = store()
    p = sipp(pcap_dir, rec)
    assert p.returncode == 0, p.err
    wait_for_files(rec, 1)
    import time
    time.sleep(0.5)
    q = list((rec.state / "recorder" / "pending").glob("*.json"))
    assert len(q) == 1, rec.log.read_text()[-2000:]
    assert rec.stop() == 0
    # restarted with the database: the queued row is stored
    monkeypatch.setenv("HOOKSWITCH_DB_CONNINFO", db.dsn)
    rec2 = Recorder(rec.dir, encrypt="true")
    try:
        r = wait_row(db)
        assert len(r) == 1 and r[0][2] == 32, rec2.log.read_text()[-2000:]
        assert list((rec.state / "recorder" / "pending").glob("*.json")) == []
    finally:
        assert rec2.stop() == 0
