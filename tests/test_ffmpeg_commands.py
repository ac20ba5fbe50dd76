"""Commands are data: built as argument lists, with awkward file names kept out of filter strings."""

import dataclasses
import os
import re
from pathlib import Path

import pytest

from subtitler.adapters.ffmpeg import media_arg
from subtitler.choices import VIDEO_CODECS
from subtitler.ffmpeg_args import burn_args, container_for, mux_args, video_args
from subtitler.model import MediaInfo, VideoInfo
from subtitler.options import load_options

AWKWARD = ["my talk.mp4", "it's.mp4", "a:b.mp4", "100%.mp4", "a,b.mp4", "[x].mp4", "-leading.mp4", "Ça_été_ñ.mp4"]
# Folders named like options and filter syntax, around the inputs and the outputs.
IN_FOLDER = "-in, it's [1]: 100%"
OUT_FOLDER = "-out; [2], 50%: done"
# Options whose value is a filter graph (with or without a stream specifier).
FILTER_OPTION = re.compile(r"-(vf|af|lavfi|filter_complex|filter(:\S+)?)")


def media(audio: str = "aac", width: int = 640, height: int = 360) -> MediaInfo:
    return MediaInfo("x", "mov,mp4", 10.0, 1000, 0.0, (), VideoInfo(width, height, 25.0), audio)


def as_file_arg(path: Path) -> str:
    """What a path must become, written out here rather than asked of media_arg."""
    return "file:" + os.path.realpath(path)


def assert_paths_only_as_file_args(args: list[str], inputs: list[Path], output: Path) -> None:
    """Each path is one whole absolute `file:` argument (inputs after -i in order, the output last); no other
    argument, and no filter graph above all, holds any part of a name the user chose."""
    assert [args[k + 1] for k, arg in enumerate(args) if arg == "-i"] == [as_file_arg(p) for p in inputs]
    assert args[-1] == as_file_arg(output)
    whole = {as_file_arg(p) for p in [*inputs, output]}
    assert all(arg.startswith("file:/") for arg in whole)
    user_text = {part for p in [*inputs, output] for part in (p.name, p.stem, Path(os.path.realpath(p)).parent.name)}
    graphs = [args[k + 1] for k, arg in enumerate(args) if FILTER_OPTION.fullmatch(arg)]
    for arg in [*graphs, *(arg for arg in args if arg not in whole)]:
        assert not [text for text in user_text if text in arg], (arg, args)


@pytest.mark.parametrize("name", AWKWARD)
def test_paths_become_absolute_file_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    assert media_arg(tmp_path / name) == f"file:{tmp_path.resolve()}/{name}"
    monkeypatch.chdir(tmp_path)
    assert media_arg(Path(name)) == f"file:{tmp_path.resolve()}/{name}"  # relative: made absolute, never an option


@pytest.mark.parametrize("name", AWKWARD)
@pytest.mark.parametrize("odd_size", [False, True])
def test_burn_keeps_every_user_path_out_of_the_filter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                                      odd_size: bool):  # fmt: skip
    (tmp_path / IN_FOLDER).mkdir()
    monkeypatch.chdir(tmp_path / IN_FOLDER)  # the source given relative to where the user stands
    source, output = Path(name), tmp_path / OUT_FOLDER / f"{Path(name).stem}.en.burned.mp4"
    picture = media(width=641, height=361) if odd_size else media()
    args = burn_args(source, picture, load_options().encode, output)
    assert_paths_only_as_file_args(args, [tmp_path / IN_FOLDER / name], output)
    graph = args[args.index("-vf") + 1]
    # Only a file name the program chose, in ffmpeg's working directory, is named in the filter.
    assert re.fullmatch(r"subtitles=filename=[A-Za-z0-9_]+\.ass(,scale=trunc\(iw/2\)\*2:trunc\(ih/2\)\*2)?", graph), graph
    assert ("scale=" in graph) == odd_size


def test_burn_copies_mp4_audio_and_reencodes_the_rest(tmp_path: Path):
    encode = load_options().encode
    copied = burn_args(tmp_path / "a.mp4", media("aac"), encode, tmp_path / "o.mp4")
    assert copied[copied.index("-c:a") + 1] == "copy"
    converted = burn_args(tmp_path / "a.mov", media("pcm_s16le"), encode, tmp_path / "o.mp4")
    assert converted[converted.index("-c:a") + 1] == "aac"
    assert converted[converted.index("-crf") + 1] == str(encode.crf)


def test_burn_evens_odd_frame_sizes(tmp_path: Path):
    args = burn_args(tmp_path / "a.mp4", media(width=301, height=201), load_options().encode, tmp_path / "o.mp4")
    assert "scale=trunc(iw/2)*2:trunc(ih/2)*2" in args[args.index("-vf") + 1]


