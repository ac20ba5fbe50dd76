"""`subtitler preview VIDEO --at SECONDS -o frame.png`: one frame drawn as the burn draws it (same ASS, libass,
autorotation and canvas), in one ffmpeg call that seeks, with the cues of that moment; from a corrected file or
an earlier run's subtitles and settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from subtitler.adapters import scene
from subtitler.adapters.ffmpeg import media_arg
from subtitler.ffmpeg_args import PREVIEW_PREROLL, preview_args
from subtitler.model import MediaInfo, VideoInfo

from .conftest import VIDEO, ffmpeg, frame_at, invoke

FILM = VIDEO / "tears_of_steel_10s_noaudio.mp4"
ONE_CUE = "1\n00:00:03,000 --> 00:00:03,500\nHALF A SECOND OF TEXT\n"  # on screen from 3.0 to 3.5 s only


def picture(png: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB).astype(np.int16)


def text_in(frame: np.ndarray, under: np.ndarray, top: float = 0.7, bottom: float = 1.0) -> int:
    """How many pixels of a band of rows (shares of the height) the burned text changed."""
    rows = slice(round(frame.shape[0] * top), round(frame.shape[0] * bottom))
    return int((np.abs(frame[rows] - under[rows]).max(axis=2) > 80).sum())


@pytest.mark.parametrize("name", ["clip.mp4", "a b's: %d, [x].mov", "-leading.mkv"])
def test_the_arguments_seek_before_opening_and_put_the_time_back(name: str):
    media = MediaInfo("x", "mov", 10.0, 1, 0.0, video=VideoInfo(641, 360, 24.0))
    args = preview_args(Path(name), media, 7.25, Path("/out/fr ame %d.png"))
    start = f"{7.25 - PREVIEW_PREROLL:.6f}"
    assert args[:4] == ["-ss", start, "-i", media_arg(Path(name))]  # -ss before -i: a seek, not a decode from 0
    filters = args[args.index("-vf") + 1]
    assert filters == f"setpts=PTS+{start}/TB,trim=start=7.250000,subtitles=filename=burn.ass,scale=trunc(iw/2)*2:trunc(ih/2)*2"
    assert name not in filters  # no user path in a filter string
    assert args[-1] == media_arg(Path("/out/fr ame %d.png")) and args[-3:-1] == ["-update", "1"]  # the name as it is
    assert args[args.index("-frames:v") + 1] == "1" and args[args.index("-c:v") + 1] == "png"
    assert preview_args(Path(name), media, 1.0, Path("f.png"))[:2] == ["-ss", "0.000000"]


@pytest.fixture(scope="module")
def one_cue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("subs") / "clip.en.srt"
    path.write_text(ONE_CUE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def transport_stream(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """The film clip in MPEG-TS: timestamps that start at 1.48 s, and a seek that lands after the time asked."""
    path = tmp_path_factory.mktemp("ts") / "clip.ts"
    ffmpeg("-i", str(FILM), "-c", "copy", "-f", "mpegts", str(path))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("container", ["mp4", "ts"])
def test_the_cue_of_the_moment_is_drawn_on_the_frame_of_the_moment(
    container: str, transport_stream: Path, one_cue: Path, tmp_path: Path
):
    video = FILM if container == "mp4" else transport_stream
    for seconds, shows in ((2.9, False), (3.2, True), (3.6, False)):
        png = tmp_path / f"at {seconds}.png"
        code, output = invoke("preview", str(video), "--subs", str(one_cue), "--at", str(seconds), "-o", str(png))
        assert code == 0, output
        drawn, under = picture(png), frame_at(FILM, seconds)
        assert drawn.shape == under.shape
        assert np.abs(drawn[: 360 * 2 // 3] - under[: 360 * 2 // 3]).mean() < 1.5, seconds  # the very frame of that time
        assert (text_in(drawn, under) > 300) is shows, seconds
    assert sorted(p.name for p in tmp_path.iterdir()) == ["at 2.9.png", "at 3.2.png", "at 3.6.png"]  # no partial file


@pytest.mark.slow
def test_the_preview_is_the_burned_frame(one_cue: Path, tmp_path: Path):
    assert invoke("burn", str(FILM), "--subs", str(one_cue), "-o", str(tmp_path))[0] == 0
    burned = frame_at(tmp_path / FILM.stem / f"{FILM.stem}.en.burned.mp4", 3.2)
    png = tmp_path / "frame.png"
    assert invoke("preview", str(FILM), "--subs", str(one_cue), "--at", "3.2", "-o", str(png))[0] == 0
    drawn = picture(png)
    assert text_in(drawn, frame_at(FILM, 3.2)) > 300 and text_in(burned, frame_at(FILM, 3.2)) > 300
    assert np.abs(drawn - burned).mean() < 3  # the same picture, but for the burn's lossy encode


@pytest.mark.slow
def test_an_earlier_run_s_subtitles_and_settings_are_drawn(one_cue: Path, tmp_path: Path, monkeypatch):
    """-o inside OUT/<name>/ (or OUT): that run's SRT and preset (accessibility: yellow on a black box)."""
    out = tmp_path / "out"
    code, output = invoke("burn", str(FILM), "--subs", str(one_cue), "--preset", "accessibility", "-o", str(out))
    assert code == 0, output
    folder = out / FILM.stem
    shutil.copyfile(one_cue, folder / f"{FILM.stem}.en.srt")  # as `run` leaves it
    monkeypatch.setattr(scene, "analyse", lambda *a, **k: pytest.fail("the run's analysis is reused"))
    yellow = {}
    for png, extra in ((folder / "run.png", ()), (out / "run.png", ()), (folder / "white.png", ("--preset", "default"))):
        code, output = invoke("preview", str(FILM), "--at", "3.2", "-o", str(png), *extra)
        assert code == 0, output
        rgb = picture(png)
        yellow[png.name if png.parent == folder else "out"] = int(
            ((rgb[..., 0] > 200) & (rgb[..., 1] > 200) & (rgb[..., 2] < 80)).sum()
        )
    assert yellow["run.png"] > 300 and yellow["out"] == yellow["run.png"] and yellow["white.png"] < 30
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["job.json", f"{FILM.stem}.en.burned.mp4", f"{FILM.stem}.en.srt", f"{FILM.stem}.scenes.json", "run.png", "white.png"]
    )  # nothing else written into the run's folder


