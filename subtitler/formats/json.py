"""The transcript as JSON (the file of the whole job, which a later run resumes from), and each translation
beside it, read back too (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from subtitler.formats.format import Content, Format, Look
from subtitler.model import Segment, Sentence, Transcript, Translation, Word


def transcript_to_json(transcript: Transcript, meta: dict[str, Any]) -> str:
    data = {"meta": meta, **asdict(transcript), "text": transcript.text}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def transcript_from_json(text: str) -> tuple[Transcript, dict[str, Any]]:
    data = json.loads(text)
    segments = tuple(
        Segment(
            start=s["start"],
            end=s["end"],
            text=s["text"],
            words=tuple(Word(**w) for w in s["words"]),
            avg_logprob=s.get("avg_logprob", 0.0),
            no_speech_prob=s.get("no_speech_prob", 0.0),
        )
        for s in data["segments"]
    )
    transcript = Transcript(data["language"], data["language_probability"], data["duration"], segments)
    return transcript, data.get("meta", {})


def translation_to_json(
    translation: Translation, sources: Sequence[Sentence], meta: dict[str, Any], untranslated: Sequence[Sequence[str]] = ()
) -> str:
    """A translation with each sentence's source text beside it (when the route read text, not audio), and the
    words an engine left untranslated in it (`untranslated`, one list per sentence; none when not given)."""
    by_span = {(s.start, s.end): s.text for s in sources}
    missed = list(untranslated) or [() for _ in translation.sentences]
    sentences = [
        {**asdict(s), "source": by_span.get((s.start, s.end), ""), "untranslated": list(words)}
        for s, words in zip(translation.sentences, missed, strict=True)
    ]
    data = {"meta": meta, **asdict(translation), "sentences": sentences}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def translation_from_json(text: str) -> Translation:
    data = json.loads(text)
    sentences = tuple(Sentence(s["start"], s["end"], s["text"]) for s in data["sentences"])
    return Translation(data["language"], data["source_language"], data["route"], sentences)


def untranslated_from_json(text: str) -> tuple[tuple[str, ...], ...]:
    """The words left untranslated in each sentence of a translation file (none in a file written before they
    were listed)."""
    return tuple(tuple(s.get("untranslated", ())) for s in json.loads(text)["sentences"])


def write(content: Content, look: Look) -> str:
    if content.transcript is None:
        raise ValueError("the JSON file is written from the transcript, not from cues")
    return transcript_to_json(content.transcript, content.meta)


FORMAT = Format("json", "json", write, per_language=False)
