"""Correct and re-render: `subtitler burn VIDEO --subs EDITED.srt` burns the edited text, transcribes nothing,
keeps the file as a version of the job's corrections, and a later `run` makes every output from it (the
corrected burn kept). `subtitler apply` and the version store: tests/test_edits.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from subtitler.adapters import whisper
from subtitler.edits import EditStore
from subtitler.errors import SubtitleFileError
from subtitler.stages.edited import EditedSubtitles, read_cues

from .conftest import ffmpeg, frame_at, invoke

pytestmark = pytest.mark.slow


def test_corrected_subtitles_are_burned_without_transcribing(tmp_path: Path, speech_video: Path, monkeypatch):
    assert invoke("run", str(speech_video), "-o", str(tmp_path), "--burn", "en")[0] == 0
    folder = tmp_path / "talk"
    cue = next(c for c in read_cues(folder / "talk.en.srt", "en") if "Americans" in c.text)
    moment = (cue.start + cue.end) / 2  # while the cue with the corrected word is shown
    first_burn = frame_at(folder / "talk.en.burned.mp4", moment)
    edited = tmp_path / "talk.en.srt"
    original = (folder / "talk.en.srt").read_text(encoding="utf-8")
    edited.write_text(original.replace("Americans", "Ωmega Жж"), encoding="utf-8")  # a person's fix, accents included
    assert "Ωmega Жж" in edited.read_text(encoding="utf-8")

    def no_transcription(*args, **kwargs):
        raise AssertionError("burn --subs must not transcribe")

    monkeypatch.setattr(whisper, "transcribe", no_transcription)
    code, output = invoke("burn", str(speech_video), "--subs", str(edited), "-o", str(tmp_path))
    assert code == 0, output
    second_burn = frame_at(folder / "talk.en.burned.mp4", moment)
    text_rows = slice(int(360 * 0.6), 360)  # where the default preset draws a cue
    assert np.abs(second_burn[text_rows] - first_burn[text_rows]).sum(axis=2).max() > 200  # the text drawn changed
    assert np.abs(second_burn[:150] - first_burn[:150]).mean() < 8  # the picture above it did not
    record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    assert record["outputs"]["burned:en"]["digest"].startswith("edited:")
    assert "transcript" in record["outputs"]  # the rest of the job's record is kept
    edit = EditStore(folder).current("en")  # the file is kept as a version of the job's corrections
    assert edit is not None and edit.version == 1 and "Ωmega Жж" in "".join(c.text for c in edit.cues)

    monkeypatch.undo()
    before = (folder / "talk.en.burned.mp4").stat().st_mtime_ns
    assert invoke("run", str(speech_video), "-o", str(tmp_path), "--burn", "en")[0] == 0
    assert (folder / "talk.en.burned.mp4").stat().st_mtime_ns == before  # a later run keeps the corrected burn
    assert "Ωmega Жж" in (folder / "talk.en.srt").read_text(encoding="utf-8")  # and makes the other outputs from it
    assert json.loads((folder / "job.json").read_text(encoding="utf-8"))["edited"] == {"en": 1}


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


# Hostile or sloppy files (issue 11): refused by line, skipped with --lenient, drawings left out


def test_read_cues_names_the_file_and_line_or_skips_when_lenient(tmp_path: Path, caplog):
    subs = tmp_path / "reel.fr.srt"
    subs.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n\n2\n00:00:03,000 --> 00:00:02,000\nÀ l'envers\n", encoding="utf-8"
    )
    with pytest.raises(SubtitleFileError) as refused:
        EditedSubtitles(subs, "fr")  # read when made: a bad file fails before any work
    assert str(refused.value).splitlines()[0] == f"{subs}:6: '00:00:03,000 --> 00:00:02,000' does not end after it starts"
    assert refused.value.problems == ((6, "end-not-after-start"),) and refused.value.exit_code == 2
    (cue,) = read_cues(subs, "fr", lenient=True)
    assert cue.lines == ("Bonjour",) and [w.text.strip() for w in cue.words] == ["Bonjour"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{subs}:6: '00:00:03,000 --> 00:00:02,000' does not end after it starts (skipped)"
    ]


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of a moving test picture with a tone, H.264 + AAC in MP4."""
    path = tmp_path_factory.mktemp("edited") / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
           "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))  # fmt: skip
    return path


