"""`subtitler apply EDITED.srt`: a person's correction saved as a version and made into every output of its
language (subtitle files, the soft-subtitled and burned videos, the review report), without transcribing; with
`--also PRESET`, into a copy of the job for another network too (and every later apply makes the copies again)."""

from __future__ import annotations

from pathlib import Path

import click

from subtitler import api
from subtitler.cli.common import common
from subtitler.job import Job
from subtitler.names import shown


def remade(job: Job) -> list[str]:
    """The outputs this run made again: those whose digest (what they are made from) changed."""
    return [path.name for key, path in job.files.items() if job.previous.get(key) != job.digests.get(key)]


@click.command("apply")
@click.argument("subs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path),
              help="The output folder `run` wrote the video into, when SUBS is not in OUT/<name>/.")  # fmt: skip
@click.option("--language", "lang", help="The subtitles' language; read from a name like 'talk.fr.srt' when not given.")
@click.option("--retranslate", is_flag=True,
              help="Translate the other languages again from the corrected sentences of the spoken language.")  # fmt: skip
@click.option("--retranslate-edited", is_flag=True,
              help="With --retranslate, also the languages a person corrected (their corrections kept as history).")  # fmt: skip
@click.option("--lenient", is_flag=True, help="Skip malformed cues, with a warning for each, instead of refusing the file.")
@click.option("--also", "also", multiple=True, metavar="PRESET",
              help="Also a copy of the job for this preset (a name or a .toml file), in OUT/<name>/<preset>/, from the "
                   "same transcript, following the correction; repeat for more. Later applies make it again.")  # fmt: skip
@common
def apply_command(subs: Path, out: Path | None, lang: str | None, retranslate: bool, retranslate_edited: bool,
                  lenient: bool, also: tuple[str, ...]) -> None:  # fmt: skip
    """Apply SUBS, a corrected SRT, VTT or ASS file: every output of its language made again from it (the subtitle
    files, the soft-subtitled copy, the burned copy, the review report). The transcript is reused; the correction is
    kept as a version in OUT/<name>/edits/, and every later run keeps it (`run --discard-edits` drops it).

    With --also PRESET, a copy of the job for that preset is made too (OUT/<name>/<preset>/): the same words, the
    correction followed (as it is where the preset cuts cues as the job's does, else its words cut again by the
    preset's rules), the preset's own style, outputs, burn and review. Every later apply makes the copies again."""
    copies: list[tuple[str, Job]] = []
    job = api.apply(subs, lang, out=out, retranslate=retranslate, retranslate_edited=retranslate_edited,
                    lenient=lenient, also=also, on_copy=lambda preset, made: copies.append((preset, made)))  # fmt: skip
    edited = ", ".join(f"{language} version {version}" for language, version in job.edited.items())
    click.echo(f"applied {shown(subs.name)}: the outputs are made from your edited subtitles ({edited})", err=True)
    made = remade(job)
    click.echo(f"re-made {', '.join(made) if made else 'nothing: every output was made from it already'}", err=True)
    click.echo(f"done    {shown(job.source)}  ->  {shown(job.folder)}", err=True)
    for preset, copy in copies:
        made = remade(copy)
        name = shown(Path(preset).stem if preset.endswith(".toml") else preset)
        click.echo(f"copy    for {name}: re-made {', '.join(made) if made else 'nothing: it was up to date'}", err=True)
        click.echo(f"done    {shown(job.source)}  ->  {shown(copy.folder)}", err=True)
