"""What in the watched folder is an input, and when a file is finished (no longer being written)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from subtitler.inputs import MEDIA_EXTENSIONS

# Names browsers, copy tools and editors give files they are still writing.
UNFINISHED_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", "~")


@dataclass(frozen=True)
class Seen:
    size: int
    mtime_ns: int


def is_input(relative: PurePosixPath) -> bool:
    """A media file that is not hidden, not in a hidden folder, and not named as a file still being written."""
    name = relative.name.lower()
    if any(part.startswith(".") for part in relative.parts) or name.startswith("~$"):
        return False
    if name.endswith(UNFINISHED_SUFFIXES):
        return False
    return relative.suffix.lower() in MEDIA_EXTENSIONS


def scan(inbox: Path, skip: tuple[Path, ...] = ()) -> dict[str, Seen]:
    """Every input under `inbox` ("sub/clip.mp4" -> size and mtime); folders in `skip` (the output
    folder, the done folder, when they are inside the inbox) are not entered."""
    skipped = {folder.resolve() for folder in skip}
    found: dict[str, Seen] = {}
    for root, folders, files in os.walk(inbox):
        here = Path(root)
        folders[:] = sorted(f for f in folders if not f.startswith(".") and (here / f).resolve() not in skipped)
        for name in sorted(files):
            path = here / name
            relative = PurePosixPath(path.relative_to(inbox).as_posix())
            if not is_input(relative):
                continue
            try:
                info = path.stat()
            except OSError:  # gone between listing and looking
                continue
            found[str(relative)] = Seen(info.st_size, info.st_mtime_ns)
    return found


class Settling:
    """Files seen changing: a file is finished once its size and mtime have stayed the same for `settle` seconds."""

    def __init__(self, settle: float):
        self.settle = settle
        self._since: dict[str, tuple[Seen, float]] = {}

    def finished(self, path: str, seen: Seen, now: float) -> bool:
        before = self._since.get(path)
        if before is None or before[0] != seen:
            self._since[path] = (seen, now)
            return False
        return now - before[1] >= self.settle

    def waiting(self) -> int:
        return len(self._since)

    def drop(self, path: str) -> None:
        self._since.pop(path, None)

    def keep_only(self, paths: set[str]) -> None:
        for path in set(self._since) - paths:
            del self._since[path]
