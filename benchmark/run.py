"""Benchmark subtitler against the tools it is built from, on the same audio and the same model folder.

Measures, in one run:
  1. transcription time and WER: `subtitler run` vs `whisper-ctranslate2` (both CLIs, end to end),
     and subtitler's adapter vs plain faster-whisper (both in this process, model loaded once);
  2. soft-mux: subtitler's mux stage (and a whole `subtitler run` that reuses its transcript) vs bare ffmpeg;
  3. burn-in: subtitler's burn stage vs a bare ffmpeg `subtitles=` + libx264 encode of the same ASS file;
  4. peak RSS of `subtitler run` on a 60 s and a 300 s video, against the size of the 16 kHz float32 audio.

Prints Markdown tables and writes the raw numbers to benchmark/results/latest.json.
Run with the project's venv:  SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/run.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import jiwer

from subtitler import ffmpeg_args, model_store
from subtitler.adapters import ffmpeg, media, whisper
from subtitler.options import load_options

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
RESULTS = HERE / "results" / "latest.json"
SAMPLE_RATE = 16000
BYTES_PER_SAMPLE = 4  # float32

# The decoding settings both tools are given; the rest stays at each tool's own defaults.
DEVICE, COMPUTE_TYPE, THREADS, BEAM_SIZE = "cpu", "int8", 2, 5


@dataclass(frozen=True)
class Clip:
    key: str
    audio: Path
    reference: Path
    language: str


CLIPS = {
    "en": Clip("en", DATA / "audio/en/sonnet001_librivox.mp3", DATA / "audio/en/sonnet001_librivox.txt", "en"),
    "fr": Clip("fr", DATA / "audio/fr/sous_le_consulat.wav", DATA / "audio/fr/sous_le_consulat.txt", "fr"),
}


# ---------------------------------------------------------------- helpers


def console_script(name: str) -> str:
    """A console script of the venv this script runs in (so both CLIs use the same packages)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found; pip install it into the venv")
    return found


def run_child(command: list[str], cwd: Path | None = None) -> float:
    """Run a command to completion; return its wall seconds. Raise with stderr's tail on failure."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-3000:]
        raise RuntimeError(f"{command[0]} exited with {done.returncode}:\n{tail}")
    return seconds


# Launches argv[1:] from a small process and prints the child's peak RSS in KiB: the fallback for a
# machine without GNU time. (Measuring from this big process instead would count the RSS it had
# when it forked: Linux keeps the pre-exec high-water mark in ru_maxrss.)
RSS_WRAPPER = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "_, status, usage = os.wait4(p.pid, 0); print(usage.ru_maxrss, file=sys.stderr); "
    "sys.exit(os.waitstatus_to_exitcode(status))"
)


def run_measured(command: list[str]) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak RSS in bytes), via /usr/bin/time where it exists."""
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as report:
        if Path("/usr/bin/time").is_file():
            wrapped = ["/usr/bin/time", "-f", "%M", "-o", report.name, *command]
        else:
            wrapped = [sys.executable, "-c", RSS_WRAPPER, *command]
        started = time.perf_counter()
        done = subprocess.run(wrapped, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} exited with {done.returncode}:\n{done.stderr[-3000:]}")
        text = Path(report.name).read_text() if wrapped[0] == "/usr/bin/time" else done.stderr
    kib = int(text.strip().splitlines()[-1])  # GNU time and Linux both count KiB
    return seconds, kib * 1024


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def interleaved(tools: dict[str, Callable[[int], float]], repeat: int) -> dict[str, list[float]]:
    """Run every tool once per round, rotating the order each round, so machine noise hits all alike."""
    names = list(tools)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            seconds = tools[name](round_)
            times[name].append(seconds)
            print(f"  round {round_ + 1}/{repeat}  {name:32} {seconds:7.2f} s", file=sys.stderr, flush=True)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def normalise(text: str) -> str:
    """Lowercase, apostrophes dropped, other punctuation to spaces; numbers stay as they are."""
    text = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


def duration_of(path: Path) -> float:
    return media.probe(path).duration


def ffmpeg_quiet(*args: str, cwd: Path | None = None) -> float:
    """Bare ffmpeg, as a person would type it (plus -y and quiet logs); returns wall seconds."""
    return run_child([ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], cwd=cwd)


