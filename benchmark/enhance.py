"""The enhance stage on real footage: its cost against bare ffmpeg, one pass against two, and its quality.

The clip: 10 s of real film footage (Tears of Steel, 640x360, 24 fps) under JFK's speech. Each subtitler
run reuses one transcript, so the times are the video work alone (job.json's stage timings).

- `ratio` (the default): `--upscale 2` (Lanczos: scaled, sharpened and tagged inside ffmpeg's filter graph)
  against a bare `ffmpeg -vf scale=iw*2:ih*2:flags=lanczos` and the same encode of the same clip, run in
  turn, medians; for the soft-subtitled copy, and for a burned copy alone (`--no-mux --burn en`). The goal:
  at most 1.2 times the bare encode.
- `passes`: upscale x2 and burn-in in one pass (`--upscale 2 --burn en --no-mux`: the text drawn at 1280x720
  in the same encode) against two (`--upscale 2 --no-mux` writes the upscaled copy, then a plain burn of
  that copy: a second decode and encode).
- `quality`: each clip downscaled by 2 (area), upscaled back by ffmpeg's bicubic and Lanczos scalers and by
  each subtitler method, all encoded with the same settings, against the original as a player shows it
  (its colour tags, upright): PSNR (RGB), SSIM (luma), and the largest mean R/G/B level difference between
  each subtitler output and the downscaled clip it was made from. Clips: the film clip (untagged SD), the
  film converted to BT.709 and tagged under speech, and the real iPhone clip (a wall, BT.709, portrait)
  under speech.

    SUBTITLER_HOME=/tmp/subhome SUBTITLER_SUPERRES_PATH=../shared/models/superres \\
        .venv/bin/python benchmark/enhance.py [--part ratio|passes|quality|all] [--repeat 3] [--method lanczos]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
FILM = SHARED / "video/tears_of_steel_10s_noaudio.mp4"
PHONE = SHARED / "video/iphone_portrait_rotated.mov"
SPEECH = SHARED / "audio/en/jfk.flac"
sys.path.insert(0, str(REPO))

from subtitler.adapters.ffmpeg import ffmpeg_exe  # noqa: E402
from subtitler.adapters.frames import to_rgb, upright  # noqa: E402
from subtitler.adapters.media import probe  # noqa: E402
from subtitler.adapters.upscale import psnr, ssim  # noqa: E402
from subtitler.ffmpeg_args import source_colour, video_args  # noqa: E402
from subtitler.options import load_options  # noqa: E402

ENCODE = video_args(load_options().encode)  # what every re-encoded output gets: the same for the bare runs
TO_BT709 = (
    "scale=flags=accurate_rnd+full_chroma_int:in_color_matrix=bt601:in_range=tv,format=gbrp,"
    "scale=flags=accurate_rnd:out_color_matrix=bt709:out_range=tv,format=yuv420p,"
    "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
)
METHODS = ["lanczos", "fsrcnn", "fsrcnn-small", "espcn"]  # LapSRN: 0.1 frames/s at 720p on a CPU, left out


def ffmpeg(*args: str) -> float:
    """Runs ffmpeg; its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)
    return time.perf_counter() - start


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "subtitler", "run", *args, "--quiet"], check=True, capture_output=True)


def timings(folder: Path) -> dict[str, float]:
    return json.loads((folder / "job.json").read_text(encoding="utf-8"))["timings"]


def film_under_speech(work: Path) -> Path:
    clip = work / "film.mp4"
    ffmpeg("-i", str(FILM), "-i", str(SPEECH), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest",
           str(clip))  # fmt: skip
    return clip


def ratio(work: Path, repeat: int) -> dict:
    """The upscaled runs against a bare ffmpeg Lanczos scale and encode of the same clip, in turn."""
    clip = film_under_speech(work)
    out = work / "out"
    run(str(clip), "-o", str(out), "--no-mux")  # the transcript every later run reuses
    bare, soft, burned = [], [], []
    bare_args = ["-i", str(clip), "-map", "0:v", "-map", "0:a", "-vf", "scale=iw*2:ih*2:flags=lanczos", *ENCODE,
                 "-c:a", "copy", str(work / "bare.mp4")]  # fmt: skip
    for _ in range(repeat):
        bare.append(ffmpeg(*bare_args))
        run(str(clip), "-o", str(out), "--upscale", "2")
        soft.append(timings(out / "film")["enhance"])
        (out / "film" / "film.subtitled.mp4").unlink()
        run(str(clip), "-o", str(out), "--upscale", "2", "--no-mux", "--burn", "en")
        burned.append(timings(out / "film")["enhance"])
        (out / "film" / "film.en.burned.mp4").unlink()
    a, b, c = statistics.median(bare), statistics.median(soft), statistics.median(burned)
    print("| 10 s of 640x360 film to 1280x720, lanczos x2 | time | extra | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| bare `ffmpeg -vf scale=iw*2:ih*2:flags=lanczos`, same encode | {a:.1f} s | | 1.00 |")
    print(f"| subtitler, soft-subtitled copy (sharpened, tagged) | {b:.1f} s | {b - a:+.1f} s | **{b / a:.2f}** |")
    print(f"| subtitler, burned copy alone (`--no-mux --burn en`) | {c:.1f} s | {c - a:+.1f} s | **{c / a:.2f}** |")
    return {"bare": bare, "soft": soft, "burned": burned, "command": [ffmpeg_exe(), *bare_args]}


