"""`subtitler run`: a batch of files, folders and globs, each into OUT/<name>/."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from subtitler.cli.common import common, job_options, job_settings, overrides
from subtitler.errors import SubtitlerError, UsageError
from subtitler.inputs import expand, name_outputs
from subtitler.options import load_options
from subtitler.outputs import check_folder, ensure_folder
from subtitler.pipeline import Job, Result, build_stages, run_batch

log = logging.getLogger("subtitler")


def _usage(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@job_options
@common
def run(inputs: tuple[str, ...], out: Path, preset: str, force: bool, **flags: Any) -> None:
    """Subtitle INPUTS (files, folders, globs) into OUT/<name>/."""
    given = overrides(flags)
    load_options(preset, given, force=force)  # a bad preset or flag is reported before anything else
    _usage(check_folder, out)
    paths = expand(list(inputs), out)
    if not paths:
        raise UsageError("no media files found in the inputs given")
    settings = job_settings(preset, given, force)
    _usage(ensure_folder, out)
    log.info("model: %s (%s)", settings.model.name, settings.model.source)
    jobs = [Job.of(i.source, out / i.stem, i.stem, settings) for i in name_outputs(paths)]

    def report(result: Result) -> None:
        if result.ok:
            folder = result.job.folder if result.job else ""
            click.echo(f"done    {result.source}  ->  {folder}  ({result.seconds:.1f} s)", err=True)
        else:
            click.echo(f"failed  {result.source}: {result.error}", err=True)

    results = run_batch(jobs, build_stages(settings.options), on_result=report)
    failed = [r for r in results if not r.ok]
    click.echo(f"{len(results) - len(failed)} of {len(results)} done, {len(failed)} failed", err=True)
    sys.exit(1 if failed else 0)
