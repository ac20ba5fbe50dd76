"""Commands are data: built as argument lists, with awkward file names kept out of filter strings."""

from pathlib import Path

import pytest

from subtitler.adapters.ffmpeg import media_arg
from subtitler.model import MediaInfo, VideoInfo
from subtitler.options import load_options
from subtitler.stages.burn import SUBTITLE_FILE, burn_args
from subtitler.stages.mux import container_for, mux_args

AWKWARD = ["my talk.mp4", "it's.mp4", "a:b.mp4", "100%.mp4", "a,b.mp4", "[x].mp4", "-leading.mp4", "Ça_été_ñ.mp4"]


def media(audio: str = "aac", width: int = 640, height: int = 360) -> MediaInfo:
    return MediaInfo("x", "mov,mp4", 10.0, 1000, 0.0, (), VideoInfo(width, height, 25.0), audio)


@pytest.mark.parametrize("name", AWKWARD)
def test_paths_become_absolute_file_urls(tmp_path: Path, name: str):
    arg = media_arg(tmp_path / name)
    assert arg == "file:" + str((tmp_path / name).resolve())
    assert not arg.startswith("-")


@pytest.mark.parametrize("name", AWKWARD)
def test_burn_filter_never_holds_a_user_path(tmp_path: Path, name: str):
    args = burn_args(tmp_path / name, media(), load_options().encode, tmp_path / "out.mp4")
    graph = args[args.index("-vf") + 1]
    assert graph == f"subtitles=filename={SUBTITLE_FILE}"
    assert name not in graph
    assert args[args.index("-i") + 1] == media_arg(tmp_path / name)


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
