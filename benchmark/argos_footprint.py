"""What depending on argostranslate would cost, against what reading Argos packages directly needs.

Resolves `argostranslate` (and `sentencepiece` alone) with `pip install --dry-run --report` in a
throwaway virtual environment, then sums the size of every wheel pip would download (HTTP HEAD,
or the file size for a local index). Nothing is installed.

    .venv/bin/python benchmark/argos_footprint.py [--argostranslate 1.11.0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path


def resolve(requirement: str, venv: Path) -> list[tuple[str, str, int]]:
    report = venv / "report.json"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--dry-run", "--report", str(report)]
    subprocess.run([*pip, requirement], check=True, capture_output=True)
    packages = []
    for item in json.loads(report.read_text(encoding="utf-8"))["install"]:
        url = item["download_info"]["url"]
        if url.startswith("file://"):
            size = Path(url[len("file://") :]).stat().st_size
        else:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as response:
                size = int(response.headers.get("Content-Length", 0))
        packages.append((item["metadata"]["name"], item["metadata"]["version"], size))
    return sorted(packages, key=lambda p: -p[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--argostranslate", default="1.11.0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="argos-footprint-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        for requirement in (f"argostranslate=={args.argostranslate}", "sentencepiece"):
            packages = resolve(requirement, venv)
            total = sum(size for _, _, size in packages)
            print(f"{requirement}: {len(packages)} packages, {total / 1e6:.1f} MB of wheels")
            for name, version, size in packages[:6]:
                print(f"    {size / 1e6:8.1f} MB  {name} {version}")


if __name__ == "__main__":
    main()
