"""PyAV at the edge: probe a media file, decode its audio to 16 kHz mono for Whisper."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from subtitler.errors import MediaError, NoAudioError
from subtitler.model import MediaInfo, StreamInfo, VideoInfo

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000


def pyav_path(path: Path) -> str:
    """A path as PyAV opens it: absolute and `file:`-prefixed, so that a name with a colon is never
    read as a protocol (undecodable bytes in a name are fine: PyAV encodes them back)."""
    return "file:" + os.path.abspath(path)


def _open(path: Path) -> av.container.InputContainer:
    try:
        info = os.stat(path)  # follows links: a loop or a dangling link fails here, with its reason
    except OSError as exc:
        raise MediaError(_os_reason(exc), str(path)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise MediaError("not a file", str(path))
    if info.st_size == 0:
        raise MediaError("the file is empty (0 bytes)", str(path))
    try:
        return av.open(pyav_path(path), metadata_errors="replace")
    except PermissionError as exc:
        raise MediaError("permission denied", str(path)) from exc
    except (av.error.FFmpegError, UnicodeDecodeError, OSError) as exc:
        raise MediaError(f"not a media file that can be read ({exc.__class__.__name__})", str(path)) from exc


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return (exc.strerror or exc.__class__.__name__).lower()


def _rotation(container: av.container.InputContainer, stream: av.VideoStream) -> int:
    """Rotation from the display matrix, read off the first decoded frame."""
    try:
        for frame in container.decode(stream):
            return round(getattr(frame, "rotation", 0) or 0)
    except av.error.FFmpegError:
        return 0
    return 0


# ffmpeg's own names (av_color_space_name etc.) for the values a stream's header or bitstream can tag; what is
# not here (unspecified, reserved) is left "" and guessed where it is used.
COLOUR_SPACES = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco", 9: "bt2020nc",
                 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c", 14: "ictcp"}  # fmt: skip
COLOUR_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
                    10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}  # fmt: skip
COLOUR_TRANSFERS = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100",
                    10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10",
                    15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}  # fmt: skip
COLOUR_RANGES = {1: "tv", 2: "pc"}


def _colour(stream: av.VideoStream) -> dict[str, str]:
    """The colour tags of a video stream (what its container or bitstream says; "" where nothing does). A
    full-range pixel format (yuvj420p) is full range, and an RGB one has no Y'CbCr matrix, tagged or not."""
    context = stream.codec_context
    pixels = context.format
    space = COLOUR_SPACES.get(context.colorspace, "")
    colour_range = COLOUR_RANGES.get(context.color_range, "")
    if pixels is not None and pixels.is_rgb:
        space, colour_range = "gbr", colour_range or "pc"
    elif pixels is not None and pixels.name.startswith("yuvj"):
        colour_range = colour_range or "pc"
    return {
        "colour_space": space,
        "colour_primaries": COLOUR_PRIMARIES.get(context.color_primaries, ""),
        "colour_transfer": COLOUR_TRANSFERS.get(context.color_trc, ""),
        "colour_range": colour_range,
    }


def _is_cover_art(stream: av.stream.Stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def probe(path: Path) -> MediaInfo:
    with _open(path) as container:
        streams = tuple(
            StreamInfo(
                index=s.index,
                kind=s.type if s.type in ("video", "audio", "subtitle", "attachment") else "data",
                codec=(s.codec_context.name if s.codec_context else None)
                or (s.codec.name if getattr(s, "codec", None) else "unknown"),
                language=s.metadata.get("language") or s.metadata.get("LANGUAGE"),
                title=s.metadata.get("title") or s.metadata.get("TITLE") or s.metadata.get("name"),
            )
            for s in container.streams
        )
        video_streams = [s for s in container.streams.video if not _is_cover_art(s)]
        audio_streams = list(container.streams.audio)
        if not video_streams and not audio_streams:
            raise MediaError("holds no audio or video stream", str(path))
        video = None
        if video_streams:
            vs = video_streams[0]
            rate = vs.average_rate or vs.guessed_rate or vs.base_rate
            sar = vs.sample_aspect_ratio or vs.codec_context.sample_aspect_ratio
            video = VideoInfo(
                width=vs.codec_context.width,
                height=vs.codec_context.height,
                fps=float(rate) if rate else 0.0,
                rotation=_rotation(container, vs),
                sar=float(sar) if sar else 1.0,
                **_colour(vs),
            )
            if video.width <= 0 or video.height <= 0:
                raise MediaError("the video stream has no picture size", str(path))
        duration = container.duration / 1e6 if container.duration else 0.0
        if not duration:
            durations = [float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base]
            duration = max(durations, default=0.0)
        stat = path.stat()
        return MediaInfo(
            path=str(path),
            container=container.format.name,
            duration=duration,
            size_bytes=stat.st_size,
            mtime=stat.st_mtime,
            streams=streams,
            video=video,
            audio_codec=audio_streams[0].codec_context.name if audio_streams else None,
        )


class _SampleBuffer:
    """Samples appended into one float32 array that grows by doubling, so the audio is never
    held twice over as a list of chunks plus their concatenation."""

    def __init__(self, expected: int):
        self.data = np.empty(max(expected, SAMPLE_RATE), dtype=np.float32)
        self.size = 0

    def append(self, samples: np.ndarray) -> None:
        end = self.size + len(samples)
        if end > len(self.data):
            grown = np.empty(max(end, 2 * len(self.data)), dtype=np.float32)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = samples
        self.size = end

    def result(self, scale: float = 1.0) -> np.ndarray:
        """The samples, each multiplied by `scale` in place."""
        samples = self.data[: self.size]
        if scale != 1.0:
            samples *= np.float32(scale)
        return samples


def decode_audio(path: Path, on_progress: Callable[[float], None] | None = None, expected_seconds: float = 0.0) -> np.ndarray:
    """The first audio stream as mono at 16 kHz, decoded and resampled as a stream to 16-bit samples, given as
    float32 between -1 and 1.

    Through 16-bit integers, as Whisper hears audio: OpenAI's loader (ffmpeg's s16le) and faster-whisper's (PyAV's
    s16) both decode to 16-bit samples, so a decoded MP3 that goes past full scale is clipped there too. The
    samples are the same, bit for bit, as faster-whisper's `decode_audio` (tests/test_transcribe.py);
    `benchmark/samples.py` compares them with float32 straight from the decoder (README, Benchmark)."""
    buffer = _SampleBuffer(int((expected_seconds + 1) * SAMPLE_RATE))
    with _open(path) as container:
        if not container.streams.audio:
            raise NoAudioError("has no audio stream, so there is nothing to transcribe", str(path))
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    log.debug("skipping a damaged audio packet at %s", packet.pts)
                    continue
                for frame in frames:
                    for out in resampler.resample(frame):
                        buffer.append(out.to_ndarray().reshape(-1))
                    if on_progress and frame.time is not None:
                        on_progress(frame.time)
            for out in resampler.resample(None):
                buffer.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise MediaError(f"the audio cannot be decoded ({exc})", str(path)) from exc
    if not buffer.size:
        raise NoAudioError("the audio stream holds no samples", str(path))
    return buffer.result(scale=1 / 32768)
