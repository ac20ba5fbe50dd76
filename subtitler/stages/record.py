"""Stage: `job.json`, what was done with which settings, models and versions (always the last)."""

from __future__ import annotations

import dataclasses
import json
import platform
from functools import lru_cache
from importlib import metadata

from subtitler import placement
from subtitler.job import Job
from subtitler.names import printable, shown
from subtitler.outputs import write_text
from subtitler.version import __version__


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    found = {"subtitler": __version__, "python": platform.python_version()}
    for package in ("faster-whisper", "ctranslate2", "sentencepiece", "av", "pysubs2", "imageio-ffmpeg"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


class Record:
    name = "record"

    def run(self, job: Job) -> Job:
        _write(job, job_summary(job))
        return job


class AddToRecord:
    """After a partial job (burning corrected subtitles): its outputs added to the job.json already there."""

    name = "record"

    def run(self, job: Job) -> Job:
        try:
            summary = json.loads(job.output("job.json").read_text(encoding="utf-8"))
            summary["outputs"].update(job_summary(job)["outputs"])
            summary["placement"] = {**(summary.get("placement") or {}), **placement.record(job)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            summary = job_summary(job)
        _write(job, summary)
        return job


def _write(job: Job, summary: dict[str, object]) -> None:
    text = json.dumps(printable(summary), indent=2, ensure_ascii=False, default=str, allow_nan=False)
    write_text(job.output("job.json"), text + "\n")


def job_summary(job: Job) -> dict[str, object]:
    transcript = job.transcript
    return {
        "source": shown(job.source.absolute()),  # the full name as given (undecodable bytes as \xNN)
        "stem": job.stem,  # the name of the output folder and files (safe on every file system)
        "preset": job.options.preset,
        "options": dataclasses.asdict(job.options),
        "model": {"name": job.model.name, "path": str(job.model.path), "source": job.model.source} if job.model else None,
        "versions": versions(),
        "media": dataclasses.asdict(job.media) if job.media else None,
        "language": transcript.language if transcript else None,
        "language_probability": round(transcript.language_probability, 4) if transcript else None,
        "cue_counts": {lang: len(cues) for lang, cues in job.cues.items()},
        "translations": {lang: {"route": route, "kept": f"translate:{lang}" in job.reused} for lang, route in job.routes.items()},
        "edited": dict(job.edited),  # language -> the version of a person's correction its outputs were made from
        "glossary": [term.text for term in job.glossary.terms],
        "enhanced": job.enhanced or None,
        "reused": list(job.reused),
        "timings": job.timings,
        "outputs": {key: {"path": path.name, "digest": job.digests[key]} for key, path in job.files.items()},
        "problems": dict(job.problems),  # outputs that could not be made ("translation:de", "burned:de") -> why
        "placement": placement.record(job),  # burned cues moved clear of faces and text, per language
    }
