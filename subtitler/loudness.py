"""Loudness of the output audio (EBU R128, ffmpeg's loudnorm) and speech denoising: measurements and filter strings.

Two passes: `measure` reads the file's integrated loudness, true peak, loudness range and gate threshold
with ffmpeg's ebur128 meter; `normalise_filter` gives the loudnorm of the encode with those values.
loudnorm then applies one gain to the whole file ("linear") when it can: when the loudness range is within
the target's and the gain keeps the true peak under the ceiling (`linear_possible`). Otherwise it falls
back to its dynamic mode (a moving gain plus a true-peak limiter), which can land under the target on
speech with high peaks; `plan` checks that case with a trial pass and corrects it with loudnorm's
`offset` (gain before the limiter).

Why ebur128 and not loudnorm's own first pass: loudnorm's measurement counts its last 3 s buffer twice
(seen with ffmpeg 9.0: JFK's 11 s read -12.92 LUFS, -12.49 with 3 s of silence appended, -11.91 reversed),
so it reads up to 0.5 LU off on short clips and its loudness range is off too (Apollo 11: 14.5 LU against
11.0). ebur128 agrees with an independent BS.1770 computation within 0.05 LU on five shared clips.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from subtitler.adapters import ffmpeg
from subtitler.choices import DENOISERS
from subtitler.errors import FFmpegError, UsageError

log = logging.getLogger(__name__)

TARGET_I = -14.0  # LUFS, what the social networks normalise to
TARGET_TP = -1.0  # dBTP, headroom for the lossy encode
TARGET_LRA = 11.0  # LU
# loudnorm works on 3 s windows (EBU R128 short-term loudness, and its own 3 s look-ahead). A shorter input
# has no loudness range (LRA 0, which loudnorm reads as "not measured", so linear mode is refused) and
# loudnorm itself applies one gain to the whole clip from its integrated loudness, capped by its peak:
# a measuring pass would change nothing there.
TWO_PASS_MIN_SECONDS = 3.0
OUTPUT_RATE = 48000  # loudnorm's dynamic mode upsamples to 192 kHz
ABSOLUTE_GATE = -70.0  # LUFS: blocks under it are silence to EBU R128
TOLERANCE = 0.5  # LU: a dynamic-mode result this close to the target needs no correction
CORRECTION_PASSES = 3
# dB of extra drive into loudnorm's limiter at most: beyond it, speech sounds squashed. Speech whose peaks
# stand far over its loudness can then stay short of the target (Apollo 11's radio: 3 s of it at -14.9 LUFS).
MAX_OFFSET = 6.0
# 12 dB of reduction, moderate for voices, on what lies under the noise floor `nf`: an absolute level, so one
# setting cannot fit every recording. Measured (RMS as Whisper hears it): white noise at -39 dBFS loses 1.3 dB
# with the default nf=-50 and the full 12 dB from nf=-35 up; white noise at -24 dBFS loses 1.6 dB at nf=-30,
# 3 dB at -25, 10 dB at -20; clean speech loses 0.1, 0.3 and 0.6 dB. Noise tracking (tn=1) stays off: with it
# the -39 dBFS noise lost 0.9 dB.
AFFTDN = "afftdn=nr=12:nf=-25"
# The arnndn filter names only this file, copied by `prepare_denoise` into the folder ffmpeg runs in:
# no user path ever enters the filter string.
RNNOISE_MODEL = "rnnoise.rnnn"
RNNOISE_MAGIC = b"rnnoise-nu model file"
# The meter, fed at the output's rate: its true peak is then oversampled 4x, as BS.1770 measures at 48 kHz.
METER = "ebur128=peak=true:framelog=quiet"
SUMMARY = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}")
METER_VALUES = {
    "integrated": re.compile(r"^\s*I:\s*(\S+) LUFS", re.M),
    "threshold": re.compile(r"^\s*Threshold:\s*(\S+) LUFS", re.M),  # the first one: integrated loudness's gate
    "lra": re.compile(r"^\s*LRA:\s*(\S+) LU", re.M),
    "true_peak": re.compile(r"^\s*Peak:\s*(\S+) dBFS", re.M),
}
RANGE_EDGES = re.compile(r"LRA:.*?Threshold:\s*(\S+) LUFS\s*LRA low:\s*(\S+) LUFS", re.S)
STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU
    threshold: float  # LUFS, the relative gate

    @property
    def measurable(self) -> bool:
        """False for silence: no block above EBU R128's absolute gate, so no integrated loudness."""
        values = (self.integrated, self.true_peak, self.lra, self.threshold)
        return all(math.isfinite(v) for v in values) and self.integrated > ABSOLUTE_GATE


@dataclass(frozen=True)
class Plan:
    filter: str  # the audio filter chain for the encode, denoiser included
    mode: str  # "linear", "dynamic" or "one-pass"
    measured: Loudness | None  # the input, after the denoiser
    expected: Loudness | None  # the chain's result, measured in a trial pass (dynamic mode only)


