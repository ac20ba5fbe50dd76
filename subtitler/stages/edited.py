"""Stage: subtitles a person corrected (SRT, VTT or ASS) as the cues to burn, instead of a transcript.

The person's line breaks are kept. Word times are not in such a file, so each cue's words are
spread over its time by their length (enough for word-by-word highlighting).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from subtitler.errors import UsageError
from subtitler.formats import parse
from subtitler.model import Cue, Sentence
from subtitler.pipeline import Job
from subtitler.reuse import digest
from subtitler.sentences import spread

FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ass"}


def read_cues(path: Path, language: str) -> tuple[Cue, ...]:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: subtitles must be SRT, VTT or ASS")
    try:
        entries = parse(path.read_text(encoding="utf-8-sig"), fmt)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read the subtitles {path}: {exc}") from exc
    cues = []
    for start, end, text in sorted(entries):
        lines = tuple(line.strip() for line in text.splitlines() if line.strip())
        if lines and end > start:
            words = spread(Sentence(start, end, " ".join(lines)), [], language)
            cues.append(Cue(start, end, lines, tuple(words)))
    if not cues:
        raise UsageError(f"{path} holds no subtitles")
    return tuple(cues)


class EditedSubtitles:
    name = "subtitles"

    def __init__(self, path: Path, language: str):
        self.path = path
        self.language = language

    def run(self, job: Job) -> Job:
        cues = read_cues(self.path, self.language)
        made_from = "edited:" + digest(self.path.read_bytes().hex())
        return dataclasses.replace(job, cues={self.language: cues}, digests={**job.digests, f"subs:{self.language}": made_from})
