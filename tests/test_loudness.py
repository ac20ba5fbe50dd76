"""Loudness normalisation and denoising, run by the real ffmpeg on real speech from ../shared/data.

Results are checked with ffmpeg's ebur128 meter (true peak oversampled 4x), which `measure` is checked
against an independent BS.1770 computation (numpy gating over ffmpeg's generic biquad filter).
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from subtitler import loudness
from subtitler.adapters.ffmpeg import ffmpeg_exe
from subtitler.errors import FFmpegError, UsageError
from subtitler.loudness import Loudness

from .conftest import AUDIO, VIDEO, ffmpeg

SONNET = AUDIO / "en/sonnet001_librivox.mp3"  # 53 s, -19.0 LUFS, peak -0.3 dBTP: too peaky for one gain to -14
APOLLO = AUDIO / "en/apollo11_radio_89s.mp3"  # 89 s noisy radio, range 14.5 LU
BFMTV = AUDIO / "fr/radio_bfmtv_120s.mp3"  # 120 s, -24.7 LUFS, peak -12.8 dBTP: one gain reaches -14
JFK = AUDIO / "en/jfk.flac"  # 11 s, -12.9 LUFS, peak -2.1 dBTP
AWKWARD = "-x 'a':b%c,d[e]"
TARGET = (-14.0, -1.0, 11.0)


def write(source: Path, audio_filter: str, output: Path, cwd: Path | None = None) -> str:
    """Write `source`'s audio through `audio_filter` as the encode would; return ffmpeg's log (loudnorm's summary)."""
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-y", "-i", str(source), "-map", "0:a:0",
               "-af", audio_filter, str(output)]  # fmt: skip
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stderr


def meter(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from ffmpeg's ebur128 filter."""
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true:framelog=quiet",
               "-f", "null", "-"]  # fmt: skip
    log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    summary = log[log.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(\S+) LUFS", summary)
    peak = re.search(r"Peak:\s+(\S+) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


def bs1770_integrated(path: Path) -> float:
    """Integrated loudness by ITU-R BS.1770-4, written out: at 48 kHz (the rate its filters are given for),
    K-weighting (a shelf and a high-pass), mean square over 400 ms blocks every 100 ms summed over channels,
    absolute gate -70 LUFS, relative gate -10 LU."""
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    found = re.search(r"Audio: .*?, \d+ Hz, (mono|stereo)", probe)
    assert found, probe
    channels, rate = 1 if found.group(1) == "mono" else 2, 48000
    shelf = [1.53512485958697, -2.69169618940638, 1.19839281085285, 1, -1.69065929318241, 0.73248077421585]
    highpass = [1.0, -2.0, 1.0, 1, -1.99004745483398, 0.99007225036621]
    biquads = ",".join(
        "biquad=" + ":".join(f"{name}={value}" for name, value in zip(("b0", "b1", "b2", "a0", "a1", "a2"), c, strict=True))
        for c in (shelf, highpass)
    )
    command = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-af", f"aresample={rate},{biquads}", "-c:a", "pcm_f64le",
               "-f", "f64le", "-"]  # fmt: skip
    weighted = np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, dtype=np.float64)
    squares = np.concatenate([np.zeros((1, channels)), np.cumsum(weighted.reshape(-1, channels) ** 2, axis=0)])
    block, hop = int(0.4 * rate), int(0.1 * rate)
    starts = np.arange(0, len(squares) - block, hop)
    power = ((squares[starts + block] - squares[starts]) / block).sum(axis=1)
    loud = power[-0.691 + 10 * np.log10(power + 1e-30) > -70]
    gate = -0.691 + 10 * np.log10(loud.mean()) - 10
    return float(-0.691 + 10 * np.log10(loud[-0.691 + 10 * np.log10(loud) > gate].mean()))