def join_filters(*filters: str) -> str:
    return ",".join(f for f in filters if f)


def parse_summary(stderr: str) -> dict[str, str]:
    """The last JSON block that loudnorm=print_format=json printed (input_*, output_*, normalization_type)."""
    blocks = SUMMARY.findall(stderr)
    if not blocks:
        raise ValueError("no loudnorm summary in ffmpeg's output")
    return dict(json.loads(blocks[-1]))


def parse_meter(stderr: str) -> Loudness:
    """The last summary that ffmpeg's ebur128 filter printed."""
    start = stderr.rfind("Summary:")
    if start < 0:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    values = {}
    for name, pattern in METER_VALUES.items():
        found = pattern.search(stderr, start)
        if not found:
            raise ValueError(f"the ebur128 summary has no {name}")
        values[name] = float(found.group(1))
    edges = RANGE_EDGES.search(stderr, start)
    if edges and edges.group(1) == edges.group(2):
        # Too few 3 s windows (a clip of 3 to 3.4 s): the meter prints its -20 LU gate as the low end and a
        # range of 20 LU. One window has no range: 0, which loudnorm takes as "not measured".
        values["lra"] = 0.0
    return Loudness(**values)


def _meter(source: Path, chain: str, cwd: Path | None, on_progress: Callable[[float], None] | None) -> tuple[Loudness, str]:
    """Run `chain` over the first audio stream, then the meter at 48 kHz: (the loudness, ffmpeg's log)."""
    args = ["-i", ffmpeg.media_arg(source), "-map", "0:a:0", "-af", join_filters(chain, f"aresample={OUTPUT_RATE}", METER),
            "-f", "null", "-"]  # fmt: skip
    stderr = ffmpeg.run(args, cwd=cwd, on_progress=on_progress, what="measuring the loudness")
    try:
        return parse_meter(stderr), stderr
    except ValueError as exc:
        command = [ffmpeg.ffmpeg_exe(), *args]
        raise FFmpegError(f"measuring the loudness failed: {exc}", command, stderr[-STDERR_TAIL_CHARS:], 0) from exc


