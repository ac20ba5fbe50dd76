"""What every text translation engine is: the record each engine module defines as `ENGINE` (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Pair = tuple[str, str]  # (source, target) language codes


@dataclass(frozen=True)
class Settings:
    device: str = "cpu"
    threads: int = 0
    beam_size: int = 4
    batch_size: int = 32


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PLACEHOLDER = re.compile(r"⟦\d+⟧")  # a glossary term, hidden from the engine


def unchanged_words(source: str, target: str, text: str, output: str) -> tuple[str, tuple[str, ...]]:
    """The output as it is, and the words an engine seems to have left in the source language: a word of 4+
    letters found in both the source text and the output, not capitalised in the output (a name, or a sentence's
    first word, which is too often a name to guess), not a number, not a glossary term (those are placeholders
    here). Conservative: a word both languages spell alike ("normal", "hotel") counts too, so only lowercase words
    are listed; there is no dictionary of the target language to check against."""
    if source == target:
        return output, ()
    said = {word.casefold() for word in _WORD.findall(_PLACEHOLDER.sub(" ", text))}
    found = (word for word in _WORD.findall(_PLACEHOLDER.sub(" ", output)) if len(word) >= 4 and word.islower())
    return output, tuple(dict.fromkeys(word for word in found if word.casefold() in said))


@dataclass(frozen=True)
class TextEngine:
    """A text engine: the pairs it has here, what its output depends on, how to translate, how to get more."""

    name: str  # in [translate] engine, --engine and a route's hops
    pairs: Callable[[], frozenset[Pair]]  # the pairs installed here
    identity: Callable[[str, str], str]  # (source, target) -> the engine's data and version for that pair
    translate: Callable[[str, str, list[str], Settings], list[str]]  # one batch of non-blank texts, in order
    hint: Callable[[str | None, str], str | None]  # how to get a missing (source, target) pair, one sentence
    more: Callable[[frozenset[Pair]], str | None]  # how to get pairs beyond the installed ones, one line
    # (source, target, text given, output) -> the output to show, and the words the engine left untranslated
    untranslated: Callable[[str, str, str, str], tuple[str, tuple[str, ...]]] = unchanged_words
