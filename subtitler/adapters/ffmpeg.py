"""The one place that runs ffmpeg: argument lists, progress from `-progress pipe:1`, stderr kept; and the test
encode that tells, before any work, whether a video encoder (NVENC above all) works here."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path
from typing import BinaryIO

from subtitler import choices
from subtitler.errors import FFmpegError, UsageError
from subtitler.options import EncodeOptions

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


# A tenth of a second of a flat picture: enough for an encoder to open, which is where a missing GPU, driver or
# free NVENC session shows. The first use of a GPU can take seconds; a driver that hangs must not hang the run.
TEST_PICTURE = ("-f", "lavfi", "-i", "color=size=256x256:duration=0.1")
TEST_ENCODE_SECONDS = 60
# The NVIDIA driver's library that ffmpeg's NVENC encoders load first. Where the dynamic loader cannot load it,
# NVENC cannot open, and ffmpeg says so in these words: no test encode is needed to know it (about 15 ms a run).
NVENC_DRIVER = "libcuda.so.1"


def _driver_missing(codec: str) -> bool:
    """Whether `codec` is NVENC and the NVIDIA driver cannot be loaded here (Linux; elsewhere the test encode tells)."""
    if codec not in choices.NVENC_CODECS or not sys.platform.startswith("linux"):
        return False
    try:
        ctypes.CDLL(NVENC_DRIVER)
    except OSError:
        return True
    return False


@cache
def encoder_failure(codec: str, pixel_format: str = "yuv420p") -> str | None:
    """None when ffmpeg encodes a test picture with `codec` in `pixel_format` here, else why not, in ffmpeg's
    words ("Cannot load libcuda.so.1"); tried once per process."""
    if _driver_missing(codec):
        return f"Cannot load {NVENC_DRIVER}"
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-v", "error", *TEST_PICTURE,
               "-c:v", codec, "-pix_fmt", pixel_format, "-f", "null", "-"]  # fmt: skip
    log.debug("test encode: %s", shlex.join(command))
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                              timeout=TEST_ENCODE_SECONDS)  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"a test encode did not end in {TEST_ENCODE_SECONDS} s"
    except OSError as exc:
        return f"ffmpeg cannot be run ({exc})"
    return None if done.returncode == 0 else encoder_complaint(done.stderr, codec)


def encoder_complaint(stderr: str, codec: str) -> str:
    """The encoder's own first complaint in ffmpeg's stderr, else its first line, without the "[h264_nvenc @ 0x...]"
    prefixes."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    own = [line for line in lines if line.startswith(f"[{codec} @")]
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", (own or lines or ["no message"])[0]) or "no message"


def resolve_encoder(encode: EncodeOptions) -> EncodeOptions:
    """The encode options with a codec that works here, tried by a test encode before any work: `auto` becomes
    h264_nvenc, or libx264 with one warning saying why not; a codec named that cannot encode here is a UsageError."""
    if encode.video_codec == choices.AUTO_CODEC:
        return replace(encode, video_codec=_auto_codec(encode.pixel_format))
    failure = encoder_failure(encode.video_codec, encode.pixel_format)
    if failure:
        raise UsageError(_cannot_encode(encode.video_codec, failure))
    return encode


@cache
def _auto_codec(pixel_format: str) -> str:
    """The GPU encoder of `auto` if it encodes here, else its CPU encoder (warned once per process)."""
    gpu, cpu = choices.AUTO_CODECS
    failure = encoder_failure(gpu, pixel_format)
    if failure is None:
        return gpu
    failed_too = encoder_failure(cpu, pixel_format)
    if failed_too:
        raise UsageError(_cannot_encode(cpu, failed_too))
    log.warning('[encode] video_codec = "auto": %s cannot encode here (%s), so the video is encoded with %s on the CPU',
                gpu, failure, cpu)  # fmt: skip
    return cpu


def _cannot_encode(codec: str, failure: str) -> str:
    message = f'[encode] video_codec = "{codec}" cannot encode here: {failure}'
    if codec in choices.NVENC_CODECS:
        message += f' (NVENC needs an NVIDIA GPU that has it, and its driver; "auto" falls back to {choices.AUTO_CODECS[-1]})'
    return message
