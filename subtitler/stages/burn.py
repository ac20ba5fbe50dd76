"""Stage: draw one language's styled subtitles into the picture with libass, in one x264 encode."""

from __future__ import annotations

import logging

from subtitler import placement
from subtitler.adapters import ffmpeg
from subtitler.burning import burn_language, burned_path, with_font
from subtitler.digests import subtitle_digest
from subtitler.ffmpeg_args import audio_args, burn_args, video_args
from subtitler.job import Job
from subtitler.outputs import atomic_path
from subtitler.progress import seconds_bar
from subtitler.reuse import digest

log = logging.getLogger(__name__)


class Burn:
    name = "burn"

    def run(self, job: Job) -> Job:
        media = job.media
        assert media is not None
        if not media.has_video:
            return job
        language = burn_language(job)
        if language is None:
            return job
        job = with_font(job, language)
        job, placed = placement.plan(job, language)  # clear of faces and text ([style] avoid)
        output = burned_path(job, language)
        key = f"burned:{language}"
        edited = job.digests.get(f"subs:{language}", "").startswith("edited:")
        encode = job.options.encode  # what the encoder is given, not every key: another encoder's keys change no pixel
        encoded = (video_args(encode), audio_args(encode, fits=False, filtered=True))
        made_from = digest(subtitle_digest(job, "ass", language), encoded, placed.places, media.size_bytes)
        made_from = f"edited:{made_from}" if edited else made_from
        if not edited and job.previous.get(key, "").startswith("edited:") and output.is_file() and not job.options.force:
            log.info("%s: keeping %s, burned from corrected subtitles ('subtitler burn --subs' redoes it)", job.stem, output.name)
            return job.with_file(key, output, job.previous[key])
        if job.keeps(key, output, made_from):
            return job.with_file(key, output, made_from)
        placement.burn_subtitles(job, language, placed)
        with atomic_path(output) as temp, seconds_bar(f"{job.stem}: burn", media.duration) as progress:
            args = burn_args(job.source, media, job.options.encode, temp)
            ffmpeg.run(args, cwd=job.work, on_progress=progress, what="burning the subtitles in")
        return job.with_file(key, output, made_from)
