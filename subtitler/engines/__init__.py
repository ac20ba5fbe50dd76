"""The text translation engines, one module each (`argos.py`, `apertium.py`), found by name.

`ENGINES` is the one table of them, in the order of preference of `choices.TEXT_ENGINES`, where each
engine's name is written: adding an engine is its module, which defines `ENGINE`, and its name on that
line. The catalog, the translation, the identities and the hints all go through the table.

Whisper's translation hears the audio rather than reading text, so the translate stage calls it
directly; here it only counts as a way into English when the model is multilingual.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

from subtitler import choices
from subtitler.engines.engine import Settings, TextEngine
from subtitler.errors import EngineError
from subtitler.routes import PIVOT, Catalog, Hop

__all__ = ["ENGINES", "Settings", "TextEngine", "catalog", "hints", "identity", "translate_texts"]


def _load(name: str) -> TextEngine:
    found = getattr(import_module(f"{__name__}.{name}"), "ENGINE", None)
    if not isinstance(found, TextEngine) or found.name != name:
        raise TypeError(f"{__name__}.{name} must define ENGINE, a TextEngine named {name!r}")
    return found


ENGINES: dict[str, TextEngine] = {name: _load(name) for name in choices.TEXT_ENGINES}


def catalog(whisper_multilingual: bool) -> Catalog:
    """The pairs of every text engine here, in order of preference, and whether Whisper translates."""
    return Catalog(pairs={name: engine.pairs() for name, engine in ENGINES.items()}, whisper=whisper_multilingual)


def identity(hop: Hop) -> str:
    """What a hop's output depends on besides its input: the engine's data and version."""
    engine = ENGINES.get(hop.engine)
    return engine.identity(hop.source, hop.target) if engine else hop.engine


def translate_texts(hop: Hop, texts: Sequence[str], settings: Settings) -> list[str]:
    """One translation per text, in order, all in one call to the engine; blank texts stay blank."""
    wanted = [k for k, text in enumerate(texts) if text.strip()]
    batch = [texts[k] for k in wanted]
    if not batch:
        return ["" for _ in texts]
    engine = ENGINES.get(hop.engine)
    if engine is None:
        raise EngineError(f"{hop.engine} does not translate text")
    done = engine.translate(hop.source, hop.target, batch, settings)
    out = ["" for _ in texts]
    for k, text in zip(wanted, done, strict=True):
        out[k] = text
    return out


def hints(source: str | None, target: str) -> list[str]:
    """How to get a pair that is missing, one sentence an engine."""
    found = []
    if target == PIVOT:
        found.append("Whisper translates any language it knows into English with a multilingual model (not *.en).")
    found += [hint for engine in ENGINES.values() if (hint := engine.hint(source, target))]
    found.append("'subtitler languages' lists what is installed.")
    return found
