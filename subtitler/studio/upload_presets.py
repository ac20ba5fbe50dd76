"""One upload's choices (a network preset, languages, what is burned in, a glossary) as a subfolder of the inbox
with a preset of its own, through the watcher's folder presets:

    DIR/.studio/presets/tiktok-to-fr-en.toml      extends = "tiktok", [translate] to = ["fr", "en"]
    DIR/inbox/subtitler-watch.toml                "tiktok-to-fr-en" = "../.studio/presets/tiktok-to-fr-en.toml"
    DIR/inbox/tiktok-to-fr-en/clip.mp4            done with that preset, into DIR/outbox/tiktok-to-fr-en/clip/

The same choices always give the same folder; lines of subtitler-watch.toml that a person wrote are kept. A
video's copies for other networks (copies.py) take the same way: their choices are the video's, for another network.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from subtitler import languages
from subtitler.options import SPOKEN, builtin_presets, load_options
from subtitler.outputs import write_text
from subtitler.studio.state import GLOSSARIES, PRESETS, Studio
from subtitler.watch.folders import CONFIG

AS_PRESET, NO_BURN = "", "none"
_GLOSSARY_ID = re.compile(r"[0-9a-f]{16}")
_lock = threading.Lock()


class ChoiceError(ValueError):
    """A choice that cannot be made: the message says why, for a person."""


@dataclass(frozen=True)
class Choice:
    preset: str  # a built-in preset
    to: tuple[str, ...] = ()  # languages besides the spoken one
    burn: str = AS_PRESET  # AS_PRESET (as the preset says), NO_BURN, SPOKEN or a language
    glossary: str = ""  # a glossary's id, "" for none
    heard: str = ""  # a copy's: the [transcribe] table of the video's first preset where it differs from this one's

    @property
    def folder(self) -> str:
        parts = [self.preset]
        if self.to:
            parts += ["to", *self.to]
        if self.burn:
            parts += ["burn", self.burn]
        if self.glossary:
            parts += ["glossary", self.glossary[:8]]
        if self.heard:
            parts += ["heard", hashlib.sha256(self.heard.encode("utf-8")).hexdigest()[:8]]
        return "-".join(parts)


def glossary_path(studio: Studio, glossary_id: str) -> Path:
    """The stored glossary with this id; LookupError when there is none."""
    if _GLOSSARY_ID.fullmatch(glossary_id):
        for suffix in (".toml", ".csv"):
            path = studio.private / GLOSSARIES / f"{glossary_id}{suffix}"
            if path.is_file():
                return path
    raise LookupError(f"no glossary {glossary_id!r}")


def parse(studio: Studio, preset: str, to: str, burn: str, glossary: str, reachable: set[str]) -> Choice:
    """The choices of a request, checked: ChoiceError says what is wrong."""
    if preset not in builtin_presets():
        raise ChoiceError(f"unknown preset {preset[:40]!r}: choose one of {', '.join(builtin_presets())}")
    wanted: list[str] = []
    for given in filter(None, (part.strip() for part in to.split(","))):
        try:
            code = languages.normalize(given)
        except ValueError as exc:
            raise ChoiceError(str(exc)) from exc
        if code not in reachable:
            raise ChoiceError(f"{languages.get(code).name} cannot be reached here (see 'More languages')")
        if code not in wanted:
            wanted.append(code)
    if len(wanted) > 10:
        raise ChoiceError("at most 10 languages at once")
    if burn not in (AS_PRESET, NO_BURN, SPOKEN, *wanted):
        raise ChoiceError(f"burn {burn[:20]!r}: choose the preset's choice, none, the spoken language or a chosen language")
    if glossary:
        try:
            glossary_path(studio, glossary)
        except LookupError:
            raise ChoiceError("that glossary is not here any more: choose the file again") from None
    return Choice(preset, tuple(wanted), burn, glossary)


def _preset_text(studio: Studio, choice: Choice) -> str:
    lines = ["# Made by the studio for the uploads with these choices; the studio never changes it.",
             f"extends = {json.dumps(choice.preset)}"]  # fmt: skip
    translate = []
    if choice.to:
        translate.append(f"to = {json.dumps(list(choice.to))}")
    if choice.glossary:
        translate.append(f"glossary = {json.dumps(str(glossary_path(studio, choice.glossary)))}")
    if translate:
        lines += ["", "[translate]", *translate]
    if choice.burn:
        lines += ["", "[output]", f"burn = {json.dumps('' if choice.burn == NO_BURN else choice.burn)}"]
    if choice.heard:
        lines += ["", "# The speech heard as the video's first preset hears it: its copies share one transcript.", choice.heard]
    return "\n".join(lines) + "\n"


def _read_config(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("presets", {})
    except (OSError, ValueError) as exc:
        raise ChoiceError(f"the inbox's {CONFIG} cannot be read ({exc}): correct it or remove it") from exc
    return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}


def ensure(studio: Studio, choice: Choice) -> str:
    """The inbox subfolder for these choices, with its preset file and its line in subtitler-watch.toml."""
    folder = choice.folder
    preset_file = studio.private / PRESETS / f"{folder}.toml"
    mapped = f"../{studio.private.name}/{PRESETS}/{folder}.toml"  # relative to the inbox: DIR may move
    with _lock:
        text = _preset_text(studio, choice)
        if not preset_file.is_file() or preset_file.read_text(encoding="utf-8") != text:
            preset_file.parent.mkdir(parents=True, exist_ok=True)
            write_text(preset_file, text)
            load_options(str(preset_file))  # a preset that does not load is a bug here, not the person's
        config = studio.inbox / CONFIG
        presets = _read_config(config)
        if presets.get(folder) != mapped:
            presets[folder] = mapped
            body = "\n".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(presets.items()))
            write_text(config, "# Folder presets (README, 'Watched folder'). The studio adds one line per upload choice;\n"
                               f"# lines of your own are kept.\n[presets]\n{body}\n")  # fmt: skip
        (studio.inbox / folder).mkdir(exist_ok=True)
    return folder


def _language(code: object) -> str:
    if code == SPOKEN:
        return "the spoken language"
    try:
        return languages.get(str(code)).name
    except (KeyError, ValueError):
        return str(code)


@lru_cache(maxsize=256)
def _described(path: str, stamp: float) -> str:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Path(path).stem
    parts = [str(data.get("extends", "?"))]
    to = data.get("translate", {}).get("to", [])
    if to:
        parts.append("also in " + ", ".join(_language(code) for code in to))
    burn = data.get("output", {}).get("burn")
    if burn is not None:
        parts.append("nothing burned in" if not burn else f"{_language(burn)} burned in")
    if data.get("translate", {}).get("glossary"):
        parts.append("glossary")
    return " · ".join(parts)


def network(studio: Studio, preset: str) -> str:
    """The network preset a job's preset is made for: what an upload's preset file extends, a preset file's name,
    or the preset's name ("tiktok" for DIR/.studio/presets/tiktok-to-fr-en.toml)."""
    path = Path(preset)
    if path.suffix != ".toml":
        return preset
    if path.parent == studio.private / PRESETS:
        try:
            return _extends(preset, path.stat().st_mtime)
        except OSError:
            pass
    return path.stem


@lru_cache(maxsize=256)
def _extends(path: str, stamp: float) -> str:
    try:
        extends = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("extends")
    except (OSError, ValueError):
        extends = None
    return extends if isinstance(extends, str) and extends else Path(path).stem


def describe(studio: Studio, preset: str) -> str:
    """A job's preset as a person reads it ("tiktok · also in French, English · French burned in · glossary"), or
    the preset's name."""
    path = Path(preset)
    if path.suffix == ".toml" and path.parent == studio.private / PRESETS:
        try:
            return _described(preset, path.stat().st_mtime)
        except OSError:
            return path.stem
    return path.stem if path.suffix == ".toml" else preset
