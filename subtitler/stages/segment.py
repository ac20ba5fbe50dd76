"""Stage: cut the transcript's words into readable, well-timed cues."""

from __future__ import annotations

import dataclasses

from subtitler.cues import make_cues
from subtitler.job import Job


class Segment:
    name = "cues"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        assert job.transcript is not None
        transcript = job.transcript
        cues = make_cues(job.spoken_words(), job.options.cues, transcript.duration, transcript.language)
        return dataclasses.replace(job, cues={**job.cues, transcript.language: cues})
