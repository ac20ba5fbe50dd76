"""`subtitler preview VIDEO --at SECONDS -o frame.png`: one frame drawn as the burn would draw it, nothing encoded.

The subtitles are a file given with --subs (a corrected one, read as `burn --subs` reads it), or, when -o is
inside an earlier run's output folder (OUT/<name>/, or OUT itself), that run's `<name>.<lang>.srt`, drawn
with that run's settings unless --preset is given. The same ASS (`placement.burn_subtitles`, the
`subtitle_files` look, `[style] avoid` included), font check, autorotation and libass filter as the burn;
one ffmpeg call seeks to the time and writes the PNG, whole or not at all.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import click

from subtitler import placement
from subtitler.adapters import ffmpeg
from subtitler.burning import with_font
from subtitler.cli.burn import ProbeVideo, language_of
from subtitler.cli.common import common, language
from subtitler.errors import PresetError, UsageError
from subtitler.ffmpeg_args import preview_args
from subtitler.inputs import name_outputs
from subtitler.job import Job
from subtitler.names import shown
from subtitler.options import SECTIONS, Options, load_options, validate
from subtitler.outputs import atomic_path
from subtitler.stages.edited import EditedSubtitles

RECORD = "job.json"


def run_folder(output: Path, stem: str) -> Path | None:
    """The earlier run's folder -o points into: the PNG's own folder, or OUT/<stem>/ when it is OUT."""
    for folder in (output.parent, output.parent / stem):
        if (folder / RECORD).is_file():
            return folder
    return None


def _record(folder: Path, video: Path, strict: bool) -> dict[str, Any] | None:
    """The run's job.json, if it is this video's (`strict`: else a UsageError)."""
    try:
        summary = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        source, stem = Path(summary["source"]).name, str(summary["stem"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if not strict:
            return None
        raise UsageError(f"cannot read {folder / RECORD}: give the subtitles with --subs") from exc
    if source != shown(video.name):
        if not strict:
            return None
        raise UsageError(f"{folder} holds the outputs of {source}, not of {shown(video.name)}: give --subs")
    return {**summary, "stem": stem, "folder": str(folder)}


def _run_language(summary: dict[str, Any], folder: Path, stem: str) -> str:
    """The language the run burned, else the one spoken, else the only one it wrote subtitles in."""
    burned = [key.partition(":")[2] for key in summary.get("outputs", {}) if key.startswith("burned:")]
    written = sorted(path.name[len(stem) + 1 : -len(".srt")] for path in folder.glob("*.srt") if path.name.startswith(f"{stem}."))
    found = burned[0] if burned else summary.get("language") or (written[0] if len(written) == 1 else None)
    if not found:
        raise UsageError(f"which language? {folder} has subtitles in {', '.join(written) or 'none'}: give --language")
    return str(found)


def run_options(summary: dict[str, Any]) -> Options:
    """The settings the run used (its preset with its flags, as job.json keeps them)."""
    recorded = summary.get("options") or {}
    try:
        options = load_options("default", {section: recorded[section] for section in SECTIONS})
        return validate(dataclasses.replace(options, preset=str(summary.get("preset", "default")), portrait=recorded["portrait"]))
    except (PresetError, KeyError, TypeError) as exc:
        raise UsageError(f"the earlier run's settings do not load ({exc}): give --preset") from exc


def _subtitles(video: Path, output: Path, subs: Path | None, lang: str | None) -> tuple[Path, str, dict[str, Any] | None]:
    """The subtitle file, its language, and the record of the earlier run -o points into (if of this video)."""
    code = language(lang, "--language")
    stem = name_outputs([video])[0].stem
    folder = run_folder(output, stem)
    summary = _record(folder, video, strict=subs is None) if folder is not None else None
    if subs is not None:
        code = code or language_of(subs)
        if code is None:
            raise UsageError(f"cannot tell the language of {subs.name}: name it like 'reel.fr.srt' or give --language")
        return subs, code, summary
    if summary is None:
        raise UsageError("give the subtitles with --subs FILE, or write the PNG into the output folder of an earlier "
                         f"run (OUT/{stem}/) to draw that run's subtitles")  # fmt: skip
    folder = Path(summary["folder"])
    code = code or _run_language(summary, folder, summary["stem"])
    found = folder / f"{summary['stem']}.{code}.srt"
    if not found.is_file():
        raise UsageError(f"{found} does not exist: that run wrote no SRT in '{code}'")
    return found, code, summary


def draw(video: Path, at: float, output: Path, options: Options, subs: Path, code: str, lenient: bool,
         scenes: Path | None = None) -> Job:  # fmt: skip
    """Draw the frame at `at` into `output` (PNG); `scenes` is an earlier analysis to reuse when unchanged."""
    edited = EditedSubtitles(subs, code, lenient)  # read at the door: a malformed file fails here (exit 2)
    # The frame as the plain burn draws it: an upscaled run's text is laid out the same, only drawn larger.
    options = dataclasses.replace(
        options,
        output=dataclasses.replace(options.output, burn=code),
        enhance=dataclasses.replace(options.enhance, upscale=1),
    )
    with tempfile.TemporaryDirectory(prefix="subtitler-preview-") as scratch:
        stem = name_outputs([video])[0].stem
        job = Job(video, Path(scratch), stem, options, None)
        job.work.mkdir()
        if scenes is not None and scenes.is_file():
            shutil.copyfile(scenes, placement.scenes_path(job))  # used only if made from the same video and settings
        job = edited.run(ProbeVideo().run(job))
        media = job.media
        assert media is not None
        if not (math.isfinite(at) and 0 <= at < media.duration):
            raise UsageError(f"--at {at:g}: must be a time in the video, from 0 to {media.duration:.3f} s")
        job = with_font(job, code)
        job, placed = placement.plan(job, code)
        placement.burn_subtitles(job, code, placed)
        with atomic_path(output) as temp:
            ffmpeg.run(preview_args(job.source, media, at, temp), cwd=job.work, what="drawing the preview")
    return job


@click.command("preview")
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--at", "at", required=True, type=float,
              help="The moment, in seconds from the start: its frame (the first at or after it) is drawn.")  # fmt: skip
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PNG to write; inside an earlier run's output folder, that run's subtitles are drawn.")  # fmt: skip
@click.option("--subs", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The subtitles to draw (SRT, VTT or ASS), e.g. after a person corrected them.")  # fmt: skip
@click.option("--language", "lang", help="Their language (read from a name like 'reel.fr.srt'); with a run's, which one.")
@click.option("--preset", help="Preset name or FILE.toml; the earlier run's settings, else 'default', when not given.")
@click.option("--lenient", is_flag=True, help="Skip malformed cues, with a warning for each, instead of refusing the file.")
@common
def preview_command(video: Path, at: float, output: Path, subs: Path | None, lang: str | None, preset: str | None,
                    lenient: bool) -> None:  # fmt: skip
    """Draw the frame of VIDEO at --at seconds with its burned subtitles into a PNG, as the burn would."""
    if output.suffix.lower() != ".png":
        raise UsageError(f"-o {output.name}: the preview is a PNG; name it like 'frame.png'")
    if not output.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {output.parent} does not exist")
    path, code, summary = _subtitles(video, output, subs, lang)
    if preset is not None:
        options = load_options(preset)
    elif summary is not None:
        options = run_options(summary)
    else:
        options = load_options("default")
    scenes = Path(summary["folder"]) / f"{summary['stem']}.scenes.json" if summary else None
    draw(video, at, output, options, path, code, lenient, scenes)
    click.echo(f"done    {shown(video)} at {at:g} s ({code})  ->  {shown(output)}", err=True)
