"""faster-whisper and CTranslate2 at the edge: load a model once, transcribe audio into a Transcript."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from subtitler.errors import ModelError, UsageError
from subtitler.model import Segment, Transcript, Word
from subtitler.options import TranscribeOptions

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000
PUNCTUATION_ONLY = set(" .,!?;:…-–—'\"¿¡。，！？、")


def cuda_available() -> bool:
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # a CUDA driver that is present but broken counts as none
        return False


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise UsageError("--device cuda was asked for, but CTranslate2 sees no CUDA GPU")
    return device


def resolve_compute_type(compute_type: str, device: str) -> str:
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def resolve_threads(threads: int) -> int:
    return threads if threads > 0 else (os.cpu_count() or 1)


@lru_cache(maxsize=2)
def load_model(path: str, device: str, compute_type: str, threads: int):  # type: ignore[no-untyped-def]
    """A WhisperModel, loaded once per process for each (folder, device, type, threads)."""
    from faster_whisper import WhisperModel

    log.info("loading Whisper model %s on %s (%s, %d threads)", path, device, compute_type, threads)
    try:
        return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads, local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Whisper model in {path} on {device} ({compute_type}): {exc}") from exc


def download_from_hub(repo: str, target: Path) -> None:
    from faster_whisper.utils import download_model

    download_model(repo, output_dir=str(target))


def _keep(segment: Segment, options: TranscribeOptions) -> bool:
    """Drop what Whisper writes over silence or music: punctuation alone, or unsure no-speech."""
    if not segment.text.strip() or set(segment.text) <= PUNCTUATION_ONLY:
        return False
    return not (segment.no_speech_prob > options.drop_no_speech_above and segment.avg_logprob < options.drop_logprob_below)


def _decode_kwargs(options: TranscribeOptions, multilingual_model: bool) -> dict[str, object]:
    kwargs: dict[str, object] = dict(
        language=options.language or None,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=options.vad,
        vad_parameters=dict(min_silence_duration_ms=options.vad_min_silence_ms, speech_pad_ms=options.vad_speech_pad_ms),
        condition_on_previous_text=options.condition_on_previous_text,
        no_speech_threshold=options.no_speech_threshold,
        log_prob_threshold=options.log_prob_threshold,
        compression_ratio_threshold=options.compression_ratio_threshold,
        hallucination_silence_threshold=options.hallucination_silence_threshold or None,
        hotwords=options.hotwords or None,
        initial_prompt=options.prompt or None,
        language_detection_segments=options.language_detection_segments,
        language_detection_threshold=options.language_detection_threshold,
    )
    if not multilingual_model:
        kwargs["language"] = "en"
    return kwargs


def transcribe(
    model_path: Path,
    audio: np.ndarray,
    options: TranscribeOptions,
    on_progress: Callable[[float], None] | None = None,
) -> Transcript:
    device = resolve_device(options.device)
    model = load_model(
        str(model_path), device, resolve_compute_type(options.compute_type, device), resolve_threads(options.threads)
    )
    kwargs = _decode_kwargs(options, model.model.is_multilingual)
    if options.language and not model.model.is_multilingual and options.language != "en":
        raise UsageError(f"the model in {model_path} knows only English; use a multilingual model for '{options.language}'")
    duration = len(audio) / SAMPLE_RATE
    if options.batch_size > 0:
        from faster_whisper import BatchedInferencePipeline

        kwargs.pop("condition_on_previous_text")
        kwargs.pop("hallucination_silence_threshold")
        segments_iter, info = BatchedInferencePipeline(model).transcribe(audio, batch_size=options.batch_size, **kwargs)
    else:
        segments_iter, info = model.transcribe(audio, **kwargs)
    segments = []
    for raw in segments_iter:
        segment = Segment(
            start=float(raw.start),
            end=float(raw.end),
            text=raw.text,
            words=tuple(Word(float(w.start), float(w.end), w.word, float(w.probability)) for w in (raw.words or ())),
            avg_logprob=float(raw.avg_logprob),
            no_speech_prob=float(raw.no_speech_prob),
        )
        if _keep(segment, options):
            segments.append(segment)
        else:
            log.debug("dropped a likely hallucination at %.2f s: %r", segment.start, segment.text)
        if on_progress:
            on_progress(min(duration, segment.end))
    if on_progress:
        on_progress(duration)
    return Transcript(
        language=info.language,
        language_probability=float(info.language_probability),
        duration=duration,
        segments=tuple(segments),
    )
