"""Stage: the video outputs enhanced, in one pass (instead of mux and burn).

The frames are decoded, made upright with square pixels and upscaled in Python on worker threads,
and streamed with their timestamps to ONE ffmpeg process. That process writes the soft-subtitled
copy and the burned copy side by side, the burned text drawn at the output resolution in the same
encode; the audio is normalised (and denoised) once for both. Without upscaling, the soft copy's
video is stream-copied and only the audio is redone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from subtitler import languages, loudness, superres
from subtitler.adapters import ffmpeg, frames
from subtitler.model import MediaInfo
from subtitler.options import SPOKEN, EncodeOptions, EnhanceOptions
from subtitler.outputs import atomic_path
from subtitler.pipeline import Job
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.stages.burn import MP4_AUDIO, SUBTITLE_FILE, with_font
from subtitler.stages.mux import Container, container_for, track_args
from subtitler.stages.write import scratch_subtitles, subtitle_digest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What one enhance pass writes: from where, into which files, with which filters."""

    source: Path
    media: MediaInfo
    upscale: bool
    audio_filter: str  # "" = the audio is copied
    tracks: list[tuple[str, Path]]  # soft-copy subtitle tracks (language, file in the scratch folder)
    container: Container
    soft: Path | None  # temp paths
    burned: Path | None
    encode: EncodeOptions
    odd_size: bool = False  # upscaled frames of odd width or height: yuv420p needs even ones


def _x264(encode: EncodeOptions) -> list[str]:
    return ["-c:v", encode.video_codec, "-crf", str(encode.crf), "-preset", encode.x264_preset, "-pix_fmt", encode.pixel_format]


def _audio_codec(container: Container, filtered: bool, original: str | None, burned: bool) -> list[str]:
    if not filtered and (not burned or original in MP4_AUDIO):
        return ["-c:a", "copy"]
    return (
        ["-c:a", "libopus", "-b:a", "160k"] if container.extension == ".webm" and not burned else ["-c:a", "aac", "-b:a", "192k"]
    )


def _pad(stream: str) -> str:
    """A stream or a label as a filter graph's input pad."""
    return stream if stream.startswith("[") else f"[{stream}]"


