"""Cues -> a review report: which cues break the preset's rules (their own, and the gap to the cue before), which
words Whisper was unsure of, and which repeated words were dropped (pure).

The report is a JSON-ready dict, written next to the subtitles and shown by `report_html`:

    {"version": 2, "unsure_below": 0.5, "limits": {"max_chars_per_line": 42, ...},
     "rules": {"lines": "lines", "chars_per_line": "characters per line", ...},       # each rule id's name for people
     "languages": {"en": {"cues": [{"number": 1, "start", "end", "text", "lines", "problems": [
                                      {"rule": "chars_per_line", "value": 60, "limit": 42, "line": 1,
                                       "message": "line 1 is 60 wide, more than 42"}, ...]}, ...],
                          "counts": {"cues", "with_problems", "unsure_words"},
                          "summary": {"lines": 0, "chars_per_line": 2, ...},   # cues breaking each rule, by rule id
                          "untranslated": [{"cue", "start", "end", "words"}, ...]}},  # translated languages only: words an
                                                                                       # engine left as they were
     "unsure_words": [{"language", "cue", "start", "end", "text", "probability"}, ...],
     "dropped_words": [{"language", "start", "end", "text", "probability"}, ...],   # Whisper's repetitions, not shown
     "moved": [{"language", "start", "end", "from", "to", "margin", "why", "cues"}, ...]}  # burned cues moved off
                                                                                             # faces and text, by shot
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from subtitler.cues import Problem, Rule, violations
from subtitler.model import Cue, Word
from subtitler.options import CueOptions

__all__ = ["REPORT_VERSION", "CueReview", "DroppedWord", "UnsureWord", "review", "untranslated_by_cue"]

Missed = Sequence[tuple[float, float, Sequence[str]]]  # a translated sentence's span, and the words left in it

# 2: problems as objects with a rule id, summary keyed by rule id, "rules" for their names; 3: gap and overlap
REPORT_VERSION = 3


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


@dataclass(frozen=True)
class DroppedWord:
    """A word Whisper wrote twice, unsure of the second time, left out of the cues (`cues.clean`)."""

    language: str
    start: float
    end: float
    text: str
    probability: float


def review(
    cues: Mapping[str, Sequence[Cue]],
    options: CueOptions,
    unsure_below: float,
    dropped: Sequence[Word] = (),
    moved: Sequence[Mapping[str, Any]] = (),  # the burned cues moved clear of faces and text (`placement.moved`)
    untranslated: Mapping[str, Missed] = {},  # per translated language, read only
) -> dict[str, Any]:
    """The report for every language's cues (the spoken language first, as given), and the repeated words
    dropped from the spoken language's."""
    languages: dict[str, Any] = {}
    unsure: list[UnsureWord] = []
    for language, language_cues in cues.items():
        reviews = _review_cues(language_cues, options)
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
        if language in untranslated:  # a translated language: the words its engines left as they were
            languages[language]["untranslated"] = untranslated_by_cue(language_cues, untranslated[language])
    return {
        "version": REPORT_VERSION,
        "unsure_below": unsure_below,
        "limits": asdict(options),
        "rules": {rule.value: rule.label for rule in Rule},
        "languages": languages,
        "unsure_words": [asdict(w) for w in unsure],
        "dropped_words": [asdict(w) for w in _dropped(next(iter(cues), ""), dropped)],
        "moved": [dict(move) for move in moved],
    }


def untranslated_by_cue(cues: Sequence[Cue], sentences: Missed) -> list[dict[str, Any]]:
    """Each cue showing a word an engine left untranslated: its number, time and those words. A word goes to the
    first cue of its sentence's span that shows it (to the span's first cue if none does)."""
    found: dict[int, list[str]] = {}
    for start, end, words in sentences:
        within = [k for k, cue in enumerate(cues) if cue.start < end and cue.end > start]
        for word in words:
            shows = [k for k in within if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", cues[k].text)]
            if shows or within:
                found.setdefault((shows or within)[0], []).append(word)
    return [
        {"cue": k + 1, "start": _seconds(cues[k].start), "end": _seconds(cues[k].end), "words": list(dict.fromkeys(words))}
        for k, words in sorted(found.items())
    ]


def _dropped(language: str, words: Sequence[Word]) -> list[DroppedWord]:
    return [DroppedWord(language, _seconds(w.start), _seconds(w.end), w.text.strip(), round(w.probability, 4)) for w in words]


def _review_cues(cues: Sequence[Cue], options: CueOptions) -> list[CueReview]:
    problems = violations(cues, options)
    return [
        CueReview(number, _seconds(cue.start), _seconds(cue.end), cue.text, cue.lines, tuple(found))
        for number, (cue, found) in enumerate(zip(cues, problems, strict=True), 1)
    ]


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
