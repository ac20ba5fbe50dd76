"""What every job of a run shares, checked before any work: the options, the glossary, the device,
the Whisper model, a route into every language asked for, and the enhancement models."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from subtitler import glossary, loudness, model_store, superres
from subtitler.adapters import whisper
from subtitler.job import JobSettings
from subtitler.options import EnhanceOptions, load_options
from subtitler.targets import check_routes


def job_settings(preset: str = "default", given: dict[str, dict[str, Any]] | None = None, force: bool = False) -> JobSettings:
    """The settings of a run from a preset and values by preset table (those not None win); a bad value, a
    missing model or an unreachable language raises a SubtitlerError now, not after transcribing."""
    options = load_options(preset, given, force=force)
    terms = glossary.load(options.translate.glossary)
    if terms:  # Whisper hears the glossary's names better when it expects them
        hotwords = ", ".join(filter(None, [options.transcribe.hotwords, terms.hotwords()]))
        options = dataclasses.replace(options, transcribe=dataclasses.replace(options.transcribe, hotwords=hotwords))
    whisper.resolve_device(options.transcribe.device)  # --device cuda without a GPU fails here, once
    model = model_store.resolve(options.transcribe.model)
    check_routes(options, model, options.transcribe.language or None)  # a missing language pair fails before any work
    check_enhance(options.enhance)
    return JobSettings(options, model, terms)


def check_enhance(enhance: EnhanceOptions) -> None:
    """A super-resolution model or denoising model that is missing fails now, not after transcribing."""
    if enhance.upscale > 1:
        superres.resolve(enhance.upscale_method, enhance.upscale, enhance.upscale_model)
    if enhance.audio:
        loudness.denoise_filter(enhance.denoise, Path(enhance.denoise_model) if enhance.denoise_model else None)
