"""A preset per subfolder of the watched folder, from `subtitler-watch.toml` in it:

    [presets]
    "instagram" = "instagram-reels"      # inbox/instagram/** uses the instagram-reels preset
    "linkedin/long" = "long-form.toml"   # a preset file, relative to this file

The deepest folder that matches wins; elsewhere, the preset given on the command line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

from subtitler.errors import UsageError

CONFIG = "subtitler-watch.toml"


def read(inbox: Path) -> dict[str, str]:
    """Subfolder ("a/b") -> preset name or absolute preset file; {} without a config file."""
    path = inbox / CONFIG
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    unknown = set(data) - {"presets"}
    table = data.get("presets", {})
    if unknown or not isinstance(table, dict):
        raise UsageError(f'{path} may only hold a [presets] table of "folder" = "preset" lines')
    mapping = {}
    for folder, preset in table.items():
        if not isinstance(preset, str) or not preset:
            raise UsageError(f"{path}: the preset for '{folder}' must be a name or a .toml file")
        if preset.endswith(".toml") and not Path(preset).is_absolute():
            preset = str((inbox / preset).resolve())
        mapping[PurePosixPath(folder.strip("/")).as_posix()] = preset
    return mapping


def preset_for(relative: str, mapping: dict[str, str], default: str) -> str:
    """The preset of the deepest configured folder holding `relative`, else `default`."""
    for parent in PurePosixPath(relative).parents:
        if parent.as_posix() in mapping:
            return mapping[parent.as_posix()]
    return default
