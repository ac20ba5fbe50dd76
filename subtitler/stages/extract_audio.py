"""Stage: decode the audio to 16 kHz mono samples for Whisper, as a stream (no temp WAV)."""

from __future__ import annotations

import dataclasses

from subtitler.adapters import media
from subtitler.pipeline import Job
from subtitler.progress import seconds_bar


class ExtractAudio:
    name = "extract_audio"

    def run(self, job: Job) -> Job:
        if job.transcript is not None:
            return job
        assert job.media is not None
        with seconds_bar(f"{job.stem}: audio", job.media.duration) as progress:
            audio = media.decode_audio(job.source, progress, job.media.duration)
        return dataclasses.replace(job, audio=audio)
