"""The text translation engines behind one interface: which pairs each has here, what to call
to translate a batch of texts, and how a user gets a pair that is missing.

Whisper's translation hears the audio rather than reading text, so the translate stage calls
it directly; here it only counts as a way into English when the model is multilingual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from subtitler import argos_packages
from subtitler.adapters import apertium
from subtitler.errors import EngineError
from subtitler.routes import PIVOT, Catalog, Hop


@dataclass(frozen=True)
class Settings:
    device: str = "cpu"
    threads: int = 0
    beam_size: int = 4
    batch_size: int = 32


def catalog(whisper_multilingual: bool) -> Catalog:
    return Catalog(
        pairs={
            "argos": frozenset((p.source, p.target) for p in argos_packages.installed()),
            "apertium": frozenset(apertium.modes()),
        },
        whisper=whisper_multilingual,
    )


def _package(hop: Hop) -> argos_packages.ArgosPackage:
    for package in argos_packages.installed():
        if (package.source, package.target) == (hop.source, hop.target):
            return package
    raise EngineError(f"no Argos package for {hop.source}-{hop.target} is installed")


def identity(hop: Hop) -> str:
    """What a hop's output depends on besides its input: the engine's data and version."""
    if hop.engine == "argos":
        package = _package(hop)
        return f"argos {package.name} {package.version}"
    if hop.engine == "apertium":
        return f"{apertium.version()} {apertium.modes().get((hop.source, hop.target))}"
    return hop.engine


def translate_texts(hop: Hop, texts: Sequence[str], settings: Settings) -> list[str]:
    """One translation per text, in order, all in one call to the engine; blank texts stay blank."""
    wanted = [k for k, text in enumerate(texts) if text.strip()]
    batch = [texts[k] for k in wanted]
    if not batch:
        return ["" for _ in texts]
    if hop.engine == "argos":
        from subtitler.adapters import argos

        done = argos.translate(_package(hop), batch, settings.device, settings.threads, settings.beam_size, settings.batch_size)
    elif hop.engine == "apertium":
        done = apertium.translate(hop.source, hop.target, batch)
    else:
        raise EngineError(f"{hop.engine} does not translate text")
    out = ["" for _ in texts]
    for k, text in zip(wanted, done, strict=True):
        out[k] = text
    return out


def hints(source: str | None, target: str) -> list[str]:
    """How to get a pair that is missing, one sentence an engine."""
    found = []
    if target == PIVOT:
        found.append("Whisper translates any language it knows into English with a multilingual model (not *.en).")
    pair = f"{source or 'FROM'}-{target}"
    pivot = f" (or {source}-{PIVOT} and {PIVOT}-{target})" if source and PIVOT not in (source, target) else ""
    found.append(
        f"Argos: 'subtitler models install argos:{pair}'{pivot} downloads a package; "
        "'subtitler models install FILE.argosmodel' installs one downloaded elsewhere."
    )
    debian = {apertium.debian_package(source, target)} if source else set()
    if source and PIVOT not in (source, target):
        debian |= {apertium.debian_package(source, PIVOT), apertium.debian_package(PIVOT, target)}
    if debian - {None}:
        found.append(f"Apertium: apt-get install {' '.join(sorted(str(d) for d in debian - {None}))}.")
    found.append("'subtitler languages' lists what is installed.")
    return found
