"""Argos Translate: the packages installed here (`argos_packages`), run through CTranslate2 (`adapters/argos`)."""

from __future__ import annotations

from subtitler import argos_packages
from subtitler.engines.engine import Pair, Settings, TextEngine
from subtitler.errors import EngineError
from subtitler.routes import PIVOT


def _package(source: str, target: str) -> argos_packages.ArgosPackage:
    for package in argos_packages.installed():
        if (package.source, package.target) == (source, target):
            return package
    raise EngineError(f"no Argos package for {source}-{target} is installed")


def pairs() -> frozenset[Pair]:
    return frozenset((p.source, p.target) for p in argos_packages.installed())


def identity(source: str, target: str) -> str:
    package = _package(source, target)
    return f"argos {package.name} {package.version}"


def translate(source: str, target: str, texts: list[str], settings: Settings) -> list[str]:
    from subtitler.adapters import argos  # CTranslate2 is loaded only when Argos translates

    package = _package(source, target)
    return argos.translate(package, texts, settings.device, settings.threads, settings.beam_size, settings.batch_size)


def hint(source: str | None, target: str) -> str:
    pair = f"{source or 'FROM'}-{target}"
    pivot = f" (or {source}-{PIVOT} and {PIVOT}-{target})" if source and PIVOT not in (source, target) else ""
    return (
        f"Argos: 'subtitler models install argos:{pair}'{pivot} downloads a package; "
        "'subtitler models install FILE.argosmodel' installs one downloaded elsewhere."
    )


def more(installed: frozenset[Pair]) -> str:
    return "Argos: 'subtitler models install argos:FROM-TO' (online) or 'subtitler models install FILE.argosmodel'"


ENGINE = TextEngine("argos", pairs, identity, translate, hint, more)
