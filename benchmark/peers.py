"""subtitler's defaults against whisper-ctranslate2's fastest settings, and where peak memory grows with length.

1. Speed and WER, on every clip of ../shared/data that lasts MIN_SECONDS or more and has a reference
   (`X.txt`: ground truth; `X.model.txt`, `X.whisper-*.srt`: a Whisper model's output, approximate):
   `subtitler run FILE --no-mux --format json --language XX -q` with its defaults (model auto, batched
   decoding, VAD, beam 5, word timestamps, int8, every core) against `whisper-ctranslate2 --batched True
   --vad_filter True`, with and without `--word_timestamps`, on the same model folder (beam 5, int8,
   2 threads, the same language forced). Median of --repeat runs in rotating order; ratio subtitler / peer.
2. Peak RSS of `subtitler run` on 60 s, 300 s and 600 s of the same reading (the sonnet looped, streams
   copied), against the extra 16 kHz float32 audio; the same with --batch-size 2, with glibc's mmap
   threshold fixed (what glibc keeps) and for whisper-ctranslate2; then, in a fresh process per length,
   the RSS high-water mark of each step inside the transcription (the kernel's peak is reset as each
   faster-whisper step starts).

subtitler's bytecode is compiled first (`compileall`, as pip does when it installs a wheel, and as the peer's
was when it was installed): a checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module
of subtitler again on each run, about 0.2 s that no installed copy pays.

Prints Markdown tables and writes the raw numbers to benchmark/results/peers.json (git-ignored).
Run with the project's venv:  SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/peers.py --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmark.run import (  # noqa: E402
    BYTES_PER_SAMPLE,
    DATA,
    SAMPLE_RATE,
    console_script,
    duration_of,
    ffmpeg_quiet,
    interleaved,
    median,
    run_child,
    run_measured,
    versions,
    wc2_args,
    wer,
)
from subtitler import model_store  # noqa: E402

RESULTS = REPO / "benchmark" / "results" / "peers.json"
MIN_SECONDS = 20.0
MEDIA_SUFFIXES = {".mp3", ".wav", ".flac", ".aiff", ".m4a", ".ogg", ".opus"}
# mit_license_en_de.mp3 is English, then German: both tools are forced to English, its first half's language.
LANGUAGE = {"mixed": "en"}
READING = DATA / "audio/en/sonnet001_librivox.mp3"
MEMORY_SECONDS = (60, 300, 600)

SUBTITLER = "subtitler (defaults)"
PEERS = {  # whisper-ctranslate2's fastest settings: batched decoding over VAD's speech
    "wc2 batched + VAD, word timestamps": ("--batched", "True", "--vad_filter", "True", "--word_timestamps", "True"),
    "wc2 batched + VAD, no word timestamps": ("--batched", "True", "--vad_filter", "True", "--word_timestamps", "False"),
}


@dataclass(frozen=True)
class Clip:
    audio: Path
    language: str
    duration: float
    reference: Path
    reference_kind: str  # "ground truth" or "Whisper <size>'s output"

    @property
    def name(self) -> str:
        return self.audio.name


# ---------------------------------------------------------------- clips and references


def model_size_in_sources(audio: Path) -> str:
    """Which Whisper model made a clip's model-output reference, as SOURCES.md's row for it says ("" if it does not)."""
    row = f"| {audio.relative_to(DATA).as_posix()} |"
    for line in (DATA / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(row):
            found = re.search(r"(?:whisper[- ]|the )\**(tiny|small|medium|large)\b", line, re.IGNORECASE)
            return found.group(1).lower() if found else ""
    return ""


def reference_of(audio: Path) -> tuple[Path, str] | None:
    """The clip's reference file and what it is: exact text first, else a model's output."""
    exact = audio.with_suffix(".txt")
    if exact.is_file():
        return exact, "ground truth"
    made = sorted(audio.parent.glob(f"{audio.stem}.model.txt")) + sorted(audio.parent.glob(f"{audio.stem}.whisper-*.srt"))
    if not made:
        return None
    size = model_size_in_sources(audio)
    return made[0], f"Whisper {size}'s output" if size else "a model's output"


def reference_text(path: Path) -> str:
    """The words of a reference: SRT numbers and timings dropped, tags such as [SPEAKER_01]: or [segment 1, English] too."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".srt":
        lines = [line for line in lines if "-->" not in line and not line.strip().isdigit()]
    return re.sub(r"\[[^\]]*\]:?", " ", "\n".join(lines))


