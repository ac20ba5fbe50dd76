"""What `subtitler` loads before it does any work: each command is imported when it is used, and an engine when
a stage needs it: a run that uses none of them loads neither the studio's web server, Celery nor OpenCV."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import click
from click.testing import CliRunner

from subtitler.cli import COMMANDS, load_command, main

HEAVY = ("cv2", "starlette", "uvicorn", "jinja2", "celery", "ctranslate2", "faster_whisper", "onnxruntime")


def loaded_after(code: str) -> list[str]:
    """The heavy packages a fresh interpreter holds after running `code`."""
    script = textwrap.dedent(code) + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_run_command_and_its_stages_load_no_engine_and_no_web_server() -> None:
    loaded = loaded_after("""
        import click
        from subtitler.cli import main
        command = main.get_command(click.Context(main), "run")
        assert command is not None and command.name == "run"
        from subtitler.options import load_options
        from subtitler.stages import build_stages
        names = [stage.name for stage in build_stages(load_options("default"))]
        assert "mux" in names and "enhance" not in names, names
    """)
    assert loaded == []


def test_the_command_line_alone_loads_none_of_them() -> None:
    assert loaded_after("import subtitler.cli") == []


def test_every_command_in_the_table_loads_under_its_name() -> None:
    for name, target in COMMANDS.items():
        command = load_command(target)
        assert isinstance(command, click.Command)
        assert command.name == name, target


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:")[1].split()
    assert all(name in listed for name in COMMANDS)
    assert main.list_commands(click.Context(main)) == sorted(COMMANDS)


def test_an_unknown_command_is_refused_by_name() -> None:
    result = CliRunner().invoke(main, ["nonesuch"])
    assert result.exit_code == 2
    assert "No such command 'nonesuch'" in result.output