def passes(work: Path, repeat: int, method: str) -> dict:
    clip = film_under_speech(work)
    out = work / "out"
    run(str(clip), "-o", str(out), "--no-mux")
    upscale = ["--upscale", "2", "--upscale-method", method]
    one, two = [], []
    for _ in range(repeat):
        run(str(clip), "-o", str(out), "--no-mux", "--burn", "en", *upscale)
        one.append(timings(out / "film")["enhance"])
        (out / "film" / "film.en.burned.mp4").unlink()
        run(str(clip), "-o", str(out), "--no-mux", *upscale)
        first = timings(out / "film")["enhance"]
        upscaled = work / "upscaled.mp4"
        shutil.copy(out / "film" / "film.subtitled.mp4", upscaled)
        (out / "film" / "film.subtitled.mp4").unlink()
        run(str(upscaled), "-o", str(work / "second"), "--no-mux", "--burn", "en")
        two.append(first + timings(work / "second" / "upscaled")["burn"])
        shutil.rmtree(work / "second")
    a, b = statistics.median(one), statistics.median(two)
    print(f"| upscale x2 ({method}) + burn-in | one pass | two passes | ratio |")
    print("|---|---|---|---|")
    print(f"| 10 s of 640x360 film to 1280x720 | {a:.1f} s | {b:.1f} s | **{a / b:.2f}** |")
    return {"one_pass": one, "two_passes": two, "method": method}


def as_shown(path: Path) -> list[np.ndarray]:
    """Every frame as RGB as a player shows it: its colour (guessed as players do where untagged), upright."""
    video = probe(path).video
    assert video is not None
    colour = source_colour(video)
    with av.open(str(path)) as container:
        return [upright(to_rgb(frame, colour.space, colour.range), video) for frame in container.decode(video=0)]


def scores(original: list[np.ndarray], path: Path) -> tuple[float, float]:
    frames = as_shown(path)
    assert len(frames) == len(original), (path, len(frames), len(original))
    pairs = list(zip(original, frames, strict=True))
    return statistics.fmean(psnr(a, b) for a, b in pairs), statistics.fmean(ssim(a, b) for a, b in pairs)


def mean_levels(frames: list[np.ndarray]) -> np.ndarray:
    return np.mean([frame.reshape(-1, 3).mean(axis=0) for frame in frames], axis=0)


def quality(work: Path) -> dict:
    clips = {"film (untagged SD)": FILM}
    speech = work / "speech.mov"
    ffmpeg("-i", str(FILM), "-i", str(SPEECH), "-map", "0:v", "-map", "1:a", "-vf", TO_BT709, "-c:v", "libx264", "-crf", "10",
           "-c:a", "aac", "-shortest", str(speech))  # fmt: skip
    clips["film in BT.709 under speech"] = speech
    phone = work / "phone.mov"
    ffmpeg("-stream_loop", "4", "-i", str(PHONE), "-i", str(SPEECH), "-map", "0:v", "-map", "1:a", "-c:v", "copy",
           "-c:a", "aac", "-t", "11", str(phone))  # fmt: skip
    clips["iPhone wall (BT.709, portrait) under speech"] = phone
    results: dict = {}
    for label, original in clips.items():
        small = work / f"small{len(results)}{original.suffix}"
        ffmpeg("-i", str(original), "-map", "0:v", "-map", "0:a?", "-vf", "scale=iw/2:ih/2:flags=area+accurate_rnd",
               "-c:v", "libx264", "-qp", "0", "-c:a", "copy", str(small))  # fmt: skip
        reference, source_levels = as_shown(original), mean_levels(as_shown(small))
        row: dict = {}
        for name in ("bicubic", "lanczos"):
            bare = work / f"{name}.mp4"
            ffmpeg("-i", str(small), "-vf", f"scale=iw*2:ih*2:flags={name}", *ENCODE, str(bare))
            row[f"ffmpeg {name}"] = scores(reference, bare)
        out = work / f"quality{len(results)}"
        for method in METHODS:  # one folder: the transcript is made once
            start = time.perf_counter()
            run(str(small), "-o", str(out), "--upscale", "2", "--upscale-method", method, "--language", "en")
            seconds = time.perf_counter() - start
            made = next(p for p in (out / small.stem).iterdir() if ".subtitled." in p.name or ".enhanced." in p.name)
            shift = float(np.abs(mean_levels(as_shown(made)) - source_levels).max())
            row[f"subtitler {method}"] = (*scores(reference, made), shift, seconds)
        results[label] = row
    names = list(next(iter(results.values())))
    print("| PSNR dB / SSIM (luma), largest mean R/G/B shift | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for name in names:
        cells = []
        for row in results.values():
            psnr_db, ssim_luma, *rest = row[name]
            cells.append(f"{psnr_db:.2f} / {ssim_luma:.4f}" + (f", {rest[0]:.2f}" if rest else ""))
        print(f"| {name} | " + " | ".join(cells) + " |")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["ratio", "passes", "quality", "all"], default="ratio")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--method", default="lanczos", help="the upscale method of `passes`")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="subtitler-bench-enhance-"))
    for part in ("ratio", "passes", "quality"):
        (work / part).mkdir()
    report: dict = {"ffmpeg": subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True).stdout.split("\n")[0]}
    if args.part in ("ratio", "all"):
        report["ratio"] = ratio(work / "ratio", args.repeat)
    if args.part in ("passes", "all"):
        report["passes"] = passes(work / "passes", args.repeat, args.method)
    if args.part in ("quality", "all"):
        report["quality"] = quality(work / "quality")
    results = REPO / "benchmark" / "results"
    results.mkdir(exist_ok=True)
    (results / "enhance.json").write_text(json.dumps(report, indent=1) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
