"""A worker: what it does with one message, and how it starts.

For each message: parse it (a message that is not a job is rejected, never run); find its files (through the
path map); take the output folder's lease (the same lock `run` takes, holding this host and pid, dropped by the
kernel when the process dies); read the task file: a message that already ended there is not run again, one that
started there is delivered again (attempt 2...). Then the job runs through the same stages as `run`, its
progress goes out as events, and the task file gets its end. A folder leased by another live worker means this is
a second copy of a message that is still running: it is retried later, when it will find the job ended.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery.exceptions import Reject

from subtitler.cluster import record
from subtitler.cluster.message import BadMessage, JobMessage, PathMap
from subtitler.cluster.record import DONE, FAILED, RUNNING, TaskRecord
from subtitler.errors import SubtitlerError, UsageError
from subtitler.job import JobSettings
from subtitler.outputs import folder_lock
from subtitler.watch.store import one_line
from subtitler.watch.workers import Report, Task, run_task

log = logging.getLogger(__name__)
LEASE_RETRY_S = 10  # a copy of a message whose folder another worker holds looks again this much later
STARTED, PROGRESS, ENDED = "subtitler-started", "subtitler-progress", "subtitler-ended"


@dataclass
class Worker:
    """What a worker process knows: its device, its path map, and the settings of each preset it has run."""

    device: str  # cpu | cuda
    paths: PathMap
    settings_for: Callable[[str, dict[str, dict[str, Any]], bool], JobSettings]
    concurrency: int = 1
    host: str = field(default_factory=socket.gethostname)
    _settings: dict[str, JobSettings] = field(default_factory=dict)

    def settings(self, message: JobMessage) -> JobSettings:
        """The job's settings on this worker's device; loaded once per preset and values (the model stays loaded)."""
        given = {table: dict(values) for table, values in message.given.items()}
        transcribe = given.setdefault("transcribe", {})
        if not transcribe.get("device"):
            transcribe["device"] = self.device
        if not transcribe.get("threads") and self.concurrency > 1:  # jobs side by side share the cores
            transcribe["threads"] = max(1, (os.cpu_count() or 1) // self.concurrency)
        key = json.dumps([message.preset, given, message.force], sort_keys=True, default=list)
        if key not in self._settings:
            self._settings[key] = self.settings_for(message.preset, given, message.force)
        return self._settings[key]


def _send(task: Any, kind: str, key: str, **fields: Any) -> None:
    """An event for the coordinator (and Flower); a lost one is made up for by the task file."""
    try:
        task.send_event(kind, key=key, retry=False, **fields)
    except Exception as exc:  # the broker is away: the job goes on, its end is in the task file
        log.warning("cannot send %s for %s: %s", kind, key, exc)


def _unseen(source: Path, root: Path, host: str) -> str:
    """Why this machine cannot do the job ('' when it can): the shared folder is not mounted here, or elsewhere."""
    if not source.is_file():
        return (f"{source} is not on {host}: mount the shared folder there, or start the worker with "
                "--path-map LOCAL=REMOTE")  # fmt: skip
    if not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
        return f"{root} is not a writable folder on {host}: mount the shared folder there (read-write)"
    return ""


def handle(task: Any, payload: object, worker: Worker) -> str:
    """One delivery of a message; returns how it ended (or raises Reject, or Celery's Retry)."""
    task_id = str(task.request.id)
    try:
        message = JobMessage.parse(payload)
    except BadMessage as exc:
        log.error("rejected message %s: not a job (%s); it is dropped, never run", task_id, exc)
        raise Reject(f"not a job: {exc}", requeue=False) from exc
    source, folder = worker.paths.local(message.source), worker.paths.local(message.folder)
    unseen = _unseen(source, worker.paths.local(message.root), worker.host)
    if unseen:
        log.error("failed  %s: %s", message.key, unseen)
        _send(task, ENDED, message.key, state=FAILED, error=unseen, seconds=0.0, deliveries=1)
        return FAILED
    lease = contextlib.ExitStack()
    try:
        lease.enter_context(folder_lock(folder))
    except UsageError as exc:  # another live worker holds the folder: this is a second copy of a running message
        log.info("%s: %s; looking again in %d s", message.key, exc, LEASE_RETRY_S)
        raise task.retry(countdown=LEASE_RETRY_S, max_retries=None) from None
    except SubtitlerError as exc:  # the folder cannot be made or written here
        _send(task, ENDED, message.key, state=FAILED, error=one_line(str(exc)), seconds=0.0, deliveries=1)
        return FAILED
    with lease:
        return _run(task, task_id, message, source, folder, worker)


def _run(task: Any, task_id: str, message: JobMessage, source: Path, folder: Path, worker: Worker) -> str:
    earlier = record.read(folder)
    if earlier is not None and earlier.task == task_id and earlier.ended:
        log.info("%s: delivered again, already %s: nothing to do", message.key, earlier.state)
        _send(task, ENDED, message.key, state=earlier.state, error=earlier.error, seconds=earlier.seconds,
              deliveries=earlier.deliveries)  # fmt: skip
        return earlier.state
    deliveries = earlier.deliveries + 1 if earlier is not None and earlier.task == task_id else 1
    now = TaskRecord(task_id, message.key, deliveries, RUNNING, worker.host, os.getpid(), worker.device)
    record.write(folder, now)
    log.info("started %s (attempt %d)", message.key, deliveries)
    _send(task, STARTED, message.key, deliveries=deliveries, host=worker.host, device=worker.device)

    def report(sent: Report) -> None:
        if sent.kind == "progress":
            _send(task, PROGRESS, message.key, stage=sent.stage, fraction=sent.fraction)

    started = time.monotonic()
    try:
        settings = worker.settings(message)
        outcome = run_task(Task(message.key, source, folder, message.stem, settings), report)
        state, error, seconds = (DONE if outcome.kind == "done" else FAILED), outcome.error, outcome.seconds
    except SubtitlerError as exc:  # its preset, model or languages cannot be had on this worker
        state, error, seconds = FAILED, str(exc), time.monotonic() - started
    if state == FAILED and time.monotonic() - started >= message.limit:
        error = f"took longer than its time limit ({message.limit} s)"
    error = one_line(error) if state == FAILED else error
    record.write(folder, now.end(state, error, round(seconds, 3)))
    log.info("%s %s (%.1f s)%s", state, message.key, seconds, f": {error}" if error else "")
    _send(task, ENDED, message.key, state=state, error=error, seconds=round(seconds, 3), deliveries=deliveries)
    return state
