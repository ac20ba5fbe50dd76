"""The studio's editor in a real browser (Selenium driving Debian's chromedriver and a headless Chromium) on a real
studio: `subtitler studio` with its watcher, a real clip (JFK's speech under a test picture) dropped into its
inbox, transcribed by the real base model, translated by Apertium and burned by ffmpeg.

A person corrects a word, splits a cue, fixes a cue too fast to read until its warning goes away, and publishes:
then the burned picture, the soft track, the SRT and the review say what they corrected, nothing was transcribed
again, and later runs keep it. Two tabs on one language: the second save is told, and nothing is lost. The
keyboard moves a cue one frame at a time. Every request field is checked at the door.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from subtitler.cues import Problem, Rule
from tests.conftest import REPO, ffmpeg, frame_at, invoke, needs, start_studio, wait_until

pytestmark = [  # conftest's `browser` asks for chromium and chromedriver
    pytest.mark.slow,
    needs(bool(shutil.which("apertium")), "Apertium is not installed (bash examples/setup.sh --translate)"),
]

DOCS = REPO / "docs"
JOB_KEY = "team/talk.mp4"  # the clip's place in the inbox: a folder whose preset burns English and adds Spanish
TEAM_PRESET = """extends = "default"
[translate]
to = ["es"]
[output]
burn = "en"
[encode]
x264_preset = "ultrafast"
[review]
unsure_below = 0.95
"""


@dataclass
class Running:
    url: str
    root: Path
    job: str  # the job's id
    folder: Path  # its output folder
    csrf: str

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=60, **kwargs)




@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, base_model: Any, speech_video: Path) -> Iterator[Running]:
    """`subtitler studio` (conftest's `start_studio`: 127.0.0.1, a free port) on a fresh folder, with the clip done:
    one transcription for the whole module."""
    from subtitler.studio.state import job_id

    root = tmp_path_factory.mktemp("editor") / "studio"
    (root / "inbox" / "team").mkdir(parents=True)
    (root / "team.toml").write_text(TEAM_PRESET, encoding="utf-8")
    (root / "inbox" / "subtitler-watch.toml").write_text('[presets]\n"team" = "../team.toml"\n', encoding="utf-8")
    server = start_studio(root)
    try:
        running = Running(server.url.rstrip("/"), root, job_id(JOB_KEY), root / "outbox" / "team" / "talk", server.csrf())
        partial = root / "inbox" / "team" / ".talk.mp4.part"  # copied under a name the watcher leaves, then renamed
        shutil.copyfile(speech_video, partial)
        os.replace(partial, root / "inbox" / JOB_KEY)
        jobs = lambda: running.api("GET", "/api/jobs").json()["jobs"]  # noqa: E731
        wait_until("the clip to be done", lambda: any(j["id"] == running.job and j["state"] == "done" for j in jobs()), every=0.5)
        yield running
    finally:
        server.stop()


def by(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, css))


def one(driver: Any, css: str) -> Any:
    found = by(driver, css)
    assert found, f"nothing matches {css}"
    return found[0]


def open_editor(driver: Any, studio: Running, language: str = "en") -> None:
    driver.get(f"{studio.url}/jobs/{studio.job}")
    loads = wait_until(
        "the editor",
        lambda: one(driver, "#editor").get_attribute("data-ready") == "1" and one(driver, "#editor").get_attribute("data-loads"),
    )
    if language != one(driver, "#language").get_attribute("value"):
        from selenium.webdriver.support.select import Select

        Select(one(driver, "#language")).select_by_value(language)
        wait_until(f"the {language} cues", lambda: one(driver, "#editor").get_attribute("data-loads") != loads)
        assert one(driver, "#language").get_attribute("value") == language


def texts(driver: Any) -> list[str]:
    """The text of every cue, as the page shows it (read at once: the list may be drawn again meanwhile)."""
    return list(driver.execute_script("return Array.from(document.querySelectorAll('#cues textarea'), a => a.value)"))


def shown(driver: Any, css: str) -> list[str]:
    """The text of what `css` finds, where it shows, read at once."""
    script = "return Array.from(document.querySelectorAll(arguments[0])).filter(e => e.offsetParent).map(e => e.textContent)"
    return list(driver.execute_script(script, css))


def saved_version(driver: Any) -> int:
    """Waits for the autosave: the version the page says it saved."""

    def state() -> Any:
        text = one(driver, "#save-state").text
        assert not text.startswith("not saved"), text
        return re.fullmatch(r"saved \(version (\d+)\)", text)

    return int(wait_until("the autosave", state).group(1))


def problems(driver: Any, number: int) -> list[str]:
    return shown(driver, f'#cues li.cue[data-index="{number - 1}"] .problem')


def key(driver: Any, *keys: str, hold: str | tuple[str, ...] = ()) -> None:
    """Keys pressed on whatever has the focus, with `hold` (a modifier, or several) held down."""
    from selenium.webdriver.common.action_chains import ActionChains

    held = (hold,) if isinstance(hold, str) else hold
    chain = ActionChains(driver)
    for modifier in held:
        chain.key_down(modifier)
    for k in keys:
        chain.send_keys(k)
    for modifier in reversed(held):
        chain.key_up(modifier)
    chain.perform()


def select_cue(driver: Any, number: int) -> None:
    """Select a cue as a person does, by clicking its number (focus leaves the text, so keys are shortcuts)."""
    one(driver, f'#cues li.cue[data-index="{number - 1}"] .number').click()
    wait_until(
        "the cue selected", lambda: "selected" in one(driver, f'#cues li.cue[data-index="{number - 1}"]').get_attribute("class")
    )


def api_cues(studio: Running, language: str) -> dict[str, Any]:
    response = studio.api("GET", f"/api/jobs/{studio.job}/cues/{language}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def screenshot(driver: Any, name: str, width: int = 1100) -> None:
    """The browser's window as a small PNG in docs/, with SUBTITLER_SCREENSHOTS=1 (as tests/test_studio_server.py)."""
    import cv2

    if os.environ.get("SUBTITLER_SCREENSHOTS", "") in ("", "0"):
        return
    DOCS.mkdir(exist_ok=True)
    driver.set_window_size(1400, 900)
    picture = cv2.imdecode(np.frombuffer(driver.get_screenshot_as_png(), np.uint8), cv2.IMREAD_COLOR)
    height = round(picture.shape[0] * width / picture.shape[1])
    small = cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(DOCS / name), small, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def no_page_errors(driver: Any, expected: str = "") -> None:
    """No script error in the page, nor a request that failed (but the one `expected`)."""
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and not (expected and expected in e["message"])]
    assert not errors, errors


