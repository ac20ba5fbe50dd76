"""The picture the subtitles of a job are drawn on."""

from __future__ import annotations

from subtitler.formats import Canvas
from subtitler.job import Job


def canvas_for(job: Job) -> Canvas:
    """The frame that burn-in draws on (autorotated, stored pixels; upright and square when upscaled), or the
    preset's canvas for audio."""
    assert job.media is not None
    video = job.media.video
    if video is None:
        width, height = job.options.style.default_play_res
        return Canvas(width, height)
    factor = job.options.enhance.upscale
    if factor > 1:  # upscaled frames are upright with square pixels
        width, height = video.display_size
        return Canvas(width * factor, height * factor)
    width, height = (video.height, video.width) if video.rotation % 180 else (video.width, video.height)
    return Canvas(width, height, video.displayed_sar)
