"""The watcher: finds finished inputs in IN (filesystem events, and a rescan for network shares
where events never come), queues them in the store, hands them to the workers, records the end.

Outputs go to OUT/<subfolder>/<stem>/ (IN's subfolders mirrored, names made safe). A restart
requeues what was running; a done input is skipped until its content changes; a failed one until
it changes or `subtitler retry` queues it again, or, if it failed on its folder preset, until the
presets change. No name and no preset stops the watcher: what it cannot handle fails, with why.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from subtitler.errors import SubtitlerError, UsageError
from subtitler.fetch import sha256_of
from subtitler.job import JobSettings
from subtitler.names import safe_stem, shown
from subtitler.watch import folders
from subtitler.watch.scan import Seen, Settling, scan
from subtitler.watch.store import PRESET, Entry, Store, one_line, utf8
from subtitler.watch.workers import Pool, Report, Task

log = logging.getLogger(__name__)
LOCK = "watch.lock"
LOG = "watch.log"
_TICK_S = 0.5


@dataclass(frozen=True)
class WatchOptions:
    inbox: Path
    outbox: Path
    preset: str
    jobs: int
    settle: float  # seconds a file's size and mtime must stay the same before it is taken
    rescan: float  # seconds between full rescans (events wake the watcher sooner)
    move_done: Path | None = None
    once: bool = False  # stop when nothing is left to do


def hold_lock(outbox: Path) -> Any:
    """One watcher per output folder: an exclusive lock on OUT/watch.lock, held while the file stays open."""
    handle = (outbox / LOCK).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise UsageError(f"another watcher is already writing to {outbox}") from exc
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def watcher_pid(outbox: Path) -> int | None:
    """The pid of the watcher holding OUT's lock, or None when none is running."""
    try:
        with (outbox / LOCK).open("r") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return int(handle.read().strip() or 0) or None
            return None
    except (OSError, ValueError):
        return None


def move_aside(source: Path, target: Path) -> Path:
    """Move `source` to `target`, or `target` with -2, -3... if taken: never overwrites, never copies half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 1
    while True:
        candidate = target if count == 1 else target.with_name(f"{target.stem}-{count}{target.suffix}")
        try:
            os.link(source, candidate)  # fails if the name is taken: no race with another writer
        except FileExistsError:
            count += 1
            continue
        except OSError:  # another file system (or one without hard links): copy beside, then link
            temp = candidate.with_name(f".{candidate.name}.moving-{os.getpid()}")
            shutil.copy2(source, temp)
            try:
                os.link(temp, candidate)
            except FileExistsError:
                count += 1
                continue
            finally:
                temp.unlink(missing_ok=True)
        source.unlink()
        return candidate


def record(store: Store, report: Report) -> None:
    """A worker's report written into the ledger (by the one coordinator of OUT: the watcher, or `run --broker`)."""
    if report.kind == "progress":
        store.progress(report.key, report.stage, report.fraction)
        return
    if report.attempt:
        store.delivered(report.key, report.attempt)
    if report.kind == "started":
        log.info("started %s on %s%s", shown(report.key), report.where,
                 f" (attempt {report.attempt})" if report.attempt > 1 else "")  # fmt: skip
    elif report.kind == "done":
        store.finish(report.key, report.seconds, report.error)
        log.info("done    %s (%.1f s)%s", shown(report.key), report.seconds, f"; {report.error}" if report.error else "")
    else:
        store.fail(report.key, report.error, report.seconds)
        log.error("failed  %s: %s", shown(report.key), utf8(report.error.splitlines()[0]) if report.error else "")


