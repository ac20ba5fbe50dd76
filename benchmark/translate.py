"""Translation benchmark, every comparison inside one run on the same machine.

1. Throughput for one video's subtitles: one call per cue against one batched call over the same
   cue texts, and the batched call over sentences that the pipeline makes; same engine each time:
   - Apertium (Debian's eng-spa pair), a real engine;
   - an Argos-sized CTranslate2 Transformer (6 + 6 layers, 512 wide, 32k pieces, int8, as Argos
     packages ship) built with random weights, since no real Argos package can be downloaded
     here: its outputs are meaningless, its cost per piece is that of a real model.
2. Adding one language to a finished job (`--to es` then `--to es,ca`) against the first run.

    SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/translate.py [--repeat 3]

Prints a Markdown table; raw numbers go to benchmark/results/translate.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from subtitler import argos_packages  # noqa: E402
from subtitler.adapters import apertium, argos  # noqa: E402
from subtitler.formats import parse  # noqa: E402
from tests.tiny_argos import ARGOS_SIZED, build_package  # noqa: E402

CLIP = REPO.parent / "shared" / "data" / "audio" / "en" / "sonnet001_librivox.mp3"


def subtitler(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "subtitler", "run", *args, "--quiet"], check=True, capture_output=True)
    return time.perf_counter() - started


def median_time(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def adding_a_language(work: Path, repeat: int) -> dict[str, list[float]]:
    first, added = [], []
    for round_ in range(repeat):
        out = work / f"jobs-{round_}"
        first.append(subtitler(str(CLIP), "-o", str(out), "--to", "es", "--no-mux"))
        added.append(subtitler(str(CLIP), "-o", str(out), "--to", "es,ca", "--no-mux"))
    return {"first run (transcribe + es)": first, "adding ca": added}


def throughput(
    name: str, translate: Callable[[list[str]], list[str]], cues: list[str], sentences: list[str], repeat: int
) -> dict:
    translate(cues[:2])  # warm: model loaded, caches filled
    per_cue = median_time(lambda: [translate([text]) for text in cues], repeat)
    batched = median_time(lambda: translate(cues), repeat)
    by_sentence = median_time(lambda: translate(sentences), repeat)
    return {"engine": name, "per_cue_s": per_cue, "batched_cues_s": batched, "batched_sentences_s": by_sentence}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if ("en", "es") not in apertium.modes() or ("en", "ca") not in apertium.modes():
        sys.exit("needs Apertium's eng-spa and eng-cat pairs: bash examples/setup.sh --translate")
    work = Path(tempfile.mkdtemp(prefix="subtitler-bench-translate-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")

    jobs = adding_a_language(work, args.repeat)
    folder = work / "jobs-0" / CLIP.stem
    cues = [" ".join(text.split()) for _, _, text in parse((folder / f"{CLIP.stem}.en.srt").read_text(encoding="utf-8"), "srt")]
    translation = json.loads((folder / f"{CLIP.stem}.es.json").read_text(encoding="utf-8"))
    sentences = [s["source"] for s in translation["sentences"]]

    package = argos_packages.install_file(build_package(work / "build", "en", "es", shape=ARGOS_SIZED))
    engines = [
        throughput("Apertium eng-spa", lambda texts: apertium.translate("en", "es", texts), cues, sentences, args.repeat),
        throughput(
            "Argos-sized CTranslate2 (random weights, int8)",
            lambda texts: argos.translate(package, texts), cues, sentences, args.repeat,
        ),
    ]  # fmt: skip
    pieces = argos.tokenizer(package.path)
    outputs = argos.translate(package, cues)
    lengths = {"in": sum(len(pieces.encode(t)) for t in cues), "out": sum(len(pieces.encode(t)) for t in outputs)}

    first, added = (statistics.median(v) for v in jobs.values())
    lines = [
        f"{len(cues)} cues, {len(sentences)} sentences ({CLIP.name}); median of {args.repeat}; ratio = batched / per cue",
        "",
        "| engine | one call per cue | one batched call (cues) | ratio | one batched call (sentences) |",
        "|---|---|---|---|---|",
    ]
    for row in engines:
        ratio = row["batched_cues_s"] / row["per_cue_s"]
        lines.append(
            f"| {row['engine']} | {row['per_cue_s']:.2f} s | {row['batched_cues_s']:.2f} s | **{ratio:.2f}** "
            f"| {row['batched_sentences_s']:.2f} s |"
        )
    lines += [
        "",
        f"Argos-sized model: {lengths['in']} pieces in, {lengths['out']} pieces out over the {len(cues)} cues.",
        "",
        "| job | time | ratio |",
        "|---|---|---|",
        f"| first run: transcribe, translate into es | {first:.2f} s | 1.00 |",
        f"| same job, one more language (ca) | {added:.2f} s | **{added / first:.2f}** |",
    ]
    print("\n".join(lines))
    results = REPO / "benchmark" / "results"
    results.mkdir(exist_ok=True)
    record = {"cues": len(cues), "sentences": len(sentences), "engines": engines, "jobs": jobs, "argos_pieces": lengths}
    (results / "translate.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
