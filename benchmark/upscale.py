"""Benchmark frame upscaling: every --upscale-method at 2x against ffmpeg's own Lanczos scaler, on a real film clip.

Measures, in one run:
  1. speed of `Upscaler.upscale` on RGB frames of Tears of Steel, 360p -> 720p and 720p -> 1440p (the 720p
     frames are the 360p ones resized up first): frames per second, median of 3 runs, in one thread and in
     two threads at once, each with its own Upscaler (how the video pipeline runs them);
  2. ffmpeg `-vf scale=iw*2:ih*2:flags=lanczos -f null -` over the whole clip in the same run, and the same
     command without the 2x scale (decode only), so the scaler's own cost can be read off;
  3. quality: the frames downscaled by 2 (INTER_AREA), upscaled back by each method, against the originals:
     mean PSNR (RGB) and SSIM (luma), with bicubic as the baseline.

Each timed run covers as many frames as fit in --budget-s (at most 24, at least 1; LapSRN gets few).
`--no-speed` measures only the quality (about a minute). The learned models run as the video pipeline runs
them (`Upscaler`: luma through the network in floating point, one back-projection step, bicubic chroma); the
`lanczos` row is OpenCV's Lanczos and unsharp mask on RGB frames, which the video pipeline no longer uses (its
Lanczos is ffmpeg's, in the encode's filter graph: benchmark/enhance.py measures that end to end).
Prints Markdown tables and writes the raw numbers to benchmark/results/upscale.json.
Run with the project's venv:  .venv/bin/python benchmark/upscale.py      (about 4 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

import av
import cv2
import numpy as np

from subtitler import superres
from subtitler.adapters.ffmpeg import ffmpeg_exe
from subtitler.adapters.upscale import Upscaler, psnr, ssim

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SUBTITLER_SHARED", HERE.parents[1] / "shared"))
CLIP = SHARED / "data" / "video" / "tears_of_steel_10s_noaudio.mp4"
MODELS = SHARED / "models" / "superres"
RESULTS = HERE / "results" / "upscale.json"
SCALE = 2
SIZES = {"360p": (640, 360), "720p": (1280, 720)}


def film_frames(count: int) -> list[np.ndarray]:
    """`count` RGB frames spread evenly over the clip."""
    with av.open(str(CLIP)) as container:
        total = container.streams.video[0].frames
        step = max(1, total // count)
        return [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i % step == step // 2][:count]


def time_frames(upscaler: Upscaler, frames: list[np.ndarray]) -> float:
    start = time.perf_counter()
    for frame in frames:
        upscaler.upscale(frame)
    return time.perf_counter() - start


def time_threads(upscalers: list[Upscaler], frames: list[np.ndarray]) -> float:
    """Wall time for every upscaler (one thread each) to go through all `frames` at once."""
    threads = [threading.Thread(target=time_frames, args=(u, frames)) for u in upscalers]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def measure_speed(method: str, frames: list[np.ndarray], budget_s: float, repeat: int) -> dict:
    model = superres.resolve(method, SCALE)
    upscalers = [Upscaler(model), Upscaler(model)]
    for upscaler in upscalers:  # warm-up: the first call on a new size allocates the network's buffers
        upscaler.upscale(frames[0])
    one = time_frames(upscalers[0], frames[1:2] or frames[:1])  # the cost of one frame, warm
    count = max(1, min(len(frames), int(budget_s / max(one, 1e-6))))
    chosen = frames[:count]
    single: list[float] = []
    double: list[float] = []
    for _ in range(repeat):  # interleaved, so that load from elsewhere hits both alike
        single.append(time_frames(upscalers[0], chosen))
        double.append(time_threads(upscalers, chosen))
    return {
        "frames": count,
        "seconds_1_thread": single,
        "seconds_2_threads": double,
        "fps_1_thread": count / statistics.median(single),
        "fps_2_threads": 2 * count / statistics.median(double),
    }


def ffmpeg_seconds(filters: str | None) -> float:
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(CLIP)]
    command += ["-vf", filters] if filters else []
    start = time.perf_counter()
    subprocess.run([*command, "-f", "null", "-"], check=True)
    return time.perf_counter() - start


def measure_ffmpeg(repeat: int) -> dict:
    with av.open(str(CLIP)) as container:
        total = sum(1 for _ in container.decode(video=0))
    up = f"scale=iw*{SCALE}:ih*{SCALE}:flags=lanczos"
    to720 = "scale=1280:720:flags=bicubic"
    runs: dict[str, dict[str, str | None]] = {
        "360p": {"base": None, "scaled": up},
        "720p": {"base": to720, "scaled": f"{to720},{up}"},
    }
    results: dict = {"frames": total, "command": [ffmpeg_exe(), "-i", str(CLIP), "-vf", up, "-f", "null", "-"]}
    for size, filters in runs.items():
        base: list[float] = []
        scaled: list[float] = []
        for _ in range(repeat):
            base.append(ffmpeg_seconds(filters["base"]))
            scaled.append(ffmpeg_seconds(filters["scaled"]))
        extra = statistics.median(scaled) - statistics.median(base)
        results[size] = {
            "filters": filters,
            "seconds_without_2x": base,
            "seconds_with_2x": scaled,
            "fps_without_2x": total / statistics.median(base),
            "fps_with_2x": total / statistics.median(scaled),
            # The 2x scaler's own rate, when its cost stands out of the run-to-run noise.
            "fps_2x_alone": total / extra if extra > 0.05 * statistics.median(base) else None,
        }
    return results


def measure_quality(frames: list[np.ndarray]) -> dict:
    height, width = frames[0].shape[:2]
    small = [cv2.resize(f, (width // SCALE, height // SCALE), interpolation=cv2.INTER_AREA) for f in frames]
    restored = {"bicubic": [cv2.resize(s, (width, height), interpolation=cv2.INTER_CUBIC) for s in small]}
    for method in superres.methods():
        upscaler = Upscaler(superres.resolve(method, SCALE))
        restored[method] = [upscaler.upscale(s) for s in small]
    results = {}
    for name, images in restored.items():
        p = [psnr(f, r) for f, r in zip(frames, images, strict=True)]
        s = [ssim(f, r) for f, r in zip(frames, images, strict=True)]
        results[name] = {"psnr": p, "ssim": s, "psnr_mean": statistics.fmean(p), "ssim_mean": statistics.fmean(s)}
    return results


def tables(speed: dict, ffmpeg: dict, quality: dict) -> str:
    bic = quality["bicubic"]
    lines = [
        "| method | 360p→720p fps, 1 thread | 2 threads | 720p→1440p fps, 1 thread | 2 threads | frames/run (360p, 720p) "
        "| PSNR dB (Δ vs bicubic) | SSIM (Δ vs bicubic) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, sizes in speed.items():
        q = quality[method]
        lines.append(
            f"| {method} | {sizes['360p']['fps_1_thread']:.1f} | {sizes['360p']['fps_2_threads']:.1f} "
            f"| {sizes['720p']['fps_1_thread']:.2f} | {sizes['720p']['fps_2_threads']:.2f} "
            f"| {sizes['360p']['frames']}, {sizes['720p']['frames']} "
            f"| {q['psnr_mean']:.2f} ({q['psnr_mean'] - bic['psnr_mean']:+.2f}) "
            f"| {q['ssim_mean']:.4f} ({q['ssim_mean'] - bic['ssim_mean']:+.4f}) |"
        )
    lines.append(f"| bicubic (cv2, baseline) | | | | | | {bic['psnr_mean']:.2f} | {bic['ssim_mean']:.4f} |")
    rows = (
        ("ffmpeg decode (+ scale to 720p) only", "fps_without_2x"),
        ("ffmpeg decode + 2x lanczos", "fps_with_2x"),
        ("ffmpeg 2x lanczos alone (difference)", "fps_2x_alone"),
    )
    for label, key in rows:
        cells = [f"{ffmpeg[size][key]:.0f}" if ffmpeg[size][key] else "within noise" for size in SIZES]
        lines.append(f"| {label} | {cells[0]} | | {cells[1]} | | {ffmpeg['frames']}, {ffmpeg['frames']} | | |")
    return "\n".join(lines)


def quality_table(quality: dict) -> str:
    bic = quality["bicubic"]
    lines = ["| method | PSNR dB (Δ vs bicubic) | SSIM (Δ vs bicubic) |", "|---|---:|---:|"]
    for method, q in quality.items():
        lines.append(
            f"| {method} | {q['psnr_mean']:.2f} ({q['psnr_mean'] - bic['psnr_mean']:+.2f}) "
            f"| {q['ssim_mean']:.4f} ({q['ssim_mean'] - bic['ssim_mean']:+.4f}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24, help="frames of the clip to use (default 24)")
    parser.add_argument("--budget-s", type=float, default=1.5, help="seconds of work per timed run (default 1.5)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement; the median is kept")
    parser.add_argument("--no-speed", action="store_true", help="measure the quality only")
    args = parser.parse_args()
    if not CLIP.is_file() or not MODELS.is_dir():
        sys.exit(f"needs {CLIP} and {MODELS} (set SUBTITLER_SHARED to the folder that holds data/ and models/)")
    os.environ.setdefault(superres.SEARCH_PATH_ENV, str(MODELS))

    frames = {"360p": film_frames(args.frames)}
    frames["720p"] = [cv2.resize(f, SIZES["720p"], interpolation=cv2.INTER_CUBIC) for f in frames["360p"]]
    started = time.perf_counter()
    load_before = os.getloadavg()
    speed = {}
    for method in [] if args.no_speed else superres.methods():
        speed[method] = {size: measure_speed(method, frames[size], args.budget_s, args.repeat) for size in SIZES}
        print(f"timed {method}", file=sys.stderr)
    ffmpeg = {} if args.no_speed else measure_ffmpeg(args.repeat)
    quality = measure_quality(frames["360p"])
    report = {
        "clip": str(CLIP),
        "scale": SCALE,
        "frames": args.frames,
        "budget_s": args.budget_s,
        "repeat": args.repeat,
        "speed": speed,
        "ffmpeg": ffmpeg,
        "quality": quality,
        "elapsed_s": time.perf_counter() - started,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "cv2_threads": cv2.getNumThreads(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "versions": {
            "python": platform.python_version(),
            "opencv": cv2.__version__,
            "opencv_wheel": metadata.version("opencv-contrib-python-headless"),
            "numpy": np.__version__,
            "av": av.__version__,
            "ffmpeg": subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True).stdout.splitlines()[0],
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(quality_table(quality) if args.no_speed else tables(speed, ffmpeg, quality))
    machine = report["machine"]
    print(
        f"\nraw numbers: {RESULTS.relative_to(HERE.parent)}; {report['elapsed_s']:.0f} s on {machine['cpus']} CPUs, "
        f"load average {machine['load_average_before'][0]:.1f} before, {machine['load_average_after'][0]:.1f} after; "
        f"opencv {cv2.__version__}; {report['versions']['ffmpeg'].split(' Copyright')[0]}"
    )


if __name__ == "__main__":
    main()
