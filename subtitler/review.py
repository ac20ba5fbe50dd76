"""Cues -> a review report: which cues break the preset's rules, and which words Whisper was unsure of (pure).

The report is a JSON-ready dict, written next to the subtitles and shown by `report_html`:

    {"version": 2, "unsure_below": 0.5, "limits": {"max_chars_per_line": 42, ...},
     "rules": {"lines": "lines", "chars_per_line": "characters per line", ...},       # each rule id's name for people
     "languages": {"en": {"cues": [{"number": 1, "start", "end", "text", "lines", "problems": [
                                      {"rule": "chars_per_line", "value": 60, "limit": 42, "line": 1,
                                       "message": "line 1 is 60 wide, more than 42"}, ...]}, ...],
                          "counts": {"cues", "with_problems", "unsure_words"},
                          "summary": {"lines": 0, "chars_per_line": 2, ...}}},   # cues breaking each rule, by rule id
     "unsure_words": [{"language", "cue", "start", "end", "text", "probability"}, ...]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from subtitler.cues import Problem, Rule, cue_violations
from subtitler.model import Cue
from subtitler.options import CueOptions

__all__ = ["REPORT_VERSION", "CueReview", "UnsureWord", "review"]

REPORT_VERSION = 2  # 2: problems as objects with a rule id, summary keyed by rule id, "rules" for their names


@dataclass(frozen=True)
class CueReview:
    number: int  # from 1, in the language's order
    start: float
    end: float
    text: str
    lines: tuple[str, ...]
    problems: tuple[Problem, ...]  # each broken rule; empty when the cue is fine


@dataclass(frozen=True)
class UnsureWord:
    language: str
    cue: int  # the number of the cue that shows it
    start: float
    end: float
    text: str
    probability: float


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
            "cues": [_cue_row(r) for r in reviews],
            "counts": {"cues": len(reviews), "with_problems": sum(bool(r.problems) for r in reviews), "unsure_words": len(found)},
            "summary": _summary(reviews),
        }
    return {
        "version": REPORT_VERSION,
        "unsure_below": unsure_below,
        "limits": asdict(options),
        "rules": {rule.value: rule.label for rule in Rule},
        "languages": languages,
        "unsure_words": [asdict(w) for w in unsure],
    }


def _review_cue(number: int, cue: Cue, options: CueOptions) -> CueReview:
    problems = tuple(cue_violations(cue, options))
    return CueReview(number, _seconds(cue.start), _seconds(cue.end), cue.text, cue.lines, problems)


def _cue_row(r: CueReview) -> dict[str, Any]:
    """One cue as JSON reads it back: lists, not tuples; each problem with its rule id and its message."""
    problems = [
        {"rule": p.rule.value, "value": round(p.value, 3), "limit": p.limit, "line": p.line, "message": p.message}
        for p in r.problems
    ]
    return {"number": r.number, "start": r.start, "end": r.end, "text": r.text, "lines": list(r.lines), "problems": problems}


def _summary(reviews: list[CueReview]) -> dict[str, int]:
    """How many cues break each rule, by rule id (a cue with two long lines counts once)."""
    return {rule.value: sum(any(p.rule is rule for p in r.problems) for r in reviews) for rule in Rule}


def _seconds(value: float) -> float:
    return round(value, 3)
