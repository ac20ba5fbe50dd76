"""Which engines take the subtitles from the spoken language into each target language (pure).

Preference, per target: Whisper's own translation into English (it hears the speech instead of
reading a transcript); else a direct pair, by the first text engine of the catalog that has it
(its order is `choices.TEXT_ENGINES`: Argos before Apertium); else two hops through English, the
first by Whisper where it can. `--engine` limits every hop to one engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from subtitler import languages
from subtitler.choices import WHISPER
from subtitler.errors import MissingPairError

PIVOT = "en"


@dataclass(frozen=True)
class Hop:
    engine: str
    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.engine}:{self.source}>{self.target}"


@dataclass(frozen=True)
class Route:
    target: str
    hops: tuple[Hop, ...]

    def __str__(self) -> str:
        return ", ".join(str(hop) for hop in self.hops)

    @property
    def hears_audio(self) -> bool:
        return self.hops[0].engine == WHISPER


@dataclass(frozen=True)
class Catalog:
    """The language pairs each text engine has here, in order of preference, and whether Whisper can translate
    into English."""

    pairs: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    whisper: bool = False  # the Whisper model is multilingual

    def has(self, engine: str, source: str, target: str) -> bool:
        if engine == WHISPER:
            return self.whisper and target == PIVOT and source != PIVOT
        return (source, target) in self.pairs.get(engine, frozenset())

    def targets(self, engine: str) -> set[str]:
        if engine == WHISPER:
            return {PIVOT} if self.whisper else set()
        return {t for _, t in self.pairs.get(engine, frozenset())}

    def engines(self, only: str = "auto") -> list[str]:
        """Whisper, then the text engines in order of preference; only `only` unless it is "auto"."""
        return [e for e in (WHISPER, *self.pairs) if only in ("auto", e)]


def find_route(source: str, target: str, catalog: Catalog, only: str = "auto") -> Route | None:
    """The preferred route from `source` to `target`, or None. `only` is an engine name or "auto"."""
    allowed = catalog.engines(only)
    for engine in allowed:  # Whisper first: it is listed first
        if catalog.has(engine, source, target):
            return Route(target, (Hop(engine, source, target),))
    if PIVOT in (source, target):
        return None
    for first in allowed:
        for second in allowed:
            if second != WHISPER and catalog.has(first, source, PIVOT) and catalog.has(second, PIVOT, target):
                return Route(target, (Hop(first, source, PIVOT), Hop(second, PIVOT, target)))
    return None


def reachable(target: str, catalog: Catalog, only: str = "auto") -> bool:
    """Whether some spoken language could be translated into `target` here (the check made before
    the spoken language is known)."""
    return any(target in catalog.targets(e) for e in catalog.engines(only))


def _name(code: str | None) -> str:
    return f"{languages.get(code).name} ({code})" if code else "the spoken language"


def missing(source: str | None, target: str, only: str, hints: Iterable[str]) -> MissingPairError:
    engine = "" if only == "auto" else f" with --engine {only}"
    message = f"no engine here translates {_name(source)} into {_name(target)}{engine}. {' '.join(hints)}"
    return MissingPairError(message.strip(), source, target)


def plan(
    source: str | None,
    targets: Iterable[str],
    catalog: Catalog,
    only: str = "auto",
    hint: Callable[[str | None, str], Iterable[str]] = lambda source, target: (),
) -> dict[str, Route]:
    """A route for every target that is not the spoken language; MissingPairError for the first that has none.

    With `source` None (not known before transcription) only targets that no language can reach fail."""
    routes: dict[str, Route] = {}
    for target in dict.fromkeys(targets):
        if target == source:
            continue
        if source is None:
            if not reachable(target, catalog, only):
                raise missing(None, target, only, hint(None, target))
            continue
        route = find_route(source, target, catalog, only)
        if route is None:
            raise missing(source, target, only, hint(source, target))
        routes[target] = route
    return routes
