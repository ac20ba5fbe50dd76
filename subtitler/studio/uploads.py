"""Files people send to the studio: each streamed to a hidden name in DIR/.studio/uploads, checked by probing it
(not by its extension), then linked into the inbox whole under a name never taken (`clip-2.mp4`). A refused
upload (too big, not media, interrupted) leaves nothing behind. Glossaries are checked by loading them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import secrets
import shutil
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from subtitler import glossary
from subtitler.adapters.media import probe
from subtitler.errors import SubtitlerError
from subtitler.inputs import MEDIA_EXTENSIONS
from subtitler.model import MediaInfo
from subtitler.outputs import atomic_path
from subtitler.studio import upload_presets
from subtitler.studio.state import GLOSSARIES, UPLOADS, Studio
from subtitler.watch.scan import is_input
from subtitler.watch.watcher import move_aside

MAX_GLOSSARY_BYTES = 1 << 20
MAX_NAME_BYTES = 200
log = logging.getLogger(__name__)
_SPARE_BYTES = 1 << 30  # an upload must leave this much of the disk free
_WRITE_BYTES = 1 << 20  # received bytes written in pieces of this size, off the event loop
_REFUSED_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_SUFFIXES = {"mov": ".mp4", "mp4": ".mp4", "matroska": ".mkv", "webm": ".webm", "avi": ".avi", "mp3": ".mp3", "wav": ".wav",
             "flac": ".flac", "ogg": ".ogg", "aiff": ".aiff", "mpegts": ".ts", "asf": ".wmv", "flv": ".flv"}  # fmt: skip


class UploadRefused(Exception):
    """An upload the studio does not take: the HTTP status and a message for a person."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def size_text(count: int) -> str:
    """A size as a person reads it: 8 GB, 1.1 MB, 35 MB."""
    if count >= 1 << 30:
        return f"{count / (1 << 30):.3g} GB"
    megabytes = count / (1 << 20)
    return f"{megabytes:.1f} MB".replace(".0 MB", " MB") if megabytes < 10 else f"{megabytes:.0f} MB"


def check_name(name: str) -> str:
    """A file name as sent, refused when it could be anything but one plain file name in one folder."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in (".", "..") or _REFUSED_NAME.search(name):
        raise UploadRefused(400, "a file name must not be empty, '..', or hold '/', '\\' or control characters")
    if name.startswith((".", "~$")):
        raise UploadRefused(400, f"{name[:80]}: a name starting with '.' or '~$' is a hidden or temporary file")
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise UploadRefused(400, f"{name[:60]}…: the file name is too long (at most {MAX_NAME_BYTES} bytes)")
    return name


class Slots:
    """At most `count` uploads received at the same time."""

    def __init__(self, count: int):
        self.count = count
        self.used = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def take(self) -> Iterator[None]:
        with self._lock:
            if self.used >= self.count:
                raise UploadRefused(429, f"{self.count} files are being received already: wait for them to finish")
            self.used += 1
        try:
            yield
        finally:
            with self._lock:
                self.used -= 1


def _check_room(studio: Studio, declared: int | None) -> None:
    limit = studio.max_upload_bytes
    if declared is not None and declared > limit:
        raise UploadRefused(413, f"this file is {size_text(declared)}: the studio takes files up to {size_text(limit)}")
    free = shutil.disk_usage(studio.root).free
    if free - (declared or 0) < _SPARE_BYTES:
        raise UploadRefused(507, f"not enough free disk space for this file ({size_text(free)} free)")


async def _receive(request: Request, temp: Path, limit: int) -> int:
    """The request's body into `temp` (made new, mode 600); its size. UploadRefused past `limit` bytes."""
    handle = os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    size, pending = 0, bytearray()
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise UploadRefused(413, f"this file is larger than {size_text(limit)}, the most the studio takes")
            pending += chunk
            if len(pending) >= _WRITE_BYTES:
                await run_in_threadpool(handle.write, bytes(pending))
                pending.clear()
        await run_in_threadpool(handle.write, bytes(pending))
        await run_in_threadpool(os.fsync, handle.fileno())
    except ClientDisconnect:
        raise UploadRefused(400, "the upload was interrupted") from None
    finally:
        handle.close()
    return size


def _probed(temp: Path, name: str) -> MediaInfo:
    try:
        media = probe(temp)
    except Exception as exc:  # SubtitlerError, or whatever a hostile file does to the demuxer: refused, not a server error
        log.debug("%s cannot be probed: %s", name, exc)
        raise UploadRefused(415, f"{name} is not a video or audio file that the studio can read") from None
    if not media.has_audio:
        raise UploadRefused(415, f"{name} has no sound: there is nothing to subtitle")
    return media


def media_name(name: str, media: MediaInfo) -> str:
    """`name`, with an extension the watcher takes when it has none (from what the probe found)."""
    if PurePosixPath(name).suffix.lower() in MEDIA_EXTENSIONS:
        return name
    first = media.container.split(",")[0]
    suffix = _SUFFIXES.get(first, ".mkv" if media.has_video else ".mka")
    if not media.has_video and suffix == ".mp4":
        suffix = ".m4a"
    return name + suffix


async def receive_media(request: Request, studio: Studio, slots: Slots, name: str, choice: upload_presets.Choice) -> Path:
    """One file from the request's body into the inbox folder of `choice`: its path there, or UploadRefused."""
    name = check_name(name)
    declared = request.headers.get("content-length")
    _check_room(studio, int(declared) if declared and declared.isdigit() else None)
    with slots.take():
        temp = studio.private / UPLOADS / f".{secrets.token_hex(8)}.part"
        try:
            size = await _receive(request, temp, studio.max_upload_bytes)
            if size == 0:
                raise UploadRefused(400, f"{name} is empty")
            media = await run_in_threadpool(_probed, temp, name)
            final = media_name(name, media)
            if not is_input(PurePosixPath(final)):
                raise UploadRefused(400, f"{final}: the watched folder does not take files named like this")
            inbox_folder = await run_in_threadpool(upload_presets.ensure, studio, choice)
            return await run_in_threadpool(move_aside, temp, studio.inbox / inbox_folder / final)
        finally:
            await asyncio.shield(run_in_threadpool(temp.unlink, True))


async def receive_glossary(request: Request, studio: Studio, name: str) -> tuple[str, int]:
    """A glossary (TOML or CSV), checked by loading it: its id and how many terms it holds, or UploadRefused."""
    name = check_name(name)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise UploadRefused(400, f"{name}: a glossary is a .toml or a .csv file")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_GLOSSARY_BYTES:
                raise UploadRefused(413, f"{name}: a glossary may hold at most {size_text(MAX_GLOSSARY_BYTES)}")
    except ClientDisconnect:
        raise UploadRefused(400, "the upload was interrupted") from None
    glossary_id = hashlib.sha256(bytes(body)).hexdigest()[:16]
    final = studio.private / GLOSSARIES / f"{glossary_id}{suffix}"
    return glossary_id, await run_in_threadpool(_keep_glossary, bytes(body), final, name)


def _keep_glossary(body: bytes, final: Path, name: str) -> int:
    with atomic_path(final) as temp:
        temp.write_bytes(body)
        try:
            terms = glossary.load(temp)
        except SubtitlerError as exc:
            raise UploadRefused(400, str(exc).replace(str(temp), name)) from None
        except Exception as exc:  # what a hostile file does to the CSV reader: refused, not a server error
            log.info("refused the glossary %s: %s", name, exc)
            raise UploadRefused(400, f"{name} cannot be read as a glossary") from None
        if not terms:
            raise UploadRefused(400, f"{name} holds no terms")
    return len(terms.terms)
