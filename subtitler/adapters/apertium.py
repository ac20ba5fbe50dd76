"""Apertium at the edge: the language pairs installed here, and one process per batch of sentences."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

from subtitler import languages
from subtitler.errors import EngineError

log = logging.getLogger(__name__)
_MODE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")  # "eng-spa", "fr-es"; variants ("eng-cat_valencia") are skipped

# Debian packages of Apertium pairs for languages Whisper knows, and the directions each gives.
DEBIAN_PACKAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "apertium-eng-spa": (("en", "es"), ("es", "en")),
    "apertium-eng-cat": (("en", "ca"), ("ca", "en")),
    "apertium-fr-es": (("fr", "es"), ("es", "fr")),
    "apertium-fra-cat": (("fr", "ca"), ("ca", "fr")),
    "apertium-spa-cat": (("es", "ca"), ("ca", "es")),
    "apertium-es-pt": (("es", "pt"), ("pt", "es")),
    "apertium-es-gl": (("es", "gl"), ("gl", "es")),
    "apertium-en-gl": (("en", "gl"), ("gl", "en")),
    "apertium-spa-ita": (("es", "it"), ("it", "es")),
    "apertium-por-cat": (("pt", "ca"), ("ca", "pt")),
    "apertium-oci-fra": (("oc", "fr"), ("fr", "oc")),
    "apertium-br-fr": (("br", "fr"),),
    "apertium-eu-en": (("eu", "en"),),
    "apertium-isl-eng": (("is", "en"),),
}


def executable() -> str | None:
    return shutil.which("apertium")


@lru_cache(maxsize=1)
def modes() -> dict[tuple[str, str], str]:
    """(source, target) -> Apertium mode name, for every installed pair of languages Whisper knows."""
    program = executable()
    if program is None:
        return {}
    try:
        listed = subprocess.run([program, "-l"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("apertium -l failed: %s", exc)
        return {}
    found: dict[tuple[str, str], str] = {}
    for line in listed.split():
        match = _MODE.match(line.strip())
        if not match:
            continue
        try:
            pair = (languages.normalize(match.group(1)), languages.normalize(match.group(2)))
        except ValueError:
            continue
        found.setdefault(pair, line.strip())
    return found


@lru_cache(maxsize=1)
def version() -> str:
    program = executable()
    if program is None:
        return "not installed"
    result = subprocess.run([program, "-V"], capture_output=True, text=True, timeout=30)
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr).strip() else "unknown"


def debian_package(source: str, target: str) -> str | None:
    return next((name for name, pairs in DEBIAN_PACKAGES.items() if (source, target) in pairs), None)


def translate(source: str, target: str, texts: Sequence[str]) -> list[str]:
    """Every text translated by one Apertium process, unknown-word marks off."""
    return [unmark(text)[0] for text in translate_marked(source, target, texts)]


def translate_marked(source: str, target: str, texts: Sequence[str]) -> list[str]:
    """Every text translated by one Apertium process, with Apertium's marks on the words it left untranslated
    (`*tablette`), which `unmark` lists and takes off.

    Texts go in as paragraphs (a blank line between two), which Apertium keeps apart; its "line"
    format would keep lines apart too, but drops each line's final full stop."""
    mode = modes().get((source, target))
    program = executable()
    if mode is None or program is None:
        raise EngineError(f"Apertium has no {source}-{target} pair installed here")
    lines = [" ".join(text.split()) for text in texts]
    try:  # without -u: unknown words come back marked, to be listed and then unmarked
        result = subprocess.run(
            [program, mode], input="\n\n".join(lines) + "\n", capture_output=True, text=True, timeout=600
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"Apertium {mode} could not run: {exc}") from exc
    if result.returncode != 0:
        raise EngineError(f"Apertium {mode} failed: {result.stderr.strip()[-300:]}")
    out = result.stdout.strip("\n").split("\n\n")
    if len(out) != len(lines):
        raise EngineError(f"Apertium {mode} returned {len(out)} lines for {len(lines)} sentences")
    return [" ".join(line.split()) for line in out]


# Apertium's marks, at the start of a word: * not in the source dictionary (kept as written), # no form for
# the target's generator (its lemma shown), @ not in the transfer dictionary. Only at a word's start, so that
# "C#" or an e-mail address stay as they are.
_MARKED = re.compile(r"(?<![\w*#@])[*#@](\w[\w'’-]*)")


def unmark(text: str) -> tuple[str, tuple[str, ...]]:
    """Apertium's output without its unknown-word marks, and the marked words, once each, in order."""
    words = tuple(dict.fromkeys(match.group(1) for match in _MARKED.finditer(text)))
    return _MARKED.sub(r"\1", text), words
