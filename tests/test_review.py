"""The review report: rules broken and unsure words (inline cues), its HTML page in a real headless Chromium,
and the stage on a real transcript of real speech."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from subtitler.cues import Problem, Rule, cue_violations, make_cues
from subtitler.job import Job, JobSettings
from subtitler.model import Cue, MediaInfo, VideoInfo, Word
from subtitler.model_store import ResolvedModel
from subtitler.options import load_options
from subtitler.pipeline import run_job
from subtitler.report_html import json_for_script, page_digest, render, video_url
from subtitler.review import REPORT_VERSION, review
from subtitler.stages import build_stages
from subtitler.stages.record import Record
from subtitler.stages.review import Review, video_for_page

# The rules pinned here, so the expected problems do not move with the default preset.
PINNED = {"max_chars_per_line": 42, "max_lines": 2, "min_duration": 0.833, "max_duration": 7.0, "max_cps": 17.0}
OPTIONS = dataclasses.replace(load_options().cues, **PINNED)
HOSTILE = "</script><script>document.body.dataset.pwned = 1</script><!-- \"'<>& Ελληνικά 中文 \u2028"
# Markup that runs a script if it is ever put in the page as HTML, or breaks out of an attribute.
ONERROR = '<img src=x onerror="document.body.dataset.pwned = 2">" onerror="document.body.dataset.pwned = 3'
NO_RULE_BROKEN = {"lines": 0, "chars_per_line": 0, "timing": 0, "min_duration": 0, "max_duration": 0, "reading_speed": 0,
                  "gap": 0, "overlap": 0}  # fmt: skip


def words(text: str, start: float, word_s: float, probabilities: dict[str, float] | None = None) -> tuple[Word, ...]:
    """One Word per space-separated word, back to back, with the given probabilities (1.0 otherwise)."""
    found = []
    for token in text.split():
        found.append(Word(start, start + word_s, " " + token, (probabilities or {}).get(token, 1.0)))
        start += word_s
    return tuple(found)


WIDE = Cue(1.0, 5.0, ("This line holds sixty characters, far more than forty-two...",))
FAST = Cue(
    6.0, 6.9, ("Far too much to read", "in under one second."), words("Far too much to read in under one second.", 6.0, 0.1)
)
FINE = Cue(
    8.0, 10.5, ("And so, my fellow Americans,",), words("And so, my fellow Americans,", 8.0, 0.4, {"my": 0.31, "fellow": 0.5})
)


def test_a_cue_with_a_sixty_character_line_is_listed_with_its_problem():
    assert len(WIDE.lines[0]) == 60
    report = review({"en": [WIDE, FINE]}, OPTIONS, 0.5)
    first = report["languages"]["en"]["cues"][0]
    assert first == {
        "number": 1,
        "start": 1.0,
        "end": 5.0,
        "text": WIDE.text,
        "lines": list(WIDE.lines),
        "problems": [
            {"rule": "chars_per_line", "value": 60, "limit": 42, "line": 1, "message": "line 1 is 60 wide, more than 42"}
        ],
    }


def test_a_cue_too_fast_to_read_is_listed_with_its_reading_speed():
    report = review({"en": [WIDE, FAST]}, OPTIONS, 0.5)
    cue = report["languages"]["en"]["cues"][1]
    assert (cue["number"], cue["start"], cue["end"]) == (2, 6.0, 6.9)
    assert cue["problems"] == [  # 40 characters in 0.9 s
        {
            "rule": "reading_speed",
            "value": 44.444,
            "limit": 17.0,
            "line": None,
            "message": "reads at 44.4 characters per second, more than 17",
        }
    ]
    assert report["languages"]["en"]["summary"] == {**NO_RULE_BROKEN, "chars_per_line": 1, "reading_speed": 1}


def test_a_cue_that_obeys_every_rule_has_no_problems():
    assert cue_violations(FINE, OPTIONS) == []
    report = review({"en": [FINE]}, OPTIONS, 0.5)
    assert report["languages"]["en"]["cues"][0]["problems"] == []
    assert report["languages"]["en"]["counts"] == {"cues": 1, "with_problems": 0, "unsure_words": 1}
    assert not any(report["languages"]["en"]["summary"].values())


def test_unsure_words_come_out_with_their_times_language_and_cue():
    report = review({"en": [WIDE, FAST, FINE], "es": [FINE]}, OPTIONS, 0.5)
    # "fellow" at exactly 0.5 is not below the threshold; "my" at 0.31 is.
    assert report["unsure_words"] == [
        {"language": "en", "cue": 3, "start": 8.8, "end": 9.2, "text": "my", "probability": 0.31},
        {"language": "es", "cue": 1, "start": 8.8, "end": 9.2, "text": "my", "probability": 0.31},
    ]
    assert review({"en": [FINE]}, OPTIONS, 0.6)["unsure_words"][1]["text"] == "fellow"


def test_summary_counts_the_cues_that_break_each_rule():
    three_lines = Cue(11.0, 15.0, ("One", "two", "three"))
    backwards = Cue(16.0, 16.0, ("Stuck",))
    too_long = Cue(17.0, 26.0, ("A long, long time on screen.",))
    two_wide = Cue(27.0, 33.0, ("x" * 43, "y" * 43))
    close = Cue(33.05, 35.0, ("Close behind it.",))  # less than min_gap after the cue before
    over = Cue(34.5, 37.0, ("Over the one before.",))
    cues = [WIDE, FAST, FINE, three_lines, backwards, too_long, two_wide, close, over]
    report = review({"en": cues}, OPTIONS, 0.5)
    part = report["languages"]["en"]
    assert part["summary"] == {
        "lines": 1,
        "chars_per_line": 2,  # the cue with two wide lines counts once
        "timing": 1,
        "min_duration": 0,
        "max_duration": 1,
        "reading_speed": 1,
        "gap": 1,
        "overlap": 1,
    }
    assert part["counts"] == {"cues": 9, "with_problems": 8, "unsure_words": 1}
    assert [[(p["rule"], p["value"], p["limit"], p["line"]) for p in cue["problems"]] for cue in part["cues"]] == [
        [("chars_per_line", 60, 42, 1)],
        [("reading_speed", 44.444, 17.0, None)],
        [],
        [("lines", 3, 2, None)],
        [("timing", 16.0, 16.0, None)],  # the end, and the start it must come after
        [("max_duration", 9.0, 7.0, None)],
        [("chars_per_line", 43, 42, 1), ("chars_per_line", 43, 42, 2)],
        [("gap", 0.05, 0.083, None)],  # the time since the cue before ended, and min_gap
        [("overlap", 0.5, 0.0, None)],  # how long it shows over the cue before
    ]
    assert [p["message"] for cue in part["cues"][3:6] + part["cues"][7:] for p in cue["problems"]] == [
        "3 lines, more than 2",
        "ends at 16.000 s, not after its start at 16.000 s",
        "lasts 9.000 s, more than 7 s",
        "starts 0.050 s after the cue before it ends, less than 0.083 s",
        "starts 0.500 s before the cue before it ends",
    ]


def test_a_too_brief_cue_is_named_for_min_duration():
    brief = Cue(0.0, 0.5, ("Hi.",))
    assert cue_violations(brief, OPTIONS) == [Problem(Rule.MIN_DURATION, 0.5, 0.833)]
    report = review({"en": [brief]}, OPTIONS, 0.5)
    assert report["languages"]["en"]["cues"][0]["problems"] == [
        {"rule": "min_duration", "value": 0.5, "limit": 0.833, "line": None, "message": "lasts 0.500 s, less than 0.833 s"}
    ]
    assert report["languages"]["en"]["summary"] == {**NO_RULE_BROKEN, "min_duration": 1}


def test_report_is_json_as_it_reads_back_and_keeps_the_language_order():
    report = review({"fr": [FINE], "en": [WIDE], "de": []}, OPTIONS, 0.5)
    assert json.loads(json.dumps(report)) == report
    assert list(report["languages"]) == ["fr", "en", "de"]
    assert report["languages"]["de"] == {
        "cues": [],
        "counts": {"cues": 0, "with_problems": 0, "unsure_words": 0},
        "summary": NO_RULE_BROKEN,
    }
    assert report["limits"]["max_chars_per_line"] == 42
    assert report["version"] == REPORT_VERSION == 3
    assert report["rules"] == {
        "lines": "lines",
        "chars_per_line": "characters per line",
        "timing": "timing",
        "min_duration": "min duration",
        "max_duration": "max duration",
        "reading_speed": "reading speed",
        "gap": "gap",
        "overlap": "overlap",
    }


def test_cues_made_from_whispers_words_keep_the_unsure_ones():
    spoken = words("Ask not what your country can do for you.", 0.0, 0.3, {"not": 0.2, "country": 0.45})
    report = review({"en": make_cues(spoken, OPTIONS)}, OPTIONS, 0.5)
    assert [(w["text"], w["start"], w["probability"]) for w in report["unsure_words"]] == [
        ("not", 0.3, 0.2),
        ("country", 1.2, 0.45),
    ]


# The HTML page.


def script_blocks(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)


def test_json_in_the_page_cannot_break_out_of_its_script_block():
    data = {"text": HOSTILE + ONERROR + "\u2029"}
    embedded = json_for_script(data)
    assert not {"<", ">", "&", "\u2028", "\u2029"} & set(embedded)
    assert "Ελληνικά 中文" in embedded  # non-ASCII stays readable (the page is UTF-8)
    assert json.loads(embedded) == data
    code = "x" + HOSTILE + ONERROR  # a language code it does not know is shown as its own name
    page = render(review({"en": [Cue(0.0, 2.0, (HOSTILE, ONERROR))], code: [FINE]}, OPTIONS, 0.5), "x", None)
    # Only the page's own blocks: the error hook, the language names, the report, the script.
    assert page.count("</script>") == page.count("<script") == len(script_blocks(page)) == 4
    _, names, data_block, _ = script_blocks(page)
    assert json.loads(names) == {"en": "English", code: code}
    assert json.loads(data_block)["languages"]["en"]["cues"][0]["text"] == HOSTILE + "\n" + ONERROR
    assert "\u2028" not in names + data_block and 'onerror="' not in names + data_block
    assert "<img" not in page


def test_the_page_files_are_inlined_and_end_no_block_early():
    page = render(review({}, OPTIONS, 0.5), "x", None)
    style = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(style) == 1 and "li.cue.bad" in style[0]  # the CSS, inline
    assert "function showLanguage(code)" in script_blocks(page)[-1]  # the JS, inline
    assert not re.search(r"<(link|script)[^>]* (href|src)=", page)  # nothing but the video comes from outside
    assert "@" + "REPORT@" not in page and "@" + "SCRIPT@" not in page
    assert len(page_digest()) == 16


def test_title_and_video_are_escaped():
    page = render(review({}, OPTIONS, 0.5), '<b>"@REPORT@"</b>', 'clip "#1" & <2>.mp4')
    assert "<title>Review: &lt;b&gt;&quot;@REPORT@&quot;&lt;/b&gt;</title>" in page
    assert 'src="clip%20%22%231%22%20%26%20%3C2%3E.mp4"' in page
    assert "<video" not in render(review({}, OPTIONS, 0.5), "x", None)
    page = render(review({}, OPTIONS, 0.5), 'a" onerror="b\u2028', 'v" onerror="x()\u2028.mp4')
    assert "<h1>Review: a&quot; onerror=&quot;b\u2028</h1>" in page  # text, not an attribute: U+2028 is harmless there
    assert 'src="v%22%20onerror%3D%22x%28%29%E2%80%A8.mp4"' in page
    assert 'onerror="' not in page


def test_video_url():
    assert video_url("talk #1.mp4") == "talk%20%231.mp4"
    assert video_url("../in/ça va?.mkv") == "../in/%C3%A7a%20va%3F.mkv"
    assert video_url("/media/a b.mp4") == "file:///media/a%20b.mp4"


@pytest.fixture(scope="session")
def chromium() -> str:
    from .conftest import need

    found = shutil.which("chromium") or ""
    need(bool(found), "chromium is not installed (apt-get install chromium, or examples/setup.sh --dev)")
    return found


def dump_dom(chromium: str, page: Path, profile: Path, fragment: str = "") -> str:
    """The page's DOM after its scripts ran, as a real headless Chromium builds it."""
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri() + fragment,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-3000:]
    return done.stdout


