"""What burn-in decides for a job, for the burn stage and the enhance pass alike: which language is
burned, and the font that really draws it."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from subtitler import fonts, languages
from subtitler.errors import UsageError
from subtitler.formats import plain_text
from subtitler.job import Job
from subtitler.options import SPOKEN

log = logging.getLogger(__name__)


def burn_language(job: Job) -> str | None:
    """The language to burn, None when nothing is to be burned (none asked for, or no speech);
    UsageError when the job has no subtitles in it."""
    burn = job.options.output.burn
    if burn == SPOKEN:
        burn = job.transcript.language if job.transcript else ""
    if not burn:
        return None
    language = languages.normalize(burn)
    if f"burned:{language}" in job.problems:  # its subtitles could not be made: said in the job's problems
        return None
    if language not in job.cues:
        raise UsageError(f"cannot burn '{language}': this input's subtitles are in {', '.join(job.cues) or 'no language'}")
    if not job.cues[language]:
        log.info("%s: no speech found, so nothing to burn in", job.stem)
        return None
    return language


def burned_path(job: Job, language: str) -> Path:
    return job.output(f"{job.stem}.{language}.burned.mp4")


def with_font(job: Job, language: str) -> Job:
    """The job with the font that will really draw its text: the preset's, or a stated fallback when it
    is not installed; FontError when no installed font has some of the characters (no boxes burned in)."""
    text = "\n".join(plain_text(line) for cue in job.cues[language] for line in cue.lines)
    choice = fonts.require(job.options.style.font, text)
    log.info("%s: burning with the font %s", job.stem, choice.used)
    if not choice.fallback:
        return job
    style = dataclasses.replace(job.options.style, font=choice.used)
    return dataclasses.replace(job, options=dataclasses.replace(job.options, style=style))
