"""Worker processes: each loads its models once and runs one job at a time, reporting its stage,
its progress and its end to the watcher, which alone writes the job state.

Workers die with the watcher (Linux: the parent-death signal), so a watcher killed with -9 never
leaves a worker writing outputs that a restarted watcher is also writing.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from subtitler import progress
from subtitler.job import Job, JobSettings, Stage, problem_line
from subtitler.outputs import write_text
from subtitler.pipeline import run_batch
from subtitler.stages import build_stages
from subtitler.watch.store import utf8

log = logging.getLogger(__name__)
ERROR_LOG = "error.log"
_PR_SET_PDEATHSIG = 1
_REPORT_EVERY_S = 1.0


@dataclass(frozen=True)
class Task:
    key: str  # the input, relative to the watched folder
    source: Path
    folder: Path
    stem: str
    settings: JobSettings | None  # None when it goes to workers elsewhere, which load the preset themselves
    preset: str = ""  # the preset's name or file, for workers elsewhere that load it themselves
    id: str = ""  # the message's id, when it goes through a broker (recorded in the ledger first)


@dataclass(frozen=True)
class Report:
    key: str
    kind: str  # "started" (on a worker elsewhere) | "progress" | "done" | "failed"
    stage: str = ""
    fraction: float = 0.0
    error: str = ""  # why it failed; for a job done without some outputs, which ones and why (also in its job.json)
    seconds: float = 0.0
    attempt: int = 0  # "started": which delivery of its message this is (2: a worker died in the middle of the first)
    where: str = ""  # "started": the worker's host and device


class Announced:
    """A stage that says when it starts."""

    def __init__(self, stage: Stage, announce: Callable[[str], None]):
        self.stage, self.announce, self.name = stage, announce, stage.name

    def run(self, job: Job) -> Job:
        self.announce(self.stage.name)
        return self.stage.run(job)


class _Capture(logging.Handler):
    """This job's log lines, for the error log a failed job leaves next to its outputs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def run_task(task: Task, send: Callable[[Report], None]) -> Report:
    """One job, start to end; a failure leaves `error.log` in the job's folder, a success removes an old one."""
    stage_now = [""]
    sent_at = [0.0]

    def announce(stage: str) -> None:
        stage_now[0] = stage
        send(Report(task.key, "progress", stage, 0.0))

    def moved(_: str, fraction: float) -> None:
        now = time.monotonic()
        if now - sent_at[0] >= _REPORT_EVERY_S:
            sent_at[0] = now
            send(Report(task.key, "progress", stage_now[0], round(fraction, 3)))

    capture = _Capture()
    logger = logging.getLogger("subtitler")
    logger.addHandler(capture)
    progress.observe(moved)
    assert task.settings is not None, "a local job has its settings"
    try:
        job = Job.of(task.source, task.folder, task.stem, task.settings)
        stages = [Announced(stage, announce) for stage in build_stages(task.settings.options)]
        result = run_batch([job], stages)[0]
    finally:
        progress.observe(None)
        logger.removeHandler(capture)
    error_log = task.folder / ERROR_LOG
    if result.ok:
        error_log.unlink(missing_ok=True)
        missing = problem_line(result.problems)
        if missing:
            log.warning("done*   %s: %s", utf8(task.key), missing)
        return Report(task.key, "done", error=missing, seconds=result.seconds)
    try:
        task.folder.mkdir(parents=True, exist_ok=True)
        text = f"{task.source}\n{result.error}\n\n" + "\n".join(capture.lines) + "\n"
        write_text(error_log, utf8(text))  # a name that is not UTF-8 is written with \xNN
    except OSError as exc:
        log.warning("cannot write %s: %s", error_log, exc)
    return Report(task.key, "failed", error=result.error, seconds=result.seconds)


def die_with(parent: int) -> None:
    """This process is killed when `parent` ends (Linux), or ends now if it already has."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the watcher was gone before the line above
        os._exit(1)


def _work(parent: int, tasks: Any, reports: Any, setup: Callable[..., None], setup_args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the watcher's to handle
    die_with(parent)
    setup(*setup_args)
    while (task := tasks.get()) is not None:
        try:
            reports.put(run_task(task, reports.put))
        except Exception:  # run_task reports job failures; this is a bug in the worker itself
            reports.put(Report(task.key, "failed", error="internal error in the worker: " + traceback.format_exc(limit=3)))


@dataclass
class _Worker:
    process: BaseProcess
    tasks: Any
    key: str | None = None


class Pool:
    """`count` worker processes; `setup(*setup_args)` runs first in each (logging)."""

    def __init__(self, count: int, setup: Callable[..., None], setup_args: tuple[Any, ...]):
        self._context = multiprocessing.get_context("spawn")  # no fork of a process holding threads and models
        self._reports = self._context.Queue()
        self._setup = (setup, setup_args)
        self._workers = [self._start() for _ in range(count)]

    def _start(self) -> _Worker:
        tasks = self._context.Queue()
        args = (os.getpid(), tasks, self._reports, *self._setup)
        process = self._context.Process(target=_work, args=args, name="subtitler-worker", daemon=True)
        process.start()
        return _Worker(process, tasks)

    def idle(self) -> int:
        return sum(worker.key is None for worker in self._workers)

    def busy(self) -> list[str]:
        return [worker.key for worker in self._workers if worker.key is not None]

    def submit(self, task: Task) -> None:
        worker = next(w for w in self._workers if w.key is None)
        worker.key = task.key
        worker.tasks.put(task)

    def reports(self, timeout: float) -> list[Report]:
        """What the workers said within `timeout` seconds; a worker that died is reported failed and replaced."""
        found = []
        try:
            found.append(self._reports.get(timeout=timeout))
            while True:
                found.append(self._reports.get_nowait())
        except queue.Empty:
            pass
        for report in found:
            if report.kind != "progress":
                for worker in self._workers:
                    if worker.key == report.key:
                        worker.key = None
        for k, worker in enumerate(self._workers):
            if not worker.process.is_alive():
                if worker.key is not None:
                    code = worker.process.exitcode
                    found.append(Report(worker.key, "failed", error=f"the worker process ended unexpectedly (exit code {code})"))
                self._workers[k] = self._start()
        return found

    def stop(self) -> None:
        """End the workers: idle ones are told to stop, busy ones are killed (their job is done again later)."""
        for worker in self._workers:
            if worker.key is None:
                worker.tasks.put(None)
            else:
                worker.process.kill()
        for worker in self._workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.tasks.close()
            worker.tasks.join_thread()
        self._reports.close()
        self._reports.join_thread()
