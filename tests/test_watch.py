"""The watched folder: real watcher processes, real files copied in, killed and restarted."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

import pytest

from subtitler.errors import UsageError
from subtitler.watch import folders
from subtitler.watch.scan import Seen, Settling, is_input, scan
from subtitler.watch.store import Store
from subtitler.watch.watcher import move_aside

from .conftest import AUDIO, words_of

JFK = AUDIO / "en/jfk.flac"
SHORT = AUDIO / "en/one_two_three.wav"
LONG = AUDIO / "en/sonnet001_librivox.mp3"
HANG_GUARD_S = 180  # a watcher that never gets there fails the test instead of hanging it


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
    mapping = folders.read(tmp_path)
    assert folders.preset_for("instagram/a.mp4", mapping, "default") == "reels"
    assert folders.preset_for("instagram/long/x/b.mp4", mapping, "default") == str((tmp_path / "long.toml").resolve())
    assert folders.preset_for("c.mp4", mapping, "default") == "default"
    (tmp_path / folders.CONFIG).write_text('[other]\n"a" = "b"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="only hold a \\[presets\\] table"):
        folders.read(tmp_path)


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


def start(inbox: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    args = ["watch", str(inbox), "-o", str(out), "--settle", "1", "--rescan", "1", "--no-mux", "--format", "srt", *extra]
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


@pytest.mark.slow
def test_a_slow_copy_is_taken_once_after_it_ends_and_a_restart_redoes_nothing(tmp_path: Path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    watcher = start(inbox, out)
    try:
        data = JFK.read_bytes()
        target = inbox / "jfk.flac"
        with target.open("wb") as copy:
            for offset in range(0, len(data), 64 * 1024):  # about 4.5 s, chunks closer together than --settle
                copy.write(data[offset : offset + 64 * 1024])
                copy.flush()
                time.sleep(0.25)
                assert entry(out, "jfk.flac") is None  # never taken while it grows
        copied = time.time()
        done = wait_for(lambda: (e := entry(out, "jfk.flac")) and e.state == "done" and e, watcher)
        assert done.started_at >= copied and done.attempts == 1
        text = (out / "jfk/jfk.en.srt").read_text(encoding="utf-8")
        assert {"ask", "country", "americans"} <= set(words_of(text))
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=HANG_GUARD_S) == 0
    finally:
        watcher.kill()
    assert run_once(inbox, out).returncode == 0  # a restart finds nothing to do
    assert entry(out, "jfk.flac").attempts == 1
    assert log_lines(out, "started", "jfk.flac") == 1
    assert sha(target) == sha(JFK)


@pytest.mark.slow
def test_twenty_files_at_once_with_bad_ones_and_awkward_names(tmp_path: Path):
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
def test_kill_9_in_the_middle_of_a_transcription_then_a_restart_finishes_it_once(tmp_path: Path):
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
def test_folder_presets_and_moving_done_inputs(tmp_path: Path):
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
def test_outputs_never_land_in_the_watched_folder(tmp_path: Path):
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
        wait_for(lambda: (out / "watch.log").is_file() and "watching" in (out / "watch.log").read_text(), first)
        second = subprocess.run([sys.executable, "-m", "subtitler", "watch", str(inbox), "-o", str(out)],
                                capture_output=True, text=True, timeout=HANG_GUARD_S)  # fmt: skip
        assert second.returncode == 2 and "another watcher is already writing" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=HANG_GUARD_S) == 0
