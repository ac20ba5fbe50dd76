"""Shots, faces and text already in the picture, for placing burned subtitles clear of them (PyAV, OpenCV).

Frames are sampled 4 times a second, made upright with square pixels and small. A shot ends where the
colour histograms of two samples differ (a cheap cut detector). Twice a second, and at the start of each
shot, a sample is searched for lines of text (burned-in titles, timecodes: strong edges joined along a line,
with the geometry of a line of characters); once a second, and at the start of each shot, for faces (OpenCV's
Haar cascades: frontal, and profiles both ways). A detector misses or errs on single frames, so a shot keeps
only what at least two of its searched samples agree on (one, in a shot that short). Boxes are shares of the
upright picture, so they hold at any size.

OpenCV is imported by the functions that use it, not with this module, which every burn path imports: a run
that analyses nothing does not pay for loading it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from subtitler.adapters.media import pyav_path
from subtitler.errors import MediaError, ModelError
from subtitler.model import VideoInfo

if TYPE_CHECKING:
    import cv2

log = logging.getLogger(__name__)

SAMPLE_FPS = 4.0  # samples a second, for the cut detector; every other one is searched for text
FACE_EVERY = 4  # and every fourth for faces (once a second: the cascades cost most)
CUT_DISTANCE = 0.3  # Bhattacharyya distance between two samples' hue-saturation histograms: a cut above it
ANALYSIS_HEIGHT = 360  # the height samples are searched at (text); faces at FACE_HEIGHT
FACE_HEIGHT = 240
MIN_FACE = 0.1  # of the picture height: smaller faces are not looked for
# A line of text: this tall (of the picture height), at least LINE_ASPECT times as wide as tall, its box
# mostly made of strong edges (contrast EDGE_MIN of 255 at least).
LINE_HEIGHT = (0.025, 0.12)
LINE_ASPECT = 4.0
LINE_FILL = 0.5
EDGE_MIN = 80
VERSION = 2  # of what `analyse` finds: a change redoes kept analyses
# Where OpenCV's Haar cascades are: its own wheels up to 4.x, then Debian's opencv-data and a source build.
CASCADE_FOLDERS = ("/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades", "/usr/local/share/opencv4/haarcascades")
CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


@dataclass(frozen=True)
class Box:
    """A rectangle as shares of the upright picture: left, top, width, height."""

    x: float
    y: float
    width: float
    height: float

    def overlap(self, other: Box) -> float:
        """The area the two share, as a share of the picture."""
        width = min(self.x + self.width, other.x + other.width) - max(self.x, other.x)
        height = min(self.y + self.height, other.y + other.height) - max(self.y, other.y)
        return max(0.0, width) * max(0.0, height)

    def union(self, other: Box) -> Box:
        x, y = min(self.x, other.x), min(self.y, other.y)
        right, bottom = max(self.x + self.width, other.x + other.width), max(self.y + self.height, other.y + other.height)
        return Box(x, y, right - x, bottom - y)


@dataclass(frozen=True)
class Shot:
    """From one cut to the next (seconds from the start, as the burn's timeline counts), and what is in it."""

    start: float
    end: float
    faces: tuple[Box, ...] = ()
    text: tuple[Box, ...] = ()


def cascade_folder() -> Path | None:
    """The folder holding OpenCV's Haar face cascades, None when none is installed."""
    import cv2

    bundled = getattr(getattr(cv2, "data", None), "haarcascades", "")
    for folder in (bundled, *CASCADE_FOLDERS):
        if folder and all((Path(folder) / name).is_file() for name in CASCADES):
            return Path(folder)
    return None


@lru_cache(maxsize=1)
def _cascades() -> tuple[cv2.CascadeClassifier, cv2.CascadeClassifier]:
    import cv2

    folder = cascade_folder()
    if folder is None:
        raise ModelError("OpenCV's Haar face cascades are not installed (Debian: apt-get install opencv-data)")
    return cv2.CascadeClassifier(str(folder / CASCADES[0])), cv2.CascadeClassifier(str(folder / CASCADES[1]))


def faces(gray: np.ndarray) -> list[Box]:
    """Faces in an upright grey picture: frontal, and in profile looking either way."""
    import cv2

    frontal, profile = _cascades()
    small = _resized(gray, FACE_HEIGHT)
    small = cv2.equalizeHist(small)
    height, width = small.shape
    size = (max(24, round(height * MIN_FACE)),) * 2
    found = [tuple(b) for b in frontal.detectMultiScale(small, 1.15, 5, minSize=size)]
    found += [tuple(b) for b in profile.detectMultiScale(small, 1.15, 5, minSize=size)]
    found += [(width - x - w, y, w, h) for x, y, w, h in profile.detectMultiScale(cv2.flip(small, 1), 1.15, 5, minSize=size)]
    return [Box(float(x) / width, float(y) / height, float(w) / width, float(h) / height) for x, y, w, h in found]


def text_lines(gray: np.ndarray) -> list[Box]:
    """Lines of text in an upright grey picture: strong edges (a morphological gradient) joined along a line
    into bands as tall as characters, many times as wide as tall, mostly edge."""
    import cv2

    height, width = gray.shape
    gradient = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    edges = (gradient >= EDGE_MIN).astype(np.uint8)
    joined = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((1, max(3, height // 40)), np.uint8))
    joined = cv2.morphologyEx(joined, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # cuts thin links to the scene
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=4)
    lines = []
    for x, y, w, h, area in stats[1:count]:
        tall = LINE_HEIGHT[0] * height <= h <= LINE_HEIGHT[1] * height
        if tall and LINE_ASPECT * h <= w <= 0.9 * width and area >= LINE_FILL * w * h:
            lines.append(Box(float(x) / width, float(y) / height, float(w) / width, float(h) / height))
    return lines


def _resized(gray: np.ndarray, height: int) -> np.ndarray:
    import cv2

    if gray.shape[0] <= height:
        return gray
    width = max(1, round(gray.shape[1] * height / gray.shape[0]))
    return cv2.resize(gray, (width, height), interpolation=cv2.INTER_AREA)


def _histogram(rgb: np.ndarray) -> np.ndarray:
    import cv2

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    histogram = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    return cv2.normalize(histogram, histogram, 1, 0, cv2.NORM_L1)


@dataclass
class _Sample:
    time: float
    cut: bool  # the first sample of a shot
    faces: list[Box] | None = None  # None: not searched
    text: list[Box] | None = None


def _sizes(video: VideoInfo) -> tuple[int, int, int]:
    """The size to scale stored frames to (before turning them upright), and the quarter turns to make."""
    width, height = video.display_size
    if height > ANALYSIS_HEIGHT:
        width, height = max(2, round(width * ANALYSIS_HEIGHT / height)), ANALYSIS_HEIGHT
    turns = (-video.rotation // 90) % 4  # as adapters.frames.upright: the display matrix turns counter-clockwise
    return (height, width, turns) if turns % 2 else (width, height, turns)


def _samples(
    path: Path, video: VideoInfo, on_progress: Callable[[float], None] | None
) -> Iterator[tuple[float, np.ndarray, np.ndarray]]:
    """(time, upright grey frame, tiny RGB frame) SAMPLE_FPS times a second, times counted from the file's start."""
    width, height, turns = _sizes(video)
    try:
        with av.open(pyav_path(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            offset = (container.start_time or 0) / 1e6
            due = 0.0
            for frame in container.decode(stream):
                if frame.time is None or frame.time - offset < due:
                    continue
                time = frame.time - offset
                due = (int(time * SAMPLE_FPS) + 1) / SAMPLE_FPS
                gray = np.rot90(frame.to_ndarray(width=width, height=height, format="gray"), k=(4 - turns) % 4)
                rgb = np.rot90(frame.to_ndarray(width=64, height=36, format="rgb24"), k=(4 - turns) % 4)
                if on_progress:
                    on_progress(time)
                yield time, np.ascontiguousarray(gray), np.ascontiguousarray(rgb)
    except av.error.FFmpegError as exc:
        raise MediaError(f"the video cannot be decoded for placing the subtitles ({exc})", str(path)) from exc


def analyse(
    path: Path, video: VideoInfo, duration: float, kinds: tuple[str, ...], on_progress: Callable[[float], None] | None = None
) -> tuple[Shot, ...]:
    """The video's shots, each with the faces and the lines of text (as `kinds` asks: "faces", "text") seen in it."""
    import cv2

    samples: list[_Sample] = []
    previous = None
    for number, (time, gray, rgb) in enumerate(_samples(path, video, on_progress)):
        histogram = _histogram(rgb)
        cut = previous is None or cv2.compareHist(previous, histogram, cv2.HISTCMP_BHATTACHARYYA) > CUT_DISTANCE
        previous = histogram
        sample = _Sample(time, cut)
        if cut or number % 2 == 0:
            sample.text = text_lines(gray) if "text" in kinds else []
        if cut or number % FACE_EVERY == 0:
            sample.faces = faces(gray) if "faces" in kinds else []
        samples.append(sample)
    log.debug("%s: %d samples, %d shots", path.name, len(samples), sum(s.cut for s in samples))
    return _shots(samples, duration)


def _shots(samples: list[_Sample], duration: float) -> tuple[Shot, ...]:
    """The samples grouped by shot; a shot starts halfway between its first sample and the one before."""
    starts = [k for k, sample in enumerate(samples) if sample.cut]
    shots = []
    for number, first in enumerate(starts):
        last = starts[number + 1] if number + 1 < len(starts) else len(samples)
        group = samples[first:last]
        start = 0.0 if first == 0 else (samples[first - 1].time + samples[first].time) / 2
        end = duration if last == len(samples) else (samples[last - 1].time + samples[last].time) / 2
        found_faces = _agreed([s.faces for s in group if s.faces is not None])
        found_text = _agreed([s.text for s in group if s.text is not None])
        shots.append(Shot(round(start, 3), round(max(end, start), 3), found_faces, found_text))
    return tuple(shots)


def _agreed(per_sample: list[list[Box]]) -> tuple[Box, ...]:
    """The boxes seen in at least two samples (one, if fewer were searched), overlapping ones joined."""
    need = min(2, len(per_sample))
    kept = []
    for number, boxes in enumerate(per_sample):
        for box in boxes:
            seen = 1 + sum(
                any(_same(box, other) for other in others) for k, others in enumerate(per_sample) if k != number
            )
            if seen >= need:
                kept.append(box)
    return _joined(kept)


def _same(a: Box, b: Box) -> bool:
    """The same thing in two samples: the boxes share half of the smaller one."""
    return a.overlap(b) >= 0.5 * min(a.width * a.height, b.width * b.height)


def _joined(boxes: list[Box]) -> tuple[Box, ...]:
    joined: list[Box] = []
    for box in boxes:
        for k, other in enumerate(joined):
            if box.overlap(other) > 0:
                joined[k] = other.union(box)
                break
        else:
            joined.append(box)
    if len(joined) < len(boxes):
        return _joined(joined)  # a union can now touch another
    return tuple(round_box(b) for b in joined)


def round_box(box: Box) -> Box:
    return Box(round(box.x, 4), round(box.y, 4), round(box.width, 4), round(box.height, 4))