# ---------------------------------------------------------------- 1. transcription


def subtitler_run_args(source: Path, out: Path, language: str, *extra: str) -> list[str]:
    return [
        console_script("subtitler"), "run", str(source), "-o", str(out), "-q",
        "--device", DEVICE, "--compute-type", COMPUTE_TYPE, "--threads", str(THREADS),
        "--beam-size", str(BEAM_SIZE), "--language", language, *extra,
    ]  # fmt: skip


def wc2_args(source: Path, out: Path, model_dir: Path, language: str, *extra: str) -> list[str]:
    return [
        console_script("whisper-ctranslate2"), str(source), "--model_directory", str(model_dir),
        "--device", DEVICE, "--compute_type", COMPUTE_TYPE, "--threads", str(THREADS),
        "--beam_size", str(BEAM_SIZE), "--language", language,
        "--output_dir", str(out), "--output_format", "json", "--verbose", "False", *extra,
    ]  # fmt: skip


# whisper-ctranslate2 given the decoding settings of subtitler's default preset (VAD, word timing, ...).
WC2_AS_SUBTITLER = (
    "--vad_filter", "True", "--vad_min_silence_duration_ms", "2000", "--word_timestamps", "True",
    "--condition_on_previous_text", "False", "--hallucination_silence_threshold", "2.0",
)  # fmt: skip


def measure_transcription(clip: Clip, model_dir: Path, work: Path, repeat: int, matched: bool) -> dict:
    """Both CLIs end to end, and both libraries in this process, on one clip; medians and WER."""
    from faster_whisper import WhisperModel

    reference = clip.reference.read_text(encoding="utf-8")
    options = load_options(overrides={"transcribe": {
        "model": str(model_dir), "device": DEVICE, "compute_type": COMPUTE_TYPE, "threads": THREADS,
        "beam_size": BEAM_SIZE, "language": clip.language,
    }}).transcribe  # fmt: skip
    whisper.load_model(str(model_dir), DEVICE, COMPUTE_TYPE, THREADS)  # load outside the timings
    plain = WhisperModel(str(model_dir), device=DEVICE, compute_type=COMPUTE_TYPE, cpu_threads=THREADS)
    texts: dict[str, str] = {}

    def subtitler_cli(round_: int) -> float:
        out = work / f"subtitler-{clip.key}-{round_}"
        seconds = run_child(subtitler_run_args(clip.audio, out, clip.language, "--no-mux", "--format", "json"))
        data = json.loads((out / clip.audio.stem / f"{clip.audio.stem}.json").read_text(encoding="utf-8"))
        texts["subtitler CLI"] = "".join(s["text"] for s in data["segments"])
        return seconds

    def wc2_cli(name: str, extra: tuple[str, ...]) -> Callable[[int], float]:
        def call(round_: int) -> float:
            out = work / f"wc2-{clip.key}-{len(extra)}-{round_}"
            seconds = run_child(wc2_args(clip.audio, out, model_dir, clip.language, *extra))
            texts[name] = json.loads((out / f"{clip.audio.stem}.json").read_text(encoding="utf-8"))["text"]
            return seconds

        return call

    def subtitler_library(_: int) -> float:
        seconds, transcript = timed(lambda: whisper.transcribe(model_dir, media.decode_audio(clip.audio), options))
        texts["subtitler in-process"] = "".join(s.text for s in transcript.segments)  # type: ignore[attr-defined]
        return seconds

    def faster_whisper_library(_: int) -> float:
        def go() -> str:
            segments, _ = plain.transcribe(str(clip.audio), beam_size=BEAM_SIZE, language=clip.language)
            return "".join(s.text for s in segments)  # consuming the generator is what decodes

        seconds, text = timed(go)
        texts["faster-whisper in-process"] = str(text)
        return seconds

    tools: dict[str, Callable[[int], float]] = {
        "subtitler CLI": subtitler_cli,
        "whisper-ctranslate2 CLI": wc2_cli("whisper-ctranslate2 CLI", ()),
    }
    if matched:
        tools["whisper-ctranslate2 CLI, subtitler's settings"] = wc2_cli(
            "whisper-ctranslate2 CLI, subtitler's settings", WC2_AS_SUBTITLER
        )
    tools["subtitler in-process"] = subtitler_library
    tools["faster-whisper in-process"] = faster_whisper_library
    print(f"transcription, {clip.audio.name}:", file=sys.stderr)
    times = interleaved(tools, repeat)
    whisper.unload_models()
    return {
        "clip": str(clip.audio),
        "duration_s": duration_of(clip.audio),
        "language": clip.language,
        "times_s": times,
        "median_s": {name: median(t) for name, t in times.items()},
        "wer": {name: wer(reference, texts[name]) for name in tools},
        "texts": {name: texts[name] for name in tools},
        "reference": reference,
    }


