"""Call archiving: recordings moved to every archive destination, still exported and purged.

The recorder runs as in test_recorder_store.py (sipp as the PBX sending Record-A-Call, a
fresh migrated database of the session's cluster), with recorder.archive_paths naming
short temporary folders (arch_root) and recorder.archive_interval 1 s.  Checked:
  - a recorded call is moved to both destinations: audio, JSON and DAT sidecars with
    identical bytes in each, the audio's sha256 equal to the row's; the local files are
    gone; the row has archived_at and archive_paths (in the configured order) and one
    'archived' event; `recordings list` says where it is; export still gives exactly
    sipp's audio and verify passes, both reading the first archive copy (the second when
    the first is gone); health counts it;
  - rows stored before archiving was enabled (the backlog) are archived too;
  - retention (acceptance check 12: recordings aged 10, 40 and 100 days, purge at 30):
    the 40- and 100-day audio is gone from the local and both archive paths, deleted_at
    is set, the 10-day recording intact in both;
  - a missing destination (and one that is a plain file): nothing is copied anywhere, the
    local file stays, the log says recording.archive_dest_failed once, health shows the
    destination's error; made available, the next sweep archives it;
  - recorder.archive_delay_hours: a fresh recording stays local over several sweeps while
    an older one is archived; a local file whose bytes no longer match the row's sha256
    is not archived (kept, logged) and does not hold up the others;
  - SIGTERM in the middle of a batch: exit 0; each recording archived (both copies good)
    or local and whole, with no copy of it left behind;
  - a sixth destination is refused at start (config.invalid); the recording root given as
    a destination (through a symlink) turns archiving off, nothing is touched.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_recorder_offline import RECORDER, find, g711a_reference, read_wav  # noqa: E402
import test_recorder_rac  # noqa: E402
import test_recorder_store  # noqa: E402
from test_recorder_rac import sipp, wait_for_files  # noqa: E402
from test_recorder_store import CTL, ctl, rows  # noqa: E402

# the fixtures of those modules, here by name (pytest finds them in this module's names)
pcap_dir = test_recorder_rac.pcap_dir
store = test_recorder_store.store


@pytest.fixture
def arch_root():
    """A short folder for the archive destinations: recorder.archive_paths is one INI line,
    and the INI reader takes at most 198 characters a line (pytest's tmp_path is long)."""
    d = Path(tempfile.mkdtemp(prefix="hsa", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def wait_until(pred, timeout=20, what="condition", log=None):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}"
                                 + (f"\n{log.read_text()[-3000:]}" if log else ""))
        time.sleep(0.1)


def health(rec):
    # no database for ctl: it asks this server's recorder (the test's servers table is empty)
    env = dict(os.environ, HOOKSWITCH_DB_CONNINFO="host=/nonexistent dbname=none")
    p = subprocess.run([str(CTL), "-c", str(rec.conf), "--json", "health", "recorder"],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 0, p.stderr
    h = json.loads(p.stdout)
    return h.get("body", h)["store"]["archive"]


def archived(db, rid):
    r = rows(db, "SELECT archived_at IS NOT NULL FROM recordings WHERE id = %s", rid)
    return r and r[0][0]


def fake_recording(db, root, rel, age_days=0, ended_hours_ago=None, content=None,
                   sha_of=None):
    """A stored recording made by hand: files under root and its row (sha256 of the
    bytes, or of sha_of to simulate a changed file).  Returns its id."""
    data = content if content is not None else os.urandom(3000)
    f = root / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(data)
    base = str(f)[:-len(".wav.hsrec")]
    Path(base + ".json").write_text(json.dumps({"rel": rel}))
    sha = hashlib.sha256(sha_of if sha_of is not None else data).hexdigest()
    ended = ended_hours_ago if ended_hours_ago is not None else age_days * 24
    with db.connect() as c:
        return c.execute(
            "INSERT INTO recordings (server_id, source, start_ts, end_ts, duration_ms, format,"
            " path, size, sha256, signature, key_id, encrypted) VALUES (1, 'rac',"
            " now() - %s * interval '1 hour' - interval '1 second',"
            " now() - %s * interval '1 hour', 1000, 'wav', %s, %s, decode(%s, 'hex'),"
            " decode(repeat('00', 32), 'hex'), 'abcd0123', true) RETURNING id",
            (ended, ended, rel, len(data), sha)).fetchone()[0]


def test_archive_moves_exports_and_purges(store, db, pcap_dir, arch_root):
    a1, a2 = arch_root / "archive1", arch_root / "archive2"
    a1.mkdir()
    a2.mkdir()
    rec = store(archive_paths=f"{a1}, {a2}/", archive_interval=1, dat_sidecar="true")
    root = rec.state / "recordings"
    # a backlog: rows stored before the first sweep
    old = {age: fake_recording(db, root, f"old/{age}.wav.hsrec", age_days=age)
           for age in (10, 40, 100)}
    p = sipp(pcap_dir, rec)
    assert p.returncode == 0, p.err
    wait_for_files(rec, 1)
    rid = wait_until(lambda: rows(db, "SELECT id FROM recordings WHERE source = 'rac'"
                                      " AND sip_call_id IS NOT NULL"), what="the row",
                     log=rec.log)[0][0]
    wait_until(lambda: all(archived(db, i) for i in [rid, *old.values()]), what="archiving",
               log=rec.log)

    path, sha, paths, size = rows(db, "SELECT path, encode(sha256, 'hex'), archive_paths, size"
                                      " FROM recordings WHERE id = %s", rid)[0]
    assert paths == [str(a1), str(a2)]
    base = path[:-len(".wav.hsrec")]
    copies = [d / path for d in (a1, a2)]
    b1, b2 = (c.read_bytes() for c in copies)
    assert b1 == b2 and len(b1) == size and hashlib.sha256(b1).hexdigest() == sha
    for ext in (".json", ".dat"):
        s1, s2 = ((d / (base + ext)).read_bytes() for d in (a1, a2))
        assert s1 == s2 and len(s1) > 0
        assert not (root / (base + ext)).exists(), f"local {ext} left"
    assert b"[Encrypted:True]" in (a1 / (base + ".dat")).read_bytes()
    assert not (root / path).exists(), "the local original must be gone"
    assert list(a1.rglob("*.tmp")) == [] and list(a1.glob(".hookswitch-archive-probe*")) == []
    ev = rows(db, "SELECT details FROM recording_events WHERE action = 'archived'"
                  " AND recording_id = %s", rid)
    assert len(ev) == 1 and ev[0][0]["archive_paths"] == [str(a1), str(a2)]
    assert "event=recording.archived" in rec.log.read_text()

    # list says where it is; export and verify read the archive copy
    lst = json.loads(ctl(rec, "--json", "recordings", "list").stdout)
    mine = next(r for r in lst if r["id"] == rid)
    assert mine["location"] == "archive" and mine["archive_paths"] == [str(a1), str(a2)]
    assert mine["archived_at"]
    assert f"archived: {a1} (+1)" in ctl(rec, "recordings", "list").stdout
    v = ctl(rec, "recordings", "verify", str(rid)).stdout
    assert "signature ok" in v and f"in archive {a1}" in v, v
    out = rec.dir / "export.wav"
    ctl(rec, "recordings", "export", str(rid), str(out))
    (mono,) = read_wav(out)
    ref, _ = g711a_reference()
    assert find(mono, ref, 800) == 0
    # the first copy gone (a share lost): the second one is read
    copies[0].rename(str(copies[0]) + ".away")
    v = ctl(rec, "recordings", "verify", str(rid)).stdout
    assert f"in archive {a2}" in v, v
    out2 = rec.dir / "export2.wav"
    ctl(rec, "recordings", "export", str(rid), str(out2))
    assert out2.read_bytes() == out.read_bytes()
    Path(str(copies[0]) + ".away").rename(copies[0])

    h = health(rec)
    assert h["enabled"] is True and h["archived"] == 4 and h["failed"] == 0
    assert [d["ok"] for d in h["destinations"]] == [True, True]

    # retention (acceptance check 12): 10, 40, 100 days, purge at 30
    p = ctl(rec, "recordings", "purge", "--older-than", "30")
    assert "deleted 2 recordings" in p.stdout, p.stdout + rec.log.read_text()[-2000:]
    for age in (40, 100):
        for d in (root, a1, a2):
            assert not (d / f"old/{age}.wav.hsrec").exists(), (age, d)
            assert not (d / f"old/{age}.json").exists(), (age, d)
    for d in (a1, a2):
        assert (d / "old/10.wav.hsrec").exists() and (d / "old/10.json").exists()
        assert (d / path).exists()
    gone = rows(db, "SELECT id FROM recordings WHERE deleted_at IS NOT NULL ORDER BY id")
    assert [g[0] for g in gone] == sorted([old[40], old[100]])
    ev = rows(db, "SELECT details FROM recording_events WHERE action = 'deleted'"
                  " AND recording_id = %s", old[40])
    assert ev[0][0]["archive_paths"] == [str(a1), str(a2)]
    assert "deleted 0 recordings" in ctl(rec, "recordings", "purge", "--older-than",
                                         "30").stdout


def test_archive_destination_unavailable(store, db, pcap_dir, arch_root):
    good, missing = arch_root / "good", arch_root / "share-not-mounted"
    good.mkdir()
    plain = arch_root / "a-file"
    plain.write_text("x")
    rec = store(archive_paths=f"{good},{missing},{plain}", archive_interval=1)
    root = rec.state / "recordings"
    p = sipp(pcap_dir, rec)
    assert p.returncode == 0, p.err
    wait_for_files(rec, 1)
    rid, path = wait_until(lambda: rows(db, "SELECT id, path FROM recordings"), what="row",
                           log=rec.log)[0]
    n = health(rec)["sweeps"]
    wait_until(lambda: health(rec)["sweeps"] >= n + 3, what="three sweeps", log=rec.log)
    assert not archived(db, rid)
    assert (root / path).exists(), "the local file must stay"
    assert not (good / path).exists(), "nothing is copied while a destination is down"
    assert not missing.exists(), "a missing destination must not be created"
    log = rec.log.read_text()
    assert log.count("event=recording.archive_dest_failed") == 2, log[-3000:]
    assert str(missing) in log and "No such file or directory" in log and "not a folder" in log
    h = health(rec)
    assert [d["ok"] for d in h["destinations"]] == [True, False, False]
    assert "No such file or directory" in h["destinations"][1]["error"]
    assert "not a folder" in h["destinations"][2]["error"]
    assert h["archived"] == 0 and h["backlog"] == 1

    # the shares come back: archived at the next sweep
    missing.mkdir()
    plain.unlink()
    plain.mkdir()
    wait_until(lambda: archived(db, rid), what="archiving after recovery", log=rec.log)
    assert not (root / path).exists()
    for d in (good, missing, plain):
        assert (d / path).exists()
    assert rec.log.read_text().count("event=recording.archive_dest_ok") == 2


def test_archive_delay_and_bad_hash(store, db, pcap_dir, arch_root):
    dest = arch_root / "arch"
    dest.mkdir()
    rec = store(archive_paths=str(dest), archive_interval=1, archive_delay_hours=2)
    root = rec.state / "recordings"
    p = sipp(pcap_dir, rec)
    assert p.returncode == 0, p.err
    wait_for_files(rec, 1)
    fresh, fresh_path = wait_until(lambda: rows(db, "SELECT id, path FROM recordings"),
                                   what="row", log=rec.log)[0]
    # a changed file (its bytes no longer the row's sha256), then one ended 3 hours ago
    bad = fake_recording(db, root, "x/bad.wav.hsrec", ended_hours_ago=5, sha_of=b"other")
    due = fake_recording(db, root, "x/due.wav.hsrec", ended_hours_ago=3)
    young = fake_recording(db, root, "x/young.wav.hsrec", ended_hours_ago=1)
    wait_until(lambda: archived(db, due), what="the 3-hour-old recording", log=rec.log)
    n = health(rec)["sweeps"]
    wait_until(lambda: health(rec)["sweeps"] >= n + 3, what="more sweeps", log=rec.log)
    assert not archived(db, fresh) and (root / fresh_path).exists()
    assert not archived(db, young) and (root / "x/young.wav.hsrec").exists()
    assert not (dest / fresh_path).exists() and not (dest / "x/young.wav.hsrec").exists()
    assert not archived(db, bad) and (root / "x/bad.wav.hsrec").exists()
    assert not (dest / "x/bad.wav.hsrec").exists(), "a copy that failed its check must go"
    assert not (dest / "x/bad.json").exists()
    assert (dest / "x/due.wav.hsrec").exists() and not (root / "x/due.wav.hsrec").exists()
    log = rec.log.read_text()
    assert "event=recording.archive_failed" in log and "differs from the row" in log
    h = health(rec)
    assert h["delay_hours"] == 2 and h["archived"] == 1 and h["failed"] >= 1
    assert "differs from the row" in h["last_error"]


def test_archive_six_destinations_refused(tmp_path, monkeypatch):
    paths = ",".join(f"/tmp/a{i}" for i in range(6))
    conf = tmp_path / "rec.conf"
    conf.write_text(f"[bus]\ndir = {tmp_path}\n[paths]\nstate = {tmp_path / 'state'}\n"
                    f"[recorder]\nsip_port = 0\narchive_paths = {paths}\n")
    monkeypatch.setenv("HOOKSWITCH_DB_CONNINFO", "host=/nonexistent dbname=none")
    p = subprocess.run([str(RECORDER), "-c", str(conf), "-d"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert "event=config.invalid" in out and "recorder.archive_paths" in out, out
    assert "at most 5 archive destinations" in out


def test_archive_stopped_mid_batch_loses_nothing(store, db, arch_root):
    """SIGTERM while a batch is being copied: exit 0, and every recording is either
    archived (local gone, both copies with the row's sha256) or still local and whole,
    with no copy of it left in the archive."""
    a1, a2 = arch_root / "s1", arch_root / "s2"
    a1.mkdir()
    a2.mkdir()
    rec = store(archive_paths=f"{a1},{a2}", archive_interval=1)
    root = rec.state / "recordings"
    ids = [fake_recording(db, root, f"big/{i}.wav.hsrec", ended_hours_ago=1,
                          content=os.urandom(4 << 20)) for i in range(24)]
    # the first copies are being written: stop now
    wait_until(lambda: list(a2.rglob("*.hsrec*")), what="copying", timeout=30, log=rec.log)
    assert rec.stop() == 0, rec.log.read_text()[-3000:]
    done = 0
    for i, rid in enumerate(ids):
        rel = f"big/{i}.wav.hsrec"
        sha, is_archived = rows(db, "SELECT encode(sha256, 'hex'), archived_at IS NOT NULL"
                                    " FROM recordings WHERE id = %s", rid)[0]
        if is_archived:
            done += 1
            assert not (root / rel).exists()
            for d in (a1, a2):
                assert hashlib.sha256((d / rel).read_bytes()).hexdigest() == sha
        else:
            assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == sha
    assert done < len(ids)
    # the abandoned batch's copies were taken back: only archived rows are in the archive
    for d in (a1, a2):
        assert len(list(d.rglob("*.wav.hsrec*"))) == done, sorted(d.rglob("*"))


def test_archive_onto_the_recording_root_refused(store, db, arch_root, tmp_path):
    """An archive path that is the recording root (here through a symlink) would move every
    file onto itself and delete it: archiving stays off, health says why, nothing is lost."""
    root = tmp_path / "rec0" / "state" / "recordings"  # the store fixture's first recorder
    root.mkdir(parents=True)
    link = arch_root / "root-link"
    link.symlink_to(root)
    rec = store(archive_paths=f"{link}", archive_interval=1)
    assert rec.state / "recordings" == root
    rid = fake_recording(db, root, "r/1.wav.hsrec", ended_hours_ago=1, content=b"audio")
    time.sleep(2.5)
    h = health(rec)
    assert h["enabled"] is False and "is the recording root" in h["error"], h
    assert (root / "r/1.wav.hsrec").read_bytes() == b"audio" and not archived(db, rid)
    assert "event=config.invalid" in rec.log.read_text()
