"""Paired marks kept whole in every cue: a `¿...?`, `¡...!`, `«...»` or `"..."` span cut across cues is closed at
the end of each cue it leaves and opened again at the start of the next (pure).

Spanish subtitles close and reopen a question cut in two (`¿Dice de otro lado?` / `¿o de este?`), so a reader of
either cue sees what kind of sentence it is. Only spans whose closing mark is there are balanced: a `¿` an engine
never closed is left as it is. A comma, semicolon or colon the cue ended on gives way to the closing mark. The
added mark may make a full line one character longer than the preset allows; the review report says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from subtitler.model import Cue

__all__ = ["PAIRS", "balance_marks"]

PAIRS = {"¿": "?", "¡": "!", "«": "»", "“": "”", '"': '"'}
_CLOSING = {close: open_ for open_, close in PAIRS.items()}


def balance_marks(cues: Sequence[Cue], language: str = "") -> tuple[Cue, ...]:
    """The cues with every paired span that crosses a cue boundary closed and reopened at each boundary.

    `language` is for marks of one language only; every language's are the same here."""
    spans = _spans(cues)
    closers: dict[int, list[str]] = {}
    openers: dict[int, list[str]] = {}
    for (first, _), (last, _), mark in sorted(spans, key=lambda span: span[0], reverse=True):  # innermost first
        for k in range(first, last):
            closers.setdefault(k, []).append(PAIRS[mark])
    for (first, _), (last, _), mark in sorted(spans, key=lambda span: span[0]):  # outermost first
        for k in range(first + 1, last + 1):
            openers.setdefault(k, []).append(mark)
    return tuple(_with_marks(cue, "".join(openers.get(k, [])), "".join(closers.get(k, []))) for k, cue in enumerate(cues))


def _spans(cues: Sequence[Cue]) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """Each paired span whose opening and closing marks are in different cues: (where it opens, where it closes,
    its opening mark), a place being (cue index, character index)."""
    open_: list[tuple[tuple[int, int], str]] = []
    found = []
    for k, cue in enumerate(cues):
        for i, char in enumerate(cue.text):
            opening = open_[-1][1] if open_ else None
            if char == '"' and opening != '"':
                open_.append(((k, i), char))
            elif char in _CLOSING and any(mark == _CLOSING[char] for _, mark in open_):
                while open_[-1][1] != _CLOSING[char]:  # marks opened inside and never closed are let go
                    open_.pop()
                where, mark = open_.pop()
                if where[0] != k:
                    found.append((where, (k, i), mark))
            elif char in PAIRS and char != '"':
                open_.append(((k, i), char))
    return found


def _with_marks(cue: Cue, opening: str, closing: str) -> Cue:
    if not (opening or closing):
        return cue
    lines = list(cue.lines)
    words = list(cue.words)
    if opening:
        lines[0] = opening + lines[0]
        if words:
            text = words[0].text
            stripped = text.lstrip()
            words[0] = dataclasses.replace(words[0], text=text[: len(text) - len(stripped)] + opening + stripped)
    if closing:
        lines[-1] = lines[-1].rstrip().rstrip(",;:") + closing
        if words:
            words[-1] = dataclasses.replace(words[-1], text=words[-1].text.rstrip().rstrip(",;:") + closing)
    return dataclasses.replace(cue, lines=tuple(lines), words=tuple(words))
