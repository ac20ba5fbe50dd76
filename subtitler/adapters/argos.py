"""CTranslate2 and SentencePiece at the edge: run an Argos Translate package over a list of sentences."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import ctranslate2
import sentencepiece

from subtitler.adapters import passing_thread
from subtitler.argos_packages import ArgosPackage
from subtitler.errors import EngineError, ModelError

log = logging.getLogger(__name__)


def max_decoding_length(source_pieces: int) -> int:
    """A bound on output pieces, so that a model caught in a loop stops (real translations stay well under it)."""
    return 3 * source_pieces + 10


@lru_cache(maxsize=8)
def tokenizer(path: Path) -> sentencepiece.SentencePieceProcessor:
    """The SentencePiece model of a package folder, loaded once per process."""
    try:
        return sentencepiece.SentencePieceProcessor(model_file=str(path / "sentencepiece.model"))
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Argos package in {path}: {exc}") from exc


def translator(path: Path, device: str, threads: int) -> ctranslate2.Translator:
    """A package's model, built for one call and dropped after it (0.05 s to build for Argos's size, on 2 cores).

    A CTranslate2 model's worker thread keeps an OpenMP team for as long as the model lives; with Whisper's team
    alive too, libgomp manages more threads than there are cores and throttles both (`passing_thread`): on 2 cores,
    `base` transcribed the sonnet in 2.1 to 2.5 s after an Argos translation, against 1.4 s before it and once the
    translator was dropped."""
    log.info("loading Argos package %s on %s (%d threads)", path, device, threads)
    try:
        return passing_thread.built(  # not in a thread that lives on: `passing_thread`
            lambda: ctranslate2.Translator(str(path / "model"), device=device, compute_type="auto", intra_threads=threads),
            "argos-model",
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Argos package in {path} on {device}: {exc}") from exc


def hypotheses(
    package: ArgosPackage, pieces: list[list[str]], device: str, threads: int, beam_size: int, batch_size: int
) -> list[list[str]]:
    """The best hypothesis for each sentence's pieces, as CTranslate2 gives it: a package with a target prefix
    has its decoder start with it (how a multilingual model is told the language), so each begins with it."""
    model = translator(package.path, device, threads if threads > 0 else (os.cpu_count() or 1))
    prefix = [package.target_prefix] if package.target_prefix else []
    log.debug("translating %d texts with %s", len(pieces), package.name)
    try:
        # One bound for the whole call: CTranslate2 takes a single max_decoding_length.
        outputs = model.translate_batch(
            pieces,
            target_prefix=[prefix] * len(pieces) if prefix else None,
            max_batch_size=batch_size,
            beam_size=beam_size,
            num_hypotheses=1,
            length_penalty=0.2,
            replace_unknowns=True,
            max_decoding_length=len(prefix) + max_decoding_length(max(len(p) for p in pieces)),
        )
    except (RuntimeError, ValueError) as exc:  # CTranslate2's errors (out of memory, a CUDA failure) come as these
        raise EngineError(f"the Argos package {package.name} failed on {device}: {exc}") from exc
    return [output.hypotheses[0] for output in outputs]


def without_prefix(hypothesis: list[str], package: ArgosPackage) -> list[str]:
    """A hypothesis without the target prefix the decoder was made to start with."""
    prefix = package.target_prefix
    return hypothesis[1:] if prefix and hypothesis[:1] == [prefix] else hypothesis


def translate(
    package: ArgosPackage,
    texts: Sequence[str],
    device: str = "cpu",
    threads: int = 0,
    beam_size: int = 4,
    batch_size: int = 32,
) -> list[str]:
    """One translation per text, in order, from a single batched call; blank texts give "" without being sent."""
    results = [""] * len(texts)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if not todo:
        return results
    pieces_of = tokenizer(package.path)
    pieces = [pieces_of.encode(texts[i], out_type=str) for i in todo]
    for i, hypothesis in zip(todo, hypotheses(package, pieces, device, threads, beam_size, batch_size), strict=True):
        results[i] = pieces_of.decode(without_prefix(hypothesis, package))
    return results
