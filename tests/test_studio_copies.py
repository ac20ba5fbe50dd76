"""One upload, one correction, several networks (issue 13): in a real studio driven by a real headless Chromium, a
phone video (the real iPhone clip under JFK's speech) is dropped on the page for TikTok with a copy for YouTube,
transcribed once by the real base model, translated by Apertium; a word is corrected in the editor and published to
TikTok (burned), YouTube (soft subtitles) and a new copy for LinkedIn. The burned picture, the soft track and every
SRT say the correction; nothing was transcribed again; the files come per network. A later correction republishes
every copy, and a copy a person corrected by itself keeps that correction, and the publish says so."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from subtitler.edits import EditStore
from subtitler.studio.state import job_id
from tests.conftest import REPO, StudioServer, ffmpeg, frame_at, needs, start_studio, wait_until

pytestmark = [
    pytest.mark.slow,
    needs(bool(shutil.which("apertium")), "Apertium is not installed (bash examples/setup.sh --translate)"),
]

CLIP = "phone clip.mov"
STEM = "phone clip"




def by(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, css))


def shown(driver: Any, css: str) -> list[str]:
    script = "return Array.from(document.querySelectorAll(arguments[0])).filter(e => e.offsetParent).map(e => e.textContent)"
    return list(driver.execute_script(script, css))


def saved_version(driver: Any) -> int:
    def state() -> Any:
        text = by(driver, "#save-state")[0].text
        assert not text.startswith("not saved"), text
        return re.fullmatch(r"saved \(version (\d+)\)", text)

    return int(wait_until("the autosave", state).group(1))


def record(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "job.json").read_text(encoding="utf-8")))


def output(folder: Path, key: str) -> Path:
    return folder / record(folder)["outputs"][key]["path"]


def soft_track(video: Path, tmp: Path) -> str:
    out = tmp / "track.srt"
    ffmpeg("-i", str(video), "-map", "0:s:m:language:eng", "-f", "srt", str(out))
    return out.read_text(encoding="utf-8")


def api(server: StudioServer, csrf: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    with server.client(headers={"X-CSRF-Token": csrf}) as client:
        return client.request(method, path, **kwargs)


def publish_ended(server: StudioServer, csrf: str, job: str) -> dict[str, Any] | None:
    state = api(server, csrf, "GET", f"/api/jobs/{job}/publish").json()
    return state if state.get("state") in ("done", "failed") else None


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, base_model: Any, shared: Path) -> Iterator[StudioServer]:
    server = start_studio(tmp_path_factory.mktemp("copies") / "studio")
    try:
        yield server
    finally:
        server.stop()


def test_one_upload_one_correction_published_to_several_networks(
    studio: StudioServer, browser: Any, portrait_video: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select

    driver, outbox = browser, studio.root / "outbox"
    clip = tmp_path / CLIP
    shutil.copy(portrait_video, clip)

    # One upload: made for TikTok, in Spanish too, with a copy for YouTube.
    driver.get(studio.page())
    wait_until("the live dot", lambda: by(driver, "#live[data-state='on']"))
    Select(by(driver, "#preset")[0]).select_by_value("tiktok")
    assert not by(driver, 'label[data-network="tiktok"]')[0].is_displayed()  # no copy for its own network
    by(driver, 'input[name="to"][value="es"]')[0].click()
    by(driver, 'input[name="also"][value="youtube"]')[0].click()
    by(driver, "#files")[0].send_keys(str(clip))
    wait_until("the upload", lambda: [r for r in by(driver, ".upload") if r.get_attribute("data-state") == "done"])
    first = job_id(f"tiktok-to-es/{CLIP}")
    done = f'li.job[data-job="{first}"][data-state="done"] li.copy[data-network="youtube"][data-state="done"]'
    wait_until("the video and its copy done", lambda: by(driver, done))
    assert len(by(driver, "li.job")) == 1, "the copy is shown with its video, not as a video of its own"
    tiktok, youtube = outbox / "tiktok-to-es" / STEM, outbox / "youtube-to-es" / STEM
    assert "transcribe" not in record(tiktok)["reused"]  # the one transcription
    assert {"transcribe", "translate:es"} <= set(record(youtube)["reused"]), "the copy transcribed and translated nothing"
    assert (tiktok / f"{STEM}.en.burned.mp4").is_file() and not list(youtube.glob("*.burned.*"))  # YouTube: soft only
    old_burn = tmp_path / "old.burned.mp4"
    shutil.copyfile(tiktok / f"{STEM}.en.burned.mp4", old_burn)
    youtube_before = (youtube / f"{STEM}.en.srt").read_text(encoding="utf-8")
    assert "Americans" in youtube_before

    # One correction, in the editor.
    by(driver, f'li.job[data-job="{first}"] a.editor')[0].click()
    wait_until("the editor", lambda: by(driver, "#editor") and by(driver, "#editor")[0].get_attribute("data-ready") == "1")
    areas = by(driver, "#cues textarea")
    number, area = next((k, a) for k, a in enumerate(areas) if "Americans," in a.get_attribute("value"))
    at = area.get_attribute("value").index("Americans,") + len("Americans,")
    area.click()
    driver.execute_script("arguments[0].setSelectionRange(arguments[1], arguments[1])", area, at)
    area.send_keys(Keys.BACKSPACE * len("Americans,"), "citizens,")
    version = saved_version(driver)
    csrf = studio.csrf()
    cue = api(studio, csrf, "GET", f"/api/jobs/{first}/cues/en").json()["cues"][number]
    assert "citizens," in " ".join(cue["lines"])
    moment = (cue["start"] + cue["end"]) / 2

    # Publish to TikTok, its YouTube copy, and a new copy for LinkedIn.
    by(driver, "#open-publish")[0].click()
    wait_until("the networks", lambda: by(driver, '#publish-networks input[value="linkedin"]'))
    youtube_box = by(driver, '#publish-networks input[value="youtube"]')[0]
    assert youtube_box.is_selected() and not youtube_box.is_enabled(), "a copy made before is always published again"
    assert not by(driver, '#publish-networks input[value="tiktok"]'), "no copy for the video's own network"
    by(driver, '#publish-networks input[value="linkedin"]')[0].click()
    wait_until(
        "en ticked", lambda: [i for i in by(driver, "#publish-languages input:checked") if i.get_attribute("value") == "en"]
    )
    by(driver, "#publish-go")[0].click()
    wait_until("the publish to end", lambda: by(driver, "#editor")[0].get_attribute("data-published") == "1")
    log = shown(driver, "#publish-log li")
    assert any(line.startswith("Published") for line in log), log
    assert any(line.startswith("For youtube: ") and "made again, nothing transcribed" in line for line in log), log
    assert any(line.startswith("For linkedin: ") and "made (a new copy), nothing transcribed" in line for line in log), log
    screenshot(driver, "studio-publish.png")
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []

    # TikTok: the burned picture shows the correction where the text is, and is the same picture elsewhere.
    linkedin = outbox / "linkedin-to-es" / STEM
    old, new = frame_at(old_burn, moment), frame_at(tiktok / f"{STEM}.en.burned.mp4", moment)
    height = new.shape[0]
    text_rows = slice(int(height * 0.45), int(height * 0.85))  # TikTok draws a quarter of the height above the bottom
    assert np.abs(new[text_rows] - old[text_rows]).mean() > 3
    assert np.abs(new[: int(height * 0.35)] - old[: int(height * 0.35)]).mean() < 2.5
    for folder in (tiktok, youtube, linkedin):
        srt = (folder / f"{STEM}.en.srt").read_text(encoding="utf-8")
        assert "citizens," in srt and "Americans" not in srt, folder.parent.name
        assert "transcribe" in record(folder)["reused"], f"{folder.parent.name} transcribed again"
        assert record(folder)["edited"] == {"en": 1 if folder != tiktok else version}
    # YouTube: the soft track carries it; its cues are the corrected words cut by YouTube's rules (Shorts: 24 wide).
    assert "citizens," in soft_track(output(youtube, "subtitled"), tmp_path)
    youtube_review = json.loads((youtube / f"{STEM}.review.json").read_text(encoding="utf-8"))["languages"]["en"]
    assert youtube_review["summary"]["chars_per_line"] == 0 and youtube_review["summary"]["overlap"] == 0
    assert max(len(line) for c in youtube_review["cues"] for line in c["lines"]) <= 24
    assert [c["text"] for c in youtube_review["cues"]] != [c["text"] for c in _review(tiktok)["cues"]]  # laid out its own way
    (followed,) = EditStore(youtube).versions("en")
    assert followed.follows == f"{CLIP} for tiktok, version {version}"
    assert (linkedin / f"{STEM}.en.burned.mp4").is_file() and "translate:es" in record(linkedin)["reused"]
    # Transcribed once in all: the first run of the TikTok job (five runs in the watcher's log, one transcription).
    watch_log = (outbox / "watch.log").read_text(encoding="utf-8")
    assert watch_log.count("reusing the transcript in") == 4 and watch_log.count(f"done    tiktok-to-es/{CLIP}") == 2

    # The files, per network: in the list, and in the zip.
    files = api(studio, csrf, "GET", f"/api/jobs/{first}/files").json()
    assert [g["network"] for g in files["groups"]] == ["tiktok", "youtube", "linkedin"]
    archive = zipfile.ZipFile(io.BytesIO(api(studio, csrf, "GET", files["zip"]).content))
    names = set(archive.namelist())
    assert {f"{STEM}/tiktok/{STEM}.en.burned.mp4", f"{STEM}/youtube/{STEM}.en.srt", f"{STEM}/linkedin/{STEM}.en.srt"} <= names
    assert b"citizens," in archive.read(f"{STEM}/youtube/{STEM}.en.srt")
    driver.get(studio.page())
    job = wait_until("the list", lambda: by(driver, f'li.job[data-job="{first}"]'))[0]
    job.find_element("css selector", "details.files summary").click()
    wait_until("the files per network", lambda: len(job.find_elements("css selector", ".file-group")) == 3)
    assert [c.get_attribute("data-network") for c in job.find_elements("css selector", "li.copy")] == ["youtube", "linkedin"]
    driver.set_window_size(1400, 900)
    driver.execute_script("arguments[0].scrollIntoView()", job)
    screenshot(driver, "studio-copies.png")

    # A copy is corrected through its video: its editor page says so, its API refuses a save.
    copy = job_id(f"youtube-to-es/{CLIP}")
    page = api(studio, csrf, "GET", f"/jobs/{copy}").text
    assert "this is the youtube copy of phone clip.mov" in page.lower() and f'href="/jobs/{first}"' in page
    refused = api(studio, csrf, "PUT", f"/api/jobs/{copy}/cues/en", json={"base": 1, "cues": []})
    assert refused.status_code == 409 and "copy" in refused.json()["error"]

    # A later correction is published to every copy; one a person corrected in the copy itself is kept, and said.
    mine = EditStore(linkedin)
    own = mine.current("en")
    assert own is not None
    mine.save("en", _replaced(own.cues, "citizens,", "neighbours,"), mine.latest("en"), "corrected in the LinkedIn copy")
    cues = api(studio, csrf, "GET", f"/api/jobs/{first}/cues/en").json()["cues"]
    fixed = {"base": version, "cues": _replaced(cues, "citizens,", "friends,")}
    saved = api(studio, csrf, "PUT", f"/api/jobs/{first}/cues/en", json=fixed)
    assert saved.status_code == 200, saved.text
    assert api(studio, csrf, "POST", f"/api/jobs/{first}/publish", json={"languages": ["en"]}).status_code == 202
    state = wait_until("the second publish", lambda: publish_ended(studio, csrf, first), every=0.5)
    assert state["state"] == "done", state
    parts = {part["preset"]: part for part in state["copies"]}
    assert parts["linkedin"]["kept"] == ["en"] and parts["youtube"]["kept"] == []
    assert "friends," in (tiktok / f"{STEM}.en.srt").read_text(encoding="utf-8")
    assert "friends," in (youtube / f"{STEM}.en.srt").read_text(encoding="utf-8")
    assert "friends," in soft_track(output(youtube, "subtitled"), tmp_path)
    kept = (linkedin / f"{STEM}.en.srt").read_text(encoding="utf-8")
    assert "neighbours," in kept and "friends," not in kept


def _review(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / f"{STEM}.review.json").read_text(encoding="utf-8"))["languages"]["en"])


def _replaced(cues: Any, old: str, new: str) -> Any:
    """Cues (the store's, or the API's JSON) with a word replaced in their lines."""
    if cues and isinstance(cues[0], dict):
        return [{**c, "lines": [line.replace(old, new) for line in c["lines"]]} for c in cues]
    from subtitler.model import Cue

    return tuple(Cue(c.start, c.end, tuple(line.replace(old, new) for line in c.lines), c.words) for c in cues)


def screenshot(driver: Any, name: str, width: int = 1100) -> None:
    """The browser's window as a small PNG in docs/, with SUBTITLER_SCREENSHOTS=1 (as the other studio tests)."""
    import cv2

    if os.environ.get("SUBTITLER_SCREENSHOTS", "") in ("", "0"):
        return
    (REPO / "docs").mkdir(exist_ok=True)
    driver.set_window_size(1400, 900)
    picture = cv2.imdecode(np.frombuffer(driver.get_screenshot_as_png(), np.uint8), cv2.IMREAD_COLOR)
    height = round(picture.shape[0] * width / picture.shape[1])
    small = cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(REPO / "docs" / name), small, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def test_networks_asked_for_are_checked_at_the_door(studio: StudioServer) -> None:
    csrf = studio.csrf()
    for also, why in (("tiktok", "made for tiktok already"), ("../../etc/passwd", "no preset named"),
                      ("youtube,nowhere", "no preset named 'nowhere'")):  # fmt: skip
        answer = api(studio, csrf, "PUT", f"/api/uploads/x.mp4?preset=tiktok&also={also}", content=b"0" * 100)
        assert answer.status_code == 400 and why in answer.json()["error"], (also, answer.text)
    assert not list((studio.root / "inbox").rglob("x.mp4"))  # refused before the file was taken
    jobs = api(studio, csrf, "GET", "/api/jobs").json()["jobs"]
    assert jobs, "the video the test above made in this module's studio"
    first = jobs[0]["id"]
    for presets in (["tiktok"], ["/etc/passwd"], "youtube", [1], ["youtube"] * 9):
        answer = api(studio, csrf, "POST", f"/api/jobs/{first}/publish", json={"languages": [], "presets": presets})
        assert answer.status_code == 422, (presets, answer.text)
