"""Stage: a copy of the video with every subtitle language as its own soft track, in one ffmpeg pass."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from subtitler import languages
from subtitler.adapters import ffmpeg
from subtitler.outputs import atomic_path
from subtitler.pipeline import Job
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.stages.write import scratch_subtitles, subtitle_digest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Container:
    extension: str
    subtitle_codec: str  # what ffmpeg encodes the new tracks as
    source_format: str  # the file format handed to ffmpeg for each track
    bibliographic_tags: bool  # Matroska players expect ISO 639-2/B ("fre"), MP4 expects /T ("fra")
    mp4_family: bool = False


def container_for(source: Path, mkv_codec: str) -> Container:
    """The container the soft-subtitled copy is written in: the input's own where it can hold text subtitles."""
    extension = source.suffix.lower()
    if extension in (".mp4", ".m4v", ".mov"):
        return Container(extension, "mov_text", "srt", False, mp4_family=True)
    if extension == ".webm":
        return Container(".webm", "webvtt", "vtt", True)
    return Container(".mkv", "ass" if mkv_codec == "ass" else "srt", "ass" if mkv_codec == "ass" else "srt", True)


def track_args(tracks: list[tuple[str, Path]], first_input: int, existing_subtitles: int, container: Container) -> list[str]:
    """Map and tag one new subtitle track per (language, file), the files being inputs `first_input`...;
    the tracks already in the input lose their default flag, the first new one gets it."""
    args = []
    for number in range(len(tracks)):
        args += ["-map", f"{first_input + number}:0"]
    for position in range(existing_subtitles):
        args += [f"-disposition:s:{position}", "0"]
    for number, (language, _) in enumerate(tracks):
        index = existing_subtitles + number
        info = languages.get(language)
        args += [
            f"-c:s:{index}", container.subtitle_codec,
            f"-metadata:s:s:{index}", f"language={languages.iso639_2(language, container.bibliographic_tags)}",
            f"-metadata:s:s:{index}", f"title={info.native}",
            f"-disposition:s:{index}", "default" if number == 0 else "0",
        ]  # fmt: skip
    return args


def mux_args(
    source: Path, tracks: list[tuple[str, Path]], existing_subtitles: int, container: Container, output: Path
) -> list[str]:
    """ffmpeg arguments: streams copied, one new tagged track per (language, file), the first new one default."""
    args = ["-i", ffmpeg.media_arg(source)]
    for _, path in tracks:
        args += ["-i", ffmpeg.media_arg(path)]
    args += ["-map", "0:v?", "-map", "0:a?", "-map", "0:s?"]
    if not container.mp4_family:
        args += ["-map", "0:t?"]
    args += ["-c", "copy", "-map_metadata", "0", "-map_chapters", "0"]
    args += track_args(tracks, 1, existing_subtitles, container)
    if container.mp4_family:
        args += ["-movflags", "+faststart"]
    return [*args, ffmpeg.media_arg(output)]


class Mux:
    name = "mux"

    def run(self, job: Job) -> Job:
        assert job.media is not None
        spoken = [lang for lang, cues in job.cues.items() if cues]
        if not job.media.has_video or not spoken:
            if job.media.has_video:
                log.info("%s: no speech found, so no subtitle track to add", job.stem)
            return job
        container = container_for(job.source, job.options.output.mkv_subtitle_codec)
        output = job.output(f"{job.stem}.subtitled{container.extension}")
        made_from = digest(
            [subtitle_digest(job, container.source_format, lang) for lang in spoken], container, job.media.size_bytes
        )
        if job.keeps("subtitled", output, made_from):
            return job.with_file("subtitled", output, made_from)
        tracks = [(lang, scratch_subtitles(job, container.source_format, lang)) for lang in spoken]
        with atomic_path(output) as temp, seconds_bar(f"{job.stem}: mux", job.media.duration) as progress:
            args = mux_args(job.source, tracks, len(job.media.subtitle_streams), container, temp)
            ffmpeg.run(args, on_progress=progress, what="adding the subtitle tracks")
        return job.with_file("subtitled", output, made_from)
