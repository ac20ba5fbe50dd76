"""Stage: subtitles a person corrected (SRT, VTT or ASS) as the cues to burn, instead of a transcript.

The file is read strictly (`subtitle_reader`) when the stage is made, before any work: a malformed cue is
an error naming its line, or with `lenient` a warning and the cue skipped. The person's line breaks are
kept. Word times are not in such a file, so each cue's words are spread over its time by their length
(enough for word-by-word highlighting), or take the times Whisper heard where the cue has as many words as
were spoken in its time (`edits.with_spoken_times`).

In the folder of a finished job (its job.json there), the file is also kept as a new version of that language's
corrections (`edits.EditStore`), so every later run makes all of the language's outputs from it;
`subtitler apply` is the command that re-makes them at once.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from subtitler import subtitle_reader
from subtitler.digests import edit_digest, with_edit
from subtitler.edits import Edit, save_correction
from subtitler.errors import UsageError
from subtitler.job import Job
from subtitler.model import Cue, Sentence
from subtitler.sentences import spread

log = logging.getLogger(__name__)


def read_cues(path: Path, language: str, lenient: bool = False) -> tuple[Cue, ...]:
    """The file's cues, sorted, with words spread over them; UsageError (exit 2) for a file refused."""
    return _cues(path, _read_bytes(path), language, lenient)


def _read_bytes(path: Path) -> bytes:
    if path.suffix.lower() not in subtitle_reader.FORMATS:
        raise UsageError(f"{path}: subtitles must be SRT, VTT or ASS")
    try:
        with path.open("rb") as file:
            return file.read(subtitle_reader.MAX_FILE_BYTES + 1)  # one byte more tells the reader it is too large
    except OSError as exc:
        raise UsageError(f"cannot read the subtitles {path}: {exc.strerror or exc}") from exc


def _cues(path: Path, data: bytes, language: str, lenient: bool) -> tuple[Cue, ...]:
    subtitles = subtitle_reader.read(data, subtitle_reader.FORMATS[path.suffix.lower()])
    cues, warnings = subtitle_reader.check(subtitles, str(path), lenient)
    for warning in warnings:
        log.warning("%s", warning)
    return tuple(
        Cue(c.start, c.end, c.lines, tuple(spread(Sentence(c.start, c.end, " ".join(c.lines)), [], language))) for c in cues
    )


class EditedSubtitles:
    name = "subtitles"

    def __init__(self, path: Path, language: str, lenient: bool = False):
        """Reads the file now, so that a bad one fails before any work (UsageError)."""
        self.path = path
        self.language = language
        self.cues = read_cues(path, language, lenient)

    def run(self, job: Job) -> Job:
        if job.output("job.json").is_file():  # a finished job's folder: the correction is kept as a version
            version = save_correction(job.folder, job.stem, self.language, self.cues, f"from {self.path.name}")
            log.info("%s: saved %s as version %d of your %s corrections", job.stem, self.path.name, version, self.language)
            edited = with_edit(job, self.language)
            if edited is not None:
                return dataclasses.replace(edited, cues={self.language: edited.cues[self.language]})
        made_from = edit_digest(self.language, Edit(0, self.cues))  # a correction's digest, though not kept as one
        digests = {**job.digests, f"subs:{self.language}": made_from}
        return dataclasses.replace(job, cues={self.language: self.cues}, digests=digests)
