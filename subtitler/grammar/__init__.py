"""Where a line or a cue may break, per language, as data (`<language>.toml` beside this module; pure).

Each file names the words that bind to the word after them (articles, prepositions, conjunctions, subject
pronouns, auxiliaries, negation particles: a line or a cue does not end on them), the words that lean on
the word before them (a line does not start with them), the classes that read well at a line's start, and
the numbers and units that belong together ("40 / seconds"). A language without a file (Chinese, Japanese,
Korean, whose lines break by width alone) gets every file's words, which no word of theirs matches.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources

__all__ = ["LANGUAGES", "Grammar", "for_language"]

LANGUAGES = ("en", "fr", "es", "de", "it", "pt", "ca")
_KEYS = {"opens", "elided", "binds_next", "binds_previous", "numbers"}
_NUMBER_KEYS = {"pattern", "words", "units"}
_OPENING = "¿¡\"'“‘«‹(["
_APOSTROPHES = str.maketrans("’ʼ`", "'''")


@dataclass(frozen=True)
class Grammar:
    """One language's words that belong with their neighbour, in lower case."""

    language: str
    binds_next: dict[str, str]  # word -> its class ("the" -> "article")
    binds_previous: frozenset[str]
    opening: frozenset[str]  # words that read well at the start of a line or a cue
    elided: frozenset[str]  # "qu'", "l'": a word that starts with one binds as the rest of it does
    numbers: tuple[re.Pattern[str], ...]
    number_words: frozenset[str]
    units: frozenset[str]

    def word_class(self, word: str, following: str = "") -> str | None:
        """Why a line or a cue should not end between `word` and `following` (as Whisper writes them: " the"),
        as the class that holds them together ("article", "number", "negation"...); None when it may.

        A word followed by punctuation ("of,", "the.") ends its phrase: a break after it is fine."""
        text = _plain(word)
        if not text or not (text[-1].isalnum() or text[-1] in "'%"):
            return None
        found = self.binds_next.get(text)
        head, mark, rest = text.partition("'")
        if found is None and rest and head + mark in self.elided:  # "qu'il" binds as "il", "c'est" as "est"
            found = self.word_class(rest, following)
        if found is not None:
            return found
        after = _plain(following).rstrip(".,;:!?…")
        if after in self.units and (text in self.number_words or any(p.fullmatch(text) for p in self.numbers)):
            return "number"
        if after in self.binds_previous:
            return "leaning"
        return None

    def binds(self, word: str, following: str = "") -> bool:
        """True when a line or a cue should not end between the two words."""
        return self.word_class(word, following) is not None

    def opens(self, word: str) -> bool:
        """True for a word that reads well at the start of a line or a cue (a preposition, a conjunction)."""
        return _plain(word) in self.opening


def _plain(word: str) -> str:
    """The word as the lists hold it: lower case, composed, straight apostrophes, no opening punctuation."""
    return unicodedata.normalize("NFC", word.strip().lstrip(_OPENING).lower().translate(_APOSTROPHES))


@functools.cache
def for_language(language: str) -> Grammar:
    """The grammar of a language code ("fr", "pt-BR", "en_US"); every known language's words together when
    there is no file for it ("" included)."""
    code = language.lower().replace("_", "-").split("-")[0]
    return _load(code) if code in LANGUAGES else _every_language()


@functools.cache
def _every_language() -> Grammar:
    known = [_load(name) for name in LANGUAGES]
    return Grammar(
        language="",
        binds_next={word: kind for grammar in reversed(known) for word, kind in grammar.binds_next.items()},
        binds_previous=frozenset().union(*(g.binds_previous for g in known)),
        opening=frozenset().union(*(g.opening for g in known)),
        elided=frozenset().union(*(g.elided for g in known)),
        numbers=tuple(dict.fromkeys(p for g in known for p in g.numbers)),
        number_words=frozenset().union(*(g.number_words for g in known)),
        units=frozenset().union(*(g.units for g in known)),
    )


@functools.cache
def _load(code: str) -> Grammar:
    data = tomllib.loads(resources.files(__name__).joinpath(f"{code}.toml").read_text(encoding="utf-8"))
    _expect(code, "", set(data), _KEYS)
    binds_next = _classes(code, "binds_next", data["binds_next"])
    previous = _classes(code, "binds_previous", data["binds_previous"])
    opens = data["opens"]
    if not isinstance(opens, list) or not set(opens) <= set(binds_next.values()):
        raise ValueError(f"grammar/{code}.toml: opens must list classes of [binds_next], not {opens!r}")
    numbers = data["numbers"]
    _expect(code, "numbers", set(numbers), _NUMBER_KEYS)
    return Grammar(
        language=code,
        binds_next=binds_next,
        binds_previous=frozenset(previous),
        opening=frozenset(word for word, kind in binds_next.items() if kind in opens),
        elided=frozenset(_words(code, "elided", data["elided"])),
        numbers=(re.compile(numbers["pattern"]),),
        number_words=frozenset(_words(code, "numbers.words", numbers["words"])),
        units=frozenset(_words(code, "numbers.units", numbers["units"])),
    )


def _classes(code: str, table: str, classes: dict[str, object]) -> dict[str, str]:
    """word -> class, the first class naming a word keeping it."""
    found: dict[str, str] = {}
    for kind, words in classes.items():
        for word in _words(code, f"{table}.{kind}", words):
            found.setdefault(word, kind)
    return found


def _words(code: str, key: str, value: object) -> list[str]:
    if not isinstance(value, str):
        raise ValueError(f"grammar/{code}.toml: {key} must be a string of words, not {value!r}")
    words = [_plain(word) for word in value.split()]
    if any(word != raw for word, raw in zip(words, value.split(), strict=True)):
        raise ValueError(f"grammar/{code}.toml: {key} must be lower case with straight apostrophes")
    return words


def _expect(code: str, table: str, keys: set[str], known: set[str]) -> None:
    if keys != known:
        where = f"[{table}]" if table else "the top level"
        raise ValueError(f"grammar/{code}.toml: {where} must hold {sorted(known)}, not {sorted(keys)}")
