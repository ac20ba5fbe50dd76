"""A job's cues as the editor shows them: the newest correction, or the pipeline's own cues with the words Whisper
heard; a translation's source sentences; every cue checked against the preset's rules (`cues.violations`, the
pipeline's and the review report's), as JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from subtitler import edits, glossary, subtitle_reader
from subtitler.cues import Rule, clean, violations
from subtitler.edits import EditStore
from subtitler.errors import SubtitlerError
from subtitler.formats import plain_text, transcript_from_json, translation_from_json
from subtitler.model import Cue, Word
from subtitler.options import Options
from subtitler.sentences import timed_words
from subtitler.studio.opened import Opened

log = logging.getLogger(__name__)

RULE_LABELS = {rule.value: rule.label for rule in Rule}


def _ms(value: float) -> float:
    return round(value, 3)


def cue_json(cue: Cue, source: str = "") -> dict[str, Any]:
    words = [
        {"text": w.text.strip(), "start": _ms(w.start), "end": _ms(w.end), "probability": round(w.probability, 4)}
        for w in cue.words
        if w.text.strip()
    ]
    return {"start": _ms(cue.start), "end": _ms(cue.end), "lines": list(cue.lines), "words": words, "source": source}


def check_cues(cues: Sequence[Cue], options: Options) -> list[list[dict[str, Any]]]:
    """Each cue's problems, in the page's order: its own and the gap to the cue before, as the review reports them."""
    return [
        [{"rule": p.rule.value, "label": p.rule.label, "message": p.message, "value": round(p.value, 3), "limit": p.limit}
         for p in problems]
        for problems in violations(cues, options.cues)
    ]  # fmt: skip


def current_cues(opened: Opened, language: str) -> tuple[int | None, tuple[Cue, ...]]:
    """The latest correction (its version) when there is one, else the pipeline's cues (version None)."""
    edit = EditStore(opened.folder).current(language)
    if edit is not None:
        return edit.version, tuple(edit.cues)
    return None, pipeline_cues(opened, language)


# The job's cues as the pipeline made them, when nobody has corrected them yet.


def pipeline_cues(opened: Opened, language: str) -> tuple[Cue, ...]:
    """The language's cues as the pipeline wrote them (its subtitle file: text, lines, times), each word with the
    times and the probability Whisper heard it with: the words the pipeline cut into cues (the transcript's,
    respelled by the glossary and cleaned, or the translation timed onto them), matched to the file's words
    character by character. Where the file says something else (changed by hand), its words are spread over
    each cue. Kept until the job's job.json changes."""
    if language not in opened.machine:
        opened.machine[language] = _pipeline_cues(opened, language)
    return opened.machine[language]


def _pipeline_cues(opened: Opened, language: str) -> tuple[Cue, ...]:
    written = tuple(edits.fit_words(cue, language) for cue in _written(opened, language))
    try:
        heard = _heard(opened, language)
    except (OSError, ValueError, KeyError, TypeError, SubtitlerError) as exc:
        log.info("%s: the words of the %s cues cannot be read (%s)", opened.stem, language, exc)
        heard = []
    return _matched(written, heard) or edits.with_spoken_times(written, heard)


def _written(opened: Opened, language: str) -> tuple[Cue, ...]:
    for fmt in ("srt", "vtt", "ass"):
        path = opened.file(f"{fmt}:{language}") or opened.folder / f"{opened.stem}.{language}.{fmt}"
        if path.is_file():
            subtitles = subtitle_reader.read(path.read_bytes(), fmt)
            return tuple(Cue(c.start, c.end, c.lines) for c in subtitles.cues if c.lines)
    return ()


def _heard(opened: Opened, language: str) -> list[Word]:
    """The words the pipeline cut the language's cues from."""
    transcript, _ = transcript_from_json((opened.folder / f"{opened.stem}.json").read_text(encoding="utf-8"))
    terms = glossary.load(opened.options.translate.glossary)
    spoken = clean(terms.respell_words(transcript.words), transcript.duration).words
    if language == transcript.language:
        return spoken
    path = opened.folder / f"{opened.stem}.{language}.json"
    translation = translation_from_json(path.read_text(encoding="utf-8")) if path.is_file() else None
    return timed_words(translation.sentences, spoken, language) if translation is not None else []


def _matched(cues: Sequence[Cue], heard: Sequence[Word]) -> tuple[Cue, ...] | None:
    """The cues with each word timed by the heard words its characters come from (the earliest start, the latest
    end, the least sure); None unless the cues say, character for character, what was heard."""
    owners = [(char, k) for k, word in enumerate(heard) for char in plain_text(word.text) if not char.isspace()]
    said = [char for cue in cues for word in cue.words for char in word.text if not char.isspace()]
    if not owners or [char for char, _ in owners] != said:
        return None
    at, matched = 0, []
    for cue in cues:
        words = []
        for word in cue.words:
            length = sum(not char.isspace() for char in word.text)
            source = [heard[k] for k in sorted({k for _, k in owners[at : at + length]})]
            at += length
            start, end = min(w.start for w in source), max(w.end for w in source)
            words.append(Word(start, end, word.text, min(w.probability for w in source)))
        matched.append(Cue(cue.start, cue.end, cue.lines, tuple(words)))
    return tuple(matched)


def source_sentences(opened: Opened, language: str, cues: Sequence[Cue]) -> list[str]:
    """For a translation, the source sentence(s) each cue was translated from (empty for the spoken language)."""
    path = opened.folder / f"{opened.stem}.{language}.json"
    try:
        sentences = json.loads(path.read_text(encoding="utf-8"))["sentences"] if path.is_file() else []
    except (OSError, ValueError, KeyError, TypeError):
        sentences = []
    found = []
    for cue in cues:
        overlapping = [
            s for s in sentences if isinstance(s, dict) and s.get("start", 0) < cue.end and s.get("end", 0) > cue.start
        ]
        found.append(" ".join(str(s.get("source") or "") for s in overlapping).strip())
    return found