def body_tag(dom: str) -> str:
    found = re.search(r"<body[^>]*>", dom)
    assert found, dom[:2000]
    return found.group(0)


def cue_rows(dom: str) -> list[str]:
    return re.findall(r'<li class="cue[^"]*" tabindex="0" data-number="(\d+)"', dom)


def test_page_loads_in_chromium_with_every_cue_its_problems_and_unsure_words(chromium, tmp_path):
    hostile = Cue(11.0, 14.0, (HOSTILE, ONERROR))
    code = "x" + ONERROR + "\u2028"
    report = review({"en": [WIDE, FAST, FINE, hostile], "es": [FINE], code: [FINE]}, OPTIONS, 0.5)
    page = tmp_path / "x.review.html"
    page.write_text(render(report, ONERROR + "\u2028", None), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    body = body_tag(dom)
    assert 'data-ready="1"' in body and "data-error" not in body and "data-pwned" not in body
    assert cue_rows(dom) == ["1", "2", "3", "4"]  # the first language's cues, each a focusable row
    assert dom.count('class="cue bad"') == 3
    # Each problem shown as its message, marked with its rule's id.
    assert '<li data-rule="chars_per_line">line 1 is 60 wide, more than 42</li>' in dom
    assert '<li data-rule="reading_speed">reads at 44.4 characters per second, more than 17</li>' in dom
    assert "(characters per line: 2, reading speed: 2)" in dom  # the summary names the rules
    assert '<option value="chars_per_line">cues that break: characters per line (2)</option>' in dom
    assert '<mark title="Whisper was unsure: probability 0.31 at 0:08.80">my</mark>' in dom
    assert "&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned = 1&lt;/script&gt;&lt;!--" in dom
    assert '&lt;img src=x onerror="document.body.dataset.pwned = 2"&gt;" onerror="' in dom  # as text
    assert "<img" not in dom
    assert "Ελληνικά 中文" in dom
    assert '<option value="es">Español (es): 1 cue, 0 with problems</option>' in dom
    assert '<p class="no-video">' in dom


def test_page_with_a_hostile_video_name_loads_in_chromium(chromium, tmp_path):
    page = tmp_path / "x.review.html"
    video = 'v" onerror="document.body.dataset.pwned = 1" x=".mp4'
    page.write_text(render(review({"en": [FINE]}, OPTIONS, 0.5), "x", video), encoding="utf-8")
    body = body_tag(dump_dom(chromium, page, tmp_path / "profile"))
    assert 'data-ready="1"' in body and "data-error" not in body and "data-pwned" not in body


def test_choosing_a_rule_shows_only_the_cues_that_break_it(chromium, tmp_path):
    page = tmp_path / "x.review.html"
    choose = '<script>var show = document.getElementById("show"); show.value = "reading_speed";'
    choose += ' show.dispatchEvent(new Event("change"));</script></body>'
    html = render(review({"en": [WIDE, FAST, FINE]}, OPTIONS, 0.5), "x", None)
    page.write_text(html.replace("</body>", choose), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    assert 'data-ready="1"' in body_tag(dom) and "data-error" not in body_tag(dom)
    shown = re.findall(r'<li class="cue[^"]*" tabindex="0" data-number="(\d+)"', dom)
    hidden = re.findall(r'<li class="cue[^"]* hidden" tabindex="0" data-number="(\d+)"', dom)
    assert (shown, hidden) == (["1", "2", "3"], ["1", "3"])  # only FAST breaks the reading speed


def test_page_without_subtitles_still_loads(chromium, tmp_path):
    page = tmp_path / "empty.review.html"
    page.write_text(render(review({}, OPTIONS, 0.5), "empty", None), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    assert 'data-ready="1"' in body_tag(dom) and "data-error" not in body_tag(dom)
    assert "No subtitles: no speech was found." in dom


def test_a_script_error_is_reported_on_the_body(chromium, tmp_path):
    """The error hook works, so a page that loads without data-error really had no error."""
    page = tmp_path / "broken.review.html"
    page.write_text(
        render(review({"en": [FINE]}, OPTIONS, 0.5), "x", None).replace("cue.problems.length", "cue.nope.length"),
        encoding="utf-8",
    )
    body = body_tag(dump_dom(chromium, page, tmp_path / "profile"))
    assert 'data-error="' in body and 'data-ready="1"' not in body


# The stage.


def job_for(folder: Path, cues: dict[str, tuple[Cue, ...]], media: MediaInfo | None = None, **review_options) -> Job:
    options = load_options(overrides={"cues": PINNED, "review": review_options})
    model = ResolvedModel("base", Path("/nonexistent"), "test")
    return Job(
        source=folder.parent / "in" / "talk.mp4", folder=folder, stem="x", options=options, model=model, media=media, cues=cues
    )


def test_stage_writes_the_report_and_page_and_keeps_them_when_nothing_changed(tmp_path, caplog):
    folder = tmp_path / "out"
    folder.mkdir()
    with caplog.at_level("INFO", logger="subtitler.stages.review"):
        job = Review().run(job_for(folder, {"en": (WIDE, FINE)}))
    json_path, html_path = folder / "x.review.json", folder / "x.review.html"
    assert job.files["review:json"] == json_path and job.files["review:html"] == html_path
    written = json.loads(json_path.read_text(encoding="utf-8"))
    assert (written["version"], written["unsure_below"], written["limits"]["max_chars_per_line"]) == (REPORT_VERSION, 0.5, 42)
    assert [(c["number"], c["text"], c["problems"]) for c in written["languages"]["en"]["cues"]] == [
        (
            1,
            WIDE.text,
            [{"rule": "chars_per_line", "value": 60, "limit": 42, "line": 1, "message": "line 1 is 60 wide, more than 42"}],
        ),
        (2, FINE.text, []),
    ]
    assert written["languages"]["en"]["summary"] == {**NO_RULE_BROKEN, "chars_per_line": 1}
    assert written["unsure_words"] == [{"language": "en", "cue": 2, "start": 8.8, "end": 9.2, "text": "my", "probability": 0.31}]
    assert "x: en: 1 of 2 cues break a rule (characters per line: 1), 1 unsure words" in caplog.messages
    assert "<video" not in html_path.read_text(encoding="utf-8")  # media unknown: no video
    assert not list(folder.glob(".*partial*"))

    # The next run, with the same cues and options, keeps both files; different cues redo them.
    again = dataclasses.replace(job_for(folder, {"en": (WIDE, FINE)}), previous=dict(job.digests))
    json_path.write_text("kept", encoding="utf-8")
    html_path.write_text("kept", encoding="utf-8")
    kept = Review().run(again)
    assert kept.digests == job.digests
    assert json_path.read_text(encoding="utf-8") == html_path.read_text(encoding="utf-8") == "kept"
    changed = dataclasses.replace(job_for(folder, {"en": (FINE,)}), previous=dict(job.digests))
    redone = Review().run(changed)
    assert redone.digests["review:json"] != job.digests["review:json"]
    assert json.loads(json_path.read_text(encoding="utf-8"))["languages"]["en"]["counts"]["cues"] == 1


def test_stage_does_nothing_when_the_report_is_off(tmp_path):
    job = Review().run(job_for(tmp_path, {"en": (FINE,)}, report=False))
    assert "review:json" not in job.files and not list(tmp_path.iterdir())


def test_the_page_plays_the_subtitled_copy_else_the_source_else_nothing(tmp_path):
    folder = tmp_path / "out"
    audio = MediaInfo("talk.mp3", "mp3", 11.0, 1000, 0.0, audio_codec="mp3")
    video = dataclasses.replace(audio, video=VideoInfo(640, 360, 25.0))
    assert video_for_page(job_for(folder, {}, video)) == os.path.join("..", "in", "talk.mp4")
    assert video_for_page(job_for(folder, {}, audio)) is None
    assert video_for_page(job_for(folder, {}, None)) is None
    subtitled = dataclasses.replace(job_for(folder, {}, video), files={"subtitled": folder / "x.subtitled.mp4"})
    assert video_for_page(subtitled) == "x.subtitled.mp4"


@pytest.fixture(scope="module")
def reviewed(speech_video: Path, base_model, tmp_path_factory: pytest.TempPathFactory) -> tuple[Job, Job, dict[str, int]]:
    """JFK's speech under a test picture, through the real stages and the review, twice in one folder."""
    options = load_options(overrides={"review": {"unsure_below": 0.85}})
    stages = [s for s in build_stages(options) if s.name not in ("review", "record")] + [Review(), Record()]
    folder = tmp_path_factory.mktemp("reviewed") / "talk"
    first = run_job(Job.of(speech_video, folder, "talk", JobSettings(options, base_model)), stages)
    written = {key: first.files[key].stat().st_mtime_ns for key in ("review:json", "review:html")}
    second = run_job(Job.of(speech_video, folder, "talk", JobSettings(options, base_model)), stages)
    return first, second, written


@pytest.mark.slow
def test_stage_on_real_speech_reports_its_cues_and_the_page_plays_the_subtitled_video(reviewed, chromium, tmp_path):
    job, again, written = reviewed
    report = json.loads(job.files["review:json"].read_text(encoding="utf-8"))
    cues = job.cues["en"]
    part = report["languages"]["en"]
    assert [c["text"] for c in part["cues"]] == [c.text for c in cues]
    # JFK's 11 s make cues that keep every rule of the preset (two of about 55 characters, over 3 s each).
    assert [c["problems"] for c in part["cues"]] == [[]] * len(cues)
    assert part["summary"] == NO_RULE_BROKEN and part["counts"]["with_problems"] == 0
    page = job.files["review:html"].read_text(encoding="utf-8")
    assert 'src="talk.subtitled.mp4"' in page

    # Opened at the second cue's time, the page draws that cue over the playing video.
    second = cues[1]
    dom = dump_dom(chromium, job.files["review:html"], tmp_path / "profile", f"#t={second.start + 0.05:.2f}")
    body = body_tag(dom)
    assert 'data-ready="1"' in body and "data-error" not in body
    assert len(cue_rows(dom)) == len(cues)
    overlay = re.search(r'<div id="overlay" aria-hidden="true"><span>(.*?)</span></div>', dom, re.S)
    assert overlay and overlay.group(1) == second.text
    assert 'id="video-note" class="hidden"' in dom  # the browser could play the video

    # The second run keeps both files, and job.json lists them.
    assert "transcribe" in again.reused
    for key in ("review:json", "review:html"):
        assert again.digests[key] == job.digests[key]
        assert again.files[key].stat().st_mtime_ns == written[key], f"{key} was written again"
    recorded = json.loads((job.folder / "job.json").read_text(encoding="utf-8"))["outputs"]
    assert recorded["review:html"] == {"path": "talk.review.html", "digest": job.digests["review:html"]}


@pytest.mark.slow
def test_stage_on_real_speech_lists_the_words_whisper_was_unsure_of(reviewed):
    job, _, _ = reviewed
    report = json.loads(job.files["review:json"].read_text(encoding="utf-8"))
    assert job.transcript is not None
    # The words as the cues show them: cleaned, and their edges on the speech heard ([cues] snap_to_speech).
    expected = [(w.text.strip(), round(w.start, 3)) for cue in job.cues["en"] for w in cue.words if w.probability < 0.85]
    assert expected  # Whisper base is unsure of a few of JFK's words ("And", "not")
    assert [(w["text"], w["start"]) for w in report["unsure_words"]] == expected


# Repeated words Whisper was unsure of, dropped from the cues (issue 14).

ECHO = (
    *words("On the bottom right you can see the time.", 20.0, 0.25),
    Word(22.3, 22.6, " time.", 0.17),  # Whisper's echo of the last word, at the start of its next segment
    *words("It keeps running.", 22.6, 0.3),
)


def test_dropped_repetitions_are_listed_with_their_language_time_and_probability():
    dropped = (ECHO[9],)
    report = review({"en": [FINE], "fr": [FINE]}, OPTIONS, 0.5, dropped)
    assert report["dropped_words"] == [{"language": "en", "start": 22.3, "end": 22.6, "text": "time.", "probability": 0.17}]
    assert json.loads(json.dumps(report)) == report
    assert review({"en": [FINE]}, OPTIONS, 0.5)["dropped_words"] == []


def test_the_cues_stage_drops_the_echo_and_the_review_lists_it(tmp_path):
    from subtitler.model import Segment as Spoken
    from subtitler.model import Transcript
    from subtitler.stages.segment import Segment

    transcript = Transcript("en", 1.0, 30.0, (Spoken(20.0, 22.3, "", ECHO[:9]), Spoken(22.3, 23.5, "", ECHO[9:])))
    folder = tmp_path / "out"
    folder.mkdir()
    job = Segment().run(dataclasses.replace(job_for(folder, {}), transcript=transcript))
    assert job.dropped == (ECHO[9],)
    shown = " ".join(c.text.replace("\n", " ") for c in job.cues["en"])
    assert shown == "On the bottom right you can see the time. It keeps running."
    assert job.spoken_words() == job.spoken().words and "time." not in [w.text.strip() for w in job.spoken_words()[9:]]
    Review().run(job)
    written = json.loads((folder / "x.review.json").read_text(encoding="utf-8"))
    assert [(w["text"], w["start"], w["probability"]) for w in written["dropped_words"]] == [("time.", 22.3, 0.17)]


def test_page_lists_the_dropped_repetitions(chromium, tmp_path):
    page = tmp_path / "x.review.html"
    report = review({"en": [FINE], "es": [FINE]}, OPTIONS, 0.5, (ECHO[9], Word(25.0, 25.2, " " + ONERROR, 0.1)))
    page.write_text(render(report, "x", None), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    body = body_tag(dom)
    assert 'data-ready="1"' in body and "data-error" not in body and "data-pwned" not in body
    rows = re.findall(r'<table id="dropped" class="">.*?<tbody>(.*?)</tbody>', dom, re.S)
    assert rows and rows[0].count("<tr>") == 2
    assert '<button class="word" type="button">0:22.30</button></td><td>time.</td><td>0.17</td>' in rows[0]
    assert 'id="no-dropped" class="hidden"' in dom
    assert "<img" not in dom  # the word is shown as text

    # Another language's page (no repetitions dropped from it) says so.
    choose = '<script>var pick = document.getElementById("language"); pick.value = "es";'
    choose += ' pick.dispatchEvent(new Event("change"));</script></body>'
    page.write_text(render(report, "x", None).replace("</body>", choose), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile2")
    assert '<table id="dropped" class="hidden">' in dom and '<p id="no-dropped" class="">' in dom
