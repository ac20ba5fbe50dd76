"""The built-in presets for the networks: they load, extend, drive real runs, and every cue they make obeys them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from subtitler.cues import clean_words, make_cues
from subtitler.errors import PresetError
from subtitler.formats import Canvas, to_ass
from subtitler.model import Word
from subtitler.options import builtin_presets, for_picture, load_options

from .conftest import AUDIO, ffmpeg, frame_at, invoke
from .cue_rules import check_invariants

PRESETS = ("default", "youtube", "instagram-reels", "tiktok", "punch", "linkedin", "broadcast", "accessibility")


def test_every_network_has_a_built_in_preset():
    assert set(PRESETS) <= set(builtin_presets())
    code, output = invoke("presets", "list")
    assert code == 0 and all(name in output for name in PRESETS)


@pytest.mark.parametrize("name", PRESETS)
def test_presets_show_writes_a_preset_that_loads_back_the_same(name: str, tmp_path: Path):
    code, shown = invoke("presets", "show", name)
    assert code == 0
    (tmp_path / "shown.toml").write_text(shown, encoding="utf-8")
    again = load_options(str(tmp_path / "shown.toml"))
    assert dataclasses.replace(again, preset=name) == load_options(name)


def test_short_form_presets_use_short_lines_big_text_and_the_safe_area():
    for name in ("instagram-reels", "tiktok"):
        options = for_picture(load_options(name), portrait=True)
        assert 18 <= options.cues.max_chars_per_line <= 25 and options.cues.max_lines <= 2
        assert options.style.margin_vertical >= 0.2  # clear of the caption and buttons at the bottom
        assert options.style.highlight != "none" and options.output.burn == "spoken"
    assert load_options("punch").cues.max_words == 3 and load_options("punch").cues.max_lines == 1
    broadcast = load_options("broadcast").cues
    assert (broadcast.max_chars_per_line, broadcast.max_lines, broadcast.max_cps) == (42, 2, 17.0)


def test_a_user_preset_extends_a_built_in_one_and_keeps_its_portrait_layout(tmp_path: Path):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "tiktok"\n[style]\nhighlight_colour = "#00FF00"\n[portrait.style]\nfont_size = 0.06\n')
    options = load_options(str(mine))
    assert options.style.highlight_colour == "#00FF00" and options.style.highlight == "both"
    portrait = for_picture(options, portrait=True)
    assert portrait.style.font_size == 0.06 and portrait.style.margin_vertical == 0.25  # tiktok's, kept
    bad = tmp_path / "bad.toml"
    bad.write_text("[portrait.style]\nfont_colour = 1\n")
    with pytest.raises(PresetError, match=r"unknown key 'font_colour' in \[portrait\.style\]; valid keys: font,"):
        load_options(str(bad))
    bad.write_text("[portrait.output]\nburn = 'en'\n")
    with pytest.raises(PresetError, match=r"valid tables: portrait\.cues, portrait\.style"):
        load_options(str(bad))


@pytest.fixture(scope="module")
def reading(base_model, shared: Path) -> list[Word]:
    """Whisper's words for the 53 s LibriVox reading."""
    from subtitler.adapters import media, whisper

    audio = media.decode_audio(AUDIO / "en/sonnet001_librivox.mp3")
    transcript = whisper.transcribe(base_model.path, audio, load_options().transcribe)
    return list(transcript.words)


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("portrait", [False, True])
def test_every_cue_of_a_real_transcript_obeys_the_preset(reading: list[Word], name: str, portrait: bool):
    options = for_picture(load_options(name), portrait).cues
    words = clean_words(reading, 53.32)
    cues = make_cues(words, options, 53.32, "en")
    shown = [w for cue in cues for w in cue.words]  # the words as cut (a word's pieces glued: "self-" + "substantial")
    assert "".join(w.text for w in shown).replace(" ", "") == "".join(w.text for w in words).replace(" ", "")
    check_invariants(shown, cues, options, 53.32)  # every cue, counted: lines, lengths, durations, speed, gaps
    if options.max_words:
        assert max(len(c.words) for c in cues) <= options.max_words


def test_word_by_word_ass_marks_each_word_while_it_is_spoken(reading: list[Word]):
    options = load_options("tiktok")
    cues = make_cues(clean_words(reading, 53.32), options.cues, 53.32, "en")
    subs = pysubs2.SSAFile.from_string(to_ass(cues, options.style, options.cues, Canvas(1080, 1920)))
    events = iter(subs.events)
    marked = 0
    for cue in cues:
        for k, word in enumerate(cue.words):
            event = next(events)
            text = event.text
            assert text.count(r"{\1c&H00E6FF&") == 1 and text.count(r"{\r}") == 1  # one word marked, in #FFE600
            inside = text.split(r"\fscy112.0}", 1)[1].split(r"{\r}", 1)[0]
            assert inside == word.text.strip()
            spoken_until = min(word.end, cue.words[k + 1].start) if k + 1 < len(cue.words) else word.end
            assert event.start <= round(max(word.start, cue.start) * 1000) + 1
            assert event.end >= round(min(spoken_until, cue.end) * 1000) - 1
            marked += 1
    assert marked == sum(len(c.words) for c in cues) > 50
    assert next(events, None) is None


@pytest.fixture(scope="module")
def short_talk(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """Six seconds of real speech over a small moving picture."""
    path = tmp_path_factory.mktemp("talk") / "quilter.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-i", str(AUDIO / "en/mr_quilter.wav"), "-t", "6",
           "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))  # fmt: skip
    return path


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_drives_a_real_run(name: str, short_talk: Path, tmp_path: Path):
    code, output = invoke("run", str(short_talk), "-o", str(tmp_path), "--preset", name, "--quiet")
    assert code == 0, output
    folder = tmp_path / "quilter"
    options = load_options(name)
    for fmt in options.output.formats:
        assert (folder / (f"quilter.{fmt}" if fmt == "json" else f"quilter.en.{fmt}")).is_file(), fmt
    assert (folder / "quilter.en.burned.mp4").is_file() == bool(options.output.burn)
    record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    assert record["preset"] == name and record["options"]["cues"] == dataclasses.asdict(options.cues)


@pytest.mark.slow
def test_a_vertical_burn_stays_vertical_with_the_text_in_the_safe_area(tmp_path: Path, portrait_video: Path):
    code, output = invoke("run", str(portrait_video), "-o", str(tmp_path), "--preset", "tiktok", "--quiet")
    assert code == 0, output
    folder = tmp_path / "portrait"
    burned = frame_at(folder / "portrait.en.burned.mp4", 2.0)
    assert burned.shape[:2] == (568, 320)  # displayed orientation kept: taller than wide
    white = (burned > 225).all(axis=2)  # the text (the picture, a grey wall, has no such pixels)
    yellow = (burned[..., 0] > 200) & (burned[..., 1] > 200) & (burned[..., 2] < 90)  # the word being spoken
    rows, columns = np.nonzero(white | yellow)
    assert len(rows) > 100 and yellow.sum() > 10  # text was drawn, one word marked
    options = for_picture(load_options("tiktok"), portrait=True).style
    assert rows.max() <= 568 * (1 - options.margin_vertical) + 4  # above the bottom band the app covers
    assert columns.min() >= 320 * options.margin_horizontal - 6 and columns.max() <= 320 * (1 - options.margin_horizontal) + 6
