"""The studio's editor on a long job: a 10-minute video with 200 cues in three languages (English, Spanish and
Catalan by Apertium), in a real `subtitler studio` and a real headless Chromium.

Nothing is transcribed: the video is made with ffmpeg's lavfi (a test picture and a tone), and its transcript is
written beside it, made up (a few sentences about a school, timed at a speaking pace, 1 word in 12 unsure), with
the digest the pipeline checks, so the studio's run reuses it as it reuses any earlier transcript. Measured:

- **opening**: the editor usable (its cues listed, checked and drawn: the page's `editor-ready` mark) after the
  navigation started, from the browser's performance timing; the first opening, then the median of the others;
- **switching language**: from the picker's change to the other language's cues listed;
- **a rule check after an edit**: the check's round trip (the page's own fetch, all 200 cues sent), and from the
  key press to the rule's message on the page (80 ms of that is the page waiting for the typing to pause);
- **publishing a correction**: from the request to the job done again, and what the run made again (job.json's
  outputs) and kept (its `reused` list): the burned copy once, never the transcript nor the two translations.

    .venv/bin/python benchmark/studio.py [--repeat 5] [--minutes 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from subtitler.adapters.ffmpeg import ffmpeg_exe  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

STEM = "long"
FOLDER = "bench"  # the inbox subfolder, with its preset
PRESET = """extends = "default"
[translate]
to = ["es", "ca"]
[output]
burn = "en"
[encode]
x264_preset = "ultrafast"
"""
SENTENCES = [
    "Welcome to the open day of our school.",
    "Today the students show what they built this year.",
    "The science club made a weather station on the roof.",
    "It measures the wind, the rain and the temperature every minute.",
    "In the kitchen the first year class bakes bread for the visitors.",
    "Our teachers will answer your questions after the tour.",
    "The library is open until six in the evening.",
    "Please follow the yellow signs to the main hall.",
    "The orchestra plays at three, and the choir sings after them.",
    "Thank you for coming, and enjoy the day with us.",
    "Last spring the football team won the regional cup.",
    "Parents can meet the head of school in room twelve.",
]


POLL_S = 0.05  # how often a wait asks: what the benchmark times includes it


def make_video(path: Path, seconds: float) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000", "-t", f"{seconds}", "-c:v", "libx264",
                    "-preset", "ultrafast", "-crf", "32", "-g", "250", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                    str(path)], check=True)  # fmt: skip


def made_up_transcript(seconds: float, seed: int, pace: float) -> Any:
    """Sentences read at `pace` seconds a word, a short pause after each, a longer one every fourth."""
    from subtitler.model import Segment, Transcript, Word

    rng = random.Random(seed)
    segments, at, n = [], 0.5, 0
    while True:
        words = SENTENCES[n % len(SENTENCES)].split()
        if at + len(words) * pace > seconds - 1:
            break
        timed = []
        for text in words:
            length = pace * (0.6 + 0.1 * min(len(text), 8))
            timed.append(Word(round(at, 3), round(at + length, 3), " " + text, 1.0 if rng.random() > 1 / 12 else 0.3))
            at += length + 0.05
        segments.append(Segment(timed[0].start, timed[-1].end, "".join(w.text for w in timed), tuple(timed)))
        at += 1.6 if n % 4 == 3 else 0.5
        n += 1
    return Transcript("en", 0.99, seconds, tuple(segments))


def seed_job(root: Path, video: Path, seconds: float, cues_wanted: int) -> int:
    """The made-up transcript where the studio's run looks for an earlier one; the video moved into the inbox."""
    import dataclasses

    from subtitler.adapters.media import probe
    from subtitler.cues import make_cues
    from subtitler.digests import transcript_meta
    from subtitler.formats import transcript_to_json
    from subtitler.job import Job
    from subtitler.reuse import digest
    from subtitler.settings import job_settings

    settings = job_settings(str(root / "bench.toml"), {"transcribe": {"model": "base", "device": None}})
    pace, transcript, count = 0.33, None, 0
    for _ in range(40):  # the pace that gives about the cues wanted
        transcript = made_up_transcript(seconds, 7, pace)
        words = [w for s in transcript.segments for w in s.words]
        count = len(make_cues(words, settings.options.cues, seconds, "en"))
        if abs(count - cues_wanted) <= cues_wanted // 50:
            break
        pace *= count / cues_wanted
    assert transcript is not None
    target = root / "inbox" / FOLDER / video.name
    folder = root / "outbox" / FOLDER / STEM
    folder.mkdir(parents=True)
    job = Job.of(target, folder, STEM, settings)
    job = dataclasses.replace(job, media=dataclasses.replace(probe(video), path=str(target)))
    meta = transcript_meta(job)
    (folder / f"{STEM}.json").write_text(transcript_to_json(transcript, meta), encoding="utf-8")
    record = {"outputs": {"transcript": {"path": f"{STEM}.json", "digest": digest(meta)}}}
    (folder / "job.json").write_text(json.dumps(record), encoding="utf-8")
    os.rename(video, target)  # the same size and modification time the digest holds
    return count


