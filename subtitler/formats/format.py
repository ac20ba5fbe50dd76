"""What every output format is, and what it is written from (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from subtitler.model import Cue, Transcript
from subtitler.options import CueOptions, StyleOptions


@dataclass(frozen=True)
class Canvas:
    """The picture the subtitles are drawn on: frame size as a filter sees it, and its pixel aspect."""

    width: int
    height: int
    sar: float = 1.0

    @property
    def display_width(self) -> float:
        return self.width * self.sar


@dataclass(frozen=True)
class Look:
    """How styled subtitles look: the style, the cue layout it is sized for, and the picture under them."""

    style: StyleOptions
    cue_options: CueOptions
    canvas: Canvas


@dataclass(frozen=True)
class Content:
    """What a file is written from: one language's cues (a file per language), or the transcript and what it
    was made from (the file of the whole job)."""

    cues: tuple[Cue, ...] = ()
    transcript: Transcript | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    """One output format: `write` makes the file's text; only a styled format reads the look."""

    name: str  # in [output] formats and --format
    suffix: str  # the file name's ending, without the dot
    write: Callable[[Content, Look], str]
    styled: bool = False  # its text changes with the style and the canvas
    # False: one file for the whole job, written from the transcript, whatever [output] formats says (a later
    # run resumes from it)
    per_language: bool = True
