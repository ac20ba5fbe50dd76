"""A job's audio as Whisper hears it: 16 kHz mono float32, decoded as a stream."""

from __future__ import annotations

import numpy as np

from subtitler.adapters import media
from subtitler.job import Job
from subtitler.progress import seconds_bar


def decode(job: Job) -> np.ndarray:
    """The samples the job holds, else the input's audio decoded (again, when a kept transcript needs no decoding
    but a Whisper translation does)."""
    if job.audio is not None:
        return job.audio
    assert job.media is not None
    with seconds_bar(f"{job.stem}: audio", job.media.duration) as progress:
        return media.decode_audio(job.source, progress, job.media.duration)
