"""A glossary: names and brand terms that must come out exactly as written, in every language.

The terms are given to Whisper as hotwords, spelled as written wherever the transcript or a
translation has them in another case, and hidden from translation engines behind placeholders
(`⟦0⟧`), which come back as the term or as its rendering for the target language.

A glossary file is TOML (one key per term: `"ComfyUI" = {}`, or with renderings,
`"Hospitality School" = { fr = "École hôtelière" }`) or CSV (a header `term,fr,es` then one
row a term; a file without that header is one term a line).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from subtitler import languages
from subtitler.errors import UsageError
from subtitler.model import Word

_PLACEHOLDER = re.compile(r"⟦\s*(\d+)\s*⟧")


@dataclass(frozen=True)
class Term:
    text: str
    renderings: tuple[tuple[str, str], ...] = ()  # (language, text) where the term reads differently

    def rendering(self, language: str) -> str:
        return dict(self.renderings).get(language, self.text)

    def pattern(self) -> re.Pattern[str]:
        words = [re.escape(w) for w in self.text.split()]
        return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def hotwords(self) -> str:
        return ", ".join(t.text for t in self.terms)

    def merged(self, other: Glossary) -> Glossary:
        """These terms and `other`'s, `other` winning for a term both have (case-insensitive)."""
        theirs = {t.text.casefold() for t in other.terms}
        return Glossary((*(t for t in self.terms if t.text.casefold() not in theirs), *other.terms))

    def _longest_first(self) -> list[Term]:
        return sorted(self.terms, key=lambda t: -len(t.text))

    def protect(self, text: str) -> tuple[str, tuple[Term, ...]]:
        """The text with each term found replaced by a numbered placeholder, and the terms in that order."""
        found: list[Term] = []
        for term in self._longest_first():

            def hide(_: re.Match[str], term: Term = term) -> str:
                found.append(term)
                return f"⟦{len(found) - 1}⟧"

            text = term.pattern().sub(hide, text)
        return text, tuple(found)

    def restore(self, text: str, found: Sequence[Term], language: str) -> tuple[str, list[str]]:
        """Placeholders back to the terms (rendered for `language`); also the terms whose placeholder was lost."""
        seen: set[int] = set()

        def show(match: re.Match[str]) -> str:
            index = int(match.group(1))
            if index >= len(found):
                return ""
            seen.add(index)
            return found[index].rendering(language)

        restored = " ".join(_PLACEHOLDER.sub(show, text).split())
        return restored, [term.text for index, term in enumerate(found) if index not in seen]

    def respell(self, text: str, language: str) -> str:
        """Each term found in another case or spacing, written as the glossary writes it."""
        for term in self._longest_first():
            rendering = term.rendering(language)
            text = term.pattern().sub(lambda _: rendering, text)  # noqa: B023 (used at once, inside the loop)
        return text

    def respell_words(self, words: Sequence[Word]) -> list[Word]:
        """Transcript words with each term spelled as written ("comfyui" -> "ComfyUI"), word for word."""
        out = list(words)
        for term in self._longest_first():
            target = term.text.split()
            wanted = [_core(w)[1].casefold() for w in target]
            size = len(wanted)
            for start in range(len(out) - size + 1):
                window = out[start : start + size]
                if [_core(w.text)[1].casefold() for w in window] != wanted:
                    continue
                for offset, word in enumerate(window):
                    before, _, after = _core(word.text)
                    out[start + offset] = Word(word.start, word.end, before + _core(target[offset])[1] + after, word.probability)
        return out


def _core(text: str) -> tuple[str, str, str]:
    """(leading space and punctuation, the word, trailing punctuation)."""
    match = re.match(r"^(\W*)(.*?)(\W*)$", text, re.DOTALL)
    assert match is not None
    return match.group(1), match.group(2), match.group(3)


def _renderings(path: Path, term: str, table: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    found = []
    for code, rendering in table.items():
        if not isinstance(rendering, str) or not rendering.strip():
            raise UsageError(f"glossary {path}: the rendering of '{term}' in '{code}' must be some text")
        try:
            found.append((languages.normalize(code), rendering.strip()))
        except ValueError as exc:
            raise UsageError(f"glossary {path}: term '{term}': {exc}") from exc
    return tuple(found)


def _from_toml(path: Path, text: str) -> list[Term]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"glossary {path} is not valid TOML: {exc}") from exc
    terms = []
    for term, value in data.items():
        if value is True or value == "" or value == {}:
            terms.append(Term(term.strip()))
        elif isinstance(value, dict):
            terms.append(Term(term.strip(), _renderings(path, term, value)))
        else:
            raise UsageError(f"glossary {path}: '{term}' needs {{}} or a table of renderings such as {{ fr = \"...\" }}")
    return terms


def _from_csv(path: Path, text: str) -> list[Term]:
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        return []
    if rows[0][0].casefold() != "term":
        return [Term(row[0]) for row in rows if row[0]]
    header = rows[0][1:]
    terms = []
    for row in rows[1:]:
        table = {code: cell for code, cell in zip(header, row[1:], strict=False) if cell}
        terms.append(Term(row[0], _renderings(path, row[0], table)))
    return terms


JOB_FILE = "glossary.toml"  # a job's own terms, in its output folder (added in the studio's editor)


def load(path: Path | str | None) -> Glossary:
    """The glossary in a TOML or CSV file ("" or None: an empty one)."""
    if not path:
        return Glossary()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the glossary {path}: {exc}") from exc
    terms = _from_toml(path, text) if path.suffix.lower() == ".toml" else _from_csv(path, text)
    empty = [t for t in terms if not t.text]
    if empty:
        raise UsageError(f"glossary {path} has an empty term")
    return Glossary(tuple(terms))
