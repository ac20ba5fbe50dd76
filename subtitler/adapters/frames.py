"""Video frames through Python, as a stream: decoded with PyAV, turned to their displayed orientation
with square pixels, changed by a function on worker threads (upscaling), and written in order with
their own timestamps (variable frame rate kept) as NUT to a pipe that ffmpeg reads.

Never more than a few frames are held: decoding waits while `window` frames are in flight.

Colour: the frames stay in their own Y'CbCr, as 4:2:0 planes, from the decoder to ffmpeg: no matrix
is applied in between, so none can be the wrong one, and nothing is rounded through RGB (swscale's fast
YUV-to-RGB path alone darkens real footage by 1 to 1.4 levels; its RGB-to-YUV writes full-range chroma
up to a level low). A picture that is not 8-bit 4:2:0 is brought to it in its own matrix and range (an
RGB one into the matrix and range the caller gives). ffmpeg then only tags the frames
(`ffmpeg_args.piped_chain`). `to_rgb` reads a frame as a player shows it, for measuring.
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
from av.video.reformatter import ColorRange, Colorspace, Interpolation

from subtitler.adapters.media import pyav_path
from subtitler.errors import MediaError
from subtitler.model import VideoInfo

log = logging.getLogger(__name__)
Planes = tuple[np.ndarray, np.ndarray, np.ndarray]  # Y', Cb, Cr, uint8, the chroma at half the width and height
Transform = Callable[[Planes], Planes]

# ffmpeg's name of a Y'CbCr matrix -> swscale's; the caller resolves untagged sources to one of these.
MATRICES = {"bt709": Colorspace.ITU709, "smpte170m": Colorspace.ITU601, "bt470bg": Colorspace.ITU601,
            "fcc": Colorspace.FCC, "smpte240m": Colorspace.SMPTE240M, "bt2020nc": Colorspace.BT2020}  # fmt: skip
RANGES = {"tv": ColorRange.MPEG, "pc": ColorRange.JPEG}
# Accurate rounding and full chroma interpolation: swscale's fast path is biased (about a level darker).
ACCURATE = Interpolation.BICUBIC | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT


def upright(image: np.ndarray, video: VideoInfo, size: tuple[int, int] | None = None) -> np.ndarray:
    """An image (a frame, or one plane of it) as a player shows it: rotated by the display matrix, then resized
    to `size` (width, height; the displayed size by default), which makes the pixels square."""
    turns = (-video.rotation // 90) % 4  # the display matrix turns counter-clockwise; np.rot90 too
    if turns:
        image = np.ascontiguousarray(np.rot90(image, k=(4 - turns) % 4))
    width, height = size or video.display_size
    if (image.shape[1], image.shape[0]) != (width, height):
        grow = width * height > image.shape[0] * image.shape[1]
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LANCZOS4 if grow else cv2.INTER_AREA)
    return image


def upright_planes(planes: Planes, video: VideoInfo) -> Planes:
    """A frame's Y'CbCr planes as a player shows the picture (see `upright`), the chroma at half its size."""
    width, height = video.display_size
    half = ((width + 1) // 2, (height + 1) // 2)
    luma, cb, cr = planes
    return upright(luma, video), upright(cb, video, half), upright(cr, video, half)


def ycbcr_planes(frame: av.VideoFrame, matrix: str, colour_range: str) -> Planes:
    """A decoded frame's 8-bit 4:2:0 planes in `matrix` and `colour_range` (ffmpeg's names): the frame's own
    when it is 8-bit 4:2:0 already (then read as it is coded, converted by nothing), else converted by swscale
    with the same matrix and range on both sides; an RGB frame is converted into them."""
    if frame.format.name not in ("yuv420p", "yuvj420p"):
        same = {"src_colorspace": MATRICES[matrix], "src_color_range": RANGES[colour_range]}
        frame = frame.reformat(format="yuv420p", dst_colorspace=MATRICES[matrix], dst_color_range=RANGES[colour_range],
                               interpolation=ACCURATE, **({} if frame.format.is_rgb else same))  # fmt: skip
    return tuple(_plane(frame, index) for index in range(3))  # type: ignore[return-value]


def _plane(frame: av.VideoFrame, index: int) -> np.ndarray:
    plane = frame.planes[index]
    rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return np.ascontiguousarray(rows[:, : plane.width])


def to_rgb(frame: av.VideoFrame, matrix: str = "", colour_range: str = "") -> np.ndarray:
    """A decoded frame as RGB, read with `matrix` and `colour_range` (ffmpeg's names; "" = as the frame is tagged,
    which swscale takes as BT.601 limited when it is not), accurately: what a player shows, for measuring."""
    if frame.format.is_rgb:
        return frame.to_ndarray(format="rgb24")
    rgb = frame.reformat(
        format="rgb24",
        src_colorspace=MATRICES.get(matrix),
        src_color_range=RANGES.get(colour_range),
        dst_color_range=ColorRange.JPEG,
        interpolation=ACCURATE,
    )
    return rgb.to_ndarray()


def decoded(path: Path) -> Iterator[tuple[av.VideoFrame, int | None, Fraction]]:
    """Every frame of the first video stream, with its pts and time base."""
    try:
        with av.open(pyav_path(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                yield frame, frame.pts, frame.time_base or stream.time_base
    except av.error.FFmpegError as exc:
        raise MediaError(f"the video cannot be decoded ({exc})", str(path)) from exc


def even_planes(planes: Planes) -> Planes:
    """The planes cut to an even width and height (yuv420p needs them), the chroma to half of those."""
    luma, cb, cr = planes
    height, width = luma.shape[0] // 2 * 2, luma.shape[1] // 2 * 2
    return luma[:height, :width], cb[: height // 2, : width // 2], cr[: height // 2, : width // 2]


def _yuv420p(planes: Planes) -> av.VideoFrame:
    luma, cb, cr = planes
    packed = np.concatenate([luma.ravel(), cb.ravel(), cr.ravel()]).reshape(-1, luma.shape[1])
    return av.VideoFrame.from_ndarray(packed, format="yuv420p")


def write_frames(
    path: Path,
    video: VideoInfo,
    make_transform: Callable[[], Transform],
    out: BinaryIO,
    workers: int,
    on_progress: Callable[[float], None] | None = None,
    *,
    matrix: str,
    colour_range: str,
) -> int:
    """Decode `path`, take each frame's Y'CbCr planes (see `ycbcr_planes`: `matrix` and `colour_range` are the
    source's), make them upright, transform them on `workers` threads (one transform each, from
    `make_transform`), and write the frames in order as NUT rawvideo (yuv420p, even-sized) to `out`. Returns the
    count."""
    local = threading.local()

    def work(frame: av.VideoFrame) -> Planes:
        if not hasattr(local, "transform"):
            local.transform = make_transform()
        planes = upright_planes(ycbcr_planes(frame, matrix, colour_range), video)
        return even_planes(local.transform(planes))

    muxer = av.open(out, mode="w", format="nut")
    stream = None
    pending: deque[tuple[Future[Planes], int | None, Fraction]] = deque()
    count = 0

    def flush_one() -> None:
        nonlocal stream, count
        future, pts, time_base = pending.popleft()
        result = future.result()
        if stream is None:
            stream = muxer.add_stream("rawvideo", rate=Fraction(video.fps or 25).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = result[0].shape[1], result[0].shape[0], "yuv420p"
            stream.time_base = time_base
        frame = _yuv420p(result)
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
