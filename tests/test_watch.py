"""The watched folder: real watcher processes, real files copied in, killed and restarted."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

import pytest

from subtitler.errors import PresetError
from subtitler.options import load_options
from subtitler.watch import folders
from subtitler.watch.scan import Seen, Settling, is_input, scan
from subtitler.watch.store import Store
from subtitler.watch.watcher import move_aside

from .conftest import AUDIO, words_of

JFK = AUDIO / "en/jfk.flac"
SHORT = AUDIO / "en/one_two_three.wav"
LONG = AUDIO / "en/sonnet001_librivox.mp3"
HANG_GUARD_S = 180  # a watcher that never gets there fails the test instead of hanging it
RESCAN_S = 1.0


# -- pure parts ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("clip.mp4", True),
        ("sub folder/Élodie 1.MOV", True),
        ("clip.mp4.part", False),
        ("clip.mp4.crdownload", False),
        ("clip.tmp", False),
        ("clip.mp4~", False),
        (".clip.mp4", False),
        (".sync/clip.mp4", False),
        ("~$clip.mp4", False),
        ("notes.txt", False),
        ("subtitler-watch.toml", False),
    ],
)
def test_only_finished_media_names_are_inputs(name: str, taken: bool):
    assert is_input(PurePosixPath(name)) is taken


def test_scan_skips_hidden_and_output_folders(tmp_path: Path):
    for name in ("a.mp4", "sub/b.wav", ".hidden/c.mp4", "out/d.mp4", "e.mp4.part"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * 3)
    assert sorted(scan(tmp_path, (tmp_path / "out",))) == ["a.mp4", "sub/b.wav"]


def test_a_file_is_finished_once_unchanged_for_the_settle_time():
    settling = Settling(2.0)
    assert not settling.finished("a", Seen(10, 1), now=0.0)
    assert not settling.finished("a", Seen(20, 2), now=1.5)  # still growing: the clock starts again
    assert not settling.finished("a", Seen(20, 2), now=3.0)
    assert settling.finished("a", Seen(20, 2), now=3.5)


def test_folder_presets_pick_the_deepest_folder(tmp_path: Path):
    (tmp_path / folders.CONFIG).write_text('[presets]\n"instagram" = "reels"\n"instagram/long" = "long.toml"\n', encoding="utf-8")
    found = folders.read(tmp_path)
    assert found.preset_for("instagram/a.mp4", "default") == ("reels", "")
    assert found.preset_for("instagram/long/x/b.mp4", "default") == (str((tmp_path / "long.toml").resolve()), "")
    assert found.preset_for("c.mp4", "default") == ("default", "")


def test_a_wrong_folder_preset_line_holds_only_its_folder_and_a_broken_file_holds_all(tmp_path: Path):
    (tmp_path / folders.CONFIG).write_text('[presets]\n"instagram" = 42\n"linkedin" = "long.toml"\n', encoding="utf-8")
    found = folders.read(tmp_path)
    assert found.preset_for("instagram/a.mp4", "default") == ("", f"{tmp_path / folders.CONFIG}: the preset for "
                                                              "'instagram' must be a preset name or a .toml file")  # fmt: skip
    assert found.preset_for("linkedin/b.mp4", "default") == (str(tmp_path / "long.toml"), "")
    assert found.preset_for("c.mp4", "default") == ("default", "")
    (tmp_path / folders.CONFIG).write_text('[other]\n"a" = "b"\n', encoding="utf-8")
    assert folders.read(tmp_path).preset_for("c.mp4", "default") == (
        "default", f'{tmp_path / folders.CONFIG} may only hold a [presets] table of "folder" = "preset" lines')  # fmt: skip
    (tmp_path / folders.CONFIG).write_text('[presets\n"a" = "b"\n', encoding="utf-8")
    _, why = folders.read(tmp_path).preset_for("c.mp4", "default")
    assert why.startswith(f"cannot read {tmp_path / folders.CONFIG}: ") and "line 1" in why and "\n" not in why


def test_store_keeps_each_transition(tmp_path: Path):
    store = Store(tmp_path)
    store.queue("a.mp4", 10, 1, "h1", "a", "default")
    store.start("a.mp4")
    store.progress("a.mp4", "transcribe", 0.5)
    assert (store.get("a.mp4").state, store.get("a.mp4").stage, store.get("a.mp4").attempts) == ("running", "transcribe", 1)
    assert Store(tmp_path).requeue_running() == 1  # a new watcher finds it unfinished
    store.start("a.mp4")
    store.fail("a.mp4", "bad input", 1.0)
    assert store.counts() == {"queued": 0, "running": 0, "done": 0, "failed": 1}
    assert store.retry(["a.mp4"]) == 1 and store.get("a.mp4").state == "queued"
    store.start("a.mp4")
    store.finish("a.mp4", 2.0)
    assert (store.get("a.mp4").state, store.get("a.mp4").attempts, store.get("a.mp4").error) == ("done", 3, "")
    store.touch("a.mp4", 10, 5)
    assert store.get("a.mp4").mtime_ns == 5 and store.get("a.mp4").state == "done"


def test_a_name_that_is_not_utf8_is_kept_as_its_bytes(tmp_path: Path):
    name = os.fsdecode(b"r\xe9sum\xe9/caf\xe9.wav")  # as os.walk gives it: lone surrogates
    store = Store(tmp_path)
    store.queue(name, 10, 1, "h1", "r_xe9sum_xe9/caf_xe9", "default")
    store.queue("résumé/café.wav", 10, 1, "h2", "résumé/café", "default")  # the UTF-8 name is another input
    store.start(name)
    store.fail(name, f"not a media file: {name}", 1.0)
    store.close()
    store = Store(tmp_path)  # as a restarted watcher reads it
    failed = store.get(name)
    assert (failed.path, failed.state, failed.error) == (name, "failed", "not a media file: r\\xe9sum\\xe9/caf\\xe9.wav")
    assert store.outputs() == {"r_xe9sum_xe9/caf_xe9": name, "résumé/café": "résumé/café.wav"}
    assert store.retry(["r\\xe9sum\\xe9/caf\\xe9.wav"]) == 1  # named as `status` shows it
    assert store.get(name).state == "queued" and store.get("résumé/café.wav").state == "queued"


def test_a_ledger_from_before_failure_causes_is_read(tmp_path: Path):
    old = sqlite3.connect(tmp_path / "watch.sqlite")
    old.execute("CREATE TABLE jobs (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, "
                "sha256 TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
                "error TEXT NOT NULL DEFAULT '', output TEXT NOT NULL, preset TEXT NOT NULL, "
                "stage TEXT NOT NULL DEFAULT '', progress REAL NOT NULL DEFAULT 0, queued_at REAL NOT NULL, "
                "started_at REAL, finished_at REAL, seconds REAL)")  # fmt: skip
    old.execute("INSERT INTO jobs (path, size, mtime_ns, sha256, state, output, preset, queued_at) "
                "VALUES ('a.mp4', 1, 1, 'h', 'failed', 'a', 'default', 0)")  # fmt: skip
    old.commit()
    old.close()
    store = Store(tmp_path)
    assert (store.get("a.mp4").state, store.get("a.mp4").cause) == ("failed", "")
    assert store.retry_failed_on("preset") == 0 and store.retry() == 1


def test_moving_a_finished_input_never_overwrites(tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "done").mkdir()
    (tmp_path / "done/clip.mp4").write_text("older")
    source = tmp_path / "in/clip.mp4"
    source.write_text("newer")
    moved = move_aside(source, tmp_path / "done/clip.mp4")
    assert moved.name == "clip-2.mp4" and moved.read_text() == "newer"
    assert (tmp_path / "done/clip.mp4").read_text() == "older" and not source.exists()


# -- real watcher processes ------------------------------------------------------------------------
def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(inbox: Path, out: Path, *extra: str, settle: float = 1.0) -> subprocess.Popen[str]:
    args = ["watch", str(inbox), "-o", str(out), "--settle", str(settle), "--rescan", str(RESCAN_S), "--no-mux",
            "--format", "srt", *extra]  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "subtitler", *args, "-q"], stderr=subprocess.PIPE, text=True)


def run_once(inbox: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    done = start(inbox, out, "--once", *extra)
    _, stderr = done.communicate(timeout=HANG_GUARD_S)
    return subprocess.CompletedProcess(done.args, done.returncode, "", stderr)


def wait_for(what, watcher: subprocess.Popen[str] | None = None):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        if watcher is not None and watcher.poll() is not None:
            raise AssertionError(f"the watcher ended early: {watcher.stderr.read() if watcher.stderr else ''}")
        time.sleep(0.2)
    raise AssertionError("the watcher never got there")


def entry(out: Path, key: str):  # type: ignore[no-untyped-def]
    if not (out / "watch.sqlite").is_file():
        return None
    store = Store(out)
    try:
        return store.get(key)
    finally:
        store.close()


def watching(out: Path) -> bool:
    return (out / "watch.log").is_file() and "watching" in (out / "watch.log").read_text(encoding="utf-8")


def log_lines(out: Path, word: str, key: str) -> int:
    return sum(f"{word:8}{key}" in line for line in (out / "watch.log").read_text(encoding="utf-8").splitlines())


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# The slow copy: a write every CHUNK_GAP_S, a twentieth of the settle time, so that only a machine stalled for
# SETTLE_S would leave the file unchanged long enough to be taken half-copied.
SETTLE_S = 3.0
CHUNK_GAP_S = 0.15
CHUNKS = 30  # 29 gaps: the copy lasts longer than the settle time plus a rescan


@pytest.mark.slow
def test_a_slow_copy_is_taken_once_after_it_ends_and_a_restart_redoes_nothing(tmp_path: Path, shared: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    watcher = start(inbox, out, settle=SETTLE_S)
    try:
        wait_for(lambda: watching(out), watcher)  # it sees the copy from its first chunk on
        data = JFK.read_bytes()
        size = -(-len(data) // CHUNKS)
        target = inbox / "jfk.flac"
        writes: list[float] = []  # time.time() before each write
        with target.open("wb") as copy:
            for offset in range(0, len(data), size):
                writes.append(time.time())
                copy.write(data[offset : offset + size])
                copy.flush()
                longest = max((b - a for a, b in itertools.pairwise(writes)), default=0.0)
                # A file taken while it grows is a bug, unless this process stalled for the whole settle time.
                assert entry(out, "jfk.flac") is None, f"taken half-copied; the longest gap between writes: {longest:.2f} s"
                time.sleep(CHUNK_GAP_S)
        # A watcher that did not start its clock again at each change would have taken the file mid-copy.
        assert writes[-1] - writes[0] > SETTLE_S + RESCAN_S
        done = wait_for(lambda: (e := entry(out, "jfk.flac")) and e.state == "done" and e, watcher)
        # Taken once, and only after it had settled: SETTLE_S after the last write (less the watcher's 0.5 s tick).
        assert done.queued_at >= writes[-1] + SETTLE_S - 0.5 and done.attempts == 1
        assert (done.size, done.sha256) == (len(data), hashlib.sha256(data).hexdigest())  # the whole file
        text = (out / "jfk/jfk.en.srt").read_text(encoding="utf-8")
        assert {"ask", "country", "americans"} <= set(words_of(text))
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=HANG_GUARD_S) == 0
    finally:
        watcher.kill()
    assert run_once(inbox, out).returncode == 0  # a restart finds nothing to do
    assert entry(out, "jfk.flac").attempts == 1
    assert log_lines(out, "queued", "jfk.flac") == log_lines(out, "started", "jfk.flac") == 1
    assert sha(target) == sha(JFK)


@pytest.mark.slow
def test_twenty_files_at_once_with_bad_ones_and_awkward_names(tmp_path: Path, shared: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    names = [f"clip {k:02d}.wav" for k in range(9)] + [f"équipe/Élodie à {k}.wav" for k in range(9)]
    for name in names:
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHORT, inbox / name)
    (inbox / "broken.mp4").write_bytes(b"not a video at all" * 100)
    (inbox / "empty.mp4").write_bytes(b"")
    before = {p: sha(p) for p in inbox.rglob("*") if p.is_file()}
    finished = run_once(inbox, out, "--jobs", "2")
    assert finished.returncode == 0, finished.stderr
    store = Store(out)
    assert store.counts() == {"queued": 0, "running": 0, "done": 18, "failed": 2}
    assert "not a media file" in store.get("broken.mp4").error and "empty" in store.get("empty.mp4").error
    store.close()
    for name in names:
        stem = PurePosixPath(name).stem
        srt = out / PurePosixPath(name).parent / stem / f"{stem}.en.srt"
        said = set(words_of(srt.read_text(encoding="utf-8").split("\n", 2)[2]))  # the text, after number and times
        assert all({word, digit} & said for word, digit in [("one", "1"), ("two", "2"), ("three", "3")]), (srt, said)
    assert "empty" in (out / "empty/error.log").read_text(encoding="utf-8")
    assert {p: sha(p) for p in inbox.rglob("*") if p.is_file()} == before  # inputs untouched
    status = subprocess.run([sys.executable, "-m", "subtitler", "status", str(out)], capture_output=True, text=True)
    assert "done 18  failed 2" in status.stdout and "broken.mp4: not a media file" in status.stdout
    retry = subprocess.run([sys.executable, "-m", "subtitler", "retry", str(out), "broken.mp4"], capture_output=True, text=True)
    assert "1 job(s) queued again" in retry.stdout
    assert run_once(inbox, out).returncode == 0
    assert entry(out, "broken.mp4").attempts == 2 and entry(out, "broken.mp4").state == "failed"
    assert entry(out, "clip 00.wav").attempts == 1  # the good ones were not redone


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_transcription_then_a_restart_finishes_it_once(tmp_path: Path, shared: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(LONG, inbox / "reading.mp3")
    watcher = start(inbox, out)
    try:
        wait_for(lambda: (e := entry(out, "reading.mp3")) and e.stage == "transcribe", watcher)
        workers = children_of(watcher.pid)
        assert workers
        os.kill(watcher.pid, signal.SIGKILL)
        watcher.wait()
    finally:
        watcher.kill()
    wait_for(lambda: not any(alive(pid) for pid in workers))  # the workers died with the watcher
    assert entry(out, "reading.mp3").state == "running"  # as the killed watcher left it
    finished = run_once(inbox, out)
    assert finished.returncode == 0, finished.stderr
    done = entry(out, "reading.mp3")
    assert (done.state, done.attempts) == ("done", 2)
    assert log_lines(out, "done", "reading.mp3") == 1
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["reading"]  # one output folder, no reading-2
    assert not [p for p in out.rglob("*") if ".partial-" in p.name or p.name == ".work"]
    assert (out / "reading/job.json").is_file() and (out / "reading/reading.en.srt").is_file()
    assert sha(inbox / "reading.mp3") == sha(LONG)


@pytest.mark.slow
def test_folder_presets_and_moving_done_inputs(tmp_path: Path, shared: Path):
    inbox, out, done = tmp_path / "in", tmp_path / "out", tmp_path / "done"
    (inbox / "short").mkdir(parents=True)
    (inbox / "narrow.toml").write_text('extends = "default"\n[cues]\nmax_chars_per_line = 16\n', encoding="utf-8")
    (inbox / folders.CONFIG).write_text('[presets]\n"short" = "narrow.toml"\n', encoding="utf-8")
    shutil.copy(JFK, inbox / "jfk.flac")
    shutil.copy(JFK, inbox / "short/jfk.flac")
    done.mkdir()
    (done / "jfk.flac").write_text("an older file of the same name")
    finished = run_once(inbox, out, "--move-done", str(done))
    assert finished.returncode == 0, finished.stderr
    narrow = (out / "short/jfk/jfk.en.srt").read_text(encoding="utf-8")
    wide = (out / "jfk/jfk.en.srt").read_text(encoding="utf-8")
    text_lines = lambda srt: [line for line in srt.splitlines() if line and not line[0].isdigit()]  # noqa: E731
    assert max(len(line) for line in text_lines(narrow)) <= 16
    assert max(len(line) for line in text_lines(wide)) > 16
    assert sha(done / "short/jfk.flac") == sha(JFK) and sha(done / "jfk-2.flac") == sha(JFK)
    assert (done / "jfk.flac").read_text() == "an older file of the same name"
    assert not list(inbox.rglob("*.flac"))


@pytest.mark.slow
def test_outputs_never_land_in_the_watched_folder(tmp_path: Path, shared: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watch_itself = [sys.executable, "-m", "subtitler", "watch", str(inbox), "-o", str(inbox)]
    same = subprocess.run(watch_itself, capture_output=True, text=True)
    assert same.returncode == 2 and "must not be the watched folder" in same.stderr
    # The outbox holds the inbox: an input named like the inbox must not get outbox/inbox/ as its folder.
    shutil.copy(SHORT, inbox / "inbox.wav")
    finished = run_once(inbox, tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert entry(tmp_path, "inbox.wav").output == "inbox-2"
    assert sorted(p.name for p in inbox.iterdir()) == ["inbox.wav"]


@pytest.mark.slow
def test_a_second_watcher_on_the_same_output_is_refused(tmp_path: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    first = start(inbox, out)
    try:
        wait_for(lambda: watching(out), first)
        second = subprocess.run([sys.executable, "-m", "subtitler", "watch", str(inbox), "-o", str(out)],
                                capture_output=True, text=True, timeout=HANG_GUARD_S)  # fmt: skip
        assert second.returncode == 2 and "another watcher is already writing" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=HANG_GUARD_S) == 0


@pytest.mark.slow
def test_a_name_that_is_not_utf8_is_done_like_any_other_and_a_restart_does_not_crash(tmp_path: Path, shared: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    odd = os.fsdecode(b"caf\xe9.wav")  # bytes that are not UTF-8 (Latin-1 here): Python gives a lone surrogate
    odd_folder = os.fsdecode(b"r\xe9sum\xe9/clip.wav")
    names = [odd, odd_folder, "clip 1.wav", "sub/clip 2.wav"]
    for name in names:
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHORT, inbox / name)
    before = {p: sha(p) for p in inbox.rglob("*") if p.is_file()}
    watcher = start(inbox, out)
    try:
        ended = lambda: all((e := entry(out, n)) and e.state in ("done", "failed") for n in names)  # noqa: E731
        wait_for(ended, watcher)
        assert {n: (entry(out, n).state, entry(out, n).error) for n in names} == {n: ("done", "") for n in names}
        assert watcher.poll() is None  # still watching
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=HANG_GUARD_S) == 0
    finally:
        watcher.kill()
    restart = run_once(inbox, out)  # reads the ledger holding the names back: no crash, nothing redone
    assert restart.returncode == 0 and "Traceback" not in restart.stderr, restart.stderr
    assert [entry(out, n).attempts for n in names] == [1, 1, 1, 1]
    assert (entry(out, odd).output, entry(out, odd_folder).output) == ("caf_xe9", "r_xe9sum_xe9/clip")
    said = set(words_of((out / "caf_xe9/caf_xe9.en.srt").read_text(encoding="utf-8").split("\n", 2)[2]))
    assert all({word, digit} & said for word, digit in [("one", "1"), ("two", "2"), ("three", "3")]), said
    log = (out / "watch.log").read_text(encoding="utf-8")  # valid UTF-8: the odd bytes are written \xNN
    assert log_lines(out, "done", "caf\\xe9.wav") == 1 and log_lines(out, "done", "r\\xe9sum\\xe9/clip.wav") == 1, log
    status = subprocess.run([sys.executable, "-m", "subtitler", "status", str(out)], capture_output=True, text=True,
                            timeout=HANG_GUARD_S)  # fmt: skip
    assert status.returncode == 0 and "done 4  failed 0" in status.stdout, status.stderr
    assert {p: sha(p) for p in inbox.rglob("*") if p.is_file()} == before  # inputs only read


def preset_failure(preset: Path) -> str:
    """What loading `preset` says, on one line, as the ledger keeps it."""
    with pytest.raises(PresetError) as refused:
        load_options(str(preset))
    return " ".join(str(refused.value).split())


@pytest.mark.slow
def test_a_bad_folder_preset_fails_only_its_folder_until_it_is_corrected(tmp_path: Path, shared: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    (inbox / "narrow").mkdir(parents=True)
    preset = inbox / "narrow.toml"
    preset.write_text('[cues]\nmax_chars_per_line = "wide"\n', encoding="utf-8")
    (inbox / folders.CONFIG).write_text('[presets]\n"narrow" = "narrow.toml"\n', encoding="utf-8")
    shutil.copy(SHORT, inbox / "narrow/a.wav")
    shutil.copy(SHORT, inbox / "b.wav")
    reason = preset_failure(preset)
    assert "max_chars_per_line" in reason
    watcher = start(inbox, out)  # a bad folder preset used to stop `watch` before it started
    try:
        wait_for(lambda: (e := entry(out, "narrow/a.wav")) and e.state == "failed", watcher)
        failed = entry(out, "narrow/a.wav")
        assert (failed.error, failed.cause, failed.preset) == (reason, "preset", str(preset.resolve()))
        wait_for(lambda: (e := entry(out, "b.wav")) and e.state == "done", watcher)  # the other folder goes on
        status = subprocess.run([sys.executable, "-m", "subtitler", "status", str(out)], capture_output=True, text=True,
                                timeout=HANG_GUARD_S)  # fmt: skip
        assert f"failed   narrow/a.wav: {reason}\n" in status.stdout, status.stdout
        corrected = tmp_path / "corrected.toml"
        corrected.write_text("[cues]\nmax_chars_per_line = 12\n", encoding="utf-8")
        os.replace(corrected, preset)  # whole, as an editor saves it (never read half-written); no retry needed
        done = wait_for(lambda: (e := entry(out, "narrow/a.wav")) and e.state == "done" and e, watcher)
        assert (done.attempts, done.error, done.cause) == (2, "", "")
        assert done.preset == str(preset.resolve())
        srt = (out / "narrow/a/a.en.srt").read_text(encoding="utf-8").splitlines()
        text = [line for line in srt if line and not line.isdigit() and "-->" not in line]
        assert text and max(len(line) for line in text) <= 12, srt  # the corrected preset was used
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=HANG_GUARD_S) == 0
    finally:
        watcher.kill()
    assert entry(out, "b.wav").attempts == 1


@pytest.mark.slow
def test_a_broken_watch_config_fails_every_input_with_why_until_it_is_corrected(tmp_path: Path, shared: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    config = inbox / folders.CONFIG
    config.write_text('[presets\n"sub" = "default"\n', encoding="utf-8")  # not TOML
    shutil.copy(SHORT, inbox / "a.wav")
    first = run_once(inbox, out)
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr
    failed = entry(out, "a.wav")
    assert (failed.state, failed.cause) == ("failed", "preset")
    assert failed.error.startswith(f"cannot read {config}: ") and "line 1" in failed.error, failed.error
    assert f"cannot read {config}" in first.stderr  # said on the terminal too
    config.write_text('[presets]\n"sub" = "default"\n', encoding="utf-8")
    second = run_once(inbox, out)  # a restart reads the corrected file and queues what failed on it again
    assert second.returncode == 0, second.stderr
    done = entry(out, "a.wav")
    assert (done.state, done.attempts, done.error) == ("done", 2, "")
    assert (out / "a/a.en.srt").is_file()
