"""Stage: a copy of the video with every subtitle language as its own soft track, in one ffmpeg pass."""

from __future__ import annotations

import logging

from subtitler.adapters import ffmpeg
from subtitler.digests import subtitle_digest
from subtitler.ffmpeg_args import mux_args, soft_container
from subtitler.job import Job
from subtitler.outputs import atomic_path
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.subtitle_files import scratch_subtitles

log = logging.getLogger(__name__)


class Mux:
    name = "mux"

    def run(self, job: Job) -> Job:
        assert job.media is not None
        spoken = [lang for lang, cues in job.cues.items() if cues]
        if not job.media.has_video or not spoken:
            if job.media.has_video:
                log.info("%s: no speech found, so no subtitle track to add", job.stem)
            return job
        container = soft_container(job.source, job.options.output)
        output = job.output(f"{job.stem}.subtitled{container.extension}")
        made_from = digest(
            [subtitle_digest(job, container.source_format, lang) for lang in spoken], container, job.media.size_bytes
        )
        if job.keeps("subtitled", output, made_from):
            return job.with_file("subtitled", output, made_from)
        tracks = [(lang, scratch_subtitles(job, container.source_format, lang)) for lang in spoken]
        with atomic_path(output) as temp, seconds_bar(f"{job.stem}: mux", job.media.duration) as progress:
            args = mux_args(job.source, tracks, len(job.media.subtitle_streams), container, temp)
            ffmpeg.run(args, on_progress=progress, what="adding the subtitle tracks")
        return job.with_file("subtitled", output, made_from)
