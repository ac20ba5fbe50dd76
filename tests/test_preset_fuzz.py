"""Hostile presets: whatever a preset file holds, loading it gives checked options or one PresetError, never
anything else; and options that load always write back as TOML and as strict JSON."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from subtitler.errors import PresetError
from subtitler.options import LIMITS, PORTRAIT_SECTIONS, SECTIONS, Options, for_picture, load_options, to_toml

PRESETS = 300
SEED = 20240611
KEYS = [(section, f.name, str(f.type)) for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
DEFAULTS = {section: values for section, values in dataclasses.asdict(load_options()).items() if section in SECTIONS}

HOSTILE: list[Any] = [
    math.nan, math.inf, -math.inf, -0.0, 0, 0.0, -1, -5, 1, 2, 2**63 - 1, -(2**63), 10**30, -(10**40), 1e-300, 1e300,
    "", " ", "x" * 5000, "é" * 300, "\u202e\u200b", "日本語", "😀", "a\nb", "a\tb", "\u0000", "\u007f", "\u2028",
    "#GGGGGG", "#ffffff", "#FFF", "FFFFFF", "en", "fr", "xx", "French", "pt-BR", "spoken", "192k", "0k", "9999k",
    "medium", "yuv420p", "libx264", "../../etc/passwd", "nan", "true", True, False,
    [], ["en", 5], ["en", "es"], ["srt", "vtt"], ["srt", "docx"], [1920, 1080], [0, 0], [1, 2, 3], [[1]], [math.nan],
    ["en"] * 150, [True, "x"], [1920.0, 1080.0], [1920, True],
    {}, {"a": 1}, {"a": {"b": math.nan}}, datetime.date(2024, 1, 1), datetime.time(7, 30),
]  # fmt: skip


def toml_value(value: Any) -> str:
    """The value as TOML writes it (the test's own writer: nan and inf as TOML spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def plausible(rng: random.Random, section: str, key: str, annotation: str) -> Any:
    """A value near the default, often inside the limits, sometimes just outside them."""
    default = DEFAULTS[section][key]
    limits = LIMITS.get((section, key))
    if annotation in ("int", "float") and limits:
        low, high = limits
        value = rng.uniform(low - 0.1 * (high - low), high + 0.1 * (high - low))
        return round(value) if annotation == "int" else value
    return list(default) if isinstance(default, tuple) else default


def random_preset(rng: random.Random) -> str:
    tables: dict[str, dict[str, Any]] = {}
    for _ in range(rng.randint(1, 6)):
        section, key, annotation = rng.choice(KEYS)
        table = f"portrait.{section}" if section in PORTRAIT_SECTIONS and rng.random() < 0.3 else section
        value = rng.choice(HOSTILE) if rng.random() < 0.6 else plausible(rng, section, key, annotation)
        tables.setdefault(table, {})[key] = value
    lines = []
    if rng.random() < 0.05:
        lines.append(f"extends = {toml_value(rng.choice(['default', 'tiktok', 'punch', 5, '', 'nope.toml', 'x' * 300]))}")
    if rng.random() < 0.03:
        lines.append(f"{rng.choice(['cues', 'portrait', 'colours'])} = {toml_value(rng.choice(HOSTILE))}")
    for table, values in tables.items():
        if rng.random() < 0.03:
            values[rng.choice(["max_chars", "", "é", "a b"])] = 1
        lines.append(f"[{table}]")
        lines += [f"{json.dumps(key)} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def check_round_trip(options: Options, folder: Path) -> None:
    json.dumps(dataclasses.asdict(options), allow_nan=False)
    json.dumps(dataclasses.asdict(for_picture(options, portrait=True)), allow_nan=False)
    shown = folder / "shown.toml"
    shown.write_text(to_toml(options), encoding="utf-8")
    assert dataclasses.replace(load_options(str(shown)), preset=options.preset) == options


def test_any_preset_loads_checked_or_fails_with_one_preset_error(tmp_path: Path):
    rng = random.Random(SEED)
    path = tmp_path / "fuzz.toml"
    accepted = refused = 0
    for n in range(PRESETS):
        text = random_preset(rng)
        path.write_text(text, encoding="utf-8")
        try:
            options = load_options(str(path))
        except PresetError as error:
            assert str(error) and "\n" not in str(error), text
            refused += 1
            continue
        except Exception as error:  # any other exception is the bug this test is for
            pytest.fail(f"preset {n} raised {error!r} instead of a PresetError:\n{text}")
        try:
            check_round_trip(options, tmp_path)
        except (ValueError, PresetError, AssertionError) as error:
            pytest.fail(f"preset {n} loaded but does not write back ({error!r}):\n{text}")
        accepted += 1
    assert accepted > 20 and refused > 100  # both paths were taken, many times