def find_clips(minimum: float = MIN_SECONDS) -> list[Clip]:
    clips = []
    for audio in sorted((DATA / "audio").rglob("*")):
        if audio.suffix.lower() not in MEDIA_SUFFIXES or not (found := reference_of(audio)):
            continue
        duration = duration_of(audio)
        if duration >= minimum:
            language = LANGUAGE.get(audio.parent.name, audio.parent.name)
            clips.append(Clip(audio, language, duration, *found))
    return clips


# ---------------------------------------------------------------- 1. speed and WER


def compile_bytecode() -> bool:
    """subtitler's modules compiled into their __pycache__ folders (git-ignored), as an installed wheel has them."""
    return bool(compileall.compile_dir(REPO / "subtitler", quiet=1))


def subtitler_args(source: Path, out: Path, language: str, *extra: str) -> list[str]:
    """`subtitler run` with its defaults, the language forced."""
    return [console_script("subtitler"), "run", str(source), "-o", str(out), "--no-mux", "--format", "json",
            "--language", language, "-q", *extra]  # fmt: skip


def measure_clip(clip: Clip, model_dir: Path, work: Path, repeat: int) -> dict:
    """Both tools end to end on one clip, `repeat` rounds in rotating order; medians, ratios, WER."""
    texts: dict[str, str] = {}
    stage_times: list[dict[str, float]] = []

    def subtitler(round_: int) -> float:
        out = work / f"subtitler-{clip.audio.stem}-{round_}"
        seconds = run_child(subtitler_args(clip.audio, out, clip.language))
        folder = out / clip.audio.stem
        job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        if Path(job["model"]["path"]) != model_dir:
            raise RuntimeError(f"subtitler's auto model is {job['model']['path']}, not {model_dir}: not the same model")
        stage_times.append(job["timings"])
        data = json.loads((folder / f"{clip.audio.stem}.json").read_text(encoding="utf-8"))
        texts[SUBTITLER] = "".join(s["text"] for s in data["segments"])
        return seconds

    def peer(name: str, settings: tuple[str, ...]) -> Callable[[int], float]:
        def call(round_: int) -> float:
            out = work / f"wc2-{clip.audio.stem}-{settings[-1]}-{round_}"
            seconds = run_child(wc2_args(clip.audio, out, model_dir, clip.language, *settings))
            texts[name] = json.loads((out / f"{clip.audio.stem}.json").read_text(encoding="utf-8"))["text"]
            return seconds

        return call

    tools = {SUBTITLER: subtitler} | {name: peer(name, settings) for name, settings in PEERS.items()}
    print(f"{clip.name} ({clip.duration:.0f} s, {clip.language}):", file=sys.stderr)
    times = interleaved(tools, repeat)
    medians = {name: median(t) for name, t in times.items()}
    best = {name: min(t) for name, t in times.items()}  # the least disturbed run, on a machine others share
    reference = reference_text(clip.reference)
    return {
        "clip": str(clip.audio), "duration_s": clip.duration, "language": clip.language,
        "reference": str(clip.reference), "reference_kind": clip.reference_kind,
        "times_s": times, "median_s": medians, "best_s": best,
        "ratio": {name: medians[SUBTITLER] / medians[name] for name in PEERS},
        "best_ratio": {name: best[SUBTITLER] / best[name] for name in PEERS},
        "wer": {name: wer(reference, texts[name]) for name in tools},
        "subtitler_stage_s": stage_times, "texts": texts, "reference_text": reference,
    }  # fmt: skip


# ---------------------------------------------------------------- 2. memory