@pytest.mark.parametrize(
    "name, extension, codec",
    [
        ("a.mp4", ".mp4", "mov_text"),
        ("a.MOV", ".mov", "mov_text"),
        ("a.webm", ".webm", "webvtt"),
        ("a.mkv", ".mkv", "srt"),
        ("a.avi", ".mkv", "srt"),
        ("a.ts", ".mkv", "srt"),
    ],
)
def test_container_keeps_the_input_s_where_it_can_carry_text(name, extension, codec):
    container = container_for(Path(name), "srt")
    assert (container.extension, container.subtitle_codec) == (extension, codec)
    assert container_for(Path("a.mkv"), "ass").subtitle_codec == "ass"


def test_mux_copies_streams_and_tags_each_new_track(tmp_path: Path):
    tracks = [("en", tmp_path / "en.srt"), ("fr", tmp_path / "fr.srt")]
    args = mux_args(tmp_path / "in put.mp4", tracks, 1, container_for(Path("x.mp4"), "srt"), tmp_path / "o.mp4")
    assert args[args.index("-c") + 1] == "copy"
    joined = " ".join(args)
    assert "-map 1:0 -map 2:0" in joined
    assert "-disposition:s:0 0" in joined  # the existing track is no longer default
    assert "-c:s:1 mov_text -metadata:s:s:1 language=eng" in joined
    assert "-metadata:s:s:2 language=fra" in joined  # ISO 639-2/T in MP4
    assert "-disposition:s:1 default" in joined and "-disposition:s:2 0" in joined
    mkv = mux_args(tmp_path / "a.mkv", tracks, 0, container_for(Path("a.mkv"), "srt"), tmp_path / "o.mkv")
    assert "language=fre" in " ".join(mkv)  # ISO 639-2/B in Matroska


@pytest.mark.parametrize("name", AWKWARD)
def test_mux_passes_every_path_as_one_file_argument(tmp_path: Path, name: str):
    source, output = tmp_path / IN_FOLDER / name, tmp_path / OUT_FOLDER / f"{Path(name).stem}.subtitled.mp4"
    tracks = [("en", tmp_path / OUT_FOLDER / f"{Path(name).stem}.en.srt")]
    args = mux_args(source, tracks, 0, container_for(source, "srt"), output)
    assert_paths_only_as_file_args(args, [source, tracks[0][1]], output)


# Each encoder with its own family's keys; values set apart so that a key read for the wrong family shows.
X264 = ["-crf", "23", "-preset", "slow"]
NVENC = ["-preset", "p7", "-tune", "hq", "-rc", "vbr", "-cq", "27", "-b:v", "0"]
VIDEO_ARGS = {
    "libx264": ["-c:v", "libx264", *X264, "-pix_fmt", "yuv444p"],
    "libx265": ["-c:v", "libx265", *X264, "-pix_fmt", "yuv444p", "-tag:v", "hvc1"],
    "h264_nvenc": ["-c:v", "h264_nvenc", *NVENC, "-pix_fmt", "yuv444p"],
    "hevc_nvenc": ["-c:v", "hevc_nvenc", *NVENC, "-pix_fmt", "yuv444p", "-tag:v", "hvc1"],
    "auto": ["-c:v", "libx264", *X264, "-pix_fmt", "yuv444p"],  # not resolved before (`subtitler burn`): the CPU
}


def encode_with(codec: str):
    return dataclasses.replace(load_options().encode, video_codec=codec, crf=23, x264_preset="slow", nvenc_cq=27,
                               nvenc_preset="p7", pixel_format="yuv444p")  # fmt: skip


@pytest.mark.parametrize("codec", VIDEO_CODECS)
def test_each_video_codec_is_encoded_with_its_own_quality_and_preset_keys(codec: str):
    assert video_args(encode_with(codec)) == VIDEO_ARGS[codec]


@pytest.mark.parametrize("codec", VIDEO_CODECS)
def test_the_burn_encodes_with_the_video_args(tmp_path: Path, codec: str):
    args = burn_args(tmp_path / "a.mp4", media(), encode_with(codec), tmp_path / "o.mp4")
    expected = VIDEO_ARGS[codec]
    assert [args[k : k + len(expected)] for k in range(len(args))].count(expected) == 1
    assert args.count("-c:v") == 1 and args.count("-pix_fmt") == 1


def test_the_default_encode_is_today_s_x264():
    assert video_args(load_options().encode) == ["-c:v", "libx264", "-crf", "20", "-preset", "medium", "-pix_fmt", "yuv420p"]
