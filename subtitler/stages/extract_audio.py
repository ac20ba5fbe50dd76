"""Stage: decode the audio to 16 kHz mono samples for Whisper, as a stream (no temp WAV), while Whisper's model
loads in a thread."""

from __future__ import annotations

import dataclasses

from subtitler.adapters import whisper
from subtitler.audio import decode
from subtitler.job import Job


class ExtractAudio:
    name = "extract_audio"

    def run(self, job: Job) -> Job:
        if job.transcript is not None or job.silent:
            return job
        if job.model is not None:  # the transcribe stage needs it next
            whisper.preload(job.model.path, job.options.transcribe)
        return dataclasses.replace(job, audio=decode(job))
