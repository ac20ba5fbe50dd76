"""A job's output files, named by id (a hash of the file name), never by path: only plain files directly in the
job's output folder, not hidden, not links, in a folder that lies in the outbox once every link is resolved.
Several at once come as one zip, streamed as it is made (no copy of the videos on disk or in memory)."""

from __future__ import annotations

import hashlib
import os
import stat
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from subtitler.names import shown

_CHUNK = 1 << 20
_KINDS = {".srt": "subtitles", ".vtt": "subtitles", ".ass": "subtitles", ".txt": "text", ".json": "data", ".html": "report",
          ".log": "log"}  # fmt: skip
_ORDER = ["video", "audio", "subtitles", "text", "report", "data", "log"]  # as the page lists them
_PACKED = {".srt", ".vtt", ".ass", ".txt", ".json", ".html", ".log"}  # text: deflated in a zip; media is stored as it is


@dataclass(frozen=True)
class OutputFile:
    id: str
    name: str  # as a person reads it
    path: Path
    size: int
    kind: str  # video | audio | subtitles | text | data | report | log

    def as_json(self, job_id: str) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "size": self.size, "kind": self.kind,
                "url": f"/api/jobs/{job_id}/files/{self.id}"}  # fmt: skip


def file_id(name: str) -> str:
    return hashlib.sha256(b"file\0" + os.fsencode(name)).hexdigest()[:16]


def _kind(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if ".burned." in name or ".subtitled." in name or ".enhanced." in name:
        return "video" if suffix not in (".m4a", ".mka", ".mp3") else "audio"
    return _KINDS.get(suffix, "video" if suffix in (".mp4", ".mov", ".mkv", ".webm") else "file")


def _inside(outbox: Path, folder: Path) -> bool:
    try:
        real = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real != outbox.resolve() and real.is_relative_to(outbox.resolve()) and not folder.is_symlink()


def listing(outbox: Path, folder: Path) -> list[OutputFile]:
    """The files a job made, by name (none while its folder does not exist or is not safely inside `outbox`)."""
    if not _inside(outbox, folder):
        return []
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            found.append(OutputFile(file_id(entry.name), shown(entry.name), Path(entry.path), info.st_size, _kind(entry.name)))
    return sorted(found, key=lambda f: (_ORDER.index(f.kind) if f.kind in _ORDER else len(_ORDER), f.name.lower()))


def find(outbox: Path, folder: Path, wanted: str) -> OutputFile:
    """The file with this id; LookupError when there is none."""
    for found in listing(outbox, folder):
        if found.id == wanted:
            return found
    raise LookupError(f"no file {wanted!r}")


def open_plain(path: Path) -> int:
    """A file descriptor of `path` if it is still a plain file (not a link, swapped in since it was listed)."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise LookupError(f"{path.name} is not a plain file")
    return handle


class _Pipe:
    """A file zipfile writes into whose bytes are taken out as they come (it cannot seek: data descriptors)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.written = 0

    def write(self, data: bytes, /) -> int:
        self.buffer += data
        self.written += len(data)
        return len(data)

    def close(self) -> None:
        pass

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = bytes(self.buffer)
        self.buffer.clear()
        return out


def zipped(groups: list[tuple[str, list[OutputFile]]]) -> Iterator[bytes]:
    """The files as one zip, each group's under its folder (`clip/`, or `clip/tiktok/` and `clip/youtube/` for a
    video's copies for other networks), in pieces as it is made."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
        for folder_name, output in ((name, one) for name, files in groups for one in files):
            try:
                handle = open_plain(output.path)
            except (OSError, LookupError):
                continue  # gone or swapped for a link since it was listed
            packed = Path(output.name).suffix.lower() in _PACKED
            info = zipfile.ZipInfo(f"{folder_name}/{output.name}", time.localtime(os.fstat(handle).st_mtime)[:6])
            info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
            with os.fdopen(handle, "rb") as source, archive.open(info, "w", force_zip64=output.size > 1 << 31) as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)
                    if len(pipe.buffer) >= _CHUNK:
                        yield pipe.take()
            yield pipe.take()
    yield pipe.take()
