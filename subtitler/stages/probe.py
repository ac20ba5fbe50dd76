"""Stage: read the input's streams, duration, frame rate, rotation and pixel aspect; a portrait
picture takes the preset's [portrait] layout from here on."""

from __future__ import annotations

import dataclasses
import logging

from subtitler.adapters import media
from subtitler.errors import MediaError, NoAudioError
from subtitler.job import Job
from subtitler.model import MediaInfo
from subtitler.options import Options, for_picture

log = logging.getLogger(__name__)


class Probe:
    name = "probe"

    def __init__(self, needs_audio: bool = True):
        self.needs_audio = needs_audio  # not when the subtitles are given

    def run(self, job: Job) -> Job:
        info = media.probe(job.source)
        if not info.has_audio and info.has_video and job.options.enhance.upscale > 1:
            log.info("%s: no audio stream, so nothing to transcribe; the picture is still upscaled", job.stem)
        elif self.needs_audio and not info.has_audio:
            raise NoAudioError("has no audio stream, so there is nothing to transcribe", str(job.source))
        check_frame_size(info, job.options)
        return dataclasses.replace(job, media=info, options=for_picture(job.options, is_portrait(info)))


def check_frame_size(info: MediaInfo, options: Options) -> None:
    """A picture to re-encode (burned or upscaled) larger than `[output] max_frame_pixels` is refused before
    any work: a frame's memory grows with it (3 bytes a pixel, several frames in flight)."""
    if info.video is None or not (options.output.burn or options.enhance.upscale > 1 or options.enhance.audio):
        return
    width, height = info.video.display_size
    factor = options.enhance.upscale
    pixels = width * factor * height * factor
    if pixels > options.output.max_frame_pixels:
        size = f"{width * factor}x{height * factor}"
        raise MediaError(
            f"the output picture would be {size} ({pixels:,} pixels), more than [output] max_frame_pixels "
            f"({options.output.max_frame_pixels:,}): upscale less, or raise the limit in a preset",
            str(info.path),
        )


def is_portrait(info: MediaInfo) -> bool:
    """Taller than wide as a player shows it (rotation and pixel aspect applied)."""
    if info.video is None:
        return False
    width, height = info.video.display_size
    return height > width
