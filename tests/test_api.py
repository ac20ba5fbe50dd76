"""The Python API: one call runs a real file through the pipeline and returns the Job."""

from __future__ import annotations

from pathlib import Path

import pytest

import subtitler
from subtitler.errors import PresetError

from .conftest import AUDIO, wer

pytestmark = pytest.mark.slow


def test_run_returns_the_finished_job(tmp_path: Path, shared: Path, base_model) -> None:
    source = AUDIO / "en" / "jfk.flac"
    job = subtitler.run(source, tmp_path / "out", options={"transcribe": {"language": "en"}, "output": {"formats": ["srt"]}})
    assert job.transcript is not None and job.transcript.language == "en"
    reference = (AUDIO / "en" / "jfk.txt").read_text(encoding="utf-8")
    assert wer(reference, job.transcript.text) < 0.15
    srt = job.files["srt:en"]
    assert srt == tmp_path / "out" / "jfk" / "jfk.en.srt"
    assert "country" in srt.read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "jfk" / "jfk.en.vtt").exists()  # only the formats asked for
    assert (tmp_path / "out" / "jfk" / "job.json").is_file()


def test_run_many_reports_each_file_and_goes_on(tmp_path: Path, shared: Path, base_model) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    settings = subtitler.prepare(options={"transcribe": {"language": "en"}, "review": {"report": False}})
    results = subtitler.run_many([broken, AUDIO / "en" / "one_two_three.wav"], tmp_path / "out", settings=settings)
    assert [r.ok for r in results] == [False, True]
    assert results[0].error
    with pytest.raises(subtitler.SubtitlerError, match=r"broken\.mp4"):
        subtitler.run(broken, tmp_path / "out", settings=settings)


def test_bad_options_fail_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match="beam_size"):
        subtitler.prepare(options={"transcribe": {"beam_size": "five"}})
    with pytest.raises(PresetError, match="unknown key"):
        subtitler.run("nothing.mp4", tmp_path / "out", options={"cues": {"max_char": 10}})
    assert not (tmp_path / "out").exists()
