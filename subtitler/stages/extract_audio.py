"""Stage: decode the audio to 16 kHz mono samples for Whisper, as a stream (no temp WAV)."""

from __future__ import annotations

import dataclasses

import numpy as np

from subtitler.adapters import media
from subtitler.pipeline import Job
from subtitler.progress import seconds_bar


def decode(job: Job) -> np.ndarray:
    """The input's audio as Whisper hears it (also used by the translate stage when the transcript was kept)."""
    if job.audio is not None:
        return job.audio
    assert job.media is not None
    with seconds_bar(f"{job.stem}: audio", job.media.duration) as progress:
        return media.decode_audio(job.source, progress, job.media.duration)


class ExtractAudio:
    name = "extract_audio"

    def run(self, job: Job) -> Job:
        if job.transcript is not None or job.silent:
            return job
        return dataclasses.replace(job, audio=decode(job))
