"""`subtitler run`: a batch of files, folders and globs, each into OUT/<name>/."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from subtitler.cli.common import broker_options, common, job_options, overrides
from subtitler.edits import EditStore
from subtitler.errors import SubtitlerError, UsageError
from subtitler.inputs import expand, name_outputs
from subtitler.job import Job, Result, problem_line
from subtitler.names import shown
from subtitler.options import load_options
from subtitler.outputs import check_folder, ensure_folder, folder_lock
from subtitler.pipeline import run_batch
from subtitler.settings import job_settings
from subtitler.stages import build_stages
from subtitler.watch.watcher import watcher_pid

log = logging.getLogger("subtitler")


def _usage(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc


def _discard_edits(job: Job) -> None:
    """Every correction of the job's subtitles set aside: a version that says so, the history kept."""
    store = EditStore(job.folder)
    for language in store.languages():
        version = store.discard(language, "discarded by 'subtitler run --discard-edits'")
        log.info("%s: discarded your edited subtitles (%s; the history is kept, version %s)", job.stem, language, version)


def _send(broker: str, detach: bool, paths: list[Path], out: Path, preset: str, given: dict[str, dict[str, Any]],
          force: bool) -> None:  # fmt: skip
    """The jobs to the workers through the broker (each checked there), and, unless `detach`, their ends."""
    from subtitler.cluster.app import connect
    from subtitler.cluster.submit import send_and_wait

    chosen, app = connect(broker)  # before anything is written into OUT
    _usage(ensure_folder, out)
    sent = send_and_wait(chosen, app, name_outputs(paths), out, preset, given, force, None, detach)
    if detach:
        refused = f", {sent.failed} not sent (why: 'subtitler status {shown(out)}')" if sent.failed else ""
        click.echo(f"sent {sent.left} job(s){refused}; 'subtitler status {shown(out)}' shows how they are doing", err=True)
        sys.exit(1 if sent.failed else 0)
    some = f" ({sent.partial} with outputs missing: done*)" if sent.partial else ""
    left = f", {sent.left} still running (see 'subtitler status {shown(out)}')" if sent.left else ""
    total = sent.done + sent.partial + sent.failed + sent.left
    click.echo(f"{sent.done + sent.partial} of {total} done{some}, {sent.failed} failed{left}", err=True)
    sys.exit(1 if sent.failed or sent.partial or sent.left else 0)


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--discard-edits",
    is_flag=True,
    help="Drop people's corrections (kept as history in OUT/<name>/edits/): the machine's subtitles again.",
)
@broker_options
@job_options
@common
def run(inputs: tuple[str, ...], out: Path, preset: str, force: bool, discard_edits: bool, broker: str | None,
        detach: bool, **flags: Any) -> None:  # fmt: skip
    """Subtitle INPUTS (files, folders, globs) into OUT/<name>/. Subtitles a person corrected are kept (with
    --force too), unless --discard-edits."""
    given = overrides(flags)
    load_options(preset, given, force=force)  # a bad preset or flag is reported before anything else
    _usage(check_folder, out)
    paths = expand(list(inputs), out)
    if not paths:
        raise UsageError("no media files found in the inputs given")
    if broker is not None:
        if discard_edits:
            raise UsageError("--discard-edits runs here only: drop the corrections with a local 'subtitler run' first")
        _send(broker, detach, paths, out, preset, given, force)
    if detach:
        raise UsageError("--detach needs --broker (the jobs then go on on the workers)")
    settings = job_settings(preset, given, force)
    _usage(ensure_folder, out)
    if watcher_pid(out):
        raise UsageError(f"a watcher is writing into {out}: stop it, or choose another output folder")
    log.info("model: %s (%s)", settings.model.name, settings.model.source)
    jobs = [Job.of(i.source, out / i.stem, i.stem, settings) for i in name_outputs(paths)]

    def report(result: Result) -> None:
        if not result.ok:
            click.echo(f"failed  {shown(result.source)}: {result.error}", err=True)
            return
        folder = result.job.folder if result.job else ""
        line = f"{shown(result.source)}  ->  {shown(folder)}  ({result.seconds:.1f} s)"
        if result.partial:  # done, but some outputs could not be made: each named, with why
            click.echo(f"done*   {line}; {problem_line(result.problems)}", err=True)
        else:
            click.echo(f"done    {line}", err=True)

    with folder_lock(out):
        if discard_edits:
            for job in jobs:
                _discard_edits(job)
        results = run_batch(jobs, build_stages(settings.options), on_result=report)
    failed = [r for r in results if not r.ok]
    partial = [r for r in results if r.partial]
    some = f" ({len(partial)} with outputs missing: done*)" if partial else ""
    click.echo(f"{len(results) - len(failed)} of {len(results)} done{some}, {len(failed)} failed", err=True)
    sys.exit(1 if failed or partial else 0)