def make_reading(seconds: int, path: Path) -> Path:
    """The same reading looped to `seconds`, MP3 frames copied (no re-encoding)."""
    ffmpeg_quiet("-stream_loop", "-1", "-i", str(READING), "-t", str(seconds), "-c", "copy", str(path))
    return path


# glibc's fixed mmap threshold: freed blocks over 128 KiB go back to the system (by default the threshold rises
# with the largest block freed, up to 32 MiB, and what is freed below it stays in the process's heap).
FIXED_MMAP = ("env", "MALLOC_MMAP_THRESHOLD_=131072")


def measure_peaks(readings: dict[int, Path], model_dir: Path, work: Path, repeat: int) -> dict[str, dict]:
    """Peak RSS (bytes) and wall seconds of each command on each length, `repeat` rounds in rotating order."""
    commands: dict[str, Callable[[Path, Path], list[str]]] = {
        SUBTITLER: lambda src, out: subtitler_args(src, out, "en"),
        "subtitler --batch-size 2": lambda src, out: subtitler_args(src, out, "en", "--batch-size", "2"),
        f"subtitler, {FIXED_MMAP[1]}": lambda src, out: [*FIXED_MMAP, *subtitler_args(src, out, "en")],
        "wc2 batched + VAD, word timestamps": lambda src, out: wc2_args(
            src, out, model_dir, "en", *PEERS["wc2 batched + VAD, word timestamps"]
        ),
    }
    peaks: dict[str, dict[int, list[int]]] = {name: {s: [] for s in readings} for name in commands}

    def measured(name: str, seconds: int) -> Callable[[int], float]:
        def call(round_: int) -> float:
            out = work / f"mem-{list(commands).index(name)}-{seconds}-{round_}"
            wall, peak = run_measured(commands[name](readings[seconds], out))
            peaks[name][seconds].append(peak)
            return wall

        return call

    times = {}
    for seconds in readings:
        print(f"peak RSS, {seconds} s:", file=sys.stderr)
        times[seconds] = interleaved({name: measured(name, seconds) for name in commands}, repeat)
    return {
        "peak_rss_bytes": peaks,
        "median_peak_rss_bytes": {name: {s: median(p) for s, p in by.items()} for name, by in peaks.items()},
        "times_s": times,
        "median_s": {name: {s: median(times[s][name]) for s in readings} for name in commands},
    }


def probe_steps(readings: dict[int, Path], model_dir: Path, repeat: int) -> dict[str, dict[int, dict]]:
    """`--probe` in a fresh process for the shortest and longest reading, batched (the default) and sequential
    (--batch-size 0), `repeat` times; each step's median peak."""
    found: dict[str, dict[int, dict]] = {"batched": {}, "sequential": {}}
    for mode, batch in (("batched", -1), ("sequential", 0)):
        for seconds in (min(readings), max(readings)):
            command = [sys.executable, __file__, "--probe", str(readings[seconds]), "--batch-size", str(batch),
                       "--model-dir", str(model_dir)]  # fmt: skip
            runs = []
            for _ in range(repeat):
                done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise RuntimeError(f"the probe failed:\n{done.stderr[-3000:]}")
                runs.append(json.loads(done.stdout))
            steps = list(dict.fromkeys(step for run in runs for step in run["steps_mib"]))
            found[mode][seconds] = {
                "runs": runs,
                "model_loaded_mib": median([run["model_loaded_mib"] for run in runs]),
                "steps_mib": {step: median([r["steps_mib"][step] for r in runs if step in r["steps_mib"]]) for step in steps},
            }
            peaks = ", ".join(f"{run['peak_mib']:.0f}" for run in runs)
            print(f"  probe {mode} {seconds} s: peaks {peaks} MiB", file=sys.stderr)
    return found


# ---------------------------------------------------------------- the probe (runs in its own process)


def _memory_kib() -> dict[str, int]:
    return {line.split(":")[0]: int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith(("VmHWM", "VmRSS"))}  # fmt: skip


