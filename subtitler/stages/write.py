"""Stage: write the transcript (JSON) and each language's subtitle files, whole or not at all."""

from __future__ import annotations

from pathlib import Path

from subtitler.formats import CUE_WRITERS, Canvas, to_ass, transcript_to_json
from subtitler.outputs import write_text
from subtitler.pipeline import Job
from subtitler.reuse import digest
from subtitler.stages.resume import transcript_digest, transcript_meta


def canvas_for(job: Job) -> Canvas:
    """The frame that burn-in draws on (autorotated, stored pixels; upright and square when upscaled), or the
    preset's canvas for audio."""
    assert job.media is not None
    video = job.media.video
    if video is None:
        width, height = job.options.style.default_play_res
        return Canvas(width, height)
    factor = job.options.enhance.upscale
    if factor > 1:  # upscaled frames are upright with square pixels
        width, height = video.display_size
        return Canvas(width * factor, height * factor)
    width, height = (video.height, video.width) if video.rotation % 180 else (video.width, video.height)
    return Canvas(width, height, video.displayed_sar)


def render(job: Job, fmt: str, language: str) -> str:
    cues = job.cues[language]
    if fmt == "ass":
        return to_ass(cues, job.options.style, job.options.cues, canvas_for(job))
    return CUE_WRITERS[fmt](cues)


def text_digest(job: Job, language: str) -> str:
    """What a language's words were made from: a subtitle file given, its translation, or the transcript and the glossary."""
    given = job.digests.get(f"subs:{language}") or job.digests.get(f"translation:{language}")
    return given or digest(transcript_digest(job), job.glossary)


def subtitle_digest(job: Job, fmt: str, language: str) -> str:
    style = job.options.style if fmt == "ass" else None
    return digest(text_digest(job, language), language, fmt, job.options.cues, style, canvas_for(job) if style else None)


class Write:
    name = "write"

    def run(self, job: Job) -> Job:
        if job.silent:
            return job
        assert job.transcript is not None
        path = job.output(f"{job.stem}.json")
        made_from = transcript_digest(job)
        if "transcribe" not in job.reused or not path.is_file():
            write_text(path, transcript_to_json(job.transcript, transcript_meta(job)))
        job = job.with_file("transcript", path, made_from)
        for language in job.cues:
            for fmt in job.options.output.formats:
                if fmt == "json":
                    continue
                path = job.output(f"{job.stem}.{language}.{fmt}")
                made_from = subtitle_digest(job, fmt, language)
                if not job.keeps(f"{fmt}:{language}", path, made_from):
                    write_text(path, render(job, fmt, language))
                job = job.with_file(f"{fmt}:{language}", path, made_from)
        return job


def scratch_subtitles(job: Job, fmt: str, language: str) -> Path:
    """A subtitle file in the job's scratch folder, under a name the program chose itself."""
    path = job.work / f"{language}.{fmt}"
    write_text(path, render(job, fmt, language))
    return path
