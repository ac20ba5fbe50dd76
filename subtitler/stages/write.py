"""Stage: write the transcript (JSON) and each language's subtitle files, whole or not at all."""

from __future__ import annotations

from subtitler.digests import subtitle_digest, transcript_digest, transcript_meta
from subtitler.formats import FORMATS, Content, Format
from subtitler.job import Job
from subtitler.outputs import write_text
from subtitler.subtitle_files import look_for, render


def _transcript_file(job: Job, fmt: Format) -> Job:
    """The file of the whole job, written again unless the transcript was reused and the file is still there."""
    assert job.transcript is not None
    path = job.output(f"{job.stem}.{fmt.suffix}")
    made_from = transcript_digest(job)
    if "transcribe" not in job.reused or not path.is_file():
        write_text(path, fmt.write(Content(transcript=job.transcript, meta=transcript_meta(job)), look_for(job)))
    return job.with_file("transcript", path, made_from)


def _subtitle_file(job: Job, fmt: Format, language: str) -> Job:
    key = f"{fmt.name}:{language}"
    path = job.output(f"{job.stem}.{language}.{fmt.suffix}")
    made_from = subtitle_digest(job, fmt.name, language)
    if not job.keeps(key, path, made_from):
        write_text(path, render(job, fmt.name, language))
    return job.with_file(key, path, made_from)


class Write:
    name = "write"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        for fmt in FORMATS.values():
            if not fmt.per_language:
                job = _transcript_file(job, fmt)
        wanted = [FORMATS[name] for name in job.options.output.formats]
        for language in job.cues:
            for fmt in wanted:
                if fmt.per_language:
                    job = _subtitle_file(job, fmt, language)
        return job
