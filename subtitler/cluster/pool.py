"""The coordinator's side: jobs sent to the workers, followed through their events and their task files.

`BrokerPool` stands where the watcher's local worker processes stand (the same `submit`, `reports`, `busy`), so the
watcher and `run --broker` keep the ledger exactly as they do with local workers. Events come from a thread that
listens to the broker (and reconnects when it restarts); events are not stored, so every few seconds the task files
of the jobs still out are read as well: a job that ended while the coordinator was stopped, or while the broker was
away, is recorded from there.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery

from subtitler.cluster import record
from subtitler.cluster.app import TASK, gpu_workers
from subtitler.cluster.config import CPU, GPU, HARD_AFTER_SOFT_S, ClusterConfig
from subtitler.cluster.message import JobMessage
from subtitler.cluster.record import DONE
from subtitler.cluster.work import ENDED, PROGRESS, STARTED
from subtitler.errors import UsageError
from subtitler.names import shown
from subtitler.watch.store import Entry, one_line
from subtitler.watch.workers import Report, Task

log = logging.getLogger(__name__)
RECONCILE_S = 5.0  # how often the task files of the jobs still out are read
ROUTE_S = 30.0  # how long the answer to "is a GPU worker connected?" is kept


@dataclass
class _Out:
    key: str
    folder: Path
    announced: int = 0  # the last delivery reported as started


def ended(task_id: str, key: str, folder: Path) -> Report | None:
    """The end of a job as its task file has it, or None while it has not ended (or ran another message since)."""
    found = record.read(folder)
    if found is None or found.task != task_id or not found.ended:
        return None
    kind = "done" if found.state == DONE else "failed"
    return Report(key, kind, error=found.error, seconds=found.seconds, attempt=found.deliveries)


def settle(entries: list[Entry], outbox: Path) -> list[Report]:
    """The ends the task files hold for running jobs of a ledger (for `status` after `run --detach`)."""
    return [r for e in entries if e.task and (r := ended(e.task, e.path, outbox / e.output)) is not None]


def absolute_preset(preset: str) -> str:
    """A preset file as an absolute path (a worker elsewhere reads it there); a preset name as it is."""
    return str(Path(preset).absolute()) if preset.endswith(".toml") or "/" in preset else preset


class BrokerPool:
    """Jobs sent through the broker to `subtitler worker`s. `keeps_running`: its jobs go on when the coordinator
    stops, so a restarted one adopts them instead of running them again."""

    keeps_running = True

    def __init__(self, app: Celery, config: ClusterConfig, outbox: Path, given: dict[str, dict[str, Any]], force: bool):
        self._app, self._config, self._force = app, config, force
        self._outbox = outbox.absolute()
        self._given = _absolute_files(given)
        self._out: dict[str, _Out] = {}  # task id -> the job it runs
        self._held: list[Report] = []  # refused before sending, reported at the next `reports`
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stopping = threading.Event()
        self._reconciled = -math.inf
        self._route: str | None = None  # the queue jobs go to, once the workers answered
        self._route_ready = threading.Event()
        self._ask_route()
        self._listener = threading.Thread(target=self._listen, name="subtitler-events", daemon=True)
        self._listener.start()

    # -- the pool's interface (watch.workers.Pool's) --------------------------------------------
    def idle(self) -> int:
        return 1 << 20  # the broker holds the queue: every queued job is sent at once

    def busy(self) -> list[str]:
        return [out.key for out in self._out.values()]

    def submit(self, task: Task) -> None:
        from subtitler.adapters.media import probe

        try:
            duration = probe(task.source).duration
        except Exception:  # not media, or unreadable: a worker fails it with the pipeline's own reason
            duration = 0.0
        limit = self._config.limit_for(duration)
        refusal = self._config.refusal(limit)
        if refusal:
            self._held.append(Report(task.key, "failed", error=f"not sent to the workers: {refusal}"))
            return
        message = JobMessage(task.key, str(task.source.absolute()), str(self._outbox), str(task.folder.absolute()),
                             task.stem, absolute_preset(task.preset), self._given, self._force, limit)  # fmt: skip
        self._out[task.id] = _Out(task.key, task.folder)
        try:  # through a broker restart too (the publish retry policy: config.celery_settings)
            self._app.send_task(TASK, kwargs={"job": message.to_json()}, task_id=task.id, queue=self._queue(),
                                soft_time_limit=limit, time_limit=limit + HARD_AFTER_SOFT_S)  # fmt: skip
        except Exception as exc:  # kombu's OperationalError, or whatever the connection raised: one line
            reason = " ".join(str(exc).split()) or exc.__class__.__name__
            raise UsageError(f"cannot send {shown(task.source)} to the broker at {self._config.shown}: {reason} "
                             "(run the same command again once it is back: no job runs twice)") from None

    def adopt(self, tasks: list[Task]) -> None:
        """Jobs a stopped coordinator left out: followed again; those not ended are sent again under the same id
        (a copy that finds the job running or ended does nothing), so none is lost and none runs twice."""
        for task in tasks:
            if ended(task.id, task.key, task.folder) is not None:
                self._out[task.id] = _Out(task.key, task.folder)
            else:
                self.submit(task)
        self._reconciled = -math.inf

    def reports(self, timeout: float) -> list[Report]:
        found, self._held = self._held, []
        events = []
        try:
            events.append(self._events.get(timeout=0 if found else timeout))
            while True:
                events.append(self._events.get_nowait())
        except queue.Empty:
            pass
        found += [r for r in map(self._report, events) if r is not None]
        if time.monotonic() - self._reconciled >= RECONCILE_S:
            self._reconciled = time.monotonic()
            for task_id, out in list(self._out.items()):
                report = ended(task_id, out.key, out.folder)
                if report is not None:
                    del self._out[task_id]
                    found.append(report)
        return found

    def stop(self) -> None:
        """Stop following; the jobs go on on the workers."""
        self._stopping.set()
        self._listener.join(timeout=5)

    # -- internals ------------------------------------------------------------------------------
    def _queue(self) -> str:
        """GPU workers take the jobs when one is connected, else the CPU workers do. Asked in the background
        every ROUTE_S (an answer takes a second to collect); only the very first job waits for it."""
        if time.monotonic() - self._route_asked >= ROUTE_S:
            self._ask_route()
        if self._route is None:
            self._route_ready.wait(timeout=2.0)
        return self._route or CPU

    def _ask_route(self) -> None:
        self._route_asked = time.monotonic()

        def ask() -> None:
            try:
                self._route = GPU if gpu_workers(self._app) else CPU
            except Exception as exc:  # no answer: the CPU queue, which every worker takes
                log.debug("cannot ask the workers for their queues: %s", exc)
                self._route = CPU
            self._route_ready.set()

        threading.Thread(target=ask, name="subtitler-route", daemon=True).start()

    def _report(self, event: dict[str, Any]) -> Report | None:
        task_id, kind = str(event.get("uuid", "")), str(event.get("type", ""))
        out = self._out.get(task_id)
        if out is None:
            return None
        if kind == STARTED:
            deliveries = int(event.get("deliveries") or 1)
            if deliveries <= out.announced:
                return None
            out.announced = deliveries
            where = f"{event.get('host', '?')} ({event.get('device', '?')})"
            return Report(out.key, "started", attempt=deliveries, where=where)
        if kind == PROGRESS:
            return Report(out.key, "progress", str(event.get("stage", "")), float(event.get("fraction") or 0.0))
        if kind == ENDED:
            del self._out[task_id]
            state = "done" if event.get("state") == DONE else "failed"
            return Report(out.key, state, error=str(event.get("error") or ""), seconds=float(event.get("seconds") or 0.0),
                          attempt=int(event.get("deliveries") or 0))  # fmt: skip
        if kind == "task-failed":  # outside the job itself: its hard time limit, or a bug in the worker
            del self._out[task_id]
            return Report(out.key, "failed", error=one_line(f"the worker failed: {event.get('exception', '')}"))
        return None

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._app.connection_for_read() as connection:
                    receiver = self._app.events.Receiver(connection, handlers={"*": self._events.put})
                    while not self._stopping.is_set():
                        try:
                            receiver.capture(limit=None, timeout=1.0, wakeup=False)
                        except TimeoutError:
                            continue
            except Exception as exc:  # the broker went away: try again (the task files cover the gap)
                log.debug("events: %s; listening again shortly", exc)
                self._stopping.wait(2.0)


def _absolute_files(given: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The command line's values, with the glossary file as an absolute path (workers read it on the shared folder)."""
    translate = dict(given.get("translate", {}))
    if translate.get("glossary"):
        translate["glossary"] = str(Path(translate["glossary"]).absolute())
    return {**given, "translate": translate} if translate else dict(given)
