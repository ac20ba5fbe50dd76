"""Turn the command line's files, folders and globs into a list of inputs and their output folders."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from subtitler.names import safe_stem

VIDEO_EXTENSIONS = {
    ".mp4",
    ".m4v",
    ".mov",
    ".mkv",
    ".webm",
    ".avi",
    ".mts",
    ".m2ts",
    ".ts",
    ".wmv",
    ".flv",
    ".3gp",
    ".mpg",
    ".mpeg",
}
AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".aiff", ".aif", ".wma", ".mka"}
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS


@dataclass(frozen=True)
class Input:
    source: Path
    stem: str  # the output folder's name under OUT, unique within the batch


def _folder_media(folder: Path, skip: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.is_file() and path.suffix.lower() in MEDIA_EXTENSIONS and skip not in path.resolve().parents:
            found.append(path)
    return found


def expand(arguments: list[str], out_root: Path) -> list[Path]:
    """Files as given (even unknown or missing ones: they fail with a clear message later), media
    files found in folders, and glob patterns the shell did not expand. Duplicates are dropped."""
    skip = out_root.resolve()
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            paths += _folder_media(path, skip)
        elif not path.exists() and glob.has_magic(argument):
            paths += [Path(p) for p in sorted(glob.glob(argument, recursive=True)) if Path(p).is_file()]
        else:
            paths.append(path)
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(_identity(path), path)
    return list(unique.values())


def _identity(path: Path) -> Path:
    """The file a path names, to drop duplicates; a path whose links cannot be resolved (a loop) is its own."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def name_outputs(paths: list[Path]) -> list[Input]:
    """Each input's output stem, safe on every file system (`names.safe_stem`) and unique in the batch
    whatever the case: a name already taken gets `-2`, `-3`... in the order given."""
    taken: set[str] = set()
    inputs = []
    for path in paths:
        base = safe_stem(path.stem or path.name)
        stem, count = base, 1
        while stem.lower() in taken:
            count += 1
            stem = f"{base}-{count}"
        taken.add(stem.lower())
        inputs.append(Input(path, stem))
    return inputs
