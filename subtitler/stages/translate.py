"""Stage: the subtitles in every target language, a sentence at a time, each cut into cues again.

Each target language's translation is kept in `<stem>.<lang>.json` with what it was made from,
so a later run with one more language translates only that one. A language that cannot be made for
this input (no route from the language it turned out to speak, or an engine failing on it) is named in
`job.problems` and costs only its own outputs: every other language, and the videos, are still made.

A person's correction counts over the machine's: a target language a person corrected takes its cues from
the correction (`digests.with_edit`), not from a translation. When the spoken language was corrected, the
targets keep their translation of the machine's transcript unless `Options.retranslate` asks for them to be
translated from the corrected sentences (`subtitler apply --retranslate`); from then on they follow the
correction until it is discarded.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subtitler import engines
from subtitler.adapters import whisper
from subtitler.audio import decode
from subtitler.cues import make_cues
from subtitler.digests import EDITED, transcript_digest, with_edit
from subtitler.edits import EditStore, edit_words
from subtitler.errors import MissingPairError, SubtitlerError
from subtitler.formats import translation_from_json, translation_to_json
from subtitler.formats.json import untranslated_from_json
from subtitler.job import Job
from subtitler.marks import balance_marks
from subtitler.model import Cue, Sentence, Translation, Word
from subtitler.outputs import write_text
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.routes import Route
from subtitler.sentences import split_sentences, timed_words
from subtitler.targets import check_routes, targets, whisper_translator

log = logging.getLogger(__name__)


def translation_digest(job: Job, route: Route) -> str:
    """What a translation is made from; the transcript's digest holds the model and its decode settings,
    which Whisper's own translation uses too."""
    settings = job.options.translate
    return digest(
        transcript_digest(job), str(route), [engines.identity(h) for h in route.hops], job.glossary,
        settings.beam_size, settings.max_sentence_chars, job.options.cues.max_pause,
    )  # fmt: skip


Missed = tuple[tuple[str, ...], ...]  # per sentence, the words an engine left untranslated
Done = dict[str, tuple[tuple[Sentence, ...], Missed]]  # route prefix -> its sentences and their missed words


def _translate(
    job: Job, route: Route, sentences: tuple[Sentence, ...], audio: Callable[[], Any], done: Done
) -> tuple[tuple[Sentence, ...], Missed]:
    """The sentences taken along the route, hop by hop, and the words each hop's engine left untranslated (its
    own marks, or words of the source found unchanged: `TextEngine.untranslated`); `done` holds each route prefix
    already taken in this job (German to English once, for English and for Italian through English)."""
    options = job.options
    settings = engines.Settings(
        device=whisper.resolve_device(options.transcribe.device),
        threads=whisper.resolve_threads(options.transcribe.threads),
        beam_size=options.translate.beam_size,
        batch_size=options.translate.batch_size,
    )
    missed: Missed = tuple(() for _ in sentences)
    for k, hop in enumerate(route.hops):
        prefix = str(Route(route.target, route.hops[: k + 1]))
        if prefix in done:
            sentences, missed = done[prefix]
            continue
        if hop.engine == "whisper":
            translator = whisper_translator(job.model) if job.model is not None else None
            assert translator is not None and job.transcript is not None  # routes have a Whisper hop only then
            with seconds_bar(f"{job.stem}: translate into {hop.target}", job.transcript.duration) as bar:
                heard = whisper.translate(translator.path, audio(), options.transcribe, hop.source, bar)
            sentences = tuple(Sentence(s.start, s.end, job.glossary.respell(s.text, hop.target)) for s in heard)
            missed = tuple(() for _ in sentences)
            done[prefix] = sentences, missed
            continue
        protected = [job.glossary.protect(s.text) for s in sentences]
        translated = engines.translate_texts(hop, [text for text, _ in protected], settings)
        engine = engines.ENGINES[hop.engine]
        restored, now = [], []
        for sentence, (given, found), text, before in zip(sentences, protected, translated, missed, strict=True):
            text, left = engine.untranslated(hop.source, hop.target, given, text) if text.strip() else (text, ())
            now.append(tuple(dict.fromkeys((*before, *left))))
            text, lost = job.glossary.restore(text, found, hop.target)
            if lost:
                log.warning("%s: %s lost the glossary term(s) %s in: %s", job.stem, hop, ", ".join(lost), text)
            restored.append(Sentence(sentence.start, sentence.end, job.glossary.respell(text, hop.target)))
        sentences, missed = tuple(restored), tuple(now)
        done[prefix] = sentences, missed
    return sentences, missed


def _kept(job: Job, target: str, path: Path, made_from: str) -> tuple[Translation, Missed] | None:
    if not job.keeps(f"translation:{target}", path, made_from):
        return None
    try:
        text = path.read_text(encoding="utf-8")
        return translation_from_json(text), untranslated_from_json(text)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: cannot reuse %s (%s); translating again", job.stem, path.name, exc)
        return None


def _routes(job: Job, language: str) -> tuple[dict[str, Route], dict[str, str]]:
    """A route into each target language from the spoken one, and why for each target that has none.

    The spoken language is known only now (when it was not given, only targets no language reaches were
    refused before any work): a target this input's language cannot reach costs only its own outputs."""
    assert job.model is not None
    try:
        return check_routes(job.options, job.model, language), {}
    except MissingPairError:
        pass
    routes: dict[str, Route] = {}
    missing: dict[str, str] = {}
    for target in targets(job.options):  # one at a time, to tell which ones have a route
        translate = dataclasses.replace(job.options.translate, to=(target,))
        only = dataclasses.replace(job.options, translate=translate, output=dataclasses.replace(job.options.output, burn=""))
        try:
            routes.update(check_routes(only, job.model, language))
        except MissingPairError as exc:
            missing[target] = str(exc)
    return routes, missing


