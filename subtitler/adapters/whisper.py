"""faster-whisper and CTranslate2 at the edge: load a model once, transcribe audio into a Transcript."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from subtitler.errors import ModelError, UsageError
from subtitler.model import Segment, Sentence, Transcript, Word
from subtitler.options import TranscribeOptions

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000
PUNCTUATION_ONLY = set(" .,!?;:…-–—'\"¿¡。，！？、")


# CTranslate2 4 is built against CUDA 12 and loads cuBLAS at its first GPU matrix product: a GPU
# whose machine has only another CUDA's libraries is seen, but fails mid-run (seen with CUDA 13).
CUBLAS = "libcublas.so.12"


def cuda_available() -> bool:
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # a CUDA driver that is present but broken counts as none
        return False


@lru_cache(maxsize=1)
def cuda_libraries_missing() -> str | None:
    """None when CTranslate2's CUDA libraries load here, else what is missing (Linux only checks)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        ctypes.CDLL(CUBLAS)
    except OSError:
        return f"{CUBLAS} (CUDA 12 cuBLAS: pip install nvidia-cublas-cu12, and add its lib folder to LD_LIBRARY_PATH)"
    return None


def resolve_device(device: str) -> str:
    if device == "auto":
        if not cuda_available():
            return "cpu"
        missing = cuda_libraries_missing()
        if missing:
            log.warning("a CUDA GPU is here but %s cannot be loaded, so Whisper and Argos run on the CPU", missing)
            return "cpu"
        return "cuda"
    if device == "cuda" and not cuda_available():
        raise UsageError("--device cuda was asked for, but CTranslate2 sees no CUDA GPU")
    if device == "cuda" and cuda_libraries_missing():
        raise UsageError(f"--device cuda was asked for, but CTranslate2 cannot load {cuda_libraries_missing()}")
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
        # Whisper's non-speech symbols ("[", "(", "♪"...) are suppressed unless sound cues are wanted.
        suppress_tokens=[] if options.sound_cues else [-1],
    )
    if not multilingual_model:
        kwargs["language"] = "en"
    return kwargs


def _model(model_path: Path, options: TranscribeOptions):  # type: ignore[no-untyped-def]
    device = resolve_device(options.device)
    return load_model(
        str(model_path), device, resolve_compute_type(options.compute_type, device), resolve_threads(options.threads)
    )


def _decode(
    model,  # type: ignore[no-untyped-def]
    audio: np.ndarray,
    options: TranscribeOptions,
    kwargs: dict[str, object],
    on_progress: Callable[[float], None] | None,
) -> tuple[list[Segment], object]:
    """Whisper's segments over the audio, likely hallucinations dropped, progress in media seconds."""
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
    return segments, info


def transcribe(
    model_path: Path,
    audio: np.ndarray,
    options: TranscribeOptions,
    on_progress: Callable[[float], None] | None = None,
) -> Transcript:
    model = _model(model_path, options)
    if options.language and not model.model.is_multilingual and options.language != "en":
        raise UsageError(f"the model in {model_path} knows only English; use a multilingual model for '{options.language}'")
    segments, info = _decode(model, audio, options, _decode_kwargs(options, model.model.is_multilingual), on_progress)
    return Transcript(
        language=info.language,  # type: ignore[attr-defined]
        language_probability=float(info.language_probability),  # type: ignore[attr-defined]
        duration=len(audio) / SAMPLE_RATE,
        segments=tuple(segments),
    )


def translate(
    model_path: Path,
    audio: np.ndarray,
    options: TranscribeOptions,
    language: str,
    on_progress: Callable[[float], None] | None = None,
) -> list[Sentence]:
    """English sentences from speech in `language`, by Whisper's own translate task."""
    model = _model(model_path, options)
    if not model.model.is_multilingual:
        raise UsageError(f"the model in {model_path} knows only English, so it cannot translate; use a multilingual model")
    kwargs = {**_decode_kwargs(options, True), "task": "translate", "language": language, "word_timestamps": False}
    segments, _ = _decode(model, audio, options, kwargs, on_progress)
    return [Sentence(s.start, s.end, " ".join(s.text.split())) for s in segments]
