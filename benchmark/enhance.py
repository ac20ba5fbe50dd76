"""Burn-in plus upscale in one pass, against the two done one after the other, in the same run.

The clip: 10 s of real film footage (Tears of Steel, 640x360, 24 fps) under JFK's speech. Each
subtitler run reuses one transcript, so the times are the video work alone (job.json's stage timings):

- one pass: `--upscale 2 --burn en --no-mux`: frames upscaled once, the text drawn at 1280x720 in the
  same encode;
- two passes: `--upscale 2 --no-mux` writes the upscaled copy (with its soft track), then a plain burn of that copy
  (a second decode and encode).

    SUBTITLER_HOME=/tmp/subhome SUBTITLER_SUPERRES_PATH=../shared/models/superres \\
        .venv/bin/python benchmark/enhance.py [--repeat 3] [--method lanczos]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

from subtitler.adapters.ffmpeg import ffmpeg_exe  # noqa: E402


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "subtitler", "run", *args, "--quiet"], check=True, capture_output=True)


def timings(folder: Path) -> dict[str, float]:
    return json.loads((folder / "job.json").read_text(encoding="utf-8"))["timings"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--method", default="lanczos")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="subtitler-bench-enhance-"))
    clip = work / "film.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(SHARED / "video/tears_of_steel_10s_noaudio.mp4"),
                    "-i", str(SHARED / "audio/en/jfk.flac"), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac",
                    "-shortest", str(clip)], check=True)  # fmt: skip
    out = work / "out"
    run(str(clip), "-o", str(out), "--no-mux")  # the transcript every later run reuses
    upscale = ["--upscale", "2", "--upscale-method", args.method]
    one, two = [], []
    for _ in range(args.repeat):
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
    print(f"| upscale x2 ({args.method}) + burn-in | one pass | two passes | ratio |")
    print("|---|---|---|---|")
    print(f"| 10 s of 640x360 film to 1280x720 | {a:.1f} s | {b:.1f} s | **{a / b:.2f}** |")
    results = REPO / "benchmark" / "results"
    results.mkdir(exist_ok=True)
    (results / "enhance.json").write_text(json.dumps({"one_pass": one, "two_passes": two, "method": args.method}) + "\n")


if __name__ == "__main__":
    main()
