"""Jobs on Celery workers: a real RabbitMQ server, real `subtitler worker` processes, real clips; workers killed with
-9, the broker restarted, the coordinator killed and started again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from subtitler.cluster import config, record
from subtitler.cluster.message import BadMessage, JobMessage, PathMap
from subtitler.errors import UsageError
from subtitler.watch.store import Store

from . import broker
from .broker import RabbitMQ, Worker, background, start_worker, subtitler
from .conftest import AUDIO, ffmpeg, needs, wait_until

TWELVE = [AUDIO / name for name in (
    "en/one_two_three.wav", "en/jfk.flac", "en/mr_quilter.wav", "fr/bonjour.wav", "fr/dictee_numero_un.aiff",
    "fr/sous_le_consulat.wav", "de/leichenhalle.wav", "es/las_arenas.wav", "it/sempre_alla_radio.wav",
    "pt/uma_raposa_velha.wav", "ko/geuneun.wav", "ja/kyakkanteki.wav",
)]  # fmt: skip
RADIO = AUDIO / "fr/radio_bfmtv_120s.mp3"
GUARD_S = 300  # a run that never ends fails the test instead of hanging it


# -- pure parts ------------------------------------------------------------------------------------
def _message(**changes: Any) -> dict[str, Any]:
    good = JobMessage("a.mp4", "/share/in/a.mp4", "/share/out", "/share/out/a", "a", "tiktok",
                      {"transcribe": {"model": None}}, False, 900).to_json()  # fmt: skip
    return {**good, **changes}


def test_a_job_message_survives_json_and_names_that_are_not_utf8():
    import json

    name = "/share/in/caf\udce9.mp4"  # a Latin-1 byte in a Linux file name
    sent = _message(source=name, given={"translate": {"to": ["en", "es"]}})
    parsed = JobMessage.parse(json.loads(json.dumps(sent)))
    assert parsed.source == name
    assert parsed.given == {"translate": {"to": ("en", "es")}}


@pytest.mark.parametrize(
    "bad",
    [
        "rm -rf /",
        {"version": 2},
        _message(version=2),
        _message(extra="field"),
        _message(source="relative/a.mp4"),
        _message(stem="../elsewhere"),
        _message(key=""),
        _message(limit=0),
        _message(limit=True),
        _message(force="yes"),
        _message(given={"transcribe": {"model": {"nested": "object"}}}),
        _message(folder="/share/out/a\0b"),
        _message(folder="/elsewhere/a"),
        _message(folder="/share/out/../../etc"),
    ],
)
def test_anything_but_a_job_is_refused(bad: object):
    with pytest.raises(BadMessage):
        JobMessage.parse(bad)


def test_the_path_map_translates_the_longest_matching_folder():
    paths = PathMap.parse(("/mnt/share=/srv/media", "/mnt/other=/srv/media/other"))
    assert paths.local("/srv/media/in/a.mp4") == Path("/mnt/share/in/a.mp4")
    assert paths.local("/srv/media/other/b.mp4") == Path("/mnt/other/b.mp4")
    assert paths.local("/srv/mediax/c.mp4") == Path("/srv/mediax/c.mp4")
    with pytest.raises(ValueError, match="LOCAL=REMOTE"):
        PathMap.parse(("relative=/srv",))


def test_the_broker_comes_from_the_flag_then_the_environment_then_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    file = tmp_path / "cluster.toml"
    file.write_text('[broker]\nurl = "amqp://u:file-secret@filehost//"\nredelivery_window_s = 86400\n', encoding="utf-8")
    monkeypatch.setenv(config.ENV_CONFIG, str(file))
    monkeypatch.delenv(config.ENV_BROKER, raising=False)
    assert config.load().url == "amqp://u:file-secret@filehost//"
    assert config.load().redelivery_window_s == 86400
    monkeypatch.setenv(config.ENV_BROKER, "amqp://u:env-secret@envhost//")
    assert config.load().url == "amqp://u:env-secret@envhost//"
    chosen = config.load("amqp://u:flag-secret@flaghost//")
    assert chosen.url == "amqp://u:flag-secret@flaghost//"
    assert "flag-secret" not in chosen.shown and "***" in chosen.shown
    with pytest.raises(UsageError, match="RabbitMQ"):
        config.load("redis://localhost:6379/0")
    file.write_text("[broker]\nredelivery_window_s = -1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="positive"):
        config.load("amqp://h//")
    file.write_text("[broker]\nredelivery_window_s = 300\n", encoding="utf-8")  # shorter than any job's limit
    with pytest.raises(UsageError, match="must fit in the broker's redelivery window"):
        config.load("amqp://h//")


def test_a_job_that_could_outlive_the_redelivery_window_is_refused():
    stock = config.ClusterConfig("amqp://h//")  # RabbitMQ's default consumer_timeout: 30 min
    assert stock.refusal(stock.limit_for(60)) == ""
    refusal = stock.refusal(stock.limit_for(3 * 3600))
    assert "consumer_timeout" in refusal and "redelivery_window_s" in refusal
    raised = config.ClusterConfig("amqp://h//", redelivery_window_s=24 * 3600)
    assert raised.refusal(raised.limit_for(3 * 3600)) == ""


def test_the_celery_settings_acknowledge_late_and_take_json_only():
    settings = config.celery_settings(config.ClusterConfig("amqp://h//"))
    assert settings["task_acks_late"] and settings["task_reject_on_worker_lost"]
    assert settings["worker_prefetch_multiplier"] == 1
    assert settings["accept_content"] == ["json"] and settings["task_serializer"] == "json"
    # a job sent while the broker restarts waits for it: kombu sleeps min(start + k x step, max) before retry k
    policy = settings["task_publish_retry_policy"]
    start, step, most = policy["interval_start"], policy["interval_step"], policy["interval_max"]
    waits = [min(start + k * step, most) for k in range(policy["max_retries"])]
    assert settings["task_publish_retry"] and sum(waits) >= 30


# -- a real broker and real workers ----------------------------------------------------------------
def live(test: Callable[..., None]) -> Callable[..., None]:
    """A test with a real RabbitMQ server (it fails under CI where the server is missing)."""
    return pytest.mark.slow(needs(broker.available(), "rabbitmq-server is not installed (examples/setup.sh --dev)")(test))


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitMQ]:
    server = RabbitMQ(tmp_path_factory.mktemp("rabbitmq")).start()
    yield server
    server.stop()


@pytest.fixture
def workers(rabbit: RabbitMQ, tmp_path: Path, base_model: Any) -> Iterator[Callable[..., Worker]]:
    _purge(rabbit.url)  # nothing left over from another test
    started: list[Worker] = []

    def start(*extra: str) -> Worker:
        worker = start_worker(rabbit.url, tmp_path / f"worker{len(started) + 1}.log", *extra)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _purge(url: str) -> None:
    from kombu import Connection

    with Connection(url) as connection:
        for name in config.QUEUES:
            channel = connection.channel()
            try:
                channel.queue_purge(name)
            except Exception:  # not declared yet
                pass
            finally:
                channel.close()


def _run(url: str, out: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subtitler("run", *map(str, inputs), "-o", str(out), "--broker", url, "--format", "srt", *extra, timeout=GUARD_S)


def _entries(out: Path) -> dict[str, Any]:
    store = Store(out)
    try:
        return {e.path: e for e in store.entries()}
    finally:
        store.close()


def _complete(folder: Path) -> None:
    """A finished job's folder: its record, a subtitle file, the task file ended, nothing partial or scratch."""
    assert (folder / "job.json").is_file(), sorted(p.name for p in folder.iterdir())
    assert list(folder.glob("*.srt")), sorted(p.name for p in folder.iterdir())
    assert not list(folder.glob(".*.partial-*")) and not (folder / ".work").exists()
    task = record.read(folder)
    assert task is not None and task.state == record.DONE




