"""A frame drawn exactly as the burn draws it (the same ASS, font check, placement clear of faces and text, and
libass filter, run in a scratch folder), in the job's look or another preset's; and the look as the editor's page
draws it over the playing video."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from subtitler import placement
from subtitler.adapters import ffmpeg
from subtitler.adapters.media import probe
from subtitler.burning import with_font
from subtitler.ffmpeg_args import preview_args
from subtitler.formats.ass import font_size_px
from subtitler.job import Job
from subtitler.model import Cue, MediaInfo
from subtitler.options import Options, builtin_presets, for_picture, load_options, user_presets
from subtitler.studio.opened import Opened
from subtitler.studio.requests import Refused
from subtitler.subtitle_files import look_for

_drawing = threading.BoundedSemaphore(2)  # frames drawn at once (each an ffmpeg process)


def style_json(opened: Opened, options: Options) -> dict[str, Any]:
    """The style, and the sizes libass will draw with as shares of the picture's height, for the page's overlay."""
    look = look_for(opened.job({}, options))
    height = look.canvas.height
    return {
        **dataclasses.asdict(look.style),
        "canvas": {"width": look.canvas.width, "height": height, "sar": look.canvas.sar},
        "font_share": font_size_px(look.style, look.cue_options, look.canvas) / height,
        "outline_share": round(height * look.style.outline, 1) / height,
        "shadow_share": round(height * look.style.shadow, 1) / height,
    }


def draw_frame(opened: Opened, options: Options, cues: tuple[Cue, ...], language: str, at: float) -> bytes:
    """The frame at `at` as a PNG, with `cues` burned as `options` burn them."""
    source, media = _picture(opened)
    with _drawing, tempfile.TemporaryDirectory(prefix="subtitler-studio-") as scratch:
        job = opened.job({language: cues}, options, Path(scratch))
        job = dataclasses.replace(job, source=source, media=media)
        job.work.mkdir()
        scenes = placement.scenes_path(opened.job({}))
        if scenes.is_file():  # the analysis the burn used, not made again
            shutil.copyfile(scenes, placement.scenes_path(job))
        if cues:
            job = with_font(job, language)
        job, placed = _placed(job, language)
        placement.burn_subtitles(job, language, placed)
        output = job.work / "frame.png"
        ffmpeg.run(preview_args(source, media, at, output), cwd=job.work, what="drawing the frame")
        return output.read_bytes()


def _placed(job: Job, language: str) -> tuple[Job, placement.Layout]:
    """Where the burn puts each cue: clear of faces and text as the run's analysis of the video says (`[style]
    avoid`); where the style puts them when no analysis of those kinds was kept (another preset's still: analysing
    the whole video for one frame would take minutes)."""
    avoid = set(job.options.style.avoid)
    if avoid:
        try:
            kinds = set(json.loads(placement.scenes_path(job).read_text(encoding="utf-8"))["kinds"])
        except (OSError, ValueError, KeyError, TypeError):
            kinds = set()
        if not kinds or not kinds <= avoid:
            return job, placement.Layout()
    return placement.plan(job, language)


def _picture(opened: Opened) -> tuple[Path, MediaInfo]:
    """The input (as the burn reads it), else the soft-subtitled copy beside the outputs (the same picture)."""
    source = Path(opened.ref.source)
    if source.is_file():
        return source, opened.media
    soft = opened.file("subtitled")
    if soft is None:
        raise Refused("the video is gone: neither the input nor its soft-subtitled copy is there", 409)
    return soft, probe(soft)


def known_presets() -> dict[str, Path]:
    """The presets a person may name (built in, or the team's own), by name."""
    return {**builtin_presets(), **user_presets()}


def preset_options(opened: Opened, name: Any) -> Options:
    """A preset known by name (built in or the team's own; never a path), laid out for this picture."""
    if not isinstance(name, str) or name not in known_presets():
        raise Refused(f"no preset named {str(name)[:40]!r}: one of {', '.join(sorted(known_presets()))}")
    return for_picture(load_options(name), opened.portrait)
