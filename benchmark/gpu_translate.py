"""The Argos path on a CUDA GPU: the same package on the CPU and on the GPU, batched and per sentence.

Builds an Argos-sized package (random weights, see tests/tiny_argos.py), then times one call per
text against one batched call on each device, and checks that the GPU gives one non-empty
translation per text. Needs ctranslate2 with CUDA and sentencepiece; no Whisper model, no ffmpeg.

    python benchmark/gpu_translate.py [--texts 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmark.translate import median_time  # noqa: E402
from subtitler import argos_packages  # noqa: E402
from subtitler.adapters import argos, whisper  # noqa: E402
from tests.tiny_argos import ARGOS_SIZED, build_package  # noqa: E402

SENTENCES = (
    "From fairest creatures we desire increase, that thereby beauty's rose might never die.",
    "But as the riper should by time decease, his tender heir might bear his memory.",
    "We are going to the market tomorrow morning to buy bread, cheese and fresh fruit.",
    "The cat sleeps on the warm red chair while the old dog watches the garden.",
    "Ask not what your country can do for you.",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="subtitler-gpu-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos")
    package = argos_packages.install_file(build_package(work, "en", "es", shape=ARGOS_SIZED))
    texts = [SENTENCES[k % len(SENTENCES)] + f" ({k})" for k in range(args.texts)]
    report: dict[str, object] = {"cuda_devices": whisper.cuda_available(), "auto_device": whisper.resolve_device("auto")}
    outputs = {}
    sample = texts[:50]
    for device in ("cpu", "cuda"):
        try:
            outputs[device] = argos.translate(package, texts, device=device)  # loads and warms up
        except Exception as exc:  # report what a user would see, then go on with the other device
            report[device] = f"failed: {exc.__class__.__name__}: {exc}"
            continue
        one_by_one = median_time(lambda d=device: [argos.translate(package, [t], device=d) for t in sample], 1)
        report[device] = {
            "batched_s": median_time(lambda device=device: argos.translate(package, texts, device=device), 3),
            "per_text_s (first 50, scaled)": one_by_one * len(texts) / len(sample),
            "empty_outputs": sum(not o.strip() for o in outputs[device]),
        }
    if len(outputs) == 2:
        report["same_as_cpu"] = sum(a == b for a, b in zip(outputs["cpu"], outputs["cuda"], strict=True)) / len(texts)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
