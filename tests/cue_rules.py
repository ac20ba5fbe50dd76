"""The rules every cue obeys, checked on every cue of a run (shared by the cue and translation tests)."""

from __future__ import annotations

from subtitler.cues import Rule, cue_violations, max_lead_in
from subtitler.model import Cue, Word
from subtitler.options import CueOptions

EPS = 1e-9


def check_invariants(words: list[Word], cues: tuple[Cue, ...], options: CueOptions, duration: float | None) -> None:
    """The hard rules on every cue, and each soft rule broken only where the timing leaves no choice."""
    assert cues
    assert " ".join(c.text.replace("\n", " ") for c in cues).split() == " ".join(w.text for w in words).split()
    first_word = 0
    for k, cue in enumerate(cues):
        count = len(cue.text.split())
        spoken = words[first_word : first_word + count]
        first_word += count
        assert cue.end > cue.start
        assert 1 <= len(cue.lines) <= options.max_lines or len(spoken) == 1
        assert all(line == line.strip() and line for line in cue.lines)
        assert cue.duration <= options.max_duration + EPS
        if duration is not None:
            assert cue.end <= duration + EPS
        problems = cue_violations(cue, options)
        if len(spoken) > 1:
            assert not [p for p in problems if p.rule in (Rule.LINES, Rule.CHARS_PER_LINE)], (cue, problems)
        nxt = cues[k + 1] if k + 1 < len(cues) else None
        if nxt is not None:
            assert nxt.start > cue.start
            assert cue.end <= nxt.start - options.min_gap + EPS, (cue, nxt)
        # Too brief or too fast only where the cue already stays as long as the rules allow.
        held_back = (
            (nxt is not None and cue.end >= nxt.start - options.min_gap - EPS)
            or cue.end >= spoken[-1].end + options.max_extend - EPS
            or cue.duration >= options.max_duration - EPS
            or (duration is not None and cue.end >= duration - EPS)
        )
        # Too fast also only where it could not show earlier: into the silence the cue before leaves, up to
        # max_lead_in before its first word (the first cue never shows before its first word).
        previous = cues[k - 1] if k else None
        held_early = (
            previous is None
            or cue.start <= previous.end + options.min_gap + EPS
            or cue.start <= spoken[0].start - max_lead_in(options) + EPS
            or cue.duration >= options.max_duration - EPS
        )
        for problem in problems:
            if problem.rule in (Rule.MIN_DURATION, Rule.READING_SPEED):
                assert held_back, (cue, problem)
            if problem.rule is Rule.READING_SPEED:
                assert held_early, (cue, previous, problem)
    assert first_word == len(words)
