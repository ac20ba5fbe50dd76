"""Shared fixtures: real media from ../shared/data, clips made with ffmpeg, the real base model."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SUBTITLER_SHARED", REPO.parent / "shared")) / "data"
# The super-resolution models the tests use: ../shared/models/superres (never copied into the repository).
os.environ.setdefault("SUBTITLER_SUPERRES_PATH", str(SHARED.parent / "models" / "superres"))
AUDIO = SHARED / "audio"
VIDEO = SHARED / "video"

# One model cache for the whole session, outside the user's home.
os.environ.setdefault("SUBTITLER_HOME", tempfile.mkdtemp(prefix="subtitler-test-home-"))
# Argos packages: only the ones a test installs, never the user's.
os.environ["ARGOS_PACKAGES_DIR"] = tempfile.mkdtemp(prefix="subtitler-test-argos-")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not SHARED.is_dir():
        skip = pytest.mark.skip(reason=f"shared test media not found at {SHARED}")
        for item in items:
            if "shared" in item.fixturenames:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


def ffmpeg(*args: str) -> None:
    from subtitler.adapters.ffmpeg import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def invoke(*args: str) -> tuple[int, str]:
    """The real command line, in-process and quiet: (exit code, what it printed); a bug's exception is raised."""
    from click.testing import CliRunner

    from subtitler.cli import main

    result = CliRunner().invoke(main, [*args, "--quiet"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The first decoded frame at or after `seconds`, as RGB (int16, to subtract)."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds} s in {path}")


def words_of(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate by edit distance over normalised words."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


@pytest.fixture(scope="session")
def base_model():
    from subtitler import model_store

    return model_store.resolve("base", allow_download=False)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_video(media_dir: Path, shared: Path) -> Path:
    """11 s of a moving test picture with JFK's speech, H.264 + AAC in MP4."""
    path = media_dir / "talk.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-i", str(AUDIO / "en/jfk.flac"), "-t", "11",
           "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))  # fmt: skip
    return path


def picture_under_speech(video: Path, output: Path, *extra: str) -> Path:
    """A real clip's picture (and `extra` maps), looped and copied, under JFK's 11 s of speech."""
    ffmpeg("-stream_loop", "5", "-i", str(video), "-i", str(AUDIO / "en/jfk.flac"), "-map", "0:v", *extra,
           "-map", "1:a", "-c:v", "copy", "-c:s", "copy", "-c:a", "aac", "-t", "11", str(output))  # fmt: skip
    return output


@pytest.fixture(scope="session")
def portrait_video(media_dir: Path, shared: Path) -> Path:
    """The real iPhone clip (stored 568x320, rotation -90)."""
    return picture_under_speech(VIDEO / "iphone_portrait_rotated.mov", media_dir / "portrait.mov")


@pytest.fixture(scope="session")
def anamorphic_video(media_dir: Path, shared: Path) -> Path:
    """The real SAR 2:3 clip."""
    return picture_under_speech(VIDEO / "sar_2by3.mp4", media_dir / "anamorphic.mp4")
