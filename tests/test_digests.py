"""What a transcript is made from: settings that only change speed are left out, so that a GPU worker and a CPU
worker (another device, batch size or thread count) share it; sequential decoding, which writes other words, is not."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from subtitler.digests import transcript_digest
from subtitler.job import Job
from subtitler.model import MediaInfo
from subtitler.options import load_options


def _digest(tmp_path: Path, **transcribe: Any) -> str:
    options = load_options("default")
    options = dataclasses.replace(options, transcribe=dataclasses.replace(options.transcribe, **transcribe))
    media = MediaInfo(str(tmp_path / "talk.wav"), "wav", 10.0, 1000, 1.5, (), None, "pcm_s16le")
    model: Any = SimpleNamespace(name="base")
    job = Job(tmp_path / "talk.wav", tmp_path / "talk", "talk", options, model, media=media)
    return transcript_digest(job)


def test_device_threads_and_batch_size_do_not_change_the_transcript(tmp_path: Path):
    cpu = _digest(tmp_path, device="cpu", threads=2, batch_size=8)
    assert _digest(tmp_path, device="cuda", threads=0, batch_size=16) == cpu
    assert _digest(tmp_path, device="cpu", threads=2, batch_size=4) == cpu


def test_sequential_decoding_makes_another_transcript(tmp_path: Path):
    assert _digest(tmp_path, batch_size=0) != _digest(tmp_path, batch_size=8)
    assert _digest(tmp_path, beam_size=1, batch_size=8) != _digest(tmp_path, batch_size=8)
