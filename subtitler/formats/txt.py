"""Plain text: the cues' words as paragraphs, a new one after each long pause (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from subtitler.formats.format import Content, Format, Look
from subtitler.model import Cue

PARAGRAPH_GAP = 2.0  # seconds of silence that start a new paragraph


def to_text(cues: Sequence[Cue]) -> str:
    paragraphs: list[list[str]] = []
    previous_end = None
    for cue in cues:
        if previous_end is None or cue.start - previous_end > PARAGRAPH_GAP:
            paragraphs.append([])
        paragraphs[-1].append(" ".join(line.strip() for line in cue.lines))
        previous_end = cue.end
    return "".join(" ".join(p) + "\n\n" for p in paragraphs).rstrip("\n") + "\n" if paragraphs else ""


def write(content: Content, look: Look) -> str:
    return to_text(content.cues)


FORMAT = Format("txt", "txt", write)
