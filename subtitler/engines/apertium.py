"""Apertium: Debian's rule-based pairs, one process for a whole batch (`adapters/apertium`)."""

from __future__ import annotations

from subtitler.adapters import apertium
from subtitler.engines.engine import Pair, Settings, TextEngine
from subtitler.routes import PIVOT


def pairs() -> frozenset[Pair]:
    return frozenset(apertium.modes())


def identity(source: str, target: str) -> str:
    return f"{apertium.version()} {apertium.modes().get((source, target))}"


def translate(source: str, target: str, texts: list[str], settings: Settings) -> list[str]:
    """Apertium's output with its unknown-word marks kept (`*profite`): `untranslated` lists and removes them."""
    return apertium.translate_marked(source, target, texts)


def untranslated(source: str, target: str, text: str, output: str) -> tuple[str, tuple[str, ...]]:
    return apertium.unmark(output)


def hint(source: str | None, target: str) -> str | None:
    debian = {apertium.debian_package(source, target)} if source else set()
    if source and PIVOT not in (source, target):
        debian |= {apertium.debian_package(source, PIVOT), apertium.debian_package(PIVOT, target)}
    if debian - {None}:
        return f"Apertium: apt-get install {' '.join(sorted(str(d) for d in debian - {None}))}."
    return None


def more(installed: frozenset[Pair]) -> str | None:
    missing = sorted(name for name, pairs in apertium.DEBIAN_PACKAGES.items() if not set(pairs) <= installed)
    return f"Apertium (Debian): apt-get install {' '.join(missing)}" if missing else None


ENGINE = TextEngine("apertium", pairs, identity, translate, hint, more, untranslated)
