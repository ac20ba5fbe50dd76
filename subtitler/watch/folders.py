"""A preset per subfolder of the watched folder, from `subtitler-watch.toml` in it:

    [presets]
    "instagram" = "instagram-reels"      # inbox/instagram/** uses the instagram-reels preset
    "linkedin/long" = "long-form.toml"   # a preset file, relative to this file

The deepest folder that matches wins; elsewhere, the preset given on the command line. The file is
read as it is, never refused: a line that is wrong holds only its folder's inputs, a file that cannot
be read at all holds every input, each with the reason, until it is corrected.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from subtitler.errors import SubtitlerError
from subtitler.names import shown
from subtitler.options import find_preset
from subtitler.watch.store import one_line

CONFIG = "subtitler-watch.toml"


@dataclass(frozen=True)
class FolderPresets:
    presets: dict[str, str] = field(default_factory=dict)  # subfolder ("a/b") -> preset name or absolute file
    wrong: dict[str, str] = field(default_factory=dict)  # subfolder -> why its line cannot be used
    broken: str = ""  # why the file cannot be read at all: every input is held with this reason

    def preset_for(self, relative: str, default: str) -> tuple[str, str]:
        """The preset of the deepest configured folder holding `relative` (else `default`), and why it
        cannot be used ("" when it can)."""
        if self.broken:
            return default, self.broken
        for parent in PurePosixPath(relative).parents:
            folder = parent.as_posix()
            if folder in self.wrong:
                return "", self.wrong[folder]
            if folder in self.presets:
                return self.presets[folder], ""
        return default, ""


def read(inbox: Path) -> FolderPresets:
    """What `inbox/subtitler-watch.toml` says; no presets without the file."""
    path = inbox / CONFIG
    try:
        if not path.is_file():
            return FolderPresets()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: not UTF-8, not TOML
        return FolderPresets(broken=f"cannot read {shown(path)}: {one_line(str(exc))}")
    table = data.get("presets", {})
    if set(data) - {"presets"} or not isinstance(table, dict):
        return FolderPresets(broken=f'{shown(path)} may only hold a [presets] table of "folder" = "preset" lines')
    presets, wrong = {}, {}
    for name, preset in table.items():
        folder = PurePosixPath(name.strip("/")).as_posix()
        if not isinstance(preset, str) or not preset.strip():
            wrong[folder] = f"{shown(path)}: the preset for '{one_line(name, 80)}' must be a preset name or a .toml file"
        elif preset.endswith(".toml") and not os.path.isabs(preset):
            presets[folder] = str((inbox / preset).resolve())
        else:
            presets[folder] = preset
    return FolderPresets(presets, wrong)


def stamps(presets: set[str]) -> tuple[tuple[str, object], ...]:
    """Each preset's file as found now (inode, size, modification time): a preset edited in place changes it.
    What a preset extends is not followed: after fixing that, `subtitler retry` queues its inputs again."""
    found: list[tuple[str, object]] = []
    for preset in sorted(presets):
        try:
            info = find_preset(preset).stat()
            found.append((preset, (info.st_ino, info.st_size, info.st_mtime_ns)))
        except (SubtitlerError, OSError, ValueError):  # not there (yet): loading it says why
            found.append((preset, None))
    return tuple(found)
