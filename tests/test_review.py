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

from subtitler.cues import cue_violations, make_cues
from subtitler.model import Cue, MediaInfo, VideoInfo, Word
from subtitler.model_store import ResolvedModel
from subtitler.options import load_options
from subtitler.pipeline import Job, JobSettings, build_stages, run_job
from subtitler.report_html import json_for_script, render, video_url
from subtitler.review import RULES, review, rule_of
from subtitler.stages.record import Record
from subtitler.stages.review import Review, video_for_page

# The rules pinned here, so the expected sentences do not move with the default preset.
OPTIONS = dataclasses.replace(
    load_options().cues, max_chars_per_line=42, max_lines=2, min_duration=0.833, max_duration=7.0, max_cps=17.0
)
HOSTILE = "</script><script>document.body.dataset.pwned = 1</script><!-- \"'<>& Ελληνικά 中文 \u2028"


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
        "problems": ["line 1 is 60 wide, more than 42"],
    }


def test_a_cue_too_fast_to_read_is_listed_with_its_reading_speed():
    report = review({"en": [FINE, FAST]}, OPTIONS, 0.5)
    cue = report["languages"]["en"]["cues"][1]
    assert (cue["number"], cue["start"], cue["end"]) == (2, 6.0, 6.9)
    assert cue["problems"] == ["reads at 44.4 characters per second, more than 17.0"]  # 40 characters in 0.9 s
    assert report["languages"]["en"]["summary"]["reading speed"] == 1


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
    three_lines = Cue(0.0, 4.0, ("One", "two", "three"))
    backwards = Cue(3.0, 3.0, ("Stuck",))
    too_long = Cue(0.0, 9.0, ("A long, long time on screen.",))
    two_wide = Cue(0.0, 6.0, ("x" * 43, "y" * 43))
    report = review({"en": [WIDE, FAST, FINE, three_lines, backwards, too_long, two_wide]}, OPTIONS, 0.5)
    part = report["languages"]["en"]
    assert part["summary"] == {
        "lines": 1,
        "characters per line": 2,  # the cue with two wide lines counts once
        "timing": 1,
        "min duration": 0,
        "max duration": 1,
        "reading speed": 1,
    }
    assert part["counts"] == {"cues": 7, "with_problems": 6, "unsure_words": 1}
    problems = [p for cue in part["cues"] for p in cue["problems"]]
    assert {rule_of(p) for p in problems} <= {name for name, _ in RULES}  # every sentence has its rule


def test_a_too_brief_cue_is_named_for_min_duration():
    brief = Cue(0.0, 0.5, ("Hi.",))
    (problem,) = cue_violations(brief, OPTIONS)
    assert rule_of(problem) == "min duration"
    assert review({"en": [brief]}, OPTIONS, 0.5)["languages"]["en"]["summary"]["min duration"] == 1


def test_report_is_json_as_it_reads_back_and_keeps_the_language_order():
    report = review({"fr": [FINE], "en": [WIDE], "de": []}, OPTIONS, 0.5)
    assert json.loads(json.dumps(report)) == report
    assert list(report["languages"]) == ["fr", "en", "de"]
    assert report["languages"]["de"] == {
        "cues": [],
        "counts": {"cues": 0, "with_problems": 0, "unsure_words": 0},
        "summary": dict.fromkeys((name for name, _ in RULES), 0),
    }
    assert report["limits"]["max_chars_per_line"] == 42


def test_cues_made_from_whispers_words_keep_the_unsure_ones():
    spoken = words("Ask not what your country can do for you.", 0.0, 0.3, {"not": 0.2, "country": 0.45})
    report = review({"en": make_cues(spoken, OPTIONS)}, OPTIONS, 0.5)
    assert [(w["text"], w["start"], w["probability"]) for w in report["unsure_words"]] == [
        ("not", 0.3, 0.2),
        ("country", 1.2, 0.45),
    ]