# ---------------------------------------------------------------- test media


def make_test_video(path: Path, seconds: int = 60) -> Path:
    """testsrc2 1280x720 25 fps (x264) + the sonnet reading as AAC, padded with silence to `seconds`."""
    ffmpeg_quiet(
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
        "-i", str(CLIPS["en"].audio), "-map", "0:v", "-map", "1:a", "-af", "apad", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(path),
    )  # fmt: skip
    return path


def make_long_video(short: Path, path: Path, loops: int) -> Path:
    """The short video played `loops` times in a row, streams copied."""
    ffmpeg_quiet("-stream_loop", str(loops - 1), "-i", str(short), "-c", "copy", str(path))
    return path


# ---------------------------------------------------------------- 2. soft mux


def measure_mux(video: Path, subtitled_run: Path, srt: Path, work: Path, repeat: int) -> dict:
    """subtitler's mux stage (its own arguments, its ffmpeg runner) vs bare ffmpeg stream copy; plus the
    whole CLI re-run on the same output folder, where the transcript is reused and only mux is redone."""
    container = ffmpeg_args.container_for(video, "srt")

    def subtitler_stage(round_: int) -> float:
        out = work / f"mux-subtitler-{round_}{container.extension}"
        seconds, _ = timed(lambda: ffmpeg.run(ffmpeg_args.mux_args(video, [("en", srt)], 0, container, out)))
        return seconds

    def bare(round_: int) -> float:
        out = work / f"mux-bare-{round_}.mp4"
        return ffmpeg_quiet(
            "-i", str(video), "-i", str(srt), "-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text", str(out)
        )

    reused: list[list[str]] = []
    stage_seconds: list[float] = []
    folder = subtitled_run / video.stem

    def subtitler_cli(_: int) -> float:
        (folder / f"{video.stem}.subtitled{container.extension}").unlink(missing_ok=True)
        seconds = run_child(subtitler_run_args(video, subtitled_run, "en", "--mux", "--format", "json,srt,ass"))
        job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        reused.append(job["reused"])
        stage_seconds.append(job["timings"]["mux"])
        return seconds

    print("soft mux:", file=sys.stderr)
    times = interleaved(
        {"subtitler mux stage": subtitler_stage, "bare ffmpeg mux": bare, "subtitler CLI, transcript reused": subtitler_cli},
        repeat,
    )
    if not all("transcribe" in r for r in reused):
        raise RuntimeError(f"the CLI re-run transcribed again instead of reusing the transcript: reused={reused}")
    return {
        "times_s": times,
        "median_s": {name: median(t) for name, t in times.items()},
        "cli_job_json_mux_stage_s": stage_seconds,
        "cli_reused": reused,
        "subtitler_args": ffmpeg_args.mux_args(video, [("en", srt)], 0, container, work / "out.mp4"),
    }


# ---------------------------------------------------------------- 3. burn-in


def measure_burn(video: Path, ass: Path, work: Path, repeat: int) -> dict:
    """subtitler's burn arguments vs bare `-vf subtitles=` + libx264, both run in a folder holding burn.ass."""
    folder = work / "burn"
    folder.mkdir()
    shutil.copyfile(ass, folder / ffmpeg_args.SUBTITLE_FILE)
    info = media.probe(video)
    encode = load_options().encode

    def subtitler_stage(round_: int) -> float:
        out = folder / f"subtitler-{round_}.mp4"
        seconds, _ = timed(lambda: ffmpeg.run(ffmpeg_args.burn_args(video, info, encode, out), cwd=folder))
        return seconds

    def bare(round_: int) -> float:
        return ffmpeg_quiet(
            "-i", str(video), "-vf", f"subtitles={ffmpeg_args.SUBTITLE_FILE}", "-c:v", "libx264", "-crf", "20",
            "-preset", "medium", "-c:a", "copy", str(folder / f"bare-{round_}.mp4"), cwd=folder,
        )  # fmt: skip

    print("burn-in:", file=sys.stderr)
    times = interleaved({"subtitler burn stage": subtitler_stage, "bare ffmpeg burn": bare}, repeat)
    sizes = {p.name: p.stat().st_size for p in sorted(folder.glob("*.mp4"))}
    return {
        "times_s": times,
        "median_s": {name: median(t) for name, t in times.items()},
        "output_bytes": sizes,
        "subtitler_args": ffmpeg_args.burn_args(video, info, encode, folder / "out.mp4"),
    }


