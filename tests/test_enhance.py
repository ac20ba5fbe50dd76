"""Upscaling and audio enhancement in one pass with the subtitles, on real footage."""

from __future__ import annotations

import json
import math
from pathlib import Path

import av
import numpy as np
import pytest

from subtitler.adapters.frames import to_rgb, upright
from subtitler.adapters.media import probe
from subtitler.adapters.upscale import psnr, ssim
from subtitler.ffmpeg_args import (
    Plan,
    Upscale,
    container_for,
    enhance_args,
    sharpen_filter,
    source_colour,
    upscale_chain,
    upscale_for,
    video_args,
)
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


def test_re_encoded_audio_uses_the_presets_fallback_codec_and_bitrate(tmp_path: Path, speech_video: Path):
    """[encode] audio_fallback_codec and audio_fallback_bitrate: the enhanced audio is encoded with them in
    both video outputs (the default would be AAC at 192 kbit/s)."""
    preset = tmp_path / "opus.toml"
    preset.write_text('extends = "default"\n[encode]\naudio_fallback_codec = "libopus"\naudio_fallback_bitrate = "48k"\n')
    out = tmp_path / "out"
    code, output = invoke("run", str(speech_video), "-o", str(out), "--preset", str(preset), "--enhance-audio",
                          "--burn", "en", "--language", "en", "--format", "srt")  # fmt: skip
    assert code == 0, output
    for name in ("talk.subtitled.mp4", "talk.en.burned.mp4"):
        with av.open(str(out / "talk" / name)) as container:
            stream = container.streams.audio[0]
            assert stream.codec_context.codec.name == "opus", name
            packets = [p for p in container.demux(stream) if p.size]
            seconds = float(sum(p.duration for p in packets) * stream.time_base)
            kbits = sum(p.size for p in packets) * 8 / seconds / 1000
        assert seconds == pytest.approx(11.0, abs=0.5)
        assert 24 < kbits < 72, (name, kbits)  # about 48 kbit/s, far from AAC's 192


# --- colour: the upscaled copies keep the source's ----------------------------------------------------------

# (Kr, Kb) of the Y'CbCr matrices (ITU-T H.273), to read mean levels without swscale.
LUMA_WEIGHTS = {"bt709": (0.2126, 0.0722), "smpte170m": (0.299, 0.114), "bt470bg": (0.299, 0.114)}
METHODS = ["lanczos", "fsrcnn", "fsrcnn-small", "espcn", "lapsrn"]
FILM = VIDEO / "tears_of_steel_10s_noaudio.mp4"
BT709 = "colorspace=bt709:color_primaries=bt709:color_trc=bt709"
TO_709 = "scale=flags=accurate_rnd:out_color_matrix=bt709"  # after a scale into gbrp: RGB into BT.709 Y'CbCr


def mean_rgb(path: Path) -> np.ndarray:
    """The mean R'G'B' (0..255) of every frame as a player shows it: the mean Y', Cb, Cr through the tagged
    matrix and range, or, untagged, BT.601 for SD and BT.709 for HD, limited range (exact: no swscale)."""
    video = probe(path).video
    assert video is not None
    hd = video.width >= 1280 or video.height > 576
    kr, kb = LUMA_WEIGHTS.get(video.colour_space) or LUMA_WEIGHTS["bt709" if hd else "smpte170m"]
    sums = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            sums.append([np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, : p.width].mean() for p in frame.planes])
    y, cb, cr = np.mean(sums, axis=0)
    full = video.colour_range == "pc"
    y, cb, cr = (y / 255, (cb - 128) / 255, (cr - 128) / 255) if full else ((y - 16) / 219, (cb - 128) / 224, (cr - 128) / 224)
    red, blue = y + 2 * (1 - kr) * cr, y + 2 * (1 - kb) * cb
    green = (y - kr * red - kb * blue) / (1 - kr - kb)
    return 255 * np.array([red, green, blue])


def colour_tags(path: Path) -> tuple[str, str, str, str]:
    video = probe(path).video
    assert video is not None
    return video.colour_space, video.colour_primaries, video.colour_transfer, video.colour_range


