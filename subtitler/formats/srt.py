"""SubRip: numbered cues, times with comma milliseconds (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from subtitler.formats.events import subtitles
from subtitler.formats.format import Content, Format, Look
from subtitler.model import Cue


def to_srt(cues: Sequence[Cue]) -> str:
    return str(subtitles(cues).to_string("srt"))


def write(content: Content, look: Look) -> str:
    return to_srt(content.cues)


FORMAT = Format("srt", "srt", write)
