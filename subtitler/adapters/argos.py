"""CTranslate2 and SentencePiece at the edge: run an Argos Translate package over a list of sentences."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import ctranslate2
import sentencepiece

from subtitler.argos_packages import ArgosPackage
from subtitler.errors import ModelError

log = logging.getLogger(__name__)


def max_decoding_length(source_pieces: int) -> int:
    """A bound on output pieces, so that a model caught in a loop stops (real translations stay well under it)."""
    return 3 * source_pieces + 10


@lru_cache(maxsize=4)
def load(path: Path, device: str, threads: int) -> tuple[ctranslate2.Translator, sentencepiece.SentencePieceProcessor]:
    """The translator and tokenizer of a package folder, loaded once per process for each (folder, device, threads)."""
    log.info("loading Argos package %s on %s (%d threads)", path, device, threads)
    try:
        translator = ctranslate2.Translator(str(path / "model"), device=device, compute_type="auto", intra_threads=threads)
        tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(path / "sentencepiece.model"))
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Argos package in {path} on {device}: {exc}") from exc
    return translator, tokenizer


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
    translator, tokenizer = load(package.path, device, threads if threads > 0 else (os.cpu_count() or 1))
    pieces = [tokenizer.encode(texts[i], out_type=str) for i in todo]
    log.debug("translating %d texts with %s", len(pieces), package.name)
    # One bound for the whole call: CTranslate2 takes a single max_decoding_length.
    outputs = translator.translate_batch(
        pieces,
        max_batch_size=batch_size,
        beam_size=beam_size,
        num_hypotheses=1,
        length_penalty=0.2,
        replace_unknowns=True,
        max_decoding_length=max_decoding_length(max(len(p) for p in pieces)),
    )
    for i, output in zip(todo, outputs, strict=True):
        results[i] = tokenizer.decode(output.hypotheses[0])
    return results
