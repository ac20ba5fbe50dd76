"""Stage: reuse the transcript of an earlier run when the input and the transcription settings match."""

from __future__ import annotations

import dataclasses
import logging

from subtitler import glossary
from subtitler.digests import transcript_digest
from subtitler.formats import transcript_from_json
from subtitler.glossary import Glossary
from subtitler.job import Job
from subtitler.reuse import previous_digests

log = logging.getLogger(__name__)


def _with_own_terms(job: Job) -> Glossary:
    """The run's glossary and the job's own terms (`glossary.toml` in its folder, added in the studio): spelled
    as written in its subtitles and kept whole through translation from the next run on."""
    own = job.output(glossary.JOB_FILE)
    return job.glossary.merged(glossary.load(own)) if own.is_file() else job.glossary


class Resume:
    name = "resume"

    def run(self, job: Job) -> Job:
        job = dataclasses.replace(job, previous=previous_digests(job.output("job.json")), glossary=_with_own_terms(job))
        if job.silent:
            return job
        path = job.output(f"{job.stem}.json")
        if not job.keeps("transcript", path, transcript_digest(job)):
            return job
        try:
            transcript, _ = transcript_from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: cannot reuse %s (%s); transcribing again", job.stem, path.name, exc)
            return job
        log.info("%s: reusing the transcript in %s", job.stem, path.name)
        return dataclasses.replace(job, transcript=transcript, reused=(*job.reused, "transcribe"))