def enhance_args(plan: Plan) -> list[str]:
    """ffmpeg arguments (run in the scratch folder) for the soft copy and the burned copy in one process."""
    args: list[str] = []
    if plan.upscale:
        args += ["-f", "nut", "-i", "pipe:0"]
    source_index = 1 if plan.upscale else 0
    args += ["-i", ffmpeg.media_arg(plan.source)]
    for _, path in plan.tracks:
        args += ["-i", ffmpeg.media_arg(path)]
    graph = []
    video = "0:v:0" if plan.upscale else f"{source_index}:V:0"  # a stream; "[label]" once a filter made it
    if plan.upscale and plan.odd_size:
        graph.append(f"{_pad(video)}scale=trunc(iw/2)*2:trunc(ih/2)*2[even]")
        video = "[even]"
    both = plan.soft is not None and plan.burned is not None
    soft_video, burn_video = video, video
    if both and plan.upscale:
        graph.append(f"{_pad(video)}split=2[vsoft][vburn]")
        soft_video, burn_video = "[vsoft]", "[vburn]"
    if plan.burned is not None:
        fix = "" if plan.upscale else ",scale=trunc(iw/2)*2:trunc(ih/2)*2"
        graph.append(f"{_pad(burn_video)}subtitles=filename={SUBTITLE_FILE}{fix}[vburned]")
    soft_audio = burn_audio = f"{source_index}:a:0"
    if plan.audio_filter and plan.media.has_audio:
        outputs = "[asoft][aburn]" if both else "[asoft]" if plan.soft is not None else "[aburn]"
        split = f",asplit=2{outputs}" if both else outputs
        graph.append(f"[{source_index}:a:0]{plan.audio_filter}{split}")
        soft_audio, burn_audio = "[asoft]", "[aburn]"
    if graph:
        args += ["-filter_complex", ";".join(graph)]
    filtered = bool(plan.audio_filter) and plan.media.has_audio
    if plan.soft is not None:
        if plan.upscale:
            args += ["-map", soft_video, *_x264(plan.encode)]
        else:
            args += ["-map", f"{source_index}:V:0", "-c:v", "copy"]
        if plan.media.has_audio:
            args += ["-map", soft_audio, *_audio_codec(plan.container, filtered, plan.media.audio_codec, False)]
        args += ["-map", f"{source_index}:s?", "-c:s", "copy", "-map_metadata", str(source_index)]
        args += track_args(plan.tracks, source_index + 1, len(plan.media.subtitle_streams), plan.container)
        if plan.container.mp4_family:
            args += ["-movflags", "+faststart"]
        args += ["-fps_mode", "passthrough", ffmpeg.media_arg(plan.soft)]
    if plan.burned is not None:
        args += ["-map", "[vburned]", *_x264(plan.encode)]
        if plan.media.has_audio:
            args += ["-map", burn_audio, *_audio_codec(plan.container, filtered, plan.media.audio_codec, True)]
        args += ["-map_metadata", str(source_index), "-movflags", "+faststart", "-fps_mode", "passthrough"]
        args += [ffmpeg.media_arg(plan.burned)]
    return args


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
        burn = options.output.burn
        if burn == SPOKEN:
            burn = job.transcript.language if job.transcript else ""
        burn = languages.normalize(burn) if burn else ""
        burning = bool(burn) and bool(job.cues.get(burn))
        if burning:
            job = with_font(job, burn)
        container = container_for(job.source, options.output.mkv_subtitle_codec)
        write_soft = options.output.mux or not burning
        soft = job.output(f"{job.stem}.{'subtitled' if spoken else 'enhanced'}{container.extension}") if write_soft else None
        burned = job.output(f"{job.stem}.{burn}.burned.mp4") if burning else None
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
            scratch_subtitles(job, "ass", burn).replace(job.work / SUBTITLE_FILE)
        self._encode(job, chain, tracks, container, soft, burned)
        if chain:
            record["after"] = dataclasses.asdict(loudness.measure(soft or burned))  # type: ignore[arg-type]
        for key, path in zip(keys, paths, strict=True):
            job = job.with_file(key, path, made_from)
        done = dict(job.enhanced)
        if record:
            done["loudness"] = record
        if job.options.enhance.upscale > 1:
            width, height = job.media.video.display_size  # type: ignore[union-attr]
            factor = job.options.enhance.upscale
            model = superres_identity(job.options.enhance)
            done["upscale"] = {"factor": factor, "model": model, "size": [width * factor, height * factor]}
        return dataclasses.replace(job, enhanced=done)

    def _made_from(self, job: Job, spoken: list[str], burn: str, container: Container) -> str:
        assert job.media is not None
        subs = [subtitle_digest(job, container.source_format, lang) for lang in spoken]
        burned = subtitle_digest(job, "ass", burn) if burn else None
        model = superres_identity(job.options.enhance)
        enhance = dataclasses.replace(job.options.enhance, workers=0)  # how many threads changes no pixel
        return digest(subs, burned, container, enhance, model, job.options.encode, job.media.size_bytes)

    def _encode(self, job: Job, chain: str, tracks: list[tuple[str, Path]], container: Container,
                soft: Path | None, burned: Path | None) -> None:  # fmt: skip
        assert job.media is not None and job.media.video is not None
        options = job.options.enhance
        upscale = options.upscale > 1
        width, height = job.media.video.display_size
        odd = upscale and bool((width * options.upscale) % 2 or (height * options.upscale) % 2)
        with (
            atomic_path(soft) if soft else contextlib.nullcontext() as soft_temp,
            atomic_path(burned) if burned else contextlib.nullcontext() as burned_temp,
            seconds_bar(f"{job.stem}: enhance", job.media.duration) as progress,
        ):
            plan = Plan(job.source, job.media, upscale, chain, tracks, container, soft_temp, burned_temp, job.options.encode, odd)
            feed = _frame_feeder(job, progress) if upscale else None
            ffmpeg.run(enhance_args(plan), cwd=job.work, on_progress=None if upscale else progress,
                       what="writing the enhanced video", feed=feed)  # fmt: skip


def superres_identity(options: EnhanceOptions) -> str | None:
    if options.upscale <= 1:
        return None
    model = superres.resolve(options.upscale_method, options.upscale, options.upscale_model)
    if model.path is None:
        return model.name
    info = model.path.stat()
    return f"{model.name} {info.st_size} {info.st_mtime_ns}"


def _frame_feeder(job: Job, progress: Any):  # type: ignore[no-untyped-def]
    from subtitler.adapters.upscale import Upscaler

    options = job.options.enhance
    model = superres.resolve(options.upscale_method, options.upscale, options.upscale_model)
    workers = options.workers or os.cpu_count() or 1
    assert job.media is not None and job.media.video is not None
    video = job.media.video

    def feed(out: BinaryIO) -> None:
        frames.write_frames(job.source, video, lambda: Upscaler(model, options.sharpen).upscale, out, workers, progress)

    return feed
