"""The command line (click): one module per group of commands; logging is configured in `common`.

Each command is imported when it is used, not when `subtitler` starts: `subtitler run` never loads the
studio's web server, and a command's engines are loaded by the stages that use them. A command is one line
in COMMANDS.
"""

from __future__ import annotations

import atexit
import gc
import importlib
from typing import Any

import click

from subtitler.version import __version__

COMMANDS = {  # name -> "module:attribute" of its click command
    "run": "subtitler.cli.run:run",
    "apply": "subtitler.cli.apply:apply_command",
    "burn": "subtitler.cli.burn:burn_command",
    "preview": "subtitler.cli.preview:preview_command",
    "watch": "subtitler.cli.watch:watch_command",
    "status": "subtitler.cli.watch:status_command",
    "retry": "subtitler.cli.watch:retry_command",
    "studio": "subtitler.cli.studio:studio_command",
    "worker": "subtitler.cli.worker:worker_command",
    "models": "subtitler.cli.catalog:models",
    "languages": "subtitler.cli.catalog:languages_command",
    "presets": "subtitler.cli.catalog:presets",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, from a table of name -> "module:attribute"."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(load_command(self.lazy[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The program itself (not CliRunner, which calls `main`). At its exit, the objects still alive are put
        out of the garbage collector's reach (`gc.freeze`): the interpreter's last collections would trace every
        object of every module loaded (numpy, PyAV, CTranslate2...), about 35 ms a run, for memory the process
        gives back as it ends. What is registered to run at exit (worker processes joined, temporary folders
        removed, logs flushed) runs as before."""
        atexit.register(gc.freeze)
        return super().__call__(*args, **kwargs)


def load_command(target: str) -> click.Command:
    """The click command that "module:attribute" names."""
    module, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subtitler")
def main() -> None:
    """Video in; readable subtitles in every language, a soft-subtitled copy and a burned copy out."""
