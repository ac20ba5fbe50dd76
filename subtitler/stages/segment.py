"""Stage: cut the transcript's words into readable, well-timed cues."""

from __future__ import annotations

import dataclasses

from subtitler.cues import clean_words, make_cues
from subtitler.model import Word
from subtitler.pipeline import Job


def spoken_words(job: Job) -> list[Word]:
    """The transcript's words fit to cut, glossary terms spelled as written."""
    assert job.transcript is not None
    return clean_words(job.glossary.respell_words(job.transcript.words), job.transcript.duration)


class Segment:
    name = "cues"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        assert job.transcript is not None
        transcript = job.transcript
        cues = make_cues(spoken_words(job), job.options.cues, transcript.duration, transcript.language)
        return dataclasses.replace(job, cues={**job.cues, transcript.language: cues})
