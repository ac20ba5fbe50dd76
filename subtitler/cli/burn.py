"""`subtitler burn VIDEO --subs EDITED.srt -o OUT`: burn subtitles a person corrected, without transcribing."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path, PurePath

import click

from subtitler import languages
from subtitler.adapters import ffmpeg
from subtitler.cli.common import common, language
from subtitler.errors import MediaError, SubtitlerError, UsageError
from subtitler.inputs import name_outputs
from subtitler.job import Job
from subtitler.names import shown
from subtitler.options import load_options
from subtitler.outputs import ensure_folder, folder_lock
from subtitler.pipeline import run_batch
from subtitler.stages.burn import Burn
from subtitler.stages.edited import EditedSubtitles
from subtitler.stages.probe import Probe
from subtitler.stages.record import AddToRecord


class ProbeVideo:
    """The probe, then a refusal of an input without a picture: Burn would skip it and the run would say done."""

    name = "probe"

    def run(self, job: Job) -> Job:
        job = Probe(needs_audio=False).run(job)
        if job.media is None or not job.media.has_video:
            raise MediaError("has no video stream to burn the subtitles into", str(job.source))
        return job


def language_of(subs: Path) -> str | None:
    """The language a file name says: "reel.fr.srt" -> "fr"."""
    suffixes = PurePath(subs.name).suffixes
    if len(suffixes) < 2:
        return None
    try:
        return languages.normalize(suffixes[-2].lstrip("."))
    except ValueError:
        return None


@click.command("burn")
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--subs", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The subtitles to burn (SRT, VTT or ASS), e.g. after a person corrected them.")  # fmt: skip
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--preset", default="default", show_default=True, help="Preset name or FILE.toml (style and encoding).")
@click.option("--language", "lang", help="The subtitles' language; read from a name like 'reel.fr.srt' when not given.")
@click.option("--lenient", is_flag=True, help="Skip malformed cues, with a warning for each, instead of refusing the file.")
@common
def burn_command(video: Path, subs: Path, out: Path, preset: str, lang: str | None, lenient: bool) -> None:
    """Burn SUBS into a copy of VIDEO, in OUT/<name>/, styled by the preset; nothing is transcribed."""
    code = language(lang, "--language") or language_of(subs)
    if code is None:
        raise UsageError(f"cannot tell the language of {subs.name}: name it like 'reel.fr.srt' or give --language")
    edited = EditedSubtitles(subs, code, lenient)  # read at the door: a malformed file fails here (exit 2)
    options = load_options(preset)
    options = dataclasses.replace(options, output=dataclasses.replace(options.output, burn=code), force=True)
    options = dataclasses.replace(options, encode=ffmpeg.resolve_encoder(options.encode))  # checked before any work
    try:
        ensure_folder(out)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc
    stem = name_outputs([video])[0].stem  # the same safe folder name `run` gives this video
    job = Job(video, out / stem, stem, options, None)
    with folder_lock(out):
        result = run_batch([job], [ProbeVideo(), edited, Burn(), AddToRecord()])[0]
    burned = result.job.files.get(f"burned:{code}") if result.job else None
    if not result.ok or burned is None:
        click.echo(f"failed  {shown(video)}: {result.error or 'nothing was burned'}", err=True)
        sys.exit(1)
    click.echo(f"done    {shown(video)}  ->  {shown(burned)}  ({result.seconds:.1f} s)", err=True)
