"""Stage: read the input's streams, duration, frame rate, rotation and pixel aspect; a portrait
picture takes the preset's [portrait] layout from here on."""

from __future__ import annotations

import dataclasses
import logging

from subtitler.adapters import media
from subtitler.errors import NoAudioError
from subtitler.model import MediaInfo
from subtitler.options import for_picture
from subtitler.pipeline import Job

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
        return dataclasses.replace(job, media=info, options=for_picture(job.options, is_portrait(info)))


def is_portrait(info: MediaInfo) -> bool:
    """Taller than wide as a player shows it (rotation and pixel aspect applied)."""
    if info.video is None:
        return False
    width, height = info.video.display_size
    return height > width
