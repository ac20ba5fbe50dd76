"""The runner: one job through its stages, and a batch of jobs where one failure stops no other."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence

from subtitler.errors import OutputError, SubtitlerError
from subtitler.job import Job, Result, Stage
from subtitler.names import shown
from subtitler.outputs import ensure_folder

log = logging.getLogger(__name__)


def _fresh_scratch(job: Job) -> None:
    """The job's folder as a real folder (never a link to elsewhere) and an empty scratch folder in it.

    Whatever was there under the scratch name (a folder or a link an ended run left, or someone
    put there) is removed, never followed: the caller holds the output folder's lock, so no run
    that is still going owns it."""
    if job.folder.is_symlink():
        raise OutputError(f"{shown(job.folder)} is a link: outputs are only written into real folders")
    ensure_folder(job.folder)
    work = job.work
    if work.is_symlink() or (work.exists() and not work.is_dir()):
        work.unlink()
    elif work.exists():
        shutil.rmtree(work)
    work.mkdir()
    for stale in job.folder.glob(".*.partial-*"):  # left by a run that was killed mid-write
        if not stale.is_dir():
            stale.unlink(missing_ok=True)


def run_job(job: Job, stages: Sequence[Stage]) -> Job:
    _fresh_scratch(job)
    try:
        for stage in stages:
            started = time.perf_counter()
            log.debug("%s: %s", job.stem, stage.name)
            job = stage.run(job)
            job = dataclasses.replace(job, timings={**job.timings, stage.name: round(time.perf_counter() - started, 3)})
    finally:
        shutil.rmtree(job.work, ignore_errors=True)
    return job


def error_message(exc: BaseException) -> str:
    """One line for a person: a SubtitlerError's own message, the OS's reason (no space left, permission
    denied) with the file it concerns, else the kind of bug."""
    if isinstance(exc, SubtitlerError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {shown(exc.filename)}" if exc.filename else ""
        return f"{exc.strerror.lower()}{where}"
    return f"internal error: {exc.__class__.__name__}: {exc}"


def _clean_after_failure(job: Job) -> None:
    """A failed input leaves no empty output folder; one whose input vanished mid-job, and that no run ever
    finished (no job.json), leaves no partial outputs either."""
    folder = job.folder
    if folder.is_symlink() or not folder.is_dir():
        return
    if not os.path.lexists(job.source) and not job.output("job.json").exists():
        log.info("%s: the input is gone; removing its unfinished outputs in %s", shown(job.source), shown(folder))
        shutil.rmtree(folder, ignore_errors=True)
        return
    with contextlib.suppress(OSError):  # not empty (earlier outputs, an error log), or already gone
        os.rmdir(folder)


def run_batch(
    jobs: Sequence[Job],
    stages: Sequence[Stage],
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run every job; one job's failure is reported and the others go on. A job that ran to its end with
    some outputs it could not make (a language not reached) is a partial Result: `ok`, and `partial`."""
    results = []
    for job in jobs:
        started = time.perf_counter()
        try:
            done = run_job(job, stages)
            result = Result(job.source, True, done, seconds=time.perf_counter() - started)
        except Exception as exc:  # a bug in one file must not stop the rest of the batch either
            log.debug("%s failed", shown(job.source), exc_info=True)  # the traceback, shown with --debug
            _clean_after_failure(job)
            result = Result(job.source, False, error=error_message(exc), seconds=time.perf_counter() - started)
        results.append(result)
        if on_result:
            on_result(result)
    return results
