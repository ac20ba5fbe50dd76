"""The font burn-in draws with, and the characters no installed font can draw: fontconfig, through its tools.

libass finds fonts through fontconfig and, per glyph, falls back to any installed outline font that has it.
So a character is drawable when some installed outline font covers it; one that none covers comes out as an
empty box. A missing family is silently replaced by libass, so it is checked here and stated.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from subtitler.errors import FontError

log = logging.getLogger(__name__)

DEFAULT_FONT = "DejaVu Sans"
FIX = "install a font that has them, e.g. apt-get install fonts-noto-core fonts-noto-cjk, or set [style] font"
SHOWN_UNCOVERED = 10
# libass only ever draws with outline (scalable) fonts, so bitmap fonts neither count as installed nor cover text.
OUTLINE_FONTS = ":outline=true"
# The first run of fc-list on a machine may build fontconfig's cache, which takes a while with many fonts.
TOOL_TIMEOUT_S = 300
# Characters that are never drawn as glyphs: shaping hides format characters (ZWJ, soft hyphen, bidi marks)
# and variation selectors, which only pick a variant of the character before them.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})
VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))


@dataclass(frozen=True)
class FontChoice:
    requested: str
    used: str  # the installed family, as fontconfig spells it
    fallback: bool  # the requested family is not installed, so `used` replaces it
    uncovered: str  # characters of the text no installed font can draw, in order, each once
    checked: bool = True  # False when fontconfig's tools are missing, so nothing could be checked


def choose(font: str, text: str) -> FontChoice:
    """The installed family to draw `text` with (the requested one, else a stated fallback) and what no font can draw."""
    return _choose(font, _drawn_characters(text))


def require(font: str, text: str) -> FontChoice:
    """`choose`, raising FontError when some characters of `text` would come out as empty boxes."""
    choice = choose(font, text)
    if choice.fallback:
        _warn_fallback(choice.requested, choice.used)
    if choice.uncovered:
        shown = ", ".join(f"{character} (U+{ord(character):04X})" for character in choice.uncovered[:SHOWN_UNCOVERED])
        more = len(choice.uncovered) - SHOWN_UNCOVERED
        if more > 0:
            shown += f" and {more} more"
        count = len(choice.uncovered)
        message = f"no installed font can draw {count} character{'s' * (count != 1)} of the subtitles: {shown}; {FIX}"
        raise FontError(message, choice.uncovered)
    return choice


@lru_cache(maxsize=64)
def _choose(font: str, characters: str) -> FontChoice:
    families = _families()
    coverage = _coverage()
    if families is None or coverage is None:
        _warn_unchecked()
        return FontChoice(font, font, fallback=False, uncovered="", checked=False)
    used = families.get(font.casefold())
    fallback = used is None
    if used is None:
        used = families.get(DEFAULT_FONT.casefold()) or _sans_serif() or (min(families.values()) if families else font)
    uncovered = "".join(character for character in characters if not _covered(coverage, ord(character)))
    return FontChoice(font, used, fallback, uncovered)


def _drawn_characters(text: str) -> str:
    """The distinct characters of `text` that are drawn as glyphs, in order of first appearance."""
    return "".join(dict.fromkeys(character for character in text if _drawn(character)))


def _drawn(character: str) -> bool:
    if character.isspace() or unicodedata.category(character) in INVISIBLE_CATEGORIES:
        return False
    return not any(ord(character) in selectors for selectors in VARIATION_SELECTORS)


def _covered(coverage: tuple[tuple[int, ...], tuple[int, ...]], code_point: int) -> bool:
    starts, ends = coverage
    index = bisect_right(starts, code_point) - 1
    return index >= 0 and code_point <= ends[index]


@lru_cache(maxsize=1)
def _families() -> dict[str, str] | None:
    """casefolded name -> the name as fontconfig spells it, for every name of every installed outline family."""
    listing = _run("fc-list", OUTLINE_FONTS, "family")
    if listing is None:
        return None
    families: dict[str, str] = {}
    for line in listing.splitlines():
        for name in _split_names(line):
            families.setdefault(name.casefold(), name)
    log.debug("installed font families: %s", ", ".join(sorted(set(families.values()))))
    return families


@lru_cache(maxsize=1)
def _coverage() -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The code points some installed outline font covers, as merged (starts, ends) ranges: one fc-list run in all."""
    listing = _run("fc-list", "--format", "%{charset}\\n", OUTLINE_FONTS)
    if listing is None:
        return None
    ranges: list[tuple[int, int]] = []
    for token in listing.split():
        first, _, last = token.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            log.debug("ignoring %r in fontconfig's charset listing", token)
    ranges.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return tuple(starts), tuple(ends)


def _sans_serif() -> str | None:
    """The family fontconfig itself substitutes for 'sans-serif'."""
    matched = _run("fc-match", "sans-serif", "family")
    names = _split_names(matched.strip().splitlines()[0]) if matched and matched.strip() else []
    return names[0] if names else None


def _split_names(line: str) -> list[str]:
    """A fontconfig value list ('DejaVu Sans,DejaVu Sans Light'): split on unescaped commas, escapes removed."""
    names: list[str] = []
    current: list[str] = []
    escaped = False
    for character in line:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == ",":
            names.append("".join(current).strip())
            current = []
        else:
            current.append(character)
    names.append("".join(current).strip())
    return [name for name in names if name]


def _run(tool: str, *args: str) -> str | None:
    """A fontconfig tool's output, or None when it is missing or fails."""
    exe = shutil.which(tool)
    if exe is None:
        return None
    command = [exe, *args]
    log.debug("running: %s", " ".join(command))
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=TOOL_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.debug("%s failed: %s", tool, error)
        return None
    if done.returncode != 0:
        log.debug("%s exited with %d: %s", tool, done.returncode, done.stderr.strip()[-500:])
        return None
    return done.stdout


@lru_cache(maxsize=1)
def _warn_unchecked() -> None:
    log.warning(
        "fontconfig's tools (fc-list, fc-match) were not found, so the subtitle font and its characters could not be "
        "checked (apt-get install fontconfig)"
    )


@lru_cache(maxsize=256)
def _warn_fallback(requested: str, used: str) -> None:
    log.warning("the subtitle font '%s' is not installed, so '%s' is used instead", requested, used)
