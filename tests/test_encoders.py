"""The GPU paths, checked before any work: the video encoder (a real test encode with the real ffmpeg decides
whether NVENC works here) and the CUDA libraries Whisper needs on a GPU.

No GPU is lent to these tests: on this machine the test encode of h264_nvenc fails (the bundled ffmpeg has NVENC
compiled in, the GPU is missing), which is exactly the path `auto` falls back on and an explicit NVENC codec is
refused on. Where a GPU can encode, the tests that need its absence skip and the real runs expect NVENC.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

import subtitler
from subtitler import choices
from subtitler.adapters import ffmpeg, whisper
from subtitler.errors import UsageError
from subtitler.ffmpeg_args import video_args
from subtitler.options import load_options

from .conftest import ffmpeg as make_media
from .conftest import invoke

NVENC_HERE = ffmpeg.encoder_failure("h264_nvenc") is None
no_nvenc = pytest.mark.skipif(NVENC_HERE, reason="NVENC encodes here: this checks the machine without it")
# What ffmpeg says when an argument list is wrong, before any encoder opens.
PARSE_ERRORS = ("Unable to parse", "Error setting option", "Unrecognized option", "Option not found")


def preset(folder: Path, name: str, encode: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f"[encode]\n{encode}\n", encoding="utf-8")
    return path


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """1 s of picture and tone: enough for a command that must stop before any work."""
    path = tmp_path / "in" / "clip.mp4"
    path.parent.mkdir()
    make_media("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=duration=1", "-t", "1",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))  # fmt: skip
    return path


def try_encode(args: list[str]) -> subprocess.CompletedProcess[str]:
    command = [ffmpeg.ffmpeg_exe(), "-nostdin", "-v", "error", *ffmpeg.TEST_PICTURE, *args, "-f", "null", "-"]
    return subprocess.run(command, capture_output=True, text=True)


def test_every_nvenc_argument_list_is_one_the_real_ffmpeg_accepts():
    """The arguments parse (every preset p1..p7, both codecs); opening the encoder is what needs the GPU."""
    encode = load_options().encode
    for codec in choices.NVENC_CODECS:
        for nvenc_preset in ("p1", "p2", "p3", "p4", "p5", "p6", "p7"):
            args = video_args(dataclasses.replace(encode, video_codec=codec, nvenc_preset=nvenc_preset))
            done = try_encode(args)
            assert not [e for e in PARSE_ERRORS if e in done.stderr], (args, done.stderr)
            assert done.returncode == 0 or ffmpeg.encoder_complaint(done.stderr, codec), done.stderr
    wrong = video_args(dataclasses.replace(encode, video_codec="h264_nvenc", nvenc_preset="p9"))  # the check can fail
    assert "Unable to parse" in try_encode(wrong).stderr


def test_the_test_encode_tells_a_codec_that_works_from_one_that_does_not():
    assert ffmpeg.encoder_failure("libx264") is None
    assert ffmpeg.encoder_failure("libx265", "yuv420p10le") is None
    assert ffmpeg.encoder_failure("libnothing") == "Unknown encoder 'libnothing'"


def test_the_encoder_s_own_complaint_is_the_reason():
    stderr = (
        "[h264_nvenc @ 0x55777ac76840] Cannot load libcuda.so.1\n"
        "[vost#0:0/h264_nvenc @ 0x5577] [enc:h264_nvenc @ 0x5578] Error while opening encoder - maybe incorrect parameters\n"
        "[out#0/null @ 0x5579] Nothing was written into output file\n"
    )
    assert ffmpeg.encoder_complaint(stderr, "h264_nvenc") == "Cannot load libcuda.so.1"
    assert ffmpeg.encoder_complaint("[vost#0:0 @ 0x1] Unknown encoder 'x'\nError opening output files\n", "x") == (
        "Unknown encoder 'x'"
    )
    assert ffmpeg.encoder_complaint("", "x") == "no message"


@no_nvenc
def test_auto_falls_back_to_libx264_with_one_warning_that_says_why(caplog: pytest.LogCaptureFixture, base_model):
    reason = ffmpeg.encoder_failure("h264_nvenc")  # the real test encode, on the real ffmpeg
    assert reason  # here: "Cannot load libcuda.so.1" (no NVIDIA driver)
    ffmpeg._auto_codec.cache_clear()  # said once per process: this test wants to hear it
    auto = dataclasses.replace(load_options().encode, video_codec="auto")
    with caplog.at_level(logging.WARNING, logger="subtitler"):
        resolved = [ffmpeg.resolve_encoder(auto) for _ in range(3)]
        settings = subtitler.prepare(options={"encode": {"video_codec": "auto"}})
    assert [encode.video_codec for encode in resolved] == ["libx264"] * 3
    assert settings.options.encode.video_codec == "libx264"  # what job.json and the digests record
    assert video_args(resolved[0])[:6] == ["-c:v", "libx264", "-crf", "20", "-preset", "medium"]  # x264's keys
    warnings = [r.getMessage() for r in caplog.records if r.name == "subtitler.adapters.ffmpeg"]
    said = f"h264_nvenc cannot encode here ({reason}), so the video is encoded with libx264 on the CPU"
    assert warnings == [f'[encode] video_codec = "auto": {said}']


@no_nvenc
@pytest.mark.parametrize("codec", choices.NVENC_CODECS)
def test_an_nvenc_codec_that_cannot_encode_here_stops_run_watch_and_the_api_before_any_work(tmp_path: Path, clip: Path,
                                                                                          codec: str):  # fmt: skip
    asked = preset(tmp_path, "gpu", f'video_codec = "{codec}"')
    reason = ffmpeg.encoder_failure(codec)
    expected = (f'error: [encode] video_codec = "{codec}" cannot encode here: {reason} (NVENC needs an NVIDIA GPU '
                'that has it, and its driver; "auto" falls back to libx264)\n')  # fmt: skip
    out = tmp_path / "out"
    assert invoke("run", str(clip), "-o", str(out), "--preset", str(asked), "--burn", "en") == (2, expected)
    assert invoke("watch", str(clip.parent), "-o", str(out), "--preset", str(asked), "--once") == (2, expected)
    assert not out.exists()  # nothing written, not even the folder
    with pytest.raises(UsageError, match=f'video_codec = "{codec}" cannot encode here'):
        subtitler.prepare(options={"encode": {"video_codec": codec}})
    assert sorted(p.name for p in clip.parent.iterdir()) == ["clip.mp4"]


def codec_of(path: Path) -> tuple[str, str]:
    with av.open(str(path)) as container:
        context = container.streams.video[0].codec_context
        return context.name, context.codec_tag


@pytest.mark.slow
def test_libx265_burns_for_real_then_auto_burns_h264(tmp_path: Path, speech_video: Path, base_model):
    """A real run burns with libx265 (HEVC, tagged hvc1); the same job again with `auto`, in a process of its own,
    reuses the transcript, burns H.264 (NVENC where it encodes, else libx264 after one warning)."""
    fast = 'x264_preset = "ultrafast"\nnvenc_preset = "p1"'
    x265 = preset(tmp_path, "x265", f'video_codec = "libx265"\n{fast}')
    flags = ["-o", str(tmp_path / "out"), "--burn", "en", "--language", "en", "--no-mux", "--format", "srt"]
    code, output = invoke("run", str(speech_video), *flags, "--preset", str(x265))
    assert code == 0, output
    burned = tmp_path / "out" / "talk" / "talk.en.burned.mp4"
    assert codec_of(burned) == ("hevc", "hvc1")

    auto = preset(tmp_path, "auto", f'video_codec = "auto"\n{fast}')
    done = subprocess.run([sys.executable, "-m", "subtitler", "run", str(speech_video), *flags, "--preset", str(auto),
                           "--quiet"], capture_output=True, text=True, env=os.environ)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert codec_of(burned)[0] == "h264"
    said = [line for line in done.stderr.splitlines() if 'video_codec = "auto"' in line]
    assert len(said) == (0 if NVENC_HERE else 1), done.stderr
    if not NVENC_HERE:
        assert f"h264_nvenc cannot encode here ({ffmpeg.encoder_failure('h264_nvenc')})" in said[0]


# CUDA: every library CTranslate2 loads on a GPU, checked before any work.


def test_the_cuda_check_names_every_missing_library_and_how_to_get_it():
    assert whisper.cuda_libraries_missing(lambda name: True) is None
    nothing = whisper.cuda_libraries_missing(lambda name: False)
    assert nothing == (
        "libcublas.so.12, libcudnn.so.9, libcudnn_ops.so.9, libcudnn_cnn.so.9 (cuBLAS 12 and cuDNN 9 for CUDA 12: "
        "pip install nvidia-cublas-cu12 nvidia-cudnn-cu12, and put site-packages/nvidia/cublas/lib, "
        "site-packages/nvidia/cudnn/lib on LD_LIBRARY_PATH)"
    )
    only_cublas = whisper.cuda_libraries_missing(lambda name: name != "libcublas.so.12")
    assert only_cublas is not None and only_cublas.startswith("libcublas.so.12 (")
    assert "cudnn-cu12" not in only_cublas and "pip install nvidia-cublas-cu12," in only_cublas
    cudnn_ops = whisper.cuda_libraries_missing(lambda name: name != "libcudnn_ops.so.9")  # cuDNN half installed
    assert cudnn_ops is not None and cudnn_ops.startswith("libcudnn_ops.so.9 (")
    assert "pip install nvidia-cudnn-cu12," in cudnn_ops and "site-packages/nvidia/cudnn/lib on LD_LIBRARY_PATH" in cudnn_ops


def test_a_gpu_without_cuda_libraries_runs_auto_on_the_cpu_and_refuses_cuda(monkeypatch: pytest.MonkeyPatch,
                                                                             caplog: pytest.LogCaptureFixture):  # fmt: skip
    """A GPU CTranslate2 counts on a machine without CUDA 12's libraries (the H200 machine with CUDA 13 only)."""
    monkeypatch.setattr(whisper, "cuda_available", lambda: True)
    monkeypatch.setattr(whisper, "library_loads", lambda name: "cudnn" not in name)
    missing = whisper.cuda_libraries_missing()
    assert missing is not None and missing.startswith("libcudnn.so.9, libcudnn_ops.so.9, libcudnn_cnn.so.9 (")
    whisper._cpu_instead.cache_clear()
    with caplog.at_level(logging.WARNING, logger="subtitler"):
        assert [whisper.resolve_device("auto") for _ in range(3)] == ["cpu"] * 3
    assert [r.getMessage() for r in caplog.records if r.name == "subtitler.adapters.whisper"] == [
        f"a CUDA GPU is here but {missing} cannot be loaded, so Whisper and Argos run on the CPU"
    ]
    with pytest.raises(UsageError) as refused:
        whisper.resolve_device("cuda")
    assert str(refused.value) == f"--device cuda was asked for, but CTranslate2 cannot load {missing}"
    monkeypatch.setattr(whisper, "library_loads", lambda name: True)
    assert (whisper.resolve_device("auto"), whisper.resolve_device("cuda")) == ("cuda", "cuda")


@pytest.mark.skipif(whisper.cuda_available(), reason="a CUDA GPU is here")
def test_device_cuda_here_fails_before_any_work_in_one_line(tmp_path: Path, clip: Path):
    missing = whisper.cuda_libraries_missing()  # the real loader: none of them is installed on the test machine
    libraries = f" and cannot load {missing}" if missing else ""
    out = tmp_path / "out"
    code, output = invoke("run", str(clip), "-o", str(out), "--device", "cuda")
    assert (code, output) == (2, f"error: --device cuda was asked for, but CTranslate2 sees no CUDA GPU{libraries}\n")
    assert not out.exists()
    assert whisper.resolve_device("auto") == "cpu"  # no GPU: the CPU, nothing to warn about
