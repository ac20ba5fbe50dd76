"""Video frames through Python, as a stream: decoded with PyAV, turned to their displayed orientation
with square pixels, changed by a function on worker threads (upscaling), and written in order with
their own timestamps (variable frame rate kept) as NUT to a pipe that ffmpeg reads.

Never more than a few frames are held: decoding waits while `window` frames are in flight.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import cv2
import numpy as np

from subtitler.adapters.media import pyav_path
from subtitler.errors import MediaError
from subtitler.model import VideoInfo

log = logging.getLogger(__name__)
Transform = Callable[[np.ndarray], np.ndarray]


def upright(frame: np.ndarray, video: VideoInfo) -> np.ndarray:
    """An RGB frame as a player shows it: rotated by the display matrix, pixels made square."""
    turns = (-video.rotation // 90) % 4  # the display matrix turns counter-clockwise; np.rot90 too
    if turns:
        frame = np.ascontiguousarray(np.rot90(frame, k=(4 - turns) % 4))
    width, height = video.display_size
    if (frame.shape[1], frame.shape[0]) != (width, height):
        grow = width * height > frame.shape[0] * frame.shape[1]
        frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LANCZOS4 if grow else cv2.INTER_AREA)
    return frame


def decoded(path: Path) -> Iterator[tuple[np.ndarray, int | None, Fraction]]:
    """Every frame of the first video stream as RGB, with its pts and time base."""
    try:
        with av.open(pyav_path(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="rgb24"), frame.pts, frame.time_base or stream.time_base
    except av.error.FFmpegError as exc:
        raise MediaError(f"the video cannot be decoded ({exc})", str(path)) from exc


def write_frames(
    path: Path,
    video: VideoInfo,
    make_transform: Callable[[], Transform],
    out: BinaryIO,
    workers: int,
    on_progress: Callable[[float], None] | None = None,
) -> int:
    """Decode `path`, make each frame upright, transform it on `workers` threads (one transform each,
    from `make_transform`), and write the frames in order as NUT rawvideo to `out`. Returns the count."""
    local = threading.local()

    def work(frame: np.ndarray) -> np.ndarray:
        if not hasattr(local, "transform"):
            local.transform = make_transform()
        return local.transform(upright(frame, video))

    muxer = av.open(out, mode="w", format="nut")
    stream = None
    pending: deque[tuple[Future[np.ndarray], int | None, Fraction]] = deque()
    count = 0

    def flush_one() -> None:
        nonlocal stream, count
        future, pts, time_base = pending.popleft()
        result = future.result()
        if stream is None:
            stream = muxer.add_stream("rawvideo", rate=Fraction(video.fps or 25).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = result.shape[1], result.shape[0], "rgb24"
            stream.time_base = time_base
        frame = av.VideoFrame.from_ndarray(result, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        for packet in stream.encode(frame):
            muxer.mux(packet)
        count += 1
        if on_progress and pts is not None:
            on_progress(float(pts * time_base))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upscale") as pool:
        for frame, pts, time_base in decoded(path):
            pending.append((pool.submit(work, frame), pts, time_base))
            if len(pending) >= 2 * workers:
                flush_one()
        while pending:
            flush_one()
    if stream is not None:
        for packet in stream.encode(None):
            muxer.mux(packet)
    muxer.close()
    return count