@dataclass(frozen=True)
class _Source:
    """What the targets are translated from: the spoken words, their sentences, and the digest of the person's
    correction they come from ("" for the machine's transcript)."""

    words: list[Word]
    sentences: tuple[Sentence, ...]
    edit: str = ""


def _machine_source(job: Job) -> _Source:
    words = job.spoken_words()
    return _Source(words, split_sentences(words, job.options.cues.max_pause, job.options.translate.max_sentence_chars))


def _edited_source(job: Job, spoken: str, wanted: list[str]) -> _Source | None:
    """The corrected spoken cues' words and sentences, when the targets are to follow the correction: asked now
    (`Options.retranslate`) or before (the last run's translations were made from it), while it stands."""
    if spoken not in job.edited:
        return None
    followed = any(job.previous.get(f"translation:{t}", "").startswith(EDITED) for t in wanted)
    asked = job.options.retranslate or EditStore(job.folder).retranslation_asked(spoken)
    if not (asked or followed):
        return None
    words = edit_words(job.cues[spoken])
    sentences = split_sentences(words, job.options.cues.max_pause, job.options.translate.max_sentence_chars)
    return _Source(words, sentences, job.digests[f"subs:{spoken}"])


def _translation(job: Job, target: str, route: Route, source: _Source, audio: Callable[[], Any],
                 done: Done) -> tuple[Job, tuple[Cue, ...]]:  # fmt: skip
    """`target`'s translation, kept from an earlier run or made and written now, and its cues."""
    transcript = job.transcript
    assert transcript is not None
    path, made_from = job.output(f"{job.stem}.{target}.json"), translation_digest(job, route)
    if source.edit:  # made from a person's correction: it says so, and a later run follows the correction
        made_from = f"{EDITED}{digest(made_from, source.edit)}"
    kept = _kept(job, target, path, made_from)
    if kept is not None:
        translation, missed = kept
        job = dataclasses.replace(job, reused=(*job.reused, f"translate:{target}"))
    else:
        spoken = f" from your edited {transcript.language} subtitles" if source.edit else ""
        log.info("%s: translating into %s (%s)%s", job.stem, target, route, spoken)
        sentences, missed = _translate(job, route, source.sentences, audio, done)
        translation = Translation(target, transcript.language, str(route), sentences)
        write_text(path, translation_to_json(translation, source.sentences, {"made_from": made_from}, missed))
    done[translation.route] = translation.sentences, missed
    timed = timed_words(translation.sentences, source.words, target)
    cues = balance_marks(job.on_speech(make_cues(timed, job.options.cues, transcript.duration, target)), target)
    return job.with_file(f"translation:{target}", path, made_from), cues


def _without_burn_of(job: Job, failed: dict[str, str]) -> Job:
    """When the language to burn is one that could not be translated, the burn cannot happen: a problem of
    its own, which `burning.burn_language` reads (every other output is still made)."""
    burn = job.options.output.burn
    if burn not in failed or job.media is None or not job.media.has_video:
        return job
    log.info("%s: nothing burned in: no %s subtitles", job.stem, burn)
    return dataclasses.replace(job, problems={**job.problems, f"burned:{burn}": f"no {burn} subtitles to burn"})


class Translate:
    name = "translate"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        assert job.transcript is not None and job.model is not None
        spoken = job.transcript.language
        wanted = [target for target in targets(job.options) if target != spoken]
        for target in wanted:  # a target a person corrected: its cues are the correction, not a translation
            job = with_edit(job, target) or job
        to_translate = [target for target in wanted if target not in job.edited]
        machine = _machine_source(job)
        source = _edited_source(job, spoken, to_translate) or machine
        if not source.sentences:  # no speech: nothing to translate, and no subtitles in the other languages
            return dataclasses.replace(job, cues=_in_order(job, wanted, {t: () for t in to_translate}), audio=None)
        routes, failed = _routes(job, spoken) if to_translate else ({}, {})
        routes = {t: route for t, route in routes.items() if t in to_translate}
        failed = {t: why for t, why in failed.items() if t in to_translate}
        audio = functools.cache(lambda: decode(job))  # decoded again only if a route hears it and the transcript was kept
        done: Done = {}  # route prefix -> sentences, shared between targets
        cues: dict[str, tuple[Cue, ...]] = {}
        for target, route in sorted(routes.items(), key=lambda item: len(item[1].hops)):  # direct routes first
            heard = any(hop.engine == "whisper" for hop in route.hops)
            if heard and source.edit:
                log.info("%s: %s is translated by Whisper from the speech: your corrections of %s do not reach it",
                         job.stem, target, spoken)  # fmt: skip
            try:
                job, cues[target] = _translation(job, target, route, machine if heard else source, audio, done)
            except SubtitlerError as exc:  # an engine failing on this input costs only this language's outputs
                failed[target] = str(exc)
        for target, why in failed.items():
            log.info("%s: no %s subtitles: %s", job.stem, target, why)
        job = _without_burn_of(job, failed)
        return dataclasses.replace(
            job,
            cues=_in_order(job, wanted, cues),
            routes={target: str(route) for target, route in routes.items() if target in cues},
            problems={**{f"translation:{t}": failed[t] for t in wanted if t in failed}, **job.problems},
            audio=None,
        )


def _in_order(job: Job, wanted: list[str], made: dict[str, tuple[Cue, ...]]) -> dict[str, tuple[Cue, ...]]:
    """The job's cues with the targets' (corrected or made now) in the order they were asked for."""
    found = {**job.cues, **made}
    return {**{k: v for k, v in job.cues.items() if k not in wanted}, **{t: found[t] for t in wanted if t in found}}
