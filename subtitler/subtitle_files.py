"""A job's cues as the text of a subtitle file, and as scratch files for ffmpeg."""

from __future__ import annotations

from pathlib import Path

from subtitler.canvas import canvas_for
from subtitler.formats import FORMATS, Content, Look
from subtitler.job import Job
from subtitler.outputs import write_text


def look_for(job: Job) -> Look:
    """What a styled format draws with: the job's style, its cue layout, and the picture under the text."""
    return Look(job.options.style, job.options.cues, canvas_for(job))


def render(job: Job, fmt: str, language: str) -> str:
    """A language's cues as the text of a file in the format named `fmt`."""
    return FORMATS[fmt].write(Content(cues=job.cues[language]), look_for(job))


def scratch_subtitles(job: Job, fmt: str, language: str, name: str = "") -> Path:
    """A subtitle file in the job's scratch folder, under a name the program chose itself."""
    path = job.work / (name or f"{language}.{FORMATS[fmt].suffix}")
    write_text(path, render(job, fmt, language))
    return path
