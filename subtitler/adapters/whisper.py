"""faster-whisper and CTranslate2 at the edge: load a model once, transcribe audio into a Transcript."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from functools import cache
from pathlib import Path

import numpy as np

from subtitler.adapters import passing_thread
from subtitler.errors import ModelError, UsageError
from subtitler.model import Segment, Sentence, Transcript, Word
from subtitler.options import TranscribeOptions

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000
PUNCTUATION_ONLY = set(" .,!?;:…-–—'\"¿¡。，！？、")


# CTranslate2 4 is built against CUDA 12: it loads cuBLAS 12 at its first GPU matrix product and cuDNN 9 for
# Whisper's convolutions. A GPU whose machine lacks them is seen, but fails mid-run (seen with CUDA 13's cuBLAS).
# Each library, with the pip package that ships it and the folder the package puts it in.
CUDA_LIBRARIES = {
    "libcublas.so.12": ("nvidia-cublas-cu12", "nvidia/cublas/lib"),
    "libcudnn.so.9": ("nvidia-cudnn-cu12", "nvidia/cudnn/lib"),
    "libcudnn_ops.so.9": ("nvidia-cudnn-cu12", "nvidia/cudnn/lib"),
    "libcudnn_cnn.so.9": ("nvidia-cudnn-cu12", "nvidia/cudnn/lib"),
}


def cuda_available() -> bool:
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # a CUDA driver that is present but broken counts as none
        return False


@cache
def library_loads(name: str) -> bool:
    """Whether the dynamic loader finds and loads `name` here (true off Linux, where these names do not apply)."""
    if not sys.platform.startswith("linux"):
        return True
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def cuda_libraries_missing(loads: Callable[[str], bool] | None = None) -> str | None:
    """None when every library CTranslate2 needs on a GPU loads (`loads(name)`: by default, here), else one line
    naming the missing ones and how to get them."""
    missing = [name for name in CUDA_LIBRARIES if not (loads or library_loads)(name)]
    if not missing:
        return None
    packages = dict.fromkeys(CUDA_LIBRARIES[name] for name in missing)
    return (
        f"{', '.join(missing)} (cuBLAS 12 and cuDNN 9 for CUDA 12: pip install {' '.join(p for p, _ in packages)}, "
        f"and put {', '.join(f'site-packages/{folder}' for _, folder in packages)} on LD_LIBRARY_PATH)"
    )


@cache
def _cpu_instead(missing: str) -> str:
    """The CPU, said once per process: resolve_device runs before any work and again in the stages."""
    log.warning("a CUDA GPU is here but %s cannot be loaded, so Whisper and Argos run on the CPU", missing)
    return "cpu"


def resolve_device(device: str) -> str:
    """`auto` made cuda (a GPU CTranslate2 sees and every library it needs there) or cpu; `cuda` without them is a
    UsageError naming everything missing."""
    if device == "cpu":
        return device
    gpu = cuda_available()
    missing = cuda_libraries_missing() if gpu or device == "cuda" else None
    if device == "auto":
        if gpu and missing:
            return _cpu_instead(missing)
        return "cuda" if gpu else "cpu"
    problems = ([] if gpu else ["sees no CUDA GPU"]) + ([f"cannot load {missing}"] if missing else [])
    if problems:
        raise UsageError(f"--device {device} was asked for, but CTranslate2 {' and '.join(problems)}")
    return device


def resolve_compute_type(compute_type: str, device: str) -> str:
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def resolve_threads(threads: int) -> int:
    return threads if threads > 0 else (os.cpu_count() or 1)


class _NvmlMemory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


def gpu_free_mib() -> int | None:
    """Free memory of the GPU CTranslate2 uses (the first one CUDA_VISIBLE_DEVICES names), in MiB, from the
    driver's NVML library (no CUDA context is made); None where it cannot be read."""
    try:
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return None
    first = os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0].strip()
    handle, memory = ctypes.c_void_p(), _NvmlMemory()
    if nvml.nvmlInit_v2() != 0:
        return None
    try:
        if first.isdigit():
            found = nvml.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(int(first)), ctypes.byref(handle))
        else:  # a GPU named by its UUID
            found = nvml.nvmlDeviceGetHandleByUUID(first.encode(), ctypes.byref(handle))
        if found != 0 or nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) != 0:
            return None
        return int(memory.free // 2**20)
    finally:
        nvml.nvmlShutdown()


AUTO_BATCH = -1  # [transcribe] batch_size: chosen from the device (0: sequential decoding)
CPU_BATCH = 8  # on 2 cores 4, 8 and 16 ran alike (0.58 x sequential's time); 8 is faster-whisper's own default
GPU_BATCH_MAX = 16
GPU_RESERVE_MIB = 1024  # CUDA's context, cuBLAS and cuDNN workspaces


def auto_batch_size(device: str, vad: bool, free_gpu_mib: int | None = None, model_mib: int = 0, beam_size: int = 5) -> int:
    """How many windows to decode at once (pure). Without VAD, 0: batched decoding decodes the stretches of
    speech VAD finds. On a CPU, CPU_BATCH. On a CUDA GPU, as many as the free memory holds next to the
    model (each window's encoder states and its beams' caches, taken as a third of the weights for beam 5,
    256 MiB at least), 1 to GPU_BATCH_MAX; GPU_BATCH_MAX // 2 when the free memory is not known."""
    if not vad:
        return 0
    if device != "cuda":
        return CPU_BATCH
    if free_gpu_mib is None:
        return GPU_BATCH_MAX // 2
    per_window = max(256, model_mib // 3 * max(1, beam_size) // 5)
    return max(1, min(GPU_BATCH_MAX, (free_gpu_mib - model_mib - GPU_RESERVE_MIB) // per_window))


def model_mib(model_path: Path) -> int:
    """The size of a model's weights on disk, in MiB."""
    try:
        return (model_path / "model.bin").stat().st_size // 2**20
    except OSError:
        return 0


def resolve_batch_size(options: TranscribeOptions, device: str, model_path: Path) -> int:
    """[transcribe] batch_size made a number: AUTO_BATCH chosen from the device, its free memory and the model's
    size; an explicit size kept, except 0 without VAD (batched decoding decodes what VAD finds)."""
    if not options.vad:
        return 0
    if options.batch_size != AUTO_BATCH:
        return options.batch_size
    free = gpu_free_mib() if device == "cuda" else None
    return auto_batch_size(device, options.vad, free, model_mib(model_path), options.beam_size)


KEPT_MODELS = 2  # models a process keeps loaded (a transcriber and a translator)
_models: dict[tuple[str, str, str, int], Future] = {}  # each (folder, device, type, threads): its model, or its loading
_models_lock = threading.Lock()


def _load(path: str, device: str, compute_type: str, threads: int):  # type: ignore[no-untyped-def]
    from subtitler.adapters.whisper_model import Model

    log.info("loading Whisper model %s on %s (%s, %d threads)", path, device, compute_type, threads)
    try:
        return Model(path, device=device, compute_type=compute_type, cpu_threads=threads, local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Whisper model in {path} on {device} ({compute_type}): {exc}") from exc


def _loading(key: tuple[str, str, str, int]) -> Future:
    """The model of `key`, loaded once per process by a thread of its own (`passing_thread`), started now unless a
    load of it has already started. Only the KEPT_MODELS newest are kept."""
    with _models_lock:
        if key not in _models:
            _models[key] = passing_thread.start(lambda: _load(*key), "whisper-model")
            for old in list(_models)[: max(0, len(_models) - KEPT_MODELS)]:
                del _models[old]
        return _models[key]


def load_model(path: str, device: str, compute_type: str, threads: int):  # type: ignore[no-untyped-def]
    """A WhisperModel (its encoder fed two windows at a time on a CPU: `whisper_model`), loaded once per process
    for each (folder, device, type, threads), in a thread that ends once it is loaded (`passing_thread`); waits for
    a load `preload` started. A load that failed is tried again by the next call."""
    key = (path, device, compute_type, threads)
    future = _loading(key)
    try:
        return future.result()
    except BaseException:
        with _models_lock:
            if _models.get(key) is future:
                del _models[key]
        raise


def unload_models() -> None:
    """Forget every model this process loaded (a benchmark's clean slate)."""
    with _models_lock:
        _models.clear()


def _model_key(model_path: Path, options: TranscribeOptions) -> tuple[str, str, str, int]:
    device = resolve_device(options.device)
    return str(model_path), device, resolve_compute_type(options.compute_type, device), resolve_threads(options.threads)


def preload(model_path: Path, options: TranscribeOptions) -> None:
    """Start loading the model in a thread, so that it loads while the audio is decoded and VAD runs: importing
    faster-whisper and loading `base` take about 0.4 s on 2 cores, in C++ for the most part."""
    _loading(_model_key(model_path, options))


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
        # Its "silence" is measured in the audio Whisper is given; VAD has cut the silence out of it, so the test
        # would take the edges of Whisper's windows for silence and throw away real speech (README, Design notes).
        hallucination_silence_threshold=None if options.vad else options.hallucination_silence_threshold or None,
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
    return load_model(*_model_key(model_path, options))


WINDOW_S = 30  # seconds of audio Whisper hears at once


Speech = tuple[list[dict[str, int]], np.ndarray, list[tuple[int, int]]]  # VAD's stretches, joined, windows over them


def _speech_windows(audio: np.ndarray, options: TranscribeOptions) -> Speech:
    """VAD's stretches of speech (samples), their audio joined, and the windows over it (first sample, and the one
    after the last): the stretches packed into WINDOW_S at most, as faster-whisper's batched decoding packs them."""
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    vad = VadOptions(
        min_silence_duration_ms=options.vad_min_silence_ms,
        speech_pad_ms=options.vad_speech_pad_ms,
        max_speech_duration_s=WINDOW_S,
    )
    stretches = get_speech_timestamps(audio, vad)
    if not stretches:
        return [], audio[:0], []
    pieces, _ = collect_chunks(audio, stretches, max_duration=WINDOW_S)
    ends = np.cumsum([len(piece) for piece in pieces]).tolist()
    speech = np.concatenate(pieces)
    del pieces
    return stretches, speech, list(zip([0, *ends[:-1]], ends, strict=True))


def _in_windows(model, audio: np.ndarray, speech: Speech | None, kwargs: dict[str, object], batch_size: int):  # type: ignore[no-untyped-def]
    """Whisper over VAD's speech (`speech`; None without VAD), window by window, each window starting where a
    stretch of speech starts; timestamps back on the audio's own clock.

    VAD has run before, in `_speech_windows` rather than inside faster-whisper, while the model was still loading
    (`preload`). Batched, the windows are the very ones faster-whisper makes itself: the same joined speech cut at
    the same samples (each bound given half a sample late: faster-whisper takes int(seconds x rate)), so the
    words are the same (tests/test_transcribe.py). Sequential decoding takes them as its clip timestamps: over
    the joined speech as a whole, a window started wherever the last one's last word ended, and a quiet sentence
    glued to a louder one was skipped by that jump."""
    from faster_whisper import BatchedInferencePipeline
    from faster_whisper.transcribe import restore_speech_timestamps

    decoder = BatchedInferencePipeline(model) if batch_size > 0 else model
    if batch_size > 0:
        kwargs = {k: v for k, v in kwargs.items() if k not in ("condition_on_previous_text", "hallucination_silence_threshold")}
        kwargs["batch_size"] = batch_size
    if not speech or not speech[0]:  # no VAD, or no speech: faster-whisper's own path (it still names the language)
        return decoder.transcribe(audio, **kwargs)
    stretches, joined, windows = speech
    kwargs = {k: v for k, v in kwargs.items() if k not in ("vad_filter", "vad_parameters")}
    if batch_size > 0:
        clips: object = [{"start": (a + 0.5) / SAMPLE_RATE, "end": (b + 0.5) / SAMPLE_RATE} for a, b in windows]
    else:
        clips = [t / SAMPLE_RATE for window in windows for t in window]
    segments, info = decoder.transcribe(joined, clip_timestamps=clips, **kwargs)
    return restore_speech_timestamps(segments, stretches, SAMPLE_RATE), info


def _decode(
    model,  # type: ignore[no-untyped-def]
    audio: np.ndarray,
    speech: Speech | None,
    options: TranscribeOptions,
    kwargs: dict[str, object],
    on_progress: Callable[[float], None] | None,
    batch_size: int = 0,
) -> tuple[list[Segment], object]:
    """Whisper's segments over the audio, likely hallucinations dropped, progress in media seconds."""
    duration = len(audio) / SAMPLE_RATE
    segments_iter, info = _in_windows(model, audio, speech, kwargs, batch_size)
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
    preload(model_path, options)
    speech = _speech_windows(audio, options) if options.vad else None  # while the model loads
    model = _model(model_path, options)
    if options.language and not model.model.is_multilingual and options.language != "en":
        raise UsageError(f"the model in {model_path} knows only English; use a multilingual model for '{options.language}'")
    batch_size = resolve_batch_size(options, resolve_device(options.device), model_path)
    kwargs = _decode_kwargs(options, model.model.is_multilingual)
    segments, info = _decode(model, audio, speech, options, kwargs, on_progress, batch_size)
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
    """English sentences from speech in `language`, by Whisper's own translate task (`model_path`: a model that
    translates, `model_store.translator`; never large-v3-turbo, which answers in the spoken language)."""
    if "turbo" in model_path.name.lower():  # a wrong language written as English is worse than no translation
        raise ModelError(f"the model in {model_path} cannot translate (it answers in the spoken language); use another")
    preload(model_path, options)
    speech = _speech_windows(audio, options) if options.vad else None  # while the model loads
    model = _model(model_path, options)
    if not model.model.is_multilingual:
        raise UsageError(f"the model in {model_path} knows only English, so it cannot translate; use a multilingual model")
    kwargs = {**_decode_kwargs(options, True), "task": "translate", "language": language, "word_timestamps": False}
    batch_size = resolve_batch_size(options, resolve_device(options.device), model_path)
    if batch_size > 0:  # a segment a sentence (timed by Whisper), not one per 30 s window
        kwargs["without_timestamps"] = False
    segments, _ = _decode(model, audio, speech, options, kwargs, on_progress, batch_size)
    return [Sentence(s.start, s.end, " ".join(s.text.split())) for s in segments]
