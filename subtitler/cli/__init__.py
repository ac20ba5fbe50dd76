"""The command line (click): one module per group of commands; logging is configured in `common`."""

from __future__ import annotations

import click

from subtitler.cli.apply import apply_command
from subtitler.cli.burn import burn_command
from subtitler.cli.catalog import languages_command, models, presets
from subtitler.cli.preview import preview_command
from subtitler.cli.run import run
from subtitler.cli.studio import studio_command
from subtitler.cli.watch import retry_command, status_command, watch_command
from subtitler.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subtitler")
def main() -> None:
    """Video in; readable subtitles in every language, a soft-subtitled copy and a burned copy out."""


for command in (run, apply_command, burn_command, preview_command, watch_command, status_command, retry_command,
                studio_command, models, languages_command, presets):
    main.add_command(command)