class StepPeaks:
    """The process's RSS high-water mark in each step: faster-whisper's functions are wrapped so that each call,
    and the stretch after it, starts with the kernel's peak reset (`5` into /proc/self/clear_refs)."""

    def __init__(self) -> None:
        self.step = ""
        self.peaks: dict[str, float] = {}

    def enter(self, step: str) -> None:
        if self.step:
            high = _memory_kib()["VmHWM"] / 1024
            self.peaks[self.step] = max(self.peaks.get(self.step, 0.0), high)
        self.step = step
        Path("/proc/self/clear_refs").write_text("5")

    def wrap(self, owner: object, name: str, step: str, after: str = "") -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapped(*args: object, **kwargs: object) -> object:
            self.enter(step)
            try:
                return original(*args, **kwargs)
            finally:
                self.enter(after or f"after {step}")

        setattr(owner, name, wrapped)


def probe(path: Path, batch_size: int, model_dir: Path) -> dict:
    """subtitler's decode and transcription in this process, the model loaded first; the peak RSS of each step."""
    import faster_whisper.transcribe as fw
    import faster_whisper.vad as fw_vad
    from faster_whisper.feature_extractor import FeatureExtractor

    from subtitler.adapters import media, whisper
    from subtitler.options import load_options

    overrides = {"model": str(model_dir), "language": "en", "batch_size": batch_size}
    options = load_options(overrides={"transcribe": overrides}).transcribe
    device = whisper.resolve_device(options.device)
    compute_type = whisper.resolve_compute_type(options.compute_type, device)
    whisper.load_model(str(model_dir), device, compute_type, whisper.resolve_threads(options.threads))
    fw_vad.get_vad_model()
    steps = StepPeaks()
    for owner in (fw, fw_vad):  # batched decoding calls them from fw; subtitler's sequential path from fw_vad
        steps.wrap(owner, "get_speech_timestamps", "VAD (Silero, the whole file)")
        steps.wrap(owner, "collect_chunks", "speech joined into 30 s windows")
    steps.wrap(FeatureExtractor, "__call__", "mel features")
    steps.wrap(fw.WhisperModel, "encode", "encoder (a batch of windows, or one window)", "beam search")
    steps.wrap(fw.WhisperModel, "add_word_timestamps", "word timestamps")
    loaded = _memory_kib()["VmRSS"] / 1024
    steps.enter("decode_audio")
    audio = media.decode_audio(path, None, media.probe(path).duration)
    steps.enter("transcribe, before faster-whisper's first step")
    whisper.transcribe(model_dir, audio, options)
    steps.enter("end")
    return {"model_loaded_mib": loaded, "audio_mib": audio.nbytes / 2**20, "peak_mib": max(steps.peaks.values()),
            "steps_mib": steps.peaks}  # fmt: skip


# ---------------------------------------------------------------- report