class Watcher:
    def __init__(self, options: WatchOptions, settings_for: Callable[[str], JobSettings | None], setup: Callable[..., None],
                 setup_args: tuple[Any, ...], pool: Any = None):  # fmt: skip
        self.options = options
        self.settings_for = settings_for  # preset -> checked settings (None: checked, for workers elsewhere), or a SubtitlerError
        self.store = Store(options.outbox)
        # Local worker processes, or (watch --broker) a cluster.pool.BrokerPool with the same interface whose jobs
        # go on when the watcher stops (`keeps_running`).
        self.pool: Any = pool if pool is not None else Pool(options.jobs, setup, setup_args)
        self.remote = bool(getattr(self.pool, "keeps_running", False))
        self.settling = Settling(options.settle)
        self.wake = threading.Event()
        self.stopping = False
        skip = [options.outbox] + ([options.move_done] if options.move_done else [])
        self.skip = tuple(p for p in skip if p.resolve().is_relative_to(options.inbox.resolve()))
        self.folders: folders.FolderPresets | None = None  # None until first read
        self.stamps: tuple[tuple[str, object], ...] = ()
        self.loaded: dict[str, JobSettings | None] = {}  # preset -> its settings, as last checked
        self.refused: dict[str, str] = {}  # preset -> why it does not load, as last checked
        self.unhandled: dict[str, Seen] = {}  # inputs that could not even be recorded (said once per version)

    # -- folder presets -------------------------------------------------------------------------
    def check_presets(self) -> None:
        """Read subtitler-watch.toml; when it or a preset file it names changed (or at start), load every
        preset it names again. A bad one holds only its folders' inputs: they fail with its reason, and are
        queued again by themselves here once the presets change (no `subtitler retry` needed)."""
        found = folders.read(self.options.inbox)
        named = {*found.presets.values(), self.options.preset}
        stamps = folders.stamps(named)
        if found == self.folders and stamps == self.stamps:
            return
        first = self.folders is None
        self.folders, self.stamps, self.loaded, self.refused = found, stamps, {}, {}
        if found.broken:
            log.error("%s: every input waits until it is corrected", found.broken)
        for folder, why in found.wrong.items():
            log.error("folder %s: %s", shown(folder), why)
        for preset in sorted(named):
            try:
                self.loaded[preset] = self.settings_for(preset)
            except SubtitlerError as exc:
                self.refused[preset] = one_line(str(exc))
            except Exception as exc:  # a bug in loading one preset must not stop the inputs of the others
                log.exception("preset %s", shown(preset))
                self.refused[preset] = one_line(f"internal error loading preset {preset}: {exc.__class__.__name__}: {exc}")
        for preset, why in self.refused.items():
            log.error("preset %s: %s (its inputs fail until it is corrected)", shown(preset), why)
        again = self.store.retry_failed_on(PRESET)
        if again:
            log.info("%d input(s) that failed on a preset queued again (%s)", again, "start" if first else "presets changed")

    def preset_for(self, key: str) -> tuple[str, str]:
        """The preset of an input and why it cannot be used ("" when it can)."""
        assert self.folders is not None
        preset, wrong = self.folders.preset_for(key, self.options.preset)
        return preset, wrong or self.refused.get(preset, "")

    # -- finding inputs -------------------------------------------------------------------------
    def consider(self, key: str, seen: Seen, now: float) -> None:
        entry = self.store.get(key)
        if entry and (entry.size, entry.mtime_ns) == (seen.size, seen.mtime_ns):
            self.settling.drop(key)
            if entry.state == "done" and self.options.move_done:
                self.move_done(key)  # a watcher stopped between recording and moving
            return
        if entry and entry.state == "running":
            return  # changed while running: looked at again once it ends
        if not self.settling.finished(key, seen, now):
            return
        self.settling.drop(key)
        path = self.options.inbox / key
        try:
            digest = sha256_of(path)
        except OSError as exc:  # unreadable (permissions): failed until it changes or is retried
            digest = ""
            unreadable = f"cannot read the file: {exc.strerror or exc}"
        else:
            unreadable = ""
        if entry and entry.sha256 == digest and digest:
            self.store.touch(key, seen.size, seen.mtime_ns)
            return
        preset, _ = self.preset_for(key)
        output = entry.output if entry else self.output_folder(key)
        self.store.queue(key, seen.size, seen.mtime_ns, digest, output, preset)
        if unreadable:
            self.store.start(key)
            self.store.fail(key, unreadable, 0.0)
            log.error("failed  %s: %s", shown(key), unreadable)
            return
        log.info("queued  %s%s", shown(key), "" if preset in ("", self.options.preset) else f" (preset {shown(preset)})")

    def consider_safely(self, key: str, seen: Seen, now: float) -> None:
        """`consider`, but an input that cannot be handled is one failed input (or, if even that cannot be
        recorded, one error in the log), and every other input goes on."""
        try:
            self.consider(key, seen, now)
            return
        except Exception as exc:  # whatever this one name or file does, the watcher and the other inputs go on
            reason = one_line(f"cannot take this input: {exc.__class__.__name__}: {exc}")
        self.settling.drop(key)
        if self.unhandled.get(key) == seen:
            return
        self.unhandled[key] = seen
        log.exception("failed  %s: %s", shown(key), reason)
        try:
            self.store.queue(key, seen.size, seen.mtime_ns, "", self.output_folder(key), self.options.preset)
            self.store.start(key)
            self.store.fail(key, reason, 0.0)
        except Exception:
            log.exception("cannot record %s as failed either", shown(key))

    def output_folder(self, key: str) -> str:
        """OUT/<subfolder>/<stem>, each name made safe, with -2, -3... when another input already has it."""
        relative = PurePosixPath(key)
        parent = PurePosixPath(*(safe_stem(part) for part in relative.parent.parts))
        base = safe_stem(relative.stem or relative.name)
        taken = {o.lower() for o in self.store.outputs()}
        count = 1
        while True:
            stem = base if count == 1 else f"{base}-{count}"
            folder = (parent / stem).as_posix()
            inside_inbox = (self.options.outbox / folder).resolve().is_relative_to(self.options.inbox.resolve())
            if folder.lower() not in taken and not inside_inbox:  # outputs in the inbox would be taken as inputs
                return folder
            count += 1

    def rescan(self, now: float) -> None:
        self.check_presets()
        found = scan(self.options.inbox, self.skip)
        self.settling.keep_only(set(found))
        for key in set(self.unhandled) - set(found):
            del self.unhandled[key]
        for key, seen in found.items():
            self.consider_safely(key, seen, now)
        for entry in self.store.entries("queued"):
            if entry.path not in found:
                log.info("gone    %s (removed before it was done)", shown(entry.path))
                self.store.forget(entry.path)

    # -- running jobs ---------------------------------------------------------------------------
    def dispatch(self) -> None:
        busy = set(self.pool.busy())
        for entry in self.store.entries("queued"):
            if entry.path in busy:
                continue
            preset, why = self.preset_for(entry.path)  # the presets as they are now, not as when it was queued
            if why:  # a preset that does not load: this input fails now, without waiting for a worker
                self.store.refuse(entry.path, preset, why, PRESET)
                log.error("failed  %s: %s", shown(entry.path), why)
                continue
            if not self.pool.idle():
                continue
            settings = self._threads(self.loaded[preset])
            task = self._task(entry, settings, preset, uuid.uuid4().hex)
            self.store.start(entry.path, preset, task.id)  # recorded before it is sent: a restart finds it
            self.pool.submit(task)
            log.info("%s %s", "sent   " if self.remote else "started", shown(entry.path))

    def _task(self, entry: Entry, settings: JobSettings | None, preset: str, task_id: str) -> Task:
        folder = self.options.outbox / entry.output
        return Task(entry.path, self.options.inbox / entry.path, folder, folder.name, settings, preset, task_id)

    def adopt(self) -> None:
        """Jobs that a stopped watcher sent to the workers: followed again (see BrokerPool.adopt)."""
        running = [e for e in self.store.entries("running") if e.task]
        tasks = [self._task(e, self.loaded.get(e.preset), e.preset, e.task) for e in running]
        if tasks:
            log.info("%d job(s) sent by the last watcher: following them again", len(tasks))
            self.pool.adopt(tasks)

    def _threads(self, settings: JobSettings | None) -> JobSettings | None:
        """Jobs side by side share the cores instead of each taking them all."""
        if settings is None:
            return None
        transcribe = settings.options.transcribe
        if transcribe.threads or self.options.jobs == 1:
            return settings
        share = max(1, (os.cpu_count() or 1) // self.options.jobs)
        options = dataclasses.replace(settings.options, transcribe=dataclasses.replace(transcribe, threads=share))
        return dataclasses.replace(settings, options=options)

    def record(self, report: Report) -> None:
        record(self.store, report)
        if report.kind == "done" and self.options.move_done:
            self.move_done(report.key)

    def move_done(self, key: str) -> None:
        assert self.options.move_done is not None
        source = self.options.inbox / key
        if not source.is_file():
            return
        try:
            moved = move_aside(source, self.options.move_done / key)
        except OSError as exc:
            log.warning("cannot move %s to %s: %s", shown(key), shown(self.options.move_done), exc)
            return
        log.info("moved   %s -> %s", shown(key), shown(moved))

    # -- the loop -------------------------------------------------------------------------------
    def stop(self) -> None:
        """End `run` soon, from a signal handler or another thread (the studio runs the watcher in a thread)."""
        self.stopping = True
        self.wake.set()

    def idle(self) -> bool:
        return not self.pool.busy() and not self.store.entries("queued") and not self.settling.waiting()

    def run(self) -> None:
        self.check_presets()
        if self.remote:
            self.adopt()
        else:
            requeued = self.store.requeue_running()
            if requeued:
                log.info("%d job(s) left unfinished by the last watcher: queued again", requeued)
        observer = _observe(self.options.inbox, self.wake)
        last_scan = -float("inf")
        try:
            while not self.stopping:
                now = time.monotonic()
                if self.wake.is_set() or now - last_scan >= self.options.rescan or self.settling.waiting():
                    self.wake.clear()
                    self.rescan(now)
                    last_scan = now
                self.dispatch()
                for report in self.pool.reports(timeout=_TICK_S):
                    self.record(report)
                if self.options.once and self.idle():
                    break
        finally:
            self.pool.stop()
            if self.remote:
                left = len(self.store.entries("running"))
                if left:
                    log.info("stopped: %d job(s) go on on the workers; the next watcher records them", left)
            else:
                left = self.store.requeue_running()
                if left:
                    log.info("stopped: %d running job(s) will be done again at the next start", left)
            if observer is not None:
                observer.stop()
            self.store.close()


def _observe(inbox: Path, wake: threading.Event) -> Any:
    """watchdog's observer: any event in IN wakes the loop; None where it cannot start (then rescans do)."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                wake.set()

        observer = Observer()
        observer.schedule(Wake(), str(inbox), recursive=True)
        observer.start()
        return observer
    except Exception as exc:  # inotify limits, unsupported file systems: the rescan still finds everything
        log.warning("no filesystem events for %s (%s); rescanning every few seconds instead", inbox, exc)
        return None


def watch(options: WatchOptions, settings_for: Callable[[str], JobSettings | None], setup: Callable[..., None],
          setup_args: tuple[Any, ...], pool: Any = None) -> None:  # fmt: skip
    """Watch until SIGINT or SIGTERM (or, with `once`, until nothing is left to do)."""
    lock = hold_lock(options.outbox)
    watcher = Watcher(options, settings_for, setup, setup_args, pool)

    def stop(signum: int, _: Any) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        watcher.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        log.info("watching %s -> %s (%d job(s) at a time)", options.inbox, options.outbox, options.jobs)
        watcher.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.close()
