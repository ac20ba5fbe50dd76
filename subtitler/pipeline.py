"""The job that flows through the stages, the stage protocol, and the runner for a batch of files."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from subtitler.errors import SubtitlerError
from subtitler.glossary import Glossary
from subtitler.model import Cue, MediaInfo, Transcript
from subtitler.model_store import ResolvedModel
from subtitler.options import Options
from subtitler.outputs import ensure_folder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSettings:
    """What every job of a run shares: the options, the Whisper model, the glossary (checked up front)."""

    options: Options
    model: ResolvedModel
    glossary: Glossary = field(default_factory=Glossary)


@dataclass(frozen=True)
class Job:
    """Everything known about one input; each stage returns a new Job with its part filled in."""

    source: Path
    folder: Path  # OUT/<stem>/
    stem: str
    options: Options
    model: ResolvedModel | None  # None when no transcription is needed (burning given subtitles)
    glossary: Glossary = field(default_factory=Glossary)
    media: MediaInfo | None = None
    audio: Any = field(default=None, repr=False, compare=False)  # float32 16 kHz mono samples, dropped after use
    transcript: Transcript | None = None
    reused: tuple[str, ...] = ()  # stages whose earlier output was kept
    cues: dict[str, tuple[Cue, ...]] = field(default_factory=dict)  # language -> cues, the spoken language first
    routes: dict[str, str] = field(default_factory=dict)  # target language -> the engines that made it
    enhanced: dict[str, Any] = field(default_factory=dict)  # what the enhance stage measured (loudness before/after)
    files: dict[str, Path] = field(default_factory=dict)  # "srt:en", "subtitled", "burned:en", ... -> path
    digests: dict[str, str] = field(default_factory=dict)  # same keys: what each file was made from
    previous: dict[str, str] = field(default_factory=dict)  # digests recorded by the last finished run
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def silent(self) -> bool:
        """A video with no audio stream (taken only to be enhanced): nothing to transcribe."""
        return self.media is not None and not self.media.has_audio

    @property
    def work(self) -> Path:
        """Scratch folder for files the program names itself (removed when the job ends)."""
        return self.folder / ".work"

    @classmethod
    def of(cls, source: Path, folder: Path, stem: str, settings: JobSettings) -> Job:
        return cls(source, folder, stem, settings.options, settings.model, settings.glossary)

    def output(self, name: str) -> Path:
        return self.folder / name

    def keeps(self, key: str, path: Path, made_from: str) -> bool:
        """True when `path` is an earlier run's finished output made from the same things."""
        kept = not self.options.force and path.is_file() and self.previous.get(key) == made_from
        if kept:
            log.info("%s: keeping %s (unchanged; --force redoes it)", self.stem, path.name)
        return kept

    def with_file(self, key: str, path: Path, made_from: str) -> Job:
        return dataclasses.replace(self, files={**self.files, key: path}, digests={**self.digests, key: made_from})


class Stage(Protocol):
    name: str

    def run(self, job: Job) -> Job: ...


@dataclass(frozen=True)
class Result:
    source: Path
    ok: bool
    job: Job | None = None
    error: str = ""
    seconds: float = 0.0


def build_stages(options: Options) -> list[Stage]:
    """The stages this run needs, in order."""
    from subtitler.stages import (
        burn,
        enhance,
        extract_audio,
        mux,
        probe,
        record,
        resume,
        review,
        segment,
        transcribe,
        translate,
        write,
    )

    stages: list[Stage] = [
        probe.Probe(),
        resume.Resume(),
        extract_audio.ExtractAudio(),
        transcribe.Transcribe(),
        segment.Segment(),
        translate.Translate(),
        write.Write(),
    ]
    if options.enhance.upscale > 1 or options.enhance.audio:
        stages.append(enhance.Enhance())  # both video outputs in one pass
    else:
        if options.output.mux:
            stages.append(mux.Mux())
        if options.output.burn:
            stages.append(burn.Burn())
    if options.review.report:
        stages.append(review.Review())
    stages.append(record.Record())
    return stages


def run_job(job: Job, stages: Sequence[Stage]) -> Job:
    ensure_folder(job.work)
    for stale in job.folder.glob(".*.partial-*"):  # left by a run that was killed mid-write
        stale.unlink(missing_ok=True)
    try:
        for stage in stages:
            started = time.perf_counter()
            log.debug("%s: %s", job.stem, stage.name)
            job = stage.run(job)
            job = dataclasses.replace(job, timings={**job.timings, stage.name: round(time.perf_counter() - started, 3)})
    finally:
        shutil.rmtree(job.work, ignore_errors=True)
    return job


def run_batch(
    jobs: Sequence[Job],
    stages: Sequence[Stage],
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run every job; one job's failure is reported and the others go on."""
    results = []
    for job in jobs:
        started = time.perf_counter()
        try:
            done = run_job(job, stages)
            result = Result(job.source, True, done, seconds=time.perf_counter() - started)
        except Exception as exc:  # a bug in one file must not stop the rest of the batch either
            log.debug("%s failed", job.source, exc_info=True)  # the traceback, shown with --debug
            error = str(exc) if isinstance(exc, SubtitlerError) else f"internal error: {exc.__class__.__name__}: {exc}"
            result = Result(job.source, False, error=error, seconds=time.perf_counter() - started)
        results.append(result)
        if on_result:
            on_result(result)
    return results
