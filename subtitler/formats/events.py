"""Cues as pysubs2 events, which SRT, WebVTT and ASS are written from, and subtitles read back (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import pysubs2

from subtitler.model import Cue


def plain_text(line: str) -> str:
    """Keep spoken text from being read as ASS override tags or escapes."""
    return line.replace("\\", "\u2216").replace("{", "(").replace("}", ")")  # ∖: DejaVu has it


def event(start: float, end: float, text: str) -> pysubs2.SSAEvent:
    return pysubs2.SSAEvent(start=round(start * 1000), end=round(end * 1000), text=text)


def cue_text(cue: Cue) -> str:
    """The cue's lines as one event's text."""
    return r"\N".join(plain_text(line) for line in cue.lines)


def subtitles(cues: Sequence[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(event(cue.start, cue.end, cue_text(cue)))
    return subs


def parse(text: str, fmt: str) -> list[tuple[float, float, str]]:
    """Read subtitles back (start, end, text with newlines): used to check what was written."""
    subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    return [(e.start / 1000, e.end / 1000, e.plaintext) for e in subs if not e.is_comment]
