"""What each output of a job is made from, as a digest: an output is redone only when its digest changes."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from subtitler.canvas import canvas_for
from subtitler.edits import Edit, EditStore
from subtitler.formats import FORMATS
from subtitler.job import Job
from subtitler.names import shown
from subtitler.reuse import digest

log = logging.getLogger(__name__)

EDITED = "edited:"  # what a digest made from a person's correction starts with

# Settings that change how fast Whisper runs but not what it writes. The batch size is one (4, 8 and 16 windows
# at once write the same words, so a GPU worker and a CPU worker share a transcript), but whether decoding is
# batched at all is not: sequential decoding conditions each window on the last (`batched` below).
SPEED_ONLY = ("device", "threads", "batch_size")


def transcript_meta(job: Job) -> dict[str, Any]:
    """The input and the transcription settings the transcript comes from (kept in its JSON)."""
    assert job.media is not None and job.model is not None
    settings = {k: v for k, v in dataclasses.asdict(job.options.transcribe).items() if k not in SPEED_ONLY}
    settings["batched"] = job.options.transcribe.batch_size > 0
    settings["model"] = job.model.name
    return {"source": shown(job.source.name), "size": job.media.size_bytes, "mtime": job.media.mtime, "transcribe": settings}


def transcript_digest(job: Job) -> str:
    return digest(transcript_meta(job))


def text_digest(job: Job, language: str) -> str:
    """What a language's words were made from: a person's correction (`edited:<lang>:<version digest>`, from
    `with_edit` or a subtitle file given to burn), its translation, or the transcript and the glossary."""
    given = job.digests.get(f"subs:{language}") or job.digests.get(f"translation:{language}")
    return given or digest(transcript_digest(job), job.glossary)


def edit_digest(language: str, edit: Edit) -> str:
    """What a correction says and when: `edited:<lang>:<digest of its cues>` (the same cues, the same digest)."""
    return f"{EDITED}{language}:{digest([dataclasses.asdict(cue) for cue in edit.cues])}"


def with_edit(job: Job, language: str) -> Job | None:
    """The job with `language`'s cues taken from a person's current correction in the job folder (`edits.EditStore`),
    their text digest made from it (so every output of the language follows it) and its version noted; None when
    the language has no correction in use."""
    edit = EditStore(job.folder).current(language)
    if edit is None:
        return None
    log.info("%s: kept your edited subtitles (%s, version %d)", job.stem, language, edit.version)
    return dataclasses.replace(
        job,
        cues={**job.cues, language: edit.cues},
        edited={**job.edited, language: edit.version},
        digests={**job.digests, f"subs:{language}": edit_digest(language, edit)},
    )


def subtitle_digest(job: Job, fmt: str, language: str) -> str:
    """A subtitle file in one format: its words, the cue rules, and (styled formats) the style and the canvas."""
    style = job.options.style if FORMATS[fmt].styled else None
    return digest(text_digest(job, language), language, fmt, job.options.cues, style, canvas_for(job) if style else None)


def cues_digest(job: Job) -> str:
    """What the cues say and when, in every language."""
    return digest({language: [dataclasses.asdict(cue) for cue in cues] for language, cues in job.cues.items()})