class Studio:
    def __init__(self, root: Path):
        command = [sys.executable, "-m", "subtitler", "studio", str(root), "--host", "127.0.0.1", "--port", "0",
                   "--settle", "0.5", "--rescan", "1", "--model", "base", "--quiet"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            raise SystemExit(f"the studio did not start: {line}{self.process.stdout.read()}")
        self.url = found.group(0)
        page = wait_until("the studio", lambda: self._get("/"), 60, POLL_S)
        self.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)

    def _get(self, path: str) -> str:
        try:
            response = httpx.get(self.url + path, timeout=5)
        except httpx.HTTPError:
            return ""
        return response.text if response.status_code == 200 else ""

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, headers={"X-CSRF-Token": self.csrf}, timeout=120, **kwargs)

    def job(self) -> dict[str, Any]:
        jobs = self.api("GET", "/api/jobs").json()["jobs"]
        return next((j for j in jobs if j.get("id")), {}) if jobs else {}

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio",
                     "--window-size=1400,900"):  # fmt: skip
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def ready_ms(driver: Any, url: str) -> float:
    driver.get(url)
    wait_until("the editor", lambda: driver.execute_script("return performance.getEntriesByName('editor-ready').length"),
               600, POLL_S)
    return float(driver.execute_script("return performance.getEntriesByName('editor-ready')[0].startTime"))


def switch_ms(driver: Any, language: str) -> float:
    from selenium.webdriver.support.select import Select

    loads = driver.execute_script("return document.getElementById('editor').dataset.loads")
    began = time.perf_counter()
    Select(driver.find_element("id", "language")).select_by_value(language)
    wait_until("the language", lambda: driver.execute_script("return document.getElementById('editor').dataset.loads") != loads,
               600, POLL_S)
    return (time.perf_counter() - began) * 1000


def check_ms(driver: Any, cue: int) -> tuple[float, float]:
    """(the check's round trip, from the key press to the message shown), for one typed character."""
    from selenium.webdriver.common.by import By

    area = driver.find_elements(By.CSS_SELECTOR, "#cues textarea")[cue]
    checked = driver.execute_script("return document.getElementById('editor').dataset.checked")
    began = time.perf_counter()
    area.send_keys("x")
    wait_until("the check", lambda: driver.execute_script("return document.getElementById('editor').dataset.checked") != checked,
               30, 0.002)  # fmt: skip
    shown = (time.perf_counter() - began) * 1000
    return float(driver.execute_script("return document.getElementById('editor').dataset.checkMs")), shown


def publish(studio: Studio, job: str, folder: Path) -> dict[str, Any]:
    """A one-word correction of the English cues saved, then published: what was made again and what was kept."""
    cues = studio.api("GET", f"/api/jobs/{job}/cues/en").json()
    corrected = cues["cues"]
    corrected[50]["lines"][0] = corrected[50]["lines"][0].replace("the", "our", 1)
    saved = studio.api("PUT", f"/api/jobs/{job}/cues/en", json={"base": cues["version"], "cues": corrected})
    assert saved.status_code == 200, saved.text
    before = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    began = time.perf_counter()
    answer = studio.api("POST", f"/api/jobs/{job}/publish", json={"languages": ["en"]})
    assert answer.status_code == 202, answer.text
    state = wait_until("the publish", lambda: _ended(studio.api("GET", f"/api/jobs/{job}/publish").json()), 3600, 0.2)
    seconds = time.perf_counter() - began
    after = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    remade = sorted(k for k, v in after["outputs"].items() if before["outputs"].get(k, {}).get("digest") != v["digest"])
    return {"seconds": seconds, "state": state["state"], "remade": remade, "reused": after["reused"],
            "burn_s": after["timings"].get("burn"), "transcribe_s": after["timings"].get("transcribe")}  # fmt: skip


