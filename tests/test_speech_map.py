"""The speech map (where the audio holds sound) and words snapped onto it: synthetic audio at known times, inline
word lists, and a real Whisper run whose cues must not start in the silence before their first word."""

from __future__ import annotations

import dataclasses
import importlib.util
import wave
from pathlib import Path

import numpy as np
import pytest

from subtitler.job import Job
from subtitler.model import Cue, Transcript, Word
from subtitler.model import Segment as TranscriptSegment
from subtitler.options import load_options
from subtitler.speech_map import cue_starts_on_speech, speech_intervals
from subtitler.stages.segment import Segment
from tests.conftest import AUDIO, needs

RATE = 16_000
_spec = importlib.util.spec_from_file_location("cue_timing", Path(__file__).resolve().parents[1] / "benchmark" / "cue_timing.py")


def _bench():  # the benchmark's synthetic clips (espeak-ng sentences at known onsets)
    assert _spec is not None and _spec.loader is not None
    module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(module)
    return module


def _tone(seconds: float, amplitude: float = 0.3, hz: float = 220) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * RATE)) / RATE)).astype(np.float32)


def _quiet(seconds: float, level: float = 0.0, seed: int = 0) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(round(seconds * RATE))).astype(np.float32)


def test_tones_in_noise_are_found_at_their_times() -> None:
    audio = np.concatenate([_quiet(1.0, 0.002), _tone(0.8), _quiet(1.5, 0.002, 1), _tone(0.5, 0.05), _quiet(1.0, 0.002, 2)])
    found = speech_intervals(audio)
    assert len(found) == 2
    for (start, end), (true_start, true_end) in zip(found, [(1.0, 1.8), (3.3, 3.8)], strict=True):
        assert abs(start - true_start) <= 0.045 and abs(end - true_end) <= 0.045


def test_short_gaps_close_and_clicks_drop() -> None:
    click = _tone(0.02, 0.5)
    audio = np.concatenate([_quiet(0.5), click, _quiet(1.0), _tone(0.4), _quiet(0.06), _tone(0.4), _quiet(0.5)])
    # the tones run from 1.52 to 2.38 s, the click is dropped; a frame of pad each side
    assert [(round(a, 2), round(b, 2)) for a, b in speech_intervals(audio)] == [(1.5, 2.4)]


@pytest.mark.parametrize("audio", [np.zeros(RATE * 3, np.float32), _quiet(3.0, 0.01), np.zeros(10, np.float32)])
def test_silence_and_steady_noise_hold_no_speech(audio: np.ndarray) -> None:
    assert speech_intervals(audio) == []


SPEECH = [(1.0, 2.0), (3.0, 4.0)]


def _cue(start: float, end: float, *words: Word) -> Cue:
    return Cue(start, end, (" ".join(w.text.strip() for w in words),), words)


def test_a_cue_that_starts_in_silence_starts_at_the_onset() -> None:
    hello, there = Word(0.2, 1.3, " Hello", 0.25), Word(1.3, 1.9, " there.", 0.9)
    (moved,) = cue_starts_on_speech([_cue(0.2, 1.9, hello, there)], SPEECH, 0.5)
    assert (moved.start, moved.end, moved.lines) == (1.0, 1.9, ("Hello there.",))
    assert moved.words == (Word(1.0, 1.3, " Hello", 0.25), there)


def test_a_cue_moves_only_within_reach_and_keeping_its_least_duration() -> None:
    far = _cue(2.1, 2.5, Word(2.1, 2.3, " um", 0.1))  # the onset is 0.7 s past its first word: left as it is
    short = _cue(2.9, 3.3, Word(2.9, 3.2, " so", 0.3))  # at the onset it would last 0.3 s, under 0.5
    assert cue_starts_on_speech([far, short], SPEECH, 0.5) == (far, short)
    assert cue_starts_on_speech([short], SPEECH, 0.2)[0].start == 3.0


def test_cues_on_speech_or_without_a_map_are_kept() -> None:
    cues = [_cue(1.1, 1.9, Word(1.1, 1.5, " a", 0.9)), _cue(3.0, 4.0, Word(3.0, 4.0, " c", 0.9))]
    assert cue_starts_on_speech(cues, SPEECH, 0.5) == tuple(cues)
    assert cue_starts_on_speech(cues, [], 0.5) == tuple(cues)


def _run_cues(tmp_path: Path, audio: np.ndarray, base_model) -> tuple:
    from subtitler.adapters import whisper

    options = load_options()
    transcript = whisper.transcribe(base_model.path, audio, dataclasses.replace(options.transcribe, language="en"))
    job = Job(tmp_path / "clip.wav", tmp_path, "clip", options, base_model, audio=audio, transcript=transcript)
    return Segment().run(job).cues.get("en", ())


@pytest.mark.slow
@needs(importlib.util.find_spec("faster_whisper") is not None, "faster-whisper is not installed")
def test_no_cue_starts_in_the_silence_before_its_speech(tmp_path: Path, base_model) -> None:
    audio, onsets = _bench().synthetic(seed=1, lead=2.5)
    cues = _run_cues(tmp_path, audio, base_model)
    assert len(cues) >= len(onsets)
    for cue in cues:
        onset = min((t for t in onsets if t >= cue.start - 1.0), default=None)
        if onset is not None and abs(cue.start - onset) < 1.0:  # a cue that opens a sentence
            assert cue.start >= onset - 0.1, (cue, onset)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["empty_noise_8s.wav"])
def test_silent_clips_still_give_no_cues(tmp_path: Path, base_model, shared: Path, name: str) -> None:
    with wave.open(str(AUDIO / "edge" / name)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        audio = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
    assert _run_cues(tmp_path, audio, base_model) == ()


def test_snapping_is_off_when_the_preset_says_so(tmp_path: Path) -> None:
    options = load_options(overrides={"cues": {"snap_to_speech": False}})
    assert options.cues.snap_to_speech is False and load_options().cues.snap_to_speech is True
    words = (Word(0.2, 1.3, " Hello", 0.25), Word(1.3, 1.95, " there.", 0.9))
    transcript = Transcript("en", 1.0, 3.0, (TranscriptSegment(0.2, 1.95, " Hello there.", words),))
    audio = np.concatenate([np.zeros(RATE, np.float32), _tone(1.0), np.zeros(RATE, np.float32)])
    off = Segment().run(Job(tmp_path / "c.wav", tmp_path, "c", options, None, audio=audio, transcript=transcript))
    on = Segment().run(Job(tmp_path / "c.wav", tmp_path, "c", load_options(), None, audio=audio, transcript=transcript))
    assert off.cues["en"][0].start == pytest.approx(0.2)
    assert on.cues["en"][0].start == pytest.approx(0.98, abs=0.03)