@pytest.fixture(scope="module")
def colour_sources(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> dict[str, Path]:
    """Half a second of the film (untagged SD: BT.601 as players read it) at 320x180, made into a BT.709 source
    (converted through RGB, tagged), a BT.601 one (tagged), a full-range BT.709 one, and left untagged; and
    an untagged 1280x720 one in BT.709 (what players assume for HD)."""
    folder = tmp_path_factory.mktemp("colour")
    read = "scale=320:180:flags=area+accurate_rnd+full_chroma_int:in_color_matrix=bt601:in_range=tv,format=gbrp"
    filters = {
        "bt709": f"{read},{TO_709}:out_range=tv,format=yuv420p,setparams={BT709}:range=tv",
        "bt601": "scale=320:180:flags=area+accurate_rnd,setparams=colorspace=smpte170m:color_primaries=smpte170m"
        ":color_trc=smpte170m:range=tv",
        "bt709-full": f"{read},{TO_709}:out_range=pc,format=yuv420p,setparams={BT709}:range=pc",
        "untagged-sd": "scale=320:180:flags=area+accurate_rnd",
        "untagged-hd": f"{read.replace('320:180', '1280:720')},{TO_709}:out_range=tv,format=yuv420p",
    }
    sources = {}
    for name, chain in filters.items():
        sources[name] = folder / f"{name}.mp4"
        frames = "6" if name.endswith("hd") else "12"
        ffmpeg("-i", str(FILM), "-frames:v", frames, "-vf", chain, "-c:v", "libx264", "-crf", "10", str(sources[name]))
    return sources


def test_the_probe_reads_the_colour_tags(colour_sources: dict[str, Path]):
    assert colour_tags(colour_sources["bt709"]) == ("bt709", "bt709", "bt709", "tv")
    assert colour_tags(colour_sources["bt601"]) == ("smpte170m", "smpte170m", "smpte170m", "tv")
    assert colour_tags(colour_sources["bt709-full"]) == ("bt709", "bt709", "bt709", "pc")
    assert colour_tags(colour_sources["untagged-sd"]) == colour_tags(FILM) == ("", "", "", "")
    assert colour_tags(VIDEO / "iphone_portrait_rotated.mov") == ("bt709", "bt709", "bt709", "tv")


EXPECTED_TAGS = {
    "bt709": ("bt709", "bt709", "bt709", "tv"),
    "bt601": ("smpte170m", "smpte170m", "smpte170m", "tv"),
    "bt709-full": ("bt709", "bt709", "bt709", "pc"),
    "untagged-sd": ("smpte170m", "bt709", "bt709", "tv"),  # as players read an SD picture
    "untagged-hd": ("bt709", "bt709", "bt709", "tv"),  # and an HD one
}
CASES = [
    *((source, method) for source in ("bt709", "bt601") for method in METHODS),
    ("bt709-full", "lanczos"), ("bt709-full", "fsrcnn"), ("untagged-sd", "lanczos"), ("untagged-sd", "espcn"),
    ("untagged-hd", "lanczos"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "method"), CASES)
def test_an_upscaled_copy_keeps_the_sources_colour(tmp_path: Path, colour_sources: dict[str, Path], source: str,
                                                   method: str):  # fmt: skip
    """Converted with the source's matrix and range (none at all on the way), and tagged with its colour: the
    mean levels as a player shows them stay within a quarter of a level (they were 1 to 3.8 levels off)."""
    path = colour_sources[source]
    code, output = invoke("run", str(path), "-o", str(tmp_path), "--upscale", "2", "--upscale-method", method)
    assert code == 0, output
    upscaled = tmp_path / source / f"{source}.enhanced.mp4"
    assert colour_tags(upscaled) == EXPECTED_TAGS[source]
    difference = mean_rgb(upscaled) - mean_rgb(path)
    assert np.abs(difference).max() < 0.25, difference
    record = json.loads((tmp_path / source / "job.json").read_text(encoding="utf-8"))["enhanced"]["upscale"]
    assert record["colour"]["space"] == EXPECTED_TAGS[source][0]
    assert bool(record["colour"]["assumed"]) == source.startswith("untagged")


def test_lanczos_sends_no_frame_through_python(tmp_path: Path, colour_sources: dict[str, Path], monkeypatch):
    """Lanczos is ffmpeg's own filters; only the learned models decode frames in Python."""
    from subtitler.adapters import frames

    def no_frames(*args, **kwargs):
        raise AssertionError("a frame went through Python")

    monkeypatch.setattr(frames, "write_frames", no_frames)
    source = colour_sources["bt709"]
    code, output = invoke("run", str(source), "-o", str(tmp_path / "lanczos"), "--upscale", "2")
    assert code == 0, output
    code, output = invoke("run", str(source), "-o", str(tmp_path / "fsrcnn"), "--upscale", "2", "--upscale-method", "fsrcnn")
    assert code != 0 and "a frame went through Python" in output


def test_lanczos_is_upscaled_inside_ffmpeg_in_the_sources_own_colour(tmp_path: Path):
    source = tmp_path / "anamorphic.mov"
    video = VideoInfo(640, 360, 25.0, sar=2 / 3, colour_space="bt709", colour_primaries="bt709",
                      colour_transfer="bt709", colour_range="pc")  # fmt: skip
    media = MediaInfo(str(source), "mov", 10.0, 1, 0.0, (), video, "aac")
    soft, burned = tmp_path / "soft.mov", tmp_path / "burned.mp4"
    plan = Plan(source, media, True, "", [], container_for(source, "srt"), soft, burned, _encode(),
                scale=upscale_for(video, 2, 0.5), colour=source_colour(video))  # fmt: skip
    args = enhance_args(plan)
    assert args[:2] == ["-i", f"file:{source.resolve()}"] and "pipe:0" not in args  # no frame through Python
    assert args[args.index("-filter_complex") + 1] == (
        "[0:V:0]scale=w=852:h=720:flags=lanczos+accurate_rnd:in_color_matrix=bt709:in_range=pc"
        ":out_color_matrix=bt709:out_range=pc,format=yuv420p,"
        "convolution=0m='-1 -2 -1 -2 44 -2 -1 -2 -1':0rdiv=1/32,setsar=1,"
        "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=pc[up];"
        "[up]split=2[vsoft][vburn];[vburn]subtitles=filename=burn.ass[vburned]"
    )
    soft_part = args[: args.index(f"file:{soft.resolve()}")]
    assert soft_part[soft_part.index("[vsoft]") + 1 : soft_part.index("[vsoft]") + 3] == ["-c:v", "libx264"]
    assert soft_part[soft_part.index("0:a:0") + 1 : soft_part.index("0:a:0") + 3] == ["-c:a", "copy"]


def test_the_learned_models_frames_are_tagged_and_not_converted(tmp_path: Path):
    source = tmp_path / "film.mp4"
    video = VideoInfo(640, 360, 24.0)  # untagged SD: BT.601, as players take it
    media = MediaInfo(str(source), "mp4", 10.0, 1, 0.0, (), video, None)
    plan = Plan(source, media, True, "", [], container_for(source, "srt"), tmp_path / "soft.mp4", None, _encode(),
                colour=source_colour(video))  # fmt: skip
    args = enhance_args(plan)
    assert args[:4] == ["-f", "nut", "-i", "pipe:0"]
    assert args[args.index("-filter_complex") + 1] == (
        "[0:v:0]setparams=colorspace=smpte170m:color_primaries=bt709:color_trc=bt709:range=tv,format=yuv420p[up]"
    )
    assert args[args.index("[up]") - 1 : args.index("[up]") + 3] == ["-map", "[up]", "-c:v", "libx264"]


def test_colours_a_source_does_not_tag_are_taken_as_players_take_them():
    def colour(width: int, height: int, **tags: str) -> tuple:
        found = source_colour(VideoInfo(width, height, 25.0, **tags))
        return found.space, found.primaries, found.transfer, found.range, found.assumed

    everything = ("space", "primaries", "transfer", "range")
    assert colour(640, 360) == ("smpte170m", "bt709", "bt709", "tv", everything)
    assert colour(1280, 720) == colour(1920, 1080) == ("bt709", "bt709", "bt709", "tv", everything)
    assert colour(1024, 640)[0] == "bt709"  # taller than 576 lines: HD
    assert colour(720, 576)[:2] == ("smpte170m", "bt470bg") and colour(720, 480)[:2] == ("smpte170m", "smpte170m")
    assert colour(640, 360, colour_space="bt470bg", colour_primaries="bt470bg", colour_transfer="smpte170m",
                  colour_range="pc") == ("bt470bg", "bt470bg", "smpte170m", "pc", ())  # fmt: skip
    assert colour(1920, 1080, colour_space="bt709") == ("bt709", "bt709", "bt709", "tv", ("primaries", "transfer", "range"))
    assert colour(1920, 1080, colour_space="ycgco")[0] == "bt709"  # a matrix scale cannot convert with: guessed
    rgb = source_colour(VideoInfo(640, 360, 25.0, colour_space="gbr", colour_range="pc"))
    assert rgb.rgb_source and (rgb.space, rgb.range) == ("smpte170m", "tv") and "space" in rgb.assumed
    plan_input = upscale_chain(Upscale(1280, 720, 2), rgb, "yuv420p")
    assert "in_color_matrix" not in plan_input and "out_color_matrix=smpte170m:out_range=tv" in plan_input


def test_the_sharpening_is_an_unsharp_mask_that_keeps_the_mean():
    """[enhance] sharpen 0.5 at 2x: the picture plus half its difference from a 3x3 binomial blur, as one
    integer kernel whose sum is its divisor (a flat area keeps its level); 7x7 at 4x."""
    assert sharpen_filter(0.5, 2) == "convolution=0m='-1 -2 -1 -2 44 -2 -1 -2 -1':0rdiv=1/32"
    for sharpen, factor in [(0.5, 2), (1.0, 3), (0.35, 4), (5.0, 4), (0.05, 2)]:
        text = sharpen_filter(sharpen, factor)
        cells = [int(c) for c in text.split("'")[1].split()]
        divisor = int(text.rsplit("/", 1)[1])
        assert len(cells) == (2 * factor - 1) ** 2 and sum(cells) == divisor
        centre = cells[len(cells) // 2] / divisor
        binomial_centre = (math.comb(2 * factor - 2, factor - 1) / 2 ** (2 * factor - 2)) ** 2
        assert centre == pytest.approx(1 + sharpen * (1 - binomial_centre))
    assert "convolution" not in upscale_chain(Upscale(1280, 720, 2, sharpen=0.0), None, "yuv420p")


@pytest.fixture(scope="module")
def film_speech(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """The film converted to BT.709 (and tagged) under JFK's speech, in a MOV: a speech video of real footage."""
    path = tmp_path_factory.mktemp("speech") / "speech.mov"
    read = "scale=flags=accurate_rnd+full_chroma_int:in_color_matrix=bt601:in_range=tv,format=gbrp"
    chain = f"{read},{TO_709}:out_range=tv,format=yuv420p,setparams={BT709}:range=tv"
    ffmpeg("-i", str(FILM), "-i", str(AUDIO / "en/jfk.flac"), "-map", "0:v", "-map", "1:a", "-vf", chain,
           "-c:v", "libx264", "-crf", "10", "-c:a", "aac", "-shortest", str(path))  # fmt: skip
    return path


def as_shown(path: Path) -> list[np.ndarray]:
    """Every frame as RGB, as a player shows it (its colour, guessed as players do where untagged; upright)."""
    video = probe(path).video
    assert video is not None
    colour = source_colour(video)
    with av.open(str(path)) as container:
        return [upright(to_rgb(frame, colour.space, colour.range), video) for frame in container.decode(video=0)]


@pytest.mark.parametrize("clip", ["film", "speech"])
def test_fsrcnn_restores_real_video_better_than_an_ffmpeg_bicubic_upscale(tmp_path: Path, film_speech: Path, clip: str):
    """The film clip (untagged SD) and a speech video (the film in BT.709 under speech) downscaled by 2, then
    upscaled back by subtitler's FSRCNN and by ffmpeg's bicubic scaler, both encoded with the same settings:
    FSRCNN is closer to the original (PSNR, as a player shows both)."""
    original = FILM if clip == "film" else film_speech
    small = tmp_path / f"small{original.suffix}"
    ffmpeg("-i", str(original), "-map", "0:v", "-map", "0:a?", "-vf", "scale=iw/2:ih/2:flags=area+accurate_rnd",
           "-c:v", "libx264", "-qp", "0", "-c:a", "copy", str(small))  # fmt: skip
    bicubic = tmp_path / "bicubic.mp4"
    ffmpeg("-i", str(small), "-vf", "scale=iw*2:ih*2:flags=bicubic", *video_args(_encode()), str(bicubic))
    code, output = invoke("run", str(small), "-o", str(tmp_path / "out"), "--upscale", "2", "--upscale-method", "fsrcnn",
                          *(["--language", "en"] if clip == "speech" else []))  # fmt: skip
    assert code == 0, output
    fsrcnn = tmp_path / "out/small" / ("small.enhanced.mp4" if clip == "film" else "small.subtitled.mov")
    reference = as_shown(original)
    scores = {}
    for name, path in (("bicubic", bicubic), ("fsrcnn", fsrcnn)):
        frames = as_shown(path)
        assert len(frames) == len(reference)
        scores[name] = (np.mean([psnr(a, b) for a, b in zip(reference, frames, strict=True)]),
                        np.mean([ssim(a, b) for a, b in zip(reference, frames, strict=True)]))  # fmt: skip
    assert scores["fsrcnn"][0] > scores["bicubic"][0] + 0.3, scores  # measured: +1.0 dB