@pytest.mark.slow
def test_the_picture_is_the_burn_s_canvas(shared: Path, tmp_path: Path):
    """Autorotated (a portrait phone clip stays portrait), stored pixels with their aspect (SAR 2:3)."""
    subs = tmp_path / "x.en.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    for name, size in (("iphone_portrait_rotated.mov", (568, 320)), ("sar_2by3.mp4", (360, 640))):
        png = tmp_path / f"{name}.png"
        code, output = invoke("preview", str(VIDEO / name), "--subs", str(subs), "--at", "1", "-o", str(png))
        assert code == 0, output
        assert picture(png).shape[:2] == size, name


def test_bad_requests_are_refused_before_any_work(shared: Path, one_cue: Path, tmp_path: Path):
    cases = [
        (("--subs", str(one_cue), "--at", "1", "-o", str(tmp_path / "frame.jpg")), "the preview is a PNG"),
        (("--subs", str(one_cue), "--at", "99", "-o", str(tmp_path / "frame.png")), "must be a time in the video, from 0 to 10"),
        (("--subs", str(one_cue), "--at", "nan", "-o", str(tmp_path / "frame.png")), "must be a time in the video"),
        (("--subs", str(one_cue), "--at", "1", "-o", str(tmp_path / "no" / "f.png")), "does not exist"),
        (("--at", "1", "-o", str(tmp_path / "frame.png")), "give the subtitles with --subs FILE"),
    ]
    for args, message in cases:
        code, output = invoke("preview", str(FILM), *args)
        assert code == 2 and message in output, (args, output)
    assert list(tmp_path.iterdir()) == []
