"""How far each cue starts from the speech onset of its first word, before and after `[cues] snap_to_speech`.

Synthetic clips: espeak-ng sentences placed at known times (their onsets exact to the sample), after silence,
a breath of quiet noise and a hum, so Whisper's first-word timestamps have room to run early. (The shared real
clips are not measured yet: their onsets would have to be marked by hand, not read off this same speech map.)

    .venv/bin/python benchmark/cue_timing.py
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from subtitler import model_store  # noqa: E402
from subtitler.adapters import whisper  # noqa: E402
from subtitler.cues import clean_words, make_cues  # noqa: E402
from subtitler.options import load_options  # noqa: E402
from subtitler.speech_map import cue_starts_on_speech, speech_intervals  # noqa: E402

RATE = 16_000
SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things.",
    "We will meet again tomorrow morning at the station.",
    "Nobody knew where the old map had been hidden.",
)


def say(text: str, speed: int = 160) -> np.ndarray:
    """espeak-ng's speech of `text` at 16 kHz, its leading and trailing silence cut to the sample."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-s", str(speed), "-w", str(out), text], check=True)
        with wave.open(str(out)) as w:
            rate, raw = w.getframerate(), w.readframes(w.getnframes())
    x = np.frombuffer(raw, np.int16).astype(np.float32) / 32768
    x = np.interp(np.arange(0, len(x), rate / RATE), np.arange(len(x)), x).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.01)
    return x[loud[0] : loud[-1] + 1]


def synthetic(seed: int, lead: float) -> tuple[np.ndarray, list[float]]:
    """Sentences after `lead` s of silence and 1.6-2.4 s between them, a quiet breath (noise) 0.7 s before each and
    a faint hum throughout; returns the samples and each sentence's onset."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    onsets: list[float] = []
    t = 0.0
    for k, text in enumerate(SENTENCES):
        gap = lead if k == 0 else float(rng.uniform(1.6, 2.4))
        silence = np.zeros(round(gap * RATE), np.float32)
        b = round(0.7 * RATE)
        breath = (rng.standard_normal(round(0.25 * RATE)) * 0.004).astype(np.float32)
        silence[-b : -b + len(breath)] += breath
        speech = say(text)
        parts += [silence, speech]
        t += len(silence) / RATE
        onsets.append(t)
        t += len(speech) / RATE
    parts.append(np.zeros(RATE, np.float32))
    audio = np.concatenate(parts)
    audio += (0.0015 * np.sin(2 * np.pi * 50 * np.arange(len(audio)) / RATE)).astype(np.float32)
    return audio, onsets


def offsets(audio: np.ndarray, onsets: list[float], snap: bool, model_path: Path) -> list[float]:
    """For each sentence, the start of the cue nearest its onset minus that onset (negative: the cue shows early)."""
    options = load_options()
    transcript = whisper.transcribe(model_path, audio, dataclasses.replace(options.transcribe, language="en"))
    cues = make_cues(clean_words(list(transcript.words), transcript.duration), options.cues, transcript.duration, "en")
    if snap:
        cues = cue_starts_on_speech(cues, speech_intervals(audio), options.cues.min_duration)
    return [min((c.start - t for c in cues), key=abs) for t in onsets]


def report(name: str, before: list[float], after: list[float]) -> None:
    def line(values: list[float]) -> str:
        worst = min(values)  # the earliest cue: most negative
        return f"mean {np.mean(values):+.3f} s, mean |off| {np.mean(np.abs(values)):.3f} s, earliest {worst:+.3f} s"

    print(f"{name:28s} before: {line(before)}")
    print(f"{'':28s} after:  {line(after)}")


def main() -> None:
    model_path = model_store.resolve("base", allow_download=False).path
    every_before: list[float] = []
    every_after: list[float] = []
    for seed, lead in ((1, 2.5), (2, 4.0), (3, 1.5)):
        audio, onsets = synthetic(seed, lead)
        before, after = offsets(audio, onsets, False, model_path), offsets(audio, onsets, True, model_path)
        report(f"synthetic seed {seed} lead {lead}s", before, after)
        every_before += before
        every_after += after
    report(f"all synthetic ({len(every_before)} cues)", every_before, every_after)


if __name__ == "__main__":
    main()
