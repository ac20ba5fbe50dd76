"""Stage: the video outputs enhanced, in one pass (instead of mux and burn).

ONE ffmpeg process writes the soft-subtitled copy and the burned copy side by side, the burned text
drawn at the output resolution in the same encode; the audio is normalised (and denoised) once for
both. How the picture is upscaled depends on the method: Lanczos (the default) is ffmpeg's own scaler
and unsharp mask in that same filter graph, no frame through Python; a learned model (FSRCNN, ESPCN,
LapSRN) runs in OpenCV on worker threads, the frames decoded, made upright with square pixels,
upscaled and streamed with their timestamps to ffmpeg. Either way the output keeps the source's
colour: its matrix and range (what players guess where the source tags none), and tags saying so.
Without upscaling, the soft copy's video is stream-copied and only the audio is redone. The
arguments come from `ffmpeg_args`, the burned language and its font from `burning`: the same rules
as the mux and burn stages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from subtitler import loudness, placement, superres
from subtitler.adapters import ffmpeg
from subtitler.burning import burn_language, burned_path, with_font
from subtitler.digests import subtitle_digest
from subtitler.ffmpeg_args import (
    Colour,
    Container,
    Plan,
    enhance_args,
    is_odd,
    soft_container,
    source_colour,
    upscale_for,
)
from subtitler.job import Job
from subtitler.options import EnhanceOptions
from subtitler.outputs import atomic_path
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.subtitle_files import scratch_subtitles

log = logging.getLogger(__name__)


def audio_filter(job: Job) -> tuple[str, dict[str, Any]]:
    """The filter chain for the output audio (denoiser, then loudness: measured first where the
    duration allows), and what was measured, for job.json."""
    options = job.options.enhance
    assert job.media is not None
    if not options.audio or not job.media.has_audio:
        return "", {}
    model = Path(options.denoise_model) if options.denoise_model else None
    denoise = loudness.prepare_denoise(options.denoise, model, job.work)
    planned = loudness.plan(
        job.source, job.media.duration, options.loudness, options.true_peak, options.loudness_range,
        audio_filter=denoise, cwd=job.work,
    )  # fmt: skip
    record = {
        "mode": planned.mode,
        "before": dataclasses.asdict(planned.measured) if planned.measured else None,
        "target": {"integrated": options.loudness, "true_peak": options.true_peak, "lra": options.loudness_range},
        "denoise": options.denoise,
    }
    return planned.filter, record


class Enhance:
    name = "enhance"

    def run(self, job: Job) -> Job:
        assert job.media is not None
        media, options = job.media, job.options
        if not media.has_video:
            log.info("%s: no picture to upscale; --enhance-audio changes only the audio of video outputs", job.stem)
            return job
        spoken = [lang for lang, cues in job.cues.items() if cues]
        burn = burn_language(job) or ""
        burning = bool(burn)
        placed = placement.Layout()
        if burning:
            job = with_font(job, burn)
            job, placed = placement.plan(job, burn)  # clear of faces and text ([style] avoid)
        container = soft_container(job.source, options.output)
        write_soft = options.output.mux or not burning
        soft = job.output(f"{job.stem}.{'subtitled' if spoken else 'enhanced'}{container.extension}") if write_soft else None
        burned = burned_path(job, burn) if burning else None
        made_from = self._made_from(job, spoken, burn if burning else "", container)
        keys = [k for k, path in (("subtitled", soft), (f"burned:{burn}", burned)) if path is not None]
        paths = [p for p in (soft, burned) if p is not None]
        if all(job.keeps(key, path, made_from) for key, path in zip(keys, paths, strict=True)):
            for key, path in zip(keys, paths, strict=True):
                job = job.with_file(key, path, made_from)
            return job
        chain, record = audio_filter(job)
        tracks = [(lang, scratch_subtitles(job, container.source_format, lang)) for lang in spoken] if soft else []
        if burning:
            placement.burn_subtitles(job, burn, placed)
        self._encode(job, chain, tracks, container, soft, burned)
        if chain:
            record["after"] = dataclasses.asdict(loudness.measure(soft or burned))  # type: ignore[arg-type]
        for key, path in zip(keys, paths, strict=True):
            job = job.with_file(key, path, made_from)
        done = dict(job.enhanced)
        if record:
            done["loudness"] = record
        colour = output_colour(job)
        if colour is not None:
            width, height = job.media.video.display_size  # type: ignore[union-attr]
            factor = job.options.enhance.upscale
            model = superres_identity(job.options.enhance)
            done["upscale"] = {"factor": factor, "model": model, "size": [width * factor, height * factor],
                               "colour": dataclasses.asdict(colour)}  # fmt: skip
        return dataclasses.replace(job, enhanced=done)

    def _made_from(self, job: Job, spoken: list[str], burn: str, container: Container) -> str:
        assert job.media is not None
        subs = [subtitle_digest(job, container.source_format, lang) for lang in spoken]
        burned = subtitle_digest(job, "ass", burn) if burn else None
        model = superres_identity(job.options.enhance)
        enhance = dataclasses.replace(job.options.enhance, workers=0)  # how many threads changes no pixel
        colour = output_colour(job)
        upscaled = [dataclasses.asdict(colour)] if colour else []  # outputs made before colours were kept: redone
        return digest(subs, burned, container, enhance, model, job.options.encode, job.media.size_bytes, *upscaled)

    def _encode(self, job: Job, chain: str, tracks: list[tuple[str, Path]], container: Container,
                soft: Path | None, burned: Path | None) -> None:  # fmt: skip
        assert job.media is not None and job.media.video is not None
        options = job.options.enhance
        video = job.media.video
        upscale = options.upscale > 1
        width, height = video.display_size
        odd = bool((width * options.upscale) % 2 or (height * options.upscale) % 2) if upscale else is_odd(job.media)
        in_ffmpeg = upscale and options.upscale_method == superres.LANCZOS  # the learned models run in OpenCV
        scale = upscale_for(video, options.upscale, options.sharpen) if in_ffmpeg else None
        colour = output_colour(job)
        if colour is not None and colour.assumed:
            log.info("%s: the video does not tag its colour %s: taken as %s, as players take an untagged %dx%d picture",
                     job.stem, "/".join(colour.assumed), _described(colour), video.width, video.height)  # fmt: skip
        with (
            atomic_path(soft) if soft else contextlib.nullcontext() as soft_temp,
            atomic_path(burned) if burned else contextlib.nullcontext() as burned_temp,
            seconds_bar(f"{job.stem}: enhance", job.media.duration) as progress,
        ):
            plan = Plan(job.source, job.media, upscale, chain, tracks, container, soft_temp, burned_temp,
                        job.options.encode, odd, scale, colour)  # fmt: skip
            feed = _frame_feeder(job, colour, progress) if plan.piped else None
            ffmpeg.run(enhance_args(plan), cwd=job.work, on_progress=None if plan.piped else progress,
                       what="writing the enhanced video", feed=feed)  # fmt: skip


def output_colour(job: Job) -> Colour | None:
    """The colour an upscaled output is converted into and tagged with: the source's (None without upscaling:
    the source's frames and tags then go through as they are)."""
    if job.options.enhance.upscale <= 1 or job.media is None or job.media.video is None:
        return None
    return source_colour(job.media.video)


