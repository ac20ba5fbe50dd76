"""Where the audio holds speech, from its frame energy; and words snapped to it, as stable-ts does with its
silence map, so that a cue never shows during the silence before its first word (pure: numpy and words)."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence

import numpy as np

from subtitler.model import Cue, Word

SAMPLE_RATE = 16_000
FRAME_S = 0.02  # one energy value per 20 ms
ABOVE_FLOOR_DB = 12.0  # a frame this far above the clip's own noise floor is sound
BELOW_PEAK_DB = 45.0  # ... and never more than this below the loudest frame (a floor of digital silence)
MIN_SILENCE_S = 0.12  # a quieter stretch shorter than this is a stop consonant, not a silence
MIN_SPEECH_S = 0.04  # a louder stretch shorter than this is a click
PAD_S = 0.02  # an onset is put one frame early, an offset one frame late: the weakest edge of a word is quiet
REACH_S = 0.3  # a word that starts in silence moves to an onset at most this far after its own end
TINY = 0.01  # the least a word lasts (cues.TINY)

Interval = tuple[float, float]


def speech_intervals(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[Interval]:
    """The (start, end) seconds of sound in mono `samples`: 20 ms frames whose RMS level stands clear of the
    clip's noise floor (its 10th percentile frame), short gaps closed and short bursts dropped."""
    frame = max(1, round(FRAME_S * sample_rate))
    count = len(samples) // frame
    if count == 0:
        return []
    frames = np.asarray(samples[: count * frame], dtype=np.float64).reshape(count, frame)
    level_db = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-10)
    threshold = max(float(np.percentile(level_db, 10)) + ABOVE_FLOOR_DB, float(level_db.max()) - BELOW_PEAK_DB)
    loud = np.flatnonzero(np.diff(np.concatenate(([0], (level_db > threshold).astype(np.int8), [0]))))
    runs = [[int(a), int(b)] for a, b in zip(loud[::2], loud[1::2], strict=True)]  # frame indices [a, b)
    closed: list[list[int]] = []
    for run in runs:
        if closed and (run[0] - closed[-1][1]) * FRAME_S < MIN_SILENCE_S:
            closed[-1][1] = run[1]
        else:
            closed.append(run)
    duration = len(samples) / sample_rate
    step = frame / sample_rate
    return [(max(0.0, a * step - PAD_S), min(duration, b * step + PAD_S)) for a, b in closed if (b - a) * FRAME_S >= MIN_SPEECH_S]


def cue_starts_on_speech(cues: Sequence[Cue], speech: Sequence[Interval], min_duration: float) -> tuple[Cue, ...]:
    """Each cue that would appear in the silence before its first word starts at the next speech onset instead
    (when that onset is within its first word or `REACH_S` after it, and the cue keeps `min_duration`); its words
    that started earlier start there too. Only starts move, later: no cut, line or end changes, so every rule the
    cue kept it still keeps. No speech found at all: the cues as they are."""
    if not speech:
        return tuple(cues)
    onsets = [start for start, _ in speech]
    moved = []
    for cue in cues:
        onset = _onset_after(cue.start, speech, onsets)
        first_end = cue.words[0].end if cue.words else cue.end
        if onset is None or onset >= first_end + REACH_S or cue.end - onset < min_duration:
            moved.append(cue)
            continue
        words = tuple(
            Word(min(onset, w.end - TINY), w.end, w.text, w.probability) if w.start < onset else w for w in cue.words
        )
        moved.append(dataclasses.replace(cue, start=onset, words=words))
    return tuple(moved)


def _onset_after(t: float, speech: Sequence[Interval], onsets: list[float]) -> float | None:
    """The next speech onset when `t` lies in silence; None when `t` is already in speech (or none follows)."""
    if not _silent_at(t, speech, onsets):
        return None
    nxt = bisect.bisect_right(onsets, t)
    return onsets[nxt] if nxt < len(onsets) else None


def _silent_at(t: float, speech: Sequence[Interval], onsets: list[float]) -> bool:
    k = bisect.bisect_right(onsets, t) - 1
    return k < 0 or t > speech[k][1]
