"""The real Whisper base model on real speech, checked against reference transcripts."""

import itertools
from pathlib import Path

import pytest

from subtitler.adapters import media, whisper
from subtitler.cues import Rule, cue_violations, make_cues
from subtitler.options import load_options

from .conftest import AUDIO, wer

pytestmark = pytest.mark.slow


def transcribe(path: Path, base_model, **settings):
    options = load_options("default", {"transcribe": settings}).transcribe
    return whisper.transcribe(base_model.path, media.decode_audio(path), options)


def reference(path: Path) -> str:
    return path.with_suffix(".txt").read_text(encoding="utf-8")


def test_english_matches_its_reference(base_model, shared):
    path = AUDIO / "en/jfk.flac"
    transcript = transcribe(path, base_model)
    assert transcript.language == "en"
    assert wer(reference(path), transcript.text) <= 0.1
    words = transcript.words
    assert all(w.start <= w.end for w in words)
    assert all(0 <= w.probability <= 1 for w in words)
    assert words[-1].end <= 11.05


def test_french_forced_matches_its_reference(base_model, shared):
    path = AUDIO / "fr/sous_le_consulat.wav"
    transcript = transcribe(path, base_model, language="fr")
    assert transcript.language == "fr"
    assert wer(reference(path), transcript.text) <= 0.2


@pytest.mark.parametrize(
    "path, language", [("fr/sous_le_consulat.wav", "fr"), ("es/las_arenas.wav", "es"), ("de/leichenhalle.wav", "de")]
)
def test_language_is_detected(base_model, shared, path, language):
    transcript = transcribe(AUDIO / path, base_model)
    assert transcript.language == language
    assert transcript.language_probability > 0.5


@pytest.mark.parametrize("path", ["edge/empty_3s.mp3", "edge/empty_noise_8s.wav"])
def test_silence_gives_no_cues(base_model, shared, path):
    transcript = transcribe(AUDIO / path, base_model)
    assert transcript.segments == ()
    assert make_cues(transcript.words, load_options().cues, transcript.duration) == ()


FORMATS = [
    "audio-mono-8-bit-44100Hz.wav", "audio-mono-24-bit-44100Hz.flac", "audio-mono-32-bit-44100Hz.wav",
    "audio-stereo-16-bit-44100Hz.aiff", "audio-stereo-24-bit-44100Hz.flac",
]  # fmt: skip


@pytest.mark.parametrize("name", FORMATS)
def test_every_audio_format_is_read(base_model, shared, name):
    transcript = transcribe(AUDIO / "formats" / name, base_model, language="en")
    assert wer("one two three", transcript.text.replace("1", "one").replace("2", "two").replace("3", "three")) <= 0.34


def test_hotwords_bring_in_a_brand_name(base_model, shared):
    transcript = transcribe(AUDIO / "en/hotwords_comfyui.mp3", base_model, hotwords="ComfyUI")
    assert "ComfyUI" in transcript.text


def test_batched_decoding_gives_the_same_words(base_model, shared):
    path = AUDIO / "en/jfk.flac"
    batched = transcribe(path, base_model, batch_size=4)
    sequential = transcribe(path, base_model)
    assert wer(reference(path), batched.text) <= 0.1
    assert wer(sequential.text, batched.text) <= 0.1  # the same words, in the same order
    assert batched.words and all(w.end >= w.start for w in batched.words)  # word timestamps kept


def test_cues_of_a_real_reading_obey_the_rules(base_model, shared):
    """Every cue of a 53 s reading counted against the preset's rules."""
    transcript = transcribe(AUDIO / "en/sonnet001_librivox.mp3", base_model, language="en")
    rules = load_options().cues
    cues = make_cues(transcript.words, rules, transcript.duration)
    assert len(cues) >= 8
    for cue in cues:
        broken = [p for p in cue_violations(cue, rules) if p.rule is not Rule.READING_SPEED]
        assert not broken, (cue, broken)
    for before, after in itertools.pairwise(cues):
        assert after.start - before.end >= rules.min_gap - 1e-6
    assert wer(reference(AUDIO / "en/sonnet001_librivox.mp3"), " ".join(c.text for c in cues)) <= 0.25
