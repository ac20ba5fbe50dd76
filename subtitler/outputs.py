"""Outputs appear whole or not at all: write to a temp name beside the target, then rename."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from subtitler.errors import OutputError, UsageError


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temp path with the same suffix in the same folder; rename it to `final` on success."""
    temp = final.with_name(f".{final.stem}.partial-{os.getpid()}{final.suffix}")
    try:
        yield temp
        if not temp.is_file():
            raise OutputError(f"{final.name} was not produced")
        _sync(temp)  # on disk before it takes the final name: a power cut leaves the old file or the whole new one
        os.replace(temp, final)
        _sync(final.parent)
    finally:
        temp.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:  # some file systems cannot sync a folder
        pass
    finally:
        os.close(handle)


def write_text(final: Path, text: str) -> Path:
    with atomic_path(final) as temp:
        temp.write_text(text, encoding="utf-8")
    return final


def ensure_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {folder}: {exc.strerror or exc}") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {folder} is not writable")
    return folder


def check_folder(folder: Path) -> None:
    """Raise OutputError now if `folder` could not be created or written later; creates nothing."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot create output folder {folder}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {folder} is not writable")


LOCK_NAME = ".subtitler.lock"


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One run at a time writes into `folder`: an exclusive lock on `folder/.subtitler.lock`, held until the
    block ends (or the process dies: the kernel drops it). A second run is refused with who holds it."""
    ensure_folder(folder)
    with (folder / LOCK_NAME).open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UsageError(f"another subtitler run ({holder}) is writing into {folder}: wait for it to end") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")  # who holds it, for the message above
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