# ---------------------------------------------------------------- 4. peak memory


def measure_memory(short: Path, long: Path, model_dir: Path, work: Path) -> dict:
    """Peak RSS of a full `subtitler run` (default outputs, soft mux included) on a short and a long
    video; of the same run on the long video's audio alone (if frames or video packets were held, the
    video would cost more); and of whisper-ctranslate2 with subtitler's decoding settings as a control."""
    long_audio = work / "test_long_audio.m4a"
    ffmpeg_quiet("-i", str(long), "-map", "0:a", "-c", "copy", str(long_audio))
    runs: dict[str, dict[str, float]] = {}
    commands = {
        "subtitler short": (short, subtitler_run_args(short, work / "mem-subtitler-short", "en")),
        "whisper-ctranslate2 short": (short, wc2_args(short, work / "mem-wc2-short", model_dir, "en", *WC2_AS_SUBTITLER)),
        "subtitler long": (long, subtitler_run_args(long, work / "mem-subtitler-long", "en")),
        "whisper-ctranslate2 long": (long, wc2_args(long, work / "mem-wc2-long", model_dir, "en", *WC2_AS_SUBTITLER)),
        "subtitler long, audio only": (long_audio, subtitler_run_args(long_audio, work / "mem-subtitler-long-audio", "en")),
    }
    print("peak memory:", file=sys.stderr)
    for name, (source, command) in commands.items():
        seconds, peak = run_measured(command)
        runs[name] = {"seconds": seconds, "peak_rss_bytes": peak, "media_s": duration_of(source)}
        print(f"  {name:28} {seconds:7.2f} s  {peak / 2**20:7.1f} MiB", file=sys.stderr, flush=True)
    extra_audio = BYTES_PER_SAMPLE * SAMPLE_RATE * (duration_of(long) - duration_of(short))
    growth = {tool: runs[f"{tool} long"]["peak_rss_bytes"] - runs[f"{tool} short"]["peak_rss_bytes"]
              for tool in ("subtitler", "whisper-ctranslate2")}  # fmt: skip
    return {"runs": runs, "expected_audio_growth_bytes": extra_audio, "growth_bytes": growth}


# ---------------------------------------------------------------- report


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def row(label: str, ours: float, theirs: float, unit: str, bold: bool = False) -> str:
    text = ratio(ours, theirs)
    fmt = "{:.2f} s" if unit == "s" else "{:.1f} MiB"
    scale = 1 if unit == "s" else 2**20
    return f"| {label} | {fmt.format(ours / scale)} | {fmt.format(theirs / scale)} | {f'**{text}**' if bold else text} |"


