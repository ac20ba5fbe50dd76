"""Stage: decode the audio to 16 kHz mono samples for Whisper, as a stream (no temp WAV)."""

from __future__ import annotations

import dataclasses

from subtitler.audio import decode
from subtitler.job import Job


class ExtractAudio:
    name = "extract_audio"

    def run(self, job: Job) -> Job:
        if job.transcript is not None or job.silent:
            return job
        return dataclasses.replace(job, audio=decode(job))