def _described(colour: Colour) -> str:
    return f"{colour.space} matrix, {colour.primaries} primaries, {colour.transfer} transfer, {colour.range} range"


def superres_identity(options: EnhanceOptions) -> str | None:
    if options.upscale <= 1:
        return None
    model = superres.resolve(options.upscale_method, options.upscale, options.upscale_model)
    if model.path is None:
        return model.name
    info = model.path.stat()
    return f"{model.name} {info.st_size} {info.st_mtime_ns}"


def _frame_feeder(job: Job, colour: Colour | None, progress: Any):  # type: ignore[no-untyped-def]
    from subtitler.adapters import frames  # OpenCV: loaded only when frames go through Python (a learned model)
    from subtitler.adapters.upscale import Upscaler

    options = job.options.enhance
    model = superres.resolve(options.upscale_method, options.upscale, options.upscale_model)
    workers = options.workers or os.cpu_count() or 1
    assert job.media is not None and job.media.video is not None
    video = job.media.video
    assert colour is not None  # an upscale always has one: the frames stay in the source's matrix and range

    def feed(out: BinaryIO) -> None:
        full = colour.range == "pc"
        frames.write_frames(job.source, video, lambda: partial(Upscaler(model).upscale_ycbcr, full_range=full), out,
                            workers, progress, matrix=colour.space, colour_range=colour.range)  # fmt: skip

    return feed
