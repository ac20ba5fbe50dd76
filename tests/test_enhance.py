"""Upscaling and audio enhancement in one pass with the subtitles, on real footage."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from subtitler.ffmpeg_args import Plan, container_for, enhance_args
from subtitler.model import MediaInfo, VideoInfo

from .conftest import AUDIO, VIDEO, ffmpeg, invoke

pytestmark = pytest.mark.slow


def video_facts(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        times = [float(p.pts * p.time_base) for p in container.demux(video) if p.pts is not None]
        return {
            "size": (video.codec_context.width, video.codec_context.height),
            "sar": float(video.sample_aspect_ratio or 1),
            "kinds": sorted(s.type for s in container.streams),
            "duration": container.duration / 1e6 if container.duration else 0.0,
            "frames": len(times),
            "times": sorted(times),
            "languages": [s.metadata.get("language") for s in container.streams.subtitles],
        }


def test_one_process_writes_both_outputs_from_the_upscaled_frames(tmp_path: Path):
    source = tmp_path / "a clip, with 'quotes' & 50%.mov"
    media = MediaInfo(str(source), "mov", 10.0, 1, 0.0, (), VideoInfo(640, 360, 25.0), "aac")
    soft, burned = tmp_path / "soft.mov", tmp_path / "burned.mp4"
    plan = Plan(source, media, True, "loudnorm=I=-14", [("en", tmp_path / "en.srt")], container_for(source, "srt"),
                soft, burned, _encode())  # fmt: skip
    args = enhance_args(plan)
    assert args[:4] == ["-f", "nut", "-i", "pipe:0"]  # the upscaled frames
    assert args[args.index("-filter_complex") + 1] == (
        "[0:v:0]split=2[vsoft][vburn];[vburn]subtitles=filename=burn.ass[vburned];[1:a:0]loudnorm=I=-14,asplit=2[asoft][aburn]"
    )
    assert f"file:{source.resolve()}" in args and f"file:{soft.resolve()}" in args  # no user path in a filter
    soft_part = args[: args.index(f"file:{soft.resolve()}")]
    assert soft_part[soft_part.index("[vsoft]") - 1 : soft_part.index("[vsoft]") + 1] == ["-map", "[vsoft]"]
    assert "language=eng" in soft_part and "mov_text" in soft_part
    burn_part = args[args.index(f"file:{soft.resolve()}") + 1 :]
    assert "[vburned]" in burn_part and "[aburn]" in burn_part and burn_part[-1] == f"file:{burned.resolve()}"


def _encode():
    from subtitler.options import load_options

    return load_options().encode


def test_a_film_clip_without_audio_is_upscaled_to_exactly_twice_its_size(tmp_path: Path, shared: Path):
    film = VIDEO / "tears_of_steel_10s_noaudio.mp4"
    code, output = invoke("run", str(film), "-o", str(tmp_path), "--upscale", "2")
    assert code == 0, output
    before, after = video_facts(film), video_facts(tmp_path / film.stem / f"{film.stem}.enhanced.mp4")
    assert after["size"] == (1280, 720)
    assert after["kinds"] == before["kinds"] == ["video"]
    assert after["frames"] == before["frames"] and after["duration"] == pytest.approx(before["duration"], abs=0.1)


@pytest.fixture(scope="module")
def variable_rate(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """A real clip's picture at a variable frame rate (25 fps, then 12.5 fps) under speech."""
    path = tmp_path_factory.mktemp("vfr") / "vfr.mkv"
    ffmpeg("-i", str(VIDEO / "sar_2by3.mp4"), "-i", str(AUDIO / "en/jfk.flac"), "-map", "0:v", "-map", "1:a", "-t", "2",
           "-vf", "setpts='if(lt(N,25),N,25+(N-25)*2)/25/TB'", "-fps_mode", "vfr", "-c:v", "libx264", "-preset",
           "veryfast", "-c:a", "aac", str(path))  # fmt: skip
    return path


def test_variable_frame_rate_and_pixel_aspect_are_kept_in_sync(tmp_path: Path, variable_rate: Path):
    code, output = invoke("run", str(variable_rate), "-o", str(tmp_path), "--upscale", "2", "--language", "en")
    assert code == 0, output
    before = video_facts(variable_rate)
    folder = tmp_path / "vfr"
    after = video_facts(next(folder.glob("vfr.*.mkv")))
    assert after["size"] == (852, 720) and after["sar"] == 1.0  # the displayed 426x360 (SAR 2:3) times 2
    assert after["frames"] == before["frames"]
    assert after["times"] == pytest.approx(before["times"], abs=0.002)  # each frame at its own time
    assert after["kinds"] == before["kinds"] or after["kinds"] == sorted([*before["kinds"], "subtitle"])


def test_upscale_and_burn_in_one_pass_keep_a_portrait_clip_portrait(tmp_path: Path, portrait_video: Path):
    code, output = invoke("run", str(portrait_video), "-o", str(tmp_path), "--upscale", "2",
                          "--upscale-method", "fsrcnn-small", "--burn", "en")  # fmt: skip
    assert code == 0, output
    folder = tmp_path / "portrait"
    burned, soft = video_facts(folder / "portrait.en.burned.mp4"), video_facts(folder / "portrait.subtitled.mov")
    source = video_facts(portrait_video)
    assert burned["size"] == soft["size"] == (640, 1136)  # 320x568 displayed, times 2
    assert soft["languages"] == ["eng"] and soft["frames"] == burned["frames"] == source["frames"]
    assert burned["duration"] == pytest.approx(source["duration"], abs=0.15)
    record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    assert "enhance" in record["timings"] and "burn" not in record["timings"]  # one pass, not a second encode
    assert record["options"]["enhance"]["upscale_method"] == "fsrcnn-small"
    ass = (folder / "portrait.en.ass").read_text(encoding="utf-8")
    assert "PlayResX: 640" in ass and "PlayResY: 1136" in ass  # the text is drawn at the output resolution


def test_enhanced_audio_reaches_the_loudness_target(tmp_path: Path, speech_video: Path):
    from subtitler import loudness

    code, output = invoke("run", str(speech_video), "-o", str(tmp_path), "--enhance-audio", "--no-mux", "--burn", "en")
    assert code == 0, output
    burned = tmp_path / "talk/talk.en.burned.mp4"
    measured = loudness.measure(burned)
    assert measured.integrated == pytest.approx(-14.0, abs=1.0)
    assert measured.true_peak <= -1.0 + 0.5
    record = json.loads((tmp_path / "talk/job.json").read_text(encoding="utf-8"))["enhanced"]["loudness"]
    assert abs(record["before"]["integrated"] + 14.0) > 1.0  # it needed changing (JFK's speech is louder)
    assert record["after"]["integrated"] == pytest.approx(-14.0, abs=1.0) and record["mode"] in ("linear", "dynamic")


def test_a_missing_model_fails_before_any_work(tmp_path: Path, speech_video: Path):
    out = tmp_path / "out"
    code, output = invoke("run", str(speech_video), "-o", str(out), "--upscale", "2", "--upscale-model", "no-such-model")
    assert code == 2 and "no-such-model" in output and len(output.strip().splitlines()) == 1
    assert not out.exists()
