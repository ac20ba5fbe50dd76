"""What the jobs page offers: the network presets, the languages that can be reached here (the logic of
`subtitler languages`), and how to get the others."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from subtitler import engines, languages, model_store
from subtitler.errors import SubtitlerError
from subtitler.options import builtin_presets, load_options
from subtitler.routes import PIVOT, find_route

_KEEP_S = 60.0  # engines installed meanwhile show up within a minute


@dataclass(frozen=True)
class PresetOffer:
    name: str
    about: str  # the first line of the preset's own comment


@dataclass(frozen=True)
class LanguageOffer:
    code: str
    name: str
    note: str  # "" when any spoken language reaches it, else from which ones ("only from Catalan or Spanish speech")


@dataclass(frozen=True)
class Offer:
    presets: tuple[PresetOffer, ...]
    languages: tuple[LanguageOffer, ...]
    more: tuple[str, ...]  # how to get the languages not offered
    problem: str = ""  # why no language can be offered ("" when they can)

    def language_codes(self) -> set[str]:
        return {language.code for language in self.languages}

    def as_json(self) -> dict[str, object]:
        return {
            "presets": [{"name": p.name, "about": p.about} for p in self.presets],
            "languages": [{"code": lang.code, "name": lang.name, "note": lang.note} for lang in self.languages],
            "more": list(self.more),
            "problem": self.problem,
        }


def _about(path: object) -> str:
    """The first sentence of the comment a preset file opens with, at most about 120 characters."""
    try:
        with open(str(path), encoding="utf-8") as handle:
            lines = handle.read(4096).splitlines()
    except OSError:
        return ""
    comment = []
    for line in lines:
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("#").strip())
    text = " ".join(comment).split(". ")[0].rstrip(".")
    return text if len(text) <= 120 else text[:120].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# The default preset's own comment speaks to whoever tunes it; the team reads this instead.
_ABOUT = {"default": "Plain subtitles: subtitle files and a subtitle track to switch on, nothing burned in"}


def presets() -> tuple[PresetOffer, ...]:
    return tuple(PresetOffer(name, _ABOUT.get(name) or _about(path)) for name, path in builtin_presets().items())


def _languages(model: str | None) -> tuple[tuple[LanguageOffer, ...], tuple[str, ...], str]:
    name = model or load_options("default").transcribe.model
    problem = ""
    try:
        if name == model_store.AUTO:  # as a job on this computer's CPU chooses it, from what is installed
            resolved = model_store.resolve_auto("cpu", None, allow_download=False)
        else:
            resolved = model_store.resolve(name, allow_download=False)
        multilingual = model_store.is_multilingual(resolved.path)
    except SubtitlerError as exc:
        problem, multilingual = f"The Whisper model {name} is not installed here: {exc}", False
    catalog = engines.catalog(multilingual)
    reached = set().union(*(catalog.targets(engine) for engine in catalog.engines()))
    spoken = {source for pairs in catalog.pairs.values() for source, _ in pairs} | {PIVOT}
    offers = []
    for code in sorted(reached & set(languages.LANGUAGES), key=lambda c: languages.get(c).name):
        note = ""  # from any language Whisper hears
        if not (multilingual and (code == PIVOT or find_route(PIVOT, code, catalog))):
            sources = sorted(languages.get(s).name for s in spoken if s != code and find_route(s, code, catalog))
            note = f"only from {' or '.join(sources)} speech"
        offers.append(LanguageOffer(code, languages.get(code).name, note))
    more = [] if multilingual else [f"Whisper translates into English with a multilingual model (the {name} model is not)."]
    more += [hint for engine, pairs in catalog.pairs.items() if (hint := engines.ENGINES[engine].more(pairs))]
    more.append("Languages without a direct pair go through English. 'subtitler languages' lists what is installed.")
    return tuple(offers), tuple(more), problem


_cache: dict[str | None, tuple[float, Offer]] = {}
_lock = threading.Lock()


def offer(model: str | None) -> Offer:
    """What can be chosen here with this Whisper model (None: the default preset's), looked up at most once a
    minute (the engines list their installed pairs from disk)."""
    with _lock:
        kept = _cache.get(model)
        if kept and time.monotonic() - kept[0] < _KEEP_S:
            return kept[1]
        found, more, problem = _languages(model)
        made = Offer(presets(), found, more, problem)
        _cache[model] = (time.monotonic(), made)
        return made