def measure(
    source: Path,
    audio_filter: str = "",
    *,
    cwd: Path | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Loudness:
    """The loudness of the first audio stream, after `audio_filter` (a denoiser, or a whole chain to check)."""
    return _meter(source, audio_filter, cwd, on_progress)[0]


def _check_targets(target_i: float, target_tp: float, target_lra: float) -> None:
    # loudnorm's own ranges (older ffmpeg builds take an LRA only up to 20)
    if not -70 <= target_i <= -5:
        raise UsageError(f"a loudness target of {target_i} LUFS is out of range: choose one from -70 to -5")
    if not -9 <= target_tp <= 0:
        raise UsageError(f"a true-peak ceiling of {target_tp} dBTP is out of range: choose one from -9 to 0")
    if not 1 <= target_lra <= 50:
        raise UsageError(f"a loudness range target of {target_lra} LU is out of range: choose one from 1 to 50")


def linear_possible(measured: Loudness, target_i: float, target_tp: float, target_lra: float) -> bool:
    """loudnorm's own rule for one gain over the whole file: the range fits, and the gain keeps the peak under the ceiling."""
    values = (round(measured.integrated, 2), round(measured.true_peak, 2), round(measured.lra, 2), round(measured.threshold, 2))
    if not measured.measurable or values[0] == 0 or values[1] == 99 or values[2] <= 0 or values[3] == -70:
        return False  # loudnorm takes these values for "not measured"
    return measured.true_peak + (target_i - measured.integrated) <= target_tp and measured.lra <= target_lra


def normalise_filter(
    measured: Loudness | None,
    target_i: float,
    target_tp: float,
    target_lra: float,
    *,
    offset: float = 0.0,
    sample_rate: int = OUTPUT_RATE,
    report: bool = False,
) -> str:
    """The loudnorm filter of the encode: two-pass with `measured`, one-pass (dynamic) with None or silence.

    `offset` (dB) is gain before the true-peak limiter, used to correct dynamic mode. The chain ends with
    a resampler: loudnorm's dynamic mode outputs 192 kHz. `report` makes loudnorm print its summary, output_* included."""
    _check_targets(target_i, target_tp, target_lra)
    options = [f"I={target_i:.1f}", f"TP={target_tp:.1f}", f"LRA={target_lra:.1f}"]
    if measured is not None and measured.measurable:
        options += [
            f"measured_I={min(max(measured.integrated, -99.0), 0.0):.2f}",
            f"measured_TP={min(max(measured.true_peak, -99.0), 99.0):.2f}",
            f"measured_LRA={min(max(measured.lra, 0.0), 99.0):.2f}",
            f"measured_thresh={min(max(measured.threshold, -99.0), 0.0):.2f}",
            "linear=true",
        ]
    if offset:
        options.append(f"offset={offset:.2f}")
    if report:
        options.append("print_format=json")
    return f"loudnorm={':'.join(options)},aresample={sample_rate}"


def plan(
    source: Path,
    duration: float,
    target_i: float = TARGET_I,
    target_tp: float = TARGET_TP,
    target_lra: float = TARGET_LRA,
    *,
    audio_filter: str = "",
    cwd: Path | None = None,
    sample_rate: int = OUTPUT_RATE,
    on_progress: Callable[[float], None] | None = None,
) -> Plan:
    """The audio chain that brings `source` (after `audio_filter`) to the target: one pass under 3 s,
    else measured; in dynamic mode, trial passes correct the gain until the result is within 0.5 LU."""
    _check_targets(target_i, target_tp, target_lra)
    if duration < TWO_PASS_MIN_SECONDS:
        chain = join_filters(audio_filter, normalise_filter(None, target_i, target_tp, target_lra, sample_rate=sample_rate))
        return Plan(chain, "one-pass", None, None)
    measured = measure(source, audio_filter, cwd=cwd, on_progress=on_progress)
    if not measured.measurable:
        log.info("%s: no loudness to measure (silence?), so one-pass normalisation", source.name)
        chain = join_filters(audio_filter, normalise_filter(None, target_i, target_tp, target_lra, sample_rate=sample_rate))
        return Plan(chain, "one-pass", measured, None)
    if linear_possible(measured, target_i, target_tp, target_lra):
        chain = join_filters(audio_filter, normalise_filter(measured, target_i, target_tp, target_lra, sample_rate=sample_rate))
        return Plan(chain, "linear", measured, None)
    log.info(
        "%s: %.1f LUFS, peak %.1f dBTP, range %.1f LU: one gain cannot reach %.1f LUFS under %.1f dBTP, so loudnorm compresses",
        source.name, measured.integrated, measured.true_peak, measured.lra, target_i, target_tp,
    )  # fmt: skip
    offset, tried = 0.0, []
    for _ in range(CORRECTION_PASSES):
        trial = normalise_filter(measured, target_i, target_tp, target_lra, offset=offset, sample_rate=sample_rate, report=True)
        result, stderr = _meter(source, join_filters(audio_filter, trial), cwd, None)
        mode = parse_summary(stderr).get("normalization_type") if SUMMARY.search(stderr) else None
        if mode != "dynamic":
            log.warning("%s: loudnorm chose %s mode where dynamic was expected", source.name, mode)
        tried.append((offset, result))
        miss = target_i - result.integrated
        if abs(miss) <= TOLERANCE:
            break
        # the limiter takes part of any added gain: step by the response seen so far (secant), first assuming all of it
        slope = 1.0
        if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
            slope = (tried[-1][1].integrated - tried[-2][1].integrated) / (tried[-1][0] - tried[-2][0])
        step = min(max(offset + miss / min(max(slope, 0.1), 1.0), -MAX_OFFSET), MAX_OFFSET)
        if step == offset:
            break
        offset = step
    offset, result = min(tried, key=lambda t: abs(target_i - t[1].integrated))
    log.debug("%s: offset %+.2f dB gives %.1f LUFS, %.1f dBTP", source.name, offset, result.integrated, result.true_peak)
    if abs(target_i - result.integrated) > 1.0:
        log.info("%s: normalised to %.1f LUFS: its peaks keep it from %.1f LUFS under %.1f dBTP", source.name,
                 result.integrated, target_i, target_tp)  # fmt: skip
    normalise = normalise_filter(measured, target_i, target_tp, target_lra, offset=offset, sample_rate=sample_rate)
    return Plan(join_filters(audio_filter, normalise), "dynamic", measured, result)


def denoise_filter(kind: str, model: Path | None = None) -> str:
    """The denoiser's filter: "" for none. arnndn's names the fixed file that `prepare_denoise` copies the model to."""
    if kind not in DENOISERS:
        raise UsageError(f"unknown denoiser '{kind}'; choose one of: {', '.join(DENOISERS)}")
    if kind == "none":
        return ""
    if kind == "afftdn":
        return AFFTDN
    if model is None:
        raise UsageError("the arnndn denoiser needs an RNNoise model file (.rnnn, e.g. from GregorR/rnnoise-models)")
    if not Path(model).is_file():
        raise UsageError(f"the RNNoise model {model} does not exist")
    with open(model, "rb") as file:
        if not file.read(len(RNNOISE_MAGIC)).startswith(RNNOISE_MAGIC):
            raise UsageError(f"{model} is not an RNNoise model file (it should begin with '{RNNOISE_MAGIC.decode()}')")
    return f"arnndn=m={RNNOISE_MODEL}"


def prepare_denoise(kind: str, model: Path | None, scratch: Path) -> str:
    """The denoiser's filter, with arnndn's model copied into `scratch`: run ffmpeg there (cwd=scratch)."""
    chain = denoise_filter(kind, model)
    if kind == "arnndn":
        assert model is not None
        shutil.copyfile(model, scratch / RNNOISE_MODEL)
    return chain
