"""Correct and re-render: `subtitler burn VIDEO --subs EDITED.srt` burns the edited text, transcribes nothing,
and a later `run` keeps the corrected burn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from subtitler.adapters import whisper
from subtitler.stages.edited import read_cues

from .conftest import frame_at, invoke

pytestmark = pytest.mark.slow


def test_corrected_subtitles_are_burned_without_transcribing(tmp_path: Path, speech_video: Path, monkeypatch):
    assert invoke("run", str(speech_video), "-o", str(tmp_path), "--burn", "en")[0] == 0
    folder = tmp_path / "talk"
    first_burn = frame_at(folder / "talk.en.burned.mp4", 3.0)
    edited = tmp_path / "talk.en.srt"
    original = (folder / "talk.en.srt").read_text(encoding="utf-8")
    edited.write_text(original.replace("Americans", "Ωmega Жж"), encoding="utf-8")  # a person's fix, accents included
    assert "Ωmega Жж" in edited.read_text(encoding="utf-8")

    def no_transcription(*args, **kwargs):
        raise AssertionError("burn --subs must not transcribe")

    monkeypatch.setattr(whisper, "transcribe", no_transcription)
    code, output = invoke("burn", str(speech_video), "--subs", str(edited), "-o", str(tmp_path))
    assert code == 0, output
    second_burn = frame_at(folder / "talk.en.burned.mp4", 3.0)
    text_rows = slice(int(360 * 0.6), 360)  # the edited word is in the first cue, at the bottom
    assert np.abs(second_burn[text_rows] - first_burn[text_rows]).sum(axis=2).max() > 200  # the text drawn changed
    assert np.abs(second_burn[:150] - first_burn[:150]).mean() < 8  # the picture above it did not
    record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    assert record["outputs"]["burned:en"]["digest"].startswith("edited:")
    assert "transcript" in record["outputs"]  # the rest of the job's record is kept

    monkeypatch.undo()
    before = (folder / "talk.en.burned.mp4").stat().st_mtime_ns
    assert invoke("run", str(speech_video), "-o", str(tmp_path), "--burn", "en")[0] == 0
    assert (folder / "talk.en.burned.mp4").stat().st_mtime_ns == before  # a later run keeps the corrected burn


def test_edited_cues_keep_the_persons_line_breaks(tmp_path: Path):
    subs = tmp_path / "x.fr.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:03,000\nBonjour à tous,\net bienvenue.\n\n", encoding="utf-8")
    (cue,) = read_cues(subs, "fr")
    assert cue.lines == ("Bonjour à tous,", "et bienvenue.")
    assert [w.text.strip() for w in cue.words] == ["Bonjour", "à", "tous,", "et", "bienvenue."]
    assert cue.words[0].start == 1.0 and cue.words[-1].end == pytest.approx(3.0)


def test_burn_needs_a_language_it_can_tell(tmp_path: Path, speech_video: Path):
    subs = tmp_path / "fixed.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello\n\n", encoding="utf-8")
    code, output = invoke("burn", str(speech_video), "--subs", str(subs), "-o", str(tmp_path / "out"))
    assert code == 2 and "cannot tell the language of fixed.srt" in output
