"""The job that flows through the stages, what a run's jobs share, the stage protocol, and a job's result."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from subtitler.cues import Cleaned, clean
from subtitler.glossary import Glossary
from subtitler.model import Cue, MediaInfo, Transcript, Word
from subtitler.model_store import ResolvedModel
from subtitler.options import Options
from subtitler.speech_map import cue_starts_on_speech

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
    dropped: tuple[Word, ...] = ()  # words Whisper wrote twice at a segment boundary, dropped from the cues
    speech: tuple[tuple[float, float], ...] | None = None  # where the audio holds sound ([cues] snap_to_speech)
    edited: dict[str, int] = field(default_factory=dict)  # language -> the version of a person's correction its cues are
    routes: dict[str, str] = field(default_factory=dict)  # target language -> the engines that made it
    enhanced: dict[str, Any] = field(default_factory=dict)  # what the enhance stage measured (loudness before/after)
    files: dict[str, Path] = field(default_factory=dict)  # "srt:en", "subtitled", "burned:en", ... -> path
    digests: dict[str, str] = field(default_factory=dict)  # same keys: what each file was made from
    previous: dict[str, str] = field(default_factory=dict)  # digests recorded by the last finished run
    timings: dict[str, float] = field(default_factory=dict)
    # Outputs that could not be made while the others were ("translation:de", "burned:de") -> why, on one line.
    problems: dict[str, str] = field(default_factory=dict)

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

    def spoken_words(self) -> list[Word]:
        """The transcript's words fit to cut into cues, glossary terms spelled as written."""
        return self.spoken().words

    def on_speech(self, cues: tuple[Cue, ...]) -> tuple[Cue, ...]:
        """The cues, none showing in the silence before its first word, once the audio's speech map is known
        (`[cues] snap_to_speech`: the `cues` stage sets `speech`)."""
        if self.speech is None:
            return cues
        return cue_starts_on_speech(cues, self.speech, self.options.cues.min_duration)

    def spoken(self) -> Cleaned:
        """`spoken_words`, and the repetitions of Whisper's that cleaning them dropped (the review lists them)."""
        assert self.transcript is not None
        return clean(self.glossary.respell_words(self.transcript.words), self.transcript.duration)


class Stage(Protocol):
    name: str

    def run(self, job: Job) -> Job: ...


# How each kind of output key reads when that output could not be made.
_NOT_MADE = {"translation": "not translated", "burned": "not burned"}


def problem_line(problems: dict[str, str]) -> str:
    """A job's problems as one line: `not translated: de (why); not burned: de (why)`."""
    parts = []
    for key, reason in problems.items():
        kind, _, language = key.partition(":")
        parts.append(f"{_NOT_MADE.get(kind, 'not made')}: {language or kind} ({reason})")
    return "; ".join(parts)


@dataclass(frozen=True)
class Result:
    """How one input went. `ok`: the job ran to its end (its job.json written), `job` is the finished Job;
    else `error` says why it failed. `partial`: it ran to its end, but some outputs could not be made
    (`problems`: output key -> why), every other output was."""

    source: Path
    ok: bool
    job: Job | None = None
    error: str = ""
    seconds: float = 0.0

    @property
    def problems(self) -> dict[str, str]:
        return dict(self.job.problems) if self.ok and self.job is not None else {}

    @property
    def partial(self) -> bool:
        return bool(self.problems)
