"""Stage: the subtitles in every target language, a sentence at a time, each cut into cues again.

Each target language's translation is kept in `<stem>.<lang>.json` with what it was made from,
so a later run with one more language translates only that one.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from subtitler import engines
from subtitler.adapters import whisper
from subtitler.audio import decode
from subtitler.cues import make_cues
from subtitler.digests import transcript_digest
from subtitler.formats import translation_from_json, translation_to_json
from subtitler.job import Job
from subtitler.model import Cue, Sentence, Translation
from subtitler.outputs import write_text
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.routes import Route
from subtitler.sentences import split_sentences, timed_words
from subtitler.targets import check_routes, targets

log = logging.getLogger(__name__)


def translation_digest(job: Job, route: Route) -> str:
    """What a translation is made from; the transcript's digest holds the model and its decode settings,
    which Whisper's own translation uses too."""
    settings = job.options.translate
    return digest(
        transcript_digest(job), str(route), [engines.identity(h) for h in route.hops], job.glossary,
        settings.beam_size, settings.max_sentence_chars, job.options.cues.max_pause,
    )  # fmt: skip


def _translate(
    job: Job, route: Route, sentences: tuple[Sentence, ...], audio: Callable[[], Any], done: dict[str, tuple[Sentence, ...]]
) -> tuple[Sentence, ...]:
    """The sentences taken along the route, hop by hop; `done` holds each route prefix already taken
    in this job (German to English once, for English and for Italian through English)."""
    options = job.options
    settings = engines.Settings(
        device=whisper.resolve_device(options.transcribe.device),
        threads=whisper.resolve_threads(options.transcribe.threads),
        beam_size=options.translate.beam_size,
        batch_size=options.translate.batch_size,
    )
    for k, hop in enumerate(route.hops):
        prefix = str(Route(route.target, route.hops[: k + 1]))
        if prefix in done:
            sentences = done[prefix]
            continue
        if hop.engine == "whisper":
            assert job.model is not None and job.transcript is not None
            with seconds_bar(f"{job.stem}: translate into {hop.target}", job.transcript.duration) as bar:
                heard = whisper.translate(job.model.path, audio(), options.transcribe, hop.source, bar)
            sentences = tuple(Sentence(s.start, s.end, job.glossary.respell(s.text, hop.target)) for s in heard)
            done[prefix] = sentences
            continue
        protected = [job.glossary.protect(s.text) for s in sentences]
        translated = engines.translate_texts(hop, [text for text, _ in protected], settings)
        restored = []
        for sentence, (_, found), text in zip(sentences, protected, translated, strict=True):
            text, lost = job.glossary.restore(text, found, hop.target)
            if lost:
                log.warning("%s: %s lost the glossary term(s) %s in: %s", job.stem, hop, ", ".join(lost), text)
            restored.append(Sentence(sentence.start, sentence.end, job.glossary.respell(text, hop.target)))
        sentences = done[prefix] = tuple(restored)
    return sentences


def _kept(job: Job, target: str, path: Path, made_from: str) -> Translation | None:
    if not job.keeps(f"translation:{target}", path, made_from):
        return None
    try:
        return translation_from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: cannot reuse %s (%s); translating again", job.stem, path.name, exc)
        return None


class Translate:
    name = "translate"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        assert job.transcript is not None and job.model is not None
        transcript = job.transcript
        routes = check_routes(job.options, job.model, transcript.language) if targets(job.options) else {}
        words = job.spoken_words()
        sources = split_sentences(words, job.options.cues.max_pause, job.options.translate.max_sentence_chars)
        audio = functools.cache(lambda: decode(job))  # decoded again only if a route hears it and the transcript was kept
        done: dict[str, tuple[Sentence, ...]] = {}  # route prefix -> sentences, shared between targets
        cues: dict[str, tuple[Cue, ...]] = {}
        for target, route in sorted(routes.items(), key=lambda item: len(item[1].hops)):  # direct routes first
            if not sources:  # no speech: nothing to translate, and no subtitles in any language
                cues[target] = ()
                continue
            path, made_from = job.output(f"{job.stem}.{target}.json"), translation_digest(job, route)
            translation = _kept(job, target, path, made_from)
            if translation is not None:
                job = dataclasses.replace(job, reused=(*job.reused, f"translate:{target}"))
            else:
                log.info("%s: translating into %s (%s)", job.stem, target, route)
                translation = Translation(target, transcript.language, str(route), _translate(job, route, sources, audio, done))
                write_text(path, translation_to_json(translation, sources, {"made_from": made_from}))
            done[translation.route] = translation.sentences
            timed = timed_words(translation.sentences, words, target)
            cues[target] = make_cues(timed, job.options.cues, transcript.duration, target)
            job = job.with_file(f"translation:{target}", path, made_from)
        return dataclasses.replace(
            job,
            cues={**job.cues, **{target: cues[target] for target in routes}},  # in the order asked for
            routes={target: str(route) for target, route in routes.items() if sources},
            audio=None,
        )