def table(results: dict[str, Any], repeat: int) -> str:
    published = results["publish"]
    rows = [
        ("cues (en, es, ca)", ", ".join(str(n) for n in results["cues"].values())),
        (f"editor usable after opening (first / median of {repeat})",
         f"{results['open_first_ms']:.0f} ms / {results['open_median_ms']:.0f} ms"),
        ("switching language (median)", f"{results['switch_median_ms']:.0f} ms"),
        ("rule check round trip after an edit, 200 cues sent (median)", f"{results['check_round_trip_median_ms']:.1f} ms"),
        ("key press to the rule's message shown (median; 80 ms of it the pause the page waits for)",
         f"{results['check_shown_median_ms']:.0f} ms"),
        ("publishing a one-word correction (request to done; of it the burn)",
         f"{published['seconds']:.1f} s; {published['burn_s']:.1f} s"),
        ("made again", ", ".join(published["remade"])),
        ("kept (job.json's reused)", ", ".join(published["reused"])),
    ]  # fmt: skip
    return "\n".join(["| measurement | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)])


def _ended(state: dict[str, Any]) -> dict[str, Any] | None:
    return state if state.get("state") in ("done", "failed") else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="openings, switches and checks measured (medians)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cues", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="subtitler-bench-studio-"))
    (root / "inbox" / FOLDER).mkdir(parents=True)
    (root / "bench.toml").write_text(PRESET, encoding="utf-8")
    (root / "inbox" / "subtitler-watch.toml").write_text(f'[presets]\n"{FOLDER}" = "../bench.toml"\n', encoding="utf-8")
    seconds = args.minutes * 60
    video = root / f"{STEM}.mp4"
    began = time.perf_counter()
    make_video(video, seconds)
    print(f"video: {seconds:.0f} s, 640x360, made in {time.perf_counter() - began:.1f} s", flush=True)
    count = seed_job(root, video, seconds, args.cues)
    print(f"made-up transcript: {count} English cues", flush=True)
    studio = Studio(root)
    driver = None
    try:
        began = time.perf_counter()
        job = wait_until("the job", lambda: (j := studio.job()) and j.get("state") in ("done", "failed") and j, 3600, 0.5)
        print(f"first run (transcript reused, 2 translations, mux, burn): {time.perf_counter() - began:.1f} s", flush=True)
        folder = root / "outbox" / FOLDER / STEM
        record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        assert job["state"] == "done" and "transcribe" in record["reused"], record.get("reused")
        counts = record["cue_counts"]
        driver = browser()
        url = f"{studio.url}/jobs/{job['id']}"
        opening = [ready_ms(driver, url) for _ in range(args.repeat + 1)]
        switching = [switch_ms(driver, language) for _ in range(args.repeat) for language in ("es", "ca", "en")]
        checks = [check_ms(driver, 100) for _ in range(args.repeat * 4)]
        published = publish(studio, job["id"], folder)
        results = {
            "cues": counts,
            "open_first_ms": opening[0],
            "open_median_ms": statistics.median(opening[1:]),
            "switch_median_ms": statistics.median(switching),
            "check_round_trip_median_ms": statistics.median(c[0] for c in checks),
            "check_shown_median_ms": statistics.median(c[1] for c in checks),
            "publish": published,
        }
        print(json.dumps(results, indent=1))
        assert published["state"] == "done", published
        assert "transcribe" in published["reused"], "publishing must never transcribe"
        assert {"translate:es", "translate:ca"} <= set(published["reused"]), "nor translate a language not corrected"
        assert [k for k in published["remade"] if k.startswith("burned:")] == ["burned:en"], published["remade"]
        print(table(results, args.repeat))
    finally:
        if driver is not None:
            driver.quit()
        studio.stop()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
