"""Stage: reuse the transcript of an earlier run when the input and the transcription settings match."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from subtitler.formats import transcript_from_json
from subtitler.pipeline import Job
from subtitler.reuse import digest, previous_digests

log = logging.getLogger(__name__)
# Settings that change how fast Whisper runs but not what it writes.
SPEED_ONLY = ("device", "threads", "batch_size")


def transcript_meta(job: Job) -> dict[str, Any]:
    assert job.media is not None and job.model is not None
    settings = {k: v for k, v in dataclasses.asdict(job.options.transcribe).items() if k not in SPEED_ONLY}
    settings["model"] = job.model.name
    return {"source": job.source.name, "size": job.media.size_bytes, "mtime": job.media.mtime, "transcribe": settings}


def transcript_digest(job: Job) -> str:
    return digest(transcript_meta(job))


class Resume:
    name = "resume"

    def run(self, job: Job) -> Job:
        if job.silent:
            return dataclasses.replace(job, previous=previous_digests(job.output("job.json")))
        job = dataclasses.replace(job, previous=previous_digests(job.output("job.json")))
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
