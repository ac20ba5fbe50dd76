"""Stage: draw one language's styled subtitles into the picture with libass, in one x264 encode."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from subtitler import fonts, languages
from subtitler.adapters import ffmpeg
from subtitler.errors import UsageError
from subtitler.formats import plain_text
from subtitler.model import MediaInfo
from subtitler.options import SPOKEN, EncodeOptions
from subtitler.outputs import atomic_path
from subtitler.pipeline import Job
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.stages.write import scratch_subtitles, subtitle_digest

# Audio codecs an MP4 file can carry as they are; anything else is re-encoded.
MP4_AUDIO = {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"}
# The filter names only a file the program wrote itself in its scratch folder, which is ffmpeg's
# working directory: no user-controlled text ever enters the filter string.
SUBTITLE_FILE = "burn.ass"
log = logging.getLogger(__name__)


def burn_filter(media: MediaInfo) -> str:
    chain = f"subtitles=filename={SUBTITLE_FILE}"
    video = media.video
    assert video is not None
    if video.width % 2 or video.height % 2:  # yuv420p needs even sizes
        chain += ",scale=trunc(iw/2)*2:trunc(ih/2)*2"
    return chain


def burn_args(source: Path, media: MediaInfo, encode: EncodeOptions, output: Path) -> list[str]:
    """ffmpeg arguments for a burn run in the scratch folder; frames are autorotated before the filter."""
    audio = (
        ["-c:a", "copy"]
        if media.audio_codec in MP4_AUDIO
        else ["-c:a", encode.audio_fallback_codec, "-b:a", encode.audio_fallback_bitrate]
    )
    return [
        "-i", ffmpeg.media_arg(source),
        "-map", "0:V:0", "-map", "0:a?",
        "-vf", burn_filter(media),
        "-c:v", encode.video_codec, "-crf", str(encode.crf), "-preset", encode.x264_preset, "-pix_fmt", encode.pixel_format,
        *audio,
        "-fps_mode", "passthrough", "-map_metadata", "0", "-movflags", "+faststart",
        ffmpeg.media_arg(output),
    ]  # fmt: skip


def with_font(job: Job, language: str) -> Job:
    """The job with the font that will really draw its text: the preset's, or a stated fallback when it
    is not installed; FontError when no installed font has some of the characters (no boxes burned in)."""
    text = "\n".join(plain_text(line) for cue in job.cues[language] for line in cue.lines)
    choice = fonts.require(job.options.style.font, text)
    log.info("%s: burning with the font %s", job.stem, choice.used)
    if not choice.fallback:
        return job
    style = dataclasses.replace(job.options.style, font=choice.used)
    return dataclasses.replace(job, options=dataclasses.replace(job.options, style=style))


class Burn:
    name = "burn"

    def run(self, job: Job) -> Job:
        assert job.media is not None
        if not job.media.has_video:
            return job
        burn = job.options.output.burn
        language = job.transcript.language if burn == SPOKEN and job.transcript else languages.normalize(burn)
        if language not in job.cues:
            raise UsageError(f"cannot burn '{language}': this input's subtitles are in {', '.join(job.cues)}")
        if not job.cues[language]:
            log.info("%s: no speech found, so nothing to burn in", job.stem)
            return job
        job = with_font(job, language)
        output = job.output(f"{job.stem}.{language}.burned.mp4")
        key = f"burned:{language}"
        edited = job.digests.get(f"subs:{language}", "").startswith("edited:")
        made_from = digest(subtitle_digest(job, "ass", language), job.options.encode, job.media.size_bytes)
        made_from = f"edited:{made_from}" if edited else made_from
        if not edited and job.previous.get(key, "").startswith("edited:") and output.is_file() and not job.options.force:
            log.info("%s: keeping %s, burned from corrected subtitles ('subtitler burn --subs' redoes it)", job.stem, output.name)
            return job.with_file(key, output, job.previous[key])
        if job.keeps(key, output, made_from):
            return job.with_file(key, output, made_from)
        scratch = scratch_subtitles(job, "ass", language)
        scratch.replace(job.work / SUBTITLE_FILE)
        with atomic_path(output) as temp, seconds_bar(f"{job.stem}: burn", job.media.duration) as progress:
            args = burn_args(job.source, job.media, job.options.encode, temp)
            ffmpeg.run(args, cwd=job.work, on_progress=progress, what="burning the subtitles in")
        return job.with_file(key, output, made_from)
