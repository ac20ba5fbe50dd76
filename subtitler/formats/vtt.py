"""WebVTT, the subtitles of web players and WebM (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from subtitler.formats.events import subtitles
from subtitler.formats.format import Content, Format, Look
from subtitler.model import Cue


def to_vtt(cues: Sequence[Cue]) -> str:
    return str(subtitles(cues).to_string("vtt"))


def write(content: Content, look: Look) -> str:
    return to_vtt(content.cues)


FORMAT = Format("vtt", "vtt", write)