def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").is_file() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@live
def test_twelve_clips_through_two_workers_each_done_once(rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path):
    first, second = workers(), workers()
    out = tmp_path / "out"
    done = _run(rabbit.url, out, *TWELVE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "12 of 12 done, 0 failed" in done.stderr
    entries = _entries(out)
    assert sorted(entries) == sorted(str(clip) for clip in TWELVE)
    assert all(e.state == "done" and e.attempts == 1 and not e.error for e in entries.values())
    logs = first.text() + second.text()
    for clip in TWELVE:
        _complete(out / clip.stem)
        assert logs.count(f"started {clip} (attempt") == 1, clip  # run once, by one worker
    assert "started " in first.text() and "started " in second.text()  # both took jobs
    assert rabbit.url.split("@")[0].split(":")[-1] not in done.stderr + logs  # the password is never shown


@pytest.fixture
def long_radio(tmp_path: Path) -> Path:
    """The radio clip and its first minute again (180 s, MP3 frames copied), the longest whose time limit fits the
    default redelivery window. Decoded sequentially (slower), it is long enough to be caught mid-transcription
    now that the 120 s clip alone, batched, was transcribed before the test could look."""
    path = tmp_path / "radio_180s.mp3"
    ffmpeg("-stream_loop", "1", "-i", str(RADIO), "-t", "180", "-c", "copy", str(path))
    return path


@live
def test_a_worker_killed_mid_transcription_loses_nothing_and_duplicates_nothing(
    rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path, long_radio: Path
):
    pair = [workers(), workers()]
    out = tmp_path / "out"
    coordinator = background("run", str(long_radio), "-o", str(out), "--broker", rabbit.url, "--format", "srt",
                             "--batch-size", "0")  # fmt: skip
    try:
        def transcribing() -> Any:
            found = _entries(out).get(str(long_radio)) if (out / "watch.sqlite").exists() else None
            return found if found is not None and found.stage == "transcribe" else None

        entry = wait_until("the job to reach transcription", transcribing, 120)
        status = subtitler("status", str(out), "--broker", rabbit.url, timeout=60)
        assert status.returncode == 0, status.stderr
        assert "workers: 2 connected" in status.stdout and str(long_radio) in status.stdout and "transcribe" in status.stdout
        running = record.read(out / long_radio.stem)
        assert running is not None and running.state == record.RUNNING and entry.attempts == 1
        child = running.pid  # the worker's job process; its parent is the worker itself
        parent = int(Path(f"/proc/{child}/stat").read_text().split()[3])
        victim = next(w for w in pair if w.process.pid == parent)
        survivor = next(w for w in pair if w is not victim)
        victim.kill()
        killed_at = time.monotonic()
        wait_until("the killed worker's job process to end", lambda: not _alive(child), 10)
        wait_until("the other worker to take the job up", lambda: f"started {long_radio} (attempt 2)" in survivor.text(), 60)
        assert time.monotonic() - killed_at < 60
        _, stderr = coordinator.communicate(timeout=GUARD_S)
    finally:
        if coordinator.poll() is None:
            os.killpg(coordinator.pid, signal.SIGKILL)
    assert coordinator.returncode == 0, stderr[-3000:]
    final = _entries(out)[str(long_radio)]
    assert final.state == "done" and final.attempts == 2
    _complete(out / long_radio.stem)
    task = record.read(out / long_radio.stem)
    assert task is not None and task.deliveries == 2 and task.host
    assert victim.text().count(f"started {long_radio} (attempt") == 1 and f"done {long_radio}" not in victim.text()
    assert survivor.text().count(f"started {long_radio} (attempt") == 1


@live
def test_a_broker_restarted_mid_run_loses_no_job(rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path):
    worker = workers()
    clips = [AUDIO / "en/sonnet001_librivox.mp3", AUDIO / "en/jfk.flac", AUDIO / "de/gaenswein15.mp3"]
    out = tmp_path / "out"
    coordinator = background("run", *map(str, clips), "-o", str(out), "--broker", rabbit.url, "--format", "srt")
    try:
        wait_until("the first job to start", lambda: f"started {clips[0]} (attempt 1)" in worker.text(), 120)
        rabbit.stop()
        time.sleep(2)
        rabbit.start()
        _, stderr = coordinator.communicate(timeout=GUARD_S)
    finally:
        if coordinator.poll() is None:
            os.killpg(coordinator.pid, signal.SIGKILL)
    assert coordinator.returncode == 0, stderr[-3000:]
    entries = _entries(out)
    assert all(entries[str(c)].state == "done" for c in clips), {k: (e.state, e.error) for k, e in entries.items()}
    for clip in clips:
        _complete(out / clip.stem)
        assert worker.text().count(f"started {clip} (attempt") == 1, worker.text()[-3000:]


@live
def test_a_coordinator_killed_and_started_again_loses_nothing_and_runs_nothing_twice(
    rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path
):
    worker = workers()
    clips = TWELVE[:4]
    out = tmp_path / "out"
    coordinator = background("run", *map(str, clips), "-o", str(out), "--broker", rabbit.url, "--format", "srt")
    wait_until("a job to start", lambda: "started " in worker.text(), 120)
    os.killpg(coordinator.pid, signal.SIGKILL)
    coordinator.wait()
    assert any(e.state == "running" for e in _entries(out).values())  # left in the ledger by the killed one
    again = _run(rabbit.url, out, *clips)
    assert again.returncode == 0, again.stderr[-3000:]
    entries = _entries(out)
    assert all(entries[str(c)].state == "done" and entries[str(c)].attempts == 1 for c in clips)
    for clip in clips:
        _complete(out / clip.stem)
        assert worker.text().count(f"started {clip} (attempt") == 1


@live
def test_a_job_longer_than_the_redelivery_window_is_refused_before_it_is_sent(
    rabbit: RabbitMQ, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    file = tmp_path / "cluster.toml"
    file.write_text("[broker]\nredelivery_window_s = 600\nbase_s = 60\nper_media_second_s = 6\n", encoding="utf-8")
    monkeypatch.setenv(config.ENV_CONFIG, str(file))  # a 600 s window: 120 s of media gets a 780 s limit
    _purge(rabbit.url)
    out = tmp_path / "out"
    done = _run(rabbit.url, out, RADIO, AUDIO / "en/jfk.flac", extra=("--detach",))
    assert done.returncode == 1, done.stderr
    assert "sent 1 job(s), 1 not sent" in done.stderr
    entries = _entries(out)
    assert entries[str(RADIO)].state == "failed"
    assert "redelivery window" in entries[str(RADIO)].error and "consumer_timeout" in entries[str(RADIO)].error
    assert entries[str(AUDIO / "en/jfk.flac")].state == "running"  # short enough: sent
    assert not (out / RADIO.stem).exists()


@live
def test_a_wrong_broker_is_one_line_and_exit_2_with_nothing_written(rabbit: RabbitMQ, tmp_path: Path):
    down = f"amqp://{broker.USER}:secret-word@127.0.0.1:{broker.free_port()}//"
    wrong_password = rabbit.url.replace(broker.PASSWORD, "secret-word")
    for url in (down, wrong_password):
        out = tmp_path / "out"
        done = _run(url, out, AUDIO / "en/jfk.flac")
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: cannot reach the broker at"), done.stderr
        assert "secret-word" not in done.stderr and "***" in done.stderr
        assert not out.exists()
        worker = subtitler("worker", "--broker", url, timeout=60)
        assert worker.returncode == 2 and "cannot reach the broker" in worker.stderr


@live
def test_a_worker_that_cannot_see_the_shared_folder_fails_the_job_with_why(
    rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path
):
    share = tmp_path / "share"
    (share / "in").mkdir(parents=True)
    clip = Path(shutil.copy(AUDIO / "en/jfk.flac", share / "in"))
    workers("--path-map", f"/nonexistent-mount={share}")  # this worker looks for the share where nothing is mounted
    missing = share / "in" / "gone.mp4"  # not on the coordinator either: failed there, never sent
    done = _run(rabbit.url, share / "out", clip, missing)
    assert done.returncode == 1, done.stderr
    assert _entries(share / "out")[str(missing)].error == "no such file"
    assert "sent 1 job(s)" in done.stderr
    entry = _entries(share / "out")[str(clip)]
    assert entry.state == "failed" and "/nonexistent-mount/in/jfk.flac is not on" in entry.error
    assert "mount the shared folder" in entry.error


@live
def test_a_message_that_is_not_a_job_is_rejected_never_run(rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path):
    from subtitler.cluster.app import TASK, make_app

    worker = workers()
    app = make_app(config.ClusterConfig(rabbit.url))
    trap = tmp_path / "trap"
    app.send_task(TASK, kwargs={"job": {"version": 1, "source": str(AUDIO / "en/jfk.flac"), "folder": str(trap)}},
                  queue=config.CPU)  # fmt: skip
    app.send_task(TASK, kwargs={"job": _message(source=str(AUDIO / "en/jfk.flac"), root=str(tmp_path), folder=str(trap))},
                  queue=config.CPU, serializer="pickle")  # fmt: skip
    wait_until("the malformed job to be rejected", lambda: "rejected message" in worker.text(), 60)
    wait_until("the pickled message to be refused", lambda: "pickle" in worker.text(), 60)
    out = tmp_path / "out"
    done = _run(rabbit.url, out, AUDIO / "en/jfk.flac")  # the worker goes on with real jobs
    assert done.returncode == 0, done.stderr
    assert not trap.exists()


@live
def test_watch_hands_its_inputs_to_the_workers(rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path):
    worker = workers()
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for clip in TWELVE[:2]:
        shutil.copy(clip, inbox)
    done = subtitler("watch", str(inbox), "-o", str(out), "--once", "--settle", "0.5", "--broker", rabbit.url,
                     "--format", "srt", timeout=GUARD_S)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    entries = _entries(out)
    assert sorted(entries) == sorted(clip.name for clip in TWELVE[:2])
    assert all(e.state == "done" and e.attempts == 1 and e.task for e in entries.values())
    for clip in TWELVE[:2]:
        _complete(out / clip.stem)
        assert f"started {clip.name} (attempt 1)" in worker.text()
    status = subtitler("status", str(out), "--broker", rabbit.url, timeout=60)
    assert "workers: 1 connected" in status.stdout and " cpu " in status.stdout and "idle" in status.stdout
    assert "done 2" in status.stdout


@live
def test_the_studio_runs_its_jobs_on_the_workers(rabbit: RabbitMQ, workers: Callable[..., Worker], tmp_path: Path):
    from .conftest import start_studio
    from .test_studio_server import done, upload

    worker = workers()
    server = start_studio(tmp_path / "studio", "--broker", rabbit.url)
    try:
        assert "jobs run on the workers at amqp://subtitler:***@" in (tmp_path / "studio.stdout").read_text()
        with server.client() as client:
            answer = upload(client, server.csrf(), "jfk.flac", (AUDIO / "en/jfk.flac").read_bytes(), preset="default")
            assert answer.status_code == 201, answer.text
        job = done(server, answer.json()["id"])  # followed on the page from the ledger, as a local job is
        assert job["state"] == "done"
    finally:
        server.stop()
    assert worker.text().count("started ") == 1 and "jfk.flac (attempt 1)" in worker.text()  # run by the worker
    assert "loading Whisper model" not in server.log.read_text(encoding="utf-8")  # not by the studio
