"""Stage: cut the transcript's words into readable, well-timed cues."""

from __future__ import annotations

import dataclasses
import logging

from subtitler.audio import decode
from subtitler.cues import make_cues
from subtitler.digests import with_edit
from subtitler.job import Job
from subtitler.speech_map import speech_intervals

log = logging.getLogger(__name__)


class Segment:
    name = "cues"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        assert job.transcript is not None
        transcript = job.transcript
        edited = with_edit(job, transcript.language)  # a person's correction, kept over the machine's cues
        if edited is not None:
            return edited
        job = dataclasses.replace(job, speech=_speech(job))  # the translations' cues start on the speech alike
        spoken = job.spoken()
        if spoken.dropped:
            log.info("%s: dropped %d repeated words Whisper was unsure of", job.stem, len(spoken.dropped))
        cues = job.on_speech(make_cues(spoken.words, job.options.cues, transcript.duration, transcript.language))
        return dataclasses.replace(job, cues={**job.cues, transcript.language: cues}, dropped=spoken.dropped)


def _speech(job: Job) -> tuple[tuple[float, float], ...] | None:
    """Where the audio holds sound (`[cues] snap_to_speech`), from the samples the job holds, else decoded again
    (a kept transcript); None when off or there is no audio to read. Cheap to remake, so it is not stored."""
    if not job.options.cues.snap_to_speech or (job.audio is None and (job.media is None or not job.media.has_audio)):
        return None
    return tuple(speech_intervals(decode(job)))
