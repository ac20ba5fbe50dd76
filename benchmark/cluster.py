"""The queue's overhead: the same twelve clips through the local watched folder and through Celery workers.

Three ways, each `subtitler watch IN -o OUT --once --format srt` on a fresh OUT, timed from start to exit:
1. local: the watcher's own worker process (`--jobs 1`), the baseline;
2. one Celery worker (`--concurrency 1`) and `watch --broker`: the queue's overhead against 1;
3. two Celery workers on this machine and `watch --broker`: what a second worker buys here (both share the cores).

The workers and the broker (a real RabbitMQ, started in a temporary folder as the tests start it) are up before
the clock starts, as services are; each worker loads the Whisper model at its first job, as the local worker does.
Runs rotate their order; the median of --repeat runs is reported as a ratio to the local run.

Run with the project's venv:  .venv/bin/python benchmark/cluster.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.broker import RabbitMQ, start_worker  # noqa: E402
from tests.test_cluster import TWELVE  # noqa: E402

RESULTS = REPO / "benchmark" / "results" / "cluster.json"


def _watch(inbox: Path, out: Path, *extra: str) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "subtitler", "watch", str(inbox), "-o", str(out), "--once", "--settle", "0.5",
               "--rescan", "0.5", "--format", "srt", "-q", *extra]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"watch failed: {done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="subtitler-cluster-bench-"))
    inbox = work / "in"
    inbox.mkdir()
    for clip in TWELVE:
        shutil.copy(clip, inbox)
    server = RabbitMQ(work / "rabbitmq").start()
    times: dict[str, list[float]] = {"local": [], "1 worker": [], "2 workers": []}
    try:
        for run in range(args.repeat):
            order = list(times)
            order = order[run % 3:] + order[: run % 3]
            for way in order:
                out = work / f"out-{way.replace(' ', '-')}-{run}"
                if way == "local":
                    times[way].append(_watch(inbox, out, "--jobs", "1"))
                    continue
                count = 1 if way == "1 worker" else 2  # started (and ready) before the clock, as services are
                workers = [start_worker(server.url, work / f"worker-{run}-{n}.log") for n in range(count)]
                try:
                    times[way].append(_watch(inbox, out, "--broker", server.url))
                finally:
                    for worker in workers:
                        worker.stop()
    finally:
        server.stop()
    medians = {way: statistics.median(values) for way, values in times.items()}
    print(f"twelve clips ({sum(_duration(c) for c in TWELVE):.0f} s of speech), {os.cpu_count()} cores, "
          f"median of {args.repeat}\n")  # fmt: skip
    print("| way | seconds (median) | ratio to local |\n|---|---:|---:|")
    for way, seconds in medians.items():
        print(f"| {way} | {seconds:.1f} | {seconds / medians['local']:.2f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"times": times, "medians": medians, "cores": os.cpu_count()}, indent=1) + "\n")
    shutil.rmtree(work, ignore_errors=True)


def _duration(path: Path) -> float:
    from subtitler.adapters.media import probe

    return probe(path).duration


if __name__ == "__main__":
    main()
