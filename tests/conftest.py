"""Shared fixtures: real media from ../shared/data, clips made with ffmpeg, the real base model."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.waiting import wait_until as wait_until  # the tests import it from here

REPO = Path(__file__).resolve().parents[1]
# ../shared, or the folder $SUBTITLER_SHARED names: media in data/, super-resolution models in models/.
SHARED_ROOT = Path(os.environ.get("SUBTITLER_SHARED", REPO.parent / "shared"))
SHARED = SHARED_ROOT / "data"
SUPERRES = SHARED_ROOT / "models" / "superres"
# The super-resolution models the tests use (never copied into the repository).
os.environ.setdefault("SUBTITLER_SUPERRES_PATH", str(SUPERRES))
AUDIO = SHARED / "audio"
VIDEO = SHARED / "video"

# One model cache for the whole session, outside the user's home.
os.environ.setdefault("SUBTITLER_HOME", tempfile.mkdtemp(prefix="subtitler-test-home-"))
# Argos packages: only the ones a test installs, never the user's.
os.environ["ARGOS_PACKAGES_DIR"] = tempfile.mkdtemp(prefix="subtitler-test-argos-")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


# Under CI a test never skips for want of something the tests need (shared media, a model, a tool, an
# engine): CI would be green while testing nothing. .ci/run sets SUBTITLER_REQUIRE_ENGINES.
REQUIRE_ALL = _flag("CI") or _flag("SUBTITLER_REQUIRE_ENGINES")


def need(available: bool, what: str) -> None:
    """Go on if `available`; else skip with `what` as the reason, or fail with it under CI."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{what} (CI or SUBTITLER_REQUIRE_ENGINES is set: this fails instead of skipping)", pytrace=False)
    pytest.skip(what)


def needs(available: bool, what: str) -> pytest.MarkDecorator:
    """`need` as a mark, for a decorator or a module's `pytestmark`: checked before the test's fixtures."""
    if REQUIRE_ALL:
        return pytest.mark.needs(available, what)
    return pytest.mark.skipif(not available, reason=what)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(available, what): under CI, fail the test unless `available`")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        need(*mark.args)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared media: ask for it in every test (or fixture) that reads AUDIO or VIDEO."""
    need(SHARED.is_dir(), f"shared test media not found at {SHARED} (SUBTITLER_SHARED names the folder holding data/)")
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
    from subtitler import fetch, model_store

    entry = model_store.manifest()["base"]
    installed = model_store.is_model_folder(fetch.models_home() / "base") or any(
        model_store.source_installed(source) for source in entry.offline
    )
    need(installed, f"the Whisper base model is not installed ({model_store.install_hint(entry)})")
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


# -- the studio: a real server (`subtitler studio`) on 127.0.0.1 at a free port, and a real headless Chromium --
STUDIO_START_S = 90  # the studio checks the model and the encoder before it listens
STUDIO_STOP_S = 60


@dataclasses.dataclass
class StudioServer:
    """A `subtitler studio DIR` process: `url` ends with "/", `token` is None unless one is required."""

    root: Path
    url: str
    token: str | None
    process: subprocess.Popen[bytes]
    args: tuple[str, ...]
    log: Path

    def client(self, **kwargs: Any) -> httpx.Client:
        """An HTTP client for this studio, with the access token (as a bearer) when it has one."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers={**headers, **kwargs.pop("headers", {})}, timeout=60, **kwargs)

    def csrf(self) -> str:
        """The CSRF token of the studio's pages, as the jobs page gives it."""
        with self.client() as client:
            found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/").text)
        assert found, "no CSRF token in the page"
        return found.group(1)

    def page(self, path: str = "") -> str:
        """A page's address; with the token (?token=) when the studio has one, as the printed link does."""
        return f"{self.url}{path}" + (f"?token={self.token}" if self.token else "")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STUDIO_STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=STUDIO_STOP_S)


def start_studio(root: Path, *extra: str) -> StudioServer:
    """`subtitler studio ROOT --port 0` (a free port) with `extra` options; waits for its address, boundedly."""
    out = root.parent / f"{root.name}.stdout"
    log = root.parent / f"{root.name}.stderr"
    args = ("studio", str(root), "--port", "0", "--settle", "0.5", "--rescan", "1", *extra)
    with out.open("wb") as stdout, log.open("ab") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "subtitler", *args], stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + STUDIO_START_S
    while time.monotonic() < deadline:
        found = re.search(r"Studio: (http://127\.0\.0\.1:\d+/)(?:\?token=(\S+))?", out.read_text(encoding="utf-8"))
        if found:
            return StudioServer(root, found.group(1), found.group(2), process, args, log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=STUDIO_STOP_S)
    raise AssertionError(f"the studio did not start: {log.read_text(encoding='utf-8', errors='replace')[-3000:]}")


@pytest.fixture
def studio_server(tmp_path: Path, base_model: Any, shared: Path) -> Iterator[StudioServer]:
    """A studio on a fresh DIR (tmp_path/studio), its real watcher and workers, stopped at the end."""
    server = start_studio(tmp_path / "studio")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through its chromedriver; the page's console kept (`get_log("browser")`)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    need(bool(chromium and driver_path), "chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1000",
                     "--lang=en-US", "--no-first-run", "--disable-extensions", "--disable-background-networking"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(driver_path)))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
