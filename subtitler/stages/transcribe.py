"""Stage: Whisper turns the audio into segments and timed words."""

from __future__ import annotations

import dataclasses

from subtitler.adapters import whisper
from subtitler.job import Job
from subtitler.progress import seconds_bar


class Transcribe:
    name = "transcribe"

    def run(self, job: Job) -> Job:
        if job.transcript is not None or job.silent:
            return job
        assert job.audio is not None and job.model is not None
        duration = len(job.audio) / whisper.SAMPLE_RATE
        with seconds_bar(f"{job.stem}: transcribe", duration) as progress:
            transcript = whisper.transcribe(job.model.path, job.audio, job.options.transcribe, progress)
        return dataclasses.replace(job, transcript=transcript)  # the audio stays for Whisper's translation
