"""The one place that runs ffmpeg: argument lists, progress from `-progress pipe:1`, stderr kept."""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from subtitler.errors import FFmpegError

log = logging.getLogger(__name__)
STDERR_TAIL_CHARS = 2000


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """$SUBTITLER_FFMPEG, else ffmpeg on the PATH, else the static build that imageio-ffmpeg ships."""
    configured = os.environ.get("SUBTITLER_FFMPEG") or shutil.which("ffmpeg")
    if configured:
        return configured
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def media_arg(path: Path) -> str:
    """A path as an ffmpeg input/output argument: absolute and `file:`-prefixed, so that a name with
    a colon is never read as a protocol and one with a leading '-' never as an option."""
    return "file:" + str(Path(path).resolve())


def run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    on_progress: Callable[[float], None] | None = None,
    what: str = "ffmpeg",
    feed: Callable[[BinaryIO], None] | None = None,
) -> str:
    """Run ffmpeg with `args`; call `on_progress(media_seconds)` as it goes; return its stderr (where
    measuring filters such as ebur128 print); raise FFmpegError on failure.

    With `feed`, ffmpeg reads `pipe:0`, which `feed(stdin)` writes on a thread of its own; an error
    in `feed` stops ffmpeg and is raised here."""
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-y", "-progress", "pipe:1", *args]
    log.debug("running: %s", shlex.join(command))
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        stdin = subprocess.PIPE if feed else subprocess.DEVNULL
        process = subprocess.Popen(command, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=stderr, text=True)
        feeder, failure = _start_feeding(process, feed) if feed else (None, [])
        assert process.stdout is not None
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and on_progress and value.lstrip("-").isdigit():
                on_progress(max(0, int(value)) / 1e6)
        returncode = process.wait()
        if feeder is not None:
            feeder.join()
        if failure:
            raise failure[0]
        stderr.seek(0)
        text = stderr.read()
    if returncode != 0:
        tail = text[-STDERR_TAIL_CHARS:]
        raise FFmpegError(f"{what} failed: {failure_reason(text)}", command, tail, returncode)
    return text


# What the OS told ffmpeg, as ffmpeg prints it (strerror): said as itself, not hidden behind "Conversion failed!".
OS_ERRORS = ("No space left on device", "Disk quota exceeded", "Permission denied", "Read-only file system",
             "File too large", "Input/output error", "No such file or directory")  # fmt: skip


def failure_reason(stderr: str) -> str:
    """The line of ffmpeg's stderr that says why it failed: an OS error where there is one, else the last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    for reason in OS_ERRORS:
        if any(reason in line for line in lines):
            return reason.lower()
    return lines[-1] if lines else "no message"


def _start_feeding(
    process: subprocess.Popen[str], feed: Callable[[BinaryIO], None]
) -> tuple[threading.Thread, list[BaseException]]:
    failure: list[BaseException] = []

    def write() -> None:
        assert process.stdin is not None
        stdin = process.stdin.buffer  # binary, under the text wrapper
        try:
            feed(stdin)
        except BrokenPipeError:
            pass  # ffmpeg stopped reading: its own error says why
        except BaseException as exc:  # the frames could not be made: stop ffmpeg, report this instead
            failure.append(exc)
            process.kill()
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()

    thread = threading.Thread(target=write, name="ffmpeg-feed", daemon=True)
    thread.start()
    return thread, failure