def tables(results: dict) -> str:
    """The ratios table, then the WER table."""
    rows = ["| measurement | subtitler | baseline | ratio (subtitler / baseline) |", "|---|---|---|---|"]
    for t in results["transcription"].values():
        m = t["median_s"]
        clip = f"{Path(t['clip']).name} ({t['duration_s']:.0f} s)"
        rows.append(row(f"transcribe {clip}, CLI end to end, vs whisper-ctranslate2", m["subtitler CLI"],
                        m["whisper-ctranslate2 CLI"], "s", bold=True))  # fmt: skip
        if "whisper-ctranslate2 CLI, subtitler's settings" in m:
            rows.append(row("same, vs whisper-ctranslate2 given subtitler's decode settings", m["subtitler CLI"],
                            m["whisper-ctranslate2 CLI, subtitler's settings"], "s"))  # fmt: skip
        rows.append(row("same, in-process (model loaded), vs plain faster-whisper", m["subtitler in-process"],
                        m["faster-whisper in-process"], "s"))  # fmt: skip
    mx, bn = results["mux"]["median_s"], results["burn"]["median_s"]
    rows.append(
        row("soft mux, stage (mux_args + ffmpeg.run) vs bare ffmpeg", mx["subtitler mux stage"], mx["bare ffmpeg mux"], "s", True)
    )
    rows.append(row("soft mux, whole `subtitler run` (transcript reused) vs bare ffmpeg",
                    mx["subtitler CLI, transcript reused"], mx["bare ffmpeg mux"], "s"))  # fmt: skip
    rows.append(
        row("burn-in, stage vs bare ffmpeg (goal <= 1.10)", bn["subtitler burn stage"], bn["bare ffmpeg burn"], "s", True)
    )
    mem = results["memory"]
    runs = {name: run["peak_rss_bytes"] for name, run in mem["runs"].items()}
    for label in ("short", "long"):
        seconds = mem["runs"][f"subtitler {label}"]["media_s"]
        rows.append(row(f"peak RSS, {seconds:.0f} s video, vs whisper-ctranslate2 (same decode settings)",
                        runs[f"subtitler {label}"], runs[f"whisper-ctranslate2 {label}"], "MiB"))  # fmt: skip
    rows.append(row("peak RSS, long video vs its audio alone (m4a), both subtitler", runs["subtitler long"],
                    runs["subtitler long, audio only"], "MiB", True))  # fmt: skip
    expected, growth = mem["expected_audio_growth_bytes"], mem["growth_bytes"]
    rows.append(
        row("peak RSS growth long - short, vs the extra 16 kHz float32 audio", growth["subtitler"], expected, "MiB", True)
    )
    rows.append(row("same growth, subtitler vs whisper-ctranslate2", growth["subtitler"], growth["whisper-ctranslate2"], "MiB"))

    tools = list(next(iter(results["transcription"].values()))["wer"])
    wers = ["", "| clip | " + " | ".join(f"WER {tool}" for tool in tools) + " |", "|---" * (len(tools) + 1) + "|"]
    for t in results["transcription"].values():
        wers.append(f"| {Path(t['clip']).name} | " + " | ".join(f"{t['wer'][tool]:.1%}" for tool in tools) + " |")
    return "\n".join(rows + wers)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "cpus": str(os.cpu_count()), "ffmpeg": ffmpeg.ffmpeg_exe()}
    for package in ("subtitler", "faster-whisper", "ctranslate2", "whisper-ctranslate2", "av", "jiwer"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timings per tool; the median is reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="one repetition, English clip only, no matched-settings row")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and print its path")
    args = parser.parse_args()
    repeat = 1 if args.quick else max(1, args.repeat)
    model_dir = model_store.resolve("base").path
    print(f"model: {model_dir}\nffmpeg: {ffmpeg.ffmpeg_exe()}", file=sys.stderr)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="subtitler-bench-"))
    try:
        clips = ["en"] if args.quick else ["en", "fr"]
        results: dict = {
            "versions": versions(),
            "repeat": repeat,
            "model_dir": str(model_dir),
            "settings": {"device": DEVICE, "compute_type": COMPUTE_TYPE, "threads": THREADS, "beam_size": BEAM_SIZE},
        }
        results["transcription"] = {
            key: measure_transcription(CLIPS[key], model_dir, work, repeat, matched=not args.quick) for key in clips
        }
        video = make_test_video(work / "test.mp4")
        subtitled_run = work / "mux-cli"
        run_child(subtitler_run_args(video, subtitled_run, "en", "--no-mux", "--format", "json,srt,ass"))
        srt, ass = subtitled_run / "test" / "test.en.srt", subtitled_run / "test" / "test.en.ass"
        results["mux"] = measure_mux(video, subtitled_run, srt, work, repeat * 3)  # a mux takes well under a second
        results["burn"] = measure_burn(video, ass, work, repeat)
        long = make_long_video(video, work / "test_long.mp4", loops=5)
        results["memory"] = measure_memory(video, long, model_dir, work)
        results["total_s"] = time.perf_counter() - started
        table = tables(results)
        results["table"] = table
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(table)
        print(f"\nraw numbers: {RESULTS}  (total {results['total_s']:.0f} s)", file=sys.stderr)
    finally:
        if args.keep:
            print(f"temp folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
