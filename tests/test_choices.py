"""Each choice list is written once (`subtitler.choices`), and the presets, the command line, the plugin
tables and the README all follow it."""

from __future__ import annotations

import pkgutil
import re
import tomllib

import click
import pytest

from subtitler import choices, engines, loudness, superres
from subtitler.cli.common import job_options
from subtitler.engines import ENGINES
from subtitler.formats import FORMATS
from subtitler.options import CHOICES, builtin_presets

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DEFAULT_PRESET = builtin_presets()["default"]
# The flags of `run` and `watch` that take one value out of a list, and the preset key each one sets.
FLAGS = {
    "--device": ("transcribe", "device"),
    "--engine": ("translate", "engine"),
    "--upscale-method": ("enhance", "upscale_method"),
    "--denoise": ("enhance", "denoise"),
}
# The options table's flags that take values from a list: those, the upscale factor and the formats.
LISTED = {**FLAGS, "--upscale": ("enhance", "upscale"), "--format": ("output", "formats")}


def _params() -> dict[str, click.Parameter]:
    command = click.command()(job_options(lambda **flags: None))
    return {option: param for param in command.params for option in param.opts}


def _table(header: str) -> list[list[str]]:
    """The rows of the README table under `header` (its first line), as cells."""
    lines = README[README.index(header) :].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))])
    return rows


def _listed(flag: str) -> set[str]:
    """The values the options table gives a flag, as in `--device auto\\|cpu\\|cuda` or `--format srt,vtt`."""
    for row in _table("| option | meaning |"):
        for span in re.findall(r"`([^`]*)`", row[0]):
            name, _, values = span.partition(" ")
            if name == flag:
                return set(re.split(r"\\?\||,", values)) - {""}
    raise AssertionError(f"the README's options table has no row for {flag}")


def test_the_presets_check_the_same_lists() -> None:
    assert CHOICES[("transcribe", "device")] is choices.DEVICES
    assert CHOICES[("translate", "engine")] == ("auto", choices.WHISPER, *ENGINES)
    assert CHOICES[("enhance", "denoise")] is choices.DENOISERS is loudness.DENOISERS
    assert CHOICES[("enhance", "upscale_method")] == tuple(superres.methods())
    assert CHOICES[("style", "alignment")] is choices.ALIGNMENTS
    assert CHOICES[("style", "border_style")] is choices.BORDER_STYLES
    assert CHOICES[("style", "highlight")] is choices.HIGHLIGHTS
    assert CHOICES[("output", "mkv_subtitle_codec")] is choices.MKV_SUBTITLE_CODECS
    assert set(choices.MKV_SUBTITLE_CODECS) <= set(FORMATS)


def test_the_command_line_offers_the_same_lists() -> None:
    params = _params()
    for flag, key in FLAGS.items():
        assert isinstance(params[flag].type, click.Choice)
        assert tuple(params[flag].type.choices) == CHOICES[key], flag
    upscale = params["--upscale"].type
    assert isinstance(upscale, click.IntRange)
    assert (upscale.min, upscale.max) == (min(choices.UPSCALE_FACTORS), max(choices.UPSCALE_FACTORS))
    assert set(choices.UPSCALE_FACTORS) == set(range(upscale.min, upscale.max + 1))
    assert ",".join(choices.FORMATS) in (params["--format"].help or "")


def test_the_engine_table_is_the_text_engines_in_order_of_preference() -> None:
    assert tuple(ENGINES) == choices.TEXT_ENGINES == ("argos", "apertium")
    assert all(engine.name == name for name, engine in ENGINES.items())
    modules = {m.name for m in pkgutil.iter_modules(engines.__path__)} - {"engine"}
    assert modules == set(ENGINES)  # every engine module is in the table


def test_hints_come_from_each_engine_in_order() -> None:
    found = engines.hints("es", "gl")
    assert found[0].startswith("Argos: 'subtitler models install argos:es-gl' (or es-en and en-gl)")
    assert found[1] == "Apertium: apt-get install apertium-en-gl apertium-eng-spa apertium-es-gl."
    assert found[2] == "'subtitler languages' lists what is installed."
    assert engines.hints(None, "en")[0].startswith("Whisper translates any language")


@pytest.mark.parametrize("flag", LISTED)
def test_the_readme_options_table_lists_every_value_of_a_flag(flag: str) -> None:
    """Every value but the default (no flag is needed for it); every format."""
    section, key = LISTED[flag]
    default = tomllib.loads(DEFAULT_PRESET.read_text(encoding="utf-8"))[section][key]
    every = choices.FORMATS if flag == "--format" else CHOICES[(section, key)]
    missing = [str(value) for value in every if value != default and str(value) not in _listed(flag)]
    wanted = "\\|".join(map(str, every))  # a | escaped inside the table
    assert not missing, f"README.md's options table: write `{flag} {wanted}`"


def test_the_default_preset_names_every_choice_of_its_keys() -> None:
    """presets/default.toml, which holds every key: each key with a list of choices names them all."""
    lines = DEFAULT_PRESET.read_text(encoding="utf-8").splitlines()
    table = ""
    for line in lines:
        if line.startswith("["):
            table = line.strip("[]")
            continue
        key = line.partition("=")[0].strip()
        for value in CHOICES.get((table, key), ()):
            assert re.search(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", line), f"[{table}] {key}: {value}"
    formats = next(line for line in lines if line.startswith("formats ="))
    assert all(f'"{name}"' in formats for name in FORMATS)


def test_the_readme_tables_name_every_engine_format_and_preset() -> None:
    assert [row[0] for row in _table("| engine | what | pairs |")] == [f"`{e}`" for e in (choices.WHISPER, *ENGINES)]
    outputs = README[README.index("### Outputs") : README.index("### Translation")]
    for fmt in FORMATS.values():
        assert f".{fmt.suffix}" in outputs, fmt.name
    assert {row[0] for row in _table("| preset | for |")} == {f"`{name}`" for name in builtin_presets()}
