"""Cues -> a review report: which cues break the preset's rules, and which words Whisper was unsure of (pure).

The report is a JSON-ready dict, written next to the subtitles and shown by `report_html`:

    {"version": 1, "unsure_below": 0.5, "limits": {max_chars_per_line: 42, ...},
     "languages": {"en": {"cues": [{"number": 1, "start", "end", "text", "lines", "problems": [...]}, ...],
                          "counts": {"cues", "with_problems", "unsure_words"},
                          "summary": {"lines": 0, "characters per line": 2, ...}}},   # cues breaking each rule
     "unsure_words": [{"language", "cue", "start", "end", "text", "probability"}, ...]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from subtitler.cues import cue_violations
from subtitler.model import Cue
from subtitler.options import CueOptions

__all__ = ["REPORT_VERSION", "RULES", "CueReview", "UnsureWord", "review", "rule_of"]

REPORT_VERSION = 1
# The rules `cue_violations` checks, as the summary names them, each with the words that mark its sentences.
RULES: tuple[tuple[str, str], ...] = (
    ("lines", " lines, more than "),
    ("characters per line", " wide, more than "),
    ("timing", "not after its start"),
    ("min duration", " s, less than "),
    ("max duration", " s, more than "),
    ("reading speed", "characters per second"),
)


@dataclass(frozen=True)
class CueReview:
    number: int  # from 1, in the language's order
    start: float
    end: float
    text: str
    lines: tuple[str, ...]
    problems: tuple[str, ...]  # each broken rule as a sentence; empty when the cue is fine


@dataclass(frozen=True)
class UnsureWord:
    language: str
    cue: int  # the number of the cue that shows it
    start: float
    end: float
    text: str
    probability: float


def rule_of(problem: str) -> str:
    """The summary's name for one of `cue_violations`' sentences ("other" for one it does not know)."""
    return next((name for name, marker in RULES if marker in problem), "other")


def review(cues: Mapping[str, Sequence[Cue]], options: CueOptions, unsure_below: float) -> dict[str, Any]:
    """The report for every language's cues (the spoken language first, as given)."""
    languages: dict[str, Any] = {}
    unsure: list[UnsureWord] = []
    for language, language_cues in cues.items():
        reviews = [_review_cue(number, cue, options) for number, cue in enumerate(language_cues, 1)]
        found = [
            UnsureWord(language, number, _seconds(w.start), _seconds(w.end), w.text.strip(), round(w.probability, 4))
            for number, cue in enumerate(language_cues, 1)
            for w in cue.words
            if w.probability < unsure_below and w.text.strip()
        ]
        unsure += found
        languages[language] = {
            "cues": [_plain(asdict(r)) for r in reviews],
            "counts": {"cues": len(reviews), "with_problems": sum(bool(r.problems) for r in reviews), "unsure_words": len(found)},
            "summary": _summary(reviews),
        }
    return {
        "version": REPORT_VERSION,
        "unsure_below": unsure_below,
        "limits": asdict(options),
        "languages": languages,
        "unsure_words": [asdict(w) for w in unsure],
    }


def _review_cue(number: int, cue: Cue, options: CueOptions) -> CueReview:
    problems = tuple(cue_violations(cue, options))
    return CueReview(number, _seconds(cue.start), _seconds(cue.end), cue.text, cue.lines, problems)


def _summary(reviews: list[CueReview]) -> dict[str, int]:
    """How many cues break each rule (a cue with two long lines counts once)."""
    counts = dict.fromkeys((name for name, _ in RULES), 0)
    for r in reviews:
        for rule in dict.fromkeys(rule_of(p) for p in r.problems):
            counts[rule] = counts.get(rule, 0) + 1
    return counts


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Tuples as lists, so the report equals what JSON reads back."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in row.items()}


def _seconds(value: float) -> float:
    return round(value, 3)
