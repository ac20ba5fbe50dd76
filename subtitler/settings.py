"""What every job of a run shares, checked before any work: the options, the glossary, the device,
the Whisper model, a route into every language asked for, and the enhancement models."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from subtitler import glossary, loudness, model_store, superres
from subtitler.adapters import ffmpeg, whisper
from subtitler.job import JobSettings
from subtitler.model_store import ResolvedModel
from subtitler.options import EnhanceOptions, TranscribeOptions, load_options
from subtitler.targets import check_routes

log = logging.getLogger(__name__)


def job_settings(preset: str = "default", given: dict[str, dict[str, Any]] | None = None, force: bool = False) -> JobSettings:
    """The settings of a run from a preset and values by preset table (those not None win); a bad value, a
    missing model or an unreachable language raises a SubtitlerError now, not after transcribing."""
    options = load_options(preset, given, force=force)
    terms = glossary.load(options.translate.glossary)
    if terms:  # Whisper hears the glossary's names better when it expects them
        hotwords = ", ".join(filter(None, [options.transcribe.hotwords, terms.hotwords()]))
        options = dataclasses.replace(options, transcribe=dataclasses.replace(options.transcribe, hotwords=hotwords))
    device = whisper.resolve_device(options.transcribe.device)  # --device cuda without a GPU fails here, once
    options = dataclasses.replace(options, encode=ffmpeg.resolve_encoder(options.encode))  # a test encode: NVENC or not
    model = whisper_model(options.transcribe, device)
    batch = dataclasses.replace(options.transcribe, batch_size=batch_size(options.transcribe, device, model))
    options = dataclasses.replace(options, transcribe=batch)  # the number job.json records
    check_routes(options, model, options.transcribe.language or None)  # a missing language pair fails before any work
    check_enhance(options.enhance)
    return JobSettings(options, model, terms)


def whisper_model(transcribe: TranscribeOptions, device: str) -> ResolvedModel:
    """The model named, or the one `--model auto` chooses for the device (said in the log)."""
    if transcribe.model != model_store.AUTO:
        return model_store.resolve(transcribe.model)
    free = whisper.gpu_free_mib() if device == "cuda" else None
    return model_store.resolve_auto(device, free, transcribe.language)


def batch_size(transcribe: TranscribeOptions, device: str, model: ResolvedModel) -> int:
    """How many windows Whisper decodes at once in this run (0: sequentially), said in the log when chosen."""
    size = whisper.resolve_batch_size(transcribe, device, model.path)
    if transcribe.batch_size > 0 and not transcribe.vad:
        log.warning("--batch-size %d needs VAD (it decodes the stretches of speech VAD finds): decoding sequentially",
                    transcribe.batch_size)  # fmt: skip
    elif transcribe.batch_size == whisper.AUTO_BATCH:
        log.info("batch size auto: %s", f"{size} windows at once on the {device.upper()}" if size else "sequential (no VAD)")
    return size


def check_enhance(enhance: EnhanceOptions) -> None:
    """A super-resolution model or denoising model that is missing fails now, not after transcribing."""
    if enhance.upscale > 1:
        superres.resolve(enhance.upscale_method, enhance.upscale, enhance.upscale_model)
    if enhance.audio:
        loudness.denoise_filter(enhance.denoise, Path(enhance.denoise_model) if enhance.denoise_model else None)
