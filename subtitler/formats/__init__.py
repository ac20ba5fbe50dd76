"""Output formats, one module each (`srt.py`, `vtt.py`, `ass.py`, `json.py`, `txt.py`), found by name.

`FORMATS` is the one table of them, in the order of `choices.FORMATS`, where each format's name is
written: adding a format is its module, which defines `FORMAT`, and its name on that line.
"""

from __future__ import annotations

from importlib import import_module

from subtitler import choices
from subtitler.formats.ass import to_ass
from subtitler.formats.events import parse, plain_text
from subtitler.formats.format import Canvas, Content, Format, Look
from subtitler.formats.json import transcript_from_json, transcript_to_json, translation_from_json, translation_to_json

__all__ = [
    "FORMATS", "Canvas", "Content", "Format", "Look", "parse", "plain_text", "to_ass", "transcript_from_json",
    "transcript_to_json", "translation_from_json", "translation_to_json",
]  # fmt: skip


def _load(name: str) -> Format:
    found = getattr(import_module(f"{__name__}.{name}"), "FORMAT", None)
    if not isinstance(found, Format) or found.name != name:
        raise TypeError(f"{__name__}.{name} must define FORMAT, a Format named {name!r}")
    return found


FORMATS: dict[str, Format] = {name: _load(name) for name in choices.FORMATS}
