"""`subtitler run --broker`: the jobs sent to the workers, then followed into the ledger until they end.

While it waits, `run` is OUT's coordinator (it holds the watcher's lock on OUT): it alone writes the ledger. A
`run` stopped or killed while it waits loses nothing: the jobs go on, and the next `run --broker` (or `watch
--broker`, or `status`) on OUT records how they ended. `--detach` sends them and returns at once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery

from subtitler.cluster.config import ClusterConfig
from subtitler.cluster.pool import BrokerPool, settle
from subtitler.inputs import Input
from subtitler.job import JobSettings
from subtitler.names import shown
from subtitler.watch.store import Entry, Store
from subtitler.watch.watcher import hold_lock, record
from subtitler.watch.workers import Report, Task

log = logging.getLogger("subtitler")
_TICK_S = 0.5


@dataclass(frozen=True)
class Sent:
    """What `run --broker` sent (or found still out from before) and how each ended."""

    done: int
    partial: int
    failed: int
    left: int  # still running when it stopped waiting (--detach, or Ctrl-C)


def _task(entry: Entry, out: Path, source: Path, settings: JobSettings | None, task_id: str) -> Task:
    folder = out / entry.output
    return Task(entry.path, source, folder, folder.name, settings, entry.preset, task_id)


def send_and_wait(config: ClusterConfig, app: Celery, inputs: list[Input], out: Path, preset: str,
                  given: dict[str, dict[str, Any]], force: bool, settings: JobSettings | None, detach: bool) -> Sent:  # fmt: skip
    """Send a job per input (each keyed in the ledger by its absolute path) through `app` (its broker reached) and,
    unless `detach`, follow them and every job an earlier coordinator of OUT left out, until they end."""
    if not detach and not app.control.inspect(timeout=1.0).ping():
        log.warning("no worker is connected to %s yet: the jobs wait in the queue until one starts "
                    "('subtitler worker --broker URL' on a machine that mounts the shared folder)", config.shown)  # fmt: skip
    lock = hold_lock(out)
    store = Store(out)
    pool = BrokerPool(app, config, out, given, force)
    try:
        earlier = [e for e in store.entries("running") if e.task]
        pool.adopt([_task(e, out, Path(e.path), settings, e.task) for e in earlier])
        out_already = {e.path for e in earlier}
        keys, sent = [], 0
        for item in inputs:
            key = str(item.source.absolute())
            keys.append(key)
            if key in out_already:
                log.info("%s: already with the workers (sent earlier): following it", shown(key))
                continue
            stat = item.source.stat() if item.source.is_file() else None
            store.queue(key, stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0, "", item.stem, preset)
            entry = store.get(key)
            assert entry is not None
            task = _task(entry, out, item.source, settings, uuid.uuid4().hex)
            store.start(key, preset, task.id)  # recorded before it is sent: a restarted coordinator finds it
            if stat is None:  # not here either: failed as a local run fails it, not sent to look for elsewhere
                record(store, Report(key, "failed", error="no such file" if not item.source.exists() else "not a file"))
                continue
            pool.submit(task)
            sent += 1
        log.info("sent %d job(s) to the workers at %s", sent, config.shown)
        waited = set(keys) | out_already
        for report in pool.reports(timeout=0):  # those refused before sending, even with --detach
            record(store, report)
        stages: dict[str, str] = {}
        while not detach and any(_running(store, key) for key in waited):
            for report in pool.reports(timeout=_TICK_S):
                record(store, report)
                if report.kind == "progress" and report.fraction > 0 and stages.get(report.key) != report.stage:
                    stages[report.key] = report.stage  # the progress a person follows: each job's long stages
                    log.info("        %s: %s", shown(report.key), report.stage)
    except KeyboardInterrupt:
        log.warning("stopped waiting: the jobs go on on the workers; 'subtitler status %s' records how they end", out)
    finally:
        pool.stop()
        entries = [e for e in (store.get(k) for k in keys) if e is not None]
        store.close()
        lock.close()
    return Sent(
        done=sum(e.state == "done" and not e.error for e in entries),
        partial=sum(e.state == "done" and bool(e.error) for e in entries),
        failed=sum(e.state == "failed" for e in entries),
        left=sum(e.state in ("running", "queued") for e in entries),
    )


def _running(store: Store, key: str) -> bool:
    entry = store.get(key)
    return entry is not None and entry.state == "running"


def settle_ledger(out: Path) -> int:
    """Record the ends that task files hold for jobs sent by a coordinator that is gone; how many. Only when no
    coordinator holds OUT (else it records them itself)."""
    from subtitler.errors import UsageError

    try:
        lock = hold_lock(out)
    except UsageError:
        return 0
    store = Store(out)
    try:
        reports = settle([e for e in store.entries("running") if e.task], out)
        for report in reports:
            record(store, report)
        return len(reports)
    finally:
        store.close()
        lock.close()