GOOD_CUE = "1\n00:00:00,200 --> 00:00:01,800\nHello there\n"
TEXT_ROWS = slice(int(360 * 0.6), 360)  # where the default preset draws a cue


def burned_frame(out: Path) -> np.ndarray:
    (burned,) = out.glob("clip/clip.*.burned.mp4")
    return frame_at(burned, 1.0)


def same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    """No pixel differs by more than encoding noise (one character more or less differs by hundreds)."""
    return int(np.abs(a - b).sum(axis=2).max()) < 60


@pytest.fixture(scope="module")
def reference_frame(short_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """The clip at 1 s with 'Hello there' burned from a clean SRT."""
    folder = tmp_path_factory.mktemp("reference")
    subs = folder / "clip.en.srt"
    subs.write_text(GOOD_CUE, encoding="utf-8")
    code, output = invoke("burn", str(short_clip), "--subs", str(subs), "-o", str(folder / "out"))
    assert code == 0, output
    frame = burned_frame(folder / "out")
    assert np.abs(frame[TEXT_ROWS] - frame_at(short_clip, 1.0)[TEXT_ROWS]).sum(axis=2).max() > 200  # text was drawn
    return frame


MALFORMED = GOOD_CUE + "\n2\n00:00:01,9OO --> 00:00:02,000\nGarbage\n"


def test_a_malformed_srt_exits_2_naming_the_line_and_burns_nothing(tmp_path: Path, short_clip: Path):
    subs = tmp_path / "clip.en.srt"
    subs.write_text(MALFORMED, encoding="utf-8")
    code, output = invoke("burn", str(short_clip), "--subs", str(subs), "-o", str(tmp_path / "out"))
    assert code == 2, output
    assert f"error: {subs}:6: '00:00:01,9OO --> 00:00:02,000' is not a timestamp line\n" in output
    assert "--lenient" in output
    assert not (tmp_path / "out").exists()  # refused before any work: not even the output folder


def test_lenient_burns_the_good_cues_and_warns_once_per_bad_line(tmp_path: Path, short_clip: Path, reference_frame: np.ndarray):
    subs = tmp_path / "clip.en.srt"
    subs.write_text(MALFORMED, encoding="utf-8")
    code, output = invoke("burn", str(short_clip), "--subs", str(subs), "-o", str(tmp_path / "out"), "--lenient")
    assert code == 0, output
    assert output.count("is not a timestamp line") == 1
    assert f"{subs}:6: '00:00:01,9OO --> 00:00:02,000' is not a timestamp line (skipped)" in output
    assert same_picture(burned_frame(tmp_path / "out"), reference_frame)  # the good cue, and nothing added to it


def test_an_ass_drawing_is_not_burned(tmp_path: Path, short_clip: Path, reference_frame: np.ndarray):
    subs = tmp_path / "clip.en.ass"
    subs.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 640\nPlayResY: 360\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:00.20,0:00:01.80,Default,,0,0,0,,{\\p1}m 0 0 l 300 0 300 300 0 300{\\p0}Hello there\n",
        encoding="utf-8",
    )
    code, output = invoke("burn", str(short_clip), "--subs", str(subs), "-o", str(tmp_path / "out"))
    assert code == 0, output
    assert f"{subs}:8: drawings ({{\\p1}}) are not text: ignored" in output
    assert same_picture(burned_frame(tmp_path / "out"), reference_frame)  # the text alone: no square, no commands


def test_burn_of_an_input_without_video_fails_in_one_line(tmp_path: Path):
    tone = tmp_path / "tone.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(tone))
    subs = tmp_path / "tone.en.srt"
    subs.write_text(GOOD_CUE, encoding="utf-8")
    code, output = invoke("burn", str(tone), "--subs", str(subs), "-o", str(tmp_path / "out"))
    assert code == 1
    assert output.strip() == f"failed  {tone}: has no video stream to burn the subtitles into"
    assert not list((tmp_path / "out").rglob("*burned*"))