def speed_table(results: list[dict]) -> str:
    words, fastest = PEERS
    rows = [
        "| clip | reference | subtitler | wc2, words | wc2, no words | ratio vs words | ratio vs no words "
        "| WER subtitler | WER wc2, words | WER wc2, no words | goal met (vs the peer's fastest here) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m, w = r["median_s"], r["wer"]
        best = min(PEERS, key=lambda name: m[name])  # the peer's fastest setting on this clip
        goal = f"time {'yes' if m[SUBTITLER] <= m[best] else 'no'}, WER {'yes' if w[SUBTITLER] <= w[best] else 'no'}"
        rows.append(
            f"| {Path(r['clip']).name} ({r['duration_s']:.0f} s, {r['language']}) | {r['reference_kind']} "
            f"| {m[SUBTITLER]:.2f} s | {m[words]:.2f} s | {m[fastest]:.2f} s "
            f"| {r['ratio'][words]:.2f} | {r['ratio'][fastest]:.2f} "
            f"| {w[SUBTITLER]:.1%} | {w[words]:.1%} | {w[fastest]:.1%} | {goal} |"
        )
    rows += ["", "| clip | fastest run: subtitler | wc2, words | wc2, no words | ratio vs words | ratio vs no words |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        b = r["best_s"]
        rows.append(f"| {Path(r['clip']).name} | {b[SUBTITLER]:.2f} s | {b[words]:.2f} s | {b[fastest]:.2f} s "
                    f"| {r['best_ratio'][words]:.2f} | {r['best_ratio'][fastest]:.2f} |")  # fmt: skip
    return "\n".join(rows)


def memory_tables(memory: dict) -> str:
    """Median peak RSS of each command and length, then each step's peak inside the transcription."""
    short, long = min(MEMORY_SECONDS), max(MEMORY_SECONDS)
    audio = BYTES_PER_SAMPLE * SAMPLE_RATE * (long - short)
    lengths = " | ".join(f"{s} s" for s in MEMORY_SECONDS)
    rows = [f"| peak RSS (median) | {lengths} | growth {short} s to {long} s | growth / extra audio "
            f"({audio / 2**20:.0f} MiB) | time at {long} s |", "|---" * (len(MEMORY_SECONDS) + 4) + "|"]  # fmt: skip
    for name, by_length in memory["median_peak_rss_bytes"].items():
        growth = by_length[long] - by_length[short]
        cells = " | ".join(f"{by_length[s] / 2**20:.0f} MiB" for s in MEMORY_SECONDS)
        wall = memory["median_s"][name][long]
        rows.append(f"| {name} | {cells} | {growth / 2**20:.0f} MiB | {growth / audio:.1f} | {wall:.1f} s |")
    for mode, by_length in memory["steps"].items():
        heading = f"| {mode} decoding, in-process: peak RSS in each step (median) | " + " | ".join(f"{s} s" for s in by_length)
        rows += ["", heading + " |", "|---" * (len(by_length) + 1) + "|"]
        names = list(dict.fromkeys(step for probe in by_length.values() for step in probe["steps_mib"]))
        for step in names:
            cells = [probe["steps_mib"].get(step) for probe in by_length.values()]
            rows.append(f"| {step} | " + " | ".join("" if c is None else f"{c:.0f} MiB" for c in cells) + " |")
        loaded = " | ".join(f"{probe['model_loaded_mib']:.0f} MiB" for probe in by_length.values())
        rows.append(f"| (the process with the model loaded, before) | {loaded} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timings per tool and clip; the median is reported (default 3)")
    parser.add_argument("--skip-memory", action="store_true", help="speed and WER only")
    parser.add_argument("--skip-speed", action="store_true", help="memory only")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and print its path")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)  # internal: one in-process memory probe
    parser.add_argument("--batch-size", type=int, default=-1, help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, args.batch_size, args.model_dir)))
        return
    model_dir = model_store.resolve("base").path
    if not compile_bytecode():
        sys.exit("compileall failed on subtitler's modules")
    clips = find_clips()
    print(f"model: {model_dir}\nclips: {', '.join(c.name for c in clips)}", file=sys.stderr)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="subtitler-peers-"))
    try:
        results: dict = {"versions": versions(), "repeat": args.repeat, "model_dir": str(model_dir),
                         "peer_settings": PEERS, "min_seconds": MIN_SECONDS, "bytecode": "compiled first"}  # fmt: skip
        tables = []
        if not args.skip_speed:
            results["clips"] = [measure_clip(clip, model_dir, work, max(1, args.repeat)) for clip in clips]
            tables.append(speed_table(results["clips"]))
        if not args.skip_memory:
            readings = {s: make_reading(s, work / f"reading_{s}s.mp3") for s in MEMORY_SECONDS}
            results["memory"] = measure_peaks(readings, model_dir, work, max(1, args.repeat))
            results["memory"]["steps"] = probe_steps(readings, model_dir, max(1, args.repeat))
            tables.append(memory_tables(results["memory"]))
        results["total_s"] = time.perf_counter() - started
        results["tables"] = tables
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print("\n\n".join(tables))
        print(f"\nraw numbers: {RESULTS}  (total {results['total_s']:.0f} s)", file=sys.stderr)
    finally:
        if args.keep:
            print(f"temp folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
