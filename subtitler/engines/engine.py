"""What every text translation engine is: the record each engine module defines as `ENGINE` (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Pair = tuple[str, str]  # (source, target) language codes


@dataclass(frozen=True)
class Settings:
    device: str = "cpu"
    threads: int = 0
    beam_size: int = 4
    batch_size: int = 32


@dataclass(frozen=True)
class TextEngine:
    """A text engine: the pairs it has here, what its output depends on, how to translate, how to get more."""

    name: str  # in [translate] engine, --engine and a route's hops
    pairs: Callable[[], frozenset[Pair]]  # the pairs installed here
    identity: Callable[[str, str], str]  # (source, target) -> the engine's data and version for that pair
    translate: Callable[[str, str, list[str], Settings], list[str]]  # one batch of non-blank texts, in order
    hint: Callable[[str | None, str], str | None]  # how to get a missing (source, target) pair, one sentence
    more: Callable[[frozenset[Pair]], str | None]  # how to get pairs beyond the installed ones, one line