def assert_on_target(path: Path, tolerance: float) -> tuple[float, float]:
    integrated, peak = meter(path)
    assert abs(integrated - TARGET[0]) <= tolerance, (integrated, peak)
    assert peak <= TARGET[1] + 0.5, (integrated, peak)
    return integrated, peak


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("loudness")
    made = {
        # 15 dB down as float samples: the same peak-to-loudness ratio, so the same fallback to dynamic mode
        "quiet": ("-i", str(SONNET), "-af", "volume=-15dB", "-c:a", "pcm_f32le"),
        # 15 dB up into 16-bit samples: clipped like an overdriven recording, so its peaks allow one gain (down)
        "loud": ("-i", str(SONNET), "-af", "volume=+15dB", "-c:a", "pcm_s16le"),
        "jfk_2.5s": ("-t", "2.5", "-i", str(JFK)),
        "apollo_2.5s": ("-ss", "20", "-t", "2.5", "-i", str(APOLLO)),
        "jfk_3s": ("-t", "3", "-i", str(JFK)),
        "sonnet_3s": ("-ss", "10", "-t", "3", "-i", str(SONNET)),
        "apollo_3s": ("-ss", "20", "-t", "3", "-i", str(APOLLO)),
        "silence": ("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "5"),
        "white_noise": ("-f", "lavfi", "-i", "anoisesrc=c=white:a=0.02:r=16000:d=6"),
    }
    paths = {}
    for name, args in made.items():
        paths[name] = folder / f"{name}.wav"
        ffmpeg(*args, str(paths[name]))
    return paths


# --- measuring ---------------------------------------------------------------------------------------


def test_measure_reads_the_sonnet(shared: Path) -> None:
    measured = loudness.measure(SONNET)
    assert measured.integrated == pytest.approx(bs1770_integrated(SONNET), abs=0.1)  # -18.9 LUFS
    assert -1.0 < measured.true_peak < 0.5
    assert 5.0 < measured.lra < 10.0
    assert measured.threshold == pytest.approx(measured.integrated - 11, abs=1.5)  # relative gate: about -10 LU


@pytest.mark.parametrize("name", ["en/jfk.flac", "en/jfk_16k_mono.wav", "en/mr_quilter.wav", "en/apollo11_radio_89s.mp3"])
def test_measure_agrees_with_bs1770(shared: Path, name: str) -> None:
    # loudnorm's own first pass reads these 0.1 to 0.5 LU low (it counts its last 3 s twice): JFK -12.92 for -12.46
    assert loudness.measure(AUDIO / name).integrated == pytest.approx(bs1770_integrated(AUDIO / name), abs=0.1)


def test_measure_takes_a_name_that_looks_like_options(tmp_path: Path, shared: Path) -> None:
    odd = tmp_path / f"{AWKWARD}.flac"
    odd.symlink_to(JFK)
    assert loudness.measure(odd) == loudness.measure(JFK)


def test_measure_without_audio_is_a_one_line_ffmpeg_error(shared: Path) -> None:
    with pytest.raises(FFmpegError) as error:
        loudness.measure(VIDEO / "tears_of_steel_10s_noaudio.mp4")
    assert str(error.value).startswith("measuring the loudness failed:")
    assert "\n" not in str(error.value)
    assert error.value.returncode != 0 and error.value.stderr_tail


def test_silence_is_not_measurable_and_gets_one_pass(clips: dict[str, Path]) -> None:
    measured = loudness.measure(clips["silence"])
    assert not measured.measurable
    assert loudness.normalise_filter(measured, *TARGET) == loudness.normalise_filter(None, *TARGET)
    result = loudness.plan(clips["silence"], 5.0)
    assert result.mode == "one-pass"
    write(clips["silence"], result.filter, clips["silence"].with_name("silence.out.wav"))


def test_parse_summary_takes_the_last_block() -> None:
    stderr = (
        '[Parsed_loudnorm_0 @ 0x1]\n{\n\t"input_i" : "-27.61",\n\t"input_tp" : "-4.47",\n\t"input_lra" : "18.06",\n'
        '\t"input_thresh" : "-39.20",\n\t"normalization_type" : "dynamic"\n}\n'
        '[Parsed_loudnorm_1 @ 0x2]\n{\n\t"input_i" : "-inf",\n\t"input_tp" : "-inf",\n\t"input_lra" : "0.00",\n'
        '\t"input_thresh" : "-70.00",\n\t"output_i" : "-inf"\n}\n[out#0/null @ 0x3] video:0KiB audio:1KiB\n'
    )
    summary = loudness.parse_summary(stderr)
    assert summary["input_i"] == "-inf" and summary["output_i"] == "-inf"
    with pytest.raises(ValueError):
        loudness.parse_summary("[out#0/null @ 0x3] video:0KiB audio:1KiB\n")


def test_parse_meter_reads_the_summary() -> None:
    stderr = (
        "[Parsed_ebur128_1 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -12.5 LUFS\n    Threshold: -23.7 LUFS\n\n"
        "  Loudness range:\n    LRA:         4.1 LU\n    Threshold: -34.1 LUFS\n    LRA low:   -15.0 LUFS\n"
        "    LRA high:  -11.0 LUFS\n\n  True peak:\n    Peak:       -2.1 dBFS\n[out#0/null @ 0x2] audio:1KiB\n"
    )
    assert loudness.parse_meter(stderr) == Loudness(integrated=-12.5, true_peak=-2.1, lra=4.1, threshold=-23.7)
    silence = stderr.replace("-12.5", "-70.0").replace("-2.1 dBFS", "-inf dBFS")
    assert not loudness.parse_meter(silence).measurable
    with pytest.raises(ValueError):
        loudness.parse_meter(stderr[: stderr.index("  True peak")])
    # 3 s of JFK: one short-term window, and the meter prints its gate as the low end of a 20 LU range
    one_window = stderr.replace("LRA:         4.1 LU", "LRA:        20.0 LU").replace("-15.0 LUFS", "-34.1 LUFS")
    assert loudness.parse_meter(one_window).lra == 0.0


# --- filter strings ----------------------------------------------------------------------------------


def test_normalise_filter_strings() -> None:
    measured = Loudness(integrated=-19.034, true_peak=-0.27, lra=7.5, threshold=-29.99)
    assert loudness.normalise_filter(measured, *TARGET) == (
        "loudnorm=I=-14.0:TP=-1.0:LRA=11.0:measured_I=-19.03:measured_TP=-0.27:measured_LRA=7.50:measured_thresh=-29.99"
        ":linear=true,aresample=48000"
    )
    assert loudness.normalise_filter(None, *TARGET, sample_rate=44100) == "loudnorm=I=-14.0:TP=-1.0:LRA=11.0,aresample=44100"
    assert ":offset=2.50:print_format=json," in loudness.normalise_filter(measured, *TARGET, offset=2.5, report=True)
    with pytest.raises(UsageError, match="-4"):
        loudness.normalise_filter(None, -4.0, -1.0, 11.0)
    with pytest.raises(UsageError, match="true-peak"):
        loudness.normalise_filter(None, -14.0, 1.0, 11.0)


def test_linear_possible_follows_loudnorms_rule() -> None:
    # one gain of +5 dB takes a -0.3 dBTP peak to +4.7 dBTP: over the ceiling
    assert not loudness.linear_possible(Loudness(-19.03, -0.27, 7.5, -29.99), *TARGET)
    # +10.7 dB takes -12.8 to -2.1 dBTP, and the range fits
    assert loudness.linear_possible(Loudness(-24.68, -12.81, 2.6, -34.71), *TARGET)
    # the peak fits but the range does not
    assert not loudness.linear_possible(Loudness(-24.94, -20.0, 14.5, -36.91), *TARGET)
    # LRA 0 (under 3 s) is "not measured" to loudnorm
    assert not loudness.linear_possible(Loudness(-22.11, -10.0, 0.0, -34.23), *TARGET)


# --- normalising, two passes -------------------------------------------------------------------------


def test_two_pass_brings_the_sonnet_to_the_target(tmp_path: Path, shared: Path) -> None:
    measured = loudness.measure(SONNET)
    log = write(SONNET, loudness.normalise_filter(measured, *TARGET, report=True), tmp_path / "sonnet.wav")
    # Its peaks are 18.8 dB over its loudness: one gain to -14 LUFS would put them at +4.7 dBTP, so loudnorm
    # falls back to dynamic mode (a moving gain and a true-peak limiter), which lands within 1 LU here.
    assert loudness.parse_summary(log)["normalization_type"] == "dynamic"
    assert_on_target(tmp_path / "sonnet.wav", tolerance=1.0)
    assert loudness.measure(tmp_path / "sonnet.wav").integrated == pytest.approx(TARGET[0], abs=1.0)


@pytest.mark.parametrize(
    ("name", "mode"), [("quiet", "dynamic"), ("loud", "linear"), ("bfmtv", "linear"), ("jfk", "linear")]
)  # fmt: skip
def test_two_pass_on_quiet_and_loud_clips(clips: dict[str, Path], tmp_path: Path, name: str, mode: str) -> None:
    source = {"bfmtv": BFMTV, "jfk": JFK}.get(name) or clips[name]
    measured = loudness.measure(source)
    expected_mode = "linear" if loudness.linear_possible(measured, *TARGET) else "dynamic"
    assert expected_mode == mode
    normalise = loudness.normalise_filter(measured, *TARGET, report=True)
    log = write(source, normalise, tmp_path / "out.wav")
    assert loudness.parse_summary(log)["normalization_type"] == mode  # loudnorm agrees with linear_possible
    # linear mode is one gain, target minus measured: exact; dynamic mode is within 1 LU on these clips
    assert_on_target(tmp_path / "out.wav", tolerance=0.2 if mode == "linear" else 1.0)


def test_plan_corrects_dynamic_mode_falling_short(tmp_path: Path, shared: Path) -> None:
    # Plain dynamic mode leaves this noisy radio at -15.7 LUFS (its limiter eats the gain); the plan's
    # trial passes raise loudnorm's offset (to +4.8 dB here) until the result is within 0.5 LU: -14.2.
    result = loudness.plan(APOLLO, 89.2, *TARGET)
    assert result.mode == "dynamic" and result.measured is not None and result.expected is not None
    assert abs(result.expected.integrated - TARGET[0]) <= loudness.TOLERANCE
    write(APOLLO, result.filter, tmp_path / "apollo.wav")
    integrated, _ = assert_on_target(tmp_path / "apollo.wav", tolerance=1.0)
    assert integrated == pytest.approx(result.expected.integrated, abs=0.3)


def test_plan_uses_one_gain_when_it_can(tmp_path: Path, shared: Path) -> None:
    result = loudness.plan(JFK, 11.0, *TARGET)
    assert result.mode == "linear" and result.expected is None
    write(JFK, result.filter, tmp_path / "jfk.wav")
    assert_on_target(tmp_path / "jfk.wav", tolerance=0.2)


# --- normalising short clips -------------------------------------------------------------------------


def test_under_3_seconds_one_pass_is_one_gain(clips: dict[str, Path]) -> None:
    # Under 3 s loudnorm applies one gain from the clip's own integrated loudness, capped by its peak.
    result = loudness.plan(clips["jfk_2.5s"], 2.5, *TARGET)
    assert result.mode == "one-pass" and result.measured is None
    write(clips["jfk_2.5s"], result.filter, clips["jfk_2.5s"].with_suffix(".out.wav"))
    assert_on_target(clips["jfk_2.5s"].with_suffix(".out.wav"), tolerance=0.3)
    # This radio clip's peaks allow only +7.8 dB: it stays under the target, never over it or the ceiling.
    apollo = clips["apollo_2.5s"]
    write(apollo, loudness.plan(apollo, 2.5, *TARGET).filter, apollo.with_suffix(".out.wav"))
    integrated, peak = meter(apollo.with_suffix(".out.wav"))
    assert integrated < TARGET[0] + 0.5 and peak <= TARGET[1] + 0.5


@pytest.mark.parametrize("name", ["jfk_3s", "sonnet_3s", "apollo_3s"])
def test_3_second_clips_one_pass_within_2_lu_two_pass_within_1(clips: dict[str, Path], name: str) -> None:
    source = clips[name]
    one_pass = source.with_suffix(".one.wav")
    write(source, loudness.normalise_filter(None, *TARGET), one_pass)
    # Measured here: JFK -12.2, sonnet -13.9, Apollo -15.6 LUFS: dynamic mode without measurements is off by up to 2 LU;
    # the plan (measured, then corrected) gives -14.0, -13.9 and -14.9.
    assert_on_target(one_pass, tolerance=2.0)
    result = loudness.plan(source, 3.0, *TARGET)
    assert result.mode in ("linear", "dynamic")
    two_pass = source.with_suffix(".two.wav")
    write(source, result.filter, two_pass)
    assert_on_target(two_pass, tolerance=1.0)


# --- denoising ---------------------------------------------------------------------------------------


def test_denoise_filter_kinds(tmp_path: Path) -> None:
    assert loudness.denoise_filter("none") == ""
    assert loudness.denoise_filter("afftdn") == loudness.AFFTDN
    with pytest.raises(UsageError, match="none, afftdn, arnndn"):
        loudness.denoise_filter("rnnoise")
    with pytest.raises(UsageError, match="needs an RNNoise model"):
        loudness.denoise_filter("arnndn")
    with pytest.raises(UsageError, match="does not exist"):
        loudness.denoise_filter("arnndn", tmp_path / "missing.rnnn")
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(UsageError, match="not an RNNoise model"):
        loudness.prepare_denoise("arnndn", tmp_path / "notes.txt", tmp_path)
    assert loudness.join_filters("", loudness.AFFTDN, "", "aresample=48000") == f"{loudness.AFFTDN},aresample=48000"


def test_afftdn_lowers_noise_and_keeps_speech(clips: dict[str, Path], shared: Path) -> None:
    noise = clips["white_noise"]
    write(noise, loudness.denoise_filter("afftdn"), noise.with_suffix(".out.wav"))
    assert meter(noise.with_suffix(".out.wav"))[0] < meter(noise)[0] - 8  # 12 dB asked
    speech = noise.with_name("jfk.afftdn.wav")
    write(JFK, loudness.denoise_filter("afftdn"), speech)
    assert meter(speech)[0] == pytest.approx(meter(JFK)[0], abs=0.5)


def zero_rnnoise_model(path: Path) -> Path:
    """An RNNoise model in arnndn's text format with the standard layer sizes and every weight 0: each band's
    gain is then sigmoid(0) = 0.5, so the filter takes 6 dB off. No real model can be downloaded here."""
    lines = ["rnnoise-nu model file version 1"]
    for kind, inputs, neurons, activation in [("dense", 42, 24, 0), ("gru", 24, 24, 2), ("gru", 90, 48, 2),
                                              ("gru", 114, 96, 2), ("dense", 96, 22, 1), ("dense", 24, 1, 1)]:  # fmt: skip
        lines.append(f"{inputs} {neurons} {activation}")
        weights = [inputs * neurons, neurons] if kind == "dense" else [inputs * neurons * 3, neurons * neurons * 3, neurons * 3]
        lines += [" ".join(["0"] * count) for count in weights]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_arnndn_runs_a_model_from_an_awkward_path(tmp_path: Path, shared: Path) -> None:
    model = zero_rnnoise_model(tmp_path / "my models" / f"{AWKWARD}.rnnn")
    scratch = tmp_path / "work"
    scratch.mkdir()
    chain = loudness.prepare_denoise("arnndn", model, scratch)
    assert chain == "arnndn=m=rnnoise.rnnn" and str(model) not in chain
    assert (scratch / loudness.RNNOISE_MODEL).read_bytes() == model.read_bytes()
    output = tmp_path / "jfk.arnndn.wav"
    write(JFK, chain, output, cwd=scratch)
    assert meter(output)[0] == pytest.approx(meter(JFK)[0] - 6.0, abs=1.0)  # the model ran
    # the denoiser in front of the measurement and of the plan, run in the scratch folder
    measured = loudness.measure(JFK, chain, cwd=scratch)
    assert measured.integrated == pytest.approx(meter(output)[0], abs=0.5)
    result = loudness.plan(JFK, 11.0, *TARGET, audio_filter=chain, cwd=scratch)
    assert result.filter.startswith(chain + ",loudnorm=")
    write(JFK, result.filter, output, cwd=scratch)
    assert_on_target(output, tolerance=1.0)
    assert math.isfinite(measured.true_peak)