def text_band(frame: np.ndarray) -> tuple[slice, slice]:
    """Where the default style draws: the bottom fifth of the picture."""
    return slice(int(frame.shape[0] * 0.75), frame.shape[0]), slice(0, frame.shape[1])


def subtitle_track(video: Path, tmp: Path) -> str:
    out = tmp / "track.srt"
    ffmpeg("-i", str(video), "-map", "0:s:0", "-f", "srt", str(out))
    return out.read_text(encoding="utf-8")


# The whole correction, as a person makes it.


def test_correct_split_fix_and_publish(studio: Running, browser: Any, tmp_path: Path) -> None:
    driver = browser
    from selenium.webdriver.common.keys import Keys

    driver.get(studio.url + "/")  # from the jobs page, as a person goes: the job's link to its editor
    link = wait_until(
        "the editor's link", lambda: [a for a in by(driver, f'a.editor[href="/jobs/{studio.job}"]') if a.is_displayed()]
    )
    link[0].click()
    wait_until("the editor", lambda: by(driver, "#editor") and one(driver, "#editor").get_attribute("data-ready") == "1")
    machine = api_cues(studio, "en")
    assert not machine["edited"] and machine["version"] is None
    assert [c["lines"] for c in machine["cues"]] == [
        ["And so my fellow Americans,"], ["ask not what your country can do for you,"], ["ask what you can do for your country."],
    ]  # fmt: skip
    assert by(driver, "mark.unsure"), "the words Whisper was unsure of ([review] unsure_below = 0.95) are marked"
    old_burn = tmp_path / "old.burned.mp4"
    shutil.copyfile(studio.folder / "talk.en.burned.mp4", old_burn)
    before = json.loads((studio.folder / "job.json").read_text(encoding="utf-8"))

    # Correct a word, which makes the cue too long to read in its time: the preset's rule says so, by name.
    area = by(driver, "#cues textarea")[0]
    area.click()
    area.send_keys(Keys.END, Keys.BACKSPACE * len("Americans,"), "citizens of the world,")
    assert texts(driver)[0] == "And so my fellow citizens of the world,"
    first = machine["cues"][0]  # its start on the speech heard ([cues] snap_to_speech), its end as Whisper timed it
    speed = Problem(Rule.READING_SPEED, len("And so my fellow citizens of the world,") / (first["end"] - first["start"]),
                    machine["rules"]["max_cps"])  # fmt: skip
    wait_until("the reading speed warning", lambda: f"reading speed: {speed.message}" in problems(driver, 1))
    driver.execute_script("document.getElementById('video').currentTime = 1.0")
    wait_until("the overlay", lambda: one(driver, "#overlay").text == "And so my fellow citizens of the world,")
    saved_version(driver)
    screenshot(driver, "studio-editor.png")

    # Fix it: the end a frame later at a time (Shift+]) until the warning goes away.
    select_cue(driver, 1)
    pressed = 0
    while any(p.startswith("reading speed") for p in problems(driver, 1)):
        assert pressed < 25, "the warning never went away"
        key(driver, "]", hold=Keys.SHIFT)
        pressed += 1
        checked = one(driver, "#editor").get_attribute("data-checked")
        wait_until("the check", lambda: one(driver, "#editor").get_attribute("data-checked") != checked, 10, 0.02)  # noqa: B023
    assert problems(driver, 1) == []

    # Split the second cue before "can": the times come from the words.
    second = by(driver, "#cues textarea")[1]
    second.click()
    driver.execute_script("arguments[0].setSelectionRange(26, 26)", second)  # "ask not what your country |can do for you,"
    key(driver, Keys.ENTER, hold=Keys.CONTROL)
    wait_until("the split", lambda: len(texts(driver)) == 4)
    assert texts(driver)[1:3] == ["ask not what your country", "can do for you,"]
    version = saved_version(driver)
    saved = api_cues(studio, "en")
    assert saved["edited"] and saved["version"] == version
    first, part_a, part_b = saved["cues"][0], saved["cues"][1], saved["cues"][2]
    frame = 1 / machine["fps"]
    assert math.isclose(first["end"], machine["cues"][0]["end"] + pressed * frame, abs_tol=0.0015)
    can = next(w for w in machine["cues"][1]["words"] if w["text"] == "can")
    assert part_b["start"] == pytest.approx(can["start"], abs=0.0015)
    assert part_a["end"] <= part_b["start"] - machine["rules"]["min_gap"] + 0.0015
    assert [w["text"] for w in part_b["words"]] == ["can", "do", "for", "you,"]

    # The frame as it will be burned, before publishing: the corrected words where the text is.
    driver.execute_script("document.getElementById('video').currentTime = 1.0")
    one(driver, "#show-frame").click()
    wait_until("the burned frame", lambda: one(driver, "#frame-box").is_displayed() and driver.execute_script(
        "return document.getElementById('frame').naturalWidth") > 0)  # fmt: skip
    assert "Burned frame at 0:01.00" in one(driver, "#frame-box figcaption").text
    no_page_errors(driver)

    # Publish, on the publish screen.
    one(driver, "#open-publish").click()
    english = wait_until(
        "the languages", lambda: [i for i in by(driver, "#publish-languages input") if i.get_attribute("value") == "en"]
    )
    wait_until("en ticked", lambda: english[0].is_selected())
    one(driver, "#publish-go").click()
    wait_until("the publish to end", lambda: one(driver, "#editor").get_attribute("data-published") == "1")
    log = shown(driver, "#publish-log li")
    assert any(line.startswith("Published") for line in log), log
    no_page_errors(driver)

    after = json.loads((studio.folder / "job.json").read_text(encoding="utf-8"))
    assert "transcribe" in after["reused"], "publishing never transcribes"
    assert "translate:es" in after["reused"], "nor translates a language that was not corrected"
    remade = {key for key, entry in after["outputs"].items() if before["outputs"].get(key, {}).get("digest") != entry["digest"]}
    assert {"srt:en", "burned:en", "subtitled"} <= remade
    assert not {"srt:es", "transcript"} & remade
    assert "talk.en.burned.mp4" in log and log.count("talk.en.burned.mp4") == 1, "one encode for the one burned copy"

    # The burned picture shows the correction where the text is, and is the same picture elsewhere.
    old, new = frame_at(old_burn, 1.0), frame_at(studio.folder / "talk.en.burned.mp4", 1.0)
    rows, columns = text_band(new)
    assert np.abs(new[rows, columns] - old[rows, columns]).mean() > 3
    assert np.abs(new[: rows.start - 20] - old[: rows.start - 20]).mean() < 2.5
    srt = (studio.folder / "talk.en.srt").read_text(encoding="utf-8")
    assert "And so my fellow citizens of the world," in srt and "\ncan do for you,\n" in srt
    assert "citizens of the world" in subtitle_track(studio.folder / "talk.subtitled.mp4", tmp_path)
    review = json.loads((studio.folder / "talk.review.json").read_text(encoding="utf-8"))
    cues = review["languages"]["en"]["cues"]
    assert cues[0]["text"] == "And so my fellow citizens of the world," and cues[0]["problems"] == []
    assert len(cues) == 4 and review["languages"]["en"]["summary"]["reading_speed"] == 0

    # A later run, and a run --force, of the same input keep the correction (on a copy of the job folder: the
    # studio's watcher holds its own).
    out = tmp_path / "again"
    shutil.copytree(studio.folder, out / "talk")
    source, preset = studio.root / "inbox" / JOB_KEY, studio.root / "team.toml"
    for force in ((), ("--force",)):
        code, said = invoke("run", str(source), "-o", str(out), "--preset", str(preset), "--model", "base", *force)
        assert code == 0, said
        srt = (out / "talk" / "talk.en.srt").read_text(encoding="utf-8")
        assert "And so my fellow citizens of the world," in srt and "\ncan do for you,\n" in srt, force
        burned = frame_at(out / "talk" / "talk.en.burned.mp4", 1.0)
        assert np.abs(burned[rows, columns] - new[rows, columns]).mean() < 2, force


