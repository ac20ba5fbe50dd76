"""Stage: read the input's streams, duration, frame rate, rotation and pixel aspect."""

from __future__ import annotations

import dataclasses

from subtitler.adapters import media
from subtitler.errors import NoAudioError
from subtitler.pipeline import Job


class Probe:
    name = "probe"

    def run(self, job: Job) -> Job:
        info = media.probe(job.source)
        if not info.has_audio:
            raise NoAudioError("has no audio stream, so there is nothing to transcribe", str(job.source))
        return dataclasses.replace(job, media=info)
