"""`subtitler watch`, `status` and `retry`: the watched folder and its job state."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import click

from subtitler.cli.common import broker_option, common, job_options, overrides, setup_logging, setup_worker_logging
from subtitler.errors import SubtitlerError, UsageError
from subtitler.job import JobSettings
from subtitler.names import shown
from subtitler.options import load_options
from subtitler.outputs import ensure_folder
from subtitler.settings import job_settings
from subtitler.watch.store import DATABASE, Store
from subtitler.watch.watcher import LOG, WatchOptions, watch, watcher_pid
from subtitler.watch.workers import ERROR_LOG

log = logging.getLogger("subtitler")


@click.command("watch")
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Jobs side by side (Whisper already uses every core, so 1 suits most machines).")  # fmt: skip
@click.option("--settle", type=click.FloatRange(0.2), default=5.0, show_default=True,
              help="Seconds a file's size and time must stay the same before it is taken.")  # fmt: skip
@click.option("--rescan", type=click.FloatRange(0.5), default=10.0, show_default=True,
              help="Seconds between full rescans (for network shares, where events do not arrive).")  # fmt: skip
@click.option("--move-done", type=click.Path(file_okay=False, path_type=Path), help="Move finished inputs here.")
@click.option("--once", is_flag=True, help="Process what is there, then exit.")
@broker_option("Hand the jobs to `subtitler worker`s through this broker instead of running them here")
@job_options
@common
def watch_command(inbox: Path, out: Path, jobs: int, settle: float, rescan: float, move_done: Path | None, once: bool,
                  broker: str | None, preset: str, force: bool, **flags: Any) -> None:  # fmt: skip
    """Subtitle every video that arrives in INBOX (and its subfolders) into OUT, once each."""
    if out.resolve() == inbox.resolve():
        raise UsageError("the output folder must not be the watched folder (outputs would be taken as inputs)")
    given = overrides(flags)
    pool = None
    if broker is not None:  # the workers check the model and the languages; here only the preset and the flags
        from subtitler.cluster.app import connect
        from subtitler.cluster.pool import BrokerPool

        chosen, app = connect(broker)
        load_options(preset, given, force=force)
    else:
        job_settings(preset, given, force)  # the command line's settings are checked before anything starts
    # Folder presets are not: the watcher checks them whenever subtitler-watch.toml or a preset file changes, and a
    # bad one fails only the inputs of its folders (with the reason, in `status`), never the watcher.
    try:
        ensure_folder(out)
        if move_done:
            ensure_folder(move_done)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc
    debug, quiet = click.get_current_context().meta["subtitler.log"]
    log_file = out / LOG
    setup_logging(debug, quiet, log_file)

    def settings_for(name: str) -> JobSettings | None:  # not cached: the watcher loads a preset again when it changes
        if broker is not None:
            load_options(name, given, force=force)
            return None
        return job_settings(name, given, force)

    if broker is not None:
        pool = BrokerPool(app, chosen, out, given, force)
        log.info("jobs go to the workers at %s", chosen.shown)
    options = WatchOptions(inbox, out, preset, jobs, settle, rescan, move_done, once)
    watch(options, settings_for, setup_worker_logging, (log_file, debug), pool)


def _store(out: Path) -> Store:
    if not (out / DATABASE).is_file():
        raise UsageError(f"{out} has no watch state ({DATABASE}): 'subtitler watch IN -o {out}' makes it")
    return Store(out)


def _ago(moment: float | None) -> str:
    if moment is None:
        return "-"
    seconds = max(0.0, time.time() - moment)
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


@click.command("status")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--errors", "error_count", type=int, default=5, show_default=True,
              help="How many recent failures (and jobs done without some outputs) to show.")  # fmt: skip
@broker_option("Also show the workers of this broker (also shown when $SUBTITLER_BROKER is set)")
@common
def status_command(out: Path, error_count: int, broker: str | None) -> None:
    """The queue, the running jobs with their progress, done and failed counts, the last errors, and the jobs
    done without some outputs (which, and why); with a broker, its workers and what each is doing."""
    store = _store(out)
    sent = any(e.task for e in store.entries("running"))
    store.close()
    if sent:  # jobs sent with --detach, or by a coordinator that is gone: record those that ended meanwhile
        from subtitler.cluster.submit import settle_ledger

        settle_ledger(out)
    if broker is not None or os.environ.get("SUBTITLER_BROKER"):
        from subtitler.cluster.status import worker_lines

        store = Store(out)
        try:
            for line in worker_lines(broker or None, store):
                click.echo(line)
        finally:
            store.close()
    store = Store(out)
    try:
        pid = watcher_pid(out)
        counts = store.counts()
        partial = sorted(store.partial(), key=lambda e: e.finished_at or 0, reverse=True)
        click.echo(f"watcher: {'running (pid ' + str(pid) + ')' if pid else 'not running'}")
        missing = f"  ({len(partial)} done with outputs missing: done*)" if partial else ""
        click.echo("  ".join(f"{state} {count}" for state, count in counts.items()) + missing)
        for entry in store.entries("running"):
            click.echo(f"running  {shown(entry.path)}  {entry.stage or 'starting'} {entry.progress:.0%}  "
                       f"(attempt {entry.attempts}, started {_ago(entry.started_at)})")  # fmt: skip
        for entry in store.entries("queued"):
            click.echo(f"queued   {shown(entry.path)}")
        failed = sorted(store.entries("failed"), key=lambda e: e.finished_at or 0, reverse=True)[:error_count]
        for entry in failed:
            first_line = entry.error.splitlines()[0] if entry.error else ""
            error_log = out / entry.output / ERROR_LOG
            log = f"  (log: {shown(error_log)})" if not entry.cause and error_log.is_file() else ""  # not run: no log
            click.echo(f"failed   {shown(entry.path)}: {first_line}{log}")
        for entry in partial[:error_count]:
            click.echo(f"done*    {shown(entry.path)}: {entry.error}")
    finally:
        store.close()


@click.command("retry")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("inputs", nargs=-1)
@common
def retry_command(out: Path, inputs: tuple[str, ...]) -> None:
    """Queue failed INPUTS, or ones done without some outputs (paths as `status` shows them, or as they are;
    all such ones if none), again."""
    store = _store(out)
    try:
        count = store.retry(Path(i).as_posix() if not os.path.isabs(i) else i for i in inputs)
    finally:
        store.close()
    click.echo(f"{count} job(s) queued again" + ("" if watcher_pid(out) else "; they run at the next 'subtitler watch'"))