# The HTML page.


def test_json_in_the_page_cannot_break_out_of_its_script_block():
    data = {"text": HOSTILE}
    embedded = json_for_script(data)
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded and "\u2028" not in embedded
    assert "Ελληνικά 中文" in embedded  # non-ASCII stays readable (the page is UTF-8)
    assert json.loads(embedded) == data
    page = render(review({"en": [Cue(0.0, 2.0, (HOSTILE,))]}, OPTIONS, 0.5), "x", None)
    assert page.count("</script>") == page.count("<script")  # only the page's own blocks close


def test_title_and_video_are_escaped():
    page = render(review({}, OPTIONS, 0.5), '<b>"@REPORT@"</b>', 'clip "#1" & <2>.mp4')
    assert "<title>Review: &lt;b&gt;&quot;@REPORT@&quot;&lt;/b&gt;</title>" in page
    assert 'src="clip%20%22%231%22%20%26%20%3C2%3E.mp4"' in page
    assert "<video" not in render(review({}, OPTIONS, 0.5), "x", None)


def test_video_url():
    assert video_url("talk #1.mp4") == "talk%20%231.mp4"
    assert video_url("../in/ça va?.mkv") == "../in/%C3%A7a%20va%3F.mkv"
    assert video_url("/media/a b.mp4") == "file:///media/a%20b.mp4"


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("SUBTITLER_REQUIRE_ENGINES"):
        pytest.fail("chromium is not installed and SUBTITLER_REQUIRE_ENGINES is set (examples/setup.sh --dev installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium, or examples/setup.sh --dev)")


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
    hostile = Cue(11.0, 14.0, (HOSTILE,))
    report = review({"en": [WIDE, FAST, FINE, hostile], "es": [FINE]}, OPTIONS, 0.5)
    page = tmp_path / "x.review.html"
    page.write_text(render(report, "x", None), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    body = body_tag(dom)
    assert 'data-ready="1"' in body and "data-error" not in body and "data-pwned" not in body
    assert cue_rows(dom) == ["1", "2", "3", "4"]  # the first language's cues, each a focusable row
    assert dom.count('class="cue bad"') == 3
    assert "line 1 is 60 wide, more than 42" in dom
    assert '<mark title="Whisper was unsure: probability 0.31 at 0:08.80">my</mark>' in dom
    assert "&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned = 1&lt;/script&gt;&lt;!--" in dom
    assert "Ελληνικά 中文" in dom
    assert '<option value="es">Español (es): 1 cue, 0 with problems</option>' in dom
    assert '<p class="no-video">' in dom


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
    options = load_options(overrides={"review": review_options}) if review_options else load_options()
    model = ResolvedModel("base", Path("/nonexistent"), "test")
    return Job(
        source=folder.parent / "in" / "talk.mp4", folder=folder, stem="x", options=options, model=model, media=media, cues=cues
    )


def test_stage_writes_the_report_and_page_and_keeps_them_when_nothing_changed(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    job = Review().run(job_for(folder, {"en": (WIDE, FINE)}))
    json_path, html_path = folder / "x.review.json", folder / "x.review.html"
    assert job.files["review:json"] == json_path and job.files["review:html"] == html_path
    expected = review({"en": (WIDE, FINE)}, job.options.cues, job.options.review.unsure_below)
    assert json.loads(json_path.read_text(encoding="utf-8")) == expected
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
    assert [c["text"] for c in report["languages"]["en"]["cues"]] == [c.text for c in cues]
    assert [c["problems"] for c in report["languages"]["en"]["cues"]] == [cue_violations(c, job.options.cues) for c in cues]
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
    expected = [(w.text.strip(), round(w.start, 3)) for w in job.transcript.words if w.probability < 0.85]
    assert expected  # Whisper base is unsure of a few of JFK's words ("And", "not")
    assert [(w["text"], w["start"]) for w in report["unsure_words"]] == expected