def test_two_tabs_on_one_language_lose_nothing(studio: Running, browser: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = browser
    open_editor(driver, studio, "es")
    first_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")
    open_editor(driver, studio, "es")
    second_tab = driver.current_window_handle

    driver.switch_to.window(first_tab)
    by(driver, "#cues textarea")[0].send_keys(Keys.END, " (primera)")
    mine = saved_version(driver)

    driver.switch_to.window(second_tab)  # opened before that save: its base is older
    area = by(driver, "#cues textarea")[-1]
    area.send_keys(Keys.END, " (segunda)")
    written = area.get_attribute("value")
    notice = wait_until("the conflict notice", lambda: [e for e in by(driver, "#conflict") if e.is_displayed()])[0]
    assert "someone saved a newer version: reload to see it, your text is kept below" in notice.text.lower()
    assert written in one(driver, "#kept").get_attribute("value")
    kept = driver.execute_script(f"return localStorage.getItem('subtitler-edit:{studio.job}:es')")
    assert " ".join(written.split()) in " ".join(" ".join(c["lines"]) for c in json.loads(kept)["cues"])
    assert api_cues(studio, "es")["version"] == mine, "the second tab overwrote nothing"

    one(driver, "#reload").click()
    wait_until("the newer version", lambda: texts(driver) and texts(driver)[0].endswith("(primera)"))
    assert written in one(driver, "#kept").get_attribute("value"), "the unsaved text is still in the page"
    assert one(driver, "#conflict").is_displayed()
    no_page_errors(driver, expected="status of 409 (Conflict)")


def test_a_change_left_unsaved_comes_back(studio: Running, browser: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = browser
    open_editor(driver, studio, "es")
    by(driver, "#cues textarea")[0].send_keys(Keys.END, " (sin guardar)")
    driver.get(f"{studio.url}/jobs/{studio.job}")  # gone before the autosave
    open_editor(driver, studio, "es")
    wait_until("the change back", lambda: texts(driver)[0].endswith("(sin guardar)"))
    saved_version(driver)
    assert api_cues(studio, "es")["cues"][0]["lines"][-1].endswith("(sin guardar)")
    no_page_errors(driver)


def test_keyboard_nudges_a_cue_one_frame(studio: Running, browser: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    driver = browser
    open_editor(driver, studio, "es")
    start = api_cues(studio, "es")
    frame = 1 / start["fps"]
    number = len(start["cues"])  # the last cue: room on both sides
    cue = start["cues"][number - 1]
    select_cue(driver, number)

    def moved() -> dict[str, float]:
        saved_version(driver)
        now = api_cues(studio, "es")["cues"][number - 1]
        return {"start": round((now["start"] - cue["start"]) / frame, 3), "end": round((now["end"] - cue["end"]) / frame, 3)}

    key(driver, "]")
    assert moved() == {"start": 1, "end": 0}
    key(driver, "}")  # Shift+] on this keyboard
    assert moved() == {"start": 1, "end": 1}
    key(driver, "[", "[")
    assert moved() == {"start": -1, "end": 1}
    key(driver, Keys.ARROW_RIGHT, hold=Keys.ALT)  # the alternative, which works while typing too
    assert moved() == {"start": 0, "end": 1}
    key(driver, Keys.ARROW_LEFT, Keys.ARROW_LEFT, hold=(Keys.ALT, Keys.SHIFT))
    assert moved() == {"start": 0, "end": -1}
    key(driver, "z", hold=Keys.CONTROL)  # undo the last frame
    assert moved() == {"start": 0, "end": 0}
    key(driver, "y", hold=Keys.CONTROL)  # and redo it
    assert moved() == {"start": 0, "end": -1}
    no_page_errors(driver)


def test_a_translation_shows_its_source_and_a_word_goes_to_the_glossary(studio: Running, browser: Any) -> None:
    driver = browser
    open_editor(driver, studio, "es")
    sources = shown(driver, "#cues .source")
    assert sources and all("fellow Americans" in s or "your country" in s for s in sources)
    area = by(driver, "#cues textarea")[0]
    word = area.get_attribute("value").split()[1].strip(",.")
    at = area.get_attribute("value").index(word)
    area.click()
    driver.execute_script("arguments[0].setSelectionRange(arguments[1], arguments[2])", area, at, at + len(word))
    one(driver, "#add-term").click()
    wait_until("the term listed", lambda: word in shown(driver, "#terms li"))
    from subtitler import glossary

    assert word in [t.text for t in glossary.load(studio.folder / "glossary.toml").terms]
    assert studio.api("GET", f"/api/jobs/{studio.job}/glossary").json()["terms"] == [word]
    no_page_errors(driver)


def test_every_tool_and_the_picture_follows(studio: Running, browser: Any) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select

    driver = browser
    open_editor(driver, studio, "en")
    machine = api_cues(studio, "en")["cues"]
    before = texts(driver)

    def act(number: int, action: str) -> None:
        select_cue(driver, number)
        one(driver, f'#cues li.cue[data-index="{number - 1}"] [data-act="{action}"]').click()

    # A click on a cue's time seeks there: the cue under the playhead is marked, the picture shows its text.
    one(driver, '#cues li.cue[data-index="1"] [data-act="seek"]').click()
    wait_until(
        "the seek",
        lambda: abs(driver.execute_script("return document.getElementById('video').currentTime") - machine[1]["start"]) < 0.01,
    )
    wait_until("the current cue", lambda: "current" in one(driver, '#cues li.cue[data-index="1"]').get_attribute("class"))
    assert one(driver, "#overlay").text == before[1]

    act(1, "merge")  # two cues joined, their words kept
    wait_until("the merge", lambda: len(texts(driver)) == len(before) - 1)
    joined = texts(driver)[0].split("\n")
    assert " ".join(joined).split() == (before[0] + " " + before[1]).split() and len(joined) == 2
    act(1, "break-later")
    wait_until("the line break moved", lambda: len(texts(driver)[0].split("\n")[0]) > len(joined[0]))
    merged = api_cues(studio, "en") if saved_version(driver) else {}
    words = [w["text"] for w in merged["cues"][0]["words"]]
    assert words == (before[0] + " " + before[1]).split()
    assert merged["cues"][0]["words"][-1]["start"] == pytest.approx(machine[1]["words"][-1]["start"], abs=0.0015)

    key(driver, "z", hold=Keys.CONTROL)  # undo the line break, then the merge
    key(driver, "z", hold=Keys.CONTROL)
    wait_until("the undo", lambda: texts(driver) == before)
    key(driver, "z", hold=(Keys.CONTROL, Keys.SHIFT))  # redo the merge
    wait_until("the redo", lambda: len(texts(driver)) == len(before) - 1)
    key(driver, "z", hold=Keys.CONTROL)
    wait_until("the undo", lambda: texts(driver) == before)

    last = len(before)
    act(last, "insert")  # an empty cue after the last, its text box ready for typing
    wait_until("the new cue", lambda: len(texts(driver)) == last + 1)
    driver.switch_to.active_element.send_keys("Thank you.")
    saved_version(driver)
    assert api_cues(studio, "en")["cues"][-1]["lines"] == ["Thank you."]
    act(last + 1, "delete")
    wait_until("the delete", lambda: texts(driver) == before)

    start = api_cues(studio, "en") if saved_version(driver) else {}
    one(driver, "#shift-ms").clear()
    one(driver, "#shift-ms").send_keys("40")
    one(driver, "#shift-all").click()
    saved_version(driver)
    shifted = api_cues(studio, "en")
    moved = [round(b["start"] - a["start"], 3) for a, b in zip(start["cues"], shifted["cues"], strict=True)]
    assert moved == [0.04] * len(before)
    words = zip(shifted["cues"][1]["words"], start["cues"][1]["words"], strict=True)
    assert all(w["start"] == pytest.approx(v["start"] + 0.04, abs=0.0015) for w, v in words)

    Select(one(driver, "#preset")).select_by_value("tiktok")  # the frame as another network's preset would burn it
    driver.execute_script("document.getElementById('video').currentTime = 5.0")
    one(driver, "#show-frame").click()
    wait_until("the still", lambda: one(driver, "#frame-box").is_displayed() and driver.execute_script(
        "return document.getElementById('frame').naturalWidth") > 0)  # fmt: skip
    assert "tiktok" in one(driver, "#frame-box figcaption").text
    one(driver, "#hide-frame").click()
    assert not one(driver, "#frame-box").is_displayed()

    one(driver, "#open-publish").click()  # published twice from one page: each followed to its end
    for times in ("1", "2"):
        wait_until(
            "en ticked", lambda: [i for i in by(driver, "#publish-languages input:checked") if i.get_attribute("value") == "en"]
        )
        one(driver, "#publish-go").click()
        wait_until("the publish to end", lambda: one(driver, "#editor").get_attribute("data-published") == times)  # noqa: B023
        assert any(line.startswith("Published") for line in shown(driver, "#publish-log li"))
    no_page_errors(driver)


# The API: by id, every field checked at the door.


def test_every_request_field_is_checked(studio: Running) -> None:
    job = f"/api/jobs/{studio.job}"
    cue = {"start": 1.0, "end": 2.0, "lines": ["Hello"], "words": []}

    def put(body: Any, language: str = "en") -> httpx.Response:
        return studio.api(
            "PUT", f"{job}/cues/{language}", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    version = api_cues(studio, "en")["version"]
    for body, status in [
        ({"base": version, "cues": [{**cue, "start": "1"}]}, 422),
        ({"base": version, "cues": [{**cue, "start": 2.5}]}, 422),  # ends before it starts
        ({"base": version, "cues": [{**cue, "lines": ["a\x00b"]}]}, 422),
        ({"base": version, "cues": [{**cue, "lines": ["x" * 1001]}]}, 422),
        ({"base": version, "cues": [{**cue, "lines": [""]}]}, 422),  # no text
        ({"base": version, "cues": [cue] * 20_001}, 422),
        ({"base": "1", "cues": [cue]}, 422),
        ({"base": version, "cues": {"start": 1}}, 422),
        ([cue], 422),
    ]:
        response = put(body)
        assert response.status_code == status, (str(body)[:80], response.text)
        assert "error" in response.json()
    nan = studio.api("PUT", f"{job}/cues/en", content=b'{"base": null, "cues": [{"start": NaN, "end": 1, "lines": ["a"]}]}')
    assert nan.status_code == 422
    assert put({"base": version, "cues": [cue]}, "xx").status_code == 404
    assert put({"base": version, "cues": [cue]}, "de").status_code == 404  # a language this job has not
    assert studio.api("GET", "/api/jobs/..%2F..%2Fetc/cues/en").status_code == 404
    assert studio.api("GET", "/api/jobs/0000000000000000/cues/en").status_code == 404
    assert api_cues(studio, "en")["version"] == version, "nothing refused was saved"
    stale = put({"base": 0 if version else 1, "cues": [cue]})
    assert stale.status_code == 409 and stale.json()["current"] == (version or 0)
    no_csrf = httpx.put(f"{studio.url}{job}/cues/en", json={"base": version, "cues": [cue]}, timeout=30)
    assert no_csrf.status_code == 403

    check = studio.api("POST", f"{job}/check", json={"cues": [{"start": 0, "end": 0.5, "lines": ["x" * 50]},
                                                             {"start": 0.45, "end": 3, "lines": ["Hi"]}]})  # fmt: skip
    rules = [[p["rule"] for p in cue] for cue in check.json()["cues"]]
    assert rules == [["chars_per_line", "min_duration", "reading_speed"], ["overlap"]]
    assert studio.api("POST", f"{job}/check", json={"cues": [{"start": -1, "end": 1, "lines": []}]}).status_code == 422

    for query in ("lang=en&t=-1", "lang=en&t=nan", "lang=en&t=99", "lang=../en&t=1", "t=1"):
        assert studio.api("GET", f"{job}/frame?{query}").status_code in (404, 422), query
    assert studio.api("GET", f"{job}/still?lang=en&t=1&preset=../../team").status_code == 422
    still = studio.api("GET", f"{job}/still?lang=en&t=1&preset=tiktok")
    assert still.status_code == 200 and still.content.startswith(b"\x89PNG")
    frame = studio.api("GET", f"{job}/frame?lang=en&t=1")
    assert frame.status_code == 200 and frame.content.startswith(b"\x89PNG") and frame.content != still.content

    video = studio.api("GET", f"{job}/video", headers={"Range": "bytes=1000-1999"})
    assert video.status_code == 206 and len(video.content) == 1000
    assert video.headers["content-range"].startswith("bytes 1000-1999/")

    assert studio.api("POST", f"{job}/glossary", json={"term": "a\nb"}).status_code == 422
    assert studio.api("POST", f"{job}/glossary", json={"term": "..."}).status_code == 422
    assert studio.api("POST", f"{job}/publish", json={"languages": ["xx"]}).status_code == 404
    assert studio.api("POST", f"{job}/publish", json={"retranslate": "yes"}).status_code in (400, 422)
